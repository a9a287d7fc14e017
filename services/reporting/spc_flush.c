/* spc_flush.c - the monthly counts' flush timer (issue 18): every
 * CANDOUR_REPORTING_MONTHLY_FLUSH_MS milliseconds, reporting.monthly_flush()
 * (migration 0040) in a transaction of its own on the daemon's connection,
 * bringing reporting.monthly in step with every change noted since the last
 * flush. A look that finds no note returns at once.
 *
 * Only to keep each flush small: every read of reporting.monthly (the SPC
 * report, the SPC watch) flushes first in its own transaction, so nothing
 * read is ever stale, timer or not. 0 turns the timer off (reads flush).
 * One flush at a time: a tick while one runs is skipped. */
#include <stdlib.h>

#include "candour/log.h"
#include "reporting.h"

static void s_on_flushed(const cd_tx_result_t *res, void *arg)
{
    rp_app_t *app = arg;
    app->flush_busy = 0;
    if (res->err) { /* the next tick tries again: the notes are still there */
        cd_log_warn("monthly.unflushed", "{s:s}", "why", res->message ? res->message : "");
        return;
    }
    if (res->nresults == 1 && PQntuples(res->results[0]) == 1) {
        long n = atol(PQgetvalue(res->results[0], 0, 0));
        if (n > 0)
            cd_log_debug("monthly.flushed", "{s:i}", "references", (int)n);
    }
}

static void s_on_timer(uv_timer_t *t)
{
    rp_app_t *app = t->data;
    if (app->flush_busy || cd_service_stopping(app->svc) || !cd_db_ready(cd_service_db(app->svc)))
        return;
    app->flush_busy = 1;
    cd_db_query(cd_service_db(app->svc), "SELECT reporting.monthly_flush()", 0, NULL, s_on_flushed,
                app);
}

void rp_monthly_flush_init(rp_app_t *app)
{
    uv_timer_init(cd_service_loop(app->svc), &app->flush_timer);
    app->flush_timer.data = app;
}

void rp_monthly_flush_start(rp_app_t *app)
{
    if (app->flush_ms > 0)
        uv_timer_start(&app->flush_timer, s_on_timer, (uint64_t)app->flush_ms,
                       (uint64_t)app->flush_ms);
}

void rp_monthly_flush_stop(rp_app_t *app)
{
    uv_close((uv_handle_t *)&app->flush_timer, NULL);
}
