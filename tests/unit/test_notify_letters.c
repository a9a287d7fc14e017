/* test_notify_letters.c - the letters notify writes (R4 acknowledgement, F3
 * final response with the partners' parts (R3) or the signed draft as its
 * body (F2), I6 triage outcomes, the withdrawal confirmation), which letters
 * may go after a withdrawal, the channel each goes by, and file-safe
 * references.
 *
 * The letters are checked for what the rules say they must say, not for their
 * exact wording, so the wording can improve without breaking these tests. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "letters.h"

static char *s_addr[] = {"14 Chapel Row", "Headingley", "Leeds"};

static Candour__V1__Person s_person(void)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Anita Patel";
    p.address_as = "Mrs Patel";
    p.address = s_addr;
    p.n_address = 3;
    p.postcode = "LS6 3AB";
    p.email = "anita.patel@example.org";
    return p;
}

static Candour__V1__LetterRequested s_ack_req(void)
{
    Candour__V1__LetterRequested r = CANDOUR__V1__LETTER_REQUESTED__INIT;
    r.kind = "acknowledgement";
    r.response_due = "2024-04-12";
    r.handler = "Sam Okafor, Complaints Investigator, 0113 496 0000";
    return r;
}

static Candour__V1__ResponseApproved s_approved(Candour__V1__Outcome o)
{
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    ra.outcome = o;
    ra.findings = "The care package review due on 3 January did not take place.";
    ra.signed_by = "Dr Helen Marsh";
    ra.signatory_role = "Chief Executive";
    return ra;
}

#define HAS(text, needle)                                                                          \
    cr_assert_not_null(strstr((text), (needle)), "no \"%s\" in:\n%s", (needle), (text))
#define HASNT(text, needle)                                                                        \
    cr_assert_null(strstr((text), (needle)), "\"%s\" in:\n%s", (needle), (text))

/* ------------------------------------------------------ acknowledgement */

Test(notify_letters, R4_acknowledgement_is_addressed_as_the_complainant_asked)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_ack_req();
    char *t = nt_render_acknowledgement(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, "Dear Mrs Patel,");
    HASNT(t, "Dear Anita Patel");
    free(t);
}

Test(notify_letters, R4_acknowledgement_without_address_as_uses_the_name)
{
    Candour__V1__Person p = s_person();
    p.address_as = "";
    Candour__V1__LetterRequested r = s_ack_req();
    char *t = nt_render_acknowledgement(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, "Dear Anita Patel,");
    free(t);
}

Test(notify_letters, R4_acknowledgement_quotes_reference_response_date_and_investigator)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_ack_req();
    char *t = nt_render_acknowledgement(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, "CDR-ABCD-EFGH");
    HAS(t, "Friday 12 April 2024"); /* the response date, as people write it */
    HAS(t, "Sam Okafor, Complaints Investigator, 0113 496 0000");
    HAS(t, "Tuesday 5 March 2024"); /* the letter's date */
    free(t);
}

Test(notify_letters, R4_acknowledgement_offers_to_discuss_the_handling)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_ack_req();
    char *t = nt_render_acknowledgement(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, "talk with you about how we will handle your complaint");
    free(t);
}

Test(notify_letters, I7_acknowledgement_mentions_independent_advocacy)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_ack_req();
    char *t = nt_render_acknowledgement(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, "advocacy");
    HAS(t, "independent");
    free(t);
}

Test(notify_letters, R4_acknowledgement_without_handler_or_date_says_so_in_words)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_ack_req();
    r.handler = "";
    r.response_due = "";
    char *t = nt_render_acknowledgement(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, "a member of our complaints team");
    HAS(t, "the date we agree with you");
    HASNT(t, "will be .");
    HASNT(t, "by ,");
    free(t);
}

Test(notify_letters, letter_header_carries_the_postal_address_lines_and_postcode)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_ack_req();
    char *t = nt_render_acknowledgement(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, "Anita Patel\n14 Chapel Row\nHeadingley\nLeeds\nLS6 3AB\n");
    free(t);
}

/* -------------------------------------------------------- final response */

Test(notify_letters, F3_final_response_gives_the_ombudsman_and_its_contact_details)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD);
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "Parliamentary and Health Service Ombudsman");
    HAS(t, "Millbank Tower, Millbank, London SW1P 4QP");
    HAS(t, "0345 015 4033");
    HAS(t, "www.ombudsman.org.uk");
    HAS(t, "right to ask the Parliamentary and Health Service Ombudsman");
    free(t);
}

Test(notify_letters, F3_ombudsman_details_are_in_every_outcome)
{
    static const Candour__V1__Outcome all[] = {
        CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED, CANDOUR__V1__OUTCOME__OUTCOME_UPHELD,
        CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD, CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD,
        CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN};
    Candour__V1__Person p = s_person();
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        Candour__V1__ResponseApproved ra = s_approved(all[i]);
        char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
        cr_assert_not_null(t);
        HAS(t, "0345 015 4033");
        HAS(t, "SW1P 4QP");
        free(t);
    }
}

Test(notify_letters, F3_final_response_sets_out_the_findings_reference_and_signer)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_UPHELD);
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "The care package review due on 3 January did not take place.");
    HAS(t, "CDR-ABCD-EFGH");
    HAS(t, "Dear Mrs Patel,");
    HAS(t, "Dr Helen Marsh\nChief Executive\n");
    free(t);
}

Test(notify_letters, F3_final_response_says_the_outcome_in_words)
{
    static const struct {
        Candour__V1__Outcome o;
        const char *words;
    } cases[] = {
        {CANDOUR__V1__OUTCOME__OUTCOME_UPHELD, "We have upheld your complaint"},
        {CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD, "We have partly upheld your complaint"},
        {CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD, "We have not upheld your complaint"},
        {CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN, "withdraw your complaint"},
    };
    Candour__V1__Person p = s_person();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Candour__V1__ResponseApproved ra = s_approved(cases[i].o);
        char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
        cr_assert_not_null(t);
        HAS(t, cases[i].words);
        free(t);
    }
}

Test(notify_letters, F1_apology_exactly_when_upheld_or_partially_upheld)
{
    static const struct {
        Candour__V1__Outcome o;
        int sorry;
    } cases[] = {
        {CANDOUR__V1__OUTCOME__OUTCOME_UPHELD, 1},
        {CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD, 1},
        {CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD, 0},
        {CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN, 0},
        {CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED, 0},
    };
    Candour__V1__Person p = s_person();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Candour__V1__ResponseApproved ra = s_approved(cases[i].o);
        char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
        cr_assert_not_null(t);
        int has = strstr(t, "sorry") != NULL || strstr(t, "apologi") != NULL;
        free(t);
        cr_assert_eq(has, cases[i].sorry, "outcome %d: apology %s", (int)cases[i].o,
                     has ? "given" : "missing");
    }
}

Test(notify_letters, F1_the_apology_is_direct_not_sorry_that_you_felt)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_UPHELD);
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "We are sorry for what went wrong.");
    HASNT(t, "sorry that you felt");
    HASNT(t, "sorry you feel");
    free(t);
}

Test(notify_letters, letters_to_someone_without_a_postal_address_carry_the_email)
{
    Candour__V1__Person p = s_person();
    p.n_address = 0;
    p.postcode = "";
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD);
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "Anita Patel\nanita.patel@example.org\n");
    free(t);
}

Test(notify_letters, findings_with_printf_directives_are_quoted_literally)
{
    Candour__V1__Person p = s_person();
    p.name = "Anita %s Patel";
    p.address_as = "";
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_UPHELD);
    ra.findings = "Charges rose 50%n in %s and %d%%.";
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "Charges rose 50%n in %s and %d%%.");
    HAS(t, "Dear Anita %s Patel,");
    free(t);
}

Test(notify_letters, long_findings_are_rendered_whole)
{
    /* Past the 1 KiB the buffer starts with, and past several doublings. */
    size_t n = 50000;
    char *findings = malloc(n + 1);
    cr_assert_not_null(findings);
    for (size_t i = 0; i < n; i++)
        findings[i] = (char)('a' + i % 26);
    findings[n] = 0;
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD);
    ra.findings = findings;
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    int whole = t && strstr(t, findings) != NULL;
    int tail = t && strstr(t, "0345 015 4033") != NULL;
    free(t);
    free(findings);
    cr_assert(whole, "findings cut");
    cr_assert(tail, "Ombudsman details lost after long findings");
}

static Candour__V1__Contribution s_part(const char *org, const char *findings)
{
    Candour__V1__Contribution c = CANDOUR__V1__CONTRIBUTION__INIT;
    c.org = (char *)org;
    c.findings = (char *)findings;
    c.received_at = "2024-04-02T09:00:00Z";
    return c;
}

Test(notify_letters, R3_final_response_sets_out_what_each_partner_found)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD);
    Candour__V1__Contribution a = s_part("TRUST-RXX", "The ward's discharge checklist was not"
                                                      " completed on 2 January.");
    Candour__V1__Contribution b = s_part("LA-XYZ", "The home care visit was booked for the"
                                                   " wrong week.");
    Candour__V1__Contribution *parts[] = {&a, &b};
    ra.contributions = parts;
    ra.n_contributions = 2;
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "What TRUST-RXX found\n\nThe ward's discharge checklist was not completed on 2"
           " January.\n");
    HAS(t, "What LA-XYZ found\n\nThe home care visit was booked for the wrong week.\n");
    /* The lead's own findings come first, and the Ombudsman still closes it (F3). */
    cr_assert(strstr(t, ra.findings) < strstr(t, "What TRUST-RXX found"));
    cr_assert(strstr(t, "What LA-XYZ found") < strstr(t, "0345 015 4033"));
    HASNT(t, "not included");
    free(t);
}

Test(notify_letters, R3_a_waived_part_is_said_to_be_missing_with_the_recorded_reason)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD);
    Candour__V1__Contribution a = s_part("TRUST-RXX", "The checklist was completed.");
    Candour__V1__Contribution w = s_part("LA-XYZ", "");
    w.waived = 1;
    w.reason = "The council did not reply by 28 March, the date we agreed with it.";
    w.recorded_by = "Complaints manager";
    Candour__V1__Contribution *parts[] = {&a, &w};
    ra.contributions = parts;
    ra.n_contributions = 2;
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "What TRUST-RXX found\n\nThe checklist was completed.\n");
    HAS(t, "What LA-XYZ found\n\n");
    HAS(t, "LA-XYZ to look into its part of your complaint, but its findings are not included"
           " in this response.");
    HAS(t, "The council did not reply by 28 March, the date we agreed with it.");
    HASNT(t, "Complaints manager"); /* who recorded it is for the record, not the letter */
    free(t);
}

Test(notify_letters, R3_a_response_without_partners_has_no_partner_sections)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_UPHELD);
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    const char *ours = strstr(t, "What we found\n\n");
    cr_assert_not_null(ours);
    cr_assert_null(strstr(ours + strlen("What we found"), " found\n\n"),
                   "a partner section in:\n%s", t);
    free(t);
}

/* ------------------------------------------------ final response: the draft */

/* The signed version's text, as investigation's draft writes it: its own
 * findings, apology and Ombudsman. */
static const char s_draft_text[] =
    "Thank you for your complaint, and for your patience while we looked into it.\n\n"
    "What we found\n\n"
    "1. The care package review did not take place.\n\n"
    "We uphold this part of your complaint.\n\n"
    "Our apology\n\n"
    "We are sorry that the review you were promised did not happen.\n\n"
    "If you are not happy with our response\n\n"
    "You have the right to ask the Parliamentary and Health Service Ombudsman to look at your"
    " complaint.\n\n"
    "  Parliamentary and Health Service Ombudsman\n"
    "  Millbank Tower, Millbank, London SW1P 4QP\n"
    "  Telephone: 0345 015 4033\n"
    "  Website: www.ombudsman.org.uk\n";

static size_t s_occurrences(const char *t, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(t, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

Test(notify_letters, F2_the_signed_draft_is_the_body_between_salutation_and_signature)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_UPHELD);
    Candour__V1__DraftVersion dv = CANDOUR__V1__DRAFT_VERSION__INIT;
    dv.version = 3;
    dv.text = (char *)s_draft_text;
    ra.draft = &dv;
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "Anita Patel\n14 Chapel Row\nHeadingley\nLeeds\nLS6 3AB\n");
    HAS(t, "Wednesday 10 April 2024");
    HAS(t, "Our reference: CDR-ABCD-EFGH");
    const char *dear = strstr(t, "Dear Mrs Patel,\n\n");
    const char *body = strstr(t, s_draft_text);
    const char *yours = strstr(t, "Yours sincerely,\n\nDr Helen Marsh\nChief Executive\n");
    cr_assert(dear && body && yours, "missing a part in:\n%s", t);
    cr_assert(dear < body && body < yours, "out of order:\n%s", t);
    /* The draft sets out the findings and the apology: nothing of the
     * letter's own is added to them, nor the Ombudsman a second time. */
    HASNT(t, ra.findings);
    HASNT(t, "We are sorry for what went wrong.");
    cr_assert_eq(s_occurrences(t, "Millbank Tower"), 1, "the Ombudsman twice in:\n%s", t);
    free(t);
}

Test(notify_letters, F3_a_signed_draft_without_the_ombudsman_gets_its_details_after_it)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD);
    Candour__V1__DraftVersion dv = CANDOUR__V1__DRAFT_VERSION__INIT;
    dv.version = 2;
    dv.text = "We have looked into your complaint and have not upheld it.\n\n\n";
    ra.draft = &dv;
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    const char *body = strstr(t, "have not upheld it.\n\nIf you are not happy with our response");
    const char *ombudsman = strstr(t, "Millbank Tower, Millbank, London SW1P 4QP");
    const char *yours = strstr(t, "Yours sincerely,");
    cr_assert(body && ombudsman && yours, "missing a part in:\n%s", t);
    cr_assert(ombudsman < yours);
    HAS(t, "right to ask the Parliamentary and Health Service Ombudsman");
    free(t);
}

Test(notify_letters, a_draft_without_text_leaves_the_letter_written_from_the_findings)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_UPHELD);
    Candour__V1__DraftVersion dv = CANDOUR__V1__DRAFT_VERSION__INIT;
    ra.draft = &dv;
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    HAS(t, "What we found\n\nWe have upheld your complaint");
    HAS(t, ra.findings);
    HAS(t, "We are sorry for what went wrong.");
    cr_assert_eq(s_occurrences(t, "Millbank Tower"), 1);
    free(t);
}

/* ---------------------------------------------------------------- triage */

static Candour__V1__LetterRequested s_triage_req(const char *outcome, int appeal)
{
    Candour__V1__LetterRequested r = CANDOUR__V1__LETTER_REQUESTED__INIT;
    r.kind = "triage-outcome";
    r.outcome = (char *)outcome;
    r.appeal = appeal;
    r.reason = "disagreement with a Continuing Healthcare eligibility decision is an appeal";
    r.lead_org = "ICB-QWE";
    return r;
}

#define APPEALS "passed it to the appeals team"
#define REST "The rest of what you told us is a complaint"

Test(notify_letters, I6_an_appeal_only_goes_to_the_appeals_team_and_nothing_else_is_promised)
{
    Candour__V1__Person p = s_person();
    for (int flag = 0; flag <= 1; flag++) {
        Candour__V1__LetterRequested r = s_triage_req("appeal", flag);
        r.reason = "both an appeal and ... the word both in the reason means nothing";
        char *t = nt_render_triage(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
        cr_assert_not_null(t);
        HAS(t, "NHS Continuing Healthcare");
        HAS(t, APPEALS);
        HASNT(t, REST);
        HASNT(t, "as a complaint as well");
        HASNT(t, "Several organisations");
        free(t);
    }
}

Test(notify_letters, I6_both_an_appeal_and_a_complaint_handled_here_says_both)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_triage_req("handle-here", 1);
    char *t = nt_render_triage(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, "Part of what you told us is a disagreement with a decision about eligibility for NHS"
           " Continuing Healthcare");
    HAS(t, APPEALS);
    HAS(t, REST);
    HAS(t, "We will look into it ourselves");
    HASNT(t, "Several organisations");
    free(t);
}

Test(notify_letters, I6_both_an_appeal_and_a_coordinated_complaint_names_the_lead)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_triage_req("coordinate", 1);
    char *t = nt_render_triage(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HAS(t, APPEALS);
    HAS(t, REST);
    HAS(t, "Several organisations are involved in what you told us. ICB-QWE will lead and send"
           " you one response covering all of it.");
    free(t);
}

Test(notify_letters, I6_without_the_appeal_flag_a_complaint_says_nothing_of_appeals)
{
    static const char *const outcomes[] = {"handle-here",   "coordinate",   "pass-to-provider",
                                           "redirect-nhse", "not-required", "declined-out-of-time"};
    Candour__V1__Person p = s_person();
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        Candour__V1__LetterRequested r = s_triage_req(outcomes[i], 0);
        r.reason = "both of the services named are ours";
        char *t = nt_render_triage(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
        cr_assert_not_null(t, "%s", outcomes[i]);
        HASNT(t, "appeal");
        HASNT(t, REST);
        free(t);
    }
}

Test(notify_letters, I5_only_the_coordinated_outcome_speaks_of_several_organisations)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_triage_req("handle-here", 0);
    char *t = nt_render_triage(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HASNT(t, "Several organisations");
    HAS(t, "We will look into it ourselves");
    free(t);
    r = s_triage_req("pass-to-provider", 0);
    t = nt_render_triage(&p, "CDR-ABCD-EFGH", "2024-03-05", &r);
    cr_assert_not_null(t);
    HASNT(t, "Several organisations");
    HAS(t, "(ICB-QWE)");
    free(t);
}

Test(notify_letters, I5_an_unknown_triage_outcome_gets_no_letter_rather_than_a_wrong_one)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = s_triage_req("something-new", 1);
    cr_assert_null(nt_render_triage(&p, "CDR-ABCD-EFGH", "2024-03-05", &r));
    cr_assert_not(nt_triage_outcome_known("something-new"));
    cr_assert_not(nt_triage_outcome_known(""));
    cr_assert(nt_triage_outcome_known("appeal"));
    cr_assert(nt_triage_outcome_known("declined-out-of-time"));
}

/* ------------------------------------------------------------ withdrawal */

Test(notify_letters, N1_after_a_withdrawal_only_its_confirmation_goes)
{
    cr_assert(nt_letter_goes_after_withdrawal(NT_KIND_WITHDRAWAL));
    cr_assert(nt_letter_goes_after_withdrawal("withdrawal-confirmation"));
    static const char *const stopped[] = {"acknowledgement", "triage-outcome",
                                          "final-response",  "extension-2024-05-01",
                                          "withdrawal",      ""};
    for (size_t i = 0; i < sizeof stopped / sizeof stopped[0]; i++)
        cr_assert_not(nt_letter_goes_after_withdrawal(stopped[i]), "%s would go", stopped[i]);
    /* The list a query uses says the same. */
    const char *const *k = nt_letters_after_withdrawal();
    cr_assert_str_eq(k[0], NT_KIND_WITHDRAWAL);
    cr_assert_null(k[1]);
}

Test(notify_letters, N1_withdrawal_confirmation_is_short_kind_and_leaves_the_door_open)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ComplaintWithdrawn cw = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    cw.reason = "My mother is home now and I don't want to take it further.";
    char *t = nt_render_withdrawal(&p, "CDR-ABCD-EFGH", "2024-03-20", &cw);
    cr_assert_not_null(t);
    HAS(t, "Dear Mrs Patel,");
    HAS(t, "CDR-ABCD-EFGH");
    HAS(t, "withdraw your complaint");
    HAS(t, "come back to us");
    HASNT(t, "Ombudsman");
    HASNT(t, cw.reason); /* their words are not quoted back at them */
    cr_assert_lt(strlen(t), 1500, "not short:\n%s", t);
    free(t);
}

/* --------------------------------------------------------------- channel */

Test(notify_letters, N1_preferred_email_goes_by_email_when_there_is_one)
{
    Candour__V1__Person p = s_person();
    p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    cr_assert_str_eq(nt_channel(&p), "email");
}

Test(notify_letters, N1_preferred_email_without_an_email_address_goes_by_post)
{
    Candour__V1__Person p = s_person();
    p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    p.email = "";
    cr_assert_str_eq(nt_channel(&p), "post");
}

Test(notify_letters, N1_with_a_postal_address_and_no_email_preference_goes_by_post)
{
    static const Candour__V1__ContactChannel prefs[] = {
        CANDOUR__V1__CONTACT_CHANNEL__CONTACT_UNSPECIFIED,
        CANDOUR__V1__CONTACT_CHANNEL__CONTACT_POST,
        CANDOUR__V1__CONTACT_CHANNEL__CONTACT_TELEPHONE};
    for (size_t i = 0; i < sizeof prefs / sizeof prefs[0]; i++) {
        Candour__V1__Person p = s_person();
        p.preferred_channel = prefs[i];
        cr_assert_str_eq(nt_channel(&p), "post", "preference %d", (int)prefs[i]);
    }
}

Test(notify_letters, N1_without_a_postal_address_goes_by_email_whatever_the_preference)
{
    Candour__V1__Person p = s_person();
    p.n_address = 0;
    p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_POST;
    cr_assert_str_eq(nt_channel(&p), "email");
    p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_TELEPHONE;
    cr_assert_str_eq(nt_channel(&p), "email");
}

/* ------------------------------------------------------------- reference */

Test(notify_letters, safe_reference_accepts_a_candour_reference)
{
    cr_assert(nt_safe_reference("CDR-ABCD-EFGH"));
    cr_assert(nt_safe_reference("cdr-2345-6789"));
    cr_assert(nt_safe_reference("X"));
}

Test(notify_letters, safe_reference_rejects_paths_spaces_and_empty)
{
    static const char *const bad[] = {"../x",      "",     " ", "CDR ABCD",        "CDR/ABCD",
                                      "CDR\\ABCD", "..",   ".", "CDR-ABCD-EFGH\n", "CDR_ABCD",
                                      "CDR-ÀBCD",  "~root"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(nt_safe_reference(bad[i]), "accepted \"%s\"", bad[i]);
}

Test(notify_letters, safe_reference_accepts_64_chars_and_rejects_65)
{
    char ref[66];
    memset(ref, 'A', 64);
    ref[64] = 0;
    cr_assert(nt_safe_reference(ref), "64 chars rejected");
    ref[64] = 'A';
    ref[65] = 0;
    cr_assert_not(nt_safe_reference(ref), "65 chars accepted");
}

Test(notify_letters, F2_a_signed_draft_with_its_own_salutation_is_greeted_once)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = s_approved(CANDOUR__V1__OUTCOME__OUTCOME_UPHELD);
    Candour__V1__DraftVersion dv = CANDOUR__V1__DRAFT_VERSION__INIT;
    dv.version = 2;
    dv.text = "\nDear Mrs Patel,\n\nThank you for your letter of 3 March.\n";
    ra.draft = &dv;
    char *t = nt_render_final_response(&p, "CDR-ABCD-EFGH", "2024-04-10", &ra);
    cr_assert_not_null(t);
    const char *first = strstr(t, "Dear ");
    cr_assert_not_null(first);
    cr_assert_null(strstr(first + 1, "Dear "), "greeted twice:\n%s", t);
    HAS(t, "Our reference: CDR-ABCD-EFGH\n\nDear Mrs Patel,\n\nThank you for your letter");
    free(t);
}
