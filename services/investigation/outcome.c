/* outcome.c - investigation's rules for recording an outcome (V5), the
 * case's state as the lifecycle sees it, and the partners' parts (R3). */
#include "outcome.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "candour/util.h"

#define IV_MAX_FINDINGS 50000
#define IV_MAX_NAME 200

int iv_validate_outcome(const Candour__V1__RecordOutcome *ro, cd_fail_t *e)
{
    if (!ro->complaint_ref[0])
        return cd_fail(e, CD_CODE_REQUIRED, "record_outcome.complaint_ref",
                       "the complaint's reference is required");
    switch (ro->outcome) {
    case CANDOUR__V1__OUTCOME__OUTCOME_UPHELD:
    case CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD:
    case CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD:
    case CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN:
        break;
    default:
        return cd_fail(e, CD_CODE_INVALID_ENUM, "record_outcome.outcome",
                       "the outcome must be OUTCOME_UPHELD, OUTCOME_PARTIALLY_UPHELD,"
                       " OUTCOME_NOT_UPHELD or OUTCOME_WITHDRAWN");
    }
    size_t flen = strlen(ro->findings);
    if (flen == 0 && ro->outcome != CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN)
        return cd_fail(e, CD_CODE_REQUIRED, "record_outcome.findings",
                       "the findings are required: the response sets them out for the complainant");
    if (flen > IV_MAX_FINDINGS)
        return cd_fail(e, CD_CODE_TOO_LONG, "record_outcome.findings",
                       "the findings are over 50,000 bytes");
    if (!cd_text_ok(ro->findings, flen, 1))
        return cd_fail(e, CD_CODE_INVALID_TEXT, "record_outcome.findings",
                       "the findings must be UTF-8 text without control characters");
    /* Who recorded it is the person acting (Request.acting), from the
     * directory; a name given here is only checked as text, never taken. */
    size_t blen = strlen(ro->recorded_by);
    if (blen > IV_MAX_NAME)
        return cd_fail(e, CD_CODE_TOO_LONG, "record_outcome.recorded_by",
                       "at most 200 bytes are allowed");
    if (!cd_text_ok(ro->recorded_by, blen, 0))
        return cd_fail(e, CD_CODE_INVALID_TEXT, "record_outcome.recorded_by",
                       "recorded_by must be UTF-8 text without control characters");
    return 0;
}

/* ---------------------------------------------------------------- state */

cd_state_t iv_case_state(const char *state)
{
    static const struct {
        const char *name;
        cd_state_t state;
    } map[] = {
        {"open", CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_UNDER_INVESTIGATION},
        {"completed", CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_AWAITING_SIGN_OFF},
        {"withdrawn", CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_WITHDRAWN},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(state, map[i].name) == 0)
            return map[i].state;
    return CD_STATE_NONE;
}

int iv_case_accepts_outcome(const char *state)
{
    return cd_lc_allows(iv_case_state(state), CD_LC_INVESTIGATION_COMPLETED);
}

/* ---------------------------------------------------------------- partners (R3) */

/* Whether partners[i] is still outstanding and not named earlier in the list:
 * a part in, or a waiver, is an entry of parts under its name. */
static int s_outstanding(const char *const *partners, size_t i,
                         Candour__V1__Contribution *const *parts, size_t nparts)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(partners[j], partners[i]) == 0)
            return 0;
    for (size_t k = 0; k < nparts; k++)
        if (strcmp(parts[k]->org, partners[i]) == 0)
            return 0;
    return 1;
}

size_t iv_partners_outstanding(const char *const *partners, size_t npartners,
                               Candour__V1__Contribution *const *parts, size_t nparts,
                               const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < npartners; i++)
        if (s_outstanding(partners, i, parts, nparts))
            out[n++] = partners[i];
    return n;
}

/* Append to buf (len bytes) at offset o; the new offset, never past the
 * terminator, so a long text is cut rather than overrun. */
static size_t s_append(char *buf, size_t len, size_t o, const char *fmt, ...)
{
    if (o + 1 >= len)
        return o;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + o, len - o, fmt, ap);
    va_end(ap);
    if (w < 0)
        return o;
    return o + (size_t)w < len ? o + (size_t)w : len - 1;
}

/* "the parts of A, B are not in yet: ...", naming as many as fit in msg and
 * counting the rest, so the sentence always ends as it should. */
static void s_outstanding_message(const char *const *partners, size_t npartners,
                                  Candour__V1__Contribution *const *parts, size_t nparts, size_t n,
                                  char *msg, size_t msglen)
{
    const char *tail = n == 1 ? " is not in yet: wait for it, or the complaints manager records"
                                " that the response goes without it"
                              : " are not in yet: wait for them, or the complaints manager"
                                " records that the response goes without them";
    size_t room = strlen(tail) + sizeof " and 99999 more";
    size_t names_end = msglen > room ? msglen - room : 0;
    size_t o = s_append(msg, msglen, 0, n == 1 ? "the part of " : "the parts of ");
    size_t shown = 0;
    for (size_t i = 0; i < npartners; i++) {
        if (!s_outstanding(partners, i, parts, nparts))
            continue;
        const char *sep = shown ? ", " : "";
        if (o + strlen(sep) + strlen(partners[i]) >= names_end)
            break;
        o = s_append(msg, msglen, o, "%s%s", sep, partners[i]);
        shown++;
    }
    if (shown == 0)
        o = s_append(msg, msglen, o, "%zu partners", n);
    else if (shown < n)
        o = s_append(msg, msglen, o, " and %zu more", n - shown);
    s_append(msg, msglen, o, "%s", tail);
}

int iv_outcome_allowed(const char *state, const char *const *partners, size_t npartners,
                       Candour__V1__Contribution *const *parts, size_t nparts, cd_fail_t *err)
{
    if (!iv_case_accepts_outcome(state)) {
        cd_state_t s = iv_case_state(state);
        return cd_fail(err, CD_CODE_FAILED_PRECONDITION, "record_outcome.complaint_ref", "%s",
                       s == CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_WITHDRAWN
                           ? "the complaint was withdrawn"
                       : s == CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_AWAITING_SIGN_OFF
                           ? "the case already has an outcome"
                           : "the case cannot take an outcome in the state it is in");
    }
    size_t n = 0;
    for (size_t i = 0; i < npartners; i++)
        n += (size_t)s_outstanding(partners, i, parts, nparts);
    if (n == 0)
        return 0;
    cd_fail(err, CD_CODE_FAILED_PRECONDITION, "record_outcome.complaint_ref", NULL);
    s_outstanding_message(partners, npartners, parts, nparts, n, err->message, sizeof err->message);
    return -1;
}
