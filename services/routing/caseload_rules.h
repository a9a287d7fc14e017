/* caseload_rules.h - what the caseload (ListCases, caseload.c) accepts and
 * how it pages: the filters checked and turned into the query's parameters,
 * the cursor written and read back, who may list, and what part the
 * person's body plays in a complaint. Pure: no I/O, so the unit tests
 * (tests/unit/test_caseload_rules.c) state each rule in a few lines.
 *
 * The order is the newest complaint first: received_at descending, then
 * reference descending (two complaints received in the same microsecond).
 * A page ends with the key of its last row, (received_at, reference), and
 * the next page is the rows strictly after it in that order: a keyset, so
 * complaints received meanwhile (newer, so before the cursor) never shift
 * a row onto a later page or show one twice. */
#ifndef ROUTING_CASELOAD_RULES_H
#define ROUTING_CASELOAD_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "candour/calendar.h"
#include "candour/directory.h"
#include "candour/errcode.h"
#include "candour/v1/api.pb-c.h"

#define RT_CL_LIMIT_DEFAULT 50
#define RT_CL_LIMIT_MAX 200
#define RT_CL_MAX_STATES 32 /* more than there are states: each may be named once or twice */
#define RT_CL_REF_MAX 64    /* a complaint reference, as GetStatus takes it */
#define RT_CL_CURSOR_MAX 128

/* The roles that may read the caseload: every staff role (an analyst reads
 * references and dates, nothing more). */
#define RT_CL_ROLES                                                                                \
    (CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_INVESTIGATOR | CD_ROLE_SIGNATORY |                       \
     CD_ROLE_RESPONSIBLE_PERSON | CD_ROLE_ANALYST)

/* A position in the order: the last row a page gave. */
typedef struct {
    int64_t received_us;         /* received_at, microseconds since the Unix epoch */
    char ref[RT_CL_REF_MAX + 1]; /* the complaint's reference */
} rt_cl_key_t;

/* A checked ListCases, as the query's parameters want it. */
typedef struct {
    unsigned limit;           /* 1..RT_CL_LIMIT_MAX */
    int has_after;            /* a cursor was given: rows after `after` only */
    rt_cl_key_t after;        /* the cursor's key */
    const char *org_id;       /* the body asked for, NULL for "theirs" (points into the request) */
    const char *investigator; /* NULL: any (points into the request) */
    /* YYYY-MM-DD, "" where the filter is not given */
    char due_before[CD_DATE_LEN + 1];
    char due_after[CD_DATE_LEN + 1];
    char received_from[CD_DATE_LEN + 1];
    char received_to[CD_DATE_LEN + 1];
    int overdue; /* only complaints with a deadline missed and not yet met */
} rt_cl_query_t;

/* Check l and fill q. 0, or -1 with why filled on the field at fault
 * ("list_cases.<field>"): a state that is not a stored state's name
 * (INVALID_ARGUMENT on state[i]), more than RT_CL_MAX_STATES of them
 * (TOO_MANY); an org_id or investigator id that is not one's form
 * (INVALID_ARGUMENT); a date that is not YYYY-MM-DD (INVALID_DATE), or a
 * window with nothing in it (received_from after received_to, or
 * response_due_after not before response_due_before: INVALID_ARGUMENT on
 * the second); limit over RT_CL_LIMIT_MAX (OUT_OF_RANGE); a cursor
 * rt_cl_cursor_decode refuses (INVALID_ARGUMENT on cursor). */
int rt_cl_check(const Candour__V1__ListCases *l, rt_cl_query_t *q, cd_fail_t *why);

/* The states asked for, as a text[] literal (malloc'd), NULL when none is
 * (no filter) or out of memory (*oom set then). */
char *rt_cl_states_array(const Candour__V1__ListCases *l, int *oom);

/* The cursor for key k: base64url without padding of "c1:<received_us>:<ref>",
 * into out (RT_CL_CURSOR_MAX + 1 bytes). Opaque to clients: only its
 * round trip through rt_cl_cursor_decode is promised. 0, or -1 when k is not
 * a key (a negative time, a reference out of form) or out is too small. */
int rt_cl_cursor_encode(const rt_cl_key_t *k, char *out, size_t len);

/* Read back what rt_cl_cursor_encode wrote: 0 with *k filled, or -1 for
 * anything else (not base64url, not its canonical spelling, another
 * version, a time that is not digits or beyond year 9999, a reference out of
 * form, trailing bytes). Never reads past s's NUL. */
int rt_cl_cursor_decode(const char *s, rt_cl_key_t *k);

/* The key's time as the query takes it: "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"
 * (microseconds, UTC), into out[32]. */
void rt_cl_key_time(const rt_cl_key_t *k, char out[32]);

/* A complaint reference's form: 1..RT_CL_REF_MAX of [A-Za-z0-9-]. */
int rt_cl_ref_ok(const char *s);

/* The person acting (a: routing's directory row, NULL when not found) may
 * read the caseload of body `org` (NULL: their own): in the directory,
 * enabled, holding one of RT_CL_ROLES, and of that body. 0, or -1 with why
 * filled: PERMISSION_DENIED on "acting", or on "list_cases.org_id" for a
 * body not theirs. An investigator sees all of their body's complaints, as
 * a complaints manager does: the list carries references, not content, and
 * the filter `investigator` narrows it to their own. */
int rt_cl_may(const cd_actor_t *a, const char *acting, const char *org, cd_fail_t *why);

/* What body `body` is to a complaint received by org_id, led by lead_org
 * ("" or NULL before triage: org_id leads), with partners[0..n): "lead",
 * "partner", "referred-on" (it was made to this body, which sent it on), or
 * NULL when the body is not party to it (GetStatus then answers NOT_FOUND).
 * Pure. */
const char *rt_cl_party(const char *body, const char *org_id, const char *lead_org,
                        const char *const *partners, size_t n);

#endif
