/* db_hosts.c - the hosts of a connection string, in another order.
 *
 * libpq tries a multi-host URL's hosts in the order given, from the first,
 * on every connection attempt (PostgreSQL 15 has no load_balance_hosts). A
 * first host that accepts and then never answers would hold every attempt,
 * so after such a host the next attempt lists the hosts rotated (see db.c's
 * watch). Rotating is pure: parse with PQconninfoParse, rotate the
 * comma-separated host, hostaddr and port lists together. */
#include "candour/db.h"

#include <stdio.h>
#include <string.h>

static int s_count(const char *list)
{
    int n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    return n;
}

/* The list rotated left by `by` into out; 0, or -1 when it does not fit. */
static int s_rotate(const char *list, int by, char *out, size_t len)
{
    const char *start = list;
    for (int i = 0; i < by; i++)
        start = strchr(start, ',') + 1;
    int w = by == 0 ? snprintf(out, len, "%s", list)
                    : snprintf(out, len, "%s,%.*s", start, (int)(start - list - 1), list);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

/* The string's host, hostaddr and port lists (NULL where it has none),
 * pointing into the returned options (PQconninfoFree them), or NULL. */
typedef struct {
    const char *host, *hostaddr, *port;
} s_lists_t;

static PQconninfoOption *s_lists(const char *conninfo, s_lists_t *l)
{
    *l = (s_lists_t){0};
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", &err);
    if (!opts) {
        PQfreemem(err);
        return NULL;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            l->host = o->val;
        else if (strcmp(o->keyword, "hostaddr") == 0)
            l->hostaddr = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            l->port = o->val;
    }
    return opts;
}

int cd_db_hosts_rotate(const char *conninfo, int by, cd_db_hosts_t *out)
{
    memset(out, 0, sizeof *out);
    s_lists_t l;
    PQconninfoOption *opts = s_lists(conninfo, &l);
    if (!opts)
        return 0;
    const char *host = l.host, *hostaddr = l.hostaddr, *port = l.port;
    int n = host ? s_count(host) : hostaddr ? s_count(hostaddr) : 0;
    int ok = n > 1 && (!host || s_count(host) == n) && (!hostaddr || s_count(hostaddr) == n);
    if (ok) {
        by %= n;
        if (host && s_rotate(host, by, out->host, sizeof out->host) != 0)
            ok = 0;
        if (hostaddr && s_rotate(hostaddr, by, out->hostaddr, sizeof out->hostaddr) != 0)
            ok = 0;
        /* One port applies to every host; a list has one per host. */
        if (port && s_count(port) == n && s_rotate(port, by, out->port, sizeof out->port) != 0)
            ok = 0;
    }
    PQconninfoFree(opts);
    if (!ok) {
        memset(out, 0, sizeof *out);
        return n > 1 ? -1 : n;
    }
    return n;
}

/* The i-th item of a comma-separated list equals s (len bytes)? */
static int s_item_is(const char *list, int i, const char *s)
{
    const char *p = list;
    for (int k = 0; k < i && p; k++) {
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    if (!p)
        return 0;
    size_t len = strcspn(p, ",");
    return strlen(s) == len && strncmp(p, s, len) == 0;
}

int cd_db_hosts_index(const char *conninfo, const char *host, const char *port)
{
    if (!host || !*host)
        return -1;
    s_lists_t l;
    PQconninfoOption *opts = s_lists(conninfo, &l);
    if (!opts)
        return -1;
    const char *hosts = l.host, *addrs = l.hostaddr, *ports = l.port;
    const char *names = hosts ? hosts : addrs;
    int n = names ? s_count(names) : 0, found = -1;
    int per_host = ports && s_count(ports) == n;
    for (int i = 0; i < n && found < 0; i++)
        if (s_item_is(names, i, host) && (!per_host || !port || s_item_is(ports, i, port)))
            found = i;
    PQconninfoFree(opts);
    return found;
}
