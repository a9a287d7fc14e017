/* test_notify_clock_letters.c - the letters of the response's clocks: the
 * acknowledgement naming who the complainant can talk to (R4), progress
 * updates (R5), and the letter saying the response is late and why (Regs
 * reg. 14(2)). Checked for what the rules say they must say, not for their
 * exact wording. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "letters.h"

static char *s_addr[] = {"14 Chapel Row", "Leeds"};

static Candour__V1__Person s_person(void)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Anita Patel";
    p.address_as = "Mrs Patel";
    p.address = s_addr;
    p.n_address = 2;
    p.postcode = "LS6 3AB";
    return p;
}

static Candour__V1__Contact s_contact(const char *name, const char *title, int investigates)
{
    Candour__V1__Contact c = CANDOUR__V1__CONTACT__INIT;
    c.name = (char *)name;
    c.job_title = (char *)title;
    c.email = "someone@example.nhs.uk";
    c.phone = "0113 496 0123";
    c.investigates = investigates;
    return c;
}

#define HAS(text, needle)                                                                          \
    cr_assert_not_null(strstr((text), (needle)), "no \"%s\" in:\n%s", (needle), (text))
#define HASNT(text, needle)                                                                        \
    cr_assert_null(strstr((text), (needle)), "\"%s\" in:\n%s", (needle), (text))

static char *s_ack(const Candour__V1__Contact *c)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = CANDOUR__V1__LETTER_REQUESTED__INIT;
    r.kind = "acknowledgement";
    r.response_due = "2027-01-13";
    r.handler = c ? c->name : "";
    r.contact = (Candour__V1__Contact *)c;
    char *t = nt_render_acknowledgement(&p, "CDR-ABCD-EFGH", "2026-12-04", &r);
    cr_assert_not_null(t);
    return t;
}

Test(notify_clock_letters, R4_the_acknowledgement_names_the_investigator_and_how_to_reach_them)
{
    Candour__V1__Contact c = s_contact("Sam Okafor", "Patient Safety Lead", 1);
    char *t = s_ack(&c);
    HAS(t, "Sam Okafor, Patient Safety Lead");
    HAS(t, "someone@example.nhs.uk");
    HAS(t, "0113 496 0123");
    HAS(t, "looking into your complaint is");
    HASNT(t, "will tell you who is investigating");
    /* Signed by the investigator. */
    HAS(t, "Yours sincerely,\n\nSam Okafor\nPatient Safety Lead\n");
    /* Still the offer to discuss, the date, and advocacy. */
    HAS(t, "talk with you about how we will handle");
    HAS(t, "Wednesday 13 January 2027");
    HAS(t, "advocate");
    free(t);
}

Test(notify_clock_letters, R4_with_no_investigator_yet_it_names_the_complaints_manager)
{
    Candour__V1__Contact c = s_contact("Casey Manager", "Complaints Manager", 0);
    char *t = s_ack(&c);
    HAS(t, "Casey Manager, Complaints Manager");
    HAS(t, "will tell you who is investigating");
    HAS(t, "someone@example.nhs.uk");
    HASNT(t, "looking into your complaint is");
    HAS(t, "The Complaints Team");
    free(t);
}

Test(notify_clock_letters, R4_a_contact_with_no_email_or_phone_is_still_named)
{
    Candour__V1__Contact c = s_contact("Sam Okafor", "", 1);
    c.email = "";
    c.phone = "";
    char *t = s_ack(&c);
    HAS(t, "looking into your complaint is Sam Okafor.");
    HASNT(t, "by email");
    HASNT(t, "by telephone");
    free(t);
    c.phone = "0113 496 0123";
    t = s_ack(&c);
    HAS(t, "by telephone on 0113 496 0123");
    HASNT(t, "by email");
    free(t);
}

Test(notify_clock_letters, R5_a_progress_update_gives_the_staff_words_and_the_date_signed_by_them)
{
    Candour__V1__Person p = s_person();
    Candour__V1__Contact c = s_contact("Sam Okafor", "Patient Safety Lead", 1);
    Candour__V1__ProgressSent ps = CANDOUR__V1__PROGRESS_SENT__INIT;
    ps.number = 1;
    ps.text = "We have read the ward's records and spoken to two nurses.\nNext we meet the"
              " consultant.\n\n";
    ps.response_due = "2027-01-13";
    ps.from = &c;
    char *t = nt_render_progress(&p, "CDR-ABCD-EFGH", "2026-12-04", &ps);
    cr_assert_not_null(t);
    HAS(t, "Dear Mrs Patel,");
    HAS(t, "spoken to two nurses.\nNext we meet the consultant.\n\n");
    HAS(t, "Wednesday 13 January 2027");
    HAS(t, "contact me by email at someone@example.nhs.uk");
    HAS(t, "Yours sincerely,\n\nSam Okafor\nPatient Safety Lead\n");
    HASNT(t, "have not forgotten");
    free(t);
}

Test(notify_clock_letters, R5_the_standard_update_says_the_complaint_is_in_hand_and_when_to_expect)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ProgressSent ps = CANDOUR__V1__PROGRESS_SENT__INIT;
    ps.number = 2;
    ps.text = "";
    ps.response_due = "2027-01-13";
    char *t = nt_render_progress(&p, "CDR-ABCD-EFGH", "2026-12-04", &ps);
    cr_assert_not_null(t);
    HAS(t, "still looking into your complaint");
    HAS(t, "Wednesday 13 January 2027");
    HAS(t, "CDR-ABCD-EFGH");
    HAS(t, "The Complaints Team");
    free(t);
}

Test(notify_clock_letters, R5_a_late_response_letter_apologises_says_why_and_when)
{
    Candour__V1__Person p = s_person();
    Candour__V1__Contact c = s_contact("Casey Manager", "Complaints Manager", 0);
    Candour__V1__ResponseLate rl = CANDOUR__V1__RESPONSE_LATE__INIT;
    rl.due = "2027-01-13";
    rl.reason = "we are waiting for an independent clinical opinion";
    rl.expected_by = "2027-02-05";
    rl.from = &c;
    char *t = nt_render_late(&p, "CDR-ABCD-EFGH", "2027-01-14", &rl);
    cr_assert_not_null(t);
    HAS(t, "sorry");
    HAS(t, "Wednesday 13 January 2027");
    HAS(t, "This is why: we are waiting for an independent clinical opinion.");
    HAS(t, "Friday 5 February 2027");
    HAS(t, "as soon as we can");
    HAS(t, NT_OMBUDSMAN);
    HAS(t, "Yours sincerely,\n\nCasey Manager\nComplaints Manager\n");
    free(t);
    /* A reason that ends its own sentence is not given a second full stop. */
    rl.reason = "The consultant is on leave!";
    rl.from = NULL;
    t = nt_render_late(&p, "CDR-ABCD-EFGH", "2027-01-14", &rl);
    HAS(t, "This is why: The consultant is on leave!\n");
    HAS(t, "The Complaints Team");
    free(t);
}

Test(notify_clock_letters, letters_quote_what_staff_wrote_literally)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ProgressSent ps = CANDOUR__V1__PROGRESS_SENT__INIT;
    ps.number = 1;
    ps.text = "100% of the records: %s %n %d";
    ps.response_due = "2027-01-13";
    char *t = nt_render_progress(&p, "CDR-ABCD-EFGH", "2026-12-04", &ps);
    HAS(t, "100% of the records: %s %n %d");
    free(t);
}

Test(notify_clock_letters, F2_the_covering_letter_is_the_bodys_words_signed_by_the_last_signatory)
{
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    ra.covering_letter = "\nNHS Quay ICB has checked the response from our support unit.\n\n";
    ra.covering_signed_by = "Dr R. Chief";
    ra.covering_signatory_role = "Chief Executive";
    char *t = nt_render_covering(&p, "CDR-ABCD-EFGH", "2026-12-04", &ra);
    cr_assert_not_null(t);
    HAS(t, "Dear Mrs Patel,\n\nNHS Quay ICB has checked the response from our support unit.\n\n");
    HAS(t, "Our response to your complaint is enclosed with this letter.");
    HAS(t, "Yours sincerely,\n\nDr R. Chief\nChief Executive\n");
    HAS(t, "Friday 4 December 2026");
    free(t);
    /* Words that say it already are not followed by a second enclosure line. */
    ra.covering_letter = "We enclose our response.";
    t = nt_render_covering(&p, "CDR-ABCD-EFGH", "2026-12-04", &ra);
    cr_assert_null(strstr(t, "is enclosed with this letter"), "%s", t);
    free(t);
}
