/* routes.c - `candourctl routes import|list`: the routing table (DOMAIN.md R1).
 *
 * Which body answers for which service is data with effective dates, kept in
 * routing.route (migration 0006) and loaded from CSV, one file a table:
 *
 *   org_id,service,service_name,kind,commissioner,provider,effective_from,effective_to
 *
 * PostgreSQL reads the CSV: COPY ... FROM STDIN (FORMAT csv, HEADER MATCH)
 * puts the file, as text, into a temporary table (route_import), and the
 * checks run on what it read. Import reports each bad row as `line N: field:
 * message`; one bad row and nothing is imported. A row COPY cannot read (a
 * field too few or too many, an unterminated quote, bytes that are not
 * UTF-8) is named by the line in COPY's error CONTEXT, left out, and the
 * file read again without it, so the rows after it are checked too. A good
 * file goes in as one transaction, through route_import so that the database
 * can name every row that overlaps one already in force (the exclusion
 * constraint alone would stop at the first). This is an ops tool: it uses
 * the admin URL (CANDOUR_DB_URL), with every value a parameter (COPY's own
 * statement is fixed text; the file goes as COPY data, never into SQL). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/calendar.h"
#include "candour/db.h"
#include "ctl.h"
#include "csv_copy.h"
#include "routes.h"

/* ---------------------------------------------------------------- database */

#define S_HEADER                                                                                   \
    "org_id,service,service_name,kind,commissioner,provider,effective_from,effective_to"

/* The file's fields as text, in file order (n): the checks read them as
 * they are, and COPY refuses nothing that is merely a bad value. */
#define S_SQL_STAGE                                                                                \
    "CREATE TEMP TABLE route_import (n bigint GENERATED ALWAYS AS IDENTITY, line bigint,"          \
    " org_id text, service text, service_name text, kind text, commissioner text,"                 \
    " provider text, effective_from text, effective_to text) ON COMMIT DROP"
/* Fixed text (no input in it): the data goes as COPY data. HEADER MATCH
 * checks the header's names; FORCE_NOT_NULL reads an empty field as ''. */
#define S_SQL_COPY                                                                                 \
    "COPY route_import (" S_HEADER ") FROM STDIN (FORMAT csv, HEADER MATCH, FORCE_NOT_NULL"        \
    " (" S_HEADER "))"

/* Stage the file in route_import with COPY, each row given its line. A row
 * COPY cannot read is reported and left out, and COPY runs again (in a
 * savepoint, so the failed attempt leaves nothing). Returns 0; 1 when the
 * file cannot be read at all (a bad header, too many malformed lines:
 * reported and counted in *nbad); -1 when the database failed (reported). */
static int s_stage(PGconn *c, const char *text, ctl_route_rec_t *recs, size_t n, int *nbad)
{
    static const ctl_csv_copy_t copy = {"routes", S_SQL_COPY, S_HEADER, ctl_routes_columns,
                                        F_COUNT};
    if (ctl_db_exec(c, "routes", S_SQL_STAGE, 0, NULL) != 0)
        return -1;
    int rc = ctl_csv_copy(c, &copy, text, recs, n, nbad);
    if (rc != 0)
        return rc;
    /* Row i of route_import (in file order) is the i-th record read. */
    size_t cap = 3, o = 0;
    for (size_t k = 1; k < n; k++)
        cap += recs[k].out ? 0 : 22;
    char *lines = malloc(cap);
    if (!lines) {
        fprintf(stderr, "candourctl routes: out of memory\n");
        return -1;
    }
    lines[o++] = '{';
    for (size_t k = 1; k < n; k++)
        if (!recs[k].out)
            o += (size_t)snprintf(lines + o, cap - o, "%s%zu", o > 1 ? "," : "", recs[k].line);
    snprintf(lines + o, cap - o, "}");
    const char *v[1] = {lines};
    rc = ctl_db_exec(c, "routes",
                     "UPDATE route_import r SET line = m.line FROM (SELECT n, row_number() OVER"
                     " (ORDER BY n) AS k FROM route_import) o, unnest($1::bigint[]) WITH"
                     " ORDINALITY AS m(line, k) WHERE r.n = o.n AND m.k = o.k",
                     1, v);
    free(lines);
    return rc;
}

/* Read the staged rows back (only those for `only`, if set, the others
 * dropped from route_import) and check each one's fields, and the file's
 * rows against each other. Returns the number of problems reported (0:
 * *rows, *nrows are the file's), or -1 if the database failed. */
static int s_load(PGconn *c, const char *only, ctl_route_row_t **prows, size_t *pn,
                  size_t *pskipped)
{
    PGresult *r = ctl_db_query(c, "routes",
                               "SELECT line, " S_HEADER " FROM route_import ORDER BY n", 0, NULL);
    if (!r)
        return -1;
    size_t nr = (size_t)PQntuples(r), n = 0, skipped = 0;
    ctl_route_row_t *rows = calloc(nr ? nr : 1, sizeof *rows);
    int nbad = 0;
    for (size_t i = 0; rows && i < nr; i++) {
        if (only && strcmp(PQgetvalue(r, (int)i, 1 + F_ORG), only) != 0) {
            skipped++;
            continue;
        }
        ctl_route_row_t *row = &rows[n++];
        row->line = (size_t)strtoull(PQgetvalue(r, (int)i, 0), NULL, 10);
        int oom = 0;
        for (int j = 0; j < F_COUNT; j++)
            oom |= !(row->f[j] = strdup(PQgetvalue(r, (int)i, 1 + j)));
        if (oom) {
            ctl_routes_free_rows(rows, n);
            rows = NULL;
            break;
        }
        int bad = ctl_routes_check_row(row);
        row->ok = bad == 0;
        nbad += bad;
    }
    PQclear(r);
    if (!rows) {
        fprintf(stderr, "candourctl routes: out of memory\n");
        return -1;
    }
    nbad += ctl_routes_check_overlaps(rows, n);
    if (only && skipped) {
        const char *v[1] = {only};
        if (ctl_db_exec(c, "routes", "DELETE FROM route_import WHERE org_id <> $1", 1, v) != 0) {
            ctl_routes_free_rows(rows, n);
            return -1;
        }
    }
    *prows = rows;
    *pn = n;
    *pskipped = skipped;
    return nbad;
}

/* Refuse any staged row that overlaps a row in force, then insert them all;
 * the caller holds the transaction. Returns 0, or -1 (reported). */
static int s_import_rows(PGconn *c, int replace)
{
    /* Serialise importers, and keep routing from reading a half-replaced
     * table; readers see the old rows until commit either way. */
    if (ctl_db_exec(c, "routes", "LOCK TABLE routing.route IN SHARE ROW EXCLUSIVE MODE", 0, NULL) !=
        0)
        return -1;
    if (replace) {
        PGresult *r =
            ctl_db_query(c, "routes",
                         "WITH d AS (DELETE FROM routing.route WHERE org_id IN"
                         " (SELECT org_id FROM route_import) RETURNING org_id)"
                         " SELECT org_id, count(*) FROM d GROUP BY org_id ORDER BY org_id",
                         0, NULL);
        if (!r)
            return -1;
        for (int i = 0; i < PQntuples(r); i++)
            printf("%s: %s existing rows to be replaced\n", PQgetvalue(r, i, 0),
                   PQgetvalue(r, i, 1));
        PQclear(r);
    }
    PGresult *r =
        ctl_db_query(c, "routes",
                     "SELECT i.line, i.org_id, i.service, r.effective_from,"
                     " coalesce(r.effective_to::text, 'open') FROM route_import i"
                     " JOIN routing.route r ON r.org_id = i.org_id AND r.service = i.service"
                     " AND daterange(r.effective_from, r.effective_to, '[)')"
                     " && daterange(i.effective_from::date,"
                     " nullif(i.effective_to, '')::date, '[)')"
                     " ORDER BY i.line, r.effective_from",
                     0, NULL);
    if (!r)
        return -1;
    int nr = PQntuples(r);
    for (int i = 0; i < nr; i++)
        fprintf(stderr,
                "line %s: effective_from: %s %s overlaps a row already imported (from %s to %s);"
                " use --replace to replace the organisation's table\n",
                PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                PQgetvalue(r, i, 4));
    PQclear(r);
    if (nr > 0)
        return -1;
    r = ctl_db_query(c, "routes",
                     "WITH ins AS (INSERT INTO routing.route (org_id, service, service_name, kind,"
                     " commissioner, provider, effective_from, effective_to)"
                     " SELECT org_id, service, service_name, kind, commissioner, provider,"
                     " effective_from::date, nullif(effective_to, '')::date FROM route_import"
                     " ORDER BY n RETURNING org_id)"
                     " SELECT org_id, count(*) FROM ins GROUP BY org_id ORDER BY org_id",
                     0, NULL);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        printf("%s: %s rows imported\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    return 0;
}

/* ---------------------------------------------------------------- commands */

static int s_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl routes import FILE.csv [--org ORG] [--replace]\n"
            "       candourctl routes list [ORG] [--on YYYY-MM-DD|today]\n"
            "The routing table (DOMAIN.md R1): per organisation receiving complaints, each\n"
            "service with its kind, commissioner and provider, in force from effective_from\n"
            "(inclusive) to effective_to (exclusive; empty: open). The CSV (RFC 4180) starts\n"
            "with the header\n"
            "  org_id,service,service_name,kind,commissioner,provider,effective_from,effective_to\n"
            "kind: nhs-acute, community, mental-health, primary-care, continuing-healthcare,\n"
            "specialised, health-and-justice, armed-forces, public-health, adult-social-care.\n"
            "import checks every row and imports nothing if one is bad (each is reported as\n"
            "`line N: field: message`); else all rows in one transaction. --org: only that\n"
            "organisation's rows. --replace: first delete the existing rows of the\n"
            "organisations in the file (in the same transaction).\n"
            "list: every row, or with --on the rows in force on that day.\n"
            "Uses CANDOUR_DB_URL (admin); see deploy/routes.sample.csv.\n");
    return rc;
}

static int s_import(int argc, char **argv)
{
    const char *only = NULL;
    int replace = 0, c;
    static struct option opts[] = {{"org", required_argument, 0, 'o'},
                                   {"replace", no_argument, 0, 'r'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'o')
            only = optarg;
        else if (c == 'r')
            replace = 1;
        else
            return s_usage(c == 'h' ? 0 : 2);
    }
    if (argc - optind != 1)
        return s_usage(2);
    if (only && !ctl_routes_ident_ok(only)) {
        fprintf(stderr, "candourctl routes: --org '%s' is not an organisation id\n", only);
        return 2;
    }
    const char *path = argv[optind];
    size_t len = 0;
    char *text = ctl_routes_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "candourctl routes: cannot read %s (missing, unreadable or over %u MiB)\n",
                path, S_MAX_FILE >> 20);
        return 1;
    }
    PGconn *conn = ctl_db_connect("routes");
    if (!conn) {
        free(text);
        return 1;
    }
    /* The file is UTF-8 whatever the environment says; COPY checks it is. */
    int rc =
        PQsetClientEncoding(conn, "UTF8") == 0 ? ctl_db_exec(conn, "routes", "BEGIN", 0, NULL) : -1;
    ctl_route_rec_t *recs = NULL;
    ctl_route_row_t *rows = NULL;
    size_t n = 0, skipped = 0;
    int nbad = 0;
    long nrecs = rc == 0 ? ctl_routes_records(text, len, &recs, &nbad) : 0;
    if (nrecs < 0) {
        fprintf(stderr, "candourctl routes: out of memory\n");
        rc = -1;
    } else if (rc == 0 && nrecs == 0) {
        fprintf(stderr, "line 1: header: the file is empty\n");
        nbad++;
    } else if (rc == 0 && (rc = s_stage(conn, text, recs, (size_t)nrecs, &nbad)) != 0) {
        rc = rc > 0 ? 0 : -1; /* a file COPY cannot read is a bad file (counted) */
    } else if (rc == 0) {
        int bad = s_load(conn, only, &rows, &n, &skipped);
        rc = bad < 0 ? -1 : 0;
        nbad += bad < 0 ? 0 : bad;
        if (rc == 0 && nbad == 0 && n == 0) {
            fprintf(stderr, "candourctl routes: no rows%s%s in %s\n", only ? " for " : "",
                    only ? only : "", path);
            nbad = 1;
        }
    }
    free(recs);
    free(text);
    if (rc == 0 && nbad != 0) {
        fprintf(stderr, "%d problem%s in %s: nothing imported\n", nbad, nbad == 1 ? "" : "s", path);
        rc = 1;
    }
    if (rc == 0)
        rc = s_import_rows(conn, replace);
    if (rc == 0)
        rc = ctl_db_exec(conn, "routes", "COMMIT", 0, NULL);
    else
        ctl_db_exec(conn, "routes", "ROLLBACK", 0, NULL);
    PQfinish(conn);
    if (rc == 0 && skipped)
        printf("%zu rows for other organisations skipped (--org %s)\n", skipped, only);
    if (rc < 0)
        fprintf(stderr, "nothing imported from %s\n", path);
    ctl_routes_free_rows(rows, n);
    return rc == 0 ? 0 : 1;
}

static int s_list(int argc, char **argv)
{
    const char *on = NULL;
    int c;
    static struct option opts[] = {
        {"on", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            on = optarg;
        else
            return s_usage(c == 'h' ? 0 : 2);
    }
    if (argc - optind > 1)
        return s_usage(2);
    const char *org = argc > optind ? argv[optind] : "";
    char today[16];
    if (on && strcmp(on, "today") == 0) {
        /* Today where the complaints are: England. */
        time_t t = time(NULL);
        struct tm tm;
        setenv("TZ", "Europe/London", 1);
        tzset();
        strftime(today, sizeof today, "%Y-%m-%d", localtime_r(&t, &tm));
        on = today;
    }
    if (on && !ctl_routes_date_ok(on)) {
        fprintf(stderr, "candourctl routes: --on '%s' is not a date (YYYY-MM-DD or today)\n", on);
        return 2;
    }
    PGconn *conn = ctl_db_connect("routes");
    if (!conn)
        return 1;
    const char *v[2] = {org, on};
    PGresult *r = ctl_db_query(conn, "routes",
                               "SELECT org_id, service, service_name, kind, commissioner, provider,"
                               " effective_from, coalesce(effective_to::text, '-'),"
                               " CASE WHEN nhse_direct THEN 'yes' ELSE 'no' END FROM routing.route"
                               " WHERE ($1 = '' OR org_id = $1) AND ($2::date IS NULL"
                               " OR daterange(effective_from, effective_to, '[)') @> $2::date)"
                               " ORDER BY org_id, service, effective_from",
                               2, v);
    PQfinish(conn);
    if (!r)
        return 1;
    static const char *const heads[] = {"ORG",      "SERVICE", "NAME", "KIND",       "COMMISSIONER",
                                        "PROVIDER", "FROM",    "TO",   "NHSE-DIRECT"};
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
    if (on)
        printf("%d route%s in force on %s\n", nr, nr == 1 ? "" : "s", on);
    else
        printf("%d route%s\n", nr, nr == 1 ? "" : "s");
    PQclear(r);
    return 0;
}

int ctl_routes(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "import") == 0)
        return s_import(argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return s_list(argc, argv);
    return s_usage(2);
}
