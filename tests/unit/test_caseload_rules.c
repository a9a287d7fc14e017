/* test_caseload_rules.c - the caseload's rules (services/routing/caseload_rules.h):
 * its filters refuse what they cannot mean, naming the field; its cursor
 * reads back what it wrote and nothing else; only staff of the body see its
 * complaints, and a body is lead, partner or the one that sent it on. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "caseload_rules.h"

static void s_refused(const Candour__V1__ListCases *l, const char *code, const char *field)
{
    rt_cl_query_t q;
    cd_fail_t e = {0};
    cr_assert_eq(rt_cl_check(l, &q, &e), -1, "accepted; wanted %s on %s", code, field);
    cr_assert_str_eq(cd_code_name(e.code), code, "%s", e.message);
    cr_assert_str_eq(e.field, field);
}

static void s_accepted(const Candour__V1__ListCases *l, rt_cl_query_t *q)
{
    cd_fail_t e = {0};
    cr_assert_eq(rt_cl_check(l, q, &e), 0, "%s: %s", e.field, e.message);
}

Test(caseload_rules, no_filter_is_the_first_page_of_fifty)
{
    Candour__V1__ListCases l = CANDOUR__V1__LIST_CASES__INIT;
    rt_cl_query_t q;
    s_accepted(&l, &q);
    cr_assert_eq(q.limit, 50);
    cr_assert_not(q.has_after);
    cr_assert_null(q.org_id);
    cr_assert_null(q.investigator);
    cr_assert_str_eq(q.due_before, "");
    cr_assert_str_eq(q.received_from, "");
    cr_assert_not(q.overdue);
    int oom = 1;
    cr_assert_null(rt_cl_states_array(&l, &oom));
    cr_assert_eq(oom, 0);
}

Test(caseload_rules, a_page_is_one_to_two_hundred)
{
    Candour__V1__ListCases l = CANDOUR__V1__LIST_CASES__INIT;
    rt_cl_query_t q;
    l.limit = 200;
    s_accepted(&l, &q);
    cr_assert_eq(q.limit, 200);
    l.limit = 1;
    s_accepted(&l, &q);
    cr_assert_eq(q.limit, 1);
    l.limit = 201;
    s_refused(&l, "OUT_OF_RANGE", "list_cases.limit");
}

Test(caseload_rules, states_are_named_as_routing_stores_them)
{
    Candour__V1__ListCases l = CANDOUR__V1__LIST_CASES__INIT;
    char *states[] = {"under-investigation", "awaiting-sign-off"};
    l.state = states;
    l.n_state = 2;
    rt_cl_query_t q;
    s_accepted(&l, &q);
    int oom = 0;
    char *a = rt_cl_states_array(&l, &oom);
    cr_assert_str_eq(a, "{\"under-investigation\",\"awaiting-sign-off\"}");
    free(a);
    char *bad[] = {"under-investigation", "UNDER_INVESTIGATION"};
    l.state = bad;
    s_refused(&l, "INVALID_ARGUMENT", "list_cases.state[1]");
    char *empty[] = {""};
    l.state = empty;
    l.n_state = 1;
    s_refused(&l, "INVALID_ARGUMENT", "list_cases.state[0]");
    char *many[RT_CL_MAX_STATES + 1];
    for (int i = 0; i <= RT_CL_MAX_STATES; i++)
        many[i] = "received";
    l.state = many;
    l.n_state = RT_CL_MAX_STATES + 1;
    s_refused(&l, "TOO_MANY", "list_cases.state");
}

Test(caseload_rules, an_org_and_an_investigator_are_ids_not_text)
{
    Candour__V1__ListCases l = CANDOUR__V1__LIST_CASES__INIT;
    rt_cl_query_t q;
    l.org_id = "ICB-QWE";
    l.investigator = "ST12";
    s_accepted(&l, &q);
    cr_assert_str_eq(q.org_id, "ICB-QWE");
    cr_assert_str_eq(q.investigator, "ST12");
    l.org_id = "ICB QWE";
    s_refused(&l, "INVALID_ARGUMENT", "list_cases.org_id");
    l.org_id = "";
    l.investigator = "ST12' OR '1'='1";
    s_refused(&l, "INVALID_ARGUMENT", "list_cases.investigator");
    l.investigator = "ST1234567890123456789012345"; /* 27 bytes: no directory id is so long */
    s_refused(&l, "INVALID_ARGUMENT", "list_cases.investigator");
}

Test(caseload_rules, dates_are_days_written_yyyy_mm_dd)
{
    Candour__V1__ListCases l = CANDOUR__V1__LIST_CASES__INIT;
    rt_cl_query_t q;
    l.received_from = "2026-10-01";
    l.received_to = "2026-10-31";
    l.response_due_after = "2026-11-01";
    l.response_due_before = "2026-11-03";
    s_accepted(&l, &q);
    cr_assert_str_eq(q.received_from, "2026-10-01");
    cr_assert_str_eq(q.due_before, "2026-11-03");
    static const char *const bad[] = {"2026-02-30", "01/10/2026", "2026-10-1", "2026-10-01T00:00",
                                      "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Candour__V1__ListCases b = l;
        b.received_from = (char *)bad[i];
        s_refused(&b, "INVALID_DATE", "list_cases.received_from");
        b = l;
        b.response_due_before = (char *)bad[i];
        s_refused(&b, "INVALID_DATE", "list_cases.response_due_before");
    }
}

Test(caseload_rules, a_window_with_no_day_in_it_is_refused)
{
    Candour__V1__ListCases l = CANDOUR__V1__LIST_CASES__INIT;
    rt_cl_query_t q;
    l.received_from = "2026-10-02";
    l.received_to = "2026-10-02";
    s_accepted(&l, &q); /* one day */
    l.received_to = "2026-10-01";
    s_refused(&l, "INVALID_ARGUMENT", "list_cases.received_to");
    l = (Candour__V1__ListCases)CANDOUR__V1__LIST_CASES__INIT;
    l.response_due_after = "2026-11-01";
    l.response_due_before = "2026-11-03";
    s_accepted(&l, &q); /* the 2nd */
    l.response_due_before = "2026-11-02";
    s_refused(&l, "INVALID_ARGUMENT", "list_cases.response_due_before");
}

Test(caseload_rules, a_cursor_reads_back_its_key)
{
    static const rt_cl_key_t keys[] = {
        {0, "A"},
        {1793000000123456, "CDR-7K4M-9QXT"},
        {INT64_C(253402300799999999), "CDR-ZZZZ-ZZZZ"},
        {1793000000000000, "x-0123456789012345678901234567890123456789012345678901234567890"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char c[RT_CL_CURSOR_MAX + 1];
        cr_assert_eq(rt_cl_cursor_encode(&keys[i], c, sizeof c), 0);
        for (const char *p = c; *p; p++)
            cr_assert(
                strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p),
                "%s is not base64url", c);
        rt_cl_key_t k;
        cr_assert_eq(rt_cl_cursor_decode(c, &k), 0, "%s", c);
        cr_assert_eq(k.received_us, keys[i].received_us);
        cr_assert_str_eq(k.ref, keys[i].ref);
    }
}

Test(caseload_rules, a_cursor_it_did_not_write_is_refused)
{
    rt_cl_key_t k = {1793000000123456, "CDR-7K4M-9QXT"};
    char good[RT_CL_CURSOR_MAX + 1];
    cr_assert_eq(rt_cl_cursor_encode(&k, good, sizeof good), 0);
    char longer[300];
    memset(longer, 'A', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    char tail[RT_CL_CURSOR_MAX + 8], changed[RT_CL_CURSOR_MAX + 1], cut[RT_CL_CURSOR_MAX + 1];
    snprintf(tail, sizeof tail, "%s=", good);
    /* "c1:1793000000123456:CDR-7K4M-9QX" is 32 bytes: its last group of three
     * characters carries two bits no byte uses. Another spelling of it. */
    rt_cl_key_t k2 = {1793000000123456, "CDR-7K4M-9QX"};
    cr_assert_eq(rt_cl_cursor_encode(&k2, changed, sizeof changed), 0);
    rt_cl_key_t back;
    cr_assert_eq(rt_cl_cursor_decode(changed, &back), 0);
    changed[strlen(changed) - 1] ^= 1;
    snprintf(cut, sizeof cut, "%s", good);
    cut[strlen(cut) - 1] = 0;
    const char *bad[] = {
        "",
        "%%%",
        "not a cursor",
        "Y2xxY", /* 4k + 1 characters: no encoding has that length */
        tail,    /* padding */
        changed, /* another spelling or another key */
        cut,     /* a byte short */
        longer,  /* too long */
        "YzI6MTc5MzAwMDAwMDEyMzQ1NjpDRFItN0s0TS05UVhU", /* "c2:...": another version */
        "YzE6OkNEUg",                                   /* "c1::CDR": no time */
        "YzE6MDE6Q0RS",                                 /* "c1:01:CDR": a leading zero */
        "YzE6LTE6Q0RS",                                 /* "c1:-1:CDR": negative */
        "YzE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTpDRFI",      /* beyond year 9999 */
        "YzE6MTI6",                                     /* "c1:12:": no reference */
        "YzE6MTI6Q0RSJyBPUiAxPTE",                      /* "c1:12:CDR' OR 1=1" */
        "YzE6MTI6Q0RSAA",                               /* a NUL after the reference */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rt_cl_key_t got = {42, "untouched"};
        cr_assert_eq(rt_cl_cursor_decode(bad[i], &got), -1, "took \"%s\"", bad[i]);
        cr_assert_eq(got.received_us, 42, "wrote the key for \"%s\"", bad[i]);
    }
    /* Through the request, the refusal names the field. */
    Candour__V1__ListCases l = CANDOUR__V1__LIST_CASES__INIT;
    l.cursor = "not a cursor";
    s_refused(&l, "INVALID_ARGUMENT", "list_cases.cursor");
    l.cursor = good;
    rt_cl_query_t q;
    s_accepted(&l, &q);
    cr_assert(q.has_after);
    cr_assert_str_eq(q.after.ref, "CDR-7K4M-9QXT");
}

Test(caseload_rules, the_key_time_is_utc_to_the_microsecond)
{
    rt_cl_key_t k = {1793000000123456, "A"};
    char t[32];
    rt_cl_key_time(&k, t);
    cr_assert_str_eq(t, "2026-10-26T07:33:20.123456Z");
    k.received_us = 0;
    rt_cl_key_time(&k, t);
    cr_assert_str_eq(t, "1970-01-01T00:00:00.000000Z");
}

static cd_actor_t s_person(const char *org, unsigned roles, int disabled)
{
    cd_actor_t a = {.roles = roles, .disabled = disabled};
    snprintf(a.staff_id, sizeof a.staff_id, "ST7");
    snprintf(a.org_id, sizeof a.org_id, "%s", org);
    return a;
}

Test(caseload_rules, any_staff_role_of_the_body_may_list_its_caseload)
{
    static const unsigned roles[] = {CD_ROLE_COMPLAINTS_MANAGER, CD_ROLE_INVESTIGATOR,
                                     CD_ROLE_SIGNATORY, CD_ROLE_RESPONSIBLE_PERSON,
                                     CD_ROLE_ANALYST};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        cd_actor_t a = s_person("ICB-QWE", roles[i], 0);
        cd_fail_t e = {0};
        cr_assert_eq(rt_cl_may(&a, "ST7", NULL, &e), 0, "%s", e.message);
        cr_assert_eq(rt_cl_may(&a, "ST7", "ICB-QWE", &e), 0, "%s", e.message);
    }
}

Test(caseload_rules, nobody_else_may)
{
    cd_fail_t e = {0};
    cr_assert_eq(rt_cl_may(NULL, "", NULL, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "PERMISSION_DENIED");
    cr_assert_str_eq(e.field, "acting");
    cr_assert_eq(rt_cl_may(NULL, "ST404", NULL, &e), -1);
    cr_assert_str_eq(e.field, "acting");
    cd_actor_t off = s_person("ICB-QWE", CD_ROLE_COMPLAINTS_MANAGER, 1);
    cr_assert_eq(rt_cl_may(&off, "ST7", NULL, &e), -1);
    cr_assert_str_eq(e.field, "acting");
    cd_actor_t none = s_person("ICB-QWE", 0, 0);
    cr_assert_eq(rt_cl_may(&none, "ST7", NULL, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "PERMISSION_DENIED");
    cd_actor_t other = s_person("ICB-QWE", CD_ROLE_COMPLAINTS_MANAGER, 0);
    cr_assert_eq(rt_cl_may(&other, "ST7", "TRUST-B", &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "PERMISSION_DENIED");
    cr_assert_str_eq(e.field, "list_cases.org_id");
}

Test(caseload_rules, a_body_is_lead_partner_or_the_one_that_sent_it_on)
{
    const char *partners[] = {"TRUST-B", "LA-C"};
    /* Before triage the body it was made to leads. */
    cr_assert_str_eq(rt_cl_party("ICB-QWE", "ICB-QWE", "", NULL, 0), "lead");
    cr_assert_str_eq(rt_cl_party("ICB-QWE", "ICB-QWE", NULL, NULL, 0), "lead");
    cr_assert_str_eq(rt_cl_party("ICB-QWE", "ICB-QWE", "ICB-QWE", partners, 2), "lead");
    cr_assert_str_eq(rt_cl_party("LA-C", "ICB-QWE", "ICB-QWE", partners, 2), "partner");
    /* Passed to the provider: the provider leads, the ICB sent it on. */
    cr_assert_str_eq(rt_cl_party("TRUST-B", "ICB-QWE", "TRUST-B", NULL, 0), "lead");
    cr_assert_str_eq(rt_cl_party("ICB-QWE", "ICB-QWE", "TRUST-B", NULL, 0), "referred-on");
    cr_assert_null(rt_cl_party("TRUST-X", "ICB-QWE", "ICB-QWE", partners, 2));
    cr_assert_null(rt_cl_party("", "ICB-QWE", "ICB-QWE", partners, 2));
    cr_assert_null(rt_cl_party("TRUST", "ICB-QWE", "ICB-QWE", partners, 2),
                   "a prefix is not a body");
}
