/* requests.c - RecordOutcome: the investigator's overall outcome (V5),
 * taken only while the case is under investigation and every partner's part
 * is in or waived (R3), and sent on to sign-off with those parts as
 * investigation.completed, with the case's summary for the quality gate
 * (key issues, findings, what was recorded of failings, actions and remedy,
 * the names withheld, the complainant's name and how to address them).
 *
 * A case whose key issues were agreed (V3) is answered by its draft response:
 * its findings must be complete, the outcome the one they imply (findings.h),
 * and a draft made (drafting.c) since the findings were last recorded; the
 * event carries the latest version, which is what sign-off signs. A case
 * without key issues keeps the older way: the findings as free text, which
 * the letter sets out.
 *
 * A guarded operation (guarded_op.h): read the case with its partners and
 * parts, its key issues' findings and its latest draft, judge it by
 * outcome.h's and findings.h's rules, then complete it by an UPDATE that
 * still requires it open with the same findings, draft and names withheld (a
 * withdrawal, another outcome, new findings, a new version or a new list in
 * between loses), with the event in the same transaction: so the summary,
 * read with the rest, is the case as completed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "candour/v1/events.pb-c.h"
#include "casework.h"
#include "draft_rows.h"
#include "investigation.h"
#include "outcome.h"

enum {
    COL_CASE_ID,
    COL_STATE,
    COL_PARTNERS,
    COL_PARTS,
    COL_ORG,
    COL_INVESTIGATOR,
    COL_ISSUES,      /* the key issues' ids in the order agreed, a JSON array */
    COL_VERDICTS,    /* the verdict on each, "" where none is recorded, likewise */
    COL_FINDINGS_AT, /* when the findings were recorded; NULL never */
    COL_STALE,       /* the latest draft is older than the findings */
    COL_WITHHELD,    /* the names withheld, as a text[] literal (the write's guard) */
    COL_SUMMARY,     /* what sign-off's gate reads of the case: a CaseSummary in JSON */
    COL_DRAFT,       /* the latest draft (IV_DRAFT_VERSION_COLS), NULL when none */
};

/* The case, its expected partners (a JSON array), its parts and waivers in
 * the order they came (IV_PARTS_JSON), its key issues with their findings'
 * verdicts, the summary investigation.completed carries (S_SUMMARY_JSON),
 * and its latest draft. Kept from clang-format, which scatters a text with
 * macros in the middle of it. */
/* clang-format off */
/* The CaseSummary (case.proto) of the case c, for the quality gate at
 * sign-off (F1): the key issues as agreed and the findings on them, in the
 * order agreed; whether failings and actions were recorded; whether there is
 * a remedy beyond words (redress or a service change: an apology alone is
 * not one); the names withheld; and the complainant as routing named them.
 * For the learning reports (issue 15, L1/L2): each action's number, due day
 * and whether done, without its words, and how many lessons.
 * Field names as in case.proto; NULL (no issues, no findings) leaves a list
 * empty. */
#define S_SUMMARY_JSON                                                                             \
    "json_build_object("                                                                           \
    " 'issues', (SELECT json_agg(json_build_object('issue_id', k.issue_id, 'summary', k.summary,"  \
    "   'subject', k.subject, 'service_area', k.service_area, 'profession', k.profession)"       \
    "   ORDER BY k.position) FROM investigation.key_issue k WHERE k.reference = c.reference),"    \
    " 'findings', (SELECT json_agg(json_build_object('issue_id', f.issue_id,"                     \
    "   'verdict', f.verdict, 'what_happened', f.what_happened,"                                  \
    "   'what_should_have_happened', f.what_should_have_happened,"                                \
    "   'not_addressed_reason', f.not_addressed_reason) ORDER BY k.position)"                     \
    "   FROM investigation.finding f JOIN investigation.key_issue k"                               \
    "    ON k.reference = f.reference AND k.issue_id = f.issue_id"                                 \
    "   WHERE f.reference = c.reference),"                                                         \
    " 'failings', cardinality(c.failings) > 0,"                                                    \
    " 'actions', EXISTS (SELECT 1 FROM investigation.action a WHERE a.reference = c.reference),"  \
    " 'action_dues', (SELECT json_agg(json_build_object('number', a.number, 'due', a.due::text," \
    "   'done', a.done, 'done_on', coalesce(a.done_on::text, '')) ORDER BY a.number)"             \
    "   FROM investigation.action a WHERE a.reference = c.reference),"                             \
    " 'lessons', cardinality(c.lessons),"                                                          \
    " 'remedy', c.redress_pence > 0 OR c.service_change <> '',"                                    \
    " 'withheld', c.withheld, 'address_as', c.address_as,"                                         \
    " 'complainant_name', c.complainant_name)::text"

static const char s_read_sql[] =
    "SELECT c.case_id, c.state, array_to_json(c.partners)::text, "
    IV_PARTS_JSON("c.reference") ","
    " c.org_id, coalesce(c.investigator, ''),"
    " array_to_json(array(SELECT k.issue_id FROM investigation.key_issue k"
    "  WHERE k.reference = c.reference ORDER BY k.position))::text,"
    " array_to_json(array(SELECT coalesce(f.verdict, '') FROM investigation.key_issue k"
    "  LEFT JOIN investigation.finding f ON f.reference = k.reference AND f.issue_id = k.issue_id"
    "  WHERE k.reference = c.reference ORDER BY k.position))::text,"
    " c.findings_at::text, coalesce(d.made_at < c.findings_at, false), c.withheld::text, "
    S_SUMMARY_JSON ", "
    IV_DRAFT_VERSION_COLS("d")
    " FROM investigation.case c LEFT JOIN LATERAL (SELECT * FROM investigation.draft x"
    "  WHERE x.reference = c.reference ORDER BY x.version DESC LIMIT 1) d ON true"
    " WHERE c.reference = $1";
/* clang-format on */

static Candour__V1__ContributionsMerged *s_parts(const PGresult *r)
{
    const char *text = PQgetvalue(r, 0, COL_PARTS);
    return (Candour__V1__ContributionsMerged *)cd_pbjson_parse(
        &candour__v1__contributions_merged__descriptor, text, strlen(text), NULL);
}

/* The request alone (outcome.h). The free-text findings it requires are
 * required only of a case without key issues, which the read shows: an empty
 * text is let through here, the rest of the request checked as if it were
 * withdrawn (which needs no text), and s_check decides. */
static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__RecordOutcome *ro = (const Candour__V1__RecordOutcome *)msg;
    if (iv_validate_outcome(ro, why) == 0)
        return 0;
    if (why->code != CD_CODE_REQUIRED || strcmp(why->field, "record_outcome.findings") != 0)
        return -1;
    Candour__V1__RecordOutcome rest = *ro;
    rest.outcome = CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN;
    return iv_validate_outcome(&rest, why);
}

/* V1: the investigator assigned to the case records its outcome, or the
 * complaints manager; another investigator of the body may not. */
static int s_check_recorder(const PGresult *r, const cd_actor_t *a, cd_op_t *op, cd_fail_t *why,
                            void *arg)
{
    return iv_case_actor_ok(PQgetvalue(r, 0, COL_INVESTIGATOR), a, why);
}

/* V3, V5, F1: a case with key issues has a finding on each, the outcome
 * they imply, and a draft response made since they were recorded. */
static int s_answered(const PGresult *r, const Candour__V1__RecordOutcome *ro, size_t n,
                      const char *const *ids, const char *const *verdicts, cd_fail_t *why)
{
    iv_finding_t fs[IV_MAX_KEY_ISSUES];
    size_t nf = 0;
    if (n > IV_MAX_KEY_ISSUES)
        return cd_fail(why, CD_CODE_UNAVAILABLE, "", "could not be done just now");
    for (size_t i = 0; i < n; i++) {
        iv_verdict_t v;
        if (verdicts[i][0] && iv_verdict_parse(verdicts[i], &v, "", &(cd_fail_t){0}) == 0)
            fs[nf++] = (iv_finding_t){.issue_id = ids[i], .verdict = v};
    }
    cd_fail_t incomplete;
    if (PQgetisnull(r, 0, COL_FINDINGS_AT) ||
        iv_findings_complete(ids, n, fs, nf, "record_findings.findings", &incomplete) != 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "record_outcome.complaint_ref",
                       "record the findings first (RecordFindings): the findings on the key"
                       " issues decide the outcome%s%s",
                       PQgetisnull(r, 0, COL_FINDINGS_AT) ? "" : "; ",
                       PQgetisnull(r, 0, COL_FINDINGS_AT) ? "" : incomplete.message);
    if (iv_outcome_consistent(ro->outcome, fs, nf, "record_outcome.outcome", why) != 0)
        return -1;
    Candour__V1__DraftVersion dv = CANDOUR__V1__DRAFT_VERSION__INIT;
    if (iv_draft_version_from_row(r, 0, COL_DRAFT, &dv) != 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "record_outcome.complaint_ref",
                       "draft the response first (DraftResponse): the draft is the response"
                       " that is signed");
    if (PQgetvalue(r, 0, COL_STALE)[0] == 't')
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "record_outcome.complaint_ref",
                       "the findings were recorded again after the latest draft (version %d):"
                       " draft the response again (DraftResponse), or edit it (EditDraft)",
                       (int)dv.version);
    return 0;
}

/* The key issues' rules when there are any (s_answered); else the older
 * way's one: findings in words, unless the complainant withdrew. */
static int s_findings(const PGresult *r, const Candour__V1__RecordOutcome *ro, cd_fail_t *why)
{
    json_t *ij = NULL, *vj = NULL;
    const char **ids = NULL, **verdicts = NULL;
    long n = iv_json_strings(PQgetvalue(r, 0, COL_ISSUES), &ij, &ids);
    long nv = iv_json_strings(PQgetvalue(r, 0, COL_VERDICTS), &vj, &verdicts);
    int rc;
    if (n < 0 || nv != n)
        rc = cd_fail(why, CD_CODE_UNAVAILABLE, "", "could not be done just now");
    else if (n > 0)
        rc = s_answered(r, ro, (size_t)n, ids, verdicts, why);
    else if (!ro->findings[0] && ro->outcome != CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN)
        rc = cd_fail(why, CD_CODE_REQUIRED, "record_outcome.findings",
                     "the findings are required: the response sets them out for the"
                     " complainant (or agree the key issues, record findings on them and draft"
                     " the response)");
    else
        rc = 0;
    free(ids);
    free(verdicts);
    json_decref(ij);
    json_decref(vj);
    return rc;
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
        rc = s_findings(r, (const Candour__V1__RecordOutcome *)op->msg, why);
    if (rc == 0)
        snprintf(op->note, sizeof op->note, "%s", PQgetvalue(r, 0, COL_CASE_ID));
done:
    free(names);
    if (parts)
        protobuf_c_message_free_unpacked(&parts->base, NULL);
    json_decref(partners);
    return rc;
}

/* The summary as read (free it); NULL when out of memory or when the
 * tables and the message disagree (a fault of this build, logged). */
static Candour__V1__CaseSummary *s_summary(const PGresult *r, const char *ref)
{
    const char *text = PQgetvalue(r, 0, COL_SUMMARY);
    cd_fail_t why = {0};
    Candour__V1__CaseSummary *sum = (Candour__V1__CaseSummary *)cd_pbjson_parse(
        &candour__v1__case_summary__descriptor, text, strlen(text), &why);
    if (!sum && why.code != CD_CODE_NO_MEMORY)
        cd_log_error("case.summary_failed", "{s:s, s:s, s:s}", "reference", ref, "field", why.field,
                     "message", why.message);
    return sum;
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    iv_app_t *app = arg;
    const Candour__V1__RecordOutcome *ro = (const Candour__V1__RecordOutcome *)op->msg;
    Candour__V1__ContributionsMerged *parts = s_parts(r);
    Candour__V1__CaseSummary *summary = s_summary(r, ro->complaint_ref);
    if (!parts || !summary) {
        if (parts)
            protobuf_c_message_free_unpacked(&parts->base, NULL);
        if (summary)
            protobuf_c_message_free_unpacked(&summary->base, NULL);
        return CD_ENOMEM;
    }
    const ProtobufCEnumValue *oc =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, ro->outcome);
    Candour__V1__DraftVersion dv = CANDOUR__V1__DRAFT_VERSION__INIT;
    int has_draft = iv_draft_version_from_row(r, 0, COL_DRAFT, &dv) == 0;
    /* The findings and the draft as judged: NULL when there were none. */
    const char *findings_at =
        PQgetisnull(r, 0, COL_FINDINGS_AT) ? NULL : PQgetvalue(r, 0, COL_FINDINGS_AT);
    const char *version = has_draft ? PQgetvalue(r, 0, COL_DRAFT) : NULL;
    const char *v[8] = {ro->complaint_ref,
                        oc->name,
                        ro->findings,
                        op->actor,
                        findings_at,
                        version,
                        PQgetvalue(r, 0, COL_INVESTIGATOR),
                        PQgetvalue(r, 0, COL_WITHHELD)};
    cd_tx_add(tx,
              "WITH u AS (UPDATE investigation.case SET state = 'completed', outcome = $2,"
              " findings = $3, recorded_by = $4, completed_at = now()"
              " WHERE reference = $1 AND state = 'open'"
              " AND findings_at IS NOT DISTINCT FROM $5::timestamptz"
              " AND (SELECT max(d.version) FROM investigation.draft d WHERE d.reference = $1)"
              "  IS NOT DISTINCT FROM $6::int"
              " AND coalesce(investigator, '') = $7" /* still the investigator judged (V1) */
              " AND withheld = $8::text[]"           /* the summary's names are still the case's */
              " RETURNING 1)"
              " SELECT investigation.expect(count(*) = 1, 'the case is not open') FROM u",
              8, v);
    Candour__V1__InvestigationCompleted ic = CANDOUR__V1__INVESTIGATION_COMPLETED__INIT;
    ic.case_id = op->note;
    ic.outcome = ro->outcome;
    ic.findings = ro->findings;
    ic.recorded_by = op->actor; /* the person acting, from the directory */
    ic.org_id = PQgetvalue(r, 0, COL_ORG);
    ic.n_contributions = parts->n_contributions;
    ic.contributions = parts->contributions;
    ic.draft = has_draft ? &dv : NULL; /* the response to sign: the latest version */
    ic.summary = summary;              /* what the gate checks that version against (F1) */
    cd_event_out_t out = {
        .type = "investigation.completed", .complaint_ref = ro->complaint_ref, .payload = &ic.base};
    int rc = cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
    protobuf_c_message_free_unpacked(&parts->base, NULL);
    protobuf_c_message_free_unpacked(&summary->base, NULL);
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
    .lost_message = "the case is no longer as it was read: it has an outcome already, the"
                    " complaint was withdrawn, or its findings, draft response or names withheld"
                    " changed meanwhile; read it and try again",
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
