/* draft_rows.c - a case's record as the draft response reads it (see
 * draft_rows.h): the statements, and the rows turned into draft.h's input. */
#include "draft_rows.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"

int iv_draft_version_from_row(const PGresult *r, int row, int col, Candour__V1__DraftVersion *out)
{
    if (PQgetisnull(r, row, col))
        return -1;
    out->version = atoi(PQgetvalue(r, row, col));
    out->sha256 = PQgetvalue(r, row, col + 1);
    out->text = PQgetvalue(r, row, col + 2);
    out->made_by = PQgetvalue(r, row, col + 3);
    out->made_at = PQgetvalue(r, row, col + 4);
    out->assembled = PQgetvalue(r, row, col + 5)[0] == 't';
    return 0;
}

/* ---------------------------------------------------------------- the read */

const char *const iv_draft_read_sql[IV_DRAFT_READ_COUNT] = {
    [IV_DRAFT_READ_CASE] =
        "SELECT c.state, c.org_id, coalesce(c.investigator, ''), coalesce(c.findings_at::text, ''),"
        " coalesce((SELECT max(d.version) FROM investigation.draft d"
        "  WHERE d.reference = c.reference), 0),"
        " array_to_json(c.plan_steps)::text, array_to_json(c.failings)::text,"
        " array_to_json(c.lessons)::text, c.apology, c.redress_pence, c.redress_for,"
        " c.service_change, coalesce(o.draft_opening, ''), coalesce(o.draft_closing, '')"
        " FROM investigation.case c LEFT JOIN investigation.org o ON o.org_id = c.org_id"
        " WHERE c.reference = $1",
    [IV_DRAFT_READ_ISSUES] =
        "SELECT k.issue_id, k.summary, k.subject, k.service_area, k.profession,"
        " coalesce(f.verdict, ''), coalesce(f.what_happened, ''),"
        " coalesce(f.what_should_have_happened, ''), coalesce(f.not_addressed_reason, '')"
        " FROM investigation.key_issue k LEFT JOIN investigation.finding f"
        "  ON f.reference = k.reference AND f.issue_id = k.issue_id"
        " WHERE k.reference = $1 ORDER BY k.position",
    [IV_DRAFT_READ_EVIDENCE] = "SELECT kind, source, evidence_date::text, summary, flag, flag_note"
                               " FROM investigation.evidence WHERE reference = $1 ORDER BY number",
    [IV_DRAFT_READ_ACTIONS] = "SELECT description, owner, due::text, done,"
                              " coalesce(done_on::text, '')"
                              " FROM investigation.action WHERE reference = $1 ORDER BY number",
    [IV_DRAFT_READ_PARTS] = "SELECT " IV_PARTS_JSON("$1"),
};

enum {
    K_ID,
    K_SUMMARY,
    K_SUBJECT,
    K_SERVICE_AREA,
    K_PROFESSION,
    K_VERDICT,
    K_HAPPENED,
    K_SHOULD,
    K_REASON
};
enum { E_KIND, E_SOURCE, E_DATE, E_SUMMARY, E_FLAG, E_NOTE };
enum { A_DESCRIPTION, A_OWNER, A_DUE, A_DONE, A_DONE_ON };

long iv_json_strings(const char *text, json_t **json, const char ***out)
{
    *json = json_loads(text, 0, NULL);
    size_t n = json_is_array(*json) ? json_array_size(*json) : 0;
    *out = calloc(n ? n : 1, sizeof **out);
    if (!json_is_array(*json) || !*out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        (*out)[i] = json_string_value(json_array_get(*json, i));
        if (!(*out)[i])
            return -1;
    }
    return (long)n;
}

/* A column of row 0 that is such an array, into a list of the input. */
static int s_strings(const PGresult *r, int col, json_t **json, const char ***out, size_t *n)
{
    long k = iv_json_strings(PQgetvalue(r, 0, col), json, out);
    *n = k > 0 ? (size_t)k : 0;
    return k < 0 ? -1 : 0;
}

/* The key issues and their findings; a finding's verdict is NONE where none
 * is recorded (counted in c->missing). */
static int s_issues(iv_draft_case_t *c, const PGresult *r)
{
    size_t n = (size_t)PQntuples(r);
    c->issue_ids = calloc(n ? n : 1, sizeof *c->issue_ids);
    c->issues = calloc(n ? n : 1, sizeof *c->issues);
    c->findings = calloc(n ? n : 1, sizeof *c->findings);
    if (!c->issue_ids || !c->issues || !c->findings)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int row = (int)i;
        c->issue_ids[i] = PQgetvalue(r, row, K_ID);
        c->issues[i] = (iv_key_issue_t){
            .summary = PQgetvalue(r, row, K_SUMMARY),
            .subject = PQgetvalue(r, row, K_SUBJECT),
            .service_area = PQgetvalue(r, row, K_SERVICE_AREA),
            .profession = PQgetvalue(r, row, K_PROFESSION),
        };
        iv_finding_t *f = &c->findings[i];
        *f = (iv_finding_t){
            .issue_id = c->issue_ids[i],
            .what_happened = PQgetvalue(r, row, K_HAPPENED),
            .what_should_have_happened = PQgetvalue(r, row, K_SHOULD),
            .not_addressed_reason = PQgetvalue(r, row, K_REASON),
        };
        /* The table's CHECK allows only the three verdicts, or none (the LEFT JOIN). */
        if (PQgetvalue(r, row, K_VERDICT)[0] == 0 ||
            iv_verdict_parse(PQgetvalue(r, row, K_VERDICT), &f->verdict, "", &(cd_fail_t){0}))
            f->verdict = IV_VERDICT_NONE;
        if (f->verdict == IV_VERDICT_NONE && c->missing++ == 0)
            c->first_missing = i;
    }
    c->in.issues = c->issues;
    c->in.findings = c->findings;
    c->in.n_issues = n;
    return 0;
}

static int s_evidence(iv_draft_case_t *c, const PGresult *r)
{
    size_t n = (size_t)PQntuples(r);
    c->evidence = calloc(n ? n : 1, sizeof *c->evidence);
    if (!c->evidence)
        return -1;
    for (size_t i = 0; i < n; i++)
        c->evidence[i] = (iv_evidence_t){
            .kind = PQgetvalue(r, (int)i, E_KIND),
            .source = PQgetvalue(r, (int)i, E_SOURCE),
            .date = PQgetvalue(r, (int)i, E_DATE),
            .summary = PQgetvalue(r, (int)i, E_SUMMARY),
            .flag = PQgetvalue(r, (int)i, E_FLAG),
            .flag_note = PQgetvalue(r, (int)i, E_NOTE),
        };
    c->in.evidence = c->evidence;
    c->in.n_evidence = n;
    return 0;
}

static int s_actions(iv_draft_case_t *c, const PGresult *r)
{
    size_t n = (size_t)PQntuples(r);
    c->actions = calloc(n ? n : 1, sizeof *c->actions);
    if (!c->actions)
        return -1;
    for (size_t i = 0; i < n; i++)
        c->actions[i] = (iv_action_t){
            .description = PQgetvalue(r, (int)i, A_DESCRIPTION),
            .owner = PQgetvalue(r, (int)i, A_OWNER),
            .due = PQgetvalue(r, (int)i, A_DUE),
            .done = PQgetvalue(r, (int)i, A_DONE)[0] == 't',
            .done_on = PQgetvalue(r, (int)i, A_DONE_ON),
        };
    c->in.actions = c->actions;
    c->in.n_actions = n;
    return 0;
}

int iv_draft_case_read(iv_draft_case_t *c, PGresult *const *res)
{
    memset(c, 0, sizeof *c);
    const PGresult *k = res[IV_DRAFT_READ_CASE];
    assert(PQntuples(k) == 1);
    if (s_strings(k, IV_CASE_STEPS, &c->json[0], &c->steps, &c->in.n_steps) ||
        s_strings(k, IV_CASE_FAILINGS, &c->json[1], &c->failings, &c->in.n_failings) ||
        s_strings(k, IV_CASE_LESSONS, &c->json[2], &c->lessons, &c->in.n_lessons) ||
        s_issues(c, res[IV_DRAFT_READ_ISSUES]) || s_evidence(c, res[IV_DRAFT_READ_EVIDENCE]) ||
        s_actions(c, res[IV_DRAFT_READ_ACTIONS]))
        return -1;
    const PGresult *p = res[IV_DRAFT_READ_PARTS];
    if (PQntuples(p) != 1)
        return -1;
    c->parts = cd_pbjson_parse(&candour__v1__contributions_merged__descriptor, PQgetvalue(p, 0, 0),
                               (size_t)PQgetlength(p, 0, 0), NULL);
    if (!c->parts)
        return -1;
    const Candour__V1__ContributionsMerged *m = (const Candour__V1__ContributionsMerged *)c->parts;
    c->in.opening = PQgetvalue(k, 0, IV_CASE_OPENING);
    c->in.closing = PQgetvalue(k, 0, IV_CASE_CLOSING);
    c->in.steps = c->steps;
    c->in.failings = c->failings;
    c->in.lessons = c->lessons;
    c->in.parts = m->contributions;
    c->in.n_parts = m->n_contributions;
    c->in.remedy = (iv_remedy_t){
        .apology = PQgetvalue(k, 0, IV_CASE_APOLOGY),
        .redress_pence = strtoll(PQgetvalue(k, 0, IV_CASE_REDRESS_PENCE), NULL, 10),
        .redress_for = PQgetvalue(k, 0, IV_CASE_REDRESS_FOR),
        .service_change = PQgetvalue(k, 0, IV_CASE_SERVICE_CHANGE),
    };
    c->in.follow_up = "";
    c->in.outcome = c->missing == 0 && c->in.n_issues
                        ? iv_outcome_from_findings(c->findings, c->in.n_issues)
                        : CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
    return 0;
}

void iv_draft_case_clear(iv_draft_case_t *c)
{
    free(c->issue_ids);
    free(c->issues);
    free(c->findings);
    free(c->evidence);
    free(c->actions);
    free(c->steps);
    free(c->failings);
    free(c->lessons);
    for (size_t i = 0; i < sizeof c->json / sizeof c->json[0]; i++)
        json_decref(c->json[i]);
    if (c->parts)
        protobuf_c_message_free_unpacked(c->parts, NULL);
    memset(c, 0, sizeof *c);
}
