/* requests.c - candour-investigation's one request, RecordOutcome: the
 * investigator's outcome and findings (V5), taken only while the case is
 * under investigation and every partner's part is in or waived (R3), and
 * sent on to sign-off with those parts as investigation.completed.
 *
 * A guarded operation (guarded_op.h): read the case with its partners and
 * parts, judge it by outcome.h's rules, then complete it by an UPDATE that
 * still requires it open (a withdrawal or another outcome in between loses),
 * with the event in the same transaction. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "candour/v1/events.pb-c.h"
#include "investigation.h"
#include "outcome.h"

enum { COL_CASE_ID, COL_STATE, COL_PARTNERS, COL_PARTS, COL_ORG, COL_INVESTIGATOR };

/* The case, its expected partners (a JSON array) and its parts and waivers
 * in the order they came, as a ContributionsMerged in JSON (pbjson). */
static const char s_read_sql[] =
    "SELECT c.case_id, c.state, array_to_json(c.partners)::text,"
    " json_build_object('contributions', coalesce((SELECT json_agg(json_build_object("
    "   'org', k.org_id, 'findings', k.findings,"
    "   'received_at', to_char(k.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "   'waived', k.waived, 'reason', k.reason, 'recorded_by', k.recorded_by) ORDER BY k.seq)"
    "  FROM investigation.contribution k WHERE k.reference = c.reference), '[]'))::text,"
    " c.org_id, coalesce(c.investigator, '')"
    " FROM investigation.case c WHERE c.reference = $1";

static Candour__V1__ContributionsMerged *s_parts(const PGresult *r)
{
    const char *text = PQgetvalue(r, 0, COL_PARTS);
    return (Candour__V1__ContributionsMerged *)cd_pbjson_parse(
        &candour__v1__contributions_merged__descriptor, text, strlen(text), NULL);
}

static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    return iv_validate_outcome((const Candour__V1__RecordOutcome *)msg, why);
}

/* V1: the investigator assigned to the case records its outcome, or the
 * complaints manager; another investigator of the body may not. */
static int s_check_recorder(const PGresult *r, const cd_actor_t *a, cd_op_t *op, cd_fail_t *why,
                            void *arg)
{
    const char *assigned = PQgetvalue(r, 0, COL_INVESTIGATOR);
    if (assigned[0] && !(a->roles & CD_ROLE_COMPLAINTS_MANAGER) &&
        strcmp(a->staff_id, assigned) != 0)
        return cd_fail(why, CD_CODE_PERMISSION_DENIED, "acting",
                       "%s is not the investigator assigned to this complaint", a->staff_id);
    return 0;
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    json_t *partners = json_loads(PQgetvalue(r, 0, COL_PARTNERS), 0, NULL);
    Candour__V1__ContributionsMerged *parts = s_parts(r);
    size_t np = json_is_array(partners) ? json_array_size(partners) : 0;
    const char **names = calloc(np ? np : 1, sizeof *names);
    int rc = -1;
    if (!json_is_array(partners) || !parts || !names) {
        cd_fail(why, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        goto done;
    }
    for (size_t i = 0; i < np; i++) {
        const char *s = json_string_value(json_array_get(partners, i));
        names[i] = s ? s : "";
    }
    rc = iv_outcome_allowed(PQgetvalue(r, 0, COL_STATE), names, np, parts->contributions,
                            parts->n_contributions, why);
    if (rc == 0 && !PQgetvalue(r, 0, COL_INVESTIGATOR)[0])
        rc = cd_fail(why, CD_CODE_FAILED_PRECONDITION, "record_outcome.complaint_ref",
                     "no investigator is assigned to the case: the complaints manager assigns"
                     " one first (V1)");
    if (rc == 0)
        snprintf(op->note, sizeof op->note, "%s", PQgetvalue(r, 0, COL_CASE_ID));
done:
    free(names);
    if (parts)
        protobuf_c_message_free_unpacked(&parts->base, NULL);
    json_decref(partners);
    return rc;
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__RecordOutcome *ro = (const Candour__V1__RecordOutcome *)op->msg;
    Candour__V1__ContributionsMerged *parts = s_parts(r);
    if (!parts)
        return CD_ENOMEM;
    const ProtobufCEnumValue *oc =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, ro->outcome);
    const char *v[4] = {ro->complaint_ref, oc->name, ro->findings, op->actor};
    cd_tx_add(tx,
              "WITH u AS (UPDATE investigation.case SET state = 'completed', outcome = $2,"
              " findings = $3, recorded_by = $4, completed_at = now()"
              " WHERE reference = $1 AND state = 'open' RETURNING 1)"
              " SELECT investigation.expect(count(*) = 1, 'the case is not open') FROM u",
              4, v);
    Candour__V1__InvestigationCompleted ic = CANDOUR__V1__INVESTIGATION_COMPLETED__INIT;
    ic.case_id = op->note;
    ic.outcome = ro->outcome;
    ic.findings = ro->findings;
    ic.recorded_by = op->actor; /* the person acting, from the directory */
    ic.org_id = PQgetvalue(r, 0, COL_ORG);
    ic.n_contributions = parts->n_contributions;
    ic.contributions = parts->contributions;
    cd_event_out_t out = {
        .type = "investigation.completed", .complaint_ref = ro->complaint_ref, .payload = &ic.base};
    int rc = cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
    protobuf_c_message_free_unpacked(&parts->base, NULL);
    return rc;
}

static void s_committed(cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__RecordOutcome *ro = (const Candour__V1__RecordOutcome *)op->msg;
    cd_log_info("case.completed", "{s:s, s:s}", "reference", ro->complaint_ref, "case_id",
                op->note);
    cd_service_kick(app->svc);
}

static const cd_guarded_spec_t s_record_outcome = {
    .validate = s_validate,
    .read_sql = s_read_sql,
    .nparams = 1,
    .missing_field = "record_outcome.complaint_ref",
    .missing_message = "no investigation case is open for that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = "record_outcome.complaint_ref",
    .lost_message = "the case is no longer open: it has an outcome already, or the complaint"
                    " was withdrawn",
    .roles = CD_ROLE_INVESTIGATOR | CD_ROLE_COMPLAINTS_MANAGER,
    .schema = "investigation",
    .org_col = COL_ORG,
    .check_actor = s_check_recorder,
};

void iv_record_outcome(cd_request_t *req, const Candour__V1__RecordOutcome *ro, iv_app_t *app)
{
    const char *v[1] = {ro->complaint_ref};
    cd_guarded_run(&s_record_outcome, cd_service_db(app->svc), req, &ro->base, v, app);
}
