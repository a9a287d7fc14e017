/* test_audit.c - guarantee 6: every change to a complaint's records is in a
 * tamper-evident audit trail (who, what, when), append-only for the
 * services, and a changed entry is detected. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "candour/client.h"
#include "candour/db.h"
#include "harness.h"

static int s_ctl(h_t *h, const char *args, char *out, size_t len)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' audit %s 2>&1",
             h_db_url(h), CANDOUR_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(audit, changes_are_chained_append_only_and_tampering_is_detected, .timeout = 90)
{
    h_t *h = h_new("audit");
    h_org(h, "ICB-AU");
    cr_assert_eq(h_start_all(h), 0);
    cd_client_t *c = h_client(h, "ICB-AU");
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Ben Ford";
    p.email = "ben@example.org";
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.external_ref = "AU-1";
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    comp.complainant = &p;
    comp.description = "The appointment letter went to my old address.";
    Candour__V1__SubmitComplaint sub = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    sub.complaint = &comp;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &sub;
    Candour__V1__Reply *r = NULL;
    char err[256], ref[64], out[8192];
    cr_assert_eq(cd_client_call(c, &req, 10000, &r, err, sizeof err), 0, "%s", err);
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    cd_client_destroy(&c);
    const char *pr[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT (acknowledged_at IS NOT NULL)::text FROM routing.complaint"
                            " WHERE reference = $1", 1, pr, "true", 15000));
    cr_assert(h_wait_for(h, "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter"
                            " WHERE reference = $1", 1, pr, "true", 15000));

    /* Who (the service's role), what and when, in every schema involved. */
    cr_assert_eq(s_ctl(h, "verify", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, ", intact") && !strstr(out, "BROKEN"), "%s", out);
    char args[128];
    snprintf(args, sizeof args, "log %s", ref);
    cr_assert_eq(s_ctl(h, args, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "intake") && strstr(out, "routing") && strstr(out, "notify"), "%s", out);
    cr_assert(strstr(out, "candour_routing"), "the entry should name the service's role: %s", out);
    cr_assert_gt(h_count(h, "SELECT count(*) FROM routing.audit WHERE reference = $1", 1, pr), 1);
    /* One chain per writer: intake's receipt (its own connection) is on the
     * chain "first", its status updates on the schema's first chain "". */
    cr_assert_eq(h_count(h, "SELECT count(*) FROM intake.audit WHERE reference = $1"
                            " AND chain = 'first' AND op = 'INSERT'", 1, pr), 1);
    cr_assert_geq(h_count(h, "SELECT count(*) FROM intake.audit WHERE reference = $1"
                             " AND chain = '' AND op = 'UPDATE'", 1, pr), 1);

    /* An update's entry holds what it changed, not the whole row again; an
     * update that changed nothing leaves no entry. */
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.audit WHERE reference = $1"
                            " AND table_name = 'complaint' AND op = 'INSERT' AND row_data ? 'content'",
                         1, pr), 1);
    cr_assert_geq(h_count(h, "SELECT count(*) FROM routing.audit WHERE reference = $1"
                             " AND op = 'UPDATE' AND row_data ? 'state'", 1, pr), 1);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.audit WHERE reference = $1"
                            " AND op = 'UPDATE' AND row_data ? 'content'", 1, pr), 0);
    long before = h_count(h, "SELECT count(*) FROM routing.audit WHERE reference = $1", 1, pr);
    free(h_scalar(h, "UPDATE routing.complaint SET state = state WHERE reference = $1"
                     " RETURNING 1", 1, pr));
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.audit WHERE reference = $1", 1, pr),
                 before);

    /* Append-only for the services. */
    char e[256];
    PGconn *svc = cd_db_connect_blocking(h_db_url(h), "candour_routing", e, sizeof e);
    cr_assert(svc, "%s", e);
    PGresult *x = PQexec(svc, "UPDATE routing.audit SET actor = 'nobody'");
    cr_assert_neq(PQresultStatus(x), PGRES_COMMAND_OK, "a service changed its audit trail");
    PQclear(x);
    x = PQexec(svc, "DELETE FROM routing.audit");
    cr_assert_neq(PQresultStatus(x), PGRES_COMMAND_OK, "a service deleted its audit trail");
    PQclear(x);
    PQfinish(svc);

    /* Someone with more power changes an entry: the chain shows it. */
    PGconn *admin = h_db(h);
    PQclear(PQexec(admin, "ALTER TABLE routing.audit DISABLE TRIGGER append_only"));
    x = PQexec(admin, "UPDATE routing.audit SET row_data = row_data || '{\"state\": \"withdrawn\"}'"
                      " WHERE seq = (SELECT min(seq) FROM routing.audit)");
    cr_assert_eq(PQresultStatus(x), PGRES_COMMAND_OK, "%s", PQresultErrorMessage(x));
    PQclear(x);
    cr_assert_eq(s_ctl(h, "verify routing", out, sizeof out), 3, "%s", out);
    cr_assert(strstr(out, "BROKEN") && strstr(out, "does not match its hash"), "%s", out);

    /* An entry moved from one chain to another breaks both. */
    PQclear(PQexec(admin, "ALTER TABLE intake.audit DISABLE TRIGGER append_only"));
    x = PQexec(admin, "UPDATE intake.audit SET chain = '' WHERE chain = 'first'");
    cr_assert_eq(PQresultStatus(x), PGRES_COMMAND_OK, "%s", PQresultErrorMessage(x));
    PQclear(x);
    cr_assert_eq(s_ctl(h, "verify intake", out, sizeof out), 3, "%s", out);
    cr_assert(strstr(out, "BROKEN"), "%s", out);
    cr_assert_eq(h_destroy(&h), 0);
}

/* Migration 0043: the trail is written once per statement (transition
 * tables), yet holds one entry per row, in the order the statement changed
 * them: an UPDATE's entry only what changed, an unchanged row none, a row
 * whose key changed its whole new row. The chain stays intact. */
Test(audit, one_statement_writes_one_entry_per_changed_row_in_order, .timeout = 60)
{
    h_t *h = h_new("audit-stmt");
    /* Every audited table: three statement triggers, no row trigger. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'audit%'"
                         " AND (tgtype & 1) = 1",
                         0, NULL),
                 0);
    cr_assert_gt(h_count(h,
                         "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_upd'"
                         " AND tgoldtable = 'old_rows'",
                         0, NULL),
                 40);
    h_exec(h, "SET candour.audit_chain = 'stmt'");
    h_exec(h, "SET candour.actor = 'staff-42'");
    h_exec(h, "INSERT INTO routing.org_policy (org_id, response_days)"
              " VALUES ('STMT-A', 10), ('STMT-B', 20), ('STMT-C', 30)");
    const char *q_ops = "SELECT string_agg(op || ':' || coalesce(row_data->>'org_id', '-')"
                        " || ':' || coalesce(row_data->>'response_days', '-'), ' ' ORDER BY seq)"
                        " FROM routing.audit WHERE chain = 'stmt' AND actor = 'staff-42'";
    char *s = h_scalar(h, q_ops, 0, NULL);
    cr_assert_str_eq(s, "INSERT:STMT-A:10 INSERT:STMT-B:20 INSERT:STMT-C:30");
    free(s);

    /* B keeps its value: no entry for it. A and C: only the changed column. */
    h_exec(h, "UPDATE routing.org_policy SET response_days = CASE org_id WHEN 'STMT-B'"
              " THEN response_days ELSE 40 END WHERE org_id LIKE 'STMT-%'");
    s = h_scalar(h,
                 "SELECT string_agg(row_data::text, ' ' ORDER BY seq) FROM routing.audit"
                 " WHERE chain = 'stmt' AND op = 'UPDATE'",
                 0, NULL);
    cr_assert_str_eq(s, "{\"response_days\": 40} {\"response_days\": 40}");
    free(s);

    /* A statement that changes nothing writes nothing. */
    h_exec(h, "UPDATE routing.org_policy SET response_days = response_days"
              " WHERE org_id LIKE 'STMT-%'");
    h_exec(h, "DELETE FROM routing.org_policy WHERE org_id = 'nobody'");
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.audit WHERE chain = 'stmt'", 0, NULL), 5);

    /* The key itself changes: the entry holds the whole new row. */
    h_exec(h, "UPDATE routing.org_policy SET org_id = 'STMT-D' WHERE org_id = 'STMT-C'");
    h_exec(h, "DELETE FROM routing.org_policy WHERE org_id IN ('STMT-A', 'STMT-D')");
    s = h_scalar(h,
                 "SELECT string_agg(op || ':' || coalesce(row_data->>'org_id', '-')"
                 " || ':' || coalesce(row_data->>'response_days', '-'), ' ' ORDER BY seq)"
                 " FROM routing.audit WHERE chain = 'stmt' AND seq > (SELECT max(seq) - 3"
                 " FROM routing.audit WHERE chain = 'stmt')",
                 0, NULL);
    cr_assert(strstr(s, "UPDATE:STMT-D:40 DELETE:"), "%s", s);
    cr_assert(strstr(s, "DELETE:STMT-A:40") && strstr(s, "DELETE:STMT-D:40"), "%s", s);
    free(s);

    /* Chained one after another: each entry's prev_hash is the last one's. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM (SELECT prev_hash, lag(hash) OVER (ORDER BY seq)"
                         " AS last FROM routing.audit WHERE chain = 'stmt') x"
                         " WHERE x.last IS NOT NULL AND x.prev_hash <> x.last",
                         0, NULL),
                 0);
    char out[4096];
    cr_assert_eq(s_ctl(h, "verify routing", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "intact") && !strstr(out, "BROKEN"), "%s", out);
    cr_assert_eq(h_destroy(&h), 0);
}
