/* audit_hash.h - the audit trail's hash of one entry, as SQL over an audit
 * row aliased `a` (migrations 0012 and 0016 compute it the same way when the
 * entry is written): `candourctl audit verify` and the case file recompute
 * it with this one text, so the two checks cannot drift apart. */
#ifndef CANDOURCTL_AUDIT_HASH_H
#define CANDOURCTL_AUDIT_HASH_H

/* An SQL expression: the hash the audit entry aliased `a` should have, from
 * its own columns (a is an SQL alias given as a string literal, e.g. "a"). */
#define CTL_AUDIT_HASH_SQL(a)                                                                      \
    "encode(sha256(convert_to(CASE WHEN " a ".chain = '' THEN '' ELSE " a ".chain || '|' END"      \
    " || " a ".prev_hash || '|' || to_char(" a ".at AT TIME ZONE 'UTC',"                           \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '|' || " a ".actor || '|' || " a ".table_name"            \
    " || '|' || " a ".op || '|' || " a ".row_data::text, 'UTF8')), 'hex')"

#endif
