/* gate_io.h - the quality gate at sign-off's edge: the columns one read
 * brings for it (the draft, the case's summary, the body's severities,
 * thresholds and glossary), turned into the gate's input, run, and the
 * findings as a GateReport or as JSON to record. The checks themselves are
 * gate.h's, pure. */
#ifndef SIGNOFF_GATE_IO_H
#define SIGNOFF_GATE_IO_H

#include <libpq-fe.h>

#include "candour/v1/api.pb-c.h"
#include "gate.h"

/* The read's columns for the gate, as a SELECT list over signoff.draft d
 * (in this order, from so_gate_col on): outcome, draft_version,
 * draft_sha256, draft_text, summary, the body's rules, limits and glossary
 * (Candour's with the body's added). */
#define SO_GATE_COLUMNS                                                                            \
    "d.outcome, d.draft_version, d.draft_sha256, d.draft_text, d.summary::text,"                   \
    " coalesce((SELECT json_agg(json_build_object('check', r.check_name, 'severity',"              \
    "  r.severity)) FROM signoff.gate_rule r WHERE r.org_id = d.org_id), '[]')::text,"             \
    " coalesce((SELECT l.min_flesch FROM signoff.gate_limit l WHERE l.org_id = d.org_id), 0),"     \
    " coalesce((SELECT l.max_sentence_words FROM signoff.gate_limit l"                             \
    "  WHERE l.org_id = d.org_id), 0),"                                                            \
    " coalesce((SELECT json_agg(json_build_object('term', g.term, 'meaning', g.meaning))"          \
    "  FROM (SELECT DISTINCT ON (term) term, meaning FROM signoff.glossary"                        \
    "   WHERE org_id IN ('', d.org_id) ORDER BY term, org_id = '') g), '[]')::text"
#define SO_GATE_NCOLUMNS 9

/* One run of the gate over a row read with SO_GATE_COLUMNS at col. */
typedef struct {
    so_findings_t findings;
    int blocking;
    int version;     /* the draft version (0: none, a case without one) */
    char sha256[65]; /* its SHA-256 */
    /* what the input points into, owned */
    void *summary; /* Candour__V1__CaseSummary */
    so_key_issue_t *issues;
    so_term_t *glossary;
    so_severity_rule_t *rules;
    void *json; /* the parsed rules and glossary (jansson), which the above point into */
    void *json2;
} so_gate_run_t;

/* Run the gate on row 0 of r (columns from col): 0, or -1 when the row
 * cannot be read as the gate's input (then nothing is to be signed). A
 * draft with no version (a case without key issues) is not gated: it has
 * no findings. Free with so_gate_run_free. */
int so_gate_from_row(const PGresult *r, int col, so_gate_run_t *g);
void so_gate_run_free(so_gate_run_t *g);

/* The findings as a GateReport, with the signature chain's lines (malloc'd,
 * free with candour__v1__gate_report__free_unpacked(x, NULL)); NULL when out
 * of memory. */
Candour__V1__GateReport *so_gate_report(const so_gate_run_t *g, char *const *chain, size_t nchain);

/* The advice findings as a JSON array of GateFinding (malloc'd), to record
 * what the signatory signed over; NULL when out of memory. */
char *so_gate_advice_json(const so_gate_run_t *g);

/* The first blocking finding (NULL when none), for a refusal's words. */
const so_finding_t *so_gate_first_blocking(const so_gate_run_t *g);

#endif
