/* glossary.c - `candourctl glossary import|list`: the terms a response
 * letter must explain where it first uses them (sign-off's quality gate,
 * check `terms`; F3).
 *
 * signoff.glossary (migration 0023) holds Candour's default list under
 * org_id '' (deploy/glossary/default.csv) and each body's own terms under
 * its id; the gate reads the default with the body's added, the body's
 * meaning winning where both have a term. One CSV file is one list, whole:
 *
 *   term,meaning
 *
 * Import is csv_copy.h's ctl_csv_import, as `categories import` does it:
 * COPY stages the file as text, every row is judged here (and a term given
 * twice names both lines), and a file with one bad row imports nothing. A
 * good file goes in as one transaction that makes the list what the file
 * says: new terms inserted, changed meanings updated, terms the file leaves
 * out deleted. A row that would not change is not written, so importing the
 * same file again adds nothing to the audit trail, which names the operator
 * ("ops: <login>"). The admin URL (CANDOUR_DB_URL); every value a
 * parameter. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"
#include "ctl.h"
#include "csv_copy.h"
#include "routes.h"

#define S_CMD "glossary"
#define S_HEADER "term,meaning"
/* Bytes, not characters: the gate matches terms byte for byte, and a
 * limit in bytes also holds the table's in characters. */
#define S_TERM_MAX 40
#define S_MEANING_MAX 200

/* The file's fields as text in file order (n): the checks read them as they
 * are, so COPY refuses nothing that is merely a bad value. */
#define S_SQL_STAGE                                                                                \
    "CREATE TEMP TABLE glossary_import (n bigint GENERATED ALWAYS AS IDENTITY, term text,"         \
    " meaning text) ON COMMIT DROP"
/* Fixed text: the data goes as COPY data. FORCE_NOT_NULL: empty is ''. */
#define S_SQL_COPY                                                                                 \
    "COPY glossary_import (" S_HEADER ") FROM STDIN (FORMAT csv, HEADER MATCH, FORCE_NOT_NULL"     \
    " (" S_HEADER "))"

/* The k-th staged row (1-based, in file order, whatever n the retried
 * COPYs drew) and the first row with the same term. */
#define S_SQL_ROWS                                                                                 \
    "SELECT k, term, meaning, first_value(k) OVER (PARTITION BY term ORDER BY k)"                  \
    " FROM (SELECT row_number() OVER (ORDER BY n) AS k, * FROM glossary_import) s ORDER BY k"

/* What the file will do to the list of $1, counted before it is done (the
 * table is locked). */
#define S_SQL_COUNTS                                                                               \
    "SELECT count(*), count(*) FILTER (WHERE g.term IS NULL),"                                     \
    " count(*) FILTER (WHERE g.meaning <> i.meaning),"                                             \
    " (SELECT count(*) FROM signoff.glossary k WHERE k.org_id = $1 AND NOT EXISTS"                 \
    "   (SELECT 1 FROM glossary_import j WHERE j.term = k.term))"                                  \
    " FROM glossary_import i LEFT JOIN signoff.glossary g ON g.org_id = $1 AND g.term = i.term"

/* New terms in, changed meanings updated; an unchanged row is not touched
 * (no write, no audit entry). */
#define S_SQL_UPSERT                                                                               \
    "INSERT INTO signoff.glossary AS g (org_id, term, meaning)"                                    \
    " SELECT $1, term, meaning FROM glossary_import ORDER BY n"                                    \
    " ON CONFLICT (org_id, term) DO UPDATE SET meaning = excluded.meaning"                         \
    " WHERE g.meaning <> excluded.meaning"
#define S_SQL_DELETE                                                                               \
    "DELETE FROM signoff.glossary g WHERE g.org_id = $1 AND NOT EXISTS"                            \
    " (SELECT 1 FROM glossary_import i WHERE i.term = g.term)"

static const char *const s_columns[] = {"term", "meaning"};

/* ---------------------------------------------------------------- import */

/* One field's problem, told as `line N: field: message`; 1 when there is one. */
static int s_check_field(size_t line, const char *field, const char *v, size_t max)
{
    size_t n = strlen(v);
    if (n == 0)
        fprintf(stderr, "line %zu: %s: %s is required\n", line, field, field);
    else if (!cd_text_ok(v, n, 0))
        fprintf(stderr,
                "line %zu: %s: %s must be UTF-8 text on one line, without control characters\n",
                line, field, field);
    else if (strspn(v, " ") == n)
        fprintf(stderr, "line %zu: %s: %s is required (it is blank)\n", line, field, field);
    else if (v[0] == ' ' || v[n - 1] == ' ')
        /* A term is matched as written: a space at either end never would be. */
        fprintf(stderr, "line %zu: %s: '%s' has a space at its start or end\n", line, field, v);
    else if (n > max)
        fprintf(stderr, "line %zu: %s: %s is %zu bytes long; at most %zu are allowed\n", line,
                field, field, n, max);
    else
        return 0;
    return 1;
}

/* Judge every staged row (ctl_csv_import_t.check). */
static int s_check(PGconn *c, const size_t *lines, size_t nlines, size_t *nrows, void *arg)
{
    PGresult *r = ctl_db_query(c, S_CMD, S_SQL_ROWS, 0, NULL);
    if (!r)
        return -1;
    int nr = PQntuples(r), nbad = 0;
    for (int i = 0; i < nr; i++) {
        size_t k = (size_t)strtoull(PQgetvalue(r, i, 0), NULL, 10);
        size_t first = (size_t)strtoull(PQgetvalue(r, i, 3), NULL, 10);
        if (k < 1 || k > nlines || first < 1 || first > nlines) {
            fprintf(stderr, "candourctl " S_CMD ": staged row %zu has no line in the file\n", k);
            PQclear(r);
            return -1;
        }
        const char *term = PQgetvalue(r, i, 1);
        int term_bad = s_check_field(lines[k - 1], "term", term, S_TERM_MAX);
        nbad +=
            term_bad + s_check_field(lines[k - 1], "meaning", PQgetvalue(r, i, 2), S_MEANING_MAX);
        /* A term that is itself bad is told once, above. */
        if (first != k && !term_bad) {
            fprintf(stderr, "line %zu: term: '%s' is already on line %zu\n", lines[k - 1], term,
                    lines[first - 1]);
            nbad++;
        }
    }
    PQclear(r);
    *nrows = (size_t)nr;
    return nbad;
}

/* Make org's list the staged one and say what changed
 * (ctl_csv_import_t.apply). */
static int s_apply(PGconn *c, void *arg)
{
    const char *org = arg;
    char actor[300];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0 || ctl_db_actor(c, S_CMD, actor) != 0)
        return -1;
    /* Serialise importers, so the counts are those of what is done; readers
     * (sign-off's gate) see the old list until commit. */
    if (ctl_db_exec(c, S_CMD, "LOCK TABLE signoff.glossary IN SHARE ROW EXCLUSIVE MODE", 0, NULL))
        return -1;
    const char *v[1] = {org};
    PGresult *r = ctl_db_query(c, S_CMD, S_SQL_COUNTS, 1, v);
    if (!r)
        return -1;
    enum { N_TERMS, N_NEW, N_CHANGED, N_REMOVED, N_COUNT }; /* S_SQL_COUNTS' columns */
    long n[N_COUNT];
    for (int j = 0; j < N_COUNT; j++)
        n[j] = strtol(PQgetvalue(r, 0, j), NULL, 10);
    PQclear(r);
    long written = -1, removed = -1;
    if ((r = ctl_db_query(c, S_CMD, S_SQL_UPSERT, 1, v)) != NULL)
        written = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    if (written >= 0 && (r = ctl_db_query(c, S_CMD, S_SQL_DELETE, 1, v)) != NULL)
        removed = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    if (written < 0 || removed < 0)
        return -1;
    if (written != n[N_NEW] + n[N_CHANGED] || removed != n[N_REMOVED]) {
        fprintf(stderr,
                "candourctl " S_CMD ": wrote %ld and deleted %ld rows where %ld new, %ld changed"
                " and %ld removed were counted\n",
                written, removed, n[N_NEW], n[N_CHANGED], n[N_REMOVED]);
        return -1;
    }
    printf("glossary %s: %ld term%s (%ld new, %ld changed, %ld removed)\n",
           *org ? org : "(Candour's default)", n[N_TERMS], n[N_TERMS] == 1 ? "" : "s", n[N_NEW],
           n[N_CHANGED], n[N_REMOVED]);
    return 0;
}

/* ---------------------------------------------------------------- commands */

static int s_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl glossary import FILE.csv [--org ORG]\n"
            "       candourctl glossary list [--org ORG]\n"
            "The terms a response letter must explain where it first uses them (sign-off's\n"
            "quality gate, check `terms`). Without --org: Candour's default list, which\n"
            "every body uses; with --org: the body's own terms, added to the default (its\n"
            "meaning wins where both have a term). The CSV (RFC 4180, UTF-8) starts with\n"
            "the header\n"
            "  " S_HEADER "\n"
            "term: at most %d bytes, as a letter writes it; meaning: at most %d bytes, in\n"
            "plain words. Each is UTF-8 text on one line.\n"
            "import checks every row and imports nothing if one is bad (each is reported as\n"
            "`line N: field: message`; a term twice names both lines). The file is the\n"
            "whole list: in one transaction it adds new terms, updates changed meanings\n"
            "and DELETES the list's terms the file leaves out. Importing the same file\n"
            "again changes nothing. The audit trail names you (\"ops: <login>\").\n"
            "list: the terms; with --org, the default's and the body's, each marked.\n"
            "Uses CANDOUR_DB_URL (admin); see deploy/glossary/default.csv and its README.\n",
            S_TERM_MAX, S_MEANING_MAX);
    return rc;
}

/* The options of import and list: --org, checked, into *org ("" when not
 * given). 0 to go on; else the exit code into *rc (--help, usage). */
static int s_options(int argc, char **argv, const char **org, int *rc)
{
    static struct option opts[] = {
        {"org", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    *org = "";
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'o') {
            *rc = s_usage(c == 'h' ? 0 : 2);
            return 1;
        }
        if (!ctl_routes_ident_ok(optarg)) {
            fprintf(stderr,
                    "candourctl " S_CMD ": --org '%s' is not a body's id (letters, digits, '.',"
                    " '_' and '-'; at most 64)\n",
                    optarg);
            *rc = 2;
            return 1;
        }
        *org = optarg;
    }
    return 0;
}

static int s_import(int argc, char **argv)
{
    const char *org;
    int rc;
    if (s_options(argc, argv, &org, &rc) != 0)
        return rc;
    if (argc - optind != 1)
        return s_usage(2);
    ctl_csv_import_t imp = {
        .copy = {S_CMD, S_SQL_COPY, S_HEADER, s_columns, sizeof s_columns / sizeof *s_columns},
        .stage_sql = S_SQL_STAGE,
        .check = s_check,
        .apply = s_apply,
        .arg = (void *)org,
    };
    return ctl_csv_import(&imp, argv[optind]);
}

static int s_list(int argc, char **argv)
{
    const char *org;
    int rc;
    if (s_options(argc, argv, &org, &rc) != 0)
        return rc;
    if (argc != optind)
        return s_usage(2);
    PGconn *conn = ctl_db_connect(S_CMD);
    if (!conn)
        return 1;
    /* As the gate reads it: the default's terms and the body's, the body's
     * meaning where both have one (marked "in place of" the default's). */
    const char *v[1] = {org};
    PGresult *r = ctl_db_query(
        conn, S_CMD,
        "SELECT term, CASE WHEN org_id = '' THEN 'default' WHEN EXISTS (SELECT 1 FROM"
        " signoff.glossary d WHERE d.org_id = '' AND d.term = g.term) THEN org_id || ', in place"
        " of the default' ELSE org_id END, meaning, org_id <> ''"
        " FROM (SELECT DISTINCT ON (term) * FROM signoff.glossary WHERE org_id IN ('', $1)"
        " ORDER BY term, org_id = '') g ORDER BY lower(term), term",
        1, v);
    PQfinish(conn);
    if (!r)
        return 1;
    static const char *const heads[] = {"TERM", "FROM", "MEANING"};
    enum { NCOL = sizeof heads / sizeof heads[0] };
    int width[NCOL], nr = PQntuples(r), own = 0;
    for (int j = 0; j < NCOL; j++) {
        width[j] = (int)strlen(heads[j]);
        for (int i = 0; i < nr; i++)
            if (PQgetlength(r, i, j) > width[j])
                width[j] = PQgetlength(r, i, j);
    }
    for (int i = -1; i < nr; i++) {
        own += i >= 0 && strcmp(PQgetvalue(r, i, 3), "t") == 0;
        for (int j = 0; j < NCOL; j++) {
            /* Without --org, every row is the default's: no column for it. */
            if (j == 1 && !*org)
                continue;
            const char *cell = i < 0 ? heads[j] : PQgetvalue(r, i, j);
            if (j + 1 < NCOL)
                printf("%-*s  ", width[j], cell);
            else
                printf("%s\n", cell);
        }
    }
    if (*org)
        printf("%d term%s: %d Candour's default, %d %s's own\n", nr, nr == 1 ? "" : "s", nr - own,
               own, org);
    else
        printf("%d term%s in Candour's default glossary\n", nr, nr == 1 ? "" : "s");
    PQclear(r);
    return 0;
}

int ctl_glossary(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "import") == 0)
        return s_import(argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return s_list(argc, argv);
    return s_usage(2);
}
