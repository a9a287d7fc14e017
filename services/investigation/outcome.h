/* outcome.h - investigation's rules for recording an outcome, pure: the
 * request itself (V5), the case's state as the lifecycle sees it, and the
 * partners' parts a coordinated complaint waits for (R3). */
#ifndef INVESTIGATION_OUTCOME_H
#define INVESTIGATION_OUTCOME_H

#include <stddef.h>

#include "candour/errcode.h"
#include "candour/lifecycle.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/events.pb-c.h"

/* 0 when the outcome may be recorded on an open case, else -1 with err. */
int iv_validate_outcome(const Candour__V1__RecordOutcome *ro, cd_fail_t *err);

/* The complaint's state as the case's own state shows it: 'open' is under
 * investigation, 'completed' awaiting sign-off, 'withdrawn' withdrawn;
 * anything else CD_STATE_NONE. */
cd_state_t iv_case_state(const char *state);

/* Whether a case in `state` may take an outcome: the lifecycle's answer for
 * CD_LC_INVESTIGATION_COMPLETED in iv_case_state(state). */
int iv_case_accepts_outcome(const char *state);

/* R3: the expected partners that have neither a part nor a waiver among
 * parts, each once, in the order expected, into out (room for npartners).
 * Returns how many. */
size_t iv_partners_outstanding(const char *const *partners, size_t npartners,
                               Candour__V1__Contribution *const *parts, size_t nparts,
                               const char **out);

/* Whether the outcome may be recorded now on a case in `state` that expects
 * `partners` and holds `parts`: 0, or -1 with err (FAILED_PRECONDITION on
 * record_outcome.complaint_ref). A withdrawn complaint or a case with an
 * outcome already is refused first; then one still waiting for a partner's
 * part, with a message naming the partners outstanding (as many as fit in
 * err->message, then how many more). */
int iv_outcome_allowed(const char *state, const char *const *partners, size_t npartners,
                       Candour__V1__Contribution *const *parts, size_t nparts, cd_fail_t *err);

#endif
