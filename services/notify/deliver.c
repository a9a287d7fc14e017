/* deliver.c - the delivery round: the daemon's one periodic job.
 *
 * Every NT_DELIVERY_MS, and soon after an event commits a letter or an
 * alert, a round reads up to NT_DELIVERY_BATCH letters still to go (neither
 * delivered nor recorded as not sent) and as many alerts not yet in the spool,
 * writes them all to the spool in one go on the thread pool (spool.c: two
 * flushes per round), and back on the loop marks each one that is durable:
 * a letter delivered, with its letter.sent event for routing, in one
 * transaction; an alert with its spool path. The order is what makes it
 * safe: a letter is durable in the spool before it is marked, so a crash in
 * between only delivers it again, under the same name.
 *
 * One round at a time (app->delivering): a kick during a round asks for
 * another after it, so nothing committed meanwhile waits for the timer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/v1/events.pb-c.h"
#include "letters.h"
#include "notify.h"

#define NT_DELIVERY_MS 500
#define NT_DELIVERY_BATCH 50

/* One letter or alert of a round: what the spool needs and what marking it
 * needs, copied out of the query's result (which dies with its callback). */
typedef struct {
    int alert;          /* an alert for the complaints manager, not a letter */
    char id[40];        /* letter_id (uuid), or the alert's id */
    char reference[65]; /* the complaint's reference */
    char name[200];     /* a letter's kind; an alert's file name */
    char channel[16];   /* a letter's channel: "post", "email" */
    int large_print;    /* a letter's PDF in large print (access needs) */
    char level[16];     /* an alert's level, for the log */
    char *body;         /* the text (owned) */
} s_item_t;

/* A round in flight: its items and their spool files, side by side. */
typedef struct {
    nt_app_t *app;
    int n;
    int full;               /* a query came back with a whole batch: more may wait */
    s_item_t *items;        /* [n] */
    nt_spool_file_t *files; /* [n], pointing into items */
} s_round_t;

static void s_round_free(s_round_t **pr)
{
    if (!pr || !*pr)
        return;
    s_round_t *r = *pr;
    *pr = NULL;
    for (int i = 0; r->items && i < r->n; i++)
        free(r->items[i].body);
    free(r->items);
    free(r->files);
    free(r);
}

static int s_copy(char *dst, size_t size, const char *src)
{
    int n = snprintf(dst, size, "%s", src);
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

static void s_failed(nt_app_t *app, const s_item_t *it, int err)
{
    cd_metric_add(app->m_failed, 1);
    cd_log_error(it->alert ? "alert.delivery_failed" : "letter.delivery_failed", "{s:s, s:s, s:s}",
                 it->alert ? "alert_id" : "letter_id", it->id, "reference", it->reference, "error",
                 strerror(err));
}

/* An alert's file name, <reference>-<deadline>[-<party>]-<level>, made safe
 * for a file name character by character, so a redelivery rewrites the same
 * file whatever the party is called. */
static void s_alert_name(char *out, size_t size, const char *reference, const char *deadline,
                         const char *party, const char *level)
{
    snprintf(out, size, "%s-%s%s%s-%s", reference, deadline, party[0] ? "-" : "", party, level);
    for (char *c = out; *c; c++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *c))
            *c = '_';
}

/* Item i from row `row` of the letters' query: letter_id, reference, kind,
 * channel, body. 0, or -1 when the row cannot be delivered (logged). */
static int s_letter_item(nt_app_t *app, s_item_t *it, PGresult *r, int row)
{
    it->alert = 0;
    if (s_copy(it->id, sizeof it->id, PQgetvalue(r, row, 0)) != 0 ||
        s_copy(it->reference, sizeof it->reference, PQgetvalue(r, row, 1)) != 0 ||
        s_copy(it->name, sizeof it->name, PQgetvalue(r, row, 2)) != 0 ||
        s_copy(it->channel, sizeof it->channel, PQgetvalue(r, row, 3)) != 0 ||
        !nt_safe_reference(it->reference) || !nt_safe_reference(it->name)) {
        s_failed(app, it, EINVAL);
        return -1;
    }
    it->large_print = PQgetvalue(r, row, 5)[0] == 't';
    it->body = strdup(PQgetvalue(r, row, 4));
    if (!it->body) {
        s_failed(app, it, ENOMEM);
        return -1;
    }
    return 0;
}

/* From the alerts' query: id, reference, deadline, party, level, due, raised_at. */
static int s_alert_item(nt_app_t *app, s_item_t *it, PGresult *r, int row)
{
    it->alert = 1;
    Candour__V1__DeadlineAlert da = CANDOUR__V1__DEADLINE_ALERT__INIT;
    da.deadline = PQgetvalue(r, row, 2);
    da.party = PQgetvalue(r, row, 3);
    da.level = PQgetvalue(r, row, 4);
    da.due = PQgetvalue(r, row, 5);
    if (s_copy(it->id, sizeof it->id, PQgetvalue(r, row, 0)) != 0 ||
        s_copy(it->reference, sizeof it->reference, PQgetvalue(r, row, 1)) != 0 ||
        s_copy(it->level, sizeof it->level, da.level) != 0 || !nt_safe_reference(it->reference)) {
        s_failed(app, it, EINVAL);
        return -1;
    }
    s_alert_name(it->name, sizeof it->name, it->reference, da.deadline, da.party, da.level);
    it->body = nt_render_alert(it->reference, &da, PQgetvalue(r, row, 6));
    if (!it->body) {
        s_failed(app, it, ENOMEM);
        return -1;
    }
    return 0;
}

/* The round's items from the two queries' rows; NULL when out of memory. */
static s_round_t *s_round_new(nt_app_t *app, PGresult *letters, PGresult *alerts)
{
    int nl = PQntuples(letters), na = PQntuples(alerts);
    s_round_t *rd = calloc(1, sizeof *rd);
    if (!rd)
        return NULL;
    rd->app = app;
    rd->full = nl == NT_DELIVERY_BATCH || na == NT_DELIVERY_BATCH;
    rd->items = calloc((size_t)(nl + na) + 1, sizeof *rd->items);
    rd->files = calloc((size_t)(nl + na) + 1, sizeof *rd->files);
    if (!rd->items || !rd->files) {
        s_round_free(&rd);
        return NULL;
    }
    for (int i = 0; i < nl + na; i++) {
        s_item_t *it = &rd->items[rd->n];
        int rc =
            i < nl ? s_letter_item(app, it, letters, i) : s_alert_item(app, it, alerts, i - nl);
        if (rc != 0) {
            free(it->body);
            memset(it, 0, sizeof *it);
            continue;
        }
        /* A letter by post goes as its PDF too, in large print when the
         * complainant's access needs ask for it (I7). */
        rd->files[rd->n] = (nt_spool_file_t){.dir = it->alert ? "alerts" : it->reference,
                                             .name = it->name,
                                             .tag = it->id,
                                             .body = it->body,
                                             .pdf = !it->alert && strcmp(it->channel, "post") == 0,
                                             .large_print = it->large_print};
        rd->n++;
    }
    return rd;
}

/* ---------------------------------------------------------------- marks */

static void s_on_marked(const cd_tx_result_t *res, void *arg)
{
    nt_app_t *app = arg;
    if (res->err == 0)
        cd_service_kick(app->svc);
}

/* The letter is durable in the spool: mark it delivered, with its letter.sent
 * event. A withdrawal may have recorded it as not sent while it was being
 * written; it went all the same, and is recorded as what it is: delivered. */
static void s_mark_letter(nt_app_t *app, const s_item_t *it, const char *path)
{
    cd_tx_t *tx = cd_tx_new();
    const char *v[2] = {it->id, path};
    cd_tx_add(tx,
              "WITH u AS (UPDATE notify.letter SET delivered_at = now(), spool_path = $2,"
              " not_sent = NULL, not_sent_at = NULL"
              " WHERE letter_id = $1::uuid AND delivered_at IS NULL RETURNING 1)"
              " SELECT notify.expect(count(*) = 1, 'already delivered') FROM u",
              2, v);
    Candour__V1__LetterSent ls = CANDOUR__V1__LETTER_SENT__INIT;
    ls.kind = (char *)it->name;
    ls.letter_id = (char *)it->id;
    ls.channel = (char *)it->channel;
    cd_event_out_t out = {.type = "letter.sent",
                          .complaint_ref = it->reference,
                          .payload = &ls.base,
                          .subscribers = NULL};
    cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(app->svc), tx, s_on_marked, app);
    cd_metric_add(app->m_letters, 1);
    cd_log_info("letter.delivered", "{s:s, s:s, s:s}", "reference", it->reference, "kind", it->name,
                "channel", it->channel);
}

static void s_mark_alert(nt_app_t *app, const s_item_t *it, const char *path)
{
    const char *v[2] = {it->id, path};
    cd_db_query(cd_service_db(app->svc),
                "UPDATE notify.alert SET spool_path = $2 WHERE id = $1::bigint", 2, v, s_on_marked,
                app);
    cd_log_warn("deadline.alert", "{s:s, s:s, s:s}", "reference", it->reference, "name", it->name,
                "level", it->level);
}

/* ---------------------------------------------------------------- the round */

static void s_round(nt_app_t *app);

/* Back on the loop: the spool's writes are done; mark what is durable. */
static void s_on_flushed(nt_spool_file_t *files, int n, void *arg)
{
    s_round_t *rd = arg;
    nt_app_t *app = rd->app;
    app->delivering = 0;
    /* Stopping: the database may be gone already. What was written is
     * delivered again at the next start, under the same names. */
    int stopping = cd_service_stopping(app->svc);
    for (int i = 0; i < n; i++) {
        const s_item_t *it = &rd->items[i];
        if (files[i].err)
            s_failed(app, it, files[i].err);
        else if (stopping)
            continue;
        else if (it->alert)
            s_mark_alert(app, it, files[i].path);
        else
            s_mark_letter(app, it, files[i].path);
    }
    int more = rd->full || app->again;
    s_round_free(&rd);
    if (more && !stopping) {
        app->again = 0;
        s_round(app);
    }
}

static void s_on_undelivered(const cd_tx_result_t *res, void *arg)
{
    nt_app_t *app = arg;
    s_round_t *rd = res->err ? NULL : s_round_new(app, res->results[0], res->results[1]);
    int rc = rd && rd->n > 0 ? nt_spool_write_async(cd_service_loop(app->svc), app->spool,
                                                    rd->files, rd->n, s_on_flushed, rd)
                             : -1;
    if (rc == 0)
        return; /* s_on_flushed takes it from here */
    if (rd && rd->n > 0)
        cd_log_error("spool.queue_failed", "{s:s}", "error", uv_strerror(rc));
    app->delivering = 0;
    s_round_free(&rd);
    if (app->again) {
        app->again = 0;
        s_round(app);
    }
}

static void s_round(nt_app_t *app)
{
    if (app->delivering) {
        app->again = 1;
        return;
    }
    if (!app->svc || cd_service_stopping(app->svc) || !cd_db_ready(cd_service_db(app->svc)))
        return;
    app->delivering = 1;
    app->again = 0;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", NT_DELIVERY_BATCH);
    const char *v[1] = {lim};
    cd_tx_t *tx = cd_tx_new();
    cd_tx_add(tx,
              "SELECT l.letter_id, l.reference, l.kind, l.channel, l.body,"
              " (SELECT r.person->'access_needs'->>'format' FROM notify.recipient r"
              "  WHERE r.reference = l.reference) IS NOT DISTINCT FROM 'FORMAT_LARGE_PRINT'"
              " FROM notify.letter l WHERE l.delivered_at IS NULL AND l.not_sent IS NULL"
              " ORDER BY l.created_at LIMIT $1::int",
              1, v);
    cd_tx_add(tx,
              "SELECT id, reference, deadline, party, level, due::text,"
              " to_char(raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
              " FROM notify.alert WHERE spool_path IS NULL ORDER BY id LIMIT $1::int",
              1, v);
    cd_db_submit(cd_service_db(app->svc), tx, s_on_undelivered, app);
}

static void s_on_timer(uv_timer_t *t)
{
    s_round(t->data);
}

void nt_deliver_soon(void *arg)
{
    s_round(arg);
}

void nt_deliver_init(nt_app_t *app, uv_loop_t *loop)
{
    uv_timer_init(loop, &app->delivery);
    app->delivery.data = app;
}

void nt_deliver_start(nt_app_t *app)
{
    uv_timer_start(&app->delivery, s_on_timer, 0, NT_DELIVERY_MS);
}

void nt_deliver_stop(nt_app_t *app)
{
    uv_close((uv_handle_t *)&app->delivery, NULL);
}
