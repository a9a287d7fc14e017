/* record.c - SetPlan and AgreeKeyIssues: how the investigation will be done
 * (V2) and what it is to answer (V3), recorded on the case by its
 * investigator or a complaints manager while the case is open.
 *
 * Both are guarded operations (guarded_op.h): the case is read with what
 * the rules need (the body's plan template; the findings recorded and the
 * KO41a codes in force), judged by casework.h's rules, and written by an
 * UPDATE that still requires the case open, with the same investigator and,
 * for the key issues, no finding recorded: a withdrawal, an outcome, a
 * reassignment or a finding in between loses with the guard's message. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/util.h"
#include "case_rows.h"
#include "casework.h"
#include "investigation.h"

#define S_LOST_PLAN                                                                                \
    "the case changed meanwhile: it is no longer open, or another investigator was assigned;"      \
    " nothing was changed"
#define S_LOST_ISSUES                                                                              \
    "the case changed meanwhile: it is no longer open, another investigator was assigned, or"      \
    " findings were recorded against its key issues; nothing was changed"

static int s_check_worker(const PGresult *r, const cd_actor_t *a, cd_op_t *op, cd_fail_t *why,
                          void *arg);

/* ================================================================ SetPlan */

enum { P_STATE, P_ORG, P_INVESTIGATOR, P_TEMPLATE };

/* The case and the body's own template for the grading asked for ($2). */
static const char s_plan_sql[] =
    "SELECT c.state, c.org_id, coalesce(c.investigator, ''),"
    " coalesce((SELECT CASE $2::text WHEN 'low' THEN o.plan_low WHEN 'medium' THEN o.plan_medium"
    "  WHEN 'high' THEN o.plan_high END FROM investigation.org o WHERE o.org_id = c.org_id), '')"
    " FROM investigation.case c WHERE c.reference = $1";

static int s_plan_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__SetPlan *p = (const Candour__V1__SetPlan *)msg;
    iv_grading_t g;
    if (!p->complaint_ref[0])
        return cd_fail(why, CD_CODE_REQUIRED, "set_plan.complaint_ref",
                       "give the complaint's reference");
    if (iv_grading_parse(p->grading, &g, "set_plan.grading", why) != 0)
        return -1;
    /* Steps given are the whole plan and are judged now; none: the
     * template's, judged once the body's is read. */
    if (p->n_steps > 0)
        return iv_plan_check(g, (const char *const *)p->steps, p->n_steps, p->reason, NULL,
                             "set_plan", why);
    return 0;
}

/* The plan the request makes, as slugs into names (room for
 * IV_STEP_COUNT): its steps, or the template for its grading, the body's
 * (r's) when it has one, else Candour's; judged by iv_plan_check. Returns
 * how many, or -1 with why filled. */
static int s_plan(const PGresult *r, const Candour__V1__SetPlan *p, const char **names,
                  cd_fail_t *why)
{
    iv_grading_t g;
    if (iv_grading_parse(p->grading, &g, "set_plan.grading", why) != 0)
        return -1;
    if (p->n_steps > 0) {
        if (iv_plan_check(g, (const char *const *)p->steps, p->n_steps, p->reason, NULL, "set_plan",
                          why) != 0)
            return -1;
        memcpy(names, p->steps, p->n_steps * sizeof *names); /* at most IV_STEP_COUNT */
        return (int)p->n_steps;
    }
    iv_step_t steps[IV_STEP_COUNT];
    const char *own = PQgetvalue(r, 0, P_TEMPLATE);
    int n = own[0] ? iv_plan_parse(own, steps, IV_STEP_COUNT, "set_plan.steps", why)
                   : (int)iv_plan_template(g, steps);
    if (n < 0) {
        char fault[CD_FAIL_MESSAGE_LEN];
        snprintf(fault, sizeof fault, "%s", why->message);
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "set_plan.steps",
                       "the body's template for a %s plan cannot be used (%.300s): name the"
                       " steps, and ask the complaints manager to correct the template",
                       p->grading, fault);
    }
    for (int i = 0; i < n; i++)
        names[i] = iv_step_name(steps[i]);
    if (iv_plan_check(g, names, (size_t)n, p->reason, NULL, "set_plan", why) != 0)
        return -1;
    return (int)n;
}

static int s_plan_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    const char *names[IV_STEP_COUNT];
    if (iv_case_workable(PQgetvalue(r, 0, P_STATE), PQgetvalue(r, 0, P_INVESTIGATOR),
                         "set_plan.complaint_ref", why) != 0)
        return -1;
    return s_plan(r, (const Candour__V1__SetPlan *)op->msg, names, why) < 0 ? -1 : 0;
}

static int s_plan_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__SetPlan *p = (const Candour__V1__SetPlan *)op->msg;
    const char *names[IV_STEP_COUNT];
    cd_fail_t why;
    int n = s_plan(r, p, names, &why);
    if (n < 0)
        return CD_EINVAL; /* judged a moment ago on the same row: cannot differ */
    char *steps = cd_pg_text_array(names, (size_t)n);
    if (!steps)
        return CD_ENOMEM;
    const char *v[5] = {p->complaint_ref, p->grading, steps, p->reason,
                        PQgetvalue(r, 0, P_INVESTIGATOR)};
    cd_tx_add(tx,
              "WITH u AS (UPDATE investigation.case SET grading = $2, plan_steps = $3::text[],"
              " plan_reason = $4 WHERE reference = $1 AND state = 'open' AND investigator = $5"
              " RETURNING 1)"
              " SELECT investigation.expect(count(*) = 1, 'the case changed meanwhile') FROM u",
              5, v);
    free(steps);
    return 0;
}

static void s_plan_committed(cd_op_t *op, void *arg)
{
    const Candour__V1__SetPlan *p = (const Candour__V1__SetPlan *)op->msg;
    cd_log_info("case.plan_set", "{s:s, s:s, s:s}", "reference", p->complaint_ref, "grading",
                p->grading, "acting", op->actor_id);
}

static const cd_guarded_spec_t s_set_plan = {
    .validate = s_plan_validate,
    .read_sql = s_plan_sql,
    .nparams = 2,
    .missing_field = "set_plan.complaint_ref",
    .missing_message = "no investigation case is open for that reference",
    .check = s_plan_check,
    .write = s_plan_write,
    .committed = s_plan_committed,
    .lost_field = "set_plan.complaint_ref",
    .lost_message = S_LOST_PLAN,
    .roles = IV_CASE_WORKERS,
    .schema = "investigation",
    .org_col = P_ORG,
    .check_actor = s_check_worker,
};

void iv_set_plan(cd_request_t *req, const Candour__V1__SetPlan *p, iv_app_t *app)
{
    const char *v[2] = {p->complaint_ref, p->grading};
    cd_guarded_run(&s_set_plan, cd_service_db(app->svc), req, &p->base, v, app);
}

/* ========================================================= AgreeKeyIssues */

/* Columns 0..2 are the same in both reads: s_check_worker reads them. */
enum { K_STATE, K_ORG, K_INVESTIGATOR, K_FINDINGS, K_SUBJECTS, K_AREAS, K_PROFESSIONS };

/* The codes of list that are among those given ($n::text[]) and in force
 * on the agreed date ($5; effective_to is exclusive), as a JSON array. */
#define S_IN_FORCE(list, n)                                                                        \
    " (SELECT coalesce(json_agg(g.code), '[]') FROM investigation.category g"                      \
    "  WHERE g.list = '" list "' AND g.code = ANY($" n "::text[])"                                 \
    "  AND g.effective_from <= $5::date"                                                           \
    "  AND (g.effective_to IS NULL OR g.effective_to > $5::date))::text"

static const char s_issues_sql[] =
    "SELECT c.state, c.org_id, coalesce(c.investigator, ''),"
    " (SELECT count(*) FROM investigation.finding f WHERE f.reference = c.reference)," S_IN_FORCE(
        "subject", "2") "," S_IN_FORCE("service-area",
                                       "3") "," S_IN_FORCE("profession",
                                                           "4") " FROM investigation.case c WHERE "
                                                                "c.reference = $1";

static int s_issues_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__AgreeKeyIssues *a = (const Candour__V1__AgreeKeyIssues *)msg;
    if (!a->complaint_ref[0])
        return cd_fail(why, CD_CODE_REQUIRED, "agree_key_issues.complaint_ref",
                       "give the complaint's reference");
    return iv_agree_check(a, iv_today(), why);
}

static int s_issues_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    const Candour__V1__AgreeKeyIssues *a = (const Candour__V1__AgreeKeyIssues *)op->msg;
    if (iv_case_workable(PQgetvalue(r, 0, K_STATE), PQgetvalue(r, 0, K_INVESTIGATOR),
                         "agree_key_issues.complaint_ref", why) != 0)
        return -1;
    if (strcmp(PQgetvalue(r, 0, K_FINDINGS), "0") != 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "agree_key_issues.issues",
                       "findings are recorded against these key issues: they can no longer be"
                       " replaced");
    return iv_agree_codes_check(a, PQgetvalue(r, 0, K_SUBJECTS), PQgetvalue(r, 0, K_AREAS),
                                PQgetvalue(r, 0, K_PROFESSIONS), why);
}

/* One member of every issue, as a text[] literal (malloc'd; NULL: no memory). */
static char *s_column(const Candour__V1__AgreeKeyIssues *a, size_t offset)
{
    const char **v = calloc(a->n_issues ? a->n_issues : 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < a->n_issues; i++)
        v[i] = *(const char *const *)((const char *)a->issues[i] + offset);
    char *lit = cd_pg_text_array(v, a->n_issues);
    free(v);
    return lit;
}

#define S_COLUMN(a, member) s_column((a), offsetof(Candour__V1__KeyIssue, member))

static int s_issues_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__AgreeKeyIssues *a = (const Candour__V1__AgreeKeyIssues *)op->msg;
    char *cols[4] = {S_COLUMN(a, summary), S_COLUMN(a, subject), S_COLUMN(a, service_area),
                     S_COLUMN(a, profession)};
    int rc = 0;
    for (int i = 0; i < 4; i++)
        if (!cols[i])
            rc = CD_ENOMEM;
    if (rc == 0) {
        const char *u[4] = {a->complaint_ref, a->agreed_on, a->agreed_how,
                            PQgetvalue(r, 0, K_INVESTIGATOR)};
        /* The guard first: with a finding recorded the DELETE below would
         * break its foreign key, and must not be reached. */
        cd_tx_add(tx,
                  "WITH u AS (UPDATE investigation.case SET issues_agreed_on = $2::date,"
                  " issues_agreed_how = $3 WHERE reference = $1 AND state = 'open'"
                  " AND investigator = $4 AND NOT EXISTS (SELECT 1 FROM investigation.finding f"
                  "  WHERE f.reference = $1) RETURNING 1)"
                  " SELECT investigation.expect(count(*) = 1, 'the case changed meanwhile')"
                  " FROM u",
                  4, u);
        const char *d[1] = {a->complaint_ref};
        cd_tx_add(tx, "DELETE FROM investigation.key_issue WHERE reference = $1", 1, d);
        const char *v[5] = {a->complaint_ref, cols[0], cols[1], cols[2], cols[3]};
        cd_tx_add(tx,
                  "INSERT INTO investigation.key_issue (reference, issue_id, position, summary,"
                  " subject, service_area, profession)"
                  " SELECT $1, 'KI' || t.n, t.n, t.summary, t.subject, t.area, t.profession"
                  " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])"
                  "  WITH ORDINALITY AS t(summary, subject, area, profession, n)",
                  5, v);
    }
    for (int i = 0; i < 4; i++)
        free(cols[i]);
    return rc;
}

static void s_issues_committed(cd_op_t *op, void *arg)
{
    const Candour__V1__AgreeKeyIssues *a = (const Candour__V1__AgreeKeyIssues *)op->msg;
    cd_log_info("case.issues_agreed", "{s:s, s:i, s:s}", "reference", a->complaint_ref, "issues",
                (int)a->n_issues, "acting", op->actor_id);
}

static const cd_guarded_spec_t s_agree_issues = {
    .validate = s_issues_validate,
    .read_sql = s_issues_sql,
    .nparams = 5,
    .missing_field = "agree_key_issues.complaint_ref",
    .missing_message = "no investigation case is open for that reference",
    .check = s_issues_check,
    .write = s_issues_write,
    .committed = s_issues_committed,
    .lost_field = "agree_key_issues.complaint_ref",
    .lost_message = S_LOST_ISSUES,
    .roles = IV_CASE_WORKERS,
    .schema = "investigation",
    .org_col = K_ORG,
    .check_actor = s_check_worker,
};

void iv_agree_issues(cd_request_t *req, const Candour__V1__AgreeKeyIssues *a, iv_app_t *app)
{
    /* The codes given, to learn which are in force (the read's $2..$4). */
    char *cols[3] = {S_COLUMN(a, subject), S_COLUMN(a, service_area), S_COLUMN(a, profession)};
    if (cols[0] && cols[1] && cols[2]) {
        const char *v[5] = {a->complaint_ref, cols[0], cols[1], cols[2], a->agreed_on};
        cd_guarded_run(&s_agree_issues, cd_service_db(app->svc), req, &a->base, v, app);
    } else {
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
    }
    for (int i = 0; i < 3; i++)
        free(cols[i]);
}

/* ================================================================ shared */

/* V1: the investigator assigned, or a complaints manager (both reads have
 * the case's investigator in the same column). */
static int s_check_worker(const PGresult *r, const cd_actor_t *a, cd_op_t *op, cd_fail_t *why,
                          void *arg)
{
    _Static_assert((int)P_INVESTIGATOR == (int)K_INVESTIGATOR, "the investigator's column");
    return iv_case_actor_ok(PQgetvalue(r, 0, P_INVESTIGATOR), a, why);
}
