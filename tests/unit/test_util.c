/* test_util.c - unit tests for util.c: ids, time formatting, date parsing
 * and the UTF-8/control-character rule for free text.
 *
 * Each rule is tested on both sides of its boundary: the last value that
 * passes and the first that fails. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

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

Test(util, now_us_is_wall_clock_microseconds)
{
    int64_t before = (int64_t)time(NULL) * 1000000;
    int64_t now = cd_now_us();
    int64_t after = ((int64_t)time(NULL) + 1) * 1000000;
    cr_assert_geq(now, before);
    cr_assert_lt(now, after);
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

/* ---------------------------------------------------------------- dates */

static void s_expect_date(const char *s, int y, int m, int d)
{
    int yy = -1, mm = -1, dd = -1;
    cr_assert_eq(cd_parse_date(s, &yy, &mm, &dd), 0, "%s should parse", s);
    cr_assert_eq(yy, y, "%s", s);
    cr_assert_eq(mm, m, "%s", s);
    cr_assert_eq(dd, d, "%s", s);
}

static void s_expect_bad_date(const char *s)
{
    int yy = -7, mm = -7, dd = -7;
    cr_assert_eq(cd_parse_date(s, &yy, &mm, &dd), -1, "%s should be rejected", s ? s : "NULL");
    cr_assert(yy == -7 && mm == -7 && dd == -7, "outputs touched on failure for %s",
              s ? s : "NULL");
}

Test(util, parse_date_accepts_ordinary_date)
{
    s_expect_date("2026-11-25", 2026, 11, 25);
}

Test(util, parse_date_feb_29_only_in_leap_years)
{
    s_expect_date("2024-02-29", 2024, 2, 29);
    s_expect_bad_date("2023-02-29");
    s_expect_date("2023-02-28", 2023, 2, 28);
    s_expect_bad_date("2024-02-30");
}

Test(util, parse_date_century_leap_rule_1900_no_2000_yes)
{
    s_expect_bad_date("1900-02-29");
    s_expect_date("2000-02-29", 2000, 2, 29);
    s_expect_bad_date("2100-02-29");
}

Test(util, parse_date_month_lengths)
{
    s_expect_date("2025-01-31", 2025, 1, 31);
    s_expect_bad_date("2025-01-32");
    s_expect_date("2025-04-30", 2025, 4, 30);
    s_expect_bad_date("2025-04-31");
    s_expect_date("2025-12-31", 2025, 12, 31);
    s_expect_bad_date("2025-12-00");
}

Test(util, parse_date_month_range_1_to_12)
{
    s_expect_date("2025-01-01", 2025, 1, 1);
    s_expect_bad_date("2025-00-01");
    s_expect_bad_date("2025-13-01");
}

Test(util, parse_date_year_range_0001_to_9999)
{
    s_expect_date("0001-01-01", 1, 1, 1);
    s_expect_bad_date("0000-12-31");
    s_expect_date("9999-12-31", 9999, 12, 31);
}

Test(util, parse_date_rejects_other_shapes)
{
    s_expect_bad_date(NULL);
    s_expect_bad_date("");
    s_expect_bad_date("2024-2-29");
    s_expect_bad_date("2024-02-9");
    s_expect_bad_date("20240229");
    s_expect_bad_date("2024/02/29");
    s_expect_bad_date(" 2024-02-29");
    s_expect_bad_date("2024-02-29 ");
    s_expect_bad_date("2024-02-29T00:00:00Z");
    s_expect_bad_date("+024-02-29");
    s_expect_bad_date("2024-+2-01");
    s_expect_bad_date("2024-0a-01");
    s_expect_bad_date("10000-01-01");
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
}

Test(util, rfc3339_rejects_malformed_times)
{
    const char *bad[] = {"", "2026-11-25", "2026-11-25 21:30:00Z", "2026-11-25T21:30:00",
                         "2026-02-30T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T21:60:00Z",
                         "2026-11-25T21:30:00.Z", "2026-11-25T21:30:00+1:00", "2026-11-25T21:30:00Zjunk",
                         "26-11-25T21:30:00Z", NULL};
    for (int i = 0; bad[i]; i++)
        cr_assert_eq(cd_parse_rfc3339(bad[i]), -1, "accepted '%s'", bad[i]);
    cr_assert_eq(cd_parse_rfc3339(NULL), -1);
}
