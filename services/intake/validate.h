/* validate.h - intake's rules for a submitted complaint, as pure functions.
 *
 * Each failure is a cd_fail_t (errcode.h): a code, the path of the field,
 * and a plain-English message an integrator can act on. The checks here are the
 * foundation's (required fields, text, sizes, dates); the full intake rules
 * (I1-I9) grow here. */
#ifndef INTAKE_VALIDATE_H
#define INTAKE_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "candour/errcode.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/complaint.pb-c.h"

#define IN_MAX_NAME 200
#define IN_MAX_LINE 200
#define IN_MAX_TEXT 20000
#define IN_MAX_REF 100
#define IN_MAX_ORG 64

/* 0 when the complaint may be stored, else -1 with err filled. today_days is
 * the current date as days since 1970-01-01 (dates may not be later). */
int in_validate_complaint(const Candour__V1__Complaint *c, int32_t today_days, cd_fail_t *err);

/* EnterComplaint (I1): a complaint made by post, by telephone or in person,
 * entered by the body's staff with the day it was actually received. 0, with
 * *received_on that day (days since 1970-01-01), or -1 with err filled (paths
 * from "enter_complaint."):
 *   org_id       required, an organisation id (in_validate_org);
 *   received_on  required, YYYY-MM-DD (INVALID_DATE), not after today
 *                (DATE_IN_FUTURE), not more than max_age_days before it
 *                (OUT_OF_RANGE: a complaint found late needs an explanation
 *                that staff entry does not take);
 *   complaint    exactly as a submission (in_validate_complaint), with a
 *                channel staff enter: CHANNEL_POST, or CHANNEL_VERBAL for
 *                telephone and in person (INVALID_ARGUMENT otherwise: email,
 *                the web form and the bus arrive by themselves).
 * Dates inside the complaint are judged against today, as a submission's. */
int in_validate_entry(const Candour__V1__EnterComplaint *e, int32_t today, int max_age_days,
                      int32_t *received_on, cd_fail_t *err);

/* The instant, in microseconds since 1970, that a complaint entered by staff
 * counts as received on day received_on (days since 1970-01-01, not after
 * the London date of now_us): now_us itself when received_on is that date
 * (an entry made the day it came keeps its real time), else 12:00 London
 * time (GMT or BST, as on that day) of received_on. Either way its London
 * date (cd_date_from_unix_london), from which every clock counts (R4, R5),
 * is received_on. */
int64_t in_entry_received_us(int32_t received_on, int64_t now_us);

/* One consent record (I2): who gave it, when, how, for sharing with whom.
 * field is its path, e.g. "complaint.consents[0]" or "record_consent.consent". */
int in_validate_consent(const Candour__V1__Consent *k, const char *field, int32_t today,
                        cd_fail_t *err);

/* 0 when org is a usable organisation id ([A-Za-z0-9._-], 1..64). */
int in_validate_org(const char *org, cd_fail_t *err);

/* A new complaint reference "CDR-XXXX-XXXX" from 8 random symbols of an
 * alphabet without look-alikes (no 0/O, 1/I/L), for reading over the phone.
 * out must hold 14 bytes. Returns 0, -1 without randomness. */
int in_new_reference(char out[14]);

#endif
