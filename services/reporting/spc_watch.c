/* spc_watch.c - the SPC watch (issue 15, L6): at start-up and every
 * CANDOUR_REPORTING_SPC_INTERVAL seconds, every body's latest complete month
 * (the month before this one, in London), under every dimension and code,
 * against the XmR chart of the months up to it (spc_series.h: the SPC
 * report's own, read with the monthly counts' notes flushed first, so a
 * look counts every event committed before it); a rise (spc_signal.h) is
 * recorded in reporting.spc_signal and sent as spc.signal through
 * reporting's outbox, to notify, which raises it to the body's complaints
 * manager.
 *
 * Once: the event is put only when its signal is not recorded yet, and the
 * signal is recorded in the same transaction, so looking again (the next
 * round, a restart) sends nothing more. Two watches at once (two instances)
 * would both try to record it: the second's insert fails on the key and
 * its whole transaction, event included, with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/calendar.h"
#include "candour/log.h"
#include "candour/outbox.h"
#include "candour/v1/events.pb-c.h"
#include "reporting.h"
#include "spc_series.h"

/* The event's guard: its signal is not recorded yet (the key as one text,
 * '|' between: a code has none). The record's insert asks the same. */
#define S_NOT_YET                                                                                  \
    "NOT EXISTS (SELECT 1 FROM reporting.spc_signal s WHERE s.org = split_part($G, '|', 1)"        \
    " AND s.dimension = split_part($G, '|', 2) AND s.code = split_part($G, '|', 3)"                \
    " AND s.month = split_part($G, '|', 4)::date AND s.rule = split_part($G, '|', 5))"

typedef struct {
    char key[240];
    char month[8], day[11];
    char value[16], mean[32], upper[32], points[8];
    Candour__V1__SpcSignal msg;
    cd_event_out_t ev;
} s_signal_t;

static void s_on_recorded(const cd_tx_result_t *res, void *arg)
{
    rp_app_t *app = arg;
    app->spc_busy = 0;
    if (res->err) {
        cd_log_warn("spc.unrecorded", "{s:s}", "why", res->message ? res->message : "");
        return;
    }
    /* The first statement put the events; each after it recorded one
     * signal, or none when it was recorded before. */
    for (int i = 1; i < res->nresults; i++)
        if (PQntuples(res->results[i]) == 1)
            cd_log_info(
                "spc.signal", "{s:s, s:s, s:s, s:s, s:s, s:s}", "org_id",
                PQgetvalue(res->results[i], 0, 0), "dimension", PQgetvalue(res->results[i], 0, 1),
                "code", PQgetvalue(res->results[i], 0, 2), "month",
                PQgetvalue(res->results[i], 0, 3), "rule", PQgetvalue(res->results[i], 0, 4),
                "value", PQgetvalue(res->results[i], 0, 5));
    cd_service_kick(app->svc);
}

/* The signals of the rows, put (each once) with their records in one
 * transaction. */
static void s_on_series(const cd_tx_result_t *res, void *arg)
{
    rp_app_t *app = arg;
    int last = app->spc_last;
    rp_series_t *ser = NULL;
    size_t ns = 0;
    if (cd_service_stopping(app->svc)) { /* looked at again at the next start */
        app->spc_busy = 0;
        return;
    }
    if (res->err || rp_series_read(res->results[0], last, &ser, &ns) != 0) {
        cd_log_warn("spc.unread", "{s:s}", "why", res->message ? res->message : "");
        app->spc_busy = 0;
        return;
    }
    s_signal_t *sig = calloc(ns ? ns : 1, sizeof *sig);
    const char **guards = calloc(ns ? ns : 1, sizeof *guards);
    cd_event_out_t *evs = calloc(ns ? ns : 1, sizeof *evs);
    size_t k = 0;
    for (size_t i = 0; sig && guards && evs && i < ns; i++) {
        rp_series_t *s = &ser[i];
        spc_chart_t ch;
        spc_point_t pts[RP_SPC_MONTHS];
        cd_fail_t f = {0};
        if (s->n < 2 || spc_xmr(s->x, s->n, 1, &ch, pts, &f) != 0)
            continue;
        rp_signal_t rule = rp_spc_signal(s->x, s->n, &ch, pts);
        if (rule == RP_SIG_NONE)
            continue;
        s_signal_t *g = &sig[k];
        rp_month_text(last, g->month);
        snprintf(g->day, sizeof g->day, "%s-01", g->month);
        snprintf(g->key, sizeof g->key, "%s|%s|%s|%s|%s", s->org, s->dimension, s->code, g->day,
                 rp_signal_name(rule));
        snprintf(g->value, sizeof g->value, "%ld", (long)s->x[s->n - 1]);
        snprintf(g->mean, sizeof g->mean, "%.17g", ch.mean);
        snprintf(g->upper, sizeof g->upper, "%.17g", ch.upl);
        snprintf(g->points, sizeof g->points, "%zu", s->n);
        Candour__V1__SpcSignal m = CANDOUR__V1__SPC_SIGNAL__INIT;
        m.org_id = s->org;
        m.dimension = s->dimension;
        m.code = s->code;
        m.month = g->month;
        m.rule = (char *)rp_signal_name(rule);
        m.value = (uint32_t)s->x[s->n - 1];
        m.mean = ch.mean;
        m.upper_limit = ch.upl;
        m.points = (uint32_t)s->n;
        g->msg = m;
        evs[k] = (cd_event_out_t){
            .type = "spc.signal", .complaint_ref = "", .payload = &sig[k].msg.base};
        guards[k] = g->key;
        k++;
    }
    if (!sig || !guards || !evs || k == 0) { /* out of memory: the next round tries again */
        app->spc_busy = 0;
        goto out;
    }
    cd_tx_t *tx = cd_tx_new();
    cd_outbox_put_many(cd_service_outbox(app->svc), tx, evs, (int)k, S_NOT_YET, guards);
    for (size_t i = 0; i < k; i++) {
        const Candour__V1__SpcSignal *m = &sig[i].msg;
        const char *v[9] = {m->org_id,    m->dimension, m->code,      sig[i].day,   m->rule,
                            sig[i].value, sig[i].mean,  sig[i].upper, sig[i].points};
        cd_tx_add(tx,
                  "INSERT INTO reporting.spc_signal (org, dimension, code, month, rule, value,"
                  " mean, upper, points) SELECT $1::text, $2::text, $3::text, $4::date, $5::text,"
                  " $6::integer, $7::float8, $8::float8, $9::integer WHERE NOT EXISTS (SELECT 1"
                  " FROM reporting.spc_signal s WHERE s.org = $1::text AND s.dimension = $2::text"
                  " AND s.code = $3::text AND s.month = $4::date AND s.rule = $5::text)"
                  " RETURNING org, dimension, code, to_char(month, 'YYYY-MM'), rule, value::text",
                  9, v);
    }
    cd_db_submit(cd_service_db(app->svc), tx, s_on_recorded, app);
out:
    free(sig);
    free(guards);
    free(evs);
    free(ser);
}

static void s_on_timer(uv_timer_t *t)
{
    rp_app_t *app = t->data;
    if (app->spc_busy || cd_service_stopping(app->svc) || !cd_db_ready(cd_service_db(app->svc)))
        return;
    cd_date_t today = cd_date_from_unix_london((int64_t)time(NULL));
    app->spc_last = today.y * 12 + today.m - 1 - 1; /* the month before this one */
    char month[8], day[11];
    rp_month_text(app->spc_last, month);
    snprintf(day, sizeof day, "%s-01", month);
    const char *v[1] = {day};
    app->spc_busy = 1;
    cd_db_query(cd_service_db(app->svc), rp_spc_series_all_sql, 1, v, s_on_series, app);
}

void rp_spc_watch_init(rp_app_t *app)
{
    uv_timer_init(cd_service_loop(app->svc), &app->spc_timer);
    app->spc_timer.data = app;
}

void rp_spc_watch_start(rp_app_t *app)
{
    uint64_t every = (uint64_t)app->spc_interval_s * 1000u;
    uv_timer_start(&app->spc_timer, s_on_timer, 0, every);
}

void rp_spc_watch_stop(rp_app_t *app)
{
    uv_close((uv_handle_t *)&app->spc_timer, NULL);
}
