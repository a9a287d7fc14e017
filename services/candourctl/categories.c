/* categories.c - `candourctl categories import|list`: the KO41a category
 * lists (DOMAIN.md V5, L2a).
 *
 * Each key issue of a complaint is filed under a subject area, a service area
 * and a profession. NHS Digital publishes the lists, so they are data, kept
 * in investigation.category (migration 0017) and loaded from one CSV file
 * (deploy/categories/ko41a.csv):
 *
 *   list,code,name,effective_from,effective_to
 *
 * Import works as `routes import` does (routes.c), through csv_copy.h's
 * ctl_csv_import, which `glossary import` shares: PostgreSQL reads the CSV
 * (COPY ... FROM STDIN (FORMAT csv, HEADER MATCH)) into a temporary table, as
 * text, and every row is then judged by the one rule for a row
 * (cd_category_check_field, common/src/categories.c), and against the file's
 * other rows (a code twice in one list). Each problem is reported as `line
 * N: field: message`; one and nothing is imported. A record COPY cannot read
 * is named by the line in COPY's error CONTEXT, left out, and the file read
 * again without it, so the rows after it are checked too. A good file goes
 * in as one transaction: new codes are inserted, codes whose name or dates
 * differ are updated, and codes the database holds that the file leaves out
 * stay (complaints filed under them must still read; a code is retired by an
 * effective_to, never deleted). Rows that do not change are not written, so
 * a second import of the same file changes nothing and adds nothing to the
 * audit trail. The admin URL (CANDOUR_DB_URL); every value a parameter.
 *
 * The file is split into records and read from disk by routes.h's helpers:
 * the same COPY rules hold for both files. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/calendar.h"
#include "candour/categories.h"
#include "ctl.h"
#include "csv_copy.h"
#include "routes.h"

/* ---------------------------------------------------------------- database */

#define S_HEADER "list,code,name,effective_from,effective_to"

/* The file's fields as text in file order (n); the checks read them as they
 * are, so COPY refuses nothing that is merely a bad value. */
#define S_SQL_STAGE                                                                                \
    "CREATE TEMP TABLE category_import (n bigint GENERATED ALWAYS AS IDENTITY, list text,"         \
    " code text, name text, effective_from text, effective_to text) ON COMMIT DROP"
/* Fixed text (no input in it): the data goes as COPY data. HEADER MATCH
 * checks the header's names; FORCE_NOT_NULL reads an empty field as ''. */
#define S_SQL_COPY                                                                                 \
    "COPY category_import (" S_HEADER ") FROM STDIN (FORMAT csv, HEADER MATCH, FORCE_NOT_NULL"     \
    " (" S_HEADER "))"

/* The i-th staged row (1-based, in file order) whatever n the retried COPYs
 * drew (a rolled-back COPY still used up its identity values), and the first
 * such row with the same list and code. */
#define S_SQL_ROWS                                                                                 \
    "SELECT k, list, code, name, effective_from, effective_to,"                                    \
    " first_value(k) OVER (PARTITION BY list, code ORDER BY k)"                                    \
    " FROM (SELECT row_number() OVER (ORDER BY n) AS k, * FROM category_import) s ORDER BY k"

/* What the file would do, counted before it does it (the table is locked). */
#define S_SQL_COUNTS                                                                               \
    "SELECT count(*) FILTER (WHERE i.list = 'subject'),"                                           \
    " count(*) FILTER (WHERE i.list = 'service-area'),"                                            \
    " count(*) FILTER (WHERE i.list = 'profession'),"                                              \
    " count(*) FILTER (WHERE c.code IS NULL),"                                                     \
    " count(*) FILTER (WHERE c.code IS NOT NULL AND (c.name, c.effective_from, c.effective_to)"    \
    "   IS DISTINCT FROM (i.name, i.effective_from::date, nullif(i.effective_to, '')::date)),"     \
    " (SELECT count(*) FROM investigation.category k WHERE NOT EXISTS (SELECT 1 FROM"              \
    "   category_import j WHERE j.list = k.list AND j.code = k.code))"                             \
    " FROM category_import i LEFT JOIN investigation.category c"                                   \
    " ON c.list = i.list AND c.code = i.code"

/* New codes in, changed ones updated; a row that would not change is not
 * touched (no write, no audit entry, imported_at kept). */
#define S_SQL_UPSERT                                                                               \
    "INSERT INTO investigation.category AS c (list, code, name, effective_from, effective_to)"     \
    " SELECT list, code, name, effective_from::date, nullif(effective_to, '')::date"               \
    " FROM category_import ORDER BY n"                                                             \
    " ON CONFLICT (list, code) DO UPDATE SET name = excluded.name,"                                \
    " effective_from = excluded.effective_from, effective_to = excluded.effective_to,"             \
    " imported_at = now()"                                                                         \
    " WHERE (c.name, c.effective_from, c.effective_to)"                                            \
    " IS DISTINCT FROM (excluded.name, excluded.effective_from, excluded.effective_to)"

/* The header's names, in the order of cd_category_field_t (S_HEADER's). */
static const char *const s_columns[CD_CATEGORY_F_COUNT] = {"list", "code", "name", "effective_from",
                                                           "effective_to"};

/* Judge every staged row: each bad field by the rule for a row, and a list
 * and code already given on an earlier line. lines[k] is the file line of
 * staged row k + 1. Returns the number of problems reported (each as `line
 * N: field: message`), or -1 if the database failed; *nrows the rows staged. */
static int s_check(PGconn *c, const size_t *lines, size_t nlines, size_t *nrows, void *arg)
{
    PGresult *r = ctl_db_query(c, "categories", S_SQL_ROWS, 0, NULL);
    if (!r)
        return -1;
    int nr = PQntuples(r), nbad = 0;
    for (int i = 0; i < nr; i++) {
        size_t k = (size_t)strtoull(PQgetvalue(r, i, 0), NULL, 10);
        size_t first = (size_t)strtoull(PQgetvalue(r, i, 6), NULL, 10);
        /* Rows are staged from the records not left out, in file order. */
        if (k < 1 || k > nlines || first < 1 || first > nlines) {
            fprintf(stderr, "candourctl categories: staged row %zu has no line in the file\n", k);
            PQclear(r);
            return -1;
        }
        cd_category_row_t row = {.list = PQgetvalue(r, i, 1),
                                 .code = PQgetvalue(r, i, 2),
                                 .name = PQgetvalue(r, i, 3),
                                 .effective_from = PQgetvalue(r, i, 4),
                                 .effective_to = PQgetvalue(r, i, 5)};
        int row_bad = 0;
        for (int j = 0; j < CD_CATEGORY_F_COUNT; j++) {
            cd_fail_t f;
            if (cd_category_check_field(&row, (cd_category_field_t)j, &f) != 0) {
                fprintf(stderr, "line %zu: %s: %s\n", lines[k - 1], f.field, f.message);
                row_bad |= 1 << j;
                nbad++;
            }
        }
        /* A list or code that is itself bad is told once, above. */
        if (first != k && !(row_bad & ((1 << CD_CATEGORY_F_LIST) | (1 << CD_CATEGORY_F_CODE)))) {
            fprintf(stderr, "line %zu: code: %s %s is already on line %zu\n", lines[k - 1],
                    row.list, row.code, lines[first - 1]);
            nbad++;
        }
    }
    PQclear(r);
    *nrows = (size_t)nr;
    return nbad;
}

/* Put the staged rows into investigation.category and say what changed;
 * the caller holds the transaction. Returns 0, or -1 (reported). */
static int s_upsert(PGconn *c, void *arg)
{
    /* Serialise importers, so the counts are those of what the upsert does;
     * readers see the old rows until commit. */
    if (ctl_db_exec(c, "categories",
                    "LOCK TABLE investigation.category IN SHARE ROW EXCLUSIVE MODE", 0, NULL) != 0)
        return -1;
    PGresult *r = ctl_db_query(c, "categories", S_SQL_COUNTS, 0, NULL);
    if (!r)
        return -1;
    /* S_SQL_COUNTS' columns. */
    enum { N_SUBJECT, N_AREA, N_PROFESSION, N_NEW, N_CHANGED, N_KEPT, N_COUNT };
    long v[N_COUNT];
    for (int j = 0; j < N_COUNT; j++)
        v[j] = strtol(PQgetvalue(r, 0, j), NULL, 10);
    PQclear(r);
    r = ctl_db_query(c, "categories", S_SQL_UPSERT, 0, NULL);
    if (!r)
        return -1;
    long written = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    if (written != v[N_NEW] + v[N_CHANGED]) {
        fprintf(stderr,
                "candourctl categories: wrote %ld rows where %ld new and %ld changed were"
                " counted\n",
                written, v[N_NEW], v[N_CHANGED]);
        return -1;
    }
    printf("categories: %ld subject, %ld service-area, %ld profession (%ld new, %ld changed)\n",
           v[N_SUBJECT], v[N_AREA], v[N_PROFESSION], v[N_NEW], v[N_CHANGED]);
    if (v[N_KEPT] > 0)
        printf("categories: %ld code%s not in the file kept as %s (retire a code with an"
               " effective_to)\n",
               v[N_KEPT], v[N_KEPT] == 1 ? "" : "s", v[N_KEPT] == 1 ? "it is" : "they are");
    return 0;
}

/* ---------------------------------------------------------------- commands */

static int s_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl categories import FILE.csv\n"
            "       candourctl categories list [--list subject|service-area|profession]"
            " [--at YYYY-MM-DD|today]\n"
            "The KO41a category lists (DOMAIN.md V5, L2a) that each key issue of a complaint\n"
            "is filed under: subject area, service area and profession. The CSV (RFC 4180,\n"
            "UTF-8) starts with the header\n"
            "  " S_HEADER "\n"
            "list: subject, service-area or profession. code: lower-case words joined by\n"
            "hyphens, at most 64 characters; never changed or reused. A code is in force from\n"
            "effective_from (inclusive) to effective_to (exclusive; empty: open).\n"
            "import checks every row and imports nothing if one is bad (each is reported as\n"
            "`line N: field: message`); else, in one transaction, adds new codes and updates\n"
            "the name and dates of changed ones. Codes not in the file are kept: retire one\n"
            "by giving it an effective_to. Importing the same file again changes nothing.\n"
            "list: every category, or one list, or with --at those in force on that day.\n"
            "Uses CANDOUR_DB_URL (admin); see deploy/categories/ko41a.csv and its README.\n");
    return rc;
}

static int s_import(int argc, char **argv)
{
    int c;
    static struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 2;
    if ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        return s_usage(c == 'h' ? 0 : 2); /* --help, or an option import does not take */
    if (argc - optind != 1)
        return s_usage(2);
    static const ctl_csv_import_t imp = {
        .copy = {"categories", S_SQL_COPY, S_HEADER, s_columns, CD_CATEGORY_F_COUNT},
        .stage_sql = S_SQL_STAGE,
        .check = s_check,
        .apply = s_upsert,
    };
    return ctl_csv_import(&imp, argv[optind]);
}

static int s_list(int argc, char **argv)
{
    const char *list = NULL, *at = NULL;
    int c;
    static struct option opts[] = {{"list", required_argument, 0, 'l'},
                                   {"at", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l')
            list = optarg;
        else if (c == 'a')
            at = optarg;
        else
            return s_usage(c == 'h' ? 0 : 2);
    }
    if (argc != optind)
        return s_usage(2);
    if (list && !cd_category_list_valid(list)) {
        fprintf(stderr,
                "candourctl categories: --list '%s' is not subject, service-area or"
                " profession\n",
                list);
        return 2;
    }
    char day[CD_DATE_LEN + 1];
    cd_date_t d;
    if (at && strcmp(at, "today") == 0) {
        /* Today where the complaints are: England. */
        cd_date_format(cd_date_from_unix_london((int64_t)time(NULL)), day);
        at = day;
    } else if (at && cd_date_parse(at, &d) != 0) {
        fprintf(stderr, "candourctl categories: --at '%s' is not a date (YYYY-MM-DD or today)\n",
                at);
        return 2;
    }
    PGconn *conn = ctl_db_connect("categories");
    if (!conn)
        return 1;
    const char *v[2] = {list ? list : "", at};
    PGresult *r = ctl_db_query(
        conn, "categories",
        "SELECT list, code, effective_from, coalesce(effective_to::text, '-'), name"
        " FROM investigation.category WHERE ($1 = '' OR list = $1) AND ($2::date IS NULL"
        " OR daterange(effective_from, effective_to, '[)') @> $2::date)"
        " ORDER BY array_position(ARRAY['subject', 'service-area', 'profession'], list), code",
        2, v);
    PQfinish(conn);
    if (!r)
        return 1;
    static const char *const heads[] = {"LIST", "CODE", "FROM", "TO", "NAME"};
    enum { NCOL = sizeof heads / sizeof heads[0] };
    int width[NCOL], nr = PQntuples(r);
    for (int j = 0; j < NCOL; j++) {
        width[j] = (int)strlen(heads[j]);
        for (int i = 0; i < nr; i++)
            if (PQgetlength(r, i, j) > width[j])
                width[j] = PQgetlength(r, i, j);
    }
    for (int i = -1; i < nr; i++)
        for (int j = 0; j < NCOL; j++) {
            const char *cell = i < 0 ? heads[j] : PQgetvalue(r, i, j);
            if (j + 1 < NCOL)
                printf("%-*s  ", width[j], cell);
            else
                printf("%s\n", cell);
        }
    if (at)
        printf("%d categor%s in force on %s\n", nr, nr == 1 ? "y" : "ies", at);
    else
        printf("%d categor%s\n", nr, nr == 1 ? "y" : "ies");
    PQclear(r);
    return 0;
}

int ctl_categories(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "import") == 0)
        return s_import(argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return s_list(argc, argv);
    return s_usage(2);
}
