/* The one clock for timeouts and latencies. */
#ifndef PAM_OIDC_CLOCK_H
#define PAM_OIDC_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC. */
long long clock_now_ms(void);

#endif
