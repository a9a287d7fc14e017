/* casefile.h - `candourctl case-file`: casefile_read.c reads the records
 * into one model, casefile_text.c writes it for a person, casefile.c is the
 * command; and how an audit entry's hash is recomputed (audit_hash.h,
 * shared with `audit verify`).
 *
 * The formula is the one the audit trigger writes (deploy/migrations 0012,
 * 0016): SHA-256, as hex, of chain "|" (when the chain is not "") prev_hash
 * "|" the time in UTC to the microsecond "|" actor "|" table "|" op "|" the
 * row's JSON. `candourctl audit verify` (audit.c) checks the same, over the
 * whole trail; a change to the trigger's formula is a change to both. */
#ifndef CANDOURCTL_CASEFILE_H
#define CANDOURCTL_CASEFILE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>

#include "audit_hash.h"

/* The case file of ref as JSON (its model: complaint_ref, prepared_at,
 * summary, entries, verification), read on c in one snapshot of every
 * schema: 0 and *out (json_decref), 1 when no complaint has that
 * reference, -1 after telling why it could not be read (casefile_read.c).
 * Hazard: on 1 or -1 the read-only transaction is left open; the caller
 * closes c. */
int ctl_casefile_load(PGconn *c, const char *ref, json_t **out);

/* The case file (ctl_casefile_load's model: complaint_ref, prepared_at, summary,
 * entries, verification) written for a person to out (casefile_text.c). */
void ctl_casefile_text(FILE *out, const json_t *file);

#endif
