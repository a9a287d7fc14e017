/* test_reporting_page.c - a report as one HTML page (page.c): hostile text
 * escaped wherever it is put, every section, table, chart and definition
 * there in order, the suppression footer, counts from 1 to 4 shown as "*"
 * even when the caller left them, and nothing loaded from outside. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"

#include "../tools/report_sample.h"

#define HOSTILE "<script>alert(1)</script> & co"
#define HOSTILE_ESC "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"

static size_t s_count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

Test(reporting_page, hostile_text_is_escaped_everywhere)
{
    static const char *head[] = {HOSTILE, "Count"};
    rp_cell_t cells[] = {{RP_CELL_TEXT, HOSTILE, 0}, {RP_CELL_FIGURE, HOSTILE, 0}};
    rp_table_t tb = {HOSTILE, head, 2, cells, 1};
    rp_bar_t bars[] = {{HOSTILE, 7, 0}};
    rp_bars_t bc = {.title = HOSTILE, .x_label = HOSTILE, .bars = bars, .nbars = 1};
    rp_block_t blocks[] = {
        {RP_BLOCK_PARA, HOSTILE, NULL, {0}},
        {RP_BLOCK_TABLE, NULL, &tb, {0}},
        {RP_BLOCK_CHART, NULL, NULL, {RP_CHART_BARS, NULL, NULL, &bc, HOSTILE}},
    };
    rp_section_t sec = {HOSTILE, blocks, 3};
    rp_definition_t def = {HOSTILE, HOSTILE};
    rp_report_t r = {HOSTILE, HOSTILE, HOSTILE, HOSTILE, &sec, 1, &def, 1};
    char *html = rp_page_html(&r);
    cr_assert_not_null(html);
    cr_assert_null(strstr(html, "<script"), "raw markup got through");
    cr_assert_null(strstr(html, "& co"), "a bare &");
    /* title x2 (head and h1), org x2, period x2, generated, contents,
     * heading, para, caption, header, 2 cells, chart title x2 (svg, data
     * caption), desc, x label, bar label x2 (text, tooltip), figcaption,
     * data table row, term, meaning */
    cr_assert_geq(s_count(html, HOSTILE_ESC), 20, "found %zu", s_count(html, HOSTILE_ESC));
    free(html);
}

Test(reporting_page, every_section_is_there_in_order)
{
    rp_report_t r = s_sample_report();
    char *html = rp_page_html(&r);
    cr_assert_not_null(html);
    cr_assert(!strncmp(html, "<!DOCTYPE html>", 15));
    cr_assert(strstr(html, "<html lang=\"en-GB\">"));
    const char *want[] = {
        "<title>Quarterly complaints report - Northshire Hospitals NHS Foundation Trust (RX1) - "
        "1 April to 30 June 2025</title>",
        "<p class=\"org\">Northshire Hospitals NHS Foundation Trust (RX1)</p>",
        "<h1>Quarterly complaints report</h1>",
        "<a href=\"#s1\">Summary</a>",
        "<a href=\"#definitions\">Definitions</a>",
        "<section id=\"s1\">",
        "<h2>Summary</h2>",
        "<p>We received 152 complaints",
        "<caption>Complaints received and upheld by subject, April to June 2025</caption>",
        "<th scope=\"col\" class=\"num\">Received</th>",
        "<th scope=\"row\">Clinical treatment</th>",
        "<td class=\"num\">48</td>",
        "<figure>\n<svg",
        "<figcaption>Figure 1.",
        "<summary>The figures in this chart</summary>",
        "<h2>Trend</h2>",
        "<title>Complaints received each month</title>",
        "<h2>Benchmarking</h2>",
        "<title>Complaints acknowledged within 3 working days, by body</title>",
        "<caption>Outlying bodies",
        "<h2>Definitions</h2>",
        "<dt>Upheld</dt>",
        "<dt>Funnel plot</dt>",
        "<footer>\n<p>Counts from 1 to 4 are suppressed (shown as *)",
        "<p>Produced 3 July 2025</p>",
        "</html>",
    };
    const char *at = html;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *p = strstr(at, want[i]);
        cr_assert_not_null(p, "missing or out of order: %s", want[i]);
        at = p;
    }
    cr_assert_eq(s_count(html, "<svg"), 3);
    cr_assert_eq(s_count(html, "<section"), 4, "three sections and the definitions");
    cr_assert_null(strstr(html, "<script"));
    cr_assert_null(strstr(html, "src="), "nothing loaded from outside");
    cr_assert_null(strstr(html, "<link"));
    free(html);
}

Test(reporting_page, small_counts_are_shown_suppressed)
{
    static const char *head[] = {"Subject", "Count"};
    rp_cell_t cells[] = {
        {RP_CELL_TEXT, "Privacy", 0},      {RP_CELL_SUPPRESSED, NULL, 0},
        {RP_CELL_TEXT, "Appointments", 0}, {RP_CELL_COUNT, NULL, 3}, /* left by mistake */
        {RP_CELL_TEXT, "Clinical", 0},     {RP_CELL_COUNT, NULL, 1234},
        {RP_CELL_TEXT, "None", 0},         {RP_CELL_COUNT, NULL, 0},
    };
    rp_table_t tb = {"By subject", head, 2, cells, 4};
    rp_block_t b = {RP_BLOCK_TABLE, NULL, &tb, {0}};
    rp_section_t sec = {"Subjects", &b, 1};
    rp_report_t r = {
        .title = "T", .organisation = "O", .period = "P", .sections = &sec, .nsections = 1};
    char *html = rp_page_html(&r);
    cr_assert_not_null(html);
    cr_assert_eq(s_count(html, ">*</abbr></td>"), 2);
    cr_assert_null(strstr(html, ">3</td>"));
    cr_assert(strstr(html, "<td class=\"num\">1,234</td>"));
    cr_assert(strstr(html, "<td class=\"num\">0</td>"), "zero is not suppressed");
    free(html);
}

Test(reporting_page, an_empty_report_is_a_page)
{
    rp_report_t r = {0};
    char *html = rp_page_html(&r);
    cr_assert_not_null(html);
    cr_assert(strstr(html, "<h2>Definitions</h2>"));
    cr_assert(strstr(html, "Counts from 1 to 4 are suppressed"));
    free(html);
}

Test(reporting_page, a_table_with_no_rows_says_so_under_its_caption)
{
    static const char *head[] = {"Partner", "Complaints"};
    rp_table_t tb = {"Complaints by service area", head, 2, NULL, 0};
    rp_block_t b = {RP_BLOCK_TABLE, NULL, &tb, {0}};
    rp_section_t sec = {"Services", &b, 1};
    rp_report_t r = {
        .title = "T", .organisation = "O", .period = "P", .sections = &sec, .nsections = 1};
    char *html = rp_page_html(&r);
    cr_assert_not_null(html);
    cr_assert(strstr(html, "Complaints by service area</p>\n<p>" RP_EMPTY_TABLE "</p>"), "%s",
              html);
    cr_assert_null(strstr(html, "<thead>"), "no bare header");
    free(html);
}
