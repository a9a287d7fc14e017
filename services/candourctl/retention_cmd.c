/* retention_cmd.c - `candourctl retention policy|hold|release|run`: complaint
 * records kept as the NHS Records Management Code of Practice says (10 years
 * after closure, or a body's longer policy), then disposed of, each disposal
 * recorded (migration 0044).
 *
 * A complaint is closed when routing holds it in a state the lifecycle
 * table leaves no way out of (cd_lc_closed); when it closed is the
 * database's candour_admin.complaint_closure; whether it is due is
 * retention_rules.c's. `run` disposes of each due complaint in a
 * transaction of its own (candour_admin.retention_dispose: personal data
 * removed from every schema, the audit entries' content erased, the
 * register's row; its events in the outboxes blanked, retention_outbox.c),
 * its letters' files removed from the notify spool
 * (--spool DIR, else CANDOUR_SPOOL_DIR) before it commits. `--dry-run`
 * lists the same and changes nothing. Only references are printed, never
 * names. Over the admin connection (CANDOUR_DB_URL); the operator is named
 * ("ops: <login>") in the register and the audit trail. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/lifecycle.h"
#include "ctl.h"
#include "retention_outbox.h"
#include "retention_rules.h"

#define S_CMD "retention"
#define S_USAGE_TEXT                                                                               \
    "Usage: candourctl retention policy [ORG YEARS]   list the policies, or set ORG's\n"           \
    "       candourctl retention hold REFERENCE REASON keep a complaint past its time\n"           \
    "       candourctl retention release REFERENCE    end its hold\n"                              \
    "       candourctl retention run [--dry-run] [--spool DIR]\n"                                  \
    "Complaint records are kept YEARS after closure (default 10, the NHS Records\n"                \
    "Management Code of Practice), then disposed of: `run` removes the personal data of\n"         \
    "each complaint due, erases its audit entries' content (the chain still verifies),\n"          \
    "removes its letters from the spool (DIR, else CANDOUR_SPOOL_DIR) and records the\n"           \
    "disposal. --dry-run lists what is due and changes nothing. A complaint on hold or\n"          \
    "with an open Ombudsman referral is kept. Uses CANDOUR_DB_URL (admin).\n"

static int s_usage(int rc)
{
    fputs(S_USAGE_TEXT, rc ? stderr : stdout);
    return rc;
}

/* ------------------------------------------------------------------------
 * policy, hold, release: one change each, the operator named */

/* Run one statement that must change a row, as actor, in a transaction: 0
 * done, 2 no row (why told), 1 the database failed (told). */
static int s_change(const char *sql, int n, const char *const *v, const char *none)
{
    char actor[256];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 3;
    const char *w[4] = {actor, NULL, NULL, NULL};
    for (int i = 0; i < n && i < 3; i++)
        w[i + 1] = v[i];
    int rc = 1;
    if (ctl_db_begin_as(c, S_CMD, actor) != 0)
        goto out;
    PGresult *r = ctl_db_query(c, S_CMD, sql, n + 1, w);
    if (!r)
        goto out;
    int changed = PQntuples(r);
    PQclear(r);
    if (changed == 0) {
        fprintf(stderr, "candourctl " S_CMD ": %s\n", none);
        rc = 2;
        goto out;
    }
    if (ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) == 0)
        rc = 0;
out:
    PQfinish(c);
    return rc;
}

static int s_policy_list(void)
{
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 3;
    char dflt[8];
    snprintf(dflt, sizeof dflt, "%d", RET_DEFAULT_YEARS);
    const char *v[1] = {dflt};
    PGresult *r = ctl_db_query(
        c, S_CMD,
        "SELECT o.org_id, coalesce(p.years::text, $1 || ' (default)'), coalesce(p.set_by, ''),"
        " coalesce(to_char(p.set_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '')"
        " FROM (SELECT org_id FROM intake.organisation UNION SELECT org_id FROM routing.org_policy"
        "  UNION SELECT org_id FROM candour_admin.retention_policy) o"
        " LEFT JOIN candour_admin.retention_policy p USING (org_id) ORDER BY o.org_id",
        1, v);
    if (!r) {
        PQfinish(c);
        return 1;
    }
    static const char *const heads[] = {"ORG", "YEARS AFTER CLOSURE", "SET BY", "SET AT (UTC)"};
    ctl_print_table(r, heads, 4);
    PQclear(r);
    PQfinish(c);
    return 0;
}

static int s_policy_set(const char *org, const char *years)
{
    char *end;
    long y = strtol(years, &end, 10);
    if (*years == '\0' || *end != '\0' || y < 1 || y > RET_MAX_YEARS) {
        fprintf(stderr, "candourctl " S_CMD ": YEARS must be a whole number from 1 to %d\n",
                RET_MAX_YEARS);
        return 2;
    }
    const char *v[2] = {org, years};
    int rc = s_change("INSERT INTO candour_admin.retention_policy (org_id, years, set_by)"
                      " SELECT $2, $3::int, $1 WHERE EXISTS (SELECT 1 FROM intake.organisation"
                      "  WHERE org_id = $2 UNION SELECT 1 FROM routing.org_policy WHERE org_id = $2"
                      "  UNION SELECT 1 FROM routing.staff WHERE org_id = $2)"
                      " ON CONFLICT (org_id) DO UPDATE SET years = EXCLUDED.years,"
                      " set_by = EXCLUDED.set_by, set_at = now() RETURNING 1",
                      2, v, "no such organisation (check its id, or add it: candourctl org add)");
    if (rc == 0)
        printf("%s: complaint records kept %ld years after closure\n", org, y);
    return rc;
}

static int s_hold(const char *ref, const char *reason)
{
    const char *v[2] = {ref, reason};
    int rc = s_change("INSERT INTO candour_admin.retention_hold (reference, reason, held_by)"
                      " SELECT $2, $3, $1 WHERE $3 <> '' AND EXISTS (SELECT 1 FROM"
                      "  routing.complaint WHERE reference = $2)"
                      " AND NOT EXISTS (SELECT 1 FROM candour_admin.retention_hold"
                      "  WHERE reference = $2 AND released_at IS NULL) RETURNING 1",
                      2, v, "no such complaint, already held, or no reason given");
    if (rc == 0)
        printf("%s: held (not disposed of until released)\n", ref);
    return rc;
}

static int s_release(const char *ref)
{
    const char *v[1] = {ref};
    int rc = s_change("UPDATE candour_admin.retention_hold SET released_by = $1,"
                      " released_at = now() WHERE reference = $2 AND released_at IS NULL"
                      " RETURNING 1",
                      1, v, "that complaint is not held");
    if (rc == 0)
        printf("%s: released\n", ref);
    return rc;
}

/* ------------------------------------------------------------------------
 * run */

/* The closed states' names, as a text[] literal, from the lifecycle table. */
static void s_closed_states(char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "{");
    for (int s = 1; s < CD_STATE_COUNT && n < len; s++)
        if (cd_lc_closed((cd_state_t)s))
            n += (size_t)snprintf(out + n, len - n, "%s%s", n > 1 ? "," : "",
                                  cd_state_name((cd_state_t)s));
    if (n < len)
        snprintf(out + n, len - n, "}");
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Remove spool/ref and everything in it: 0 (also when there was none), or
 * -1 after telling. A reference is letters, digits and hyphens only, so it
 * names one folder in the spool and nothing outside it. */
static int s_spool_remove(const char *spool, const char *ref, int *files)
{
    *files = 0;
    if (!spool || !*spool)
        return 0;
    if (!*ref || strspn(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
                     strlen(ref)) {
        fprintf(stderr, "candourctl " S_CMD ": %s: not a reference the spool can hold\n", ref);
        return -1;
    }
    char dir[4096];
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", spool, ref) >= sizeof dir)
        return -1;
    struct stat st;
    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    *files = 1;
    if (nftw(dir, s_rm, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        fprintf(stderr, "candourctl " S_CMD ": %s: cannot remove its letters from the spool: %s\n",
                ref, strerror(errno));
        return -1;
    }
    return 0;
}

/* The complaint's events in the outboxes blanked (retention_outbox.c), how
 * many added to its register row: 0, or -1 (told). */
static int s_outbox(PGconn *c, const char *ref)
{
    long n = ret_outbox_scrub(c, ref);
    if (n < 0)
        return -1;
    char num[24];
    snprintf(num, sizeof num, "%ld", n);
    const char *v[2] = {ref, num};
    return ctl_db_exec(c, S_CMD,
                       "UPDATE candour_admin.disposal SET removed = removed"
                       " || jsonb_build_object('outbox_events', $2::int) WHERE reference = $1",
                       2, v);
}

/* The closed complaints not yet disposed of whose closure is old enough to
 * be near their time (the rule in retention_rules.c decides), oldest first:
 * reference, org, closed on, years, why held ("" when not). */
static const char s_candidates_sql[] =
    "SELECT c.reference, c.org_id, c.closed_on, coalesce(p.years, $2::int),"
    " coalesce((SELECT string_agg(h.why, '; ') FROM candour_admin.retention_held h"
    "  WHERE h.reference = c.reference), ''),"
    " (now() AT TIME ZONE 'Europe/London')::date"
    " FROM candour_admin.complaint_closure c"
    " LEFT JOIN candour_admin.retention_policy p ON p.org_id = c.org_id"
    " WHERE c.state = ANY ($1::text[]) AND c.closed_on IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM candour_admin.disposal d WHERE d.reference = c.reference)"
    " AND c.closed_on <= (now() AT TIME ZONE 'Europe/London')::date"
    "  - make_interval(years => coalesce(p.years, $2::int) - 1)"
    " ORDER BY c.closed_on, c.reference";

static int s_run(int argc, char **argv)
{
    int dry = 0;
    const char *spool = getenv("CANDOUR_SPOOL_DIR");
    static const struct option opts[] = {
        {"dry-run", no_argument, 0, 'n'}, {"spool", required_argument, 0, 's'}, {0, 0, 0, 0}};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'n')
            dry = 1;
        else if (o == 's')
            spool = optarg;
        else
            return s_usage(2);
    }
    if (optind != argc)
        return s_usage(2);
    char actor[256];
    if (!dry && ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 3;
    char states[CD_LC_NAMES_LEN], dflt[8];
    s_closed_states(states, sizeof states);
    snprintf(dflt, sizeof dflt, "%d", RET_DEFAULT_YEARS);
    const char *v[2] = {states, dflt};
    PGresult *r = ctl_db_query(c, S_CMD, s_candidates_sql, 2, v);
    if (!r) {
        PQfinish(c);
        return 1;
    }
    int rc = 0, due = 0, held = 0, done = 0;
    printf("%-20s %-12s %-10s %-10s %s\n", "REFERENCE", "ORG", "CLOSED ON", "DUE SINCE", "ACTION");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *ref = PQgetvalue(r, i, 0), *org = PQgetvalue(r, i, 1);
        const char *closed_s = PQgetvalue(r, i, 2), *why = PQgetvalue(r, i, 4);
        int years = atoi(PQgetvalue(r, i, 3));
        ret_date_t closed, today, due_on;
        if (ret_date_parse(closed_s, &closed) != 0 ||
            ret_date_parse(PQgetvalue(r, i, 5), &today) != 0 ||
            ret_due_on(closed, years, &due_on) != 0) {
            fprintf(stderr, "candourctl " S_CMD ": %s: cannot read its closure (%s)\n", ref,
                    closed_s);
            rc = 1;
            continue;
        }
        if (ret_is_due(closed, years, today) != 1)
            continue;
        char due_s[16];
        snprintf(due_s, sizeof due_s, "%04d-%02d-%02d", due_on.y, due_on.m, due_on.d);
        due++;
        if (*why) {
            held++;
            printf("%-20s %-12s %-10s %-10s keep (%s)\n", ref, org, closed_s, due_s, why);
            continue;
        }
        if (dry) {
            printf("%-20s %-12s %-10s %-10s dispose\n", ref, org, closed_s, due_s);
            continue;
        }
        const char *p[5] = {ref, org, closed_s, due_s, actor};
        int files = 0;
        PGresult *d = NULL;
        if (ctl_db_begin_as(c, S_CMD, actor) != 0 ||
            !(d = ctl_db_query(c, S_CMD,
                               "SELECT candour_admin.retention_dispose($1, $2, $3::date,"
                               " $4::date, $5)",
                               5, p)) ||
            s_outbox(c, ref) != 0 || s_spool_remove(spool, ref, &files) != 0 ||
            ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) != 0) {
            PQclear(d);
            PQclear(PQexec(c, "ROLLBACK"));
            fprintf(stderr, "candourctl " S_CMD ": %s: not disposed of\n", ref);
            rc = 1;
            continue;
        }
        printf("%-20s %-12s %-10s %-10s disposed (register %s%s)\n", ref, org, closed_s, due_s,
               PQgetvalue(d, 0, 0), files ? ", letters removed from the spool" : "");
        PQclear(d);
        done++;
    }
    PQclear(r);
    PQfinish(c);
    if (dry)
        printf("%d due, %d of them held; dry run: nothing changed\n", due, held);
    else
        printf("%d disposed of, %d held, %d due\n", done, held, due);
    if (!dry && (!spool || !*spool) && done > 0)
        fprintf(stderr, "candourctl " S_CMD ": no spool given (--spool or CANDOUR_SPOOL_DIR):"
                        " letters' files, if any, were left\n");
    return rc;
}

int ctl_retention(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "policy") == 0 && argc == 2)
        return s_policy_list();
    if (strcmp(argv[1], "policy") == 0 && argc == 4)
        return s_policy_set(argv[2], argv[3]);
    if (strcmp(argv[1], "hold") == 0 && argc == 4)
        return s_hold(argv[2], argv[3]);
    if (strcmp(argv[1], "release") == 0 && argc == 3)
        return s_release(argv[2]);
    if (strcmp(argv[1], "run") == 0)
        return s_run(argc - 1, argv + 1);
    return s_usage(2);
}
