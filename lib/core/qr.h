/* A compact QR code drawn with UTF-8 half blocks (two modules per line). */
#ifndef PAM_OIDC_QR_H
#define PAM_OIDC_QR_H

/* malloc'd multi-line text, or NULL (no libqrencode, or text too long). */
char *qr_render(const char *text);

#endif
