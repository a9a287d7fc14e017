/* signing.c - sign-off's rules (F2). */
#include "signing.h"

#include <string.h>

#include "candour/util.h"

static int s_fail(so_error_t *e, const char *code, const char *field, const char *message)
{
    e->code = code;
    e->field = field;
    e->message = message;
    return -1;
}

static int s_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 200 && cd_text_ok(s, n, 0);
}

int so_validate_sign(const Candour__V1__SignResponse *s, so_error_t *e)
{
    if (!s->complaint_ref[0])
        return s_fail(e, "REQUIRED", "sign.complaint_ref", "the complaint's reference is required");
    if (!s_name_ok(s->signed_by))
        return s_fail(e, "REQUIRED", "sign.signed_by",
                      "name the person signing (at most 200 bytes of text)");
    if (!s_name_ok(s->signatory_role))
        return s_fail(e, "REQUIRED", "sign.signatory_role",
                      "give the signatory's role, e.g. responsible person or chief executive");
    return 0;
}

int so_draft_signable(const char *state)
{
    return strcmp(state, "awaiting-signature") == 0;
}
