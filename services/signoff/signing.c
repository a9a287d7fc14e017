/* signing.c - sign-off's rules (F2), and which drafts the lifecycle lets
 * be signed. */
#include "signing.h"

#include <string.h>

#include "candour/util.h"

/* A name or role: present, at most 200 bytes, plain text. */
static int s_name(const char *s, const char *field, const char *missing, cd_fail_t *e)
{
    size_t n = strlen(s);
    if (n == 0)
        return cd_fail(e, CD_CODE_REQUIRED, field, "%s", missing);
    if (n > 200)
        return cd_fail(e, CD_CODE_TOO_LONG, field, "at most 200 bytes are allowed");
    if (!cd_text_ok(s, n, 0))
        return cd_fail(e, CD_CODE_INVALID_TEXT, field,
                       "must be UTF-8 text without control characters");
    return 0;
}

int so_validate_sign(const Candour__V1__SignResponse *s, cd_fail_t *e)
{
    if (!s->complaint_ref[0])
        return cd_fail(e, CD_CODE_REQUIRED, "sign.complaint_ref",
                       "the complaint's reference is required");
    /* Who signs is the person acting (Request.acting), from the directory;
     * a name or role given here is only checked as text, never taken. */
    if ((s->signed_by[0] && s_name(s->signed_by, "sign.signed_by", "", e)) ||
        (s->signatory_role[0] && s_name(s->signatory_role, "sign.signatory_role", "", e)))
        return -1;
    return 0;
}

cd_state_t so_draft_state(const char *state)
{
    static const struct {
        const char *name;
        cd_state_t state;
    } map[] = {
        {"awaiting-signature", CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_AWAITING_SIGN_OFF},
        {"approved", CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_RESPONSE_APPROVED},
        {"withdrawn", CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_WITHDRAWN},
        {"returned", CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_UNDER_INVESTIGATION},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(state, map[i].name) == 0)
            return map[i].state;
    return CD_STATE_NONE;
}

int so_draft_signable(const char *state)
{
    /* A returned draft waits for its next version, whatever the lifecycle
     * allows the complaint (under investigation again). */
    return strcmp(state, "returned") != 0 &&
           cd_lc_allows(so_draft_state(state), CD_LC_RESPONSE_APPROVED);
}

int so_return_allowed(const char *state, cd_fail_t *e)
{
    if (cd_lc_allows(so_draft_state(state), CD_LC_DRAFT_RETURNED))
        return 0;
    return cd_fail(e, CD_CODE_FAILED_PRECONDITION, "return_draft.complaint_ref",
                   strcmp(state, "returned") == 0
                       ? "the draft was returned already: the next version comes when the"
                         " investigator records the outcome again"
                       : "only a draft awaiting signature can be returned");
}

int so_sign_allowed(const char *state, cd_fail_t *e)
{
    if (so_draft_signable(state))
        return 0;
    if (strcmp(state, "returned") == 0)
        return cd_fail(e, CD_CODE_FAILED_PRECONDITION, "sign.complaint_ref",
                       "the draft was returned to the investigator: the next version comes when"
                       " the outcome is recorded again");
    switch (so_draft_state(state)) {
    case CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_WITHDRAWN:
        return cd_fail(e, CD_CODE_FAILED_PRECONDITION, "sign.complaint_ref",
                       "the complaint was withdrawn");
    case CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_RESPONSE_APPROVED:
        return cd_fail(e, CD_CODE_FAILED_PRECONDITION, "sign.complaint_ref",
                       "the response is already signed");
    default:
        return cd_fail(e, CD_CODE_FAILED_PRECONDITION, "sign.complaint_ref",
                       "the draft cannot be signed in the state it is in");
    }
}

int so_validate_return(const Candour__V1__ReturnDraft *r, cd_fail_t *e)
{
    if (!r->complaint_ref[0])
        return cd_fail(e, CD_CODE_REQUIRED, "return_draft.complaint_ref",
                       "the complaint's reference is required");
    size_t n = strlen(r->reasons);
    if (n == 0)
        return cd_fail(e, CD_CODE_REQUIRED, "return_draft.reasons",
                       "say why the draft goes back, so the investigator can put it right");
    if (n > 4000)
        return cd_fail(e, CD_CODE_TOO_LONG, "return_draft.reasons", "at most 4000 bytes");
    if (!cd_text_ok(r->reasons, n, 1))
        return cd_fail(e, CD_CODE_INVALID_TEXT, "return_draft.reasons",
                       "must be UTF-8 text without control characters other than line breaks");
    return 0;
}
