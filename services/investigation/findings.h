/* findings.h - the investigation's conclusions, pure: a finding on each
 * agreed key issue and the overall outcome they imply (V3, V5), and the
 * failings, actions, lessons and remedy that follow, with an apology that is
 * a real one (V5, F1). The draft that writes them out is draft.h's.
 *
 * Refusals and text follow casework.h's conventions (0, or -1 with the
 * cd_fail_t filled on `field` plus the member refused; NULL text reads as
 * ""). */
#ifndef INVESTIGATION_FINDINGS_H
#define INVESTIGATION_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "candour/calendar.h"
#include "candour/errcode.h"
#include "candour/v1/events.pb-c.h"

/* ============================================= V3, V5: findings and outcome */

/* The finding on one key issue. Zero is no verdict (refused). */
typedef enum {
    IV_VERDICT_NONE = 0,
    IV_VERDICT_UPHELD,        /* "upheld": the evidence supports it */
    IV_VERDICT_NOT_UPHELD,    /* "not-upheld": no evidence supports it */
    IV_VERDICT_NOT_ADDRESSED, /* "not-addressed": not looked into, for the reason given */
} iv_verdict_t;

/* "upheld", "not-upheld" or "not-addressed" into *out: 0, or -1 with err on
 * field (REQUIRED when empty, INVALID_ENUM otherwise). */
int iv_verdict_parse(const char *text, iv_verdict_t *out, const char *field, cd_fail_t *err);

typedef struct {
    const char *issue_id;                  /* the key issue it answers, 1..64, one line */
    iv_verdict_t verdict;                  /* what was found */
    const char *what_happened;             /* 1..10000, lines; may be empty when not addressed */
    const char *what_should_have_happened; /* same */
    const char *not_addressed_reason;      /* not addressed: why, 1..2000, lines; else "" */
} iv_finding_t;

/* One finding, on field (.issue_id, .verdict, .what_happened,
 * .what_should_have_happened, .not_addressed_reason): a verdict (INVALID_ENUM),
 * both accounts unless not addressed, the reason when not addressed and
 * no reason otherwise (INVALID_ARGUMENT: it would never reach the response). */
int iv_finding_check(const iv_finding_t *f, const char *field, cd_fail_t *err);

/* Every key issue of the case (issue_ids, in their order) has exactly one
 * finding. field is the findings list's path: a finding for an issue the case
 * does not have, or a second one for an issue, is INVALID_ARGUMENT on
 * field[i].issue_id; an issue with none is REQUIRED on field, naming the
 * issue; a case with no key issues is FAILED_PRECONDITION on field (V3: they
 * are agreed first). issue_ids holds no NULL (asserted). Cost n_issues *
 * n_findings comparisons (both at most a few dozen). */
int iv_findings_complete(const char *const *issue_ids, size_t n_issues,
                         const iv_finding_t *findings, size_t n_findings, const char *field,
                         cd_fail_t *err);

/* The overall outcome the findings imply (V5), of the issues addressed: all
 * upheld, OUTCOME_UPHELD; some, OUTCOME_PARTIALLY_UPHELD; none,
 * OUTCOME_NOT_UPHELD. No issue addressed (every finding NOT_ADDRESSED, or
 * none): OUTCOME_UNSPECIFIED, since no outcome follows from nothing. Asserts
 * that each verdict is valid (check the findings first). */
Candour__V1__Outcome iv_outcome_from_findings(const iv_finding_t *f, size_t n);

/* Whether a recorded overall outcome agrees with the findings: 0, or -1 with
 * err on field (the outcome's own path). An outcome not of the four is
 * INVALID_ENUM. OUTCOME_WITHDRAWN agrees with any findings (the complainant
 * withdrew). Otherwise it must be iv_outcome_from_findings' (INVALID_ARGUMENT,
 * saying what the findings imply); and when no key issue was addressed only
 * OUTCOME_WITHDRAWN fits (INVALID_ARGUMENT, saying why). */
int iv_outcome_consistent(Candour__V1__Outcome recorded, const iv_finding_t *f, size_t n,
                          const char *field, cd_fail_t *err);

/* ================================ V5, F1: actions, failings, lessons, remedy */

/* An action to stop it happening again. */
typedef struct {
    const char *description; /* what will be done, 1..2000, lines */
    const char *owner;       /* a staff id or a team, 1..200, one line */
    const char *due;         /* YYYY-MM-DD */
    int done;                /* non-zero once done */
    const char *done_on;     /* done: YYYY-MM-DD, not after today; else "" */
} iv_action_t;

/* One action, on field (.description, .owner, .due, .done_on). When
 * `creating`, the due date may not be before today (INVALID_ARGUMENT); an
 * action updated later keeps the date it was given. A done action needs
 * done_on (REQUIRED), not in the future (DATE_IN_FUTURE); one not done has
 * none (INVALID_ARGUMENT). */
int iv_action_check(const iv_action_t *a, cd_date_t today, int creating, const char *field,
                    cd_fail_t *err);

/* MarkActionDone (L1): an action recorded before is done, on done_on, after
 * the response went too. On field (.number, .done_on): the number from 1
 * (OUT_OF_RANGE); the day a date (REQUIRED, INVALID_DATE) not after today
 * (DATE_IN_FUTURE). */
int iv_action_done_check(int32_t number, const char *done_on, cd_date_t today, const char *field,
                         cd_fail_t *err);

/* The action as the case holds it: there (NOT_FOUND on field.number) and
 * not done already (FAILED_PRECONDITION on field.number, saying the day it
 * was: its record is changed only by recording the findings again). */
int iv_action_done_ok(int found, int done, const char *done_on_before, const char *field,
                      cd_fail_t *err);

/* A failing found, or a lesson learned: text 1..2000, lines, on field. */
int iv_failing_check(const char *text, const char *field, cd_fail_t *err);
int iv_lesson_check(const char *text, const char *field, cd_fail_t *err);

/* An apology for the response (F1): text 1..2000, lines, on field, that says
 * sorry or apologises in words (sorry, apologise, apologize, apology,
 * apologies), and holds none of the phrases that put the fault on the
 * complainant's feelings or make it conditional. Case is ignored, runs of
 * blanks count as one, and a curly apostrophe as a straight one. Refused
 * phrases (INVALID_ARGUMENT): "sorry", "apologise", "apologize", "apologies"
 * or "regret", then an optional "that", then any of
 *   feelings:     "you feel", "you felt", "you have felt", "you think", "you thought",
 *                 "you believe", "you perceive", "you perceived", "you were left
 *                 feeling", "you have been left feeling", "you've been left feeling",
 *                 "you are upset", "you're upset", "you were upset", "you are
 *                 unhappy", "you're unhappy", "you were unhappy"
 *   conditional:  "if"
 *   sympathy:     "to hear"
 * each as whole words ("sorry iffy" is not "sorry if"). Such a phrase is
 * refused even beside a real apology: it is not to be sent. */
int iv_apology_check(const char *text, const char *field, cd_fail_t *err);

/* The remedy: any of an apology, financial redress and a service change;
 * none at all is allowed (an outcome that needs an apology is
 * iv_conclusion_check's business). */
typedef struct {
    const char *apology;        /* "" none; else as iv_apology_check */
    int64_t redress_pence;      /* 0 none; else > 0 */
    const char *redress_for;    /* redress: what it is for, 1..2000, lines; else "" */
    const char *service_change; /* "" none; else 1..2000, lines */
} iv_remedy_t;

/* The remedy, on field (.apology, .redress_pence, .redress_for,
 * .service_change). A negative amount is OUT_OF_RANGE; an amount without
 * what it is for REQUIRED; a purpose without an amount INVALID_ARGUMENT. */
int iv_remedy_check(const iv_remedy_t *r, const char *field, cd_fail_t *err);

/* F1, V5: an UPHELD or PARTIALLY_UPHELD outcome means something went wrong,
 * so at least one failing is recorded (REQUIRED on field.failings) and the
 * remedy has an apology (REQUIRED on field.remedy.apology). Other outcomes
 * pass. */
int iv_conclusion_check(Candour__V1__Outcome outcome, size_t n_failings, int has_apology,
                        const char *field, cd_fail_t *err);

#endif
