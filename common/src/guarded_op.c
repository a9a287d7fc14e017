/* guarded_op.c - check, read, guarded update, outbox, reply (guarded_op.h).
 *
 * One run is a small object that lives from the read to the reply: the
 * request (as a cd_op_t, which answers it) and what the steps share. Each
 * step either hands it on or answers the request and frees it, so there is
 * one way out of every path. */
#include "candour/guarded_op.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/errcode.h"

/* One request on its way through a spec. */
typedef struct {
    const cd_guarded_spec_t *spec; /* the kind of request (static, not owned) */
    cd_op_t *op;                   /* the request and its copied message (owned until answered) */
    cd_db_t *db;                   /* where the record is read and written */
    void *arg;                     /* the service's, for the callbacks */
} s_run_t;

#define S_UNAVAILABLE "could not be done just now; nothing was changed"

static void s_on_written(const cd_tx_result_t *res, void *arg)
{
    s_run_t *run = arg;
    if (res->err == 0 && run->spec->committed)
        run->spec->committed(run->op, run->arg);
    cd_op_committed(run->op, res, run->spec->lost_field, run->spec->lost_message);
    free(run);
}

/* The spec's own rule for the person, as cd_op_actor's `more`. */
typedef struct {
    s_run_t *run;
    const PGresult *r;
} s_more_t;

static int s_more(const cd_actor_t *a, void *ctx, cd_fail_t *why)
{
    s_more_t *m = ctx;
    return m->run->spec->check_actor(m->r, a, m->run->op, why, m->run->arg);
}

/* The person acting (who: the directory's row, 0 or 1), against the record
 * r's body and the spec's roles, then the spec's own rule for them. */
static int s_check_actor(s_run_t *run, const PGresult *r, const PGresult *who, cd_fail_t *why)
{
    const cd_guarded_spec_t *spec = run->spec;
    s_more_t m = {run, r};
    const char *org = spec->org_col == CD_GUARDED_ANY_ORG ? NULL : PQgetvalue(r, 0, spec->org_col);
    return cd_op_actor(run->op, who, org, spec->roles,
                       spec->signs_for, spec->check_actor ? s_more : NULL, &m, why);
}

static void s_on_read(const cd_tx_result_t *res, void *arg)
{
    s_run_t *run = arg;
    const cd_guarded_spec_t *spec = run->spec;
    if (res->err) {
        cd_op_fail(run->op, CD_CODE_UNAVAILABLE, "",
                   "could not be read just now; nothing was changed");
        free(run);
        return;
    }
    const PGresult *r = res->results[0];
    if (PQntuples(r) != 1) {
        cd_op_fail(run->op, CD_CODE_NOT_FOUND, spec->missing_field, spec->missing_message);
        free(run);
        return;
    }
    /* A check that refuses without saying why refuses as the state's. */
    cd_fail_t why = {.code = CD_CODE_FAILED_PRECONDITION};
    if (spec->roles && s_check_actor(run, r, res->results[1], &why) != 0) {
        cd_op_fail(run->op, why.code, why.field, why.message[0] ? why.message : NULL);
        free(run);
        return;
    }
    if (spec->check(r, run->op, &why, run->arg) != 0) {
        cd_op_fail(run->op, why.code, why.field, why.message[0] ? why.message : NULL);
        free(run);
        return;
    }
    cd_tx_t *tx = cd_tx_new();
    if (tx && spec->roles)
        cd_tx_actor(tx, run->op->actor);
    if (!tx || spec->write(tx, r, run->op, run->arg) != 0) {
        /* Not submitted half-built: the change without its event (or the
         * reverse) must never commit. */
        cd_tx_destroy(&tx);
        cd_op_fail(run->op, CD_CODE_UNAVAILABLE, "", S_UNAVAILABLE);
        free(run);
        return;
    }
    if (spec->roles)
        cd_tx_actor_end(tx);
    cd_db_submit(run->db, tx, s_on_written, run);
}

void cd_guarded_run(const cd_guarded_spec_t *spec, cd_db_t *db, cd_request_t *req,
                    const ProtobufCMessage *msg, const char *const *params, void *arg)
{
    assert(spec && spec->validate && spec->read_sql && spec->check && spec->write);
    assert(spec->missing_field && spec->missing_message && spec->lost_field);
    assert(db && req && msg);
    cd_fail_t why = {.code = CD_CODE_INVALID_ARGUMENT};
    if (spec->validate(msg, &why) != 0) {
        cd_request_fail(req, why.code, why.field, why.message[0] ? why.message : NULL);
        return;
    }
    s_run_t *run = calloc(1, sizeof *run);
    if (!run) {
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    run->op = cd_op_new(req, msg);
    if (!run->op) { /* answered INTERNAL */
        free(run);
        return;
    }
    run->spec = spec;
    run->db = db;
    run->arg = arg;
    if (!spec->roles) {
        cd_db_query(db, spec->read_sql, spec->nparams, params, s_on_read, run);
        return;
    }
    /* The record and the person acting, read together. */
    cd_tx_t *tx = cd_tx_new();
    char who_sql[512];
    cd_actor_sql(spec->schema, who_sql, sizeof who_sql);
    const char *acting[1] = {cd_request_acting(req)};
    if (tx) {
        cd_tx_add(tx, spec->read_sql, spec->nparams, params);
        cd_tx_add(tx, who_sql, 1, acting);
    }
    if (!tx) {
        cd_op_fail(run->op, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        free(run);
        return;
    }
    cd_db_submit(db, tx, s_on_read, run);
}
