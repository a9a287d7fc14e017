/* case_show.c - `candourctl case show REF`: the case as investigation
 * holds it (a CaseView) printed for a person: investigator and impartiality
 * check, plan, key issues, evidence, findings, actions, remedy, the outcome
 * they imply, the names withheld from the response, partners' parts and
 * every version of the draft response.
 * casework.c parses the options and sends the request (casework.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "candour/v1/events.pb-c.h"
#include "casework.h"

/* "OUTCOME_PARTIALLY_UPHELD" as "partially upheld", into out. */
static const char *s_outcome_words(Candour__V1__Outcome o, char *out, size_t len)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, (int)o);
    const char *name = v ? v->name : "?";
    if (strncmp(name, "OUTCOME_", 8) == 0)
        name += 8;
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++)
        out[i] = name[i] == '_' ? ' ' : (char)(name[i] | 0x20);
    out[i] = 0;
    return out;
}

/* text, each of its lines indented. */
static void s_block(int indent, const char *text)
{
    while (text && *text) {
        size_t n = strcspn(text, "\n");
        printf("%*s%.*s\n", indent, "", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

/* A list of strings under a heading; nothing when empty. */
static void s_list(const char *heading, char **v, size_t n)
{
    if (!n)
        return;
    printf("\n%s\n", heading);
    for (size_t i = 0; i < n; i++)
        printf("  - %s\n", v[i]);
}

static void s_show_issues(const Candour__V1__CaseView *v)
{
    if (!v->n_issues)
        return;
    printf("\nkey issues     agreed %s%s%s\n",
           *v->issues_agreed_on ? v->issues_agreed_on : "(no date)",
           *v->issues_agreed_how ? ", " : "", v->issues_agreed_how);
    for (size_t i = 0; i < v->n_issues; i++) {
        const Candour__V1__KeyIssue *k = v->issues[i];
        printf("  %-5s %s\n", k->issue_id, k->summary);
        printf("        subject %s, service area %s, profession %s\n", k->subject, k->service_area,
               k->profession);
    }
}

static void s_show_evidence(const Candour__V1__CaseView *v)
{
    if (!v->n_evidence)
        return;
    printf("\nevidence\n");
    for (size_t i = 0; i < v->n_evidence; i++) {
        const Candour__V1__Evidence *e = v->evidence[i];
        printf("  %-3d %s, from %s, dated %s\n", e->number, e->kind, e->source, e->date);
        s_block(6, e->summary);
        if (*e->flag)
            printf("      %s: %s\n", e->flag, e->flag_note);
        if (e->attachment) {
            const Candour__V1__Attachment *a = e->attachment;
            printf("      attachment %s, %s, %" PRIu64 " bytes\n", a->filename, a->media_type,
                   a->size);
            printf("      sha256 %s\n", a->sha256);
        }
        if (*e->recorded_by)
            printf("      recorded by %s\n", e->recorded_by);
    }
}

static void s_show_findings(const Candour__V1__CaseView *v)
{
    if (v->n_findings)
        printf("\nfindings\n");
    for (size_t i = 0; i < v->n_findings; i++) {
        const Candour__V1__Finding *f = v->findings[i];
        printf("  %-5s %s\n", f->issue_id, f->verdict);
        ctl_case_line(8, "what happened", f->what_happened);
        ctl_case_line(8, "should have", f->what_should_have_happened);
        ctl_case_line(8, "not addressed", f->not_addressed_reason);
    }
    s_list("failings", v->failings, v->n_failings);
    if (v->n_actions)
        printf("\nactions\n");
    for (size_t i = 0; i < v->n_actions; i++) {
        const Candour__V1__Action *a = v->actions[i];
        printf("  %zu. %s\n     owner %s, due %s, %s%s\n", i + 1, a->description, a->owner, a->due,
               a->done ? "done on " : "not done yet", a->done ? a->done_on : "");
    }
    s_list("lessons", v->lessons, v->n_lessons);
    const Candour__V1__Remedy *m = v->remedy;
    if (m && (*m->apology || m->redress_pence || *m->service_change)) {
        printf("\nremedy\n");
        ctl_case_line(2, "apology", m->apology);
        if (m->redress_pence)
            printf("  %-15s£%" PRId64 ".%02d%s%s\n", "redress", m->redress_pence / 100,
                   (int)(m->redress_pence % 100), *m->redress_for ? " for " : "", m->redress_for);
        ctl_case_line(2, "service change", m->service_change);
    }
}

static void s_show_rest(const Candour__V1__CaseView *v)
{
    char words[64];
    printf("\noutcome implied  %s\n", v->outcome == CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED
                                          ? "none yet"
                                          : s_outcome_words(v->outcome, words, sizeof words));
    s_list("names withheld from the response", v->withheld, v->n_withheld);
    if (v->n_contributions)
        printf("\npartners' parts\n");
    for (size_t i = 0; i < v->n_contributions; i++) {
        const Candour__V1__Contribution *c = v->contributions[i];
        if (c->waived)
            printf("  %s: waived by %s: %s\n", c->org, c->recorded_by, c->reason);
        else
            printf("  %s: received %s\n", c->org, c->received_at);
    }
    if (v->n_drafts)
        printf("\ndraft response\n");
    for (size_t i = 0; i < v->n_drafts; i++) {
        const Candour__V1__DraftVersion *d = v->drafts[i];
        printf("  version %d, %s by %s at %s\n    sha256 %s\n", d->version,
               d->assembled ? "assembled" : "edited", d->made_by, d->made_at, d->sha256);
    }
}

static void s_print_case(const Candour__V1__Reply *r)
{
    if (!ctl_case_is(r, CANDOUR__V1__REPLY__RESULT_CASE_VIEW))
        return;
    const Candour__V1__CaseView *v = r->case_view;
    ctl_case_line(0, "case", v->complaint_ref);
    ctl_case_line(0, "state", v->state);
    ctl_case_line(0, "organisation", v->org_id);
    ctl_case_line(0, "investigator", *v->investigator ? v->investigator : "none assigned yet");
    if (*v->impartiality) {
        printf("impartiality\n");
        s_block(2, v->impartiality);
    }
    if (*v->grading) {
        printf("\nplan           %s\n", v->grading);
        for (size_t i = 0; i < v->n_steps; i++)
            printf("  - %s\n", v->steps[i]);
        ctl_case_line(2, "reason", v->plan_reason);
    } else {
        printf("\nplan           none yet\n");
    }
    s_show_issues(v);
    s_show_evidence(v);
    s_show_findings(v);
    s_show_rest(v);
}

int ctl_case_show(ctl_case_opts_t *o)
{
    Candour__V1__GetCase g = CANDOUR__V1__GET_CASE__INIT;
    g.complaint_ref = (char *)o->ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_CASE;
    req.get_case = &g;
    return ctl_case_send(&req, o, "show", s_print_case);
}
