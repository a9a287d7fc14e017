/* test_retention.c - complaint records are kept 10 years after closure (or a
 * body's longer policy), then disposed of, the disposal recorded (NHS
 * Records Management Code of Practice; `candourctl retention`, migration
 * 0044). Complaints go through the real services (intake, routing,
 * investigation, notify: rows in every schema, letters in the spool); then
 * the services stop and their closure is moved 11 years back by SQL. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/client.h"
#include "harness.h"

static h_t *s_h;

static void s_teardown(void)
{
    if (s_h)
        h_destroy(&s_h);
}

TestSuite(retention, .fini = s_teardown, .timeout = 240);

/* Submit a complaint from name to org; wait until its acknowledgement is in
 * the spool. Its reference into ref. */
static void s_submit(const char *org, const char *name, const char *ext, char *ref, size_t len)
{
    cd_client_t *c = h_client(s_h, org);
    static char *addr[] = {"12 Quarry Row", "Hebden Bridge"};
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = (char *)name;
    p.email = "writer@example.org";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "HX7 8AA";
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.external_ref = (char *)ext;
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    comp.complainant = &p;
    comp.description = "The district nurse did not come on the day agreed.";
    Candour__V1__SubmitComplaint sub = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    sub.complaint = &comp;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &sub;
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(c, &req, 10000, &r, err, sizeof err), 0, "%s", err);
    cr_assert(r->receipt, "no receipt");
    snprintf(ref, len, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    cd_client_destroy(&c);
    const char *pr[1] = {ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT (count(*) FILTER (WHERE delivered_at IS NOT NULL) > 0)::text"
                         " FROM notify.letter WHERE reference = $1",
                         1, pr, "true", 20000),
              "%s: no letter delivered", ref);
    cr_assert(h_wait_for(s_h,
                         "SELECT (count(*) > 0)::text FROM investigation.case"
                         " WHERE reference = $1",
                         1, pr, "true", 20000));
}

/* How many rows, in every table of every schema, hold text (any column,
 * as JSON text) containing what. */
static long s_rows_with(const char *what)
{
    const char *p[1] = {what};
    return h_count(s_h,
                   "SELECT coalesce(sum((xpath('/row/n/text()', query_to_xml(format("
                   " 'SELECT count(*) AS n FROM %I.%I x WHERE to_jsonb(x)::text ILIKE %L',"
                   " table_schema, table_name, '%' || $1 || '%'), false, true, '')))[1]"
                   " ::text::bigint), 0)"
                   " FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                   " AND table_schema IN ('intake', 'routing', 'investigation', 'signoff',"
                   " 'notify', 'gateway', 'reporting', 'candour_admin')",
                   1, p);
}

/* A digest of everything retention could change: the complaint tables, the
 * audit trails, the register. */
static char *s_state(void)
{
    return h_scalar(
        s_h,
        "SELECT md5(concat_ws('|',"
        " (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY reference) FROM intake.complaint x),"
        " (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY reference) FROM routing.complaint x),"
        " (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY reference) FROM investigation.case x),"
        " (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY letter_id) FROM notify.letter x),"
        " (SELECT string_agg(to_jsonb(x)::text, ',' ORDER BY reference) FROM notify.recipient x),"
        " (SELECT string_agg(hash || coalesce(row_digest, ''), ',' ORDER BY seq) FROM "
        "intake.audit),"
        " (SELECT string_agg(hash || coalesce(row_digest, ''), ',' ORDER BY seq) FROM "
        "routing.audit),"
        " (SELECT string_agg(hash, ',' ORDER BY seq) FROM notify.audit),"
        " (SELECT string_agg(hash, ',' ORDER BY seq) FROM investigation.audit),"
        " (SELECT count(*)::text FROM candour_admin.disposal)))",
        0, NULL);
}

/* A complaint's row in the reports, as the reports count it. */
static const char s_reporting_sql[] =
    "SELECT concat_ws('|', made_to_org, status, channel, kind, received_on, ack_due,"
    " acknowledged_on, response_due) FROM reporting.complaint WHERE reference = $1";

/* Rows in the tables a case fills as it goes (extensions, a late response,
 * a progress update, evidence with its file, a key issue and its finding, a
 * draft and its return, a decided Ombudsman referral, an amendment, an
 * action), each holding the complainant's name, for ref. */
static void s_whole_record(const char *ref)
{
    static const char *const sql[] = {
        "INSERT INTO routing.deadline_extension (reference, name, party, old_due, new_due,"
        " agreed_by, reason) SELECT reference, name, party, due, due + 10, 'Perdita Quillfeather',"
        " 'Perdita Quillfeather asked for time' FROM routing.deadline WHERE reference = $1 LIMIT 1",
        "INSERT INTO routing.late_response (reference, due, reason, expected_by, explained_by)"
        " VALUES ($1, current_date, 'The Quillfeather file was lost', current_date + 5, 'ST1')",
        "INSERT INTO routing.progress_update (reference, number, text, written_by)"
        " VALUES ($1, 1, 'Dear Perdita Quillfeather, we are still looking', 'ST1')",
        "INSERT INTO investigation.attachment (sha256, content, size) SELECT"
        " encode(sha256(b), 'hex'), b, length(b) FROM (SELECT convert_to('Perdita Quillfeather"
        " scanned letter ' || $1, 'UTF8') AS b) x",
        "INSERT INTO investigation.evidence (reference, number, kind, source, evidence_date,"
        " summary, recorded_by, filename, media_type, sha256, size) SELECT $1, 99,"
        " 'complainant-account', 'Perdita Quillfeather', current_date, 'Quillfeather says so',"
        " 'ST1', 'quillfeather.txt', 'text/plain', encode(sha256(b), 'hex'), length(b) FROM"
        " (SELECT convert_to('Perdita Quillfeather scanned letter ' || $1, 'UTF8') AS b) x",
        "INSERT INTO investigation.key_issue (reference, issue_id, position, summary, subject,"
        " service_area, profession) VALUES ($1, 'KI9', 9, 'Quillfeather was not visited', 's',"
        " 'a', 'p')",
        "INSERT INTO investigation.finding (reference, issue_id, verdict, what_happened)"
        " VALUES ($1, 'KI9', 'upheld', 'Nobody came to Quillfeather')",
        "INSERT INTO investigation.draft (reference, version, text, sha256, assembled, made_by)"
        " SELECT $1, 9, t, encode(sha256(convert_to(t, 'UTF8')), 'hex'), true, 'ST1' FROM"
        " (SELECT 'Dear Perdita Quillfeather' AS t) x",
        "INSERT INTO signoff.draft_return (reference, version, sha256, reasons, returned_by)"
        " VALUES ($1, 9, repeat('a', 64), 'Say sorry to Quillfeather', 'ST1')",
        "INSERT INTO investigation.referral (reference, seq, referred_on, phso_ref, stage,"
        " stage_on, outcome, note, recorded_by) VALUES ($1, 1, current_date, 'PHSO-7',"
        " 'referred', current_date, '', 'Quillfeather rang them', 'ST1'), ($1, 2, current_date,"
        " 'PHSO-7', 'decided', current_date, 'upheld', '', 'ST1')",
        "INSERT INTO intake.change (reference, org_id, action, body) SELECT reference, org_id,"
        " 'amend', '{\"note\": \"from Perdita Quillfeather\"}' FROM intake.complaint"
        " WHERE reference = $1",
        "INSERT INTO investigation.action (reference, number, description, owner, due)"
        " VALUES ($1, 1, 'Write to Quillfeather again', 'ST1', current_date)",
        NULL};
    for (int i = 0; sql[i]; i++)
        h_execp(s_h, sql[i], 1, &ref);
}

static int s_in_spool(const char *ref)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", h_spool(s_h), ref);
    struct stat st;
    return stat(dir, &st) == 0;
}

static int s_ctl(char *out, size_t len, const char *args)
{
    static char err[4096];
    int rc = h_ctl(s_h, "", out, len, err, sizeof err, "retention %s", args);
    if (rc != 0)
        fprintf(stderr, "candourctl retention %s: %s\n", args, err);
    return rc;
}

Test(retention, records_are_disposed_of_10_years_after_closure_and_the_audit_chain_verifies)
{
    s_h = h_new("retention");
    h_org(s_h, "ICB-RA");
    h_org(s_h, "ICB-RB");
    cr_assert_eq(h_start_all(s_h), 0);
    char due1[64], due2[64], longer[64], held[64];
    s_submit("ICB-RA", "Perdita Quillfeather", "RT-1", due1, sizeof due1);
    s_submit("ICB-RA", "Ottoline Brackenbury", "RT-2", due2, sizeof due2);
    s_submit("ICB-RB", "Isolde Marchbanks", "RT-3", longer, sizeof longer);
    s_submit("ICB-RA", "Casimir Wetherell", "RT-4", held, sizeof held);
    const char *svcs[] = {"gateway",       "reporting", "notify", "signoff",
                          "investigation", "routing",   "intake"};
    for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++)
        cr_assert_eq(h_stop(s_h, svcs[i]), 0, "%s", svcs[i]);

    /* The rest of a case's record, by SQL, each naming the complainant. */
    s_whole_record(due1);

    /* Closed (the response sent) 11 years ago. */
    const char *refs[4] = {due1, due2, longer, held};
    for (int i = 0; i < 4; i++)
        h_execp(s_h,
                "UPDATE routing.complaint SET state = 'response-sent',"
                " response_sent_at = now() - interval '11 years' WHERE reference = $1",
                1, &refs[i]);
    cr_assert_gt(s_rows_with("Quillfeather"), 2, "the name should be in several tables first");
    cr_assert(s_in_spool(due1));

    char out[16384];
    cr_assert_eq(s_ctl(out, sizeof out, "policy ICB-RA 10"), 0);
    cr_assert_eq(s_ctl(out, sizeof out, "policy ICB-RB 15"), 0);
    cr_assert_eq(s_ctl(out, sizeof out, "policy ICB-RB 0"), 2, "0 years is no policy");
    cr_assert_eq(s_ctl(out, sizeof out, "policy"), 0);
    cr_assert(strstr(out, "ICB-RB") && strstr(out, "15") && strstr(out, "ops: ops.alice"), "%s",
              out);
    char args[256];
    snprintf(args, sizeof args, "hold %s 'a claim is before the court'", held);
    cr_assert_eq(s_ctl(out, sizeof out, args), 0);

    /* The dry run lists exactly the two due (and the held one, kept), names
     * nobody, and changes nothing. */
    char *before = s_state();
    char spool[600];
    snprintf(spool, sizeof spool, "run --dry-run --spool '%s'", h_spool(s_h));
    cr_assert_eq(s_ctl(out, sizeof out, spool), 0);
    cr_assert(strstr(out, due1) && strstr(out, due2), "%s", out);
    cr_assert(!strstr(out, longer), "a 15-year policy is not due at 11 years: %s", out);
    cr_assert(strstr(out, held) && strstr(out, "keep (hold: a claim is before the court)"), "%s",
              out);
    cr_assert(!strstr(out, "Quillfeather") && !strstr(out, "Brackenbury"), "%s", out);
    cr_assert(strstr(out, "3 due, 1 of them held; dry run: nothing changed"), "%s", out);
    char *after = s_state();
    cr_assert_str_eq(before, after, "the dry run changed something");
    free(before);
    free(after);
    cr_assert(s_in_spool(due1));

    /* The run. */
    long reporting = h_count(s_h, "SELECT count(*) FROM reporting.complaint", 0, NULL);
    const char *p1[1] = {due1};
    char *rep_before = h_scalar(s_h, s_reporting_sql, 1, p1);
    cr_assert(rep_before && strstr(rep_before, "ICB-RA"), "%s", rep_before ? rep_before : "none");
    long letters = h_count(s_h, "SELECT count(*) FROM notify.letter WHERE reference = $1", 1, p1);
    cr_assert_gt(letters, 0);
    snprintf(spool, sizeof spool, "run --spool '%s'", h_spool(s_h));
    cr_assert_eq(s_ctl(out, sizeof out, spool), 0, "%s", out);
    cr_assert(strstr(out, "2 disposed of, 1 held, 3 due"), "%s", out);
    cr_assert_eq(s_rows_with("Quillfeather"), 0, "the name is still in the database");
    cr_assert_eq(s_rows_with("Brackenbury"), 0);
    /* The events the outboxes keep for the reports: nobody's name in them. */
    const char *pn[1] = {"Quillfeather"};
    cr_assert_eq(h_count(s_h,
                         "SELECT (SELECT count(*) FROM intake.outbox WHERE position(convert_to($1,"
                         " 'UTF8') in payload) > 0) + (SELECT count(*) FROM routing.outbox WHERE"
                         " position(convert_to($1, 'UTF8') in payload) > 0) + (SELECT count(*)"
                         " FROM investigation.outbox WHERE position(convert_to($1, 'UTF8') in"
                         " payload) > 0) + (SELECT count(*) FROM notify.outbox WHERE"
                         " position(convert_to($1, 'UTF8') in payload) > 0)",
                         1, pn),
                 0, "the name is still in an event");
    cr_assert_gt(s_rows_with("The district nurse did not come"), 0, "kept for the other two");
    cr_assert_gt(s_rows_with("Marchbanks"), 0, "a complaint not due was touched");
    cr_assert_gt(s_rows_with("Wetherell"), 0, "a held complaint was touched");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1"
                         " AND (body <> '' OR recipient IS NOT NULL)",
                         1, p1),
                 0);
    cr_assert(!s_in_spool(due1) && !s_in_spool(due2), "the letters' files are still spooled");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM investigation.attachment", 0, NULL), 0,
                 "the evidence's file is still stored");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.evidence WHERE reference = $1"
                         " AND kind = 'complainant-account'",
                         1, p1),
                 1, "what the evidence was stays");
    cr_assert(s_in_spool(longer) && s_in_spool(held));
    /* Skeletons stay: the complaint, its state and dates; the reports' rows. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.complaint WHERE reference = $1"
                         " AND state = 'response-sent'",
                         1, p1),
                 1);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM notify.letter WHERE reference = $1", 1, p1),
                 letters, "the letters' rows (kind, channel, when) stay");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM reporting.complaint", 0, NULL), reporting);
    /* ... and rebuilt from the blanked events, the reports count the same. */
    char rout[4096], rerr[1024];
    cr_assert_eq(h_ctl(s_h, "", rout, sizeof rout, rerr, sizeof rerr, "reporting rebuild"), 0,
                 "%s%s", rout, rerr);
    char *rep_after = h_scalar(s_h, s_reporting_sql, 1, p1);
    cr_assert_str_eq(rep_before, rep_after, "the reports changed with the disposal");
    free(rep_before);
    free(rep_after);
    /* The register: one row each, with who did it; the audit trail too. */
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM candour_admin.disposal", 0, NULL), 2);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM candour_admin.disposal WHERE reference = $1"
                         " AND actor = 'ops: ops.alice'"
                         " AND due_on = (closed_on + interval '10 years')::date"
                         " AND closed_on = (now() - interval '11 years')::date",
                         1, p1),
                 1);
    cr_assert_gt(h_count(s_h,
                         "SELECT count(*) FROM routing.audit WHERE reference = $1"
                         " AND actor = 'ops: ops.alice' AND op = 'UPDATE'",
                         1, p1),
                 0);
    cr_assert_gt(h_count(s_h,
                         "SELECT count(*) FROM routing.audit WHERE reference = $1"
                         " AND row_data ->> 'erased' = 'retention'",
                         1, p1),
                 0);
    char vout[4096], verr[1024];
    cr_assert_eq(h_ctl(s_h, "", vout, sizeof vout, verr, sizeof verr, "audit verify"), 0, "%s%s",
                 vout, verr);
    cr_assert(!strstr(vout, "BROKEN"), "%s", vout);

    /* Idempotent: the second run disposes of nothing and changes nothing. */
    before = s_state();
    cr_assert_eq(s_ctl(out, sizeof out, spool), 0, "%s", out);
    cr_assert(strstr(out, "0 disposed of, 1 held, 1 due"), "%s", out);
    after = s_state();
    cr_assert_str_eq(before, after, "the second run changed something");
    free(before);
    free(after);

    /* Released, but with an open Ombudsman referral: still kept; decided,
     * it goes. */
    snprintf(args, sizeof args, "release %s", held);
    cr_assert_eq(s_ctl(out, sizeof out, args), 0);
    const char *ph[1] = {held};
    h_execp(s_h,
            "INSERT INTO investigation.referral (reference, seq, referred_on, phso_ref, stage,"
            " stage_on, recorded_by) VALUES ($1, 1, current_date, 'PHSO-9', 'referred',"
            " current_date, 'ST1')",
            1, ph);
    cr_assert_eq(s_ctl(out, sizeof out, spool), 0, "%s", out);
    cr_assert(strstr(out, "keep (open Ombudsman referral PHSO-9)"), "%s", out);
    cr_assert(strstr(out, "0 disposed of, 1 held, 1 due"), "%s", out);
    h_execp(s_h,
            "INSERT INTO investigation.referral (reference, seq, referred_on, phso_ref, stage,"
            " stage_on, outcome, recorded_by) VALUES ($1, 2, current_date, 'PHSO-9', 'decided',"
            " current_date, 'not-upheld', 'ST1')",
            1, ph);
    cr_assert_eq(s_ctl(out, sizeof out, spool), 0, "%s", out);
    cr_assert(strstr(out, "1 disposed of, 0 held, 1 due"), "%s", out);
    cr_assert_eq(s_rows_with("Wetherell"), 0);

    /* Tampering still shows: an erased entry's digest, then a live entry. */
    h_exec(s_h, "ALTER TABLE routing.audit DISABLE TRIGGER append_only");
    h_execp(s_h,
            "UPDATE routing.audit SET row_digest = md5(row_digest) || md5(row_digest)"
            " WHERE seq = (SELECT min(seq) FROM routing.audit WHERE reference = $1"
            " AND row_digest IS NOT NULL)",
            1, p1);
    cr_assert_eq(h_ctl(s_h, "", vout, sizeof vout, verr, sizeof verr, "audit verify routing"), 3,
                 "%s%s", vout, verr);
    cr_assert(strstr(vout, "BROKEN") && strstr(vout, "changed"), "%s", vout);
    const char *p3[1] = {longer};
    h_exec(s_h, "ALTER TABLE notify.audit DISABLE TRIGGER append_only");
    h_execp(s_h,
            "UPDATE notify.audit SET row_data = row_data || '{\"kind\": \"other\"}'"
            " WHERE seq = (SELECT min(seq) FROM notify.audit WHERE reference = $1)",
            1, p3);
    cr_assert_eq(h_ctl(s_h, "", vout, sizeof vout, verr, sizeof verr, "audit verify notify"), 3,
                 "%s%s", vout, verr);
}

/* When each complaint closed, as candour_admin.complaint_closure says (its
 * date in England). */
static char *s_closed_on(const char *ref)
{
    const char *p[1] = {ref};
    return h_scalar(s_h,
                    "SELECT closed_on::text FROM candour_admin.complaint_closure"
                    " WHERE reference = $1",
                    1, p);
}

Test(retention, closure_is_when_the_response_was_sent_else_when_the_final_state_was_entered)
{
    s_h = h_new("retention-closure");
    h_exec(s_h, "INSERT INTO intake.complaint (reference, org_id, external_ref, channel, body)"
                " VALUES ('CDR-CL-1', 'ICB-C', 'C1', 'email', '{}'),"
                " ('CDR-CL-2', 'ICB-C', 'C2', 'email', '{}'),"
                " ('CDR-CL-3', 'ICB-C', 'C3', 'email', '{}')");
    h_exec(s_h, "INSERT INTO routing.complaint (reference, org_id, received_at, state, ack_due,"
                " response_due, response_sent_at, updated_at) VALUES"
                " ('CDR-CL-1', 'ICB-C', '2014-01-02', 'response-sent', '2014-01-07', '2014-03-01',"
                "  '2014-02-27 23:30+00', '2014-06-01'),"
                " ('CDR-CL-2', 'ICB-C', '2014-01-02', 'withdrawn', '2014-01-07', '2014-03-01',"
                "  NULL, '2014-06-01'),"
                " ('CDR-CL-3', 'ICB-C', '2014-01-02', 'compliment', '2014-01-07', '2014-03-01',"
                "  NULL, '2014-01-05 10:00+00')");
    /* CL-2 went under investigation, then was withdrawn (and a later status
     * of another state, out of order, does not count). */
    h_exec(s_h, "INSERT INTO intake.status_change (reference, org_id, state, at, event_id) VALUES"
                " ('CDR-CL-2', 'ICB-C', 'under-investigation', '2014-01-10', gen_random_uuid()),"
                " ('CDR-CL-2', 'ICB-C', 'withdrawn', '2014-03-31 23:30+00', gen_random_uuid()),"
                " ('CDR-CL-2', 'ICB-C', 'received', '2014-05-01', gen_random_uuid())");
    char *d;
    /* The response was sent 23:30 UTC on 27 Feb: 27 Feb in England (GMT). */
    cr_assert_str_eq(d = s_closed_on("CDR-CL-1"), "2014-02-27");
    free(d);
    /* Withdrawn at 23:30 UTC on 31 March: 1 April in England (BST). */
    cr_assert_str_eq(d = s_closed_on("CDR-CL-2"), "2014-04-01");
    free(d);
    /* No status recorded: routing's last change of the row. */
    cr_assert_str_eq(d = s_closed_on("CDR-CL-3"), "2014-01-05");
    free(d);
}
