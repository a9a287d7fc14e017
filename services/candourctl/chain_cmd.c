/* chain_cmd.c - `candourctl chain set|clear|show`: who signs a body's
 * responses, in which order (F2), as sign-off reads it with every signature
 * (signoff.chain_step, migration 0024).
 *
 * A CSU that investigates for an ICB has its senior signatory sign first,
 * then the ICB's responsible person checks, signs and sends, usually with
 * the ICB's covering letter. A body with no chain of its own has Candour's:
 * one step, a signatory or the responsible person of the body, or a
 * signatory authorised to sign for it. The rules a chain must meet are
 * sign-off's own (so_chain_check, chain.h, linked from svc_signoff), so a
 * chain written here is one sign-off accepts.
 *
 * Ops change the table directly, as the admin (CANDOUR_DB_URL), in one
 * transaction with every value a parameter; the rows and the audit trail
 * name the operator ("ops: <login>"). A step that is already so is not
 * written again.
 *
 * Also here: what the chain's commands share (chain, delegate, covering;
 * declared in ctl.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "ctl.h"
#include "routes.h"

#define S_CMD "chain"
/* England's date: a delegation is "in force" by the day in England. */
#define S_TODAY_SQL "(now() AT TIME ZONE 'Europe/London')::date"

/* ---------------------------------------------------------------- shared */

unsigned ctl_signing_role(const char *name)
{
    if (strcmp(name, "signatory") == 0)
        return CD_ROLE_SIGNATORY;
    if (strcmp(name, "responsible-person") == 0)
        return CD_ROLE_RESPONSIBLE_PERSON;
    return 0;
}

const char *ctl_signing_roles_array(unsigned roles)
{
    switch (roles & (CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON)) {
    case CD_ROLE_SIGNATORY:
        return "{signatory}";
    case CD_ROLE_RESPONSIBLE_PERSON:
        return "{responsible-person}";
    case CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON:
        return "{signatory,responsible-person}";
    }
    return "{}";
}

unsigned ctl_signing_roles_of(const char *array)
{
    unsigned roles = 0;
    if (strstr(array, "responsible-person"))
        roles |= CD_ROLE_RESPONSIBLE_PERSON;
    if (strstr(array, "signatory"))
        roles |= CD_ROLE_SIGNATORY;
    return roles;
}

const char *ctl_signing_roles_name(unsigned roles)
{
    const char *a = ctl_signing_roles_array(roles);
    static char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)strlen(a) - 2, a + 1);
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '+';
    return buf;
}

/* Characters, not bytes, so a name with an accent lines up. */
static int s_width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

void ctl_print_table(const PGresult *r, const char *const *heads, int ncols)
{
    enum { MAXCOLS = 16 };
    int nc = ncols < PQnfields(r) ? ncols : PQnfields(r), w[MAXCOLS];
    nc = nc < MAXCOLS ? nc : MAXCOLS;
    for (int j = 0; j < nc; j++) {
        w[j] = s_width(heads[j]);
        for (int i = 0; i < PQntuples(r); i++)
            w[j] = s_width(PQgetvalue(r, i, j)) > w[j] ? s_width(PQgetvalue(r, i, j)) : w[j];
    }
    for (int i = -1; i < PQntuples(r); i++) {
        /* No padding after the row's last text, so no line ends in blanks. */
        int last = 0;
        for (int j = 0; j < nc; j++)
            last = *(i < 0 ? heads[j] : PQgetvalue(r, i, j)) ? j : last;
        for (int j = 0; j <= last; j++) {
            const char *v = i < 0 ? heads[j] : PQgetvalue(r, i, j);
            printf("%s%*s", v, j == last ? 0 : w[j] - s_width(v) + 2, "");
        }
        printf("\n");
    }
}

/* ---------------------------------------------------------------- words */

/* Who signs a step, in words: "a signatory of CSU-X". */
static const char *s_signer_words(unsigned roles, const char *org, char *buf, size_t len)
{
    const char *who = roles == CD_ROLE_SIGNATORY            ? "a signatory"
                      : roles == CD_ROLE_RESPONSIBLE_PERSON ? "the responsible person"
                                                            : "a signatory or the responsible"
                                                              " person";
    snprintf(buf, len, "%s of %s", who, org);
    return buf;
}

static void s_default_words(FILE *out, const char *org)
{
    fprintf(out,
            "Candour's default: one step, a signatory or the responsible person of %s, or a"
            " signatory authorised to sign for it\n",
            org);
}

static int s_usage(int rc)
{
    FILE *out = rc ? stderr : stdout;
    fprintf(out,
            "Usage: candourctl chain set ORG --step SIGNER_ORG:ROLES:LABEL [--covering]\n"
            "            [--step SIGNER_ORG:ROLES:LABEL [--covering]]...\n"
            "       candourctl chain clear ORG\n"
            "       candourctl chain show ORG\n"
            "Who signs the body ORG's responses, and in which order (F2). Each step is signed\n"
            "by someone of SIGNER_ORG (the body itself, or e.g. the CSU investigating for it)\n"
            "who holds one of ROLES, or who signs for SIGNER_ORG, or has a delegation from it\n"
            "in force (candourctl delegate); one person signs one step of a version.\n"
            "set replaces the body's whole chain with the steps given, in order (1 to %d):\n"
            "  --step SIGNER_ORG:ROLES:LABEL\n"
            "      ROLES: signatory, responsible-person or signatory+responsible-person\n"
            "      LABEL: who signs, in words, as people are told it (\"the CSU's senior\n"
            "      signatory\"); 1 to 200 bytes, one line; it may hold ':'\n"
            "  --covering  the step just given sends the body's covering letter (candourctl\n"
            "      covering) with the response; only the last step may\n"
            "clear removes the body's chain, so Candour's default applies again: one step, a\n"
            "signatory or the responsible person of ORG, or a signatory authorised to sign for\n"
            "it. show prints the chain the body has.\n"
            "Example (a CSU's findings, then the ICB's responsible person sends them):\n"
            "  candourctl chain set ICB-QWE --step \"CSU-X:signatory:the CSU's senior"
            " signatory\" \\\n"
            "      --step \"ICB-QWE:responsible-person:the ICB's responsible person\""
            " --covering\n"
            "Uses CANDOUR_DB_URL (admin); the change names you (\"ops: <login>\").\n",
            SO_MAX_STEPS);
    return rc;
}

/* The body's id from argv[optind], the only operand: it, or NULL (told). */
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

/* ---------------------------------------------------------------- set */

/* One --step as given, split into the step (its strings are argv's). */
typedef struct {
    so_step_t step;
    const char *given;
} s_given_t;

/* A step's roles, "signatory+responsible-person", as bits; a name that is a
 * role of the directory but not one that signs is kept as its bit, so
 * sign-off's check names the field. 0, or -1 (told). */
static int s_roles(char *text, unsigned *out, size_t i)
{
    *out = 0;
    for (char *save = NULL, *name = strtok_r(text, "+", &save); name;
         name = strtok_r(NULL, "+", &save)) {
        unsigned bit = ctl_signing_role(name);
        Candour__V1__Role r = cd_role_from_name(name);
        if (!bit && r != CANDOUR__V1__ROLE__ROLE_UNSPECIFIED)
            bit = 1u << r;
        if (!bit || (*out & bit)) {
            fprintf(stderr,
                    "candourctl " S_CMD ": steps[%zu].roles: '%s' %s; ROLES is signatory,"
                    " responsible-person or signatory+responsible-person (--step %zu)\n",
                    i, name, bit ? "is given twice" : "is not a role", i + 1);
            return -1;
        }
        *out |= bit;
    }
    return 0;
}

/* value ("SIGNER_ORG:ROLES:LABEL", argv's, split in place) into g, the
 * i-th step. 0, or -1 (told: a usage error). */
static int s_parse_step(char *value, s_given_t *g, size_t i)
{
    g->given = strdup(value);
    char *c1 = strchr(value, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!g->given || !c2) {
        fprintf(stderr,
                "candourctl " S_CMD ": --step %zu: '%s' is not SIGNER_ORG:ROLES:LABEL (e.g."
                " \"CSU-X:signatory:the CSU's senior signatory\")\n",
                i + 1, value);
        return -1;
    }
    *c1 = *c2 = 0;
    g->step = (so_step_t){.signer_org = value, .label = c2 + 1};
    return s_roles(c1 + 1, &g->step.roles, i);
}

/* Whether the table's rows r (step, signer_org, roles, label, covering)
 * are the chain steps[0..n) already. */
static int s_same(const PGresult *r, const so_step_t *steps, size_t n)
{
    if ((size_t)PQntuples(r) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int k = (int)i;
        if (atoi(PQgetvalue(r, k, 0)) != k + 1 ||
            strcmp(PQgetvalue(r, k, 1), steps[i].signer_org) != 0 ||
            ctl_signing_roles_of(PQgetvalue(r, k, 2)) != steps[i].roles ||
            strcmp(PQgetvalue(r, k, 3), steps[i].label) != 0 ||
            (PQgetvalue(r, k, 4)[0] == 't') != (steps[i].covering != 0))
            return 0;
    }
    return 1;
}

#define S_STEPS_SQL                                                                                \
    "SELECT step, signer_org, roles, label, covering, changed_by, changed_at::date"                \
    " FROM signoff.chain_step WHERE org_id = $1 ORDER BY step"

/* A note on each step no one can sign yet (no one of its body in sign-off's
 * copy of the directory with its roles, and no delegation to come), and on
 * a covering letter asked for but not written: the chain is still set, as
 * ops may set it before the people are in the directory. 0, or -1. */
static int s_notes(PGconn *c, const char *org, const so_step_t *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *v[2] = {steps[i].signer_org, ctl_signing_roles_array(steps[i].roles)};
        PGresult *r = ctl_db_query(
            c, S_CMD,
            "SELECT (SELECT count(*) FROM signoff.staff WHERE NOT disabled"
            "  AND roles && $2::text[] AND (org_id = $1 OR $1 = ANY (signs_for)))"
            " + (SELECT count(*) FROM signoff.delegation WHERE revoked_at IS NULL"
            "  AND org_id = $1 AND roles && $2::text[] AND valid_until >= " S_TODAY_SQL ")",
            2, v);
        if (!r)
            return -1;
        char roles[80];
        cd_roles_words(steps[i].roles, roles, sizeof roles);
        if (atol(PQgetvalue(r, 0, 0)) == 0)
            printf("note: no one can sign step %zu yet: sign-off's copy of the directory has no"
                   " %s of %s (nor anyone who signs for it), and no delegation for it is in force"
                   " or to come\n",
                   i + 1, roles, steps[i].signer_org);
        PQclear(r);
    }
    const char *v[1] = {org};
    PGresult *r =
        ctl_db_query(c, S_CMD, "SELECT 1 FROM signoff.covering_letter WHERE org_id = $1", 1, v);
    if (!r)
        return -1;
    if (steps[n - 1].covering && PQntuples(r) == 0)
        printf("note: %s has no covering letter yet: set it with `candourctl covering set %s"
               " --file FILE`\n",
               org, org);
    PQclear(r);
    return 0;
}

/* Write steps[0..n) as org's chain in one transaction. The exit code. */

/* The signatures already given on this body's responses awaiting signature
 * are void once its chain changes: they were for steps that may no longer
 * be the same, so signing starts again under the new chain (kept, with
 * why). 0, or -1. */
static int s_void_in_flight(PGconn *c, const char *org)
{
    const char *v[1] = {org};
    return ctl_db_exec(c, S_CMD,
                       "UPDATE signoff.signature s SET void_at = now(),"
                       " void_reason = 'the body''s signature chain changed'"
                       " FROM signoff.draft d WHERE d.reference = s.reference AND d.org_id = $1"
                       " AND d.state = 'awaiting-signature' AND s.void_at IS NULL",
                       1, v);
}

static int s_write(const char *org, const so_step_t *steps, size_t n)
{
    char actor[300];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    /* Serialised with other `chain set`s, so "was" is what it was; sign-off
     * reads the old chain until commit. */
    const char *v[1] = {org};
    PGresult *was = NULL;
    int rc =
        ctl_db_begin_as(c, S_CMD, actor) == 0 &&
                ctl_db_exec(c, S_CMD, "LOCK TABLE signoff.chain_step IN SHARE ROW EXCLUSIVE MODE",
                            0, NULL) == 0 &&
                (was = ctl_db_query(c, S_CMD, S_STEPS_SQL, 1, v)) != NULL
            ? 0
            : -1;
    int same = rc == 0 && s_same(was, steps, n);
    for (size_t i = 0; rc == 0 && !same && i < n; i++) {
        char step[24];
        snprintf(step, sizeof step, "%zu", i + 1);
        const char *w[7] = {org,
                            step,
                            steps[i].signer_org,
                            ctl_signing_roles_array(steps[i].roles),
                            steps[i].label,
                            steps[i].covering ? "true" : "false",
                            actor};
        /* A step that is already so keeps its row, and the audit trail
         * records only what changed. */
        rc = ctl_db_exec(c, S_CMD,
                         "INSERT INTO signoff.chain_step AS s (org_id, step, signer_org, roles,"
                         " label, covering, changed_by) VALUES ($1, $2::integer, $3, $4::text[],"
                         " $5, $6::boolean, $7) ON CONFLICT (org_id, step) DO UPDATE SET"
                         " signer_org = excluded.signer_org, roles = excluded.roles,"
                         " label = excluded.label, covering = excluded.covering,"
                         " changed_by = excluded.changed_by, changed_at = now()"
                         " WHERE (s.signer_org, s.roles, s.label, s.covering) IS DISTINCT FROM"
                         " (excluded.signer_org, excluded.roles, excluded.label,"
                         " excluded.covering)",
                         7, w);
    }
    if (rc == 0 && !same) {
        char nn[24];
        snprintf(nn, sizeof nn, "%zu", n);
        const char *w[2] = {org, nn};
        rc = ctl_db_exec(c, S_CMD,
                         "DELETE FROM signoff.chain_step WHERE org_id = $1 AND step > $2::integer",
                         2, w);
        if (rc == 0)
            rc = s_void_in_flight(c, org);
    }
    if (rc == 0) {
        char words[160];
        int nwas = PQntuples(was);
        if (same)
            printf("chain %s: %zu step%s, unchanged\n", org, n, n == 1 ? "" : "s");
        else if (nwas)
            printf("chain %s: %zu step%s; was %d step%s\n", org, n, n == 1 ? "" : "s", nwas,
                   nwas == 1 ? "" : "s");
        else
            printf("chain %s: %zu step%s; was Candour's default\n", org, n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++)
            printf("  %zu. %s: %s%s\n", i + 1, steps[i].label,
                   s_signer_words(steps[i].roles, steps[i].signer_org, words, sizeof words),
                   steps[i].covering ? "; sends the covering letter" : "");
        rc = s_notes(c, org, steps, n);
    }
    if (rc == 0)
        rc = ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL);
    else
        ctl_db_exec(c, S_CMD, "ROLLBACK", 0, NULL);
    PQclear(was);
    PQfinish(c);
    if (rc < 0) {
        fprintf(stderr, "candourctl " S_CMD ": nothing changed for %s\n", org);
        return 1;
    }
    if (!same)
        printf("set by %s\n", actor);
    return 0;
}

static int s_set(int argc, char **argv)
{
    static struct option opts[] = {{"step", required_argument, 0, 's'},
                                   {"covering", no_argument, 0, 'c'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    s_given_t *g = calloc((size_t)argc, sizeof *g);
    if (!g) {
        fprintf(stderr, "candourctl " S_CMD ": out of memory\n");
        return 1;
    }
    size_t n = 0;
    int c, rc = -1; /* -1: go on; else the exit code */
    optind = 2;
    /* Options are read in the order given, so --covering follows its step. */
    while (rc < 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's') {
            rc = s_parse_step(optarg, &g[n], n) == 0 ? -1 : 2;
            n++;
        } else if (c == 'c' && (n == 0 || g[n - 1].step.covering)) {
            fprintf(stderr, "candourctl " S_CMD ": --covering follows the --step it marks,"
                            " once\n");
            rc = 2;
        } else if (c == 'c')
            g[n - 1].step.covering = 1;
        else
            rc = s_usage(c == 'h' ? 0 : 2);
    }
    const char *org = rc < 0 ? s_org(argc, argv) : NULL;
    so_step_t *steps = calloc(n + 1, sizeof *steps);
    if (rc < 0 && org && steps) {
        for (size_t i = 0; i < n; i++)
            steps[i] = g[i].step;
        cd_fail_t why = {0};
        if (so_chain_check(steps, n, &why) == 0)
            rc = s_write(org, steps, n);
        else {
            /* steps[i].<member>: the i-th --step, counted from 1 for people. */
            size_t i = 0;
            int at = sscanf(why.field, "steps[%zu]", &i) == 1 && i < n;
            fprintf(stderr, "candourctl " S_CMD ": %s: %s", why.field, why.message);
            if (at)
                fprintf(stderr, " (--step %zu '%s'%s)", i + 1, g[i].given,
                        g[i].step.covering ? " --covering" : "");
            else if (n == 0)
                fprintf(stderr, " (`candourctl chain clear %s` for Candour's default)", org);
            fprintf(stderr, "\ncandourctl " S_CMD ": nothing changed for %s\n", org);
            rc = 2;
        }
    } else if (rc < 0) {
        if (!steps)
            fprintf(stderr, "candourctl " S_CMD ": out of memory\n");
        rc = steps ? 2 : 1;
    }
    for (size_t i = 0; i < n; i++)
        free((char *)g[i].given);
    free(steps);
    free(g);
    return rc;
}

/* ---------------------------------------------------------------- clear */

static int s_clear(int argc, char **argv)
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
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *conn = ctl_db_connect(S_CMD);
    if (!conn)
        return 1;
    const char *v[1] = {org};
    PGresult *r = NULL;
    if (ctl_db_begin_as(conn, S_CMD, actor) == 0 &&
        (r = ctl_db_query(conn, S_CMD, "DELETE FROM signoff.chain_step WHERE org_id = $1", 1, v)) !=
            NULL &&
        (s_void_in_flight(conn, org) != 0 || ctl_db_exec(conn, S_CMD, "COMMIT", 0, NULL) != 0)) {
        PQclear(r);
        r = NULL;
    }
    PQfinish(conn);
    if (!r) {
        fprintf(stderr, "candourctl " S_CMD ": nothing changed for %s\n", org);
        return 1;
    }
    long gone = atol(PQcmdTuples(r));
    PQclear(r);
    if (gone)
        printf("chain %s: cleared (%ld step%s removed) by %s\n", org, gone, gone == 1 ? "" : "s",
               actor);
    else
        printf("chain %s: it had no chain of its own; nothing changed\n", org);
    s_default_words(stdout, org);
    return 0;
}

/* ---------------------------------------------------------------- show */

static int s_show(int argc, char **argv)
{
    static struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 2;
    if ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        return s_usage(c == 'h' ? 0 : 2);
    const char *org = s_org(argc, argv);
    if (!org)
        return 2;
    PGconn *conn = ctl_db_connect(S_CMD);
    if (!conn)
        return 1;
    /* One snapshot for the chain and the letter. */
    const char *v[1] = {org};
    PGresult *steps = NULL, *letter = NULL;
    if (ctl_db_exec(conn, S_CMD, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) == 0 &&
        (steps = ctl_db_query(conn, S_CMD,
                              "SELECT step, signer_org, array_to_string(roles, '+'),"
                              " CASE WHEN covering THEN 'yes' ELSE '-' END, label,"
                              /* the latest change names who made the chain as it is */
                              " first_value(changed_by) OVER (ORDER BY changed_at DESC),"
                              " (max(changed_at) OVER ())::date"
                              " FROM signoff.chain_step WHERE org_id = $1 ORDER BY step",
                              1, v)) != NULL)
        letter = ctl_db_query(conn, S_CMD,
                              "SELECT octet_length(text) FROM signoff.covering_letter"
                              " WHERE org_id = $1",
                              1, v);
    PQfinish(conn);
    if (!steps || !letter) {
        PQclear(steps);
        return 1;
    }
    int n = PQntuples(steps);
    if (n == 0) {
        printf("signature chain of %s: ", org);
        s_default_words(stdout, org);
    } else {
        printf("signature chain of %s: %d step%s, set by %s on %s\n\n", org, n, n == 1 ? "" : "s",
               PQgetvalue(steps, 0, 5), PQgetvalue(steps, 0, 6));
        static const char *const heads[] = {"STEP", "SIGNER_ORG", "ROLES", "COVERING", "LABEL"};
        ctl_print_table(steps, heads, 5);
    }
    int sends = n && strcmp(PQgetvalue(steps, n - 1, 3), "yes") == 0;
    if (PQntuples(letter))
        printf("\ncovering letter: %s bytes (candourctl covering show %s)%s\n",
               PQgetvalue(letter, 0, 0), org,
               sends ? "" : "; no step sends it (chain set ... --covering)");
    else
        printf("\ncovering letter: none%s\n",
               sends ? " yet, though the last step sends one (candourctl covering set)" : "");
    PQclear(steps);
    PQclear(letter);
    return 0;
}

int ctl_chain(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "set") == 0)
        return s_set(argc, argv);
    if (strcmp(argv[1], "clear") == 0)
        return s_clear(argc, argv);
    if (strcmp(argv[1], "show") == 0)
        return s_show(argc, argv);
    return s_usage(2);
}
