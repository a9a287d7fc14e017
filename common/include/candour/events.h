/* events.h - the catalogue of event types: each type's payload message.
 *
 * The Envelope's `type` names its payload's message; this table is the one
 * place that says which, for tools that decode events they do not handle
 * (candourctl dead-letters show) and for the README's event list. */
#ifndef CANDOUR_EVENTS_H
#define CANDOUR_EVENTS_H

#include <protobuf-c/protobuf-c.h>

typedef struct {
    const char *type;                           /* "complaint.received" */
    const ProtobufCMessageDescriptor *payload;  /* its message */
    const char *producer;                       /* the service that emits it */
} cd_event_type_t;

/* The payload descriptor for an event type, or NULL if unknown. */
const ProtobufCMessageDescriptor *cd_event_descriptor(const char *type);

/* The whole catalogue; *n gets its length. */
const cd_event_type_t *cd_event_types(int *n);

#endif
