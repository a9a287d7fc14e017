/* test_casework_draft.c - the draft response (draft.h; F1, F3): every key
 * issue answered in order, the sections in the order F1 lists them, the
 * Ombudsman's details, the organisation's own opening and closing, and the
 * same bytes for the same input (sign-off signs the draft's SHA-256).
 *
 * Each test starts from one complete case and changes what it is about. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"
#include "draft.h"

static const iv_key_issue_t s_issues[] = {
    {.summary = "Mrs A's care package was stopped without a review",
     .subject = "clinical-treatment",
     .service_area = "continuing-healthcare",
     .profession = "nursing",
     .agreed_on = "2026-10-01",
     .agreed_how = "in-a-meeting"},
    {.summary = "Nobody returned the family's calls in March",
     .subject = "communication",
     .service_area = "continuing-healthcare",
     .profession = "admin",
     .agreed_on = "2026-10-01",
     .agreed_how = "in-a-meeting"},
    {.summary = "The notice letter arrived after the care had stopped",
     .subject = "communication",
     .service_area = "continuing-healthcare",
     .profession = "admin",
     .agreed_on = "2026-10-01",
     .agreed_how = "in-a-meeting"},
    {.summary = "A carer was rude during a home visit",
     .subject = "staff-attitude",
     .service_area = "community",
     .profession = "care-staff",
     .agreed_on = "2026-10-01",
     .agreed_how = "in-a-meeting"},
};

static const iv_finding_t s_findings[] = {
    {.issue_id = "ki-1",
     .verdict = IV_VERDICT_UPHELD,
     .what_happened = "The package ended on 3 March with no review meeting held",
     .what_should_have_happened = "A review with the family before any change, as the policy"
                                  " requires"},
    {.issue_id = "ki-2",
     .verdict = IV_VERDICT_UPHELD,
     .what_happened = "Four voicemails were logged and none was answered.",
     .what_should_have_happened = "A call back within two working days."},
    {.issue_id = "ki-3",
     .verdict = IV_VERDICT_NOT_UPHELD,
     .what_happened = "The letter was posted on 10 February, three weeks before the change.",
     .what_should_have_happened = "Notice at least two weeks before, which was given."},
    {.issue_id = "ki-4",
     .verdict = IV_VERDICT_NOT_ADDRESSED,
     .not_addressed_reason = "The carer is employed by an agency that is answering this part"
                             " itself"},
};

static const char *const s_steps[] = {"document-review", "records-review",
                                      "independent-clinical-advice"};

static const iv_evidence_t s_evidence[] = {
    {.kind = "complainant-account",
     .source = "Letter of complaint",
     .date = "2026-09-28",
     .summary = "SECRET-SUMMARY-1 the family's account in full"},
    {.kind = "records",
     .source = "Care package closure form",
     .date = "2026-03-03",
     .summary = "SECRET-SUMMARY-2 the form",
     .flag = "gap",
     .flag_note = "No review date was entered"},
    {.kind = "staff-account",
     .source = "Ward manager, Ward 7",
     .date = "2026-11-02",
     .summary = "SECRET-SUMMARY-3 the manager's account",
     .flag = "discrepancy",
     .flag_note = "The diary shows the review as held; the manager says it was not."},
};

static const iv_action_t s_actions[] = {
    {.description = "Audit every care package closed this year for a missing review",
     .owner = "staff-7781",
     .due = "2026-12-04"},
    {.description = "Add a review check to the closure form.",
     .owner = "CHC team",
     .due = "2026-11-01",
     .done = 1,
     .done_on = "2026-11-20"},
};

static const char *const s_failings[] = {"The review the policy requires was not held",
                                         "Calls were not returned"};
static const char *const s_lessons[] = {"A closure needs a review date before it is signed off"};

static Candour__V1__Contribution s_part_in, s_part_waived;
static Candour__V1__Contribution *s_parts[2];

static iv_draft_input_t s_input(void)
{
    Candour__V1__Contribution in = CANDOUR__V1__CONTRIBUTION__INIT;
    in.org = "Riverside Care Agency";
    in.findings = "Our records show the visits went ahead as planned.";
    s_part_in = in;
    Candour__V1__Contribution waived = CANDOUR__V1__CONTRIBUTION__INIT;
    waived.org = "North Community Trust";
    waived.waived = 1;
    waived.reason = "it did not answer our three requests";
    s_part_waived = waived;
    s_parts[0] = &s_part_in;
    s_parts[1] = &s_part_waived;
    iv_draft_input_t d = {
        .opening = "",
        .closing = "",
        .issues = s_issues,
        .findings = s_findings,
        .n_issues = 4,
        .steps = s_steps,
        .n_steps = 3,
        .evidence = s_evidence,
        .n_evidence = 3,
        .parts = s_parts,
        .n_parts = 2,
        .outcome = CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD,
        .failings = s_failings,
        .n_failings = 2,
        .actions = s_actions,
        .n_actions = 2,
        .lessons = s_lessons,
        .n_lessons = 1,
        .remedy = {.apology = "We are sorry that we stopped Mrs A's care without the review she"
                              " was owed, and that nobody returned your calls.",
                   .redress_pence = 123456,
                   .redress_for = "the care you paid for between March and May",
                   .service_change = "Every closure is now checked by a senior nurse"},
        .follow_up = "",
    };
    return d;
}

static char *s_render(const iv_draft_input_t *in)
{
    char *t = iv_draft_render(in);
    cr_assert_not_null(t, "out of memory?");
    return t;
}

/* Where needle is in hay, after `from`; fails when absent. */
static const char *s_at(const char *hay, const char *from, const char *needle)
{
    const char *p = strstr(from, needle);
    cr_assert_not_null(p, "\"%s\" missing (or out of order) in:\n%s", needle, hay);
    return p;
}

Test(casework_draft, the_draft_answers_every_key_issue_in_order)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    const char *found = s_at(t, t, "What we found\n\n");
    const char *p = found;
    for (size_t i = 0; i < in.n_issues; i++) {
        p = s_at(t, p, in.issues[i].summary);
        if (in.findings[i].verdict == IV_VERDICT_NOT_ADDRESSED) {
            p = s_at(t, p, in.findings[i].not_addressed_reason);
            continue;
        }
        p = s_at(t, p, in.findings[i].what_happened);
        p = s_at(t, p, in.findings[i].what_should_have_happened);
        p = s_at(t, p,
                 in.findings[i].verdict == IV_VERDICT_UPHELD
                     ? "We uphold this part of your complaint."
                     : "We do not uphold this part of your complaint.");
    }
    s_at(t, p, "Our conclusions");
    free(t);
}

Test(casework_draft, every_key_issues_summary_and_finding_text_appears_in_the_draft)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    for (size_t i = 0; i < in.n_issues; i++) {
        s_at(t, t, in.issues[i].summary);
        const iv_finding_t *f = &in.findings[i];
        if (f->verdict == IV_VERDICT_NOT_ADDRESSED) {
            s_at(t, t, f->not_addressed_reason);
        } else {
            s_at(t, t, f->what_happened);
            s_at(t, t, f->what_should_have_happened);
        }
    }
    free(t);
}

Test(casework_draft, the_same_input_gives_the_same_bytes)
{
    iv_draft_input_t in = s_input();
    char *a = s_render(&in);
    char *b = s_render(&in);
    cr_assert_str_eq(a, b);
    /* The same text at other addresses: nothing depends on where it lives. */
    char *summary = strdup(s_issues[0].summary);
    iv_key_issue_t issues[4];
    memcpy(issues, s_issues, sizeof issues);
    issues[0].summary = summary;
    in.issues = issues;
    char *c = s_render(&in);
    cr_assert_str_eq(a, c);
    free(a);
    free(b);
    free(c);
    free(summary);
}

Test(casework_draft, the_sections_come_in_the_order_F1_lists_them)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    static const char *const order[] = {
        "Thank you for your complaint",
        "What you complained about\n",
        "How we looked into your complaint\n",
        "What we found\n",
        "What Riverside Care Agency found\n",
        "What North Community Trust found\n",
        "Our conclusions\n",
        "Our apology\n",
        "What we are doing about it\n",
        "What we have learned\n",
        "Putting things right\n",
        "How we will tell you about changes\n",
        "If you are not happy with our response\n",
        "Thank you for raising your concerns with us.",
    };
    const char *p = t;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        p = s_at(t, p, order[i]);
    cr_assert_eq(t[strlen(t) - 1], '\n');
    cr_assert_neq(t[strlen(t) - 2], '\n', "the draft ends with one newline");
    cr_assert(cd_text_ok(t, strlen(t), 1), "plain UTF-8 text");
    free(t);
}

Test(casework_draft, F3_the_draft_gives_the_ombudsmans_details)
{
    iv_draft_input_t in = s_input();
    in.outcome = CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD;
    char *t = s_render(&in);
    const char *p = s_at(t, t, "Parliamentary and Health Service Ombudsman\n");
    p = s_at(t, p, "  Millbank Tower, Millbank, London SW1P 4QP\n");
    p = s_at(t, p, "  Telephone: 0345 015 4033\n");
    s_at(t, p, "  Website: www.ombudsman.org.uk\n");
    free(t);
}

Test(casework_draft, an_organisations_opening_and_closing_replace_ours)
{
    iv_draft_input_t in = s_input();
    in.opening = "Dear colleague-approved opening.\n\n";
    in.closing = "Our own closing words.";
    char *t = s_render(&in);
    static const char start[] = "Dear colleague-approved opening.\n\nWhat you complained about";
    cr_assert_eq(strncmp(t, start, sizeof start - 1), 0, "%s", t);
    cr_assert_null(strstr(t, "Thank you for your complaint, and for your patience"));
    size_t n = strlen(t), c = strlen("Our own closing words.\n");
    cr_assert_str_eq(t + n - c, "Our own closing words.\n");
    free(t);
}

Test(casework_draft, the_plan_is_in_words_and_the_evidence_by_kind_source_and_date_only)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    const char *p = s_at(t, t, "To look into your complaint, we:\n\n- read the documents");
    p = s_at(t, p, "- read the care records\n");
    p = s_at(t, p, "- asked for independent clinical advice: the view of a doctor");
    p = s_at(t, p, "- Your account: Letter of complaint, dated 28 September 2026.\n");
    p = s_at(t, p, "- Records: Care package closure form, dated 3 March 2026.\n");
    p = s_at(t, p, "  Something is missing from this evidence: No review date was entered.\n");
    p = s_at(t, p, "- An account from a member of staff: Ward manager, Ward 7, dated 2 November");
    s_at(t, p, "  This does not agree with other evidence: The diary shows");
    cr_assert_null(strstr(t, "SECRET-SUMMARY"), "an evidence item's content is not in the draft");
    cr_assert_null(strstr(t, "independent-clinical-advice"), "no slugs in a letter");
    free(t);
}

Test(casework_draft, an_issue_not_addressed_says_why)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    s_at(t, t,
         "4. A carer was rude during a home visit.\n\nWe have not looked into this part of your"
         " complaint. This is why: The carer is employed by an agency that is answering this"
         " part itself.\n");
    free(t);
}

Test(casework_draft, R3_a_partners_part_is_shown_or_its_absence_explained)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    s_at(t, t,
         "What Riverside Care Agency found\n\nOur records show the visits went ahead as"
         " planned.\n\n");
    s_at(t, t,
         "What North Community Trust found\n\nWe asked North Community Trust for its part of this"
         " response, but we did not receive it, so its findings are not included. This is why:"
         " it did not answer our three requests.\n");
    free(t);
}

Test(casework_draft, F1_something_went_wrong_so_the_draft_apologises)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    const char *p = s_at(t, t, "We have partly upheld your complaint");
    p = s_at(t, p,
             "We found that these things went wrong:\n\n- The review the policy requires"
             " was not held.\n- Calls were not returned.\n");
    s_at(t, p, "Our apology\n\nWe are sorry that we stopped Mrs A's care");
    free(t);
}

Test(casework_draft, F1_nothing_went_wrong_so_there_is_no_apology_section)
{
    iv_draft_input_t in = s_input();
    in.outcome = CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD;
    in.n_failings = 0;
    in.remedy.apology = "";
    char *t = s_render(&in);
    s_at(t, t, "We have not upheld your complaint");
    cr_assert_null(strstr(t, "Our apology"));
    cr_assert_null(strstr(t, "went wrong:"));
    free(t);
}

Test(casework_draft, an_upheld_outcome_without_an_apology_text_still_says_sorry)
{
    iv_draft_input_t in = s_input();
    in.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    in.remedy.apology = NULL;
    char *t = s_render(&in);
    s_at(t, t, "Our apology\n\nWe are sorry for what went wrong.\n");
    free(t);
}

Test(casework_draft, F3_actions_say_whether_done_with_dates_written_out)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    const char *p = s_at(t, t, "What we are doing about it\n\n");
    p = s_at(t, p,
             "- Audit every care package closed this year for a missing review. To be done"
             " by 4 December 2026.\n");
    p = s_at(t, p, "- Add a review check to the closure form. Done on 20 November 2026.\n");
    p = s_at(t, p, "actions still to be done are completed by the dates shown");
    s_at(t, p, "What we have learned\n\n- A closure needs a review date before it is signed off.");
    cr_assert_null(strstr(t, "staff-7781"), "an action's owner is not named in the draft");
    cr_assert_null(strstr(t, "CHC team"));
    free(t);
}

Test(casework_draft, F3_when_every_action_is_done_the_draft_says_so)
{
    iv_draft_input_t in = s_input();
    in.actions = &s_actions[1];
    in.n_actions = 1;
    char *t = s_render(&in);
    s_at(t, t, "All of these actions have been completed.");
    s_at(t, t, "How we will tell you about changes\n\nThe changes described above have been made.");
    free(t);
}

Test(casework_draft, the_remedy_gives_redress_in_pounds_and_the_service_change)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    s_at(t, t,
         "Putting things right\n\nWe are offering you a payment of \xc2\xa3"
         "1,234.56. It is for this: the care you paid for between March and May.\n\n"
         "We are changing how we provide our service: Every closure is now checked by a senior"
         " nurse.\n");
    in.remedy.redress_pence = 5;
    in.remedy.service_change = "";
    free(t);
    t = s_render(&in);
    s_at(t, t,
         "a payment of \xc2\xa3"
         "0.05.");
    free(t);
    in.remedy.redress_pence = 0;
    t = s_render(&in);
    cr_assert_null(strstr(t, "Putting things right"), "no redress, no change: no section");
    free(t);
}

Test(casework_draft, how_changes_will_be_told_is_the_organisations_or_ours)
{
    iv_draft_input_t in = s_input();
    char *t = s_render(&in);
    s_at(t, t,
         "How we will tell you about changes\n\nWe will write to you when the actions above are"
         " complete");
    free(t);
    in.follow_up = "Your case officer will phone you in January.";
    t = s_render(&in);
    s_at(t, t,
         "How we will tell you about changes\n\nYour case officer will phone you in January.\n");
    free(t);
    in.follow_up = NULL;
    in.n_actions = 0;
    in.remedy.service_change = NULL;
    t = s_render(&in);
    s_at(t, t, "there are no changes to tell you about");
    free(t);
}

Test(casework_draft, an_unknown_slug_is_written_as_it_is_rather_than_dropped)
{
    static const char *const steps[] = {"document-review", "mystery-shopping"};
    iv_draft_input_t in = s_input();
    in.steps = steps;
    in.n_steps = 2;
    char *t = s_render(&in);
    s_at(t, t, "- mystery-shopping\n");
    free(t);
}

Test(casework_draft, an_empty_record_still_has_the_sections_F1_and_F3_require)
{
    iv_draft_input_t in = {.outcome = CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN};
    char *t = s_render(&in);
    const char *p = s_at(t, t, "What you complained about\n");
    p = s_at(t, p, "How we looked into your complaint\n");
    p = s_at(t, p, "What we found\n");
    p = s_at(t, p, "Our conclusions\n\nYou told us you wished to withdraw your complaint");
    p = s_at(t, p, "How we will tell you about changes\n");
    s_at(t, p, "www.ombudsman.org.uk");
    cr_assert(cd_text_ok(t, strlen(t), 1));
    free(t);
}
