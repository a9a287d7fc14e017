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
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(state, map[i].name) == 0)
            return map[i].state;
    return CD_STATE_NONE;
}

int so_draft_signable(const char *state)
{
    return cd_lc_allows(so_draft_state(state), CD_LC_RESPONSE_APPROVED);
}

int so_sign_allowed(const char *state, cd_fail_t *e)
{
    if (so_draft_signable(state))
        return 0;
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
