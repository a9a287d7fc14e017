/* gate_plain.c - the quality gate's plain-English checks (gate.h): a draft
 * response must explain its acronyms and medical terms where they are first
 * used, be easy enough to read, keep its sentences short and avoid the
 * jargon complaint letters fall into. Pure: no I/O, no mutable state. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gate.h"

/* Candour's defaults, used when a body has set nothing (0). */
#define S_MIN_FLESCH ((double)SO_DEFAULT_MIN_FLESCH)
#define S_MAX_SENTENCE_WORDS SO_DEFAULT_MAX_SENTENCE_WORDS

/* Capital words a complainant reads without help, or that are not jargon,
 * so never need explaining. Words holding a digit (postcodes such as "LS1
 * 1AA", "NHS 111", ward "C4"), complaint references ("CDR-ABCD-EFGH") and
 * organisation codes ("TRUST-RXX") are passed over by their shape, not
 * listed here. */
static const char *const s_known[] = {"NHS", "I", "A", "OK", "UK", "TV", "AM", "PM", NULL};

/* Words and phrases NHS complaint letters fall back on that readers find
 * cold, vague or baffling, each with a plainer way to say it. */
/* clang-format off */
static const struct {
    const char *word, *plain;
} s_jargon[] = {
    {"going forward", "from now on"}, {"moving forward", "from now on"},
    {"learning points", "lessons"}, {"escalate", "raise"}, {"cascade", "share"},
    {"robust", "thorough"}, {"stakeholder", "the people involved"},
    {"holistic", "looking at all your needs"}, {"pathway", "the steps in your care"},
    {"deemed", "judged"}, {"in accordance with", "under"},
    {"utilise", "use"}, {"facilitate", "help"},
    {"remit", "what we are responsible for"},
    {"clinical governance", "how we check the safety and quality of care"},
    {"Datix", "our incident report"}, {"commence", "start"}, {"prior to", "before"},
    {"as per", "as set out in"}, {"aforementioned", "this"},
    {"thereof", "of it"}, {"with regard to", "about"}, {"in relation to", "about"},
    {"ascertain", "find out"}, {"endeavour", "try"}, {"in a timely manner", "promptly"},
    {"disseminate", "share"}, {"service user", "patient"}, {"actioned", "done"},
    {"notwithstanding", "despite"},
};
/* clang-format on */
#define S_NJARGON (sizeof s_jargon / sizeof s_jargon[0])

/* ------------------------------------------------------------ matching */

/* Whether x[i] is part of a word: letters, digits, "&" (as in "A&E") and
 * UTF-8 letters, but not UTF-8 punctuation (U+2000-U+206F: E2 80 xx and
 * E2 81 xx), so a curly apostrophe ends "GP’s" as "'" does. x is
 * NUL-terminated. */
static int s_wc(const char *x, size_t i)
{
    unsigned char c = (unsigned char)x[i];
    if (c < 0x80)
        return isalnum(c) || c == '&';
    size_t b = i;
    while (b > 0 && i - b < 3 && ((unsigned char)x[b] & 0xC0) == 0x80)
        b--;
    unsigned char c1 = (unsigned char)x[b + 1];
    return !((unsigned char)x[b] == 0xE2 && (c1 == 0x80 || c1 == 0x81));
}

static int s_space(char c)
{
    return isspace((unsigned char)c);
}

/* Whether x[.., end) ends with w[0, wn) (always case-insensitive, spaces as
 * in so_text_match) starting at a word's start. Returns 1 when it does. */
static int s_back(const char *x, size_t end, const char *w, size_t wn)
{
    size_t i = end, j = wn;
    while (j > 0) {
        if (s_space(w[j - 1])) {
            if (i == 0 || !s_space(x[i - 1]))
                return 0;
            while (i > 0 && s_space(x[i - 1]))
                i--;
            while (j > 0 && s_space(w[j - 1]))
                j--;
            continue;
        }
        if (i == 0 || tolower((unsigned char)x[i - 1]) != tolower((unsigned char)w[j - 1]))
            return 0;
        i--, j--;
    }
    return i == 0 || !s_wc(x, i - 1);
}

/* The length of a quote mark at x[i] ("'" or a curly one, E2 80 98-9F),
 * or 0. */
static size_t s_quote(const char *x, size_t n, size_t i)
{
    if (x[i] == '"' || x[i] == '\'')
        return 1;
    const unsigned char *u = (const unsigned char *)x + i;
    return i + 2 < n && u[0] == 0xE2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9F ? 3 : 0;
}

/* Past white space and quote marks, forwards from i or back from i. */
static size_t s_skip_quotes(const char *x, size_t n, size_t i)
{
    for (size_t q; i < n && (q = s_space(x[i]) ? 1 : s_quote(x, n, i)) > 0;)
        i += q;
    return i;
}

static size_t s_skip_quotes_back(const char *x, size_t n, size_t i)
{
    for (;;) {
        if (i > 0 && (s_space(x[i - 1]) || s_quote(x, n, i - 1) == 1))
            i--;
        else if (i >= 3 && s_quote(x, n, i - 3) == 3)
            i -= 3;
        else
            return i;
    }
}

/* ------------------------------------------------------------ terms */

/* A term written with a capital after its first letter ("CHC", "DoLS",
 * "A&E") is a short form and matches only in that case; an ordinary word
 * ("hypoglycaemia") matches in any case, as at the start of a sentence. */
static int s_short_form(const char *term)
{
    for (size_t i = 1; term[i]; i++)
        if (isupper((unsigned char)term[i]))
            return 1;
    return isupper((unsigned char)term[0]) && term[1] == 0;
}

/* A line with no small letters is a heading or a shout in capitals, and its
 * words are not read as acronyms ("YOUR COMPLAINT ABOUT CARE"). */
static int s_capitals_line(const char *x, size_t n, size_t at)
{
    size_t b = at, e = at;
    while (b > 0 && x[b - 1] != '\n')
        b--;
    while (e < n && x[e] != '\n')
        e++;
    int words = 0;
    for (size_t i = b; i < e; i++) {
        if (islower((unsigned char)x[i]))
            return 0;
        if (isupper((unsigned char)x[i]) && i + 1 < e && isupper((unsigned char)x[i + 1]) &&
            (i == b || !s_wc(x, i - 1)))
            words++;
    }
    return words >= 2;
}

/* Whether text at [at, end) - a term - is explained there: its meaning
 * just before with the term in brackets ("NHS Continuing Healthcare
 * (CHC)"), in brackets just after ("CHC (NHS Continuing Healthcare)"), or
 * in words ("CHC, which stands for ..."). The meaning may be given in full
 * or without its own bracketed part ("general practitioner" for "general
 * practitioner (family doctor)"). With no meaning to compare, any
 * bracketed expansion in words will do. */
static int s_explained(const char *x, size_t n, size_t at, size_t end, const char *meaning)
{
    size_t mn = meaning ? strlen(meaning) : 0, core = 0;
    while (core < mn && meaning[core] != '(')
        core++;
    while (core > 0 && s_space(meaning[core - 1]))
        core--;
    if (core == mn)
        core = 0; /* no bracketed part: the full meaning only */

    /* Before: "meaning (TERM)". */
    size_t b = s_skip_quotes_back(x, n, at), a = s_skip_quotes(x, n, end);
    if (b > 0 && x[b - 1] == '(' && a < n && x[a] == ')') {
        size_t q = b - 1;
        while (q > 0 && s_space(x[q - 1]))
            q--;
        if (mn ? s_back(x, q, meaning, mn) || (core && s_back(x, q, meaning, core))
               : q > 0 && isalpha((unsigned char)x[q - 1]))
            return 1;
    }

    /* After: "TERM (meaning)" or "TERM, which stands for meaning". Without a
     * meaning to compare, "means" is too often the verb ("the DST means that
     * ...") to count. */
    static const char *const lead[] = {"(",     "which stands for", "stands for", "which means",
                                       "means", "meaning",          NULL};
    size_t i = end;
    if (i < n && x[i] == ',')
        i++;
    i = s_skip_quotes(x, n, i);
    for (const char *const *l = lead; *l && (mn || l < lead + 3); l++) {
        size_t r = so_text_match(x, i, n, *l, strlen(*l), 1);
        if (!r || (l != lead && r < n && s_wc(x, r)))
            continue;
        r = s_skip_quotes(x, n, r);
        if (!mn) {
            /* Words, not another short form: a small letter before ")". */
            for (size_t k = r; k < n && x[k] != ')' && x[k] != '\n'; k++)
                if (islower((unsigned char)x[k]))
                    return 1;
            continue;
        }
        size_t the = so_text_match(x, r, n, "the ", 4, 1);
        for (size_t from = r; from; from = the, the = 0)
            if (so_text_match(x, from, n, meaning, mn, 1) ||
                (core && so_text_match(x, from, n, meaning, core, 1)))
                return 1;
    }
    return 0;
}

/* Where a glossary term is first used (outside a line in capitals), with
 * its end (a short form may take a plural "s": "GPs"); 0 when it is not. */
static int s_first_use(const char *x, size_t n, const char *term, size_t *at, size_t *end)
{
    size_t tn = strlen(term);
    int exact = s_short_form(term);
    for (size_t p = 0; p + tn <= n; p++) {
        if (p > 0 && s_wc(x, p - 1))
            continue;
        size_t e = so_text_match(x, p, n, term, tn, !exact);
        if (!e)
            continue;
        if (exact && e < n && x[e] == 's')
            e++;
        if (e < n && s_wc(x, e))
            continue;
        if (s_capitals_line(x, n, p))
            continue;
        *at = p;
        *end = e;
        return 1;
    }
    return 0;
}

/* A code rather than a word: two or more groups of capitals and digits
 * joined by hyphens, as complaint references ("CDR-ABCD-EFGH") and
 * organisation codes ("TRUST-RXX") are written. ("CHC-funded" is a word:
 * its parts are read as words.) */
static int s_reference(const char *x, size_t b, size_t e)
{
    int groups = 0;
    size_t g = b;
    for (size_t i = b; i <= e; i++) {
        if (i < e && x[i] != '-') {
            if (!isupper((unsigned char)x[i]) && !isdigit((unsigned char)x[i]))
                return 0;
            continue;
        }
        if (i == g)
            return 0;
        groups++;
        g = i + 1;
    }
    return groups >= 2;
}

/* Whether x[b, e) is a short form that may need explaining: 2-6 capitals
 * (with "&" between, as in "A&E"), no digit, not on the allow-list. */
static int s_acronym(const char *x, size_t b, size_t e)
{
    size_t len = e - b;
    if (len < 2 || len > 6 || !isupper((unsigned char)x[b]) || !isalnum((unsigned char)x[e - 1]))
        return 0;
    for (size_t i = b; i < e; i++)
        if (!isupper((unsigned char)x[i]) && x[i] != '&')
            return 0;
    for (const char *const *k = s_known; *k; k++)
        if (strlen(*k) == len && memcmp(*k, x + b, len) == 0)
            return 0;
    return 1;
}

/* Something to report, where it is first used. */
typedef struct {
    size_t at, len;
    size_t idx; /* its glossary or jargon list entry; S_NONE: none */
} s_hit_t;
#define S_NONE ((size_t)-1)

typedef struct {
    s_hit_t *v;
    size_t n, cap;
} s_hits_t;

static int s_hits_add(s_hits_t *h, size_t at, size_t len, size_t idx)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 16;
        s_hit_t *v = realloc(h->v, nc * sizeof *v);
        if (!v)
            return -1;
        h->v = v;
        h->cap = nc;
    }
    h->v[h->n++] = (s_hit_t){at, len, idx};
    return 0;
}

static int s_hit_cmp(const void *a, const void *b)
{
    const s_hit_t *x = a, *y = b;
    return (x->at > y->at) - (x->at < y->at);
}

static void s_place(const so_text_t *t, size_t at, int *para, int *sent)
{
    const so_sentence_t *s = so_text_at(t, at);
    *para = s ? s->paragraph : 0;
    *sent = s ? s->sentence : 0;
}

static int s_in_glossary(const so_gate_in_t *in, const char *x, size_t len)
{
    for (size_t g = 0; g < in->nglossary; g++) {
        const char *term = in->glossary[g].term;
        if (term && strlen(term) == len && memcmp(term, x, len) == 0)
            return 1;
    }
    return 0;
}

/* Capital words not in the glossary: each one's first use, when that use
 * does not explain it. `seen` keeps every one met (explained or not); the
 * unexplained go to `hits`. */
static int s_unknown_acronyms(const so_gate_in_t *in, const char *x, size_t n, s_hits_t *seen,
                              s_hits_t *hits)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !s_wc(x, i))
            i++;
        size_t b = i;
        int other = 0; /* UTF-8 or digits: not an acronym's shape */
        while (i < n && (s_wc(x, i) || (x[i] == '-' && i + 1 < n && s_wc(x, i + 1)))) {
            other |= ((unsigned char)x[i] & 0x80) || isdigit((unsigned char)x[i]);
            i++;
        }
        if (i == b || other || s_reference(x, b, i))
            continue;
        /* Each part of "CHC-funded" on its own. */
        for (size_t pb = b; pb < i;) {
            size_t pe = pb;
            while (pe < i && x[pe] != '-')
                pe++;
            size_t end = pe, core = pe;
            if (core - pb >= 3 && x[core - 1] == 's')
                core--; /* "GPs" */
            if (s_acronym(x, pb, core) && !s_in_glossary(in, x + pb, core - pb) &&
                !s_capitals_line(x, n, pb)) {
                int met = 0;
                for (size_t k = 0; k < seen->n && !met; k++)
                    met = seen->v[k].len == core - pb &&
                          memcmp(x + seen->v[k].at, x + pb, core - pb) == 0;
                if (!met) {
                    if (s_hits_add(seen, pb, core - pb, S_NONE) != 0)
                        return -1;
                    if (!s_explained(x, n, pb, end, NULL) &&
                        s_hits_add(hits, pb, core - pb, S_NONE) != 0)
                        return -1;
                }
            }
            pb = pe + 1;
        }
    }
    return 0;
}

void so_check_terms(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    const char *x = t->text ? t->text : "";
    size_t n = strlen(x);
    s_hits_t hits = {0}, seen = {0};
    int oom = 0;
    for (size_t g = 0; g < in->nglossary && !oom; g++) {
        const so_term_t *term = &in->glossary[g];
        size_t at, end;
        if (!term->term || !term->term[0] || !s_first_use(x, n, term->term, &at, &end))
            continue;
        if (!s_explained(x, n, at, end, term->meaning))
            oom = s_hits_add(&hits, at, end - at, g) != 0;
    }
    if (!oom)
        oom = s_unknown_acronyms(in, x, n, &seen, &hits) != 0;
    if (oom) {
        out->oom = 1;
    } else {
        /* In the order a signatory meets them. */
        if (hits.n)
            qsort(hits.v, hits.n, sizeof *hits.v, s_hit_cmp);
        for (size_t k = 0; k < hits.n; k++) {
            const s_hit_t *h = &hits.v[k];
            int para, sent;
            s_place(t, h->at, &para, &sent);
            const so_term_t *term = h->idx == S_NONE ? NULL : &in->glossary[h->idx];
            const char *m = term ? term->meaning : NULL;
            char fix[300];
            if (!m || !m[0])
                snprintf(fix, sizeof fix, "write it out in full, with the short form in brackets");
            else if (strchr(m, '(') || !s_short_form(term->term))
                /* "sepsis (a serious ...)", not "... (family doctor) (GP)" */
                snprintf(fix, sizeof fix, "write \"%.60s (%.200s)\"", term->term, m);
            else
                snprintf(fix, sizeof fix, "write \"%.200s (%.60s)\"", m, term->term);
            so_findings_add(out, SO_CHECK_TERMS, SO_BLOCKING, para, sent, NULL,
                            "\"%.*s\" is not explained where it is first used: %s",
                            (int)(term ? strlen(term->term) : h->len), x + h->at, fix);
        }
    }
    free(hits.v);
    free(seen.v);
}

/* ------------------------------------------------------------ readability */

void so_check_readability(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    double min = in->min_flesch > 0 ? in->min_flesch : S_MIN_FLESCH;
    double score = so_text_flesch(t);
    if (score < min)
        so_findings_add(out, SO_CHECK_READABILITY, SO_ADVICE, 0, 0, NULL,
                        "The letter is hard to read: its reading ease (Flesch) is %.1f, below "
                        "the threshold of %g. Use shorter sentences and everyday words.",
                        score, min);
}

/* The first few words of x[b, b+len), white space made single, for a
 * signatory to find the sentence by. */
static void s_opening(const char *x, size_t b, size_t len, char *buf, size_t size)
{
    size_t o = 0, words = 0;
    for (size_t i = b; i < b + len && o + 4 < size; i++) {
        if (s_space(x[i])) {
            if (++words == 8) {
                memcpy(buf + o, "...", 3);
                o += 3;
                break;
            }
            while (i + 1 < b + len && s_space(x[i + 1]))
                i++;
            buf[o++] = ' ';
        } else {
            buf[o++] = x[i];
        }
    }
    buf[o] = 0;
}

void so_check_long_sentences(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    int max = in->max_sentence_words > 0 ? in->max_sentence_words : S_MAX_SENTENCE_WORDS;
    for (size_t i = 0; i < t->n; i++) {
        const so_sentence_t *s = &t->s[i];
        if (s->words <= max)
            continue;
        char open[120];
        s_opening(t->text, s->start, s->len, open, sizeof open);
        so_findings_add(out, SO_CHECK_LONG_SENTENCES, SO_ADVICE, s->paragraph, s->sentence, NULL,
                        "This sentence has %d words (the limit is %d): \"%s\". Split it into "
                        "shorter sentences, one point in each.",
                        s->words, max, open);
    }
}

/* ------------------------------------------------------------ jargon */

/* Where jargon w is first used in x, whole words in any case; the last word
 * may carry a common ending ("escalated", "utilising", "pathways"). */
static int s_jargon_at(const char *x, size_t n, const char *w, size_t *at, size_t *end)
{
    static const char *const endings[] = {"", "s", "es", "d", "ed", "ing", NULL};
    static const char *const after_e[] = {"ing", NULL}; /* "utilising" */
    size_t wn = strlen(w);
    for (size_t p = 0; p + wn <= n; p++) {
        if ((p > 0 && s_wc(x, p - 1)) || !s_wc(x, p))
            continue;
        for (int drop = 0; drop <= (wn > 3 && w[wn - 1] == 'e'); drop++) {
            size_t e = so_text_match(x, p, n, w, wn - (size_t)drop, 1);
            if (!e)
                continue;
            for (const char *const *s = drop ? after_e : endings; *s; s++) {
                size_t f = **s ? so_text_match(x, e, n, *s, strlen(*s), 1) : e;
                if (f && (f >= n || !s_wc(x, f))) {
                    *at = p;
                    *end = f;
                    return 1;
                }
            }
        }
    }
    return 0;
}

void so_check_jargon(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out)
{
    const char *x = t->text ? t->text : "";
    size_t n = strlen(x);
    int own = in->jargon && in->njargon > 0;
    size_t count = own ? in->njargon : S_NJARGON;
    s_hits_t hits = {0};
    for (size_t j = 0; j < count; j++) {
        const char *w = own ? in->jargon[j] : s_jargon[j].word;
        size_t at, end;
        if (!w || !w[0] || !s_jargon_at(x, n, w, &at, &end))
            continue;
        if (s_hits_add(&hits, at, end - at, j) != 0) {
            out->oom = 1;
            free(hits.v);
            return;
        }
    }
    if (hits.n)
        qsort(hits.v, hits.n, sizeof *hits.v, s_hit_cmp);
    for (size_t k = 0; k < hits.n; k++) {
        const s_hit_t *h = &hits.v[k];
        const char *w = own ? in->jargon[h->idx] : s_jargon[h->idx].word, *plain = NULL;
        for (size_t d = 0; d < S_NJARGON && !plain; d++)
            if (strcasecmp(s_jargon[d].word, w) == 0)
                plain = s_jargon[d].plain;
        char found[80];
        s_opening(x, h->at, h->len, found, sizeof found);
        int para, sent;
        s_place(t, h->at, &para, &sent);
        char fix[120] = "say it in plain, everyday words";
        if (plain)
            snprintf(fix, sizeof fix, "write \"%s\" instead", plain);
        so_findings_add(out, SO_CHECK_JARGON, SO_ADVICE, para, sent, NULL,
                        "\"%s\" is jargon a reader may not follow: %s", found, fix);
    }
    free(hits.v);
}
