/* util.c - small helpers shared by every daemon: ids, time, text checks.
 *
 * Everything here is a pure function of its inputs except cd_uuid() (kernel
 * randomness) and cd_now_us() (the wall clock), so the rules for dates and
 * text can be tested exhaustively at their boundaries. */
#include "candour/util.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ------------------------------------------------------------------ ids */

/* Fill buf with n bytes from the kernel CSPRNG. Returns 0, or -1 if the
 * kernel cannot supply them. */
static int s_random_bytes(unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t rc = getrandom(buf + got, n - got, 0);
        if (rc < 0) {
            // A signal can interrupt the wait for the pool at early boot; retry.
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)rc;
    }
    return 0;
}

int cd_uuid(char out[CD_UUID_LEN + 1])
{
    assert(out);
    unsigned char b[16];
    if (s_random_bytes(b, sizeof b) != 0)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); // version 4 (random)
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); // variant 10xx (RFC 4122)

    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 0x0F];
    }
    *p = '\0';
    assert(p - out == CD_UUID_LEN);
    return 0;
}

/* ----------------------------------------------------------------- time */

int64_t cd_now_us(void)
{
    struct timespec ts;
    // CLOCK_REALTIME cannot fail with a valid pointer; the value is what matters.
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void cd_format_rfc3339(int64_t us, char out[32])
{
    assert(out);
    // Floor division, so times before 1970 keep a positive millisecond part.
    int64_t secs = us / 1000000;
    int64_t rem = us % 1000000;
    if (rem < 0) {
        rem += 1000000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    // gmtime_r cannot fail for an int64 of microseconds (year < 300000), and
    // strftime only fails when out is too small, which it is not for 4-digit years.
    if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(out, 32, "invalid-time");
        return;
    }
    size_t n = strlen(out);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(rem / 1000) % 1000);
}

/* ---------------------------------------------------------------- dates */

static bool s_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int s_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_is_leap(y) ? 29 : days[m - 1];
}

/* Read exactly n ASCII digits at s into *v. Returns false on any non-digit;
 * isdigit() is avoided because it depends on the locale. */
static bool s_digits(const char *s, int n, int *v)
{
    int acc = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        acc = acc * 10 + (s[i] - '0');
    }
    *v = acc;
    return true;
}

int cd_parse_date(const char *s, int *y, int *m, int *d)
{
    assert(y && m && d);
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int yy, mm, dd;
    if (!s_digits(s, 4, &yy) || !s_digits(s + 5, 2, &mm) || !s_digits(s + 8, 2, &dd))
        return -1;
    // Year 0000 exists in ISO 8601 but in no calendar a complainant uses.
    if (yy < 1 || mm < 1 || mm > 12 || dd < 1 || dd > s_days_in_month(yy, mm))
        return -1;
    *y = yy;
    *m = mm;
    *d = dd;
    return 0;
}

/* ----------------------------------------------------------------- text */

static bool s_is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Decode one UTF-8 sequence from p[0..n) into *cp following the table of
 * well-formed sequences in Unicode 15, table 3-7. Checking the second byte's
 * range per lead byte is what rejects overlongs (C0, C1, E0 80..9F, F0 80..8F),
 * surrogates (ED A0..BF) and code points above U+10FFFF (F4 90.., F5..FF).
 * Returns the sequence length, or 0 if ill-formed or truncated. */
static size_t s_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    uint32_t v = c & (0xFF >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if (!s_is_cont(p[i]))
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    *cp = v;
    return len;
}

/* Controls break log lines, CSV exports and the letters we print: C0
 * (except tab and newline in multi-line fields), DEL and the C1 block. */
static bool s_char_ok(uint32_t cp, int allow_newlines)
{
    if (cp == '\n' || cp == '\t')
        return allow_newlines;
    if (cp < 0x20 || cp == 0x7F)
        return false;
    return cp < 0x80 || cp > 0x9F;
}

int cd_text_ok(const char *s, size_t len, int allow_newlines)
{
    assert(s || len == 0);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t step = s_utf8_decode(p + i, len - i, &cp);
        if (step == 0 || !s_char_ok(cp, allow_newlines))
            return 0;
        i += step;
    }
    return 1;
}

/* ---------------------------------------------------------------- misc */

char *cd_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int64_t cd_parse_rfc3339(const char *s)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    if (s[10] != 'T' && s[10] != 't')
        return -1;
    int n2 = 0;
    if (sscanf(s + 11, "%2d:%2d:%2d%n", &h, &mi, &sec, &n2) != 3 || n2 != 8)
        return -1;
    int yy, mm, dd;
    char date[11];
    memcpy(date, s, 10);
    date[10] = 0;
    if (cd_parse_date(date, &yy, &mm, &dd) != 0 || h > 23 || mi > 59 || sec > 60 || h < 0 ||
        mi < 0 || sec < 0)
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, n3 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n3) != 2 || n3 != 5 || oh > 23 || om > 59)
            return -1;
        offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    /* Days from the civil date (proleptic Gregorian), no time zone involved. */
    int64_t yr = yy - (mm <= 2);
    int64_t era = (yr >= 0 ? yr : yr - 399) / 400;
    int64_t yoe = yr - era * 400;
    int64_t doy = (153 * (mm + (mm > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + h * 3600 + mi * 60 + sec - offset;
}

int64_t cd_clock_now(void)
{
    const char *path = getenv("CANDOUR_CLOCK_FILE");
    if (path && *path) {
        FILE *f = fopen(path, "r");
        char line[64] = "";
        int ok = f && fgets(line, sizeof line, f) != NULL;
        if (f)
            fclose(f);
        line[strcspn(line, "\r\n")] = 0;
        int64_t t = ok ? cd_parse_rfc3339(line) : -1;
        if (t >= 0)
            return t;
    }
    return cd_now_us() / 1000000;
}
