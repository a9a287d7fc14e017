/* reports_categories.c - the KO41a category lists as the reports use them
 * (reports.h: rq_cats_t). Subject areas, service areas and professions are
 * data: the rows `candourctl categories import` loads into investigation's
 * schema, which key issues are filed under; the reports read them through
 * reporting.categories (migration 0038) in the request's transaction, so a
 * list imported is seen by the next report, and there is one list.
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

int rq_cats_rows(const PGresult *r, rq_cats_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int rows = PQntuples(r);
    size_t bytes = 0;
    for (int i = 0; i < rows; i++)
        bytes += strlen(PQgetvalue(r, i, 1)) + strlen(PQgetvalue(r, i, 2)) + 2;
    out->text = malloc(bytes + 1);
    out->cats = calloc((size_t)rows + S_NBUILTIN, sizeof *out->cats);
    if (!out->text || !out->cats) {
        rq_cats_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < S_NBUILTIN; i++)
        out->cats[out->n++] =
            (ko41_category_t){s_builtin[i].sec, s_builtin[i].code, s_builtin[i].label, NULL};
    char *w = out->text;
    for (int i = 0; i < rows; i++) {
        ko41_section_t sec = s_section(PQgetvalue(r, i, 0));
        const char *code = PQgetvalue(r, i, 1);
        if (sec == KO41_SEC_COUNT || !cd_category_code_valid(code)) {
            snprintf(err, errlen, "row %d: not a category of a KO41a list", i + 1);
            rq_cats_free(out);
            return -1;
        }
        /* Both fit: text was sized from these same lengths above. */
        size_t lc = strlen(code) + 1, ln = strlen(PQgetvalue(r, i, 2)) + 1;
        char *c = memcpy(w, code, lc), *name = memcpy(w + lc, PQgetvalue(r, i, 2), ln);
        w += lc + ln;
        out->cats[out->n++] = (ko41_category_t){sec, c, name, NULL};
    }
    return 0;
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
