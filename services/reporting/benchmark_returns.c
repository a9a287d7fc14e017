/* benchmark_returns.c - benchmark.returned kept as a row of
 * reporting.benchmark_return (benchmark_returns.h): rp_bmr_row is the pure
 * part, rp_on_benchmark_returned writes it with the inbox record, so the
 * event takes effect once. */
#include "benchmark_returns.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/log.h"
#include "candour/v1/events.pb-c.h"
#include "apply.h"

// clang-format off
const char rp_bmr_sql[] =
    "INSERT INTO reporting.benchmark_return AS b (org_id, period_from, period_to, received,"
    " acknowledged_in_3_days, closed, responded_in_time, extended, upheld, partially_upheld,"
    " ombudsman_referred, ombudsman_upheld, median_days_to_response, submitted_on, occurred_us)"
    " VALUES ($1, $2::date, $3::date, $4::int, $5::int, $6::int, $7::int, $8::int, $9::int,"
    " $10::int, $11::int, $12::int, $13::double precision, $14::date, $15::bigint)"
    " ON CONFLICT (org_id, period_from, period_to) DO UPDATE SET"
    " received = EXCLUDED.received, acknowledged_in_3_days = EXCLUDED.acknowledged_in_3_days,"
    " closed = EXCLUDED.closed, responded_in_time = EXCLUDED.responded_in_time,"
    " extended = EXCLUDED.extended, upheld = EXCLUDED.upheld,"
    " partially_upheld = EXCLUDED.partially_upheld,"
    " ombudsman_referred = EXCLUDED.ombudsman_referred,"
    " ombudsman_upheld = EXCLUDED.ombudsman_upheld,"
    " median_days_to_response = EXCLUDED.median_days_to_response,"
    " submitted_on = EXCLUDED.submitted_on, occurred_us = EXCLUDED.occurred_us"
    " WHERE b.occurred_us <= EXCLUDED.occurred_us";
// clang-format on

int rp_bmr_row(const Candour__V1__Envelope *env, const ProtobufCMessage *payload, rp_bmr_row_t *out,
               cd_fail_t *f)
{
    assert(env && out && f);
    if (!payload || payload->descriptor != &candour__v1__benchmark_returned__descriptor)
        return cd_fail(f, CD_CODE_MALFORMED_EVENT, "", "not a benchmark.returned payload");
    const Candour__V1__BenchmarkReturned *e = (const Candour__V1__BenchmarkReturned *)payload;
    if (!rp_code_ok(e->org_id))
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "org_id", "the body's code");
    /* The day was intake's to judge, on its clock: not again here. */
    if (cd_br_return_check(e->benchmark_return, INT32_MAX, "benchmark_return.", f) != 0)
        return -1;
    const Candour__V1__BenchmarkReturn *r = e->benchmark_return;
    memset(out, 0, sizeof *out);
    snprintf(out->v[0], sizeof out->v[0], "%s", e->org_id);
    cd_date_t d;
    cd_date_parse(r->period_from, &d); /* checked above */
    cd_date_format(d, out->v[1]);
    cd_date_parse(r->period_to, &d);
    cd_date_format(d, out->v[2]);
    const uint32_t counts[] = {r->received,         r->acknowledged_in_3_days,
                               r->closed,           r->responded_in_time,
                               r->extended,         r->upheld,
                               r->partially_upheld, r->ombudsman_referred,
                               r->ombudsman_upheld};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        snprintf(out->v[3 + i], sizeof out->v[0], "%u", counts[i]);
    out->median_null = r->closed == 0;
    snprintf(out->v[12], sizeof out->v[0], "%.17g", r->median_days_to_response);
    cd_date_format(cd_date_from_unix_london(env->occurred_at_us / 1000000), out->v[13]);
    snprintf(out->v[14], sizeof out->v[0], "%lld", (long long)env->occurred_at_us);
    return 0;
}

void rp_on_benchmark_returned(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                              const ProtobufCMessage *payload, void *arg)
{
    (void)arg;
    rp_bmr_row_t row;
    cd_fail_t why;
    if (rp_bmr_row(env, payload, &row, &why) != 0) {
        cd_log_warn("reporting.bad_return", "{s:s, s:s, s:s}", "event_id", env->event_id, "field",
                    why.field, "why", why.message);
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, why.message);
        return;
    }
    const char *v[RP_BMR_NPARAMS];
    for (int i = 0; i < RP_BMR_NPARAMS; i++)
        v[i] = row.v[i];
    if (row.median_null)
        v[12] = NULL;
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    cd_tx_add(tx, rp_bmr_sql, RP_BMR_NPARAMS, v);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}
