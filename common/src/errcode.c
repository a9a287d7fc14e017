/* errcode.c - the one table of Candour's error codes (errcode.h): each
 * code's wire name, the gateway's HTTP status for it, and its default
 * message. A new code is one enum value and one row here; test_errcode.c
 * checks that every row is filled and every name is unique. */
#include "candour/errcode.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;    /* on the wire: never renamed, clients compare it */
    int http;            /* the gateway's status for it */
    const char *message; /* for a refusal with nothing more specific to say */
} s_row_t;

/* Indexed by the code, so a lookup is an index. Validation codes are 400
 * (the client's request is wrong and will stay wrong); the event codes never
 * reach HTTP but are given the status they would have. */
static const s_row_t s_codes[CD_CODE_COUNT] = {
    [CD_CODE_OK] = {"OK", 200, "done"},

    [CD_CODE_MALFORMED_FRAME] = {"MALFORMED_FRAME", 400,
                                 "expected two frames: \"REQ\" then a candour.v1.Request"},
    [CD_CODE_MALFORMED_REQUEST] = {"MALFORMED_REQUEST", 400,
                                   "the request frame is not a valid candour.v1.Request message"},
    [CD_CODE_TOO_LARGE] = {"TOO_LARGE", 413, "the request is over the 1 MiB limit"},

    [CD_CODE_REQUIRED] = {"REQUIRED", 400, "a required field is empty"},
    [CD_CODE_TOO_LONG] = {"TOO_LONG", 400, "a text is longer than allowed"},
    [CD_CODE_TOO_MANY] = {"TOO_MANY", 400, "a list has more entries than allowed"},
    [CD_CODE_INVALID_TEXT] = {"INVALID_TEXT", 400,
                              "a text is not UTF-8, or holds control characters"},
    [CD_CODE_INVALID_ENUM] = {"INVALID_ENUM", 400, "a value is not one of those allowed"},
    [CD_CODE_INVALID_DATE] = {"INVALID_DATE", 400, "a date or time is not written as allowed"},
    [CD_CODE_DATE_IN_FUTURE] = {"DATE_IN_FUTURE", 400, "a date is later than today"},
    [CD_CODE_INVALID_ARGUMENT] = {"INVALID_ARGUMENT", 400, "a value is not allowed"},
    [CD_CODE_OUT_OF_RANGE] = {"OUT_OF_RANGE", 400, "a number is outside the range allowed"},
    [CD_CODE_NO_CONTACT] = {"NO_CONTACT", 400,
                            "there is no way to write to the complainant: give an email or a"
                            " postal address"},

    [CD_CODE_PERMISSION_DENIED] = {"PERMISSION_DENIED", 403,
                                   "your key is not (or no longer) allowed to do this"},
    [CD_CODE_NOT_FOUND] = {"NOT_FOUND", 404, "there is nothing under that name"},
    [CD_CODE_FAILED_PRECONDITION] = {"FAILED_PRECONDITION", 409,
                                     "not in a state to take this; nothing was changed"},
    [CD_CODE_CONFLICT_OF_INTEREST] = {"CONFLICT_OF_INTEREST", 409,
                                      "that person is involved in what the complaint is about"
                                      " and cannot investigate it"},
    [CD_CODE_UNAUTHENTICATED] = {"UNAUTHENTICATED", 401,
                                 "sign in: give a valid bearer token (Authorization: Bearer ...)"},
    [CD_CODE_RATE_LIMITED] = {"RATE_LIMITED", 429,
                              "too many requests; wait a little and try again"},
    [CD_CODE_IDEMPOTENCY_CONFLICT] = {"IDEMPOTENCY_CONFLICT", 409,
                                      "that Idempotency-Key was used for another request, or"
                                      " that request is still being answered"},
    [CD_CODE_ALREADY_EXISTS] = {"ALREADY_EXISTS", 409, "that value is already taken"},

    [CD_CODE_UNSUPPORTED] = {"UNSUPPORTED", 501, "this endpoint does not take that operation"},
    [CD_CODE_METHOD_NOT_ALLOWED] = {"METHOD_NOT_ALLOWED", 405,
                                    "this path does not answer that method"},
    [CD_CODE_UNAVAILABLE] = {"UNAVAILABLE", 503, "could not be done just now; nothing was changed"},
    [CD_CODE_BUSY] = {"BUSY", 503, "too many requests in flight; try again shortly"},
    [CD_CODE_TIMEOUT] = {"TIMEOUT", 504, "the service did not answer in time; try again"},
    [CD_CODE_INTERNAL] = {"INTERNAL", 500, "out of memory; nothing was changed"},

    [CD_CODE_MALFORMED_EVENT] = {"MALFORMED_EVENT", 400,
                                 "the event is not a valid candour.v1.Envelope of its type"},
    [CD_CODE_UNKNOWN_EVENT] = {"UNKNOWN_EVENT", 400, "no event of that type is in the catalogue"},
    [CD_CODE_APPLY_FAILED] = {"APPLY_FAILED", 500,
                              "the database refused the change the event makes"},
    [CD_CODE_RENDER_FAILED] = {"RENDER_FAILED", 500, "the letter could not be rendered"},

    [CD_CODE_INVALID_JSON] = {"INVALID_JSON", 400, "the text is not valid JSON"},
    [CD_CODE_UNKNOWN_FIELD] = {"UNKNOWN_FIELD", 400, "a key names no field of the message"},
    [CD_CODE_WRONG_TYPE] = {"WRONG_TYPE", 400, "a value is not of its field's type"},
    [CD_CODE_BAD_ENUM] = {"BAD_ENUM", 400, "a name or number is not a value of its enum"},
    [CD_CODE_BAD_BASE64] = {"BAD_BASE64", 400, "a bytes field is not valid padded base64"},
    [CD_CODE_DUPLICATE_FIELD] = {"DUPLICATE_FIELD", 400, "a field is given more than once"},
    [CD_CODE_ONEOF_CONFLICT] = {"ONEOF_CONFLICT", 400, "two members of one oneof are set"},
    [CD_CODE_MISSING_FIELD] = {"MISSING_FIELD", 400, "a required field is missing"},
    [CD_CODE_TOO_DEEP] = {"TOO_DEEP", 400, "messages are nested deeper than allowed"},
    [CD_CODE_NO_MEMORY] = {"NO_MEMORY", 500, "out of memory"},
};

/* A code out of range is a caller's bug (a cast, an uninitialised value):
 * asserted, and answered as INTERNAL where asserts are off, so a wrong code
 * never indexes past the table. */
static const s_row_t *s_row(cd_code_t code)
{
    int ok = (int)code >= 0 && code < CD_CODE_COUNT;
    assert(ok);
    return &s_codes[ok ? code : CD_CODE_INTERNAL];
}

const char *cd_code_name(cd_code_t code)
{
    return s_row(code)->name;
}

int cd_code_http(cd_code_t code)
{
    return s_row(code)->http;
}

const char *cd_code_message(cd_code_t code)
{
    return s_row(code)->message;
}

cd_code_t cd_code_from_name(const char *name)
{
    if (!name)
        return CD_CODE_INTERNAL;
    for (int c = CD_CODE_OK + 1; c < CD_CODE_COUNT; c++)
        if (strcmp(s_codes[c].name, name) == 0)
            return (cd_code_t)c;
    return CD_CODE_INTERNAL;
}

int cd_fail(cd_fail_t *f, cd_code_t code, const char *field, const char *fmt, ...)
{
    assert(f && code != CD_CODE_OK && code < CD_CODE_COUNT);
    f->code = code;
    snprintf(f->field, sizeof f->field, "%s", field ? field : "");
    if (!fmt) {
        snprintf(f->message, sizeof f->message, "%s", cd_code_message(code));
        return -1;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    return -1;
}
