/* test_intake_repeats.c - intake says, after the receipt, that the same
 * complainant complained to the same body in the 12 months before (issue
 * 15, L1 repeats; services/intake/repeat.h, repeat_check.c): the earlier
 * complaint's reference in complaint.repeat_found, the latest such, once;
 * nothing for another person, another body, a complaint more than 12 months
 * before, or a compliment. Two by one person in one batch (group commit)
 * are found too, and a queue left by a stop is taken at the next start. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/client.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("intake_repeats");
    h_org(s_h, "ICB-A");
    h_org(s_h, "TRUST-B");
    cr_assert_eq(h_start(s_h, "intake"), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "intake did not exit 0 on SIGTERM");
}

TestSuite(intake_repeats, .init = s_setup, .fini = s_teardown, .timeout = 120);

typedef struct {
    const char *org, *ext, *name, *postcode, *email;
    int compliment;
    char ref[64]; /* the receipt's */
} s_sub_t;

/* Submit s as its body; its reference into s->ref. */
static void *s_submit(void *arg)
{
    s_sub_t *s = arg;
    cd_client_t *cl = h_client(s_h, s->org);
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = (char *)s->name;
    p.postcode = (char *)s->postcode;
    p.email = (char *)s->email;
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = (char *)s->ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &p;
    c.description = "The appointment letter came after the appointment.";
    c.kind = s->compliment ? CANDOUR__V1__KIND__KIND_COMPLIMENT : CANDOUR__V1__KIND__KIND_COMPLAINT;
    Candour__V1__SubmitComplaint sc = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    sc.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &sc;
    Candour__V1__Reply *reply = NULL;
    char err[256];
    int rc = cd_client_call(cl, &req, 30000, &reply, err, sizeof err);
    if (rc == 0 && reply->receipt)
        snprintf(s->ref, sizeof s->ref, "%s", reply->receipt->complaint_ref);
    else if (rc == 0 && reply->error) /* what the assertion shows */
        snprintf(s->ref, sizeof s->ref, "%s %s", reply->error->code, reply->error->field);
    if (reply)
        candour__v1__reply__free_unpacked(reply, NULL);
    cd_client_destroy(&cl);
    return NULL;
}

static void s_send(s_sub_t *s)
{
    s_submit(s);
    cr_assert_eq(strncmp(s->ref, "CDR-", 4), 0, "%s/%s: no receipt: %s", s->org, s->ext, s->ref);
}

/* The repeat_of intake said for ref: once ref is off the repeats' queue,
 * its complaint.repeat_found's, or "" when it put none. */
static char *s_repeat_of(const char *ref)
{
    const char *v[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT count(*) FROM intake.repeat_queue WHERE reference = $1", 1,
                         v, "0", 15000),
              "%s was never checked", ref);
    long n = h_count(s_h,
                     "SELECT count(*) FROM intake.outbox"
                     " WHERE type = 'complaint.repeat_found' AND complaint_ref = $1",
                     1, v);
    cr_assert_leq(n, 1, "%s said %ld times", ref, n);
    if (n == 0)
        return strdup("");
    char *hex = h_scalar(s_h,
                         "SELECT encode(payload, 'hex') FROM intake.outbox"
                         " WHERE type = 'complaint.repeat_found' AND complaint_ref = $1",
                         1, v);
    size_t len = strlen(hex) / 2;
    uint8_t *b = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        sscanf(hex + 2 * i, "%2hhx", &b[i]);
    Candour__V1__RepeatFound *r = candour__v1__repeat_found__unpack(NULL, len, b);
    cr_assert(r);
    char *out = strdup(r->repeat_of);
    candour__v1__repeat_found__free_unpacked(r, NULL);
    free(b);
    free(hex);
    return out;
}

static void s_expect_repeat(const s_sub_t *s, const char *want)
{
    char *got = s_repeat_of(s->ref);
    cr_expect_str_eq(got, want, "%s: repeat_of %s, not %s", s->ext, got, want);
    free(got);
}

/* An earlier complaint put straight into intake's table, received `ago`
 * before now (an SQL interval), by the person named. */
static void s_earlier(const char *ref, const char *ago, const char *name, const char *email)
{
    char body[256];
    snprintf(body, sizeof body, "{\"complainant\": {\"name\": \"%s\", \"email\": \"%s\"}}", name,
             email);
    const char *v[3] = {ref, ago, body};
    h_execp(s_h,
            "INSERT INTO intake.complaint (reference, org_id, external_ref, channel, received_at,"
            " body) VALUES ($1, 'ICB-A', $1, 'CHANNEL_BUS', now() - $2::interval, $3::jsonb)",
            3, v);
}

Test(intake_repeats, a_second_complaint_by_the_same_person_to_the_body_names_the_first)
{
    s_sub_t first = {"ICB-A", "R-1", "Ann Jones", "LS1 1AA", "ann.jones@example.org", 0, ""};
    s_send(&first);
    s_expect_repeat(&first, "");
    /* The same email address, written otherwise. */
    s_sub_t second = {"ICB-A", "R-2", "A Jones", "", "Ann.Jones@EXAMPLE.org", 0, ""};
    s_send(&second);
    s_expect_repeat(&second, first.ref);
    /* Another person: nothing. */
    s_sub_t other = {"ICB-A", "R-3", "Bob Stone", "LS2 2BB", "bob@example.org", 0, ""};
    s_send(&other);
    s_expect_repeat(&other, "");
    /* The same person to another body: nothing. */
    s_sub_t elsewhere = {"TRUST-B", "R-4", "Ann Jones", "LS1 1AA", "ann.jones@example.org", 0, ""};
    s_send(&elsewhere);
    s_expect_repeat(&elsewhere, "");
    /* The same name at the same postcode from a new address: the first (the
     * second, known by its email address alone, shares nothing with it). */
    s_sub_t third = {"ICB-A", "R-5", "ann  jones", "ls1 1aa", "ajones@example.net", 0, ""};
    s_send(&third);
    s_expect_repeat(&third, first.ref);
    /* The second's email again: the latest of the two it matches. */
    s_sub_t fourth = {"ICB-A", "R-4b", "Ann Jones", "LS1 1AA", "ann.jones@example.org", 0, ""};
    s_send(&fourth);
    s_expect_repeat(&fourth, third.ref);
    /* A compliment is nobody's repeat, and no repeat is of one. */
    s_sub_t thanks = {"ICB-A", "R-6", "Bob Stone", "LS2 2BB", "bob@example.org", 1, ""};
    s_send(&thanks);
    s_expect_repeat(&thanks, "");
    s_sub_t bob = {"ICB-A", "R-7", "Bob Stone", "", "bob@example.org", 0, ""};
    s_send(&bob);
    s_expect_repeat(&bob, other.ref);
}

Test(intake_repeats, a_complaint_more_than_12_months_before_is_not_a_repeat)
{
    s_earlier("CDR-OLD1-0001", "13 months", "Carl Hay", "carl@example.org");
    s_earlier("CDR-NEW1-0001", "11 months", "Dee Ray", "dee@example.org");
    s_sub_t carl = {"ICB-A", "R-8", "Carl Hay", "", "carl@example.org", 0, ""};
    s_send(&carl);
    s_expect_repeat(&carl, "");
    s_sub_t dee = {"ICB-A", "R-9", "Dee Ray", "", "DEE@example.org", 0, ""};
    s_send(&dee);
    s_expect_repeat(&dee, "CDR-NEW1-0001");
}

Test(intake_repeats, two_by_one_person_in_one_batch_the_second_names_the_first)
{
    /* Hold intake's INSERT so that what is sent meanwhile forms one batch. */
    PGconn *lock = PQconnectdb(h_db_url(s_h));
    cr_assert_eq(PQstatus(lock), CONNECTION_OK);
    PQclear(PQexec(lock, "BEGIN; LOCK TABLE intake.complaint IN EXCLUSIVE MODE"));
    s_sub_t blocker = {"ICB-A", "B-0", "Eve Blocker", "", "eve@example.org", 0, ""};
    s_sub_t a = {"ICB-A", "B-1", "Fay Lund", "", "fay@example.org", 0, ""};
    s_sub_t b = {"ICB-A", "B-2", "Fay Lund", "", "FAY@example.org", 0, ""};
    pthread_t t0, t1, t2;
    pthread_create(&t0, NULL, s_submit, &blocker);
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM pg_locks WHERE NOT granted"
                         " AND relation = 'intake.complaint'::regclass",
                         0, NULL, "1", 15000),
              "intake's transaction never waited on the lock");
    pthread_create(&t1, NULL, s_submit, &a);
    /* The first in `pending` before the second is sent. */
    usleep(300000);
    pthread_create(&t2, NULL, s_submit, &b);
    usleep(300000);
    PQclear(PQexec(lock, "ROLLBACK"));
    PQfinish(lock);
    pthread_join(t0, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    cr_assert(a.ref[0] && b.ref[0], "no receipt");
    const char *v[2] = {a.ref, b.ref};
    cr_expect_eq(h_count(s_h,
                         "SELECT count(DISTINCT xmin::text) FROM intake.complaint"
                         " WHERE reference IN ($1, $2)",
                         2, v),
                 1, "the two went in one batch");
    s_expect_repeat(&a, "");
    s_expect_repeat(&b, a.ref);
}

Test(intake_repeats, a_queue_left_by_a_stop_is_checked_at_the_next_start)
{
    cr_assert_eq(h_stop(s_h, "intake"), 0);
    s_earlier("CDR-GONE-0001", "2 months", "Gil Moss", "gil@example.org");
    s_earlier("CDR-GONE-0002", "1 day", "Gil Moss", "GIL@example.org ");
    const char *v[1] = {"CDR-GONE-0002"};
    cr_expect_eq(h_count(s_h, "SELECT count(*) FROM intake.repeat_queue WHERE reference = $1", 1,
                         v),
                 1, "queued in the transaction that stored it");
    cr_assert_eq(h_start(s_h, "intake"), 0);
    char *got = s_repeat_of("CDR-GONE-0002");
    cr_expect_str_eq(got, "CDR-GONE-0001");
    free(got);
}
