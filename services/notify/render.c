/* render.c - the letters an event asks for, as text (render.h). */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/log.h"
#include "letters.h"
#include "template.h"

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

/* The variables every letter of kind has (template.c's table), into vars
 * (room for 8, ending {NULL}), with today's date and the response's in
 * words into the buffers given. */
static void s_vars(const nt_ctx_t *c, const char *kind, char today[64], char due[64],
                   nt_var_t vars[8])
{
    cd_date_t d;
    today[0] = due[0] = '\0';
    if (cd_date_parse(c->today, &d) == 0)
        cd_date_words(d, 1, today, 64);
    const char *iso = s_due_of(kind, c->payload);
    if (iso && cd_date_parse(iso, &d) == 0)
        cd_date_words(d, 1, due, 64);
    nt_var_t v[] = {
        {"reference", c->reference},
        {"today", today},
        {"org.name", c->org_name},
        {"complainant.salutation", c->to->address_as[0] ? c->to->address_as : c->to->name},
        {"response.due", due},
        {NULL, NULL},
    };
    memcpy(vars, v, sizeof v);
}

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
    char today[64], due[64];
    nt_var_t vars[8];
    s_vars(c, NT_KIND_COVERING, today, due, vars);
    vars[5] = (nt_var_t){"signatory.name", ra.signed_by};
    vars[6] = (nt_var_t){"signatory.role", ra.signatory_role};
    vars[7] = (nt_var_t){NULL, NULL};
    nt_tpl_error_t err;
    char *words = nt_tpl_render(c->covering, nt_var_lookup, vars, &err);
    if (!words) {
        cd_log_error("template.not_applied", "{s:s, s:s, s:s}", "reference", c->reference, "kind",
                     NT_KIND_COVERING, "part", "covering");
        return NULL;
    }
    ra.covering_letter = words;
    ra.covering_signed_by = ra.signed_by;
    ra.covering_signatory_role = ra.signatory_role;
    char *out = nt_render_covering(c->to, c->reference, c->today, &ra);
    free(words);
    return out;
}

void nt_apply_templates(const nt_ctx_t *c, const char *kind, const char *json, char **text,
                        char **head)
{
    char today[64], due[64];
    nt_var_t vars[8];
    s_vars(c, kind, today, due, vars);
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
