/* reports_categories.c - the KO41a category lists as the reports use them
 * (reports.h: rq_cats_t). Subject areas, service areas and professions are
 * data: the file `candourctl categories import` loads into investigation's
 * schema (deploy/categories/ko41a.csv), which reporting may not read, so it
 * reads the file itself (CANDOUR_CATEGORIES_FILE) each time a report needs
 * it: 41 lines, and a file changed is seen at once. candourctl leaves the
 * CSV to PostgreSQL's COPY, and common/ has no CSV reader, so here is a
 * small one (RFC 4180: quoted fields, doubled quotes; CRLF or LF).
 *
 * The age bands and complainant statuses are the reporting schema's own
 * codes (complaint.proto's AgeBand and Standing enums), so they are listed
 * here with the enums, not read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/categories.h"
#include "candour/util.h"
#include "reports.h"

static const struct {
    ko41_section_t sec;
    const char *code, *label;
} s_builtin[] = {
    {KO41_SEC_AGE, "under-18", "Under 18"},
    {KO41_SEC_AGE, "18-to-64", "18 to 64"},
    {KO41_SEC_AGE, "65-and-over", "65 and over"},
    {KO41_SEC_AGE, "unknown", "Not known"},
    {KO41_SEC_STATUS, "self", "Patient"},
    {KO41_SEC_STATUS, "affected", "Someone affected"},
    {KO41_SEC_STATUS, "patient-consent", "On behalf of a patient, with consent"},
    {KO41_SEC_STATUS, "lacks-capacity", "On behalf of a patient who lacks capacity"},
    {KO41_SEC_STATUS, "child", "On behalf of a child"},
    {KO41_SEC_STATUS, "deceased", "On behalf of a patient who has died"},
    {KO41_SEC_STATUS, "unspecified", "Not known"},
};
#define S_NBUILTIN (sizeof s_builtin / sizeof s_builtin[0])

/* The next field of *p (a line's), unquoted into *w; *p moves past its comma.
 * Returns 1 at a line's end after the field, 0 otherwise, -1 on a quote left
 * open. */
static int s_field(char **p, char **w)
{
    char *s = *p, *o = *w;
    if (*s == '"') {
        for (s++;; s++) {
            if (!*s)
                return -1;
            if (*s == '"' && s[1] == '"')
                *o++ = *s++;
            else if (*s == '"') {
                s++;
                break;
            } else
                *o++ = *s;
        }
    } else
        while (*s && *s != ',' && *s != '\n' && *s != '\r')
            *o++ = *s++;
    *o++ = 0;
    *w = o;
    int end = *s != ',';
    if (*s == '\r')
        s++;
    if (*s)
        s++;
    *p = s;
    return end;
}

static ko41_section_t s_section(const char *list)
{
    if (strcmp(list, "subject") == 0)
        return KO41_SEC_SUBJECT;
    if (strcmp(list, "service-area") == 0)
        return KO41_SEC_SERVICE;
    if (strcmp(list, "profession") == 0)
        return KO41_SEC_PROFESSION;
    return KO41_SEC_COUNT;
}

int rq_cats_parse(const char *text, cd_date_t from, cd_date_t to, rq_cats_t *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t tl = strlen(text), lines = 1;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    char *src = strdup(text);
    out->text = malloc(tl + 1);
    out->cats = calloc(lines + S_NBUILTIN, sizeof *out->cats);
    if (!src || !out->text || !out->cats) {
        free(src);
        rq_cats_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < S_NBUILTIN; i++)
        out->cats[out->n++] =
            (ko41_category_t){s_builtin[i].sec, s_builtin[i].code, s_builtin[i].label, NULL};
    char *p = src, *w = out->text;
    for (int line = 1; *p; line++) {
        char *f[CD_CATEGORY_F_COUNT];
        int nf = 0, end = 0;
        while (!end) {
            f[nf < CD_CATEGORY_F_COUNT ? nf : CD_CATEGORY_F_COUNT - 1] = w;
            end = s_field(&p, &w);
            if (end < 0) {
                snprintf(err, errlen, "line %d: a quote is not closed", line);
                goto fail;
            }
            nf++;
        }
        if (line == 1)
            continue; /* the header */
        if (nf == 1 && !f[0][0])
            continue; /* a blank line */
        if (nf != CD_CATEGORY_F_COUNT) {
            snprintf(err, errlen, "line %d: %d fields, not 5", line, nf);
            goto fail;
        }
        ko41_section_t sec = s_section(f[CD_CATEGORY_F_LIST]);
        cd_date_t ef, et;
        if (sec == KO41_SEC_COUNT || !cd_category_code_valid(f[CD_CATEGORY_F_CODE]) ||
            cd_date_parse(f[CD_CATEGORY_F_FROM], &ef) != 0 ||
            (f[CD_CATEGORY_F_TO][0] && cd_date_parse(f[CD_CATEGORY_F_TO], &et) != 0)) {
            snprintf(err, errlen, "line %d: not a category (list,code,name,from,to)", line);
            goto fail;
        }
        /* In force on some day of the period: from <= to, and to < effective_to. */
        if (cd_date_cmp(ef, to) > 0 || (f[CD_CATEGORY_F_TO][0] && cd_date_cmp(et, from) <= 0))
            continue;
        out->cats[out->n++] =
            (ko41_category_t){sec, f[CD_CATEGORY_F_CODE], f[CD_CATEGORY_F_NAME], NULL};
    }
    free(src);
    return 0;
fail:
    free(src);
    rq_cats_free(out);
    return -1;
}

int rq_cats_load(const char *path, cd_date_t from, cd_date_t to, rq_cats_t *out, char *err,
                 size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, fp) : 0;
    fclose(fp);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    buf[n] = 0;
    int rc = rq_cats_parse(buf, from, to, out, err, errlen);
    free(buf);
    return rc;
}

void rq_cats_free(rq_cats_t *c)
{
    free(c->cats);
    free(c->text);
    memset(c, 0, sizeof *c);
}

const char *rq_cats_label(const rq_cats_t *c, ko41_section_t sec, const char *code)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (c->cats[i].section == sec && strcmp(c->cats[i].code, code) == 0)
            return c->cats[i].label;
    return code;
}
