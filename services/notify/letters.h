/* letters.h - the letters Candour writes, rendered as plain text, and the
 * rules about which may go (pure: no I/O).
 *
 * Plain English, addressed as the complainant asked, quoting the reference.
 * The final response always carries the Ombudsman's details (F3, Regs 14). */
#ifndef NOTIFY_LETTERS_H
#define NOTIFY_LETTERS_H

#include <stddef.h>

#include "candour/v1/complaint.pb-c.h"
#include "candour/v1/events.pb-c.h"

/* The opening every letter has: the address, the date, the reference and
 * "Dear <as asked>,". malloc'd; NULL on OOM. */
char *nt_letter_opening(const Candour__V1__Person *to, const char *reference, const char *today);

/* The kind of the letter asking the patient's consent (I2, consent.c). */
#define NT_KIND_CONSENT "consent-request"

/* I2, R2: a complaint made for a patient needs their consent. To the
 * patient (complainant names who complained for them): what was raised on
 * their behalf, that nothing is shared until they agree, and how to reply;
 * or, when the patient cannot be reached, to the complainant (complainant
 * NULL or the same person), asking them to have the patient sign and return
 * the consent. Either way: what happens if no consent comes. */
char *nt_render_consent_request(const Candour__V1__Person *to,
                                const Candour__V1__Person *complainant, const char *reference,
                                const char *today);

/* The letterhead atop a letter (compose.c): the body's Letterhead (its
 * settings, as JSON) as lines: name, address, postcode, telephone, email,
 * website; "" when it has none. malloc'd; NULL on OOM. */
char *nt_render_letterhead(const char *letterhead_json);

/* A template variable's value (compose.c). */
typedef struct {
    const char *name, *value;
} nt_var_t;

/* A template lookup over vars (nt_var_t[], ending {NULL}): the value, or
 * NULL when it has none or it is "". */
const char *nt_var_lookup(const char *name, void *arg);

/* Applies the body's templates (templates_json: {part: text}, from
 * notify.template_for) to a letter: the signature replaces the letter's
 * sign-off (from its last "Yours sincerely,"; signatory.name and .role are
 * read from it and added to vars, which must have room for two more and
 * end with {NULL}), the footer follows it, the letterhead replaces *head.
 * A part whose template cannot be rendered keeps Candour's words, and
 * *failed names it. 0, or -1 out of memory (the letter as it was). */
int nt_compose(char **letter, char **head, const char *templates_json, nt_var_t *vars,
               const char **failed);

/* The kind of the letter confirming a withdrawal. */
#define NT_KIND_WITHDRAWAL "withdrawal-confirmation"

/* Each renders into a malloc'd string (NULL on OOM). */

/* R4: the acknowledgement names who the complainant can talk to, with how
 * to reach them: the investigator assigned (req->contact->investigates), or
 * the complaints manager, who will say who investigates; with no contact,
 * req->handler as it stands. It offers to discuss how the complaint will be
 * handled and gives the response date. */
char *nt_render_acknowledgement(const Candour__V1__Person *to, const char *reference,
                                const char *today, const Candour__V1__LetterRequested *req);

/* R5: a progress update: the text staff wrote (signed by them, with how to
 * reach them), or, when ps->text is "", Candour's standard words (signed by
 * the complaints team); either way the response date as it now stands. */
char *nt_render_progress(const Candour__V1__Person *to, const char *reference, const char *today,
                         const Candour__V1__ProgressSent *ps);

/* R5, Regs reg. 14(2): the response is late: an apology, why (the reason as
 * recorded), when it can now be expected, and who to talk to. */
char *nt_render_late(const Candour__V1__Person *to, const char *reference, const char *today,
                     const Candour__V1__ResponseLate *rl);

/* The Ombudsman's name, as the final response gives it (F3): a draft that
 * holds it already gives the Ombudsman's details. */
#define NT_OMBUDSMAN "Parliamentary and Health Service Ombudsman"

/* The one response (F3). When ra->draft has text (the version signed, F2),
 * the body is that text as written (it sets out the findings, the partners'
 * parts and the apology itself), followed by the Ombudsman's details only
 * when it does not name the Ombudsman (NT_OMBUDSMAN). Otherwise the body is
 * written from ra: the outcome, the findings, each partner's part or the
 * plain statement that a waived part is not included and why (R3), an
 * apology when upheld, and the Ombudsman. Either way the letter opens with
 * the address, the date, the reference and the salutation (a draft that
 * opens with its own "Dear ..." keeps that one alone), and ends with the
 * signatory's name and role. */
char *nt_render_final_response(const Candour__V1__Person *to, const char *reference,
                               const char *today, const Candour__V1__ResponseApproved *ra);

/* The kind of the covering letter that goes with a final response (F2). */
#define NT_KIND_COVERING "covering-letter"

/* F2: the body's covering letter, as its last signatory sends it with the
 * response (ra->covering_letter, signed ra->covering_signed_by,
 * ra->covering_signatory_role): the text as the body wrote it, then the
 * signature, and a line saying the response is enclosed. */
char *nt_render_covering(const Candour__V1__Person *to, const char *reference, const char *today,
                         const Candour__V1__ResponseApproved *ra);

/* What happens to the complaint after triage, and why (I5, I5a, I6, R2, R3).
 * req->outcome "appeal" is an eligibility appeal only; req->appeal with any
 * other outcome is both (I6): the letter says the eligibility part went to
 * the appeals route and the rest is being dealt with as that outcome says.
 * NULL also when the outcome is not one nt_triage_outcome_known() knows:
 * better no letter (the event is refused, and seen) than a wrong one. */
char *nt_render_triage(const Candour__V1__Person *to, const char *reference, const char *today,
                       const Candour__V1__LetterRequested *req);
/* 1 if nt_render_triage has words for this outcome. */
int nt_triage_outcome_known(const char *outcome);

char *nt_render_extension(const Candour__V1__Person *to, const char *reference, const char *today,
                          const Candour__V1__DeadlineExtended *de);

/* The confirmation that a complaint is withdrawn: short, kind, and open to
 * the complainant coming back. The withdrawal's reason is the complainant's
 * own and is not quoted back. */
char *nt_render_withdrawal(const Candour__V1__Person *to, const char *reference, const char *today,
                           const Candour__V1__ComplaintWithdrawn *cw);

/* An alert for the complaints manager: references and dates only, never
 * the complainant's name or words (L5, and logs' rule). */
char *nt_render_alert(const char *reference, const Candour__V1__DeadlineAlert *da,
                      const char *raised_at);
/* Any alert (alerts.c) by its kind: "deadline" (nt_render_alert), or one
 * notify raises itself: "delivery-failed" (detail: which letter, by which
 * channel, after how many tries) or "access-need" (detail: the need a plain
 * letter does not meet, I7); or "spc" (detail: nt_spc_detail's facts). */
char *nt_render_alert_of(const char *kind, const char *reference,
                         const Candour__V1__DeadlineAlert *da, const char *detail,
                         const char *raised_at);

/* An SPC signal (spc.signal, issue 15 L6) as an alert: its reference, a
 * file-name-safe id of the body, month, dimension and code
 * ("SPC-RX1-202610-subject-clinical-treatment", "SPC-RX1-202610-total";
 * any other character '-', at most 64), -1 for a signal without a body, a
 * code, a dimension of provider, subject or service, or a month YYYY-MM; and
 * its facts (the alert's detail, kind "spc"): what rose, by how much
 * against the usual range, the rule, and the report to look at (NULL for an
 * unknown rule or a bad month). Codes and numbers only. */
int nt_spc_reference(const Candour__V1__SpcSignal *s, char *out, size_t n);
char *nt_spc_detail(const Candour__V1__SpcSignal *s);

/* I7: the needs of `to` that a standard or large-print letter does not meet
 * (easy read, Braille, audio, an interpreter), in words for the team's task
 * ("Braille; an interpreter"), without the person's own words; 0 when none
 * (out is ""), 1 when there is a task. */
int nt_access_task(const Candour__V1__Person *to, char *out, size_t n);

/* Whether a letter of `kind` may still go to a complainant who has withdrawn
 * the complaint: only the confirmation of the withdrawal. Every other letter
 * (acknowledgement, triage outcome, extension, final response) is recorded
 * as not sent. Alerts to the complaints manager are not letters: they go. */
int nt_letter_goes_after_withdrawal(const char *kind);
/* The kinds that do, NULL-terminated (the same rule, for a query). */
const char *const *nt_letters_after_withdrawal(void);

/* "post" or "email": the channel the letter goes by (preferred, else what we have). */
const char *nt_channel(const Candour__V1__Person *to);

/* A file-name-safe form of a reference: only [A-Za-z0-9-]; 0 if it had others. */
int nt_safe_reference(const char *reference);

#endif
