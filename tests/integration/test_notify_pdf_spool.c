/* test_notify_pdf_spool.c - a letter by post goes into the spool as its PDF
 * beside its text (N1), in large print when the complainant's access needs
 * ask for it (I7); a letter by email goes as text only (for now). notify
 * runs alone; the events come from this test. The PDFs are read back with
 * poppler-utils. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("notify_pdf");
    cr_assert_eq(h_start(s_h, "notify"), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "notify did not exit 0 on SIGTERM");
}

TestSuite(notify_pdf, .init = s_setup, .fini = s_teardown, .timeout = 90);

static void s_send(const char *type, const char *ref, const ProtobufCMessage *msg)
{
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "notify", type, ref, msg, id, 5000), 1, "%s refused", type);
}

/* The complaint received from someone by post (an address) or by email. */
static void s_received(const char *ref, int post, Candour__V1__Format format)
{
    static char *addr[] = {"3 Mill Lane", "Otley"};
    Candour__V1__AccessNeeds needs = CANDOUR__V1__ACCESS_NEEDS__INIT;
    needs.format = format;
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Rosa Fenwick";
    p.address_as = "Ms Fenwick";
    if (post) {
        p.address = addr;
        p.n_address = 2;
        p.postcode = "LS21 1AA";
    } else {
        p.email = "rosa@example.org";
        p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    }
    p.access_needs = &needs;
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.complainant = &p;
    comp.description = "My father's discharge was not arranged.";
    Candour__V1__ComplaintReceived cr = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    cr.org_id = "ICB-W";
    cr.complaint = &comp;
    s_send("complaint.received", ref, &cr.base);
    Candour__V1__LetterRequested lr = CANDOUR__V1__LETTER_REQUESTED__INIT;
    lr.kind = "acknowledgement";
    lr.response_due = "2026-12-18";
    lr.handler = "Sam Okafor";
    s_send("letter.requested", ref, &lr.base);
    const char *v[1] = {ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter"
                         " WHERE reference = $1",
                         1, v, "true", 15000),
              "not delivered");
}

/* The whole output (malloc'd) of `tool 'path' rest`. */
static char *s_run(const char *tool, const char *path, const char *rest)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s '%s' %s", tool, path, rest);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f, "%s", cmd);
    size_t cap = 65536, n = 0;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    size_t got;
    while ((got = fread(out + n, 1, cap - 1 - n, f)) > 0 && n + got < cap - 1)
        n += got;
    out[n] = 0;
    cr_assert_eq(pclose(f), 0, "%s failed: %s", cmd, out);
    return out;
}

static void s_path(char *out, size_t len, const char *ref, const char *ext)
{
    snprintf(out, len, "%s/%s/acknowledgement.%s", h_spool(s_h), ref, ext);
}

Test(notify_pdf, N1_a_letter_by_post_goes_as_its_pdf_beside_its_text)
{
    s_received("CDR-PDF1-0001", 1, CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    char pdf[1024], txt[1024];
    s_path(pdf, sizeof pdf, "CDR-PDF1-0001", "pdf");
    s_path(txt, sizeof txt, "CDR-PDF1-0001", "txt");
    cr_assert_eq(access(txt, F_OK), 0);
    cr_assert_eq(access(pdf, F_OK), 0, "no PDF beside the text");
    char *info = s_run("pdfinfo", pdf, "2>&1");
    cr_assert(strstr(info, "A4"), "%s", info);
    free(info);
    char *text = s_run("pdftotext -layout", pdf, "- 2>&1");
    cr_assert(strstr(text, "Dear Ms Fenwick,") && strstr(text, "Sam Okafor") &&
                  strstr(text, "Our reference: CDR-PDF1-0001") && strstr(text, "Page 1 of 1"),
              "%s", text);
    free(text);
    char *fonts = s_run("pdffonts", pdf, "2>&1");
    cr_assert(strstr(fonts, "DejaVuSerif"), "%s", fonts);
    free(fonts);
}

Test(notify_pdf, I7_large_print_when_the_complainants_access_needs_ask)
{
    s_received("CDR-PDF2-0002", 1, CANDOUR__V1__FORMAT__FORMAT_LARGE_PRINT);
    char pdf[1024];
    s_path(pdf, sizeof pdf, "CDR-PDF2-0002", "pdf");
    char *fonts = s_run("pdffonts", pdf, "2>&1");
    cr_assert(strstr(fonts, "DejaVuSans") && !strstr(fonts, "DejaVuSerif"), "%s", fonts);
    free(fonts);
    /* More pages than the same letter in standard print. */
    s_received("CDR-PDF4-0004", 1, CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    char std[1024];
    s_path(std, sizeof std, "CDR-PDF4-0004", "pdf");
    char *large = s_run("pdfinfo", pdf, "2>&1 | sed -n 's/^Pages: *//p'");
    char *normal = s_run("pdfinfo", std, "2>&1 | sed -n 's/^Pages: *//p'");
    cr_assert_gt(atoi(large), atoi(normal), "large print %s pages, standard %s", large, normal);
    free(large);
    free(normal);
}

/* The letter's id, from the database. */
static char *s_letter_id(const char *ref)
{
    const char *p[1] = {ref};
    char *id = h_scalar(s_h,
                        "SELECT letter_id::text FROM notify.letter WHERE reference = $1"
                        " AND kind = 'acknowledgement'",
                        1, p);
    cr_assert(id && id[0], "no letter for %s", ref);
    return id;
}

Test(notify_pdf, N1_a_letter_by_post_goes_to_the_print_hot_folder_with_its_manifest)
{
    s_received("CDR-PDF5-0005", 1, CANDOUR__V1__FORMAT__FORMAT_LARGE_PRINT);
    char *id = s_letter_id("CDR-PDF5-0005");
    char pdf[1024], job[1024], manifest[1024];
    s_path(pdf, sizeof pdf, "CDR-PDF5-0005", "pdf");
    snprintf(job, sizeof job, "%s/print/%s.pdf", h_dir(s_h), id);
    snprintf(manifest, sizeof manifest, "%s/print/%s.json", h_dir(s_h), id);
    cr_assert_eq(access(job, F_OK), 0, "no print job %s", job);
    char *m = h_read_file(manifest);
    cr_assert(m, "no manifest %s", manifest);
    /* The manifest names the letter and the PDF's digest, never the address. */
    char *sum = s_run("sha256sum", job, "| cut -c1-64");
    sum[strcspn(sum, "\n")] = 0;
    cr_assert(strstr(m, "\"reference\": \"CDR-PDF5-0005\"") && strstr(m, sum) &&
                  strstr(m, "\"format\": \"large-print\"") && strstr(m, id),
              "%s (sha %s)", m, sum);
    cr_assert(!strstr(m, "Mill Lane") && !strstr(m, "Fenwick"), "personal data in %s", m);
    char *cmp = s_run("cmp", job, pdf);
    cr_assert_str_empty(cmp, "the print job is not the spool's PDF: %s", cmp);
    const char *p[1] = {id};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter l JOIN notify.delivery_attempt a"
                         " USING (letter_id) WHERE l.letter_id = $1::uuid AND l.state = 'delivered'"
                         " AND a.outcome = 'delivered' AND a.channel = 'post'",
                         1, p),
                 1);
    free(cmp);
    free(sum);
    free(m);
    free(id);
}

Test(notify_pdf, a_letter_by_email_keeps_its_pdf_for_the_attachment_and_is_not_printed)
{
    s_received("CDR-PDF3-0003", 0, CANDOUR__V1__FORMAT__FORMAT_STANDARD);
    char *id = s_letter_id("CDR-PDF3-0003");
    char pdf[1024], txt[1024], job[1024];
    s_path(pdf, sizeof pdf, "CDR-PDF3-0003", "pdf");
    s_path(txt, sizeof txt, "CDR-PDF3-0003", "txt");
    snprintf(job, sizeof job, "%s/print/%s.pdf", h_dir(s_h), id);
    cr_assert_eq(access(txt, F_OK), 0);
    cr_assert_eq(access(pdf, F_OK), 0, "an email letter has no PDF to attach");
    cr_assert_neq(access(job, F_OK), 0, "an email letter went to print");
    /* No relay configured: it stays in the spool, which is then the outbox. */
    const char *p[1] = {id};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE letter_id = $1::uuid"
                         " AND state = 'sent' AND channel = 'email'",
                         1, p),
                 1);
    free(id);
}
