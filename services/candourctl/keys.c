/* keys.c - `candourctl keygen` and `candourctl org add|list|revoke`: the
 * CURVE keys of the external bus API.
 *
 * keygen makes a key pair (for intake's server key, or for an organisation
 * that cannot make its own). The allow-list is intake.org_key: an
 * organisation's public keys, each live until revoked. Intake's ZAP handler
 * reads it at every handshake and the request path per request, so what is
 * done here takes effect at once, without a restart. A key is never deleted
 * or reinstated: revoke it and add a new one. This is an ops tool: it uses
 * the admin URL (CANDOUR_DB_URL), with every value a parameter. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/db.h"
#include "candour/keys.h"
#include "candour/zap.h"
#include "ctl.h"

/* ---------------------------------------------------------------- keygen */

/* Write text to path, which must not exist yet (a key is never overwritten). */
static int s_write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        fprintf(stderr, "candourctl keygen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    /* The umask must not widen or narrow what was asked for. */
    size_t n = strlen(text);
    int ok = fchmod(fd, mode) == 0 && write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "candourctl keygen: cannot write %s: %s\n", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

/* --internal DIR: the whole set, what is missing of it. */
static int s_keygen_internal(const char *dir)
{
    char err[512];
    int made = cd_keys_make_suite(dir, err, sizeof err);
    if (made < 0) {
        fprintf(stderr, "candourctl keygen: %s\n", err);
        return 1;
    }
    printf("internal keys in %s: %d pair%s made, the rest already there\n", dir, made,
           made == 1 ? "" : "s");
    return 0;
}

static int s_keygen_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl keygen [--out PREFIX | --internal DIR]\n"
            "Make a CURVE key pair. Without --out, print the public and the secret key (Z85).\n"
            "With --out, write PREFIX.pub and PREFIX.key (the secret, mode 0600; neither may\n"
            "exist already) and print the public key. Give the public key to\n"
            "`candourctl org add`; the secret never leaves its owner.\n"
            "With --internal, make the suite's internal key set in DIR (mode 0700 if new):\n"
            "NAME.key and NAME.pub for intake, routing, investigation, signoff, notify,\n"
            "gateway and ops, each only if it is not there yet (a key is never overwritten).\n"
            "Point CANDOUR_INTERNAL_KEYS at DIR.\n");
    return rc;
}

int ctl_keygen(int argc, char **argv)
{
    const char *out = NULL, *internal = NULL;
    static struct option opts[] = {{"out", required_argument, 0, 'o'},
                                   {"internal", required_argument, 0, 'i'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == 'i')
            internal = optarg;
        else if (c == 'h')
            return s_keygen_usage(0);
        else
            return s_keygen_usage(2);
    }
    if (optind != argc || (out && !*out) || (internal && (!*internal || out)))
        return s_keygen_usage(2);
    if (internal)
        return s_keygen_internal(internal);
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec) != 0) {
        fprintf(stderr, "candourctl keygen: this libzmq cannot make CURVE keys: %s\n",
                zmq_strerror(zmq_errno()));
        return 1;
    }
    if (!out) {
        printf("public %s\nsecret %s\n", pub, sec);
        return 0;
    }
    char path_pub[4096], path_key[4096], line[64];
    snprintf(path_pub, sizeof path_pub, "%s.pub", out);
    snprintf(path_key, sizeof path_key, "%s.key", out);
    snprintf(line, sizeof line, "%s\n", sec);
    if (s_write_new(path_key, line, 0600) != 0)
        return 1;
    snprintf(line, sizeof line, "%s\n", pub);
    if (s_write_new(path_pub, line, 0644) != 0) {
        unlink(path_key);
        return 1;
    }
    memset(sec, 0, sizeof sec);
    printf("public %s\nwrote %s and %s (secret, mode 0600)\n", pub, path_pub, path_key);
    return 0;
}

/* ---------------------------------------------------------------- org */

static int s_check_key(const char *key)
{
    if (cd_zap_key_valid(key))
        return 0;
    fprintf(stderr,
            "candourctl org: '%s' is not a CURVE public key: expected 40 characters of Z85"
            " (as printed by `candourctl keygen`)\n",
            key);
    return -1;
}

/* Add the organisation if it is new, and the key; one transaction. */
static int s_add(PGconn *c, const char *org, const char *name, const char *key)
{
    const char *v1[1] = {key};
    PGresult *r = ctl_db_query(c, "org",
                               "SELECT org_id, revoked_at IS NOT NULL FROM intake.org_key"
                               " WHERE public_key = $1",
                               1, v1);
    if (!r)
        return 1;
    if (PQntuples(r) == 1) {
        const char *owner = PQgetvalue(r, 0, 0);
        int revoked = PQgetvalue(r, 0, 1)[0] == 't';
        int rc = 1;
        if (revoked)
            fprintf(stderr,
                    "candourctl org add: that key was revoked (from %s); a revoked key"
                    " is never reinstated: make a new one\n",
                    owner);
        else if (strcmp(owner, org) != 0)
            fprintf(stderr, "candourctl org add: that key already belongs to %s\n", owner);
        else {
            printf("%s: key %s is already on the allow-list\n", org, key);
            rc = 0;
        }
        PQclear(r);
        return rc;
    }
    PQclear(r);
    const char *v2[1] = {org};
    r = ctl_db_query(c, "org", "SELECT name FROM intake.organisation WHERE org_id = $1", 1, v2);
    if (!r)
        return 1;
    int exists = PQntuples(r) == 1;
    PQclear(r);
    if (!exists && (!name || !*name)) {
        fprintf(stderr, "candourctl org add: %s is a new organisation: give its --name\n", org);
        return 2;
    }
    const char *v3[2] = {org, name ? name : ""};
    const char *v4[2] = {key, org};
    int rc = ctl_db_exec(c, "org", "BEGIN", 0, NULL);
    if (rc == 0 && !exists)
        rc = ctl_db_exec(c, "org",
                         "INSERT INTO intake.organisation (org_id, name) VALUES ($1, $2)"
                         " ON CONFLICT (org_id) DO NOTHING",
                         2, v3);
    if (rc == 0)
        rc = ctl_db_exec(c, "org",
                         "INSERT INTO intake.org_key (public_key, org_id) VALUES ($1, $2)", 2, v4);
    ctl_db_exec(c, "org", rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL);
    if (rc != 0)
        return 1;
    printf("%s%s: key %s added\n", org, exists ? "" : " (new organisation)", key);
    return 0;
}

static int s_list(PGconn *c, const char *only)
{
    const char *v[1] = {only ? only : ""};
    PGresult *r = ctl_db_query(
        c, "org",
        "SELECT o.org_id, o.name, coalesce(k.public_key, ''),"
        " coalesce(to_char(k.added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
        " coalesce(to_char(k.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
        " coalesce(k.revoked_reason, '')"
        " FROM intake.organisation o LEFT JOIN intake.org_key k USING (org_id)"
        " WHERE $1 = '' OR o.org_id = $1 ORDER BY o.org_id, k.added_at, k.public_key",
        1, v);
    if (!r)
        return 1;
    printf("%-20s %-40s %-20s %-20s %-30s %s\n", "ORG", "KEY", "ADDED", "REVOKED", "NAME",
           "REASON");
    int live = 0, revoked = 0, orgs = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        if (i == 0 || strcmp(PQgetvalue(r, i, 0), PQgetvalue(r, i - 1, 0)) != 0)
            orgs++;
        const char *key = PQgetvalue(r, i, 2);
        const char *rev = PQgetvalue(r, i, 4);
        if (*key)
            (*rev ? revoked++ : live++);
        printf("%-20s %-40s %-20s %-20s %-30s %s\n", PQgetvalue(r, i, 0), *key ? key : "(no key)",
               PQgetvalue(r, i, 3), *rev ? rev : (*key ? "live" : ""), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 5));
    }
    PQclear(r);
    printf("%d organisation%s, %d live key%s, %d revoked\n", orgs, orgs == 1 ? "" : "s", live,
           live == 1 ? "" : "s", revoked);
    if (only && orgs == 0) {
        fprintf(stderr, "candourctl org list: no organisation %s\n", only);
        return 1;
    }
    return 0;
}

static int s_revoke(PGconn *c, const char *key, const char *reason)
{
    const char *v[2] = {key, reason};
    PGresult *r = ctl_db_query(c, "org",
                               "UPDATE intake.org_key SET revoked_at = now(), revoked_reason = $2"
                               " WHERE public_key = $1 AND revoked_at IS NULL RETURNING org_id",
                               2, v);
    if (!r)
        return 1;
    if (PQntuples(r) == 1) {
        printf("%s: key %s revoked; it is refused from now on\n", PQgetvalue(r, 0, 0), key);
        PQclear(r);
        return 0;
    }
    PQclear(r);
    r = ctl_db_query(c, "org",
                     "SELECT org_id, revoked_at FROM intake.org_key WHERE public_key = $1", 1, v);
    if (!r)
        return 1;
    if (PQntuples(r) == 1)
        fprintf(stderr, "candourctl org revoke: the key of %s was already revoked at %s\n",
                PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    else
        fprintf(stderr, "candourctl org revoke: no such key on the allow-list\n");
    PQclear(r);
    return 1;
}

static int s_org_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl org add ORG_ID --key PUBLIC_KEY [--name NAME]\n"
            "       candourctl org list [ORG_ID]\n"
            "       candourctl org revoke --key PUBLIC_KEY --reason TEXT\n"
            "       candourctl org set|show ORG_ID ...   (the body's settings: org set --help)\n"
            "ORG_ID: [A-Za-z0-9._-], 1 to 64 characters; --name is required for a new\n"
            "organisation. PUBLIC_KEY: a CURVE public key in Z85 (40 characters), from\n"
            "`candourctl keygen`. A revoked key is refused at once (connected clients at\n"
            "their next request) and is never reinstated. Uses CANDOUR_DB_URL (admin).\n");
    return rc;
}

int ctl_org(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_org_usage(argc < 2 ? 2 : 0);
    const char *cmd = argv[1];
    if (strcmp(cmd, "set") == 0 || strcmp(cmd, "show") == 0)
        return ctl_org_settings(argc, argv); /* the body's settings, from routing (org_cmd.c) */
    if (strcmp(cmd, "add") != 0 && strcmp(cmd, "list") != 0 && strcmp(cmd, "revoke") != 0) {
        fprintf(stderr, "candourctl org: unknown subcommand '%s'\n", cmd);
        return s_org_usage(2);
    }
    const char *name = NULL, *key = NULL, *reason = NULL;
    static struct option opts[] = {{"name", required_argument, 0, 'n'},
                                   {"key", required_argument, 0, 'k'},
                                   {"reason", required_argument, 0, 'r'},
                                   {0, 0, 0, 0}};
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            name = optarg;
        else if (c == 'k')
            key = optarg;
        else if (c == 'r')
            reason = optarg;
        else
            return s_org_usage(2);
    }
    int npos = argc - optind;
    const char *org = npos > 0 ? argv[optind] : NULL;
    if (strcmp(cmd, "add") == 0) {
        if (npos != 1 || !key)
            return s_org_usage(2);
        if (!cd_zap_org_valid(org)) {
            fprintf(stderr,
                    "candourctl org add: '%s' is not an organisation id:"
                    " 1 to 64 of A-Z a-z 0-9 . _ -\n",
                    org);
            return 2;
        }
        if (s_check_key(key) != 0)
            return 2;
    } else if (strcmp(cmd, "list") == 0) {
        if (npos > 1 || key || reason || name)
            return s_org_usage(2);
    } else {
        if (npos != 0 || !key || name)
            return s_org_usage(2);
        if (!reason || !*reason) {
            fprintf(stderr,
                    "candourctl org revoke: --reason is required (it is kept with the key)\n");
            return 2;
        }
        if (s_check_key(key) != 0)
            return 2;
    }
    PGconn *conn = ctl_db_connect("org");
    if (!conn)
        return 1;
    int rc;
    if (strcmp(cmd, "add") == 0)
        rc = s_add(conn, org, name, key);
    else if (strcmp(cmd, "list") == 0)
        rc = s_list(conn, org);
    else
        rc = s_revoke(conn, key, reason);
    PQfinish(conn);
    return rc;
}
