/* withheld.h - the names a case marks as not to be disclosed in the
 * response (another patient, a member of staff the body does not name), each
 * in every form the letter might use ("Karen Booth", "Ms Booth"): the rules,
 * pure (withheld.c), and the request that keeps them (withheld_ops.c).
 *
 * The list goes to sign-off in investigation.completed's summary, whose
 * quality gate looks for each name in the draft. A name too short would be
 * found all through a letter, and a name given twice is a slip, so both are
 * refused rather than kept.
 *
 * Refusals follow casework.h's conventions: 0, or -1 with the cd_fail_t
 * filled on `field` plus the member refused (".names", ".names[3]"). */
#ifndef INVESTIGATION_WITHHELD_H
#define INVESTIGATION_WITHHELD_H

#include <stddef.h>

#include "candour/errcode.h"
#include "candour/v1/api.pb-c.h"
#include "investigation.h"

#define IV_WITHHELD_MAX 50       /* names on one case (the table holds the bound too) */
#define IV_WITHHELD_NAME_MIN 2   /* bytes of a name */
#define IV_WITHHELD_NAME_MAX 200 /* bytes of a name */

/* Whether a and b are the same name to a reader: letters compared without
 * case (ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals, which
 * cover the names a body writes), and a run of blanks (space, no-break
 * space) counting as one. Bytes that are not UTF-8 compare as themselves.
 * NULL reads as "". */
int iv_withheld_same(const char *a, const char *b);

/* A list of names as SetWithheld gives it, in order: at most
 * IV_WITHHELD_MAX (TOO_MANY on field.names); each name (on field.names[i])
 * not empty (REQUIRED), at most IV_WITHHELD_NAME_MAX bytes (TOO_LONG), one
 * line of UTF-8 without control characters (INVALID_TEXT), at least
 * IV_WITHHELD_NAME_MIN bytes (INVALID_ARGUMENT), with no blank at either end
 * (INVALID_ARGUMENT: a name of blanks alone would match every gap between
 * words), and not the same (iv_withheld_same) as an earlier one
 * (INVALID_ARGUMENT, naming the earlier). An empty list is allowed: it clears
 * the case's. names may be NULL when n is 0; a NULL name reads as "". */
int iv_withheld_check(const char *const *names, size_t n, const char *field, cd_fail_t *why);

/* SetWithheld (withheld_ops.c): the investigator assigned to the case or a
 * complaints manager of its body replaces the case's list while the case is
 * open with an investigator (iv_case_workable); the reply is Done, and the
 * audit trail names the person. NOT_FOUND when there is no case;
 * FAILED_PRECONDITION on set_withheld.complaint_ref when the case closed or
 * was reassigned between the read and the write. */
void iv_set_withheld(cd_request_t *req, const Candour__V1__SetWithheld *s, iv_app_t *app);

#endif
