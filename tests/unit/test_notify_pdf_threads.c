/* test_notify_pdf_threads.c - letters typeset on several threads at once
 * (pdf.c), as notify's worker pool does: each thread keeps its own pango
 * context and the layouts it made for the next letter, so two threads at
 * once each get whole letters of their own, and a letter comes out byte for
 * byte the same (its dates aside) whether its thread has typeset other
 * letters first or none. Read back with poppler-utils, as test_notify_pdf.c
 * does. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "letters.h"
#include "pdf.h"

#define LETTERS 12

static char *s_addr_a[] = {"14 Chapel Row", "Headingley", "Leeds"};
static char *s_addr_b[] = {"3 Victoria Road", "Armley", "Leeds"};

/* An acknowledgement to a (0) or b (1), dated by day. */
static char *s_ack(int who, int day, const char *ref)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = who ? "Tomasz Kowalski" : "Anita Patel";
    p.address_as = who ? "Mr Kowalski" : "Mrs Patel";
    p.address = who ? s_addr_b : s_addr_a;
    p.n_address = 3;
    p.postcode = who ? "LS12 3QT" : "LS6 3AB";
    Candour__V1__LetterRequested r = CANDOUR__V1__LETTER_REQUESTED__INIT;
    r.kind = "acknowledgement";
    char today[16], due[16];
    snprintf(today, sizeof today, "2026-03-%02d", 1 + day % 28);
    snprintf(due, sizeof due, "2026-05-%02d", 1 + day % 28);
    r.response_due = due;
    r.handler = who ? "Priya Ramanathan, Complaints Manager" : "Sam Okafor, Investigator";
    char *t = nt_render_acknowledgement(&p, ref, today, &r);
    cr_assert_not_null(t);
    return t;
}

typedef struct {
    int who, large;
    pthread_barrier_t *start;
    unsigned char *pdf; /* the last letter's */
    size_t len;
    int failed;
} s_job_t;

/* A whole PDF: its header and its end-of-file mark. */
static int s_whole(const unsigned char *pdf, size_t len)
{
    if (len < 1000 || memcmp(pdf, "%PDF-", 5) != 0)
        return 0;
    for (size_t i = len - 6; i > len - 32; i--)
        if (memcmp(pdf + i, "%%EOF", 5) == 0)
            return 1;
    return 0;
}

static void *s_typeset_many(void *arg)
{
    s_job_t *j = arg;
    pthread_barrier_wait(j->start);
    for (int i = 0; i < LETTERS; i++) {
        char ref[32], err[200] = "";
        snprintf(ref, sizeof ref, "CDR-%s-%04d", j->who ? "BBBB" : "AAAA", i);
        char *text = s_ack(j->who, i, ref);
        nt_pdf_opts_t o = {.reference = ref,
                           .large_print = j->large,
                           .org_name = j->who ? "Leeds Teaching Hospitals\nGreat George Street"
                                              : "Leeds Health Board\nWellington Place"};
        unsigned char *pdf = NULL;
        size_t len = 0;
        if (nt_pdf_render(text, &o, &pdf, &len, err, sizeof err) != 0 || !s_whole(pdf, len))
            j->failed++;
        free(text);
        free(j->pdf);
        j->pdf = pdf;
        j->len = len;
    }
    return NULL;
}

/* The PDF in a temp file; its path into path. */
static void s_save(const unsigned char *pdf, size_t len, char path[64])
{
    snprintf(path, 64, "%s", "/tmp/candour-pdf-threads-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, pdf, len), (ssize_t)len);
    close(fd);
}

/* The standard output (malloc'd) of "tool path tail", which must succeed. */
static char *s_run(const char *tool, const char *path, const char *tail)
{
    char line[256];
    snprintf(line, sizeof line, "%s %s %s", tool, path, tail);
    FILE *f = popen(line, "r");
    cr_assert_not_null(f, "%s", line);
    size_t cap = 1 << 16, n = 0, got;
    char *out = malloc(cap);
    while ((got = fread(out + n, 1, cap - n - 1, f)) > 0)
        n += got;
    out[n] = 0;
    cr_assert_eq(pclose(f), 0, "%s failed (is poppler-utils installed?)", line);
    return out;
}

Test(notify_pdf_threads, letters_typeset_on_two_threads_at_once_are_each_whole_and_their_own)
{
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    s_job_t a = {.who = 0, .large = 0, .start = &start};
    s_job_t b = {.who = 1, .large = 1, .start = &start};
    pthread_t ta, tb;
    cr_assert_eq(pthread_create(&ta, NULL, s_typeset_many, &a), 0);
    cr_assert_eq(pthread_create(&tb, NULL, s_typeset_many, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);
    cr_assert_eq(a.failed + b.failed, 0, "%d and %d letters failed", a.failed, b.failed);

    char pa[64], pb[64];
    s_save(a.pdf, a.len, pa);
    s_save(b.pdf, b.len, pb);
    char *ta_text = s_run("pdftotext -layout", pa, "-"),
         *tb_text = s_run("pdftotext -layout", pb, "-");
    /* Each its own words, none of the other's. */
    cr_assert_not_null(strstr(ta_text, "Dear Mrs Patel,"), "%s", ta_text);
    cr_assert_not_null(strstr(ta_text, "Our reference: CDR-AAAA-0011"), "%s", ta_text);
    cr_assert_not_null(strstr(ta_text, "Leeds Health Board"), "%s", ta_text);
    cr_assert_null(strstr(ta_text, "Kowalski"), "%s", ta_text);
    cr_assert_null(strstr(ta_text, "BBBB"), "%s", ta_text);
    cr_assert_not_null(strstr(tb_text, "Dear Mr Kowalski,"), "%s", tb_text);
    cr_assert_not_null(strstr(tb_text, "Our reference: CDR-BBBB-0011"), "%s", tb_text);
    cr_assert_not_null(strstr(tb_text, "Leeds Teaching Hospitals"), "%s", tb_text);
    cr_assert_null(strstr(tb_text, "Patel"), "%s", tb_text);
    cr_assert_null(strstr(tb_text, "AAAA"), "%s", tb_text);
    /* Each in its own print: a serif body for normal print, sans only for
     * large print (a layout of one style never stands in for another's). */
    char *fa = s_run("pdffonts", pa, ""), *fb = s_run("pdffonts", pb, "");
    cr_assert_not_null(strstr(fa, "DejaVuSerif"), "%s", fa);
    cr_assert_null(strstr(fb, "DejaVuSerif"), "%s", fb);
    cr_assert_not_null(strstr(fb, "DejaVuSans"), "%s", fb);
    free(ta_text);
    free(tb_text);
    free(fa);
    free(fb);
    unlink(pa);
    unlink(pb);
    free(a.pdf);
    free(b.pdf);
}

/* ----------------------------------------------- warm or cold, the same */

typedef struct {
    int others; /* typeset other letters first */
    unsigned char *pdf;
    size_t len;
} s_one_t;

static unsigned char *s_render(const char *text, const char *ref, int large, const char *org,
                               size_t *len)
{
    nt_pdf_opts_t o = {.reference = ref, .large_print = large, .org_name = org};
    unsigned char *pdf = NULL;
    char err[200] = "";
    cr_assert_eq(nt_pdf_render(text, &o, &pdf, len, err, sizeof err), 0, "%s", err);
    return pdf;
}

static void *s_typeset_one(void *arg)
{
    s_one_t *j = arg;
    size_t len;
    if (j->others) {
        /* Other letters, other print, other letterheads, and the same
         * letter in large print, all before it. */
        char *b = s_ack(1, 7, "CDR-BBBB-0007");
        free(s_render(b, "CDR-BBBB-0007", 1, "Leeds Teaching Hospitals", &len));
        free(s_render(b, "CDR-BBBB-0007", 0, NULL, &len));
        free(b);
        char *a = s_ack(0, 3, "CDR-AAAA-0003");
        free(s_render(a, "CDR-AAAA-0003", 1, "Leeds Health Board\nWellington Place", &len));
        free(a);
    }
    char *a = s_ack(0, 3, "CDR-AAAA-0003");
    j->pdf = s_render(a, "CDR-AAAA-0003", 0, "Leeds Health Board\nWellington Place", &j->len);
    free(a);
    return NULL;
}

/* The PDF with its dates (D:YYYYMMDDHHMMSS...) made zeros: the rest of it
 * is what was typeset. */
static void s_undate(unsigned char *pdf, size_t len)
{
    for (unsigned char *p = pdf; (p = memmem(p, len - (size_t)(p - pdf), "(D:", 3)); p += 3)
        for (unsigned char *d = p + 3; d < pdf + len && *d != ')'; d++)
            *d = '0';
}

Test(notify_pdf_threads, a_letter_is_the_same_whether_its_thread_typeset_others_first_or_none)
{
    s_one_t cold = {.others = 0}, warm = {.others = 1};
    pthread_t t;
    /* Each on a new thread: nothing kept from before. */
    cr_assert_eq(pthread_create(&t, NULL, s_typeset_one, &cold), 0);
    pthread_join(t, NULL);
    cr_assert_eq(pthread_create(&t, NULL, s_typeset_one, &warm), 0);
    pthread_join(t, NULL);
    s_undate(cold.pdf, cold.len);
    s_undate(warm.pdf, warm.len);
    cr_assert_eq(warm.len, cold.len);
    cr_assert(memcmp(warm.pdf, cold.pdf, cold.len) == 0,
              "the letter differs after others on its thread");
    free(cold.pdf);
    free(warm.pdf);
}
