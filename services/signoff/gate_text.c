/* gate_text.c - a draft's text as the quality gate reads it: paragraphs,
 * sentences, words and syllables, and its Flesch reading ease (gate.h).
 * Pure. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

/* Words that end in a full stop without ending the sentence. */
static const char *const s_abbrev[] = {"dr",  "mr",  "mrs",  "ms",  "st",     "no",  "e.g",
                                       "i.e", "etc", "prof", "rev", "approx", "ref", NULL};

static int s_is_abbrev(const char *text, size_t dot)
{
    size_t b = dot;
    while (b > 0 && (isalpha((unsigned char)text[b - 1]) || text[b - 1] == '.'))
        b--;
    size_t n = dot - b;
    if (n == 0 || n > 8)
        return 0;
    char w[9];
    for (size_t i = 0; i < n; i++)
        w[i] = (char)tolower((unsigned char)text[b + i]);
    w[n] = 0;
    for (const char *const *a = s_abbrev; *a; a++)
        if (strcmp(*a, w) == 0)
            /* "No. 5", but "The answer is no. We ..." ends a sentence. */
            return strcmp(w, "no") != 0 ||
                   (text[dot + 1] == ' ' && isdigit((unsigned char)text[dot + 2]));
    /* A single capital ("J. Smith") is an initial. */
    return n == 1 && isupper((unsigned char)text[b]);
}

int so_syllables(const char *w, size_t len)
{
    char s[64];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof s - 1; i++)
        if (isalpha((unsigned char)w[i]))
            s[n++] = (char)tolower((unsigned char)w[i]);
    s[n] = 0;
    if (n == 0)
        return 1;
    if (n <= 3)
        return 1;
    /* Vowel groups, less a silent final "e" (not "-le"), "-es", "-ed". */
    int count = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        int v = strchr("aeiouy", s[i]) != NULL;
        if (v && !prev)
            count++;
        prev = v;
    }
    /* Only after a consonant: "make", "asked", "makes", but not "issue",
     * "agreed", "issues"; and "-es" is sounded after s, x, z, c, g
     * ("cases", "boxes", "places", "changes"). */
    int cons2 = !strchr("aeiouy", s[n - 2]), cons3 = !strchr("aeiouy", s[n - 3]);
    if (s[n - 1] == 'e' && cons2 && !(s[n - 2] == 'l' && cons3))
        count--;
    else if (s[n - 2] == 'e' && cons3 &&
             ((s[n - 1] == 'd' && !strchr("td", s[n - 3])) ||
              (s[n - 1] == 's' && !strchr("sxzcg", s[n - 3]))))
        count--;
    return count < 1 ? 1 : count;
}

/* Words and syllables of text[start, start+len). */
static void s_count(const char *text, size_t start, size_t len, int *words, int *syll)
{
    *words = *syll = 0;
    size_t i = start, end = start + len;
    while (i < end) {
        while (i < end && !isalnum((unsigned char)text[i]) && !((unsigned char)text[i] & 0x80))
            i++;
        size_t b = i;
        while (i < end && (isalnum((unsigned char)text[i]) || text[i] == '\'' || text[i] == '-' ||
                           ((unsigned char)text[i] & 0x80)))
            i++;
        if (i > b) {
            (*words)++;
            *syll += so_syllables(text + b, i - b);
        }
    }
}

static int s_push(so_text_t *t, size_t *cap, size_t start, size_t end, int para, int sent)
{
    /* Trim spaces and list markers' trailing spaces. */
    while (start < end && isspace((unsigned char)t->text[start]))
        start++;
    while (end > start && isspace((unsigned char)t->text[end - 1]))
        end--;
    if (end == start)
        return 0;
    if (t->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        so_sentence_t *s = realloc(t->s, nc * sizeof *s);
        if (!s)
            return -1;
        t->s = s;
        *cap = nc;
    }
    so_sentence_t *s = &t->s[t->n++];
    s->start = start;
    s->len = end - start;
    s->paragraph = para;
    s->sentence = sent;
    s_count(t->text, start, end - start, &s->words, &s->syllables);
    t->words += s->words;
    t->syllables += s->syllables;
    return 0;
}

/* Whether the full stop at dot ends a list item's number ("12. x" at the
 * start of a line), which is no sentence end. */
static int s_list_number(const char *text, size_t dot)
{
    size_t b = dot;
    while (b > 0 && text[b - 1] >= '0' && text[b - 1] <= '9')
        b--;
    if (b == dot)
        return 0;
    while (b > 0 && (text[b - 1] == ' ' || text[b - 1] == '\t'))
        b--;
    return b == 0 || text[b - 1] == '\n';
}

/* Whether a line starting at p is a list item ("- x", "* x", "12. x"). */
static int s_list_item(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if ((*p == '-' || *p == '*') && p[1] == ' ')
        return 1;
    const char *q = p;
    while (isdigit((unsigned char)*q))
        q++;
    return q > p && (*q == '.' || *q == ')') && q[1] == ' ';
}

int so_text_split(const char *text, so_text_t *t)
{
    memset(t, 0, sizeof *t);
    t->text = text ? text : "";
    const char *x = t->text;
    size_t n = strlen(x), cap = 0, i = 0, start = 0;
    int para = 0, sent = 0, in_para = 0;
    while (i <= n) {
        /* A paragraph break: a line with nothing but spaces. */
        int line_start = i == 0 || x[i - 1] == '\n';
        if (line_start) {
            size_t j = i;
            while (j < n && (x[j] == ' ' || x[j] == '\t' || x[j] == '\r'))
                j++;
            if (j >= n || x[j] == '\n') {
                if (in_para && s_push(t, &cap, start, i, para, ++sent) != 0)
                    goto oom;
                in_para = 0;
                i = j + 1;
                start = i;
                continue;
            }
            if (!in_para) {
                in_para = 1;
                para++;
                sent = 0;
                start = i;
            } else if (s_list_item(x + i)) {
                /* A list item starts a sentence of its own. */
                if (s_push(t, &cap, start, i, para, sent + 1) != 0)
                    goto oom;
                if (t->n && t->s[t->n - 1].start >= start)
                    sent = t->s[t->n - 1].sentence;
                start = i;
            }
        }
        if (i == n)
            break;
        char c = x[i];
        if (c == '\n') {
            /* A line without a sentence end before a new line: a heading
             * when nothing of a sentence is pending from an earlier line and
             * the next line starts with a capital (a sentence wrapped onto
             * the next line goes on in small letters). */
            size_t ls = i, nx = i + 1;
            while (ls > 0 && x[ls - 1] != '\n')
                ls--;
            while (nx < n && (x[nx] == ' ' || x[nx] == '\t'))
                nx++;
            int alone = start <= ls;
            for (size_t k = start; k < ls && alone; k++)
                alone = isspace((unsigned char)x[k]) != 0;
            if (alone && i > ls && nx < n && isupper((unsigned char)x[nx])) {
                size_t before = t->n;
                if (s_push(t, &cap, start, i, para, sent + 1) != 0)
                    goto oom;
                if (t->n > before)
                    sent++;
                start = i + 1;
            }
            i++;
            continue;
        }
        if ((c == '.' || c == '!' || c == '?') &&
            (i + 1 >= n || isspace((unsigned char)x[i + 1]) || x[i + 1] == '"' ||
             x[i + 1] == ')') &&
            !(c == '.' && (s_is_abbrev(x, i) || s_list_number(x, i)))) {
            size_t end = i + 1;
            while (end < n && (x[end] == '"' || x[end] == ')'))
                end++;
            size_t before = t->n;
            if (s_push(t, &cap, start, end, para, sent + 1) != 0)
                goto oom;
            if (t->n > before)
                sent++;
            i = start = end;
            continue;
        }
        i++;
    }
    if (in_para && start < n && s_push(t, &cap, start, n, para, sent + 1) != 0)
        goto oom;
    t->paragraphs = para;
    return 0;
oom:
    so_text_free(t);
    return -1;
}

void so_text_free(so_text_t *t)
{
    free(t->s);
    const char *text = t->text;
    memset(t, 0, sizeof *t);
    t->text = text;
}

double so_text_flesch(const so_text_t *t)
{
    if (t->n == 0 || t->words == 0)
        return 100.0;
    return 206.835 - 1.015 * ((double)t->words / (double)t->n) -
           84.6 * ((double)t->syllables / (double)t->words);
}

const so_sentence_t *so_text_at(const so_text_t *t, size_t at)
{
    for (size_t i = 0; i < t->n; i++)
        if (at >= t->s[i].start && at < t->s[i].start + t->s[i].len)
            return &t->s[i];
    return NULL;
}

size_t so_text_match(const char *x, size_t at, size_t end, const char *p, size_t plen, int icase)
{
    size_t i = at, j = 0;
    while (j < plen) {
        if (isspace((unsigned char)p[j])) {
            if (i >= end || !isspace((unsigned char)x[i]))
                return 0;
            while (i < end && isspace((unsigned char)x[i]))
                i++;
            while (j < plen && isspace((unsigned char)p[j]))
                j++;
            continue;
        }
        if (i >= end)
            return 0;
        /* A straight apostrophe matches a curly one (U+2019). */
        if (p[j] == '\'' && end - i >= 3 && memcmp(x + i, "\xe2\x80\x99", 3) == 0) {
            i += 3;
            j++;
            continue;
        }
        char a = x[i], b = p[j];
        if (icase ? tolower((unsigned char)a) != tolower((unsigned char)b) : a != b)
            return 0;
        i++;
        j++;
    }
    return i > at ? i : 0;
}
