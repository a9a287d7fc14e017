/* retention_scrub.h - an event's personal data and free text blanked, its
 * codes, dates, ids and counts kept: what retention does to the events a
 * disposed-of complaint left in the producers' outboxes, so that
 * `candourctl reporting rebuild` still counts it but nobody can be read
 * from it. Pure: a decoded message in, the same message changed. */
#ifndef CANDOURCTL_RETENTION_SCRUB_H
#define CANDOURCTL_RETENTION_SCRUB_H

#include <protobuf-c/protobuf-c.h>

/* Whether a string field of this name holds personal data or free text
 * (a name, an address, what someone wrote), which retention blanks. */
int ret_scrub_field(const char *name);

/* Blank, in m and every message inside it, each string field
 * ret_scrub_field names (each element of a repeated one, so counts stay),
 * and every string of a candour.v1.Person. Strings are cut to "" where they
 * are (the message's allocator still owns them). The number of strings
 * blanked that were not empty. */
int ret_scrub_message(ProtobufCMessage *m);

#endif
