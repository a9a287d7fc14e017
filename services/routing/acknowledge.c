/* acknowledge.c - R4: an acknowledgement held for the investigator's name
 * goes on its due day at the latest. The watcher finds those still owed
 * whose day has come and sends each an acknowledgement.due event to routing
 * itself, once (the deadline's acted_at, set in the same transaction); the
 * event then takes effect through the inbox and the lifecycle table like any
 * other (lifecycle.c: acknowledgement-due asks for the letter if it is still
 * owed, naming the complaints manager), so it races nothing: an assignment
 * that lands first has already asked for it. */
#include <stdio.h>
#include <string.h>

#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/util.h"
#include "clocks.h"
#include "routing.h"

static int s_scanning; /* a round is running */

static void s_on_put(const cd_tx_result_t *res, void *arg)
{
    if (res->err == 0)
        cd_service_kick(rt_app.svc);
}

static void s_due(const char *reference, const char *due)
{
    cd_tx_t *tx = cd_tx_new();
    const char *v[1] = {reference};
    cd_tx_add(tx,
              "WITH u AS (UPDATE routing.deadline SET acted_at = now() WHERE reference = $1"
              " AND name = 'acknowledgement' AND party = '' AND acted_at IS NULL RETURNING 1)"
              " SELECT routing.expect(count(*) = 1, 'acted on already') FROM u",
              1, v);
    Candour__V1__AcknowledgementDue ad = CANDOUR__V1__ACKNOWLEDGEMENT_DUE__INIT;
    ad.due = (char *)due;
    cd_event_out_t out = {
        .type = "acknowledgement.due", .complaint_ref = reference, .payload = &ad.base};
    if (cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL) != 0) {
        cd_tx_destroy(&tx);
        return; /* the next round tries again */
    }
    cd_log_info("acknowledgement.due", "{s:s, s:s}", "reference", reference, "due", due);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_put, NULL);
}

static void s_on_owed(const cd_tx_result_t *res, void *arg)
{
    s_scanning = 0;
    if (res->err)
        return;
    PGresult *r = res->results[0];
    for (int i = 0; i < PQntuples(r); i++)
        s_due(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
}

void rt_ack_due_scan(void)
{
    if (s_scanning || cd_service_stopping(rt_app.svc) || !cd_db_ready(cd_service_db(rt_app.svc)))
        return;
    char today[CD_DATE_LEN + 1], states[CD_LC_NAMES_LEN];
    cd_date_format(cd_date_from_unix_london(cd_clock_now()), today);
    cd_lc_states_allowing(CD_LC_ACK_DUE, states, sizeof states);
    const char *v[2] = {today, states};
    s_scanning = 1;
    cd_db_query(cd_service_db(rt_app.svc),
                "SELECT d.reference, d.due::text FROM routing.deadline d"
                " JOIN routing.complaint c USING (reference)"
                " WHERE d.name = 'acknowledgement' AND d.due <= $1::date AND d.met_at IS NULL"
                " AND d.closed_at IS NULL AND d.acted_at IS NULL AND c.ack = 'owed'"
                " AND c.state = ANY($2::text[]) ORDER BY d.due LIMIT 200",
                2, v, s_on_owed, NULL);
}
