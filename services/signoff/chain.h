/* chain.h - the signature chain (F2), pure: who signs a response, in which
 * order, and whether the person acting may sign the next step.
 *
 * A body configures its chain as data (signoff.chain_step): for a CSU that
 * investigates for an ICB, step 1 is the CSU's senior signatory and step 2
 * the ICB's responsible person, or a delegate the ICB authorised for a
 * period (signoff.delegation). A body with no chain has Candour's: one
 * step, a signatory or the responsible person of the body, or a signatory
 * another body authorised to sign for it (their signs_for). Every signature
 * is for one draft version (its SHA-256); a new version voids them and the
 * chain starts again. */
#ifndef SIGNOFF_CHAIN_H
#define SIGNOFF_CHAIN_H

#include <stddef.h>

#include "candour/calendar.h"
#include "candour/directory.h"
#include "candour/errcode.h"

#define SO_MAX_STEPS 5

/* One step. */
typedef struct {
    const char *signer_org; /* whose people sign it (its own body, or e.g. its CSU) */
    unsigned roles;         /* CD_ROLE_SIGNATORY and/or CD_ROLE_RESPONSIBLE_PERSON */
    const char *label;      /* "the CSU's senior signatory", for people */
    int covering;           /* the body's covering letter goes with the response from here */
} so_step_t;

/* A signature already given on the version awaiting signature. */
typedef struct {
    int step; /* 1-based */
    const char *staff_id;
} so_signed_t;

/* A delegation in the record: staff_id may sign, for org_id, the steps
 * that need one of roles, from `from` until `until` (both days included). */
typedef struct {
    const char *org_id;
    const char *staff_id;
    unsigned roles;
    cd_date_t from, until;
} so_delegation_t;

/* Candour's chain for body org (one step), into out[0]; returns 1. */
size_t so_chain_default(const char *org, so_step_t *out);

/* Whether a qualifies for step s on day today: their own body (or one that
 * authorised them, signs_for) and one of its roles; else a delegation in
 * force that day (*as_delegate then 1). */
int so_step_qualifies(const so_step_t *s, const cd_actor_t *a, const so_delegation_t *dels,
                      size_t ndels, cd_date_t today, int *as_delegate);

/* The step a signs now: the first not yet signed (0-based into steps), or
 * -1 with why, each on field "acting" unless said:
 *   every step signed already: FAILED_PRECONDITION on sign.complaint_ref;
 *   a signed an earlier step of this version: FAILED_PRECONDITION (one
 *     person does not sign twice);
 *   a is not for the next step but for a later one: FAILED_PRECONDITION
 *     (out of order: the next step's label signs first);
 *   a is for no step: PERMISSION_DENIED (naming who signs the next step). */
int so_chain_next(const so_step_t *steps, size_t n, const so_signed_t *done, size_t ndone,
                  const cd_actor_t *a, const so_delegation_t *dels, size_t ndels, cd_date_t today,
                  int *as_delegate, cd_fail_t *why);

/* A step as configured (candourctl chain set): signer_org an organisation
 * id, roles not 0, label 1..200 bytes; steps 1..SO_MAX_STEPS; the covering
 * letter only at the last step. 0, or -1 with why on field
 * "steps[i].<member>". */
int so_chain_check(const so_step_t *steps, size_t n, cd_fail_t *why);

#endif
