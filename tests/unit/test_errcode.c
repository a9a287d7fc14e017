/* test_errcode.c - the one table of error codes (errcode.c): every code has
 * a unique wire name, an HTTP status and a message; names round-trip; the
 * names clients compare (README, "Errors") and the gateway's statuses are as
 * documented; cd_fail fills a refusal. */
#include <criterion/criterion.h>

#include <ctype.h>
#include <string.h>

#include "candour/errcode.h"

/* ---------------------------------------------------------------- the table */

Test(errcode, every_code_has_a_name_a_status_and_a_message)
{
    for (int c = 0; c < CD_CODE_COUNT; c++) {
        const char *name = cd_code_name((cd_code_t)c);
        cr_assert_not_null(name, "code %d has no name", c);
        cr_assert_gt(strlen(name), 1, "code %d", c);
        for (const char *p = name; *p; p++)
            cr_assert(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_',
                      "%s: not UPPER_SNAKE", name);
        int http = cd_code_http((cd_code_t)c);
        cr_assert(http >= 200 && http <= 599, "%s: status %d", name, http);
        cr_assert(c == CD_CODE_OK || http >= 400, "%s: an error at %d", name, http);
        const char *message = cd_code_message((cd_code_t)c);
        cr_assert_not_null(message, "%s has no message", name);
        cr_assert_gt(strlen(message), 3, "%s", name);
    }
}

Test(errcode, every_name_is_unique)
{
    for (int a = 0; a < CD_CODE_COUNT; a++)
        for (int b = a + 1; b < CD_CODE_COUNT; b++)
            cr_assert_str_neq(cd_code_name((cd_code_t)a), cd_code_name((cd_code_t)b),
                              "codes %d and %d", a, b);
}

Test(errcode, names_round_trip)
{
    for (int c = CD_CODE_OK + 1; c < CD_CODE_COUNT; c++)
        cr_assert_eq(cd_code_from_name(cd_code_name((cd_code_t)c)), c, "%s",
                     cd_code_name((cd_code_t)c));
}

Test(errcode, an_unknown_name_is_internal)
{
    static const char *const names[] = {"",           "not_found",   "NOT_FOUND ", " NOT_FOUND",
                                        "NOT_FOUNDX", "TEST_REJECT", "INVALID",    "OK"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_eq(cd_code_from_name(names[i]), CD_CODE_INTERNAL, "\"%s\"", names[i]);
    cr_assert_eq(cd_code_from_name(NULL), CD_CODE_INTERNAL);
    cr_assert_eq(cd_code_http(cd_code_from_name("no such code")), 500);
}

/* ---------------------------------------------------------------- the wire */

/* The names clients compare: README's error table, the NAK codes, and the
 * converter's. A rename here breaks every client. */
Test(errcode, wire_names_are_the_documented_ones)
{
    static const struct {
        cd_code_t code;
        const char *name;
    } names[] = {
        {CD_CODE_MALFORMED_FRAME, "MALFORMED_FRAME"},
        {CD_CODE_MALFORMED_REQUEST, "MALFORMED_REQUEST"},
        {CD_CODE_PERMISSION_DENIED, "PERMISSION_DENIED"},
        {CD_CODE_REQUIRED, "REQUIRED"},
        {CD_CODE_TOO_LONG, "TOO_LONG"},
        {CD_CODE_TOO_MANY, "TOO_MANY"},
        {CD_CODE_TOO_LARGE, "TOO_LARGE"},
        {CD_CODE_INVALID_TEXT, "INVALID_TEXT"},
        {CD_CODE_INVALID_ENUM, "INVALID_ENUM"},
        {CD_CODE_INVALID_DATE, "INVALID_DATE"},
        {CD_CODE_DATE_IN_FUTURE, "DATE_IN_FUTURE"},
        {CD_CODE_INVALID_ARGUMENT, "INVALID_ARGUMENT"},
        {CD_CODE_OUT_OF_RANGE, "OUT_OF_RANGE"},
        {CD_CODE_NO_CONTACT, "NO_CONTACT"},
        {CD_CODE_NOT_FOUND, "NOT_FOUND"},
        {CD_CODE_FAILED_PRECONDITION, "FAILED_PRECONDITION"},
        {CD_CODE_CONFLICT_OF_INTEREST, "CONFLICT_OF_INTEREST"},
        {CD_CODE_UNSUPPORTED, "UNSUPPORTED"},
        {CD_CODE_UNAVAILABLE, "UNAVAILABLE"},
        {CD_CODE_INTERNAL, "INTERNAL"},
        {CD_CODE_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"},
        {CD_CODE_BUSY, "BUSY"},
        {CD_CODE_TIMEOUT, "TIMEOUT"},
        {CD_CODE_MALFORMED_EVENT, "MALFORMED_EVENT"},
        {CD_CODE_UNKNOWN_EVENT, "UNKNOWN_EVENT"},
        {CD_CODE_APPLY_FAILED, "APPLY_FAILED"},
        {CD_CODE_RENDER_FAILED, "RENDER_FAILED"},
        {CD_CODE_INVALID_JSON, "INVALID_JSON"},
        {CD_CODE_UNKNOWN_FIELD, "UNKNOWN_FIELD"},
        {CD_CODE_WRONG_TYPE, "WRONG_TYPE"},
        {CD_CODE_BAD_ENUM, "BAD_ENUM"},
        {CD_CODE_BAD_BASE64, "BAD_BASE64"},
        {CD_CODE_DUPLICATE_FIELD, "DUPLICATE_FIELD"},
        {CD_CODE_ONEOF_CONFLICT, "ONEOF_CONFLICT"},
        {CD_CODE_MISSING_FIELD, "MISSING_FIELD"},
        {CD_CODE_TOO_DEEP, "TOO_DEEP"},
        {CD_CODE_NO_MEMORY, "NO_MEMORY"},
        {CD_CODE_UNAUTHENTICATED, "UNAUTHENTICATED"},
        {CD_CODE_RATE_LIMITED, "RATE_LIMITED"},
        {CD_CODE_IDEMPOTENCY_CONFLICT, "IDEMPOTENCY_CONFLICT"},
        {CD_CODE_ALREADY_EXISTS, "ALREADY_EXISTS"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_str_eq(cd_code_name(names[i].code), names[i].name);
    /* Every code but OK is listed above: a new one is added here too. */
    cr_assert_eq(sizeof names / sizeof names[0], CD_CODE_COUNT - 1);
}

/* ---------------------------------------------------------------- HTTP */

Test(errcode, the_gateway_statuses_are_as_documented)
{
    cr_assert_eq(cd_code_http(CD_CODE_NOT_FOUND), 404);
    cr_assert_eq(cd_code_http(CD_CODE_UNAUTHENTICATED), 401);
    cr_assert_eq(cd_code_http(CD_CODE_RATE_LIMITED), 429);
    cr_assert_eq(cd_code_http(CD_CODE_IDEMPOTENCY_CONFLICT), 409);
    cr_assert_eq(cd_code_http(CD_CODE_FAILED_PRECONDITION), 409);
    cr_assert_eq(cd_code_http(CD_CODE_UNAVAILABLE), 503);
    cr_assert_eq(cd_code_http(CD_CODE_UNSUPPORTED), 501);
    cr_assert_eq(cd_code_http(CD_CODE_PERMISSION_DENIED), 403);
    cr_assert_eq(cd_code_http(CD_CODE_TOO_LARGE), 413);
    cr_assert_eq(cd_code_http(CD_CODE_INTERNAL), 500);
    cr_assert_eq(cd_code_http(CD_CODE_METHOD_NOT_ALLOWED), 405);
    cr_assert_eq(cd_code_http(CD_CODE_BUSY), 503);
    cr_assert_eq(cd_code_http(CD_CODE_TIMEOUT), 504);
    cr_assert_eq(cd_code_http(CD_CODE_OK), 200);
}

Test(errcode, validation_and_frame_codes_are_400)
{
    static const cd_code_t codes[] = {
        CD_CODE_REQUIRED,       CD_CODE_TOO_LONG,          CD_CODE_TOO_MANY,
        CD_CODE_INVALID_TEXT,   CD_CODE_INVALID_ENUM,      CD_CODE_INVALID_DATE,
        CD_CODE_DATE_IN_FUTURE, CD_CODE_INVALID_ARGUMENT,  CD_CODE_OUT_OF_RANGE,
        CD_CODE_NO_CONTACT,     CD_CODE_MALFORMED_REQUEST, CD_CODE_MALFORMED_FRAME,
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        cr_assert_eq(cd_code_http(codes[i]), 400, "%s", cd_code_name(codes[i]));
}

/* As the gateway maps a reply's code: by name, unknown names 500. */
Test(errcode, reply_codes_map_to_http_statuses_by_name)
{
    cr_assert_eq(cd_code_http(cd_code_from_name("NOT_FOUND")), 404);
    cr_assert_eq(cd_code_http(cd_code_from_name("INVALID_ARGUMENT")), 400);
    cr_assert_eq(cd_code_http(cd_code_from_name("FAILED_PRECONDITION")), 409);
    cr_assert_eq(cd_code_http(cd_code_from_name("UNAVAILABLE")), 503);
    cr_assert_eq(cd_code_http(cd_code_from_name("UNSUPPORTED")), 501);
    cr_assert_eq(cd_code_http(cd_code_from_name("PERMISSION_DENIED")), 403);
    cr_assert_eq(cd_code_http(cd_code_from_name("INTERNAL")), 500);
    cr_assert_eq(cd_code_http(cd_code_from_name("")), 500);
    cr_assert_eq(cd_code_http(cd_code_from_name("not_found")), 500);
    cr_assert_eq(cd_code_http(cd_code_from_name("NOT_FOUND ")), 500);
}

/* ---------------------------------------------------------------- cd_fail */

Test(errcode, a_zeroed_refusal_holds_no_error)
{
    cd_fail_t f = {0};
    cr_assert_eq(f.code, CD_CODE_OK);
    cr_assert_str_empty(f.field);
    cr_assert_str_empty(f.message);
}

Test(errcode, cd_fail_fills_code_field_and_formatted_message)
{
    cd_fail_t f = {0};
    cr_assert_eq(cd_fail(&f, CD_CODE_TOO_LONG, "complaint.description", "%s is %d bytes long",
                         "complaint.description", 20001),
                 -1);
    cr_assert_eq(f.code, CD_CODE_TOO_LONG);
    cr_assert_str_eq(f.field, "complaint.description");
    cr_assert_str_eq(f.message, "complaint.description is 20001 bytes long");
}

Test(errcode, cd_fail_without_a_message_takes_the_default_and_null_field_is_empty)
{
    cd_fail_t f = {0};
    cd_fail(&f, CD_CODE_UNAVAILABLE, NULL, NULL);
    cr_assert_eq(f.code, CD_CODE_UNAVAILABLE);
    cr_assert_str_empty(f.field);
    cr_assert_str_eq(f.message, cd_code_message(CD_CODE_UNAVAILABLE));
}

Test(errcode, cd_fail_cuts_what_is_too_long)
{
    char big[CD_FAIL_MESSAGE_LEN * 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cd_fail_t f = {0};
    cd_fail(&f, CD_CODE_REQUIRED, big, "%s", big);
    cr_assert_eq(strlen(f.field), sizeof f.field - 1);
    cr_assert_eq(strlen(f.message), sizeof f.message - 1);
}
