/* test_util.c - unit tests for util.c: ids, time formatting and parsing,
 * the UTF-8/control-character rule for free text, host:port and PostgreSQL
 * array literals, a thread's CPU priority. ("YYYY-MM-DD" is the calendar's: test_calendar.c.)
 *
 * Each rule is tested on both sides of its boundary: the last value that
 * passes and the first that fails. */
#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "candour/util.h"

/* ----------------------------------------------------------------- uuid */

static int s_is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

Test(util, uuid_has_canonical_v4_layout)
{
    // Many draws, so a missing version/variant mask cannot pass by luck.
    for (int n = 0; n < 1000; n++) {
        char u[CD_UUID_LEN + 1];
        memset(u, 'x', sizeof u);
        cr_assert_eq(cd_uuid(u), 0);
        cr_assert_eq(strlen(u), CD_UUID_LEN, "%s", u);
        for (int i = 0; i < CD_UUID_LEN; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                cr_assert_eq(u[i], '-', "%s", u);
            else
                cr_assert(s_is_lower_hex(u[i]), "%s", u);
        }
        cr_assert_eq(u[14], '4', "version nibble in %s", u);
        cr_assert(strchr("89ab", u[19]), "variant nibble in %s", u);
    }
}

Test(util, uuid_differs_between_calls)
{
    char a[CD_UUID_LEN + 1], b[CD_UUID_LEN + 1];
    cr_assert_eq(cd_uuid(a), 0);
    cr_assert_eq(cd_uuid(b), 0);
    cr_assert_str_neq(a, b);
}

/* ----------------------------------------------------------------- time */

/* Against CLOCK_REALTIME read on either side, not time(NULL): glibc's
 * time() reads the coarse clock, which may still say the last second a few
 * milliseconds into the next, so "before the next whole second" failed now
 * and then. */
static int64_t s_realtime_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

Test(util, now_us_is_wall_clock_microseconds)
{
    int64_t before = s_realtime_us();
    int64_t now = cd_now_us();
    int64_t after = s_realtime_us();
    cr_assert_geq(now, before);
    cr_assert_leq(now, after);
}

static void s_expect_rfc3339(int64_t us, const char *want)
{
    char out[32];
    cd_format_rfc3339(us, out);
    cr_assert_str_eq(out, want, "us=%lld", (long long)us);
}

Test(util, rfc3339_formats_epoch_with_milliseconds)
{
    s_expect_rfc3339(0, "1970-01-01T00:00:00.000Z");
}

Test(util, rfc3339_truncates_microseconds_to_milliseconds)
{
    s_expect_rfc3339(999, "1970-01-01T00:00:00.000Z");
    s_expect_rfc3339(1000, "1970-01-01T00:00:00.001Z");
    s_expect_rfc3339(999999, "1970-01-01T00:00:00.999Z");
    s_expect_rfc3339(1000000, "1970-01-01T00:00:01.000Z");
}

Test(util, rfc3339_formats_a_known_instant)
{
    s_expect_rfc3339(1795642200LL * 1000000 + 123456, "2026-11-25T21:30:00.123Z");
    s_expect_rfc3339(1709251199LL * 1000000 + 999000, "2024-02-29T23:59:59.999Z");
    s_expect_rfc3339(253402300799LL * 1000000, "9999-12-31T23:59:59.000Z");
}

Test(util, rfc3339_floors_times_before_epoch)
{
    s_expect_rfc3339(-1, "1969-12-31T23:59:59.999Z");
    s_expect_rfc3339(-1000000, "1969-12-31T23:59:59.000Z");
    s_expect_rfc3339(-1000001, "1969-12-31T23:59:58.999Z");
}

/* ----------------------------------------------------------------- text */

#define TEXT_OK(lit, nl) cd_text_ok((lit), sizeof(lit) - 1, (nl))

Test(util, text_accepts_plain_ascii_and_empty)
{
    cr_assert(TEXT_OK("The ward was closed at 8pm.", 0));
    cr_assert(TEXT_OK("", 0));
    cr_assert(cd_text_ok(NULL, 0, 0));
    cr_assert(TEXT_OK(" ~", 0), "U+0020 and U+007E are printable");
}

Test(util, text_accepts_multibyte_scripts_and_emoji)
{
    cr_assert(TEXT_OK("Caf\xC3\xA9 \xE2\x80\x93 na\xC3\xAFve", 0));
    cr_assert(TEXT_OK("\xE0\xA6\xAC\xE0\xA6\xBE\xE0\xA6\x82\xE0\xA6\xB2\xE0\xA6\xBE", 0));
    cr_assert(TEXT_OK("\xF0\x9F\x98\x80", 0));
}

Test(util, text_newline_and_tab_only_when_allowed)
{
    cr_assert(TEXT_OK("line one\nline two", 1));
    cr_assert_not(TEXT_OK("line one\nline two", 0));
    cr_assert(TEXT_OK("a\tb", 1));
    cr_assert_not(TEXT_OK("a\tb", 0));
}

Test(util, text_rejects_other_c0_controls_and_del)
{
    cr_assert_not(TEXT_OK("a\rb", 1));
    cr_assert_not(TEXT_OK("a\x1f", 1));
    cr_assert_not(TEXT_OK("a\x01", 1));
    cr_assert_not(TEXT_OK("a\x1b[31m", 1));
    cr_assert_not(TEXT_OK("a\x7f", 1));
    cr_assert_not(cd_text_ok("a\0b", 3, 1), "embedded NUL");
}

Test(util, text_rejects_c1_controls_but_not_nbsp)
{
    cr_assert_not(TEXT_OK("\xC2\x80", 1), "U+0080");
    cr_assert_not(TEXT_OK("\xC2\x85", 1), "U+0085 NEL");
    cr_assert_not(TEXT_OK("\xC2\x9F", 1), "U+009F");
    cr_assert(TEXT_OK("\xC2\xA0", 0), "U+00A0");
}

Test(util, text_rejects_overlong_encodings)
{
    cr_assert_not(TEXT_OK("\xC0\x80", 1), "2-byte NUL");
    cr_assert_not(TEXT_OK("\xC1\xBF", 1), "2-byte U+007F");
    cr_assert_not(TEXT_OK("\xE0\x80\xAF", 1), "3-byte '/'");
    cr_assert_not(TEXT_OK("\xE0\x9F\xBF", 1), "3-byte U+07FF");
    cr_assert(TEXT_OK("\xE0\xA0\x80", 0), "U+0800, shortest 3-byte");
    cr_assert(TEXT_OK("\xDF\xBF", 0), "U+07FF, longest 2-byte");
    cr_assert_not(TEXT_OK("\xF0\x8F\xBF\xBF", 1), "4-byte U+FFFF");
    cr_assert(TEXT_OK("\xF0\x90\x80\x80", 0), "U+10000, shortest 4-byte");
    cr_assert(TEXT_OK("\xEF\xBF\xBD", 0), "U+FFFD, longest 3-byte region");
}

Test(util, text_rejects_surrogates)
{
    cr_assert(TEXT_OK("\xED\x9F\xBF", 0), "U+D7FF");
    cr_assert_not(TEXT_OK("\xED\xA0\x80", 1), "U+D800");
    cr_assert_not(TEXT_OK("\xED\xBF\xBF", 1), "U+DFFF");
    cr_assert(TEXT_OK("\xEE\x80\x80", 0), "U+E000");
}

Test(util, text_rejects_code_points_above_10ffff)
{
    cr_assert(TEXT_OK("\xF4\x8F\xBF\xBF", 0), "U+10FFFF");
    cr_assert_not(TEXT_OK("\xF4\x90\x80\x80", 1), "U+110000");
    cr_assert_not(TEXT_OK("\xF5\x80\x80\x80", 1));
    cr_assert_not(TEXT_OK("\xF8\x88\x80\x80\x80", 1), "5-byte form");
    cr_assert_not(TEXT_OK("\xFE", 1));
    cr_assert_not(TEXT_OK("\xFF", 1));
}

Test(util, text_rejects_truncated_and_stray_bytes)
{
    cr_assert_not(TEXT_OK("\xE2\x82", 1), "euro sign cut short");
    cr_assert_not(TEXT_OK("\xF0\x9F\x98", 1), "emoji cut short");
    cr_assert_not(TEXT_OK("\x80", 1), "lone continuation");
    cr_assert_not(TEXT_OK("a\xBF", 1), "continuation after ASCII");
    cr_assert_not(TEXT_OK("\xE2\x28\xA1", 1), "bad second byte");
    cr_assert_not(TEXT_OK("\xE2\x82\x28", 1), "bad third byte");
    cr_assert_not(TEXT_OK("\xC3", 1), "lead byte at end");
}

Test(util, text_checks_only_len_bytes)
{
    const char s[] = "ab\x01\xC3\xA9";
    cr_assert(cd_text_ok(s, 2, 0), "stops before the control");
    cr_assert_not(cd_text_ok(s, 3, 0));
    cr_assert_not(cd_text_ok("\xC3\xA9", 1, 0), "cuts a sequence in half");
    cr_assert(cd_text_ok("\xC3\xA9", 2, 0));
}

/* ----------------------------------------------------------------- misc */

Test(util, strdup_copies_and_passes_null_through)
{
    cr_assert_null(cd_strdup(NULL));
    const char *src = "REF-123";
    char *copy = cd_strdup(src);
    cr_assert_not_null(copy);
    cr_assert_neq(copy, src);
    cr_assert_str_eq(copy, src);
    free(copy);
}

Test(util, rfc3339_parses_utc_offsets_and_fractions)
{
    cr_assert_eq(cd_parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    cr_assert_eq(cd_parse_rfc3339("2026-11-25T21:30:00Z"), 1795642200);
    cr_assert_eq(cd_parse_rfc3339("2026-11-25T21:30:00.123Z"), 1795642200);
    cr_assert_eq(cd_parse_rfc3339("2026-11-25T22:30:00+01:00"), 1795642200);
    cr_assert_eq(cd_parse_rfc3339("2026-11-25T20:00:00-01:30"), 1795642200);
    cr_assert_eq(cd_parse_rfc3339("2024-02-29T12:00:00Z"), 1709208000);
    cr_assert_eq(cd_parse_rfc3339("2026-11-25t21:30:00z"), 1795642200);
    cr_assert_eq(cd_parse_rfc3339("2016-12-31T23:59:60Z"), 1483228800, "a leap second");
    cr_assert_eq(cd_parse_rfc3339("9999-12-31T23:59:59Z"), 253402300799);
}

Test(util, rfc3339_rejects_malformed_times)
{
    const char *bad[] = {"",
                         "2026-11-25",
                         "2026-11-25 21:30:00Z",
                         "2026-11-25T21:30:00",
                         "2026-02-30T00:00:00Z",
                         "2026-11-25T24:00:00Z",
                         "2026-11-25T21:60:00Z",
                         "2026-11-25T21:30:00.Z",
                         "2026-11-25T21:30:00+1:00",
                         "2026-11-25T21:30:00Zjunk",
                         "26-11-25T21:30:00Z",
                         "2026-11-25T 1:30:00Z",
                         "2026-11-25T+1:30:00Z",
                         "2026-11-25T21:-1:00Z",
                         "2026-11-25T21:30: 0Z",
                         "2026-11-25T21:30:00+ 1:00",
                         "2026-11-25T21:30:00+01:-0",
                         "2026-11-25T21:30:00+01",
                         "2026-11-25T2",
                         "2026-11-25T",
                         "2026-11-2",
                         "+026-11-25T21:30:00Z",
                         NULL};
    for (int i = 0; bad[i]; i++)
        cr_assert_eq(cd_parse_rfc3339(bad[i]), -1, "accepted '%s'", bad[i]);
    cr_assert_eq(cd_parse_rfc3339(NULL), -1);
}

/* ------------------------------------------------------------- hostport */

Test(util, hostport_parses_name_and_ipv4)
{
    char host[64];
    int port = -1;
    cr_assert_eq(cd_parse_hostport("localhost:8080", host, sizeof host, &port), 0);
    cr_assert_str_eq(host, "localhost");
    cr_assert_eq(port, 8080);
    cr_assert_eq(cd_parse_hostport("127.0.0.1:80", host, sizeof host, &port), 0);
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 80);
    cr_assert_eq(cd_parse_hostport("0.0.0.0:65535", host, sizeof host, &port), 0);
    cr_assert_eq(port, 65535);
    cr_assert_eq(cd_parse_hostport("0.0.0.0:0", host, sizeof host, &port), 0, "port 0: any free");
    cr_assert_eq(port, 0);
}

Test(util, hostport_parses_bracketed_ipv6)
{
    char host[64];
    int port = -1;
    cr_assert_eq(cd_parse_hostport("[::1]:80", host, sizeof host, &port), 0);
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 80);
    cr_assert_eq(cd_parse_hostport("[2001:db8::8a2e:370:7334]:8443", host, sizeof host, &port), 0);
    cr_assert_str_eq(host, "2001:db8::8a2e:370:7334");
    cr_assert_eq(port, 8443);
    cr_assert_eq(cd_parse_hostport("[x]:1", host, sizeof host, &port), 0, "shortest bracketed");
    cr_assert_str_eq(host, "x");
}

/* Every refusal leaves host and port as they were. */
static void s_expect_bad_hostport(const char *s, size_t hostlen)
{
    char host[64] = "untouched";
    int port = 12345;
    cr_assert_eq(cd_parse_hostport(s, host, hostlen, &port), -1, "accepted \"%s\"", s ? s : "NULL");
    cr_assert_str_eq(host, "untouched", "\"%s\" wrote the host", s ? s : "NULL");
    cr_assert_eq(port, 12345, "\"%s\" wrote the port", s ? s : "NULL");
}

Test(util, hostport_refuses_a_missing_port)
{
    static const char *const bad[] = {"localhost", "localhost:", "[::1]", "[::1]:", "", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_expect_bad_hostport(bad[i], 64);
}

Test(util, hostport_refuses_a_port_out_of_range_or_not_digits)
{
    static const char *const bad[] = {
        "localhost:65536", "localhost:99999", "localhost:100000", "localhost:99999999999999999999",
        "localhost:-1", "localhost:http", "localhost:80x", "localhost:8 0",
        /* strtol would take these: a port is digits only */
        "localhost: 80", "localhost:+80", "localhost:\t80", "localhost:-0", "localhost:80 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_expect_bad_hostport(bad[i], 64);
}

Test(util, hostport_refuses_an_empty_or_malformed_host)
{
    static const char *const bad[] = {":80",    "[]:80", "[:80",    "[::1:80", "::1:80",
                                      "a:b:80", "]:80",  "[a]]:80", "[[a]:80", "a]:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_expect_bad_hostport(bad[i], 64);
}

Test(util, hostport_refuses_a_host_too_long_for_the_buffer)
{
    char host[8];
    int port;
    cr_assert_eq(cd_parse_hostport("1234567:80", host, sizeof host, &port), 0, "7 fit with NUL");
    cr_assert_str_eq(host, "1234567");
    cr_assert_eq(cd_parse_hostport("[1234567]:80", host, sizeof host, &port), 0);
    cr_assert_str_eq(host, "1234567", "the brackets are not counted");
    s_expect_bad_hostport("12345678:80", 8);
    s_expect_bad_hostport("[::ffff:1:2]:80", 8);
}

/* ------------------------------------------------------- text[] literals */

static void s_expect_array(const char *const *v, size_t n, const char *want)
{
    char *got = cd_pg_text_array(v, n);
    cr_assert_not_null(got);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(util, pg_text_array_of_nothing_is_empty_braces)
{
    s_expect_array(NULL, 0, "{}");
    const char *v[1] = {"unused"};
    s_expect_array(v, 0, "{}");
}

Test(util, pg_text_array_quotes_every_element)
{
    const char *v[3] = {"RXH", "", "NULL"};
    s_expect_array(v, 1, "{\"RXH\"}");
    /* An empty string and the word NULL are elements, not a missing value. */
    s_expect_array(v, 3, "{\"RXH\",\"\",\"NULL\"}");
}

Test(util, pg_text_array_writes_a_missing_element_as_sql_null)
{
    /* NULL unquoted is SQL NULL; "NULL" quoted stays the word. */
    const char *v[4] = {NULL, "NULL", NULL, "x"};
    s_expect_array(v, 4, "{NULL,\"NULL\",NULL,\"x\"}");
    s_expect_array(v, 1, "{NULL}");
}

Test(util, pg_text_columns_turn_rows_into_one_literal_a_column)
{
    const char *rows[6] = {"CDR-1", "open", NULL, "CDR-2", "shut", "a \"b\""};
    char *col[3];
    cr_assert_eq(cd_pg_text_columns(rows, 2, 3, col), 0);
    cr_assert_str_eq(col[0], "{\"CDR-1\",\"CDR-2\"}");
    cr_assert_str_eq(col[1], "{\"open\",\"shut\"}");
    cr_assert_str_eq(col[2], "{NULL,\"a \\\"b\\\"\"}");
    for (int k = 0; k < 3; k++)
        free(col[k]);
    cr_assert_eq(cd_pg_text_columns(NULL, 0, 2, col), 0);
    cr_assert_str_eq(col[0], "{}");
    free(col[0]);
    free(col[1]);
}

Test(util, pg_text_array_escapes_quotes_and_backslashes)
{
    const char *v[4] = {"say \"hi\"", "C:\\dir\\", "\\\"", "\""};
    s_expect_array(v, 4, "{\"say \\\"hi\\\"\",\"C:\\\\dir\\\\\",\"\\\\\\\"\",\"\\\"\"}");
}

Test(util, pg_text_array_keeps_commas_braces_and_blanks_inside_quotes)
{
    const char *v[3] = {"a,b", "{x}", "  padded  "};
    s_expect_array(v, 3, "{\"a,b\",\"{x}\",\"  padded  \"}");
}

Test(util, pg_text_array_passes_utf8_through_byte_for_byte)
{
    const char *v[2] = {"Ysbyty Gwynedd – Bangor", "\xF0\x9F\x8F\xA5 Zoë"};
    s_expect_array(v, 2, "{\"Ysbyty Gwynedd – Bangor\",\"\xF0\x9F\x8F\xA5 Zoë\"}");
}

/* The digests the case file prints are SHA-256 as `sha256sum` prints it. */
#include "candour/digest.h"
Test(util, sha256_hex_is_what_sha256sum_prints)
{
    char hex[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cd_sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* cd_thread_nice: the calling thread alone goes lower, never higher. */
static void *s_nice_thread(void *arg)
{
    int *seen = arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    seen[0] = cd_thread_nice(7);
    seen[1] = getpriority(PRIO_PROCESS, (id_t)tid);
    seen[2] = cd_thread_nice(3); /* asks for more priority: ignored */
    seen[3] = getpriority(PRIO_PROCESS, (id_t)tid);
    return NULL;
}

Test(util, thread_nice_lowers_only_the_calling_thread_and_never_raises)
{
    int before = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    if (before >= 7)
        cr_skip_test("this test needs to start below nice 7");
    int seen[4] = {-99, -99, -99, -99};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, s_nice_thread, seen), 0);
    pthread_join(t, NULL);
    cr_assert_eq(seen[0], 0);
    cr_assert_eq(seen[1], 7);
    cr_assert_eq(seen[2], 0);
    cr_assert_eq(seen[3], 7);
    cr_assert_eq(getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)), before,
                 "the caller's other threads keep theirs");
    errno = 0;
    cr_assert_eq(cd_thread_nice(20), -1);
    cr_assert_eq(errno, EINVAL);
    cr_assert_eq(cd_thread_nice(-1), -1);
}
