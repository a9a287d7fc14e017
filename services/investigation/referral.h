/* referral.h - L4: a complaint taken to the Parliamentary and Health Service
 * Ombudsman, recorded stage by stage by the complaints manager: the rules,
 * pure (referral.c), and the request that applies them (referral_ops.c).
 *
 * A referral is kept as a list of records, one per stage the Ombudsman's
 * handling reached, oldest first. The first record is the referral itself
 * (stage "referred"), with the day the complainant went to the Ombudsman and
 * the Ombudsman's reference; those two never change afterwards, so a later
 * record repeats them or leaves them empty and takes them from the first.
 * Stages only move forward:
 *
 *   referred -> assessing -> investigating -> decided
 *        \          \
 *         `----------`---> not-investigated
 *
 * (a stage may be skipped: the Ombudsman may have moved on before the last
 * one was recorded), and nothing follows "decided" or "not-investigated". A decision
 * carries the Ombudsman's outcome (upheld, partly-upheld, not-upheld); no
 * other stage has one.
 *
 * Refusals follow casework.h's conventions: 0, or -1 with the cd_fail_t
 * filled, the field being record_referral.referral.<member> (or
 * record_referral.complaint_ref for the case's state). Text fields of the
 * message are read as the wire gives them (NULL reads as ""). */
#ifndef INVESTIGATION_REFERRAL_H
#define INVESTIGATION_REFERRAL_H

#include "candour/calendar.h"
#include "candour/errcode.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/case.pb-c.h"
#include "investigation.h"

#define IV_PHSO_REF_MAX 40        /* bytes of the Ombudsman's reference */
#define IV_REFERRAL_NOTE_MAX 4000 /* bytes of a stage's note */

/* Where the Ombudsman's handling of the complaint is. Zero: nothing recorded. */
typedef enum {
    IV_PHSO_NONE = 0,
    IV_PHSO_REFERRED,         /* "referred": the complainant took it to the Ombudsman */
    IV_PHSO_ASSESSING,        /* "assessing": the Ombudsman is deciding whether to look into it */
    IV_PHSO_INVESTIGATING,    /* "investigating": the Ombudsman is investigating */
    IV_PHSO_DECIDED,          /* "decided": the Ombudsman's decision, with its outcome */
    IV_PHSO_NOT_INVESTIGATED, /* "not-investigated": the Ombudsman will not investigate */
} iv_phso_stage_t;

/* The stage named by text (exactly, lower case) into *out: 0, or -1 with why
 * on record_referral.referral.stage (REQUIRED when empty, INVALID_ENUM
 * otherwise). */
int iv_phso_stage_parse(const char *text, iv_phso_stage_t *out, cd_fail_t *why);

/* The slug of s ("not-investigated"); asserts a stage that is not NONE. */
const char *iv_phso_stage_name(iv_phso_stage_t s);

/* Whether `next` may be recorded after `last` (IV_PHSO_NONE: nothing yet):
 * the first record is "referred"; then only forward, as drawn above; nothing
 * after "decided" or "not-investigated" ("the Ombudsman's decision is
 * recorded already"). Each refusal is FAILED_PRECONDITION on
 * record_referral.referral.stage. Asserts next is not NONE. */
int iv_phso_stage_follows(iv_phso_stage_t last, iv_phso_stage_t next, cd_fail_t *why);

/* Whether a case in `state` (investigation.case.state) may have a referral
 * recorded: "open" or "completed" (the complaint went to the Ombudsman during
 * or after the investigation). A withdrawn complaint is FAILED_PRECONDITION
 * "the complaint was withdrawn", any other state FAILED_PRECONDITION, both
 * on record_referral.complaint_ref. */
int iv_referral_case_ok(const char *state, cd_fail_t *why);

/* A record as the request gives it, before the case is read: the stage
 * (iv_phso_stage_parse); referred_on, when given, a date (INVALID_DATE) not
 * after today (DATE_IN_FUTURE); phso_ref, when given, 1..IV_PHSO_REF_MAX
 * bytes of one line (TOO_LONG, INVALID_TEXT); an outcome required iff the
 * stage is "decided" (REQUIRED; INVALID_ENUM when not upheld, partly-upheld or
 * not-upheld; INVALID_ARGUMENT when given for another stage); stage_on a date
 * (REQUIRED, INVALID_DATE) not after today (DATE_IN_FUTURE); note at most
 * IV_REFERRAL_NOTE_MAX bytes, lines allowed (TOO_LONG, INVALID_TEXT).
 * recorded_by and recorded_at are Candour's and not read. A NULL referral is
 * REQUIRED on record_referral.referral. */
int iv_referral_validate(const Candour__V1__Referral *r, cd_date_t today, cd_fail_t *why);

/* What the complaint's records say so far. */
typedef struct {
    iv_phso_stage_t stage; /* the last record's; IV_PHSO_NONE: no record (the rest unread) */
    cd_date_t stage_on;    /* the last record's */
    cd_date_t referred_on; /* the first record's */
    const char *phso_ref;  /* the first record's */
} iv_referral_so_far_t;

/* A record as it is kept: the request's, with the first record's
 * referred_on and phso_ref where it left them empty. */
typedef struct {
    iv_phso_stage_t stage;
    cd_date_t stage_on;
    cd_date_t referred_on;
    const char *phso_ref; /* points into the request or into so_far */
} iv_referral_kept_t;

/* The record r against the complaint (received: the day it was received,
 * London; today; so_far, never NULL), after iv_referral_validate, which it
 * applies first. The stage as iv_phso_stage_follows. The first record gives
 * referred_on (REQUIRED), not before received (INVALID_ARGUMENT), and
 * phso_ref (REQUIRED); a later one repeats them or leaves them empty, and any
 * other value is INVALID_ARGUMENT (they cannot change). stage_on is not
 * before referred_on nor before the last record's stage_on
 * (INVALID_ARGUMENT). On success *out is the record to keep. */
int iv_referral_check(const Candour__V1__Referral *r, cd_date_t received, cd_date_t today,
                      const iv_referral_so_far_t *so_far, iv_referral_kept_t *out, cd_fail_t *why);

/* RecordReferral (referral_ops.c): a complaints manager of the case's body
 * records a stage; the record and ombudsman.referral (to routing, for the
 * complaint's history) commit together; the reply is Done. Refusals as
 * above; NOT_FOUND when there is no case; FAILED_PRECONDITION on
 * record_referral.complaint_ref when another record or the withdrawal came
 * between the read and the write. */
void iv_record_referral(cd_request_t *req, const Candour__V1__RecordReferral *r, iv_app_t *app);

#endif
