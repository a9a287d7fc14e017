/* errcode.h - the one vocabulary of the errors Candour gives its clients and
 * its peers, and the one type a refusal is carried in.
 *
 * A code is what goes into candour.v1.Error.code on the wire (a request's
 * Reply.error, an event's NAK) and into the gateway's JSON error. Each has
 * one row in one table (errcode.c): its name (the wire string: clients
 * compare it, so a name never changes), the HTTP status the gateway answers
 * with, and a default plain-English message. Services, the inbox, the JSON
 * converter and the gateway all take their codes from here; nobody writes a
 * code as a string.
 *
 * Not to be confused with cd_err_t (error.h): those are the library's
 * internal return values (CD_EIO, CD_EDB, ...), never seen by a client. */
#ifndef CANDOUR_ERRCODE_H
#define CANDOUR_ERRCODE_H

typedef enum {
    CD_CODE_OK = 0, /* no error: what a zeroed cd_fail_t holds; never sent */

    /* The frame or the request as a whole. */
    CD_CODE_MALFORMED_FRAME,   /* not the two frames "REQ" + body */
    CD_CODE_MALFORMED_REQUEST, /* the body is not a candour.v1.Request */
    CD_CODE_TOO_LARGE,         /* the request is over 1 MiB */

    /* A field of the request (validation): the field names which. */
    CD_CODE_REQUIRED,         /* a required field is empty */
    CD_CODE_TOO_LONG,         /* a text over its limit */
    CD_CODE_TOO_MANY,         /* a list over its limit */
    CD_CODE_INVALID_TEXT,     /* not UTF-8, or control characters (a NUL included) */
    CD_CODE_INVALID_ENUM,     /* not a value of the enum */
    CD_CODE_INVALID_DATE,     /* not a date or time as written here */
    CD_CODE_DATE_IN_FUTURE,   /* a date later than today */
    CD_CODE_INVALID_ARGUMENT, /* a value not allowed (the message says which are) */
    CD_CODE_OUT_OF_RANGE,     /* a number outside its range */
    CD_CODE_NO_CONTACT,       /* no way to write to the complainant */

    /* Who asks, and the state of what they ask about. */
    CD_CODE_PERMISSION_DENIED,    /* the key is not (or no longer) allowed */
    CD_CODE_NOT_FOUND,            /* no such complaint (for this organisation), or endpoint */
    CD_CODE_FAILED_PRECONDITION,  /* not in a state to take this, or it changed meanwhile */
    CD_CODE_CONFLICT_OF_INTEREST, /* an investigator the complaint is about (V1) */
    CD_CODE_UNAUTHENTICATED,      /* gateway: no bearer token, or one not taken */
    CD_CODE_RATE_LIMITED,         /* gateway: too many requests from this token or address */
    CD_CODE_IDEMPOTENCY_CONFLICT, /* gateway: an Idempotency-Key reused for another request */
    CD_CODE_ALREADY_EXISTS,       /* a value that must be unique is taken */

    /* The service. */
    CD_CODE_UNSUPPORTED,        /* this endpoint does not take that operation */
    CD_CODE_METHOD_NOT_ALLOWED, /* gateway: an HTTP method the path does not answer */
    CD_CODE_UNAVAILABLE,        /* not now (database away, stopping); nothing was kept */
    CD_CODE_BUSY,               /* gateway: too many requests in flight */
    CD_CODE_TIMEOUT,            /* gateway: the service did not answer in time */
    CD_CODE_INTERNAL,           /* out of memory, or a code this build does not know */

    /* An event refused by its consumer (the NAK's Error; see inbox.h). */
    CD_CODE_MALFORMED_EVENT, /* not an Envelope, or a payload that is not its type's */
    CD_CODE_UNKNOWN_EVENT,   /* a type the catalogue does not hold */
    CD_CODE_APPLY_FAILED,    /* the database refused the change the event makes */
    CD_CODE_RENDER_FAILED,   /* notify: the letter could not be written */

    /* The JSON converter (pbjson.h): JSON that is not the message. */
    CD_CODE_INVALID_JSON,    /* not JSON (bad UTF-8, duplicate keys included) */
    CD_CODE_UNKNOWN_FIELD,   /* a key that names no field of the message */
    CD_CODE_WRONG_TYPE,      /* e.g. a string where a number belongs */
    CD_CODE_BAD_ENUM,        /* a name or number not in the enum */
    CD_CODE_BAD_BASE64,      /* a bytes field not valid padded base64 */
    CD_CODE_DUPLICATE_FIELD, /* one field twice ("org_id" and "orgId") */
    CD_CODE_ONEOF_CONFLICT,  /* two members of one oneof */
    CD_CODE_MISSING_FIELD,   /* a proto2 required field absent */
    CD_CODE_TOO_DEEP,        /* messages nested over the limit */
    CD_CODE_NO_MEMORY,       /* allocation failed while converting */

    CD_CODE_COUNT /* not a code: how many there are */
} cd_code_t;

/* The wire name ("NOT_FOUND"), static. code must be a cd_code_t below
 * CD_CODE_COUNT (asserted); CD_CODE_OK is "OK". */
const char *cd_code_name(cd_code_t code);

/* The HTTP status the gateway answers with (NOT_FOUND 404, ...; OK 200). */
int cd_code_http(cd_code_t code);

/* A default plain-English message for the code, static: for a refusal that
 * has nothing more specific to say. */
const char *cd_code_message(cd_code_t code);

/* The code named `name` (exact, case-sensitive), as a peer sent it. A name
 * this build does not know, NULL, and "OK" (an Error is never a success) are
 * CD_CODE_INTERNAL: there is no "unknown" code, and a client or gateway
 * treats such an answer as the server's fault (HTTP 500). */
cd_code_t cd_code_from_name(const char *name);

/* ---------------------------------------------------------------- cd_fail_t
 *
 * One refusal: what a validator, a rule or the converter says when it will
 * not go on, and what the inbox puts into Reply.error. Zeroed, it holds no
 * error (code CD_CODE_OK, field and message ""). */

#define CD_FAIL_FIELD_LEN 256   /* longer paths are cut */
#define CD_FAIL_MESSAGE_LEN 512 /* longer messages are cut */

typedef struct {
    cd_code_t code;                    /* what went wrong; CD_CODE_OK: nothing */
    char field[CD_FAIL_FIELD_LEN];     /* the path of the field to fix, "" for the whole */
    char message[CD_FAIL_MESSAGE_LEN]; /* plain words for the person asking */
} cd_fail_t;

/* Fill f: code (not CD_CODE_OK: asserted), field (NULL: ""), and the message
 * printf-formatted from fmt (NULL: the code's default message). Returns -1,
 * so a check can `return cd_fail(f, ...)`. Hazard: fmt is a format; pass a
 * message from elsewhere as "%s", msg. */
__attribute__((format(printf, 4, 5))) int cd_fail(cd_fail_t *f, cd_code_t code, const char *field,
                                                  const char *fmt, ...);

#endif
