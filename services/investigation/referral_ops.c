/* referral_ops.c - RecordReferral (L4): the complaints manager records a
 * stage of the complaint at the Ombudsman. The rules are referral.h's; this
 * file reads the case and the records so far, applies them, and keeps the
 * new record with its event.
 *
 * A guarded operation (guarded_op.h): the case (its state, its body, the day
 * it was opened) is read with the first and the last record of its
 * referral, judged, and the record inserted as the next number, only while
 * the case is still open or completed. Two records made at once both read
 * the same last one; the primary key lets the first to commit keep its
 * number and the other inserts nothing and loses with the guard's message,
 * so the stages' order is always the one judged. ombudsman.referral goes to
 * routing (the complaint's history) in the same transaction. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/util.h"
#include "case_rows.h"
#include "referral.h"

#define S_REF "record_referral.complaint_ref"
#define S_REF_MAX 64 /* bytes of a complaint's reference */

enum {
    COL_STATE,
    COL_ORG,
    COL_OPENED,      /* seconds since the epoch */
    COL_LAST_SEQ,    /* 0: no record yet */
    COL_LAST_STAGE,  /* "" with none */
    COL_LAST_ON,     /* YYYY-MM-DD, "" with none */
    COL_PHSO_REF,    /* the first record's, "" with none */
    COL_REFERRED_ON, /* the first record's, YYYY-MM-DD, "" with none */
};

/* There is no received date on the case: the lower bound of the referral's
 * day is the day the case was opened (opened_at, in London). The case opens
 * when routing hands the complaint over, on or after the day it was
 * received, so the bound never lets through a referral before receipt; it
 * refuses one dated between receipt and the hand-over, which the Ombudsman,
 * who takes a complaint once the body has had its chance, would not have. */
static const char s_read_sql[] =
    "SELECT c.state, c.org_id, floor(extract(epoch FROM c.opened_at))::bigint,"
    " coalesce(l.seq, 0), coalesce(l.stage, ''), coalesce(to_char(l.stage_on, 'YYYY-MM-DD'), ''),"
    " coalesce(f.phso_ref, ''), coalesce(to_char(f.referred_on, 'YYYY-MM-DD'), '')"
    " FROM investigation.case c"
    " LEFT JOIN LATERAL (SELECT r.seq, r.stage, r.stage_on FROM investigation.referral r"
    "  WHERE r.reference = c.reference ORDER BY r.seq DESC LIMIT 1) l ON true"
    " LEFT JOIN investigation.referral f ON f.reference = c.reference AND f.seq = 1"
    " WHERE c.reference = $1";

static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__RecordReferral *r = (const Candour__V1__RecordReferral *)msg;
    size_t n = strlen(r->complaint_ref);
    if (n == 0)
        return cd_fail(why, CD_CODE_REQUIRED, S_REF, "give the complaint's reference");
    if (n > S_REF_MAX || !cd_text_ok(r->complaint_ref, n, 0))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, S_REF, "that is not a complaint reference");
    return iv_referral_validate(r->referral, iv_today(), why);
}

/* The records so far, as the read found them; -1 when the row holds what
 * the table cannot (a stage or a date that does not parse). */
static int s_so_far(const PGresult *r, iv_referral_so_far_t *s)
{
    *s = (iv_referral_so_far_t){.stage = IV_PHSO_NONE};
    if (!PQgetvalue(r, 0, COL_LAST_STAGE)[0])
        return 0;
    cd_fail_t ignored;
    if (iv_phso_stage_parse(PQgetvalue(r, 0, COL_LAST_STAGE), &s->stage, &ignored) != 0 ||
        cd_date_parse(PQgetvalue(r, 0, COL_LAST_ON), &s->stage_on) != 0 ||
        cd_date_parse(PQgetvalue(r, 0, COL_REFERRED_ON), &s->referred_on) != 0)
        return -1;
    s->phso_ref = PQgetvalue(r, 0, COL_PHSO_REF);
    return 0;
}

/* The record to keep, judged against the row on `today`. */
static int s_judge(const PGresult *r, const Candour__V1__RecordReferral *rr, cd_date_t today,
                   iv_referral_kept_t *k, cd_fail_t *why)
{
    if (iv_referral_case_ok(PQgetvalue(r, 0, COL_STATE), why) != 0)
        return -1;
    iv_referral_so_far_t so_far;
    if (s_so_far(r, &so_far) != 0)
        return cd_fail(why, CD_CODE_UNAVAILABLE, "",
                       "could not be done just now; nothing was changed");
    int64_t opened = strtoll(PQgetvalue(r, 0, COL_OPENED), NULL, 10);
    return iv_referral_check(rr->referral, cd_date_from_unix_london(opened), today, &so_far, k,
                             why);
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    const Candour__V1__RecordReferral *rr = (const Candour__V1__RecordReferral *)op->msg;
    cd_date_t today = iv_today();
    iv_referral_kept_t k;
    if (s_judge(r, rr, today, &k, why) != 0)
        return -1;
    /* The write judges again on the same day, even past midnight. */
    char day[CD_DATE_LEN + 1];
    cd_date_format(today, day);
    snprintf(op->note, sizeof op->note, "%s", day);
    return 0;
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__RecordReferral *rr = (const Candour__V1__RecordReferral *)op->msg;
    cd_date_t today;
    iv_referral_kept_t k;
    cd_fail_t why;
    if (cd_date_parse(op->note, &today) != 0 || s_judge(r, rr, today, &k, &why) != 0)
        return CD_EINVAL; /* judged a moment ago on the same row and day: cannot differ */
    const Candour__V1__Referral *in = rr->referral;
    char seq[24], referred_on[CD_DATE_LEN + 1], stage_on[CD_DATE_LEN + 1], at[32];
    snprintf(seq, sizeof seq, "%ld", strtol(PQgetvalue(r, 0, COL_LAST_SEQ), NULL, 10) + 1);
    cd_date_format(k.referred_on, referred_on);
    cd_date_format(k.stage_on, stage_on);
    cd_format_rfc3339(cd_now_us(), at);
    Candour__V1__Referral ev = CANDOUR__V1__REFERRAL__INIT;
    ev.referred_on = referred_on;
    ev.phso_ref = (char *)k.phso_ref;
    ev.stage = (char *)iv_phso_stage_name(k.stage);
    ev.outcome = k.stage == IV_PHSO_DECIDED ? in->outcome : "";
    ev.stage_on = stage_on;
    ev.note = in->note ? in->note : "";
    ev.recorded_by = op->actor;
    ev.recorded_at = at;
    const char *v[10] = {rr->complaint_ref, seq,         ev.referred_on, ev.phso_ref, ev.stage,
                         ev.outcome,        ev.stage_on, ev.note,        op->actor,   at};
    cd_tx_add(tx,
              "WITH i AS (INSERT INTO investigation.referral (reference, seq, referred_on,"
              " phso_ref, stage, outcome, stage_on, note, recorded_by, recorded_at)"
              " SELECT c.reference, $2::integer, $3::date, $4, $5, $6, $7::date, $8, $9,"
              " $10::timestamptz FROM investigation.case c"
              " WHERE c.reference = $1 AND c.state IN ('open', 'completed')"
              " ON CONFLICT (reference, seq) DO NOTHING RETURNING 1)"
              " SELECT investigation.expect(count(*) = 1, 'the referral changed meanwhile')"
              " FROM i",
              10, v);
    cd_event_out_t out = {
        .type = "ombudsman.referral", .complaint_ref = rr->complaint_ref, .payload = &ev.base};
    return cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
}

static void s_committed(cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__RecordReferral *rr = (const Candour__V1__RecordReferral *)op->msg;
    cd_log_info("case.referral", "{s:s, s:s, s:s}", "reference", rr->complaint_ref, "stage",
                rr->referral->stage, "acting", op->actor_id);
    cd_service_kick(app->svc);
}

static const cd_guarded_spec_t s_record_referral = {
    .validate = s_validate,
    .read_sql = s_read_sql,
    .nparams = 1,
    .missing_field = S_REF,
    .missing_message = "no investigation case has that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = S_REF,
    .lost_message = "the referral or the case changed meanwhile: another stage was recorded, or"
                    " the complaint was withdrawn; nothing was changed: read the case and try"
                    " again",
    .roles = CD_ROLE_COMPLAINTS_MANAGER,
    .schema = "investigation",
    .org_col = COL_ORG,
};

void iv_record_referral(cd_request_t *req, const Candour__V1__RecordReferral *r, iv_app_t *app)
{
    const char *v[1] = {r->complaint_ref};
    cd_guarded_run(&s_record_referral, cd_service_db(app->svc), req, &r->base, v, app);
}
