/* rules_util.h - internal to the investigation's rules (casework.c,
 * attachment.c, findings.c, timing.c): the refusal that fills a cd_fail_t on
 * a field's path, the checks of free text and of dates that every group of
 * rules makes, and the limits they share. Not for handlers: they call the
 * rules, not these.
 *
 * static inline, so each file has its own copy and none is exported from the
 * library. */
#ifndef INVESTIGATION_RULES_UTIL_H
#define INVESTIGATION_RULES_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "candour/util.h"
#include "casework.h"

#define IV_MAX_TEXT 2000     /* a reason, a note, an apology, an action */
#define IV_MAX_ACCOUNT 10000 /* an evidence summary, what happened */
#define IV_MAX_NAME 200      /* a source, an owner, who agreed */
#define IV_MAX_ECHO 64       /* the longest input quoted back in a message */

/* ================================================================ refusals */

/* field and member joined as a path: "a.b", "a[2]", or either alone. */
static inline void s_path(char out[CD_FAIL_FIELD_LEN], const char *field, const char *member)
{
    field = field ? field : "";
    member = member ? member : "";
    const char *dot = field[0] && member[0] && member[0] != '[' ? "." : "";
    snprintf(out, CD_FAIL_FIELD_LEN, "%s%s%s", field, dot, member);
}

__attribute__((format(printf, 5, 6))) static inline int
s_fail(cd_fail_t *e, cd_code_t code, const char *field, const char *member, const char *fmt, ...)
{
    char path[CD_FAIL_FIELD_LEN], msg[CD_FAIL_MESSAGE_LEN];
    s_path(path, field, member);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cd_fail(e, code, path, "%s", msg);
}

/* What a message may quote of the input: the text in quotes when it is
 * short, printable UTF-8 (a message goes out as a protobuf string, which must
 * be UTF-8), else nothing. Written to out[IV_MAX_ECHO + 4]. */
static inline const char *s_echo(const char *s, size_t len, char out[IV_MAX_ECHO + 4])
{
    if (len == 0 || len > IV_MAX_ECHO || !cd_text_ok(s, len, 0))
        return "";
    snprintf(out, IV_MAX_ECHO + 4, " \"%.*s\"", (int)len, s);
    return out;
}

/* n with thousands separated: 10000 -> "10,000". */
static inline const char *s_grouped(size_t n, char out[32])
{
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%zu", n), o = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = 0;
    return out;
}

/* Free text: 1..max bytes (0 too when optional), UTF-8 without control
 * characters, with newlines and tabs when lines. what names it in the
 * message ("the summary"). */
static inline int s_text(const char *s, size_t max, int lines, int optional, const char *field,
                         const char *member, const char *what, cd_fail_t *e)
{
    size_t n = s ? strlen(s) : 0;
    char g[32];
    if (n == 0)
        return optional ? 0 : s_fail(e, CD_CODE_REQUIRED, field, member, "%s is required", what);
    if (n > max)
        return s_fail(e, CD_CODE_TOO_LONG, field, member,
                      "%s is too long: at most %s bytes are allowed", what, s_grouped(max, g));
    if (!cd_text_ok(s, n, lines))
        return s_fail(e, CD_CODE_INVALID_TEXT, field, member, "%s %s", what,
                      lines ? "must be UTF-8 text without control characters"
                            : "must be one line of UTF-8 text, without control characters");
    return 0;
}

/* A date as YYYY-MM-DD into *out; not after today when today is given. */
static inline int s_date(const char *s, const cd_date_t *today, cd_date_t *out, const char *field,
                         const char *member, const char *what, cd_fail_t *e)
{
    if (!s || !s[0])
        return s_fail(e, CD_CODE_REQUIRED, field, member, "%s is required", what);
    if (cd_date_parse(s, out) != 0)
        return s_fail(e, CD_CODE_INVALID_DATE, field, member,
                      "%s must be a real date written YYYY-MM-DD, such as 2026-12-04", what);
    if (today && cd_date_cmp(*out, *today) > 0) {
        char w[IV_LONG_DATE_LEN];
        iv_date_words(*out, w);
        return s_fail(e, CD_CODE_DATE_IN_FUTURE, field, member, "%s, %s, is later than today", what,
                      w);
    }
    return 0;
}

/* The index of s[0..len) in names, or -1. */
static inline int s_lookup(const char *const *names, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return (int)i;
    return -1;
}

static inline int s_lookup0(const char *const *names, size_t n, const char *s)
{
    return s ? s_lookup(names, n, s, strlen(s)) : -1;
}

#define S_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Whether v is one of the three verdicts (IV_VERDICT_NONE is not). */
static inline int s_verdict_ok(iv_verdict_t v)
{
    return v >= IV_VERDICT_UPHELD && v <= IV_VERDICT_NOT_ADDRESSED;
}

#endif
