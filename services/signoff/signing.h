/* signing.h - sign-off's rules (F2), pure. */
#ifndef SIGNOFF_SIGNING_H
#define SIGNOFF_SIGNING_H

#include "candour/v1/api.pb-c.h"

typedef struct {
    const char *code;
    const char *field;
    const char *message;
} so_error_t;

/* 0 when the signature request is complete, else -1 with err. */
int so_validate_sign(const Candour__V1__SignResponse *s, so_error_t *err);

/* Whether a draft in `state` may be signed. */
int so_draft_signable(const char *state);

#endif
