/* test_notify_marks_batch.c - the letters of a delivery round that went
 * are recorded together (marks_batch.c: one transaction, one statement for
 * the letters, one for their attempts, one for their letter.sent events;
 * issue 18), each as one recorded alone is.
 *
 * Six complaints are acknowledged as usual (each letter recorded alone or
 * with the others of its round). Then, while notify is stopped, a second
 * letter is queued for each (as the events that ask for letters queue
 * them); notify's first round at start-up takes all six, and records them
 * together. And if that batch fails, each letter is recorded alone. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/client.h"
#include "candour/v1/api.pb-c.h"
#include "harness.h"

#define S_N 6

static void s_submit(h_t *h, int i)
{
    char ext[32];
    snprintf(ext, sizeof ext, "MB-%02d", i);
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"9 Quay Street", "Bristol"};
    p.name = "Lee Shaw";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "BS1 4DB";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &p;
    c.description = "The ward would not tell me when my mother would be discharged.";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = "ICB-MB";
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    Candour__V1__Reply *r = h_call(h, "intake", "ICB-MB", &req);
    cr_assert(r && r->result_case == CANDOUR__V1__REPLY__RESULT_RECEIPT, "no receipt for %s", ext);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* What the letters of one kind came to, a line each (by complaint): state,
 * attempts, times, spool file, error, the attempts recorded. */
static char *s_lines(h_t *h, const char *kind)
{
    const char *v[1] = {kind};
    return h_scalar(h,
                    "SELECT string_agg(x, E'\\n') FROM (SELECT concat_ws(' | ', l.state,"
                    " l.attempts, l.delivered_at IS NOT NULL, l.spool_path IS NOT NULL,"
                    " l.not_sent IS NULL, l.last_error IS NULL, (SELECT string_agg(a.attempt"
                    " || ':' || a.channel || ':' || a.outcome, ',') FROM notify.delivery_attempt a"
                    " WHERE a.letter_id = l.letter_id)) AS x FROM notify.letter l"
                    " WHERE l.kind = $1 ORDER BY l.reference) s",
                    1, v);
}

/* Six complaints acknowledged as usual; then, notify stopped, a second
 * letter queued for each (as the events that ask for letters queue them). */
static h_t *s_six_queued(const char *label)
{
    h_t *h = h_new(label);
    h_org(h, "ICB-MB");
    cr_assert_eq(h_start_all(h), 0);
    for (int i = 0; i < S_N; i++)
        s_submit(h, i);
    cr_assert(h_wait_for(h,
                         "SELECT count(*) FROM notify.letter WHERE kind = 'acknowledgement'"
                         " AND state IN ('sent', 'delivered')",
                         0, NULL, "6", 60000),
              "the six acknowledgements did not go");
    cr_assert_eq(h_stop(h, "notify"), 0);
    h_exec(h, "INSERT INTO notify.letter (letter_id, reference, kind, channel, body, head,"
              " recipient) SELECT gen_random_uuid(), reference, 'progress-1', channel, body, head,"
              " recipient FROM notify.letter WHERE kind = 'acknowledgement'");
    return h;
}

/* notify started: its first round takes the six; once they have gone,
 * each is as a letter recorded alone (the acknowledgements: the first went
 * alone or with the others of its round, the same either way), and notify
 * counted `together` letters recorded in a batch. */
static void s_six_go(h_t *h, long together_expected)
{
    cr_assert_eq(h_start(h, "notify"), 0);
    cr_assert(h_wait_for(h,
                         "SELECT count(*) FROM notify.letter WHERE kind = 'progress-1'"
                         " AND state IN ('sent', 'delivered')",
                         0, NULL, "6", 60000),
              "the six letters queued while notify was stopped did not go");
    /* The new process's count (counted once the batch has committed). */
    long together = -1;
    for (int i = 0; i < 50 && together != together_expected; i++, usleep(100 * 1000))
        together = h_metric(h, "notify", "candour_letters_marked_together_total");
    cr_assert_eq(together, together_expected, "letters recorded together");
    char *batch = s_lines(h, "progress-1");
    cr_assert(batch && strstr(batch, "delivered | 1 | t | t | t | t | 1:post:delivered"), "%s",
              batch);
    char *alone = s_lines(h, "acknowledgement");
    cr_assert_str_eq(batch, alone);
    free(batch);
    free(alone);
    /* One letter.sent each for both letters of every complaint. */
    cr_assert_eq(
        h_count(h, "SELECT count(*) FROM notify.outbox WHERE type = 'letter.sent'", 0, NULL),
        2 * S_N);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM notify.audit WHERE table_name = 'letter'"
                         " AND op = 'UPDATE' AND row_data->>'state' IN ('sent', 'delivered')",
                         0, NULL),
                 2 * S_N, "a letter's going is in the audit trail once");
}

Test(notify_marks_batch, letters_that_went_together_are_recorded_as_each_alone, .timeout = 120)
{
    h_t *h = s_six_queued("notify_marks_batch");
    s_six_go(h, S_N);
    cr_assert_eq(h_destroy(&h), 0);
}

/* The batch fails (here: the database refuses any statement that records
 * more than one attempt): each letter is then recorded alone, and none is
 * lost or recorded twice. */
Test(notify_marks_batch, a_batch_that_fails_is_recorded_letter_by_letter, .timeout = 120)
{
    h_t *h = s_six_queued("notify_marks_split");
    h_exec(h, "CREATE FUNCTION notify.one_at_a_time() RETURNS trigger LANGUAGE plpgsql AS $$"
              " BEGIN IF (SELECT count(*) FROM n) > 1 THEN RAISE EXCEPTION 'one at a time';"
              " END IF; RETURN NULL; END $$");
    h_exec(h, "CREATE TRIGGER one_at_a_time AFTER INSERT ON notify.delivery_attempt"
              " REFERENCING NEW TABLE AS n FOR EACH STATEMENT"
              " EXECUTE FUNCTION notify.one_at_a_time()");
    s_six_go(h, 0);
    cr_assert_eq(h_destroy(&h), 0);
}
