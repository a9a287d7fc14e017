/* token_cmd.c - `candourctl token add|list|revoke`: the staff API's tokens
 * for scripts and other systems (apitoken.h). A token acts as the person of
 * the directory it is issued to, for their body, with the roles it names
 * (each one the person holds). It is printed once; only its secret's hash
 * is kept. Revocation takes effect at the next request: the gateway reads
 * the token's row every time. Ops change gateway.api_token directly (admin
 * connection), named in its audit trail as "ops: <login>". */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/apitoken.h"
#include "candour/directory.h"
#include "candour/util.h"
#include "ctl.h"

static int s_usage(int rc)
{
    FILE *out = rc ? stderr : stdout;
    fprintf(out, "Usage: candourctl token add ST_ID --role ROLE [--role ROLE]... --label TEXT\n"
                 "                            [--expires-days N]\n"
                 "       candourctl token list [ORG] [--all]\n"
                 "       candourctl token revoke TOKEN_ID\n"
                 "add: a token for the staff API that acts as ST_ID (a person of the directory,\n"
                 "enabled) for their body, with the roles given (each one they hold); printed\n"
                 "once, on stdout: keep it as a secret. --expires-days: it stops working then.\n"
                 "list: the tokens (ids, never secrets), of ORG only if given; --all also those\n"
                 "revoked or expired.\n"
                 "revoke: the token stops working at once.\n"
                 "ROLE: complaints-manager, investigator, signatory, responsible-person, analyst\n"
                 "or ops. Needs CANDOUR_DB_URL (the admin URL).\n");
    return rc;
}

/* The person's body and roles as the directory has them: 0, or the exit
 * code (told). */
static int s_holder(PGconn *c, const char *staff_id, char *org, size_t orglen, unsigned *roles)
{
    const char *v[1] = {staff_id};
    PGresult *r = ctl_db_query(c, "token add",
                               "SELECT org_id, array_to_string(roles, ','), disabled"
                               " FROM routing.staff WHERE staff_id = $1",
                               1, v);
    if (!r)
        return 1;
    if (PQntuples(r) != 1 || PQgetvalue(r, 0, 2)[0] == 't') {
        fprintf(stderr, "candourctl token add: %s is not an enabled person of the directory\n",
                staff_id);
        PQclear(r);
        return 1;
    }
    snprintf(org, orglen, "%s", PQgetvalue(r, 0, 0));
    *roles = 0;
    char *list = strdup(PQgetvalue(r, 0, 1)), *save = NULL;
    for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
        *roles |= 1u << cd_role_from_name(t);
    free(list);
    PQclear(r);
    return 0;
}

static int s_add(int argc, char **argv)
{
    static struct option opts[] = {{"role", required_argument, 0, 'r'},
                                   {"label", required_argument, 0, 'l'},
                                   {"expires-days", required_argument, 0, 'e'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    const char *label = NULL, *expires = NULL;
    const char *names[8];
    size_t n = 0;
    unsigned want = 0;
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'h')
            return s_usage(0);
        if (ch == 'l')
            label = optarg;
        else if (ch == 'e')
            expires = optarg;
        else if (ch == 'r') {
            Candour__V1__Role role = cd_role_from_name(optarg);
            if (role == CANDOUR__V1__ROLE__ROLE_UNSPECIFIED) {
                fprintf(stderr, "candourctl token add: no role '%s'\n", optarg);
                return 2;
            }
            if (!(want & (1u << role)) && n < sizeof names / sizeof names[0])
                names[n++] = cd_role_name(role);
            want |= 1u << role;
        } else
            return s_usage(2);
    }
    if (optind != argc - 1 || !n || !label || !*label)
        return s_usage(2);
    char *end = NULL;
    errno = 0;
    long days = expires ? strtol(expires, &end, 10) : 0;
    if (expires && (!*expires || *end || errno || days < 1 || days > 3650)) {
        fprintf(stderr, "candourctl token add: --expires-days takes 1 to 3650, not '%s'\n",
                expires);
        return 2;
    }
    const char *staff_id = argv[optind];
    char actor[300], org[65], id[CD_APITOKEN_ID_LEN + 1], token[CD_APITOKEN_LEN + 1];
    char secret[CD_APITOKEN_SECRET_LEN + 1], hash[65], days_s[16];
    if (ctl_ops_actor(actor, sizeof actor, "token add") != 0)
        return 2;
    PGconn *c = ctl_db_connect("token add");
    if (!c)
        return 1;
    unsigned held = 0;
    int rc = s_holder(c, staff_id, org, sizeof org, &held);
    if (rc == 0 && (want & ~held)) {
        char words[200];
        cd_roles_words(want & ~held, words, sizeof words);
        fprintf(stderr, "candourctl token add: %s does not hold the role of %s\n", staff_id, words);
        rc = 1;
    }
    if (rc == 0 && (cd_apitoken_make(id, token) != 0 ||
                    cd_apitoken_parse(token, strlen(token), id, secret) != 0)) {
        fprintf(stderr, "candourctl token add: no randomness to be had\n");
        rc = 1;
    }
    char *roles = rc == 0 ? cd_pg_text_array(names, n) : NULL;
    if (rc == 0) {
        cd_apitoken_hash(secret, hash);
        snprintf(days_s, sizeof days_s, "%ld", days);
        const char *v[8] = {id, hash, staff_id, org, roles, label, actor, expires ? days_s : NULL};
        if (!roles || ctl_db_begin_as(c, "token add", actor) != 0 ||
            ctl_db_exec(c, "token add",
                        "INSERT INTO gateway.api_token (token_id, secret_hash, staff_id, org_id,"
                        " roles, label, created_by, expires_at) VALUES ($1, $2, $3, $4,"
                        " $5::text[], $6, $7, now() + make_interval(days => $8::int))",
                        8, v) != 0 ||
            ctl_db_exec(c, "token add", "COMMIT", 0, NULL) != 0)
            rc = 1;
    }
    if (rc == 0) {
        printf("%s\n", token);
        fprintf(stderr,
                "token %s: acts as %s for %s; shown once, keep it secret"
                " (revoke: candourctl token revoke %s)\n",
                id, staff_id, org, id);
    }
    free(roles);
    memset(secret, 0, sizeof secret);
    memset(token, 0, sizeof token);
    PQfinish(c);
    return rc;
}

static int s_list(int argc, char **argv)
{
    static struct option opts[] = {
        {"all", no_argument, 0, 'a'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int all = 0, ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'h')
            return s_usage(0);
        if (ch != 'a')
            return s_usage(2);
        all = 1;
    }
    if (argc - optind > 1)
        return s_usage(2);
    PGconn *c = ctl_db_connect("token list");
    if (!c)
        return 1;
    const char *v[2] = {optind < argc ? argv[optind] : NULL, all ? "t" : "f"};
    PGresult *r = ctl_db_query(
        c, "token list",
        "SELECT token_id, org_id, staff_id, array_to_string(roles, ','), label,"
        " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
        " coalesce(to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '-'),"
        " CASE WHEN revoked_at IS NOT NULL THEN 'revoked'"
        "      WHEN expires_at <= now() THEN 'expired' ELSE 'live' END,"
        " coalesce(to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-')"
        " FROM gateway.api_token WHERE ($1::text IS NULL OR org_id = $1)"
        " AND ($2::boolean OR (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())))"
        " ORDER BY org_id, created_at, token_id",
        2, v);
    if (!r) {
        PQfinish(c);
        return 1;
    }
    printf("%-16s  %-12s %-8s %-7s %-10s %-10s %-16s %-30s %s\n", "TOKEN", "ORG", "STAFF", "STATE",
           "MADE", "EXPIRES", "LAST USED", "ROLES", "LABEL");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-16s  %-12s %-8s %-7s %-10s %-10s %-16s %-30s %s\n", PQgetvalue(r, i, 0),
               PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 7), PQgetvalue(r, i, 5),
               PQgetvalue(r, i, 6), PQgetvalue(r, i, 8), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
    PQclear(r);
    PQfinish(c);
    return 0;
}

static int s_revoke(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "--help") == 0)
        return s_usage(0);
    if (argc != 3)
        return s_usage(2);
    char actor[300];
    if (ctl_ops_actor(actor, sizeof actor, "token revoke") != 0)
        return 2;
    PGconn *c = ctl_db_connect("token revoke");
    if (!c)
        return 1;
    const char *v[2] = {argv[2], actor};
    PGresult *r = NULL;
    if (ctl_db_begin_as(c, "token revoke", actor) == 0)
        r = ctl_db_query(c, "token revoke",
                         "UPDATE gateway.api_token SET revoked_at = now(), revoked_by = $2"
                         " WHERE token_id = $1 AND revoked_at IS NULL RETURNING staff_id",
                         2, v);
    int rc = r ? 0 : 1;
    if (r && PQntuples(r) != 1) {
        fprintf(stderr, "candourctl token revoke: no live token %s\n", argv[2]);
        rc = 1;
    }
    if (rc == 0 && ctl_db_exec(c, "token revoke", "COMMIT", 0, NULL) != 0)
        rc = 1;
    if (rc == 0)
        printf("revoked %s (it acted as %s)\n", argv[2], PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return rc;
}

int ctl_token(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "add") == 0)
        return s_add(argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return s_list(argc, argv);
    if (strcmp(argv[1], "revoke") == 0)
        return s_revoke(argc, argv);
    fprintf(stderr, "candourctl token: no subcommand '%s'\n", argv[1]);
    return s_usage(2);
}
