/* test_signoff_gate.c - the quality gate as a whole (gate.h): its table of
 * checks, a body's severities, and the run. The draft Candour assembles
 * from a case (investigation's iv_draft_render) must pass every blocking
 * check as it comes, so a team that adds nothing can sign it; a draft
 * edited into an indirect apology and an unexplained acronym is blocked at
 * those places. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draft.h"
#include "gate.h"

static void s_show(const so_findings_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        fprintf(stderr, "  %s %s p%d s%d %s: %s\n", f->v[i].check,
                f->v[i].severity == SO_BLOCKING ? "BLOCKING" : "advice", f->v[i].paragraph,
                f->v[i].sentence, f->v[i].key_issue, f->v[i].message);
}

static size_t s_count(const so_findings_t *f, const char *check)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += strcmp(f->v[i].check, check) == 0;
    return n;
}

static const so_term_t s_glossary[] = {
    {"CHC", "NHS Continuing Healthcare"},
    {"GP", "general practitioner (family doctor)"},
    {"A&E", "accident and emergency"},
};

Test(signoff_gate, every_check_has_a_unique_name_a_function_and_words)
{
    size_t n;
    const so_check_t *c = so_checks(&n);
    cr_assert_geq(n, 12);
    for (size_t i = 0; i < n; i++) {
        cr_assert(c[i].fn && c[i].what && c[i].what[0], "%s", c[i].name);
        cr_assert(so_check_known(c[i].name));
        for (size_t k = i + 1; k < n; k++)
            cr_assert_str_neq(c[i].name, c[k].name);
    }
    cr_assert_not(so_check_known("spelling"));
    cr_assert_not(so_check_known(NULL));
}

/* ------------------------------------------------------------ Candour's own draft */

static const iv_key_issue_t s_issues[] = {
    {.summary = "My mother's CHC funding was stopped without a review", .agreed_on = "2026-10-01"},
    {.summary = "Nobody returned our calls in March", .agreed_on = "2026-10-01"},
};

static const iv_finding_t s_findings[] = {
    {.issue_id = "ki-1",
     .verdict = IV_VERDICT_UPHELD,
     .what_happened = "The funding ended on 3 March with no review meeting held.",
     .what_should_have_happened = "A review with the family before any change."},
    {.issue_id = "ki-2",
     .verdict = IV_VERDICT_UPHELD,
     .what_happened = "Four voicemails were logged and none was answered.",
     .what_should_have_happened = "A call back within two working days."},
};

static const char *const s_steps[] = {"document-review", "records-review"};
static const iv_evidence_t s_evidence[] = {
    {.kind = "complainant-account", .source = "Letter of complaint", .date = "2026-09-28"},
    {.kind = "records", .source = "Funding closure form", .date = "2026-03-03"},
};
static const iv_action_t s_actions[] = {
    {.description = "Add a review check to the closure form.", .due = "2027-01-15"},
};
static const char *const s_failings[] = {"The review the policy requires was not held"};
static const char *const s_lessons[] = {"A closure needs a review date before it is signed off"};

static char *s_assembled(void)
{
    iv_draft_input_t d = {
        .issues = s_issues,
        .findings = s_findings,
        .n_issues = 2,
        .steps = s_steps,
        .n_steps = 2,
        .evidence = s_evidence,
        .n_evidence = 2,
        .outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD,
        .failings = s_failings,
        .n_failings = 1,
        .actions = s_actions,
        .n_actions = 1,
        .lessons = s_lessons,
        .n_lessons = 1,
        .remedy = {.apology = "We are sorry that we stopped your mother's funding without the"
                              " review she was owed."},
    };
    char *t = iv_draft_render(&d);
    cr_assert_not_null(t);
    return t;
}

static so_gate_in_t s_in(const char *text)
{
    static const so_key_issue_t issues[] = {
        {.id = "K1",
         .summary = "My mother's CHC funding was stopped without a review",
         .has_finding = 1,
         .upheld = 1},
        {.id = "K2",
         .summary = "Nobody returned our calls in March",
         .has_finding = 1,
         .upheld = 1},
    };
    so_gate_in_t in = {.text = text,
                       .upheld = 1,
                       .failings = 1,
                       .actions = 1,
                       .issues = issues,
                       .nissues = 2,
                       .address_as = "Mrs Patel",
                       .name = "Anita Patel",
                       .glossary = s_glossary,
                       .nglossary = sizeof s_glossary / sizeof s_glossary[0]};
    return in;
}

Test(signoff_gate, F1_candours_assembled_draft_passes_every_blocking_check)
{
    char *text = s_assembled();
    /* The complainant's words quote "CHC" unexplained: the opening explains
     * it, as a team would. */
    size_t len = strlen(text) + 200;
    char *draft = malloc(len);
    snprintf(draft, len, "Your complaint is about NHS Continuing Healthcare (CHC) funding.\n\n%s",
             text);
    so_gate_in_t in = s_in(draft);
    so_findings_t f = {0};
    int blocking = so_gate_run(&in, NULL, 0, &f);
    s_show(&f);
    cr_assert_eq(blocking, 0, "Candour's own draft is blocked:\n%s", draft);
    so_findings_free(&f);
    free(draft);
    free(text);
}

Test(signoff_gate,
     F1_an_edited_draft_with_an_indirect_apology_and_an_unexplained_acronym_is_blocked)
{
    char *text = s_assembled();
    /* The apology made conditional, and a term no one explained. */
    const char *from = "We are sorry that we stopped";
    char *p = strstr(text, from);
    cr_assert_not_null(p, "%s", text);
    size_t len = strlen(text) + 400;
    char *draft = malloc(len);
    snprintf(draft, len,
             "Your CHC funding was reviewed by the DST panel.\n\n%.*sWe are sorry if you felt"
             " that we stopped%s",
             (int)(p - text), text, p + strlen(from));
    so_gate_in_t in = s_in(draft);
    so_findings_t f = {0};
    int blocking = so_gate_run(&in, NULL, 0, &f);
    s_show(&f);
    cr_assert_geq(blocking, 3);
    cr_assert_eq(s_count(&f, SO_CHECK_INDIRECT_APOLOGY), 1);
    cr_assert_eq(s_count(&f, SO_CHECK_TERMS), 2, "CHC and DST");
    for (size_t i = 0; i < f.n; i++)
        if (strcmp(f.v[i].check, SO_CHECK_TERMS) == 0) {
            cr_assert_eq(f.v[i].paragraph, 1, "at their first use");
            cr_assert_eq(f.v[i].severity, SO_BLOCKING);
        }
    so_findings_free(&f);
    free(draft);
    free(text);
}

/* ------------------------------------------------------------ severities */

Test(signoff_gate, a_body_sets_each_checks_severity)
{
    const char *text = "Dear Mrs Patel,\n\nWe looked at your GP records.\n";
    so_gate_in_t in = s_in(text);
    in.upheld = 0;
    in.failings = in.actions = 0;
    in.nissues = 0;
    so_findings_t f = {0};
    int blocking = so_gate_run(&in, NULL, 0, &f);
    s_show(&f);
    cr_assert_gt(s_count(&f, SO_CHECK_OMBUDSMAN), 0);
    cr_assert_gt(s_count(&f, SO_CHECK_TERMS), 0);
    cr_assert_geq(blocking, 2);
    so_findings_free(&f);
    /* The body makes the terms check advice: one blocking fewer per term. */
    so_severity_rule_t rules[] = {{SO_CHECK_TERMS, SO_ADVICE}, {SO_CHECK_OMBUDSMAN, SO_ADVICE}};
    int relaxed = so_gate_run(&in, rules, 2, &f);
    for (size_t i = 0; i < f.n; i++)
        if (strcmp(f.v[i].check, SO_CHECK_TERMS) == 0 ||
            strcmp(f.v[i].check, SO_CHECK_OMBUDSMAN) == 0)
            cr_assert_eq(f.v[i].severity, SO_ADVICE, "%s", f.v[i].check);
    cr_assert_eq(relaxed, blocking - (int)s_count(&f, SO_CHECK_TERMS) -
                              (int)s_count(&f, SO_CHECK_OMBUDSMAN));
    so_findings_free(&f);
}

Test(signoff_gate, an_empty_draft_is_blocked_not_waved_through)
{
    so_gate_in_t in = s_in("");
    so_findings_t f = {0};
    int blocking = so_gate_run(&in, NULL, 0, &f);
    s_show(&f);
    cr_assert_geq(blocking, 3, "key issues, investigation, apology, Ombudsman...");
    so_findings_free(&f);
}
