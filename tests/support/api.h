/* api.h - a real HTTP client (libcurl) for the gateway's staff API, as an
 * integrator's system would call it. */
#ifndef CANDOUR_TEST_API_H
#define CANDOUR_TEST_API_H

typedef struct {
    int status;    /* the HTTP status; 0: no answer */
    char *body;    /* malloc'd, NUL-terminated */
    char *headers; /* the response's header lines, malloc'd */
} h_resp_t;

/* method path (with any query) on 127.0.0.1:port. token: the bearer token
 * (NULL: no Authorization); idem: the Idempotency-Key (NULL: none); body:
 * JSON (NULL: none). Fails the test only when curl itself cannot run. */
h_resp_t h_api(int port, const char *method, const char *path, const char *token, const char *idem,
               const char *body);
void h_resp_free(h_resp_t *r);

/* The error code of a JSON error answer ("" if none), a static buffer. */
const char *h_resp_code(const h_resp_t *r);
/* A string member at top level of the JSON body, into out ("" if none). */
const char *h_resp_str(const h_resp_t *r, const char *name, char *out, unsigned len);

#endif
