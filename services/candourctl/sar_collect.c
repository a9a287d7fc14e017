/* sar_collect.c - what a subject access export holds (sar.h): the
 * complaints a person is found in, and every record of each one in every
 * service's schema, read as JSON by SQL (to_jsonb of the rows: every column
 * a table has, so a column added later is exported without a change here);
 * and a member of staff's own records.
 *
 * The caller reads in one REPEATABLE READ transaction with the session's
 * time zone UTC, so the file is of one moment and its times are in UTC. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/digest.h"
#include "candour/util.h"
#include "ctl.h"
#include "sar.h"

#define S_CMD "sar"
#define S_SPOOL_MAX (64L * 1024 * 1024) /* a letter's spool file hashed up to this size */

/* A JSON array of the rows (to_jsonb of alias x) of FROM ..., in ORDER. */
#define S_ROWS(expr, from, order)                                                                  \
    "SELECT coalesce(jsonb_agg(" expr " ORDER BY " order "), '[]')::text FROM " from
#define S_ROW(from) "SELECT to_jsonb(x)::text FROM " from

/* Each schema's audit entries, as {at, service, table, op, actor, ...}:
 * WHERE is the condition on the entry a, with $1. */
#define S_AUDIT_ONE(s, cols, where)                                                                \
    "SELECT a.seq, a.at, '" s "' AS service, jsonb_build_object('at', a.at, 'service', '" s        \
    "', 'table', a.table_name, 'op', a.op, 'actor', a.actor, 'seq', a.seq, 'chain', a.chain" cols  \
    ") AS e FROM " s ".audit a WHERE " where
#define S_AUDIT(cols, where)                                                                                                                       \
    "SELECT coalesce(jsonb_agg(u.e ORDER BY u.at, u.service, u.seq), '[]')::text FROM "                                                            \
    "(" S_AUDIT_ONE("intake", cols, where) " UNION ALL " S_AUDIT_ONE(                                                                              \
        "routing", cols,                                                                                                                           \
        where) " UNION ALL " S_AUDIT_ONE("investigation", cols,                                                                                    \
                                         where) " UNION ALL " S_AUDIT_ONE("signoff", cols,                                                         \
                                                                          where) " UNION "                                                         \
                                                                                 "ALL"                                                             \
                                                                                 " " S_AUDIT_ONE("notify", cols, where) " UNION ALL " S_AUDIT_ONE( \
                                                                                     "gateway",                                                    \
                                                                                     cols,                                                         \
                                                                                     where) " UNI"                                                 \
                                                                                            "ON "                                                  \
                                                                                            "ALL"                                                  \
                                                                                            " " S_AUDIT_ONE("candour_admin",                       \
                                                                                                            cols,                                  \
                                                                                                            where) ") u"

typedef struct {
    const char *group; /* the member of the complaint's object it goes under */
    const char *key;
    const char *sql; /* $1: the reference; one row, one column of JSON text */
} s_section_t;

static const s_section_t s_complaint[] = {
    /* The complaint as received (the first audit entry of its row: before
     * any amendment), as it stands now, and what changed it. */
    {"complaint", "as_received",
     "SELECT a.row_data::text FROM intake.audit a WHERE a.reference = $1"
     " AND a.table_name = 'complaint' AND a.op = 'INSERT' ORDER BY a.seq LIMIT 1"},
    {"complaint", "as_held_now", S_ROW("intake.complaint x WHERE x.reference = $1")},
    {"complaint", "changes",
     S_ROWS("to_jsonb(x)", "intake.change x WHERE x.reference = $1", "x.id")},
    {"complaint", "partner_messages",
     S_ROWS("to_jsonb(x)", "intake.partner_message x WHERE x.reference = $1", "x.seq")},
    {"complaint", "partner_contributions",
     S_ROWS("to_jsonb(x)", "intake.contribution x WHERE x.reference = $1", "x.org_id")},
    /* Where it is: its status history, routing's record and deadlines. */
    {"status", "status_history",
     S_ROWS("to_jsonb(x)", "intake.status_change x WHERE x.reference = $1", "x.seq")},
    {"status", "routing", S_ROW("routing.complaint x WHERE x.reference = $1")},
    {"status", "history",
     S_ROWS("to_jsonb(x)", "routing.history x WHERE x.reference = $1", "x.id")},
    {"status", "deadlines",
     S_ROWS("to_jsonb(x)", "routing.deadline x WHERE x.reference = $1", "x.due, x.name, x.party")},
    {"status", "deadline_extensions",
     S_ROWS("to_jsonb(x)", "routing.deadline_extension x WHERE x.reference = $1", "x.id")},
    {"status", "progress_updates",
     S_ROWS("to_jsonb(x)", "routing.progress_update x WHERE x.reference = $1", "x.number")},
    {"status", "late_response", S_ROW("routing.late_response x WHERE x.reference = $1")},
    /* The case record: the attachments by name, type, size and SHA-256
     * (the evidence list), not their bytes. */
    {"case_record", "case", S_ROW("investigation.case x WHERE x.reference = $1")},
    {"case_record", "key_issues",
     S_ROWS("to_jsonb(x)", "investigation.key_issue x WHERE x.reference = $1", "x.position")},
    {"case_record", "evidence",
     S_ROWS("to_jsonb(x)", "investigation.evidence x WHERE x.reference = $1", "x.number")},
    {"case_record", "findings",
     S_ROWS("to_jsonb(x)", "investigation.finding x WHERE x.reference = $1", "x.issue_id")},
    {"case_record", "actions",
     S_ROWS("to_jsonb(x)", "investigation.action x WHERE x.reference = $1", "x.number")},
    {"case_record", "contributions",
     S_ROWS("to_jsonb(x)", "investigation.contribution x WHERE x.reference = $1", "x.seq")},
    {"case_record", "ombudsman_referrals",
     S_ROWS("to_jsonb(x)", "investigation.referral x WHERE x.reference = $1", "x.seq")},
    /* The response: every draft, what went for signature, who signed. */
    {"response", "drafts",
     S_ROWS("to_jsonb(x)", "investigation.draft x WHERE x.reference = $1", "x.version")},
    {"response", "for_signature", S_ROW("signoff.draft x WHERE x.reference = $1")},
    {"response", "signatures",
     S_ROWS("to_jsonb(x)", "signoff.signature x WHERE x.reference = $1", "x.version, x.step")},
    {"response", "returned",
     S_ROWS("to_jsonb(x)", "signoff.draft_return x WHERE x.reference = $1", "x.returned_at")},
    /* The letters: text, delivery state and each attempt. */
    {"letters", "recipient", S_ROW("notify.recipient x WHERE x.reference = $1")},
    {"letters", "letters",
     S_ROWS("to_jsonb(x) || jsonb_build_object('delivery_attempts', (SELECT coalesce(jsonb_agg("
            "to_jsonb(d) ORDER BY d.attempt, d.id), '[]') FROM notify.delivery_attempt d"
            " WHERE d.letter_id = x.letter_id))",
            "notify.letter x WHERE x.reference = $1", "x.created_at, x.kind")},
    {"letters", "alerts", S_ROWS("to_jsonb(x)", "notify.alert x WHERE x.reference = $1", "x.id")},
    /* Who read it through the staff API. */
    {"access", "api_reads",
     S_ROWS("to_jsonb(x)", "gateway.access_log x WHERE x.reference = $1", "x.id")},
    /* Every audit entry about it, with its row. */
    {"audit", "entries", S_AUDIT(", 'row_data', a.row_data", "a.reference = $1")},
};

static const s_section_t s_staff[] = {
    {"directory", "routing", S_ROW("routing.staff x WHERE x.staff_id = $1")},
    {"directory", "intake", S_ROW("intake.staff x WHERE x.staff_id = $1")},
    {"directory", "investigation", S_ROW("investigation.staff x WHERE x.staff_id = $1")},
    {"directory", "signoff", S_ROW("signoff.staff x WHERE x.staff_id = $1")},
    {"directory", "notify", S_ROW("notify.staff x WHERE x.staff_id = $1")},
    /* The tokens issued to them: never the secret's hash. */
    {"access", "api_tokens",
     S_ROWS("to_jsonb(x) - 'secret_hash'", "gateway.api_token x WHERE x.staff_id = $1",
            "x.created_at")},
    {"access", "api_requests",
     S_ROWS("to_jsonb(x)", "gateway.access_log x WHERE x.staff_id = $1", "x.id")},
    {"casework", "delegations",
     S_ROWS("to_jsonb(x)", "signoff.delegation x WHERE x.staff_id = $1", "x.id")},
    {"casework", "signatures",
     S_ROWS("to_jsonb(x)", "signoff.signature x WHERE x.staff_id = $1", "x.signed_at")},
    {"casework", "cases_assigned",
     S_ROWS("jsonb_build_object('reference', x.reference, 'assigned_at', x.assigned_at,"
            " 'assigned_by', x.assigned_by)",
            "investigation.case x WHERE x.investigator = $1", "x.assigned_at")},
    /* The entries about their directory rows, with the rows; those they made
     * as "Name (ST12)", without: what they changed is other people's. */
    {"audit", "about_them", S_AUDIT(", 'row_data', a.row_data", "a.reference = $1")},
    {"audit", "made_by_them",
     S_AUDIT(", 'reference', a.reference", "right(a.actor, length($1) + 2) = '(' || $1 || ')'")},
};

/* One JSON value the statement returns (SQL NULL, no row: JSON null). NULL
 * after telling why. */
static json_t *s_json(PGconn *c, const char *sql, int n, const char *const *v)
{
    PGresult *r = ctl_db_query(c, S_CMD, sql, n, v);
    if (!r)
        return NULL;
    json_t *j = json_null();
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
        json_error_t err = {.text = ""};
        j = json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, &err);
        if (!j)
            fprintf(stderr, "candourctl %s: a record could not be read: %s\n", S_CMD, err.text);
    }
    PQclear(r);
    return j;
}

/* The sections read into one object, each under its group; NULL after
 * telling why. */
static json_t *s_sections(PGconn *c, const s_section_t *s, size_t n, const char *key)
{
    const char *v[1] = {key};
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        json_t *j = s_json(c, s[i].sql, 1, v);
        json_t *g = json_object_get(o, s[i].group);
        if (!g && j) {
            g = json_object();
            json_object_set_new(o, s[i].group, g);
        }
        if (!j || !g || json_object_set_new(g, s[i].key, j) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* A letter's spool file, where this machine has it: its path, whether it is
 * there, its size and SHA-256 (the file itself is not copied in). */
static json_t *s_spool_file(const char *path)
{
    json_t *o = json_pack("{s:s}", "path", path);
    struct stat st;
    FILE *f = NULL;
    char *buf = NULL;
    if (!o || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > S_SPOOL_MAX ||
        !(f = fopen(path, "rb")) || !(buf = malloc((size_t)st.st_size + 1))) {
        json_object_set_new(o, "present", json_false());
        if (f)
            fclose(f);
        return o;
    }
    size_t len = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    char hex[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(buf, len, hex);
    free(buf);
    json_object_set_new(o, "present", json_true());
    json_object_set_new(o, "bytes", json_integer((json_int_t)len));
    json_object_set_new(o, "sha256", json_string(hex));
    return o;
}

json_t *sar_complaint(PGconn *c, const char *ref)
{
    json_t *o = s_sections(c, s_complaint, sizeof s_complaint / sizeof s_complaint[0], ref);
    json_t *letters = json_object_get(json_object_get(o, "letters"), "letters");
    size_t i;
    json_t *l;
    json_array_foreach(letters, i, l)
    {
        const char *path = json_string_value(json_object_get(l, "spool_path"));
        if (path && *path)
            json_object_set_new(l, "spool_file", s_spool_file(path));
    }
    if (!o)
        return NULL;
    json_t *full = json_pack("{s:s}", "reference", ref);
    if (full)
        json_object_update(full, o);
    json_decref(o);
    return full;
}

/* Complaints by reference: each must be known (of org). */
static const char s_by_ref_sql[] =
    "SELECT g.ref, c.reference IS NOT NULL FROM unnest($1::text[]) WITH ORDINALITY AS g(ref, n)"
    " LEFT JOIN intake.complaint c ON c.reference = g.ref AND ($2::text IS NULL OR c.org_id = $2)"
    " ORDER BY g.n";

/* Complaints by the person in them: the complainant or the patient, in the
 * complaint as intake holds it, in every version its audit trail holds (as
 * received, before amendments) and in notify's copy. $1 'email' or
 * 'name-postcode', $2 the e-mail address or name, $3 the postcode, $4 the
 * body (NULL: any). Exact, with case and the ends' white space ignored; a
 * postcode's spaces ignored too. */
static const char s_by_person_sql[] =
    "SELECT p.reference, to_jsonb(array_agg(DISTINCT p.role ORDER BY p.role))::text FROM ("
    " SELECT c.reference, 'complainant' AS role, c.body->'complainant' AS person"
    "  FROM intake.complaint c"
    " UNION ALL SELECT c.reference, 'patient', c.body->'patient' FROM intake.complaint c"
    " UNION ALL SELECT a.reference, 'complainant', a.row_data->'body'->'complainant'"
    "  FROM intake.audit a WHERE a.table_name = 'complaint' AND a.row_data ? 'body'"
    " UNION ALL SELECT a.reference, 'patient', a.row_data->'body'->'patient'"
    "  FROM intake.audit a WHERE a.table_name = 'complaint' AND a.row_data ? 'body'"
    " UNION ALL SELECT r.reference, 'complainant', r.person FROM notify.recipient r"
    " UNION ALL SELECT r.reference, 'patient', r.patient FROM notify.recipient r"
    ") p JOIN intake.complaint k ON k.reference = p.reference"
    " WHERE ($4::text IS NULL OR k.org_id = $4) AND jsonb_typeof(p.person) = 'object' AND"
    " CASE $1 WHEN 'email' THEN lower(btrim(p.person->>'email', E' \\t\\r\\n'))"
    "  = lower(btrim($2, E' \\t\\r\\n'))"
    " ELSE lower(btrim(p.person->>'name', E' \\t\\r\\n')) = lower(btrim($2, E' \\t\\r\\n'))"
    "  AND upper(regexp_replace(p.person->>'postcode', '\\s', '', 'g'))"
    "  = upper(regexp_replace($3, '\\s', '', 'g')) END"
    " GROUP BY p.reference ORDER BY p.reference";

int sar_match(PGconn *c, const sar_args_t *a, sar_method_t m, const char *org, json_t **out,
              cd_fail_t *why)
{
    *out = NULL;
    json_t *list = json_array();
    PGresult *r = NULL;
    if (m == SAR_BY_REFERENCE) {
        char *arr = cd_pg_text_array((const char *const *)a->refs, a->n_refs);
        const char *v[2] = {arr, org};
        r = arr ? ctl_db_query(c, S_CMD, s_by_ref_sql, 2, v) : NULL;
        free(arr);
        for (int i = 0; r && i < PQntuples(r); i++) {
            const char *ref = PQgetvalue(r, i, 0);
            if (PQgetvalue(r, i, 1)[0] != 't') {
                cd_fail(why, CD_CODE_NOT_FOUND, "reference",
                        "no complaint%s%s has the reference %s", org ? " of " : "", org ? org : "",
                        ref);
                PQclear(r);
                json_decref(list);
                return -1;
            }
            /* A reference given twice is one complaint. */
            int seen = 0;
            for (size_t k = 0; k < json_array_size(list); k++)
                seen |=
                    strcmp(json_string_value(json_object_get(json_array_get(list, k), "reference")),
                           ref) == 0;
            if (!seen)
                json_array_append_new(
                    list, json_pack("{s:s, s:[s]}", "reference", ref, "matched_as", "reference"));
        }
    } else if (m == SAR_BY_EMAIL || m == SAR_BY_NAME_POSTCODE) {
        const char *v[4] = {sar_method_name(m), m == SAR_BY_EMAIL ? a->email : a->name,
                            a->postcode ? a->postcode : "", org};
        r = ctl_db_query(c, S_CMD, s_by_person_sql, 4, v);
        for (int i = 0; r && i < PQntuples(r); i++) {
            json_t *as = json_loads(PQgetvalue(r, i, 1), 0, NULL);
            json_array_append_new(
                list, json_pack("{s:s, s:o*}", "reference", PQgetvalue(r, i, 0), "matched_as", as));
        }
    } else {
        r = PQmakeEmptyPGresult(c, PGRES_TUPLES_OK);
    }
    if (!r || !list) {
        PQclear(r);
        json_decref(list);
        return cd_fail(why, CD_CODE_UNAVAILABLE, "", "the database could not be read");
    }
    PQclear(r);
    *out = list;
    return 0;
}

int sar_staff(PGconn *c, const char *staff_id, const char *org, json_t **out, cd_fail_t *why)
{
    const char *v[2] = {staff_id, org};
    *out = NULL;
    PGresult *r = ctl_db_query(c, S_CMD,
                               "SELECT 1 FROM routing.staff WHERE staff_id = $1"
                               " AND ($2::text IS NULL OR org_id = $2)",
                               2, v);
    if (!r)
        return cd_fail(why, CD_CODE_UNAVAILABLE, "", "the database could not be read");
    int found = PQntuples(r) == 1;
    PQclear(r);
    if (!found)
        return cd_fail(why, CD_CODE_NOT_FOUND, "staff", "no one%s%s has the staff id %s",
                       org ? " of " : "", org ? org : "", staff_id);
    json_t *o = s_sections(c, s_staff, sizeof s_staff / sizeof s_staff[0], staff_id);
    json_t *full = o ? json_pack("{s:s}", "staff_id", staff_id) : NULL;
    if (!full) {
        json_decref(o);
        return cd_fail(why, CD_CODE_UNAVAILABLE, "", "the database could not be read");
    }
    json_object_update(full, o);
    json_decref(o);
    *out = full;
    return 0;
}
