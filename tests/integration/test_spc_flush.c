/* test_spc_flush.c - the SPC monthly counts off the per-event path (issue
 * 18, migration 0040): a change that can move a count is only noted
 * (reporting.monthly_dirty) in the event's transaction, and nothing else
 * is; the notes are flushed into reporting.monthly by every read of it (so
 * a report asked for right after events counts them, the timer off), by
 * the daemon's timer (CANDOUR_REPORTING_MONTHLY_FLUSH_MS), and by every
 * page of `candourctl reporting rebuild`; after each, reporting.monthly
 * equals a GROUP BY over the base tables.
 *
 * The watch looks only at start-up here (CANDOUR_REPORTING_SPC_INTERVAL an
 * hour), so after its first look the only flushes are the ones a test
 * makes happen. Body RSF has 5 complaints in L (the latest complete month)
 * from the start, written straight into the reporting schema; the events
 * are sent to reporting as their producers would send them. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/v1/api.pb-c.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"
#include "test_spc_monthly.h"

static h_t *s_h;
static char *s_analyst;
static char s_last[11], s_from[11], s_to[11];

#define S_NOTES "SELECT count(*) FROM reporting.monthly_dirty"

/* The daemons with the flush timer at flush_ms, once the watch's look at
 * start-up has flushed the 5 complaints written before it. */
static void s_setup(const char *flush_ms)
{
    s_h = h_new("spc_flush");
    h_setenv(s_h, "CANDOUR_REPORTING_SPC_INTERVAL", "3600");
    h_setenv(s_h, "CANDOUR_REPORTING_MONTHLY_FLUSH_MS", flush_ms);
    char *last = h_scalar(s_h,
                          "SELECT (date_trunc('month', (now() AT TIME ZONE 'Europe/London')::date)"
                          " - interval '1 month')::date::text",
                          0, NULL);
    snprintf(s_last, sizeof s_last, "%s", last);
    free(last);
    const char *l[1] = {s_last};
    char *to = h_scalar(
        s_h, "SELECT ($1::date + interval '1 month' - interval '1 day')::date::text", 1, l);
    snprintf(s_to, sizeof s_to, "%s", to);
    free(to);
    char *from = h_scalar(s_h, "SELECT ($1::date - interval '23 months')::date::text", 1, l);
    snprintf(s_from, sizeof s_from, "%s", from);
    free(from);
    h_execp(s_h,
            "INSERT INTO reporting.complaint (reference, made_to_org, kind, received_on)"
            " SELECT 'RSF-0-' || i, 'RSF', 'complaint', $1::date + i FROM generate_series(1, 5) i",
            1, l);
    cr_assert_eq(h_count(s_h, S_NOTES, 0, NULL), 5, "each complaint inserted is noted");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM reporting.monthly", 0, NULL), 0,
                 "and not counted yet");

    cr_assert_eq(h_start(s_h, "routing"), 0);
    s_analyst = h_staff(s_h, "RSF", "Fay Analyst", "Performance", "analyst");
    cr_assert_eq(h_start(s_h, "reporting"), 0);
    char out[512], err[512];
    cr_assert_eq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "categories import %s",
                       CANDOUR_SOURCE_DIR "/deploy/categories/ko41a.csv"),
                 0, "%s", err);
    cr_assert(
        h_wait_for(s_h, "SELECT count(*)::text FROM reporting.monthly_dirty", 0, NULL, "0", 20000),
        "the watch's look at start-up reads reporting.monthly: it flushes first");
}

static void s_teardown(void)
{
    free(s_analyst);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

static void s_setup_reads(void)
{
    s_setup("0");
}

static void s_setup_timer(void)
{
    s_setup("200");
}

TestSuite(spc_flush_read, .init = s_setup_reads, .fini = s_teardown, .timeout = 120);
TestSuite(spc_flush_timer, .init = s_setup_timer, .fini = s_teardown, .timeout = 120);

/* reporting.monthly's count as it stands, not flushed. */
static long s_n(const char *org)
{
    const char *v[2] = {org, s_last};
    return h_count(s_h,
                   "SELECT coalesce(sum(n), 0) FROM reporting.monthly WHERE org = $1"
                   " AND dimension = 'provider' AND code = $1 AND month = $2::date",
                   2, v);
}

/* complaint.received's payload: made to org on day (noon UTC). */
typedef struct {
    Candour__V1__Complaint c;
    Candour__V1__ComplaintReceived r;
    char at[32];
} s_received_t;

static void s_received_init(s_received_t *m, const char *org, const char *day, int compliment)
{
    m->c = (Candour__V1__Complaint)CANDOUR__V1__COMPLAINT__INIT;
    m->r = (Candour__V1__ComplaintReceived)CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    snprintf(m->at, sizeof m->at, "%sT12:00:00Z", day);
    m->c.received_at = m->at;
    m->c.kind = compliment ? CANDOUR__V1__KIND__KIND_COMPLIMENT : CANDOUR__V1__KIND__KIND_COMPLAINT;
    m->r.org_id = (char *)org;
    m->r.complaint = &m->c;
}

/* Sent to reporting and committed (ACKed). */
static void s_send_received(const char *ref, const char *org, int compliment)
{
    s_received_t m;
    s_received_init(&m, org, s_last, compliment);
    char id[40] = "";
    cr_assert_eq(h_send_event(s_h, "reporting", "complaint.received", ref, &m.r.base, id, 10000), 1,
                 "complaint.received %s: %s", ref, h_event_nak(s_h));
}

static void s_send_routed(const char *ref, const char *lead)
{
    Candour__V1__ComplaintRouted m = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    m.org_id = "RSF";
    m.handling_org = (char *)lead;
    m.ack_due = (char *)s_to;
    m.response_due = (char *)s_to;
    char id[40] = "";
    cr_assert_eq(h_send_event(s_h, "reporting", "complaint.routed", ref, &m.base, id, 10000), 1,
                 "complaint.routed %s: %s", ref, h_event_nak(s_h));
}

static void s_send_status(const char *ref)
{
    Candour__V1__StatusChanged m = CANDOUR__V1__STATUS_CHANGED__INIT;
    m.state = CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_RECEIVED;
    char id[40] = "";
    cr_assert_eq(
        h_send_event(s_h, "reporting", "complaint.status_changed", ref, &m.base, id, 10000), 1,
        "complaint.status_changed %s: %s", ref, h_event_nak(s_h));
}

/* The SPC report of RSF: its total's count in L (-1 when suppressed). */
static long s_report_latest(void)
{
    Candour__V1__GetReport g = CANDOUR__V1__GET_REPORT__INIT;
    g.report = "spc";
    g.org_id = "RSF";
    g.from = s_from;
    g.to = s_to;
    g.format = "json";
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = s_analyst;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_REPORT;
    req.get_report = &g;
    Candour__V1__Reply *r = h_call(s_h, "reporting", NULL, &req);
    cr_assert_null(r->error, "%s %s", r->error ? r->error->field : "",
                   r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_ATTACHMENT);
    json_error_t e;
    json_t *o =
        json_loadb((const char *)r->attachment->content.data, r->attachment->content.len, 0, &e);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(o, "%s", e.text);
    json_t *total = json_array_get(json_object_get(json_object_get(o, "spc"), "charts"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(total, "dimension")), "provider");
    json_t *pts = json_object_get(total, "points");
    json_t *count = json_object_get(json_array_get(pts, json_array_size(pts) - 1), "count");
    long n = json_is_integer(count) ? (long)json_integer_value(count) : -1;
    json_decref(o);
    return n;
}

Test(spc_flush_read, a_report_asked_for_right_after_events_counts_them)
{
    cr_assert_eq(s_n("RSF"), 5);
    s_send_received("RSF-1", "RSF", 0);
    s_send_received("RSF-2", "RSF", 0);
    s_send_received("RSF-3", "RSF", 0);
    /* Noted only what can move a count: not a compliment, not a status. */
    s_send_received("RSF-4", "RSF", 1);
    s_send_status("RSF-1");
    char *notes = h_scalar(s_h,
                           "SELECT string_agg(reference, ' ' ORDER BY reference)"
                           " FROM reporting.monthly_dirty",
                           0, NULL);
    cr_assert_str_eq(notes, "RSF-1 RSF-2 RSF-3");
    free(notes);
    cr_assert_eq(s_n("RSF"), 5, "not counted yet: the timer is off");

    /* The report flushes first, in its own transaction. */
    cr_assert_eq(s_report_latest(), 8);
    cr_assert_eq(h_count(s_h, S_NOTES, 0, NULL), 0);
    cr_assert_eq(s_n("RSF"), 8);
    cr_assert_eq(spc_monthly_diff(s_h), 0);

    /* Routed to another body: it leaves RSF's count, seen at once. */
    s_send_routed("RSF-1", "RSG");
    cr_assert_eq(h_count(s_h, S_NOTES, 0, NULL), 1);
    cr_assert_eq(s_report_latest(), 7);
    cr_assert_eq(s_n("RSG"), 1);
    cr_assert_eq(spc_monthly_diff(s_h), 0);
    /* A report with nothing noted changes nothing. */
    cr_assert_eq(s_report_latest(), 7);
}

/* The payload of complaint.received as its producer's outbox keeps it:
 * bytea's hex text. malloc'd. */
static char *s_payload_hex(const char *org, int compliment)
{
    s_received_t m;
    s_received_init(&m, org, s_last, compliment);
    size_t len = protobuf_c_message_get_packed_size(&m.r.base);
    uint8_t *buf = malloc(len ? len : 1);
    char *hex = malloc(2 * len + 3);
    cr_assert(buf && hex);
    protobuf_c_message_pack(&m.r.base, buf);
    snprintf(hex, 3, "\\x");
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 + 2 * i, 3, "%02x", buf[i]);
    free(buf);
    return hex;
}

Test(spc_flush_timer, the_timer_flushes_every_note_and_a_rebuild_counts_again)
{
    s_send_received("RSF-1", "RSF", 0);
    s_send_received("RSF-2", "RSF", 0);
    s_send_routed("RSF-2", "RSG");
    /* Nothing reads reporting.monthly here: only the timer can flush. */
    cr_assert(
        h_wait_for(s_h, "SELECT count(*)::text FROM reporting.monthly_dirty", 0, NULL, "0", 5000),
        "the timer flushed every note");
    cr_assert_eq(s_n("RSF"), 6);
    cr_assert_eq(s_n("RSG"), 1);
    cr_assert_eq(spc_monthly_diff(s_h), 0);

    /* The rebuild replays intake's outbox: 3 complaints and a compliment
     * to RSF (the rows written straight in and the events sent to the
     * daemon are in no outbox: they go). The daemon is stopped, so only
     * the rebuild can count them, in pages of two. */
    cr_assert_eq(h_stop(s_h, "reporting"), 0);
    for (int i = 1; i <= 4; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "RSF-R%d", i);
        char *hex = s_payload_hex("RSF", i == 4);
        const char *v[2] = {ref, hex};
        h_execp(s_h,
                "INSERT INTO intake.outbox (event_id, type, complaint_ref, payload)"
                " VALUES (gen_random_uuid(), 'complaint.received', $1, $2::bytea)",
                2, v);
        free(hex);
    }
    char out[4096], err[4096];
    cr_assert_eq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "reporting rebuild --page 2"), 0,
                 "%s%s", out, err);
    cr_assert(strstr(out, " 4 complaints,"), "%s", out);
    cr_assert_eq(h_count(s_h, S_NOTES, 0, NULL), 0, "each page flushed its notes");
    cr_assert_eq(s_n("RSF"), 3);
    cr_assert_eq(s_n("RSG"), 0);
    cr_assert_eq(spc_monthly_diff(s_h), 0);
}
