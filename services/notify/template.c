/* template.c - letter templates: the tables of families, parts and
 * variables, the check made at import and the rendering (see template.h).
 * Pure: text in, text out.
 *
 * One scanner reads a template for both: it walks the text once, checking
 * it is UTF-8 without control characters and finding each {{name}}, and
 * hands literal runs and names to a visitor. nt_tpl_check's visitor judges
 * each name against the table for the kind; nt_tpl_render's copies the
 * runs and puts in the values. So a text the check passed renders by the
 * same reading of its braces. */
#include "template.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- tables */

/* The families, in the order of their bits. */
static const char *const s_families[] = {
    "acknowledgement",
    "consent-request",
    "triage-outcome",
    "progress",
    "extension",
    "late-response",
    "final-response",
    "covering-letter",
    "withdrawal-confirmation",
    NULL,
};
enum {
    S_ACK = 1u << 0,
    S_PROGRESS = 1u << 3,
    S_EXTENSION = 1u << 4,
    S_LATE = 1u << 5,
    S_COVERING = 1u << 7,
    S_NFAMILIES = sizeof s_families / sizeof s_families[0] - 1,
    S_EVERY = (1u << S_NFAMILIES) - 1,
};

static const char *const s_parts[] = {"letterhead", "signature", "footer", "covering", NULL};

/* Only variables whose value every letter of the families given has: adding
 * a family to a variable is a promise that notify fills it for every letter
 * of that family (the lead's lookup), since a template of the family may
 * now use it. */
static const nt_tpl_var_t s_vars[] = {
    {"reference", S_EVERY, "the complaint's reference", "CDR-SAMP-LE00"},
    {"today", S_EVERY, "the letter's date, in words", "Friday 4 December 2026"},
    {"org.name", S_EVERY, "the body writing, as its letters name it",
     "NHS Sample Integrated Care Board"},
    {"complainant.salutation", S_EVERY,
     "the person written to, as they asked to be addressed (after \"Dear\")", "Mrs Patel"},
    {"signatory.name", S_EVERY, "who signs the letter", "Dr Alex Morgan"},
    {"signatory.role", S_EVERY, "their role or job title", "Head of Patient Experience"},
    {"response.due", S_ACK | S_PROGRESS | S_EXTENSION | S_LATE,
     "the date the response is due, as it now stands, in words", "Monday 18 January 2027"},
};
enum { S_NVARS = sizeof s_vars / sizeof s_vars[0] };

const char *const *nt_tpl_families(void)
{
    return s_families;
}

const char *const *nt_tpl_parts(void)
{
    return s_parts;
}

const nt_tpl_var_t *nt_tpl_vars(size_t *n)
{
    assert(n);
    *n = S_NVARS;
    return s_vars;
}

/* The bits of kind: one family's, S_EVERY for "*", 0 for no kind. */
static unsigned s_kind_bits(const char *kind)
{
    if (strcmp(kind, NT_TPL_EVERY) == 0)
        return S_EVERY;
    for (unsigned i = 0; s_families[i]; i++)
        if (strcmp(kind, s_families[i]) == 0)
            return 1u << i;
    return 0;
}

static const nt_tpl_var_t *s_var(const char *name, size_t len)
{
    for (size_t i = 0; i < S_NVARS; i++)
        if (strlen(s_vars[i].name) == len && memcmp(s_vars[i].name, name, len) == 0)
            return &s_vars[i];
    return NULL;
}

int nt_tpl_family(const char *letter_kind, char *out, size_t n)
{
    assert(letter_kind && out);
    if (n)
        out[0] = 0;
    for (size_t i = 0; s_families[i]; i++) {
        size_t len = strlen(s_families[i]);
        if (strncmp(letter_kind, s_families[i], len) != 0)
            continue;
        const char *rest = letter_kind + len;
        /* No family is another's prefix followed by '-', so one matches. */
        if (*rest && (rest[0] != '-' || !rest[1] ||
                      strspn(rest + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789-") != strlen(rest + 1)))
            continue;
        if (len + 1 > n)
            return -1;
        memcpy(out, s_families[i], len + 1);
        return 0;
    }
    return -1;
}

int nt_tpl_part_known(const char *part)
{
    assert(part);
    for (size_t i = 0; s_parts[i]; i++)
        if (strcmp(part, s_parts[i]) == 0)
            return 1;
    return 0;
}

int nt_tpl_part_allowed(const char *kind, const char *part)
{
    assert(kind && part);
    unsigned bits = s_kind_bits(kind);
    if (!bits || !nt_tpl_part_known(part))
        return 0;
    /* The covering letter's words are the whole of that letter: no other
     * letter has them. */
    return strcmp(part, "covering") != 0 || bits == S_COVERING;
}

int nt_tpl_var_allowed(const char *kind, const char *name)
{
    assert(kind && name);
    unsigned bits = s_kind_bits(kind);
    const nt_tpl_var_t *v = s_var(name, strlen(name));
    return bits && v && (v->kinds & bits) == bits;
}

char *nt_tpl_vars_for(const char *kind, char *out, size_t n)
{
    assert(kind && out && n);
    unsigned bits = s_kind_bits(kind);
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; bits && i < S_NVARS && len < n; i++)
        if ((s_vars[i].kinds & bits) == bits) {
            int k = snprintf(out + len, n - len, "%s%s", len ? ", " : "", s_vars[i].name);
            len += k > 0 ? (size_t)k : 0;
        }
    return out;
}

const char *nt_tpl_sample(const char *name, void *arg)
{
    (void)arg;
    const nt_tpl_var_t *v = s_var(name, strlen(name));
    return v ? v->sample : NULL;
}

/* ---------------------------------------------------------------- scanner */

static int s_fail(nt_tpl_error_t *err, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_fail(nt_tpl_error_t *err, int line, int col, const char *fmt, ...)
{
    if (err) {
        err->line = line;
        err->col = col;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* What the scanner hands on: a literal run, and a variable's name (trimmed,
 * a valid name) with where its "{{" is. Each returns 0, or -1 with err
 * filled to stop the scan. */
typedef struct {
    int (*literal)(void *arg, const char *p, size_t n);
    int (*var)(void *arg, const char *name, size_t n, int line, int col, nt_tpl_error_t *err);
    void *arg;
} s_visitor_t;

/* The length of the UTF-8 sequence at p (at most n bytes), its code point
 * in *cp; 0 when it is ill-formed, truncated, overlong, a surrogate or
 * beyond U+10FFFF. */
static size_t s_utf8(const unsigned char *p, size_t n, unsigned *cp)
{
    unsigned c = p[0], min;
    size_t len;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80, c &= 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800, c &= 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000, c &= 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static int s_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* The characters (not bytes) in p[0..n). */
static int s_chars(const char *p, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)p[i] & 0xc0) != 0x80;
    return k;
}

/* The "{{ ... }}" at t[i] (t[i], t[i+1] are '{'): its name checked for form
 * and handed to v; the index after its "}}" into *next. 0, or -1 (err). */
static int s_placeholder(const char *t, size_t len, size_t i, int line, int col,
                         const s_visitor_t *v, size_t *next, nt_tpl_error_t *err)
{
    size_t j = i + 2;
    while (j + 1 < len && t[j] != '\n' && !(t[j] == '}' && t[j + 1] == '}'))
        j++;
    if (j + 1 >= len || t[j] == '\n')
        return s_fail(err, line, col,
                      "'{{' is not closed on its line: a variable is written {{name}}");
    size_t a = i + 2, b = j;
    while (a < b && (t[a] == ' ' || t[a] == '\t'))
        a++;
    while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\t'))
        b--;
    if (a == b)
        return s_fail(err, line, col, "'{{}}' has no variable's name in it");
    for (size_t k = a; k < b; k++)
        if (!s_name_char(t[k])) {
            /* Quote the name only when it is plain ASCII that prints. */
            int plain = 1;
            for (size_t m = a; m < b; m++)
                plain &= t[m] >= 0x20 && t[m] < 0x7f;
            if (plain)
                return s_fail(err, line, col,
                              "'{{%.*s}}' is not a variable: a name has only a-z, 0-9, '.', '_'"
                              " and '-'",
                              (int)(b - a > 80 ? 80 : b - a), t + a);
            return s_fail(err, line, col,
                          "this {{...}} is not a variable: a name has only a-z, 0-9, '.', '_'"
                          " and '-'");
        }
    if (v->var(v->arg, t + a, b - a, line, col, err) != 0)
        return -1;
    *next = j + 2;
    return 0;
}

/* Read the whole of t[0..len) as a template, handing it to v. 0, or -1 with
 * err filled at the first problem. */
static int s_scan(const char *t, size_t len, const s_visitor_t *v, nt_tpl_error_t *err)
{
    int line = 1, col = 1;
    size_t i = 0, lit = 0;
    while (i < len) {
        unsigned char c = (unsigned char)t[i];
        if (c == '{' && i + 1 < len && t[i + 1] == '{') {
            if (v->literal(v->arg, t + lit, i - lit) != 0)
                return s_fail(err, 0, 0, "out of memory");
            size_t next;
            if (s_placeholder(t, len, i, line, col, v, &next, err) != 0)
                return -1;
            col += s_chars(t + i, next - i);
            i = lit = next;
            continue;
        }
        if (c == '}' && i + 1 < len && t[i + 1] == '}')
            return s_fail(err, line, col, "'}}' with no '{{' before it");
        if (c == '{') {
            /* "{org.name}": a variable meant, which would print as written. */
            size_t j = i + 1;
            while (j < len && s_name_char(t[j]))
                j++;
            if (j < len && t[j] == '}' && s_var(t + i + 1, j - i - 1))
                return s_fail(err, line, col, "'{%.*s}' has single braces: write {{%.*s}}",
                              (int)(j - i - 1), t + i + 1, (int)(j - i - 1), t + i + 1);
        }
        if (c == '\n') {
            line++, col = 1, i++;
            continue;
        }
        if (c == '\r')
            return s_fail(err, line, col,
                          "a carriage return (\\r): save the file with Unix line endings (\\n)");
        if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
            col++, i++;
            continue;
        }
        if (c < 0x80)
            return s_fail(err, line, col,
                          "a control character (0x%02x): only text, new lines"
                          " and tabs may be in a letter",
                          c);
        unsigned cp;
        size_t n = s_utf8((const unsigned char *)t + i, len - i, &cp);
        if (!n)
            return s_fail(err, line, col, "not valid UTF-8 (byte 0x%02x): save the file as UTF-8",
                          c);
        if (cp <= 0x9f)
            return s_fail(err, line, col,
                          "a control character (U+%04X): only text, new lines and tabs may be"
                          " in a letter",
                          cp);
        if (cp == 0xfeff)
            return s_fail(err, line, col,
                          "a byte-order mark (U+FEFF): save the file as UTF-8 without one");
        if (cp == 0x2028 || cp == 0x2029)
            return s_fail(err, line, col,
                          "a Unicode line or paragraph separator (U+%04X): use"
                          " a new line",
                          cp);
        col++, i += n;
    }
    if (v->literal(v->arg, t + lit, len - lit) != 0)
        return s_fail(err, 0, 0, "out of memory");
    return 0;
}

/* ---------------------------------------------------------------- check */

static int s_no_literal(void *arg, const char *p, size_t n)
{
    (void)arg, (void)p, (void)n;
    return 0;
}

/* A name is allowed for the kind the check is for (arg). */
static int s_check_var(void *arg, const char *name, size_t n, int line, int col,
                       nt_tpl_error_t *err)
{
    const char *kind = arg;
    const nt_tpl_var_t *var = s_var(name, n);
    if (!var) {
        /* The name has only [a-z0-9._-]: safe to quote. */
        return s_fail(
            err, line, col, "{{%.*s}} is not a variable Candour knows (see the variables for %s)",
            (int)(n > 60 ? 60 : n), name, strcmp(kind, NT_TPL_EVERY) == 0 ? "every letter" : kind);
    }
    unsigned bits = s_kind_bits(kind);
    if ((var->kinds & bits) == bits)
        return 0;
    char in[160] = "";
    size_t len = 0;
    for (size_t i = 0; s_families[i] && len < sizeof in; i++)
        if (var->kinds & (1u << i)) {
            int k = snprintf(in + len, sizeof in - len, "%s%s", len ? ", " : "", s_families[i]);
            len += k > 0 ? (size_t)k : 0;
        }
    if (bits == S_EVERY)
        return s_fail(err, line, col,
                      "{{%s}} has a value only in some letters (%s), so a template for every"
                      " letter may not use it",
                      var->name, in);
    return s_fail(err, line, col,
                  "{{%s}} has no value in every %s letter, so it could print a blank (it is"
                  " only for: %s)",
                  var->name, kind, in);
}

int nt_tpl_check_n(const char *kind, const char *part, const char *text, size_t len,
                   nt_tpl_error_t *err)
{
    assert(kind && part && (text || !len));
    if (!s_kind_bits(kind))
        return s_fail(err, 0, 0, "'%.40s' is not a kind of letter", kind);
    if (!nt_tpl_part_known(part))
        return s_fail(err, 0, 0,
                      "'%.40s' is not a part of a letter (letterhead, signature, footer,"
                      " covering)",
                      part);
    if (!nt_tpl_part_allowed(kind, part))
        return s_fail(err, 0, 0, "a %s part is only for the covering-letter kind", part);
    if (len > NT_TPL_MAX)
        return s_fail(err, 0, 0, "the text is %zu bytes long; at most %d are allowed", len,
                      NT_TPL_MAX);
    s_visitor_t v = {s_no_literal, s_check_var, (void *)kind};
    if (s_scan(text, len, &v, err) != 0)
        return -1;
    /* Checked after the scan, so a blank-looking text of control
     * characters is told as what it is. */
    size_t k = 0;
    while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n'))
        k++;
    if (k == len)
        return s_fail(err, 0, 0, "the template is empty");
    return 0;
}

int nt_tpl_check(const char *kind, const char *part, const char *text, nt_tpl_error_t *err)
{
    assert(text);
    return nt_tpl_check_n(kind, part, text, strlen(text), err);
}

/* ---------------------------------------------------------------- render */

typedef struct {
    char *p;
    size_t len, cap;
    nt_tpl_lookup_fn lookup;
    void *arg;
} s_out_t;

static int s_put(void *arg, const char *p, size_t n)
{
    s_out_t *o = arg;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (o->len + n + 1 > cap)
            cap *= 2;
        char *q = realloc(o->p, cap);
        if (!q)
            return -1;
        o->p = q;
        o->cap = cap;
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
    o->p[o->len] = 0;
    return 0;
}

static int s_put_var(void *arg, const char *name, size_t n, int line, int col, nt_tpl_error_t *err)
{
    s_out_t *o = arg;
    char key[64];
    if (n >= sizeof key || !s_var(name, n))
        return s_fail(err, line, col, "{{%.*s}} is not a variable Candour knows",
                      (int)(n > 60 ? 60 : n), name);
    memcpy(key, name, n);
    key[n] = 0;
    const char *value = o->lookup(key, o->arg);
    if (!value || !*value)
        return s_fail(err, line, col, "{{%s}} has no value for this letter", key);
    if (s_put(o, value, strlen(value)) != 0)
        return s_fail(err, 0, 0, "out of memory");
    return 0;
}

char *nt_tpl_render(const char *text, nt_tpl_lookup_fn lookup, void *arg, nt_tpl_error_t *err)
{
    assert(text && lookup);
    size_t len = strlen(text);
    if (len > NT_TPL_MAX) {
        s_fail(err, 0, 0, "the text is %zu bytes long; at most %d are allowed", len, NT_TPL_MAX);
        return NULL;
    }
    s_out_t o = {.lookup = lookup, .arg = arg};
    s_visitor_t v = {s_put, s_put_var, &o};
    if (s_scan(text, len, &v, err) != 0) {
        free(o.p);
        return NULL;
    }
    /* An empty text renders as "", allocated like any other. */
    if (s_put(&o, "", 0) != 0) {
        s_fail(err, 0, 0, "out of memory");
        free(o.p);
        return NULL;
    }
    return o.p;
}
