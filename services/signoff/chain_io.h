/* chain_io.h - the signature chain at sign-off's edge: the columns a read
 * brings for it (the body's steps, the signatures already on the version
 * awaiting signature, the acting person's delegations, the body's covering
 * letter), and those columns as chain.h's input. */
#ifndef SIGNOFF_CHAIN_IO_H
#define SIGNOFF_CHAIN_IO_H

#include <libpq-fe.h>

#include "chain.h"

/* Over signoff.draft d, in this order: the steps, the signatures on the
 * version held (not void), the covering letter (NULL: none). */
#define SO_CHAIN_COLUMNS                                                                           \
    "coalesce((SELECT json_agg(json_build_object('signer_org', c.signer_org, 'roles', c.roles,"    \
    "  'label', c.label, 'covering', c.covering) ORDER BY c.step) FROM signoff.chain_step c"       \
    "  WHERE c.org_id = d.org_id), '[]')::text,"                                                   \
    " coalesce((SELECT json_agg(json_build_object('step', s.step, 'staff_id', s.staff_id,"         \
    "  'name', s.name, 'title', s.job_title, 'as_delegate', s.as_delegate) ORDER BY s.step)"       \
    "  FROM signoff.signature s WHERE s.reference = d.reference"                                   \
    "  AND s.version = coalesce(d.draft_version, 0) AND s.void_at IS NULL), '[]')::text,"          \
    " (SELECT k.text FROM signoff.covering_letter k WHERE k.org_id = d.org_id)"
#define SO_CHAIN_NCOLUMNS 3

/* The delegations of the person acting ($n: their staff id), not revoked. */
#define SO_DELEGATIONS_COLUMN(n)                                                                   \
    "coalesce((SELECT json_agg(json_build_object('org_id', g.org_id, 'roles', g.roles,"            \
    "  'from', g.valid_from, 'until', g.valid_until)) FROM signoff.delegation g"                   \
    "  WHERE g.staff_id = $" #n " AND g.revoked_at IS NULL), '[]')::text"

/* A signature given, as read. */
typedef struct {
    int step;
    const char *staff_id, *name, *title;
} so_signature_t;

/* The chain as read for one draft (pointing into parsed JSON it owns). */
typedef struct {
    so_step_t steps[SO_MAX_STEPS];
    size_t nsteps; /* Candour's default when the body set none */
    so_signed_t done[SO_MAX_STEPS];
    so_signature_t sig[SO_MAX_STEPS];
    size_t ndone;
    so_delegation_t dels[16];
    size_t ndels;
    const char *covering; /* the body's covering letter, or NULL */
    void *json[3];
} so_chain_io_t;

/* From row 0 of r: the chain columns at col, the delegations at del_col
 * (-1: none read), for the draft's body org. 0, or -1 when a column is not
 * what the read gives (then c is empty). Free with so_chain_io_free. */
int so_chain_from_row(const PGresult *r, int col, int del_col, const char *org, so_chain_io_t *c,
                      const char *acting);
void so_chain_io_free(so_chain_io_t *c);

#endif
