/* test_categories.c - the KO41a category lists are data (DOMAIN.md V5, L2a):
 * `candourctl categories import|list` against a fresh database. The shipped
 * file imports, and importing it again changes nothing; a file with a bad
 * row imports nothing and names every bad line; a code is retired by an
 * effective_to and never deleted, so a code the file leaves out stays. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define SHIPPED CANDOUR_SOURCE_DIR "/deploy/categories/ko41a.csv"
#define HEADER "list,code,name,effective_from,effective_to\n"

/* Run `candourctl categories ARGS` against the test database (args are
 * trusted test text, pasted into a shell command); stdout and stderr into
 * out. Returns the exit code. */
static int s_ctl(h_t *h, char *out, size_t outlen, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' categories %s 2>&1",
             h_db_url(h), CANDOUR_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `categories import PATH`. */
static int s_import(h_t *h, char *out, size_t outlen, const char *path)
{
    char args[2048];
    snprintf(args, sizeof args, "import '%s'", path);
    return s_ctl(h, out, outlen, args);
}

/* Write text to a file in the test's temp dir; returns its path (static buffer). */
static const char *s_file(h_t *h, const char *name, const char *text)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", h_dir(h), name);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Lines of the shipped file that start with prefix ("subject,"): its rows of
 * that list (it has no record spanning lines), so these tests follow the file
 * when ops change it. */
static long s_shipped_rows(const char *prefix)
{
    FILE *f = fopen(SHIPPED, "r");
    cr_assert(f, "cannot open %s", SHIPPED);
    char line[1024];
    long n = 0;
    while (fgets(line, sizeof line, f))
        n += strncmp(line, prefix, strlen(prefix)) == 0;
    fclose(f);
    return n;
}

static long s_rows(h_t *h)
{
    return h_count(h, "SELECT count(*) FROM investigation.category", 0, NULL);
}

static long s_audit_entries(h_t *h)
{
    return h_count(h, "SELECT count(*) FROM investigation.audit WHERE table_name = 'category'", 0,
                   NULL);
}

/* The one row of `list` output for code in list, or "" (copied to line). */
static void s_listed(const char *out, const char *list, const char *code, char *line, size_t len)
{
    char key[256];
    snprintf(key, sizeof key, "\n%s ", list);
    line[0] = 0;
    for (const char *p = out; (p = strstr(p, key)) != NULL; p++) {
        const char *q = p + strlen(key);
        q += strspn(q, " ");
        size_t cl = strlen(code);
        if (strncmp(q, code, cl) == 0 && q[cl] == ' ') {
            size_t n = strcspn(p + 1, "\n");
            snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), p + 1);
            return;
        }
    }
}

Test(categories, the_shipped_lists_import_and_importing_them_again_changes_nothing, .timeout = 60)
{
    h_t *h = h_new("categories");
    char out[32768], want[256];
    long subj = s_shipped_rows("subject,"), area = s_shipped_rows("service-area,"),
         prof = s_shipped_rows("profession,");
    cr_assert(subj > 10 && area > 5 && prof > 5, "%ld %ld %ld", subj, area, prof);

    cr_assert_eq(s_import(h, out, sizeof out, SHIPPED), 0, "%s", out);
    snprintf(want, sizeof want,
             "categories: %ld subject, %ld service-area, %ld profession (%ld new, 0 changed)\n",
             subj, area, prof, subj + area + prof);
    cr_assert(strstr(out, want), "want '%s' in:\n%s", want, out);
    cr_assert_eq(s_rows(h), subj + area + prof);
    /* The codes the domain names (V5), and an "other" in every list. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM investigation.category WHERE (list, code) IN"
                         " (('subject', 'clinical-treatment'), ('subject', 'communications'),"
                         " ('subject', 'values-and-behaviours'), ('subject', 'other'),"
                         " ('service-area', 'other'), ('profession', 'other'))"
                         " AND effective_from = '2022-04-01' AND effective_to IS NULL",
                         0, NULL),
                 6);
    /* Quoting survived: a comma inside a name. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM investigation.category WHERE code ="
                         " 'privacy-dignity-wellbeing' AND name = 'Privacy, dignity and wellbeing'",
                         0, NULL),
                 1);
    long audited = s_audit_entries(h);
    cr_assert_eq(audited, subj + area + prof, "each new row in the audit trail");
    char *at = h_scalar(h, "SELECT max(imported_at)::text FROM investigation.category", 0, NULL);

    cr_assert_eq(s_import(h, out, sizeof out, SHIPPED), 0, "%s", out);
    cr_assert(strstr(out, "(0 new, 0 changed)"), "%s", out);
    cr_assert_null(strstr(out, "not in the file"), "%s", out);
    cr_assert_eq(s_rows(h), subj + area + prof);
    cr_assert_eq(s_audit_entries(h), audited, "a second import writes nothing");
    char *at2 = h_scalar(h, "SELECT max(imported_at)::text FROM investigation.category", 0, NULL);
    cr_assert_str_eq(at2, at);
    free(at);
    free(at2);

    /* investigation reads the lists with its own role. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) WHERE has_table_privilege('candour_investigation',"
                         " 'investigation.category', 'SELECT')",
                         0, NULL),
                 1);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(categories, a_file_with_bad_rows_names_each_bad_line_and_imports_nothing, .timeout = 60)
{
    h_t *h = h_new("categories");
    char out[32768];
    const char *good =
        s_file(h, "good.csv", HEADER "subject,communications,Communications,2022-04-01,\n");
    cr_assert_eq(s_import(h, out, sizeof out, good), 0, "%s", out);

    const char *path = s_file(
        h, "bad.csv",
        HEADER "subject,communications,Communication with patients,2022-04-01,\n" /* 2 good */
               "subjects,clinical-treatment,Clinical treatment,2022-04-01,\n"     /* 3 list */
               "subject,Waiting Times,Waiting times,2022-04-01,\n"                /* 4 code */
               "service-area,maternity,,2022-04-01,\n"                            /* 5 name */
               "service-area,a-and-e,A&E,2022-02-30,\n"                           /* 6 from */
               "profession,medical,Medical,2022-04-01,2022-04-01\n"               /* 7 to */
               "profession,nursing,\"Nursing,\nmidwifery\",2022-04-01,\n"         /* 8 name */
               "subject,communications,Communications again,2022-04-01,\n"        /* 10 twice */
               "service-area,communications,Communications,2022-04-01,\n"         /* 11 good */
               "profession,other,Other,,\n"                                       /* 12 from */
               "subject,x,X,2022-04-01,2021-01-01,\n"                             /* 13 count */
               "subject,ok,\"Quoted, fine\",2022-04-01,2030-01-01\n");            /* 14 good */
    cr_assert_eq(s_import(h, out, sizeof out, path), 1, "%s", out);
    const char *want[] = {
        "line 3: list: 'subjects' is not a list: subject, service-area or profession\n",
        "line 4: code: 'Waiting Times' is not a code",
        "line 5: name: name is required\n",
        "line 6: effective_from: '2022-02-30' is not a date written YYYY-MM-DD\n",
        "line 7: effective_to: 2022-04-01 is not after effective_from 2022-04-01",
        "line 8: name: name must be UTF-8 text on one line",
        "line 10: code: subject communications is already on line 2\n",
        "line 12: effective_from: effective_from is required",
        "line 13: row: more than 5 fields, expected 5\n",
        "9 problems in "};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(out, want[i]), "missing '%s' in:\n%s", want[i], out);
    cr_assert(strstr(out, ": nothing imported"), "%s", out);
    const char *quiet[] = {"line 2:", "line 9:", "line 11:", "line 14:"};
    for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++)
        cr_assert_null(strstr(out, quiet[i]), "%s in:\n%s", quiet[i], out);
    /* Not even the good rows: the name on line 2 stays as it was. */
    cr_assert_eq(s_rows(h), 1);
    cr_assert_eq(
        h_count(h, "SELECT count(*) FROM investigation.category WHERE name = 'Communications'", 0,
                NULL),
        1);

    path = s_file(h, "header.csv", "list,code,name,from,to\nsubject,x,X,2022-04-01,\n");
    cr_assert_eq(s_import(h, out, sizeof out, path), 1, "%s", out);
    cr_assert(strstr(out, "line 1: header: expected list,code,name,effective_from,effective_to"),
              "%s", out);
    path = s_file(h, "empty.csv", HEADER);
    cr_assert_eq(s_import(h, out, sizeof out, path), 1, "%s", out);
    cr_assert(strstr(out, "no rows in "), "%s", out);
    cr_assert_eq(s_import(h, out, sizeof out, "/nonexistent/ko41a.csv"), 1, "%s", out);
    cr_assert(strstr(out, "cannot read /nonexistent/ko41a.csv"), "%s", out);
    cr_assert_eq(s_rows(h), 1);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(categories, a_line_copy_cannot_read_is_named_and_the_rows_after_it_still_checked,
     .timeout = 60)
{
    h_t *h = h_new("categories");
    char out[32768];
    const char *path = s_file(h, "malformed.csv",
                              "\xEF\xBB\xBF" HEADER                  /* 1 BOM: no data */
                              "subject,a,A\n"                        /* 2 too few */
                              "subject,b,\"B and more,2022-04-01,\n" /* 3 open quote: to the end */
                              "subject,c,C,2022-04-01,\n");          /* 4 inside the quote */
    cr_assert_eq(s_import(h, out, sizeof out, path), 1, "%s", out);
    cr_assert(strstr(out, "line 2: row: 3 fields, expected 5\n"), "%s", out);
    cr_assert(strstr(out, "line 3: csv: unterminated CSV quoted field"), "%s", out);
    cr_assert(strstr(out, "2 problems in "), "%s", out);

    path = s_file(h, "bytes.csv",
                  HEADER "subject,d,D \xff,2022-04-01,\r\n" /* 2 not UTF-8 */
                         "subject,e,E,2022-04-01,\r\n"      /* 3 good, CRLF */
                         "Subject,f,F,2022-04-01,\r\n");    /* 4 list */
    cr_assert_eq(s_import(h, out, sizeof out, path), 1, "%s", out);
    cr_assert(strstr(out, "line 2: csv: invalid byte sequence for encoding \"UTF8\""), "%s", out);
    cr_assert(strstr(out, "line 4: list: 'Subject' is not a list"), "%s", out);
    cr_assert_null(strstr(out, "line 3"), "%s", out);
    cr_assert_eq(s_rows(h), 0);

    /* Mended, the same file goes in: BOM, CRLF and all. */
    path = s_file(h, "mended.csv",
                  "\xEF\xBB\xBF" HEADER "subject,e,E,2022-04-01,\r\n"
                  "subject,f,F,2022-04-01,\r\n");
    cr_assert_eq(s_import(h, out, sizeof out, path), 0, "%s", out);
    cr_assert(strstr(out, "categories: 2 subject, 0 service-area, 0 profession (2 new, 0 changed)"),
              "%s", out);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(categories, list_shows_each_list_and_what_is_in_force_on_a_day, .timeout = 60)
{
    h_t *h = h_new("categories");
    char out[32768], line[512], want[128];
    long subj = s_shipped_rows("subject,"), prof = s_shipped_rows("profession,");
    long all = subj + s_shipped_rows("service-area,") + prof;
    cr_assert_eq(s_import(h, out, sizeof out, SHIPPED), 0, "%s", out);

    cr_assert_eq(s_ctl(h, out, sizeof out, "list"), 0, "%s", out);
    cr_assert_eq(strncmp(out, "LIST", 4), 0, "a header first: %s", out);
    snprintf(want, sizeof want, "\n%ld categories\n", all);
    cr_assert(strstr(out, want), "want '%s' in:\n%s", want, out);
    s_listed(out, "subject", "clinical-treatment", line, sizeof line);
    cr_assert(strstr(line, "2022-04-01") && strstr(line, " - ") &&
                  strstr(line, "Clinical treatment"),
              "'%s' in:\n%s", line, out);
    /* Subjects first, then service areas, then professions. */
    cr_assert(strstr(out, "\nsubject ") < strstr(out, "\nservice-area ") &&
                  strstr(out, "\nservice-area ") < strstr(out, "\nprofession "),
              "%s", out);

    cr_assert_eq(s_ctl(h, out, sizeof out, "list --list profession"), 0, "%s", out);
    snprintf(want, sizeof want, "\n%ld categories\n", prof);
    cr_assert(strstr(out, want), "want '%s' in:\n%s", want, out);
    cr_assert_null(strstr(out, "\nsubject "), "%s", out);
    s_listed(out, "profession", "medical", line, sizeof line);
    cr_assert_neq(line[0], 0, "%s", out);

    cr_assert_eq(s_ctl(h, out, sizeof out, "list --at 2022-04-01"), 0, "%s", out);
    snprintf(want, sizeof want, "\n%ld categories in force on 2022-04-01\n", all);
    cr_assert(strstr(out, want), "want '%s' in:\n%s", want, out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "list --at 2022-03-31 --list subject"), 0, "%s", out);
    cr_assert(strstr(out, "\n0 categories in force on 2022-03-31\n"), "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "list --at today"), 0, "%s", out);
    cr_assert(strstr(out, " categories in force on 20"), "%s", out);

    cr_assert_eq(s_ctl(h, out, sizeof out, "list --list staff-group"), 2, "%s", out);
    cr_assert(strstr(out, "--list 'staff-group' is not subject, service-area or profession"), "%s",
              out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "list --at 2023-02-29"), 2, "%s", out);
    cr_assert(strstr(out, "--at '2023-02-29' is not a date"), "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "list --help"), 0, "%s", out);
    cr_assert(strstr(out, "Usage: candourctl categories import FILE.csv"), "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "import --help"), 0, "%s", out);
    cr_assert(strstr(out, "Usage: candourctl categories import FILE.csv"), "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "--help"), 0, "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "remove subject"), 2, "%s", out);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(categories, a_code_is_retired_by_an_effective_to_and_one_left_out_of_the_file_stays,
     .timeout = 60)
{
    h_t *h = h_new("categories");
    char out[32768], line[512];
    const char *path = s_file(h, "v1.csv",
                              HEADER "subject,transport,Transport (ambulances and other),"
                                     "2022-04-01,\n"
                                     "subject,restraint,Restraint,2022-04-01,\n"
                                     "profession,other,Other,2022-04-01,\n");
    cr_assert_eq(s_import(h, out, sizeof out, path), 0, "%s", out);
    cr_assert(strstr(out, "(3 new, 0 changed)"), "%s", out);

    /* Next year's file: transport retired from 2025-04-01, a new code, a
     * renamed one, and restraint left out. */
    path = s_file(h, "v2.csv",
                  HEADER "subject,transport,Transport (ambulances and other),2022-04-01,"
                         "2025-04-01\n"
                         "subject,consent,Consent,2025-04-01,\n"
                         "profession,other,Other staff,2022-04-01,\n");
    long audited = s_audit_entries(h);
    cr_assert_eq(s_import(h, out, sizeof out, path), 0, "%s", out);
    cr_assert(strstr(out, "categories: 2 subject, 0 service-area, 1 profession (1 new, 2 changed)"),
              "%s", out);
    cr_assert(strstr(out, "1 code not in the file kept as it is"), "%s", out);
    cr_assert_eq(s_audit_entries(h), audited + 3, "one entry per change");
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM investigation.category WHERE code = 'transport'"
                         " AND effective_to = '2025-04-01'",
                         0, NULL),
                 1);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM investigation.category WHERE code = 'restraint'"
                         " AND effective_to IS NULL",
                         0, NULL),
                 1);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM investigation.category WHERE list = 'profession'"
                         " AND code = 'other' AND name = 'Other staff'",
                         0, NULL),
                 1);

    /* In force up to the day before effective_to; not from it. */
    cr_assert_eq(s_ctl(h, out, sizeof out, "list --at 2025-03-31"), 0, "%s", out);
    s_listed(out, "subject", "transport", line, sizeof line);
    cr_assert(strstr(line, "2025-04-01"), "'%s' in:\n%s", line, out);
    s_listed(out, "subject", "consent", line, sizeof line);
    cr_assert_eq(line[0], 0, "consent starts on 2025-04-01:\n%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "list --at 2025-04-01"), 0, "%s", out);
    s_listed(out, "subject", "transport", line, sizeof line);
    cr_assert_eq(line[0], 0, "transport retired:\n%s", out);
    s_listed(out, "subject", "consent", line, sizeof line);
    cr_assert_neq(line[0], 0, "%s", out);
    cr_assert(strstr(out, "\n3 categories in force on 2025-04-01\n"), "%s", out);
    cr_assert_eq(s_ctl(h, out, sizeof out, "list"), 0, "%s", out);
    cr_assert(strstr(out, "\n4 categories\n"), "the retired code is still listed:\n%s", out);

    /* The table holds the rule too, for writers other than candourctl. */
    static const char *const refused[] = {
        "INSERT INTO investigation.category (list, code, name, effective_from, effective_to)"
        " VALUES ('subject', 'late', 'Late', '2025-04-01', '2025-04-01')",
        "INSERT INTO investigation.category (list, code, name, effective_from)"
        " VALUES ('subject', 'Bad Code', 'Bad', '2025-04-01')",
        "INSERT INTO investigation.category (list, code, name, effective_from)"
        " VALUES ('subject', 'a--b', 'Bad', '2025-04-01')",
        "INSERT INTO investigation.category (list, code, name, effective_from)"
        " VALUES ('staff-group', 'nurse', 'Nurse', '2025-04-01')",
        "INSERT INTO investigation.category (list, code, name, effective_from)"
        " VALUES ('subject', 'blank', '  ', '2025-04-01')",
        "INSERT INTO investigation.category (list, code, name, effective_from)"
        " VALUES ('subject', 'nl', E'a\\nb', '2025-04-01')",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        PGresult *r = PQexecParams(h_db(h), refused[i], 0, NULL, NULL, NULL, NULL, 0);
        cr_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23514", "%s: %s", refused[i],
                         PQresultErrorMessage(r));
        PQclear(r);
    }
    cr_assert_eq(s_rows(h), 4);
    cr_assert_eq(h_destroy(&h), 0);
}
