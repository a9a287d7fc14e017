/* draft.h - the draft of the response to a complaint (F1, F3), written
 * from the investigation's record: what was complained about, how it was
 * investigated, what was found on each key issue, the partners' parts, the
 * conclusions, the apology, the actions and lessons, the remedy, how the
 * complainant will hear about changes, and the Ombudsman.
 *
 * Pure and deterministic: the same input gives the same bytes, because
 * sign-off signs a version of the draft by its SHA-256. No clock is read;
 * dates are the input's own. The complainant's name is not in the input (the
 * letter's salutation is notify's), and the draft names no one: staff appear
 * by job title where the input puts one (an evidence item's source), and an
 * action's owner (a staff id or a team) is left out. */
#ifndef INVESTIGATION_DRAFT_H
#define INVESTIGATION_DRAFT_H

#include <stddef.h>

#include "candour/v1/events.pb-c.h"
#include "casework.h"

/* What the draft is written from. Everything is as stored after the checks of
 * casework.h passed; NULL text reads as "", and a list may be NULL when its
 * count is 0. */
typedef struct {
    const char *opening; /* the organisation's opening paragraph(s); "": ours */
    const char *closing; /* its closing paragraph(s), last in the draft; "": ours */

    const iv_key_issue_t *issues; /* the agreed key issues, in the order agreed */
    const iv_finding_t *findings; /* findings[i] answers issues[i]: n_issues of them */
    size_t n_issues;

    const char *const *steps; /* the plan's steps, slugs (iv_step_name), in order */
    size_t n_steps;
    const iv_evidence_t *evidence; /* the evidence considered, in the order recorded */
    size_t n_evidence;

    /* The partners' parts (R3): each one's findings, or, waived, that it was
     * not received and the reason recorded. */
    Candour__V1__Contribution *const *parts;
    size_t n_parts;

    Candour__V1__Outcome outcome; /* the overall outcome (iv_outcome_consistent) */
    const char *const *failings;  /* the failings found */
    size_t n_failings;
    const iv_action_t *actions; /* the actions, with due or done dates */
    size_t n_actions;
    const char *const *lessons; /* the lessons learned */
    size_t n_lessons;
    iv_remedy_t remedy;    /* apology, financial redress, service change */
    const char *follow_up; /* how the complainant will hear about changes; "": ours */
} iv_draft_input_t;

/* The draft as UTF-8 plain text, malloc'd (the caller frees it); NULL when
 * out of memory. Paragraphs are separated by a blank line, headings stand on
 * their own line, lists are "- item" or "1. item"; the input's own text is
 * kept as written (its line breaks included). In order:
 *   the opening (in->opening, or ours);
 *   "What you complained about": the key issues, numbered;
 *   "How we looked into your complaint": the plan's steps in words, then each
 *     item of evidence by kind, source and date (never its content), with any
 *     discrepancy or gap recorded against it;
 *   "What we found": each key issue in order with what happened, what should
 *     have happened and whether it is upheld, or why it is not addressed;
 *   "What <partner> found" for each partner's part, or that it is missing and why;
 *   "Our conclusions": the overall outcome in plain words and the failings found;
 *   "Our apology", when the outcome is upheld or partly upheld: the remedy's
 *     apology (or, missing, a plain "We are sorry for what went wrong.");
 *   "What we are doing about it": the actions ("done on 4 December 2026" or
 *     "to be done by ..."), and "What we have learned": the lessons;
 *   "Putting things right": financial redress (in pounds) and service change,
 *     when there is either;
 *   "How we will tell you about changes" (in->follow_up, or ours);
 *   "If you are not happy with our response": the Parliamentary and Health
 *     Service Ombudsman's details, worded as notify's letters word them;
 *   the closing (in->closing, or ours).
 * A section with nothing in it is left out, except the ones F1 and F3 always
 * ask for (the complaint, how it was looked into, the findings, the
 * conclusions, how changes will be told, the Ombudsman). An unknown slug (a
 * step or a kind of evidence) is written as it is rather than dropped.
 * Asserts in != NULL, and findings != NULL when n_issues > 0. */
char *iv_draft_render(const iv_draft_input_t *in);

#endif
