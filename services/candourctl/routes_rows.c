/* routes_rows.c - the routing table's CSV as records and rows, and the
 * checks each row and the whole table must pass (R1: one row per
 * organisation and service on any one day). No database: routes.c has
 * PostgreSQL read the records (COPY) and these checks judge what it read. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "routes.h"

const char *const ctl_routes_columns[F_COUNT] = {"org_id",         "service",      "service_name",
                                                 "kind",           "commissioner", "provider",
                                                 "effective_from", "effective_to"};

static const char *const s_kinds[] = {
    "nhs-acute",   "community",          "mental-health", "primary-care",  "continuing-healthcare",
    "specialised", "health-and-justice", "armed-forces",  "public-health", "adult-social-care",
    NULL};

/* ---------------------------------------------------------------- checks */

int ctl_routes_ident_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Strict YYYY-MM-DD naming a real day (no 2023-02-29, no 2023-7-1). */
int ctl_routes_date_ok(const char *s)
{
    cd_date_t d;
    return cd_date_parse(s, &d) == 0;
}

static int s_kind_ok(const char *s)
{
    for (int i = 0; s_kinds[i]; i++)
        if (strcmp(s, s_kinds[i]) == 0)
            return 1;
    return 0;
}

/* A name a person reads in a table: 1..200 characters, no control characters. */
static const char *s_name_problem(const char *s)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return "contains a control character or line break";
        if ((*p & 0xC0) != 0x80) /* UTF-8: count lead bytes only */
            chars++;
    }
    if (chars == 0)
        return "is empty";
    if (chars > 200)
        return "is longer than 200 characters";
    return NULL;
}

/* Report one problem with a row as `line N: field: message`. */
__attribute__((format(printf, 4, 5))) static void s_bad(int *nbad, size_t line, const char *field,
                                                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "line %zu: %s: ", line, field);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    (*nbad)++;
}

/* value as it may be shown in a message: control characters escaped (a
 * quoted field may hold a line break), cut at about 80 bytes. */
static const char *s_shown(const char *value, char *out, size_t len)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p && o + 8 < len; p++) {
        if (o >= 80) {
            o += (size_t)snprintf(out + o, len - o, "...");
            break;
        }
        if (*p == '\n')
            o += (size_t)snprintf(out + o, len - o, "\\n");
        else if (*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = 0;
    return out;
}

/* Check one row's fields; report each problem. Returns the number found. */
int ctl_routes_check_row(const ctl_route_row_t *r)
{
    int nbad = 0;
    char shown[128];
    static const int idents[] = {F_ORG, F_SERVICE, F_COMMISSIONER, F_PROVIDER};
    for (size_t i = 0; i < sizeof idents / sizeof idents[0]; i++)
        if (!ctl_routes_ident_ok(r->f[idents[i]]))
            s_bad(&nbad, r->line, ctl_routes_columns[idents[i]],
                  "'%s' is not an identifier (1 to 64 of A-Z a-z 0-9 . _ -)",
                  s_shown(r->f[idents[i]], shown, sizeof shown));
    const char *np = s_name_problem(r->f[F_NAME]);
    if (np)
        s_bad(&nbad, r->line, "service_name", "%s", np);
    if (!s_kind_ok(r->f[F_KIND]))
        s_bad(&nbad, r->line, "kind",
              "'%s' is not one of nhs-acute, community, mental-health, primary-care,"
              " continuing-healthcare, specialised, health-and-justice, armed-forces,"
              " public-health, adult-social-care",
              s_shown(r->f[F_KIND], shown, sizeof shown));
    int from_ok = ctl_routes_date_ok(r->f[F_FROM]);
    if (!from_ok)
        s_bad(&nbad, r->line, "effective_from", "'%s' is not a date (YYYY-MM-DD)",
              s_shown(r->f[F_FROM], shown, sizeof shown));
    if (*r->f[F_TO] && !ctl_routes_date_ok(r->f[F_TO]))
        s_bad(&nbad, r->line, "effective_to", "'%s' is not a date (YYYY-MM-DD, or empty)",
              s_shown(r->f[F_TO], shown, sizeof shown));
    /* Strict YYYY-MM-DD strings order as the days they name. */
    else if (*r->f[F_TO] && from_ok && strcmp(r->f[F_TO], r->f[F_FROM]) <= 0)
        s_bad(&nbad, r->line, "effective_to", "%s is not after effective_from (it is exclusive)",
              r->f[F_TO]);
    return nbad;
}

static int s_row_cmp(const void *a, const void *b)
{
    const ctl_route_row_t *x = *(ctl_route_row_t *const *)a, *y = *(ctl_route_row_t *const *)b;
    int c = strcmp(x->f[F_ORG], y->f[F_ORG]);
    if (!c)
        c = strcmp(x->f[F_SERVICE], y->f[F_SERVICE]);
    if (!c)
        c = strcmp(x->f[F_FROM], y->f[F_FROM]);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Rows of one org and service whose periods meet: each later-starting row
 * that begins before the furthest end seen so far is reported. Rows with bad
 * fields (already reported) are left out: their dates mean nothing. */
int ctl_routes_check_overlaps(ctl_route_row_t *rows, size_t n)
{
    int nbad = 0;
    ctl_route_row_t **v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        fprintf(stderr, "candourctl routes: out of memory\n");
        return 1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].ok)
            v[m++] = &rows[i];
    n = m;
    qsort(v, n, sizeof *v, s_row_cmp);
    const ctl_route_row_t *reach = NULL; /* the row of this group that ends last so far */
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i]->f[F_ORG], v[i - 1]->f[F_ORG]) != 0 ||
            strcmp(v[i]->f[F_SERVICE], v[i - 1]->f[F_SERVICE]) != 0) {
            reach = v[i];
            continue;
        }
        const char *end = reach->f[F_TO];
        if (!*end || strcmp(v[i]->f[F_FROM], end) < 0) {
            fprintf(stderr,
                    "line %zu: effective_from: %s %s from %s overlaps line %zu (from %s to %s)\n",
                    v[i]->line, v[i]->f[F_ORG], v[i]->f[F_SERVICE], v[i]->f[F_FROM], reach->line,
                    reach->f[F_FROM], *end ? end : "open");
            nbad++;
        }
        if (*end && (!*v[i]->f[F_TO] || strcmp(v[i]->f[F_TO], end) > 0))
            reach = v[i];
    }
    free(v);
    return nbad;
}

/* ---------------------------------------------------------------- file */

char *ctl_routes_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n > S_MAX_FILE)
            break;
        if (n == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p)
                free(buf);
            buf = p;
        }
    }
    int bad = !buf || ferror(f) || n > S_MAX_FILE;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

void ctl_routes_free_rows(ctl_route_row_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < F_COUNT; j++)
            free(rows[i].f[j]);
    free(rows);
}

/* Where each record of text lies, by COPY's own rule for CSV (PostgreSQL's
 * CopyReadLineText): every quote toggles "inside quotes", and a line feed
 * outside quotes ends the record. This reads no fields (COPY does); it only
 * lets a line COPY names be left out, and each row be given the line it
 * starts on. Blank lines are no records. Left out at once, with a report: a
 * carriage return not followed by a line feed (COPY would take it as a line
 * end of another kind), and a line holding only \. (COPY's end of data). A
 * record's CRLF goes to COPY as LF, so a file may mix the two. Returns the
 * number of records (the header first) in *precs, or -1 (out of memory). */
long ctl_routes_records(const char *text, size_t len, ctl_route_rec_t **precs, int *nbad)
{
    size_t i = 0, line = 1, n = 0, cap = 0;
    ctl_route_rec_t *recs = NULL;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* a byte order mark is not data */
    while (i < len) {
        size_t j = i, nl = 0;
        int quoted = 0, bare_cr = 0;
        for (; j < len && (text[j] != '\n' || quoted); j++) {
            if (text[j] == '"')
                quoted = !quoted;
            else if (text[j] == '\n')
                nl++;
            else if (text[j] == '\r' && (j + 1 == len || text[j + 1] != '\n'))
                bare_cr = 1;
        }
        size_t end = j > i && text[j - 1] == '\r' ? j - 1 : j;
        if (end > i) {
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                ctl_route_rec_t *p = realloc(recs, cap * sizeof *p);
                if (!p) {
                    free(recs);
                    return -1;
                }
                recs = p;
            }
            recs[n] = (ctl_route_rec_t){.start = i, .len = end - i, .line = line, .nlines = nl + 1};
            const char *why = bare_cr ? "carriage return not followed by a line feed"
                              : end - i == 2 && memcmp(text + i, "\\.", 2) == 0
                                  ? "a line holding only \\. (COPY's end of data)"
                                  : NULL;
            if (why && n > 0) {
                fprintf(stderr, "line %zu: csv: %s\n", line, why);
                recs[n].out = 1;
                (*nbad)++;
            } else if (why) {
                recs[n].out = 1; /* the header: reported as one */
            }
            n++;
        }
        line += nl + 1;
        i = j + 1;
    }
    *precs = recs;
    return (long)n;
}
