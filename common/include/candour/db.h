/* db.h - one non-blocking PostgreSQL connection on a libuv loop.
 *
 * Work is a transaction: a list of parameterised statements sent in libpq's
 * pipeline mode and closed by one Sync, so they run as one implicit
 * transaction that commits at the Sync, or rolls back whole if any statement
 * fails. The callback runs only after the server has answered the Sync, so
 * when it reports success the transaction is durably committed (with the
 * server's synchronous_commit on): that is where receipts may be sent.
 *
 * Transactions run one at a time in FIFO order. If the connection is lost,
 * the running transaction and every queued one fail with CD_EIO (their commit
 * state is then unknown: callers retry idempotently), and the connection is
 * re-established with exponential backoff. cd_db_ready() says whether it is up. */
#ifndef CANDOUR_DB_H
#define CANDOUR_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <uv.h>

typedef struct cd_db_t cd_db_t;
typedef struct cd_tx_t cd_tx_t;

/* The outcome of a transaction, valid during the callback only. */
typedef struct {
    int err;               /* 0, CD_EIO (connection lost), CD_EDB (a statement failed) */
    int failed_stmt;       /* index of the statement that failed, -1 if none */
    const char *sqlstate;  /* e.g. "23505" when err == CD_EDB, else "" */
    const char *message;   /* the server's or libpq's message, "" on success */
    int nresults;
    PGresult **results;    /* one per statement, in order (NULL past a failure) */
} cd_tx_result_t;

typedef void (*cd_tx_fn)(const cd_tx_result_t *res, void *arg);
typedef void (*cd_db_state_fn)(cd_db_t *db, int ready, void *arg);

/* Connect with conninfo (URL or key=value) and user override (NULL = from
 * conninfo). Connecting is asynchronous; on_state is told of every change. */
cd_db_t *cd_db_new(uv_loop_t *loop, const char *conninfo, const char *user,
                   cd_db_state_fn on_state, void *arg);
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
/* Statements are prepared once per connection and their plans cached (see
 * db.c). cd_tx_add_fresh sends one unnamed, planned afresh each time, for a
 * statement over tables whose size swings (the outbox's): a plan cached while
 * they were small could scan them whole once they are large. */
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

/* Queue tx (ownership passes to db) and call cb when it has committed or
 * failed. A NULL or poisoned tx fails with CD_ENOMEM; if db is closing, with
 * CD_ECLOSED; if it is not connected, at once with CD_EIO. */
void cd_db_submit(cd_db_t *db, cd_tx_t *tx, cd_tx_fn cb, void *arg);

/* Convenience: one statement, text parameters. */
void cd_db_query(cd_db_t *db, const char *sql, int nparams, const char *const *values,
                 cd_tx_fn cb, void *arg);

/* A blocking connection, for tools and tests (candourctl, migrations). */
PGconn *cd_db_connect_blocking(const char *conninfo, const char *user, char *err, size_t errlen);

/* Decode a bytea value returned in text format (hex). Returns malloc'd bytes. */
unsigned char *cd_db_unescape_bytea(const char *text, size_t *len);

#endif
