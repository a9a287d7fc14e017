/* repeat_check.c - repeats by the same complainant (issue 15, L1), found
 * after the receipt has gone, off its path: each complaint stored is queued
 * in its own transaction (intake.repeat_queue, migration 0039); this takes
 * the queue a page at a time, finds each one's latest earlier complaint by
 * the same complainant to the same body in the 12 months before (repeat.h's
 * rules), and in one transaction puts complaint.repeat_found (the earlier
 * reference only) for those that have one and takes the whole page off the
 * queue, so each is judged and said once, across restarts too.
 *
 * When: after a batch of complaints commits (in_repeat_check_kick), and
 * every S_EVERY_MS in case a kick was missed (a restart with a queue).
 * Again at once while pages come back full. One page at a time.
 *
 * The read finds candidates by forms looser than repeat.h's (lower() folds
 * more than A-Z), S_PER_PATH latest of each path, by a backward scan of one
 * of 0035's indexes each, so someone who has complained a thousand times
 * costs what a first-timer does; repeat.h decides. A true repeat is missed
 * only when the S_PER_PATH later ones on both paths all differ from it in
 * the case of a letter outside A-Z. Every complaint of the page is already
 * stored, so a complaint's earlier one in the same batch is found too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "candour/outbox.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "intake.h"
#include "repeat.h"

#define S_PAGE 64
#define S_PAGE_S "64"
#define S_PER_PATH "3"
#define S_EVERY_MS 1000

/* A complainant's email address, postcode and name as SQL compares them:
 * 0035's indexes' expressions, or the planner will not use them. `p` is a
 * Person as JSON. */
#define S_EMAIL(p) "lower(btrim(" p "->>'email', E' \\t\\r\\n\\f\\v'))"
#define S_POSTCODE(p) "upper(regexp_replace(" p "->>'postcode', '[^A-Za-z0-9]', '', 'g'))"
#define S_NAME(p) "lower(regexp_replace(" p "->>'name', '[^A-Za-z0-9]', '', 'g'))"
#define S_CAND                                                                                     \
    " SELECT cc.reference, floor(extract(epoch FROM cc.received_at) * 1000000)::bigint AS at,"     \
    " (cc.body->'complainant')::text AS complainant FROM intake.complaint cc"                      \
    " WHERE cc.org_id = q.org_id AND cc.classification <> 'CLASSIFICATION_COMPLIMENT'"             \
    " AND cc.received_at < q.received_at"                                                          \
    " AND cc.received_at >= q.received_at - interval '12 months 2 days'"

/* The page: each queued complaint (its reference, complainant as JSON and
 * when received, in microseconds; a complaint no longer stored has none),
 * with its candidates, latest first (NULLs: none). The page is taken off
 * the queue's index first: joined before the LIMIT, a queue thousands long
 * behind a burst was read whole for every page. */
/* clang-format off */
static const char s_page_sql[] =
    "WITH r AS (SELECT reference FROM intake.repeat_queue"
    " ORDER BY queued_at, reference LIMIT " S_PAGE_S "),"
    " q AS (SELECT r.reference, c.org_id, c.received_at, c.body->'complainant' AS p"
    " FROM r LEFT JOIN intake.complaint c USING (reference))"
    " SELECT q.reference, coalesce(q.p::text, ''),"
    " coalesce(floor(extract(epoch FROM q.received_at) * 1000000)::bigint, 0),"
    " x.reference, x.at, x.complainant FROM q LEFT JOIN LATERAL ("
    "  (" S_CAND " AND " S_EMAIL("q.p") " <> ''"
    "   AND " S_EMAIL("(cc.body->'complainant')") " = " S_EMAIL("q.p")
    "   ORDER BY cc.received_at DESC LIMIT " S_PER_PATH ")"
    "  UNION ALL"
    "  (" S_CAND " AND " S_POSTCODE("q.p") " <> ''"
    "   AND " S_POSTCODE("(cc.body->'complainant')") " = " S_POSTCODE("q.p")
    "   AND " S_NAME("(cc.body->'complainant')") " = " S_NAME("q.p")
    "   ORDER BY cc.received_at DESC LIMIT " S_PER_PATH ")) x ON true"
    " ORDER BY q.reference, x.at DESC NULLS LAST";
/* clang-format on */

static uv_timer_t s_timer;
static int s_busy, s_again, s_started;

/* One queued complaint of the page and what was found. */
typedef struct {
    char reference[32];
    char repeat_of[32];
    Candour__V1__RepeatFound msg;
} s_item_t;

static Candour__V1__Person *s_person(const char *json)
{
    if (!json || !*json)
        return NULL;
    return (Candour__V1__Person *)cd_pbjson_parse(&candour__v1__person__descriptor, json,
                                                  strlen(json), NULL);
}

static void s_person_free(Candour__V1__Person *p)
{
    if (p)
        protobuf_c_message_free_unpacked(&p->base, NULL);
}

static void s_read(void);

static void s_on_done(const cd_tx_result_t *res, void *arg)
{
    int full = (int)(intptr_t)arg;
    s_busy = 0;
    if (res->err) {
        cd_log_warn("repeats.unrecorded", "{s:s}", "why", res->message ? res->message : "");
        return; /* the page is still queued: the timer takes it again */
    }
    cd_service_kick(in_app.svc);
    if (full || s_again)
        s_read();
}

/* Judge the page's rows (s_page_sql's columns), grouped by complaint, then
 * say and dequeue in one transaction. */
static void s_on_page(const cd_tx_result_t *res, void *arg)
{
    (void)arg;
    if (res->err || res->nresults < 1) {
        s_busy = 0;
        cd_log_warn("repeats.unread", "{s:s}", "why", res->message ? res->message : "");
        return;
    }
    const PGresult *r = res->results[0];
    int rows = PQntuples(r);
    s_item_t *items = calloc(S_PAGE, sizeof *items);
    const char **refs = calloc(S_PAGE, sizeof *refs), **guards = calloc(S_PAGE, sizeof *guards);
    cd_event_out_t *evs = calloc(S_PAGE, sizeof *evs);
    int n = 0, k = 0;
    for (int row = 0; items && refs && guards && evs && row < rows;) {
        const char *ref = PQgetvalue(r, row, 0);
        s_item_t *it = &items[n];
        snprintf(it->reference, sizeof it->reference, "%s", ref);
        refs[n++] = it->reference;
        Candour__V1__Person *p = s_person(PQgetvalue(r, row, 1));
        int64_t at = strtoll(PQgetvalue(r, row, 2), NULL, 10);
        for (; row < rows && strcmp(PQgetvalue(r, row, 0), ref) == 0; row++) {
            if (it->repeat_of[0] || PQgetisnull(r, row, 3))
                continue;
            Candour__V1__Person *c = s_person(PQgetvalue(r, row, 5));
            int64_t c_at = strtoll(PQgetvalue(r, row, 4), NULL, 10);
            if (in_same_complainant(p, c) && in_repeat_window(c_at, at))
                snprintf(it->repeat_of, sizeof it->repeat_of, "%s", PQgetvalue(r, row, 3));
            s_person_free(c);
        }
        s_person_free(p);
        if (it->repeat_of[0]) {
            it->msg = (Candour__V1__RepeatFound)CANDOUR__V1__REPEAT_FOUND__INIT;
            it->msg.repeat_of = it->repeat_of;
            evs[k] = (cd_event_out_t){.type = "complaint.repeat_found",
                                      .complaint_ref = it->reference,
                                      .payload = &it->msg.base};
            guards[k++] = it->reference;
        }
    }
    char *arr = n ? cd_pg_text_array(refs, (size_t)n) : NULL;
    if (!items || !refs || !guards || !evs || (n && !arr) || n == 0) {
        s_busy = 0; /* out of memory (the timer tries again), or nothing queued */
        goto out;
    }
    cd_tx_t *tx = cd_tx_new();
    /* Said only while still queued: a second instance's page said it first. */
    cd_outbox_put_many(cd_service_outbox(in_app.svc), tx, evs, k,
                       "EXISTS (SELECT 1 FROM intake.repeat_queue rq WHERE rq.reference = $G)",
                       guards);
    const char *v[1] = {arr};
    cd_tx_add(tx, "DELETE FROM intake.repeat_queue WHERE reference = ANY ($1::text[])", 1, v);
    cd_log_info("repeats.checked", "{s:i, s:i}", "complaints", n, "repeats", k);
    cd_db_submit(cd_service_db(in_app.svc), tx, s_on_done, (void *)(intptr_t)(n == S_PAGE));
out:
    free(arr);
    free(items);
    free(refs);
    free(guards);
    free(evs);
}

static void s_read(void)
{
    if (s_busy) {
        s_again = 1;
        return;
    }
    if (cd_service_stopping(in_app.svc) || !cd_db_ready(cd_service_db(in_app.svc)))
        return;
    s_busy = 1;
    s_again = 0;
    /* Planned afresh each time (cd_tx_add_fresh): a plan cached at start-up,
     * when intake.complaint was nearly empty, sorted the whole table for every
     * page once it had thousands of rows (30 ms a page in the benchmark's
     * auto_explain, against 2 ms planned for the table as it is). */
    cd_tx_t *tx = cd_tx_new();
    cd_tx_add_fresh(tx, s_page_sql, 0, NULL);
    cd_db_submit(cd_service_db(in_app.svc), tx, s_on_page, NULL);
}

static void s_on_timer(uv_timer_t *t)
{
    (void)t;
    s_read();
}

void in_repeat_check_start(void)
{
    uv_timer_init(cd_service_loop(in_app.svc), &s_timer);
    uv_timer_start(&s_timer, s_on_timer, 0, S_EVERY_MS);
    s_started = 1;
}

void in_repeat_check_stop(void)
{
    if (s_started)
        uv_close((uv_handle_t *)&s_timer, NULL);
    s_started = 0;
}

void in_repeat_check_kick(void)
{
    if (s_started)
        s_read();
}
