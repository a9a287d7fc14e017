/* test_notify_pdf.c - letters as A4 PDFs for post (pdf.c): real letters from
 * letters.c rendered, written to a temp file, and read back with
 * poppler-utils (pdfinfo, pdftotext, pdffonts; installed by
 * deploy/install-deps.sh): A4, every page footed with the reference and
 * "Page N of M", nothing lost or drawn twice across page breaks, text within
 * the margins, fonts embedded, large print at 16 pt or more, text drawn
 * literally, and bad input refused. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "letters.h"
#include "pdf.h"

#define REF "CDR-ABCD-EFGH"
#define MM (72.0 / 25.4)

static char *s_addr[] = {"14 Chapel Row", "Headingley", "Leeds"};

static Candour__V1__Person s_person(void)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Anita Patel";
    p.address_as = "Mrs Patel";
    p.address = s_addr;
    p.n_address = 3;
    p.postcode = "LS6 3AB";
    p.email = "anita.patel@example.org";
    return p;
}

static char *s_ack(void)
{
    Candour__V1__Person p = s_person();
    Candour__V1__LetterRequested r = CANDOUR__V1__LETTER_REQUESTED__INIT;
    r.kind = "acknowledgement";
    r.response_due = "2024-04-12";
    r.handler = "Sam Okafor, Complaints Investigator, 0113 496 0000";
    char *t = nt_render_acknowledgement(&p, REF, "2024-03-05", &r);
    cr_assert_not_null(t);
    return t;
}

/* A final response whose findings run to pages: 120 sentences, each with a
 * token (Note-001 ...) found once, in order, if no line is lost or doubled at
 * a page break; and one word far longer than a line, which must wrap. */
static char *s_long_response(void)
{
    static char findings[32 * 1024];
    size_t n = 0;
    for (int i = 1; i <= 120; i++) {
        n += (size_t)snprintf(findings + n, sizeof findings - n,
                              "Note-%03d: the notes for that day record that the call bell was"
                              " answered later than the ward's standard.%s",
                              i, i % 6 ? " " : "\n\n");
        if (i == 60) /* a word no line can hold */
            n += (size_t)snprintf(findings + n, sizeof findings - n,
                                  "Write to complaints.team.for.the.whole.of.the.integrated."
                                  "care.board.and.its.partners.in.west.yorkshire@example.nhs.uk"
                                  "\n\n");
    }
    Candour__V1__Person p = s_person();
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    ra.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    ra.findings = findings;
    ra.signed_by = "Dr Helen Marsh";
    ra.signatory_role = "Chief Executive";
    char *t = nt_render_final_response(&p, REF, "2024-04-10", &ra);
    cr_assert_not_null(t);
    return t;
}

/* Renders text to a temp PDF; returns 0 and its path, or the render's -1. */
static int s_pdf(const char *text, int large, char path[64])
{
    nt_pdf_opts_t o = {.reference = REF, .large_print = large, .org_name = "Leeds Health Board"};
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[256] = "";
    int rc = nt_pdf_render(text, &o, &pdf, &len, err, sizeof err);
    cr_assert_eq(rc, 0, "render failed: %s", err);
    cr_assert(len > 1000 && memcmp(pdf, "%PDF-", 5) == 0);
    snprintf(path, 64, "%s", "/tmp/candour-pdf-test-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    free(pdf);
    return rc;
}

/* A command's standard output (malloc'd), which must succeed. */
static char *s_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *s_run(const char *fmt, ...)
{
    char cmd[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f, "%s", cmd);
    size_t cap = 4096, n = 0, got;
    char *out = malloc(cap);
    while ((got = fread(out + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            out = realloc(out, cap *= 2);
    }
    out[n] = 0;
    cr_assert_eq(pclose(f), 0, "%s failed (is poppler-utils installed?)", cmd);
    return out;
}

static int s_pages(const char *path)
{
    char *info = s_run("pdfinfo %s", path);
    const char *p = strstr(info, "\nPages:");
    cr_assert_not_null(p, "%s", info);
    int n = atoi(p + 7);
    free(info);
    return n;
}

/* The text with every run of white space made one space, so a sentence
 * wrapped over two lines is found. */
static char *s_squash(char *t)
{
    char *w = t;
    for (char *r = t; *r; r++)
        if (!strchr(" \t\r\n", *r) || (w > t && w[-1] != ' '))
            *w++ = strchr(" \t\r\n", *r) ? ' ' : *r;
    *w = 0;
    return t;
}

static int s_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Each page (pdftotext ends each with a form feed) carries the footer. */
static void s_check_footers(const char *path, int pages)
{
    char *t = s_run("pdftotext -layout %s -", path);
    char *page = t;
    for (int i = 1; i <= pages; i++) {
        char *ff = strchr(page, '\f');
        cr_assert_not_null(ff, "page %d missing", i);
        *ff = 0;
        char want[64];
        snprintf(want, sizeof want, "Page %d of %d", i, pages);
        cr_assert_eq(s_count(page, want), 1, "page %d lacks \"%s\":\n%s", i, want, page);
        /* page 1 also quotes the reference in the letter's heading */
        cr_assert_eq(s_count(page, "Our reference: " REF), i == 1 ? 2 : 1, "page %d:\n%s", i, page);
        page = ff + 1;
    }
    free(t);
}

/* Every word's box (pdftotext -bbox): body words within the 25 mm margins,
 * below the bottom margin only the footer's words. Returns the smallest word
 * height seen, for the print size. */
static double s_check_boxes(const char *path)
{
    char *t = s_run("pdftotext -bbox %s -", path);
    double min_h = 1e9, W = 0, H = 0;
    int words = 0;
    for (char *p = t; (p = strchr(p, '<')); p++) {
        double x0, y0, x1, y1;
        char word[256];
        if (sscanf(p, "<page width=\"%lf\" height=\"%lf\"", &W, &H) == 2)
            continue;
        if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%255[^<]", &x0,
                   &y0, &x1, &y1, word) != 5)
            continue;
        words++;
        if (y1 - y0 < min_h)
            min_h = y1 - y0;
        cr_assert(x0 >= 25 * MM - 1 && x1 <= W - 25 * MM + 1, "\"%s\" outside the margins (%g-%g)",
                  word, x0, x1);
        cr_assert(y0 >= 25 * MM - 1, "\"%s\" in the top margin (%g)", word, y0);
        if (y1 > H - 25 * MM + 2) /* only the footer lives down there */
            cr_assert(strstr("Our reference: " REF " Page of", word) || strspn(word, "0123456789"),
                      "\"%s\" in the bottom margin (%g)", word, y1);
    }
    cr_assert(words > 50);
    free(t);
    return min_h;
}

Test(notify_pdf, acknowledgement_is_one_a4_page_with_footer_and_metadata)
{
    char *text = s_ack(), path[64];
    s_pdf(text, 0, path);
    char *info = s_run("pdfinfo %s", path);
    /* A4 is 595.28 x 841.89 pt; pdfinfo prints it to 3 or 2 decimals. */
    const char *size = strstr(info, "Page size:");
    double w = 0, h = 0;
    cr_assert(size && sscanf(size, "Page size: %lf x %lf", &w, &h) == 2, "%s", info);
    cr_assert(fabs(w - 595.28) < 0.5 && fabs(h - 841.89) < 0.5, "%g x %g", w, h);
    cr_assert_not_null(strstr(size, "pts (A4)"), "%s", info);
    cr_assert_not_null(strstr(info, " Letter " REF "\n"), "title: %s", info);
    cr_assert_not_null(strstr(info, " Candour\n"), "creator: %s", info);
    free(info);
    cr_assert_eq(s_pages(path), 1);
    char *t = s_squash(s_run("pdftotext -layout %s -", path));
    cr_assert_not_null(strstr(t, "Dear Mrs Patel,"), "%s", t);
    cr_assert_not_null(strstr(t, "talk with you about how we will handle your complaint"), "%s", t);
    cr_assert_not_null(strstr(t, "Yours sincerely,"), "%s", t);
    cr_assert_not_null(strstr(t, "Leeds Health Board"), "%s", t);
    free(t);
    s_check_footers(path, 1);
    s_check_boxes(path);
    unlink(path);
    free(text);
}

Test(notify_pdf, long_response_spans_pages_each_footed_nothing_lost_or_doubled)
{
    char *text = s_long_response(), path[64];
    s_pdf(text, 0, path);
    int pages = s_pages(path);
    cr_assert_geq(pages, 3, "only %d pages", pages);
    s_check_footers(path, pages);
    char *t = s_squash(s_run("pdftotext -layout %s -", path));
    cr_assert_not_null(strstr(t, "Dear Mrs Patel,"));
    cr_assert_not_null(strstr(t, "Yours sincerely,"));
    cr_assert_not_null(strstr(t, "Millbank Tower, Millbank, London SW1P 4QP"));
    const char *at = t;
    for (int i = 1; i <= 120; i++) {
        char tok[32];
        snprintf(tok, sizeof tok, "Note-%03d:", i);
        cr_assert_eq(s_count(t, tok), 1, "%s not once", tok);
        const char *p = strstr(at, tok);
        cr_assert_not_null(p, "%s out of order", tok);
        at = p;
    }
    /* a sentence from the middle, wrapped over lines */
    cr_assert_not_null(strstr(t, "Note-061: the notes for that day record that the call bell was"
                                 " answered later than the ward's standard."));
    free(t);
    s_check_boxes(path); /* the over-long address wrapped inside the margins */
    unlink(path);
    free(text);
}

Test(notify_pdf, fonts_are_embedded_dejavu)
{
    char *text = s_long_response(), path[64];
    s_pdf(text, 0, path);
    char *f = s_run("pdffonts %s", path);
    /* The columns are where the header's dashes say; "emb" is the fourth. */
    char *dash = strstr(f, "\n---");
    cr_assert_not_null(dash, "%s", f);
    dash++;
    size_t col = 0;
    for (int group = 0; group < 3; group++)
        col += strcspn(dash + col, " ") + strspn(dash + col + strcspn(dash + col, " "), " ");
    int fonts = 0;
    for (char *line = strchr(dash, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        cr_assert_eq(strncmp(line + 1 + col, "yes", 3), 0, "not embedded:%s", line);
        fonts++;
    }
    cr_assert_geq(fonts, 2); /* the body's serif, the footer's sans */
    cr_assert_not_null(strstr(f, "DejaVuSerif"), "%s", f);
    free(f);
    unlink(path);
    free(text);
}

Test(notify_pdf, large_print_is_16pt_sans_and_takes_more_pages)
{
    char *text = s_long_response(), normal[64], large[64];
    s_pdf(text, 0, normal);
    s_pdf(text, 1, large);
    int pn = s_pages(normal), pl = s_pages(large);
    cr_assert_gt(pl, pn, "large print %d pages, normal %d", pl, pn);
    s_check_footers(large, pl);
    /* A word's box is at least the font size tall (ascent + descent). */
    double hl = s_check_boxes(large), hn = s_check_boxes(normal);
    cr_assert_geq(hl, 16.0, "a large-print word only %gpt tall", hl);
    cr_assert_lt(hn, 16.0, "the check cannot tell the sizes apart (%g)", hn);
    char *f = s_run("pdffonts %s", large);
    cr_assert_not_null(strstr(f, "DejaVuSans"), "%s", f);
    cr_assert_null(strstr(f, "DejaVuSerif"), "%s", f);
    free(f);
    char *t = s_squash(s_run("pdftotext -layout %s -", large));
    cr_assert_not_null(strstr(t, "Note-120:"));
    free(t);
    unlink(normal);
    unlink(large);
    free(text);
}

Test(notify_pdf, text_is_drawn_literally_not_as_markup)
{
    char path[64];
    s_pdf("Dear Mr O'Brien,\n\nYou wrote: <b>&amp; Tom & Jerry</b> <i>5 < 6</i>.\n\n"
          "Yours sincerely,\n\nThe Complaints Team\n",
          0, path);
    char *t = s_squash(s_run("pdftotext -layout %s -", path));
    cr_assert_not_null(strstr(t, "<b>&amp; Tom & Jerry</b> <i>5 < 6</i>."), "%s", t);
    cr_assert_not_null(strstr(t, "Dear Mr O'Brien,"), "%s", t);
    free(t);
    unlink(path);
}

static void s_refused(const char *text, const char *ref, const char *why)
{
    nt_pdf_opts_t o = {.reference = ref};
    unsigned char *pdf = (unsigned char *)"x";
    size_t len = 7;
    char err[256] = "";
    cr_assert_eq(nt_pdf_render(text, &o, &pdf, &len, err, sizeof err), -1, "%s", why);
    cr_assert_null(pdf, "%s", why);
    cr_assert_eq(len, 0, "%s", why);
    cr_assert(err[0], "%s: no message", why);
}

Test(notify_pdf, bad_input_is_refused_with_a_message_and_no_output)
{
    s_refused("Dear \xff\xfe Patel,\n\nHello.\n", REF, "invalid UTF-8");
    s_refused("Dear Mrs Patel,\n\nCaf\xc3", REF, "truncated UTF-8");
    s_refused("", REF, "empty");
    s_refused(" \n\r\n\t\n", REF, "blank");
    s_refused(NULL, REF, "NULL");
    s_refused("Dear Mrs Patel,\n", NULL, "no reference");
    s_refused("Dear Mrs Patel,\n", "", "empty reference");
    s_refused("Dear Mrs Patel,\n", "CDR-\xff", "reference not UTF-8");
}

/* ---------------------------------------------------------------- every kind */

/* text as PDF, then read back with pdftotext; each phrase must be there,
 * with the reference and the page footer. */
static void s_reads_back(const char *kind, char *text, const char *const *phrases)
{
    cr_assert_not_null(text, "%s not rendered", kind);
    char path[64];
    s_pdf(text, 0, path);
    char *back = s_squash(s_run("pdftotext '%s' -", path));
    for (const char *const *p = phrases; *p; p++)
        cr_assert(strstr(back, *p), "%s: '%s' not in the PDF:\n%s", kind, *p, back);
    cr_assert(strstr(back, "Our reference: " REF) && strstr(back, "Page 1 of"), "%s: %s", kind,
              back);
    unlink(path);
    free(back);
    free(text);
}

Test(notify_pdf, N1_every_letter_kind_renders_as_a_pdf_that_reads_back)
{
    Candour__V1__Person to = s_person();
    Candour__V1__Person patient = s_person();
    patient.name = "Ravi Patel";
    patient.address_as = "Mr Patel";
    const char *today = "2026-12-04";

    s_reads_back("acknowledgement", s_ack(),
                 (const char *const[]){"Dear Mrs Patel,", "Thank you for your complaint", NULL});
    s_reads_back("consent-request to the patient",
                 nt_render_consent_request(&patient, &to, REF, today),
                 (const char *const[]){"Dear Mr Patel,", "Anita Patel has made a complaint",
                                       "we need your consent", NULL});
    s_reads_back("consent-request to the complainant",
                 nt_render_consent_request(&to, NULL, REF, today),
                 (const char *const[]){"Dear Mrs Patel,", "we need their consent", NULL});
    static const struct {
        const char *outcome, *phrase;
        int appeal;
    } triage[] = {
        {"appeal", "appeal", 0},
        {"not-required", "Dear Mrs Patel,", 0},
        {"declined-out-of-time", "12 months", 0},
        {"pass-to-provider", "Leeds Teaching Hospitals", 0},
        {"redirect-nhse", "NHS England", 0},
        {"handle-here", "appeal", 1},
    };
    for (size_t i = 0; i < sizeof triage / sizeof triage[0]; i++) {
        Candour__V1__LetterRequested lr = CANDOUR__V1__LETTER_REQUESTED__INIT;
        lr.kind = "triage-outcome";
        lr.outcome = (char *)triage[i].outcome;
        lr.reason = "the care was commissioned elsewhere";
        lr.lead_org = triage[i].outcome[0] == 'r' ? "NHS England" : "Leeds Teaching Hospitals";
        lr.appeal = triage[i].appeal;
        s_reads_back(triage[i].outcome, nt_render_triage(&to, REF, today, &lr),
                     (const char *const[]){triage[i].phrase, NULL});
    }
    Candour__V1__ProgressSent ps = CANDOUR__V1__PROGRESS_SENT__INIT;
    ps.number = 1;
    ps.response_due = "2026-12-18";
    s_reads_back("progress", nt_render_progress(&to, REF, today, &ps),
                 (const char *const[]){"18 December 2026", NULL});
    Candour__V1__DeadlineExtended de = CANDOUR__V1__DEADLINE_EXTENDED__INIT;
    de.new_due = "2027-01-15";
    de.reason = "we are waiting for the ward's records";
    de.agreed_on = "2026-12-03";
    s_reads_back("extension", nt_render_extension(&to, REF, today, &de),
                 (const char *const[]){"15 January 2027", NULL});
    Candour__V1__ResponseLate rl = CANDOUR__V1__RESPONSE_LATE__INIT;
    rl.due = "2026-12-01";
    rl.expected_by = "2026-12-22";
    rl.reason = "a key witness is on leave";
    s_reads_back("late-response", nt_render_late(&to, REF, today, &rl),
                 (const char *const[]){"sorry", "22 December 2026", "Ombudsman", NULL});
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    ra.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    ra.findings = "The discharge letter was sent late.";
    ra.signed_by = "Dr Jo Reed";
    ra.signatory_role = "Chief Executive";
    ra.covering_letter = "Please find our response enclosed.";
    ra.covering_signed_by = "Sam Hale";
    ra.covering_signatory_role = "Director of Nursing";
    s_reads_back("final-response", nt_render_final_response(&to, REF, today, &ra),
                 (const char *const[]){"upheld", "Parliamentary and Health Service Ombudsman",
                                       "Dr Jo Reed", NULL});
    s_reads_back("covering-letter", nt_render_covering(&to, REF, today, &ra),
                 (const char *const[]){"Please find our response enclosed.", "Sam Hale", NULL});
    Candour__V1__ComplaintWithdrawn cw = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    cw.reason = "resolved";
    s_reads_back("withdrawal-confirmation", nt_render_withdrawal(&to, REF, today, &cw),
                 (const char *const[]){"withdraw", NULL});
}

Test(notify_pdf, a_letterhead_heads_page_one_first_line_bold)
{
    char *head = nt_render_letterhead("{\"name\": \"Leeds Health Board\", \"address\":"
                                      " [\"1 Park Row\", \"Leeds\"], \"postcode\": \"LS1 5AB\","
                                      " \"phone\": \"0113 000 0000\"}");
    cr_assert_str_eq(head,
                     "Leeds Health Board\n1 Park Row\nLeeds\nLS1 5AB\nTelephone: 0113 000 0000");
    nt_pdf_opts_t o = {.reference = REF, .org_name = head};
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[256] = "";
    char *text = s_ack();
    cr_assert_eq(nt_pdf_render(text, &o, &pdf, &len, err, sizeof err), 0, "%s", err);
    char path[64] = "/tmp/candour-pdf-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0 && write(fd, pdf, len) == (ssize_t)len);
    close(fd);
    char *back = s_squash(s_run("pdftotext -l 1 '%s' -", path));
    cr_assert(strstr(back, "Leeds Health Board") && strstr(back, "Telephone: 0113 000 0000"), "%s",
              back);
    char *fonts = s_run("pdffonts '%s'", path);
    cr_assert(strstr(fonts, "DejaVuSerif-Bold") && strstr(fonts, "DejaVuSerif "), "%s", fonts);
    unlink(path);
    free(fonts);
    free(back);
    free(text);
    free(pdf);
    free(head);
}
