#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/qr.h"

#ifdef HAVE_QRENCODE
#include <qrencode.h>

/* Light modules print as blocks and dark as spaces, the way a dark terminal
 * makes scanners happy; a quiet zone of 2 modules surrounds the code. */
char *
qr_render(const char *text)
{
	static const char *const cells[4] = { "\xe2\x96\x88", "\xe2\x96\x80", "\xe2\x96\x84", " " };
	QRcode *q;
	char *out, *p;
	int w, x, y, q0 = 2, n;

	if (strlen(text) > 512 || (q = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1)) == NULL)
		return NULL;
	w = q->width;
	n = w + 2 * q0;
	if ((out = malloc((size_t)(n / 2 + 2) * (size_t)(n * 3 + 1) + 1)) == NULL) {
		QRcode_free(q);
		return NULL;
	}
	p = out;
	for (y = -q0; y < w + q0; y += 2) {
		for (x = -q0; x < w + q0; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w && (q->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (q->data[(y + 1) * w + x] & 1);
			const char *c = cells[(top ? 2 : 0) | (bot ? 1 : 0)];

			/* cells: [0] both light, [1] top light, [2] bottom light, [3] both dark */
			memcpy(p, c, strlen(c));
			p += strlen(c);
		}
		*p++ = '\n';
	}
	*p = '\0';
	QRcode_free(q);
	return out;
}
#else
char *
qr_render(const char *text)
{
	(void)text;
	return NULL;
}
#endif
