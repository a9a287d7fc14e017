/* test_pb.c - the protobuf helpers and error names.
 *
 * cd_pb_check_text reads the wire, where a NUL inside a string still is:
 * protobuf-c packs C strings, so a test puts a marker byte (0x7f) in a string,
 * packs, and turns the one marker in the packed bytes into the byte under
 * test, as a hostile or careless peer would send it. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/pb.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/envelope.pb-c.h"
#include "pbjson_test.pb-c.h"

Test(pb, a_clone_is_deep_and_survives_the_original)
{
    Candour__V1__SignResponse sr = CANDOUR__V1__SIGN_RESPONSE__INIT;
    char ref[] = "CDR-AAAA-BBBB", by[] = "Dr Who";
    sr.complaint_ref = ref;
    sr.signed_by = by;
    Candour__V1__SignResponse *copy = (Candour__V1__SignResponse *)cd_pb_clone(&sr.base);
    cr_assert(copy);
    ref[0] = 'X';
    by[0] = 'X';
    cr_assert_str_eq(copy->complaint_ref, "CDR-AAAA-BBBB");
    cr_assert_str_eq(copy->signed_by, "Dr Who");
    cr_assert_str_eq(copy->signatory_role, "");
    candour__v1__sign_response__free_unpacked(copy, NULL);
}

Test(pb, pack_gives_the_bytes_protobuf_c_would)
{
    Candour__V1__GetStatus g = CANDOUR__V1__GET_STATUS__INIT;
    g.complaint_ref = "CDR-AAAA-BBBB";
    size_t len = 0;
    uint8_t *buf = cd_pb_pack(&g.base, &len);
    cr_assert(buf);
    cr_assert_eq(len, candour__v1__get_status__get_packed_size(&g));
    Candour__V1__GetStatus *back = candour__v1__get_status__unpack(NULL, len, buf);
    cr_assert_str_eq(back->complaint_ref, "CDR-AAAA-BBBB");
    candour__v1__get_status__free_unpacked(back, NULL);
    free(buf);
}

Test(pb, an_empty_message_packs_to_zero_bytes_and_still_clones)
{
    Candour__V1__Done d = CANDOUR__V1__DONE__INIT;
    size_t len = 99;
    uint8_t *buf = cd_pb_pack(&d.base, &len);
    cr_assert(buf);
    cr_assert_eq(len, 0);
    free(buf);
    ProtobufCMessage *c = cd_pb_clone(&d.base);
    cr_assert(c);
    protobuf_c_message_free_unpacked(c, NULL);
}

Test(error, every_code_has_a_distinct_plain_name)
{
    int codes[] = {CD_OK, CD_ENOMEM, CD_EINVAL, CD_EIO, CD_ENOTFOUND, CD_EAGAIN, CD_ECLOSED,
                   CD_ETOOBIG, CD_EDB};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        cr_assert(cd_strerror(codes[i]) && *cd_strerror(codes[i]));
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(cd_strerror(codes[i]), cd_strerror(codes[j]));
    }
    cr_assert(cd_strerror(-999) && *cd_strerror(-999));
}

/* ---------------------------------------------------------------- cd_pb_check_text */

/* msg packed, with its one 0x7f byte replaced by `with`. */
static uint8_t *s_pack_marked(const ProtobufCMessage *msg, uint8_t with, size_t *len)
{
    uint8_t *buf = cd_pb_pack(msg, len);
    cr_assert(buf);
    uint8_t *mark = memchr(buf, 0x7f, *len);
    cr_assert(mark, "no marker in the packed message");
    cr_assert_null(memchr(mark + 1, 0x7f, *len - (size_t)(mark + 1 - buf)), "two markers");
    *mark = with;
    return buf;
}

static void s_expect_text(const ProtobufCMessage *msg, uint8_t with, int want, const char *path)
{
    size_t len;
    uint8_t *buf = s_pack_marked(msg, with, &len);
    char got[128];
    int rc = cd_pb_check_text(msg->descriptor, buf, len, got, sizeof got);
    cr_assert_eq(rc, want, "%s: rc %d, want %d (path '%s')", path, rc, want, got);
    cr_assert_str_eq(got, path);
    free(buf);
}

/* A submitted complaint with two address lines and two consents. */
typedef struct {
    Candour__V1__Request req;
    Candour__V1__SubmitComplaint sub;
    Candour__V1__Complaint c;
    Candour__V1__Person p;
    Candour__V1__Consent k[2];
    Candour__V1__Consent *kp[2];
    char *lines[2];
} s_submit_t;

static void s_submit_init(s_submit_t *f)
{
    candour__v1__request__init(&f->req);
    candour__v1__submit_complaint__init(&f->sub);
    candour__v1__complaint__init(&f->c);
    candour__v1__person__init(&f->p);
    f->req.request_id = "req-1";
    f->req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    f->req.submit = &f->sub;
    f->sub.complaint = &f->c;
    f->c.external_ref = "EXT-1";
    f->c.description = "what happened";
    f->c.complainant = &f->p;
    f->p.name = "Anna Kowalska";
    f->lines[0] = "12 Park Row";
    f->lines[1] = "Leeds";
    f->p.address = f->lines;
    f->p.n_address = 2;
    for (int i = 0; i < 2; i++) {
        candour__v1__consent__init(&f->k[i]);
        f->k[i].given_by = "Joan Reed";
        f->k[i].given_at = "2026-01-02";
        f->kp[i] = &f->k[i];
    }
    f->c.consents = f->kp;
    f->c.n_consents = 2;
}

Test(pb, check_text_passes_well_formed_text_of_every_kind)
{
    s_submit_t f;
    s_submit_init(&f);
    f.c.description = "Ünïcödé ✓ text, 😀, new\nlines and \ttabs";
    size_t len;
    uint8_t *buf = cd_pb_pack(&f.req.base, &len);
    char path[64] = "junk";
    cr_assert_eq(cd_pb_check_text(&candour__v1__request__descriptor, buf, len, path, sizeof path),
                 0);
    cr_assert_str_empty(path);
    free(buf);
    cr_assert_eq(cd_pb_check_text(&candour__v1__request__descriptor, "", 0, path, sizeof path), 0);
}

Test(pb, a_nul_in_a_nested_string_is_found_with_its_path)
{
    s_submit_t f;
    s_submit_init(&f);
    f.c.description = "text \x7f nul";
    s_expect_text(&f.req.base, 0, CD_PB_TEXT_NUL, "submit.complaint.description");

    s_submit_init(&f);
    f.p.name = "Anna\x7f";
    s_expect_text(&f.req.base, 0, CD_PB_TEXT_NUL, "submit.complaint.complainant.name");

    s_submit_init(&f);
    f.c.external_ref = "\x7f";
    s_expect_text(&f.req.base, 0, CD_PB_TEXT_NUL, "submit.complaint.external_ref");

    s_submit_init(&f);
    f.req.request_id = "\x7freq";
    s_expect_text(&f.req.base, 0, CD_PB_TEXT_NUL, "request_id");
}

Test(pb, an_element_of_a_repeated_field_is_named_by_its_index)
{
    s_submit_t f;
    s_submit_init(&f);
    f.lines[1] = "Lee\x7f" "ds";
    s_expect_text(&f.req.base, 0, CD_PB_TEXT_NUL, "submit.complaint.complainant.address[1]");

    s_submit_init(&f);
    f.lines[0] = "\x7f";
    s_expect_text(&f.req.base, 0, CD_PB_TEXT_NUL, "submit.complaint.complainant.address[0]");

    /* Repeated messages: the second consent's given_by. */
    s_submit_init(&f);
    f.k[1].given_by = "Joan\x7f";
    s_expect_text(&f.req.base, 0, CD_PB_TEXT_NUL, "submit.complaint.consents[1].given_by");
}

Test(pb, every_operation_is_checked_through_its_oneof_member)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__WithdrawComplaint w = CANDOUR__V1__WITHDRAW_COMPLAINT__INIT;
    w.complaint_ref = "CDR-AAAA-BBBB";
    w.reason = "resolved \x7f";
    req.op_case = CANDOUR__V1__REQUEST__OP_WITHDRAW;
    req.withdraw = &w;
    s_expect_text(&req.base, 0, CD_PB_TEXT_NUL, "withdraw.reason");

    Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
    ro.complaint_ref = "CDR-AAAA-BBBB";
    ro.findings = "found \x7f";
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME;
    req.record_outcome = &ro;
    s_expect_text(&req.base, 0, CD_PB_TEXT_NUL, "record_outcome.findings");

    Candour__V1__SignResponse sg = CANDOUR__V1__SIGN_RESPONSE__INIT;
    sg.signed_by = "Dr \x7f";
    req.op_case = CANDOUR__V1__REQUEST__OP_SIGN;
    req.sign = &sg;
    s_expect_text(&req.base, 0, CD_PB_TEXT_NUL, "sign.signed_by");
}

Test(pb, bytes_that_are_not_utf8_are_found_like_a_nul)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__AgreeSummary a = CANDOUR__V1__AGREE_SUMMARY__INIT;
    a.summary = "caf\x7f";
    req.op_case = CANDOUR__V1__REQUEST__OP_AGREE_SUMMARY;
    req.agree_summary = &a;
    /* A lone continuation byte, a lead byte without its tail, an overlong
     * "/", a surrogate's lead: each is refused. */
    s_expect_text(&req.base, 0x80, CD_PB_TEXT_UTF8, "agree_summary.summary");
    s_expect_text(&req.base, 0xC3, CD_PB_TEXT_UTF8, "agree_summary.summary");
    s_expect_text(&req.base, 0xC0, CD_PB_TEXT_UTF8, "agree_summary.summary");
    s_expect_text(&req.base, 0xFF, CD_PB_TEXT_UTF8, "agree_summary.summary");
    a.summary = "\xed\xa0\x7f"; /* U+D800 would be ED A0 80 */
    s_expect_text(&req.base, 0x80, CD_PB_TEXT_UTF8, "agree_summary.summary");
    a.summary = "\xf4\x90\x80\x7f"; /* past U+10FFFF */
    s_expect_text(&req.base, 0x80, CD_PB_TEXT_UTF8, "agree_summary.summary");
    a.summary = "\xf0\x9f\x98\x7f"; /* U+1F600 is fine */
    s_expect_text(&req.base, 0x80, 0, "");
}

Test(pb, bytes_fields_and_unknown_fields_may_hold_anything)
{
    uint8_t blob[] = {'a', 0, 0xff, 'b'};
    Candour__V1__Envelope env = CANDOUR__V1__ENVELOPE__INIT;
    env.event_id = "e";
    env.payload.data = blob;
    env.payload.len = sizeof blob;
    size_t len;
    uint8_t *buf = cd_pb_pack(&env.base, &len);
    char path[64];
    cr_assert_eq(cd_pb_check_text(&candour__v1__envelope__descriptor, buf, len, path, sizeof path),
                 0);
    free(buf);

    /* Field 99 is no field of a Request: kept as unknown bytes, not text. */
    uint8_t unknown[] = {0x0A, 0x01, 'r', 0x9A, 0x06, 0x03, 'a', 0x00, 0xFF};
    cr_assert_eq(cd_pb_check_text(&candour__v1__request__descriptor, unknown, sizeof unknown, path,
                                  sizeof path),
                 0);
    Candour__V1__Request *r = candour__v1__request__unpack(NULL, sizeof unknown, unknown);
    cr_assert(r, "protobuf-c takes the unknown field too");
    candour__v1__request__free_unpacked(r, NULL);
}

Test(pb, malformed_wire_is_einval_not_a_text_fault)
{
    char path[64];
    const ProtobufCMessageDescriptor *d = &candour__v1__request__descriptor;
    uint8_t truncated[] = {0x0A, 0x05, 'a', 'b'};           /* says 5 bytes, has 2 */
    uint8_t group[] = {0x0B, 0x0C};                         /* a group: wire type 3 */
    uint8_t field0[] = {0x02, 0x00};                        /* field number 0 */
    uint8_t varint[] = {0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}; /* an 11-byte varint */
    cr_assert_eq(cd_pb_check_text(d, truncated, sizeof truncated, path, sizeof path), CD_EINVAL);
    cr_assert_eq(cd_pb_check_text(d, group, sizeof group, path, sizeof path), CD_EINVAL);
    cr_assert_eq(cd_pb_check_text(d, field0, sizeof field0, path, sizeof path), CD_EINVAL);
    cr_assert_eq(cd_pb_check_text(d, varint, sizeof varint, path, sizeof path), CD_EINVAL);
    cr_assert_str_empty(path);
}

Test(pb, nesting_deeper_than_the_limit_is_einval)
{
    /* Node{child: Node{child: ...}} built inside out on the wire. */
    size_t cap = 2 * (CD_PB_MAX_DEPTH + 1);
    uint8_t *buf = malloc(cap), *tmp = malloc(cap);
    cr_assert(buf && tmp);
    size_t len = 0;
    for (int depth = 1; depth <= CD_PB_MAX_DEPTH; depth++) {
        tmp[0] = 0x12; /* field 2 (child), length-delimited */
        tmp[1] = (uint8_t)len;
        cr_assert_lt(len, 128u);
        memcpy(tmp + 2, buf, len);
        len += 2;
        memcpy(buf, tmp, len);
        char path[64];
        /* len bytes hold `depth` levels of child below the top message. */
        int rc = cd_pb_check_text(&candour__test__node__descriptor, buf, len, path, sizeof path);
        cr_assert_eq(rc, depth + 1 > CD_PB_MAX_DEPTH ? CD_EINVAL : 0, "depth %d: %d", depth, rc);
    }
    free(buf);
    free(tmp);
}

Test(pb, a_long_path_is_cut_and_still_terminated)
{
    s_submit_t f;
    s_submit_init(&f);
    f.lines[1] = "\x7f";
    size_t len;
    uint8_t *buf = s_pack_marked(&f.req.base, 0, &len);
    char path[12];
    memset(path, 'x', sizeof path);
    cr_assert_eq(cd_pb_check_text(&candour__v1__request__descriptor, buf, len, path, sizeof path),
                 CD_PB_TEXT_NUL);
    cr_assert_str_eq(path, "submit.comp");
    free(buf);
}

Test(pb, peek_string_reads_the_request_id_without_unpacking)
{
    s_submit_t f;
    s_submit_init(&f);
    size_t len;
    uint8_t *buf = cd_pb_pack(&f.req.base, &len);
    char id[16];
    cr_assert_eq(cd_pb_peek_string(buf, len, 1, id, sizeof id), 0);
    cr_assert_str_eq(id, "req-1");
    /* Not there, too long for out, or not text: -1 and "". */
    cr_assert_eq(cd_pb_peek_string(buf, len, 2, id, sizeof id), -1);
    cr_assert_str_empty(id);
    cr_assert_eq(cd_pb_peek_string(buf, len, 1, id, 5), -1);
    cr_assert_str_empty(id);
    free(buf);
    f.req.request_id = "r\x7f";
    buf = s_pack_marked(&f.req.base, 0, &len);
    cr_assert_eq(cd_pb_peek_string(buf, len, 1, id, sizeof id), -1);
    free(buf);
    /* The last occurrence wins, as protobuf-c keeps it. */
    uint8_t twice[] = {0x0A, 0x01, 'a', 0x0A, 0x01, 'b'};
    cr_assert_eq(cd_pb_peek_string(twice, sizeof twice, 1, id, sizeof id), 0);
    cr_assert_str_eq(id, "b");
}
