/* retention_outbox.h - a disposed-of complaint's events in the producers'
 * outboxes, their personal data blanked (retention_outbox.c). */
#ifndef CANDOURCTL_RETENTION_OUTBOX_H
#define CANDOURCTL_RETENTION_OUTBOX_H

#include <libpq-fe.h>

/* In c's open transaction: every event of ref in the intake, routing,
 * investigation, signoff and notify outboxes decoded, its personal data and
 * free text blanked (ret_scrub_message), and written back when that changed
 * it. The events changed, or -1 (told; roll the transaction back). */
long ret_outbox_scrub(PGconn *c, const char *ref);

#endif
