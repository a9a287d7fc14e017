/* caseload_rules.c - the caseload's pure rules (caseload_rules.h): its
 * filters, its cursor, who may list and what a body is to a complaint. */
#include "caseload_rules.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/lifecycle.h"
#include "candour/util.h"
#include "staffrules.h"

/* 9999-12-31T23:59:59.999999Z: no later time prints as RFC 3339. */
#define S_MAX_US INT64_C(253402300799999999)
#define S_VERSION "c1:"

/* ---------------------------------------------------------------- base64url */

static const char s_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int s_sextet(char c)
{
    const char *p = c ? strchr(s_alphabet, c) : NULL;
    return p ? (int)(p - s_alphabet) : -1;
}

/* n bytes of in as base64url without padding into out; -1 when it does not fit. */
static int s_b64_encode(const unsigned char *in, size_t n, char *out, size_t len)
{
    size_t need = n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
    if (need + 1 > len)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t k = n - i < 3 ? n - i : 3;
        if (k > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (k > 2)
            v |= in[i + 2];
        for (size_t j = 0; j <= k; j++)
            out[o++] = s_alphabet[(v >> (18 - 6 * j)) & 63];
    }
    out[o] = 0;
    assert(o == need);
    return 0;
}

/* Decode base64url without padding; -1 for a character outside the
 * alphabet, a length no encoding has (4k + 1), or out too small. The bits
 * a short final group leaves over are not checked here: the caller's
 * re-encoding does (one spelling per cursor). */
static int s_b64_decode(const char *s, size_t n, unsigned char *out, size_t len, size_t *outn)
{
    if (n % 4 == 1 || n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > len)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        size_t k = n - i < 4 ? n - i : 4;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int x = j < k ? s_sextet(s[i + j]) : 0;
            if (x < 0)
                return -1;
            v = v << 6 | (uint32_t)x;
        }
        for (size_t j = 0; j + 1 < k; j++)
            out[o++] = (unsigned char)(v >> (16 - 8 * j));
    }
    *outn = o;
    return 0;
}

/* ---------------------------------------------------------------- cursor */

int rt_cl_ref_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > RT_CL_REF_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
    }
    return 1;
}

int rt_cl_cursor_encode(const rt_cl_key_t *k, char *out, size_t len)
{
    if (k->received_us < 0 || k->received_us > S_MAX_US || !rt_cl_ref_ok(k->ref))
        return -1;
    char plain[RT_CL_CURSOR_MAX];
    int n = snprintf(plain, sizeof plain, S_VERSION "%lld:%s", (long long)k->received_us, k->ref);
    if (n < 0 || (size_t)n >= sizeof plain)
        return -1;
    return s_b64_encode((const unsigned char *)plain, (size_t)n, out, len);
}

int rt_cl_cursor_decode(const char *s, rt_cl_key_t *k)
{
    size_t n = strnlen(s, RT_CL_CURSOR_MAX + 1);
    unsigned char plain[RT_CL_CURSOR_MAX];
    size_t pn = 0;
    if (n < 1 || n > RT_CL_CURSOR_MAX || s_b64_decode(s, n, plain, sizeof plain - 1, &pn) != 0)
        return -1;
    plain[pn] = 0;
    /* A NUL inside would cut the text short of what was decoded. */
    if (memchr(plain, 0, pn) || strncmp((const char *)plain, S_VERSION, 3) != 0)
        return -1;
    const char *p = (const char *)plain + 3;
    int64_t us = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (us > (S_MAX_US - (*p - '0')) / 10)
            return -1;
        us = us * 10 + (*p - '0');
    }
    if (digits == 0 || (digits > 1 && p[-(long)digits] == '0') || *p != ':')
        return -1;
    rt_cl_key_t key = {.received_us = us};
    if (!rt_cl_ref_ok(p + 1))
        return -1;
    snprintf(key.ref, sizeof key.ref, "%s", p + 1);
    /* One spelling per key: the unused bits of a short last group, which a
     * decoder ignores, would otherwise let two strings be one cursor. */
    char again[RT_CL_CURSOR_MAX + 1];
    if (rt_cl_cursor_encode(&key, again, sizeof again) != 0 || strcmp(again, s) != 0)
        return -1;
    *k = key;
    return 0;
}

void rt_cl_key_time(const rt_cl_key_t *k, char out[32])
{
    assert(k->received_us >= 0 && k->received_us <= S_MAX_US);
    time_t secs = (time_t)(k->received_us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    assert(n == 19); /* years 1970..9999 */
    snprintf(out + n, 32 - n, ".%06dZ", (int)(k->received_us % 1000000));
}

/* ---------------------------------------------------------------- filters */

/* A staff id's form: what routing's directory gives ("ST" and digits), and
 * nothing that could not be one. */
static int s_staff_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > CD_STAFF_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* A date filter: "" (none) or YYYY-MM-DD, copied to out. */
static int s_date(const char *s, const char *field, char out[CD_DATE_LEN + 1], cd_date_t *d,
                  cd_fail_t *why)
{
    out[0] = 0;
    if (!s[0])
        return 0;
    if (cd_date_parse(s, d) != 0)
        return cd_fail(why, CD_CODE_INVALID_DATE, field, "a date is written YYYY-MM-DD");
    cd_date_format(*d, out);
    return 0;
}

int rt_cl_check(const Candour__V1__ListCases *l, rt_cl_query_t *q, cd_fail_t *why)
{
    memset(q, 0, sizeof *q);
    if (l->n_state > RT_CL_MAX_STATES)
        return cd_fail(why, CD_CODE_TOO_MANY, "list_cases.state", "at most %d states",
                       RT_CL_MAX_STATES);
    for (size_t i = 0; i < l->n_state; i++) {
        if (cd_state_from_name(l->state[i]) == CD_STATE_NONE) {
            char field[48];
            snprintf(field, sizeof field, "list_cases.state[%zu]", i);
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, field,
                           "a state is named as routing stores it, e.g. under-investigation");
        }
    }
    if (l->org_id[0] && !rt_org_id_ok(l->org_id))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "list_cases.org_id",
                       "an organisation id is 1 to 64 letters, digits, '.', '_' or '-'");
    q->org_id = l->org_id[0] ? l->org_id : NULL;
    if (l->investigator[0] && !s_staff_id_ok(l->investigator))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "list_cases.investigator",
                       "give the investigator's staff id, e.g. ST12");
    q->investigator = l->investigator[0] ? l->investigator : NULL;
    cd_date_t before, after, from, to;
    if (s_date(l->response_due_before, "list_cases.response_due_before", q->due_before, &before,
               why) ||
        s_date(l->response_due_after, "list_cases.response_due_after", q->due_after, &after, why) ||
        s_date(l->received_from, "list_cases.received_from", q->received_from, &from, why) ||
        s_date(l->received_to, "list_cases.received_to", q->received_to, &to, why))
        return -1;
    /* A window nothing can be in is a mistake in the asking, not an empty page. */
    if (q->due_before[0] && q->due_after[0] && cd_date_cmp(cd_date_add_days(after, 1), before) >= 0)
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "list_cases.response_due_before",
                       "response_due_after and response_due_before leave no day between them");
    if (q->received_from[0] && q->received_to[0] && cd_date_cmp(from, to) > 0)
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "list_cases.received_to",
                       "received_to is before received_from");
    if (l->limit > RT_CL_LIMIT_MAX)
        return cd_fail(why, CD_CODE_OUT_OF_RANGE, "list_cases.limit",
                       "limit is 1 to %d (0 means %d)", RT_CL_LIMIT_MAX, RT_CL_LIMIT_DEFAULT);
    q->limit = l->limit ? l->limit : RT_CL_LIMIT_DEFAULT;
    if (l->cursor[0]) {
        if (rt_cl_cursor_decode(l->cursor, &q->after) != 0)
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "list_cases.cursor",
                           "not a cursor this list gave: pass next_cursor as it came, or none"
                           " for the first page");
        q->has_after = 1;
    }
    q->overdue = l->overdue;
    return 0;
}

char *rt_cl_states_array(const Candour__V1__ListCases *l, int *oom)
{
    *oom = 0;
    if (l->n_state == 0)
        return NULL;
    char *a = cd_pg_text_array((const char *const *)l->state, l->n_state);
    *oom = a == NULL;
    return a;
}

/* ---------------------------------------------------------------- who */

int rt_cl_may(const cd_actor_t *a, const char *acting, const char *org, cd_fail_t *why)
{
    if (cd_actor_may(a, acting, a ? a->org_id : "", RT_CL_ROLES, "acting", why) != 0)
        return -1;
    if (org && strcmp(org, a->org_id) != 0)
        return cd_fail(why, CD_CODE_PERMISSION_DENIED, "list_cases.org_id",
                       "you see the complaints of your own body only");
    return 0;
}

const char *rt_cl_party(const char *body, const char *org_id, const char *lead_org,
                        const char *const *partners, size_t n)
{
    if (!body || !body[0])
        return NULL;
    const char *lead = lead_org && lead_org[0] ? lead_org : org_id;
    if (strcmp(body, lead) == 0)
        return "lead";
    for (size_t i = 0; i < n; i++)
        if (strcmp(body, partners[i]) == 0)
            return "partner";
    if (strcmp(body, org_id) == 0)
        return "referred-on";
    return NULL;
}
