/* zap.c - the ZAP handler: admits CURVE clients on the allow-list.
 *
 * A ROUTER bound at inproc://zeromq.zap.01 on the process's context, served
 * by cd_zsock on the daemon's loop. libzmq's side of ZAP is a REQ-like pipe,
 * so a request arrives as
 *   [routing id] [""] ["1.0"] [request id] [domain] [address] [identity]
 *   [mechanism] [credentials...]
 * and the reply goes back as
 *   [routing id] [""] ["1.0"] [request id] [status] [text] [user id] [metadata]
 * The lookup is asynchronous (a database query), so each request becomes a
 * cd_zap_check_t that remembers where the answer goes; the handshake waits in
 * libzmq meanwhile. Checks are on a list so that destroying the handler can
 * orphan them: an answer that comes later only frees its check. */
#include "candour/zap.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "candour/error.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/zsock.h"

#define S_ENDPOINT "inproc://zeromq.zap.01"
#define S_KEY_BYTES 32
#define S_KEY_Z85 40
/* A ZAP request has at most 9 frames (CURVE: one credentials frame); one
 * more lets an over-long request be told from a fitting one. */
#define S_MAX_FRAMES 10
/* ZAP domains one handler serves: the public endpoint's and the internal one. */
#define S_MAX_DOMAINS 4

/* One ZAP domain and who decides on its handshakes. */
typedef struct {
    char name[64]; /* the ZAP domain, as the server socket sets it */
    cd_zap_lookup_fn lookup;
    void *arg;
} s_domain_t;

struct cd_zap_t {
    cd_zsock_t *sock;                  /* the ROUTER at S_ENDPOINT */
    s_domain_t domains[S_MAX_DOMAINS]; /* served domains, each with its lookup */
    int ndomains;                      /* how many */
    cd_zap_check_t *checks; /* unanswered checks (doubly linked) */
    size_t pending;         /* how many */
    uint64_t admitted, refused;
    cd_metric_t *m_admitted, *m_refused;
};

struct cd_zap_check_t {
    cd_zap_t *zap; /* NULL once the handler is gone */
    cd_zap_check_t *prev, *next;
    void *rid; /* libzmq's routing id for the reply */
    size_t rid_size;
    void *request_id; /* echoed in the reply */
    size_t request_id_size;
    char key[S_KEY_Z85 + 1]; /* the client's public key, Z85 */
    char address[64];        /* the peer's IP address, for the log */
    char domain[64];         /* the ZAP domain asked, for the log */
};

/* The handler bound on cd_zmq_ctx(), if any: there can be only one. */
static cd_zap_t *s_bound;

int cd_zap_bound(void)
{
    return s_bound != NULL;
}

int cd_zap_key_valid(const char *s)
{
    uint8_t raw[S_KEY_BYTES];
    return s && strlen(s) == S_KEY_Z85 && zmq_z85_decode(raw, s) != NULL;
}

int cd_zap_org_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- replies */

/* One ZMTP metadata property: name length (1 byte), name, value length
 * (4 bytes, network order), value. Returns the bytes written. */
static size_t s_property(uint8_t *out, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    uint8_t *p = out;
    *p++ = (uint8_t)nl;
    memcpy(p, name, nl);
    p += nl;
    *p++ = (uint8_t)(vl >> 24);
    *p++ = (uint8_t)(vl >> 16);
    *p++ = (uint8_t)(vl >> 8);
    *p++ = (uint8_t)vl;
    memcpy(p, value, vl);
    return (size_t)(p + vl - out);
}

static void s_send(cd_zap_t *z, const void *rid, size_t rid_size, const void *reqid,
                   size_t reqid_size, const char *status, const char *text, const char *user_id,
                   const void *meta, size_t meta_size)
{
    cd_frame_t f[8] = {{rid, rid_size},
                       {"", 0},
                       {"1.0", 3},
                       {reqid, reqid_size},
                       {status, 3},
                       {text, strlen(text)},
                       {user_id, strlen(user_id)},
                       {meta, meta_size}};
    /* A failure means libzmq's side went away (the handshake was abandoned):
     * nothing is waiting for this answer any more. */
    cd_zsock_send(z->sock, f, 8);
}

static void s_check_free(cd_zap_check_t *c)
{
    cd_zap_t *z = c->zap;
    if (z) {
        if (c->prev)
            c->prev->next = c->next;
        else
            z->checks = c->next;
        if (c->next)
            c->next->prev = c->prev;
        z->pending--;
    }
    free(c->rid);
    free(c->request_id);
    free(c);
}

static void s_count_refused(cd_zap_t *z)
{
    z->refused++;
    cd_metric_add(z->m_refused, 1);
}

void cd_zap_admit(cd_zap_check_t *c, const char *org_id)
{
    assert(c);
    assert(cd_zap_org_valid(org_id));
    cd_zap_t *z = c->zap;
    if (z) {
        uint8_t meta[64];
        size_t n = s_property(meta, "X-Key", c->key);
        s_send(z, c->rid, c->rid_size, c->request_id, c->request_id_size, "200", "OK", org_id, meta,
               n);
        z->admitted++;
        cd_metric_add(z->m_admitted, 1);
        cd_log_info("zap.admitted", "{s:s, s:s, s:s, s:s}", "org_id", org_id, "key", c->key,
                    "address", c->address, "domain", c->domain);
    }
    s_check_free(c);
}

static void s_deny(cd_zap_check_t *c, const char *status, const char *reason)
{
    assert(c);
    cd_zap_t *z = c->zap;
    if (z) {
        s_send(z, c->rid, c->rid_size, c->request_id, c->request_id_size, status,
               reason ? reason : "", "", "", 0);
        s_count_refused(z);
        cd_log_warn("zap.refused", "{s:s, s:s, s:s, s:s, s:s}", "status", status, "key", c->key,
                    "address", c->address, "domain", c->domain, "reason", reason ? reason : "");
    }
    s_check_free(c);
}

void cd_zap_refuse(cd_zap_check_t *c, const char *reason)
{
    s_deny(c, "400", reason);
}

void cd_zap_fail(cd_zap_check_t *c, const char *reason)
{
    s_deny(c, "500", reason);
}

const char *cd_zap_check_key(const cd_zap_check_t *c)
{
    return c->key;
}

const char *cd_zap_check_address(const cd_zap_check_t *c)
{
    return c->address;
}

/* ---------------------------------------------------------------- requests */

static int s_is(const cd_frame_t *f, const char *s)
{
    size_t n = strlen(s);
    return f->size == n && memcmp(f->data, s, n) == 0;
}

static void s_copy_text(char *out, size_t outlen, const cd_frame_t *f)
{
    size_t n = f->size < outlen - 1 ? f->size : outlen - 1;
    memcpy(out, f->data, n);
    out[n] = 0;
}

/* Refuse without a lookup: a request we will not put to the allow-list. */
static void s_refuse_now(cd_zap_t *z, const cd_frame_t *f, const char *status, const char *why,
                         const cd_frame_t *address)
{
    s_send(z, f[0].data, f[0].size, f[3].data, f[3].size, status, why, "", "", 0);
    s_count_refused(z);
    char addr[64] = "";
    if (address)
        s_copy_text(addr, sizeof addr, address);
    cd_log_warn("zap.refused", "{s:s, s:s, s:s}", "status", status, "address", addr, "reason", why);
}

/* The served domain a request names, or NULL: the dispatch of handshakes.
 * The empty domain is never served (a socket without one is no server of
 * ours). */
static const s_domain_t *s_domain_of(const cd_zap_t *z, const cd_frame_t *f)
{
    for (int i = 0; i < z->ndomains; i++)
        if (s_is(f, z->domains[i].name))
            return &z->domains[i];
    return NULL;
}

static void s_on_message(cd_zsock_t *sock, const cd_frame_t *f, int n, void *arg)
{
    cd_zap_t *z = arg;
    /* Without the envelope, the version and a request id there is no one to
     * answer: libzmq never sends such a thing, so drop it. */
    if (n < 4 || f[1].size != 0) {
        cd_log_warn("zap.malformed", "{s:i}", "frames", n);
        return;
    }
    if (!s_is(&f[2], "1.0") || n < 8) {
        s_refuse_now(z, f, "500", "malformed ZAP request", NULL);
        return;
    }
    const s_domain_t *d = s_domain_of(z, &f[4]);
    if (!d) {
        s_refuse_now(z, f, "400", "unknown ZAP domain", &f[5]);
        return;
    }
    if (!s_is(&f[7], "CURVE")) {
        s_refuse_now(z, f, "400", "only CURVE clients are admitted", &f[5]);
        return;
    }
    if (n != 9 || f[8].size != S_KEY_BYTES) {
        s_refuse_now(z, f, "400", "malformed CURVE credentials", &f[5]);
        return;
    }
    cd_zap_check_t *c = calloc(1, sizeof *c);
    if (c) {
        c->rid = malloc(f[0].size ? f[0].size : 1);
        c->request_id = malloc(f[3].size ? f[3].size : 1);
    }
    if (!c || !c->rid || !c->request_id) {
        if (c) {
            free(c->rid);
            free(c->request_id);
            free(c);
        }
        s_refuse_now(z, f, "500", "out of memory", &f[5]);
        return;
    }
    memcpy(c->rid, f[0].data, f[0].size);
    c->rid_size = f[0].size;
    memcpy(c->request_id, f[3].data, f[3].size);
    c->request_id_size = f[3].size;
    zmq_z85_encode(c->key, f[8].data, S_KEY_BYTES);
    s_copy_text(c->address, sizeof c->address, &f[5]);
    snprintf(c->domain, sizeof c->domain, "%s", d->name);
    c->zap = z;
    c->next = z->checks;
    if (z->checks)
        z->checks->prev = c;
    z->checks = c;
    z->pending++;
    /* The callback may answer (and free c) before it returns. */
    d->lookup(c, c->key, d->arg);
}

/* ---------------------------------------------------------------- lifecycle */

int cd_zap_serve(cd_zap_t *z, const char *domain, cd_zap_lookup_fn lookup, void *arg)
{
    assert(z && lookup && domain && *domain && strlen(domain) < sizeof z->domains[0].name);
    for (int i = 0; i < z->ndomains; i++)
        if (strcmp(z->domains[i].name, domain) == 0)
            return -1;
    if (z->ndomains == S_MAX_DOMAINS)
        return -1;
    s_domain_t *d = &z->domains[z->ndomains++];
    snprintf(d->name, sizeof d->name, "%s", domain);
    d->lookup = lookup;
    d->arg = arg;
    return 0;
}

cd_zap_t *cd_zap_new(uv_loop_t *loop, cd_zap_lookup_fn lookup, void *arg)
{
    if (s_bound) {
        errno = EADDRINUSE;
        return NULL;
    }
    cd_zap_t *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    if (lookup)
        cd_zap_serve(z, CD_ZSOCK_ZAP_DOMAIN, lookup, arg);
    z->sock = cd_zsock_new(loop, ZMQ_ROUTER, s_on_message, z);
    if (!z->sock) {
        free(z);
        return NULL;
    }
    cd_zsock_set_max_frames(z->sock, S_MAX_FRAMES);
    if (cd_zsock_bind(z->sock, S_ENDPOINT) != 0 || cd_zsock_start(z->sock) != 0) {
        cd_log_error("zap.bind_failed", "{s:s}", "error", zmq_strerror(zmq_errno()));
        cd_zsock_destroy(&z->sock);
        free(z);
        return NULL;
    }
    z->m_admitted = cd_metric_counter("candour_zap_admitted_total", NULL,
                                      "CURVE handshakes admitted by the allow-list.");
    z->m_refused = cd_metric_counter("candour_zap_refused_total", NULL,
                                     "Handshakes refused by the ZAP handler (unknown or revoked"
                                     " key, a key not the suite's on an internal endpoint, other"
                                     " mechanism, allow-list unreadable).");
    s_bound = z;
    return z;
}

void cd_zap_destroy(cd_zap_t **pz)
{
    if (!pz || !*pz)
        return;
    cd_zap_t *z = *pz;
    *pz = NULL;
    /* A CURVE server left without its handler would admit everyone. */
    assert(cd_zsock_curve_servers() == 0 && "destroy CURVE servers before the ZAP handler");
    for (cd_zap_check_t *c = z->checks; c; c = c->next)
        c->zap = NULL;
    cd_zsock_destroy(&z->sock);
    if (s_bound == z)
        s_bound = NULL;
    free(z);
}

uint64_t cd_zap_admitted(const cd_zap_t *z)
{
    return z->admitted;
}

uint64_t cd_zap_refused(const cd_zap_t *z)
{
    return z->refused;
}

size_t cd_zap_pending(const cd_zap_t *z)
{
    return z->pending;
}

/* ---------------------------------------------------------------- the allow-list table */

static void s_on_lookup(const cd_tx_result_t *res, void *arg)
{
    cd_zap_check_t *c = arg;
    if (res->err != 0)
        cd_zap_fail(c, "the allow-list cannot be read");
    else if (PQntuples(res->results[0]) == 1 && cd_zap_org_valid(PQgetvalue(res->results[0], 0, 0)))
        cd_zap_admit(c, PQgetvalue(res->results[0], 0, 0));
    else
        cd_zap_refuse(c, "key not on the allow-list, or revoked");
}

void cd_zap_db_lookup(cd_zap_check_t *check, const char *key_z85, void *db)
{
    const char *v[1] = {key_z85};
    cd_db_query(db, CD_ZAP_SQL_KEY_ORG, 1, v, s_on_lookup, check);
}

typedef struct {
    cd_zap_key_fn cb;
    void *arg;
} s_key_check_t;

static void s_on_key_check(const cd_tx_result_t *res, void *arg)
{
    s_key_check_t *k = arg;
    if (res->err != 0)
        k->cb(res->err, NULL, k->arg);
    else
        k->cb(0, PQntuples(res->results[0]) == 1 ? PQgetvalue(res->results[0], 0, 0) : NULL,
              k->arg);
    free(k);
}

void cd_zap_key_check(cd_db_t *db, const char *key_z85, cd_zap_key_fn cb, void *arg)
{
    assert(cb);
    if (!cd_zap_key_valid(key_z85)) {
        cb(0, NULL, arg); /* no key (not a CURVE endpoint) is no live key */
        return;
    }
    s_key_check_t *k = malloc(sizeof *k);
    if (!k) {
        cb(CD_ENOMEM, NULL, arg);
        return;
    }
    k->cb = cb;
    k->arg = arg;
    const char *v[1] = {key_z85};
    cd_db_query(db, CD_ZAP_SQL_KEY_ORG, 1, v, s_on_key_check, k);
}
