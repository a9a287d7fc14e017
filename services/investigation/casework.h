/* casework.h - the investigation's rules, pure: the grading and the plan
 * (V2), the agreed key issues (V3), the evidence (V4), and the plain words
 * the draft response uses for them (F1). The rest of the rules have files of
 * their own, included here so that one include gives them all:
 * attachment.h, an evidence item's attachments (V4); findings.h, the
 * findings and the overall outcome (V3, V5) and the actions, failings,
 * lessons and remedy (V5, F1). (The clocks of the response, R5, are
 * routing's: services/routing/timing.h.)
 * The draft response that brings them together is draft.h's.
 *
 * No I/O: every answer is a function of the arguments, so the handlers that
 * read the case from the database and the request from the bus call these and
 * decide nothing themselves. What only the database knows (whether a KO41a
 * code is in the loaded lists, which key issues a case has) the caller looks
 * up and passes in, or checks itself.
 *
 * Refusals. Each check returns 0, or -1 with the cd_fail_t filled: a code
 * from errcode.h, the path of the field to fix and a plain-English message
 * for a complaints officer. The caller passes `field`, the path of the thing
 * being checked in its request ("record_findings.findings[2]",
 * "add_evidence.attachment"); the check appends the member it refuses
 * (".issue_id", ".media_type") or an index ("[3].issue_id"). A NULL or empty
 * `field` gives the member's own name alone. For a check of one value (an
 * outcome), `field` is that value's path and is used as it is.
 *
 * Text. Request structs hold text exactly as received; NULL is read as "".
 * Free text must be UTF-8 without control characters (cd_text_ok); where a
 * limit says "lines" it may hold newlines and tabs. Lengths are in bytes.
 * Dates from a request are "YYYY-MM-DD" text and checked here; dates the
 * caller already holds (today, a case's received or due date) are cd_date_t.
 *
 * Vocabularies are lower-case slugs on the wire ("staff-interviews"); each
 * has a parse function, and iv_*_words() give the words the draft uses. */
#ifndef INVESTIGATION_CASEWORK_H
#define INVESTIGATION_CASEWORK_H

#include <stddef.h>

#include "candour/calendar.h"
#include "candour/errcode.h"
#include "candour/v1/events.pb-c.h"

#include "attachment.h"
#include "findings.h"

/* ================================================================ V2: plan */

/* How serious the complaint is, which scales the investigation. */
typedef enum {
    IV_GRADING_LOW = 1, /* "low": straightforward; the documents answer it */
    IV_GRADING_MEDIUM,  /* "medium": needs the people involved heard */
    IV_GRADING_HIGH,    /* "high": serious harm or complex care; the full safeguards */
} iv_grading_t;

/* "low", "medium" or "high" (exactly, lower case) into *out: 0, or -1 with
 * err (REQUIRED when empty, INVALID_ENUM otherwise) on `field`. */
int iv_grading_parse(const char *text, iv_grading_t *out, const char *field, cd_fail_t *err);

/* The slug of g ("low"); asserts a valid grading. */
const char *iv_grading_name(iv_grading_t g);

/* The steps an investigation plan is made of, in the order they are listed
 * when a plan is written out.
 *   document-review              the complaint, the correspondence about it and the
 *                                policies that applied
 *   records-review               the patient's care records (clinical notes, care plans)
 *   complainant-meeting          a meeting or call with the complainant
 *   staff-interviews             accounts taken from the staff involved
 *   site-visit                   a visit to where the care was given
 *   independent-clinical-advice  advice from a clinician not involved in the care
 *   case-conference              a meeting of those involved to weigh the evidence */
typedef enum {
    IV_STEP_DOCUMENT_REVIEW,
    IV_STEP_RECORDS_REVIEW,
    IV_STEP_COMPLAINANT_MEETING,
    IV_STEP_STAFF_INTERVIEWS,
    IV_STEP_SITE_VISIT,
    IV_STEP_INDEPENDENT_CLINICAL_ADVICE,
    IV_STEP_CASE_CONFERENCE,
    IV_STEP_COUNT /* not a step: how many there are, and the most a plan holds */
} iv_step_t;

/* The step named by slug (exactly): 0 and *out, or -1. */
int iv_step_parse(const char *slug, iv_step_t *out);

/* The slug of s; asserts a valid step. */
const char *iv_step_name(iv_step_t s);

/* The default plan for a grading, into out (room for IV_STEP_COUNT);
 * returns how many steps. low: document-review. medium: + complainant-meeting,
 * staff-interviews. high: + independent-clinical-advice, case-conference.
 * Asserts a valid grading. */
size_t iv_plan_template(iv_grading_t g, iv_step_t out[IV_STEP_COUNT]);

/* An organisation's own template for a grading, as configured: slugs
 * separated by commas ("document-review,staff-interviews"), blanks around
 * each allowed. Writes the steps to steps_out (room for max) and returns how
 * many, or -1 with err on `field`: REQUIRED for an empty list, INVALID_ARGUMENT
 * for an empty item (",," or a trailing comma) or a step named twice,
 * INVALID_ENUM for a step not in the vocabulary, TOO_MANY when more than max.
 * The message names the item by its position. The safeguards a high grading
 * needs are not checked here: a template for high without them makes every
 * such case's plan need a reason in iv_plan_check. */
int iv_plan_parse(const char *text, iv_step_t *steps_out, size_t max, const char *field,
                  cd_fail_t *err);

/* A case's plan as staff set or edited it: the steps by slug and the reason
 * recorded for it (may be NULL or empty). Every step must be in the
 * vocabulary (INVALID_ENUM on field.steps[i]) and named once
 * (INVALID_ARGUMENT on field.steps[i]); a plan has at least one step
 * (REQUIRED on field.steps) and at most IV_STEP_COUNT (TOO_MANY). A HIGH
 * grading's plan without independent-clinical-advice or without
 * case-conference needs a reason (REQUIRED on field.reason): proportionality
 * is a judgment, but dropping the safeguards for a serious complaint must be
 * explained. A reason given is checked as text (1..2000 bytes, lines) even
 * where none is needed. When steps_out is not NULL (room for IV_STEP_COUNT)
 * the steps are written to it on success. Asserts a valid grading. */
int iv_plan_check(iv_grading_t g, const char *const *steps, size_t n, const char *reason,
                  iv_step_t *steps_out, const char *field, cd_fail_t *err);

/* ========================================================= V3: key issues */

#define IV_MAX_KEY_ISSUES 30 /* per case */
#define IV_MAX_CODE 64       /* a KO41a subject, service-area or profession code */

/* One key issue as agreed with the complainant at the start. */
typedef struct {
    const char *summary;      /* the issue in the complainant's terms, 1..2000, lines */
    const char *subject;      /* KO41a subject code, [a-z0-9-]{1,64} */
    const char *service_area; /* KO41a service-area code, same form */
    const char *profession;   /* KO41a profession (staff group) code, same form */
    const char *agreed_on;    /* YYYY-MM-DD, not after today */
    const char *agreed_how;   /* in-writing, by-telephone, in-a-meeting or by-email */
} iv_key_issue_t;

/* One key issue, on field (.summary, .subject, .service_area, .profession,
 * .agreed_on, .agreed_how): REQUIRED, TOO_LONG, INVALID_TEXT, INVALID_ARGUMENT
 * (a code not of the slug form), INVALID_DATE, DATE_IN_FUTURE or INVALID_ENUM.
 * Only the codes' form is checked: whether each is in the loaded KO41a lists
 * is for the caller to ask the database. */
int iv_key_issue_check(const iv_key_issue_t *ki, cd_date_t today, const char *field,
                       cd_fail_t *err);

/* How many key issues a case would hold: 1..IV_MAX_KEY_ISSUES, else REQUIRED
 * (none) or TOO_MANY on field. */
int iv_key_issue_count_check(size_t n, const char *field, cd_fail_t *err);

/* ============================================================ V4: evidence */

/* What a piece of evidence is. */
typedef enum {
    IV_EVIDENCE_COMPLAINANT_ACCOUNT, /* "complainant-account" */
    IV_EVIDENCE_STAFF_ACCOUNT,       /* "staff-account" */
    IV_EVIDENCE_RECORDS,             /* "records" */
    IV_EVIDENCE_POLICY_OR_GUIDANCE,  /* "policy-or-guidance" */
    IV_EVIDENCE_INDEPENDENT_ADVICE,  /* "independent-advice" */
    IV_EVIDENCE_OTHER,               /* "other" */
    IV_EVIDENCE_COUNT                /* not a kind */
} iv_evidence_kind_t;

/* The kind named by slug (exactly): 0 and *out, or -1. */
int iv_evidence_kind_parse(const char *slug, iv_evidence_kind_t *out);

/* One item of evidence, recorded factually. flag marks what must not be
 * smoothed over: "discrepancy" (it disagrees with other evidence) or "gap"
 * (something that should exist does not), "" for neither. */
typedef struct {
    const char *kind;      /* an iv_evidence_kind_t slug */
    const char *source;    /* who or what it came from (a job title, not a name), 1..200 */
    const char *date;      /* YYYY-MM-DD, not after today */
    const char *summary;   /* what it says, factually, 1..10000, lines */
    const char *flag;      /* "", "discrepancy" or "gap" */
    const char *flag_note; /* flagged: what disagrees or is missing, 1..2000, lines; else "" */
} iv_evidence_t;

/* One item, on field (.kind, .source, .date, .summary, .flag, .flag_note).
 * A note without a flag is refused (INVALID_ARGUMENT), so that nothing
 * flagged is lost by a cleared flag. */
int iv_evidence_check(const iv_evidence_t *ev, cd_date_t today, const char *field, cd_fail_t *err);
/* ======================================================== plain words */

/* Words for the response, static; NULL for a value outside the vocabulary.
 * iv_outcome_words: "upheld", "partly upheld", "not upheld", "withdrawn".
 * iv_step_words: what we did, to follow "we " ("read the care records").
 * iv_evidence_kind_words: a noun phrase ("an account from a member of staff").
 * iv_verdict_words: "upheld", "not upheld", "not addressed". */
const char *iv_outcome_words(Candour__V1__Outcome o);
const char *iv_step_words(iv_step_t s);
const char *iv_evidence_kind_words(iv_evidence_kind_t k);
const char *iv_verdict_words(iv_verdict_t v);

/* d written out for a letter, "4 December 2026", into out (at least
 * IV_LONG_DATE_LEN bytes). Asserts a valid date. */
#define IV_LONG_DATE_LEN 24
void iv_date_words(cd_date_t d, char out[IV_LONG_DATE_LEN]);

#endif
