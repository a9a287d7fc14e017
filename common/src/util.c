/* util.c - small helpers shared by every daemon: ids, time, text checks,
 * host:port, PostgreSQL array literals.
 *
 * Everything here is a pure function of its inputs except cd_uuid() (kernel
 * randomness), cd_now_us() and cd_clock_now() (the clock) and
 * cd_thread_nice() (the scheduler), so the rules for
 * times, text and addresses can be tested exhaustively at their boundaries. */
#include "candour/util.h"

#include "candour/calendar.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

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

int cd_uuid_at(const char *s)
{
    for (int i = 0; i < CD_UUID_LEN; i++) {
        char c = s[i];
        int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-' : !hex)
            return 0;
    }
    return 1;
}

int cd_uuid_ok(const char *s)
{
    return s && strlen(s) == CD_UUID_LEN && cd_uuid_at(s);
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

/* ---------------------------------------------------------------- digits */

/* Read exactly n ASCII digits at s into *v. Returns false on any non-digit
 * (a sign, a space): isdigit() and sscanf's %d are avoided because they take
 * the locale's digits, a sign and leading blanks. */
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

int cd_parse_hostport(const char *s, char *host, size_t hostlen, int *port)
{
    assert(host && hostlen > 0 && port);
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (!colon)
        return -1;
    /* The port: one to five digits, nothing else (strtol would take a sign
     * and blanks), at most 65535. */
    size_t nd = strlen(colon + 1);
    int p;
    if (nd < 1 || nd > 5 || !s_digits(colon + 1, (int)nd, &p) || p > 65535)
        return -1;
    /* The host: a name or IPv4 address, or an IPv6 address in brackets (its
     * own colons are why); never empty. */
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (hl > 0 && s[0] == '[') {
        if (hl < 3 || s[hl - 1] != ']')
            return -1;
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= hostlen || memchr(h, '[', hl) || memchr(h, ']', hl) ||
        (h == s && memchr(h, ':', hl)))
        return -1;
    memcpy(host, h, hl);
    host[hl] = 0;
    *port = p;
    return 0;
}

char *cd_pg_text_array(const char *const *v, size_t n)
{
    assert(v || n == 0);
    /* Each element: its bytes, each perhaps escaped, two quotes and a comma;
     * then the braces and the NUL. Checked for overflow: the input is
     * whatever callers were given. */
    size_t len = 3;
    for (size_t i = 0; i < n; i++) {
        size_t el = v[i] ? strlen(v[i]) : 2; /* NULL: its 4 letters, unquoted */
        if (el > (SIZE_MAX - len - 3) / 2)
            return NULL;
        len += 2 * el + 3;
    }
    char *out = malloc(len), *o = out;
    if (!out)
        return NULL;
    *o++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        if (!v[i]) {
            memcpy(o, "NULL", 4);
            o += 4;
            continue;
        }
        *o++ = '"';
        for (const char *c = v[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *o++ = '\\';
            *o++ = *c;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = 0;
    assert((size_t)(o - out) < len);
    return out;
}

int cd_pg_text_columns(const char *const *v, size_t nrows, size_t ncols, char **out)
{
    for (size_t k = 0; k < ncols; k++)
        out[k] = NULL;
    const char **col = malloc((nrows ? nrows : 1) * sizeof *col);
    int rc = col ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < ncols; k++) {
        for (size_t i = 0; i < nrows; i++)
            col[i] = v[i * ncols + k];
        if (!(out[k] = cd_pg_text_array(col, nrows)))
            rc = -1;
    }
    free(col);
    for (size_t k = 0; rc != 0 && k < ncols; k++) {
        free(out[k]);
        out[k] = NULL;
    }
    return rc;
}

int64_t cd_parse_rfc3339(const char *s)
{
    /* The date is the calendar's (one parser of "YYYY-MM-DD" for Candour),
     * and so is the count of days from it. */
    char date[CD_DATE_LEN + 1];
    cd_date_t d;
    if (!s || strnlen(s, CD_DATE_LEN + 1) <= CD_DATE_LEN)
        return -1;
    memcpy(date, s, CD_DATE_LEN);
    date[CD_DATE_LEN] = 0;
    int h, mi, sec;
    if (cd_date_parse(date, &d) != 0 || (s[10] != 'T' && s[10] != 't') ||
        !s_digits(s + 11, 2, &h) || s[13] != ':' || !s_digits(s + 14, 2, &mi) || s[16] != ':' ||
        !s_digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 60)
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
        int oh, om;
        if (!s_digits(p + 1, 2, &oh) || p[3] != ':' || !s_digits(p + 4, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
        offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    return (int64_t)cd_date_to_days(d) * 86400 + h * 3600 + mi * 60 + sec - offset;
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

int cd_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cd_bytes_append(cd_bytes_t *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        while (b->len + n > cap)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

int cd_thread_nice(int n)
{
    if (n < 0 || n > 19) {
        errno = EINVAL;
        return -1;
    }
    /* Linux: PRIO_PROCESS with a thread id is that thread alone. */
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int now = getpriority(PRIO_PROCESS, tid);
    if (now == -1 && errno != 0)
        return -1;
    if (now >= n)
        return 0;
    return setpriority(PRIO_PROCESS, tid, n);
}
