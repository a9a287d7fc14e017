/* audit_hash.h - the audit trail's hash of one entry, as SQL over an audit
 * row aliased `a` (the trigger of migration 0044 computes it the same way
 * when the entry is written): `candourctl audit verify` and the case file
 * recompute it with this one text, so the two checks cannot drift apart.
 *
 * Chain format 2 (0044): the hash covers the SHA-256 of the entry's content,
 * not the content, so that retention can erase an entry's content (its
 * row_digest then keeps that SHA-256) and the chain still verifies. */
#ifndef CANDOURCTL_AUDIT_HASH_H
#define CANDOURCTL_AUDIT_HASH_H

/* An SQL expression: the hash the audit entry aliased `a` should have, from
 * its own columns (a is an SQL alias given as a string literal, e.g. "a"). */
#define CTL_AUDIT_HASH_SQL(a)                                                                      \
    "encode(sha256(convert_to(CASE WHEN " a ".chain = '' THEN '' ELSE " a ".chain || '|' END"      \
    " || " a ".prev_hash || '|' || to_char(" a ".at AT TIME ZONE 'UTC',"                           \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '|' || " a ".actor || '|' || " a ".table_name"            \
    " || '|' || " a ".op || '|' || coalesce(" a ".row_digest, encode(sha256(convert_to(" a         \
    ".row_data::text, 'UTF8')), 'hex')), 'UTF8')), 'hex')"

/* An SQL boolean: the entry aliased `a` is intact: its hash is what it
 * should be, and an entry whose content was erased (row_digest set) holds
 * the erasure marker and nothing else, so no content can pass as erased. */
#define CTL_AUDIT_INTACT_SQL(a)                                                                    \
    "(" a ".hash = " CTL_AUDIT_HASH_SQL(a) " AND (" a ".row_digest IS NULL"                        \
                                           " OR (" a ".row_data ? 'erased' AND " a ".row_data"     \
                                           " - 'erased' - 'disposal' = '{}'::jsonb)))"

#endif
