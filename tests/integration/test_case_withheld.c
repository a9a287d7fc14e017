/* test_case_withheld.c - the names a case withholds from its response, and
 * the summary of the case that goes to sign-off with the outcome (F1):
 *   - SetWithheld is the investigator assigned's, or a complaints manager's
 *     of the case's body, while the case is open with an investigator; a bad
 *     list is refused naming the name at fault, and nothing changes;
 *   - the list replaces the one before (an empty list clears it), GetCase
 *     shows it, and the audit trail names who set it;
 *   - investigation.completed carries the summary: the key issues as agreed,
 *     the findings, whether failings, actions and a remedy were recorded,
 *     the names withheld, and the complainant as complaint.routed named them.
 * case_withheld: investigation and sign-off run alone; the key issues are
 * put in the tables directly, as AgreeKeyIssues would leave them. Sign-off
 * does not keep the summary, so the event is read from investigation's
 * outbox.
 *
 * withheld_ctl: a complaint submitted through every daemon reaches the case
 * with the complainant's name and how they asked to be addressed (routing's
 * complaint.routed), and `candourctl case withhold` sets and clears the
 * list, which `case show` prints. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "candour/db.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("withheld");
    cr_assert_eq(h_start(s_h, "investigation"), 0);
    cr_assert_eq(h_start(s_h, "signoff"), 0);
    const char *svcs[2] = {"investigation", "signoff"};
    for (int i = 0; i < 2; i++) {
        h_staff_event(s_h, svcs[i], "ST901", "ICB-QWE", "Casey Manager", "complaints-manager");
        h_staff_event(s_h, svcs[i], "ST902", "ICB-QWE", "Ira Investigator", "investigator");
        h_staff_event(s_h, svcs[i], "ST903", "ICB-QWE", "Dr R. Chief", "responsible-person");
        h_staff_event(s_h, svcs[i], "ST904", "ICB-QWE", "Otto Other", "investigator");
        h_staff_event(s_h, svcs[i], "ST905", "ICB-ZZZ", "Max Elsewhere", "complaints-manager");
    }
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(case_withheld, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* ---------------------------------------------------------------- the case */

/* The case opened for ref as routing hands it over, naming the complainant
 * (named 0: a complaint routed without them, as before 0022), assigned to
 * ST902 unless assign is 0, with two key issues agreed unless issues is 0. */
static void s_case(const char *ref, int named, int assign, int issues)
{
    Candour__V1__ComplaintRouted cr = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    cr.org_id = "ICB-QWE";
    cr.handling_org = "ICB-QWE";
    cr.ack_due = "2026-11-25";
    cr.response_due = "2027-01-20";
    cr.description = "Discharged from hospital with no home care in place.";
    cr.desired_outcome = "An apology.";
    if (named) {
        cr.complainant_name = "Asha Patel";
        cr.address_as = "Mrs Patel";
    }
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "investigation", "complaint.routed", ref, &cr.base, id, 10000),
                 1, "complaint.routed not acknowledged");
    if (assign)
        h_assign(s_h, ref, "ST901", "ST902");
    if (!issues)
        return;
    const char *v[1] = {ref};
    h_execp(s_h,
            "UPDATE investigation.case SET issues_agreed_on = '2026-10-01',"
            " issues_agreed_how = 'in-writing' WHERE reference = $1",
            1, v);
    h_execp(s_h,
            "INSERT INTO investigation.key_issue (reference, issue_id, position, summary, subject,"
            " service_area, profession) VALUES"
            " ($1, 'KI1', 1, 'You were sent home with no care in place', 'discharge',"
            "  'acute-services', 'nursing'),"
            " ($1, 'KI2', 2, 'Nobody told you who to call', 'communication',"
            "  'acute-services', 'nursing')",
            1, v);
}

/* ---------------------------------------------------------------- requests */

static Candour__V1__Reply *s_withhold(const char *ref, const char *acting, const char *const *names,
                                      size_t n)
{
    Candour__V1__SetWithheld w = CANDOUR__V1__SET_WITHHELD__INIT;
    w.complaint_ref = (char *)ref;
    w.names = (char **)names;
    w.n_names = n;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)acting;
    req.op_case = CANDOUR__V1__REQUEST__OP_SET_WITHHELD;
    req.set_withheld = &w;
    return h_call(s_h, "investigation", NULL, &req);
}

static Candour__V1__Reply *s_get_case(const char *ref, const char *acting)
{
    Candour__V1__GetCase g = CANDOUR__V1__GET_CASE__INIT;
    g.complaint_ref = (char *)ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = (char *)acting;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_CASE;
    req.get_case = &g;
    return h_call(s_h, "investigation", NULL, &req);
}

/* The reply is a refusal with code on field, its message holding says. */
static void s_refused(Candour__V1__Reply *r, const char *code, const char *field, const char *says)
{
    cr_assert(r->error, "accepted; wanted %s on %s saying \"%s\"", code, field, says);
    cr_assert_str_eq(r->error->code, code, "%s: %s", r->error->field, r->error->message);
    cr_assert_str_eq(r->error->field, field, "%s", r->error->message);
    cr_assert(strstr(r->error->message, says), "\"%s\" does not say \"%s\"", r->error->message,
              says);
    candour__v1__reply__free_unpacked(r, NULL);
}

static void s_accepted(Candour__V1__Reply *r)
{
    cr_assert_null(r->error, "%s on %s: %s", r->error ? r->error->code : "",
                   r->error ? r->error->field : "", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

/* The case's list as the table holds it, "{...}". */
static char *s_stored(const char *ref)
{
    const char *p[1] = {ref};
    char *v =
        h_scalar(s_h, "SELECT withheld::text FROM investigation.case WHERE reference = $1", 1, p);
    cr_assert(v, "no case %s", ref);
    return v;
}

static void s_stored_is(const char *ref, const char *want)
{
    char *v = s_stored(ref);
    cr_assert_str_eq(v, want);
    free(v);
}

/* Findings on both key issues (KI1 upheld unless neither, KI2 not), with the
 * failing, action and apology an upheld one needs, or for neither upheld
 * only a service change; then a draft and the outcome they imply, by ST902. */
static void s_conclude(const char *ref, int upheld)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"acting\": \"ST902\", \"record_findings\": {\"complaint_ref\": \"%s\","
             " \"findings\": ["
             "  {\"issue_id\": \"KI1\", \"verdict\": \"%s\","
             "   \"what_happened\": \"The ward discharged you before the agency confirmed\","
             "   \"what_should_have_happened\": \"The discharge should have waited\"},"
             "  {\"issue_id\": \"KI2\", \"verdict\": \"not-upheld\","
             "   \"what_happened\": \"The letter gave the ward's number\","
             "   \"what_should_have_happened\": \"The same\"}],"
             " \"failings\": [%s], \"actions\": [%s],"
             " \"remedy\": {\"apology\": \"%s\", \"service_change\": \"%s\"}}}",
             ref, upheld ? "upheld" : "not-upheld",
             upheld ? "\"The discharge went ahead before the care was confirmed\"" : "",
             upheld ? "{\"description\": \"Add the agency's confirmation to the checklist\","
                      " \"owner\": \"Ward 12\", \"due\": \"2099-01-01\"}"
                    : "",
             upheld ? "We are sorry that you were sent home without the care you needed." : "",
             upheld ? "" : "Discharge letters now give the out-of-hours number");
    s_accepted(h_call_json(s_h, "investigation", NULL, json));
    snprintf(json, sizeof json,
             "{\"acting\": \"ST902\", \"draft_response\": {\"complaint_ref\": \"%s\"}}", ref);
    s_accepted(h_call_json(s_h, "investigation", NULL, json));
    snprintf(json, sizeof json,
             "{\"acting\": \"ST902\", \"record_outcome\": {\"complaint_ref\": \"%s\","
             " \"outcome\": \"%s\"}}",
             ref, upheld ? "OUTCOME_PARTIALLY_UPHELD" : "OUTCOME_NOT_UPHELD");
    s_accepted(h_call_json(s_h, "investigation", NULL, json));
}

/* investigation.completed about ref, from investigation's outbox. */
static Candour__V1__InvestigationCompleted *s_completed(const char *ref)
{
    const char *p[1] = {ref};
    char *hex = h_scalar(s_h,
                         "SELECT payload FROM investigation.outbox"
                         " WHERE type = 'investigation.completed' AND complaint_ref = $1",
                         1, p);
    cr_assert(hex, "no investigation.completed about %s", ref);
    size_t len = 0;
    unsigned char *bytes = cd_db_unescape_bytea(hex, &len);
    cr_assert(bytes);
    Candour__V1__InvestigationCompleted *ic =
        candour__v1__investigation_completed__unpack(NULL, len, bytes);
    cr_assert(ic, "investigation.completed does not decode");
    free(bytes);
    free(hex);
    return ic;
}

/* ---------------------------------------------------------------- who */

Test(case_withheld, V1_the_investigator_assigned_or_a_complaints_manager_of_the_body_sets_them)
{
    const char *ref = "CDR-WHLD-0001";
    s_case(ref, 1, 1, 1);
    const char *names[2] = {"Karen Booth", "Ms Booth"};
    s_refused(s_withhold(ref, "ST904", names, 2), "PERMISSION_DENIED", "acting",
              "ST904 is not the investigator assigned");
    s_refused(s_withhold(ref, "ST905", names, 2), "PERMISSION_DENIED", "acting",
              "belongs to another organisation");
    s_refused(s_withhold(ref, "ST903", names, 2), "PERMISSION_DENIED", "acting", "ST903 is not");
    s_refused(s_withhold(ref, "", names, 2), "PERMISSION_DENIED", "acting",
              "must name the staff member acting");
    s_stored_is(ref, "{}");

    s_accepted(s_withhold(ref, "ST902", names, 2));
    s_stored_is(ref, "{\"Karen Booth\",\"Ms Booth\"}");
    /* The complaints manager replaces the list whole. */
    const char *again[1] = {"Mr Jones"};
    s_accepted(s_withhold(ref, "ST901", again, 1));
    s_stored_is(ref, "{\"Mr Jones\"}");

    /* The audit trail names each person acting. */
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.audit WHERE reference = $1"
                         " AND table_name = 'case' AND op = 'UPDATE'"
                         " AND actor = 'Ira Investigator (ST902)'"
                         " AND row_data->'withheld' = '[\"Karen Booth\", \"Ms Booth\"]'::jsonb",
                         1, p),
                 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.audit WHERE reference = $1"
                         " AND table_name = 'case' AND op = 'UPDATE'"
                         " AND actor = 'Casey Manager (ST901)'"
                         " AND row_data->'withheld' = '[\"Mr Jones\"]'::jsonb",
                         1, p),
                 1);
}

/* ---------------------------------------------------------------- what */

Test(case_withheld, a_bad_list_is_refused_naming_the_name_at_fault_and_nothing_changes)
{
    const char *ref = "CDR-WHLD-0002";
    s_case(ref, 1, 1, 1);
    const char *first[1] = {"Karen Booth"};
    s_accepted(s_withhold(ref, "ST902", first, 1));

    const char *twice[4] = {"Karen Booth", "Ms Booth", "Dr Khan", "ms  BOOTH"};
    s_refused(s_withhold(ref, "ST902", twice, 4), "INVALID_ARGUMENT", "set_withheld.names[3]",
              "is given already, as names[1]");
    const char *short_name[2] = {"Ms Booth", "K"};
    s_refused(s_withhold(ref, "ST902", short_name, 2), "INVALID_ARGUMENT", "set_withheld.names[1]",
              "at least 2 bytes");
    const char *two_lines[1] = {"Ms\nBooth"};
    s_refused(s_withhold(ref, "ST902", two_lines, 1), "INVALID_TEXT", "set_withheld.names[0]",
              "one line");
    const char *empty[2] = {"Ms Booth", ""};
    s_refused(s_withhold(ref, "ST902", empty, 2), "REQUIRED", "set_withheld.names[1]",
              "the name is required");
    char longest[202];
    memset(longest, 'a', 201);
    longest[201] = 0;
    const char *too_long[1] = {longest};
    s_refused(s_withhold(ref, "ST902", too_long, 1), "TOO_LONG", "set_withheld.names[0]",
              "at most 200 bytes");
    static char buf[51][16];
    const char *many[51];
    for (int i = 0; i < 51; i++) {
        snprintf(buf[i], sizeof buf[i], "Person %d", i);
        many[i] = buf[i];
    }
    s_refused(s_withhold(ref, "ST902", many, 51), "TOO_MANY", "set_withheld.names",
              "at most 50 names");
    s_refused(s_withhold("", "ST902", first, 1), "REQUIRED", "set_withheld.complaint_ref",
              "the complaint's reference");
    s_refused(s_withhold("CDR-WHLD-9999", "ST902", first, 1), "NOT_FOUND",
              "set_withheld.complaint_ref", "no investigation case");
    s_stored_is(ref, "{\"Karen Booth\"}");

    /* Fifty is the most, and is taken. */
    s_accepted(s_withhold(ref, "ST902", many, 50));
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT cardinality(withheld) FROM investigation.case"
                         " WHERE reference = $1",
                         1, p),
                 50);
}

Test(case_withheld, only_while_the_case_is_open_with_an_investigator)
{
    const char *names[1] = {"Karen Booth"};
    const char *ref = "CDR-WHLD-0003";
    s_case(ref, 1, 0, 1);
    s_refused(s_withhold(ref, "ST901", names, 1), "FAILED_PRECONDITION",
              "set_withheld.complaint_ref", "no investigator is assigned");
    h_assign(s_h, ref, "ST901", "ST902");
    s_accepted(s_withhold(ref, "ST902", names, 1));

    /* Withdrawn: closed to it. */
    Candour__V1__ComplaintWithdrawn w = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    w.reason = "The complainant no longer wishes to go on.";
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "investigation", "complaint.withdrawn", ref, &w.base, id, 10000),
                 1);
    s_refused(s_withhold(ref, "ST902", names, 0), "FAILED_PRECONDITION",
              "set_withheld.complaint_ref", "the case is not open");
    s_stored_is(ref, "{\"Karen Booth\"}");

    /* With an outcome: likewise. */
    const char *done = "CDR-WHLD-0004";
    s_case(done, 1, 1, 1);
    s_conclude(done, 1);
    s_refused(s_withhold(done, "ST901", names, 1), "FAILED_PRECONDITION",
              "set_withheld.complaint_ref", "the case is not open");
    s_stored_is(done, "{}");
}

Test(case_withheld, GetCase_shows_the_names_withheld_and_an_empty_list_clears_them)
{
    const char *ref = "CDR-WHLD-0005";
    s_case(ref, 1, 1, 1);
    const char *names[2] = {"Karen Booth", "Ms Booth"};
    s_accepted(s_withhold(ref, "ST902", names, 2));
    Candour__V1__Reply *r = s_get_case(ref, "ST903"); /* a reader of the case, not a writer */
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->result_case, CANDOUR__V1__REPLY__RESULT_CASE_VIEW);
    cr_assert_eq(r->case_view->n_withheld, 2);
    cr_assert_str_eq(r->case_view->withheld[0], "Karen Booth");
    cr_assert_str_eq(r->case_view->withheld[1], "Ms Booth");
    candour__v1__reply__free_unpacked(r, NULL);

    s_accepted(s_withhold(ref, "ST902", NULL, 0));
    s_stored_is(ref, "{}");
    r = s_get_case(ref, "ST902");
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    cr_assert_eq(r->case_view->n_withheld, 0);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* ---------------------------------------------------------------- the summary */

Test(case_withheld, F1_the_outcome_sends_sign_off_the_summary_of_the_case)
{
    const char *ref = "CDR-WHLD-0006";
    const char *p[1] = {ref};
    s_case(ref, 1, 1, 1);
    const char *names[2] = {"Karen Booth", "Ms Booth"};
    s_accepted(s_withhold(ref, "ST902", names, 2));
    s_conclude(ref, 1);

    Candour__V1__InvestigationCompleted *ic = s_completed(ref);
    const Candour__V1__CaseSummary *s = ic->summary;
    cr_assert_not_null(s, "investigation.completed carries no summary");
    cr_assert_eq(s->n_issues, 2);
    cr_assert_str_eq(s->issues[0]->issue_id, "KI1");
    cr_assert_str_eq(s->issues[0]->summary, "You were sent home with no care in place");
    cr_assert_str_eq(s->issues[0]->subject, "discharge");
    cr_assert_str_eq(s->issues[0]->service_area, "acute-services");
    cr_assert_str_eq(s->issues[0]->profession, "nursing");
    cr_assert_str_eq(s->issues[1]->issue_id, "KI2");
    cr_assert_str_eq(s->issues[1]->subject, "communication");
    cr_assert_eq(s->n_findings, 2);
    cr_assert_str_eq(s->findings[0]->issue_id, "KI1");
    cr_assert_str_eq(s->findings[0]->verdict, "upheld");
    cr_assert_str_eq(s->findings[0]->what_happened,
                     "The ward discharged you before the agency confirmed");
    cr_assert_str_eq(s->findings[1]->issue_id, "KI2");
    cr_assert_str_eq(s->findings[1]->verdict, "not-upheld");
    cr_assert(s->failings);
    cr_assert(s->actions);
    cr_assert_not(s->remedy, "an apology alone is not a remedy");
    cr_assert_eq(s->n_withheld, 2);
    cr_assert_str_eq(s->withheld[0], "Karen Booth");
    cr_assert_str_eq(s->withheld[1], "Ms Booth");
    cr_assert_str_eq(s->address_as, "Mrs Patel");
    cr_assert_str_eq(s->complainant_name, "Asha Patel");
    candour__v1__investigation_completed__free_unpacked(ic, NULL);
    /* Sign-off took the event. */
    cr_assert(h_wait_for(s_h, "SELECT count(*)::text FROM signoff.draft WHERE reference = $1", 1, p,
                         "1", 15000),
              "sign-off did not take investigation.completed");

    /* Nothing upheld, a service change: a remedy, with no failing or action. */
    const char *other = "CDR-WHLD-0007";
    s_case(other, 1, 1, 1);
    s_conclude(other, 0);
    ic = s_completed(other);
    s = ic->summary;
    cr_assert_not_null(s);
    cr_assert_str_eq(s->findings[0]->verdict, "not-upheld");
    cr_assert_not(s->failings);
    cr_assert_not(s->actions);
    cr_assert(s->remedy, "a service change is a remedy");
    cr_assert_eq(s->n_withheld, 0);
    candour__v1__investigation_completed__free_unpacked(ic, NULL);
}

Test(case_withheld, a_case_without_key_issues_or_a_named_complainant_sends_what_it_has)
{
    const char *ref = "CDR-WHLD-0008";
    s_case(ref, 0, 1, 0);
    const char *names[1] = {"Karen Booth"};
    s_accepted(s_withhold(ref, "ST901", names, 1));
    s_accepted(h_call_json(s_h, "investigation", NULL,
                           "{\"acting\": \"ST902\", \"record_outcome\": {\"complaint_ref\":"
                           " \"CDR-WHLD-0008\", \"outcome\": \"OUTCOME_UPHELD\","
                           " \"findings\": \"The care package was not arranged.\"}}"));
    Candour__V1__InvestigationCompleted *ic = s_completed(ref);
    const Candour__V1__CaseSummary *s = ic->summary;
    cr_assert_not_null(s);
    cr_assert_eq(s->n_issues, 0);
    cr_assert_eq(s->n_findings, 0);
    cr_assert_not(s->failings);
    cr_assert_not(s->actions);
    cr_assert_not(s->remedy);
    cr_assert_eq(s->n_withheld, 1);
    cr_assert_str_eq(s->withheld[0], "Karen Booth");
    cr_assert_str_eq(s->address_as, "");
    cr_assert_str_eq(s->complainant_name, "");
    candour__v1__investigation_completed__free_unpacked(ic, NULL);
}

/* ================================================================ withheld_ctl */

#define ORG "ICB-QWE"
#define CTL CANDOUR_BUILD_DIR "/services/candourctl"

static char *s_out; /* the last command's stdout (malloc'd) */
static char *s_err; /* and its stderr */

static void s_ctl_setup(void)
{
    s_h = h_new("withheldctl");
    h_org(s_h, ORG);
    cr_assert_eq(h_start_all(s_h), 0);
}

static void s_ctl_teardown(void)
{
    free(s_out);
    free(s_err);
    s_out = s_err = NULL;
    s_teardown();
}

TestSuite(withheld_ctl, .init = s_ctl_setup, .fini = s_ctl_teardown, .timeout = 240);

/* Run candourctl (arguments: trusted test text, pasted into a shell command)
 * against the test's daemons with no one acting unless --as says; stdout and
 * stderr in s_out and s_err (the whole text of each); the exit code. */
static int s_ctl(const char *fmt, ...)
{
    char args[4096], cmd[8192], out[600], err[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(out, sizeof out, "%s/ctl.out", h_dir(s_h));
    snprintf(err, sizeof err, "%s/ctl.err", h_dir(s_h));
    snprintf(cmd, sizeof cmd,
             "env -u CANDOUR_ACTING CANDOUR_DB_URL='%s' CANDOUR_INVESTIGATION_ENDPOINT='%s' '" CTL
             "' %s >'%s' 2>'%s'",
             h_db_url(s_h), h_endpoint(s_h, "investigation"), args, out, err);
    int st = system(cmd);
    free(s_out);
    free(s_err);
    s_out = h_read_file(out);
    s_err = h_read_file(err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define S_OK(call)                                                                                 \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        cr_assert_eq(rc_, 0, "exit %d\nstdout:\n%s\nstderr:\n%s", rc_, s_out, s_err);              \
    } while (0)

/* Submit a complaint through intake as the organisation would; its reference. */
static void s_submit(char *ref, size_t len)
{
    Candour__V1__Person person = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"1 High Street", "Leeds"};
    person.name = "Jane Patel";
    person.address_as = "Mrs Patel";
    person.address = addr;
    person.n_address = 2;
    person.postcode = "LS1 1AA";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = "EXT-WH-0001";
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &person;
    c.description = "My father was discharged from hospital with no home care in place.";
    c.desired_outcome = "An apology.";
    c.event_date = "2026-10-30";
    Candour__V1__SubmitComplaint sc = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    sc.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = ORG;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &sc;
    Candour__V1__Reply *r = h_call(s_h, "intake", ORG, &req);
    cr_assert_null(r->error, "submit: %s", r->error ? r->error->message : "");
    snprintf(ref, len, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(withheld_ctl, the_complainant_reaches_the_case_and_candourctl_sets_and_shows_the_names)
{
    char *manager = h_staff(s_h, ORG, "Casey Manager", "Complaints", "complaints-manager");
    char *inv = h_staff(s_h, ORG, "Ira Investigator", "Quality", "investigator");
    char ref[64];
    s_submit(ref, sizeof ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT complainant_name || ' / ' || address_as FROM investigation.case"
                         " WHERE reference = $1",
                         1, p, "Jane Patel / Mrs Patel", 15000),
              "the case does not name the complainant as routing handed it over");
    h_assign(s_h, ref, manager, inv);

    S_OK(s_ctl("case withhold %s --name 'Karen Booth' --name 'Ms Booth' --as %s", ref, inv));
    cr_assert(strstr(s_out, "names withheld recorded"), "%s", s_out);
    s_stored_is(ref, "{\"Karen Booth\",\"Ms Booth\"}");
    S_OK(s_ctl("case show %s --as %s", ref, manager));
    cr_assert(strstr(s_out, "names withheld from the response\n  - Karen Booth\n  - Ms Booth\n"),
              "%s", s_out);

    /* Refused by investigation: its typed error, exit 1, nothing changed. */
    cr_assert_eq(s_ctl("case withhold %s --name 'Ms Booth' --name 'MS BOOTH' --as %s", ref, inv),
                 1);
    cr_assert(strstr(s_err, "INVALID_ARGUMENT") && strstr(s_err, "set_withheld.names[1]"), "%s",
              s_err);
    s_stored_is(ref, "{\"Karen Booth\",\"Ms Booth\"}");
    /* Neither --name nor --none, or both: a usage error, nothing sent. */
    cr_assert_eq(s_ctl("case withhold %s --as %s", ref, inv), 2);
    cr_assert_eq(s_ctl("case withhold %s --none --name 'Mr Jones' --as %s", ref, inv), 2);
    s_stored_is(ref, "{\"Karen Booth\",\"Ms Booth\"}");

    S_OK(s_ctl("case withhold %s --none --as %s", ref, manager));
    s_stored_is(ref, "{}");
    S_OK(s_ctl("case show %s --as %s", ref, manager));
    cr_assert_null(strstr(s_out, "names withheld"), "%s", s_out);
    free(manager);
    free(inv);
}
