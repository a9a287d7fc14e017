/* outcome.h - investigation's rules for recording an outcome (V5), pure. */
#ifndef INVESTIGATION_OUTCOME_H
#define INVESTIGATION_OUTCOME_H

#include "candour/v1/api.pb-c.h"

typedef struct {
    const char *code;
    const char *field;
    const char *message;
} iv_error_t;

/* 0 when the outcome may be recorded on an open case, else -1 with err. */
int iv_validate_outcome(const Candour__V1__RecordOutcome *ro, iv_error_t *err);

/* Whether a case in `state` may take an outcome. */
int iv_case_accepts_outcome(const char *state);

#endif
