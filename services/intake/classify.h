/* classify.h - what intake decides about a complaint as it arrives (pure).
 *
 * Every submission that passes validation is recorded. Classification says
 * whether it is a complaint under the regulations, a compliment (I8) or an
 * oral complaint already resolved (I4, outside the regulations); holds say
 * what a complaint waits for before it can be handled: the patient's consent
 * (I2), agreement of the written summary of a verbal complaint (I1), or a
 * decision because it was made after the 12-month limit (I3). */
#ifndef INTAKE_CLASSIFY_H
#define INTAKE_CLASSIFY_H

#include <stdint.h>

#include "candour/calendar.h"
#include "candour/v1/complaint.pb-c.h"

#define IN_MAX_HOLDS 3

typedef struct {
    Candour__V1__Classification classification;
    Candour__V1__Hold holds[IN_MAX_HOLDS];
    int nholds;
} in_class_t;

/* Classify c, received at received_unix (seconds; the London date counts). */
void in_classify(const Candour__V1__Complaint *c, int64_t received_unix, const cd_calendar_t *cal,
                 in_class_t *out);

/* I3: the last day a complaint about a matter that occurred (or came to
 * notice) on `from` can be made in time: the same date twelve months later,
 * or the last day of that month when it has no such date (29 Feb). */
cd_date_t in_time_limit(cd_date_t from);

/* I2: whether a complaint made with this standing needs the patient's consent
 * (and has neither a consent nor a recorded exception). */
int in_needs_consent(const Candour__V1__Complaint *c);

/* The hold's name as used in states and letters ("awaiting-consent", ...). */
const char *in_hold_name(Candour__V1__Hold h);
/* The hold for a name, HOLD_UNSPECIFIED if none. */
Candour__V1__Hold in_hold_from_name(const char *name);

/* The state intake shows before routing reports one: what it waits for
 * first, "received" when nothing, or the classification's state. */
const char *in_initial_state(const in_class_t *k);

/* What the lifecycle allows a complaint in `state` (its stored name): amended
 * while held before triage; withdrawn while open (not once the response has
 * gone, nor once triage closed it: declined, appeal, not required, passed
 * on); consent recorded while open. */
int in_amendable(const char *state);
int in_withdrawable(const char *state);
int in_consent_accepted(const char *state);

/* k's holds as a text[] literal of their names, e.g. "{\"awaiting-consent\"}":
 * 0, or -1 when out of memory or out is too small (out is then not to be used). */
int in_holds_literal(const in_class_t *k, char *out, size_t len);
/* "{a,b}" -> k's holds (names are fixed identifiers without commas or quotes). */
void in_holds_parse(const char *text, in_class_t *k);

#endif
