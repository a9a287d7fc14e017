/* calendar.c - dates, bank holidays and working days in England and Wales.
 *
 * Internally every date is a day number (days since 1970-01-01), so that
 * "the next day" is + 1 and comparisons are integer comparisons; cd_date_t is
 * only the face shown to callers. The bank holidays of a year come either from
 * the rules (s_rules_year, recomputed on every query: a dozen integer
 * operations, cheaper than a cache and free of its locking) or from the loaded
 * gov.uk file, for the years that file covers. See calendar.h for the contract. */
#include "candour/calendar.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"

/* The largest holiday file we read. gov.uk's feed is about 20 KB for three
 * divisions and ten years; the limit only stops a wrong path (a log, a dump)
 * from being slurped into memory. */
#define S_MAX_FILE (4 * 1024 * 1024)

/* Most holidays the rules give in one year (2022 has ten: eight regular, a
 * jubilee and a state funeral). */
#define S_RULES_MAX 12

/* Day numbers of 0001-01-01 and 9999-12-31. */
#define S_DAYS_MIN (-719162)
#define S_DAYS_MAX 2932896

struct cd_calendar_t {
    int32_t *days; /* loaded holidays as day numbers, sorted, no repeats */
    int ndays;     /* entries in days */
    int *years;    /* years the loaded data is authoritative for, sorted, no repeats */
    int nyears;    /* entries in years */
};

/* ============================================================ day numbers */

static int s_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int s_month_days(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_is_leap(y) ? 29 : len[m - 1];
}

/* Howard Hinnant's days_from_civil: shift the year to start in March so the
 * leap day is the last day of the year, then count whole 400-year eras. Only
 * years >= 1 reach here, so the era arithmetic never divides a negative. */
static int32_t s_days(int y, int m, int d)
{
    y -= m <= 2;
    int era = y / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of s_days. */
static cd_date_t s_civil(int32_t z)
{
    assert(z >= S_DAYS_MIN && z <= S_DAYS_MAX);
    z += 719468;
    int era = z / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    cd_date_t out;
    out.d = doy - (153 * mp + 2) / 5 + 1;
    out.m = mp < 10 ? mp + 3 : mp - 9;
    out.y = yoe + era * 400 + (out.m <= 2);
    return out;
}

/* ISO weekday of a day number: 1970-01-01 was a Thursday. */
static int s_weekday(int32_t z)
{
    int r = (int)(((int64_t)z + 3) % 7);
    return (r < 0 ? r + 7 : r) + 1;
}

static int64_t s_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ================================================================= dates */

int cd_date_valid(cd_date_t d)
{
    return d.y >= 1 && d.y <= 9999 && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
           d.d <= s_month_days(d.y, d.m);
}

int cd_date_parse(const char *s, cd_date_t *out)
{
    assert(out);
    if (!s || strlen(s) != CD_DATE_LEN || s[4] != '-' || s[7] != '-')
        return CD_EINVAL;
    int v[3] = {0, 0, 0};
    static const int start[3] = {0, 5, 8}, width[3] = {4, 2, 2};
    for (int f = 0; f < 3; f++)
        for (int i = start[f]; i < start[f] + width[f]; i++) {
            if (s[i] < '0' || s[i] > '9')
                return CD_EINVAL;
            v[f] = v[f] * 10 + (s[i] - '0');
        }
    cd_date_t d = {v[0], v[1], v[2]};
    if (!cd_date_valid(d))
        return CD_EINVAL;
    *out = d;
    return 0;
}

void cd_date_format(cd_date_t d, char out[CD_DATE_LEN + 1])
{
    assert(cd_date_valid(d));
    /* By hand rather than snprintf: the compiler cannot see that the fields
     * are in range, and would warn at -O2 that "%04d" might overflow out. */
    int v[3] = {d.y, d.m, d.d}, width[3] = {4, 2, 2}, pos = 0;
    for (int f = 0; f < 3; f++) {
        for (int i = width[f] - 1; i >= 0; i--, v[f] /= 10)
            out[pos + i] = (char)('0' + v[f] % 10);
        pos += width[f];
        out[pos++] = f < 2 ? '-' : '\0';
    }
}

int32_t cd_date_to_days(cd_date_t d)
{
    assert(cd_date_valid(d));
    return s_days(d.y, d.m, d.d);
}

cd_date_t cd_date_from_days(int32_t days)
{
    return s_civil(days);
}

cd_date_t cd_date_add_days(cd_date_t d, int n)
{
    int64_t z = (int64_t)cd_date_to_days(d) + n;
    assert(z >= S_DAYS_MIN && z <= S_DAYS_MAX);
    return s_civil((int32_t)z);
}

int cd_date_weekday(cd_date_t d)
{
    return s_weekday(cd_date_to_days(d));
}

int cd_date_cmp(cd_date_t a, cd_date_t b)
{
    int32_t x = cd_date_to_days(a), y = cd_date_to_days(b);
    return (x > y) - (x < y);
}

/* The "Anonymous Gregorian algorithm" (Meeus, Astronomical Algorithms, ch. 8):
 * the Paschal full moon from the Metonic cycle with the solar and lunar
 * century corrections, then the Sunday after it. */
cd_date_t cd_date_easter(int year)
{
    assert(year >= 1 && year <= 9999);
    int a = year % 19, b = year / 100, c = year % 100;
    int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int n = h + l - 7 * m + 114;
    cd_date_t out = {year, n / 31, n % 31 + 1};
    return out;
}

/* 01:00 UTC on the last Sunday of month m (March or October: both have 31
 * days), as Unix seconds: the instant the UK clocks change. */
static int64_t s_change_instant(int y, int m)
{
    int32_t last = s_days(y, m, 31);
    last -= s_weekday(last) % 7; /* Sunday (7) stays, Monday (1) goes back one, ... */
    return (int64_t)last * 86400 + 3600;
}

int cd_london_offset(int64_t unix_seconds)
{
    /* The offset only ever moves an instant forward by an hour between March
     * and October, so the UTC year is the year whose rule applies. */
    int64_t day = s_floor_div(unix_seconds, 86400);
    assert(day >= S_DAYS_MIN && day <= S_DAYS_MAX);
    int y = s_civil((int32_t)day).y;
    return unix_seconds >= s_change_instant(y, 3) && unix_seconds < s_change_instant(y, 10) ? 3600
                                                                                            : 0;
}

cd_date_t cd_date_from_unix_london(int64_t unix_seconds)
{
    return s_civil((int32_t)s_floor_div(unix_seconds + cd_london_offset(unix_seconds), 86400));
}

void cd_date_words(cd_date_t d, int weekday, char *out, size_t len)
{
    static const char *const months[12] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
    static const char *const days[8] = {"",         "Monday", "Tuesday",  "Wednesday",
                                        "Thursday", "Friday", "Saturday", "Sunday"};
    assert(cd_date_valid(d));
    if (weekday)
        snprintf(out, len, "%s %d %s %d", days[cd_date_weekday(d)], d.d, months[d.m - 1], d.y);
    else
        snprintf(out, len, "%d %s %d", d.d, months[d.m - 1], d.y);
}

/* ================================================================= rules */

/* One-off changes by royal proclamation. A "moved" entry replaces the regular
 * early May or spring holiday of that year; an "extra" entry adds a day. Years
 * before 1978 are not here because the regular rules themselves do not hold
 * then (no early May holiday; Whit Monday before 1971). */
typedef enum { S_EXTRA, S_MOVE_EARLY_MAY, S_MOVE_SPRING } s_oneoff_kind_t;

static const struct {
    int y, m, d;          /* the day in question */
    s_oneoff_kind_t kind; /* what it does to the year's list */
} s_oneoffs[] = {
    {1981, 7, 29, S_EXTRA},         /* wedding of the Prince of Wales */
    {1995, 5, 8, S_MOVE_EARLY_MAY}, /* VE Day 50th anniversary */
    {1999, 12, 31, S_EXTRA},        /* millennium */
    {2002, 6, 4, S_MOVE_SPRING},    /* Golden Jubilee */
    {2002, 6, 3, S_EXTRA},          /* Golden Jubilee */
    {2011, 4, 29, S_EXTRA},         /* royal wedding */
    {2012, 6, 4, S_MOVE_SPRING},    /* Diamond Jubilee */
    {2012, 6, 5, S_EXTRA},          /* Diamond Jubilee */
    {2020, 5, 8, S_MOVE_EARLY_MAY}, /* VE Day 75th anniversary */
    {2022, 6, 2, S_MOVE_SPRING},    /* Platinum Jubilee */
    {2022, 6, 3, S_EXTRA},          /* Platinum Jubilee */
    {2022, 9, 19, S_EXTRA},         /* state funeral of Queen Elizabeth II */
    {2023, 5, 8, S_EXTRA},          /* coronation of King Charles III */
};

/* The nth (1-based) Monday of month m, or the last one when n == 0. */
static int32_t s_monday(int y, int m, int n)
{
    if (n == 0) {
        int32_t last = s_days(y, m, s_month_days(y, m));
        return last - (s_weekday(last) - CD_MONDAY);
    }
    int32_t first = s_days(y, m, 1);
    return first + (CD_MONDAY - s_weekday(first) + 7) % 7 + 7 * (n - 1);
}

static int s_cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int s_cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The rules' bank holidays of year y into out, sorted; returns the count. */
static int s_rules_year(int y, int32_t out[S_RULES_MAX])
{
    int n = 0;

    /* New Year's Day; at a weekend the holiday is the Monday after. */
    int32_t ny = s_days(y, 1, 1);
    int wd = s_weekday(ny);
    out[n++] = wd == CD_SATURDAY ? ny + 2 : wd == CD_SUNDAY ? ny + 1 : ny;

    int32_t easter = cd_date_to_days(cd_date_easter(y));
    out[n++] = easter - 2; /* Good Friday */
    out[n++] = easter + 1; /* Easter Monday */

    int32_t early_may = s_monday(y, 5, 1), spring = s_monday(y, 5, 0);
    for (size_t i = 0; i < sizeof s_oneoffs / sizeof s_oneoffs[0]; i++) {
        if (s_oneoffs[i].y != y)
            continue;
        int32_t z = s_days(y, s_oneoffs[i].m, s_oneoffs[i].d);
        if (s_oneoffs[i].kind == S_MOVE_EARLY_MAY)
            early_may = z;
        else if (s_oneoffs[i].kind == S_MOVE_SPRING)
            spring = z;
        else
            out[n++] = z;
    }
    out[n++] = early_may;
    out[n++] = spring;
    out[n++] = s_monday(y, 8, 0); /* summer bank holiday */

    /* Christmas and Boxing Day. A day at a weekend moves to the next weekday
     * not already taken: on Friday Boxing Day goes to Monday 28; on Saturday
     * both go to Monday 27 and Tuesday 28; on Sunday Boxing Day keeps Monday
     * 26 and Christmas takes Tuesday 27. */
    int32_t xmas = s_days(y, 12, 25);
    switch (s_weekday(xmas)) {
    case CD_FRIDAY:
        out[n++] = xmas;
        out[n++] = xmas + 3;
        break;
    case CD_SATURDAY:
        out[n++] = xmas + 2;
        out[n++] = xmas + 3;
        break;
    case CD_SUNDAY:
        out[n++] = xmas + 1;
        out[n++] = xmas + 2;
        break;
    default:
        out[n++] = xmas;
        out[n++] = xmas + 1;
        break;
    }
    assert(n <= S_RULES_MAX);
    qsort(out, (size_t)n, sizeof out[0], s_cmp_i32);
    return n;
}

/* ============================================================== calendar */

cd_calendar_t *cd_calendar_new(void)
{
    return calloc(1, sizeof(cd_calendar_t));
}

void cd_calendar_destroy(cd_calendar_t **pcal)
{
    if (!pcal || !*pcal)
        return;
    free((*pcal)->days);
    free((*pcal)->years);
    free(*pcal);
    *pcal = NULL;
}

int cd_calendar_covers_year(const cd_calendar_t *cal, int year)
{
    assert(cal);
    /* bsearch may not be given a NULL array, even with no elements. */
    return cal->nyears > 0 &&
           bsearch(&year, cal->years, (size_t)cal->nyears, sizeof(int), s_cmp_int) != NULL;
}

static int s_is_holiday(const cd_calendar_t *cal, int32_t z)
{
    int y = s_civil(z).y;
    if (cd_calendar_covers_year(cal, y))
        return bsearch(&z, cal->days, (size_t)cal->ndays, sizeof(int32_t), s_cmp_i32) != NULL;
    int32_t rules[S_RULES_MAX];
    int n = s_rules_year(y, rules);
    for (int i = 0; i < n; i++)
        if (rules[i] == z)
            return 1;
    return 0;
}

int cd_calendar_is_bank_holiday(const cd_calendar_t *cal, cd_date_t d)
{
    assert(cal);
    return s_is_holiday(cal, cd_date_to_days(d));
}

int cd_calendar_bank_holidays(const cd_calendar_t *cal, int year, cd_date_t *out, int max)
{
    assert(cal && year >= 1 && year <= 9999 && max >= 0 && (out || max == 0));
    int n = 0;
    if (cd_calendar_covers_year(cal, year)) {
        for (int i = 0; i < cal->ndays; i++) {
            cd_date_t d = s_civil(cal->days[i]);
            if (d.y != year)
                continue;
            if (n < max)
                out[n] = d;
            n++;
        }
        return n;
    }
    int32_t rules[S_RULES_MAX];
    n = s_rules_year(year, rules);
    for (int i = 0; i < n && i < max; i++)
        out[i] = s_civil(rules[i]);
    return n;
}

static int s_is_working(const cd_calendar_t *cal, int32_t z)
{
    if (s_weekday(z) >= CD_SATURDAY)
        return 0;
    /* Christmas Day and Good Friday are named by the Regulations themselves,
     * so a holiday file that leaves them out cannot make them working days. */
    cd_date_t d = s_civil(z);
    if (d.m == 12 && d.d == 25)
        return 0;
    if (z == cd_date_to_days(cd_date_easter(d.y)) - 2)
        return 0;
    return !s_is_holiday(cal, z);
}

int cd_calendar_is_working_day(const cd_calendar_t *cal, cd_date_t d)
{
    assert(cal);
    return s_is_working(cal, cd_date_to_days(d));
}

cd_date_t cd_workdays_add(const cd_calendar_t *cal, cd_date_t d, int n)
{
    assert(cal && n >= 0);
    int32_t z = cd_date_to_days(d);
    while (n > 0) {
        assert(z < S_DAYS_MAX);
        z++;
        if (s_is_working(cal, z))
            n--;
    }
    return s_civil(z);
}

int cd_workdays_between(const cd_calendar_t *cal, cd_date_t a, cd_date_t b)
{
    assert(cal);
    int32_t from = cd_date_to_days(a), to = cd_date_to_days(b);
    int sign = 1;
    if (to < from) {
        int32_t t = from;
        from = to;
        to = t;
        sign = -1;
    }
    int count = 0;
    for (int32_t z = from + 1; z <= to; z++)
        count += s_is_working(cal, z);
    return sign * count;
}

/* ================================================================ loading */

static void s_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Read the whole of path, NUL-terminated, into *out (caller frees). */
static int s_read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        s_set_err(err, errlen, "bank holidays: cannot open %s: %s", path, strerror(errno));
        return CD_EIO;
    }
    int rc = CD_OK;
    char *buf = malloc(S_MAX_FILE + 1);
    if (!buf) {
        rc = CD_ENOMEM;
        s_set_err(err, errlen, "bank holidays: out of memory reading %s", path);
        goto done;
    }
    /* Ask for one byte more than the limit, so a full read means too big. */
    size_t n = fread(buf, 1, S_MAX_FILE + 1, f);
    if (ferror(f)) {
        rc = CD_EIO;
        s_set_err(err, errlen, "bank holidays: cannot read %s", path);
    } else if (n > S_MAX_FILE) {
        rc = CD_ETOOBIG;
        s_set_err(err, errlen, "bank holidays: %s is over %d bytes; is it the right file?", path,
                  S_MAX_FILE);
    }
done:
    fclose(f);
    if (rc != CD_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CD_OK;
}

/* Pull the england-and-wales dates out of a parsed feed into a new sorted,
 * de-duplicated array. */
static int s_extract(json_t *root, const char *src, int32_t **pdays, int *pn, char *err,
                     size_t errlen)
{
    static const char *const div_name = "england-and-wales";
    if (!json_is_object(root)) {
        s_set_err(err, errlen, "bank holidays: %s: the top level is not a JSON object", src);
        return CD_EINVAL;
    }
    json_t *div = json_object_get(root, div_name);
    if (!div) {
        s_set_err(err, errlen, "bank holidays: %s: no \"%s\" division", src, div_name);
        return CD_EINVAL;
    }
    if (!json_is_object(div)) {
        s_set_err(err, errlen, "bank holidays: %s: \"%s\" is not an object", src, div_name);
        return CD_EINVAL;
    }
    /* A division object that names another division means the feed was
     * assembled wrongly; better to refuse than to count Scottish holidays. */
    json_t *label = json_object_get(div, "division");
    if (label && (!json_is_string(label) || strcmp(json_string_value(label), div_name) != 0)) {
        s_set_err(err, errlen, "bank holidays: %s: the \"%s\" object has a \"division\" of %s", src,
                  div_name, json_is_string(label) ? json_string_value(label) : "(not text)");
        return CD_EINVAL;
    }
    json_t *events = json_object_get(div, "events");
    if (!json_is_array(events)) {
        s_set_err(err, errlen, "bank holidays: %s: \"%s\" has no \"events\" array", src, div_name);
        return CD_EINVAL;
    }

    size_t n = json_array_size(events);
    int32_t *days = malloc((n ? n : 1) * sizeof *days);
    if (!days) {
        s_set_err(err, errlen, "bank holidays: %s: out of memory", src);
        return CD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *ev = json_array_get(events, i);
        json_t *date = json_is_object(ev) ? json_object_get(ev, "date") : NULL;
        cd_date_t d;
        if (!json_is_object(ev)) {
            s_set_err(err, errlen, "bank holidays: %s: %s event %zu is not an object", src,
                      div_name, i + 1);
        } else if (!json_is_string(date)) {
            s_set_err(err, errlen, "bank holidays: %s: %s event %zu has no \"date\" text", src,
                      div_name, i + 1);
        } else if (cd_date_parse(json_string_value(date), &d) != 0) {
            s_set_err(err, errlen,
                      "bank holidays: %s: %s event %zu has date \"%.40s\", not a real "
                      "YYYY-MM-DD day",
                      src, div_name, i + 1, json_string_value(date));
        } else {
            days[i] = cd_date_to_days(d);
            continue;
        }
        free(days);
        return CD_EINVAL;
    }
    qsort(days, n, sizeof *days, s_cmp_i32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || days[u - 1] != days[i])
            days[u++] = days[i];
    *pdays = days;
    *pn = (int)u;
    return CD_OK;
}

/* Fold newly loaded days into cal: the years they cover replace whatever was
 * known for those years. Allocates both results before touching cal, so a
 * failure leaves it as it was. */
static int s_merge(cd_calendar_t *cal, const int32_t *add, int nadd)
{
    int *years = malloc((size_t)(cal->nyears + nadd + 1) * sizeof *years);
    int32_t *days = malloc((size_t)(cal->ndays + nadd + 1) * sizeof *days);
    if (!years || !days) {
        free(years);
        free(days);
        return CD_ENOMEM;
    }
    int ny = 0, nd = 0;
    for (int i = 0; i < nadd; i++) {
        int y = s_civil(add[i]).y;
        if (ny == 0 || years[ny - 1] != y) /* add is sorted, so repeats are adjacent */
            years[ny++] = y;
    }
    int nnew = ny;
    for (int i = 0; i < cal->nyears; i++)
        if (!bsearch(&cal->years[i], years, (size_t)nnew, sizeof(int), s_cmp_int))
            years[ny++] = cal->years[i];
    for (int i = 0; i < cal->ndays; i++) {
        int y = s_civil(cal->days[i]).y;
        if (!bsearch(&y, years, (size_t)nnew, sizeof(int), s_cmp_int))
            days[nd++] = cal->days[i];
    }
    memcpy(days + nd, add, (size_t)nadd * sizeof *days);
    nd += nadd;
    qsort(years, (size_t)ny, sizeof *years, s_cmp_int);
    qsort(days, (size_t)nd, sizeof *days, s_cmp_i32);

    free(cal->years);
    free(cal->days);
    cal->years = years;
    cal->nyears = ny;
    cal->days = days;
    cal->ndays = nd;
    return CD_OK;
}

int cd_calendar_load_json(cd_calendar_t *cal, const char *path_or_text, char *err, size_t errlen)
{
    assert(cal && path_or_text);
    if (err && errlen)
        err[0] = '\0';

    const char *p = path_or_text;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    int is_text = *p == '{';
    const char *src = is_text ? "(JSON text)" : path_or_text;

    char *buf = NULL;
    size_t len = 0;
    int rc;
    if (is_text) {
        len = strlen(path_or_text);
    } else if ((rc = s_read_file(path_or_text, &buf, &len, err, errlen)) != CD_OK) {
        return rc;
    }

    json_error_t jerr;
    json_t *root = json_loadb(is_text ? path_or_text : buf, len, JSON_REJECT_DUPLICATES, &jerr);
    free(buf);
    if (!root) {
        s_set_err(err, errlen, "bank holidays: %s: not valid JSON at line %d column %d: %s", src,
                  jerr.line, jerr.column, jerr.text);
        return CD_EINVAL;
    }

    int32_t *days = NULL;
    int ndays = 0;
    rc = s_extract(root, src, &days, &ndays, err, errlen);
    json_decref(root);
    if (rc != CD_OK)
        return rc;
    rc = s_merge(cal, days, ndays);
    free(days);
    if (rc != CD_OK)
        s_set_err(err, errlen, "bank holidays: %s: out of memory", src);
    return rc;
}
