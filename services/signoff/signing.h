/* signing.h - sign-off's rules, pure: the signature request (F2) and which
 * drafts may be signed, as the lifecycle says. */
#ifndef SIGNOFF_SIGNING_H
#define SIGNOFF_SIGNING_H

#include "candour/errcode.h"
#include "candour/lifecycle.h"
#include "candour/v1/api.pb-c.h"

/* 0 when the signature request is complete, else -1 with err. */
int so_validate_sign(const Candour__V1__SignResponse *s, cd_fail_t *err);

/* The complaint's state as the draft's own state shows it:
 * 'awaiting-signature' is awaiting sign-off, 'approved' response approved,
 * 'withdrawn' withdrawn, 'returned' under investigation again; anything
 * else CD_STATE_NONE. */
cd_state_t so_draft_state(const char *state);

/* Whether a draft in `state` may be signed: the lifecycle's answer for
 * CD_LC_RESPONSE_APPROVED in so_draft_state(state). */
int so_draft_signable(const char *state);

/* The same as a refusal: 0, or -1 with err (FAILED_PRECONDITION on
 * sign.complaint_ref) saying why: the complaint was withdrawn, or the
 * response is already signed. */
int so_sign_allowed(const char *state, cd_fail_t *err);

/* Whether a draft in `state` may be sent back to the investigator (F2): 0,
 * or -1 with err (FAILED_PRECONDITION on return_draft.complaint_ref). */
int so_return_allowed(const char *state, cd_fail_t *err);

/* The reasons for a return: 1..4000 bytes of text, lines allowed (REQUIRED,
 * TOO_LONG, INVALID_TEXT on return_draft.reasons). */
int so_validate_return(const Candour__V1__ReturnDraft *r, cd_fail_t *err);

#endif
