/* bounce.h - bounces of letters sent by email (N1: delivery recorded, a
 * failure raised), from a Maildir the relay's bounces are delivered into.
 *
 *   dsn.c     what a bounce says: which letter, failed or delayed (pure)
 *   bounce.c  the Maildir read every NT_BOUNCE_MS: each bounce recorded on
 *             its letter (a failure fails and raises it), then moved to cur/
 *
 * An email the relay accepted is `sent`; a bounce that comes back later for
 * it (an address that does not exist, a full mailbox for good) makes it
 * `failed` and raises it like a letter that could not be sent; a delay is
 * recorded and changes nothing. */
#ifndef NOTIFY_BOUNCE_H
#define NOTIFY_BOUNCE_H

#include <stddef.h>

typedef struct {
    char letter_id[37];   /* the letter it is about, from <letter-id@domain> */
    char status[16];      /* the first Status: e.g. "5.1.1" ("" if none) */
    int permanent;        /* failed for good (Action: failed, or a 5.x.x status) */
    char diagnostic[200]; /* the first Diagnostic-Code, printable ASCII; it may name the
                           * address: for the database, never a log */
} nt_bounce_t;

/* Reads text (len bytes; NULs allowed) as a bounce of one of our letters,
 * whose Message-IDs end in @domain. 0: *b says which and how. -1: not one
 * (not a delivery status notification, none of our letters in it, a notice
 * of delivery), why says so in plain words. */
int nt_dsn_parse(const char *text, size_t len, const char *domain, nt_bounce_t *b, char *why,
                 size_t n);

#endif
