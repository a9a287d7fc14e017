/* test_signoff_gate_content.c - the quality gate's checks of what a response
 * says (F1, F3, V3, V5): each key issue answered, how it was investigated,
 * a direct apology and no indirect one, actions, lessons and remedy, the
 * Ombudsman, the salutation, and no withheld name. Each check is tried both
 * ways round: on a good letter it finds nothing, on a bad one exactly what
 * is wrong, and where.
 *
 * The letters are in tests/corpus/letters/content/: good_upheld.txt passes
 * every check at once; each of the others gets one thing wrong. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "harness.h"

#ifndef CANDOUR_SOURCE_DIR
#error "CANDOUR_SOURCE_DIR must name the source root (tests/CMakeLists.txt defines it)"
#endif

#define S_CORPUS CANDOUR_SOURCE_DIR "/tests/corpus/letters/content/"

static char *s_read(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", S_CORPUS, name);
    return h_read_file(path);
}

/* The case behind good_upheld.txt: Mrs Patel's complaint about her father's
 * care, upheld in part, with failings, actions and a payment. */
static const so_key_issue_t s_issues[] = {
    {"K1",
     "Staff did not answer the call bell when your father asked for help on the night of 3 March.",
     1, 1, 0, NULL},
    {"K2", "Your father was not given his evening medication on time.", 1, 1, 0, NULL},
    {"K3", "Nobody told you that your father had fallen.", 1, 0, 0, NULL},
};
static const char *const s_withheld[] = {"Karen Booth", "Samuel Okafor"};

static so_gate_in_t s_case(const char *text)
{
    so_gate_in_t in = {0};
    in.text = text;
    in.upheld = in.failings = in.actions = in.remedy = 1;
    in.issues = s_issues;
    in.nissues = sizeof s_issues / sizeof s_issues[0];
    in.address_as = "Mrs Patel";
    in.name = "Anita Patel";
    in.withheld = s_withheld;
    in.nwithheld = 2;
    return in;
}

/* Runs one check on in and gives its findings (t and f freed by s_done). */
static so_text_t s_t;
static so_findings_t s_f;

static const so_findings_t *s_run(so_check_fn fn, const so_gate_in_t *in)
{
    cr_assert_eq(so_text_split(in->text, &s_t), 0);
    memset(&s_f, 0, sizeof s_f);
    fn(in, &s_t, &s_f);
    cr_assert_not(s_f.oom);
    for (size_t i = 0; i < s_f.n; i++) {
        cr_assert_eq(s_f.v[i].severity, SO_BLOCKING, "%s", s_f.v[i].message);
        cr_assert(s_f.v[i].message[0], "a finding of %s with no message", s_f.v[i].check);
    }
    return &s_f;
}

static void s_done(void)
{
    so_findings_free(&s_f);
    so_text_free(&s_t);
}

static void s_show(const so_findings_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        cr_log_info("%s %s %d.%d: %s", f->v[i].check, f->v[i].key_issue, f->v[i].paragraph,
                    f->v[i].sentence, f->v[i].message);
}

static void s_none(const so_findings_t *f, const char *why)
{
    s_show(f);
    cr_assert_eq(f->n, 0, "%s: %zu finding(s), the first: %s", why, f->n,
                 f->n ? f->v[0].message : "");
}

static void s_is(const so_finding_t *x, const char *check, const char *issue, int para, int sent)
{
    cr_assert_str_eq(x->check, check, "%s", x->message);
    cr_assert_str_eq(x->key_issue, issue, "%s", x->message);
    cr_assert_eq(x->paragraph, para, "paragraph %d, wanted %d: %s", x->paragraph, para, x->message);
    cr_assert_eq(x->sentence, sent, "sentence %d, wanted %d: %s", x->sentence, sent, x->message);
}

/* ------------------------------------------------------------ a good letter */

Test(signoff_gate_content, F1_F3_a_good_upheld_letter_passes_every_content_check)
{
    char *text = s_read("good_upheld.txt");
    so_gate_in_t in = s_case(text);
    const so_check_fn all[] = {
        so_check_key_issues, so_check_investigation, so_check_apology,    so_check_indirect_apology,
        so_check_actions,    so_check_ombudsman,     so_check_salutation, so_check_withheld};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        s_none(s_run(all[i], &in), "good_upheld.txt");
        s_done();
    }
    free(text);
}

/* ------------------------------------------------------------ key issues */

Test(signoff_gate_content, V3_a_key_issue_the_letter_does_not_mention_is_blocked)
{
    char *text = s_read("missing_key_issue.txt");
    so_gate_in_t in = s_case(text);
    const so_findings_t *f = s_run(so_check_key_issues, &in);
    s_show(f);
    cr_assert_eq(f->n, 1);
    s_is(&f->v[0], SO_CHECK_KEY_ISSUES, "K2", 0, 0);
    cr_assert_not_null(strstr(f->v[0].message, "evening medication"), "%s", f->v[0].message);
    s_done();
    free(text);
}

Test(signoff_gate_content, V3_a_key_issue_without_a_finding_is_blocked_where_the_letter_raises_it)
{
    char *text = s_read("good_upheld.txt");
    so_key_issue_t issues[3];
    memcpy(issues, s_issues, sizeof issues);
    issues[2].has_finding = 0;
    so_gate_in_t in = s_case(text);
    in.issues = issues;
    const so_findings_t *f = s_run(so_check_key_issues, &in);
    s_show(f);
    cr_assert_eq(f->n, 1);
    /* At its first mention, the third item of the list of key issues
     * (paragraph 5); its sentence is wherever the text's split puts it. */
    cr_assert_eq(f->v[0].paragraph, 5);
    const so_sentence_t *at = so_text_at(&s_t, (size_t)(strstr(text, "Nobody told") - text));
    cr_assert_not_null(at);
    s_is(&f->v[0], SO_CHECK_KEY_ISSUES, "K3", at->paragraph, at->sentence);
    s_done();

    /* Recorded as not addressed: passes with a reason, not without one. */
    issues[2].not_addressed = 1;
    issues[2].not_addressed_reason = "It is being looked at by the coroner.";
    s_none(s_run(so_check_key_issues, &in), "not addressed, with a reason");
    s_done();
    issues[2].not_addressed_reason = "  ";
    f = s_run(so_check_key_issues, &in);
    cr_assert_eq(f->n, 1);
    cr_assert_eq(f->v[0].paragraph, 5);
    cr_assert_str_eq(f->v[0].key_issue, "K3");
    cr_assert_not_null(strstr(f->v[0].message, "reason"), "%s", f->v[0].message);
    s_done();
    free(text);
}

Test(signoff_gate_content, V3_a_key_issue_matches_despite_case_spacing_and_full_stop)
{
    so_key_issue_t ki[] = {
        {"K1", "  the  Ward did not\tcall me back. ", 1, 1, 0, NULL},
        /* long: its first eight words are enough */
        {"K2", "The discharge letter was sent to the wrong GP practice and so my medicines stopped",
         1, 1, 0, NULL},
    };
    so_gate_in_t in = s_case("Dear Mrs Patel,\n\nYou told us that THE WARD DID\nNOT CALL ME"
                             " BACK and that the discharge letter was sent to the wrong GP,"
                             " which meant a delay.\n");
    in.issues = ki;
    in.nissues = 2;
    s_none(s_run(so_check_key_issues, &in), "reworded");
    s_done();

    /* A word that only starts with the summary's last is not it. */
    ki[0].summary = "The ward did not call";
    in.nissues = 1;
    in.text = "The ward did not caller.";
    const so_findings_t *f = s_run(so_check_key_issues, &in);
    cr_assert_eq(f->n, 1);
    s_is(&f->v[0], SO_CHECK_KEY_ISSUES, "K1", 0, 0);
    s_done();
}

/* ------------------------------------------------------------ investigation */

Test(signoff_gate_content, F1_a_letter_not_saying_how_or_on_what_evidence_is_blocked_twice)
{
    char *text = s_read("no_investigation.txt");
    so_gate_in_t in = s_case(text);
    const so_findings_t *f = s_run(so_check_investigation, &in);
    s_show(f);
    cr_assert_eq(f->n, 2);
    s_is(&f->v[0], SO_CHECK_INVESTIGATION, "", 0, 0);
    s_is(&f->v[1], SO_CHECK_INVESTIGATION, "", 0, 0);
    cr_assert_not_null(strstr(f->v[0].message, "how we looked into"), "%s", f->v[0].message);
    cr_assert_not_null(strstr(f->v[1].message, "evidence"), "%s", f->v[1].message);
    s_done();
    free(text);
}

Test(signoff_gate_content, F1_saying_how_without_the_evidence_gets_one_finding)
{
    so_gate_in_t in = s_case("Dear Mrs Patel,\n\nWe spoke to the ward sister about your"
                             " complaint. We uphold it.\n");
    const so_findings_t *f = s_run(so_check_investigation, &in);
    cr_assert_eq(f->n, 1);
    cr_assert_not_null(strstr(f->v[0].message, "evidence"), "%s", f->v[0].message);
    s_done();
    in.text = "We spoke to the ward sister and read her statements.";
    s_none(s_run(so_check_investigation, &in), "how and evidence");
    s_done();
}

/* ------------------------------------------------------------ apology */

Test(signoff_gate_content, F1_an_upheld_response_without_a_direct_apology_is_blocked)
{
    char *text = s_read("indirect_apology.txt");
    so_gate_in_t in = s_case(text);
    const so_findings_t *f = s_run(so_check_apology, &in);
    s_show(f);
    cr_assert_eq(f->n, 1);
    s_is(&f->v[0], SO_CHECK_APOLOGY, "", 0, 0);
    cr_assert_not_null(strstr(f->v[0].message, "conditional"), "%s", f->v[0].message);
    s_done();
    free(text);
}

Test(signoff_gate_content, F1_a_response_not_upheld_needs_no_apology)
{
    so_gate_in_t in = s_case("Dear Mrs Patel,\n\nWe have not upheld your complaint.\n");
    in.upheld = 0;
    s_none(s_run(so_check_apology, &in), "not upheld");
    s_done();
}

Test(signoff_gate_content, F1_direct_apologies_in_their_usual_forms_pass)
{
    const char *ok[] = {
        "I'm sorry that we lost your letter.", "We\xe2\x80\x99re sorry that we lost your letter.",
        "We apologize for losing your letter.", "I APOLOGISE for losing\nyour letter.",
        "Please accept our apologies for losing your letter."};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        so_gate_in_t in = s_case(ok[i]);
        s_none(s_run(so_check_apology, &in), ok[i]);
        s_done();
    }
    /* Not an apology: sorry in a sentence that makes it conditional. */
    so_gate_in_t in = s_case("I am sorry if you were unhappy with the care you received.");
    cr_assert_eq(s_run(so_check_apology, &in)->n, 1);
    s_done();
}

Test(signoff_gate_content, F1_each_indirect_apology_is_flagged_where_it_is)
{
    char *text = s_read("indirect_apology.txt");
    so_gate_in_t in = s_case(text);
    const so_findings_t *f = s_run(so_check_indirect_apology, &in);
    s_show(f);
    cr_assert_eq(f->n, 3);
    s_is(&f->v[0], SO_CHECK_INDIRECT_APOLOGY, "", 9, 1);
    s_is(&f->v[1], SO_CHECK_INDIRECT_APOLOGY, "", 9, 2);
    s_is(&f->v[2], SO_CHECK_INDIRECT_APOLOGY, "", 10, 1);
    cr_assert_not_null(strstr(f->v[0].message, "\"sorry that you felt\""), "%s", f->v[0].message);
    cr_assert_not_null(strstr(f->v[1].message, "\"apologise for any\""), "%s", f->v[1].message);
    cr_assert_not_null(strstr(f->v[2].message, "\"sorry if\""), "%s", f->v[2].message);
    cr_assert_not_null(strstr(f->v[0].message, "I am sorry that"), "%s", f->v[0].message);
    s_done();

    /* Whatever the outcome. */
    in.upheld = 0;
    cr_assert_eq(s_run(so_check_indirect_apology, &in)->n, 3);
    s_done();
    free(text);
}

/* ------------------------------------------------------------ actions */

Test(signoff_gate_content, V5_failings_without_actions_lessons_or_remedy_are_blocked)
{
    char *text = s_read("no_actions.txt");
    so_gate_in_t in = s_case(text);
    const so_findings_t *f = s_run(so_check_actions, &in);
    s_show(f);
    cr_assert_eq(f->n, 3);
    for (size_t i = 0; i < 3; i++)
        s_is(&f->v[i], SO_CHECK_ACTIONS, "", 0, 0);
    cr_assert_not_null(strstr(f->v[0].message, "happen again"), "%s", f->v[0].message);
    cr_assert_not_null(strstr(f->v[1].message, "learned"), "%s", f->v[1].message);
    cr_assert_not_null(strstr(f->v[2].message, "remedy"), "%s", f->v[2].message);
    s_done();

    /* No failings, no remedy; actions recorded all the same. */
    in.upheld = in.failings = in.remedy = 0;
    f = s_run(so_check_actions, &in);
    cr_assert_eq(f->n, 1);
    cr_assert_not_null(strstr(f->v[0].message, "happen again"), "%s", f->v[0].message);
    s_done();

    in.actions = 0;
    s_none(s_run(so_check_actions, &in), "nothing went wrong, nothing to do");
    s_done();
    free(text);
}

/* ------------------------------------------------------------ Ombudsman */

Test(signoff_gate_content, F3_a_letter_without_the_ombudsman_and_its_details_is_blocked)
{
    char *text = s_read("no_ombudsman.txt");
    so_gate_in_t in = s_case(text);
    const so_findings_t *f = s_run(so_check_ombudsman, &in);
    s_show(f);
    cr_assert_eq(f->n, 2);
    s_is(&f->v[0], SO_CHECK_OMBUDSMAN, "", 0, 0);
    s_is(&f->v[1], SO_CHECK_OMBUDSMAN, "", 0, 0);
    cr_assert_not_null(strstr(f->v[1].message, "0345 015 4033"), "%s", f->v[1].message);
    s_done();
    free(text);
}

Test(signoff_gate_content, F3_either_contact_detail_is_enough)
{
    so_gate_in_t in = s_case("You can ask the Parliamentary and Health\nService Ombudsman to look"
                             " at it. Telephone 0345-015-4033.");
    s_none(s_run(so_check_ombudsman, &in), "telephone only");
    s_done();
    in.text = "You can ask the Parliamentary and Health Service Ombudsman: see"
              " https://www.ombudsman.org.uk/.";
    s_none(s_run(so_check_ombudsman, &in), "website only");
    s_done();
    in.text = "You can ask the Parliamentary and Health Service Ombudsman, on 0345 015 40339.";
    cr_assert_eq(s_run(so_check_ombudsman, &in)->n, 1, "a longer number is not its number");
    s_done();
}

/* ------------------------------------------------------------ salutation */

Test(signoff_gate_content, a_letter_to_sir_or_madam_is_blocked_at_its_salutation)
{
    char *text = s_read("wrong_salutation.txt");
    so_gate_in_t in = s_case(text);
    const so_findings_t *f = s_run(so_check_salutation, &in);
    s_show(f);
    cr_assert_eq(f->n, 1);
    s_is(&f->v[0], SO_CHECK_SALUTATION, "", 1, 1);
    cr_assert_not_null(strstr(f->v[0].message, "\"Dear Mrs Patel,\""), "%s", f->v[0].message);
    s_done();
    free(text);
}

Test(signoff_gate_content, the_complainant_is_addressed_as_they_asked_not_by_full_name)
{
    so_gate_in_t in = s_case("Dear Anita Patel,\n\nThank you for your letter.");
    const so_findings_t *f = s_run(so_check_salutation, &in);
    cr_assert_eq(f->n, 1);
    s_is(&f->v[0], SO_CHECK_SALUTATION, "", 1, 1);
    s_done();

    in.address_as = ""; /* no preference: the name */
    s_none(s_run(so_check_salutation, &in), "by name");
    s_done();

    in.address_as = "Mrs Patel";
    in.text = "Dear Mrs Patel \n\nThank you for your letter.";
    s_none(s_run(so_check_salutation, &in), "trailing space, no comma");
    s_done();

    in.text = "Dear mrs patel,\n\nThank you for your letter.";
    cr_assert_eq(s_run(so_check_salutation, &in)->n, 1, "the name's case matters");
    s_done();

    /* A draft without a salutation of its own is fine: notify writes
     * "Dear <as asked>," above it when the letter goes. */
    in.text = "Thank you for your letter.";
    s_none(s_run(so_check_salutation, &in), "no salutation of its own");
    s_done();
}

/* ------------------------------------------------------------ withheld */

Test(signoff_gate_content, a_withheld_name_is_flagged_at_each_place_without_being_quoted)
{
    char *text = s_read("withheld_name.txt");
    so_gate_in_t in = s_case(text);
    in.address_as = "Mrs Evans";
    const so_findings_t *f = s_run(so_check_withheld, &in);
    s_show(f);
    cr_assert_eq(f->n, 2);
    s_is(&f->v[0], SO_CHECK_WITHHELD, "", 8, 1);
    s_is(&f->v[1], SO_CHECK_WITHHELD, "", 9, 1);
    for (size_t i = 0; i < 2; i++) {
        cr_assert_null(strstr(f->v[i].message, "Booth"), "%s", f->v[i].message);
        cr_assert_null(strstr(f->v[i].message, "Karen"), "%s", f->v[i].message);
    }
    s_done();
    free(text);
}

Test(signoff_gate_content, a_withheld_name_matches_only_as_whole_words)
{
    static const char *const w[] = {"Booth"};
    so_gate_in_t in = s_case("We spoke to Mr Boothroyd at the phone booths.");
    in.withheld = w;
    in.nwithheld = 1;
    s_none(s_run(so_check_withheld, &in), "Boothroyd, booths");
    s_done();
    in.text = "We spoke to Mr BOOTH.";
    cr_assert_eq(s_run(so_check_withheld, &in)->n, 1);
    s_done();
}

/* ------------------------------------------------------------ safety */

/* A letter's words and the case's are never read as printf directives. */
Test(signoff_gate_content, text_with_printf_directives_is_handled_safely)
{
    static const so_key_issue_t ki[] = {{"K%n", "%s %n %x %s", 0, 0, 0, NULL}};
    static const char *const w[] = {"%s"};
    so_gate_in_t in = s_case("Dear %s %n,\n\nI am sorry if %s %n %x %s hurt. %s you %n.");
    in.issues = ki;
    in.nissues = 1;
    in.address_as = "%n%n%n";
    in.withheld = w;
    in.nwithheld = 1;
    const so_check_fn all[] = {
        so_check_key_issues, so_check_investigation, so_check_apology,    so_check_indirect_apology,
        so_check_actions,    so_check_ombudsman,     so_check_salutation, so_check_withheld};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const so_findings_t *f = s_run(all[i], &in);
        s_show(f);
        s_done();
    }

    const so_findings_t *f = s_run(so_check_salutation, &in);
    cr_assert_eq(f->n, 1);
    cr_assert_not_null(strstr(f->v[0].message, "\"Dear %s %n\""), "%s", f->v[0].message);
    cr_assert_not_null(strstr(f->v[0].message, "\"%n%n%n\""), "%s", f->v[0].message);
    s_done();

    f = s_run(so_check_key_issues, &in);
    cr_assert_eq(f->n, 1, "a finding for K%%n (the letter holds its summary)");
    cr_assert_str_eq(f->v[0].key_issue, "K%n");
    cr_assert_not_null(strstr(f->v[0].message, "%s %n %x %s"), "%s", f->v[0].message);
    s_done();

    f = s_run(so_check_withheld, &in);
    cr_assert_eq(f->n, 4, "\"%%s\" four times as a whole word");
    s_done();
}
