/* draft_rows.h - reading a case's record for the draft response (F1, F3):
 * the statements that read it, and the draft.h input and the DraftVersion
 * made from their rows. Shared by drafting.c (DraftResponse assembles a
 * version from the case) and requests.c (RecordOutcome sends the latest
 * version on to sign-off).
 *
 * Nothing here waits or writes: the caller runs the statements in one
 * transaction and hands the results over. Hazard: what these fill points into
 * the results (PQgetvalue), so it lives only as long as they do. */
#ifndef INVESTIGATION_DRAFT_ROWS_H
#define INVESTIGATION_DRAFT_ROWS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "candour/v1/api.pb-c.h"
#include "candour/v1/events.pb-c.h"
#include "draft.h"

/* The columns of a DraftVersion (iv_draft_version_from_row reads them in this
 * order) of the investigation.draft row aliased d. */
#define IV_DRAFT_VERSION_COLS(d)                                                                   \
    d ".version, " d ".sha256, " d ".text, " d ".made_by, to_char(" d                              \
      ".made_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " d ".assembled"

/* The case's partners' parts and waivers (R3) in the order they came, as a
 * ContributionsMerged in JSON (pbjson), for the case whose reference is the
 * SQL expression ref. */
#define IV_PARTS_JSON(ref)                                                                         \
    "json_build_object('contributions', coalesce((SELECT json_agg(json_build_object("              \
    "'org', k.org_id, 'findings', k.findings,"                                                     \
    " 'received_at', to_char(k.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')," \
    " 'waived', k.waived, 'reason', k.reason, 'recorded_by', k.recorded_by) ORDER BY k.seq)"       \
    " FROM investigation.contribution k WHERE k.reference = " ref "), '[]'))::text"

/* The DraftVersion in columns col.. of row (IV_DRAFT_VERSION_COLS) into *out
 * (its strings point into r): 0, or -1 when the version is NULL (a LEFT JOIN
 * that found no draft), out untouched. */
int iv_draft_version_from_row(const PGresult *r, int row, int col, Candour__V1__DraftVersion *out);

/* A JSON array of strings (text, as array_to_json gives a text[]) as a C
 * array (*out, malloc'd: free it) whose strings point into *json (decref
 * it), both set even on failure: its length, or -1 when text is not such an
 * array or out of memory. */
long iv_json_strings(const char *text, json_t **json, const char ***out);

/* ----------------------------------------------------------- the case read */

/* The statements that read a case for its draft, $1 its reference, in
 * the order iv_draft_case_read takes their results. */
enum {
    IV_DRAFT_READ_CASE,     /* the case: 0 or 1 row, IV_CASE_* columns */
    IV_DRAFT_READ_ISSUES,   /* its key issues in the order agreed, each with its finding */
    IV_DRAFT_READ_EVIDENCE, /* its evidence in the order recorded (no attachments) */
    IV_DRAFT_READ_ACTIONS,  /* its actions in the order recorded */
    IV_DRAFT_READ_PARTS,    /* its partners' parts (IV_PARTS_JSON) */
    IV_DRAFT_READ_COUNT
};
extern const char *const iv_draft_read_sql[IV_DRAFT_READ_COUNT];

/* The columns of IV_DRAFT_READ_CASE. */
enum {
    IV_CASE_STATE,        /* 'open', 'completed', 'withdrawn' */
    IV_CASE_ORG,          /* the body whose case it is */
    IV_CASE_INVESTIGATOR, /* staff id, "" when none is assigned */
    IV_CASE_FINDINGS_AT,  /* when the findings were recorded (timestamptz text), "" never */
    IV_CASE_LATEST,       /* the latest draft's version, 0 when none */
    IV_CASE_STEPS,        /* the plan's steps, a JSON array of slugs */
    IV_CASE_FAILINGS,     /* JSON array of text */
    IV_CASE_LESSONS,      /* JSON array of text */
    IV_CASE_APOLOGY,      /* the remedy, "" / 0 where none */
    IV_CASE_REDRESS_PENCE,
    IV_CASE_REDRESS_FOR,
    IV_CASE_SERVICE_CHANGE,
    IV_CASE_OPENING, /* the body's own paragraphs, "" for ours */
    IV_CASE_CLOSING,
};

/* A case as read for its draft: the input to iv_draft_render and what holds
 * it. Strings point into the results read. */
typedef struct {
    iv_draft_input_t in;     /* the draft's input, complete once read */
    const char **issue_ids;  /* in->issues' ids, n_issues */
    iv_key_issue_t *issues;  /* the key issues, n_issues */
    iv_finding_t *findings;  /* findings[i] on issues[i]; verdict NONE: none recorded */
    iv_evidence_t *evidence; /* n_evidence */
    iv_action_t *actions;    /* n_actions */
    const char **steps;      /* the plan's slugs, n_steps */
    const char **failings;   /* n_failings */
    const char **lessons;    /* n_lessons */
    json_t *json[3];         /* the plan, failings and lessons as read (own the strings) */
    ProtobufCMessage *parts; /* the partners' parts, a ContributionsMerged */
    size_t missing;          /* how many key issues have no finding */
    size_t first_missing;    /* the first of them (an index of issues), when missing */
} iv_draft_case_t;

/* Fill *c from the results of iv_draft_read_sql (res[IV_DRAFT_READ_*], the
 * case's row present). The outcome is the one the findings imply, when each
 * key issue has one. 0, or -1 when out of memory or the rows are not what
 * the statements give; then, as after success, iv_draft_case_clear frees it. */
int iv_draft_case_read(iv_draft_case_t *c, PGresult *const *res);
void iv_draft_case_clear(iv_draft_case_t *c);

#endif
