/* covering_cmd.c - `candourctl covering set|show|clear`: the covering
 * letter a body sends with its responses (F2, N1), as sign-off reads it
 * (signoff.covering_letter, migration 0024).
 *
 * Where a CSU investigates for an ICB, the ICB checks, signs and sends the
 * response, usually with a letter of its own. The letter goes with the
 * response from the chain's step marked to send it (candourctl chain set
 * ... --covering), so a body needs both.
 *
 * The text is the body's words, kept as given: lines are allowed, and
 * `show` prints it alone so it can be edited and set again. Only what a
 * file adds around a text is dropped: a byte-order mark, Windows line ends
 * (CRLF, which sign-off's text rules refuse) and the line ends at the end.
 *
 * Ops change the table directly, as the admin (CANDOUR_DB_URL), in one
 * transaction with every value a parameter; the row and the audit trail
 * name the operator ("ops: <login>"). The same text is not written again. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"
#include "ctl.h"
#include "routes.h"

#define S_CMD "covering"
#define S_MAX_TEXT 20000
/* Read no further than this: far past the limit, even with CRLFs. */
#define S_MAX_READ (1024 * 1024)

static int s_usage(int rc)
{
    FILE *out = rc ? stderr : stdout;
    fprintf(out,
            "Usage: candourctl covering set ORG --file FILE\n"
            "       candourctl covering show ORG\n"
            "       candourctl covering clear ORG\n"
            "The covering letter the body ORG sends with its responses, from the step of its\n"
            "signature chain marked --covering (candourctl chain).\n"
            "set: the letter's text from FILE ('-': standard input), UTF-8, 1 to %d bytes;\n"
            "lines are kept. A byte-order mark, Windows line ends and the line ends at the\n"
            "end are dropped.\n"
            "show: the letter's text alone on standard output, as set, so it can be edited\n"
            "and set again; its size and who set it on standard error.\n"
            "clear: the body sends no covering letter.\n"
            "Uses CANDOUR_DB_URL (admin); the change names you (\"ops: <login>\").\n",
            S_MAX_TEXT);
    return rc;
}

/* The body's id, the only operand after the options: it, or NULL (told). */
static const char *s_org(int argc, char **argv)
{
    if (optind != argc - 1) {
        s_usage(2);
        return NULL;
    }
    if (!ctl_routes_ident_ok(argv[optind])) {
        fprintf(stderr, "candourctl " S_CMD ": '%s' is not a body's id\n", argv[optind]);
        return NULL;
    }
    return argv[optind];
}

/* The whole of path ("-": stdin), up to S_MAX_READ + 1 bytes, NUL-ended,
 * malloc'd; NULL (told) when it cannot be read. */
static char *s_read(const char *path, size_t *len)
{
    int in = strcmp(path, "-") == 0;
    FILE *f = in ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "candourctl " S_CMD ": cannot read %s: %m\n", path);
        return NULL;
    }
    char *buf = malloc(S_MAX_READ + 2);
    size_t n = buf ? fread(buf, 1, S_MAX_READ + 1, f) : 0;
    int bad = !buf || ferror(f);
    if (!in)
        fclose(f);
    if (bad) {
        fprintf(stderr, "candourctl " S_CMD ": cannot read %s\n", in ? "standard input" : path);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* The letter as a file holds it, made the text to keep (in place): no BOM,
 * LF line ends, none at the end. Its new length. */
static size_t s_tidy(char *t, size_t n)
{
    size_t r = 0, w = 0;
    if (n >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
        r = 3;
    for (; r < n; r++)
        if (!(t[r] == '\r' && r + 1 < n && t[r + 1] == '\n'))
            t[w++] = t[r];
    while (w && t[w - 1] == '\n')
        w--;
    t[w] = 0;
    return w;
}

/* Whether t (n bytes) may be the letter; if not, says why. */
static int s_text_ok(const char *path, const char *t, size_t n)
{
    if (n == 0 || n > S_MAX_TEXT) {
        fprintf(stderr,
                "candourctl " S_CMD ": %s holds %s%zu bytes of text; a covering letter"
                " is 1 to %d\n",
                path, n > S_MAX_READ ? "over " : "", n > S_MAX_READ ? (size_t)S_MAX_READ : n,
                S_MAX_TEXT);
        return 0;
    }
    /* Line by line, so the line to put right can be named. */
    size_t line = 1;
    for (const char *p = t; p < t + n; line++) {
        const char *nl = memchr(p, '\n', (size_t)(t + n - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(t + n - p);
        if (!cd_text_ok(p, len, 1)) {
            fprintf(stderr,
                    "candourctl " S_CMD ": %s, line %zu: not UTF-8 text, or it holds a control"
                    " character (only line ends and tabs may be)\n",
                    path, line);
            return 0;
        }
        p += len + 1;
    }
    return 1;
}

static size_t s_lines(const char *t)
{
    size_t n = 1;
    for (; *t; t++)
        n += *t == '\n';
    return n;
}

/* Whether org's chain has its last step send the letter; -1 when the
 * database failed (told). */
static int s_chain_sends(PGconn *c, const char *org)
{
    const char *v[1] = {org};
    PGresult *r = ctl_db_query(c, S_CMD,
                               "SELECT covering FROM signoff.chain_step WHERE org_id = $1"
                               " ORDER BY step DESC LIMIT 1",
                               1, v);
    if (!r)
        return -1;
    int sends = PQntuples(r) && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return sends;
}

/* Write text as org's letter in one transaction. The exit code. */
static int s_write(const char *org, const char *text)
{
    char actor[300];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    const char *v[3] = {org, text, actor};
    PGresult *was = NULL, *wrote = NULL;
    int sends = -1;
    if (ctl_db_begin_as(c, S_CMD, actor) == 0 &&
        (was = ctl_db_query(c, S_CMD,
                            "SELECT octet_length(text), text = $2 FROM signoff.covering_letter"
                            " WHERE org_id = $1 FOR UPDATE",
                            2, v)) != NULL &&
        (wrote = ctl_db_query(c, S_CMD,
                              "INSERT INTO signoff.covering_letter AS l (org_id, text, changed_by)"
                              " VALUES ($1, $2, $3) ON CONFLICT (org_id) DO UPDATE SET"
                              " text = excluded.text, changed_by = excluded.changed_by,"
                              " changed_at = now() WHERE l.text IS DISTINCT FROM excluded.text",
                              3, v)) != NULL &&
        (sends = s_chain_sends(c, org)) >= 0 && ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) != 0)
        sends = -1;
    int rc = 0;
    if (sends < 0) {
        ctl_db_exec(c, S_CMD, "ROLLBACK", 0, NULL);
        fprintf(stderr, "candourctl " S_CMD ": nothing changed for %s\n", org);
        rc = 1;
    } else {
        size_t n = strlen(text), lines = s_lines(text);
        printf("covering letter of %s: %zu byte%s, %zu line%s", org, n, n == 1 ? "" : "s", lines,
               lines == 1 ? "" : "s");
        if (PQntuples(was) == 0)
            printf("; was none; set by %s\n", actor);
        else if (PQgetvalue(was, 0, 1)[0] == 't')
            printf(", unchanged\n");
        else
            printf("; was %s bytes; set by %s\n", PQgetvalue(was, 0, 0), actor);
        if (!sends)
            printf("note: no step of %s's signature chain sends it yet (candourctl chain set %s"
                   " ... --covering)\n",
                   org, org);
    }
    PQclear(was);
    PQclear(wrote);
    PQfinish(c);
    return rc;
}

static int s_set(int argc, char **argv)
{
    static struct option opts[] = {
        {"file", required_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    const char *path = NULL;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'f')
            return s_usage(c == 'h' ? 0 : 2);
        path = optarg;
    }
    const char *org = s_org(argc, argv);
    if (!org)
        return 2;
    if (!path) {
        fprintf(stderr, "candourctl " S_CMD " set: give --file FILE ('-': standard input)\n");
        return 2;
    }
    size_t n;
    char *text = s_read(path, &n);
    if (!text)
        return 1;
    const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
    int rc = 2;
    if (s_text_ok(name, text, n > S_MAX_READ ? n : s_tidy(text, n)))
        rc = s_write(org, text);
    else
        fprintf(stderr, "candourctl " S_CMD ": nothing changed for %s\n", org);
    free(text);
    return rc;
}

/* show or clear (the operand alone). */
static int s_show_or_clear(int argc, char **argv, int clear)
{
    static struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 2;
    if ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        return s_usage(c == 'h' ? 0 : 2);
    const char *org = s_org(argc, argv);
    if (!org)
        return 2;
    char actor[300];
    if (clear && ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *conn = ctl_db_connect(S_CMD);
    if (!conn)
        return 1;
    const char *v[1] = {org};
    PGresult *r = NULL;
    int sends = -1;
    if (clear && ctl_db_begin_as(conn, S_CMD, actor) == 0 &&
        (r = ctl_db_query(conn, S_CMD,
                          "DELETE FROM signoff.covering_letter WHERE org_id = $1"
                          " RETURNING octet_length(text)",
                          1, v)) != NULL &&
        ((sends = s_chain_sends(conn, org)) < 0 ||
         ctl_db_exec(conn, S_CMD, "COMMIT", 0, NULL) != 0)) {
        PQclear(r);
        r = NULL;
    }
    if (!clear)
        r = ctl_db_query(conn, S_CMD,
                         "SELECT text, octet_length(text), changed_by, changed_at::date"
                         " FROM signoff.covering_letter WHERE org_id = $1",
                         1, v);
    PQfinish(conn);
    if (!r) {
        if (clear)
            fprintf(stderr, "candourctl " S_CMD ": nothing changed for %s\n", org);
        return 1;
    }
    if (clear && PQntuples(r))
        printf("covering letter of %s: cleared (it was %s bytes) by %s\n", org, PQgetvalue(r, 0, 0),
               actor);
    else if (clear)
        printf("covering letter of %s: it had none; nothing changed\n", org);
    if (clear && sends)
        printf("note: the last step of %s's signature chain is to send one: it goes without"
               " until one is set\n",
               org);
    if (!clear && PQntuples(r)) {
        printf("%s\n", PQgetvalue(r, 0, 0));
        fprintf(stderr, "covering letter of %s: %s bytes, %zu line%s, set by %s on %s\n", org,
                PQgetvalue(r, 0, 1), s_lines(PQgetvalue(r, 0, 0)),
                s_lines(PQgetvalue(r, 0, 0)) == 1 ? "" : "s", PQgetvalue(r, 0, 2),
                PQgetvalue(r, 0, 3));
    } else if (!clear)
        fprintf(stderr, "%s has no covering letter: none goes with its responses\n", org);
    PQclear(r);
    return 0;
}

int ctl_covering(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "set") == 0)
        return s_set(argc, argv);
    if (strcmp(argv[1], "show") == 0)
        return s_show_or_clear(argc, argv, 0);
    if (strcmp(argv[1], "clear") == 0)
        return s_show_or_clear(argc, argv, 1);
    return s_usage(2);
}
