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

#include "audit_hash.h"

#endif
