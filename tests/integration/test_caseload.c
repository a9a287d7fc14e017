/* test_caseload.c - the caseload (ListCases) and GetStatus asked by a person,
 * from outside, against routing:
 *   - a body's staff see the complaints it is party to (made to it, led by
 *     it, a partner's part), and not another body's;
 *   - the filters (state, investigator, dates of receipt and response,
 *     overdue) narrow the list; the investigator comes from
 *     investigator.assigned;
 *   - the cursor walks every page once, in order, while complaints arrive;
 *   - bad filters and cursors are typed errors on their field; someone not
 *     in the directory, disabled or holding no role is refused;
 *   - GetStatus for another body's complaint is the NOT_FOUND of a
 *     reference that does not exist, word for word. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ORG_A "ICB-AAA"
#define ORG_B "TRUST-BBB"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("caseload");
    h_org(s_h, ORG_A);
    h_org(s_h, ORG_B);
    cr_assert_eq(h_start_all(s_h), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(caseload, .init = s_setup, .fini = s_teardown, .timeout = 240);

/* A complaint submitted by org, in ref once routing has it under
 * investigation (triaged, handed on, its case opened). */
static void s_complaint(const char *org, const char *ext, char *ref, size_t len)
{
    Candour__V1__Reply *r = h_call_jsonf(
        s_h, "intake", org,
        "{\"submit\": {\"complaint\": {\"external_ref\": \"%s\", \"channel\": \"CHANNEL_EMAIL\","
        " \"complainant\": {\"name\": \"Ada Cole\", \"email\": \"ada@example.org\"},"
        " \"description\": \"The discharge letter never reached my GP.\","
        " \"event_date\": \"2026-10-01\"}}}",
        ext);
    cr_assert_null(r->error, "submit: %s", r->error ? r->error->message : "");
    snprintf(ref, len, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "under-investigation", 20000),
              "%s is not under investigation", ref);
}

/* ListCases by acting with the filters given as JSON members ("" for none). */
static Candour__V1__Reply *s_list(const char *acting, const char *filters)
{
    return h_call_jsonf(s_h, "routing", NULL, "{\"acting\": \"%s\", \"list_cases\": {%s}}", acting,
                        filters);
}

/* The references of the one page a listing gives, comma-joined in order
 * (the list must come back whole: no next page). */
static char *s_refs(const char *acting, const char *filters)
{
    Candour__V1__Reply *r = s_list(acting, filters);
    cr_assert_null(r->error, "list_cases {%s}: %s %s %s", filters, r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_CASE_LIST);
    cr_assert_str_eq(r->case_list->next_cursor, "", "more than one page");
    static char out[4096];
    out[0] = 0;
    for (size_t i = 0; i < r->case_list->n_items; i++) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s", i ? "," : "",
                 r->case_list->items[i]->complaint_ref);
    }
    candour__v1__reply__free_unpacked(r, NULL);
    return out;
}

/* The reply's error as "CODE field", "" when it succeeded; frees r. */
static const char *s_err(Candour__V1__Reply *r)
{
    static char out[256];
    snprintf(out, sizeof out, "%s%s%s", r->error ? r->error->code : "", r->error ? " " : "",
             r->error ? r->error->field : "");
    candour__v1__reply__free_unpacked(r, NULL);
    return out;
}

static void s_sql(const char *sql, const char *a, const char *b)
{
    const char *p[2] = {a, b};
    h_execp(s_h, sql, b ? 2 : 1, p);
}

Test(caseload, a_body_sees_what_it_is_party_to_and_the_filters_narrow_it)
{
    char *manager = h_staff(s_h, ORG_A, "Casey Manager", "Complaints", "complaints-manager");
    char *inv = h_staff(s_h, ORG_A, "Dana Hart", "Patient Experience", "investigator");
    char *analyst_b = h_staff(s_h, ORG_B, "Bo Lyst", "", "analyst");
    char a1[64], a2[64], a3[64], b1[64];
    s_complaint(ORG_A, "CL-A1", a1, sizeof a1);
    s_complaint(ORG_A, "CL-A2", a2, sizeof a2);
    s_complaint(ORG_A, "CL-A3", a3, sizeof a3);
    s_complaint(ORG_B, "CL-B1", b1, sizeof b1);
    /* Known days of receipt (London), the newest first in the list. BST:
     * 23:30 UTC on 30 June is 1 July in London. */
    s_sql("UPDATE routing.complaint SET received_at = $2 WHERE reference = $1", a1,
          "2026-01-15 10:00:00+00");
    s_sql("UPDATE routing.complaint SET received_at = $2 WHERE reference = $1", a2,
          "2026-06-30 23:30:00+00");
    s_sql("UPDATE routing.complaint SET received_at = $2 WHERE reference = $1", a3,
          "2026-09-01 09:00:00+01");
    char want[256];
    snprintf(want, sizeof want, "%s,%s,%s", a3, a2, a1);
    cr_assert_str_eq(s_refs(manager, ""), want);
    cr_assert_str_eq(s_refs(inv, ""), want, "an investigator sees the body's caseload too");
    cr_assert_str_eq(s_refs(analyst_b, ""), b1, "another body's complaints are not in the list");

    /* A summary: references and dates, the body's part, the next deadline. */
    Candour__V1__Reply *r = s_list(manager, "\"limit\": 1");
    cr_assert_null(r->error);
    cr_assert_eq(r->case_list->n_items, 1);
    Candour__V1__CaseListItem *it = r->case_list->items[0];
    cr_assert_str_eq(it->complaint_ref, a3);
    cr_assert_str_eq(it->state, "under-investigation");
    cr_assert_str_eq(it->org_id, ORG_A);
    cr_assert_str_eq(it->lead_org, ORG_A);
    cr_assert_str_eq(it->role, "lead");
    cr_assert_str_eq(it->received_at, "2026-09-01T08:00:00.000Z");
    cr_assert_eq(strlen(it->ack_due), 10);
    cr_assert_eq(strlen(it->response_due), 10);
    cr_assert_str_eq(it->investigator, "");
    cr_assert_neq(it->next_deadline[0], 0, "no open deadline named");
    cr_assert_str_neq(r->case_list->next_cursor, "");
    candour__v1__reply__free_unpacked(r, NULL);

    /* A partner's part asked of B (R3): B's staff see it, as partner. */
    s_sql("UPDATE routing.complaint SET partners = ARRAY[$2] WHERE reference = $1", a1, ORG_B);
    snprintf(want, sizeof want, "%s,%s", b1, a1);
    cr_assert_str_eq(s_refs(analyst_b, ""), want);
    r = s_list(analyst_b, "\"received_to\": \"2026-06-30\"");
    cr_assert_null(r->error);
    cr_assert_eq(r->case_list->n_items, 1);
    cr_assert_str_eq(r->case_list->items[0]->role, "partner");
    candour__v1__reply__free_unpacked(r, NULL);

    /* State. */
    cr_assert_str_eq(s_refs(manager, "\"state\": [\"received\", \"awaiting-sign-off\"]"), "");
    snprintf(want, sizeof want, "%s,%s,%s", a3, a2, a1);
    cr_assert_str_eq(s_refs(manager, "\"state\": [\"received\", \"under-investigation\"]"), want);

    /* Days of receipt, in London. */
    snprintf(want, sizeof want, "%s,%s", a3, a2);
    cr_assert_str_eq(s_refs(manager, "\"received_from\": \"2026-07-01\""), want);
    cr_assert_str_eq(s_refs(manager, "\"received_to\": \"2026-06-30\""), a1);
    cr_assert_str_eq(s_refs(manager, "\"received_from\": \"2026-07-01\","
                                     " \"received_to\": \"2026-07-01\""),
                     a2);

    /* The response's due date. */
    s_sql("UPDATE routing.complaint SET response_due = $2::date WHERE reference = $1", a1,
          "2026-11-10");
    s_sql("UPDATE routing.complaint SET response_due = $2::date WHERE reference = $1", a2,
          "2026-11-20");
    s_sql("UPDATE routing.complaint SET response_due = $2::date WHERE reference = $1", a3,
          "2026-11-30");
    cr_assert_str_eq(s_refs(manager, "\"response_due_before\": \"2026-11-20\""), a1);
    snprintf(want, sizeof want, "%s,%s", a3, a2);
    cr_assert_str_eq(s_refs(manager, "\"response_due_after\": \"2026-11-10\""), want);
    cr_assert_str_eq(s_refs(manager, "\"response_due_after\": \"2026-11-10\","
                                     " \"response_due_before\": \"2026-11-30\""),
                     a2);

    /* Overdue: a deadline missed and not yet met. */
    cr_assert_str_eq(s_refs(manager, "\"overdue\": true"), "");
    s_sql("UPDATE routing.deadline SET due = $2::date WHERE reference = $1 AND name = 'response'",
          a2, "2020-01-06");
    cr_assert_str_eq(s_refs(manager, "\"overdue\": true"), a2);
    r = s_list(manager, "\"overdue\": true");
    cr_assert(r->case_list->items[0]->overdue);
    cr_assert_str_eq(r->case_list->items[0]->next_deadline, "response");
    cr_assert_str_eq(r->case_list->items[0]->next_deadline_due, "2020-01-06");
    candour__v1__reply__free_unpacked(r, NULL);

    /* The investigator, as investigation's assignment tells routing. */
    h_assign(s_h, a2, manager, inv);
    const char *p[1] = {a2};
    cr_assert(h_wait_for(s_h, "SELECT investigator FROM routing.complaint WHERE reference = $1", 1,
                         p, inv, 15000),
              "routing did not keep the investigator");
    char filt[128];
    snprintf(filt, sizeof filt, "\"investigator\": \"%s\"", inv);
    cr_assert_str_eq(s_refs(inv, filt), a2);
    cr_assert_str_eq(s_refs(manager, "\"investigator\": \"ST999999\""), "");
    snprintf(filt, sizeof filt,
             "\"investigator\": \"%s\", \"state\": [\"under-investigation\"],"
             " \"overdue\": true, \"org_id\": \"" ORG_A "\"",
             inv);
    cr_assert_str_eq(s_refs(manager, filt), a2, "the filters combine");
    free(manager);
    free(inv);
    free(analyst_b);
}

/* Every reference of every page from the first, pages of `limit`; between
 * pages, a new complaint of the body arrives. */
Test(caseload, the_cursor_walks_every_page_once_while_complaints_arrive)
{
    char *manager = h_staff(s_h, ORG_A, "Casey Manager", "Complaints", "complaints-manager");
    enum { N = 7 };
    char refs[N][64];
    for (int i = 0; i < N; i++) {
        char ext[32];
        snprintf(ext, sizeof ext, "CL-P%d", i);
        s_complaint(ORG_A, ext, refs[i], sizeof refs[i]);
    }
    /* Two received in the same microsecond: the reference orders them. */
    const char *same[2] = {refs[2], refs[3]};
    h_execp(s_h,
            "UPDATE routing.complaint SET received_at = (SELECT received_at FROM"
            " routing.complaint WHERE reference = $1) WHERE reference = $2",
            2, same);
    char seen[N][64];
    int nseen = 0, pages = 0, arrived = 0;
    char cursor[256] = "";
    for (;;) {
        char filters[400];
        snprintf(filters, sizeof filters, "\"limit\": 3%s%s%s", cursor[0] ? ", \"cursor\": \"" : "",
                 cursor, cursor[0] ? "\"" : "");
        Candour__V1__Reply *r = s_list(manager, filters);
        cr_assert_null(r->error, "page %d: %s", pages, r->error ? r->error->message : "");
        cr_assert_leq(r->case_list->n_items, 3);
        for (size_t i = 0; i < r->case_list->n_items; i++) {
            const char *ref = r->case_list->items[i]->complaint_ref;
            for (int j = 0; j < nseen; j++)
                cr_assert_str_neq(seen[j], ref, "%s came twice", ref);
            cr_assert_lt(nseen, N, "%s is more than there were", ref);
            snprintf(seen[nseen++], sizeof seen[0], "%s", ref);
        }
        pages++;
        snprintf(cursor, sizeof cursor, "%s", r->case_list->next_cursor);
        candour__v1__reply__free_unpacked(r, NULL);
        if (!cursor[0])
            break;
        char ext[32], ref[64];
        snprintf(ext, sizeof ext, "CL-NEW%d", arrived++);
        s_complaint(ORG_A, ext, ref, sizeof ref);
        cr_assert_leq(pages, N, "the cursor does not end");
    }
    cr_assert_eq(nseen, N, "%d of %d complaints listed", nseen, N);
    cr_assert_eq(pages, 3);
    /* In the order of the list: newest first, the reference breaking ties. */
    long ordered = 0;
    for (int i = 0; i + 1 < N; i++) {
        const char *p[2] = {seen[i], seen[i + 1]};
        ordered += h_count(s_h,
                           "SELECT count(*) FROM routing.complaint a, routing.complaint b"
                           " WHERE a.reference = $1 AND b.reference = $2"
                           " AND (a.received_at, a.reference) > (b.received_at, b.reference)",
                           2, p);
    }
    cr_assert_eq(ordered, N - 1, "the pages are not in the list's order");
    /* The first page now starts with the last to arrive. */
    Candour__V1__Reply *r = s_list(manager, "\"limit\": 200");
    cr_assert_null(r->error);
    cr_assert_eq(r->case_list->n_items, (size_t)(N + arrived));
    cr_assert_str_eq(r->case_list->next_cursor, "");
    candour__v1__reply__free_unpacked(r, NULL);
    free(manager);
}

Test(caseload, bad_filters_are_typed_errors_and_only_staff_with_a_role_list)
{
    char *manager = h_staff(s_h, ORG_A, "Casey Manager", "Complaints", "complaints-manager");
    char *gone = h_staff(s_h, ORG_A, "Lee Left", "", "investigator");
    char ref[64];
    s_complaint(ORG_A, "CL-E1", ref, sizeof ref);
    cr_assert_str_eq(s_err(s_list(manager, "\"cursor\": \"not a cursor\"")),
                     "INVALID_ARGUMENT list_cases.cursor");
    cr_assert_str_eq(s_err(s_list(manager, "\"cursor\": \"YzE6MTI6Q0RSJyBPUiAxPTE\"")),
                     "INVALID_ARGUMENT list_cases.cursor", "an injection in a cursor");
    cr_assert_str_eq(s_err(s_list(manager, "\"received_from\": \"2026-02-30\"")),
                     "INVALID_DATE list_cases.received_from");
    cr_assert_str_eq(s_err(s_list(manager, "\"response_due_before\": \"30/11/2026\"")),
                     "INVALID_DATE list_cases.response_due_before");
    cr_assert_str_eq(s_err(s_list(manager, "\"received_from\": \"2026-03-02\","
                                           " \"received_to\": \"2026-03-01\"")),
                     "INVALID_ARGUMENT list_cases.received_to");
    cr_assert_str_eq(s_err(s_list(manager, "\"state\": [\"open\"]")),
                     "INVALID_ARGUMENT list_cases.state[0]");
    cr_assert_str_eq(s_err(s_list(manager, "\"limit\": 201")), "OUT_OF_RANGE list_cases.limit");
    cr_assert_str_eq(s_err(s_list(manager, "\"org_id\": \"" ORG_B "\"")),
                     "PERMISSION_DENIED list_cases.org_id");
    /* Who. */
    cr_assert_str_eq(s_err(s_list("", "")), "PERMISSION_DENIED acting");
    cr_assert_str_eq(s_err(s_list("ST424242", "")), "PERMISSION_DENIED acting");
    h_ok(h_call_jsonf(s_h, "routing", NULL,
                      "{\"ops_user\": \"ops\", \"disable_staff\": {\"staff_id\": \"%s\","
                      " \"reason\": \"Left the organisation\"}}",
                      gone),
         "disable");
    cr_assert_str_eq(s_err(s_list(gone, "")), "PERMISSION_DENIED acting");
    /* A record with no role (the directory's rules give everyone one; a
     * record from before them, or written by hand, may have none). */
    h_exec(s_h, "INSERT INTO routing.staff (staff_id, org_id, name, roles, changed_by)"
                " VALUES ('ST900001', '" ORG_A "', 'No Role', '{}', 'test')");
    cr_assert_str_eq(s_err(s_list("ST900001", "")), "PERMISSION_DENIED acting");
    /* Ops reach the directory, not the caseload. */
    cr_assert_str_eq(
        s_err(h_call_json(s_h, "routing", NULL, "{\"ops_user\": \"ops\", \"list_cases\": {}}")),
        "PERMISSION_DENIED acting");
    cr_assert_str_eq(s_refs(manager, ""), ref, "the refusals changed nothing");
    free(manager);
    free(gone);
}

/* GetStatus as a person: code, field and message. */
static void s_status(const char *acting, const char *ref, char *out, size_t len)
{
    Candour__V1__Reply *r = h_call_jsonf(
        s_h, "routing", NULL, "{\"acting\": \"%s\", \"get_status\": {\"complaint_ref\": \"%s\"}}",
        acting, ref);
    if (r->error)
        snprintf(out, len, "%s|%s|%s", r->error->code, r->error->field, r->error->message);
    else
        snprintf(out, len, "ok %s", r->status->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(caseload, get_status_of_another_bodys_complaint_is_not_found_as_if_none_existed)
{
    char *manager = h_staff(s_h, ORG_A, "Casey Manager", "Complaints", "complaints-manager");
    char *other = h_staff(s_h, ORG_B, "Olu Other", "", "complaints-manager");
    char *gone = h_staff(s_h, ORG_A, "Lee Left", "", "analyst");
    char ref[64], got[512], none[512], want[128];
    s_complaint(ORG_A, "CL-S1", ref, sizeof ref);
    snprintf(want, sizeof want, "ok %s", ref);
    s_status(manager, ref, got, sizeof got);
    cr_assert_str_eq(got, want);
    s_status(other, "CDR-ZZZZ-ZZZZ", none, sizeof none);
    cr_assert(strncmp(none, "NOT_FOUND|", 10) == 0, "%s", none);
    s_status(other, ref, got, sizeof got);
    cr_assert_str_eq(got, none, "another body's complaint answers unlike a missing one");
    s_status("ST424242", ref, got, sizeof got);
    cr_assert_str_eq(got, none, "someone not in the directory");
    h_ok(h_call_jsonf(s_h, "routing", NULL,
                      "{\"ops_user\": \"ops\", \"disable_staff\": {\"staff_id\": \"%s\","
                      " \"reason\": \"Left the organisation\"}}",
                      gone),
         "disable");
    s_status(gone, ref, got, sizeof got);
    cr_assert_str_eq(got, none, "a disabled person");
    /* Party to it as a partner: then B's staff may ask. */
    s_sql("UPDATE routing.complaint SET partners = ARRAY[$2] WHERE reference = $1", ref, ORG_B);
    s_status(other, ref, got, sizeof got);
    cr_assert_str_eq(got, want);
    /* No person: as before (the organisations' and ops' way, over CURVE). */
    Candour__V1__Reply *r =
        h_call_jsonf(s_h, "routing", NULL, "{\"get_status\": {\"complaint_ref\": \"%s\"}}", ref);
    cr_assert_null(r->error);
    cr_assert_str_eq(r->status->complaint_ref, ref);
    candour__v1__reply__free_unpacked(r, NULL);
    free(manager);
    free(other);
    free(gone);
}
