/* candour-reporting - keeps the learning half's data (L1-L5): it takes every
 * service's events and keeps, in a schema of its own, what the quarterly and
 * annual reports, the KO41 returns, benchmarking and SPC count, de-identified:
 * codes, dates, counts and references, never a name, an address or free text.
 *
 * main.c only wires the daemon: its events are events.c's, one handler for
 * every type apply.c keeps something of (rp_type: the same list `candourctl
 * reporting rebuild` replays); its requests are requests.c's (GetReport), and
 * its timers the SPC watch's (spc_watch.c), which sends spc.signal, and the
 * monthly counts' flush (spc_flush.c). */
#include "candour/service.h"
#include "candour/zsock.h"
#include "apply.h"
#include "benchmark_returns.h"
#include "reporting.h"
#include "reports.h"

static rp_app_t s_app;

/* One row a type of rp_type's, {NULL, NULL} last (filled in main). Types it
 * is sent and has no row for are recorded and acknowledged by the inbox. */
static cd_handler_t s_handlers[32];
/* The same types (benchmark.returned aside), applied in batches. */
static cd_batch_handler_t s_batch_rows[32];

static void s_on_ready(cd_service_t *svc, void *arg)
{
    (void)svc;
    rp_spc_watch_start(arg);
    rp_monthly_flush_start(arg);
}

static void s_on_stop(cd_service_t *svc, void *arg)
{
    (void)svc;
    rp_spc_watch_stop(arg);
    rp_monthly_flush_stop(arg);
}

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_REPORTING_SPC_INTERVAL", CD_CONFIG_INT, "3600", 1, 604800,
         "seconds between the SPC watch's looks at each body's latest complete month (also once"
         " at start-up); a rise beyond its usual range is sent to the complaints manager",
         &s_app.spc_interval_s},
        {"CANDOUR_REPORTING_MONTHLY_FLUSH_MS", CD_CONFIG_INT, "1000", 0, 3600000,
         "milliseconds between flushes of the changes noted to the SPC monthly counts; 0: only"
         " when they are read (every read flushes first, so none is stale either way)",
         &s_app.flush_ms},
    };
    size_t n = 0;
    for (; rp_type(n) && n + 2 < sizeof s_handlers / sizeof s_handlers[0]; n++) {
        s_handlers[n] = (cd_handler_t){rp_type(n), rp_on_event};
        s_batch_rows[n] = (cd_batch_handler_t){rp_type(n), rp_on_batch};
    }
    s_batch_rows[n] = (cd_batch_handler_t){NULL, NULL};
    /* Not a complaint's event (apply.c): another body's figures (L3). */
    s_handlers[n++] = (cd_handler_t){RP_BMR_TYPE, rp_on_benchmark_returned};
    s_handlers[n] = (cd_handler_t){NULL, NULL};
    cd_service_spec_t spec = {
        .name = "reporting",
        .summary = "keeps the de-identified reporting schema the reports count",
        .batch_handlers = s_batch_rows,
        .bind_port = 7106,
        .admin_port = 9106,
        .nice = 5, /* counting can wait: receipts and the pipeline go first */
        .config = items,
        .nconfig = (int)(sizeof items / sizeof items[0]),
        .handlers = s_handlers,
        .on_request = rp_on_request,
        .on_ready = s_on_ready,
        .on_stop = s_on_stop,
        .arg = &s_app,
    };
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    rp_spc_watch_init(&s_app);
    rp_monthly_flush_init(&s_app);
    code = cd_service_run(s_app.svc);
    cd_service_destroy(&s_app.svc);
    cd_zmq_ctx_term();
    return code;
}
