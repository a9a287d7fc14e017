/* db.c - one non-blocking PostgreSQL connection on a libuv loop.
 *
 * Each transaction is sent in pipeline mode as its statements followed by one
 * Sync; with no explicit BEGIN the server runs them as one implicit
 * transaction that commits at the Sync (or rolls back whole on the first
 * error). We report success only on PGRES_PIPELINE_SYNC, which the server
 * sends after the commit: that is what lets callers promise durability.
 *
 * One group is in flight at a time: the transactions queued meanwhile go
 * together as the next group (group commit, see db.h and s_start_next), so
 * a busy connection pays one round trip and one commit per group, not per
 * transaction.
 *
 * Statements are prepared once per connection: the first time a statement's
 * text is sent, a Parse (PQsendPrepare) under a name goes just before it in
 * the same pipeline, and from then on only its name and parameters travel and
 * the server skips parsing and, once it settles on a generic plan, planning
 * (a quarter of the server's time in the benchmark went to planning). A
 * named statement outlives a rolled-back transaction; a new connection
 * starts with none. Past S_CACHE_MAX distinct texts, statements go unnamed,
 * as do those added with cd_tx_add_fresh. */
#include "candour/db.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/log.h"

#define S_BACKOFF_MIN_MS 100
#define S_GROUP_MAX 64     /* transactions committed together, at most */
#define S_GROUP_STMTS 1024 /* and statements in one group */
#define S_BACKOFF_MAX_MS 5000
#define S_CACHE_SLOTS 512 /* statement cache: open addressing, a power of two */
#define S_CACHE_MAX 384   /* distinct statement texts prepared, at most */
#define S_WATCH_MS 500    /* how often the watch looks for a silent server */
#define S_CONNECT_TIMEOUT_MS 10000 /* CANDOUR_DB_CONNECT_TIMEOUT_MS: one host's connection */
#define S_STALL_MS 60000           /* CANDOUR_DB_STALL_MS: a group's answer */

typedef struct {
    char *sql;
    int nparams;
    char **values; /* copies; NULL entries are SQL NULL */
    int *lengths;
    int *formats;
    int prep;  /* slot+1 of the cache entry whose Parse was sent just before it, or 0 */
    int fresh; /* always unnamed (cd_tx_add_fresh) */
} s_stmt_t;

/* A statement text this connection knows by name. */
typedef enum { S_UNPREPARED, S_PREPARING, S_PREPARED } s_prep_t;
typedef struct {
    char *sql; /* NULL: free slot */
    char name[12];
    s_prep_t state;
} s_entry_t;

struct cd_tx_t {
    s_stmt_t *stmts;
    int n, cap;
    cd_tx_fn cb;
    void *arg;
    PGresult **results; /* one per statement, filled while running */
    int cur;            /* statement whose results we are reading */
    int parsed;         /* the results of cur's Parse (if it had one) are in */
    int poisoned;       /* an add failed: the tx must not run half-built */
    int poison_err;     /* why (cd_tx_poison_err): CD_ENOMEM unless told otherwise */
    int solo;           /* run alone: it failed in a group, and must fail (or not) alone */
    int restated;       /* already run again after its connection's names went stale */
    int failed_stmt;
    char sqlstate[6];
    char *message;
    struct cd_tx_t *next;
};

typedef enum { S_DOWN, S_CONNECTING, S_READY } s_state_t;

struct cd_db_t {
    uv_loop_t *loop;
    char *conninfo;
    char *user;
    char *options; /* libpq "options" (e.g. -c candour.audit_chain=x), or NULL */
    cd_db_state_fn on_state;
    void *arg;
    PGconn *conn;
    s_state_t state;
    uv_poll_t *poll; /* on PQsocket; reallocated when the socket changes */
    int poll_fd;
    int poll_events;
    uv_timer_t retry; /* reconnect backoff */
    int backoff_ms;
    /* A server that accepts a connection and then says nothing (its machine
     * frozen, or gone without closing its sockets) would hold a connection
     * for ever: libpq's connect_timeout does not apply to PQconnectPoll, and
     * a query waits as long as TCP does. The watch gives up on a connection
     * attempt after connect_ms and on a group's answer after stall_ms, and
     * the next attempt starts at the next host of a multi-host URL (libpq
     * always starts at the first). */
    uv_timer_t watch;
    uint64_t since; /* uv_now when the connection attempt or the running group began */
    int connect_ms, stall_ms;
    int host_skip;        /* hosts to rotate the URL's list by */
    cd_tx_t *head, *tail; /* queue; the first group_n are running when `running` */
    int running;
    int group_n;        /* transactions sent together under one Sync */
    int group_left;     /* of them, those whose results are still to come */
    cd_tx_t *group_cur; /* the one the next result belongs to */
    int group_failed;   /* a statement of the group failed: the whole group rolled back */
    size_t pending;
    int closing;
    int reported_down; /* logged the outage once, not every retry */
    s_entry_t *cache;  /* S_CACHE_SLOTS entries, or NULL (no memory: all unnamed) */
    int ncached;
    int nnames; /* statement names handed out on this cd_db (cd0, cd1, ...) */
};

/* ---------------------------------------------------------------- tx */

cd_tx_t *cd_tx_new(void)
{
    cd_tx_t *tx = calloc(1, sizeof *tx);
    if (tx)
        tx->failed_stmt = -1;
    return tx;
}

int cd_tx_count(const cd_tx_t *tx)
{
    return tx->n;
}

int cd_tx_addv(cd_tx_t *tx, const char *sql, int nparams, const char *const *values,
               const int *lengths, const int *formats)
{
    assert(sql && nparams >= 0);
    if (!tx)
        return CD_ENOMEM;
    if (tx->n == tx->cap) {
        int cap = tx->cap ? tx->cap * 2 : 4;
        s_stmt_t *p = realloc(tx->stmts, (size_t)cap * sizeof *p);
        if (!p) {
            tx->poisoned = 1;
            return CD_ENOMEM;
        }
        tx->stmts = p;
        tx->cap = cap;
    }
    s_stmt_t *st = &tx->stmts[tx->n];
    memset(st, 0, sizeof *st);
    st->sql = strdup(sql);
    st->nparams = nparams;
    if (nparams) {
        st->values = calloc((size_t)nparams, sizeof(char *));
        st->lengths = calloc((size_t)nparams, sizeof(int));
        st->formats = calloc((size_t)nparams, sizeof(int));
    }
    if (!st->sql || (nparams && (!st->values || !st->lengths || !st->formats)))
        goto oom;
    for (int i = 0; i < nparams; i++) {
        if (!values[i])
            continue;
        int binary = formats && formats[i];
        size_t len = binary ? (size_t)lengths[i] : strlen(values[i]);
        st->values[i] = malloc(len + 1);
        if (!st->values[i])
            goto oom;
        memcpy(st->values[i], values[i], len);
        st->values[i][len] = 0;
        st->lengths[i] = (int)len;
        st->formats[i] = binary;
    }
    tx->n++;
    return 0;
oom:
    for (int i = 0; st->values && i < nparams; i++)
        free(st->values[i]);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->sql);
    tx->poisoned = 1;
    return CD_ENOMEM;
}

void cd_tx_poison(cd_tx_t *tx)
{
    if (tx)
        tx->poisoned = 1;
}

void cd_tx_poison_err(cd_tx_t *tx, int err)
{
    if (tx && !tx->poisoned) {
        tx->poisoned = 1;
        tx->poison_err = err;
    }
}

int cd_tx_add(cd_tx_t *tx, const char *sql, int nparams, const char *const *values)
{
    return cd_tx_addv(tx, sql, nparams, values, NULL, NULL);
}

int cd_tx_add_fresh(cd_tx_t *tx, const char *sql, int nparams, const char *const *values)
{
    int rc = cd_tx_addv(tx, sql, nparams, values, NULL, NULL);
    if (rc == 0)
        tx->stmts[tx->n - 1].fresh = 1;
    return rc;
}

void cd_tx_destroy(cd_tx_t **ptx)
{
    if (!ptx || !*ptx)
        return;
    cd_tx_t *tx = *ptx;
    *ptx = NULL;
    for (int i = 0; i < tx->n; i++) {
        s_stmt_t *st = &tx->stmts[i];
        for (int j = 0; j < st->nparams; j++)
            free(st->values[j]);
        free(st->values);
        free(st->lengths);
        free(st->formats);
        free(st->sql);
        if (tx->results && tx->results[i])
            PQclear(tx->results[i]);
    }
    free(tx->results);
    free(tx->stmts);
    free(tx->message);
    free(tx);
}

/* ---------------------------------------------------------------- completion */

static void s_finish(cd_tx_t *tx, int err, const char *message)
{
    cd_tx_result_t r = {
        .err = err,
        .failed_stmt = tx->failed_stmt,
        .sqlstate = tx->sqlstate,
        .message = message ? message : (tx->message ? tx->message : ""),
        .nresults = tx->n,
        .results = tx->results,
    };
    if (tx->cb)
        tx->cb(&r, tx->arg);
    cd_tx_destroy(&tx);
}

/* Pop the head of the queue. */
static cd_tx_t *s_pop(cd_db_t *db)
{
    cd_tx_t *tx = db->head;
    if (tx) {
        db->head = tx->next;
        if (!db->head)
            db->tail = NULL;
        db->pending--;
        tx->next = NULL;
    }
    db->running = 0;
    return tx;
}

/* Forget a run's results so the tx can run again. */
static void s_reset(cd_tx_t *tx)
{
    for (int i = 0; tx->results && i < tx->n; i++)
        if (tx->results[i])
            PQclear(tx->results[i]);
    free(tx->results);
    tx->results = NULL;
    free(tx->message);
    tx->message = NULL;
    tx->cur = 0;
    tx->parsed = 0;
    tx->failed_stmt = -1;
    tx->sqlstate[0] = 0;
}

/* Fail every queued transaction (connection lost or closing). */
static void s_fail_all(cd_db_t *db, int err, const char *why)
{
    cd_tx_t *tx;
    while ((tx = db->head) != NULL) {
        s_pop(db);
        s_finish(tx, err, why);
    }
}

/* ---------------------------------------------------------------- connection */

static void s_poll_cb(uv_poll_t *h, int status, int events);
static void s_connect(cd_db_t *db);
static void s_cache_forget(cd_db_t *db, int rename);
static void s_cache_free(cd_db_t *db);
static void s_start_next(cd_db_t *db);

static void s_free_handle(uv_handle_t *h)
{
    free(h);
}

static void s_poll_set(cd_db_t *db, int events)
{
    int fd = db->conn ? PQsocket(db->conn) : -1;
    if (db->poll && (fd != db->poll_fd || fd < 0)) {
        uv_close((uv_handle_t *)db->poll, s_free_handle);
        db->poll = NULL;
    }
    if (fd < 0)
        return;
    if (!db->poll) {
        db->poll = calloc(1, sizeof *db->poll);
        if (!db->poll)
            return;
        uv_poll_init(db->loop, db->poll, fd);
        db->poll->data = db;
        db->poll_fd = fd;
        db->poll_events = 0;
    }
    if (events != db->poll_events) {
        uv_poll_start(db->poll, events, s_poll_cb);
        db->poll_events = events;
    }
}

static void s_set_state(cd_db_t *db, s_state_t st)
{
    int was_ready = db->state == S_READY;
    db->state = st;
    int ready = st == S_READY;
    if (ready != was_ready && db->on_state)
        db->on_state(db, ready, db->arg);
}

static void s_on_retry(uv_timer_t *t)
{
    s_connect(t->data);
}

/* Drop the connection, fail what was running or queued, and retry later. */
static void s_lost(cd_db_t *db, const char *reason)
{
    /* reason is often PQerrorMessage(db->conn), which the PQfinish below
     * frees; the failed transactions' callbacks read it after that. */
    char why[256];
    snprintf(why, sizeof why, "%s", reason ? reason : "connection lost");
    why[strcspn(why, "\n")] = 0;
    if (!db->reported_down)
        cd_log_warn("db.disconnected", "{s:s}", "reason", why);
    db->reported_down = 1;
    if (db->poll) {
        uv_close((uv_handle_t *)db->poll, s_free_handle);
        db->poll = NULL;
    }
    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    s_set_state(db, S_DOWN);
    s_fail_all(db, CD_EIO, why);
    if (db->closing)
        return;
    db->backoff_ms = db->backoff_ms ? db->backoff_ms * 2 : S_BACKOFF_MIN_MS;
    if (db->backoff_ms > S_BACKOFF_MAX_MS)
        db->backoff_ms = S_BACKOFF_MAX_MS;
    uv_timer_start(&db->retry, s_on_retry, (uint64_t)db->backoff_ms, 0);
}

/* While connecting, libpq may close its socket and open another (the next
 * host of a multi-host URL, or one that target_session_attrs turned down),
 * and the new socket often gets the old one's number: epoll forgot the old
 * socket when it closed, so the watch is armed again from scratch after
 * every step (stop, then start: the same number is no proof of the same
 * socket). */
static void s_poll_rearm(cd_db_t *db, int events)
{
    if (db->poll && db->poll_events) {
        uv_poll_stop(db->poll);
        db->poll_events = 0;
    }
    s_poll_set(db, events);
}

static void s_connect_step(cd_db_t *db)
{
    switch (PQconnectPoll(db->conn)) {
    case PGRES_POLLING_READING:
        s_poll_rearm(db, UV_READABLE);
        return;
    case PGRES_POLLING_WRITING:
        s_poll_rearm(db, UV_WRITABLE);
        return;
    case PGRES_POLLING_OK:
        break;
    default: {
        char why[256];
        snprintf(why, sizeof why, "%s", PQerrorMessage(db->conn));
        why[strcspn(why, "\n")] = 0;
        s_lost(db, why);
        return;
    }
    }
    if (PQsetnonblocking(db->conn, 1) != 0 || PQenterPipelineMode(db->conn) != 1) {
        s_lost(db, "cannot enter non-blocking pipeline mode");
        return;
    }
    s_poll_rearm(db, UV_READABLE);
    s_cache_forget(db, 0);
    db->backoff_ms = 0;
    if (db->reported_down)
        cd_log_info("db.reconnected", NULL);
    db->reported_down = 0;
    s_set_state(db, S_READY);
    s_start_next(db);
}

/* The password of a role other than the URL's: PGPASSWORD (a service sets
 * it from CANDOUR_DB_PASSWORD), or NULL to leave libpq its defaults. A
 * password in the URL is the admin's, and would otherwise win. */
static const char *s_role_password(const char *user)
{
    const char *p = user ? getenv("PGPASSWORD") : NULL;
    return p && *p ? p : NULL;
}

static void s_connect(cd_db_t *db)
{
    const char *keys[8] = {"dbname", NULL};
    const char *vals[8] = {db->conninfo, NULL};
    int k = 1;
    /* After the expanded dbname, so they override the URL's. */
    cd_db_hosts_t hosts;
    if (db->host_skip && cd_db_hosts_rotate(db->conninfo, db->host_skip, &hosts) > 1) {
        const char *names[3] = {"host", "hostaddr", "port"};
        const char *lists[3] = {hosts.host, hosts.hostaddr, hosts.port};
        for (int i = 0; i < 3; i++)
            if (lists[i][0]) {
                keys[k] = names[i];
                vals[k++] = lists[i];
            }
    }
    if (db->user) {
        keys[k] = "user";
        vals[k++] = db->user;
        if (s_role_password(db->user)) {
            keys[k] = "password";
            vals[k++] = s_role_password(db->user);
        }
    }
    if (db->options) {
        keys[k] = "options";
        vals[k++] = db->options;
    }
    keys[k] = vals[k] = NULL;
    db->conn = PQconnectStartParams(keys, vals, 1);
    if (!db->conn || PQstatus(db->conn) == CONNECTION_BAD) {
        s_lost(db, db->conn ? PQerrorMessage(db->conn) : "out of memory");
        return;
    }
    s_set_state(db, S_CONNECTING);
    db->since = uv_now(db->loop);
    s_poll_set(db, UV_WRITABLE);
}

/* Every S_WATCH_MS: a connection attempt or a group that has waited too
 * long for the server is given up (see the fields' comment). */
static void s_on_watch(uv_timer_t *t)
{
    cd_db_t *db = t->data;
    uint64_t waited = uv_now(db->loop) - db->since;
    char why[128];
    if (db->state != S_CONNECTING && !(db->state == S_READY && db->running))
        return;
    if (waited < (uint64_t)(db->state == S_CONNECTING ? db->connect_ms : db->stall_ms))
        return;
    /* The next attempt starts at the host after the silent one. */
    int at = db->conn ? cd_db_hosts_index(db->conninfo, PQhost(db->conn), PQport(db->conn)) : -1;
    db->host_skip = at >= 0 ? at + 1 : db->host_skip + 1;
    if (db->state == S_CONNECTING) {
        cd_log_warn("db.connect_timeout", "{s:i}", "waited_ms", (int)waited);
        snprintf(why, sizeof why, "no answer from the server within %d ms of connecting",
                 db->connect_ms);
        s_lost(db, why);
    } else {
        cd_log_warn("db.stalled", "{s:i,s:i}", "waited_ms", (int)waited, "transactions",
                    db->group_n);
        snprintf(why, sizeof why, "no answer from the server within %d ms", db->stall_ms);
        s_lost(db, why);
    }
}

/* A duration in ms from the environment: def when unset or not 100..3600000. */
static int s_env_ms(const char *name, int def)
{
    const char *v = getenv(name);
    char *end;
    long ms = v && *v ? strtol(v, &end, 10) : def;
    return v && *v && (*end || ms < 100 || ms > 3600000) ? def : (int)ms;
}

cd_db_t *cd_db_new(uv_loop_t *loop, const char *conninfo, const char *user, cd_db_state_fn on_state,
                   void *arg)
{
    return cd_db_new_options(loop, conninfo, user, NULL, on_state, arg);
}

cd_db_t *cd_db_new_options(uv_loop_t *loop, const char *conninfo, const char *user,
                           const char *options, cd_db_state_fn on_state, void *arg)
{
    cd_db_t *db = calloc(1, sizeof *db);
    if (!db)
        return NULL;
    db->loop = loop;
    db->conninfo = strdup(conninfo ? conninfo : "");
    db->user = user ? strdup(user) : NULL;
    db->options = options ? strdup(options) : NULL;
    db->on_state = on_state;
    db->arg = arg;
    db->poll_fd = -1;
    db->cache = calloc(S_CACHE_SLOTS, sizeof *db->cache); /* NULL: statements go unnamed */
    uv_timer_init(loop, &db->retry);
    db->retry.data = db;
    db->connect_ms = s_env_ms("CANDOUR_DB_CONNECT_TIMEOUT_MS", S_CONNECT_TIMEOUT_MS);
    db->stall_ms = s_env_ms("CANDOUR_DB_STALL_MS", S_STALL_MS);
    uv_timer_init(loop, &db->watch);
    db->watch.data = db;
    uv_timer_start(&db->watch, s_on_watch, S_WATCH_MS, S_WATCH_MS);
    uv_unref((uv_handle_t *)&db->watch); /* never what keeps a loop running */
    s_connect(db);
    return db;
}

int cd_db_ready(const cd_db_t *db)
{
    return db && db->state == S_READY;
}

size_t cd_db_pending(const cd_db_t *db)
{
    return db->pending;
}

static void s_free_db(uv_handle_t *h)
{
    cd_db_t *db = h->data;
    s_cache_free(db);
    free(db->options);
    free(db->conninfo);
    free(db->user);
    free(db);
}

/* The watch closed: then the retry timer, which frees the cd_db. */
static void s_on_watch_closed(uv_handle_t *h)
{
    cd_db_t *db = h->data;
    uv_close((uv_handle_t *)&db->retry, s_free_db);
}

void cd_db_destroy(cd_db_t **pdb)
{
    if (!pdb || !*pdb)
        return;
    cd_db_t *db = *pdb;
    *pdb = NULL;
    db->closing = 1;
    db->on_state = NULL;
    db->state = S_DOWN;
    if (db->poll) {
        uv_close((uv_handle_t *)db->poll, s_free_handle);
        db->poll = NULL;
    }
    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    s_fail_all(db, CD_ECLOSED, "database connection closed");
    uv_close((uv_handle_t *)&db->watch, s_on_watch_closed);
}

/* ---------------------------------------------------------------- running */

static void s_flush(cd_db_t *db)
{
    int rc = PQflush(db->conn);
    if (rc < 0)
        s_lost(db, PQerrorMessage(db->conn));
    else
        s_poll_set(db, rc == 1 ? UV_READABLE | UV_WRITABLE : UV_READABLE);
}

/* Move group_cur past transactions whose results are all in. */
static void s_settle_cursor(cd_db_t *db)
{
    while (db->group_cur && db->group_cur->cur >= db->group_cur->n && db->group_left > 1) {
        db->group_cur = db->group_cur->next;
        db->group_left--;
    }
}

/* ---------------------------------------------------------------- statement cache */

static uint32_t s_hash(const char *str)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)str; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

/* The cache entry for sql, added if there is room; NULL: send it unnamed. */
static s_entry_t *s_cache_entry(cd_db_t *db, const char *sql)
{
    if (!db->cache)
        return NULL;
    for (uint32_t i = s_hash(sql), n = 0; n < S_CACHE_SLOTS; i++, n++) {
        s_entry_t *e = &db->cache[i & (S_CACHE_SLOTS - 1)];
        if (e->sql && strcmp(e->sql, sql) == 0)
            return e;
        if (!e->sql) {
            if (db->ncached >= S_CACHE_MAX || !(e->sql = strdup(sql)))
                return NULL;
            db->ncached++;
            snprintf(e->name, sizeof e->name, "cd%d", db->nnames++);
            e->state = S_UNPREPARED;
            return e;
        }
    }
    return NULL;
}

/* Forget which statements the server knows by name: a new connection knows
 * none. With rename, each gets a new name too (the server may still hold an
 * old one, whose Parse would then fail as a duplicate). */
static void s_cache_forget(cd_db_t *db, int rename)
{
    for (int i = 0; db->cache && i < S_CACHE_SLOTS; i++) {
        db->cache[i].state = S_UNPREPARED;
        if (rename && db->cache[i].sql)
            snprintf(db->cache[i].name, sizeof db->cache[i].name, "cd%d", db->nnames++);
    }
}

static void s_cache_free(cd_db_t *db)
{
    for (int i = 0; db->cache && i < S_CACHE_SLOTS; i++)
        free(db->cache[i].sql);
    free(db->cache);
    db->cache = NULL;
}

/* Send one statement: by name (after its Parse, the first time), or unnamed. */
static int s_send_stmt(cd_db_t *db, s_stmt_t *st)
{
    const char *const *values = (const char *const *)st->values;
    s_entry_t *e = st->fresh ? NULL : s_cache_entry(db, st->sql);
    st->prep = 0;
    if (!e)
        return PQsendQueryParams(db->conn, st->sql, st->nparams, NULL, values, st->lengths,
                                 st->formats, 0);
    if (e->state == S_UNPREPARED) {
        if (!PQsendPrepare(db->conn, e->name, st->sql, st->nparams, NULL))
            return 0;
        e->state = S_PREPARING;
        st->prep = (int)(e - db->cache) + 1;
    }
    return PQsendQueryPrepared(db->conn, e->name, st->nparams, values, st->lengths, st->formats, 0);
}

/* Group commit: the transactions queued while the last group ran go out
 * together under one Sync, so they cost one commit (one fsync) between
 * them. If any statement fails, the server rolls the whole group back, and
 * s_group_failed sorts it out so that only the failing one fails. */
static void s_start_next(cd_db_t *db)
{
    if (db->running || !db->head || db->state != S_READY)
        return;
    int n = 0, stmts = 0;
    for (cd_tx_t *tx = db->head; tx && n < S_GROUP_MAX && stmts < S_GROUP_STMTS; tx = tx->next) {
        if (n > 0 && tx->solo)
            break;
        tx->results = calloc((size_t)(tx->n ? tx->n : 1), sizeof(PGresult *));
        if (!tx->results)
            break;
        n++;
        stmts += tx->n;
        if (tx->solo)
            break;
    }
    if (n == 0) {
        cd_tx_t *tx = s_pop(db);
        s_finish(tx, CD_ENOMEM, "out of memory");
        s_start_next(db);
        return;
    }
    db->running = 1;
    db->since = uv_now(db->loop);
    db->group_n = db->group_left = n;
    db->group_cur = db->head;
    db->group_failed = 0;
    cd_tx_t *tx = db->head;
    for (int k = 0; k < n; k++, tx = tx->next) {
        for (int i = 0; i < tx->n; i++) {
            if (!s_send_stmt(db, &tx->stmts[i])) {
                s_lost(db, PQerrorMessage(db->conn));
                return;
            }
        }
    }
    if (!PQpipelineSync(db->conn)) {
        s_lost(db, PQerrorMessage(db->conn));
        return;
    }
    s_settle_cursor(db);
    s_flush(db);
}

/* Put the list txs (in order) back at the front of the queue, reset. */
static void s_requeue_front(cd_db_t *db, cd_tx_t *txs)
{
    if (!txs)
        return;
    cd_tx_t *last = NULL;
    for (cd_tx_t *tx = txs; tx; tx = tx->next) {
        s_reset(tx);
        last = tx;
        db->pending++;
    }
    last->next = db->head;
    if (!db->head)
        db->tail = last;
    db->head = txs;
}

/* The transaction of a failed group whose own statement failed (NULL when
 * none did: the commit itself failed). */
static cd_tx_t *s_culprit(cd_tx_t *done)
{
    for (cd_tx_t *tx = done; tx; tx = tx->next)
        if (tx->failed_stmt >= 0)
            return tx;
    return NULL;
}

/* The group failed, so the server rolled all of it back. The transaction
 * whose statement failed (f) is known; the others did nothing wrong. When f
 * came first, nothing else in the group could have caused its failure: it is
 * answered now and the others go again as a group. Otherwise f reruns alone
 * between the ones before and after it (which regroup), so its answer is
 * its own. When no statement failed (the commit itself did) each reruns
 * alone. */
static void s_group_failed(cd_db_t *db, cd_tx_t *done)
{
    cd_tx_t *f = s_culprit(done);
    if (f && f == done) {
        cd_tx_t *rest = f->next;
        f->next = NULL;
        for (cd_tx_t *tx = rest; tx; tx = tx->next)
            tx->solo = 0;
        s_requeue_front(db, rest);
        s_finish(f, CD_EDB, NULL);
        return;
    }
    for (cd_tx_t *tx = done; tx; tx = tx->next)
        tx->solo = !f || tx == f;
    s_requeue_front(db, done);
}

/* A statement sent by name failed because the server no longer has that
 * name (26000: a DISCARD ALL, or a pooler that does not keep sessions) or
 * its cached plan's result changed under it (0A000: a migration while we
 * ran). Then the names are forgotten (and new ones used, since a stale one
 * may still exist) and the whole group goes again, once: the failure was the
 * connection's, not the transaction's. */
static int s_names_went_stale(cd_db_t *db, cd_tx_t *done)
{
    cd_tx_t *f = s_culprit(done);
    if (!f || f->restated || !db->cache ||
        (strcmp(f->sqlstate, "26000") != 0 && strcmp(f->sqlstate, "0A000") != 0))
        return 0;
    cd_log_warn("db.statements_reprepared", "{s:s, s:s}", "sqlstate", f->sqlstate, "reason",
                f->message ? f->message : "");
    s_cache_forget(db, 1);
    for (cd_tx_t *tx = done; tx; tx = tx->next)
        tx->restated = 1;
    s_requeue_front(db, done);
    return 1;
}

/* The group's Sync came: finish each of its transactions, or sort out which
 * of them failed (s_group_failed). */
static void s_end_group(cd_db_t *db)
{
    int n = db->group_n, failed = db->group_failed;
    cd_tx_t *done = NULL, *last = NULL;
    for (int k = 0; k < n; k++) {
        cd_tx_t *tx = s_pop(db);
        tx->next = NULL;
        if (last)
            last->next = tx;
        else
            done = tx;
        last = tx;
    }
    db->group_n = db->group_left = 0;
    db->group_cur = NULL;
    if (failed && s_names_went_stale(db, done))
        return;
    if (failed && n > 1) {
        s_group_failed(db, done);
        return;
    }
    /* A group of one, or a group that committed. */
    cd_tx_t *next;
    for (cd_tx_t *tx = done; tx; tx = next) {
        next = tx->next;
        s_finish(tx, failed ? CD_EDB : 0, NULL);
    }
}

/* Record a result for the running statement. An error after tx's last
 * statement is the group's commit failing at the Sync (a deferred check):
 * no statement of tx's failed, so failed_stmt stays -1 and s_culprit finds
 * none. */
static void s_take_result(cd_tx_t *tx, PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR && tx->failed_stmt < 0 && !tx->message) {
        if (tx->cur < tx->n)
            tx->failed_stmt = tx->cur;
        const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        snprintf(tx->sqlstate, sizeof tx->sqlstate, "%s", code ? code : "");
        const char *msg = PQresultErrorMessage(r);
        tx->message = strdup(msg ? msg : "");
        if (tx->message)
            tx->message[strcspn(tx->message, "\n")] = 0;
    }
    /* db.h promises NULL past a failure: the statements after it were never
     * run, and their PGRES_PIPELINE_ABORTED results say nothing of use. */
    if (tx->cur < tx->n && !tx->results[tx->cur] &&
        (tx->failed_stmt < 0 || tx->failed_stmt == tx->cur))
        tx->results[tx->cur] = r;
    else
        PQclear(r);
}

/* A result of the Parse sent before tx's statement cur: the name is known
 * from now on, or (failed, or skipped after an earlier failure) is not. A
 * Parse that failed (bad SQL) is the statement's failure. */
static void s_take_parse(cd_db_t *db, cd_tx_t *tx, PGresult *r)
{
    s_entry_t *e = &db->cache[tx->stmts[tx->cur].prep - 1];
    ExecStatusType st = PQresultStatus(r);
    e->state = st == PGRES_COMMAND_OK ? S_PREPARED : S_UNPREPARED;
    if (st == PGRES_FATAL_ERROR)
        s_take_result(tx, r);
    else
        PQclear(r);
}

/* Are the results coming those of the Parse before tx's current statement? */
static int s_reading_parse(const cd_tx_t *tx)
{
    return tx->cur < tx->n && tx->stmts[tx->cur].prep && !tx->parsed;
}

/* Read every result that has arrived; complete the tx at its Sync. */
static void s_read_results(cd_db_t *db)
{
    if (!PQconsumeInput(db->conn)) {
        s_lost(db, PQerrorMessage(db->conn));
        return;
    }
    int nulls = 0; /* in a row: two mean nothing more has arrived */
    while (db->conn && db->running && !PQisBusy(db->conn)) {
        cd_tx_t *tx = db->group_cur;
        PGresult *r = PQgetResult(db->conn);
        if (!r) {
            if (++nulls > 1)
                break;
            /* End of one statement's results (or of its Parse's), or, past
             * the group's last statement, of the commit's error: its Sync
             * follows and may already be in libpq's buffer, where no poll
             * would wake us for it (so no break here: that stalled the
             * connection for good). */
            if (tx && s_reading_parse(tx)) {
                tx->parsed = 1;
            } else if (tx && tx->cur < tx->n) {
                tx->cur++;
                tx->parsed = 0;
                s_settle_cursor(db);
            }
            continue;
        }
        nulls = 0;
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            s_end_group(db);
            s_start_next(db);
            if (!db->running)
                break;
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_FATAL_ERROR || st == PGRES_PIPELINE_ABORTED)
            db->group_failed = 1;
        if (tx && s_reading_parse(tx))
            s_take_parse(db, tx, r);
        else
            s_take_result(tx, r);
    }
    /* Drain notices/idle results while nothing runs (none expected). */
}

static void s_poll_cb(uv_poll_t *h, int status, int events)
{
    cd_db_t *db = h->data;
    if (db->poll != h || !db->conn)
        return; /* a stale handle being closed */
    if (db->state == S_CONNECTING) {
        /* An error here (a host that refused: libuv reports the socket's
         * error as UV_EBADF and stops the watch) is libpq's to judge: with
         * a multi-host URL it goes on to the next host. */
        s_connect_step(db);
        return;
    }
    if (status < 0) {
        s_lost(db, uv_strerror(status));
        return;
    }
    if (events & UV_WRITABLE) {
        s_flush(db);
        if (!db->conn)
            return;
    }
    if (events & UV_READABLE) {
        s_read_results(db);
        if (db->conn && PQstatus(db->conn) == CONNECTION_BAD)
            s_lost(db, PQerrorMessage(db->conn));
    }
}

void cd_db_submit(cd_db_t *db, cd_tx_t *tx, cd_tx_fn cb, void *arg)
{
    assert(db);
    if (!tx) {
        cd_tx_result_t r = {
            .err = CD_ENOMEM, .failed_stmt = -1, .sqlstate = "", .message = "out of memory"};
        if (cb)
            cb(&r, arg);
        return;
    }
    tx->cb = cb;
    tx->arg = arg;
    if (tx->poisoned) {
        if (tx->poison_err == CD_EINVAL)
            s_finish(tx, CD_EINVAL, "the transaction could not be built from its data");
        else
            s_finish(tx, CD_ENOMEM, "out of memory while building the transaction");
        return;
    }
    if (db->closing) {
        s_finish(tx, CD_ECLOSED, "database connection closed");
        return;
    }
    if (db->state != S_READY) {
        /* Fail fast rather than queue behind an outage: callers retry, and a
         * queue that grows while the database is away would be unbounded. */
        s_finish(tx, CD_EIO, "database not connected");
        return;
    }
    tx->next = NULL;
    if (db->tail)
        db->tail->next = tx;
    else
        db->head = tx;
    db->tail = tx;
    db->pending++;
    s_start_next(db);
}

void cd_db_query(cd_db_t *db, const char *sql, int nparams, const char *const *values, cd_tx_fn cb,
                 void *arg)
{
    cd_tx_t *tx = cd_tx_new();
    if (!tx || cd_tx_add(tx, sql, nparams, values) != 0) {
        cd_tx_destroy(&tx);
        cd_tx_result_t r = {
            .err = CD_ENOMEM, .failed_stmt = -1, .sqlstate = "", .message = "out of memory"};
        cb(&r, arg);
        return;
    }
    cd_db_submit(db, tx, cb, arg);
}

/* ---------------------------------------------------------------- blocking helpers */

PGconn *cd_db_connect_blocking(const char *conninfo, const char *user, char *err, size_t errlen)
{
    const char *pw = s_role_password(user);
    const char *keys[4] = {"dbname", user ? "user" : NULL, user && pw ? "password" : NULL, NULL};
    const char *vals[4] = {conninfo, user, pw, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "%s", c ? PQerrorMessage(c) : "out of memory");
        err[strcspn(err, "\n")] = 0;
        PQfinish(c);
        return NULL;
    }
    return c;
}

unsigned char *cd_db_unescape_bytea(const char *text, size_t *len)
{
    size_t n = 0;
    unsigned char *p = PQunescapeBytea((const unsigned char *)text, &n);
    if (!p)
        return NULL;
    unsigned char *out = malloc(n ? n : 1);
    if (out)
        memcpy(out, p, n);
    PQfreemem(p);
    *len = n;
    return out;
}
