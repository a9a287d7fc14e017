/* assign.c - AssignInvestigator: the complaints manager names who
 * investigates (V1). The person must be of the body handling the complaint,
 * enabled, an investigator, and not involved in what it is about: not named
 * in it, not of a team it is about (impartial.h). The check is recorded on
 * the case as it was made, and investigator.assigned goes to routing (its
 * history; the acknowledgement names the investigator, R4).
 *
 * A guarded operation (guarded_op.h): the case and the proposed person are
 * read together, judged, and the case updated only while it is still open;
 * a new assignment replaces the last (the manager may change their mind,
 * and every assignment is in the audit trail). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/v1/events.pb-c.h"
#include "impartial.h"
#include "investigation.h"
#include "outcome.h"

enum {
    COL_STATE,
    COL_ORG,
    COL_STAFF_NAMED,
    COL_TEAMS_NAMED,
    COL_FOUND,
    COL_P_ORG,
    COL_P_NAME,
    COL_P_TEAM,
    COL_P_ROLES,
    COL_P_DISABLED,
    COL_P_TITLE,
    COL_P_EMAIL,
    COL_P_PHONE,
    COL_CURRENT,
};

static const char s_read_sql[] =
    "SELECT c.state, c.org_id, array_to_json(c.staff_named)::text,"
    " array_to_json(c.teams_named)::text, s.staff_id IS NOT NULL, coalesce(s.org_id, ''),"
    " coalesce(s.name, ''), coalesce(s.team, ''), coalesce(array_to_json(s.roles)::text, '[]'),"
    " coalesce(s.disabled, false), coalesce(s.job_title, ''), coalesce(s.email, ''),"
    " coalesce(s.phone, ''), coalesce(c.investigator, '')"
    " FROM investigation.case c LEFT JOIN investigation.staff s ON s.staff_id = $2"
    " WHERE c.reference = $1";

#define S_FIELD "assign_investigator.investigator"
#define S_RECORD_MAX 400

static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__AssignInvestigator *a = (const Candour__V1__AssignInvestigator *)msg;
    if (!a->complaint_ref[0])
        return cd_fail(why, CD_CODE_REQUIRED, "assign_investigator.complaint_ref",
                       "give the complaint's reference");
    if (!a->investigator[0] || strlen(a->investigator) > CD_STAFF_ID_MAX)
        return cd_fail(why, CD_CODE_REQUIRED, S_FIELD, "name the investigator by their staff id");
    return 0;
}

/* The named staff and teams of the case (JSON arrays), for iv_impartial.
 * Returns the check's result; record holds it as made. */
static int s_impartial(const PGresult *r, const char *staff_id, char *record, size_t len,
                       cd_fail_t *why)
{
    json_t *staff = json_loads(PQgetvalue(r, 0, COL_STAFF_NAMED), 0, NULL);
    json_t *teams = json_loads(PQgetvalue(r, 0, COL_TEAMS_NAMED), 0, NULL);
    size_t ns = json_array_size(staff), nt = json_array_size(teams);
    const char **sv = calloc(ns + 1, sizeof *sv), **tv = calloc(nt + 1, sizeof *tv);
    int rc;
    if (!sv || !tv) {
        rc = cd_fail(why, CD_CODE_UNAVAILABLE, "", "could not be done just now");
    } else {
        for (size_t i = 0; i < ns; i++)
            sv[i] = json_string_value(json_array_get(staff, i));
        for (size_t i = 0; i < nt; i++)
            tv[i] = json_string_value(json_array_get(teams, i));
        for (size_t i = 0; i < ns; i++)
            sv[i] = sv[i] ? sv[i] : "";
        for (size_t i = 0; i < nt; i++)
            tv[i] = tv[i] ? tv[i] : "";
        rc = iv_impartial(staff_id, PQgetvalue(r, 0, COL_P_NAME), PQgetvalue(r, 0, COL_P_TEAM), sv,
                          ns, tv, nt, S_FIELD, record, len, why);
    }
    free(sv);
    free(tv);
    json_decref(staff);
    json_decref(teams);
    return rc;
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    const Candour__V1__AssignInvestigator *a = (const Candour__V1__AssignInvestigator *)op->msg;
    if (!cd_lc_allows(iv_case_state(PQgetvalue(r, 0, COL_STATE)), CD_LC_INVESTIGATOR_ASSIGNED))
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "assign_investigator.complaint_ref",
                       "the case is not open: it has an outcome, or the complaint was withdrawn");
    /* The person proposed, as the directory has them. */
    if (PQgetvalue(r, 0, COL_FOUND)[0] != 't')
        return cd_fail(why, CD_CODE_NOT_FOUND, S_FIELD, "%s is not in the staff directory",
                       a->investigator);
    if (strcmp(PQgetvalue(r, 0, COL_P_ORG), PQgetvalue(r, 0, COL_ORG)) != 0)
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, S_FIELD,
                       "%s works for another body: the investigator is of the body handling the"
                       " complaint",
                       a->investigator);
    if (PQgetvalue(r, 0, COL_P_DISABLED)[0] == 't')
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, S_FIELD,
                       "%s is disabled in the staff directory", a->investigator);
    if (!strstr(PQgetvalue(r, 0, COL_P_ROLES), "\"investigator\""))
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, S_FIELD,
                       "%s is not an investigator in the staff directory", a->investigator);
    char record[S_RECORD_MAX];
    if (s_impartial(r, a->investigator, record, sizeof record, why) != 0) {
        cd_log_info("case.assignment_refused", "{s:s, s:s, s:s}", "reference", a->complaint_ref,
                    "investigator", a->investigator, "acting", op->actor_id);
        return -1;
    }
    return 0;
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__AssignInvestigator *a = (const Candour__V1__AssignInvestigator *)op->msg;
    /* The person assigned already (a retry after a lost reply, or a second
     * click): nothing changes and nothing is sent. */
    if (strcmp(PQgetvalue(r, 0, COL_CURRENT), a->investigator) == 0) {
        const char *v[1] = {a->complaint_ref};
        cd_tx_add(tx,
                  "SELECT investigation.expect(count(*) = 1, 'the case is not open')"
                  " FROM investigation.case WHERE reference = $1 AND state = 'open'",
                  1, v);
        return 0;
    }
    char record[S_RECORD_MAX];
    cd_fail_t why;
    if (s_impartial(r, a->investigator, record, sizeof record, &why) != 0)
        return CD_EINVAL; /* judged impartial a moment ago: cannot differ */
    const char *v[4] = {a->complaint_ref, a->investigator, op->actor, record};
    cd_tx_add(tx,
              "WITH u AS (UPDATE investigation.case SET investigator = $2, assigned_at = now(),"
              " assigned_by = $3, impartiality = $4 WHERE reference = $1 AND state = 'open'"
              " RETURNING 1)"
              " SELECT investigation.expect(count(*) = 1, 'the case is not open') FROM u",
              4, v);
    Candour__V1__InvestigatorAssigned ev = CANDOUR__V1__INVESTIGATOR_ASSIGNED__INIT;
    ev.staff_id = a->investigator;
    ev.name = PQgetvalue(r, 0, COL_P_NAME);
    ev.job_title = PQgetvalue(r, 0, COL_P_TITLE);
    ev.email = PQgetvalue(r, 0, COL_P_EMAIL);
    ev.phone = PQgetvalue(r, 0, COL_P_PHONE);
    ev.assigned_by = op->actor;
    ev.impartiality = record;
    cd_event_out_t out = {
        .type = "investigator.assigned", .complaint_ref = a->complaint_ref, .payload = &ev.base};
    return cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
}

static void s_committed(cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__AssignInvestigator *a = (const Candour__V1__AssignInvestigator *)op->msg;
    cd_log_info("case.assigned", "{s:s, s:s, s:s}", "reference", a->complaint_ref, "investigator",
                a->investigator, "acting", op->actor_id);
    cd_service_kick(app->svc);
}

static const cd_guarded_spec_t s_assign = {
    .validate = s_validate,
    .read_sql = s_read_sql,
    .nparams = 2,
    .missing_field = "assign_investigator.complaint_ref",
    .missing_message = "no investigation case is open for that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = "assign_investigator.complaint_ref",
    .lost_message = "the case is no longer open: it has an outcome, or the complaint was"
                    " withdrawn",
    .roles = CD_ROLE_COMPLAINTS_MANAGER,
    .schema = "investigation",
    .org_col = COL_ORG,
};

void iv_assign(cd_request_t *req, const Candour__V1__AssignInvestigator *a, iv_app_t *app)
{
    const char *v[2] = {a->complaint_ref, a->investigator};
    cd_guarded_run(&s_assign, cd_service_db(app->svc), req, &a->base, v, app);
}
