/* test_dead_letters.c - dead letters are visible, countable and operable:
 * candourctl dead-letters list, show, replay and discard, each logged. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "candour/pb.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

#define DL_EVENT "5b0f3a52-59b8-4b8e-9a47-3c7e7c1f0a01"

/* Run candourctl with args against the test database; capture its output. */
static int s_ctl(h_t *h, char *out, size_t outlen, const char *a1, const char *a2,
                 const char *a3, const char *a4, const char *a5)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' dead-letters %s %s %s %s %s 2>&1",
             h_db_url(h), CANDOUR_BUILD_DIR, a1, a2 ? a2 : "", a3 ? a3 : "", a4 ? a4 : "",
             a5 ? a5 : "");
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A complaint.received in intake's outbox whose delivery to routing is dead. */
static void s_make_dead_letter(h_t *h)
{
    Candour__V1__ComplaintReceived cr = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    cr.org_id = "ICB-DL";
    size_t len = 0;
    uint8_t *buf = cd_pb_pack(&cr.base, &len);
    char *hex = malloc(len * 2 + 3);
    snprintf(hex, 3, "\\x");
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 + i * 2, 3, "%02x", buf[i]);
    const char *p[2] = {DL_EVENT, hex};
    char *seq = h_scalar(h, "INSERT INTO intake.outbox (event_id, type, complaint_ref, payload)"
                            " VALUES ($1::uuid, 'complaint.received', 'CDR-DEAD-0001', $2::bytea)"
                            " RETURNING seq", 2, p);
    const char *q[2] = {seq, DL_EVENT};
    free(h_scalar(h, "INSERT INTO intake.outbox_delivery (seq, subscriber, event_id, complaint_ref,"
                     " attempts, naks, dead_at, last_error) VALUES ($1::bigint, 'routing', $2::uuid,"
                     " 'CDR-DEAD-0001', 5, 5, now(), 'APPLY_FAILED: test') RETURNING 1", 2, q));
    free(seq);
    free(hex);
    free(buf);
}

Test(dead_letters, list_show_replay_and_discard_with_reasons_logged, .timeout = 60)
{
    h_t *h = h_new("deadletters");
    s_make_dead_letter(h);
    char out[16384];

    cr_assert_eq(s_ctl(h, out, sizeof out, "list", NULL, NULL, NULL, NULL), 0, "%s", out);
    cr_assert(strstr(out, DL_EVENT) && strstr(out, "APPLY_FAILED: test") && strstr(out, "1 dead letter"), "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "show", "intake", DL_EVENT, NULL, NULL), 0, "%s", out);
    cr_assert(strstr(out, "complaint.received") && strstr(out, "\"org_id\": \"ICB-DL\""), "%s", out);

    /* A replay needs a reason. */
    cr_assert_eq(s_ctl(h, out, sizeof out, "replay", "intake", DL_EVENT, NULL, NULL), 2, "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "replay", "nowhere", DL_EVENT, "--reason", "x"), 2);
    cr_assert_eq(s_ctl(h, out, sizeof out, "replay", "intake", DL_EVENT, "--reason",
                       "'routing fixed in 0.1.1'"), 0, "%s", out);
    const char *p[1] = {DL_EVENT};
    cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.outbox_delivery WHERE event_id = $1::uuid"
                            " AND dead_at IS NULL AND naks = 0 AND delivered_at IS NULL", 1, p), 1);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM candour_admin.dead_letter_log WHERE action = 'replay'"
                            " AND reason = 'routing fixed in 0.1.1' AND subscriber = 'routing'", 0, NULL), 1);
    /* Replaying what is not dead does nothing and says so. */
    cr_assert_eq(s_ctl(h, out, sizeof out, "replay", "intake", DL_EVENT, "--reason", "again"), 1);

    /* Dead again, then discarded: no longer pending, marked discarded, logged. */
    free(h_scalar(h, "UPDATE intake.outbox_delivery SET dead_at = now(), naks = 5 RETURNING 1", 0, NULL));
    cr_assert_eq(s_ctl(h, out, sizeof out, "discard", "intake", DL_EVENT, "--reason",
                       "'test complaint, entered in error'"), 0, "%s", out);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.outbox_delivery WHERE event_id = $1::uuid"
                            " AND delivered_at IS NOT NULL AND discarded_at IS NOT NULL", 1, p), 1);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM candour_admin.dead_letter_log", 0, NULL), 2);
    cr_assert_eq(s_ctl(h, out, sizeof out, "list", NULL, NULL, NULL, NULL), 0);
    cr_assert(strstr(out, "0 dead letters"), "%s", out);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(dead_letters, a_metric_counts_dead_letters, .timeout = 60)
{
    h_t *h = h_new("dlmetric");
    s_make_dead_letter(h);
    cr_assert_eq(h_start(h, "intake"), 0);
    int port = h_admin_port(h, "intake");
    cr_assert_gt(port, 0);
    int found = 0;
    for (int i = 0; i < 100 && !found; i++) {
        char *body = NULL;
        if (h_http_get(port, "/metrics", &body) == 200)
            found = strstr(body, "candour_outbox_dead_letters{producer=\"intake\"} 1") != NULL;
        free(body);
        if (!found)
            usleep(100000);
    }
    cr_assert(found, "candour_outbox_dead_letters did not report the dead letter");
    cr_assert_eq(h_destroy(&h), 0);
}
