/* test_notify_bounce.c - bounces read from a Maildir (N1): a letter sent by
 * email that bounces for good is failed and raised once; a delay is only
 * recorded; what is not a bounce of ours changes nothing; every message is
 * moved to cur/ once dealt with. notify runs alone, with no relay (its email
 * letters are sent into the spool), the bounces written by the test as a
 * mail server would deliver them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;
static char s_box[600];

static void s_setup(void)
{
    s_h = h_new("notify_bounce");
    snprintf(s_box, sizeof s_box, "%s/bounces", h_dir(s_h));
    h_setenv(s_h, "CANDOUR_BOUNCE_DIR", s_box);
    h_setenv(s_h, "CANDOUR_MAIL_DOMAIN", "icb-w.example");
    cr_assert_eq(h_start(s_h, "notify"), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "notify did not exit 0 on SIGTERM");
}

TestSuite(notify_bounce, .init = s_setup, .fini = s_teardown, .timeout = 90);

static void s_send(const char *type, const char *ref, const ProtobufCMessage *msg)
{
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "notify", type, ref, msg, id, 5000), 1, "%s refused", type);
}

/* An acknowledgement to Rosa Fenwick by email, sent; its letter id. */
static char *s_sent_by_email(const char *ref)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Rosa Fenwick";
    p.address_as = "Ms Fenwick";
    p.email = "rosa@example.org";
    p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.complainant = &p;
    comp.description = "My father's discharge was not arranged.";
    Candour__V1__ComplaintReceived cr = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    cr.org_id = "ICB-W";
    cr.complaint = &comp;
    s_send("complaint.received", ref, &cr.base);
    Candour__V1__LetterRequested lr = CANDOUR__V1__LETTER_REQUESTED__INIT;
    lr.kind = "acknowledgement";
    lr.response_due = "2026-12-18";
    s_send("letter.requested", ref, &lr.base);
    const char *v[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM notify.letter WHERE reference = $1", 1, v, "sent",
                         15000));
    return h_scalar(s_h, "SELECT letter_id::text FROM notify.letter WHERE reference = $1", 1, v);
}

/* The corpus bounce `name` for letter_id, delivered into new/ as a mail
 * server does (written in tmp/, then renamed). */
static void s_deliver(const char *name, const char *letter_id, const char *as)
{
    char path[700];
    snprintf(path, sizeof path, "%s/tests/corpus/bounces/%s", CANDOUR_SOURCE_DIR, name);
    char *text = h_read_file(path);
    cr_assert(text, "%s", path);
    char *at = strstr(text, "@LETTER_ID@");
    cr_assert(at);
    *at = 0;
    char tmp[700], dst[700];
    snprintf(tmp, sizeof tmp, "%s/tmp/%s", s_box, as);
    snprintf(dst, sizeof dst, "%s/new/%s", s_box, as);
    FILE *f = fopen(tmp, "w");
    cr_assert(f);
    fprintf(f, "%s%s%s", text, letter_id, at + strlen("@LETTER_ID@"));
    fclose(f);
    cr_assert_eq(rename(tmp, dst), 0);
    free(text);
}

static int s_seen(const char *as)
{
    char path[700];
    snprintf(path, sizeof path, "%s/cur/%s:2,S", s_box, as);
    for (int i = 0; i < 100; i++, usleep(100 * 1000))
        if (access(path, F_OK) == 0)
            return 1;
    return 0;
}

Test(notify_bounce, N1_a_bounce_for_good_fails_the_letter_and_raises_it_once)
{
    const char *ref = "CDR-BNCE-0001";
    char *id = s_sent_by_email(ref);
    s_deliver("postfix-550.eml", id, "1733306523.V1.relay");
    const char *v[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM notify.letter WHERE reference = $1", 1, v,
                         "failed", 15000),
              "the bounced letter was not failed");
    cr_assert(s_seen("1733306523.V1.relay"), "the bounce was not moved to cur/");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.delivery_attempt a JOIN notify.letter l"
                         " USING (letter_id) WHERE l.reference = $1 AND a.outcome = 'bounced'"
                         " AND a.detail LIKE 'bounced: 5.1.1 %User unknown%'",
                         1, v),
                 1);
    cr_assert(h_wait_for(s_h,
                         "SELECT detail FROM notify.alert WHERE reference = $1"
                         " AND kind = 'delivery-failed'",
                         1, v, "acknowledgement by email: bounced after it was sent (status 5.1.1)",
                         10000),
              "not raised");
    /* The same bounce again: recorded once, raised once. */
    s_deliver("postfix-550.eml", id, "1733306524.V2.relay");
    cr_assert(s_seen("1733306524.V2.relay"));
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.delivery_attempt a JOIN notify.letter l"
                         " USING (letter_id) WHERE l.reference = $1 AND a.outcome = 'bounced'",
                         1, v),
                 1);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM notify.alert WHERE reference = $1", 1, v), 1);
    /* References in the log, never the address the bounce quoted. */
    char log[700];
    snprintf(log, sizeof log, "%s/notify.log", h_dir(s_h));
    char *text = h_read_file(log);
    cr_assert(text && strstr(text, "letter.bounced") && !strstr(text, "rosa@example.org"));
    free(text);
    free(id);
}

Test(notify_bounce, a_delay_is_recorded_and_the_letter_stays_sent)
{
    const char *ref = "CDR-BNCE-0002";
    char *id = s_sent_by_email(ref);
    s_deliver("postfix-delayed.eml", id, "1733306525.V3.relay");
    cr_assert(s_seen("1733306525.V3.relay"));
    const char *v[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.delivery_attempt a JOIN notify.letter l"
                         " USING (letter_id) WHERE l.reference = $1 AND a.outcome = 'delayed'",
                         1, v),
                 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1"
                         " AND state = 'sent'",
                         1, v),
                 1);
    free(id);
}

Test(notify_bounce, what_is_not_a_bounce_of_ours_changes_nothing)
{
    const char *ref = "CDR-BNCE-0003";
    char *id = s_sent_by_email(ref);
    /* A bounce of a letter that is not ours (another id), and a plain message. */
    s_deliver("postfix-550.eml", "00000000-0000-4000-8000-000000000000", "1733306526.V4.relay");
    char path[700];
    snprintf(path, sizeof path, "%s/new/1733306527.V5.relay", s_box);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "Subject: out of office\n\nI am away until Monday.\n");
    fclose(f);
    cr_assert(s_seen("1733306526.V4.relay") && s_seen("1733306527.V5.relay"));
    const char *v[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1"
                         " AND state = 'sent'",
                         1, v),
                 1);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM notify.alert", 0, NULL), 0);
    free(id);
}
