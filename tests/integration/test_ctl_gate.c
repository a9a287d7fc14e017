/* test_ctl_gate.c - sign-off's quality gate as ops and staff drive it from
 * candourctl, the real binary against a fresh database: `glossary
 * import|list` (Candour's default list and a body's own; a bad file imports
 * nothing and names its lines; the same file twice changes nothing), `gate
 * set|show` (a body's severities and thresholds, checks named as the gate
 * names them), and `check` (a reference with no draft is refused, and the
 * exit code says so). A whole draft through the gate is covered by the
 * signoff suites. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ORG "ICB-QWE"
#define SHIPPED CANDOUR_SOURCE_DIR "/deploy/glossary/default.csv"
#define HEADER "term,meaning\n"

static h_t *s_h;
static char s_out[65536]; /* the last command's stdout */
static char s_err[16384]; /* and its stderr */

static void s_setup(void)
{
    s_h = h_new("ctlgate");
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(ctl_gate, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* Run candourctl as the operator ops.alice (no one named acting), with the
 * arguments given (h_ctl: trusted test text, pasted into a shell command)
 * and signoff's endpoint when it runs. Its stdout and stderr land in s_out
 * and s_err; returns its exit code. */
static int s_ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int s_ctl(const char *fmt, ...)
{
    char env[512];
    snprintf(env, sizeof env, "CANDOUR_SIGNOFF_ENDPOINT='%s'", h_endpoint(s_h, "signoff"));
    va_list ap;
    va_start(ap, fmt);
    int rc = h_vctl(s_h, env, s_out, sizeof s_out, s_err, sizeof s_err, fmt, ap);
    va_end(ap);
    return rc;
}

/* Write text to a file in the test's temp dir; returns its path (static). */
static const char *s_file(const char *name, const char *text)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", h_dir(s_h), name);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The shipped file's rows: its lines after the header (no record of it
 * spans lines), so the test follows the file as it changes. */
static long s_shipped_rows(void)
{
    FILE *f = fopen(SHIPPED, "r");
    cr_assert(f, "cannot open %s", SHIPPED);
    char line[1024];
    long n = -1;
    while (fgets(line, sizeof line, f))
        n += line[0] != '\n';
    fclose(f);
    return n;
}

static long s_terms(const char *org)
{
    const char *v[1] = {org};
    return h_count(s_h, "SELECT count(*) FROM signoff.glossary WHERE org_id = $1", 1, v);
}

static long s_audit_entries(void)
{
    return h_count(s_h, "SELECT count(*) FROM signoff.audit WHERE table_name = 'glossary'", 0,
                   NULL);
}

/* The line of text holding needle, copied to line ("" if none). A needle
 * may start with "\n" to match a line's start: that line is the one. */
static const char *s_line_with(const char *text, const char *needle, char *line, size_t len)
{
    line[0] = 0;
    const char *p = strstr(text, needle);
    if (!p)
        return line;
    p += *needle == '\n';
    while (p > text && p[-1] != '\n')
        p--;
    size_t n = strcspn(p, "\n");
    snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return line;
}

/* ---------------------------------------------------------------- glossary */

Test(ctl_gate, the_default_glossary_imports_and_importing_it_again_changes_nothing)
{
    long rows = s_shipped_rows();
    cr_assert(rows > 10, "%ld rows in %s", rows, SHIPPED);
    int rc = s_ctl("glossary import '%s'", SHIPPED);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    char want[160];
    snprintf(want, sizeof want,
             "glossary (Candour's default): %ld terms (%ld new, 0 changed, 0 removed)\n", rows,
             rows);
    cr_assert(strstr(s_out, want), "want '%s' in:\n%s", want, s_out);
    cr_assert_eq(s_terms(""), rows);
    /* Quoting survived: a meaning with a comma in it. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.glossary WHERE org_id = '' AND term ="
                         " 'triage' AND meaning = 'a first check, to decide how urgently someone"
                         " needs care'",
                         0, NULL),
                 1);
    long audited = s_audit_entries();
    cr_assert_eq(audited, rows, "each new term in the audit trail");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.audit WHERE table_name = 'glossary'"
                         " AND actor = 'ops: ops.alice'",
                         0, NULL),
                 rows, "the audit trail names the operator");

    rc = s_ctl("glossary import '%s'", SHIPPED);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "(0 new, 0 changed, 0 removed)"), "%s", s_out);
    cr_assert_eq(s_terms(""), rows);
    cr_assert_eq(s_audit_entries(), audited, "a second import writes nothing");

    cr_assert_eq(s_ctl("glossary list"), 0, "%s", s_err);
    cr_assert_eq(strncmp(s_out, "TERM", 4), 0, "a header first: %s", s_out);
    snprintf(want, sizeof want, "\n%ld terms in Candour's default glossary\n", rows);
    cr_assert(strstr(s_out, want), "want '%s' in:\n%s", want, s_out);
    char line[512];
    cr_assert(strstr(s_line_with(s_out, "\nCHC ", line, sizeof line), "NHS Continuing Healthcare"),
              "%s", s_out);
}

Test(ctl_gate, a_glossary_with_bad_rows_names_each_line_and_imports_nothing)
{
    const char *good = s_file("good.csv", HEADER "CHC,NHS Continuing Healthcare\n");
    cr_assert_eq(s_ctl("glossary import '%s'", good), 0, "%s", s_err);
    long audited = s_audit_entries();

    const char *path =
        s_file("bad.csv", HEADER "CHC,NHS Continuing Healthcare (changed)\n"      /* 2 */
                                 "ICB,\n"                                         /* 3 */
                                 "PALS,Patient Advice and Liaison Service\n"      /* 4 */
                                 "CHC,Continuing care\n"                          /* 5 */
                                 ",a term left empty\n"                           /* 6 */
                                 "GP,\"general practitioner, family doctor\"\n"); /* 7 */
    int rc = s_ctl("glossary import '%s'", path);
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    const char *want[] = {
        "line 3: meaning: meaning is required\n", "line 5: term: 'CHC' is already on line 2\n",
        "line 6: term: term is required\n", "3 problems in ", ": nothing imported\n"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(s_err, want[i]), "missing '%s' in:\n%s", want[i], s_err);
    const char *quiet[] = {"line 2:", "line 4:", "line 7:"};
    for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++)
        cr_assert_null(strstr(s_err, quiet[i]), "%s in:\n%s", quiet[i], s_err);
    cr_assert_str_eq(s_out, "");
    /* Not even the good rows: the list is as it was. */
    cr_assert_eq(s_terms(""), 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.glossary WHERE term = 'CHC'"
                         " AND meaning = 'NHS Continuing Healthcare'",
                         0, NULL),
                 1);
    cr_assert_eq(s_audit_entries(), audited);

    path = s_file("header.csv", "term,definition\nCHC,NHS Continuing Healthcare\n");
    cr_assert_eq(s_ctl("glossary import '%s'", path), 1, "%s", s_out);
    cr_assert(strstr(s_err, "line 1: header: expected term,meaning"), "%s", s_err);
    cr_assert_eq(s_ctl("glossary import '%s' --org 'not an org'", good), 2);
    cr_assert(strstr(s_err, "--org 'not an org' is not a body's id"), "%s", s_err);
    cr_assert_eq(s_ctl("glossary import"), 2);
    cr_assert_eq(s_ctl("glossary import --help"), 0);
    cr_assert(strstr(s_out, "Usage: candourctl glossary import FILE.csv [--org ORG]") &&
                  strstr(s_out, "DELETES"),
              "--help says the file is the whole list:\n%s", s_out);
    cr_assert_eq(s_terms(""), 1);
}

Test(ctl_gate, a_bodys_own_glossary_is_added_to_the_default_and_is_its_whole_list)
{
    const char *dflt = s_file("default.csv", HEADER "CHC,NHS Continuing Healthcare\n"
                                                    "ICB,Integrated Care Board\n");
    cr_assert_eq(s_ctl("glossary import '%s'", dflt), 0, "%s", s_err);
    const char *own = s_file("own.csv", HEADER "CHC,NHS Continuing Healthcare (fully funded care)\n"
                                               "QMH,Queensmere Hospital\n"
                                               "EDS,Early Discharge Service\n");
    int rc = s_ctl("glossary import '%s' --org " ORG, own);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "glossary " ORG ": 3 terms (3 new, 0 changed, 0 removed)\n"), "%s",
              s_out);
    cr_assert_eq(s_terms(ORG), 3);
    cr_assert_eq(s_terms(""), 2, "the default list is not the body's to change");

    /* list --org: the default's terms and the body's, each marked. */
    cr_assert_eq(s_ctl("glossary list --org " ORG), 0, "%s", s_err);
    char line[512];
    cr_assert(strstr(s_line_with(s_out, "\nQMH ", line, sizeof line), ORG), "%s", s_out);
    cr_assert(strstr(s_line_with(s_out, "\nICB ", line, sizeof line), "default"), "%s", s_out);
    s_line_with(s_out, "\nCHC ", line, sizeof line);
    cr_assert(strstr(line, ORG) && strstr(line, "(fully funded care)"), "the body's wins: %s",
              s_out);
    cr_assert(strstr(s_out, "\n4 terms: 1 Candour's default, 3 " ORG "'s own\n"), "%s", s_out);
    cr_assert_eq(s_ctl("glossary list"), 0, "%s", s_err);
    cr_assert_null(strstr(s_out, "QMH"), "%s", s_out);
    cr_assert(strstr(s_out, "\n2 terms in Candour's default glossary\n"), "%s", s_out);

    /* The file is the body's whole list: a term left out is removed, a
     * changed meaning updated, and the default's untouched. */
    own = s_file("own2.csv", HEADER "CHC,NHS Continuing Healthcare (fully funded care)\n"
                                    "QMH,Queensmere Memorial Hospital\n");
    rc = s_ctl("glossary import '%s' --org " ORG, own);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "glossary " ORG ": 2 terms (0 new, 1 changed, 1 removed)\n"), "%s",
              s_out);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.glossary WHERE org_id = '" ORG "'"
                         " AND (term, meaning) IN (('QMH', 'Queensmere Memorial Hospital'),"
                         " ('CHC', 'NHS Continuing Healthcare (fully funded care)'))",
                         0, NULL),
                 2);
    cr_assert_eq(s_terms(ORG), 2);
    cr_assert_eq(s_terms(""), 2);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.audit WHERE table_name = 'glossary'"
                         " AND op = 'DELETE' AND row_data->>'term' = 'EDS'",
                         0, NULL),
                 1);
}

/* ---------------------------------------------------------------- gate */

Test(ctl_gate, gate_set_writes_the_bodys_choices_and_refuses_a_check_the_gate_has_not)
{
    int rc = s_ctl("gate set " ORG " --severity apology=advice --severity readability=blocking"
                   " --min-flesch 60");
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "apology: advice (" ORG "'s); was blocking (Candour's default)\n"),
              "%s", s_out);
    cr_assert(strstr(s_out, "min-flesch: 60; was Candour's default (50)\n"), "%s", s_out);
    cr_assert(strstr(s_out, "3 changes by ops: ops.alice\n"), "%s", s_out);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.gate_rule WHERE org_id = '" ORG "' AND"
                         " changed_by = 'ops: ops.alice' AND (check_name, severity) IN"
                         " (('apology', 'advice'), ('readability', 'blocking'))",
                         0, NULL),
                 2);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.gate_limit WHERE org_id = '" ORG "' AND"
                         " min_flesch = 60 AND max_sentence_words = 0"
                         " AND changed_by = 'ops: ops.alice'",
                         0, NULL),
                 1);

    /* --default takes the body's choice away; what is already so is not
     * written again. */
    long audited =
        h_count(s_h, "SELECT count(*) FROM signoff.audit WHERE table_name LIKE 'gate_%'", 0, NULL);
    rc = s_ctl("gate set " ORG " --default readability --severity apology=advice"
               " --max-sentence-words 30");
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "apology: advice (" ORG "'s), unchanged\n"), "%s", s_out);
    cr_assert(strstr(s_out, "readability: advice (Candour's default); was blocking (" ORG "'s)\n"),
              "%s", s_out);
    cr_assert(strstr(s_out, "2 changes by ops: ops.alice\n"), "%s", s_out);
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM signoff.audit WHERE table_name LIKE 'gate_%'", 0, NULL),
        audited + 2, "one entry per change");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM signoff.gate_rule", 0, NULL), 1);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.gate_limit WHERE min_flesch = 60"
                         " AND max_sentence_words = 30",
                         0, NULL),
                 1);

    /* A check the gate does not run is refused, naming those it does; and
     * nothing of the command is written. */
    rc = s_ctl("gate set " ORG " --severity jargon=blocking --severity tone=advice");
    cr_assert_eq(rc, 2, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_err, "the gate has no check 'tone'") && strstr(s_err, "\n  apology ") &&
                  strstr(s_err, "\n  readability "),
              "%s", s_err);
    cr_assert_eq(s_ctl("gate set " ORG " --default tone"), 2);
    cr_assert(strstr(s_err, "no check 'tone'"), "%s", s_err);
    cr_assert_eq(s_ctl("gate set " ORG " --severity apology=sometimes"), 2);
    cr_assert_eq(s_ctl("gate set " ORG " --min-flesch 101"), 2);
    cr_assert_eq(s_ctl("gate set " ORG), 2);
    cr_assert(strstr(s_err, "nothing to change"), "%s", s_err);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM signoff.gate_rule", 0, NULL), 1);
}

Test(ctl_gate, gate_show_prints_each_check_with_the_bodys_severity_and_the_thresholds)
{
    cr_assert_eq(s_ctl("gate set " ORG " --severity ombudsman=advice --max-sentence-words 28"), 0,
                 "%s", s_err);
    int rc = s_ctl("gate show " ORG);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    char line[512];
    s_line_with(s_out, "\nombudsman ", line, sizeof line);
    cr_assert(strstr(line, " advice ") && strstr(line, ORG ", ops: ops.alice on ") &&
                  strstr(line, "Ombudsman"),
              "the body's: %s\n%s", line, s_out);
    s_line_with(s_out, "\napology ", line, sizeof line);
    cr_assert(strstr(line, " blocking ") && strstr(line, "Candour's default") &&
                  strstr(line, "apology"),
              "the default: %s\n%s", line, s_out);
    s_line_with(s_out, "\njargon ", line, sizeof line);
    cr_assert(strstr(line, " advice ") && strstr(line, "Candour's default"), "%s", s_out);
    s_line_with(s_out, "\nmin-flesch ", line, sizeof line);
    cr_assert(strstr(line, " 50 ") && strstr(line, "Candour's default"), "%s", s_out);
    s_line_with(s_out, "\nmax-sentence-words ", line, sizeof line);
    cr_assert(strstr(line, " 28 ") && strstr(line, ORG), "%s", s_out);
    /* Every check of the gate is listed. */
    static const char *const checks[] = {
        "salutation", "key-issues", "investigation", "apology",     "indirect-apology", "actions",
        "ombudsman",  "withheld",   "terms",         "readability", "long-sentences",   "jargon"};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        char needle[40];
        snprintf(needle, sizeof needle, "\n%s ", checks[i]);
        cr_assert(strstr(s_out, needle), "no %s in\n%s", checks[i], s_out);
    }
    /* Another body has Candour's defaults throughout. */
    cr_assert_eq(s_ctl("gate show ICB-OTHER"), 0, "%s", s_err);
    cr_assert_null(strstr(s_out, "ops: ops.alice"), "%s", s_out);
    s_line_with(s_out, "\nombudsman ", line, sizeof line);
    cr_assert(strstr(line, " blocking "), "%s", s_out);
    cr_assert_eq(s_ctl("gate show"), 2);
    cr_assert_eq(s_ctl("gate show 'ICB QWE'"), 2);
}

/* ---------------------------------------------------------------- check */

Test(ctl_gate, check_of_a_reference_with_no_draft_is_refused_not_found)
{
    cr_assert_eq(h_start(s_h, "routing"), 0);
    cr_assert_eq(h_start(s_h, "signoff"), 0);
    char *signer = h_staff(s_h, ORG, "Sam Signer", "", "signatory");
    int rc = s_ctl("check CDR-NONE-0001 --as %s", signer);
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_err, "error NOT_FOUND in check_draft.complaint_ref: "), "%s", s_err);
    cr_assert_str_eq(s_out, "");

    /* --json: the refusal as the reply came, and the same exit code. */
    rc = s_ctl("check CDR-NONE-0001 --as %s --json", signer);
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(s_out[0] == '{' && strstr(s_out, "NOT_FOUND"), "%s", s_out);

    /* No one acting is a usage error, and nothing is sent. */
    cr_assert_eq(s_ctl("check CDR-NONE-0001"), 2);
    cr_assert(strstr(s_err, "--as ST_ID"), "%s", s_err);
    cr_assert_eq(s_ctl("check --help"), 0);
    cr_assert(strstr(s_out, "3 something blocks signing"), "%s", s_out);
    /* sign --sha256 takes a SHA-256 and nothing else. */
    cr_assert_eq(s_ctl("sign CDR-NONE-0001 --as %s --sha256 abc123", signer), 2);
    cr_assert(strstr(s_err, "--sha256 takes the 64 hex digits"), "%s", s_err);
    free(signer);
}
