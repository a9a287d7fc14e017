/* events.h - the catalogue of event types: for each, its payload message,
 * the service that produces it and the services it goes to.
 *
 * The one place that says which message an Envelope's `type` carries and who
 * hears it: the outbox addresses an event by it (cd_event_out_t.subscribers
 * NULL), a service's outbox connects to the subscribers of what it produces,
 * the inbox decodes a payload once by it before a handler sees the event, and
 * tools decode events they do not handle by it (candourctl dead-letters).
 * A new event type is a row here and a message in events.proto. */
#ifndef CANDOUR_EVENTS_H
#define CANDOUR_EVENTS_H

#include <protobuf-c/protobuf-c.h>

#define CD_EVENT_MAX_SUBSCRIBERS 6

typedef struct {
    const char *type;                          /* "complaint.received" */
    const ProtobufCMessageDescriptor *payload; /* its message */
    const char *producer;                      /* the service that emits it */
    const char *const *subscribers;            /* NULL-terminated: the services it goes to */
} cd_event_type_t;

/* The catalogue's row for an event type, or NULL if the type is unknown. */
const cd_event_type_t *cd_event_type(const char *type);

/* The payload descriptor for an event type, or NULL if unknown. */
const ProtobufCMessageDescriptor *cd_event_descriptor(const char *type);

/* The services `producer` sends any event to, each once, in the catalogue's
 * order, into out[0..max-2] with a NULL after the last. Returns how many. */
int cd_event_subscribers_of(const char *producer, const char **out, int max);

/* The whole catalogue; *n gets its length. */
const cd_event_type_t *cd_event_types(int *n);

#endif
