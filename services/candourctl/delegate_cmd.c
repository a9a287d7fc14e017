/* delegate_cmd.c - `candourctl delegate add|list|revoke`: who may sign for
 * a body in a role they do not hold, from when until when (F2), as sign-off
 * reads it with every signature (signoff.delegation, migration 0024).
 *
 * An ICB's responsible person on leave names a deputy for the fortnight:
 * the deputy then signs the chain's steps that need the responsible person
 * of the ICB, and their signature says they signed as a delegate. The
 * person must be in sign-off's copy of the staff directory (signoff.staff)
 * and not disabled; they may be of another body. A delegation is never
 * deleted: revoking one marks it, so the record shows who could sign when.
 *
 * Ops change the table directly, as the admin (CANDOUR_DB_URL), in one
 * transaction with every value a parameter; the rows and the audit trail
 * name the operator ("ops: <login>"). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/directory.h"
#include "candour/util.h"
#include "ctl.h"
#include "routes.h"

#define S_CMD "delegate"
#define S_MAX_REASON 1000
/* England's date: a delegation's days are days in England. */
#define S_TODAY_SQL "(now() AT TIME ZONE 'Europe/London')::date"

static int s_usage(int rc)
{
    FILE *out = rc ? stderr : stdout;
    fprintf(out,
            "Usage: candourctl delegate add ORG --staff ST_ID --role ROLE [--role ROLE]\n"
            "            --from YYYY-MM-DD --until YYYY-MM-DD [--reason TEXT]\n"
            "       candourctl delegate list ORG [--all]\n"
            "       candourctl delegate revoke ID --reason TEXT\n"
            "Who may sign the body ORG's responses in a role they do not hold (F2): the steps\n"
            "of ORG's signature chain (candourctl chain) that need one of the roles, from the\n"
            "first day until the last, both included (days in England).\n"
            "add records one and prints its id:\n"
            "  --staff ST_ID  the person, as in sign-off's copy of the staff directory (not\n"
            "                 disabled); they may be of another body\n"
            "  --role ROLE    responsible-person or signatory; give both for either\n"
            "  --from, --until  the first and the last day\n"
            "  --reason TEXT  why, in words (\"responsible person on leave\"); one line\n"
            "list: the delegations in force or to come; --all: past and revoked ones too.\n"
            "revoke ends one now; it is kept, with the reason, and signs nothing more.\n"
            "Uses CANDOUR_DB_URL (admin); the change names you (\"ops: <login>\").\n");
    return rc;
}

/* A reason as given for option opt: one line of 1..S_MAX_REASON bytes. */
static int s_reason_ok(const char *opt, const char *text)
{
    size_t n = strlen(text);
    if (n >= 1 && n <= S_MAX_REASON && cd_text_ok(text, n, 0))
        return 1;
    fprintf(stderr,
            "candourctl " S_CMD ": --%s takes the reason in words: 1 to %d bytes of text on one"
            " line\n",
            opt, S_MAX_REASON);
    return 0;
}

/* ---------------------------------------------------------------- add */

typedef struct {
    const char *org, *staff, *from, *until, *reason;
    unsigned roles;
} s_add_t;

/* The options of `delegate add` into a. 0, or the exit code (told). */
static int s_add_args(int argc, char **argv, s_add_t *a)
{
    static struct option opts[] = {{"staff", required_argument, 0, 's'},
                                   {"role", required_argument, 0, 'r'},
                                   {"from", required_argument, 0, 'f'},
                                   {"until", required_argument, 0, 'u'},
                                   {"reason", required_argument, 0, 'w'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        unsigned bit;
        switch (c) {
        case 's':
            a->staff = optarg;
            break;
        case 'r':
            if (!(bit = ctl_signing_role(optarg))) {
                fprintf(stderr,
                        "candourctl " S_CMD ": --role '%s': a delegation is for"
                        " responsible-person or signatory\n",
                        optarg);
                return 2;
            }
            a->roles |= bit;
            break;
        case 'f':
            a->from = optarg;
            break;
        case 'u':
            a->until = optarg;
            break;
        case 'w':
            if (!s_reason_ok("reason", optarg))
                return 2;
            a->reason = optarg;
            break;
        default:
            return s_usage(c == 'h' ? 0 : 2);
        }
    }
    if (optind != argc - 1 || !a->staff || !a->roles || !a->from || !a->until) {
        fprintf(stderr,
                "candourctl " S_CMD " add: give ORG, --staff, --role, --from and --until\n");
        return s_usage(2);
    }
    a->org = argv[optind];
    if (!ctl_routes_ident_ok(a->org)) {
        fprintf(stderr, "candourctl " S_CMD ": '%s' is not a body's id\n", a->org);
        return 2;
    }
    if (!ctl_routes_ident_ok(a->staff)) {
        fprintf(stderr, "candourctl " S_CMD ": --staff '%s' is not a staff id\n", a->staff);
        return 2;
    }
    cd_date_t from = {0}, until = {0};
    const char *bad = cd_date_parse(a->from, &from) != 0     ? "from"
                      : cd_date_parse(a->until, &until) != 0 ? "until"
                                                             : NULL;
    if (bad) {
        fprintf(stderr,
                "candourctl " S_CMD ": --%s takes a day that exists, YYYY-MM-DD, not '%s'\n", bad,
                *bad == 'f' ? a->from : a->until);
        return 2;
    }
    if (cd_date_cmp(until, from) < 0) {
        fprintf(stderr,
                "candourctl " S_CMD ": --until %s is before --from %s: the last day comes on or"
                " after the first\n",
                a->until, a->from);
        return 2;
    }
    return 0;
}

/* Record a in one transaction. The exit code. */
static int s_add_write(const s_add_t *a)
{
    char actor[300];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    const char *v[1] = {a->staff};
    PGresult *who = NULL, *made = NULL;
    int rc = ctl_db_begin_as(c, S_CMD, actor) == 0 &&
                     (who = ctl_db_query(c, S_CMD,
                                         "SELECT org_id, name, disabled, disabled_reason"
                                         " FROM signoff.staff WHERE staff_id = $1 FOR SHARE",
                                         1, v)) != NULL
                 ? 0
                 : 1;
    if (rc == 0 && PQntuples(who) == 0) {
        fprintf(stderr,
                "candourctl " S_CMD ": sign-off knows of no %s (signoff.staff): add them to the"
                " directory first (candourctl staff add)\n",
                a->staff);
        rc = 1;
    } else if (rc == 0 && PQgetvalue(who, 0, 2)[0] == 't') {
        fprintf(stderr, "candourctl " S_CMD ": %s (%s) is disabled in the directory (%s)\n",
                a->staff, PQgetvalue(who, 0, 1), PQgetvalue(who, 0, 3));
        rc = 1;
    }
    if (rc == 0) {
        const char *w[7] = {a->org,  a->staff, ctl_signing_roles_array(a->roles),
                            a->from, a->until, a->reason ? a->reason : "",
                            actor};
        made = ctl_db_query(c, S_CMD,
                            "INSERT INTO signoff.delegation (org_id, staff_id, roles, valid_from,"
                            " valid_until, reason, recorded_by) VALUES ($1, $2, $3::text[],"
                            " $4::date, $5::date, $6, $7)"
                            " RETURNING id, valid_until < " S_TODAY_SQL,
                            7, w);
        rc = made && ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) == 0 ? 0 : 1;
    }
    if (rc != 0) {
        ctl_db_exec(c, S_CMD, "ROLLBACK", 0, NULL);
        fprintf(stderr, "candourctl " S_CMD ": nothing recorded\n");
    } else {
        char roles[80];
        cd_roles_words(a->roles, roles, sizeof roles);
        printf("delegation %s: %s (%s, of %s) may sign for %s as %s from %s until %s (both"
               " days included); recorded by %s\n",
               PQgetvalue(made, 0, 0), PQgetvalue(who, 0, 1), a->staff, PQgetvalue(who, 0, 0),
               a->org, roles, a->from, a->until, actor);
        if (PQgetvalue(made, 0, 1)[0] == 't')
            printf("note: its last day is past, so it lets no one sign now\n");
    }
    PQclear(who);
    PQclear(made);
    PQfinish(c);
    return rc;
}

static int s_add(int argc, char **argv)
{
    s_add_t a = {0};
    int rc = s_add_args(argc, argv, &a);
    return rc ? rc : s_add_write(&a);
}

/* ---------------------------------------------------------------- list */

static int s_list(int argc, char **argv)
{
    static struct option opts[] = {
        {"all", no_argument, 0, 'a'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, all = 0;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'a')
            return s_usage(c == 'h' ? 0 : 2);
        all = 1;
    }
    if (optind != argc - 1)
        return s_usage(2);
    const char *org = argv[optind];
    if (!ctl_routes_ident_ok(org)) {
        fprintf(stderr, "candourctl " S_CMD ": '%s' is not a body's id\n", org);
        return 2;
    }
    PGconn *conn = ctl_db_connect(S_CMD);
    if (!conn)
        return 1;
    const char *v[2] = {org, all ? "true" : "false"};
    PGresult *r =
        ctl_db_query(conn, S_CMD,
                     "SELECT d.id, d.staff_id, coalesce(s.name, '(not in the directory)'),"
                     " array_to_string(d.roles, '+'), d.valid_from, d.valid_until,"
                     " CASE WHEN d.revoked_at IS NOT NULL"
                     "   THEN 'revoked ' || (d.revoked_at AT TIME ZONE 'Europe/London')::date"
                     "  WHEN d.valid_until < " S_TODAY_SQL " THEN 'ended'"
                     "  WHEN d.valid_from > " S_TODAY_SQL " THEN 'to come'"
                     "  WHEN s.disabled THEN 'in force, but the person is disabled'"
                     "  ELSE 'in force' END,"
                     " d.recorded_by, d.reason"
                     " FROM signoff.delegation d LEFT JOIN signoff.staff s USING (staff_id)"
                     " WHERE d.org_id = $1 AND ($2::boolean"
                     "  OR (d.revoked_at IS NULL AND d.valid_until >= " S_TODAY_SQL "))"
                     " ORDER BY d.valid_from, d.id",
                     2, v);
    PQfinish(conn);
    if (!r)
        return 1;
    int n = PQntuples(r);
    const char *which = all ? "" : " in force or to come";
    if (n == 0) {
        printf("%s has no delegations%s\n", org, which);
    } else {
        static const char *const heads[] = {"ID",    "STAFF", "NAME",        "ROLES", "FROM",
                                            "UNTIL", "STATE", "RECORDED BY", "REASON"};
        ctl_print_table(r, heads, 9);
        printf("\n%d delegation%s for %s%s%s\n", n, n == 1 ? "" : "s", org, which,
               all ? "" : " (--all: past and revoked too)");
    }
    PQclear(r);
    return 0;
}

/* ---------------------------------------------------------------- revoke */

static int s_revoke(int argc, char **argv)
{
    static struct option opts[] = {
        {"reason", required_argument, 0, 'w'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    const char *reason = NULL;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'w')
            return s_usage(c == 'h' ? 0 : 2);
        if (!s_reason_ok("reason", optarg))
            return 2;
        reason = optarg;
    }
    if (optind != argc - 1 || !reason) {
        fprintf(stderr, "candourctl " S_CMD " revoke: give the delegation's ID and --reason\n");
        return s_usage(2);
    }
    const char *id = argv[optind];
    char *end;
    errno = 0;
    long long n = strtoll(id, &end, 10);
    if (!*id || *end || id[0] == '-' || id[0] == '+' || errno || n < 1) {
        fprintf(stderr, "candourctl " S_CMD ": '%s' is not a delegation's id (delegate list)\n",
                id);
        return 2;
    }
    char actor[300];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *conn = ctl_db_connect(S_CMD);
    if (!conn)
        return 1;
    const char *v[1] = {id};
    PGresult *d = NULL;
    int rc = ctl_db_begin_as(conn, S_CMD, actor) == 0 &&
                     (d = ctl_db_query(conn, S_CMD,
                                       "SELECT org_id, staff_id, valid_from, valid_until,"
                                       " (revoked_at AT TIME ZONE 'Europe/London')::date"
                                       " FROM signoff.delegation WHERE id = $1::bigint FOR UPDATE",
                                       1, v)) != NULL
                 ? 0
                 : 1;
    if (rc == 0 && PQntuples(d) == 0) {
        fprintf(stderr, "candourctl " S_CMD ": there is no delegation %s\n", id);
        rc = 1;
    } else if (rc == 0 && !PQgetisnull(d, 0, 4)) {
        fprintf(stderr, "candourctl " S_CMD ": delegation %s was revoked already, on %s\n", id,
                PQgetvalue(d, 0, 4));
        rc = 1;
    }
    /* Kept, with who revoked it and why (the audit trail names them too). */
    const char *w[3] = {id, reason, actor};
    if (rc == 0)
        rc = ctl_db_exec(conn, S_CMD,
                         "UPDATE signoff.delegation SET revoked_at = now(), revoke_reason = $2,"
                         " revoked_by = $3 WHERE id = $1::bigint",
                         3, w) == 0 &&
                     ctl_db_exec(conn, S_CMD, "COMMIT", 0, NULL) == 0
                 ? 0
                 : 1;
    if (rc != 0) {
        ctl_db_exec(conn, S_CMD, "ROLLBACK", 0, NULL);
        fprintf(stderr, "candourctl " S_CMD ": nothing changed\n");
    } else
        printf("delegation %s revoked by %s: %s no longer signs for %s under it (it ran from %s"
               " until %s)\n",
               id, actor, PQgetvalue(d, 0, 1), PQgetvalue(d, 0, 0), PQgetvalue(d, 0, 2),
               PQgetvalue(d, 0, 3));
    PQclear(d);
    PQfinish(conn);
    return rc;
}

int ctl_delegate(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "add") == 0)
        return s_add(argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return s_list(argc, argv);
    if (strcmp(argv[1], "revoke") == 0)
        return s_revoke(argc, argv);
    return s_usage(2);
}
