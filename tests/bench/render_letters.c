/* render_letters.c - candour-bench-render: what one acknowledgement letter
 * costs notify to typeset as a PDF (not part of ctest).
 *
 * Renders N acknowledgement letters through the functions notify uses
 * (letters.c's text, compose.c's letterhead, pdf.c's PDF, as spool.c stages
 * a letter by post), each to a different person (name, address, postcode,
 * reference, dates), on T threads at once, and prints the CPU time spent
 * (getrusage: every thread's, user + system) per letter and the PDF's
 * average size. With --out DIR the first few PDFs are written there
 * (<reference>.pdf) to look at. --large: in large print; --long: final
 * responses of several pages instead (findings of 40 to 60 sentences).
 *
 *   candour-bench-render [--letters N] [--threads T] [--large] [--long] [--out DIR]
 *
 * Exit 0, or 1 when a letter failed to render. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "letters.h"
#include "pdf.h"

/* How many letters --out writes. */
#define S_KEEP 4

typedef struct {
    int letters, threads, large, long_letters;
    const char *out;
    atomic_int next;
    atomic_int failed;
    atomic_llong bytes;
} s_run_t;

static const char *s_first[] = {"Anita", "Tomasz", "Grace", "Mohammed", "Siobhan", "Oluwaseun"};
static const char *s_last[] = {"Patel", "Kowalski", "Ogunleye", "Hughes", "Ní Bhriain", "Clarke"};
static const char *s_title[] = {"Mrs", "Mr", "Ms", "Dr", "Miss", "Mx"};
static const char *s_street[] = {"Chapel Row", "Victoria Road",    "Kirkstall Lane",
                                 "Otley Road", "Harehills Avenue", "Roundhay Crescent"};
static const char *s_town[] = {"Headingley", "Armley", "Chapel Allerton", "Horsforth", "Beeston"};

static const char s_letterhead[] =
    "{\"name\": \"NHS West Yorkshire Integrated Care Board\", \"address\": [\"White Rose House\","
    " \"West Parade\", \"Wakefield\"], \"postcode\": \"WF1 1LT\", \"phone\": \"0113 825 0000\","
    " \"email\": \"wyicb.complaints@nhs.net\", \"website\": \"www.westyorkshire.icb.nhs.uk\"}";

/* A final response of several pages to p, its findings differing by i. */
static char *s_response(int i, const Candour__V1__Person *p, const char *ref, const char *today)
{
    char findings[16 * 1024];
    size_t n = 0;
    for (int k = 1; k <= 40 + i % 21; k++)
        n += (size_t)snprintf(findings + n, sizeof findings - n,
                              "On day %d the notes record that the call bell was answered %d"
                              " minutes after it rang, later than the ward's standard.%s",
                              k, 5 + (i + k) % 20, k % 5 ? " " : "\n\n");
    Candour__V1__ResponseApproved ra = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    ra.outcome = CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD;
    ra.findings = findings;
    ra.signed_by = "Dr Helen Marsh";
    ra.signatory_role = "Chief Executive";
    return nt_render_final_response(p, ref, today, &ra);
}

/* Letter i's text and reference (ref: 14 bytes): an acknowledgement, or
 * with long, a final response. */
static char *s_letter(int i, int long_letter, char ref[16])
{
    char name[96], as[96], line1[96], postcode[16], today[16], due[16], handler[128];
    const char *first = s_first[i % 6], *last = s_last[(i / 6) % 6];
    snprintf(name, sizeof name, "%s %s", first, last);
    snprintf(as, sizeof as, "%s %s", s_title[i % 6], last);
    snprintf(line1, sizeof line1, "%d %s", 1 + i % 97, s_street[(i / 3) % 6]);
    snprintf(postcode, sizeof postcode, "LS%d %d%c%c", 1 + i % 29, i % 10, 'A' + i % 26,
             'A' + (i / 26) % 26);
    snprintf(today, sizeof today, "2026-%02d-%02d", 1 + i % 12, 1 + i % 28);
    snprintf(due, sizeof due, "2027-%02d-%02d", 1 + (i + 2) % 12, 1 + (i * 7) % 28);
    snprintf(handler, sizeof handler, "%s, Complaints Investigator, 0113 496 %04d",
             i % 2 ? "Sam Okafor" : "Priya Ramanathan", i % 10000);
    snprintf(ref, 16, "CDR-%04X-%04X", (unsigned)(i * 2654435761u) >> 16 & 0xffff,
             (unsigned)i & 0xffff);
    char *addr[] = {line1, (char *)s_town[i % 5], "Leeds"};
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = name;
    p.address_as = as;
    p.address = addr;
    p.n_address = 3;
    p.postcode = postcode;
    if (long_letter)
        return s_response(i, &p, ref, today);
    Candour__V1__LetterRequested r = CANDOUR__V1__LETTER_REQUESTED__INIT;
    r.kind = "acknowledgement";
    r.response_due = due;
    r.handler = handler;
    return nt_render_acknowledgement(&p, ref, today, &r);
}

static void s_keep(const s_run_t *run, const char *ref, const unsigned char *pdf, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.pdf", run->out, ref);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(pdf, 1, len, f) != len)
        fprintf(stderr, "render: cannot write %s: %s\n", path, strerror(errno));
    if (f)
        fclose(f);
}

static void *s_worker(void *arg)
{
    s_run_t *run = arg;
    char *head = nt_render_letterhead(s_letterhead);
    for (int i; (i = atomic_fetch_add(&run->next, 1)) < run->letters;) {
        char ref[16], err[200] = "";
        char *text = s_letter(i, run->long_letters, ref);
        nt_pdf_opts_t o = {.reference = ref, .large_print = run->large, .org_name = head};
        unsigned char *pdf = NULL;
        size_t len = 0;
        if (!text || nt_pdf_render(text, &o, &pdf, &len, err, sizeof err) != 0) {
            fprintf(stderr, "render: letter %d failed: %s\n", i, err);
            atomic_fetch_add(&run->failed, 1);
        } else {
            atomic_fetch_add(&run->bytes, (long long)len);
            if (run->out && i < S_KEEP)
                s_keep(run, ref, pdf, len);
        }
        free(pdf);
        free(text);
    }
    free(head);
    return NULL;
}

static double s_cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

static double s_wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    s_run_t run = {.letters = 1000, .threads = 1};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--letters") == 0 && i + 1 < argc)
            run.letters = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            run.threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--large") == 0)
            run.large = 1;
        else if (strcmp(argv[i], "--long") == 0)
            run.long_letters = 1;
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            run.out = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [--letters N] [--threads T] [--large] [--long] [--out DIR]\n",
                    argv[0]);
            return 2;
        }
    }
    if (run.letters < 1 || run.threads < 1 || run.threads > 64) {
        fprintf(stderr, "render: --letters must be >= 1, --threads 1..64\n");
        return 2;
    }
    pthread_t th[64];
    double cpu0 = s_cpu(), wall0 = s_wall();
    for (int t = 0; t < run.threads; t++)
        if (pthread_create(&th[t], NULL, s_worker, &run) != 0) {
            fprintf(stderr, "render: cannot start thread %d\n", t);
            return 1;
        }
    for (int t = 0; t < run.threads; t++)
        pthread_join(th[t], NULL);
    double cpu = s_cpu() - cpu0, wall = s_wall() - wall0;
    int ok = run.letters - atomic_load(&run.failed);
    printf(
        "{\"letters\": %d, \"failed\": %d, \"threads\": %d, \"large_print\": %d,"
        " \"long\": %d, \"cpu_ms_per_letter\": %.3f, \"wall_s\": %.3f, \"letters_per_cpu_s\": %.0f,"
        " \"bytes_per_pdf\": %.0f}\n",
        run.letters, run.letters - ok, run.threads, run.large, run.long_letters,
        cpu * 1000 / run.letters, wall, run.letters / cpu,
        ok ? (double)atomic_load(&run.bytes) / ok : 0.0);
    return ok == run.letters ? 0 : 1;
}
