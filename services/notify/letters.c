/* letters.c - the letters Candour writes, and which may go (see letters.h).
 * Pure: text in, text out. */
#include "letters.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"

/* A growing text buffer. */
typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} s_buf_t;

static void s_add(s_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_add(s_buf_t *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap : 1024);
        while (b->len + (size_t)n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static char *s_done(s_buf_t *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    return b->p;
}

/* A date as people read it ("Friday 4 December 2026"), or as given when it
 * is not a date. */
static const char *s_when(const char *iso, char out[48])
{
    cd_date_t d;
    if (cd_date_parse(iso, &d) != 0)
        return iso;
    cd_date_words(d, 1, out, 48);
    return out;
}

/* The address, the date, the reference, and (salute) "Dear <as asked>,". */
static void s_header_as(s_buf_t *b, const Candour__V1__Person *to, const char *reference,
                        const char *today, int salute)
{
    s_add(b, "%s\n", to->name);
    for (size_t i = 0; i < to->n_address; i++)
        s_add(b, "%s\n", to->address[i]);
    if (to->postcode[0])
        s_add(b, "%s\n", to->postcode);
    if (!to->n_address && to->email[0])
        s_add(b, "%s\n", to->email);
    char w[48];
    s_add(b, "\n%s\n\nOur reference: %s\n\n", s_when(today, w), reference);
    if (salute)
        s_add(b, "Dear %s,\n\n", to->address_as[0] ? to->address_as : to->name);
}

static void s_header(s_buf_t *b, const Candour__V1__Person *to, const char *reference,
                     const char *today)
{
    s_header_as(b, to, reference, today, 1);
}

char *nt_letter_opening(const Candour__V1__Person *to, const char *reference, const char *today)
{
    s_buf_t b = {0};
    s_header(&b, to, reference, today);
    return s_done(&b);
}

/* Whether a draft opens with its own salutation ("Dear ..." on its first
 * line): the sign-off gate has checked it is as the complainant asked. */
static int s_salutes(const char *text)
{
    while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
        text++;
    return strncmp(text, "Dear ", 5) == 0;
}

static const char *s_outcome_words(Candour__V1__Outcome o)
{
    switch (o) {
    case CANDOUR__V1__OUTCOME__OUTCOME_UPHELD:
        return "We have upheld your complaint: the evidence supports what you told us.";
    case CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD:
        return "We have partly upheld your complaint: the evidence supports some, but not all,"
               " of what you told us.";
    case CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD:
        return "We have not upheld your complaint: we did not find evidence that supports it.";
    case CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN:
        return "You told us you wished to withdraw your complaint, so we have closed it.";
    default:
        return "We have finished looking into your complaint.";
    }
}

/* How to reach a member of staff: " by email at ... or by telephone on ...",
 * as much as the directory holds (nothing: ""). */
static void s_reach(s_buf_t *b, const Candour__V1__Contact *c)
{
    if (c->email[0] && c->phone[0])
        s_add(b, " by email at %s or by telephone on %s", c->email, c->phone);
    else if (c->email[0])
        s_add(b, " by email at %s", c->email);
    else if (c->phone[0])
        s_add(b, " by telephone on %s", c->phone);
}

/* "Name, Job title" (or the name alone). */
static void s_who(s_buf_t *b, const Candour__V1__Contact *c)
{
    s_add(b, "%s%s%s", c->name, c->job_title[0] ? ", " : "", c->job_title);
}

/* The letter's closing: the person who wrote it, or the team. */
static void s_sign(s_buf_t *b, const Candour__V1__Contact *from)
{
    if (from && from->name[0])
        s_add(b, "Yours sincerely,\n\n%s\n%s%s", from->name, from->job_title,
              from->job_title[0] ? "\n" : "");
    else
        s_add(b, "Yours sincerely,\n\nThe Complaints Team\n");
}

char *nt_render_acknowledgement(const Candour__V1__Person *to, const char *reference,
                                const char *today, const Candour__V1__LetterRequested *req)
{
    s_buf_t b = {0};
    char w[48];
    s_header(&b, to, reference, today);
    s_add(&b, "Thank you for your complaint. We received it and will look into it carefully and"
              " fairly.\n\n");
    const Candour__V1__Contact *c = req->contact && req->contact->name[0] ? req->contact : NULL;
    if (c && c->investigates) {
        /* R4: the person who will investigate, and how to reach them. */
        s_add(&b, "The person looking into your complaint is ");
        s_who(&b, c);
        s_add(&b, ". You can contact them");
        s_reach(&b, c);
        s_add(&b, "%s quoting the reference above.\n\n", c->email[0] || c->phone[0] ? "," : "");
    } else if (c) {
        /* No investigator named yet: the complaints manager, who is. */
        s_add(&b, "Your complaint is with ");
        s_who(&b, c);
        s_add(&b, ", who is responsible for how it is handled and will arrange for it to be"
                  " looked into. We will tell you who is investigating it. You can contact them");
        s_reach(&b, c);
        s_add(&b, "%s quoting the reference above.\n\n", c->email[0] || c->phone[0] ? "," : "");
    } else {
        s_add(&b, "The person looking into it will be %s.\n\n",
              req->handler[0] ? req->handler : "a member of our complaints team");
    }
    s_add(&b,
          "We would like to talk with you about how we will handle your complaint and when you"
          " can expect our response: please contact us, quoting the reference above, and tell us"
          " a time that suits you.\n\n"
          "If we do not hear from you, we aim to send you our full response by %s, and we will"
          " keep you informed of our progress. If we need longer, we will explain why and agree"
          " a new date with you.\n\n"
          "You can get free, independent help with your complaint from an NHS complaints"
          " advocate. Your local council can tell you who provides advocacy in your area.\n\n",
          req->response_due[0] ? s_when(req->response_due, w) : "the date we agree with you");
    s_sign(&b, c && c->investigates ? c : NULL);
    return s_done(&b);
}

char *nt_render_progress(const Candour__V1__Person *to, const char *reference, const char *today,
                         const Candour__V1__ProgressSent *ps)
{
    s_buf_t b = {0};
    char w[48];
    s_header(&b, to, reference, today);
    s_add(&b, "We are writing to let you know how our work on your complaint is going.\n\n");
    if (ps->text[0]) {
        size_t n = strlen(ps->text);
        while (n && strchr(" \t\r\n", ps->text[n - 1]))
            n--;
        s_add(&b, "%.*s\n\n", (int)n, ps->text);
    } else {
        s_add(&b, "We are still looking into your complaint. We have not forgotten it, and the"
                  " people looking into it are working through what happened.\n\n");
    }
    s_add(&b,
          "We expect to send you our full response by %s. If that changes, we will tell you"
          " why and agree a new date with you.\n\n",
          s_when(ps->response_due, w));
    const Candour__V1__Contact *from = ps->from && ps->from->name[0] ? ps->from : NULL;
    if (from && (from->email[0] || from->phone[0])) {
        s_add(&b, "If you would like to talk about your complaint, you can contact me");
        s_reach(&b, from);
        s_add(&b, ".\n\n");
    } else {
        s_add(&b, "If you would like to talk about your complaint, please contact us, quoting"
                  " the reference above.\n\n");
    }
    s_sign(&b, from);
    return s_done(&b);
}

char *nt_render_late(const Candour__V1__Person *to, const char *reference, const char *today,
                     const Candour__V1__ResponseLate *rl)
{
    s_buf_t b = {0};
    char w[48], w2[48];
    s_header(&b, to, reference, today);
    size_t n = strlen(rl->reason);
    while (n && strchr(" \t\r\n", rl->reason[n - 1]))
        n--;
    int ends = n && strchr(".!?", rl->reason[n - 1]) != NULL;
    s_add(&b,
          "We are sorry: we have not been able to send you our response to your complaint by"
          " %s, the date we gave you.\n\n"
          "This is why: %.*s%s\n\n"
          "We now expect to send it to you by %s, and we will send it as soon as we can.\n\n",
          s_when(rl->due, w), (int)n, rl->reason, ends ? "" : ".", s_when(rl->expected_by, w2));
    const Candour__V1__Contact *from = rl->from && rl->from->name[0] ? rl->from : NULL;
    if (from && (from->email[0] || from->phone[0])) {
        s_add(&b, "If you would like to talk about the delay, you can contact me");
        s_reach(&b, from);
        s_add(&b, ".");
    } else {
        s_add(&b, "If you would like to talk about the delay, please contact us, quoting the"
                  " reference above.");
    }
    s_add(&b, " If you are unhappy about it, you can also ask the " NT_OMBUDSMAN
              " to look at your complaint (telephone 0345 015 4033, www.ombudsman.org.uk).\n\n");
    s_sign(&b, from);
    return s_done(&b);
}

/* One partner's part of the coordinated response (R3): what it found, or,
 * when the complaints manager recorded that the response goes without it,
 * that it is missing and why. */
static void s_contribution(s_buf_t *b, const Candour__V1__Contribution *c)
{
    s_add(b, "What %s found\n\n", c->org);
    if (!c->waived) {
        s_add(b, "%s\n\n", c->findings);
        return;
    }
    s_add(b,
          "We asked %s to look into its part of your complaint, but its findings are not"
          " included in this response.",
          c->org);
    if (c->reason[0]) {
        /* The reason as the complaints manager wrote it, as a sentence. */
        size_t n = strlen(c->reason);
        int ends = strchr(".!?", c->reason[n - 1]) != NULL;
        s_add(b, " This is why: %s%s", c->reason, ends ? "" : ".");
    }
    s_add(b, "\n\n");
}

/* F3: the right to go to the Ombudsman, with its contact details. */
static void s_ombudsman(s_buf_t *b)
{
    s_add(b, "If you are not happy with our response\n\n"
             "Please contact us first: we are happy to meet you or talk it through. If you remain"
             " unhappy, you have the right to ask the Parliamentary and Health Service Ombudsman to"
             " look at your complaint. The Ombudsman makes final decisions on complaints that have"
             " not been resolved by the NHS in England. Its service is free.\n\n"
             "  Parliamentary and Health Service Ombudsman\n"
             "  Millbank Tower, Millbank, London SW1P 4QP\n"
             "  Telephone: 0345 015 4033\n"
             "  Website: www.ombudsman.org.uk\n\n");
}

/* The signed draft as the letter's body: its text as written, ending in one
 * blank line, and the Ombudsman's details after it unless it gives them. */
static void s_draft_body(s_buf_t *b, const char *text)
{
    while (*text == '\n' || *text == '\r')
        text++;
    size_t n = strlen(text);
    while (n && strchr(" \t\r\n", text[n - 1]))
        n--;
    s_add(b, "%.*s\n\n", (int)n, text);
    if (!strstr(text, NT_OMBUDSMAN))
        s_ombudsman(b);
}

char *nt_render_final_response(const Candour__V1__Person *to, const char *reference,
                               const char *today, const Candour__V1__ResponseApproved *ra)
{
    s_buf_t b = {0};
    int own = ra->draft && ra->draft->text[0] && s_salutes(ra->draft->text);
    s_header_as(&b, to, reference, today, !own);
    if (ra->draft && ra->draft->text[0]) {
        s_draft_body(&b, ra->draft->text);
    } else {
        s_add(&b,
              "Thank you for your patience while we looked into your complaint. This letter is"
              " our response.\n\n"
              "What we found\n\n%s\n\n%s\n\n",
              s_outcome_words(ra->outcome), ra->findings);
        for (size_t i = 0; i < ra->n_contributions; i++)
            s_contribution(&b, ra->contributions[i]);
        if (ra->outcome == CANDOUR__V1__OUTCOME__OUTCOME_UPHELD ||
            ra->outcome == CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD)
            s_add(&b, "We are sorry for what went wrong.\n\n");
        s_ombudsman(&b);
    }
    s_add(&b, "Yours sincerely,\n\n%s\n%s\n", ra->signed_by, ra->signatory_role);
    return s_done(&b);
}

char *nt_render_covering(const Candour__V1__Person *to, const char *reference, const char *today,
                         const Candour__V1__ResponseApproved *ra)
{
    s_buf_t b = {0};
    s_header(&b, to, reference, today);
    const char *text = ra->covering_letter;
    while (*text == '\n' || *text == '\r')
        text++;
    size_t n = strlen(text);
    while (n && strchr(" \t\r\n", text[n - 1]))
        n--;
    s_add(&b, "%.*s\n\n", (int)n, text);
    /* The enclosure said once: the body's words may say it already. */
    if (!strstr(ra->covering_letter, "enclos") && !strstr(ra->covering_letter, "Enclos"))
        s_add(&b, "Our response to your complaint is enclosed with this letter.\n\n");
    s_add(&b, "Yours sincerely,\n\n%s\n%s\n", ra->covering_signed_by, ra->covering_signatory_role);
    return s_done(&b);
}

/* ------------------------------------------------------------- triage */

/* What each triage outcome tells the complainant. */
static void s_not_required(s_buf_t *b, const Candour__V1__LetterRequested *req)
{
    s_add(b,
          "We have looked carefully at what you told us, and this is not something the NHS"
          " complaints regulations require us to investigate as a complaint, because it is"
          " %s.\n\n"
          "This does not stop you contacting the Parliamentary and Health Service Ombudsman"
          " (telephone 0345 015 4033, www.ombudsman.org.uk), who can look at whether we were"
          " right.\n\n",
          req->reason);
}

static void s_out_of_time(s_buf_t *b, const Candour__V1__LetterRequested *req)
{
    s_add(b,
          "The NHS complaints regulations ask for a complaint to be made within 12 months of"
          " what happened, or of when you found out about it. Yours reached us after that"
          " time, and we have decided that we cannot look into it now: %s\n\n"
          "If you disagree with this decision, you can ask the Parliamentary and Health Service"
          " Ombudsman to look at it (telephone 0345 015 4033, www.ombudsman.org.uk).\n\n",
          req->reason);
}

static void s_appeal_only(s_buf_t *b, const Candour__V1__LetterRequested *req)
{
    (void)req;
    s_add(b, "You disagree with a decision about eligibility for NHS Continuing Healthcare. That"
             " is dealt with as an appeal against the decision, not as a complaint, and we have"
             " passed it to the appeals team, who will write to you.\n\n");
}

static void s_to_provider(s_buf_t *b, const Candour__V1__LetterRequested *req)
{
    s_add(b,
          "With the consent you gave, we have passed your complaint to the organisation that"
          " provides the service (%s), which will investigate and reply to you. Your complaint"
          " counts as made to them from the day they received it.\n\n",
          req->lead_org);
}

static void s_to_nhse(s_buf_t *b, const Candour__V1__LetterRequested *req)
{
    (void)req;
    s_add(b, "Your complaint is about services that NHS England commissions directly, so with"
             " your agreement we have sent it to NHS England, which will handle it and reply to"
             " you.\n\n");
}

static void s_coordinate(s_buf_t *b, const Candour__V1__LetterRequested *req)
{
    s_add(b,
          "Several organisations are involved in what you told us. %s will lead and send you"
          " one response covering all of it.\n\n",
          req->lead_org);
}

static void s_handle_here(s_buf_t *b, const Candour__V1__LetterRequested *req)
{
    (void)req;
    s_add(b, "We will look into it ourselves, and send you our response.\n\n");
}

/* goes_ahead: the complaint is looked into (by us or another body), rather
 * than declined. The "passed-"/"redirected-" names are the older spellings. */
static const struct {
    const char *outcome;
    void (*words)(s_buf_t *b, const Candour__V1__LetterRequested *req);
    int goes_ahead;
} s_triage[] = {
    {"handle-here", s_handle_here, 1},
    {"pass-to-provider", s_to_provider, 1},
    {"passed-to-provider", s_to_provider, 1},
    {"redirect-nhse", s_to_nhse, 1},
    {"redirected-to-nhse", s_to_nhse, 1},
    {"coordinate", s_coordinate, 1},
    {"appeal", s_appeal_only, 0},
    {"not-required", s_not_required, 0},
    {"already-investigated", s_not_required, 0},
    {"declined-out-of-time", s_out_of_time, 0},
};

static int s_triage_row(const char *outcome)
{
    for (size_t i = 0; i < sizeof s_triage / sizeof s_triage[0]; i++)
        if (strcmp(s_triage[i].outcome, outcome) == 0)
            return (int)i;
    return -1;
}

int nt_triage_outcome_known(const char *outcome)
{
    return s_triage_row(outcome) >= 0;
}

char *nt_render_triage(const Candour__V1__Person *to, const char *reference, const char *today,
                       const Candour__V1__LetterRequested *req)
{
    int row = s_triage_row(req->outcome);
    if (row < 0)
        return NULL;
    s_buf_t b = {0};
    s_header(&b, to, reference, today);
    /* I6: "appeal" is an appeal only; the flag with any other outcome is both. */
    int both = req->appeal && s_triage[row].words != s_appeal_only;
    if (both) {
        s_add(&b, "Thank you for contacting us. Part of what you told us is a disagreement with a"
                  " decision about eligibility for NHS Continuing Healthcare. That part is dealt"
                  " with as an appeal against the decision, not as a complaint, so we have passed"
                  " it to the appeals team, who will write to you about it.\n\n");
        s_add(&b, "%s",
              s_triage[row].goes_ahead ? "The rest of what you told us is a complaint, and it"
                                         " is being dealt with as one. "
                                       : "As for the rest of what you told us:\n\n");
    } else {
        s_add(&b, "%s",
              s_triage[row].goes_ahead ? "Thank you for your complaint. "
                                       : "Thank you for contacting us. ");
    }
    s_triage[row].words(&b, req);
    s_add(&b, "If you have any questions, please contact us, quoting the reference above.\n\n"
              "Yours sincerely,\n\nThe Complaints Team\n");
    return s_done(&b);
}

char *nt_render_extension(const Candour__V1__Person *to, const char *reference, const char *today,
                          const Candour__V1__DeadlineExtended *de)
{
    s_buf_t b = {0};
    char w[48], w2[48];
    s_header(&b, to, reference, today);
    s_add(
        &b,
        "We are writing about the time we need to answer your complaint.\n\n"
        "As we agreed with you, we will now send you our full response by %s (we had said %s).\n\n"
        "Why we need longer: %s\n\n"
        "We are sorry for the wait, and we will keep you informed of our progress. If you have"
        " any questions, please contact us, quoting the reference above.\n\n"
        "Yours sincerely,\n\nThe Complaints Team\n",
        s_when(de->new_due, w), s_when(de->old_due, w2), de->reason);
    return s_done(&b);
}

char *nt_render_withdrawal(const Candour__V1__Person *to, const char *reference, const char *today,
                           const Candour__V1__ComplaintWithdrawn *cw)
{
    (void)cw;
    s_buf_t b = {0};
    s_header(&b, to, reference, today);
    s_add(&b, "Thank you for letting us know that you would like to withdraw your complaint. We"
              " have done as you asked and closed it, and we will not write to you about it"
              " again.\n\n"
              "If you change your mind, or something else worries you, you are welcome to come"
              " back to us at any time: please contact us, quoting the reference above. We would"
              " be glad to hear from you.\n\n"
              "Thank you for taking the time to tell us about your experience.\n\n"
              "Yours sincerely,\n\nThe Complaints Team\n");
    return s_done(&b);
}

static const char *const s_after_withdrawal[] = {NT_KIND_WITHDRAWAL, NULL};

const char *const *nt_letters_after_withdrawal(void)
{
    return s_after_withdrawal;
}

int nt_letter_goes_after_withdrawal(const char *kind)
{
    for (const char *const *k = s_after_withdrawal; *k; k++)
        if (strcmp(*k, kind) == 0)
            return 1;
    return 0;
}

const char *nt_channel(const Candour__V1__Person *to)
{
    if (to->preferred_channel == CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL && to->email[0])
        return "email";
    if (to->n_address)
        return "post";
    return to->email[0] ? "email" : "post";
}

int nt_safe_reference(const char *reference)
{
    size_t n = strlen(reference);
    return n > 0 && n <= 64 &&
           strspn(reference, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") ==
               n;
}
