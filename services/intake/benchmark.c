/* benchmark.c - SubmitBenchmarkReturn: a body that does not use Candour
 * sends its complaint figures for a period over the bus (issue 15, L3), so a
 * commissioner can benchmark it beside the bodies that do.
 *
 * The body is the caller's key's organisation, never a field. The return was
 * checked before it came here (requests.c, with benchmark_return.h's rules,
 * the ones reporting benchmarks by); intake keeps nothing of it: it puts
 * benchmark.returned for reporting, which keeps one return per body and
 * period, the latest by the event's occurred_at (so a second return for the
 * same period replaces the first, whatever order they arrive in). */
#include <stdio.h>

#include "candour/errcode.h"
#include "candour/outbox.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "intake.h"

static void s_on_written(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (cd_op_committed(op, res, "", NULL))
        cd_service_kick(in_app.svc);
}

/* The key was live a moment ago: put the event. */
static void s_on_live(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (!in_checked(op, res, 0, "could not be done just now; nothing was changed"))
        return;
    const Candour__V1__SubmitBenchmarkReturn *s =
        (const Candour__V1__SubmitBenchmarkReturn *)op->msg;
    char at[32];
    cd_format_rfc3339(cd_now_us(), at);
    Candour__V1__BenchmarkReturned ev = CANDOUR__V1__BENCHMARK_RETURNED__INIT;
    ev.org_id = (char *)cd_request_org(op->req);
    ev.benchmark_return = s->benchmark_return;
    ev.submitted_at = at;
    cd_event_out_t out = {.type = "benchmark.returned", .complaint_ref = "", .payload = &ev.base};
    cd_tx_t *tx = cd_tx_new();
    if (!tx || cd_outbox_put(cd_service_outbox(in_app.svc), tx, &out, NULL, NULL) != 0) {
        cd_tx_destroy(&tx);
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    cd_db_submit(cd_service_db(in_app.svc), tx, s_on_written, op);
}

void in_submit_benchmark_return(cd_op_t *op)
{
    const char *v[2] = {cd_request_key(op->req), cd_request_org(op->req)};
    cd_db_query(cd_service_db(in_app.svc), "SELECT " IN_LIVE_KEY("$1", "$2"), 2, v, s_on_live, op);
}
