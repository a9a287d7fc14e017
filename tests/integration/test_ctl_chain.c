/* test_ctl_chain.c - the signature chain (F2) as ops set it up from
 * candourctl, the real binary against a fresh database: `chain set|show|
 * clear` (a CSU's signatory then the ICB's responsible person, who sends the
 * covering letter; a bad chain refused with sign-off's field named and
 * nothing written), `delegate add|list|revoke` (who may sign for a body,
 * when; refusals), and `covering set|show|clear`. Every change names the
 * operator in the audit trail. Signing through a chain is covered by the
 * signoff suites. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ORG "ICB-QWE"
#define CSU "CSU-X"
#define OPS "ops: ops.alice"
#define STEP1 "--step \"" CSU ":signatory:the CSU's senior signatory\""
#define STEP2 "--step \"" ORG ":responsible-person:the ICB's responsible person\""

static h_t *s_h;
static char s_out[65536]; /* the last command's stdout */
static char s_err[16384]; /* and its stderr */

static void s_setup(void)
{
    s_h = h_new("ctlchain");
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(ctl_chain, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* Run candourctl as the operator ops.alice with the arguments given
 * (h_ctl: trusted test text, pasted into a shell command). Its stdout and
 * stderr land in s_out and s_err; returns its exit code. */
static int s_ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int s_ctl(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = h_vctl(s_h, "", s_out, sizeof s_out, s_err, sizeof s_err, fmt, ap);
    va_end(ap);
    return rc;
}

/* Write len bytes to a file in the test's temp dir; returns its path (static). */
static const char *s_file(const char *name, const char *text, size_t len)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", h_dir(s_h), name);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fwrite(text, 1, len, f);
    fclose(f);
    return path;
}

/* A person in sign-off's copy of the directory, as routing's staff.changed
 * would leave them (the directory itself is not needed here). */
static void s_staff(const char *id, const char *org, const char *name, const char *roles,
                    int disabled)
{
    char array[256];
    snprintf(array, sizeof array, "{%s}", roles);
    const char *v[6] = {
        id, org, name, array, disabled ? "true" : "false", disabled ? "left the trust" : ""};
    h_execp(s_h,
            "INSERT INTO signoff.staff (staff_id, org_id, name, roles, disabled, disabled_reason,"
            " version) VALUES ($1, $2, $3, $4, $5, $6, 1)",
            6, v);
}

static long s_audit(const char *table)
{
    const char *v[1] = {table};
    return h_count(s_h, "SELECT count(*) FROM signoff.audit WHERE table_name = $1", 1, v);
}

/* Entries for table not naming the operator: there should be none. */
static long s_audit_not_ops(const char *table)
{
    const char *v[2] = {table, OPS};
    return h_count(s_h, "SELECT count(*) FROM signoff.audit WHERE table_name = $1 AND actor <> $2",
                   2, v);
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

/* The chain as the table holds it, one string, to see that nothing moved. */
static char *s_chain_rows(void)
{
    char *s = h_scalar(s_h,
                       "SELECT coalesce(string_agg(format('%s|%s|%s|%s|%s|%s', step, signer_org,"
                       " roles, label, covering, changed_at), ';' ORDER BY step), '')"
                       " FROM signoff.chain_step WHERE org_id = '" ORG "'",
                       0, NULL);
    cr_assert(s);
    return s;
}

/* ---------------------------------------------------------------- chain */

Test(ctl_chain, a_two_step_chain_is_set_shown_and_cleared)
{
    cr_assert_eq(s_ctl("chain show " ORG), 0, "%s", s_err);
    cr_assert(strstr(s_out, "Candour's default: one step, a signatory or the responsible person"
                            " of " ORG ", or a signatory authorised to sign for it"),
              "%s", s_out);
    s_staff("ST901", CSU, "Sasha Senior", "signatory", 0);
    s_staff("ST902", ORG, "Rita Responsible", "responsible-person", 0);

    int rc = s_ctl("chain set " ORG " " STEP1 " " STEP2 " --covering");
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    const char *want[] = {
        "chain " ORG ": 2 steps; was Candour's default\n",
        "  1. the CSU's senior signatory: a signatory of " CSU "\n",
        "  2. the ICB's responsible person: the responsible person of " ORG
        "; sends the covering letter\n",
        "note: " ORG " has no covering letter yet",
        "set by " OPS "\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(s_out, want[i]), "missing '%s' in:\n%s", want[i], s_out);
    cr_assert_null(strstr(s_out, "no one can sign"), "both steps have a signer:\n%s", s_out);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.chain_step WHERE org_id = '" ORG "' AND"
                         " changed_by = '" OPS "' AND (step, signer_org, roles, covering) IN"
                         " ((1, '" CSU "', '{signatory}', false),"
                         " (2, '" ORG "', '{responsible-person}', true))",
                         0, NULL),
                 2);
    cr_assert_eq(s_audit("chain_step"), 2);
    cr_assert_eq(s_audit_not_ops("chain_step"), 0, "the audit trail names the operator");

    /* The same chain again writes nothing. */
    char *before = s_chain_rows();
    cr_assert_eq(s_ctl("chain set " ORG " " STEP1 " " STEP2 " --covering"), 0, "%s", s_err);
    cr_assert(strstr(s_out, "chain " ORG ": 2 steps, unchanged\n"), "%s", s_out);
    cr_assert_eq(s_audit("chain_step"), 2);

    rc = s_ctl("chain show " ORG);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "signature chain of " ORG ": 2 steps, set by " OPS " on "), "%s",
              s_out);
    char line[512];
    s_line_with(s_out, "\n1 ", line, sizeof line);
    cr_assert(strstr(line, CSU) && strstr(line, " signatory ") && strstr(line, " - ") &&
                  strstr(line, "the CSU's senior signatory"),
              "%s\n%s", line, s_out);
    s_line_with(s_out, "\n2 ", line, sizeof line);
    cr_assert(strstr(line, ORG) && strstr(line, " responsible-person ") && strstr(line, " yes ") &&
                  strstr(line, "the ICB's responsible person"),
              "%s\n%s", line, s_out);
    cr_assert(strstr(s_out, "covering letter: none yet, though the last step sends one"), "%s",
              s_out);

    /* Bad chains: sign-off's field named, nothing written. */
    static const struct {
        const char *args, *field;
    } bad[] = {
        {"--step '" CSU "::the CSU' " STEP2, "steps[0].roles: "},
        {STEP1 " --covering " STEP2, "steps[0].covering: the covering letter goes with the last"},
        {STEP1 " " STEP1 " " STEP1 " " STEP1 " " STEP1 " " STEP2, "steps: a chain has 1 to 5"},
        {STEP1 " --step '" ORG ":investigator:the investigator'", "steps[1].roles: "},
        {STEP1 " --step '" ORG ":chief:the chief'", "steps[1].roles: 'chief' is not a role"},
        {"--step 'CSU X:signatory:the CSU' " STEP2, "steps[0].signer_org: "},
        {STEP1 " --step '" ORG ":signatory:'", "steps[1].label: "},
        {"", "steps: a chain has 1 to 5 steps"},
        {"--step '" CSU "'", "--step 1: '" CSU "' is not SIGNER_ORG:ROLES:LABEL"},
        {"--covering " STEP1, "--covering follows the --step it marks"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = s_ctl("chain set " ORG " %s", bad[i].args);
        cr_assert_eq(rc, 2, "%s: exit %d: %s%s", bad[i].args, rc, s_out, s_err);
        cr_assert(strstr(s_err, bad[i].field), "%s: want '%s' in:\n%s", bad[i].args, bad[i].field,
                  s_err);
        cr_assert_str_eq(s_out, "", "%s", bad[i].args);
    }
    /* A refusal says which --step it means. */
    cr_assert_eq(s_ctl("chain set " ORG " " STEP1 " --covering " STEP2), 2);
    cr_assert(strstr(s_err, "(--step 1 '" CSU ":signatory:the CSU's senior signatory' --covering)"),
              "%s", s_err);
    char *after = s_chain_rows();
    cr_assert_str_eq(after, before, "a refused chain changes nothing");
    cr_assert_eq(s_audit("chain_step"), 2);
    free(after);
    free(before);

    /* Shorter: step 2 goes, step 1 is changed; a step no one can sign yet
     * is set, with a note. */
    rc = s_ctl("chain set " ORG " --step '" ORG ":signatory+responsible-person:a signatory of"
               " the ICB'");
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "chain " ORG ": 1 step; was 2 steps\n"), "%s", s_out);
    cr_assert(strstr(s_out, "  1. a signatory of the ICB: a signatory or the responsible person"
                            " of " ORG "\n"),
              "%s", s_out);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.chain_step WHERE org_id = '" ORG "'"
                         " AND roles = '{signatory,responsible-person}' AND NOT covering",
                         0, NULL),
                 1);
    cr_assert_eq(s_ctl("chain set ICB-OTHER --step 'CSU-Y:signatory:the CSU'"), 0, "%s", s_err);
    cr_assert(strstr(s_out, "note: no one can sign step 1 yet: sign-off's copy of the directory"
                            " has no signatory of CSU-Y"),
              "%s", s_out);

    rc = s_ctl("chain clear " ORG);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "chain " ORG ": cleared (1 step removed) by " OPS "\n") &&
                  strstr(s_out, "Candour's default: one step"),
              "%s", s_out);
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM signoff.chain_step WHERE org_id = '" ORG "'", 0, NULL),
        0);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.audit WHERE table_name = 'chain_step'"
                         " AND op = 'DELETE' AND actor = '" OPS "'",
                         0, NULL),
                 2, "step 2 by set, step 1 by clear");
    cr_assert_eq(s_audit_not_ops("chain_step"), 0);
    cr_assert_eq(s_ctl("chain clear " ORG), 0, "%s", s_err);
    cr_assert(strstr(s_out, "it had no chain of its own; nothing changed"), "%s", s_out);
    cr_assert_eq(s_ctl("chain show " ORG), 0, "%s", s_err);
    cr_assert(strstr(s_out, "signature chain of " ORG ": Candour's default"), "%s", s_out);

    cr_assert_eq(s_ctl("chain show"), 2);
    cr_assert_eq(s_ctl("chain show 'ICB QWE'"), 2);
    cr_assert_eq(s_ctl("chain clear"), 2);
    cr_assert_eq(s_ctl("chain --help"), 0);
    cr_assert(strstr(s_out, "Usage: candourctl chain set ORG --step SIGNER_ORG:ROLES:LABEL"), "%s",
              s_out);
}

/* ---------------------------------------------------------------- delegate */

/* The id `delegate add` printed ("delegation N: ..."). */
static long s_id(void)
{
    long id = 0;
    cr_assert_eq(sscanf(s_out, "delegation %ld:", &id), 1, "%s", s_out);
    return id;
}

Test(ctl_chain, delegations_are_added_listed_and_revoked_and_bad_ones_refused)
{
    s_staff("ST911", CSU, "Dee Deputy", "signatory", 0);
    s_staff("ST912", ORG, "Gone Person", "signatory", 1);

    int rc = s_ctl("delegate add " ORG " --staff ST911 --role responsible-person --from"
                   " 2020-01-01 --until 2099-12-31 --reason 'responsible person on leave'");
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    long now = s_id();
    cr_assert(strstr(s_out, ": Dee Deputy (ST911, of " CSU ") may sign for " ORG " as responsible"
                            " person from 2020-01-01 until 2099-12-31 (both days included);"
                            " recorded by " OPS "\n"),
              "%s", s_out);
    cr_assert_eq(s_ctl("delegate add " ORG " --staff ST911 --role signatory --role"
                       " responsible-person --from 2098-01-01 --until 2098-01-31"),
                 0, "%s", s_err);
    long later = s_id();
    cr_assert_eq(s_ctl("delegate add " ORG " --staff ST911 --role signatory --from 2020-01-01"
                       " --until 2020-01-31"),
                 0, "%s", s_err);
    long past = s_id();
    cr_assert(strstr(s_out, "note: its last day is past"), "%s", s_out);
    cr_assert(now != later && later != past);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.delegation WHERE org_id = '" ORG "'"
                         " AND staff_id = 'ST911' AND recorded_by = '" OPS "' AND"
                         " revoked_at IS NULL AND ((roles = '{responsible-person}' AND reason ="
                         " 'responsible person on leave') OR roles ="
                         " '{signatory,responsible-person}' OR valid_until = '2020-01-31')",
                         0, NULL),
                 3);

    /* Refusals: nothing recorded. */
    static const struct {
        const char *args, *why;
        int rc;
    } bad[] = {
        {"--staff ST911 --role signatory --from 2025-02-01 --until 2025-01-31",
         "--until 2025-01-31 is before --from 2025-02-01", 2},
        {"--staff ST911 --role signatory --from 2025-02-30 --until 2025-03-31",
         "--from takes a day that exists, YYYY-MM-DD, not '2025-02-30'", 2},
        {"--staff ST911 --role signatory --from 2025-02-01 --until 31/03/2025",
         "--until takes a day", 2},
        {"--staff ST911 --role investigator --from 2025-02-01 --until 2025-03-31",
         "--role 'investigator': a delegation is for responsible-person or signatory", 2},
        {"--staff ST911 --role signatory --from 2025-02-01", "give ORG, --staff, --role", 2},
        {"--staff ST911 --role signatory --from 2025-02-01 --until 2025-03-31 --reason ''",
         "--reason takes the reason in words", 2},
        {"--staff ST999 --role signatory --from 2025-02-01 --until 2025-03-31",
         "sign-off knows of no ST999", 1},
        {"--staff ST912 --role signatory --from 2025-02-01 --until 2025-03-31",
         "ST912 (Gone Person) is disabled", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = s_ctl("delegate add " ORG " %s", bad[i].args);
        cr_assert_eq(rc, bad[i].rc, "%s: exit %d: %s%s", bad[i].args, rc, s_out, s_err);
        cr_assert(strstr(s_err, bad[i].why), "%s: want '%s' in:\n%s", bad[i].args, bad[i].why,
                  s_err);
    }
    cr_assert_eq(s_ctl("delegate add 'ICB QWE' --staff ST911 --role signatory --from 2025-02-01"
                       " --until 2025-03-31"),
                 2);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM signoff.delegation", 0, NULL), 3);

    /* list: in force and to come; --all: the past one too. */
    cr_assert_eq(s_ctl("delegate list " ORG), 0, "%s", s_err);
    char needle[96], line[512];
    snprintf(needle, sizeof needle, "\n%ld ", now);
    s_line_with(s_out, needle, line, sizeof line);
    cr_assert(strstr(line, "ST911") && strstr(line, "Dee Deputy") &&
                  strstr(line, " responsible-person ") && strstr(line, "2099-12-31") &&
                  strstr(line, " in force ") && strstr(line, OPS) &&
                  strstr(line, "responsible person on leave"),
              "%s\n%s", line, s_out);
    snprintf(needle, sizeof needle, "\n%ld ", later);
    cr_assert(strstr(s_line_with(s_out, needle, line, sizeof line), " to come "), "%s", s_out);
    snprintf(needle, sizeof needle, "\n%ld ", past);
    cr_assert_null(strstr(s_out, needle), "%s", s_out);
    cr_assert(strstr(s_out, "\n2 delegations for " ORG " in force or to come"), "%s", s_out);
    cr_assert_eq(s_ctl("delegate list " ORG " --all"), 0, "%s", s_err);
    cr_assert(strstr(s_line_with(s_out, needle, line, sizeof line), " ended "), "%s", s_out);
    cr_assert(strstr(s_out, "\n3 delegations for " ORG "\n"), "%s", s_out);
    cr_assert_eq(s_ctl("delegate list ICB-OTHER"), 0, "%s", s_err);
    cr_assert(strstr(s_out, "ICB-OTHER has no delegations in force or to come"), "%s", s_out);

    /* revoke: kept, marked, with why. */
    rc = s_ctl("delegate revoke %ld --reason 'back from leave'", now);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    snprintf(needle, sizeof needle, "delegation %ld revoked by " OPS ": ST911", now);
    cr_assert(strstr(s_out, needle), "%s", s_out);
    char id[24];
    snprintf(id, sizeof id, "%ld", now);
    const char *v[1] = {id};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.delegation WHERE id = $1::bigint AND"
                         " revoked_at IS NOT NULL AND reason = 'responsible person on leave'"
                         " AND revoke_reason = 'back from leave' AND revoked_by = '" OPS "'",
                         1, v),
                 1);
    rc = s_ctl("delegate revoke %ld --reason 'again'", now);
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_err, "was revoked already, on "), "%s", s_err);
    cr_assert_eq(s_ctl("delegate revoke 999999 --reason gone"), 1);
    cr_assert(strstr(s_err, "there is no delegation 999999"), "%s", s_err);
    cr_assert_eq(s_ctl("delegate revoke abc --reason gone"), 2);
    cr_assert_eq(s_ctl("delegate revoke %ld", later), 2);
    cr_assert(strstr(s_err, "--reason"), "%s", s_err);

    cr_assert_eq(s_ctl("delegate list " ORG), 0, "%s", s_err);
    cr_assert(strstr(s_out, "\n1 delegation for " ORG " in force or to come"), "%s", s_out);
    cr_assert_eq(s_ctl("delegate list " ORG " --all"), 0, "%s", s_err);
    snprintf(needle, sizeof needle, "\n%ld ", now);
    cr_assert(strstr(s_line_with(s_out, needle, line, sizeof line), " revoked "), "%s", s_out);

    cr_assert_eq(s_audit("delegation"), 4, "three added, one revoked");
    cr_assert_eq(s_audit_not_ops("delegation"), 0, "the audit trail names the operator");
}

/* ---------------------------------------------------------------- covering */

#define LETTER "Dear Ms Patel,\n\nWe enclose our response.\n\tWith thanks, the ICB"

Test(ctl_chain, the_covering_letter_is_set_shown_and_cleared)
{
    cr_assert_eq(s_ctl("covering show " ORG), 0, "%s", s_err);
    cr_assert_str_eq(s_out, "");
    cr_assert(strstr(s_err, ORG " has no covering letter"), "%s", s_err);

    /* As Windows saves it: a BOM, CRLFs, line ends at the end. */
    const char raw[] = "\xEF\xBB\xBF"
                       "Dear Ms Patel,\r\n\r\nWe enclose our response.\r\n\tWith thanks, the ICB"
                       "\r\n\r\n";
    const char *path = s_file("letter.txt", raw, sizeof raw - 1);
    int rc = s_ctl("covering set " ORG " --file '%s'", path);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    char want[256];
    snprintf(want, sizeof want,
             "covering letter of " ORG ": %zu bytes, 4 lines; was none; set by"
             " " OPS "\n",
             strlen(LETTER));
    cr_assert(strstr(s_out, want), "want '%s' in:\n%s", want, s_out);
    cr_assert(strstr(s_out, "note: no step of " ORG "'s signature chain sends it yet"), "%s",
              s_out);
    const char *v[1] = {LETTER};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.covering_letter WHERE org_id = '" ORG "'"
                         " AND text = $1 AND changed_by = '" OPS "'",
                         1, v),
                 1);

    cr_assert_eq(s_ctl("covering show " ORG), 0, "%s", s_err);
    cr_assert_str_eq(s_out, LETTER "\n", "the text alone, to edit and set again");
    cr_assert(strstr(s_err, "4 lines, set by " OPS " on "), "%s", s_err);

    /* The same text, from standard input, writes nothing. */
    path = s_file("same.txt", LETTER "\n", strlen(LETTER) + 1);
    cr_assert_eq(s_ctl("covering set " ORG " --file - <'%s'", path), 0, "%s", s_err);
    cr_assert(strstr(s_out, "4 lines, unchanged\n"), "%s", s_out);
    cr_assert_eq(s_audit("covering_letter"), 1);

    /* With a chain that sends it: no note; chain show tells its size. */
    cr_assert_eq(s_ctl("chain set " ORG " " STEP1 " " STEP2 " --covering"), 0, "%s", s_err);
    cr_assert_null(strstr(s_out, "covering letter yet"), "%s", s_out);
    cr_assert_eq(s_ctl("chain show " ORG), 0, "%s", s_err);
    snprintf(want, sizeof want, "covering letter: %zu bytes", strlen(LETTER));
    cr_assert(strstr(s_out, want), "%s", s_out);

    /* Refusals: the letter stays. */
    char *big = malloc(20002);
    cr_assert(big);
    memset(big, 'a', 20001);
    static const struct {
        const char *name, *text, *why;
    } bad[] = {
        {"empty.txt", "\r\n\n", "holds 0 bytes of text; a covering letter is 1 to 20000"},
        {"ctrl.txt", "Dear all,\nA \x01 here\n", "ctrl.txt, line 2: not UTF-8 text"},
        {"latin1.txt", "Dear Ren\xe9,\n", "latin1.txt, line 1: not UTF-8 text"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path = s_file(bad[i].name, bad[i].text, strlen(bad[i].text));
        rc = s_ctl("covering set " ORG " --file '%s'", path);
        cr_assert_eq(rc, 2, "%s: exit %d: %s%s", bad[i].name, rc, s_out, s_err);
        cr_assert(strstr(s_err, bad[i].why), "%s: want '%s' in:\n%s", bad[i].name, bad[i].why,
                  s_err);
    }
    path = s_file("big.txt", big, 20001);
    cr_assert_eq(s_ctl("covering set " ORG " --file '%s'", path), 2, "%s", s_out);
    cr_assert(strstr(s_err, "holds 20001 bytes"), "%s", s_err);
    path = s_file("max.txt", big, 20000);
    cr_assert_eq(s_ctl("covering set " ORG " --file '%s'", path), 0, "20000 bytes: %s", s_err);
    cr_assert(strstr(s_out, "20000 bytes, 1 line; was "), "%s", s_out);
    free(big);
    cr_assert_eq(s_ctl("covering set " ORG " --file /nonexistent/letter.txt"), 1);
    cr_assert(strstr(s_err, "cannot read /nonexistent/letter.txt"), "%s", s_err);
    cr_assert_eq(s_ctl("covering set " ORG), 2);
    cr_assert_eq(s_ctl("covering set 'ICB QWE' --file '%s'", path), 2);
    cr_assert_eq(s_audit("covering_letter"), 2);

    /* clear, with the chain still asking for one: a note. */
    rc = s_ctl("covering clear " ORG);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "covering letter of " ORG ": cleared (it was 20000 bytes) by " OPS),
              "%s", s_out);
    cr_assert(strstr(s_out, "note: the last step of " ORG "'s signature chain is to send one"),
              "%s", s_out);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM signoff.covering_letter", 0, NULL), 0);
    cr_assert_eq(s_ctl("covering clear " ORG), 0, "%s", s_err);
    cr_assert(strstr(s_out, "it had none; nothing changed"), "%s", s_out);
    cr_assert_eq(s_audit("covering_letter"), 3);
    cr_assert_eq(s_audit_not_ops("covering_letter"), 0, "the audit trail names the operator");
}

/* A response part-signed when the body changes its chain starts again under
 * the new one: the signatures given are void (kept, with why). */
Test(ctl_chain, a_changed_chain_voids_the_signatures_on_responses_in_flight)
{
    h_exec(s_h, "INSERT INTO signoff.draft (reference, case_id, outcome, findings, state, org_id,"
                " draft_version, draft_sha256, draft_text) VALUES ('CDR-CHNG-0001',"
                " gen_random_uuid(), 'OUTCOME_UPHELD', '', 'awaiting-signature', '" ORG "', 1,"
                " 'aa', 'text'), ('CDR-CHNG-0002', gen_random_uuid(), 'OUTCOME_UPHELD', '',"
                " 'approved', '" ORG "', 1, 'bb', 'text')");
    h_exec(s_h, "INSERT INTO signoff.signature (reference, version, sha256, step, staff_id, name)"
                " VALUES ('CDR-CHNG-0001', 1, 'aa', 1, 'ST1', 'A'),"
                " ('CDR-CHNG-0002', 1, 'bb', 1, 'ST1', 'A')");
    cr_assert_eq(s_ctl("chain set " ORG " " STEP1 " " STEP2 " --covering"), 0, "%s", s_err);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.signature WHERE reference ="
                         " 'CDR-CHNG-0001' AND void_at IS NOT NULL AND void_reason LIKE"
                         " '%chain changed%'",
                         0, NULL),
                 1, "the part-signed response kept its signature");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM signoff.signature WHERE reference ="
                         " 'CDR-CHNG-0002' AND void_at IS NULL",
                         0, NULL),
                 1, "an approved response's signature was voided");
    cr_assert_eq(s_ctl("chain clear " ORG), 0, "%s", s_err);
}
