/* render.h - the letters an event asks for, as text (render.c): one
 * function a kind, each from the event's payload and what notify knows of
 * the person and the bodies, and the body's templates applied to the text.
 * Pure: the caller reads the database and commits. */
#ifndef NOTIFY_RENDER_H
#define NOTIFY_RENDER_H

#include <jansson.h>

#include "candour/v1/events.pb-c.h"

/* What a letter is written from: who to, the reference, today's date, the
 * event's payload (decoded by the catalogue's message for its type), and the
 * bodies' names by id (a letter names a body, never its code). */
typedef struct {
    const Candour__V1__Person *to;
    const Candour__V1__Person *complainant; /* when `to` is the patient (consent request) */
    const char *reference;
    const char *today;
    const ProtobufCMessage *payload;
    json_t *names;        /* {org_id: name} */
    const char *covering; /* the body's covering letter from its template, or NULL */
    const char *org_name; /* the body writing, as letters name it */
} nt_ctx_t;

typedef char *(*nt_render_fn)(const nt_ctx_t *c);

/* A body's name as letters give it: its letterhead's, else its id. */
const char *nt_org_name(const nt_ctx_t *c, const char *org_id);

/* Each renders its kind into a malloc'd string (NULL: it cannot be). */
char *nt_rd_acknowledgement(const nt_ctx_t *c);
char *nt_rd_consent(const nt_ctx_t *c);
char *nt_rd_triage(const nt_ctx_t *c);
char *nt_rd_final_response(const nt_ctx_t *c);
char *nt_rd_covering(const nt_ctx_t *c);
char *nt_rd_covering_template(const nt_ctx_t *c);
char *nt_rd_extension(const nt_ctx_t *c);
char *nt_rd_progress(const nt_ctx_t *c);
char *nt_rd_late(const nt_ctx_t *c);
char *nt_rd_withdrawal(const nt_ctx_t *c);

/* The body's templates (json: {part: text}) applied to a letter's text and
 * letterhead, with the variables the case gives (compose.c: nt_compose); a
 * part that cannot be rendered keeps Candour's words, and is logged. */
void nt_apply_templates(const nt_ctx_t *c, const char *kind, const char *json, char **text,
                        char **head);

#endif
