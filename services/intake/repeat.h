/* repeat.h - whether a complaint comes from someone who complained to the
 * same body before (issue 15, L1: repeats by the same complainant). Pure:
 * two people as the complaints name them in, a yes or no out.
 *
 * Intake says so in complaint.received as the earlier complaint's reference
 * only (repeat_of); reporting counts them and never sees who they are.
 *
 * The same complainant: the same email address, or the same name at the same
 * postcode.
 *   email     both have one and they are equal once blanks around them are
 *             dropped and letters A-Z put in lower case ("Ann@X.org " is
 *             "ann@x.org")
 *   name and  both have a name and a postcode; the names are equal in their
 *   postcode  letters and digits alone, in lower case (punctuation and blanks
 *             dropped: "Mary-Jane O'Brien" is "mary jane obrien"), and the
 *             postcodes likewise in upper case ("sw1a 1aa" is "SW1A1AA")
 * Either is enough: a person who writes from a new email address at the same
 * address is still the same person. Nothing else (a telephone number, the
 * patient) is compared: a household shares those.
 *
 * In the 12 months before: received before this one, on or after the same
 * day of the month (London days) a year earlier (29 February: the 28th). */
#ifndef INTAKE_REPEAT_H
#define INTAKE_REPEAT_H

#include <stddef.h>
#include <stdint.h>

#include "candour/v1/complaint.pb-c.h"

/* Non-zero when a and b (either may be NULL: no) are the same complainant. */
int in_same_complainant(const Candour__V1__Person *a, const Candour__V1__Person *b);

/* Non-zero when a complaint received at earlier_us (Unix microseconds) was
 * in the 12 months before one received at later_us. */
int in_repeat_window(int64_t earlier_us, int64_t later_us);

/* The forms compared (out: at least len bytes, NUL-ended, truncated to it):
 * the email address, the name, the postcode. "" for none. */
void in_email_key(const char *email, char *out, size_t len);
void in_name_key(const char *name, char *out, size_t len);
void in_postcode_key(const char *postcode, char *out, size_t len);

#endif
