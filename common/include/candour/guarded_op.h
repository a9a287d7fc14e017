/* guarded_op.h - a staff request that moves one record on: check the request,
 * read the record, judge it, change it only if it is still as read, put the
 * event, reply after the commit.
 *
 * The shape of investigation's RecordOutcome and sign-off's SignResponse, and
 * of any request like them. A service describes its request once, as a
 * static cd_guarded_spec_t, and hands each request to cd_guarded_run:
 *
 *   validate(msg)     the request alone (pure): refused -> its error, nothing read
 *   read_sql          one statement: the record, 0 or 1 row (0: NOT_FOUND)
 *   check(row)        the record's rules (pure at heart): refused -> its error
 *   write(tx, row)    one transaction: the guarded UPDATE, which names the
 *                     state it read and ends in <schema>.expect(), and the
 *                     event(s) in the outbox, so both commit or neither does
 *   committed()       after the commit, before the reply (log, kick the outbox)
 *
 * The reply: Done when the write committed; FAILED_PRECONDITION on
 * lost_field with lost_message when the guard failed (the record changed
 * between the read and the write: another request or an event won the
 * race); UNAVAILABLE, nothing changed, when the database failed.
 *
 * Hazard: check judges the row as read, and only the guard in the UPDATE
 * holds at commit. Whatever check decides must either be in the guard too or
 * never turn from allowed to refused (a partner's part once in stays in).
 *
 * One request at a time per cd_guarded_run call; it frees what it allocates
 * and answers the request in every case, exactly once. */
#ifndef CANDOUR_GUARDED_OP_H
#define CANDOUR_GUARDED_OP_H

#include <protobuf-c/protobuf-c.h>

#include "candour/db.h"
#include "candour/directory.h"
#include "candour/errcode.h"
#include "candour/inbox.h"

/* org_col for an operation whose rule for the person's body is its own
 * (check_actor), e.g. a chain of signatures across bodies (F2). */
#define CD_GUARDED_ANY_ORG (-1)

/* One kind of request. Lives as long as any run of it (a static const).
 * validate and check refuse with a cd_fail_t (errcode.h), which the request
 * is answered with as it stands: fill it with cd_fail(). */
typedef struct {
    /* The request alone: 0 to go on, -1 with *why filled. */
    int (*validate)(const ProtobufCMessage *msg, cd_fail_t *why);
    const char *read_sql; /* the record: parameters $1..$nparams, 0 or 1 row */
    int nparams;
    const char *missing_field; /* NOT_FOUND when the read finds no row */
    const char *missing_message;
    /* The record as read (row 0 of r; exactly one row): 0 to go on, -1 with
     * *why filled. May leave in op->note what write and committed need. */
    int (*check)(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg);
    /* Add the guarded UPDATE and the event(s) to tx (r: as for check; the
     * request is op->msg). 0, or a CD_E* code: then tx is dropped, nothing is
     * written and the request is answered UNAVAILABLE. */
    int (*write)(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg);
    /* After the commit, before the reply. May be NULL. */
    void (*committed)(cd_op_t *op, void *arg);
    const char *lost_field; /* the guard failed: the record changed after the read */
    const char *lost_message;
    /* A staff operation: the person acting (Request.acting) must be in
     * schema's copy of the directory, enabled, of the body named in column
     * org_col of the record, and hold one of roles (CD_ROLE_*, directory.h);
     * else PERMISSION_DENIED on "acting", before check. op->actor names them
     * for write, and the write's statements are theirs in the audit trail.
     * roles 0: not a staff operation (no person is read). */
    unsigned roles;
    const char *schema;
    int org_col; /* CD_GUARDED_ANY_ORG: any body's people; check_actor decides */
    /* The body's own people, or also those it authorised to sign for it
     * (the person's signs_for, F2). */
    int signs_for;
    /* The person as read, for rules beyond the role (e.g. what a signatory
     * may sign for): after the role check, before check. May be NULL. */
    int (*check_actor)(const PGresult *r, const cd_actor_t *actor, cd_op_t *op, cd_fail_t *why,
                       void *arg);
} cd_guarded_spec_t;

/* Run one request of kind spec on db: validate msg, then read with params
 * (copied; they may point into msg), check, write, reply. msg is copied
 * (cd_op_new) before the first wait, so the caller's Request may go when this
 * returns. arg is passed to check, write and committed. Answers req in every
 * case (INTERNAL when out of memory before the read). */
void cd_guarded_run(const cd_guarded_spec_t *spec, cd_db_t *db, cd_request_t *req,
                    const ProtobufCMessage *msg, const char *const *params, void *arg);

#endif
