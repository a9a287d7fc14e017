/* caseview.c - GetCase: the whole record of one case as it stands (the
 * plan, the key issues, the evidence without its files' bytes, the
 * findings and conclusions, every version of the draft, the partners'
 * parts, the referral to the Ombudsman stage by stage, L4, the names the
 * response must not disclose), and the overall outcome the findings imply
 * (V5).
 *
 * Read-only, but personal data: only the body's staff with a part in its
 * cases may read it (IV_CASE_READERS: not an analyst, who works from
 * reports, L5), and every read is logged as case.read with the reference
 * and the reader's staff id (no names).
 *
 * The record is assembled by one statement as a CaseView in JSON and
 * converted by pbjson, so the reply follows the tables without a column
 * copied by hand; the outcome is the rules' (findings.h), not the
 * database's. */
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "candour/pbjson.h"
#include "case_rows.h"
#include "casework.h"
#include "investigation.h"

#define S_REF "get_case.complaint_ref"
#define S_RFC3339 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
/* A referral's time as its event carried it (cd_format_rfc3339). */
#define S_RFC3339_MS "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"

enum { COL_ORG, COL_VIEW };

/* Field names as in case.proto and api.proto; NULL leaves a field unset. */
static const char s_read_sql[] =
    "SELECT c.org_id, json_build_object("
    " 'complaint_ref', c.reference, 'state', c.state, 'org_id', c.org_id,"
    " 'investigator', c.investigator, 'impartiality', c.impartiality, 'grading', c.grading,"
    " 'steps', c.plan_steps, 'plan_reason', c.plan_reason,"
    " 'issues', (SELECT json_agg(json_build_object('issue_id', k.issue_id, 'summary', k.summary,"
    "   'subject', k.subject, 'service_area', k.service_area, 'profession', k.profession)"
    "   ORDER BY k.position) FROM investigation.key_issue k WHERE k.reference = c.reference),"
    " 'issues_agreed_on', to_char(c.issues_agreed_on, 'YYYY-MM-DD'),"
    " 'issues_agreed_how', c.issues_agreed_how,"
    " 'evidence', (SELECT json_agg(json_build_object('number', e.number, 'kind', e.kind,"
    "   'source', e.source, 'date', to_char(e.evidence_date, 'YYYY-MM-DD'),"
    "   'summary', e.summary, 'flag', e.flag, 'flag_note', e.flag_note,"
    "   'recorded_by', e.recorded_by, 'attachment', CASE WHEN e.sha256 IS NOT NULL THEN"
    "    json_build_object('filename', e.filename, 'media_type', e.media_type,"
    "     'sha256', e.sha256, 'size', e.size) END)"
    "   ORDER BY e.number) FROM investigation.evidence e WHERE e.reference = c.reference),"
    " 'findings', (SELECT json_agg(json_build_object('issue_id', f.issue_id,"
    "   'verdict', f.verdict, 'what_happened', f.what_happened,"
    "   'what_should_have_happened', f.what_should_have_happened,"
    "   'not_addressed_reason', f.not_addressed_reason) ORDER BY k.position)"
    "   FROM investigation.finding f JOIN investigation.key_issue k"
    "    ON k.reference = f.reference AND k.issue_id = f.issue_id"
    "   WHERE f.reference = c.reference),"
    " 'failings', c.failings,"
    " 'actions', (SELECT json_agg(json_build_object('description', a.description,"
    "   'owner', a.owner, 'due', to_char(a.due, 'YYYY-MM-DD'), 'done', a.done,"
    "   'done_on', to_char(a.done_on, 'YYYY-MM-DD')) ORDER BY a.number)"
    "   FROM investigation.action a WHERE a.reference = c.reference),"
    " 'lessons', c.lessons,"
    " 'remedy', json_build_object('apology', c.apology, 'redress_pence', c.redress_pence,"
    "   'redress_for', c.redress_for, 'service_change', c.service_change),"
    " 'drafts', (SELECT json_agg(json_build_object('version', d.version, 'sha256', d.sha256,"
    "   'text', d.text, 'made_by', d.made_by,"
    "   'made_at', to_char(d.made_at AT TIME ZONE 'UTC', " S_RFC3339 "),"
    "   'assembled', d.assembled, 'returned_reasons', d.returned_reasons,"
    "   'returned_by', d.returned_by) ORDER BY d.version)"
    "   FROM investigation.draft d WHERE d.reference = c.reference),"
    " 'contributions', (SELECT json_agg(json_build_object('org', k.org_id,"
    "   'findings', k.findings,"
    "   'received_at', to_char(k.received_at AT TIME ZONE 'UTC', " S_RFC3339 "),"
    "   'waived', k.waived, 'reason', k.reason, 'recorded_by', k.recorded_by) ORDER BY k.seq)"
    "   FROM investigation.contribution k WHERE k.reference = c.reference),"
    " 'referrals', (SELECT json_agg(json_build_object("
    "   'referred_on', to_char(x.referred_on, 'YYYY-MM-DD'), 'phso_ref', x.phso_ref,"
    "   'stage', x.stage, 'outcome', x.outcome, 'stage_on', to_char(x.stage_on, 'YYYY-MM-DD'),"
    "   'note', x.note, 'recorded_by', x.recorded_by,"
    "   'recorded_at', to_char(x.recorded_at AT TIME ZONE 'UTC', " S_RFC3339_MS "))"
    "   ORDER BY x.seq) FROM investigation.referral x WHERE x.reference = c.reference),"
    " 'withheld', c.withheld"
    ")::text FROM investigation.case c WHERE c.reference = $1";

/* V5: the outcome the recorded findings imply; UNSPECIFIED with none, or
 * with a verdict the rules do not know (the table's CHECK allows none). */
static Candour__V1__Outcome s_outcome(const Candour__V1__CaseView *v)
{
    if (v->n_findings == 0)
        return CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
    iv_finding_t *f = calloc(v->n_findings, sizeof *f);
    Candour__V1__Outcome o = CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
    int ok = f != NULL;
    for (size_t i = 0; ok && i < v->n_findings; i++) {
        cd_fail_t why;
        const Candour__V1__Finding *g = v->findings[i];
        f[i].issue_id = g->issue_id;
        f[i].what_happened = g->what_happened;
        f[i].what_should_have_happened = g->what_should_have_happened;
        f[i].not_addressed_reason = g->not_addressed_reason;
        ok = iv_verdict_parse(g->verdict, &f[i].verdict, "", &why) == 0;
    }
    if (ok)
        o = iv_outcome_from_findings(f, v->n_findings);
    free(f);
    return o;
}

static void s_on_read(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (res->err) {
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", "could not be read just now");
        return;
    }
    const PGresult *r = res->results[0];
    int found = PQntuples(r) == 1;
    cd_fail_t why = {0};
    if (iv_staff_check(op, res->results[1], found ? PQgetvalue(r, 0, COL_ORG) : NULL,
                       IV_CASE_READERS, NULL, &why) != 0) {
        cd_op_fail(op, why.code, why.field, why.message);
        return;
    }
    if (!found) {
        cd_op_fail(op, CD_CODE_NOT_FOUND, S_REF, "no investigation case has that reference");
        return;
    }
    const char *json = PQgetvalue(r, 0, COL_VIEW);
    Candour__V1__CaseView *view = (Candour__V1__CaseView *)cd_pbjson_parse(
        &candour__v1__case_view__descriptor, json, strlen(json), &why);
    const Candour__V1__GetCase *g = (const Candour__V1__GetCase *)op->msg;
    if (!view) {
        /* The tables and the message disagree: a fault of this build. */
        cd_log_error("case.read_failed", "{s:s, s:s, s:s}", "reference", g->complaint_ref, "field",
                     why.field, "message", why.message);
        cd_op_fail(op, CD_CODE_INTERNAL, "", "the case could not be put together");
        return;
    }
    view->outcome = s_outcome(view);
    cd_log_info("case.read", "{s:s, s:s}", "reference", g->complaint_ref, "staff_id", op->actor_id);
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_CASE_VIEW;
    reply.case_view = view;
    cd_op_reply(op, &reply);
    protobuf_c_message_free_unpacked(&view->base, NULL);
}

void iv_get_case(cd_request_t *req, const Candour__V1__GetCase *g, iv_app_t *app)
{
    if (!g->complaint_ref[0]) {
        cd_request_fail(req, CD_CODE_REQUIRED, S_REF, "give the complaint's reference");
        return;
    }
    cd_op_t *op = cd_op_new(req, &g->base);
    if (!op) /* answered INTERNAL */
        return;
    const char *v[1] = {g->complaint_ref};
    cd_db_submit(cd_service_db(app->svc),
                 iv_staff_read_tx(s_read_sql, 1, v, cd_request_acting(req)), s_on_read, op);
}
