/* ko41.c - KO41a and KO41b counting and their CSV (ko41.h). */
#include "ko41.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static const char *const s_section_names[KO41_SEC_COUNT] = {
    [KO41_SEC_AGE] = "age_of_patient",   [KO41_SEC_STATUS] = "status_of_complainant",
    [KO41_SEC_SERVICE] = "service_area", [KO41_SEC_CLINICAL] = "clinical_treatment",
    [KO41_SEC_SUBJECT] = "subject_area", [KO41_SEC_PROFESSION] = "profession",
};

const char *ko41_section_name(ko41_section_t sec)
{
    assert((unsigned)sec < KO41_SEC_COUNT);
    return s_section_names[sec];
}

/* The index of code in section sec, or -1. */
static long s_find(const ko41_category_t *cats, size_t n, ko41_section_t sec, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (cats[i].section == sec && strcmp(cats[i].code, code) == 0)
            return (long)i;
    return -1;
}

int ko41_categories_check(const ko41_category_t *cats, size_t n, cd_fail_t *f)
{
    assert(f && (cats || n == 0));
    char field[64];
    for (size_t i = 0; i < n; i++) {
        const ko41_category_t *c = &cats[i];
        if ((unsigned)c->section >= KO41_SEC_COUNT) {
            snprintf(field, sizeof field, "categories[%zu].section", i);
            return cd_fail(f, CD_CODE_INVALID_ENUM, field, "not a section of KO41a");
        }
        snprintf(field, sizeof field, "categories[%zu].code", i);
        if (!c->code || !c->code[0])
            return cd_fail(f, CD_CODE_REQUIRED, field, "a category needs a code");
        if (s_find(cats, i, c->section, c->code) >= 0)
            return cd_fail(f, CD_CODE_ALREADY_EXISTS, field, "\"%s\" is listed twice in %s",
                           c->code, ko41_section_name(c->section));
        snprintf(field, sizeof field, "categories[%zu].label", i);
        if (!c->label || !c->label[0])
            return cd_fail(f, CD_CODE_REQUIRED, field, "category \"%s\" needs a label", c->code);
    }
    /* Parents after the loop: a sub-category may come before its subject. */
    for (size_t i = 0; i < n; i++) {
        if (cats[i].section != KO41_SEC_CLINICAL)
            continue;
        snprintf(field, sizeof field, "categories[%zu].parent", i);
        if (!cats[i].parent || !cats[i].parent[0])
            return cd_fail(f, CD_CODE_REQUIRED, field, "sub-category \"%s\" names no subject area",
                           cats[i].code);
        if (s_find(cats, n, KO41_SEC_SUBJECT, cats[i].parent) < 0)
            return cd_fail(f, CD_CODE_INVALID_ENUM, field,
                           "sub-category \"%s\" refines \"%s\", which is not a subject area",
                           cats[i].code, cats[i].parent);
    }
    return 0;
}

void ko41a_zero(ko41a_t *out, size_t n_cats)
{
    assert(out && (out->counts || n_cats == 0));
    out->total = out->upheld = out->partially_upheld = out->not_upheld = 0;
    for (size_t i = 0; i < n_cats; i++)
        out->counts[i] = 0;
}

/* ------------------------------------------------------------------- KO41a */

/* The most category slots one complaint can touch that we track for the
 * "count once" rule without allocating; a complaint beyond it is refused
 * (no real complaint has 256 distinct categories). */
#define S_MAX_HITS 256

typedef struct {
    long idx[S_MAX_HITS]; /* category indexes this complaint counts under */
    size_t n;
} s_hits_t;

/* Resolve code in sec; on success remember its index once (the counting
 * rule: a complaint counts once under each distinct category). */
static int s_hit(const ko41_category_t *cats, size_t n_cats, ko41_section_t sec, const char *code,
                 const char *field, const char *what, s_hits_t *h, cd_fail_t *f)
{
    if (!code || !code[0])
        return cd_fail(f, CD_CODE_REQUIRED, field, "the %s is missing", what);
    long i = s_find(cats, n_cats, sec, code);
    if (i < 0)
        return cd_fail(f, CD_CODE_INVALID_ENUM, field, "\"%s\" is not a %s of the list", code,
                       what);
    for (size_t k = 0; k < h->n; k++)
        if (h->idx[k] == i)
            return 0;
    if (h->n == S_MAX_HITS)
        return cd_fail(f, CD_CODE_TOO_MANY, field, "more than %d categories in one complaint",
                       S_MAX_HITS);
    h->idx[h->n++] = i;
    return 0;
}

int ko41a_add(const ko41_category_t *cats, size_t n_cats, const ko41_complaint_t *c, ko41a_t *out,
              cd_fail_t *f)
{
    assert(c && out && f && (cats || n_cats == 0) && (c->aspects || c->n_aspects == 0));
    s_hits_t h = {.n = 0};
    char field[96];

    if (s_hit(cats, n_cats, KO41_SEC_AGE, c->age_band, "age_band", "patient's age band", &h, f) ||
        s_hit(cats, n_cats, KO41_SEC_STATUS, c->status, "status", "complainant's status", &h, f))
        return -1;
    for (size_t a = 0; a < c->n_aspects; a++) {
        const ko41_aspect_t *as = &c->aspects[a];
        snprintf(field, sizeof field, "aspects[%zu].subject", a);
        if (s_hit(cats, n_cats, KO41_SEC_SUBJECT, as->subject, field, "subject area", &h, f))
            return -1;
        snprintf(field, sizeof field, "aspects[%zu].service", a);
        if (s_hit(cats, n_cats, KO41_SEC_SERVICE, as->service, field, "service area", &h, f))
            return -1;
        if (as->clinical) {
            snprintf(field, sizeof field, "aspects[%zu].clinical", a);
            if (s_hit(cats, n_cats, KO41_SEC_CLINICAL, as->clinical, field,
                      "clinical treatment sub-category", &h, f))
                return -1;
            long i = s_find(cats, n_cats, KO41_SEC_CLINICAL, as->clinical);
            if (strcmp(cats[i].parent, as->subject) != 0)
                return cd_fail(f, CD_CODE_INVALID_ARGUMENT, field,
                               "\"%s\" is a sub-category of \"%s\", not of \"%s\"", as->clinical,
                               cats[i].parent, as->subject);
        }
        assert(as->professions || as->n_professions == 0);
        for (size_t p = 0; p < as->n_professions; p++) {
            snprintf(field, sizeof field, "aspects[%zu].professions[%zu]", a, p);
            if (s_hit(cats, n_cats, KO41_SEC_PROFESSION, as->professions[p], field, "profession",
                      &h, f))
                return -1;
        }
    }

    /* Checked: now count, so a refusal above left out untouched. */
    out->total++;
    out->upheld += c->outcome == KO41_UPHELD;
    out->partially_upheld += c->outcome == KO41_PARTIALLY_UPHELD;
    out->not_upheld += c->outcome == KO41_NOT_UPHELD;
    for (size_t k = 0; k < h.n; k++)
        out->counts[h.idx[k]]++;
    return 0;
}

/* Prefix f->field with prefix ("complaints[3]." + "aspects[0].subject"). */
static int s_prefix(cd_fail_t *f, const char *prefix)
{
    size_t lp = strlen(prefix), lf = strlen(f->field);
    assert(lp < sizeof f->field);
    if (lp + lf >= sizeof f->field)
        lf = sizeof f->field - 1 - lp; /* the path is cut, as errcode.h says */
    memmove(f->field + lp, f->field, lf);
    memcpy(f->field, prefix, lp);
    f->field[lp + lf] = '\0';
    return -1;
}

int ko41a_count(const ko41_category_t *cats, size_t n_cats, const ko41_complaint_t *cs, size_t n,
                ko41a_t *out, cd_fail_t *f)
{
    assert(out && f && (cs || n == 0));
    ko41a_zero(out, n_cats);
    if (ko41_categories_check(cats, n_cats, f))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (ko41a_add(cats, n_cats, &cs[i], out, f)) {
            char prefix[48];
            snprintf(prefix, sizeof prefix, "complaints[%zu].", i);
            ko41a_zero(out, n_cats);
            return s_prefix(f, prefix);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------- KO41b */

static int s_before(cd_date_t a, cd_date_t b)
{
    return cd_date_cmp(a, b) < 0;
}

static int s_bad(ko41b_t *out, int rc)
{
    memset(out, 0, sizeof *out);
    return rc;
}

int ko41b_count(cd_date_t from, cd_date_t to, const ko41b_complaint_t *cs, size_t n, ko41b_t *out,
                cd_fail_t *f)
{
    assert(out && f && (cs || n == 0));
    memset(out, 0, sizeof *out);
    if (!cd_date_valid(from))
        return cd_fail(f, CD_CODE_INVALID_DATE, "period.from",
                       "the period's first day is not a date");
    if (!cd_date_valid(to))
        return cd_fail(f, CD_CODE_INVALID_DATE, "period.to", "the period's last day is not a date");
    if (s_before(to, from))
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "period.to",
                       "the period ends before it starts, so it holds no day");

    char field[64];
    for (size_t i = 0; i < n; i++) {
        const ko41b_complaint_t *c = &cs[i];
        if (!cd_date_valid(c->received)) {
            snprintf(field, sizeof field, "complaints[%zu].received", i);
            return s_bad(out, cd_fail(f, CD_CODE_INVALID_DATE, field, "not a date"));
        }
        if (c->is_resolved) {
            snprintf(field, sizeof field, "complaints[%zu].resolved", i);
            if (!cd_date_valid(c->resolved))
                return s_bad(out, cd_fail(f, CD_CODE_INVALID_DATE, field, "not a date"));
            if (s_before(c->resolved, c->received))
                return s_bad(out, cd_fail(f, CD_CODE_INVALID_ARGUMENT, field,
                                          "resolved before it was received"));
            if (c->outcome == KO41_OPEN) {
                snprintf(field, sizeof field, "complaints[%zu].outcome", i);
                return s_bad(out, cd_fail(f, CD_CODE_REQUIRED, field,
                                          "a resolved complaint needs its outcome"));
            }
        }
        if (s_before(to, c->received))
            continue; /* after the period: not this return's */
        int resolved_before = c->is_resolved && s_before(c->resolved, from);
        int resolved_within = c->is_resolved && !resolved_before && !s_before(to, c->resolved);
        if (s_before(c->received, from)) {
            if (resolved_before)
                continue;
            out->brought_forward++;
        } else {
            out->new_++;
        }
        if (resolved_within) {
            out->resolved++;
            out->upheld += c->outcome == KO41_UPHELD;
            out->partially_upheld += c->outcome == KO41_PARTIALLY_UPHELD;
            out->not_upheld += c->outcome == KO41_NOT_UPHELD;
            out->withdrawn += c->outcome == KO41_WITHDRAWN;
        }
    }
    out->carried_forward = out->brought_forward + out->new_ - out->resolved;
    return 0;
}

/* --------------------------------------------------------------------- CSV */

/* Append n bytes of s at *pos, as far as they fit (keeping room for NUL). */
static void s_put(char *buf, size_t len, size_t *pos, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, (*pos)++)
        if (*pos + 1 < len)
            buf[*pos] = s[i];
}

static void s_puts(char *buf, size_t len, size_t *pos, const char *s)
{
    s_put(buf, len, pos, s, strlen(s));
}

void ko41_csv_field(char *buf, size_t len, size_t *pos, const char *s)
{
    if (!s)
        s = "";
    if (!s[strcspn(s, ",\"\r\n")]) {
        s_puts(buf, len, pos, s);
        return;
    }
    s_put(buf, len, pos, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            s_put(buf, len, pos, "\"", 1);
        s_put(buf, len, pos, s, 1);
    }
    s_put(buf, len, pos, "\"", 1);
}

static void s_long(char *buf, size_t len, size_t *pos, long v)
{
    char t[24];
    s_put(buf, len, pos, t, (size_t)snprintf(t, sizeof t, "%ld", v));
}

static void s_date(char *buf, size_t len, size_t *pos, cd_date_t d)
{
    char t[CD_DATE_LEN + 1];
    cd_date_format(d, t);
    s_puts(buf, len, pos, t);
}

static size_t s_end(char *buf, size_t len, size_t pos)
{
    if (len)
        buf[pos < len ? pos : len - 1] = '\0';
    return pos;
}

/* One KO41a line: identity, then section, code, label, count. */
static void s_a_line(char *buf, size_t len, size_t *pos, const ko41_ident_t *id, const char *sec,
                     const char *code, const char *label, long count)
{
    ko41_csv_field(buf, len, pos, id->org);
    s_puts(buf, len, pos, ",");
    ko41_csv_field(buf, len, pos, id->site);
    s_puts(buf, len, pos, ",");
    s_date(buf, len, pos, id->from);
    s_puts(buf, len, pos, ",");
    s_date(buf, len, pos, id->to);
    s_puts(buf, len, pos, ",");
    ko41_csv_field(buf, len, pos, sec);
    s_puts(buf, len, pos, ",");
    ko41_csv_field(buf, len, pos, code);
    s_puts(buf, len, pos, ",");
    ko41_csv_field(buf, len, pos, label);
    s_puts(buf, len, pos, ",");
    s_long(buf, len, pos, count);
    s_puts(buf, len, pos, "\r\n");
}

size_t ko41a_csv(const ko41_ident_t *id, const ko41_category_t *cats, size_t n_cats,
                 const ko41a_t *r, char *buf, size_t len)
{
    assert(id && r && (buf || len == 0) && (cats || n_cats == 0));
    size_t pos = 0;
    s_puts(buf, len, &pos,
           "organisation,site,period_start,period_end,section,code,label,count\r\n");
    s_a_line(buf, len, &pos, id, "summary", "total", "Total new written complaints received",
             r->total);
    s_a_line(buf, len, &pos, id, "summary", "upheld", "Upheld", r->upheld);
    s_a_line(buf, len, &pos, id, "summary", "partially-upheld", "Partially upheld",
             r->partially_upheld);
    s_a_line(buf, len, &pos, id, "summary", "not-upheld", "Not upheld", r->not_upheld);
    for (int sec = 0; sec < KO41_SEC_COUNT; sec++)
        for (size_t i = 0; i < n_cats; i++)
            if (cats[i].section == (ko41_section_t)sec)
                s_a_line(buf, len, &pos, id, s_section_names[sec], cats[i].code, cats[i].label,
                         r->counts[i]);
    return s_end(buf, len, pos);
}

size_t ko41b_csv(cd_date_t from, cd_date_t to, const char *const *orgs, const ko41b_t *rows,
                 size_t n, char *buf, size_t len)
{
    assert((orgs && rows) || n == 0);
    assert(buf || len == 0);
    size_t pos = 0;
    s_puts(buf, len, &pos,
           "organisation,period_start,period_end,brought_forward,new,upheld,"
           "partially_upheld,not_upheld,resolved,carried_forward\r\n");
    for (size_t i = 0; i < n; i++) {
        const ko41b_t *r = &rows[i];
        const long v[] = {r->brought_forward, r->new_,     r->upheld,         r->partially_upheld,
                          r->not_upheld,      r->resolved, r->carried_forward};
        ko41_csv_field(buf, len, &pos, orgs[i]);
        s_puts(buf, len, &pos, ",");
        s_date(buf, len, &pos, from);
        s_puts(buf, len, &pos, ",");
        s_date(buf, len, &pos, to);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            s_puts(buf, len, &pos, ",");
            s_long(buf, len, &pos, v[k]);
        }
        s_puts(buf, len, &pos, "\r\n");
    }
    return s_end(buf, len, pos);
}
