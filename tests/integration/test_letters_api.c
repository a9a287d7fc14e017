/* test_letters_api.c - the staff API's reads of a complaint's letters and
 * evidence files, on the internal endpoints as the gateway reaches them:
 * notify's ListLetters and GetLetter (the letter as the PDF the spool
 * holds), investigation's GetAttachment (the bytes added, exactly), and who
 * may make each: the complaint's body's complaints manager, investigator,
 * signatory or responsible person; another body's person is told NOT_FOUND
 * in the very words an unknown reference gets; anyone else, or no one
 * named, PERMISSION_DENIED.
 *
 * Every daemon runs; one complaint by post is submitted to ICB-QWE and
 * acknowledged, which puts its acknowledgement letter in the spool. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/digest.h"
#include "harness.h"

#define S_UNKNOWN "CDR-ZZZZ-ZZZZ"

static h_t *s_h;
static char s_ref[64];
static char *s_manager, *s_investigator, *s_chief, *s_signatory, *s_analyst, *s_other;

static void s_setup(void)
{
    s_h = h_new("letters_api");
    h_org(s_h, "ICB-QWE");
    h_org(s_h, "TRUST-RXX");
    cr_assert_eq(h_start_all(s_h), 0);
    s_manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    s_investigator = h_staff(s_h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    s_chief = h_staff(s_h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");
    s_signatory = h_staff(s_h, "ICB-QWE", "Sam Signatory", "", "signatory");
    s_analyst = h_staff(s_h, "ICB-QWE", "Ana Analyst", "", "analyst");
    s_other = h_staff(s_h, "TRUST-RXX", "Tom Othermanager", "", "complaints-manager");
    Candour__V1__Reply *r = h_call_jsonf(
        s_h, "intake", "ICB-QWE",
        "{\"submit\": {\"complaint\": {\"external_ref\": \"LA-1\", \"channel\": \"CHANNEL_POST\","
        " \"complainant\": {\"name\": \"Ada Cole\", \"address_as\": \"Ms Cole\","
        " \"address\": [\"1 Church Walk\", \"Leeds\"], \"postcode\": \"LS1 1AA\"},"
        " \"description\": \"My mother's continuing healthcare assessment was delayed by four"
        " months.\", \"desired_outcome\": \"An explanation.\"}}}");
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "no receipt");
    snprintf(s_ref, sizeof s_ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {s_ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                         " reference = $1 AND kind = 'acknowledgement'",
                         1, p, "true", 20000),
              "no acknowledgement delivered");
}

static void s_teardown(void)
{
    free(s_manager);
    free(s_investigator);
    free(s_chief);
    free(s_signatory);
    free(s_analyst);
    free(s_other);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(letters_api, .init = s_setup, .fini = s_teardown, .timeout = 180);

/* ---------------------------------------------------------------- helpers */

/* "acting": "<id>", or nothing for NULL. */
static const char *s_acting(const char *id, char *buf, size_t len)
{
    if (!id)
        return "";
    snprintf(buf, len, "\"acting\": \"%s\", ", id);
    return buf;
}

static Candour__V1__Reply *s_list(const char *acting, const char *ref)
{
    char a[64];
    return h_call_jsonf(s_h, "notify", NULL, "{%s\"list_letters\": {\"complaint_ref\": \"%s\"}}",
                        s_acting(acting, a, sizeof a), ref);
}

static Candour__V1__Reply *s_letter(const char *acting, const char *ref, const char *id)
{
    char a[64];
    return h_call_jsonf(s_h, "notify", NULL,
                        "{%s\"get_letter\": {\"complaint_ref\": \"%s\", \"letter_id\": \"%s\"}}",
                        s_acting(acting, a, sizeof a), ref, id);
}

static Candour__V1__Reply *s_attachment(const char *acting, const char *ref, int number)
{
    char a[64];
    return h_call_jsonf(
        s_h, "investigation", NULL,
        "{%s\"get_attachment\": {\"complaint_ref\": \"%s\", \"evidence_number\": %d}}",
        s_acting(acting, a, sizeof a), ref, number);
}

/* r is the error code on field; freed. */
static void s_refused(Candour__V1__Reply *r, const char *code, const char *field, const char *what)
{
    cr_assert(r->error, "%s: not refused", what);
    cr_assert_str_eq(r->error->code, code, "%s: %s", what, r->error->message);
    cr_assert_str_eq(r->error->field, field, "%s: %s", what, r->error->message);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* a and b are the same refusal, word for word; both freed. */
static void s_same(Candour__V1__Reply *a, Candour__V1__Reply *b, const char *what)
{
    cr_assert(a->error && b->error, "%s: not refused", what);
    cr_assert_str_eq(a->error->code, "NOT_FOUND", "%s: %s", what, a->error->message);
    cr_assert_str_eq(a->error->code, b->error->code, "%s", what);
    cr_assert_str_eq(a->error->field, b->error->field, "%s", what);
    cr_assert_str_eq(a->error->message, b->error->message, "%s", what);
    candour__v1__reply__free_unpacked(a, NULL);
    candour__v1__reply__free_unpacked(b, NULL);
}

/* The attachment's size and digest are its content's. */
static void s_attachment_whole(const Candour__V1__Attachment *at)
{
    char sha[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(at->content.data, at->content.len, sha);
    cr_assert_str_eq(at->sha256, sha, "sha256 is not the content's");
    cr_assert_eq(at->size, at->content.len, "size is not the content's");
}

static char *s_ack_id(void)
{
    const char *p[1] = {s_ref};
    char *id = h_scalar(s_h,
                        "SELECT letter_id::text FROM notify.letter WHERE reference = $1"
                        " AND kind = 'acknowledgement'",
                        1, p);
    cr_assert(id);
    return id;
}

/* A whole file's bytes (malloc'd), its size in *len. */
static unsigned char *s_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "no %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    cr_assert(b && fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* ---------------------------------------------------------------- letters */

Test(letters_api, N1_the_acknowledgement_is_listed_with_its_state_and_no_text)
{
    char *id = s_ack_id();
    Candour__V1__Reply *r = s_list(s_manager, s_ref);
    cr_assert(r->letter_list, "%s", r->error ? r->error->message : "no letter list");
    cr_assert_geq(r->letter_list->n_letters, 1);
    const Candour__V1__LetterInfo *l = r->letter_list->letters[0];
    cr_assert_str_eq(l->kind, "acknowledgement");
    cr_assert_str_eq(l->letter_id, id);
    cr_assert_str_eq(l->channel, "post");
    cr_assert_str_eq(l->state, "delivered");
    cr_assert_eq(strlen(l->created_at), 20, "created_at %s", l->created_at);
    cr_assert_eq(l->created_at[19], 'Z');
    cr_assert_eq(strlen(l->delivered_at), 20, "delivered_at %s", l->delivered_at);
    cr_assert_str_eq(l->failed_at, "");
    cr_assert_str_eq(l->not_sent, "");
    cr_assert_geq(l->attempts, 1);
    candour__v1__reply__free_unpacked(r, NULL);
    free(id);
}

Test(letters_api, N1_a_letter_reads_as_the_very_pdf_the_spool_holds)
{
    char *id = s_ack_id();
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/acknowledgement.pdf", h_spool(s_h), s_ref);
    size_t len = 0;
    unsigned char *spool = s_file(path, &len);
    const char *readers[] = {s_manager, s_investigator, s_signatory, s_chief};
    for (size_t i = 0; i < 4; i++) {
        Candour__V1__Reply *r = s_letter(readers[i], s_ref, id);
        cr_assert(r->attachment, "%s", r->error ? r->error->message : "no attachment");
        const Candour__V1__Attachment *at = r->attachment;
        cr_assert_str_eq(at->filename, "acknowledgement.pdf");
        cr_assert_str_eq(at->media_type, "application/pdf");
        cr_assert_geq(at->content.len, 5);
        cr_assert_eq(memcmp(at->content.data, "%PDF-", 5), 0);
        s_attachment_whole(at);
        cr_assert_eq(at->content.len, len, "not the spool's PDF");
        cr_assert_eq(memcmp(at->content.data, spool, len), 0, "not the spool's PDF");
        candour__v1__reply__free_unpacked(r, NULL);
    }
    /* Not in the spool (moved away): typeset again from the same text and
     * letterhead; only cairo's creation date may differ. */
    char moved[1100];
    snprintf(moved, sizeof moved, "%s.away", path);
    cr_assert_eq(rename(path, moved), 0);
    Candour__V1__Reply *r = s_letter(s_manager, s_ref, id);
    cr_assert(r->attachment, "%s", r->error ? r->error->message : "no attachment");
    s_attachment_whole(r->attachment);
    cr_assert_eq(r->attachment->content.len, len, "typeset again, a different letter");
    size_t differ = 0;
    for (size_t i = 0; i < len; i++)
        differ += r->attachment->content.data[i] != spool[i];
    cr_assert_leq(differ, 14, "%zu bytes differ: more than the creation date", differ);
    candour__v1__reply__free_unpacked(r, NULL);
    free(spool);
    free(id);
}

Test(letters_api, another_bodys_person_finds_the_letters_no_more_than_an_unknown_reference)
{
    char *id = s_ack_id();
    s_same(s_list(s_other, s_ref), s_list(s_other, S_UNKNOWN), "ListLetters");
    s_same(s_letter(s_other, s_ref, id), s_letter(s_other, S_UNKNOWN, id), "GetLetter");
    /* The same words to the body's own people for a reference it does not have. */
    s_same(s_list(s_other, s_ref), s_list(s_manager, S_UNKNOWN), "ListLetters, own body");
    /* A letter id of no letter of the complaint. */
    s_refused(s_letter(s_manager, s_ref, "00000000-0000-4000-8000-000000000000"), "NOT_FOUND",
              "get_letter.letter_id", "unknown letter");
    s_refused(s_letter(s_manager, s_ref, "not-a-uuid"), "INVALID_ARGUMENT", "get_letter.letter_id",
              "malformed letter id");
    free(id);
}

Test(letters_api, a_person_without_a_reading_role_or_no_one_is_refused)
{
    char *id = s_ack_id();
    s_refused(s_list(s_analyst, s_ref), "PERMISSION_DENIED", "acting", "analyst, ListLetters");
    s_refused(s_list(s_analyst, S_UNKNOWN), "PERMISSION_DENIED", "acting",
              "analyst, unknown reference");
    s_refused(s_letter(s_analyst, s_ref, id), "PERMISSION_DENIED", "acting", "analyst, GetLetter");
    s_refused(s_list(NULL, s_ref), "PERMISSION_DENIED", "acting", "no one, ListLetters");
    s_refused(s_letter(NULL, s_ref, id), "PERMISSION_DENIED", "acting", "no one, GetLetter");
    s_refused(s_list("ST999999", s_ref), "PERMISSION_DENIED", "acting", "not in the directory");
    s_refused(s_attachment(s_analyst, s_ref, 1), "PERMISSION_DENIED", "acting",
              "analyst, GetAttachment");
    s_refused(s_attachment(NULL, s_ref, 1), "PERMISSION_DENIED", "acting", "no one, GetAttachment");
    /* Anything else notify does not answer. */
    s_refused(
        h_call_jsonf(s_h, "notify", NULL, "{\"get_case\": {\"complaint_ref\": \"%s\"}}", s_ref),
        "UNSUPPORTED", "op", "GetCase to notify");
    free(id);
}

/* ---------------------------------------------------------------- evidence */

Test(letters_api, V4_an_evidence_file_reads_back_as_exactly_the_bytes_added)
{
    const char *p[1] = {s_ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no case opened");
    h_assign(s_h, s_ref, s_manager, s_investigator);
    /* "Ward 7 notes\n" in base64. */
    static const char text[] = "Ward 7 notes\n";
    char sha[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(text, sizeof text - 1, sha);
    Candour__V1__Reply *r = h_call_jsonf(
        s_h, "investigation", NULL,
        "{\"acting\": \"%s\", \"add_evidence\": {\"complaint_ref\": \"%s\", \"evidence\": {"
        "\"kind\": \"records\", \"source\": \"Ward 7\", \"date\": \"2026-10-02\","
        " \"summary\": \"The ward's notes.\", \"attachment\": {\"filename\": \"notes.txt\","
        " \"media_type\": \"text/plain\", \"content\": \"V2FyZCA3IG5vdGVzCg==\"}}}}",
        s_investigator, s_ref);
    cr_assert(r->evidence && r->evidence->attachment, "%s",
              r->error ? r->error->message : "no evidence");
    int number = r->evidence->number;
    candour__v1__reply__free_unpacked(r, NULL);
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"add_evidence\": {\"complaint_ref\": \"%s\","
                      " \"evidence\": {\"kind\": \"staff-account\", \"source\": \"Ward sister\","
                      " \"date\": \"2026-10-03\", \"summary\": \"An account, no file.\"}}}",
                      s_investigator, s_ref),
         "add_evidence without a file");

    const char *readers[] = {s_manager, s_investigator, s_signatory, s_chief};
    for (size_t i = 0; i < 4; i++) {
        r = s_attachment(readers[i], s_ref, number);
        cr_assert(r->attachment, "%s", r->error ? r->error->message : "no attachment");
        const Candour__V1__Attachment *at = r->attachment;
        cr_assert_eq(at->content.len, sizeof text - 1);
        cr_assert_eq(memcmp(at->content.data, text, sizeof text - 1), 0);
        cr_assert_str_eq(at->sha256, sha);
        s_attachment_whole(at);
        cr_assert_str_eq(at->filename, "notes.txt");
        cr_assert_str_eq(at->media_type, "text/plain");
        candour__v1__reply__free_unpacked(r, NULL);
    }
    s_refused(s_attachment(s_manager, s_ref, number + 1), "NOT_FOUND",
              "get_attachment.evidence_number", "an item with no file");
    s_refused(s_attachment(s_manager, s_ref, number + 9), "NOT_FOUND",
              "get_attachment.evidence_number", "no such item");
    s_refused(s_attachment(s_manager, s_ref, 0), "INVALID_ARGUMENT",
              "get_attachment.evidence_number", "no number");
    s_same(s_attachment(s_other, s_ref, number), s_attachment(s_other, S_UNKNOWN, number),
           "GetAttachment, another body");
    s_same(s_attachment(s_other, s_ref, number), s_attachment(s_manager, S_UNKNOWN, number),
           "GetAttachment, own body");
    /* Each read is logged with the reference, the number and who. */
    char log[1024];
    snprintf(log, sizeof log, "%s/investigation.log", h_dir(s_h));
    char *text_log = h_read_file(log);
    cr_assert(strstr(text_log, "attachment.read"), "no attachment.read in the log");
    cr_assert_null(strstr(text_log, "notes.txt"), "the file's name in the log");
    free(text_log);
}
