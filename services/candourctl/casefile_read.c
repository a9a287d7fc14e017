/* casefile_read.c - the case file's model (casefile.h): every record of one
 * complaint, read over the admin connection in one snapshot of every
 * service's schema, as one JSON object. `candourctl case-file` (casefile.c)
 * writes it as text (casefile_text.c) or as JSON.
 *
 * One entry per thing that happened (the complaint as received, the
 * organisation's changes, each status, routing's history, triage and
 * deadlines, the case, its investigator and the impartiality check, plan,
 * key issues, evidence, findings, actions, the outcome, each version of the
 * draft response in full, the signature, each letter, and every audit
 * entry), in the order they happened, read as JSON objects by one SQL
 * statement, so that the text for a person and the JSON for machines come
 * from the same model. Then what can be checked is checked: each schema's
 * audit entries of the complaint are recomputed (audit_hash.h) and their
 * links to their neighbours in their chain followed; each attachment's and
 * each draft's stored SHA-256 is compared with one computed from the stored
 * bytes and text; the signature is compared with the version investigation
 * holds. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/digest.h"
#include "candour/util.h"
#include "casefile.h"
#include "ctl.h"

#define S_CMD "case-file"

/* The services' schemas, in the order the file names them. */
static const char *const s_schemas[] = {"intake", "routing", "investigation", "signoff", "notify"};
#define S_NSCHEMAS (sizeof s_schemas / sizeof s_schemas[0])

/* to_char's format for an instant in UTC as RFC 3339, to the microsecond:
 * the file's times, and its order. */
#define S_UTC "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

/* When the findings were recorded: the case says, else the audit trail. */
#define S_FINDINGS_AT                                                                              \
    "coalesce(c.findings_at, (SELECT max(a.at) FROM investigation.audit a"                         \
    " WHERE a.reference = c.reference AND a.table_name IN ('finding', 'action')), c.opened_at)"

/* Every entry: its time, its service, its kind and what it says (JSON),
 * oldest first. Where a table keeps no time of its own (deadlines, key
 * issues, a plan), the time is that of the audit entry that recorded it.
 * rank orders entries of one instant as the process does; ord, those of one
 * kind (numbers, versions). The audit entries' rows are not repeated: they
 * are what the other entries show. */
static const char s_entries_sql[] =
    "SELECT to_char(e.at AT TIME ZONE 'UTC', " S_UTC "), e.service, e.kind,"
    " jsonb_strip_nulls(e.detail)::text FROM ("
    /* intake: the complaint as received (before any amendment: the audit
     * trail's first row of it), the organisation's changes, each status */
    " SELECT c.received_at AS at, 10 AS rank, 'intake' AS service,"
    "  'complaint-received' AS kind, 0::bigint AS ord, jsonb_build_object("
    "  'organisation', c.org_id, 'external_ref', c.external_ref, 'channel', c.channel,"
    "  'classification', c.classification, 'holds', to_jsonb(c.holds), 'complaint',"
    "  CASE WHEN EXISTS (SELECT 1 FROM intake.change g WHERE g.reference = c.reference"
    "  AND g.action = 'amend') THEN coalesce((SELECT a.row_data->'body' FROM intake.audit a"
    "  WHERE a.reference = c.reference AND a.table_name = 'complaint' AND a.op = 'INSERT'"
    "  ORDER BY a.seq LIMIT 1), c.body) ELSE c.body END) AS detail"
    "  FROM intake.complaint c WHERE c.reference = $1"
    " UNION ALL SELECT g.at, 11, 'intake', 'change', g.id, jsonb_build_object("
    "  'action', g.action, 'content', g.body) FROM intake.change g WHERE g.reference = $1"
    " UNION ALL SELECT s.at, 12, 'intake', 'status', s.seq, jsonb_build_object("
    "  'state', s.state, 'detail', nullif(s.detail, ''))"
    "  FROM intake.status_change s WHERE s.reference = $1"
    /* routing: its history, triage and deadlines */
    " UNION ALL SELECT h.at, 20, 'routing', 'history', h.id, jsonb_build_object("
    "  'event', h.event, 'producer', h.producer, 'detail', nullif(h.detail, ''))"
    "  FROM routing.history h WHERE h.reference = $1"
    " UNION ALL SELECT coalesce(r.routed_at, r.received_at), 21, 'routing', 'triage', 0,"
    "  jsonb_build_object('outcome', r.triage_outcome, 'reason', r.triage_reason,"
    "  'lead_org', r.lead_org, 'partners', to_jsonb(r.partners), 'exclusion', r.exclusion,"
    "  'chc_appeal', r.chc_appeal)"
    "  FROM routing.complaint r WHERE r.reference = $1 AND r.triage_outcome IS NOT NULL"
    " UNION ALL SELECT coalesce((SELECT min(a.at) FROM routing.audit a"
    "  WHERE a.reference = d.reference AND a.table_name = 'deadline' AND a.op = 'INSERT'"
    "  AND a.row_data->>'name' = d.name AND coalesce(a.row_data->>'party', '') = d.party),"
    "  r.received_at), 22, 'routing', 'deadline-set', 0, jsonb_build_object("
    "  'name', d.name, 'party', nullif(d.party, ''), 'due', coalesce((SELECT x.old_due"
    "  FROM routing.deadline_extension x WHERE x.reference = d.reference AND x.name = d.name"
    "  AND x.party = d.party ORDER BY x.id LIMIT 1), d.due)::text)"
    "  FROM routing.deadline d JOIN routing.complaint r ON r.reference = d.reference"
    "  WHERE d.reference = $1"
    " UNION ALL SELECT x.at, 23, 'routing', 'deadline-extended', x.id, jsonb_build_object("
    "  'name', x.name, 'party', nullif(x.party, ''), 'old_due', x.old_due::text,"
    "  'new_due', x.new_due::text, 'agreed_by', x.agreed_by, 'reason', x.reason)"
    "  FROM routing.deadline_extension x WHERE x.reference = $1"
    " UNION ALL SELECT d.met_at, 24, 'routing', 'deadline-met', 0, jsonb_build_object("
    "  'name', d.name, 'party', nullif(d.party, ''), 'due', d.due::text,"
    "  'in_time', (d.met_at AT TIME ZONE 'Europe/London')::date <= d.due)"
    "  FROM routing.deadline d WHERE d.reference = $1 AND d.met_at IS NOT NULL"
    " UNION ALL SELECT t.at, 25, 'routing', 'deadline-raised', 0, jsonb_build_object("
    "  'name', d.name, 'party', nullif(d.party, ''), 'due', d.due::text, 'level', t.level)"
    "  FROM routing.deadline d CROSS JOIN LATERAL (VALUES (d.due_soon_raised_at, 'due soon'),"
    "  (d.overdue_raised_at, 'overdue')) AS t (at, level)"
    "  WHERE d.reference = $1 AND t.at IS NOT NULL"
    " UNION ALL SELECT d.closed_at, 26, 'routing', 'deadline-closed', 0, jsonb_build_object("
    "  'name', d.name, 'party', nullif(d.party, ''), 'due', d.due::text)"
    "  FROM routing.deadline d WHERE d.reference = $1 AND d.closed_at IS NOT NULL"
    /* investigation: the case, its investigator, plan, key issues, evidence,
     * partners' parts, findings, outcome and each draft version */
    " UNION ALL SELECT c.opened_at, 30, 'investigation', 'case-opened', 0, jsonb_build_object("
    "  'case_id', c.case_id, 'organisation', c.org_id, 'partners', to_jsonb(c.partners))"
    "  FROM investigation.case c WHERE c.reference = $1"
    " UNION ALL SELECT c.assigned_at, 31, 'investigation', 'investigator-assigned', 0,"
    "  jsonb_build_object('investigator', c.investigator, 'name', st.name,"
    "  'job_title', nullif(st.job_title, ''), 'assigned_by', c.assigned_by,"
    "  'impartiality', c.impartiality, 'staff_named', to_jsonb(c.staff_named),"
    "  'teams_named', to_jsonb(c.teams_named))"
    "  FROM investigation.case c LEFT JOIN investigation.staff st ON st.staff_id = c.investigator"
    "  WHERE c.reference = $1 AND c.assigned_at IS NOT NULL"
    " UNION ALL SELECT coalesce((SELECT max(a.at) FROM investigation.audit a"
    "  WHERE a.reference = c.reference AND a.table_name = 'case' AND a.op = 'UPDATE'"
    "  AND a.row_data ?| ARRAY['grading', 'plan_steps', 'plan_reason']), c.assigned_at,"
    "  c.opened_at), 32, 'investigation', 'plan', 0, jsonb_build_object('grading', c.grading,"
    "  'steps', to_jsonb(c.plan_steps), 'reason', nullif(c.plan_reason, ''))"
    "  FROM investigation.case c WHERE c.reference = $1 AND c.grading IS NOT NULL"
    " UNION ALL SELECT coalesce((SELECT max(a.at) FROM investigation.audit a"
    "  WHERE a.reference = k.reference AND a.table_name = 'key_issue' AND a.op = 'INSERT'"
    "  AND a.row_data->>'issue_id' = k.issue_id), c.opened_at), 33, 'investigation',"
    "  'key-issue', k.position, jsonb_build_object('issue_id', k.issue_id, 'summary', k.summary,"
    "  'subject', k.subject, 'subject_name', gs.name, 'service_area', k.service_area,"
    "  'service_area_name', ga.name, 'profession', k.profession, 'profession_name', gp.name,"
    "  'agreed_on', c.issues_agreed_on::text, 'agreed_how', c.issues_agreed_how)"
    "  FROM investigation.key_issue k JOIN investigation.case c ON c.reference = k.reference"
    "  LEFT JOIN investigation.category gs ON gs.list = 'subject' AND gs.code = k.subject"
    "  LEFT JOIN investigation.category ga ON ga.list = 'service-area'"
    "  AND ga.code = k.service_area"
    "  LEFT JOIN investigation.category gp ON gp.list = 'profession' AND gp.code = k.profession"
    "  WHERE k.reference = $1"
    " UNION ALL SELECT e.recorded_at, 34, 'investigation', 'evidence', e.number,"
    "  jsonb_build_object('number', e.number, 'kind', e.kind, 'source', e.source,"
    "  'date', e.evidence_date::text, 'summary', e.summary, 'flag', nullif(e.flag, ''),"
    "  'flag_note', nullif(e.flag_note, ''), 'filename', e.filename, 'media_type',"
    "  e.media_type, 'size', e.size, 'sha256', e.sha256, 'recorded_by', e.recorded_by)"
    "  FROM investigation.evidence e WHERE e.reference = $1"
    /* When investigation recorded it: the partner's time is whole seconds. */
    " UNION ALL SELECT coalesce((SELECT min(a.at) FROM investigation.audit a"
    "  WHERE a.reference = k.reference AND a.table_name = 'contribution' AND a.op = 'INSERT'"
    "  AND a.row_data->>'org_id' = k.org_id), k.received_at, c.opened_at), 35, 'investigation',"
    "  'contribution', k.seq, jsonb_build_object('org', k.org_id, 'waived', k.waived,"
    "  'findings', nullif(k.findings, ''), 'reason', nullif(k.reason, ''),"
    "  'recorded_by', nullif(k.recorded_by, ''))"
    "  FROM investigation.contribution k JOIN investigation.case c ON c.reference = k.reference"
    "  WHERE k.reference = $1"
    " UNION ALL SELECT " S_FINDINGS_AT ", 36, 'investigation', 'finding',"
    "  coalesce(k.position, 0), jsonb_build_object('issue_id', f.issue_id, 'issue', k.summary,"
    "  'verdict', f.verdict, 'what_happened', nullif(f.what_happened, ''),"
    "  'what_should_have_happened', nullif(f.what_should_have_happened, ''),"
    "  'not_addressed_reason', nullif(f.not_addressed_reason, ''))"
    "  FROM investigation.finding f JOIN investigation.case c ON c.reference = f.reference"
    "  LEFT JOIN investigation.key_issue k ON k.reference = f.reference"
    "  AND k.issue_id = f.issue_id WHERE f.reference = $1"
    " UNION ALL SELECT " S_FINDINGS_AT ", 37, 'investigation', 'conclusions', 0,"
    "  jsonb_build_object('failings', to_jsonb(c.failings), 'lessons', to_jsonb(c.lessons),"
    "  'apology', nullif(c.apology, ''), 'redress_pence', nullif(c.redress_pence, 0),"
    "  'redress_for', nullif(c.redress_for, ''), 'service_change', nullif(c.service_change, ''))"
    "  FROM investigation.case c WHERE c.reference = $1 AND (c.findings_at IS NOT NULL"
    "  OR EXISTS (SELECT 1 FROM investigation.finding f WHERE f.reference = c.reference))"
    " UNION ALL SELECT " S_FINDINGS_AT ", 38, 'investigation', 'action', x.number,"
    "  jsonb_build_object('number', x.number, 'description', x.description, 'owner', x.owner,"
    "  'due', x.due::text, 'done', x.done, 'done_on', x.done_on::text)"
    "  FROM investigation.action x JOIN investigation.case c ON c.reference = x.reference"
    "  WHERE x.reference = $1"
    " UNION ALL SELECT c.completed_at, 39, 'investigation', 'outcome', 0, jsonb_build_object("
    "  'outcome', c.outcome, 'findings', c.findings, 'recorded_by', c.recorded_by)"
    "  FROM investigation.case c WHERE c.reference = $1 AND c.completed_at IS NOT NULL"
    " UNION ALL SELECT c.withdrawn_at, 39, 'investigation', 'case-withdrawn', 0,"
    "  jsonb_build_object('reason', c.withdrawn_reason)"
    "  FROM investigation.case c WHERE c.reference = $1 AND c.withdrawn_at IS NOT NULL"
    " UNION ALL SELECT d.made_at, 40, 'investigation', 'draft', d.version, jsonb_build_object("
    "  'version', d.version, 'assembled', d.assembled, 'made_by', d.made_by,"
    "  'sha256', d.sha256, 'text', d.text) FROM investigation.draft d WHERE d.reference = $1"
    /* signoff: the response received for signature, and signed */
    " UNION ALL SELECT s.received_at, 50, 'signoff', 'for-signature', 0, jsonb_build_object("
    "  'organisation', nullif(s.org_id, ''), 'outcome', s.outcome,"
    "  'draft_version', s.draft_version, 'draft_sha256', s.draft_sha256)"
    "  FROM signoff.draft s WHERE s.reference = $1"
    " UNION ALL SELECT s.signed_at, 51, 'signoff', 'signed', 0, jsonb_build_object("
    "  'signed_by', s.signed_by, 'signatory_role', s.signatory_role,"
    "  'draft_version', s.draft_version, 'draft_sha256', s.draft_sha256)"
    "  FROM signoff.draft s WHERE s.reference = $1 AND s.signed_at IS NOT NULL"
    " UNION ALL SELECT s.withdrawn_at, 52, 'signoff', 'signoff-withdrawn', 0,"
    "  jsonb_build_object('reason', s.withdrawn_reason)"
    "  FROM signoff.draft s WHERE s.reference = $1 AND s.withdrawn_at IS NOT NULL"
    /* notify: each letter (its text: the SHA-256 is computed here), and
     * what became of it */
    " UNION ALL SELECT l.created_at, 60, 'notify', 'letter', 0, jsonb_build_object("
    "  'letter_id', l.letter_id, 'kind', l.kind, 'channel', l.channel, 'text', l.body)"
    "  FROM notify.letter l WHERE l.reference = $1"
    " UNION ALL SELECT l.delivered_at, 61, 'notify', 'letter-delivered', 0, jsonb_build_object("
    "  'letter_id', l.letter_id, 'kind', l.kind, 'channel', l.channel)"
    "  FROM notify.letter l WHERE l.reference = $1 AND l.delivered_at IS NOT NULL"
    " UNION ALL SELECT a.at, 61, 'notify', CASE WHEN a.outcome IN ('retry', 'refused')"
    "  THEN 'letter-attempt' ELSE 'letter-' || a.outcome END, a.attempt, jsonb_build_object("
    "  'letter_id', a.letter_id, 'kind', l.kind, 'channel', a.channel, 'attempt', a.attempt,"
    "  'outcome', a.outcome, 'code', a.code, 'detail', a.detail)"
    "  FROM notify.delivery_attempt a JOIN notify.letter l USING (letter_id)"
    "  WHERE l.reference = $1 AND a.outcome IN ('retry', 'refused', 'bounced', 'delayed',"
    "  'resent')"
    " UNION ALL SELECT l.failed_at, 62, 'notify', 'letter-failed', 0, jsonb_build_object("
    "  'letter_id', l.letter_id, 'kind', l.kind, 'channel', l.channel, 'attempts', l.attempts,"
    "  'error', l.last_error)"
    "  FROM notify.letter l WHERE l.reference = $1 AND l.failed_at IS NOT NULL"
    " UNION ALL SELECT a.raised_at, 63, 'notify', 'task', a.id, jsonb_build_object("
    "  'need', a.detail) FROM notify.alert a WHERE a.reference = $1 AND a.kind = 'access-need'"
    " UNION ALL SELECT l.not_sent_at, 62, 'notify', 'letter-not-sent', 0, jsonb_build_object("
    "  'letter_id', l.letter_id, 'kind', l.kind, 'reason', l.not_sent)"
    "  FROM notify.letter l WHERE l.reference = $1 AND l.not_sent_at IS NOT NULL"
    /* every schema's audit entries */
    " UNION ALL SELECT a.at, 90, a.schema, 'audit', a.seq, jsonb_build_object("
    "  'schema', a.schema, 'chain', a.chain, 'seq', a.seq, 'actor', a.actor,"
    "  'table', a.table_name, 'op', a.op, 'hash', a.hash, 'prev_hash', a.prev_hash) FROM ("
    "  SELECT 'intake' AS schema, x.seq, x.at, x.chain, x.actor, x.table_name, x.op, x.hash,"
    "   x.prev_hash FROM intake.audit x WHERE x.reference = $1"
    "  UNION ALL SELECT 'routing', x.seq, x.at, x.chain, x.actor, x.table_name, x.op, x.hash,"
    "   x.prev_hash FROM routing.audit x WHERE x.reference = $1"
    "  UNION ALL SELECT 'investigation', x.seq, x.at, x.chain, x.actor, x.table_name, x.op,"
    "   x.hash, x.prev_hash FROM investigation.audit x WHERE x.reference = $1"
    "  UNION ALL SELECT 'signoff', x.seq, x.at, x.chain, x.actor, x.table_name, x.op, x.hash,"
    "   x.prev_hash FROM signoff.audit x WHERE x.reference = $1"
    "  UNION ALL SELECT 'notify', x.seq, x.at, x.chain, x.actor, x.table_name, x.op, x.hash,"
    "   x.prev_hash FROM notify.audit x WHERE x.reference = $1) a"
    ") e ORDER BY e.at, e.rank, e.ord, e.kind, e.detail::text";

/* The complaint as it stands, from whichever services know it; no row when
 * none does. */
static const char s_summary_sql[] =
    "SELECT coalesce(ic.org_id, rc.org_id, c.org_id), to_char(coalesce(ic.received_at,"
    " rc.received_at, c.opened_at) AT TIME ZONE 'UTC', " S_UTC "),"
    " coalesce(rc.state, ic.state, c.state), c.outcome, c.investigator"
    " FROM (SELECT $1::text AS reference) k"
    " LEFT JOIN intake.complaint ic ON ic.reference = k.reference"
    " LEFT JOIN routing.complaint rc ON rc.reference = k.reference"
    " LEFT JOIN investigation.case c ON c.reference = k.reference"
    " WHERE ic.reference IS NOT NULL OR rc.reference IS NOT NULL OR c.reference IS NOT NULL";

/* Whether an audit entry aliased a is intact: its hash, and an erased one only
 * erased (audit_hash.h). */
#define S_AUDIT_INTACT CTL_AUDIT_INTACT_SQL("a")

/* A schema's audit entries of the complaint, each recomputed (intact), its
 * link to the entry before it in its chain (linked), and the next entry's
 * link to it (followed, with that entry's seq): %s is the schema, from
 * s_schemas only. An entry of the complaint removed, changed or put out of
 * order shows in one of the three, unless both its neighbours belong to
 * other complaints: `candourctl audit verify` checks the whole trail. */
static const char s_verify_sql[] =
    "SELECT a.seq, a.chain, to_char(a.at AT TIME ZONE 'UTC', " S_UTC "), a.table_name, a.op,"
    " " S_AUDIT_INTACT ","
    " a.prev_hash = coalesce((SELECT p.hash FROM %s.audit p WHERE p.chain = a.chain"
    "  AND p.seq < a.seq ORDER BY p.seq DESC LIMIT 1), ''),"
    " n.seq, coalesce(n.prev_hash = a.hash, true)"
    " FROM %s.audit a LEFT JOIN LATERAL (SELECT x.seq, x.prev_hash FROM %s.audit x"
    "  WHERE x.chain = a.chain AND x.seq > a.seq ORDER BY x.seq LIMIT 1) n ON true"
    " WHERE a.reference = $1 ORDER BY a.seq";

/* Each attachment's SHA-256 and size, as its evidence row records them,
 * against the bytes stored under that SHA-256 (investigation.attachment,
 * content-addressed): bytes missing or changed do not match. */
static const char s_attach_sql[] =
    "SELECT e.number, e.filename, e.sha256, e.size,"
    " coalesce(encode(sha256(t.content), 'hex') = e.sha256, false),"
    " coalesce(octet_length(t.content) = e.size, false)"
    " FROM investigation.evidence e LEFT JOIN investigation.attachment t ON t.sha256 = e.sha256"
    " WHERE e.reference = $1 AND e.sha256 IS NOT NULL ORDER BY e.number";

/* Each draft version's stored SHA-256 against its stored text. */
static const char s_drafts_sql[] =
    "SELECT version, sha256, encode(sha256(convert_to(text, 'UTF8')), 'hex') = sha256"
    " FROM investigation.draft WHERE reference = $1 ORDER BY version";

/* The signature: the version signed, its SHA-256 as sign-off holds it, as
 * investigation holds that version, and of the text sign-off holds. */
static const char s_sign_sql[] =
    "SELECT s.signed_by, s.draft_version, s.draft_sha256, d.sha256,"
    " encode(sha256(convert_to(s.draft_text, 'UTF8')), 'hex') = s.draft_sha256"
    " FROM signoff.draft s LEFT JOIN investigation.draft d ON d.reference = s.reference"
    "  AND d.version = s.draft_version"
    " WHERE s.reference = $1 AND s.signed_at IS NOT NULL";

/* PQgetvalue, or NULL for SQL NULL. */
static const char *s_get(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int s_true(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* A string member, or JSON null for SQL NULL. */
static json_t *s_str(const char *v)
{
    return v ? json_string(v) : json_null();
}

/* Each entry as a JSON object: at, service, kind, and what it says
 * (detail). The letters get the SHA-256 of their text. NULL after telling
 * why. */
static json_t *s_entries(PGconn *c, const char *const *ref)
{
    PGresult *r = ctl_db_query(c, S_CMD, s_entries_sql, 1, ref);
    if (!r)
        return NULL;
    json_t *list = json_array();
    for (int i = 0; list && i < PQntuples(r); i++) {
        json_error_t jerr = {.text = ""};
        json_t *detail = json_loads(PQgetvalue(r, i, 3), 0, &jerr);
        json_t *e =
            detail ? json_pack("{s:s, s:s, s:s, s:O}", "at", PQgetvalue(r, i, 0), "service",
                               PQgetvalue(r, i, 1), "kind", PQgetvalue(r, i, 2), "detail", detail)
                   : NULL;
        if (!e) {
            fprintf(stderr, "candourctl %s: an entry could not be read: %s\n", S_CMD, jerr.text);
            json_decref(detail);
            json_decref(list);
            list = NULL;
            break;
        }
        const char *text = json_string_value(json_object_get(detail, "text"));
        if (strcmp(PQgetvalue(r, i, 2), "letter") == 0 && text) {
            char hex[CD_SHA256_HEX_LEN + 1];
            cd_sha256_hex(text, strlen(text), hex);
            json_object_set_new(detail, "sha256", json_string(hex));
        }
        json_decref(detail);
        json_array_append_new(list, e);
    }
    PQclear(r);
    return list;
}

/* One schema's audit entries of the complaint checked: an object saying
 * how many, in how many chains, and intact or the first broken entry. NULL
 * after telling why. */
static json_t *s_verify_schema(PGconn *c, const char *schema, const char *const *ref)
{
    char sql[sizeof s_verify_sql + 64];
    snprintf(sql, sizeof sql, s_verify_sql, schema, schema, schema);
    PGresult *r = ctl_db_query(c, S_CMD, sql, 1, ref);
    if (!r)
        return NULL;
    int n = PQntuples(r);
    json_t *chains = json_object();
    json_t *broken = NULL;
    for (int i = 0; i < n; i++) {
        json_object_set_new(chains, PQgetvalue(r, i, 1), json_true());
        if (broken)
            continue;
        const char *problem = NULL;
        if (!s_true(r, i, 5))
            problem = "its content does not match its hash (changed)";
        else if (!s_true(r, i, 6))
            problem = "it does not follow the entry before it in its chain (that one removed or"
                      " changed, or this one moved)";
        else if (!s_true(r, i, 8))
            problem = "the entry after it in its chain does not follow it (this one changed, or"
                      " one removed after it)";
        if (problem)
            broken = json_pack(
                "{s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "seq",
                (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10), "chain", PQgetvalue(r, i, 1),
                "at", PQgetvalue(r, i, 2), "table", PQgetvalue(r, i, 3), "op", PQgetvalue(r, i, 4),
                "problem", problem, "next_seq",
                s_get(r, i, 7) ? json_integer(strtoll(s_get(r, i, 7), NULL, 10)) : json_null());
    }
    json_t *o = json_pack("{s:s, s:i, s:i, s:b}", "schema", schema, "entries", n, "chains",
                          (int)json_object_size(chains), "intact", broken == NULL);
    if (o && broken)
        json_object_set_new(o, "broken", broken);
    json_decref(chains);
    PQclear(r);
    return o;
}

/* Each attachment's and draft's stored SHA-256 against its content, and
 * the signature against the version signed; *all_ok cleared on any
 * mismatch. NULL after telling why. */
static json_t *s_verify_hashes(PGconn *c, const char *const *ref, int *all_ok)
{
    PGresult *a = ctl_db_query(c, S_CMD, s_attach_sql, 1, ref);
    PGresult *d = a ? ctl_db_query(c, S_CMD, s_drafts_sql, 1, ref) : NULL;
    PGresult *s = d ? ctl_db_query(c, S_CMD, s_sign_sql, 1, ref) : NULL;
    json_t *atts = json_array(), *drafts = json_array(), *sign = NULL, *o = NULL;
    if (!s || !atts || !drafts)
        goto done;
    for (int i = 0; i < PQntuples(a); i++) {
        int ok = s_true(a, i, 4) && s_true(a, i, 5);
        *all_ok &= ok;
        json_array_append_new(
            atts, json_pack("{s:I, s:s, s:s, s:I, s:b}", "evidence",
                            (json_int_t)strtoll(PQgetvalue(a, i, 0), NULL, 10), "filename",
                            PQgetvalue(a, i, 1), "sha256", PQgetvalue(a, i, 2), "size",
                            (json_int_t)strtoll(PQgetvalue(a, i, 3), NULL, 10), "matches", ok));
    }
    for (int i = 0; i < PQntuples(d); i++) {
        int ok = s_true(d, i, 2);
        *all_ok &= ok;
        json_array_append_new(drafts,
                              json_pack("{s:i, s:s, s:b}", "version", atoi(PQgetvalue(d, i, 0)),
                                        "sha256", PQgetvalue(d, i, 1), "matches", ok));
    }
    if (PQntuples(s) == 1 && s_get(s, 0, 1)) {
        /* A version was signed: investigation must hold it with the same
         * SHA-256, and the text sign-off holds must have it. */
        const char *held = s_get(s, 0, 3);
        int same = held && s_get(s, 0, 2) && strcmp(held, s_get(s, 0, 2)) == 0;
        int text = s_true(s, 0, 4);
        *all_ok &= same && text;
        sign = json_pack("{s:o, s:i, s:o, s:o, s:b, s:b}", "signed_by", s_str(s_get(s, 0, 0)),
                         "draft_version", atoi(PQgetvalue(s, 0, 1)), "draft_sha256",
                         s_str(s_get(s, 0, 2)), "investigation_sha256", s_str(held),
                         "matches_version", same, "text_matches", text);
    } else if (PQntuples(s) == 1) {
        sign = json_pack("{s:o, s:n}", "signed_by", s_str(s_get(s, 0, 0)), "draft_version");
    } else {
        sign = json_null();
    }
    o = json_pack("{s:O, s:O, s:o}", "attachments", atts, "drafts", drafts, "signature", sign);
done:
    json_decref(atts);
    json_decref(drafts);
    PQclear(a);
    PQclear(d);
    PQclear(s);
    return o;
}

int ctl_casefile_load(PGconn *c, const char *ref, json_t **out)
{
    const char *v[1] = {ref};
    *out = NULL;
    /* One snapshot of every schema, so the file is of one moment. */
    if (ctl_db_exec(c, S_CMD, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) != 0)
        return -1;
    PGresult *sum = ctl_db_query(c, S_CMD, s_summary_sql, 1, v);
    if (!sum)
        return -1;
    if (PQntuples(sum) == 0) {
        PQclear(sum);
        return 1;
    }
    char now[32];
    cd_format_rfc3339(cd_now_us(), now);
    json_t *file =
        json_pack("{s:s, s:s, s:{s:o, s:o, s:o, s:o, s:o}}", "complaint_ref", ref, "prepared_at",
                  now, "summary", "organisation", s_str(s_get(sum, 0, 0)), "received_at",
                  s_str(s_get(sum, 0, 1)), "state", s_str(s_get(sum, 0, 2)), "outcome",
                  s_str(s_get(sum, 0, 3)), "investigator", s_str(s_get(sum, 0, 4)));
    PQclear(sum);
    json_t *entries = file ? s_entries(c, v) : NULL;
    json_t *audit = json_array();
    int all_ok = 1;
    for (size_t i = 0; entries && audit && i < S_NSCHEMAS; i++) {
        json_t *one = s_verify_schema(c, s_schemas[i], v);
        if (!one) {
            json_decref(audit);
            audit = NULL;
            break;
        }
        all_ok &= json_is_true(json_object_get(one, "intact"));
        json_array_append_new(audit, one);
    }
    json_t *hashes = entries && audit ? s_verify_hashes(c, v, &all_ok) : NULL;
    if (!file || !entries || !audit || !hashes) {
        json_decref(file);
        json_decref(entries);
        json_decref(audit);
        json_decref(hashes);
        return -1;
    }
    json_object_set_new(hashes, "audit", audit);
    json_object_set_new(hashes, "all_verified", json_boolean(all_ok));
    json_object_set_new(file, "entries", entries);
    json_object_set_new(file, "verification", hashes);
    ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL);
    *out = file;
    return 0;
}
