/* test_pbjson.c - the generic protobuf <-> JSON converter (common/src/pbjson.c).
 *
 * Candour's own messages (Request, SubmitComplaint, Complaint) check the
 * shapes the services use; the test-only protos tests/unit/pbjson_test.proto
 * (proto3: every scalar type, repeated, oneof, recursion) and
 * tests/unit/pbjson_test2.proto (proto2: has_ flags, required, defaults)
 * cover the rest. Round trips compare messages by their packed bytes, which
 * is protobuf's own notion of equality. Every test is meant to run clean
 * under AddressSanitizer/LeakSanitizer, so each error path also proves the
 * half-built message was freed. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/complaint.pb-c.h"
#include "pbjson_test.pb-c.h"
#include "pbjson_test2.pb-c.h"

/* ---------------------------------------------------------------- helpers */

static uint8_t *s_pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    cr_assert_not_null(buf);
    cr_assert_eq(protobuf_c_message_pack(m, buf), *len);
    return buf;
}

/* Same message, by protobuf's wire encoding. */
static void s_assert_same(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t la, lb;
    uint8_t *pa = s_pack(a, &la);
    uint8_t *pb = s_pack(b, &lb);
    cr_assert_eq(la, lb, "packed sizes differ: %zu vs %zu", la, lb);
    cr_assert(memcmp(pa, pb, la) == 0, "packed bytes differ");
    free(pa);
    free(pb);
}

static ProtobufCMessage *s_parse_ok(const ProtobufCMessageDescriptor *d, const char *text)
{
    cd_fail_t err;
    ProtobufCMessage *m = cd_pbjson_parse(d, text, strlen(text), &err);
    cr_assert_not_null(m, "parse failed: %s at '%s': %s\ninput: %s", cd_code_name(err.code),
                       err.field, err.message, text);
    cr_assert_eq(err.code, CD_CODE_OK);
    return m;
}

static void s_parse_fails(const ProtobufCMessageDescriptor *d, const char *text, const char *code,
                          const char *field)
{
    cd_fail_t err;
    ProtobufCMessage *m = cd_pbjson_parse(d, text, strlen(text), &err);
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    cr_assert_null(m, "expected %s, parse succeeded: %s", code, text);
    cr_assert_str_eq(cd_code_name(err.code), code, "input %s: code %s (%s)", text,
                     cd_code_name(err.code), err.message);
    cr_assert_str_eq(err.field, field, "input %s: field '%s' (%s)", text, err.field, err.message);
    cr_assert_str_not_empty(err.message);
}

/* in -> JSON text -> message; asserts the result equals in and that its JSON
 * is the same text again. Returns the text (caller frees). */
static char *s_round_trip(const ProtobufCMessage *in)
{
    char *text = cd_pbjson_dumps(in, 0);
    cr_assert_not_null(text);
    ProtobufCMessage *out = s_parse_ok(in->descriptor, text);
    s_assert_same(in, out);
    char *again = cd_pbjson_dumps(out, 0);
    cr_assert_str_eq(again, text);
    free(again);
    protobuf_c_message_free_unpacked(out, NULL);
    return text;
}

static void s_dumps_is(const ProtobufCMessage *m, const char *want)
{
    char *text = cd_pbjson_dumps(m, 0);
    cr_assert_not_null(text);
    cr_assert_str_eq(text, want);
    free(text);
}

#define S_REQ (&candour__v1__request__descriptor)
#define S_SCALARS (&candour__test__scalars__descriptor)
#define S_REPEATS (&candour__test__repeats__descriptor)
#define S_CHOICE (&candour__test__choice__descriptor)
#define S_LEGACY (&candour__test2__legacy__descriptor)

/* ------------------------------------------------------ Candour's messages */

Test(pbjson, request_with_submitted_complaint_round_trips)
{
    char *address[] = {"1 High Street", "Leeds"};
    Candour__V1__Person person = CANDOUR__V1__PERSON__INIT;
    person.name = "Asha Patel";
    person.address_as = "Mrs Patel";
    person.n_address = 2;
    person.address = address;
    person.postcode = "LS1 1AA";
    person.email = "asha@example.org";
    person.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    char *services[] = {"continuing-healthcare", "district-nursing", "gp"};
    Candour__V1__Complaint complaint = CANDOUR__V1__COMPLAINT__INIT;
    complaint.external_ref = "ICB-2026-0042";
    complaint.channel = CANDOUR__V1__CHANNEL__CHANNEL_WEB;
    complaint.complainant = &person;
    complaint.description =
        "Assessment \"delayed\" by 9 weeks \xE2\x80\x94 no reply.\nSecond line.";
    complaint.desired_outcome = "An apology";
    complaint.event_date = "2026-01-05";
    complaint.n_services = 3;
    complaint.services = services;
    Candour__V1__SubmitComplaint submit = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    submit.complaint = &complaint;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.request_id = "req-1";
    req.org_id = "org-7";
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &submit;

    char *text = s_round_trip(&req.base);
    cr_assert(strstr(text, "\"channel\":\"CHANNEL_WEB\""), "%s", text);
    cr_assert(strstr(text, "\"preferred_channel\":\"CONTACT_EMAIL\""), "%s", text);
    cr_assert(strstr(text, "\"services\":[\"continuing-healthcare\",\"district-nursing\",\"gp\"]"));
    /* Defaults (awareness_date, received_at, telephone) are left out. */
    cr_assert_null(strstr(text, "awareness_date"));
    cr_assert_null(strstr(text, "telephone"));
    free(text);

    /* The inner messages round trip on their own too. */
    free(s_round_trip(&submit.base));
    free(s_round_trip(&complaint.base));
}

Test(pbjson, parsed_request_sets_oneof_case_and_fields)
{
    Candour__V1__Request *r = (Candour__V1__Request *)s_parse_ok(
        S_REQ, "{\"request_id\":\"r1\",\"submit\":{\"complaint\":{\"external_ref\":\"X\","
               "\"channel\":\"CHANNEL_POST\",\"complainant\":{\"name\":\"N\"},"
               "\"services\":[\"a\",\"b\"]}}}");
    cr_assert_str_eq(r->request_id, "r1");
    cr_assert_str_eq(r->org_id, "");
    cr_assert_eq(r->op_case, CANDOUR__V1__REQUEST__OP_SUBMIT);
    Candour__V1__Complaint *c = r->submit->complaint;
    cr_assert_str_eq(c->external_ref, "X");
    cr_assert_eq(c->channel, CANDOUR__V1__CHANNEL__CHANNEL_POST);
    cr_assert_str_eq(c->complainant->name, "N");
    cr_assert_eq(c->n_services, 2);
    cr_assert_str_eq(c->services[1], "b");
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(pbjson, fields_at_default_are_omitted)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    s_dumps_is(&req.base, "{}");
    Candour__Test__Scalars s = CANDOUR__TEST__SCALARS__INIT;
    s_dumps_is(&s.base, "{}");
    /* A set sub-message is present even when empty. */
    Candour__V1__GetStatus gs = CANDOUR__V1__GET_STATUS__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS;
    req.get_status = &gs;
    s_dumps_is(&req.base, "{\"get_status\":{}}");
}

Test(pbjson, empty_object_gives_message_at_defaults)
{
    Candour__V1__Request *r = (Candour__V1__Request *)s_parse_ok(S_REQ, "{}");
    cr_assert_str_eq(r->request_id, "");
    cr_assert_eq(r->op_case, CANDOUR__V1__REQUEST__OP__NOT_SET);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

/* ------------------------------------------------------------------- enums */

Test(pbjson, enum_written_as_name_and_read_by_name_or_number)
{
    Candour__Test__Scalars *s =
        (Candour__Test__Scalars *)s_parse_ok(S_SCALARS, "{\"f_colour\":\"COLOUR_GREEN\"}");
    cr_assert_eq(s->f_colour, CANDOUR__TEST__COLOUR__COLOUR_GREEN);
    s_dumps_is(&s->base, "{\"f_colour\":\"COLOUR_GREEN\"}");
    protobuf_c_message_free_unpacked(&s->base, NULL);

    s = (Candour__Test__Scalars *)s_parse_ok(S_SCALARS, "{\"f_colour\":1}");
    cr_assert_eq(s->f_colour, CANDOUR__TEST__COLOUR__COLOUR_RED);
    s_dumps_is(&s->base, "{\"f_colour\":\"COLOUR_RED\"}");
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

Test(pbjson, unknown_enum_name_or_number_is_bad_enum_naming_the_field)
{
    s_parse_fails(S_REQ, "{\"submit\":{\"complaint\":{\"channel\":\"CHANNEL_FAX\"}}}", "BAD_ENUM",
                  "submit.complaint.channel");
    s_parse_fails(S_REQ, "{\"submit\":{\"complaint\":{\"channel\":99}}}", "BAD_ENUM",
                  "submit.complaint.channel");
    s_parse_fails(S_SCALARS, "{\"f_colour\":4294967297}", "BAD_ENUM", "f_colour");
    s_parse_fails(S_SCALARS, "{\"f_colour\":true}", "WRONG_TYPE", "f_colour");
    /* Names are case-sensitive, as in the .proto. */
    s_parse_fails(S_SCALARS, "{\"f_colour\":\"colour_red\"}", "BAD_ENUM", "f_colour");
}

Test(pbjson, undeclared_enum_number_in_a_message_is_written_as_number)
{
    /* proto3 enums are open: a peer's newer value arrives as a bare number. */
    Candour__Test__Scalars s = CANDOUR__TEST__SCALARS__INIT;
    s.f_colour = (Candour__Test__Colour)42;
    s_dumps_is(&s.base, "{\"f_colour\":42}");
}

/* ------------------------------------------------------------------- names */

Test(pbjson, lower_camel_case_names_are_accepted)
{
    Candour__V1__Request *r = (Candour__V1__Request *)s_parse_ok(
        S_REQ, "{\"requestId\":\"r\",\"orgId\":\"o\",\"submit\":{\"complaint\":{"
               "\"externalRef\":\"E\",\"desiredOutcome\":\"D\",\"complainant\":{"
               "\"addressAs\":\"Mr X\",\"preferredChannel\":\"CONTACT_POST\"}}}}");
    cr_assert_str_eq(r->request_id, "r");
    cr_assert_str_eq(r->org_id, "o");
    Candour__V1__Complaint *c = r->submit->complaint;
    cr_assert_str_eq(c->external_ref, "E");
    cr_assert_str_eq(c->desired_outcome, "D");
    cr_assert_str_eq(c->complainant->address_as, "Mr X");
    cr_assert_eq(c->complainant->preferred_channel, CANDOUR__V1__CONTACT_CHANNEL__CONTACT_POST);
    /* Output always uses the .proto names. */
    char *text = cd_pbjson_dumps(&r->base, 0);
    cr_assert(strstr(text, "\"request_id\":\"r\""), "%s", text);
    cr_assert(strstr(text, "\"external_ref\":\"E\""), "%s", text);
    free(text);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    r = (Candour__V1__Request *)s_parse_ok(S_REQ, "{\"getStatus\":{\"complaintRef\":\"C-1\"}}");
    cr_assert_eq(r->op_case, CANDOUR__V1__REQUEST__OP_GET_STATUS);
    cr_assert_str_eq(r->get_status->complaint_ref, "C-1");
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(pbjson, same_field_by_both_names_is_duplicate_field)
{
    s_parse_fails(S_REQ, "{\"org_id\":\"a\",\"orgId\":\"b\"}", "DUPLICATE_FIELD", "org_id");
}

Test(pbjson, duplicate_key_is_invalid_json)
{
    s_parse_fails(S_REQ, "{\"org_id\":\"a\",\"org_id\":\"b\"}", "INVALID_JSON", "");
}

/* ------------------------------------------------------------------ errors */

Test(pbjson, unknown_field_is_reported_with_its_path)
{
    s_parse_fails(S_REQ, "{\"submit\":{\"complaint\":{\"complainant\":{\"nmae\":\"x\"}}}}",
                  "UNKNOWN_FIELD", "submit.complaint.complainant.nmae");
    s_parse_fails(S_REQ, "{\"request_id\":\"r\",\"colour\":1}", "UNKNOWN_FIELD", "colour");
    /* The case must match: only the exact name or the exact camelCase. */
    s_parse_fails(S_REQ, "{\"RequestId\":\"r\"}", "UNKNOWN_FIELD", "RequestId");
    s_parse_fails(S_REQ, "{\"requestid\":\"r\"}", "UNKNOWN_FIELD", "requestid");
}

Test(pbjson, wrong_json_type_is_reported_with_its_path)
{
    s_parse_fails(S_REQ, "{\"request_id\":7}", "WRONG_TYPE", "request_id");
    s_parse_fails(S_REQ, "{\"submit\":\"x\"}", "WRONG_TYPE", "submit");
    s_parse_fails(S_REQ, "{\"submit\":{\"complaint\":{\"services\":[\"a\",\"b\",3]}}}",
                  "WRONG_TYPE", "submit.complaint.services[2]");
    s_parse_fails(S_REQ, "{\"submit\":{\"complaint\":{\"services\":\"a\"}}}", "WRONG_TYPE",
                  "submit.complaint.services");
    s_parse_fails(S_REQ, "{\"submit\":{\"complaint\":{\"services\":[\"a\",null]}}}", "WRONG_TYPE",
                  "submit.complaint.services[1]");
    s_parse_fails(S_SCALARS, "{\"f_bool\":1}", "WRONG_TYPE", "f_bool");
    s_parse_fails(S_SCALARS, "{\"f_int32\":1.5}", "WRONG_TYPE", "f_int32");
    s_parse_fails(S_SCALARS, "{\"f_int32\":1.0}", "WRONG_TYPE", "f_int32");
    s_parse_fails(S_SCALARS, "{\"f_int64\":\"12a\"}", "WRONG_TYPE", "f_int64");
    s_parse_fails(S_SCALARS, "{\"f_int64\":\" 12\"}", "WRONG_TYPE", "f_int64");
    s_parse_fails(S_SCALARS, "{\"f_int64\":\"\"}", "WRONG_TYPE", "f_int64");
    s_parse_fails(S_SCALARS, "{\"f_uint64\":\"+1\"}", "WRONG_TYPE", "f_uint64");
    s_parse_fails(S_SCALARS, "{\"f_double\":\"1.5\"}", "WRONG_TYPE", "f_double");
    s_parse_fails(S_SCALARS, "{\"f_bytes\":[]}", "WRONG_TYPE", "f_bytes");
    s_parse_fails(S_SCALARS, "{\"f_inner\":[]}", "WRONG_TYPE", "f_inner");
    s_parse_fails(S_REQ, "[]", "WRONG_TYPE", "");
}

Test(pbjson, wrong_type_when_input_is_not_an_object)
{
    cd_fail_t err;
    json_t *j = json_string("x");
    cr_assert_null(cd_pbjson_to_message(S_REQ, j, &err));
    cr_assert_str_eq(cd_code_name(err.code), "WRONG_TYPE");
    json_decref(j);
    cr_assert_null(cd_pbjson_to_message(S_REQ, NULL, &err));
    cr_assert_str_eq(cd_code_name(err.code), "WRONG_TYPE");
}

Test(pbjson, a_string_with_nul_is_invalid_text_naming_the_field)
{
    /* From a json_t holding the NUL. */
    cd_fail_t err;
    json_t *j = json_pack("{s:s#}", "request_id", "a\0b", (size_t)3);
    cr_assert_not_null(j);
    cr_assert_null(cd_pbjson_to_message(S_REQ, j, &err));
    cr_assert_str_eq(cd_code_name(err.code), "INVALID_TEXT");
    cr_assert_str_eq(err.field, "request_id");
    json_decref(j);
    /* From text: \u0000 anywhere in a string, refused where it is, never cut. */
    s_parse_fails(S_REQ, "{\"request_id\":\"a\\u0000b\"}", "INVALID_TEXT", "request_id");
    s_parse_fails(S_REQ, "{\"request_id\":\"\\u0000\"}", "INVALID_TEXT", "request_id");
    s_parse_fails(S_REQ, "{\"submit\":{\"complaint\":{\"description\":\"text \\u0000 nul\"}}}",
                  "INVALID_TEXT", "submit.complaint.description");
    s_parse_fails(S_REQ,
                  "{\"submit\":{\"complaint\":{\"complainant\":{\"name\":\"A\","
                  "\"address\":[\"1 Road\",\"Leeds\\u0000\"]}}}}",
                  "INVALID_TEXT", "submit.complaint.complainant.address[1]");
    s_parse_fails(S_REQ, "{\"withdraw\":{\"reason\":\"x\\u0000\"}}", "INVALID_TEXT",
                  "withdraw.reason");
    cd_fail_t e2;
    const char *text = "{\"request_id\":\"a\\u0000b\"}";
    cr_assert_null(cd_pbjson_parse(S_REQ, text, strlen(text), &e2));
    cr_assert(strstr(e2.message, "NUL"), "%s", e2.message);
}

Test(pbjson, a_nul_cannot_cut_an_enum_name_a_number_or_base64)
{
    /* Each of these is read as a C string somewhere: "KIND_COMPLIMENT\0x"
     * must not be taken as KIND_COMPLIMENT, nor "NaN\0" as NaN. */
    s_parse_fails(S_REQ, "{\"submit\":{\"complaint\":{\"kind\":\"KIND_COMPLIMENT\\u0000x\"}}}",
                  "INVALID_TEXT", "submit.complaint.kind");
    s_parse_fails(S_SCALARS, "{\"f_double\":\"NaN\\u0000\"}", "INVALID_TEXT", "f_double");
    s_parse_fails(S_SCALARS, "{\"f_int64\":\"12\\u0000\"}", "INVALID_TEXT", "f_int64");
    s_parse_fails(S_SCALARS, "{\"f_bytes\":\"AA\\u0000=\"}", "INVALID_TEXT", "f_bytes");
    /* A NUL in a key is jansson's to refuse. */
    s_parse_fails(S_REQ, "{\"request_id\\u0000\":\"a\"}", "INVALID_JSON", "");
}

Test(pbjson, out_of_range_numbers_are_reported_with_path)
{
    s_parse_fails(S_SCALARS, "{\"f_int32\":2147483648}", "OUT_OF_RANGE", "f_int32");
    s_parse_fails(S_SCALARS, "{\"f_sint32\":-2147483649}", "OUT_OF_RANGE", "f_sint32");
    s_parse_fails(S_SCALARS, "{\"f_sfixed32\":\"3000000000\"}", "OUT_OF_RANGE", "f_sfixed32");
    s_parse_fails(S_SCALARS, "{\"f_uint32\":-1}", "OUT_OF_RANGE", "f_uint32");
    s_parse_fails(S_SCALARS, "{\"f_fixed32\":4294967296}", "OUT_OF_RANGE", "f_fixed32");
    s_parse_fails(S_SCALARS, "{\"f_int64\":\"9223372036854775808\"}", "OUT_OF_RANGE", "f_int64");
    s_parse_fails(S_SCALARS, "{\"f_sint64\":\"-9223372036854775809\"}", "OUT_OF_RANGE", "f_sint64");
    s_parse_fails(S_SCALARS, "{\"f_uint64\":\"18446744073709551616\"}", "OUT_OF_RANGE", "f_uint64");
    s_parse_fails(S_SCALARS, "{\"f_fixed64\":\"-1\"}", "OUT_OF_RANGE", "f_fixed64");
    s_parse_fails(S_SCALARS, "{\"f_uint64\":-5}", "OUT_OF_RANGE", "f_uint64");
    s_parse_fails(S_SCALARS, "{\"f_float\":1e39}", "OUT_OF_RANGE", "f_float");
    s_parse_fails(S_SCALARS, "{\"f_inner\":{\"count\":99999999999}}", "OUT_OF_RANGE",
                  "f_inner.count");
    /* Past int64 in a bare JSON number, jansson itself refuses the text. */
    s_parse_fails(S_SCALARS, "{\"f_int64\":9223372036854775808}", "INVALID_JSON", "");
}

Test(pbjson, int64_extremes_round_trip)
{
    Candour__Test__Scalars s = CANDOUR__TEST__SCALARS__INIT;
    s.f_int64 = INT64_MIN;
    s.f_sint64 = INT64_MAX;
    s.f_sfixed64 = INT64_MIN;
    s.f_uint64 = UINT64_MAX;
    s.f_fixed64 = (uint64_t)INT64_MAX;
    s.f_int32 = INT32_MIN;
    s.f_uint32 = UINT32_MAX;
    char *text = s_round_trip(&s.base);
    cr_assert(strstr(text, "\"f_int64\":-9223372036854775808"), "%s", text);
    cr_assert(strstr(text, "\"f_sint64\":9223372036854775807"), "%s", text);
    /* Above INT64_MAX jansson has no integer: a decimal string instead. */
    cr_assert(strstr(text, "\"f_uint64\":\"18446744073709551615\""), "%s", text);
    cr_assert(strstr(text, "\"f_fixed64\":9223372036854775807"), "%s", text);
    free(text);

    Candour__Test__Scalars *p = (Candour__Test__Scalars *)s_parse_ok(
        S_SCALARS,
        "{\"f_int64\":\"-9223372036854775808\",\"f_sint64\":\"9223372036854775807\","
        "\"f_uint64\":\"18446744073709551615\",\"f_fixed64\":\"0\","
        "\"f_sfixed64\":\"-0\",\"f_int32\":\"-2147483648\",\"f_uint32\":\"4294967295\"}");
    cr_assert_eq(p->f_int64, INT64_MIN);
    cr_assert_eq(p->f_sint64, INT64_MAX);
    cr_assert_eq(p->f_uint64, UINT64_MAX);
    cr_assert_eq(p->f_fixed64, 0);
    cr_assert_eq(p->f_sfixed64, 0);
    cr_assert_eq(p->f_int32, INT32_MIN);
    cr_assert_eq(p->f_uint32, UINT32_MAX);
    protobuf_c_message_free_unpacked(&p->base, NULL);
}

/* --------------------------------------------------------- every type */

Test(pbjson, every_scalar_type_round_trips)
{
    static uint8_t blob[] = {0x00, 0xff, 0x00, 0x10, 0x80};
    Candour__Test__Inner inner = CANDOUR__TEST__INNER__INIT;
    inner.label = "in";
    inner.count = -3;
    Candour__Test__Scalars s = CANDOUR__TEST__SCALARS__INIT;
    s.f_int32 = -123;
    s.f_sint32 = -456;
    s.f_sfixed32 = 789;
    s.f_int64 = -1234567890123LL;
    s.f_sint64 = 9876543210LL;
    s.f_sfixed64 = -5;
    s.f_uint32 = 3000000000u;
    s.f_fixed32 = 7;
    s.f_uint64 = 12345678901234567890ULL;
    s.f_fixed64 = 42;
    s.f_float = 0.1f;
    s.f_double = -2.5e-300;
    s.f_bool = 1;
    s.f_string = "h\xC3\xA9llo \"w\" \\ \t";
    s.f_bytes.data = blob;
    s.f_bytes.len = sizeof blob;
    s.f_colour = CANDOUR__TEST__COLOUR__COLOUR_RED;
    s.f_inner = &inner;
    free(s_round_trip(&s.base));

    Candour__Test__Scalars *p = (Candour__Test__Scalars *)s_parse_ok(
        S_SCALARS, "{\"f_float\":0.1,\"f_double\":3,\"f_bool\":true,\"fString\":\"x\","
                   "\"fInner\":{\"label\":\"L\"}}");
    cr_assert_float_eq(p->f_float, 0.1f, 0);
    cr_assert_float_eq(p->f_double, 3.0, 0);
    cr_assert(p->f_bool);
    cr_assert_str_eq(p->f_string, "x");
    cr_assert_str_eq(p->f_inner->label, "L");
    protobuf_c_message_free_unpacked(&p->base, NULL);
}

Test(pbjson, nan_and_infinity_are_strings)
{
    Candour__Test__Scalars s = CANDOUR__TEST__SCALARS__INIT;
    s.f_float = INFINITY;
    s.f_double = NAN;
    char *text = s_round_trip(&s.base);
    cr_assert_str_eq(text, "{\"f_float\":\"Infinity\",\"f_double\":\"NaN\"}");
    free(text);
    Candour__Test__Scalars *p =
        (Candour__Test__Scalars *)s_parse_ok(S_SCALARS, "{\"f_double\":\"-Infinity\"}");
    cr_assert(isinf(p->f_double) && p->f_double < 0);
    protobuf_c_message_free_unpacked(&p->base, NULL);
}

Test(pbjson, bytes_round_trip_as_base64_including_nuls)
{
    /* RFC 4648 section 10 vectors, then binary with NULs at every position. */
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        Candour__Test__Scalars s = CANDOUR__TEST__SCALARS__INIT;
        s.f_bytes.data = (uint8_t *)plain[i];
        s.f_bytes.len = strlen(plain[i]);
        char want[64];
        snprintf(want, sizeof want, i ? "{\"f_bytes\":\"%s\"}" : "{}", coded[i]);
        char *text = s_round_trip(&s.base);
        cr_assert_str_eq(text, want);
        free(text);
    }
    uint8_t bin[256];
    for (int i = 0; i < 256; i++)
        bin[i] = (uint8_t)(i % 3 ? i : 0);
    for (size_t len = 1; len <= sizeof bin; len += 37) {
        Candour__Test__Scalars s = CANDOUR__TEST__SCALARS__INIT;
        s.f_bytes.data = bin;
        s.f_bytes.len = len;
        free(s_round_trip(&s.base));
    }
    Candour__Test__Scalars *p =
        (Candour__Test__Scalars *)s_parse_ok(S_SCALARS, "{\"f_bytes\":\"AAEAAgA=\"}");
    cr_assert_eq(p->f_bytes.len, 5);
    cr_assert(memcmp(p->f_bytes.data, "\0\1\0\2\0", 5) == 0);
    protobuf_c_message_free_unpacked(&p->base, NULL);
}

Test(pbjson, bad_base64_is_rejected)
{
    static const char *bad[] = {
        "Zm9",      "Zm9v!", "Zm9vY", "Zg=",      "Z===",
        "====",     "Zm=v",  "=Zm9",  "Zm9vY===", "Zh==", /* leftover bits not zero */
        "Zm9=",                                           /* "fo" would be Zm8= */
        "Zm9v\n",                                         /* no whitespace */
        "Zm9-",                                           /* URL-safe alphabet not accepted */
        "Zg==Zg==",                                       /* padding only at the end */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "{\"f_bytes\":\"%s\"}", bad[i]);
        /* JSON-escape the one newline case. */
        char *nl = strchr(text, '\n');
        if (nl) {
            memmove(nl + 1, nl, strlen(nl) + 1);
            nl[0] = '\\';
            nl[1] = 'n';
        }
        s_parse_fails(S_SCALARS, text, "BAD_BASE64", "f_bytes");
    }
    s_parse_fails(S_REPEATS, "{\"r_bytes\":[\"Zg==\",\"Zg\"]}", "BAD_BASE64", "r_bytes[1]");
}

/* ---------------------------------------------------------------- repeated */

Test(pbjson, repeated_fields_of_every_type_round_trip)
{
    int32_t i32[] = {0, -1, INT32_MAX};
    int64_t s64[] = {INT64_MIN, 0, INT64_MAX};
    uint64_t u64[] = {0, UINT64_MAX};
    uint32_t f32[] = {1, UINT32_MAX};
    float fl[] = {0.0f, -1.5f, 3.25f};
    double db[] = {1e300, -0.0, NAN};
    protobuf_c_boolean bl[] = {1, 0, 1};
    char *str[] = {"", "a", "\xE2\x82\xAC"};
    uint8_t raw[] = {0, 1, 2};
    ProtobufCBinaryData by[] = {{0, NULL}, {3, raw}};
    Candour__Test__Colour col[] = {CANDOUR__TEST__COLOUR__COLOUR_UNSPECIFIED,
                                   CANDOUR__TEST__COLOUR__COLOUR_GREEN};
    Candour__Test__Inner in0 = CANDOUR__TEST__INNER__INIT, in1 = CANDOUR__TEST__INNER__INIT;
    in1.label = "one";
    in1.count = 1;
    Candour__Test__Inner *inner[] = {&in0, &in1};

    Candour__Test__Repeats r = CANDOUR__TEST__REPEATS__INIT;
    r.n_r_int32 = 3, r.r_int32 = i32;
    r.n_r_sint64 = 3, r.r_sint64 = s64;
    r.n_r_uint64 = 2, r.r_uint64 = u64;
    r.n_r_fixed32 = 2, r.r_fixed32 = f32;
    r.n_r_float = 3, r.r_float = fl;
    r.n_r_double = 3, r.r_double = db;
    r.n_r_bool = 3, r.r_bool = bl;
    r.n_r_string = 3, r.r_string = str;
    r.n_r_bytes = 2, r.r_bytes = by;
    r.n_r_colour = 2, r.r_colour = col;
    r.n_r_inner = 2, r.r_inner = inner;
    char *text = s_round_trip(&r.base);
    /* Elements at their default are kept: position matters in a list. */
    cr_assert(strstr(text, "\"r_string\":[\"\",\"a\","), "%s", text);
    cr_assert(strstr(text, "\"r_colour\":[\"COLOUR_UNSPECIFIED\",\"COLOUR_GREEN\"]"), "%s", text);
    cr_assert(strstr(text, "\"r_inner\":[{},{\"label\":\"one\",\"count\":1}]"), "%s", text);
    cr_assert(strstr(text, "\"r_bytes\":[\"\",\"AAEC\"]"), "%s", text);
    free(text);
}

Test(pbjson, empty_array_and_null_mean_no_elements)
{
    Candour__Test__Repeats *r = (Candour__Test__Repeats *)s_parse_ok(
        S_REPEATS, "{\"r_int32\":[],\"r_inner\":null,\"rString\":[\"x\"]}");
    cr_assert_eq(r->n_r_int32, 0);
    cr_assert_null(r->r_int32);
    cr_assert_eq(r->n_r_inner, 0);
    cr_assert_eq(r->n_r_string, 1);
    s_dumps_is(&r->base, "{\"r_string\":[\"x\"]}");
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(pbjson, error_inside_a_repeated_message_names_the_element)
{
    s_parse_fails(S_REPEATS, "{\"r_inner\":[{\"count\":1},{\"count\":\"x\"}]}", "WRONG_TYPE",
                  "r_inner[1].count");
    s_parse_fails(S_REPEATS, "{\"r_inner\":[{},{},{\"bogus\":1}]}", "UNKNOWN_FIELD",
                  "r_inner[2].bogus");
    s_parse_fails(S_REPEATS, "{\"r_inner\":[{},7]}", "WRONG_TYPE", "r_inner[1]");
    s_parse_fails(S_REPEATS, "{\"r_colour\":[\"COLOUR_RED\",\"PINK\"]}", "BAD_ENUM", "r_colour[1]");
    s_parse_fails(S_REPEATS, "{\"r_fixed32\":[1,-1]}", "OUT_OF_RANGE", "r_fixed32[1]");
}

Test(pbjson, failure_late_in_a_big_message_leaks_nothing)
{
    /* Many allocations made before the error; ASan/LSan checks they are freed. */
    s_parse_fails(S_REPEATS,
                  "{\"r_string\":[\"a\",\"b\",\"c\"],\"r_bytes\":[\"Zg==\",\"Zm8=\"],"
                  "\"r_inner\":[{\"label\":\"x\"},{\"label\":\"y\"}],\"r_int32\":[1,2],"
                  "\"r_double\":[1.5],\"r_bool\":[true, \"no\"]}",
                  "WRONG_TYPE", "r_bool[1]");
    s_parse_fails(S_CHOICE, "{\"pick_inner\":{\"label\":\"a\",\"count\":\"z\"}}", "WRONG_TYPE",
                  "pick_inner.count");
    s_parse_fails(S_CHOICE, "{\"pick_text\":\"t\",\"name\":5}", "WRONG_TYPE", "name");
}

/* ------------------------------------------------------------------- oneof */

Test(pbjson, each_oneof_member_sets_the_case_and_round_trips)
{
    Candour__Test__Choice *c =
        (Candour__Test__Choice *)s_parse_ok(S_CHOICE, "{\"pickText\":\"t\"}");
    cr_assert_eq(c->pick_case, CANDOUR__TEST__CHOICE__PICK_PICK_TEXT);
    cr_assert_str_eq(c->pick_text, "t");
    free(s_round_trip(&c->base));
    protobuf_c_message_free_unpacked(&c->base, NULL);

    c = (Candour__Test__Choice *)s_parse_ok(S_CHOICE, "{\"pick_number\":\"-9223372036854775808\"}");
    cr_assert_eq(c->pick_case, CANDOUR__TEST__CHOICE__PICK_PICK_NUMBER);
    cr_assert_eq(c->pick_number, INT64_MIN);
    free(s_round_trip(&c->base));
    protobuf_c_message_free_unpacked(&c->base, NULL);

    c = (Candour__Test__Choice *)s_parse_ok(S_CHOICE, "{\"pick_inner\":{\"count\":2}}");
    cr_assert_eq(c->pick_case, CANDOUR__TEST__CHOICE__PICK_PICK_INNER);
    cr_assert_eq(c->pick_inner->count, 2);
    free(s_round_trip(&c->base));
    protobuf_c_message_free_unpacked(&c->base, NULL);

    c = (Candour__Test__Choice *)s_parse_ok(S_CHOICE, "{\"pick_blob\":\"AA==\",\"name\":\"n\"}");
    cr_assert_eq(c->pick_case, CANDOUR__TEST__CHOICE__PICK_PICK_BLOB);
    cr_assert_eq(c->pick_blob.len, 1);
    free(s_round_trip(&c->base));
    protobuf_c_message_free_unpacked(&c->base, NULL);
}

Test(pbjson, oneof_member_at_zero_is_still_written)
{
    /* A oneof member has presence: choosing it with 0 or "" is information. */
    Candour__Test__Choice c = CANDOUR__TEST__CHOICE__INIT;
    c.pick_case = CANDOUR__TEST__CHOICE__PICK_PICK_NUMBER;
    c.pick_number = 0;
    char *text = s_round_trip(&c.base);
    cr_assert_str_eq(text, "{\"pick_number\":0}");
    free(text);
    c.pick_case = CANDOUR__TEST__CHOICE__PICK_PICK_TEXT;
    c.pick_text = "";
    text = s_round_trip(&c.base);
    cr_assert_str_eq(text, "{\"pick_text\":\"\"}");
    free(text);
}

Test(pbjson, two_members_of_one_oneof_is_oneof_conflict)
{
    s_parse_fails(S_CHOICE, "{\"pick_number\":1,\"pick_text\":\"t\"}", "ONEOF_CONFLICT",
                  "pick_text");
    s_parse_fails(S_CHOICE, "{\"pick_inner\":{},\"pickBlob\":\"\"}", "ONEOF_CONFLICT", "pick_blob");
    s_parse_fails(S_REQ, "{\"submit\":{},\"get_status\":{}}", "ONEOF_CONFLICT", "get_status");
    /* null is "not set", so it does not compete. */
    Candour__V1__Request *r = (Candour__V1__Request *)s_parse_ok(
        S_REQ, "{\"submit\":null,\"sign\":{\"signed_by\":\"s\"}}");
    cr_assert_eq(r->op_case, CANDOUR__V1__REQUEST__OP_SIGN);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

Test(pbjson, null_means_not_set)
{
    Candour__Test__Scalars *s = (Candour__Test__Scalars *)s_parse_ok(
        S_SCALARS, "{\"f_int32\":null,\"f_string\":null,\"f_inner\":null,\"f_bytes\":null}");
    s_dumps_is(&s->base, "{}");
    cr_assert_null(s->f_inner);
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

/* ----------------------------------------------------------------- proto2 */

Test(pbjson, proto2_presence_defaults_and_required)
{
    Candour__Test2__Legacy *l = (Candour__Test2__Legacy *)s_parse_ok(
        S_LEGACY, "{\"id\":\"L1\",\"count\":0,\"blob\":\"\",\"which_text\":\"w\"}");
    cr_assert(l->has_count);
    cr_assert_eq(l->count, 0);
    cr_assert(l->has_blob);
    cr_assert_not(l->has_level);
    cr_assert_eq(l->level, 7);
    cr_assert_str_eq(l->greeting, "hello");
    cr_assert_eq(l->which_case, CANDOUR__TEST2__LEGACY__WHICH_WHICH_TEXT);
    /* Set-at-zero is kept (has_ flag); unset-with-default is left out. */
    char *text = s_round_trip(&l->base);
    cr_assert_str_eq(text, "{\"id\":\"L1\",\"count\":0,\"blob\":\"\",\"which_text\":\"w\"}");
    free(text);
    protobuf_c_message_free_unpacked(&l->base, NULL);

    l = (Candour__Test2__Legacy *)s_parse_ok(
        S_LEGACY, "{\"id\":\"\",\"greeting\":\"hi\",\"level\":7,\"part\":{\"n\":3},\"note\":\"\"}");
    cr_assert_str_eq(l->greeting, "hi");
    cr_assert(l->has_level);
    cr_assert_eq(l->part->n, 3);
    free(s_round_trip(&l->base));
    protobuf_c_message_free_unpacked(&l->base, NULL);

    s_parse_fails(S_LEGACY, "{\"count\":1}", "MISSING_FIELD", "id");
    s_parse_fails(S_LEGACY, "{\"id\":\"x\",\"part\":{}}", "MISSING_FIELD", "part.n");
    s_parse_fails(S_LEGACY, "{\"id\":\"x\",\"which_int\":1,\"whichText\":\"t\"}", "ONEOF_CONFLICT",
                  "which_text");
}

/* ------------------------------------------------------- malformed input */

Test(pbjson, bad_utf8_and_bad_syntax_are_invalid_json)
{
    s_parse_fails(S_REQ, "{\"request_id\":\"\xff\xfe\"}", "INVALID_JSON", "");
    s_parse_fails(S_REQ, "{\"request_id\":\"\xC0\xAF\"}", "INVALID_JSON", "");     /* overlong */
    s_parse_fails(S_REQ, "{\"request_id\":\"\xED\xA0\x80\"}", "INVALID_JSON", ""); /* surrogate */
    s_parse_fails(S_REQ, "{\"request_id\":", "INVALID_JSON", "");
    s_parse_fails(S_REQ, "", "INVALID_JSON", "");
    s_parse_fails(S_REQ, "{} {}", "INVALID_JSON", "");
    cd_fail_t err;
    cr_assert_null(cd_pbjson_parse(S_REQ, "{\"a\"", 4, &err));
    cr_assert(strstr(err.message, "line 1"), "%s", err.message);
}

Test(pbjson, length_bounds_the_text_read)
{
    /* Only the first len bytes count: the trailing garbage is not read. */
    const char text[] = "{\"request_id\":\"r\"}garbage";
    cd_fail_t err;
    ProtobufCMessage *m = cd_pbjson_parse(S_REQ, text, 18, &err);
    cr_assert_not_null(m, "%s %s", cd_code_name(err.code), err.message);
    protobuf_c_message_free_unpacked(m, NULL);
}

Test(pbjson, bad_utf8_inside_a_message_is_written_with_replacement_chars)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.request_id = "a\xff"
                     "b\xC3";
    s_dumps_is(&req.base, "{\"request_id\":\"a\xEF\xBF\xBD"
                          "b\xEF\xBF\xBD\"}");
}

static char *s_nested_nodes(int depth)
{
    /* {"child":{"child":...{"name":"leaf"}...}} with depth objects in all. */
    size_t cap = (size_t)depth * 12 + 32;
    char *s = malloc(cap);
    size_t o = 0;
    for (int i = 1; i < depth; i++)
        o += (size_t)snprintf(s + o, cap - o, "{\"child\":");
    o += (size_t)snprintf(s + o, cap - o, "{\"name\":\"leaf\"}");
    for (int i = 1; i < depth; i++)
        s[o++] = '}';
    s[o] = '\0';
    return s;
}

Test(pbjson, nesting_beyond_the_depth_limit_is_too_deep)
{
    const ProtobufCMessageDescriptor *d = &candour__test__node__descriptor;
    char *ok = s_nested_nodes(CD_PBJSON_MAX_DEPTH);
    ProtobufCMessage *m = s_parse_ok(d, ok);
    free(s_round_trip(m));
    protobuf_c_message_free_unpacked(m, NULL);
    free(ok);

    char *deep = s_nested_nodes(CD_PBJSON_MAX_DEPTH + 1);
    cd_fail_t err;
    cr_assert_null(cd_pbjson_parse(d, deep, strlen(deep), &err));
    cr_assert_str_eq(cd_code_name(err.code), "TOO_DEEP");
    cr_assert(strncmp(err.field, "child.child.", 12) == 0, "%s", err.field);
    free(deep);

    /* Far deeper than jansson's own limit: refused at parse, no stack blow-up. */
    char *huge = s_nested_nodes(5000);
    cr_assert_null(cd_pbjson_parse(d, huge, strlen(huge), &err));
    cr_assert_str_eq(cd_code_name(err.code), "INVALID_JSON");
    free(huge);
}

Test(pbjson, long_paths_are_truncated_not_overrun)
{
    const ProtobufCMessageDescriptor *d = &candour__test__node__descriptor;
    /* 31 levels of "child." is 186 chars; a long unknown key pushes past 256. */
    char key[200];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    char *inner = s_nested_nodes(CD_PBJSON_MAX_DEPTH);
    char *leaf = strstr(inner, "\"name\"");
    size_t cap = strlen(inner) + sizeof key + 16;
    char *text = malloc(cap);
    snprintf(text, cap, "%.*s\"%s\":1}%s", (int)(leaf - inner), inner, key,
             leaf + strlen("\"name\":\"leaf\"}"));
    cd_fail_t err;
    cr_assert_null(cd_pbjson_parse(d, text, strlen(text), &err));
    cr_assert_str_eq(cd_code_name(err.code), "UNKNOWN_FIELD");
    cr_assert_eq(strlen(err.field), sizeof err.field - 1);
    free(text);
    free(inner);
}

/* ----------------------------------------------------------------- the API */

Test(pbjson, error_argument_may_be_null)
{
    cr_assert_null(cd_pbjson_parse(S_REQ, "{\"x\":1}", 7, NULL));
    cr_assert_null(cd_pbjson_parse(S_REQ, "nope", 4, NULL));
}

Test(pbjson, dumps_indents_when_asked)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.request_id = "r";
    char *text = cd_pbjson_dumps(&req.base, 2);
    cr_assert_str_eq(text, "{\n  \"request_id\": \"r\"\n}");
    free(text);
}

Test(pbjson, from_message_returns_an_object_to_own)
{
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = "o";
    json_t *j = cd_pbjson_from_message(&req.base);
    cr_assert(json_is_object(j));
    cr_assert_str_eq(json_string_value(json_object_get(j, "org_id")), "o");
    ProtobufCMessage *m = cd_pbjson_to_message(S_REQ, j, NULL);
    cr_assert_not_null(m);
    s_assert_same(&req.base, m);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(j);
}

/* -------------------------------------------------------- out of memory */

/* jansson allocator that fails once s_budget allocations have been made. */
static int s_budget;
static void *s_failing_malloc(size_t n)
{
    if (s_budget-- <= 0)
        return NULL;
    return malloc(n);
}

Test(pbjson, jansson_allocation_failure_gives_null_or_no_memory_and_leaks_nothing)
{
    uint8_t blob[] = {1, 2, 3};
    char *lines[] = {"a", "b"};
    Candour__Test__Inner in = CANDOUR__TEST__INNER__INIT;
    in.label = "l";
    Candour__Test__Inner *ins[] = {&in, &in};
    Candour__Test__Repeats r = CANDOUR__TEST__REPEATS__INIT;
    r.n_r_string = 2, r.r_string = lines;
    r.n_r_inner = 2, r.r_inner = ins;
    r.n_r_bytes = 1, r.r_bytes = &(ProtobufCBinaryData){sizeof blob, blob};
    int succeeded = 0;
    for (int budget = 0; budget < 200 && !succeeded; budget++) {
        s_budget = budget;
        json_set_alloc_funcs(s_failing_malloc, free);
        char *text = cd_pbjson_dumps(&r.base, 0);
        json_set_alloc_funcs(malloc, free);
        if (text) {
            succeeded = 1;
            cr_assert_str_eq(text, "{\"r_string\":[\"a\",\"b\"],\"r_bytes\":[\"AQID\"],"
                                   "\"r_inner\":[{\"label\":\"l\"},{\"label\":\"l\"}]}");
            free(text);
        }
    }
    cr_assert(succeeded);

    const char *in_text = "{\"r_string\":[\"a\",\"b\"],\"r_inner\":[{\"label\":\"l\"}]}";
    succeeded = 0;
    for (int budget = 0; budget < 200 && !succeeded; budget++) {
        cd_fail_t err;
        s_budget = budget;
        json_set_alloc_funcs(s_failing_malloc, free);
        ProtobufCMessage *m = cd_pbjson_parse(S_REPEATS, in_text, strlen(in_text), &err);
        json_set_alloc_funcs(malloc, free);
        if (m) {
            succeeded = 1;
            protobuf_c_message_free_unpacked(m, NULL);
        } else {
            /* jansson reports some of its own allocation failures as syntax
             * errors; what matters here is a clean failure with no leak. */
            cr_assert(strcmp(cd_code_name(err.code), "NO_MEMORY") == 0 ||
                          strcmp(cd_code_name(err.code), "INVALID_JSON") == 0,
                      "budget %d: %s %s", budget, cd_code_name(err.code), err.message);
        }
    }
    cr_assert(succeeded);
}
