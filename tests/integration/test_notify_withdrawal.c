/* test_notify_withdrawal.c - a withdrawn complaint gets no more letters,
 * only the confirmation of its withdrawal (N1). notify runs alone and is sent
 * the events directly, as the other services' outboxes would send them: a
 * letter waiting for delivery when the withdrawal comes, and letters asked
 * for after it, are recorded as not sent and never reach the spool; the
 * confirmation does; alerts for the complaints manager still go. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("notify_withdrawal");
    cr_assert_eq(h_start(s_h, "notify"), 0); /* alone: the events come from this test */
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "notify did not exit 0 on SIGTERM");
}

TestSuite(notify_withdrawal, .init = s_setup, .fini = s_teardown, .timeout = 90);

/* Send a new event about ref to notify as its producer would. 1 when notify
 * ACKed it (it is committed), 0 otherwise (a NAK, or no answer). */
static int s_send(const char *type, const char *ref, const ProtobufCMessage *msg)
{
    char id[CD_UUID_LEN + 1] = "";
    return h_send_event(s_h, "notify", type, ref, msg, id, 5000) == 1;
}

static void s_received(const char *ref)
{
    static char *addr[] = {"3 Mill Lane", "Otley"};
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Rosa Fenwick";
    p.address_as = "Ms Fenwick";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "LS21 1AA";
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.complainant = &p;
    comp.description = "My father's discharge was not arranged.";
    Candour__V1__ComplaintReceived cr = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    cr.org_id = "ICB-W";
    cr.complaint = &comp;
    cr_assert(s_send("complaint.received", ref, &cr.base));
}

static void s_acknowledgement(const char *ref)
{
    Candour__V1__LetterRequested lr = CANDOUR__V1__LETTER_REQUESTED__INIT;
    lr.kind = "acknowledgement";
    lr.response_due = "2026-12-18";
    lr.handler = "Sam Okafor";
    cr_assert(s_send("letter.requested", ref, &lr.base));
}

static void s_withdrawn(const char *ref)
{
    Candour__V1__ComplaintWithdrawn cw = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    cw.reason = "Dad is home now; I do not want to take it further.";
    cr_assert(s_send("complaint.withdrawn", ref, &cw.base));
}

static void s_approved(const char *ref)
{
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    ra.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    ra.findings = "The discharge plan was not made.";
    ra.signed_by = "Dr Helen Marsh";
    ra.signatory_role = "Chief Executive";
    cr_assert(s_send("response.approved", ref, &ra.base));
}

/* A letter's state: "delivered", "pending", or its not_sent reason; NULL if none. */
static char *s_letter(const char *ref, const char *kind)
{
    const char *p[2] = {ref, kind};
    return h_scalar(s_h,
                    "SELECT CASE WHEN delivered_at IS NOT NULL THEN 'delivered'"
                    " ELSE coalesce(not_sent, 'pending') END FROM notify.letter"
                    " WHERE reference = $1 AND kind = $2",
                    2, p);
}

static void s_letter_is(const char *ref, const char *kind, const char *want)
{
    char *got = s_letter(ref, kind);
    cr_assert(got, "no %s letter", kind);
    cr_assert_str_eq(got, want, "%s", kind);
    free(got);
}

static int s_in_spool(const char *ref, const char *kind)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s.txt", h_spool(s_h), ref, kind);
    return access(path, F_OK) == 0;
}

static char *s_read(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

Test(notify_withdrawal, N1_after_a_withdrawal_only_the_confirmation_reaches_the_spool)
{
    const char *ref = "CDR-WDRW-0001";
    s_received(ref);

    /* A letter waiting when the withdrawal comes: the complaint's spool
     * folder is blocked (a file where the folder would be), so the
     * acknowledgement stays undelivered. */
    char block[1024];
    snprintf(block, sizeof block, "%s/%s", h_spool(s_h), ref);
    FILE *f = fopen(block, "w");
    cr_assert(f);
    fclose(f);
    s_acknowledgement(ref);
    usleep(700 * 1000); /* a delivery round or more tries, and fails */
    s_letter_is(ref, "acknowledgement", "pending");

    s_withdrawn(ref);
    s_letter_is(ref, "acknowledgement", "cancelled-withdrawn");
    s_letter_is(ref, "withdrawal-confirmation", "pending");
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.recipient WHERE reference = $1"
                         " AND withdrawn_at IS NOT NULL AND withdrawal_reason LIKE 'Dad is home%'",
                         1, p),
                 1, "the withdrawal is not recorded on the recipient");
    usleep(700 * 1000); /* any round that read the acknowledgement before has failed */
    cr_assert_eq(unlink(block), 0);

    /* Asked for after the withdrawal: recorded, not sent. */
    s_approved(ref);
    s_letter_is(ref, "final-response", "cancelled-withdrawn");

    /* The confirmation goes. */
    cr_assert(h_wait_for(s_h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter"
                         " WHERE reference = $1 AND kind = 'withdrawal-confirmation'",
                         1, p, "true", 15000),
              "the withdrawal confirmation was not delivered");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/withdrawal-confirmation.txt", h_spool(s_h), ref);
    char *text = s_read(path);
    cr_assert(strstr(text, "Dear Ms Fenwick,"), "%s", text);
    cr_assert(strstr(text, "withdraw your complaint"), "%s", text);
    cr_assert(strstr(text, ref), "%s", text);

    /* An alert for the complaints manager still goes; once it is in the
     * spool, a round has run since the final response was recorded. */
    Candour__V1__DeadlineAlert da = CANDOUR__V1__DEADLINE_ALERT__INIT;
    da.deadline = "response";
    da.party = "";
    da.due = "2026-12-18";
    da.level = "overdue";
    cr_assert(s_send("deadline.overdue", ref, &da.base));
    cr_assert(h_wait_for(s_h,
                         "SELECT (spool_path IS NOT NULL)::text FROM notify.alert"
                         " WHERE reference = $1",
                         1, p, "true", 15000),
              "the alert was not delivered");
    usleep(600 * 1000);

    cr_assert_not(s_in_spool(ref, "final-response"), "a final response went after withdrawal");
    cr_assert_not(s_in_spool(ref, "acknowledgement"), "a pending letter went after withdrawal");
    s_letter_is(ref, "final-response", "cancelled-withdrawn");
    s_letter_is(ref, "acknowledgement", "cancelled-withdrawn");
    /* Recorded as not sent, so routing is never told they went. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.outbox WHERE type = 'letter.sent'"
                         " AND complaint_ref = $1",
                         1, p),
                 1, "letter.sent for something other than the confirmation");
}

Test(notify_withdrawal, N1_a_second_withdrawal_writes_no_second_confirmation)
{
    const char *ref = "CDR-WDRW-0002";
    s_received(ref);
    s_acknowledgement(ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter"
                         " WHERE reference = $1 AND kind = 'acknowledgement'",
                         1, p, "true", 15000));
    s_withdrawn(ref);
    s_withdrawn(ref); /* another event (say a resubmission's), not a resend */
    cr_assert(h_wait_for(s_h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter"
                         " WHERE reference = $1 AND kind = 'withdrawal-confirmation'",
                         1, p, "true", 15000));
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM notify.letter WHERE reference = $1", 1, p), 2);
    /* A letter delivered before the withdrawal stays delivered. */
    s_letter_is(ref, "acknowledgement", "delivered");
    cr_assert(s_in_spool(ref, "acknowledgement"));
}
