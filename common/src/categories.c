/* categories.c - the rule for one row of the KO41a category lists
 * (categories.h). Pure: no I/O, no allocation. The migration (0017) holds
 * the same rule as CHECKs; change both together. */
#include "candour/categories.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/util.h"

static const char *const s_fields[CD_CATEGORY_F_COUNT] = {"list", "code", "name", "effective_from",
                                                          "effective_to"};

static const char *const s_lists[] = {"subject", "service-area", "profession", NULL};

const char *cd_category_field_name(cd_category_field_t field)
{
    assert(field >= 0 && field < CD_CATEGORY_F_COUNT);
    return s_fields[field];
}

int cd_category_list_valid(const char *list)
{
    if (!list)
        return 0;
    for (int i = 0; s_lists[i]; i++)
        if (strcmp(list, s_lists[i]) == 0)
            return 1;
    return 0;
}

int cd_category_code_valid(const char *code)
{
    if (!code)
        return 0;
    size_t n = 0;
    int word = 0; /* letters or digits since the last hyphen (or the start) */
    for (const char *p = code; *p; p++, n++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
            word++;
        else if (*p == '-' && word > 0)
            word = 0;
        else
            return 0;
    }
    return n >= 1 && n <= CD_CATEGORY_CODE_MAX && word > 0;
}

/* value as a message may quote it: printable ASCII as it is, any other byte
 * as \xNN (a file's stray bytes must not reach a terminal raw), cut after
 * about 40 bytes. */
static const char *s_shown(const char *value, char *out, size_t len)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p && o + 8 < len; p++) {
        if (o >= 40) {
            o += (size_t)snprintf(out + o, len - o, "...");
            break;
        }
        if (*p < 0x20 || *p > 0x7e)
            o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = 0;
    return out;
}

static int s_check_list(const char *s, cd_fail_t *f)
{
    char shown[64];
    if (!*s)
        return cd_fail(f, CD_CODE_REQUIRED, "list",
                       "list is required: subject, service-area or profession");
    if (!cd_category_list_valid(s))
        return cd_fail(f, CD_CODE_INVALID_ENUM, "list",
                       "'%s' is not a list: subject, service-area or profession",
                       s_shown(s, shown, sizeof shown));
    return 0;
}

static int s_check_code(const char *s, cd_fail_t *f)
{
    char shown[64];
    size_t n = strlen(s);
    if (n == 0)
        return cd_fail(f, CD_CODE_REQUIRED, "code", "code is required");
    if (n > CD_CATEGORY_CODE_MAX)
        return cd_fail(f, CD_CODE_TOO_LONG, "code",
                       "code is %zu characters long; at most %d are allowed", n,
                       CD_CATEGORY_CODE_MAX);
    if (!cd_category_code_valid(s))
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "code",
                       "'%s' is not a code: lower-case words (a-z, 0-9) joined by single hyphens,"
                       " e.g. clinical-treatment",
                       s_shown(s, shown, sizeof shown));
    return 0;
}

static int s_check_name(const char *s, cd_fail_t *f)
{
    size_t n = strlen(s);
    if (n == 0)
        return cd_fail(f, CD_CODE_REQUIRED, "name", "name is required");
    if (!cd_text_ok(s, n, 0))
        return cd_fail(f, CD_CODE_INVALID_TEXT, "name",
                       "name must be UTF-8 text on one line, without control characters");
    if (strspn(s, " ") == n)
        return cd_fail(f, CD_CODE_REQUIRED, "name", "name is required (it is blank)");
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        chars += (*p & 0xC0) != 0x80; /* valid UTF-8: count lead bytes */
    if (chars > CD_CATEGORY_NAME_MAX)
        return cd_fail(f, CD_CODE_TOO_LONG, "name",
                       "name is %zu characters long; at most %d are allowed", chars,
                       CD_CATEGORY_NAME_MAX);
    return 0;
}

static int s_check_from(const char *s, cd_fail_t *f)
{
    char shown[64];
    cd_date_t d;
    if (!*s)
        return cd_fail(f, CD_CODE_REQUIRED, "effective_from",
                       "effective_from is required: the first day the code is in force");
    if (cd_date_parse(s, &d) != 0)
        return cd_fail(f, CD_CODE_INVALID_DATE, "effective_from",
                       "'%s' is not a date written YYYY-MM-DD", s_shown(s, shown, sizeof shown));
    return 0;
}

static int s_check_to(const char *from, const char *to, cd_fail_t *f)
{
    char shown[64];
    cd_date_t a, b;
    if (!*to)
        return 0;
    if (cd_date_parse(to, &b) != 0)
        return cd_fail(f, CD_CODE_INVALID_DATE, "effective_to",
                       "'%s' is not a date written YYYY-MM-DD (or empty: still in force)",
                       s_shown(to, shown, sizeof shown));
    if (cd_date_parse(from, &a) == 0 && cd_date_cmp(b, a) <= 0)
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "effective_to",
                       "%s is not after effective_from %s (effective_to is the first day the"
                       " code is no longer in force)",
                       to, from);
    return 0;
}

int cd_category_check_field(const cd_category_row_t *row, cd_category_field_t field, cd_fail_t *f)
{
    assert(row && f);
    assert(row->list && row->code && row->name && row->effective_from && row->effective_to);
    switch (field) {
    case CD_CATEGORY_F_LIST:
        return s_check_list(row->list, f);
    case CD_CATEGORY_F_CODE:
        return s_check_code(row->code, f);
    case CD_CATEGORY_F_NAME:
        return s_check_name(row->name, f);
    case CD_CATEGORY_F_FROM:
        return s_check_from(row->effective_from, f);
    case CD_CATEGORY_F_TO:
        return s_check_to(row->effective_from, row->effective_to, f);
    case CD_CATEGORY_F_COUNT:
        break;
    }
    assert(!"no such column");
    return cd_fail(f, CD_CODE_INTERNAL, NULL, "no such column");
}

int cd_category_check(const cd_category_row_t *row, cd_fail_t *f)
{
    for (int i = 0; i < CD_CATEGORY_F_COUNT; i++)
        if (cd_category_check_field(row, (cd_category_field_t)i, f) != 0)
            return -1;
    return 0;
}
