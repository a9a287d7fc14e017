/* test_reporting_pdf.c - a report as an A4 PDF (pdf_report.c): a PDF comes
 * out, a long table runs over pages with its header repeated and no row lost
 * or doubled (read back with pdftotext when poppler-utils is installed),
 * every page footed with the suppression note and "Page N of M", and text
 * that is not UTF-8 drawn rather than refused.
 *
 * With CANDOUR_REPORT_LOOK=<dir> set, the sample report
 * (tests/tools/report_sample.h) is left there as report.pdf, report.html
 * and the three charts as .svg, to be looked at. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "page.h"
#include "pdf_report.h"
#include "svg.h"

#include "../tools/report_sample.h"

static size_t s_count(const char *s, size_t len, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (size_t i = 0; i + k <= len; i++)
        n += !memcmp(s + i, needle, k);
    return n;
}

/* Pages in the file: "/Type /Page" not followed by "s" (that is /Pages). */
static int s_pdf_pages(const unsigned char *p, size_t len)
{
    int n = 0;
    const char *k = "/Type /Page";
    for (size_t i = 0; i + 12 <= len; i++)
        n += !memcmp(p + i, k, 11) && p[i + 11] != 's';
    return n;
}

static char *s_run(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    size_t cap = 1 << 20, n = 0;
    char *b = malloc(cap);
    size_t r;
    while ((r = fread(b + n, 1, cap - 1 - n, f)) > 0)
        n += r;
    b[n] = 0;
    pclose(f);
    return b;
}

static void s_write(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    fwrite(p, 1, n, f);
    fclose(f);
}

Test(reporting_pdf, a_pdf_comes_out)
{
    rp_report_t r = s_sample_report();
    unsigned char *pdf = NULL;
    size_t len = 0;
    int pages = 0;
    char err[256] = "";
    cr_assert_eq(rp_pdf_report(&r, &pdf, &len, &pages, err, sizeof err), 0, "%s", err);
    cr_assert(len > 1000 && !memcmp(pdf, "%PDF-", 5));
    cr_assert(s_count((char *)pdf, len, "%%EOF") >= 1);
    cr_assert(pages >= 2 && pages <= 4, "three charts and two tables: %d pages", pages);
    cr_assert_eq(s_pdf_pages(pdf, len), pages);
    free(pdf);
}

/* 150 rows, each named once (Row-001 ...) so a lost or doubled row shows. */
static rp_report_t s_long(rp_cell_t **cells_out)
{
    static const char *head[] = {"Category", "Received", "Upheld"};
    static char names[150][16];
    static rp_table_t tb;
    static rp_block_t blk;
    static rp_section_t sec;
    rp_cell_t *cells = calloc(150 * 3, sizeof *cells);
    for (int i = 0; i < 150; i++) {
        snprintf(names[i], sizeof names[i], "Row-%03d", i + 1);
        cells[i * 3] = (rp_cell_t){RP_CELL_TEXT, names[i], 0};
        cells[i * 3 + 1] = (rp_cell_t){RP_CELL_COUNT, NULL, 100 + i};
        cells[i * 3 + 2] = (rp_cell_t){i % 10 ? RP_CELL_COUNT : RP_CELL_SUPPRESSED, NULL, 10 + i};
    }
    tb = (rp_table_t){"Complaints by category", head, 3, cells, 150};
    blk = (rp_block_t){.kind = RP_BLOCK_TABLE, .table = &tb};
    sec = (rp_section_t){"By category", &blk, 1};
    *cells_out = cells;
    return (rp_report_t){
        .title = "Long", .organisation = "RX1", .period = "2025", .sections = &sec, .nsections = 1};
}

Test(reporting_pdf, a_long_table_runs_over_pages_with_its_header)
{
    rp_cell_t *cells;
    rp_report_t r = s_long(&cells);
    unsigned char *pdf;
    size_t len;
    int pages = 0;
    char err[256] = "";
    cr_assert_eq(rp_pdf_report(&r, &pdf, &len, &pages, err, sizeof err), 0, "%s", err);
    /* a row is one line of 9 pt text and 8 pt of padding, about 18.5 pt;
     * a page holds about 740 pt of them: 150 rows need 4 pages, or 5 with
     * fonts whose lines are taller */
    cr_assert(pages >= 4 && pages <= 5, "%d pages", pages);
    cr_assert_eq(s_pdf_pages(pdf, len), pages);
    char path[] = "/tmp/rp-pdf-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    s_write(path, pdf, len);
    free(pdf);
    free(cells);
    if (access("/usr/bin/pdftotext", X_OK) != 0) {
        unlink(path);
        cr_skip("pdftotext (poppler-utils) not installed: page contents not read back");
    }
    char *t = s_run("pdftotext -layout %s -", path);
    unlink(path);
    char want[32];
    const char *at = t;
    for (int i = 1; i <= 150; i++) { /* each row once, in order */
        snprintf(want, sizeof want, "Row-%03d", i);
        const char *p = strstr(at, want);
        cr_assert_not_null(p, "%s lost", want);
        cr_assert_null(strstr(p + 1, want), "%s twice", want);
        at = p;
    }
    /* each page: the header row, the note and its number */
    const char *page = t;
    for (int n = 1; n <= pages; n++) {
        const char *ff = strchr(page, '\f');
        cr_assert_not_null(ff, "page %d not ended", n);
        size_t plen = (size_t)(ff - page);
        char num[32];
        snprintf(num, sizeof num, "Page %d of %d", n, pages);
        cr_assert(s_count(page, plen, num) == 1, "page %d has no %s", n, num);
        cr_assert(s_count(page, plen, "Counts from 1 to 4 are suppressed") >= 1);
        cr_assert(s_count(page, plen, "Category") >= 1, "page %d has no header row", n);
        page = ff + 1;
    }
    free(t);
}

Test(reporting_pdf, text_that_is_not_utf8_is_drawn_not_refused)
{
    rp_block_t b = {.kind = RP_BLOCK_PARA, .para = "bad \xff\xfe byte, <script> & \x01"};
    rp_section_t s = {"Heading \xc3", &b, 1};
    rp_report_t r = {.title = "T\xe9st",
                     .organisation = "RX1",
                     .period = "2025",
                     .sections = &s,
                     .nsections = 1};
    unsigned char *pdf;
    size_t len;
    int pages;
    char err[256] = "";
    cr_assert_eq(rp_pdf_report(&r, &pdf, &len, &pages, err, sizeof err), 0, "%s", err);
    cr_assert_eq(pages, 1);
    free(pdf);
}

/* Not a check: leaves the sample to be looked at (see the file's header). */
Test(reporting_pdf, sample_left_for_looking_when_asked)
{
    const char *dir = getenv("CANDOUR_REPORT_LOOK");
    if (!dir || !*dir)
        cr_skip("CANDOUR_REPORT_LOOK not set");
    rp_report_t r = s_sample_report();
    char path[512];
    unsigned char *pdf;
    size_t len;
    char err[256] = "";
    cr_assert_eq(rp_pdf_report(&r, &pdf, &len, NULL, err, sizeof err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/report.pdf", dir);
    s_write(path, pdf, len);
    free(pdf);
    char *html = rp_page_html(&r);
    snprintf(path, sizeof path, "%s/report.html", dir);
    s_write(path, html, strlen(html));
    free(html);
    const char *names[] = {"xmr", "funnel", "bars"};
    char *svgs[] = {rp_svg_xmr(&s_sample_xmr), rp_svg_funnel(&s_sample_funnel),
                    rp_svg_bars(&s_sample_barchart)};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.svg", dir, names[i]);
        s_write(path, svgs[i], strlen(svgs[i]));
        free(svgs[i]);
    }
}

Test(reporting_pdf, a_table_with_no_rows_says_so_under_its_caption)
{
    static const char *head[] = {"Service area", "Complaints"};
    rp_table_t tb = {"Complaints by service area", head, 2, NULL, 0};
    rp_block_t b = {RP_BLOCK_TABLE, NULL, &tb, {0}};
    rp_section_t sec = {"Services", &b, 1};
    rp_report_t r = {
        .title = "T", .organisation = "O", .period = "P", .sections = &sec, .nsections = 1};
    unsigned char *pdf;
    size_t len;
    int pages = 0;
    char err[256] = "";
    cr_assert_eq(rp_pdf_report(&r, &pdf, &len, &pages, err, sizeof err), 0, "%s", err);
    char path[] = "/tmp/rp-pdf-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    s_write(path, pdf, len);
    free(pdf);
    if (access("/usr/bin/pdftotext", X_OK) != 0) {
        unlink(path);
        cr_skip("pdftotext (poppler-utils) not installed: page contents not read back");
    }
    char *t = s_run("pdftotext -layout %s -", path);
    unlink(path);
    const char *cap = strstr(t, "Complaints by service area");
    cr_assert_not_null(cap, "%s", t);
    cr_assert_not_null(strstr(cap, RP_EMPTY_TABLE), "%s", t);
    cr_assert_null(strstr(t, "Service area"), "no bare header: %s", t);
    free(t);
}
