/* test_routes.c - the routing table is data with effective dates (R1):
 * `candourctl routes import|list` against a fresh database. A file is
 * imported whole or not at all, every bad line is named, --replace swaps an
 * organisation's table in one transaction, and no organisation has two rows
 * for one service in force on the same day. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define SAMPLE CANDOUR_SOURCE_DIR "/deploy/routes.sample.csv"
#define HEADER                                                                                     \
    "org_id,service,service_name,kind,commissioner,provider,effective_from,effective_to\n"

/* Run `candourctl routes ARGS` against the test database (args are trusted
 * test text, pasted into a shell command); capture stdout and stderr. */
static int s_routes(h_t *h, char *out, size_t outlen, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes %s 2>&1",
             h_db_url(h), CANDOUR_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
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

/* The line of out holding needle, copied to line (empty if none). */
static void s_line_with(const char *out, const char *needle, char *line, size_t len)
{
    line[0] = 0;
    const char *p = strstr(out, needle);
    if (!p)
        return;
    while (p > out && p[-1] != '\n')
        p--;
    size_t n = strcspn(p, "\n");
    snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), p);
}

/* The k-th whitespace-separated word of line counted from its end (1: the
 * last, NHSE-DIRECT; 5: COMMISSIONER), whatever the column widths. */
static void s_word_from_end(const char *line, int k, char *word, size_t len)
{
    const char *end = line + strlen(line);
    const char *start = end;
    for (int i = 0; i < k; i++) {
        end = start;
        while (end > line && end[-1] == ' ')
            end--;
        start = end;
        while (start > line && start[-1] != ' ')
            start--;
    }
    snprintf(word, len, "%.*s", (int)(end - start), start);
}

static int s_count_of(const char *out, const char *needle)
{
    int n = 0;
    for (const char *p = out; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static long s_rows(h_t *h, const char *org)
{
    const char *v[1] = {org};
    return h_count(h, "SELECT count(*) FROM routing.route WHERE org_id = $1", 1, v);
}

Test(routes, the_sample_imports_in_one_go_with_a_count_per_organisation, .timeout = 60)
{
    h_t *h = h_new("routes");
    char out[32768], args[2048];
    snprintf(args, sizeof args, "import '%s'", SAMPLE);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "ICB-QWE: 16 rows imported"), "%s", out);
    cr_assert(strstr(out, "TRUST-RXX: 5 rows imported"), "%s", out);
    cr_assert(strstr(out, "LA-XYZ: 3 rows imported"), "%s", out);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.route", 0, NULL), 24);
    /* Quoting survived: a comma and doubled quotes inside names. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route WHERE service_name ="
                         " 'Home care (\"domiciliary care\"), adult social care'",
                         0, NULL),
                 2);
    /* NHS England's direct commissioning is the row's commissioner, never the
     * kind of service (R1): the four kinds it keeps, and primary care (GP and
     * dental) before 1 July 2023. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route WHERE org_id = 'ICB-QWE'"
                         " AND nhse_direct",
                         0, NULL),
                 6);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route WHERE org_id = 'ICB-QWE'"
                         " AND nhse_direct AND kind = 'primary-care'",
                         0, NULL),
                 2);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route WHERE service = 'chc'"
                         " AND NOT nhse_direct AND provider = 'CSU-ABC'",
                         0, NULL),
                 1);
    /* routing reads it with its own role. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) WHERE has_table_privilege('candour_routing',"
                         " 'routing.route', 'SELECT')",
                         0, NULL),
                 1);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(routes, gp_complaints_move_from_nhs_england_to_the_icb_on_1_july_2023, .timeout = 60)
{
    h_t *h = h_new("routes");
    char out[32768], line[1024], word[64], args[2048];
    snprintf(args, sizeof args, "import '%s'", SAMPLE);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 0, "%s", out);

    cr_assert_eq(s_routes(h, out, sizeof out, "list ICB-QWE --on 2023-06-30"), 0, "%s", out);
    s_line_with(out, "gp-practice", line, sizeof line);
    s_word_from_end(line, 5, word, sizeof word);
    cr_assert_str_eq(word, "NHSE", "%s", out);
    s_word_from_end(line, 2, word, sizeof word);
    cr_assert_str_eq(word, "2023-07-01", "%s", out);
    cr_assert(strstr(out, "14 routes in force on 2023-06-30"), "%s", out);
    cr_assert_null(strstr(out, "TRUST-RXX  acute"), "only ICB-QWE's table: %s", out);

    cr_assert_eq(s_routes(h, out, sizeof out, "list ICB-QWE --on 2023-07-01"), 0, "%s", out);
    s_line_with(out, "gp-practice", line, sizeof line);
    s_word_from_end(line, 5, word, sizeof word);
    cr_assert_str_eq(word, "ICB-QWE", "%s", out);
    s_word_from_end(line, 2, word, sizeof word);
    cr_assert_str_eq(word, "-", "%s", out);
    cr_assert_eq(s_count_of(out, "gp-practice"), 1, "one row per service a day: %s", out);
    s_line_with(out, "specialised-cancer", line, sizeof line);
    s_word_from_end(line, 5, word, sizeof word);
    cr_assert_str_eq(word, "NHSE", "NHS England keeps specialised: %s", out);
    s_word_from_end(line, 1, word, sizeof word);
    cr_assert_str_eq(word, "yes", "%s", out);
    cr_assert(strstr(out, "14 routes in force on 2023-07-01"), "%s", out);

    /* Without --on: every row, past ones too; and the same split in SQL. */
    cr_assert_eq(s_routes(h, out, sizeof out, "list"), 0, "%s", out);
    cr_assert(strstr(out, "24 routes\n"), "%s", out);
    cr_assert_eq(s_routes(h, out, sizeof out, "list --on today"), 0, "%s", out);
    cr_assert(strstr(out, "22 routes in force on "), "%s", out);
    cr_assert_eq(s_routes(h, out, sizeof out, "list --on 2023-02-30"), 2, "%s", out);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route_on('2023-06-30') WHERE"
                         " service = 'gp-practice' AND commissioner = 'NHSE'",
                         0, NULL),
                 1);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route_on('2023-07-01') WHERE"
                         " service = 'gp-practice' AND commissioner = 'ICB-QWE'",
                         0, NULL),
                 1);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.route_on('2022-06-30')", 0, NULL), 0);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(routes, a_bad_file_imports_nothing_and_names_every_bad_line, .timeout = 60)
{
    h_t *h = h_new("routes");
    char out[32768], args[2048];
    const char *path = s_file(
        h, "bad.csv",
        HEADER
        "ICB-A,acute-surgery,Acute surgery,nhs-acute,ICB-A,TRUST-A,2023-04-01,\n" /* 2 good */
        "ICB-A,chc,CHC,continuing-care,ICB-A,CSU-A,2023-04-01,\n"                 /* 3 kind */
        "ICB A,gp,GP,primary-care,ICB-A,GP-A,2023-04-01,\n"                       /* 4 org */
        "ICB-A,gp2,GP,primary-care,ICB-A,GP-A,2023-02-29,\n"                      /* 5 date */
        "ICB-A,gp3,GP,primary-care,ICB-A,GP-A,2023-7-1,\n"                        /* 6 date */
        "ICB-A,gp4,GP,primary-care,ICB-A,GP-A,2023-07-01,2023-07-01\n"            /* 7 to */
        "ICB-A,gp5,GP,primary-care,ICB-A,GP-A,2023-07-01\n"                       /* 8 count */
        "ICB-A,mh,,mental-health,ICB-A,TRUST-B,2023-04-01,\n"                     /* 9 name */
        "ICB-A,\"comm\nunity\",Community,community,ICB-A,TRUST-C,2023-04-01,\n"   /* 10 service */
        "ICB-A,ok2,\"Fine, quoted\",community,ICB-A,TRUST-C,2023-04-01,2024-04-01\n"); /* 12 good */
    snprintf(args, sizeof args, "import '%s'", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 1, "%s", out);
    const char *want[] = {"line 3: kind: 'continuing-care' is not one of",
                          "line 4: org_id: 'ICB A' is not an identifier",
                          "line 5: effective_from: '2023-02-29' is not a date",
                          "line 6: effective_from: '2023-7-1' is not a date",
                          "line 7: effective_to: 2023-07-01 is not after effective_from",
                          "line 8: row: 7 fields, expected 8",
                          "line 9: service_name: is empty",
                          "line 10: service: 'comm\\nunity' is not an identifier",
                          "8 problems in "};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(out, want[i]), "missing '%s' in:\n%s", want[i], out);
    cr_assert_null(strstr(out, "line 2:"), "%s", out);
    cr_assert_null(strstr(out, "line 12:"), "%s", out);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.route", 0, NULL), 0);

    /* Malformed CSV (PostgreSQL's COPY reads it): the line where the bad
     * record starts is named, earlier bad rows too, nothing imported. */
    path = s_file(h, "quotes.csv",
                  HEADER "ICB-A,x,X,bogus,ICB-A,T,2023-04-01,\n"
                         "ICB-A,y,\"Y and more,community,ICB-A,T,2023-04-01,\n"
                         "ICB-A,z,Z,community,ICB-A,T,2023-04-01,\n");
    snprintf(args, sizeof args, "import '%s'", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "line 2: kind:") &&
                  strstr(out, "line 3: csv: unterminated CSV quoted field"),
              "%s", out);

    path = s_file(h, "header.csv", "org,service\nICB-A,x\n");
    snprintf(args, sizeof args, "import '%s'", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "line 1: header: expected org_id,service,"), "%s", out);
    cr_assert_eq(s_routes(h, out, sizeof out, "import /nonexistent/routes.csv"), 1, "%s", out);
    cr_assert(strstr(out, "cannot read /nonexistent/routes.csv"), "%s", out);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.route", 0, NULL), 0);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(routes, a_line_copy_cannot_read_is_named_and_left_out_and_the_rest_still_checked,
     .timeout = 60)
{
    h_t *h = h_new("routes");
    char out[32768], args[2048];
    const char *path =
        s_file(h, "malformed.csv",
               "\xEF\xBB\xBF" HEADER                                /* 1 BOM: no data */
               "ICB-A,a,A,community,ICB-A,T,2023-04-01,,extra\n"    /* 2 fields */
               "ICB-A,b,B \xFF,community,ICB-A,T,2023-04-01,\r\n"   /* 3 not UTF-8 */
               "\n"                                                 /* 4 blank: none */
               "ICB-A,c,C,community,ICB-A,T,2023-04-01,\rICB-A,d\n" /* 5 bare CR */
               "\\.\n"                                              /* 6 end-of-data mark */
               "ICB-A,e,E,communityy,ICB-A,T,2023-04-01,\r\n"       /* 7 kind */
               "ICB-A,f,\"F, \"\"quoted\"\"\",community,ICB-A,T,2023-04-01,\n"); /* 8 good */
    snprintf(args, sizeof args, "import '%s'", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 1, "%s", out);
    const char *want[] = {"line 2: row: more than 8 fields, expected 8",
                          "line 3: csv: invalid byte sequence for encoding \"UTF8\"",
                          "line 5: csv: carriage return not followed by a line feed",
                          "line 6: csv: a line holding only \\.",
                          "line 7: kind: 'communityy' is not one of",
                          "5 problems in "};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(out, want[i]), "missing '%s' in:\n%s", want[i], out);
    cr_assert_null(strstr(out, "line 4"), "%s", out);
    cr_assert_null(strstr(out, "line 8"), "%s", out);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.route", 0, NULL), 0);

    /* Without the bad lines the same file goes in, CRLF, BOM, blank line and all. */
    path = s_file(h, "mended.csv",
                  "\xEF\xBB\xBF" HEADER "\n"
                  "ICB-A,f,\"F, \"\"quoted\"\"\",community,ICB-A,T,2023-04-01,\r\n"
                  "ICB-A,g,G,community,ICB-A,T,2023-04-01,2024-04-01\n");
    snprintf(args, sizeof args, "import '%s'", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "ICB-A: 2 rows imported"), "%s", out);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route WHERE service_name ="
                         " 'F, \"quoted\"' AND effective_to IS NULL",
                         0, NULL),
                 1);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(routes, overlapping_rows_in_one_file_are_refused, .timeout = 60)
{
    h_t *h = h_new("routes");
    char out[32768], args[2048];
    const char *path = s_file(
        h, "overlap.csv",
        HEADER "ICB-A,gp-practice,GP,primary-care,NHSE,GP-A,2022-07-01,2023-07-01\n" /* 2 */
               "ICB-A,gp-practice,GP,primary-care,ICB-A,GP-A,2023-06-30,\n" /* 3 overlaps 2 */
               "ICB-A,dental,Dental,primary-care,NHSE,D-A,2020-01-01,\n"    /* 4 open */
               "ICB-A,dental,Dental,primary-care,ICB-A,D-A,2021-01-01,2022-01-01\n" /* 5 inside 4 */
               "ICB-A,dental,Dental,primary-care,ICB-A,D-A,2023-01-01,\n"           /* 6 inside 4 */
               "ICB-B,dental,Dental,primary-care,ICB-B,D-A,2020-01-01,\n"); /* 7 other org */
    snprintf(args, sizeof args, "import '%s'", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(
        strstr(out, "line 3: effective_from: ICB-A gp-practice from 2023-06-30 overlaps line 2"),
        "%s", out);
    cr_assert(strstr(out, "line 5: effective_from: ICB-A dental from 2021-01-01 overlaps line 4"),
              "%s", out);
    cr_assert(strstr(out, "line 6: effective_from: ICB-A dental from 2023-01-01 overlaps line 4"),
              "%s", out);
    cr_assert(strstr(out, "3 problems in"), "%s", out);
    cr_assert_null(strstr(out, "line 7"), "%s", out);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.route", 0, NULL), 0);

    /* Rows that meet end to start do not overlap (effective_to is exclusive). */
    path = s_file(h, "meet.csv",
                  HEADER "ICB-A,gp-practice,GP,primary-care,NHSE,GP-A,2022-07-01,2023-07-01\n"
                         "ICB-A,gp-practice,GP,primary-care,ICB-A,GP-A,2023-07-01,\n");
    snprintf(args, sizeof args, "import '%s'", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 0, "%s", out);

    /* The database holds the rule too, for writers other than candourctl. */
    PGresult *r =
        PQexec(h_db(h), "INSERT INTO routing.route (org_id, service, service_name, kind,"
                        " commissioner, provider, effective_from) VALUES ('ICB-A',"
                        " 'gp-practice', 'GP', 'primary-care', 'ICB-A', 'GP-B', '2024-01-01')");
    cr_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23P01", "%s",
                     PQresultErrorMessage(r));
    PQclear(r);
    cr_assert_eq(s_rows(h, "ICB-A"), 2);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(routes, replace_swaps_an_organisations_table_and_without_it_overlaps_are_refused,
     .timeout = 60)
{
    h_t *h = h_new("routes");
    char out[32768], args[2048];
    snprintf(args, sizeof args, "import '%s'", SAMPLE);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 0, "%s", out);
    long icb_before = s_rows(h, "ICB-QWE");

    const char *path = s_file(
        h, "la.csv",
        HEADER
        "LA-XYZ,asc-home-care,Home care,adult-social-care,LA-XYZ,HOMECARE-CO,2022-07-01,\n"
        "LA-XYZ,asc-carers,Support for carers,adult-social-care,LA-XYZ,LA-XYZ,2024-04-01,\n");
    /* Without --replace the rows in force already are named, and nothing changes. */
    snprintf(args, sizeof args, "import '%s'", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "line 2: effective_from: LA-XYZ asc-home-care overlaps a row already"
                          " imported (from 2022-07-01 to open)"),
              "%s", out);
    cr_assert_null(strstr(out, "line 3:"), "%s", out);
    cr_assert(strstr(out, "nothing imported"), "%s", out);
    cr_assert_eq(s_rows(h, "LA-XYZ"), 3);

    /* With --replace: LA-XYZ's three rows give way to the file's two; no one else's change. */
    snprintf(args, sizeof args, "import '%s' --replace", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "LA-XYZ: 3 existing rows to be replaced"), "%s", out);
    cr_assert(strstr(out, "LA-XYZ: 2 rows imported"), "%s", out);
    cr_assert_eq(s_rows(h, "LA-XYZ"), 2);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route WHERE org_id = 'LA-XYZ'"
                         " AND provider = 'HOMECARE-CO'",
                         0, NULL),
                 1);
    cr_assert_eq(s_rows(h, "ICB-QWE"), icb_before);
    cr_assert_eq(s_rows(h, "TRUST-RXX"), 5);

    /* --org picks one organisation's rows out of a file of several. */
    snprintf(args, sizeof args, "import '%s' --org TRUST-RXX --replace", SAMPLE);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 0, "%s", out);
    cr_assert(strstr(out, "TRUST-RXX: 5 rows imported") &&
                  strstr(out, "19 rows for other organisations skipped"),
              "%s", out);
    cr_assert_eq(s_rows(h, "LA-XYZ"), 2);
    snprintf(args, sizeof args, "import '%s' --org NOBODY --replace", SAMPLE);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "no rows for NOBODY"), "%s", out);

    /* A replacement the database refuses after the delete (here a check
     * added for the test) leaves the old table in place: one transaction. */
    PGresult *r = PQexec(h_db(h), "ALTER TABLE routing.route ADD CONSTRAINT test_no_respite"
                                  " CHECK (service <> 'asc-respite')");
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
    PQclear(r);
    path = s_file(h, "la2.csv",
                  HEADER
                  "LA-XYZ,asc-care-homes,Care homes,adult-social-care,LA-XYZ,LA-XYZ,2022-07-01,\n"
                  "LA-XYZ,asc-respite,Respite care,adult-social-care,LA-XYZ,LA-XYZ,2024-04-01,\n");
    snprintf(args, sizeof args, "import '%s' --replace", path);
    cr_assert_eq(s_routes(h, out, sizeof out, args), 1, "%s", out);
    cr_assert(strstr(out, "test_no_respite") && strstr(out, "nothing imported"), "%s", out);
    cr_assert_eq(s_rows(h, "LA-XYZ"), 2);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.route WHERE org_id = 'LA-XYZ'"
                         " AND provider = 'HOMECARE-CO'",
                         0, NULL),
                 1);
    cr_assert_eq(h_destroy(&h), 0);
}
