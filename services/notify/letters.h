/* letters.h - the letters Candour writes, rendered as plain text (pure).
 *
 * Plain English, addressed as the complainant asked, quoting the reference.
 * The final response always carries the Ombudsman's details (F3, Regs 14). */
#ifndef NOTIFY_LETTERS_H
#define NOTIFY_LETTERS_H

#include <stddef.h>

#include "candour/v1/complaint.pb-c.h"
#include "candour/v1/events.pb-c.h"

/* Render into a malloc'd string (NULL on OOM). */
char *nt_render_acknowledgement(const Candour__V1__Person *to, const char *reference,
                                const char *today, const Candour__V1__LetterRequested *req);
char *nt_render_final_response(const Candour__V1__Person *to, const char *reference,
                               const char *today, const Candour__V1__ResponseApproved *ra);

/* "post" or "email": the channel the letter goes by (preferred, else what we have). */
/* What happens to the complaint after triage, and why (I5, I5a, I6, R2). */
char *nt_render_triage(const Candour__V1__Person *to, const char *reference, const char *today,
                       const Candour__V1__LetterRequested *req);

char *nt_render_extension(const Candour__V1__Person *to, const char *reference,
                          const char *today, const Candour__V1__DeadlineExtended *de);

/* An alert for the complaints manager: references and dates only, never
 * the complainant's name or words (L5, and logs' rule). */
char *nt_render_alert(const char *reference, const Candour__V1__DeadlineAlert *da,
                      const char *raised_at);

const char *nt_channel(const Candour__V1__Person *to);

/* A file-name-safe form of a reference: only [A-Za-z0-9-]; 0 if it had others. */
int nt_safe_reference(const char *reference);

#endif
