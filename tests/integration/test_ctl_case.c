/* test_ctl_case.c - `candourctl case ...` and `candourctl case-file`, the
 * real binary against real daemons on a fresh database.
 *
 * ctl_case: investigation alone, told of its staff and of the complaint as
 * routing would tell it; the case's record is written through candourctl
 * (plan V2, key issues V3, evidence with an attached PDF V4, findings V5,
 * draft response F1) and read back with `case show`. What investigation
 * refuses comes back as its typed error with exit code 1; what cannot be
 * sent at all is a usage error (2), or a refusal of candourctl's own (an
 * attachment too large for any request).
 *
 * case_file: one complaint through every daemon, its case recorded through
 * candourctl, signed and sent; then its case file (L4): chronological, with
 * the key issues, the attachment's and the draft's SHA-256 as investigation
 * returned them, the signature, the letters and every service's audit
 * entries, all verified; then an audit entry and a draft are changed behind
 * the services' backs, and the case file says which. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "candour/digest.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

#define ORG "ICB-QWE"
#define CTL CANDOUR_BUILD_DIR "/services/candourctl"
#define CATEGORIES CANDOUR_SOURCE_DIR "/deploy/categories/ko41a.csv"

static h_t *s_h;
static char *s_out; /* the last command's stdout (malloc'd) */
static char *s_err; /* and its stderr */

/* A file's whole text (malloc'd); "" when it cannot be read. */
static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    cr_assert(mem);
    if (f) {
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            fwrite(chunk, 1, n, mem);
        fclose(f);
    }
    fclose(mem);
    return buf;
}

/* Write len bytes to a file in the test's directory; its path (static). */
static const char *s_file(const char *name, const void *data, size_t len)
{
    static char path[4][1024];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", h_dir(s_h), name);
    FILE *f = fopen(p, "wb");
    cr_assert(f, "cannot write %s", p);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

static const char *s_text_file(const char *name, const char *text)
{
    return s_file(name, text, strlen(text));
}

/* Run candourctl with no one named as acting unless env names them (more
 * "NAME=value" words, or ""), against the test's database and daemons;
 * arguments are trusted test text, pasted into a shell command. stdout and
 * stderr land in s_out and s_err; returns the exit code. */
static int s_ctl(const char *env, const char *fmt, ...)
{
    char args[4096], cmd[8192], out[600], err[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(out, sizeof out, "%s/ctl.out", h_dir(s_h));
    snprintf(err, sizeof err, "%s/ctl.err", h_dir(s_h));
    snprintf(cmd, sizeof cmd,
             "env -u CANDOUR_ACTING CANDOUR_DB_URL='%s' CANDOUR_INVESTIGATION_ENDPOINT='%s'"
             " CANDOUR_SIGNOFF_ENDPOINT='%s' CANDOUR_ROUTING_ENDPOINT='%s' %s '" CTL
             "' %s >'%s' 2>'%s'",
             h_db_url(s_h), h_endpoint(s_h, "investigation"), h_endpoint(s_h, "signoff"),
             h_endpoint(s_h, "routing"), env, args, out, err);
    int st = system(cmd);
    free(s_out);
    free(s_err);
    s_out = s_slurp(out);
    s_err = s_slurp(err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The command ran and did what was asked. */
#define S_OK(call)                                                                                 \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        cr_assert_eq(rc_, 0, "exit %d\nstdout:\n%s\nstderr:\n%s", rc_, s_out, s_err);              \
    } while (0)

/* The value after "label" at the start of a line of text, up to the end of
 * that line (copied to out; "" when there is none). */
static const char *s_value(const char *text, const char *label, char *out, size_t len)
{
    size_t n = strlen(label);
    out[0] = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, label, n) != 0 || (p[n] != ' ' && p[n] != '\n'))
            continue;
        const char *v = p + n + strspn(p + n, " ");
        snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
        return out;
    }
    return out;
}

static void s_import_categories(void)
{
    S_OK(s_ctl("", "categories import '%s'", CATEGORIES));
}

/* The key issues, the findings on them and the conclusions, as the staff
 * would record them. */
#define S_ISSUE1 "The discharge went ahead before the care package was in place"
#define S_ISSUE2 "Calls | emails from the family went unanswered for a week"
#define S_ISSUES_ARGS                                                                              \
    "--agreed-on 2026-11-20 --agreed-how by-telephone"                                             \
    " --issue '" S_ISSUE1 "|clinical-treatment|inpatient|nursing-midwifery-health-visiting'"       \
    " --issue '" S_ISSUE2 "|communications|inpatient|trust-admin-staff-members'"

static const char s_findings_json[] =
    "{\"complaint_ref\": \"CDR-NOT-THIS-ONE\",\n"
    " \"findings\": [\n"
    "  {\"issue_id\": \"KI1\", \"verdict\": \"upheld\",\n"
    "   \"what_happened\": \"The ward discharged the patient on a Friday with no carers "
    "booked.\",\n"
    "   \"what_should_have_happened\": \"Discharge should have waited for the care package.\"},\n"
    "  {\"issue_id\": \"KI2\", \"verdict\": \"not-upheld\",\n"
    "   \"what_happened\": \"The ward log shows each call returned within a day.\",\n"
    "   \"what_should_have_happened\": \"Calls returned within a day, as they were.\"}],\n"
    " \"failings\": [\"The discharge checklist was not completed.\"],\n"
    " \"actions\": [{\"description\": \"Audit the discharge checklist monthly\",\n"
    "   \"owner\": \"Ward 7\", \"due\": \"2027-02-01\"}],\n"
    " \"lessons\": [\"A discharge waits for the care package.\"],\n"
    " \"remedy\": {\"apology\": \"We are sorry that your father went home without care.\",\n"
    "   \"redress_pence\": 12000, \"redress_for\": \"the cost of private carers\",\n"
    "   \"service_change\": \"Discharges now need the care package confirmed.\"}}\n";

/* A small PDF: what investigation takes as application/pdf. */
static const char s_pdf[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                            "trailer\n<< /Root 1 0 R >>\n%%EOF\n";

/* `case evidence` with the PDF attached, acting as `as`; the SHA-256 it
 * printed, checked against the bytes, into sha. */
static void s_add_pdf(const char *ref, const char *as, char sha[CD_SHA256_HEX_LEN + 1])
{
    const char *pdf = s_file("discharge-summary.pdf", s_pdf, sizeof s_pdf - 1);
    S_OK(s_ctl("",
               "case evidence %s --as %s --kind records --source 'Ward manager'"
               " --date 2026-10-30 --summary 'The discharge summary, signed at 16:40.'"
               " --attach '%s' --media-type application/octet-stream",
               ref, as, pdf));
    char want[CD_SHA256_HEX_LEN + 1], line[256];
    cd_sha256_hex(s_pdf, sizeof s_pdf - 1, want);
    cr_assert(strstr(s_out, "evidence 1 recorded"), "%s", s_out);
    cr_assert_str_eq(s_value(s_out, "sha256", line, sizeof line), want, "%s", s_out);
    snprintf(line, sizeof line, "%zu bytes", sizeof s_pdf - 1);
    cr_assert(strstr(s_out, line), "%s", s_out);
    cr_assert(strstr(s_out, "application/pdf (decided from the bytes; claimed"
                            " application/octet-stream)"),
              "%s", s_out);
    snprintf(sha, CD_SHA256_HEX_LEN + 1, "%s", want);
}

/* ================================================================ ctl_case */

static void s_routed(const char *ref)
{
    Candour__V1__ComplaintRouted cr = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    cr.org_id = ORG;
    cr.handling_org = ORG;
    cr.ack_due = "2026-11-25";
    cr.response_due = "2027-01-20";
    cr.description = "My father was discharged from hospital with no home care in place.";
    cr.desired_outcome = "An apology and a change to how discharges are arranged.";
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "investigation", "complaint.routed", ref, &cr.base, id, 10000),
                 1, "complaint.routed not acknowledged");
    h_assign(s_h, ref, "ST901", "ST902");
}

static void s_case_setup(void)
{
    s_h = h_new("ctlcase");
    cr_assert_eq(h_start(s_h, "investigation"), 0);
    h_staff_event(s_h, "investigation", "ST901", ORG, "Casey Manager", "complaints-manager");
    h_staff_event(s_h, "investigation", "ST902", ORG, "Ira Investigator", "investigator");
    h_staff_event(s_h, "investigation", "ST904", ORG, "Otto Other", "investigator");
    s_import_categories();
    s_routed("CDR-CASE-0001");
}

static void s_teardown(void)
{
    free(s_out);
    free(s_err);
    s_out = s_err = NULL;
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(ctl_case, .init = s_case_setup, .fini = s_teardown, .timeout = 120);

Test(ctl_case, V2_plan_takes_the_template_or_the_steps_given)
{
    const char *p[1] = {"CDR-CASE-0001"};
    S_OK(s_ctl("", "case plan CDR-CASE-0001 --grading medium --as ST902"));
    cr_assert(strstr(s_out, "plan recorded"), "%s", s_out);
    char *steps = h_scalar(s_h,
                           "SELECT grading || ' ' || array_to_string(plan_steps, ',')"
                           " FROM investigation.case WHERE reference = $1",
                           1, p);
    cr_assert_str_eq(steps, "medium document-review,complainant-meeting,staff-interviews");
    free(steps);

    /* The steps given, in order; CANDOUR_ACTING names who acts. */
    S_OK(s_ctl("CANDOUR_ACTING=ST902", "case plan CDR-CASE-0001 --grading low"
                                       " --step records-review --step site-visit"));
    steps = h_scalar(s_h,
                     "SELECT grading || ' ' || array_to_string(plan_steps, ',')"
                     " FROM investigation.case WHERE reference = $1",
                     1, p);
    cr_assert_str_eq(steps, "low records-review,site-visit");
    free(steps);
}

Test(ctl_case, V3_key_issues_from_options_or_a_file_with_the_summary_keeping_its_bars)
{
    const char *p[1] = {"CDR-CASE-0001"};
    S_OK(s_ctl("", "case issues CDR-CASE-0001 --as ST902 " S_ISSUES_ARGS));
    cr_assert(strstr(s_out, "key issues agreed"), "%s", s_out);
    char *rows = h_scalar(s_h,
                          "SELECT string_agg(issue_id || '=' || summary || '/' || subject || '/'"
                          " || service_area || '/' || profession, ';' ORDER BY position)"
                          " FROM investigation.key_issue WHERE reference = $1",
                          1, p);
    cr_assert_str_eq(rows, "KI1=" S_ISSUE1 "/clinical-treatment/inpatient/"
                           "nursing-midwifery-health-visiting;KI2=" S_ISSUE2
                           "/communications/inpatient/trust-admin-staff-members");
    free(rows);
    char *how = h_scalar(s_h,
                         "SELECT issues_agreed_on || ' ' || issues_agreed_how"
                         " FROM investigation.case WHERE reference = $1",
                         1, p);
    cr_assert_str_eq(how, "2026-11-20 by-telephone");
    free(how);

    /* From a file, the command line's reference and --agreed-how winning. */
    const char *file = s_text_file(
        "issues.json", "{\"complaint_ref\": \"CDR-ELSEWHERE\", \"agreed_on\": \"2026-11-21\","
                       " \"agreed_how\": \"by-email\", \"issues\": [{\"summary\": \"One only\","
                       " \"subject\": \"communications\", \"service_area\": \"outpatient\","
                       " \"profession\": \"medical\"}]}");
    S_OK(s_ctl("", "case issues CDR-CASE-0001 --as ST902 --file '%s' --agreed-how in-writing",
               file));
    rows = h_scalar(s_h,
                    "SELECT string_agg(issue_id || '=' || summary, ';' ORDER BY position) || ' '"
                    " || (SELECT issues_agreed_on || ' ' || issues_agreed_how FROM"
                    " investigation.case WHERE reference = $1)"
                    " FROM investigation.key_issue WHERE reference = $1",
                    1, p);
    cr_assert_str_eq(rows, "KI1=One only 2026-11-21 in-writing");
    free(rows);

    /* Not four parts: nothing is sent. */
    cr_assert_eq(s_ctl("", "case issues CDR-CASE-0001 --as ST902 --agreed-on 2026-11-20"
                           " --agreed-how in-writing --issue 'no codes here|communications'"),
                 2);
    cr_assert(strstr(s_err, "is not SUMMARY|SUBJECT|SERVICE-AREA|PROFESSION"), "%s", s_err);
    /* A code not in the lists: investigation's typed error. */
    cr_assert_eq(s_ctl("",
                       "case issues CDR-CASE-0001 --as ST902 --agreed-on 2026-11-20"
                       " --agreed-how in-writing --issue 'x|no-such-subject|inpatient|medical'"),
                 1, "%s%s", s_out, s_err);
    cr_assert(strstr(s_err, "error "), "%s", s_err);
}

Test(ctl_case, V4_evidence_sends_the_attachment_and_prints_what_investigation_recorded)
{
    const char *p[1] = {"CDR-CASE-0001"};
    char sha[CD_SHA256_HEX_LEN + 1];
    s_add_pdf("CDR-CASE-0001", "ST902", sha);
    char *row = h_scalar(s_h,
                         "SELECT e.filename || ' ' || e.media_type || ' ' || e.size || ' ' ||"
                         " e.sha256 || ' ' || (encode(sha256(t.content), 'hex') = e.sha256)"
                         " FROM investigation.evidence e JOIN investigation.attachment t"
                         " ON t.sha256 = e.sha256 WHERE e.reference = $1 AND e.number = 1",
                         1, p);
    char want[256];
    snprintf(want, sizeof want, "discharge-summary.pdf application/pdf %zu %s true",
             sizeof s_pdf - 1, sha);
    cr_assert_str_eq(row, want);
    free(row);

    /* No attachment, a discrepancy flagged with its note. */
    S_OK(s_ctl("", "case evidence CDR-CASE-0001 --as ST902 --kind staff-account"
                   " --source 'Staff nurse' --date 2026-11-02 --summary 'Says carers were booked.'"
                   " --flag discrepancy --note 'The agency has no booking.'"));
    cr_assert(strstr(s_out, "evidence 2 recorded"), "%s", s_out);
    cr_assert_null(strstr(s_out, "sha256"), "%s", s_out);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.evidence WHERE reference = $1"
                         " AND number = 2 AND flag = 'discrepancy' AND sha256 IS NULL",
                         1, p),
                 1);
}

Test(ctl_case, an_attachment_over_1_MiB_is_refused_before_anything_is_sent)
{
    size_t len = 1048576 + 1;
    char *big = malloc(len);
    cr_assert(big);
    memset(big, 'a', len);
    memcpy(big, "%PDF-1.4\n", 9);
    const char *path = s_file("big.pdf", big, len);
    free(big);
    int rc = s_ctl("",
                   "case evidence CDR-CASE-0001 --as ST902 --kind records --source Ward"
                   " --date 2026-10-30 --summary 'Too big' --attach '%s'",
                   path);
    cr_assert_eq(rc, 1, "%s%s", s_out, s_err);
    cr_assert(strstr(s_err, "error TOO_LARGE in add_evidence.evidence.attachment.content"), "%s",
              s_err);
    cr_assert(strstr(s_err, "Nothing was sent"), "%s", s_err);
    const char *p[1] = {"CDR-CASE-0001"};
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM investigation.evidence WHERE reference = $1", 1, p), 0);
    /* Exactly 1 MiB goes, and investigation's own limit answers. */
    big = calloc(1, 1048576);
    cr_assert(big);
    memcpy(big, "%PDF-1.4\n", 9);
    path = s_file("limit.pdf", big, 1048576);
    free(big);
    rc = s_ctl("",
               "case evidence CDR-CASE-0001 --as ST902 --kind records --source Ward"
               " --date 2026-10-30 --summary 'At the limit' --attach '%s'",
               path);
    cr_assert_neq(rc, 0, "%s%s", s_out, s_err);
    cr_assert_null(strstr(s_err, "Nothing was sent"), "refused by candourctl, not investigation");
}

Test(ctl_case, V5_F1_findings_draft_edit_and_show_the_whole_case)
{
    const char *p[1] = {"CDR-CASE-0001"};
    char sha[CD_SHA256_HEX_LEN + 1], line[512];
    S_OK(s_ctl("", "case plan CDR-CASE-0001 --grading medium --as ST902"));
    S_OK(s_ctl("", "case issues CDR-CASE-0001 --as ST902 " S_ISSUES_ARGS));
    s_add_pdf("CDR-CASE-0001", "ST902", sha);
    S_OK(s_ctl("", "case evidence CDR-CASE-0001 --as ST902 --kind staff-account"
                   " --source 'Staff nurse' --date 2026-11-02 --summary 'Says carers were booked.'"
                   " --flag discrepancy --note 'The agency has no booking.'"));

    /* The draft needs the findings first. */
    cr_assert_eq(s_ctl("", "case draft CDR-CASE-0001 --as ST902"), 1);
    cr_assert(strstr(s_err, "error FAILED_PRECONDITION"), "%s", s_err);

    const char *findings = s_text_file("findings.json", s_findings_json);
    S_OK(s_ctl("", "case findings CDR-CASE-0001 --as ST902 --file '%s'", findings));
    cr_assert(strstr(s_out, "findings recorded"), "%s", s_out);
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM investigation.finding WHERE reference = $1", 1, p), 2);

    S_OK(s_ctl("", "case draft CDR-CASE-0001 --as ST902"));
    char *v1 = h_scalar(s_h,
                        "SELECT sha256 FROM investigation.draft WHERE reference = $1"
                        " AND version = 1",
                        1, p);
    cr_assert(v1, "no version 1 stored");
    cr_assert_str_eq(s_value(s_out, "version", line, sizeof line), "1 (assembled from the case)");
    cr_assert_str_eq(s_value(s_out, "sha256", line, sizeof line), v1);
    /* The text follows, and hashes to what was printed. */
    const char *text = strstr(s_out, "\n\n");
    cr_assert(text && strstr(text, S_ISSUE1), "%s", s_out);
    char *stored = h_scalar(s_h,
                            "SELECT text FROM investigation.draft WHERE reference = $1"
                            " AND version = 1",
                            1, p);
    cr_assert(strncmp(text + 2, stored, strlen(stored)) == 0, "the text printed is not the draft");
    free(stored);

    /* An edit of the latest is version 2; of an older one, refused. */
    const char *edited =
        "Dear Mr Patel,\n\nWe are sorry. The discharge should have waited for the carers.\n";
    const char *file = s_text_file("edited.txt", edited);
    S_OK(s_ctl("", "case edit CDR-CASE-0001 --as ST902 --based-on 1 --file '%s'", file));
    char v2[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex(edited, strlen(edited), v2);
    cr_assert_str_eq(s_value(s_out, "version", line, sizeof line), "2 (edited)");
    cr_assert_str_eq(s_value(s_out, "sha256", line, sizeof line), v2);
    cr_assert_eq(s_ctl("", "case edit CDR-CASE-0001 --as ST902 --based-on 1 --file '%s'", file), 1);
    cr_assert(strstr(s_err, "error FAILED_PRECONDITION in edit_draft.based_on"), "%s", s_err);

    /* The whole case as JSON, and as a person reads it. */
    S_OK(s_ctl("", "case show CDR-CASE-0001 --as ST901 --json"));
    json_error_t jerr;
    json_t *j = json_loads(s_out, 0, &jerr);
    cr_assert(j, "not JSON: %s\n%s", jerr.text, s_out);
    json_t *view = json_object_get(j, "case_view");
    cr_assert_str_eq(json_string_value(json_object_get(view, "complaint_ref")), "CDR-CASE-0001");
    cr_assert_eq(json_array_size(json_object_get(view, "drafts")), 2);
    cr_assert_str_eq(json_string_value(json_object_get(view, "outcome")),
                     "OUTCOME_PARTIALLY_UPHELD");
    json_decref(j);
    S_OK(s_ctl("", "case show CDR-CASE-0001 --as ST901"));
    cr_assert_str_eq(s_value(s_out, "investigator", line, sizeof line), "ST902");
    cr_assert_str_eq(s_value(s_out, "plan", line, sizeof line), "medium");
    const char *want[] = {
        "impartiality",
        "  KI1   " S_ISSUE1,
        "subject clinical-treatment, service area inpatient, profession"
        " nursing-midwifery-health-visiting",
        "  KI2   " S_ISSUE2,
        "attachment discharge-summary.pdf, application/pdf",
        sha,
        "      discrepancy: The agency has no booking.",
        "  KI1   upheld",
        "  KI2   not-upheld",
        "  - The discharge checklist was not completed.",
        "  1. Audit the discharge checklist monthly\n     owner Ward 7, due 2027-02-01, not done",
        "  - A discharge waits for the care package.",
        "£120.00 for the cost of private carers",
        "outcome implied  partially upheld",
        v1,
        v2,
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(s_out, want[i]), "'%s' not in:\n%s", want[i], s_out);
    cr_assert(strstr(s_out, "version 1, assembled by") && strstr(s_out, "version 2, edited by"),
              "%s", s_out);

    free(v1);
}

Test(ctl_case, refusals_come_back_typed_and_what_cannot_be_sent_is_a_usage_error)
{
    /* No one named as acting: nothing sent (exit 2). */
    cr_assert_eq(s_ctl("", "case show CDR-CASE-0001"), 2);
    cr_assert(strstr(s_err, "say who is acting: --as ST_ID"), "%s", s_err);
    /* Missing or unknown options, a second reference: usage on stderr. */
    cr_assert_eq(s_ctl("", "case plan CDR-CASE-0001 --as ST902"), 2);
    cr_assert(strstr(s_err, "Usage: candourctl case plan REF --grading"), "%s", s_err);
    cr_assert_eq(s_ctl("", "case show CDR-CASE-0001 CDR-CASE-0002 --as ST902"), 2);
    cr_assert_eq(s_ctl("", "case plan CDR-CASE-0001 --as ST902 --grading low --colour red"), 2);
    cr_assert_eq(s_ctl("", "case evidence CDR-CASE-0001 --as ST902 --media-type image/png"), 2);
    cr_assert_eq(s_ctl("", "case edit CDR-CASE-0001 --as ST902 --based-on two --file x"), 2);
    cr_assert(strstr(s_err, "--based-on takes a version number, not 'two'"), "%s", s_err);
    cr_assert_eq(s_ctl("", "case frobnicate CDR-CASE-0001"), 2);
    cr_assert_eq(s_ctl("", "case plan --help"), 0);
    cr_assert(strstr(s_out, "Usage: candourctl case plan REF"), "%s", s_out);
    cr_assert_null(strstr(s_out, "case evidence"), "--help of plan shows only plan");

    /* V1: another investigator of the body may not work on the case. */
    cr_assert_eq(s_ctl("", "case plan CDR-CASE-0001 --grading low --as ST904"), 1);
    cr_assert(strstr(s_err, "error PERMISSION_DENIED in acting"), "%s", s_err);
    /* No such case. */
    cr_assert_eq(s_ctl("", "case show CDR-NONE-NONE --as ST901"), 1);
    cr_assert(strstr(s_err, "error NOT_FOUND"), "%s", s_err);

    /* --json shows the refusal whole, naming the field the request carried. */
    cr_assert_eq(s_ctl("", "case plan CDR-CASE-0001 --grading enormous --as ST902 --json"), 1);
    json_t *j = json_loads(s_out, 0, NULL);
    cr_assert(j, "not JSON: %s", s_out);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "field")),
                     "set_plan.grading");
    json_decref(j);

    /* A findings file that is not a RecordFindings: the converter's error. */
    const char *bad = s_text_file("bad.json", "{\"findings\": [{\"issue\": \"KI1\"}]}");
    cr_assert_eq(s_ctl("", "case findings CDR-CASE-0001 --as ST902 --file '%s'", bad), 1);
    cr_assert(strstr(s_err, "error UNKNOWN_FIELD in findings[0].issue"), "%s", s_err);
    cr_assert_eq(s_ctl("", "case findings CDR-CASE-0001 --as ST902 --file /nonexistent.json"), 2);
    const char *p[1] = {"CDR-CASE-0001"};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND grading IS NULL",
                         1, p),
                 1, "a refused plan was kept");
}

/* ================================================================ case_file */

static void s_file_setup(void)
{
    s_h = h_new("casefile");
    h_org(s_h, ORG);
    cr_assert_eq(h_start_all(s_h), 0);
}

TestSuite(case_file, .init = s_file_setup, .fini = s_teardown, .timeout = 240);

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
    c.external_ref = "EXT-CF-0001";
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &person;
    c.description = "My father was discharged from hospital with no home care in place.";
    c.desired_outcome = "An apology and a change to how discharges are arranged.";
    c.event_date = "2026-10-30";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = ORG;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    Candour__V1__Reply *r = h_call(s_h, "intake", ORG, &req);
    cr_assert_null(r->error, "submit: %s", r->error ? r->error->message : "");
    snprintf(ref, len, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

/* The entries of a case file (JSON) of one kind. */
static size_t s_kind_count(const json_t *entries, const char *kind)
{
    size_t i, n = 0;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        n += strcmp(json_string_value(json_object_get(e, "kind")), kind) == 0;
    }
    return n;
}

/* The first entry of kind whose detail's member key is want (a string;
 * key NULL: any). */
static const json_t *s_entry(const json_t *entries, const char *kind, const char *key,
                             const char *want)
{
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "kind")), kind) != 0)
            continue;
        const char *v =
            key ? json_string_value(json_object_get(json_object_get(e, "detail"), key)) : NULL;
        if (!key || (v && strcmp(v, want) == 0))
            return e;
    }
    return NULL;
}

/* The line of the verification's audit section for schema. */
static const char *s_audit_line(const char *text, const char *schema, char *out, size_t len)
{
    char head[64];
    snprintf(head, sizeof head, "\n  %-14s ", schema);
    const char *v = strstr(text, "\nVERIFICATION\n");
    cr_assert(v, "no verification section");
    const char *p = strstr(v, head);
    out[0] = 0;
    if (p)
        snprintf(out, len, "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
    return out;
}

/* Check the JSON case file in s_out: chronological, complete, verified. */
static void s_check_json(const char *ref, const char *evidence_sha, const char *draft_sha)
{
    json_error_t jerr;
    json_t *j = json_loads(s_out, 0, &jerr);
    cr_assert(j, "not JSON: %s", jerr.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "complaint_ref")), ref);
    const json_t *entries = json_object_get(j, "entries");
    cr_assert_gt(json_array_size(entries), 40);

    /* Chronological: each entry at or after the one before. */
    size_t i;
    json_t *e;
    const char *prev = "";
    json_array_foreach(entries, i, e)
    {
        const char *at = json_string_value(json_object_get(e, "at"));
        cr_assert(at && strlen(at) == 27, "entry %zu has no time", i);
        cr_assert_geq(strcmp(at, prev), 0, "entry %zu (%s at %s) is before the one before (%s)", i,
                      json_string_value(json_object_get(e, "kind")), at, prev);
        prev = at;
    }
    cr_assert_not_null(s_entry(entries, "complaint-received", NULL, NULL));
    cr_assert_not_null(s_entry(entries, "key-issue", "summary", S_ISSUE1));
    cr_assert_not_null(s_entry(entries, "key-issue", "summary", S_ISSUE2));
    cr_assert_not_null(s_entry(entries, "evidence", "sha256", evidence_sha),
                       "the evidence's SHA-256 is not the one AddEvidence returned");
    cr_assert_not_null(s_entry(entries, "draft", "sha256", draft_sha));
    cr_assert_not_null(s_entry(entries, "investigator-assigned", NULL, NULL));
    cr_assert_eq(s_kind_count(entries, "finding"), 2);
    cr_assert_eq(s_kind_count(entries, "action"), 1);
    cr_assert_geq(s_kind_count(entries, "status"), 2);
    cr_assert_geq(s_kind_count(entries, "history"), 5);
    cr_assert_geq(s_kind_count(entries, "deadline-set"), 2);
    cr_assert_geq(s_kind_count(entries, "deadline-met"), 2);
    const json_t *signed_e = s_entry(entries, "signed", "draft_sha256", draft_sha);
    cr_assert_not_null(signed_e, "no signature of the draft's SHA-256");
    cr_assert_eq(
        json_integer_value(json_object_get(json_object_get(signed_e, "detail"), "draft_version")),
        1);

    /* Each letter, with the SHA-256 of the text notify keeps. */
    const char *kinds[] = {"acknowledgement", "final-response"};
    for (int k = 0; k < 2; k++) {
        const json_t *l = s_entry(entries, "letter", "kind", kinds[k]);
        cr_assert_not_null(l, "no %s letter", kinds[k]);
        const char *v[2] = {ref, kinds[k]};
        char *sha = h_scalar(s_h,
                             "SELECT encode(sha256(convert_to(body, 'UTF8')), 'hex')"
                             " FROM notify.letter WHERE reference = $1 AND kind = $2",
                             2, v);
        cr_assert_str_eq(json_string_value(json_object_get(json_object_get(l, "detail"), "sha256")),
                         sha);
        free(sha);
        cr_assert_not_null(s_entry(entries, "letter-delivered", "kind", kinds[k]));
    }

    /* Audit entries from every service, and every check passed. */
    const char *schemas[] = {"intake", "routing", "investigation", "signoff", "notify"};
    for (int s = 0; s < 5; s++)
        cr_assert_not_null(s_entry(entries, "audit", "schema", schemas[s]), "no audit entry of %s",
                           schemas[s]);
    const json_t *v = json_object_get(j, "verification");
    cr_assert(json_is_true(json_object_get(v, "all_verified")), "%s", s_out);
    json_array_foreach(json_object_get(v, "audit"), i, e)
    {
        cr_assert(json_is_true(json_object_get(e, "intact")));
        cr_assert_gt(json_integer_value(json_object_get(e, "entries")), 0);
    }
    cr_assert_eq(json_array_size(json_object_get(v, "attachments")), 1);
    cr_assert(json_is_true(json_object_get(json_object_get(v, "signature"), "matches_version")));
    json_decref(j);
}

/* The case file's row "label   value" of an entry is in s_out. */
static void s_has_row(const char *label, const char *value)
{
    char row[512];
    snprintf(row, sizeof row, "\n    %-22s %s\n", label, value);
    cr_assert(strstr(s_out, row), "no row '%s' in the case file", row + 1);
}

/* Check the text case file in s_out: a person's reading of the same. */
static void s_check_text(const char *ref, const char *evidence_sha, const char *draft_sha)
{
    char line[512], want[256];
    snprintf(want, sizeof want, "CASE FILE %s\n", ref);
    cr_assert(strncmp(s_out, want, strlen(want)) == 0, "%.200s", s_out);
    const char *needles[] = {"\nCHRONOLOGY (",
                             "\n  Complaint received by " ORG "\n",
                             "\n    As received\n",
                             "\n      complainant\n",
                             "\n          - 1 High Street\n",
                             "Jane Patel\n",
                             "\n  Key issue KI1 agreed\n",
                             "\n  Finding on KI1: upheld\n",
                             "\n  Outcome recorded: partially upheld\n",
                             "\n  Draft response, version 1\n",
                             "\n      | ",
                             "\n  Response signed by ",
                             "\n  Letter written: acknowledgement, by ",
                             "\n  Letter delivered: final-response, by ",
                             "\n  Audit entry signoff #",
                             "\nEvery check passed.\n"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        cr_assert(strstr(s_out, needles[i]), "'%s' not in the case file", needles[i]);
    s_has_row("Summary", S_ISSUE1);
    s_has_row("Summary", S_ISSUE2);
    s_has_row("Subject", "clinical-treatment (Clinical treatment)");
    s_has_row("Attachment", "discharge-summary.pdf");
    s_has_row("Media type", "application/pdf");
    s_has_row("SHA-256", evidence_sha);
    s_has_row("SHA-256", draft_sha);
    s_has_row("Redress", "£120.00");
    s_has_row("Version signed", "1");
    s_has_row("SHA-256 signed", draft_sha);
    /* Dates written out, in the UK's time. */
    cr_assert(strstr(s_out, " GMT  [intake]\n") || strstr(s_out, " BST  [intake]\n"));
    const char *schemas[] = {"intake", "routing", "investigation", "signoff", "notify"};
    for (int s = 0; s < 5; s++) {
        s_audit_line(s_out, schemas[s], line, sizeof line);
        size_t n = strlen(line);
        cr_assert(n > 8 && strcmp(line + n - 8, ": intact") == 0, "%s: '%s'", schemas[s], line);
    }
}

Test(case_file, L4_the_case_file_is_complete_chronological_and_verified_and_names_tampering)
{
    char *manager = h_staff(s_h, ORG, "Casey Manager", "Complaints", "complaints-manager");
    char *inv = h_staff(s_h, ORG, "Ira Investigator", "Quality", "investigator");
    char *chief = h_staff(s_h, ORG, "Dr R. Chief", "", "responsible-person");
    s_import_categories();
    char ref[64];
    s_submit(ref, sizeof ref);
    const char *p[1] = {ref};
    h_assign(s_h, ref, manager, inv);

    /* The case, recorded through candourctl. */
    char evidence_sha[CD_SHA256_HEX_LEN + 1], draft_sha[128];
    S_OK(s_ctl("", "case plan %s --grading medium --as %s", ref, inv));
    S_OK(s_ctl("", "case issues %s --as %s " S_ISSUES_ARGS, ref, inv));
    s_add_pdf(ref, inv, evidence_sha);
    S_OK(s_ctl("", "case findings %s --as %s --file '%s'", ref, inv,
               s_text_file("findings.json", s_findings_json)));
    S_OK(s_ctl("", "case draft %s --as %s", ref, inv));
    s_value(s_out, "sha256", draft_sha, sizeof draft_sha);
    cr_assert_eq(strlen(draft_sha), CD_SHA256_HEX_LEN, "%s", s_out);
    S_OK(s_ctl("",
               "record-outcome %s --outcome OUTCOME_PARTIALLY_UPHELD --findings 'The"
               " discharge went ahead before the care package was confirmed.' --as %s",
               ref, inv));
    cr_assert(h_wait_for(s_h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p,
                         "awaiting-signature", 15000),
              "no draft at sign-off");
    S_OK(s_ctl("", "sign %s --as %s", ref, chief));
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM notify.letter WHERE reference = $1"
                         " AND delivered_at IS NOT NULL",
                         1, p, "2", 20000),
              "the letters were not both delivered");
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "response-sent", 20000),
              "never reached response-sent");
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM routing.deadline WHERE reference = $1"
                         " AND name IN ('acknowledgement', 'response') AND met_at IS NOT NULL",
                         1, p, "2", 20000),
              "the deadlines were not both met");

    /* As JSON, to a new file of mode 0600. */
    char path[1024];
    snprintf(path, sizeof path, "%s/casefile.json", h_dir(s_h));
    S_OK(s_ctl("", "case-file %s --json --out '%s'", ref, path));
    cr_assert_str_eq(s_out, "", "the case file went to stdout too");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
    free(s_out);
    s_out = s_slurp(path);
    s_check_json(ref, evidence_sha, draft_sha);
    /* A case file never replaces a file. */
    cr_assert_eq(s_ctl("", "case-file %s --out '%s'", ref, path), 1);
    cr_assert(strstr(s_err, "never replaces a file"), "%s", s_err);

    /* For a person. */
    S_OK(s_ctl("", "case-file %s", ref));
    s_check_text(ref, evidence_sha, draft_sha);
    cr_assert_eq(s_ctl("", "case-file CDR-NONE-NONE"), 1);
    cr_assert(strstr(s_err, "no complaint has the reference CDR-NONE-NONE"), "%s", s_err);

    /* An audit entry of the complaint changed behind investigation's back. */
    char *seq = h_scalar(s_h,
                         "SELECT min(seq)::text FROM investigation.audit WHERE reference = $1"
                         " AND table_name = 'key_issue'",
                         1, p);
    cr_assert(seq);
    h_exec(s_h, "ALTER TABLE investigation.audit DISABLE TRIGGER append_only");
    const char *tv[1] = {seq};
    cr_assert_eq(h_count(s_h,
                         "WITH u AS (UPDATE investigation.audit SET row_data = row_data ||"
                         " '{\"summary\": \"Nothing went wrong\"}' WHERE seq = $1::bigint"
                         " RETURNING 1) SELECT count(*) FROM u",
                         1, tv),
                 1);
    cr_assert_eq(s_ctl("", "case-file %s", ref), 3, "%s", s_err);
    char line[512], want[128];
    snprintf(want, sizeof want, "  investigation  BROKEN at entry %s (chain ", seq);
    s_audit_line(s_out, "investigation", line, sizeof line);
    cr_assert(strncmp(line, want, strlen(want)) == 0, "'%s'", line);
    cr_assert(strstr(s_out, "its content does not match its hash (changed)"));
    cr_assert(strstr(s_out, "SOME CHECKS FAILED"));
    const char *others[] = {"intake", "routing", "signoff", "notify"};
    for (int i = 0; i < 4; i++) {
        s_audit_line(s_out, others[i], line, sizeof line);
        cr_assert(strstr(line, ": intact"), "%s: '%s'", others[i], line);
    }
    cr_assert_eq(s_ctl("", "case-file %s --json", ref), 3);
    json_t *j = json_loads(s_out, 0, NULL);
    cr_assert(j);
    const json_t *audit = json_object_get(json_object_get(j, "verification"), "audit");
    const json_t *broken = json_object_get(json_array_get(audit, 2), "broken");
    cr_assert_eq(json_integer_value(json_object_get(broken, "seq")), strtoll(seq, NULL, 10));
    json_decref(j);
    free(seq);

    /* A draft's text changed with its check removed: its hash no longer
     * matches, and the case file says so. */
    h_exec(s_h, "DO $$ DECLARE c text; BEGIN"
                " FOR c IN SELECT conname FROM pg_constraint"
                "  WHERE conrelid = 'investigation.draft'::regclass AND contype = 'c'"
                "  AND pg_get_constraintdef(oid) LIKE '%convert_to%' LOOP"
                "  EXECUTE format('ALTER TABLE investigation.draft DROP CONSTRAINT %I', c);"
                " END LOOP; END $$");
    cr_assert_eq(h_count(s_h,
                         "WITH u AS (UPDATE investigation.draft SET text = text || ' Or not.'"
                         " WHERE reference = $1 AND version = 1 RETURNING 1)"
                         " SELECT count(*) FROM u",
                         1, p),
                 1);
    cr_assert_eq(s_ctl("", "case-file %s", ref), 3);
    cr_assert(strstr(s_out, "  version 1: DOES NOT MATCH\n"), "%s",
              strstr(s_out, "VERIFICATION") ? strstr(s_out, "VERIFICATION") : s_out);
    cr_assert(strstr(s_out, "  evidence 1, discharge-summary.pdf: matches\n"));

    /* And an attachment's bytes. */
    h_exec(s_h, "DO $$ DECLARE c text; BEGIN"
                " FOR c IN SELECT conname FROM pg_constraint"
                "  WHERE conrelid = 'investigation.attachment'::regclass AND contype = 'c'"
                "  AND pg_get_constraintdef(oid) LIKE '%sha256(content)%' LOOP"
                "  EXECUTE format('ALTER TABLE investigation.attachment DROP CONSTRAINT %I', c);"
                " END LOOP; END $$");
    const char *sv[1] = {evidence_sha};
    cr_assert_eq(h_count(s_h,
                         "WITH u AS (UPDATE investigation.attachment SET content = overlay(content"
                         " PLACING '\\x25504446'::bytea FROM 5) WHERE sha256 = $1 RETURNING 1)"
                         " SELECT count(*) FROM u",
                         1, sv),
                 1);
    cr_assert_eq(s_ctl("", "case-file %s", ref), 3);
    cr_assert(strstr(s_out, "  evidence 1, discharge-summary.pdf: DOES NOT MATCH\n"), "%s",
              strstr(s_out, "VERIFICATION") ? strstr(s_out, "VERIFICATION") : s_out);
    free(manager);
    free(inv);
    free(chief);
}
