/* commissions_cmd.c - `candourctl commissions add|list|remove`: which
 * providers a commissioner commissions (L3), data in reporting.commission
 * (migration 0036), which the benchmark report reads so a commissioner
 * compares all its providers: by Candour's own figures where the provider
 * uses Candour, by its benchmarking returns where it does not. Set directly
 * over the admin connection (CANDOUR_DB_URL), the operator named in
 * added_by. Both bodies must be known to Candour (on the allow-list, with
 * settings or with staff). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define S_CMD "commissions"
#define S_USAGE_TEXT                                                                               \
    "Usage: candourctl commissions add COMMISSIONER PROVIDER...\n"                                 \
    "       candourctl commissions remove COMMISSIONER PROVIDER...\n"                              \
    "       candourctl commissions list [COMMISSIONER]\n"                                          \
    "The benchmark report of COMMISSIONER compares the providers listed here, by Candour's\n"      \
    "figures when they use Candour and by their benchmarking returns when they do not.\n"          \
    "Uses CANDOUR_DB_URL (admin).\n"

static int s_usage(int rc)
{
    fputs(S_USAGE_TEXT, rc ? stderr : stdout);
    return rc;
}

/* Whether a body is known to Candour: 1, 0 (told, naming the argument) or
 * -1 (the database failed, told). */
static int s_known(PGconn *c, const char *what, const char *org)
{
    const char *v[1] = {org};
    PGresult *r = ctl_db_query(c, S_CMD,
                               "SELECT EXISTS (SELECT 1 FROM intake.organisation WHERE org_id = $1)"
                               " OR EXISTS (SELECT 1 FROM routing.org_policy WHERE org_id = $1)"
                               " OR EXISTS (SELECT 1 FROM routing.staff WHERE org_id = $1)",
                               1, v);
    if (!r)
        return -1;
    int known = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!known)
        fprintf(stderr,
                "candourctl " S_CMD ": no organisation '%s' (the %s): check its id, or add it"
                " first (candourctl org add)\n",
                org, what);
    return known;
}

/* add or remove: every provider named, in one transaction; nothing changes
 * when one is refused. */
static int s_change(int argc, char **argv, int add)
{
    if (argc < 3)
        return s_usage(2);
    const char *commissioner = argv[1];
    char actor[256];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 3;
    int rc = 1, k = add ? s_known(c, "commissioner", commissioner) : 1;
    if (k <= 0) {
        rc = k == 0 ? 2 : 1;
        goto out;
    }
    if (ctl_db_begin_as(c, S_CMD, actor) != 0)
        goto out;
    int changed = 0;
    for (int i = 2; i < argc; i++) {
        const char *provider = argv[i];
        if (add && strcmp(provider, commissioner) == 0) {
            fprintf(stderr, "candourctl " S_CMD ": %s cannot commission itself\n", provider);
            rc = 2;
            goto rollback;
        }
        if (add && (k = s_known(c, "provider", provider)) <= 0) {
            rc = k == 0 ? 2 : 1;
            goto rollback;
        }
        const char *v[3] = {commissioner, provider, actor};
        PGresult *r = ctl_db_query(
            c, S_CMD,
            add ? "INSERT INTO reporting.commission (commissioner, provider, added_by)"
                  " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1"
                : "DELETE FROM reporting.commission WHERE commissioner = $1 AND provider = $2"
                  " AND $3::text IS NOT NULL RETURNING 1",
            3, v);
        if (!r)
            goto rollback;
        int n = PQntuples(r);
        PQclear(r);
        if (!add && n == 0) {
            fprintf(stderr, "candourctl " S_CMD ": %s does not commission %s\n", commissioner,
                    provider);
            rc = 2;
            goto rollback;
        }
        changed += n;
    }
    if (ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) != 0)
        goto out;
    printf("%s: %d provider%s %s (%d named)\n", commissioner, changed, changed == 1 ? "" : "s",
           add ? "added" : "removed", argc - 2);
    rc = 0;
    goto out;
rollback:
    PQclear(PQexec(c, "ROLLBACK"));
out:
    PQfinish(c);
    return rc;
}

static int s_list(const char *commissioner)
{
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 3;
    const char *v[1] = {commissioner};
    PGresult *r = ctl_db_query(c, S_CMD,
                               "SELECT commissioner, provider, added_by,"
                               " to_char(added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
                               " FROM reporting.commission"
                               " WHERE $1::text IS NULL OR commissioner = $1"
                               " ORDER BY commissioner, provider",
                               1, v);
    if (!r) {
        PQfinish(c);
        return 1;
    }
    static const char *const heads[] = {"COMMISSIONER", "PROVIDER", "ADDED BY", "ADDED AT (UTC)"};
    ctl_print_table(r, heads, 4);
    PQclear(r);
    PQfinish(c);
    return 0;
}

int ctl_commissions(int argc, char **argv)
{
    if (argc < 2)
        return s_usage(2);
    if (strcmp(argv[1], "add") == 0)
        return s_change(argc - 1, argv + 1, 1);
    if (strcmp(argv[1], "remove") == 0)
        return s_change(argc - 1, argv + 1, 0);
    if (strcmp(argv[1], "list") == 0 && argc <= 3)
        return s_list(argc == 3 ? argv[2] : NULL);
    return s_usage(strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ? 0 : 2);
}
