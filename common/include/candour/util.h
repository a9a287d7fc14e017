/* util.h - small helpers: ids, time, text checks, host:port, PostgreSQL
 * array literals. */
#ifndef CANDOUR_UTIL_H
#define CANDOUR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CD_UUID_LEN 36

/* A random (version 4) UUID as text into out[CD_UUID_LEN + 1]. Returns 0, -1 if no randomness. */
int cd_uuid(char out[CD_UUID_LEN + 1]);
/* 1 when the CD_UUID_LEN bytes at s are a UUID's text (8-4-4-4-12 hex
 * digits, either case); s need not end there. */
int cd_uuid_at(const char *s);
/* 1 when s is a UUID's text and nothing more. */
int cd_uuid_ok(const char *s);

/* Microseconds since the Unix epoch, wall clock. */
int64_t cd_now_us(void);

/* The time deadlines are judged by: the wall clock, unless the environment
 * names CANDOUR_CLOCK_FILE, a file holding an RFC 3339 time (tests move the
 * clock on by rewriting it, instead of sleeping for days). Seconds. */
int64_t cd_clock_now(void);

/* RFC 3339 UTC with milliseconds, e.g. "2026-11-25T21:30:00.123Z", into out[32].
 * Sub-millisecond digits are truncated, and times before 1970 floor (-1 us is
 * 23:59:59.999). Only years 1000..9999 give valid RFC 3339 text. */
void cd_format_rfc3339(int64_t us, char out[32]);

/* Parse an RFC 3339 time ("2026-11-25T21:30:00Z", "...:00.123+01:00") to
 * seconds since the Unix epoch (fractions dropped). Every field has exactly
 * its digits (no sign, no blank); the date is read by cd_date_parse
 * (calendar.h, the one parser of "YYYY-MM-DD"). -1 if malformed (so times
 * before 1970 cannot be told from an error: Candour has none). */
int64_t cd_parse_rfc3339(const char *s);

/* Non-zero when s[0..len) is valid UTF-8 with no control characters other
 * than newline and tab (those only when allow_newlines). Rejected: ill-formed
 * or truncated sequences, overlong forms, surrogates, code points above
 * U+10FFFF, NUL and other C0 controls (including \r), DEL and C1 controls
 * U+0080..U+009F. s may be NULL only when len is 0. */
int cd_text_ok(const char *s, size_t len, int allow_newlines);

/* strdup that returns NULL for NULL. */
char *cd_strdup(const char *s);

/* Split "host:port" or "[IPv6]:port" (an admin or listen address) into host
 * (brackets removed, NUL-terminated, at most hostlen - 1 bytes) and *port.
 * The port is 1 to 5 digits and nothing else (no sign, no blank), 0..65535
 * (0: any free port); the host is not empty and, unless bracketed, has no
 * colon. Returns 0, or -1 leaving host and *port untouched: also for a NULL
 * s and a host longer than the buffer (never truncated). */
int cd_parse_hostport(const char *s, char *host, size_t hostlen, int *port);

/* v[0..n) as a PostgreSQL text[] literal for a text parameter ($1::text[]):
 * every element double-quoted, with each backslash and double quote
 * escaped by a backslash, so any text is safe in it: commas, braces, blanks,
 * quotes, backslashes, the word NULL (an element, not SQL NULL) and any UTF-8.
 * NUL, the one byte that could not be carried, cannot occur inside a C
 * string. n == 0 gives "{}" (v may then be NULL); a NULL element is SQL
 * NULL (unquoted NULL), unlike the text "NULL", which is quoted.
 * malloc'd (free it); NULL when out of memory. */
char *cd_pg_text_array(const char *const *v, size_t n);

/* A table's columns as text[] literals, for a statement that unnests them
 * (one parameter a column, whatever the rows): v holds nrows rows of ncols
 * strings, row after row (v[i * ncols + k]; NULL is SQL NULL), and out[k]
 * gets column k's literal (malloc'd: free each). 0, or -1 out of memory
 * (out left all NULL). */
int cd_pg_text_columns(const char *const *v, size_t nrows, size_t ncols, char **out);

/* Lower the calling thread's CPU priority to nice n (0-19; Linux keeps a
 * nice per thread, and threads it starts later inherit it). Never raises
 * it. 0, or -1 with errno. */
int cd_thread_nice(int n);

/* The value of a hex digit (0-15), or -1 for any other character. */
int cd_hex_value(int c);

/* A growing byte buffer: p holds len bytes (cap allocated; start zeroed,
 * free(p) when done). */
typedef struct {
    unsigned char *p;
    size_t len, cap;
} cd_bytes_t;
/* Append n bytes (doubling from 64 KiB). 0, or -1 when out of memory (b
 * unchanged). */
int cd_bytes_append(cd_bytes_t *b, const void *data, size_t n);

#endif
