/* test_csv.c - candourctl's RFC 4180 CSV reader (services/candourctl/csv.c),
 * which `candourctl routes import` reads the routing table with (R1). */
#include <criterion/criterion.h>
#include <string.h>

/* candourctl is an executable, not a library: its reader is compiled in here. */
#include "../../services/candourctl/csv.c"

/* Read all of text; return the records as "a|b|c" lines joined by "\n", or
 * "ERROR line N: message" at the first error. */
static void s_read(const char *text, char *out, size_t outlen)
{
    ctl_csv_t *csv = ctl_csv_new(text, strlen(text));
    cr_assert(csv);
    size_t o = 0;
    out[0] = 0;
    int rc;
    while ((rc = ctl_csv_next(csv)) == 1) {
        for (size_t i = 0; i < ctl_csv_count(csv); i++)
            o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? "|" : "", ctl_csv_field(csv, i));
        o += (size_t)snprintf(out + o, outlen - o, "\n");
        cr_assert(o < outlen);
    }
    if (rc < 0)
        snprintf(out + o, outlen - o, "ERROR line %zu: %s", ctl_csv_line(csv), ctl_csv_error(csv));
    ctl_csv_destroy(&csv);
    cr_assert_null(csv);
}

#define S_EXPECT(text, want)                                                                       \
    do {                                                                                           \
        char got_[1024];                                                                           \
        s_read(text, got_, sizeof got_);                                                           \
        cr_assert_str_eq(got_, want);                                                              \
    } while (0)

Test(csv, plain_fields_split_on_commas_and_records_on_line_feeds)
{
    S_EXPECT("a,b,c\n1,2,3\n", "a|b|c\n1|2|3\n");
}

Test(csv, quoted_fields_may_hold_commas_and_doubled_quotes)
{
    S_EXPECT("\"a, b\",\"say \"\"hi\"\"\",\"\"\"\"\n", "a, b|say \"hi\"|\"\n");
}

Test(csv, quoted_fields_may_hold_line_breaks_and_the_record_keeps_its_first_line)
{
    ctl_csv_t *csv = ctl_csv_new("h\n\"one\ntwo\",x\r\ny,z\n", 19);
    cr_assert_eq(ctl_csv_next(csv), 1);
    cr_assert_eq(ctl_csv_line(csv), 1);
    cr_assert_eq(ctl_csv_next(csv), 1);
    cr_assert_eq(ctl_csv_line(csv), 2);
    cr_assert_str_eq(ctl_csv_field(csv, 0), "one\ntwo");
    cr_assert_str_eq(ctl_csv_field(csv, 1), "x");
    cr_assert_eq(ctl_csv_next(csv), 1);
    cr_assert_eq(ctl_csv_line(csv), 4, "lines are counted inside quotes too");
    cr_assert_eq(ctl_csv_next(csv), 0);
    cr_assert_eq(ctl_csv_next(csv), 0, "the end stays the end");
    ctl_csv_destroy(&csv);
    ctl_csv_destroy(&csv); /* idempotent */
}

Test(csv, crlf_ends_records_like_lf_and_is_kept_inside_quotes)
{
    S_EXPECT("a,b\r\n1,2\r\n", "a|b\n1|2\n");
    S_EXPECT("\"x\r\ny\",z\r\n", "x\r\ny|z\n");
}

Test(csv, empty_fields_are_empty_strings_wherever_they_are)
{
    S_EXPECT(",a,,\n", "|a||\n");
    S_EXPECT("\"\",\"\"\n", "|\n");
    S_EXPECT("a,\n", "a|\n");
}

Test(csv, a_missing_final_line_break_loses_nothing)
{
    S_EXPECT("a,b\n1,2", "a|b\n1|2\n");
    S_EXPECT("a,\"b\"", "a|b\n");
    S_EXPECT("a,", "a|\n");
}

Test(csv, blank_lines_are_no_records_and_empty_text_has_none)
{
    S_EXPECT("", "");
    S_EXPECT("\n\r\n", "");
    S_EXPECT("a\n\n\r\nb\n\n", "a\nb\n");
}

Test(csv, a_byte_order_mark_at_the_start_is_not_data)
{
    S_EXPECT("\xEF\xBB\xBForg_id,x\n", "org_id|x\n");
    S_EXPECT("a,\xEF\xBB\xBF\n", "a|\xEF\xBB\xBF\n");
}

Test(csv, fields_keep_their_spaces)
{
    S_EXPECT(" a , b \n", " a | b \n");
}

Test(csv, an_unterminated_quote_is_an_error_on_the_line_it_opened)
{
    S_EXPECT("a,b\nc,\"d\ne\n", "a|b\nERROR line 2: unterminated quoted field (no closing quote)");
}

Test(csv, text_after_a_closing_quote_is_an_error_with_its_line)
{
    S_EXPECT("a\n\"b\"c,d\n",
             "a\nERROR line 2: text after a closing quote (double a quote inside quotes)");
    S_EXPECT("\"x\ny\" z\n",
             "ERROR line 2: text after a closing quote (double a quote inside quotes)");
}

Test(csv, a_quote_inside_an_unquoted_field_is_an_error)
{
    S_EXPECT("a,b\nc,d\"e\n",
             "a|b\nERROR line 2: quote inside an unquoted field (quote the whole field, double "
             "the quote)");
}

Test(csv, a_bare_carriage_return_is_an_error)
{
    S_EXPECT("a\rb\n", "ERROR line 1: carriage return not followed by a line feed");
    S_EXPECT("\"a\"\r", "ERROR line 1: carriage return not followed by a line feed");
}

Test(csv, a_nul_byte_is_an_error_not_the_end)
{
    ctl_csv_t *csv = ctl_csv_new("a,b\nc\0d\n", 8);
    cr_assert_eq(ctl_csv_next(csv), 1);
    cr_assert_eq(ctl_csv_next(csv), -1);
    cr_assert_eq(ctl_csv_line(csv), 2);
    cr_assert_str_eq(ctl_csv_error(csv), "NUL byte");
    cr_assert_eq(ctl_csv_next(csv), -1, "an error is final");
    cr_assert_eq(ctl_csv_count(csv), 0);
    ctl_csv_destroy(&csv);
}

Test(csv, only_len_bytes_are_read)
{
    ctl_csv_t *csv = ctl_csv_new("a,b,c", 3);
    cr_assert_eq(ctl_csv_next(csv), 1);
    cr_assert_eq(ctl_csv_count(csv), 2);
    cr_assert_str_eq(ctl_csv_field(csv, 1), "b");
    cr_assert_eq(ctl_csv_next(csv), 0);
    cr_assert_null(ctl_csv_error(csv));
    ctl_csv_destroy(&csv);
}

Test(csv, many_and_long_fields_grow_the_buffers)
{
    static char text[64 * 1024];
    size_t o = 0;
    for (int i = 0; i < 300; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%sfield%d", i ? "," : "", i);
    text[o++] = '\n';
    memset(text + o, 'x', 20000);
    o += 20000;
    ctl_csv_t *csv = ctl_csv_new(text, o);
    cr_assert_eq(ctl_csv_next(csv), 1);
    cr_assert_eq(ctl_csv_count(csv), 300);
    cr_assert_str_eq(ctl_csv_field(csv, 0), "field0");
    cr_assert_str_eq(ctl_csv_field(csv, 299), "field299");
    cr_assert_eq(ctl_csv_next(csv), 1);
    cr_assert_eq(ctl_csv_count(csv), 1);
    cr_assert_eq(strlen(ctl_csv_field(csv, 0)), 20000);
    ctl_csv_destroy(&csv);
}
