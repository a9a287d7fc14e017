/* test_intake_errors.c - bad input to intake gets a typed error reply, stores
 * nothing, and the daemon keeps serving (guarantee 5). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "candour/client.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("intake");
    h_org(s_h, "ICB-1");
    cr_assert_eq(h_start(s_h, "intake"), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "intake did not exit 0 on SIGTERM");
}

/* Send raw frames; expect "REP" | Reply with an error of `code`. */
static void s_expect_error(const void *const *frames, const size_t *sizes, int n, const char *code)
{
    cd_client_t *c = h_client(s_h, "ICB-1");
    void *out[4] = {0};
    size_t outsz[4];
    int got = cd_client_raw(c, frames, sizes, n, 10000, out, outsz, 4);
    cd_client_destroy(&c);
    cr_assert_eq(got, 2, "expected a two-frame reply, got %d", got);
    cr_assert_eq(outsz[0], 3);
    cr_assert_eq(memcmp(out[0], "REP", 3), 0);
    Candour__V1__Reply *r = candour__v1__reply__unpack(NULL, outsz[1], out[1]);
    cr_assert(r && r->error, "the reply carries no error");
    cr_assert_str_eq(r->error->code, code);
    cr_assert(strlen(r->error->message) > 10, "the message should tell what to fix");
    candour__v1__reply__free_unpacked(r, NULL);
    for (int i = 0; i < got; i++)
        free(out[i]);
}

static Candour__V1__Reply *s_submit(const char *org, const char *ext, const char *description)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "A Person";
    p.email = "a.person@example.org";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = (char *)ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    c.complainant = &p;
    c.description = (char *)description;
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = (char *)org; /* ignored: the organisation is the key's */
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    cd_client_t *cl = h_client(s_h, "ICB-1");
    Candour__V1__Reply *reply = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(cl, &req, 10000, &reply, err, sizeof err), 0, "%s", err);
    cd_client_destroy(&cl);
    return reply;
}

TestSuite(intake_errors, .init = s_setup, .fini = s_teardown, .timeout = 60);

Test(intake_errors, malformed_frames_get_typed_errors_and_intake_keeps_serving)
{
    const void *f1[1] = {"garbage"};
    size_t s1[1] = {7};
    s_expect_error(f1, s1, 1, "MALFORMED_FRAME");

    const void *f2[2] = {"REQ", "\xff\xff\xff\xff\x0f not protobuf"};
    size_t s2[2] = {3, 18};
    s_expect_error(f2, s2, 2, "MALFORMED_REQUEST");

    const void *f3[3] = {"REQ", "a", "b"};
    size_t s3[3] = {3, 1, 1};
    s_expect_error(f3, s3, 3, "MALFORMED_FRAME");

    const void *f4[2] = {"EVT", "not an envelope"};
    size_t s4[2] = {3, 15};
    s_expect_error(f4, s4, 2, "MALFORMED_FRAME"); /* intake takes no events */

    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint", 0, NULL), 0);
    cr_assert_gt(h_pid(s_h, "intake"), 0);

    Candour__V1__Reply *r = s_submit("ICB-1", "OK-1", "A valid complaint after the bad ones.");
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_RECEIPT);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint", 0, NULL), 1);
}

Test(intake_errors, an_invalid_complaint_names_the_field_and_stores_nothing)
{
    Candour__V1__Reply *r = s_submit("ICB-1", "BAD-1", "");
    cr_assert(r->error);
    cr_assert_str_eq(r->error->code, "REQUIRED");
    cr_assert_str_eq(r->error->field, "complaint.description");
    candour__v1__reply__free_unpacked(r, NULL);

    r = s_submit("ICB-1", "BAD\x01-2", "text");
    cr_assert(r->error);
    cr_assert_str_eq(r->error->field, "complaint.external_ref");
    candour__v1__reply__free_unpacked(r, NULL);

    r = s_submit("ICB-1", "BAD-3", "bell \a character");
    cr_assert(r->error);
    cr_assert_str_eq(r->error->code, "INVALID_TEXT");
    candour__v1__reply__free_unpacked(r, NULL);

    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint", 0, NULL), 0);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.outbox", 0, NULL), 0);
}

Test(intake_errors, staff_operations_are_refused_at_intake_with_unsupported)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__SignResponse g = CANDOUR__V1__SIGN_RESPONSE__INIT;
    g.complaint_ref = "CDR-AAAA-BBBB";
    req.op_case = CANDOUR__V1__REQUEST__OP_SIGN;
    req.sign = &g;
    cd_client_t *cl = h_client(s_h, "ICB-1");
    Candour__V1__Reply *reply = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(cl, &req, 10000, &reply, err, sizeof err), 0, "%s", err);
    cd_client_destroy(&cl);
    cr_assert(reply->error);
    cr_assert_str_eq(reply->error->code, "UNSUPPORTED");
    candour__v1__reply__free_unpacked(reply, NULL);
}
