/* findings_ops.c - RecordFindings: the investigator's conclusions (V3, V5,
 * F1). A finding on every agreed key issue, each checked; the failings, the
 * actions to stop a repeat, the lessons and the remedy; and an upheld or
 * partly upheld outcome (as the findings imply it) only with a failing and a
 * real apology. The rules are findings.h's; this file reads the case, applies
 * them, and stores the lot.
 *
 * A guarded operation (guarded_op.h): the case is read with its key issues
 * and the actions recorded before, judged, then everything recorded before
 * is replaced in one transaction, and only while the case is still open with
 * the key issues it was judged against (an agreement in between loses). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/util.h"
#include "case_rows.h"
#include "casework.h"
#include "draft_rows.h"
#include "investigation.h"

#define S_MAX_LIST 30 /* failings, lessons, actions: each */
#define S_REF_MAX 64  /* bytes of a complaint's reference */

enum { COL_STATE, COL_ORG, COL_INVESTIGATOR, COL_ISSUES, COL_ACTIONS };

/* The case, its key issues' ids in the order agreed (a JSON array) and the
 * actions recorded before (a JSON array of {description, due}). */
static const char s_read_sql[] =
    "SELECT c.state, c.org_id, coalesce(c.investigator, ''),"
    " array_to_json(array(SELECT k.issue_id FROM investigation.key_issue k"
    "  WHERE k.reference = c.reference ORDER BY k.position))::text,"
    " coalesce((SELECT json_agg(json_build_object('description', a.description,"
    "  'due', a.due::text)) FROM investigation.action a WHERE a.reference = c.reference),"
    " '[]')::text"
    " FROM investigation.case c WHERE c.reference = $1";

/* ---------------------------------------------------------------- the request */

/* The request's findings as findings.h reads them, into out (room for
 * IV_MAX_KEY_ISSUES: validated first). A verdict that does not parse is left
 * NONE. */
static void s_findings(const Candour__V1__RecordFindings *f, iv_finding_t *out)
{
    for (size_t i = 0; i < f->n_findings; i++) {
        const Candour__V1__Finding *x = f->findings[i];
        out[i] = (iv_finding_t){
            .issue_id = x->issue_id,
            .what_happened = x->what_happened,
            .what_should_have_happened = x->what_should_have_happened,
            .not_addressed_reason = x->not_addressed_reason,
        };
        if (iv_verdict_parse(x->verdict, &out[i].verdict, "", &(cd_fail_t){0}) != 0)
            out[i].verdict = IV_VERDICT_NONE;
    }
}

static iv_action_t s_action(const Candour__V1__Action *a)
{
    return (iv_action_t){.description = a->description,
                         .owner = a->owner,
                         .due = a->due,
                         .done = a->done,
                         .done_on = a->done_on};
}

static iv_remedy_t s_remedy(const Candour__V1__RecordFindings *f)
{
    const Candour__V1__Remedy *r = f->remedy;
    if (!r)
        return (iv_remedy_t){.apology = "", .redress_for = "", .service_change = ""};
    return (iv_remedy_t){.apology = r->apology,
                         .redress_pence = r->redress_pence,
                         .redress_for = r->redress_for,
                         .service_change = r->service_change};
}

static int s_count(size_t n, size_t max, const char *field, const char *what, cd_fail_t *why)
{
    if (n > max)
        return cd_fail(why, CD_CODE_TOO_MANY, field, "at most %zu %s are allowed", max, what);
    return 0;
}

/* The request alone: its size, then each finding, failing, lesson and
 * action as written, and the remedy. Whether the findings answer the case's
 * key issues, and what they conclude, need the case: s_check. */
static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__RecordFindings *f = (const Candour__V1__RecordFindings *)msg;
    size_t rn = strlen(f->complaint_ref);
    if (rn == 0)
        return cd_fail(why, CD_CODE_REQUIRED, "record_findings.complaint_ref",
                       "give the complaint's reference");
    if (rn > S_REF_MAX || !cd_text_ok(f->complaint_ref, rn, 0))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "record_findings.complaint_ref",
                       "that is not a complaint reference");
    if (s_count(f->n_findings, IV_MAX_KEY_ISSUES, "record_findings.findings",
                "findings (one per key issue)", why) ||
        s_count(f->n_failings, S_MAX_LIST, "record_findings.failings", "failings", why) ||
        s_count(f->n_actions, S_MAX_LIST, "record_findings.actions", "actions", why) ||
        s_count(f->n_lessons, S_MAX_LIST, "record_findings.lessons", "lessons", why))
        return -1;
    char field[CD_FAIL_FIELD_LEN];
    iv_finding_t fs[IV_MAX_KEY_ISSUES];
    s_findings(f, fs);
    for (size_t i = 0; i < f->n_findings; i++) {
        snprintf(field, sizeof field, "record_findings.findings[%zu]", i);
        char vfield[CD_FAIL_FIELD_LEN];
        snprintf(vfield, sizeof vfield, "record_findings.findings[%zu].verdict", i);
        iv_verdict_t v;
        if (iv_verdict_parse(f->findings[i]->verdict, &v, vfield, why) ||
            iv_finding_check(&fs[i], field, why))
            return -1;
    }
    for (size_t i = 0; i < f->n_failings; i++) {
        snprintf(field, sizeof field, "record_findings.failings[%zu]", i);
        if (iv_failing_check(f->failings[i], field, why))
            return -1;
    }
    cd_date_t today = iv_today();
    for (size_t i = 0; i < f->n_actions; i++) {
        snprintf(field, sizeof field, "record_findings.actions[%zu]", i);
        iv_action_t a = s_action(f->actions[i]);
        /* As written; whether a due date may be past is s_check's (it may,
         * for an action recorded before). */
        if (iv_action_check(&a, today, 0, field, why))
            return -1;
    }
    for (size_t i = 0; i < f->n_lessons; i++) {
        snprintf(field, sizeof field, "record_findings.lessons[%zu]", i);
        if (iv_lesson_check(f->lessons[i], field, why))
            return -1;
    }
    iv_remedy_t r = s_remedy(f);
    return iv_remedy_check(&r, "record_findings.remedy", why);
}

/* ---------------------------------------------------------------- the case */

static int s_check_actor(const PGresult *r, const cd_actor_t *a, cd_op_t *op, cd_fail_t *why,
                         void *arg)
{
    return iv_case_actor_ok(PQgetvalue(r, 0, COL_INVESTIGATOR), a, why);
}

/* Whether the action was recorded before, with the same description and due
 * date: it keeps that date even once it has passed. */
static int s_recorded_before(const json_t *before, const Candour__V1__Action *a)
{
    size_t i;
    json_t *x;
    json_array_foreach(before, i, x)
    {
        const char *d = json_string_value(json_object_get(x, "description"));
        const char *due = json_string_value(json_object_get(x, "due"));
        if (d && due && strcmp(d, a->description) == 0 && strcmp(due, a->due) == 0)
            return 1;
    }
    return 0;
}

/* V3: a finding on each agreed key issue (ids: the JSON array read). */
static int s_complete(const PGresult *r, const Candour__V1__RecordFindings *f,
                      const iv_finding_t *fs, cd_fail_t *why)
{
    json_t *json;
    const char **ids;
    long n = iv_json_strings(PQgetvalue(r, 0, COL_ISSUES), &json, &ids);
    int rc = n < 0 ? cd_fail(why, CD_CODE_UNAVAILABLE, "",
                             "could not be done just now; nothing was changed")
                   : iv_findings_complete(ids, (size_t)n, fs, f->n_findings,
                                          "record_findings.findings", why);
    free(ids);
    json_decref(json);
    return rc;
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    const Candour__V1__RecordFindings *f = (const Candour__V1__RecordFindings *)op->msg;
    if (iv_case_workable(PQgetvalue(r, 0, COL_STATE), PQgetvalue(r, 0, COL_INVESTIGATOR),
                         "record_findings.complaint_ref", why))
        return -1;
    iv_finding_t fs[IV_MAX_KEY_ISSUES];
    s_findings(f, fs);
    if (s_complete(r, f, fs, why))
        return -1;
    /* V5, F1: what the findings conclude asks for a failing and an apology. */
    iv_remedy_t rem = s_remedy(f);
    if (iv_conclusion_check(iv_outcome_from_findings(fs, f->n_findings), f->n_failings,
                            rem.apology && rem.apology[0], "record_findings", why))
        return -1;
    json_t *before = json_loads(PQgetvalue(r, 0, COL_ACTIONS), 0, NULL);
    if (!json_is_array(before)) {
        json_decref(before);
        return cd_fail(why, CD_CODE_UNAVAILABLE, "",
                       "could not be done just now; nothing was changed");
    }
    cd_date_t today = iv_today();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f->n_actions; i++) {
        char field[CD_FAIL_FIELD_LEN];
        snprintf(field, sizeof field, "record_findings.actions[%zu]", i);
        iv_action_t a = s_action(f->actions[i]);
        rc = iv_action_check(&a, today, !s_recorded_before(before, f->actions[i]), field, why);
    }
    json_decref(before);
    return rc;
}

/* ---------------------------------------------------------------- the write */

/* The findings as a JSON array for json_to_recordset, malloc'd; NULL when
 * out of memory. */
static char *s_findings_json(const Candour__V1__RecordFindings *f)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < f->n_findings; i++) {
        const Candour__V1__Finding *x = f->findings[i];
        if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "issue_id", x->issue_id,
                                               "verdict", x->verdict, "what_happened",
                                               x->what_happened, "what_should_have_happened",
                                               x->what_should_have_happened, "not_addressed_reason",
                                               x->not_addressed_reason)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return text;
}

/* The actions, numbered in the order given, likewise. */
static char *s_actions_json(const Candour__V1__RecordFindings *f)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < f->n_actions; i++) {
        const Candour__V1__Action *x = f->actions[i];
        if (json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:b, s:s}", "number",
                                               (json_int_t)(i + 1), "description", x->description,
                                               "owner", x->owner, "due", x->due, "done",
                                               (int)x->done, "done_on", x->done_on)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return text;
}

/* Everything recorded before is replaced: the conclusions on the case
 * (guarded: still open, still with the key issues judged against), then
 * the findings and the actions. */
static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__RecordFindings *f = (const Candour__V1__RecordFindings *)op->msg;
    iv_remedy_t rem = s_remedy(f);
    char pence[24];
    snprintf(pence, sizeof pence, "%lld", (long long)rem.redress_pence);
    char *failings = cd_pg_text_array((const char *const *)f->failings, f->n_failings);
    char *lessons = cd_pg_text_array((const char *const *)f->lessons, f->n_lessons);
    char *findings = s_findings_json(f);
    char *actions = s_actions_json(f);
    int rc = CD_ENOMEM;
    if (failings && lessons && findings && actions) {
        const char *v[8] = {f->complaint_ref,
                            failings,
                            lessons,
                            rem.apology,
                            pence,
                            rem.redress_for,
                            rem.service_change,
                            PQgetvalue(r, 0, COL_ISSUES)};
        cd_tx_add(tx,
                  "WITH u AS (UPDATE investigation.case SET failings = $2::text[],"
                  " lessons = $3::text[], apology = $4, redress_pence = $5::bigint,"
                  " redress_for = $6, service_change = $7, findings_at = now()"
                  " WHERE reference = $1 AND state = 'open' AND investigator IS NOT NULL"
                  " AND array(SELECT k.issue_id FROM investigation.key_issue k"
                  "  WHERE k.reference = $1 ORDER BY k.position)"
                  "  = array(SELECT json_array_elements_text($8::json))"
                  " RETURNING 1)"
                  " SELECT investigation.expect(count(*) = 1, 'the case changed') FROM u",
                  8, v);
        const char *ref[1] = {f->complaint_ref};
        cd_tx_add(tx, "DELETE FROM investigation.finding WHERE reference = $1", 1, ref);
        cd_tx_add(tx, "DELETE FROM investigation.action WHERE reference = $1", 1, ref);
        const char *fv[2] = {f->complaint_ref, findings};
        cd_tx_add(tx,
                  "INSERT INTO investigation.finding (reference, issue_id, verdict, what_happened,"
                  " what_should_have_happened, not_addressed_reason)"
                  " SELECT $1, x.issue_id, x.verdict, x.what_happened,"
                  " x.what_should_have_happened, x.not_addressed_reason"
                  " FROM json_to_recordset($2::json) AS x(issue_id text, verdict text,"
                  "  what_happened text, what_should_have_happened text,"
                  "  not_addressed_reason text)",
                  2, fv);
        const char *av[2] = {f->complaint_ref, actions};
        cd_tx_add(tx,
                  "INSERT INTO investigation.action (reference, number, description, owner, due,"
                  " done, done_on)"
                  " SELECT $1, x.number, x.description, x.owner, x.due::date, x.done,"
                  " nullif(x.done_on, '')::date"
                  " FROM json_to_recordset($2::json) AS x(number integer, description text,"
                  "  owner text, due text, done boolean, done_on text)",
                  2, av);
        rc = 0;
    }
    free(failings);
    free(lessons);
    free(findings);
    free(actions);
    return rc;
}

static void s_committed(cd_op_t *op, void *arg)
{
    const Candour__V1__RecordFindings *f = (const Candour__V1__RecordFindings *)op->msg;
    cd_log_info("case.findings_recorded", "{s:s, s:i, s:s}", "reference", f->complaint_ref,
                "findings", (int)f->n_findings, "acting", op->actor_id);
}

static const cd_guarded_spec_t s_record_findings = {
    .validate = s_validate,
    .read_sql = s_read_sql,
    .nparams = 1,
    .missing_field = "record_findings.complaint_ref",
    .missing_message = "no investigation case is open for that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = "record_findings.complaint_ref",
    .lost_message = "the case changed while the findings were recorded: it is no longer open, or"
                    " its key issues were agreed again; read it and try again",
    .roles = IV_CASE_WORKERS,
    .schema = "investigation",
    .org_col = COL_ORG,
    .check_actor = s_check_actor,
};

void iv_record_findings(cd_request_t *req, const Candour__V1__RecordFindings *f, iv_app_t *app)
{
    const char *v[1] = {f->complaint_ref};
    cd_guarded_run(&s_record_findings, cd_service_db(app->svc), req, &f->base, v, app);
}
