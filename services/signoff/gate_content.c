/* gate_content.c - what a response must say (gate.h; F1, F3, V3, V5): each
 * key issue answered and referred to, how the complaint was looked into and
 * on what evidence, a direct apology when upheld and never a conditional one,
 * actions, lessons and the remedy after failings, the Ombudsman and how to
 * reach it, the complainant addressed as they asked, and no name the case
 * withholds. Pure.
 *
 * The checks look for words, not meaning: a table of phrases per rule,
 * matched without regard to case or to where the lines break. They catch a
 * letter that leaves something out; how well it is said is for the
 * signatory to judge. */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "gate.h"

#define S_NONE SIZE_MAX
#define S_QUOTE 120       /* the most of a letter's words a message quotes */
#define S_SUMMARY_WORDS 8 /* a letter may reword a long key issue after these */

/* ---------------------------------------------------------------- matching */

/* Letters, digits and the bytes of any UTF-8 character make up words. */
static int s_wordc(char c)
{
    return isalnum((unsigned char)c) || ((unsigned char)c & 0x80);
}

static int s_space(char c)
{
    return isspace((unsigned char)c);
}

/* The first place in x[from, end) where p stands as whole words, or with
 * stem where it starts a word ("learn" in "learned"); S_NONE when nowhere.
 * *mend (when given) gets the match's end. x is NUL-terminated past end. */
static size_t s_find(const char *x, size_t from, size_t end, const char *p, size_t plen, int stem,
                     size_t *mend)
{
    if (plen == 0)
        return S_NONE;
    int at_start = s_wordc(p[0]), at_end = !stem && s_wordc(p[plen - 1]);
    for (size_t i = from; i < end; i++) {
        if (at_start && i > 0 && s_wordc(x[i - 1]))
            continue;
        size_t e = so_text_match(x, i, end, p, plen, 1);
        if (e == 0 || (at_end && s_wordc(x[e])))
            continue;
        if (mend)
            *mend = e;
        return i;
    }
    return S_NONE;
}

/* The first place in x[from, end) where any phrase of tab (NULL-ended)
 * stands; a phrase ending in '*' is a stem. */
static size_t s_find_any(const char *x, size_t from, size_t end, const char *const *tab,
                         size_t *mend)
{
    size_t best = S_NONE, best_end = 0;
    for (; *tab; tab++) {
        size_t n = strlen(*tab), e = 0;
        int stem = n > 0 && (*tab)[n - 1] == '*';
        size_t at = s_find(x, from, end, *tab, n - (size_t)stem, stem, &e);
        if (at < best) {
            best = at;
            best_end = e;
        }
    }
    if (mend && best != S_NONE)
        *mend = best_end;
    return best;
}

static int s_has_any(const so_text_t *t, const char *const *tab)
{
    return s_find_any(t->text, 0, strlen(t->text), tab, NULL) != S_NONE;
}

/* Whether the digits d stand in x as one number, however spaced or
 * hyphenated ("0345 015 4033", "0345-015-4033", "03450154033"). */
static int s_has_number(const char *x, const char *d)
{
    for (size_t i = 0; x[i]; i++) {
        if (x[i] != d[0] || (i > 0 && isdigit((unsigned char)x[i - 1])))
            continue;
        size_t k = i, j = 0;
        while (d[j] && x[k]) {
            if (x[k] == d[j])
                j++;
            else if (x[k] != ' ' && x[k] != '-')
                break;
            k++;
        }
        if (!d[j] && !isdigit((unsigned char)x[k]))
            return 1;
    }
    return 0;
}

/* Where the sentence holding byte `at` is (0, 0: the letter as a whole). */
static void s_place(const so_text_t *t, size_t at, int *para, int *sent)
{
    const so_sentence_t *s = at == S_NONE ? NULL : so_text_at(t, at);
    *para = s ? s->paragraph : 0;
    *sent = s ? s->sentence : 0;
}

/* src[0, n) for a message: white space as single spaces, cut short at a
 * whole UTF-8 character. Only ever passed as a "%s" argument, so a letter's
 * own "%" is printed, never read as a directive. */
static const char *s_quote(char *dst, size_t cap, const char *src, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n) {
        if (s_space(src[i])) {
            if (o > 0 && dst[o - 1] != ' ' && o + 2 < cap)
                dst[o++] = ' ';
            i++;
            continue;
        }
        unsigned char c = (unsigned char)src[i];
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (len > n - i || o + len + 1 > cap)
            break;
        memcpy(dst + o, src + i, len);
        o += len;
        i += len;
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = 0;
    return dst;
}

/* s without white space at either end: its start and, in *n, its length. */
static const char *s_trim(const char *s, size_t *n)
{
    s = s ? s : "";
    while (s_space(*s))
        s++;
    size_t k = strlen(s);
    while (k > 0 && s_space(s[k - 1]))
        k--;
    *n = k;
    return s;
}

/* ---------------------------------------------------------------- key issues */

/* The part of a key issue's summary the letter must hold: no more than its
 * first S_SUMMARY_WORDS words (a letter may put the rest of a long one its
 * own way), without the full stop or comma that ends them. */
static size_t s_summary_part(const char *summary, const char **start)
{
    size_t n;
    const char *s = s_trim(summary, &n);
    size_t i = 0, words = 0, cut = 0;
    while (i < n) {
        while (i < n && s_space(s[i]))
            i++;
        while (i < n && !s_space(s[i]))
            i++;
        cut = i;
        if (++words == S_SUMMARY_WORDS)
            break;
    }
    while (cut > 0 && strchr(".,;:!? \t\r\n", s[cut - 1]))
        cut--;
    *start = s;
    return cut;
}

void so_check_key_issues(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    size_t n = strlen(t->text);
    for (size_t k = 0; k < in->nissues; k++) {
        const so_key_issue_t *ki = &in->issues[k];
        const char *id = ki->id ? ki->id : "", *sum;
        size_t slen = s_summary_part(ki->summary, &sum), rlen;
        size_t at = slen ? s_find(t->text, 0, n, sum, slen, 0, NULL) : S_NONE;
        char q[S_QUOTE];
        s_quote(q, sizeof q, sum, slen);
        int p, s;
        s_place(t, at, &p, &s);
        s_trim(ki->not_addressed_reason, &rlen);
        /* V3: a finding, or why there is none; the letter can only be as
         * complete as the case behind it. */
        if (!ki->has_finding && ki->not_addressed && rlen == 0)
            so_findings_add(out, SO_CHECK_KEY_ISSUES, SO_BLOCKING, p, s, id,
                            "Key issue %s (\"%s\") is recorded as not addressed, but with no"
                            " reason. Record why it was not looked into, so that the letter can"
                            " explain it.",
                            id, q);
        else if (!ki->has_finding && !ki->not_addressed)
            so_findings_add(out, SO_CHECK_KEY_ISSUES, SO_BLOCKING, p, s, id,
                            "Key issue %s (\"%s\") has no finding. Record whether it is upheld,"
                            " or why it is not addressed, before the letter is signed.",
                            id, q);
        if (slen == 0)
            so_findings_add(out, SO_CHECK_KEY_ISSUES, SO_BLOCKING, 0, 0, id,
                            "Key issue %s has no agreed summary, so we cannot tell whether the"
                            " letter answers it. Record the summary agreed with the complainant.",
                            id);
        else if (at == S_NONE)
            so_findings_add(out, SO_CHECK_KEY_ISSUES, SO_BLOCKING, 0, 0, id,
                            "The letter does not mention key issue %s (\"%s\"). Set it out as"
                            " agreed with the complainant, and say what we found about it.",
                            id, q);
    }
}

/* ---------------------------------------------------------------- investigation */

/* How the complaint was looked into: what we did, in the first person. */
/* clang-format off */
static const char *const s_how[] = {
    "we looked into", "we have looked into", "to look into your complaint", "we looked at",
    "we investigated", "we have investigated", "we reviewed", "we have reviewed", "we spoke to",
    "we spoke with", "we read", "we examined", "we interviewed", "we met", "we asked", NULL};
/* clang-format on */

/* What it rested on. */
/* clang-format off */
static const char *const s_evidence[] = {
    "evidence", "record", "records", "statement*", "notes", "we considered", "policies", "guidance",
    NULL};
/* clang-format on */

void so_check_investigation(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    if (!s_has_any(t, s_how))
        so_findings_add(out, SO_CHECK_INVESTIGATION, SO_BLOCKING, 0, 0, NULL,
                        "The letter does not say how we looked into the complaint. Say what we"
                        " did, for example \"we read your mother's care records and spoke to the"
                        " nurses on duty\".");
    if (!s_has_any(t, s_evidence))
        so_findings_add(out, SO_CHECK_INVESTIGATION, SO_BLOCKING, 0, 0, NULL,
                        "The letter does not say what evidence we considered. Name it, for"
                        " example \"the ward's records for 3 March and the staff's statements\".");
}

/* ---------------------------------------------------------------- apology */

/* A direct apology: we say we are sorry, in our own voice. A stem ("we
 * apologi*") takes the UK and US spellings. */
/* clang-format off */
static const char *const s_direct[] = {
    "I am sorry", "I'm sorry", "we are sorry", "we're sorry", "I am very sorry", "I'm very sorry",
    "we are very sorry", "we're very sorry", "I am so sorry", "I am truly sorry",
    "we are truly sorry", "I am deeply sorry", "we are deeply sorry", "I apologi*", "we apologi*",
    "I sincerely apologi*", "we sincerely apologi*", "please accept our apolog*",
    "please accept my apolog*", "please accept our sincere apolog*",
    "please accept my sincere apolog*", NULL};
/* clang-format on */

/* Apologies that are not (F1): for how the complainant feels rather than
 * for what we did, or only if something went wrong, or for "any" harm as
 * though none were known. Any of these spoils a sentence's direct apology. */
/* clang-format off */
static const char *const s_indirect[] = {
    "sorry that you felt", "sorry that you feel", "sorry you felt", "sorry you feel", "sorry if",
    "sorry for any", "sorry that you were unhappy", "sorry you were unhappy",
    "sorry that you were upset", "sorry you were upset", "sorry that you have been upset",
    "sorry you have been upset", "sorry that you perceive*", "sorry you perceive*",
    "regret any upset", "regret any distress", "regret any inconvenience", "regret that you feel",
    "regret that you felt", "apologise for any", "apologize for any", "apologise if",
    "apologize if", "apologies for any", "apologies if", "any inconvenience this may have caused",
    "any inconvenience caused", "any distress this may have caused",
    "any upset this may have caused", NULL};
/* clang-format on */

/* Where the letter first apologises directly, in a sentence with no
 * conditional form ("I am sorry if..." is not an apology); S_NONE. */
static size_t s_direct_apology(const so_text_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        size_t b = t->s[i].start, e = b + t->s[i].len;
        size_t at = s_find_any(t->text, b, e, s_direct, NULL);
        if (at != S_NONE && s_find_any(t->text, b, e, s_indirect, NULL) == S_NONE)
            return at;
    }
    return S_NONE;
}

void so_check_apology(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    if (!in->upheld || s_direct_apology(t) != S_NONE)
        return;
    so_findings_add(out, SO_CHECK_APOLOGY, SO_BLOCKING, 0, 0, NULL,
                    "The complaint is upheld, but the letter does not apologise directly. Say"
                    " what we are sorry for, in our own voice: \"I am sorry that we did not"
                    " ...\".%s",
                    s_has_any(t, s_indirect) ? " Its only apologies are conditional ones." : "");
}

void so_check_indirect_apology(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    for (size_t i = 0; i < t->n; i++) {
        size_t b = t->s[i].start, e = b + t->s[i].len, me = 0;
        size_t at = s_find_any(t->text, b, e, s_indirect, &me);
        if (at == S_NONE)
            continue;
        char q[S_QUOTE];
        so_findings_add(out, SO_CHECK_INDIRECT_APOLOGY, SO_BLOCKING, t->s[i].paragraph,
                        t->s[i].sentence, NULL,
                        "\"%s\" is not an apology: it is sorry for how the complainant feels, or"
                        " only if something went wrong. Say what we are sorry for: \"I am sorry"
                        " that ...\".",
                        s_quote(q, sizeof q, t->text + at, me - at));
    }
}

/* ---------------------------------------------------------------- actions */

/* What we are doing, or have done, so that it does not happen again. */
/* clang-format off */
static const char *const s_action[] = {
    "we will", "we have changed", "we are changing", "we have introduced", "we have put in place",
    "action*", "to be done by", "done on", "by the end of", "by january", "by february", "by march",
    "by april", "by may", "by june", "by july", "by august", "by september", "by october",
    "by november", "by december", NULL};
/* clang-format on */

static const char *const s_lesson[] = {"learn*", "lesson*", NULL};

/* What we offer to put things right (V5: redress, a service change). */
/* clang-format off */
static const char *const s_remedy[] = {
    "remedy", "refund*", "payment", "\xc2\xa3", "compensat*", "redress", "reimburs*",
    "put things right", "putting things right", NULL};
/* clang-format on */

void so_check_actions(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    int wrong = in->failings || in->upheld;
    if ((wrong || in->actions) && !s_has_any(t, s_action))
        so_findings_add(out, SO_CHECK_ACTIONS, SO_BLOCKING, 0, 0, NULL,
                        "The letter does not say what we are doing so that this does not happen"
                        " again. Set out each action and when it will be done, for example \"we"
                        " will retrain the ward's staff by June\".");
    if (wrong && !s_has_any(t, s_lesson))
        so_findings_add(out, SO_CHECK_ACTIONS, SO_BLOCKING, 0, 0, NULL,
                        "The letter does not say what we have learned. Say what lessons we have"
                        " taken from the complaint.");
    if (in->remedy && !s_has_any(t, s_remedy))
        so_findings_add(out, SO_CHECK_ACTIONS, SO_BLOCKING, 0, 0, NULL,
                        "A remedy is recorded, but the letter does not say what it is. Say how"
                        " we will put things right, for example a payment or a refund and what"
                        " it is for.");
}

/* ---------------------------------------------------------------- Ombudsman */

static const char s_phso[] = "Parliamentary and Health Service Ombudsman";
static const char s_phso_phone[] = "03450154033";
static const char *const s_phso_web[] = {"ombudsman.org.uk", NULL};

void so_check_ombudsman(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    if (s_find(t->text, 0, strlen(t->text), s_phso, strlen(s_phso), 0, NULL) == S_NONE)
        so_findings_add(out, SO_CHECK_OMBUDSMAN, SO_BLOCKING, 0, 0, NULL,
                        "The letter does not tell the complainant of their right to take the"
                        " complaint to the Parliamentary and Health Service Ombudsman. Add it,"
                        " naming the Ombudsman in full.");
    if (!s_has_number(t->text, s_phso_phone) && !s_has_any(t, s_phso_web))
        so_findings_add(out, SO_CHECK_OMBUDSMAN, SO_BLOCKING, 0, 0, NULL,
                        "The letter does not say how to reach the Ombudsman. Give its telephone"
                        " number (0345 015 4033) or website (www.ombudsman.org.uk).");
}

/* ---------------------------------------------------------------- salutation */

/* Where the salutation starts: the first line that begins "Dear ". */
static size_t s_salutation(const char *x)
{
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (x[j] == ' ' || x[j] == '\t')
            j++;
        if (strncasecmp(x + j, "Dear ", 5) == 0)
            return j;
        const char *nl = strchr(x + i, '\n');
        if (!nl)
            return S_NONE;
        i = (size_t)(nl - x) + 1;
    }
}

void so_check_salutation(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    const char *x = t->text;
    size_t want_n;
    const char *want = s_trim(in->address_as, &want_n);
    int asked = want_n > 0;
    if (!asked)
        want = s_trim(in->name, &want_n);
    while (want_n > 0 && want[want_n - 1] == ',')
        want_n--;
    char w[S_QUOTE], q[S_QUOTE];
    s_quote(w, sizeof w, want, want_n);
    size_t at = s_salutation(x);
    if (at == S_NONE)
        return; /* the letter's own: notify writes "Dear <as asked>," when it sends it */
    /* The name runs to the comma or the line's end; a space or comma after
     * it is no difference. A case with no name has nothing to compare. */
    size_t b = at + 5, e;
    while (x[b] == ' ' || x[b] == '\t')
        b++;
    for (e = b; x[e] && x[e] != ',' && x[e] != '\n';)
        e++;
    while (e > b && s_space(x[e - 1]))
        e--;
    if (want_n == 0 || (e - b == want_n && memcmp(x + b, want, want_n) == 0))
        return;
    int p, s;
    s_place(t, at, &p, &s);
    so_findings_add(
        out, SO_CHECK_SALUTATION, SO_BLOCKING, p, s, NULL,
        "The letter says \"Dear %s\", but %s \"%s\". Change it to \"Dear %s,\".",
        s_quote(q, sizeof q, x + b, e - b),
        asked ? "the complainant asked to be addressed as" : "the complainant's name is", w, w);
}

/* ---------------------------------------------------------------- withheld */

void so_check_withheld(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    size_t n = strlen(t->text);
    for (size_t k = 0; k < in->nwithheld; k++) {
        size_t len, me = 0;
        const char *name = s_trim(in->withheld ? in->withheld[k] : NULL, &len);
        for (size_t at = 0; len > 0 && at < n; at = me) {
            at = s_find(t->text, at, n, name, len, 0, &me);
            if (at == S_NONE)
                break;
            /* The message names the list's entry, not the name: findings are
             * kept and shown beyond the letter. */
            int p, s;
            s_place(t, at, &p, &s);
            so_findings_add(out, SO_CHECK_WITHHELD, SO_BLOCKING, p, s, NULL,
                            "A name the case marks as not to be disclosed appears here (entry %zu"
                            " of the case's list). Take it out, or refer to the person by their"
                            " role, for example \"the nurse\".",
                            k + 1);
        }
    }
}
