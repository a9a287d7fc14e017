/* requests.c - every request intake takes: who is asking (the organisation
 * of the CURVE key the ZAP handler admitted, never a field of the message),
 * the checks it gets before any work, and the operation it goes to.
 *
 * Two endpoints share this handler. The public one (CURVE) is the
 * organisations': every request there carries its key's organisation. The
 * internal one has no key and no organisation: it takes the staff's
 * EnterComplaint (entry.c), which names the person acting instead, and
 * refuses the organisations' operations as from an unknown key. */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/benchmark_return.h"
#include "candour/errcode.h"
#include "candour/error.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "intake.h"

void in_deny(cd_request_t *req)
{
    cd_metric_add(in_app.m_denied, 1);
    cd_request_fail(req, CD_CODE_PERMISSION_DENIED, "",
                    "this key is not on Candour's allow-list (or was revoked): ask the"
                    " receiving organisation to add it");
}

void in_deny_op(cd_op_t *op)
{
    cd_metric_add(in_app.m_denied, 1);
    cd_op_fail(op, CD_CODE_PERMISSION_DENIED, "",
               "this key is not on Candour's allow-list (or was revoked): ask the"
               " receiving organisation to add it");
}

PGresult *in_checked(cd_op_t *op, const cd_tx_result_t *res, int live_col, const char *what)
{
    if (res->err) {
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", what);
        return NULL;
    }
    PGresult *r = res->results[0];
    if (PQgetvalue(r, 0, live_col)[0] != 't') {
        in_deny_op(op);
        return NULL;
    }
    return r;
}

int in_page(cd_op_t *op, const char *name, int64_t after_sequence, uint32_t limit,
            char after[IN_PAGE_ARG], char lim[IN_PAGE_ARG])
{
    if (after_sequence < 0 || limit > 500) {
        char field[64];
        snprintf(field, sizeof field, "%s.%s", name, limit > 500 ? "limit" : "after_sequence");
        cd_op_fail(op, CD_CODE_OUT_OF_RANGE, field,
                   "after_sequence is 0 or more; limit is 1 to 500 (0 means 100)");
        return -1;
    }
    snprintf(after, IN_PAGE_ARG, "%lld", (long long)after_sequence);
    snprintf(lim, IN_PAGE_ARG, "%u", limit ? limit : 100);
    return 0;
}

int in_page_rows(const PGresult *r)
{
    return PQgetisnull(r, 0, 0) ? 0 : PQntuples(r);
}

int32_t in_today(void)
{
    return cd_date_to_days(cd_date_from_unix_london(cd_now_us() / 1000000));
}

/* ---------------------------------------------------------------- requests */

static int s_check_text(cd_request_t *req, const char *s, const char *field, size_t max,
                        int required)
{
    size_t n = strlen(s);
    cd_code_t code = CD_CODE_OK;
    const char *msg = NULL;
    if (required && n == 0) {
        code = CD_CODE_REQUIRED;
        msg = "this field is required";
    } else if (n > max) {
        code = CD_CODE_TOO_LONG;
        msg = "this text is over its limit";
    } else if (!cd_text_ok(s, n, 1)) {
        code = CD_CODE_INVALID_TEXT;
        msg = "must be UTF-8 text without control characters";
    }
    if (code != CD_CODE_OK)
        cd_request_fail(req, code, field, msg);
    return code != CD_CODE_OK ? -1 : 0;
}

static int s_check_ref(cd_request_t *req, const char *ref, const char *field)
{
    if (ref[0] && strlen(ref) < 64)
        return 0;
    cd_request_fail(req, CD_CODE_REQUIRED, field,
                    "give the complaint's reference from its receipt, e.g. CDR-7K4M-9QXT");
    return -1;
}

/* Each operation: its own checks (0 to go on; else the request was
 * answered), the message it carries, and where it goes. */

static int s_check_amend(cd_request_t *req, const Candour__V1__Request *r)
{
    if (s_check_ref(req, r->amend->complaint_ref, "amend.complaint_ref"))
        return -1;
    if (!r->amend->complaint) {
        cd_request_fail(req, CD_CODE_REQUIRED, "amend.complaint",
                        "give the complaint as it should now stand");
        return -1;
    }
    return 0;
}

static int s_check_withdraw(cd_request_t *req, const Candour__V1__Request *r)
{
    return s_check_ref(req, r->withdraw->complaint_ref, "withdraw.complaint_ref") ||
           s_check_text(req, r->withdraw->reason, "withdraw.reason", IN_MAX_REASON, 1);
}

static int s_check_consent(cd_request_t *req, const Candour__V1__Request *r)
{
    if (s_check_ref(req, r->record_consent->complaint_ref, "record_consent.complaint_ref"))
        return -1;
    if (!r->record_consent->consent) {
        cd_request_fail(req, CD_CODE_REQUIRED, "record_consent.consent",
                        "give the consent: who gave it, when, and for sharing with whom");
        return -1;
    }
    cd_fail_t err;
    if (in_validate_consent(r->record_consent->consent, "record_consent.consent", in_today(),
                            &err) != 0) {
        cd_request_fail(req, err.code, err.field, err.message);
        return -1;
    }
    return 0;
}

static int s_check_summary(cd_request_t *req, const Candour__V1__Request *r)
{
    if (s_check_ref(req, r->agree_summary->complaint_ref, "agree_summary.complaint_ref") ||
        s_check_text(req, r->agree_summary->summary, "agree_summary.summary", IN_MAX_TEXT, 1))
        return -1;
    if (r->agree_summary->agreed_at[0] && cd_parse_rfc3339(r->agree_summary->agreed_at) < 0) {
        cd_request_fail(req, CD_CODE_INVALID_DATE, "agree_summary.agreed_at",
                        "agreed_at must be a time written like 2026-11-25T14:30:00Z");
        return -1;
    }
    return 0;
}

static int s_check_status(cd_request_t *req, const Candour__V1__Request *r)
{
    return s_check_ref(req, r->get_status->complaint_ref, "get_status.complaint_ref");
}

static int s_check_contribution(cd_request_t *req, const Candour__V1__Request *r)
{
    const Candour__V1__SubmitContribution *sc = r->submit_contribution;
    return s_check_ref(req, sc->complaint_ref, "submit_contribution.complaint_ref") ||
           s_check_text(req, sc->findings, "submit_contribution.findings", IN_MAX_TEXT, 1) ||
           s_check_text(req, sc->submitted_by, "submit_contribution.submitted_by", IN_MAX_NAME, 1);
}

static int s_check_benchmark(cd_request_t *req, const Candour__V1__Request *r)
{
    cd_fail_t err;
    if (cd_br_return_check(r->submit_benchmark_return->benchmark_return, in_today(),
                           "submit_benchmark_return.benchmark_return.", &err) != 0) {
        cd_request_fail(req, err.code, err.field, err.message);
        return -1;
    }
    return 0;
}

/* The operation's message within the Request, and the complaint it names
 * ("" for those about all the caller's complaints). */
static const ProtobufCMessage *s_msg(const Candour__V1__Request *r, const char **ref)
{
    *ref = "";
    switch (r->op_case) {
    case CANDOUR__V1__REQUEST__OP_AMEND:
        *ref = r->amend->complaint_ref;
        return &r->amend->base;
    case CANDOUR__V1__REQUEST__OP_WITHDRAW:
        *ref = r->withdraw->complaint_ref;
        return &r->withdraw->base;
    case CANDOUR__V1__REQUEST__OP_RECORD_CONSENT:
        *ref = r->record_consent->complaint_ref;
        return &r->record_consent->base;
    case CANDOUR__V1__REQUEST__OP_AGREE_SUMMARY:
        *ref = r->agree_summary->complaint_ref;
        return &r->agree_summary->base;
    case CANDOUR__V1__REQUEST__OP_GET_STATUS:
        *ref = r->get_status->complaint_ref;
        return &r->get_status->base;
    case CANDOUR__V1__REQUEST__OP_GET_STATUS_CHANGES:
        return &r->get_status_changes->base;
    case CANDOUR__V1__REQUEST__OP_GET_MESSAGES:
        return &r->get_messages->base;
    case CANDOUR__V1__REQUEST__OP_SUBMIT_CONTRIBUTION:
        *ref = r->submit_contribution->complaint_ref;
        return &r->submit_contribution->base;
    case CANDOUR__V1__REQUEST__OP_SUBMIT_BENCHMARK_RETURN:
        return &r->submit_benchmark_return->base;
    default:
        return NULL;
    }
}

static const struct {
    Candour__V1__Request__OpCase op;
    int (*check)(cd_request_t *req, const Candour__V1__Request *r); /* NULL: none */
    void (*run)(cd_op_t *op);
} s_ops[] = {
    {CANDOUR__V1__REQUEST__OP_AMEND, s_check_amend, in_complaint_op},
    {CANDOUR__V1__REQUEST__OP_WITHDRAW, s_check_withdraw, in_complaint_op},
    {CANDOUR__V1__REQUEST__OP_RECORD_CONSENT, s_check_consent, in_complaint_op},
    {CANDOUR__V1__REQUEST__OP_AGREE_SUMMARY, s_check_summary, in_complaint_op},
    {CANDOUR__V1__REQUEST__OP_GET_STATUS, s_check_status, in_complaint_op},
    {CANDOUR__V1__REQUEST__OP_GET_STATUS_CHANGES, NULL, in_status_changes},
    {CANDOUR__V1__REQUEST__OP_GET_MESSAGES, NULL, in_get_messages},
    {CANDOUR__V1__REQUEST__OP_SUBMIT_CONTRIBUTION, s_check_contribution, in_submit_contribution},
    {CANDOUR__V1__REQUEST__OP_SUBMIT_BENCHMARK_RETURN, s_check_benchmark,
     in_submit_benchmark_return},
};

static void s_dispatch(cd_request_t *req, const Candour__V1__Request *r, const char *org,
                       const char *key)
{
    if (r->op_case == CANDOUR__V1__REQUEST__OP_SUBMIT) {
        in_submit(req, r, org, key); /* group commit: its own path */
        return;
    }
    for (size_t i = 0; i < sizeof s_ops / sizeof s_ops[0]; i++) {
        if (s_ops[i].op != r->op_case)
            continue;
        if (s_ops[i].check && s_ops[i].check(req, r))
            return;
        const char *ref;
        const ProtobufCMessage *msg = s_msg(r, &ref);
        cd_op_t *op = cd_op_new(req, msg);
        if (!op)
            return;
        /* The reference was checked (under 64 bytes) by the operation's check. */
        snprintf(op->note, sizeof op->note, "%s", ref);
        s_ops[i].run(op);
        return;
    }
    cd_request_fail(req, CD_CODE_UNSUPPORTED, "op",
                    "intake takes SubmitComplaint, AmendComplaint, WithdrawComplaint,"
                    " RecordConsent, AgreeSummary, GetStatus, GetStatusChanges, GetMessages,"
                    " SubmitContribution and SubmitBenchmarkReturn");
}

void in_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r, void *arg)
{
    if (cd_service_stopping(in_app.svc)) {
        cd_request_fail(req, CD_CODE_UNAVAILABLE, "", "intake is stopping; send it again shortly");
        return;
    }
    if (in == cd_service_inbox(in_app.svc) &&
        r->op_case == CANDOUR__V1__REQUEST__OP_ENTER_COMPLAINT) {
        in_enter(req, r);
        return;
    }
    if (in == cd_service_inbox(in_app.svc) &&
        r->op_case == CANDOUR__V1__REQUEST__OP_GET_COMPLAINT) {
        in_get_complaint(req, r);
        return;
    }
    /* A body's web form, sent on by the gateway (no key: the body is named). */
    if (in == cd_service_inbox(in_app.svc) && r->op_case == CANDOUR__V1__REQUEST__OP_SUBMIT &&
        strcmp(cd_request_member(req), "gateway") == 0 && r->org_id[0]) {
        in_submit_form(req, r, r->org_id);
        return;
    }
    const char *org = cd_request_org(req), *key = cd_request_key(req);
    if (!org[0] || !key[0]) {
        in_deny(req);
        return;
    }
    s_dispatch(req, r, org, key);
}
