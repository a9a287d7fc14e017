/* db.h - one non-blocking PostgreSQL connection on a libuv loop.
 *
 * Work is a transaction (cd_tx_t): parameterised statements that commit
 * together or not at all. Its callback runs only after the server has
 * answered the Sync that ends it, so success means durably committed (with
 * synchronous_commit on): that is where receipts may be sent.
 *
 * Group commit: the transactions queued while a group runs go out together
 * (up to 64, about 1024 statements) in libpq's pipeline mode under one Sync,
 * so the server runs them as ONE implicit transaction with one commit. Hence,
 * for a transaction's statements:
 *   - they see the uncommitted writes of the transactions before them in
 *     their group, and their locks (and settings for the transaction) last
 *     to the group's end;
 *   - no BEGIN, COMMIT, ROLLBACK or SAVEPOINT (they would end the group);
 *   - they may run more than once (rolled back in between), so their effects
 *     outside the database, sequences aside, must not depend on a run.
 * If anything in a group fails the server rolls the whole group back; then
 * only the failing transaction (the culprit) is failed and the others run
 * again, so each one's outcome is its own: a culprit that came first in its
 * group is failed at once and the rest regroup; otherwise it runs again alone,
 * between the ones before it and the ones after it (which regroup), and its
 * second outcome is its answer. If the commit itself failed (a deferred
 * check) each runs again alone. Callbacks run in submission order, except
 * for a transaction failed by cd_db_submit itself.
 *
 * Statements are prepared once per connection, by their text: the first
 * time a text is sent it is parsed under a name, and from then on only the
 * name and the parameters travel. So SQL text must come from a fixed set (the
 * values always parameters): past 384 distinct texts, statements go unnamed.
 * A new connection prepares again. When the server says a name is unknown
 * (26000: DISCARD ALL, a transaction-pooling proxy) or a cached plan's result
 * type changed (0A000: a migration while we ran), every name is forgotten and
 * the whole group runs again, once.
 *
 * If the connection is lost, the running group and every queued transaction
 * fail with CD_EIO (commit state unknown for the running ones: callers retry
 * idempotently), and the connection is re-established with exponential
 * backoff (0.1 s doubling to 5 s). cd_db_ready() says whether it is up. */
#ifndef CANDOUR_DB_H
#define CANDOUR_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <uv.h>

typedef struct cd_db_t cd_db_t;
typedef struct cd_tx_t cd_tx_t;

/* The outcome of a transaction, valid during the callback only. */
typedef struct {
    /* 0 committed; CD_EDB the server refused it (a statement, or its commit);
     * CD_EIO connection lost or not connected; CD_ECLOSED cd_db closing;
     * CD_ENOMEM out of memory or poisoned, CD_EINVAL poisoned so (cd_tx_poison_err):
     * never sent. */
    int err;
    int failed_stmt;      /* CD_EDB: index of the statement that failed; -1 if none (its commit) */
    const char *sqlstate; /* e.g. "23505" when err == CD_EDB, else "" */
    const char *message;  /* the server's or libpq's message (first line), "" on success */
    int nresults;         /* the transaction's statement count */
    /* One per statement, in order: on success each statement's result; on
     * CD_EDB those up to the failed statement (its own is the error) and
     * NULL after it; otherwise NULLs, or NULL itself. */
    PGresult **results;
} cd_tx_result_t;

typedef void (*cd_tx_fn)(const cd_tx_result_t *res, void *arg);
typedef void (*cd_db_state_fn)(cd_db_t *db, int ready, void *arg);

/* Connect with conninfo (URL or key=value) and user override (NULL = from
 * conninfo). Connecting is asynchronous; on_state is told of every change. */
cd_db_t *cd_db_new(uv_loop_t *loop, const char *conninfo, const char *user, cd_db_state_fn on_state,
                   void *arg);
/* The same, with libpq's "options" for the session (NULL: none), e.g.
 * "-c candour.audit_chain=intake-first": settings that hold for as long as the
 * connection, and again on every reconnection. */
cd_db_t *cd_db_new_options(uv_loop_t *loop, const char *conninfo, const char *user,
                           const char *options, cd_db_state_fn on_state, void *arg);
void cd_db_destroy(cd_db_t **pdb);
int cd_db_ready(const cd_db_t *db);
/* Transactions queued or running. */
size_t cd_db_pending(const cd_db_t *db);

/* Build a transaction. Statements and parameters are copied. A NULL value is
 * SQL NULL. Binary parameters (bytea) use cd_tx_addv with formats. */
cd_tx_t *cd_tx_new(void);
int cd_tx_add(cd_tx_t *tx, const char *sql, int nparams, const char *const *values);
int cd_tx_addv(cd_tx_t *tx, const char *sql, int nparams, const char *const *values,
               const int *lengths, const int *formats);
/* cd_tx_add_fresh sends one unnamed (never prepared: see above), planned
 * afresh each time, for a statement over tables whose size swings (the
 * outbox's): a plan cached while they were small could scan them whole once
 * they are large. */
int cd_tx_add_fresh(cd_tx_t *tx, const char *sql, int nparams, const char *const *values);
int cd_tx_count(const cd_tx_t *tx);
/* Mark tx as unusable: cd_db_submit then fails it with CD_ENOMEM instead of
 * running it half-built. The add functions do this themselves on failure
 * (and accept a NULL tx, returning CD_ENOMEM), so a handler may build a
 * transaction without checking every step and check once, at submit. */
void cd_tx_poison(cd_tx_t *tx);
/* The same, saying why: CD_EINVAL (data that cannot go into a statement, e.g.
 * text that is not UTF-8) makes cd_db_submit fail it with CD_EINVAL, which
 * will not pass by being tried again; anything else is CD_ENOMEM. */
void cd_tx_poison_err(cd_tx_t *tx, int err);
void cd_tx_destroy(cd_tx_t **ptx);

/* Queue tx (ownership passes to db) and call cb (may be NULL) once it has
 * committed or failed. Failed at once, with cb run before cd_db_submit
 * returns: a NULL tx (CD_ENOMEM), a poisoned one (its CD_ENOMEM or
 * CD_EINVAL), db closing (CD_ECLOSED), db not connected (CD_EIO: no queue
 * grows during an outage; the caller retries). cb may submit again. */
void cd_db_submit(cd_db_t *db, cd_tx_t *tx, cd_tx_fn cb, void *arg);

/* Convenience: one statement, text parameters. */
void cd_db_query(cd_db_t *db, const char *sql, int nparams, const char *const *values, cd_tx_fn cb,
                 void *arg);

/* A multi-host connection string's hosts rotated left by `by` (mod their
 * number): host, hostaddr and port (a list of one per host; "" where the
 * string has none, or a single port for all). Returns the number of hosts,
 * 0 or 1 when there is nothing to rotate (out all ""), -1 when the lists
 * disagree in length or do not fit. */
typedef struct {
    char host[1024], hostaddr[512], port[256];
} cd_db_hosts_t;
int cd_db_hosts_rotate(const char *conninfo, int by, cd_db_hosts_t *out);
/* Where host (and port, when the string gives one per host) stands in the
 * string's list: 0.., or -1 when it is not there. */
int cd_db_hosts_index(const char *conninfo, const char *host, const char *port);

/* A blocking connection, for tools and tests (candourctl, migrations). */
PGconn *cd_db_connect_blocking(const char *conninfo, const char *user, char *err, size_t errlen);

/* Decode a bytea value returned in text format (hex). Returns malloc'd bytes. */
unsigned char *cd_db_unescape_bytea(const char *text, size_t *len);

#endif
