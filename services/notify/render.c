/* render.c - the letters an event asks for, as text (render.h). */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/log.h"
#include "letters.h"
#include "template.h"

const char *nt_org_name(const nt_ctx_t *c, const char *org_id)
{
    const char *n = json_string_value(json_object_get(c->names, org_id));
    return n && n[0] ? n : org_id;
}

char *nt_rd_acknowledgement(const nt_ctx_t *c)
{
    return nt_render_acknowledgement(c->to, c->reference, c->today,
                                     (const Candour__V1__LetterRequested *)c->payload);
}

char *nt_rd_consent(const nt_ctx_t *c)
{
    return nt_render_consent_request(c->to, c->complainant, c->reference, c->today);
}

char *nt_rd_triage(const nt_ctx_t *c)
{
    Candour__V1__LetterRequested lr = *(const Candour__V1__LetterRequested *)c->payload;
    lr.lead_org = (char *)nt_org_name(c, lr.lead_org);
    return nt_render_triage(c->to, c->reference, c->today, &lr);
}

char *nt_rd_final_response(const nt_ctx_t *c)
{
    /* The partners' parts under their names (R3). */
    Candour__V1__ResponseApproved ra = *(const Candour__V1__ResponseApproved *)c->payload;
    Candour__V1__Contribution *parts = calloc(ra.n_contributions + 1, sizeof *parts);
    Candour__V1__Contribution **ptrs = calloc(ra.n_contributions + 1, sizeof *ptrs);
    char *text = NULL;
    if (parts && ptrs) {
        for (size_t i = 0; i < ra.n_contributions; i++) {
            parts[i] = *ra.contributions[i];
            parts[i].org = (char *)nt_org_name(c, parts[i].org);
            ptrs[i] = &parts[i];
        }
        ra.contributions = ptrs;
        text = nt_render_final_response(c->to, c->reference, c->today, &ra);
    }
    free(parts);
    free(ptrs);
    return text;
}

char *nt_rd_covering(const nt_ctx_t *c)
{
    return nt_render_covering(c->to, c->reference, c->today,
                              (const Candour__V1__ResponseApproved *)c->payload);
}

/* F2: the covering letter as the body's template words it, signed by the
 * response's signatory, when they wrote none of their own. */
char *nt_rd_covering_template(const nt_ctx_t *c)
{
    Candour__V1__ResponseApproved ra = *(const Candour__V1__ResponseApproved *)c->payload;
    ra.covering_letter = (char *)c->covering;
    ra.covering_signed_by = ra.signed_by;
    ra.covering_signatory_role = ra.signatory_role;
    return nt_render_covering(c->to, c->reference, c->today, &ra);
}

/* The response date a letter gives, by its kind (templates' response.due). */
static const char *s_due_of(const char *kind, const ProtobufCMessage *payload)
{
    if (strcmp(kind, "acknowledgement") == 0)
        return ((const Candour__V1__LetterRequested *)payload)->response_due;
    if (strncmp(kind, "progress-", 9) == 0)
        return ((const Candour__V1__ProgressSent *)payload)->response_due;
    if (strncmp(kind, "extension-", 10) == 0)
        return ((const Candour__V1__DeadlineExtended *)payload)->new_due;
    if (strncmp(kind, "late-response-", 14) == 0)
        return ((const Candour__V1__ResponseLate *)payload)->expected_by;
    return NULL;
}

/* The body's templates applied to a letter (compose.c); a part that
 * cannot be rendered keeps Candour's words, and is logged. */
void nt_apply_templates(const nt_ctx_t *c, const char *kind, const char *org_name, const char *json,
                        char **text, char **head)
{
    char today[64], due[64];
    cd_date_t d;
    cd_date_parse(c->today, &d);
    cd_date_words(d, 1, today, sizeof today);
    const char *iso = s_due_of(kind, c->payload);
    due[0] = '\0';
    if (iso && cd_date_parse(iso, &d) == 0)
        cd_date_words(d, 1, due, sizeof due);
    nt_var_t vars[8] = {
        {"reference", c->reference},
        {"today", today},
        {"org.name", org_name},
        {"complainant.salutation", c->to->address_as[0] ? c->to->address_as : c->to->name},
        {"response.due", due},
        {NULL, NULL},
    };
    const char *failed = NULL;
    nt_compose(text, head, json, vars, &failed);
    if (failed)
        cd_log_error("template.not_applied", "{s:s, s:s, s:s}", "reference", c->reference, "kind",
                     kind, "part", failed);
}

char *nt_rd_extension(const nt_ctx_t *c)
{
    return nt_render_extension(c->to, c->reference, c->today,
                               (const Candour__V1__DeadlineExtended *)c->payload);
}

char *nt_rd_progress(const nt_ctx_t *c)
{
    return nt_render_progress(c->to, c->reference, c->today,
                              (const Candour__V1__ProgressSent *)c->payload);
}

char *nt_rd_late(const nt_ctx_t *c)
{
    return nt_render_late(c->to, c->reference, c->today,
                          (const Candour__V1__ResponseLate *)c->payload);
}

char *nt_rd_withdrawal(const nt_ctx_t *c)
{
    return nt_render_withdrawal(c->to, c->reference, c->today,
                                (const Candour__V1__ComplaintWithdrawn *)c->payload);
}
