/* test_intake_limits.c - what intake's public endpoint does with text that
 * protobuf-c would cut (a NUL inside a string) and with requests over the size
 * limit, over a real intake daemon and real sockets:
 *   - a NUL in any text of any request is INVALID_TEXT naming the field, and
 *     nothing is stored (protobuf-c unpacks "a\0b" as "a", so only the wire
 *     shows it: common/src/inbox.c checks the wire with cd_pb_check_text);
 *   - a request over 1 MiB is answered TOO_LARGE (not dropped unanswered);
 *   - a frame over the 16 MiB hard cap drops its connection, which is logged
 *     and counted, and intake keeps serving. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/client.h"
#include "candour/pb.h"
#include "candour/zsock.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("limits");
    h_org(s_h, "ICB-1");
    cr_assert_eq(h_start(s_h, "intake"), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "intake did not exit 0 on SIGTERM");
}

TestSuite(intake_limits, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* A valid submit; the caller points its fields elsewhere before sending. */
typedef struct {
    Candour__V1__Request req;
    Candour__V1__SubmitComplaint sub;
    Candour__V1__Complaint c;
    Candour__V1__Person p;
    char *lines[2];
} s_submit_t;

static void s_submit_init(s_submit_t *f, const char *ext)
{
    candour__v1__request__init(&f->req);
    candour__v1__submit_complaint__init(&f->sub);
    candour__v1__complaint__init(&f->c);
    candour__v1__person__init(&f->p);
    f->req.request_id = "req-limits-1";
    f->req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    f->req.submit = &f->sub;
    f->sub.complaint = &f->c;
    f->c.external_ref = (char *)ext;
    f->c.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    f->c.complainant = &f->p;
    f->c.description = "The ward was not told about my allergy.";
    f->p.name = "A Person";
    f->p.email = "a.person@example.org";
    f->lines[0] = "3 Mill Lane";
    f->lines[1] = "Leeds";
    f->p.address = f->lines;
    f->p.n_address = 2;
}

/* Send req with its one 0x7f byte turned into a NUL, as raw frames (a
 * protobuf-c client cannot pack a NUL into a string); the decoded reply. */
static Candour__V1__Reply *s_send_with_nul(const Candour__V1__Request *req)
{
    size_t len;
    uint8_t *buf = cd_pb_pack(&req->base, &len);
    cr_assert(buf);
    uint8_t *mark = memchr(buf, 0x7f, len);
    cr_assert(mark, "no marker in the request");
    *mark = 0;
    const void *frames[2] = {"REQ", buf};
    size_t sizes[2] = {3, len};
    void *out[4] = {0};
    size_t outsz[4];
    cd_client_t *c = h_client(s_h, "ICB-1");
    int got = cd_client_raw(c, frames, sizes, 2, 10000, out, outsz, 4);
    cd_client_destroy(&c);
    free(buf);
    cr_assert_eq(got, 2, "expected a two-frame reply, got %d", got);
    cr_assert_eq(outsz[0], 3);
    cr_assert_eq(memcmp(out[0], "REP", 3), 0);
    Candour__V1__Reply *r = candour__v1__reply__unpack(NULL, outsz[1], out[1]);
    for (int i = 0; i < got; i++)
        free(out[i]);
    cr_assert(r, "the reply is not a Reply");
    return r;
}

static void s_expect_invalid_text(Candour__V1__Reply *r, const char *field)
{
    cr_assert(r->error, "no error: the request was taken");
    cr_assert_str_eq(r->error->code, "INVALID_TEXT");
    cr_assert_str_eq(r->error->field, field);
    cr_assert(strstr(r->error->message, "NUL"), "%s", r->error->message);
    candour__v1__reply__free_unpacked(r, NULL);
}

static Candour__V1__Reply *s_call(Candour__V1__Request *req)
{
    cd_client_t *c = h_client(s_h, "ICB-1");
    Candour__V1__Reply *reply = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(c, req, 20000, &reply, err, sizeof err), 0, "%s", err);
    cd_client_destroy(&c);
    return reply;
}

static long s_complaints(void)
{
    return h_count(s_h, "SELECT count(*) FROM intake.complaint", 0, NULL);
}

/* Lines of intake's log that hold `what`. */
static int s_log_lines(const char *what)
{
    char path[512];
    snprintf(path, sizeof path, "%s/intake.log", h_dir(s_h));
    FILE *f = fopen(path, "r");
    cr_assert(f, "no %s", path);
    char line[8192];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, what) != NULL;
    fclose(f);
    return n;
}

/* A counter on intake's /metrics, -1 when it is not there. */
static double s_metric(const char *name)
{
    char *body = NULL;
    double v = -1;
    if (h_http_get(h_admin_port(s_h, "intake"), "/metrics", &body) == 200) {
        char want[128];
        snprintf(want, sizeof want, "\n%s ", name);
        const char *p = strstr(body, want);
        if (p)
            v = strtod(p + strlen(want), NULL);
    }
    free(body);
    return v;
}

Test(intake_limits, a_nul_in_the_description_is_INVALID_TEXT_and_nothing_is_stored)
{
    s_submit_t f;
    s_submit_init(&f, "NUL-1");
    f.c.description = "text \x7f nul";
    Candour__V1__Reply *r = s_send_with_nul(&f.req);
    cr_assert_str_eq(r->request_id, "req-limits-1");
    s_expect_invalid_text(r, "complaint.description");
    cr_assert_eq(s_complaints(), 0);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.outbox", 0, NULL), 0);

    /* Nothing was kept under NUL-1: the same reference without the NUL is
     * a new complaint, not a duplicate of a truncated one. */
    s_submit_init(&f, "NUL-1");
    f.c.description = "text  nul";
    r = s_call(&f.req);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_RECEIPT);
    cr_assert_not(r->receipt->duplicate, "the NUL request was stored");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(s_complaints(), 1);
    char *stored = h_scalar(s_h, "SELECT body->>'description' FROM intake.complaint", 0, NULL);
    cr_assert(stored);
    cr_assert_str_eq(stored, "text  nul");
    free(stored);
    cr_assert_geq(s_log_lines("inbox.invalid_text"), 1);
}

Test(intake_limits, a_nul_in_a_name_an_address_line_or_any_operation_names_its_field)
{
    s_submit_t f;
    s_submit_init(&f, "NUL-2");
    f.p.name = "A Per\x7fson";
    s_expect_invalid_text(s_send_with_nul(&f.req), "complaint.complainant.name");

    s_submit_init(&f, "NUL-3");
    f.lines[1] = "Lee\x7f";
    s_expect_invalid_text(s_send_with_nul(&f.req), "complaint.complainant.address[1]");

    /* Amend, withdraw, consent, summary: every request, before its handler
     * (so a reference that does not exist is not even looked up). */
    s_submit_init(&f, "NUL-4");
    Candour__V1__AmendComplaint am = CANDOUR__V1__AMEND_COMPLAINT__INIT;
    am.complaint_ref = "CDR-AAAA-BBBB";
    am.complaint = &f.c;
    f.c.description = "amended \x7f";
    f.req.op_case = CANDOUR__V1__REQUEST__OP_AMEND;
    f.req.amend = &am;
    s_expect_invalid_text(s_send_with_nul(&f.req), "amend.complaint.description");

    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__WithdrawComplaint w = CANDOUR__V1__WITHDRAW_COMPLAINT__INIT;
    w.complaint_ref = "CDR-AAAA-BBBB";
    w.reason = "resolved \x7f";
    req.op_case = CANDOUR__V1__REQUEST__OP_WITHDRAW;
    req.withdraw = &w;
    s_expect_invalid_text(s_send_with_nul(&req), "withdraw.reason");

    Candour__V1__RecordConsent rc = CANDOUR__V1__RECORD_CONSENT__INIT;
    Candour__V1__Consent k = CANDOUR__V1__CONSENT__INIT;
    rc.complaint_ref = "CDR-AAAA-BBBB";
    rc.consent = &k;
    k.given_by = "Joan \x7f";
    k.given_at = "2026-01-02";
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_CONSENT;
    req.record_consent = &rc;
    s_expect_invalid_text(s_send_with_nul(&req), "record_consent.consent.given_by");

    Candour__V1__AgreeSummary as = CANDOUR__V1__AGREE_SUMMARY__INIT;
    as.complaint_ref = "CDR-AAAA-BBBB";
    as.summary = "agreed \x7f";
    req.op_case = CANDOUR__V1__REQUEST__OP_AGREE_SUMMARY;
    req.agree_summary = &as;
    s_expect_invalid_text(s_send_with_nul(&req), "agree_summary.summary");

    cr_assert_eq(s_complaints(), 0);
}

/* A submit whose description is `bytes` long: over the limit, and refused
 * as a whole, before any field is looked at. */
static void s_expect_too_large(size_t bytes)
{
    s_submit_t f;
    s_submit_init(&f, "BIG-1");
    char *big = malloc(bytes + 1);
    cr_assert(big);
    memset(big, 'a', bytes);
    big[bytes] = 0;
    f.c.description = big;
    size_t packed = candour__v1__request__get_packed_size(&f.req);
    Candour__V1__Reply *r = s_call(&f.req);
    free(big);
    cr_assert(r->error, "a %zu-byte request was taken", packed);
    cr_assert_str_eq(r->error->code, "TOO_LARGE");
    cr_assert_str_eq(r->error->field, "");
    cr_assert_str_eq(r->request_id, "req-limits-1", "the answer names its request");
    char want[128];
    snprintf(want, sizeof want, "the request is %zu bytes; the limit is 1048576 bytes (1 MiB)",
             packed);
    cr_assert_str_eq(r->error->message, want);
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(intake_limits, requests_of_2_and_10_MiB_get_TOO_LARGE_and_intake_keeps_serving)
{
    s_expect_too_large(2u << 20);
    s_expect_too_large(10u << 20);
    cr_assert_eq(s_complaints(), 0);
    cr_assert_eq(s_metric("candour_requests_too_large_total"), 2);
    cr_assert_eq(s_log_lines("inbox.too_large"), 2);

    s_submit_t f;
    s_submit_init(&f, "OK-1");
    Candour__V1__Reply *r = s_call(&f.req);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_RECEIPT);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(s_complaints(), 1);
}

Test(intake_limits, a_frame_over_the_16_MiB_cap_drops_the_connection_is_counted_and_intake_lives)
{
    size_t bytes = CD_ZSOCK_MAX_MSG_BYTES + 1;
    uint8_t *body = calloc(1, bytes);
    cr_assert(body);

    /* The client library will not send it: no reply could come. */
    s_submit_t f;
    s_submit_init(&f, "HUGE-1");
    char *huge = malloc(bytes);
    cr_assert(huge);
    memset(huge, 'a', bytes - 1);
    huge[bytes - 1] = 0;
    f.c.description = huge;
    cd_client_t *c = h_client(s_h, "ICB-1");
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(c, &f.req, 5000, &r, err, sizeof err), -1);
    cr_assert(strstr(err, "16 MiB"), "%s", err);
    free(huge);

    /* Sent raw, ZeroMQ drops the connection: no reply, but a trace. */
    double before = s_metric("candour_bus_disconnects_total");
    cr_assert_geq(before, 0, "candour_bus_disconnects_total is not exported");
    const void *frames[2] = {"REQ", body};
    size_t sizes[2] = {3, bytes};
    void *out[4] = {0};
    size_t outsz[4];
    cr_assert_eq(cd_client_raw(c, frames, sizes, 2, 3000, out, outsz, 4), -1,
                 "an over-cap frame got a reply");
    free(body);
    double after = before;
    for (int i = 0; i < 100 && after <= before; i++) {
        usleep(100000);
        after = s_metric("candour_bus_disconnects_total");
    }
    cr_assert_gt(after, before, "the dropped connection was not counted");
    cr_assert_geq(s_log_lines("bus.disconnected"), 1);
    cd_client_destroy(&c);

    cr_assert_gt(h_pid(s_h, "intake"), 0, "intake is gone");
    s_submit_init(&f, "OK-2");
    r = s_call(&f.req);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_RECEIPT);
    candour__v1__reply__free_unpacked(r, NULL);
}
