/* outcome.c - investigation's rules for recording an outcome (V5). */
#include "outcome.h"

#include <string.h>

#include "candour/util.h"

#define IV_MAX_FINDINGS 50000
#define IV_MAX_NAME 200

static int s_fail(iv_error_t *e, const char *code, const char *field, const char *message)
{
    e->code = code;
    e->field = field;
    e->message = message;
    return -1;
}

int iv_validate_outcome(const Candour__V1__RecordOutcome *ro, iv_error_t *e)
{
    if (!ro->complaint_ref[0])
        return s_fail(e, "REQUIRED", "record_outcome.complaint_ref", "the complaint's reference is required");
    switch (ro->outcome) {
    case CANDOUR__V1__OUTCOME__OUTCOME_UPHELD:
    case CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD:
    case CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD:
    case CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN:
        break;
    default:
        return s_fail(e, "INVALID_ENUM", "record_outcome.outcome",
                      "the outcome must be OUTCOME_UPHELD, OUTCOME_PARTIALLY_UPHELD,"
                      " OUTCOME_NOT_UPHELD or OUTCOME_WITHDRAWN");
    }
    size_t flen = strlen(ro->findings);
    if (flen == 0 && ro->outcome != CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN)
        return s_fail(e, "REQUIRED", "record_outcome.findings",
                      "the findings are required: the response sets them out for the complainant");
    if (flen > IV_MAX_FINDINGS)
        return s_fail(e, "TOO_LONG", "record_outcome.findings", "the findings are over 50,000 bytes");
    if (!cd_text_ok(ro->findings, flen, 1))
        return s_fail(e, "INVALID_TEXT", "record_outcome.findings",
                      "the findings must be UTF-8 text without control characters");
    size_t blen = strlen(ro->recorded_by);
    if (blen == 0)
        return s_fail(e, "REQUIRED", "record_outcome.recorded_by", "say who recorded the outcome");
    if (blen > IV_MAX_NAME)
        return s_fail(e, "TOO_LONG", "record_outcome.recorded_by", "at most 200 bytes are allowed");
    if (!cd_text_ok(ro->recorded_by, blen, 0))
        return s_fail(e, "INVALID_TEXT", "record_outcome.recorded_by",
                      "recorded_by must be UTF-8 text without control characters");
    return 0;
}

int iv_case_accepts_outcome(const char *state)
{
    return strcmp(state, "open") == 0;
}
