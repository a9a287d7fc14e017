/* draft.c - the draft response, written from the investigation's record
 * (see draft.h). Pure text assembly: every word comes from the input or from
 * the fixed sentences here, so the same input gives the same bytes. */
#include "draft.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- text */

/* The draft as it grows; once an allocation fails it only counts the loss,
 * and s_finish gives NULL. */
typedef struct {
    char *text;  /* len bytes written, NUL-terminated while not failed */
    size_t len;  /* bytes written */
    size_t room; /* bytes allocated */
    int failed;  /* an allocation failed: the draft is lost */
} s_text_t;

static void s_put(s_text_t *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->room) {
        size_t room = t->room ? t->room : 4096;
        while (t->len + n + 1 > room)
            room *= 2;
        char *p = realloc(t->text, room);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->text = p;
        t->room = room;
    }
    memcpy(t->text + t->len, s, n);
    t->len += n;
    t->text[t->len] = 0;
}

static void s_puts(s_text_t *t, const char *s)
{
    s_put(t, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void s_putf(s_text_t *t, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        s_put(t, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        t->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s_put(t, big, (size_t)n);
    free(big);
}

/* The input's text without its trailing blanks and line breaks, so that a
 * paragraph ends where its words do: its length. */
static size_t s_trimmed(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    while (n && strchr(" \t\r\n", s[n - 1]))
        n--;
    return n;
}

/* s as written (trimmed), with a full stop added when it ends without one. */
static void s_sentence(s_text_t *t, const char *s)
{
    size_t n = s_trimmed(s);
    s_put(t, s ? s : "", n);
    if (n && !strchr(".!?", s[n - 1]))
        s_puts(t, ".");
}

static void s_heading(s_text_t *t, const char *h)
{
    s_putf(t, "%s\n\n", h);
}

/* A paragraph of the input's text, or def when it has none. */
static void s_paragraph(s_text_t *t, const char *s, const char *def)
{
    size_t n = s_trimmed(s);
    if (n)
        s_put(t, s, n);
    else
        s_puts(t, def);
    s_puts(t, "\n\n");
}

/* A date written out ("4 December 2026"); text that is not a date as it is. */
static void s_date(s_text_t *t, const char *ymd)
{
    cd_date_t d;
    char w[IV_LONG_DATE_LEN];
    if (cd_date_parse(ymd, &d) == 0) {
        iv_date_words(d, w);
        s_puts(t, w);
    } else {
        s_puts(t, ymd ? ymd : "");
    }
}

/* An amount in pence as pounds: 123456 -> "£1,234.56". */
static void s_money(s_text_t *t, int64_t pence)
{
    char digits[24], out[40];
    int64_t pounds = pence / 100;
    int nd = snprintf(digits, sizeof digits, "%" PRId64, pounds), o = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = 0;
    s_putf(t, "\xc2\xa3%s.%02d", out, (int)(pence % 100));
}

/* A phrase from casework's words with its first letter in capitals. */
static void s_capitalised(s_text_t *t, const char *s)
{
    if (!s[0])
        return;
    char first = s[0] >= 'a' && s[0] <= 'z' ? (char)(s[0] - 'a' + 'A') : s[0];
    s_put(t, &first, 1);
    s_puts(t, s + 1);
}

/* ---------------------------------------------------------------- sections */

static const char s_opening[] =
    "Thank you for your complaint, and for your patience while we looked into it. This letter"
    " is our response. It sets out what we understood your complaint to be, how we looked into"
    " it, what we found and what we are doing as a result.";

static const char s_closing[] =
    "Thank you for raising your concerns with us. If anything in this letter is unclear, please"
    " contact us, quoting your reference.";

static void s_complaint(s_text_t *t, const iv_draft_input_t *in)
{
    s_heading(t, "What you complained about");
    if (in->n_issues == 0) {
        s_puts(t, "We have not recorded the key issues of your complaint.\n\n");
        return;
    }
    s_puts(t, "When we agreed the key issues of your complaint with you, we set them out as"
              " follows.\n\n");
    for (size_t i = 0; i < in->n_issues; i++) {
        s_putf(t, "%zu. ", i + 1);
        s_sentence(t, in->issues[i].summary);
        s_puts(t, "\n");
    }
    s_puts(t, "\n");
}

static void s_investigation(s_text_t *t, const iv_draft_input_t *in)
{
    s_heading(t, "How we looked into your complaint");
    if (in->n_steps == 0 && in->n_evidence == 0) {
        s_puts(t, "We have not recorded the steps we took or the evidence we considered.\n\n");
        return;
    }
    if (in->n_steps) {
        s_puts(t, "To look into your complaint, we:\n\n");
        for (size_t i = 0; i < in->n_steps; i++) {
            iv_step_t s;
            const char *slug = in->steps[i] ? in->steps[i] : "";
            s_putf(t, "- %s\n", iv_step_parse(slug, &s) == 0 ? iv_step_words(s) : slug);
        }
        s_puts(t, "\n");
    }
    if (in->n_evidence) {
        s_puts(t, "We considered this evidence:\n\n");
        for (size_t i = 0; i < in->n_evidence; i++) {
            const iv_evidence_t *ev = &in->evidence[i];
            iv_evidence_kind_t k;
            const char *kind = ev->kind ? ev->kind : "";
            s_puts(t, "- ");
            s_capitalised(t,
                          iv_evidence_kind_parse(kind, &k) == 0 ? iv_evidence_kind_words(k) : kind);
            s_puts(t, ": ");
            s_put(t, ev->source ? ev->source : "", s_trimmed(ev->source));
            s_puts(t, ", dated ");
            s_date(t, ev->date);
            s_puts(t, ".\n");
            const char *flag = ev->flag ? ev->flag : "";
            if (strcmp(flag, "discrepancy") == 0 || strcmp(flag, "gap") == 0) {
                s_puts(t, strcmp(flag, "gap") == 0 ? "  Something is missing from this evidence: "
                                                   : "  This does not agree with other evidence: ");
                s_sentence(t, ev->flag_note);
                s_puts(t, "\n");
            }
        }
        s_puts(t, "\n");
    }
}

static void s_findings(s_text_t *t, const iv_draft_input_t *in)
{
    s_heading(t, "What we found");
    if (in->n_issues == 0) {
        s_puts(t, "We have not recorded any findings.\n\n");
        return;
    }
    for (size_t i = 0; i < in->n_issues; i++) {
        const iv_finding_t *f = &in->findings[i];
        s_putf(t, "%zu. ", i + 1);
        s_sentence(t, in->issues[i].summary);
        s_puts(t, "\n\n");
        if (f->verdict == IV_VERDICT_NOT_ADDRESSED) {
            s_puts(t, "We have not looked into this part of your complaint. This is why: ");
            s_sentence(t, f->not_addressed_reason);
            s_puts(t, "\n\n");
            continue;
        }
        s_puts(t, "What happened: ");
        s_sentence(t, f->what_happened);
        s_puts(t, "\n\nWhat should have happened: ");
        s_sentence(t, f->what_should_have_happened);
        s_puts(t, "\n\n");
        s_puts(t, f->verdict == IV_VERDICT_UPHELD
                      ? "We uphold this part of your complaint.\n\n"
                      : "We do not uphold this part of your complaint.\n\n");
    }
}

/* R3: each partner's part, or why the response goes without it. */
static void s_parts(s_text_t *t, const iv_draft_input_t *in)
{
    for (size_t i = 0; i < in->n_parts; i++) {
        const Candour__V1__Contribution *c = in->parts[i];
        s_putf(t, "What %s found\n\n", c->org);
        if (!c->waived) {
            s_paragraph(t, c->findings, "Its part reached us, but it held no findings.");
            continue;
        }
        s_putf(t,
               "We asked %s for its part of this response, but we did not receive it, so its"
               " findings are not included.",
               c->org);
        if (s_trimmed(c->reason)) {
            s_puts(t, " This is why: ");
            s_sentence(t, c->reason);
        }
        s_puts(t, "\n\n");
    }
}

static int s_something_went_wrong(Candour__V1__Outcome o)
{
    return o == CANDOUR__V1__OUTCOME__OUTCOME_UPHELD ||
           o == CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD;
}

static void s_conclusions(s_text_t *t, const iv_draft_input_t *in)
{
    s_heading(t, "Our conclusions");
    switch (in->outcome) {
    case CANDOUR__V1__OUTCOME__OUTCOME_UPHELD:
        s_puts(t, "We have upheld your complaint: the evidence supports what you told us.");
        break;
    case CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD:
        s_puts(t, "We have partly upheld your complaint: the evidence supports some, but not all,"
                  " of what you told us.");
        break;
    case CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD:
        s_puts(t, "We have not upheld your complaint: we did not find evidence that supports it.");
        break;
    case CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN:
        s_puts(t, "You told us you wished to withdraw your complaint, so we have closed it.");
        break;
    default:
        s_puts(t, "We have not yet reached an overall conclusion.");
        break;
    }
    s_puts(t, "\n\n");
    if (in->n_failings) {
        s_puts(t, "We found that these things went wrong:\n\n");
        for (size_t i = 0; i < in->n_failings; i++) {
            s_puts(t, "- ");
            s_sentence(t, in->failings[i]);
            s_puts(t, "\n");
        }
        s_puts(t, "\n");
    }
    if (s_something_went_wrong(in->outcome)) {
        s_heading(t, "Our apology");
        s_paragraph(t, in->remedy.apology, "We are sorry for what went wrong.");
    }
}

/* F3: the actions, and whether the action needed has been taken or is
 * proposed; then the lessons. */
static void s_actions(s_text_t *t, const iv_draft_input_t *in)
{
    size_t open = 0;
    if (in->n_actions) {
        s_heading(t, "What we are doing about it");
        for (size_t i = 0; i < in->n_actions; i++) {
            const iv_action_t *a = &in->actions[i];
            s_puts(t, "- ");
            s_sentence(t, a->description);
            s_puts(t, a->done ? " Done on " : " To be done by ");
            s_date(t, a->done ? a->done_on : a->due);
            s_puts(t, ".\n");
            open += !a->done;
        }
        s_puts(t, open ? "\nWe will make sure that the actions still to be done are completed by"
                         " the dates shown.\n\n"
                       : "\nAll of these actions have been completed.\n\n");
    }
    if (in->n_lessons) {
        s_heading(t, "What we have learned");
        for (size_t i = 0; i < in->n_lessons; i++) {
            s_puts(t, "- ");
            s_sentence(t, in->lessons[i]);
            s_puts(t, "\n");
        }
        s_puts(t, "\n");
    }
}

static void s_remedy(s_text_t *t, const iv_draft_input_t *in)
{
    const iv_remedy_t *r = &in->remedy;
    int change = s_trimmed(r->service_change) > 0;
    if (r->redress_pence <= 0 && !change)
        return;
    s_heading(t, "Putting things right");
    if (r->redress_pence > 0) {
        s_puts(t, "We are offering you a payment of ");
        s_money(t, r->redress_pence);
        s_puts(t, ". It is for this: ");
        s_sentence(t, r->redress_for);
        s_puts(t, "\n\n");
    }
    if (change) {
        s_puts(t, "We are changing how we provide our service: ");
        s_sentence(t, r->service_change);
        s_puts(t, "\n\n");
    }
}

static void s_follow_up(s_text_t *t, const iv_draft_input_t *in)
{
    size_t open = 0;
    for (size_t i = 0; i < in->n_actions; i++)
        open += !in->actions[i].done;
    s_heading(t, "How we will tell you about changes");
    s_paragraph(t, in->follow_up,
                open ? "We will write to you when the actions above are complete, to tell you"
                       " what has changed as a result of your complaint."
                : in->n_actions || s_trimmed(in->remedy.service_change)
                    ? "The changes described above have been made. If you would like to know"
                      " more about them, please contact us."
                    : "We did not find anything that needs to change as a result of your"
                      " complaint, so there are no changes to tell you about.");
}

/* F3: the right to go to the Ombudsman, with its details; worded as notify's
 * final response words it. */
static void s_ombudsman(s_text_t *t)
{
    s_heading(t, "If you are not happy with our response");
    s_puts(t, "Please contact us first: we are happy to meet you or talk it through. If you remain"
              " unhappy, you have the right to ask the Parliamentary and Health Service Ombudsman"
              " to look at your complaint. The Ombudsman makes final decisions on complaints that"
              " have not been resolved by the NHS in England. Its service is free.\n\n"
              "  Parliamentary and Health Service Ombudsman\n"
              "  Millbank Tower, Millbank, London SW1P 4QP\n"
              "  Telephone: 0345 015 4033\n"
              "  Website: www.ombudsman.org.uk\n\n");
}

char *iv_draft_render(const iv_draft_input_t *in)
{
    assert(in);
    assert(in->findings || in->n_issues == 0);
    s_text_t t = {0};
    s_paragraph(&t, in->opening, s_opening);
    s_complaint(&t, in);
    s_investigation(&t, in);
    s_findings(&t, in);
    s_parts(&t, in);
    s_conclusions(&t, in);
    s_actions(&t, in);
    s_remedy(&t, in);
    s_follow_up(&t, in);
    s_ombudsman(&t);
    s_paragraph(&t, in->closing, s_closing);
    if (t.failed) {
        free(t.text);
        return NULL;
    }
    /* Every paragraph ends in a blank line; the draft ends with one newline. */
    while (t.len > 1 && t.text[t.len - 1] == '\n' && t.text[t.len - 2] == '\n')
        t.text[--t.len] = 0;
    return t.text;
}
