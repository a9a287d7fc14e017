/* casefile.h - what `candourctl case-file` (casefile.c) shares with the rest
 * of candourctl: how an audit entry's hash is recomputed.
 *
 * The formula is the one the audit trigger writes (deploy/migrations 0012,
 * 0016): SHA-256, as hex, of chain "|" (when the chain is not "") prev_hash
 * "|" the time in UTC to the microsecond "|" actor "|" table "|" op "|" the
 * row's JSON. `candourctl audit verify` (audit.c) checks the same, over the
 * whole trail; a change to the trigger's formula is a change to both. */
#ifndef CANDOURCTL_CASEFILE_H
#define CANDOURCTL_CASEFILE_H

/* An SQL expression: the hash the audit entry aliased `a` should have, from
 * its own columns (a is an SQL alias given as a string literal, e.g. "a"). */
#define CTL_AUDIT_HASH_SQL(a)                                                                      \
    "encode(sha256(convert_to(CASE WHEN " a ".chain = '' THEN '' ELSE " a ".chain || '|' END"      \
    " || " a ".prev_hash || '|' || to_char(" a ".at AT TIME ZONE 'UTC',"                           \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '|' || " a ".actor || '|' || " a ".table_name"            \
    " || '|' || " a ".op || '|' || " a ".row_data::text, 'UTF8')), 'hex')"

#endif
