/* test_reporting_batch.c - reporting's batches (events.c rp_on_batch,
 * apply_sql.h rp_sql_complaints/rp_sql_rest) make exactly the rows that the
 * same events applied one at a time make (rp_sql): the daemon applies a
 * burst of one type's events together (issue 18), the rebuild one by one,
 * and the two must agree.
 *
 * Eight complaints, each received (some with a profile, some without: rows
 * of different shapes in one batch), routed (some with partner bodies: rows
 * beyond the complaint's), and their status changed twice; applied in event
 * order one by one, then - the schema emptied - in batches of one type for
 * every complaint, in the same order. */
#include <criterion/criterion.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply_sql.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

#define S_N 8
#define S_TYPES 4               /* received, routed, status (in review), status (response sent) */
#define S_T0 1780308000000000LL /* 2026-06-01T10:00:00Z */

static h_t *s_h;

static int s_sink(void *arg, const char *sql, int nparams, const char *const *values)
{
    PGresult *r = PQexecParams(arg, sql, nparams, NULL, values, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    cr_assert(ok, "%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    return 0;
}

/* Event k (0..S_TYPES-1) about complaint i, as rp_apply turns it into a change. */
static void s_change(int i, int k, rp_change_t *ch)
{
    char ref[32], org[16], lead[16], partner[16];
    snprintf(ref, sizeof ref, "CDR-TEST-%04d", i);
    snprintf(org, sizeof org, "RX%d", i % 3);
    snprintf(lead, sizeof lead, "RY%d", i % 2);
    snprintf(partner, sizeof partner, "RP%d", i);
    Candour__V1__Envelope env = CANDOUR__V1__ENVELOPE__INIT;
    env.complaint_ref = ref;
    env.event_id = "7d1f7a52-2f5e-4f7a-9f0e-3a1c2b4d5e6f";
    env.occurred_at_us = S_T0 + (int64_t)(k * 100 + i) * 1000000;
    ProtobufCMessage *p = NULL;
    Candour__V1__ComplaintReceived rec = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    Candour__V1__ComplaintRouted rt = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    Candour__V1__StatusChanged st = CANDOUR__V1__STATUS_CHANGED__INIT;
    char *partners[1] = {partner};
    switch (k) {
    case 0:
        env.type = "complaint.received";
        rec.org_id = org;
        rec.classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT;
        if (i % 2) { /* half with the complaint's profile, half without */
            c.received_at = "2026-06-01T10:00:00Z";
            c.channel = CANDOUR__V1__CHANNEL__CHANNEL_POST;
            c.kind = CANDOUR__V1__KIND__KIND_COMPLAINT;
            c.patient_age_band = CANDOUR__V1__AGE_BAND__AGE_BAND_65_AND_OVER;
            rec.complaint = &c;
        }
        p = &rec.base;
        break;
    case 1:
        env.type = "complaint.routed";
        rt.handling_org = lead;
        rt.ack_due = "2026-06-04";
        rt.response_due = "2026-07-27";
        if (i % 3 == 0) {
            rt.n_partners = 1;
            rt.partners = partners;
        }
        p = &rt.base;
        break;
    default:
        env.type = "complaint.status_changed";
        st.state = k == 2 ? CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_UNDER_INVESTIGATION
                          : CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_RESPONSE_SENT;
        p = &st.base;
        break;
    }
    cr_assert_eq(rp_apply(&env, p, ch), 1, "%s kept nothing", env.type);
}

static char *s_snapshot(void)
{
    return h_scalar(
        s_h,
        "SELECT concat_ws(E'\\n',"
        " (SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM reporting.complaint t),"
        " (SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM reporting.partner t),"
        " (SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM reporting.monthly t))",
        0, NULL);
}

static void s_empty(void)
{
    h_exec(s_h, "TRUNCATE reporting.complaint CASCADE");
}

Test(reporting_batch, a_batch_makes_the_rows_that_its_events_one_by_one_make)
{
    s_h = h_new("reporting_batch");
    PGconn *db = h_db(s_h);
    static rp_change_t ch[S_TYPES][S_N];
    for (int k = 0; k < S_TYPES; k++)
        for (int i = 0; i < S_N; i++)
            s_change(i, k, &ch[k][i]);

    s_empty();
    for (int k = 0; k < S_TYPES; k++)
        for (int i = 0; i < S_N; i++)
            cr_assert_eq(rp_sql(&ch[k][i], s_sink, db), 0);
    char *one_by_one = s_snapshot();
    cr_assert(one_by_one && strstr(one_by_one, "CDR-TEST-0007"), "nothing was written");

    s_empty();
    int shapes = 0;
    for (int k = 0; k < S_TYPES; k++) {
        /* As events.c groups them: a statement a shape, then the rest. */
        int taken[S_N] = {0};
        for (int i = 0; i < S_N; i++) {
            if (taken[i])
                continue;
            const rp_change_t *same[S_N];
            int n = 0;
            for (int j = i; j < S_N; j++)
                if (!taken[j] && rp_sql_same_shape(&ch[k][i], &ch[k][j])) {
                    same[n++] = &ch[k][j];
                    taken[j] = 1;
                }
            shapes++;
            cr_assert_eq(rp_sql_complaints(same, n, s_sink, db), 0);
        }
        for (int i = 0; i < S_N; i++)
            cr_assert_eq(rp_sql_rest(&ch[k][i], s_sink, db), 0);
    }
    char *batched = s_snapshot();
    cr_assert_str_eq(batched, one_by_one);
    cr_assert_gt(shapes, S_TYPES, "every batch had one shape: the test shows less than it should");
    free(one_by_one);
    free(batched);
    h_destroy(&s_h);
}
