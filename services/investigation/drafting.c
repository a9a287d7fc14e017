/* drafting.c - the draft response's versions (F1, F3): DraftResponse
 * assembles a new version from the case as it stands (draft.h), EditDraft
 * saves a new version as staff wrote it, based on the latest. A version is
 * never changed; each is stored with the SHA-256 of its text, which is what
 * sign-off signs, and the reply is the version made (Reply.draft).
 *
 * The steps of a guarded operation (guarded_op.h), taken here rather than by
 * cd_guarded_run because that answers Done and these answer the version:
 * the case and the person acting are read together; the person must be an
 * investigator or complaints manager of the case's body, and an investigator
 * the one assigned (V1); the case must be open and have its investigator;
 * then the operation's own rules. The write names the version it makes, so
 * the table's primary key loses a race (two versions made from the same
 * latest): the second is refused, never stored under another number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/digest.h"
#include "candour/directory.h"
#include "candour/errcode.h"
#include "candour/error.h"
#include "candour/log.h"
#include "candour/util.h"
#include "case_rows.h"
#include "draft_rows.h"
#include "investigation.h"

#define S_EDIT_MAX 100000 /* bytes of an edited version */
#define S_REF_MAX 64      /* bytes of a complaint's reference */

/* Which of the two requests a run is. */
typedef struct {
    const char *ref_field;   /* the complaint_ref's path, where the case's refusals go */
    const char *const *read; /* the statements that read the case ($1 its reference) */
    int nread;               /* how many: the person acting is read after them */
    int assembled;           /* the version is assembled from the case (else edited) */
} s_kind_t;

static const s_kind_t s_draft = {
    .ref_field = "draft_response.complaint_ref",
    .read = iv_draft_read_sql,
    .nread = IV_DRAFT_READ_COUNT,
    .assembled = 1,
};
static const s_kind_t s_edit = {
    .ref_field = "edit_draft.complaint_ref",
    .read = iv_draft_read_sql, /* the case's row alone */
    .nread = 1,
};

/* One request, from the read to the reply. */
typedef struct {
    const s_kind_t *kind;               /* which request */
    cd_op_t *op;                        /* the request and its copied message; answered once */
    iv_app_t *app;                      /* the daemon */
    char ref[S_REF_MAX + 1];            /* the complaint's reference */
    int version;                        /* the version being made */
    char *text;                         /* its text: malloc'd when assembled, else op->msg's */
    char sha256[CD_SHA256_HEX_LEN + 1]; /* of text */
    char findings_at[48];               /* the findings it was assembled from (a timestamptz) */
} s_run_t;

static void s_free(s_run_t *run)
{
    if (run->kind->assembled)
        free(run->text);
    free(run);
}

static void s_fail(s_run_t *run, const cd_fail_t *why)
{
    cd_op_fail(run->op, why->code, why->field, why->message[0] ? why->message : NULL);
    s_free(run);
}

/* ---------------------------------------------------------------- the reply */

static void s_on_written(const cd_tx_result_t *res, void *arg)
{
    s_run_t *run = arg;
    cd_fail_t why = {.code = CD_CODE_UNAVAILABLE};
    if (res->err == CD_EDB && strcmp(res->sqlstate, "23505") == 0) {
        /* Another version took the number first. */
        if (run->kind->assembled)
            cd_fail(&why, CD_CODE_FAILED_PRECONDITION, run->kind->ref_field,
                    "another version of the draft was saved at the same moment: read the case"
                    " and try again");
        else
            cd_fail(&why, CD_CODE_FAILED_PRECONDITION, "edit_draft.based_on",
                    "version %d is no longer the latest: another version was saved meanwhile;"
                    " read the latest and edit that",
                    run->version - 1);
        s_fail(run, &why);
        return;
    }
    if (res->err == CD_EDB && strcmp(res->sqlstate, "P0002") == 0) {
        cd_fail(&why, CD_CODE_FAILED_PRECONDITION, run->kind->ref_field, "%s",
                run->kind->assembled
                    ? "the case changed while the draft was assembled: it is no longer open, or"
                      " its findings were recorded again; read it and try again"
                    : "the case is no longer open: it has an outcome, or the complaint was"
                      " withdrawn");
        s_fail(run, &why);
        return;
    }
    if (res->err) {
        cd_fail(&why, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        s_fail(run, &why);
        return;
    }
    /* The INSERT's RETURNING, the last statement but the actor's end. */
    const PGresult *ins = res->results[res->nresults - 2];
    Candour__V1__DraftVersion dv = CANDOUR__V1__DRAFT_VERSION__INIT;
    dv.version = run->version;
    dv.sha256 = run->sha256;
    dv.text = run->text;
    dv.made_by = run->op->actor;
    dv.made_at = PQgetvalue(ins, 0, 0);
    dv.assembled = run->kind->assembled;
    cd_log_info(run->kind->assembled ? "draft.assembled" : "draft.edited", "{s:s, s:i, s:s, s:s}",
                "reference", run->ref, "version", run->version, "sha256", run->sha256, "acting",
                run->op->actor_id);
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_DRAFT;
    reply.draft = &dv;
    cd_op_reply(run->op, &reply);
    s_free(run);
}

/* The version made, stored only while the case is still open with its
 * investigator (and, assembled, with the findings it was assembled from). */
static void s_write(s_run_t *run)
{
    cd_tx_t *tx = cd_tx_new();
    char version[16];
    snprintf(version, sizeof version, "%d", run->version);
    cd_tx_actor(tx, run->op->actor);
    if (run->kind->assembled) {
        const char *g[2] = {run->ref, run->findings_at};
        cd_tx_add(tx,
                  "SELECT investigation.expect(count(*) = 1, 'the case changed')"
                  " FROM investigation.case WHERE reference = $1 AND state = 'open'"
                  " AND investigator IS NOT NULL AND findings_at = $2::timestamptz",
                  2, g);
    } else {
        const char *g[1] = {run->ref};
        cd_tx_add(tx,
                  "SELECT investigation.expect(count(*) = 1, 'the case is not open')"
                  " FROM investigation.case WHERE reference = $1 AND state = 'open'"
                  " AND investigator IS NOT NULL",
                  1, g);
    }
    const char *v[6] = {
        run->ref,      version, run->text, run->sha256, run->kind->assembled ? "t" : "f",
        run->op->actor};
    cd_tx_add(tx,
              "INSERT INTO investigation.draft (reference, version, text, sha256, assembled,"
              " made_by) VALUES ($1, $2::int, $3, $4, $5::boolean, $6)"
              " RETURNING to_char(made_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
              6, v);
    cd_tx_actor_end(tx);
    cd_db_submit(cd_service_db(run->app->svc), tx, s_on_written, run);
}

/* ---------------------------------------------------------------- the checks */

/* DraftResponse: the findings recorded, on every key issue; the draft
 * assembled from them. */
static int s_assemble(s_run_t *run, PGresult *const *res, cd_fail_t *why)
{
    const PGresult *k = res[IV_DRAFT_READ_CASE];
    if (!PQgetvalue(k, 0, IV_CASE_FINDINGS_AT)[0] || PQntuples(res[IV_DRAFT_READ_ISSUES]) == 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, run->kind->ref_field,
                       "record the findings first (RecordFindings): the draft sets them out");
    iv_draft_case_t c;
    if (iv_draft_case_read(&c, res) != 0) {
        iv_draft_case_clear(&c);
        return cd_fail(why, CD_CODE_UNAVAILABLE, "",
                       "could not be done just now; nothing was changed");
    }
    int rc = 0;
    if (c.missing)
        rc = cd_fail(why, CD_CODE_FAILED_PRECONDITION, run->kind->ref_field,
                     "record the findings first (RecordFindings): key issue %zu (%s) has none",
                     c.first_missing + 1, c.issue_ids[c.first_missing]);
    else if (!(run->text = iv_draft_render(&c.in)))
        rc = cd_fail(why, CD_CODE_UNAVAILABLE, "",
                     "could not be done just now; nothing was changed");
    iv_draft_case_clear(&c);
    if (rc != 0)
        return -1;
    cd_sha256_hex(run->text, strlen(run->text), run->sha256);
    snprintf(run->findings_at, sizeof run->findings_at, "%s",
             PQgetvalue(k, 0, IV_CASE_FINDINGS_AT));
    return 0;
}

/* EditDraft: based on the latest version. */
static int s_edited(s_run_t *run, const PGresult *k, cd_fail_t *why)
{
    const Candour__V1__EditDraft *e = (const Candour__V1__EditDraft *)run->op->msg;
    int latest = atoi(PQgetvalue(k, 0, IV_CASE_LATEST));
    if (latest == 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "edit_draft.based_on",
                       "there is no draft to edit yet: assemble one first (DraftResponse)");
    if (e->based_on != latest)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "edit_draft.based_on",
                       "version %d is not the latest (%d): read the latest and edit that",
                       e->based_on, latest);
    run->text = e->text;
    cd_sha256_hex(run->text, strlen(run->text), run->sha256);
    return 0;
}

static void s_on_read(const cd_tx_result_t *res, void *arg)
{
    s_run_t *run = arg;
    cd_fail_t why = {.code = CD_CODE_FAILED_PRECONDITION};
    if (res->err) {
        cd_fail(&why, CD_CODE_UNAVAILABLE, "", "could not be read just now; nothing was changed");
        s_fail(run, &why);
        return;
    }
    const PGresult *k = res->results[IV_DRAFT_READ_CASE];
    const PGresult *who = res->results[run->kind->nread];
    if (PQntuples(k) != 1) {
        /* Said only to one who may work on cases: no one else learns which
         * references exist. */
        if (iv_staff_check(run->op, who, NULL, IV_CASE_WORKERS, NULL, &why) == 0)
            cd_fail(&why, CD_CODE_NOT_FOUND, run->kind->ref_field,
                    "no investigation case is open for that reference");
        s_fail(run, &why);
        return;
    }
    const char *assigned = PQgetvalue(k, 0, IV_CASE_INVESTIGATOR);
    int rc = iv_staff_check(run->op, who, PQgetvalue(k, 0, IV_CASE_ORG), IV_CASE_WORKERS, assigned,
                            &why);
    if (rc == 0)
        rc =
            iv_case_workable(PQgetvalue(k, 0, IV_CASE_STATE), assigned, run->kind->ref_field, &why);
    if (rc == 0) {
        run->version = atoi(PQgetvalue(k, 0, IV_CASE_LATEST)) + 1;
        rc = run->kind->assembled ? s_assemble(run, res->results, &why) : s_edited(run, k, &why);
    }
    if (rc != 0) {
        s_fail(run, &why);
        return;
    }
    s_write(run);
}

/* Read the case (kind's statements) with the person acting; s_on_read goes on. */
static void s_run(const s_kind_t *kind, cd_request_t *req, const ProtobufCMessage *msg,
                  const char *ref, iv_app_t *app)
{
    s_run_t *run = calloc(1, sizeof *run);
    if (!run) {
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    run->kind = kind;
    run->app = app;
    snprintf(run->ref, sizeof run->ref, "%s", ref);
    run->op = cd_op_new(req, msg);
    if (!run->op) { /* answered INTERNAL */
        free(run);
        return;
    }
    cd_tx_t *tx = cd_tx_new();
    const char *v[1] = {run->ref};
    for (int i = 0; i < kind->nread; i++)
        cd_tx_add(tx, kind->read[i], 1, v);
    char who_sql[512];
    cd_actor_sql("investigation", who_sql, sizeof who_sql);
    const char *acting[1] = {cd_request_acting(req)};
    cd_tx_add(tx, who_sql, 1, acting);
    cd_db_submit(cd_service_db(app->svc), tx, s_on_read, run);
}

/* ---------------------------------------------------------------- requests */

/* A reference the case table could hold, one line: checked before the read. */
static int s_ref_ok(const char *ref, const char *field, cd_fail_t *why)
{
    size_t n = strlen(ref);
    if (n == 0)
        return cd_fail(why, CD_CODE_REQUIRED, field, "give the complaint's reference");
    if (n > S_REF_MAX || !cd_text_ok(ref, n, 0))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, field, "that is not a complaint reference");
    return 0;
}

void iv_draft_response(cd_request_t *req, const Candour__V1__DraftResponse *d, iv_app_t *app)
{
    cd_fail_t why = {.code = CD_CODE_INVALID_ARGUMENT};
    if (s_ref_ok(d->complaint_ref, s_draft.ref_field, &why) != 0) {
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    s_run(&s_draft, req, &d->base, d->complaint_ref, app);
}

void iv_edit_draft(cd_request_t *req, const Candour__V1__EditDraft *e, iv_app_t *app)
{
    cd_fail_t why = {.code = CD_CODE_INVALID_ARGUMENT};
    size_t n = strlen(e->text);
    int rc = s_ref_ok(e->complaint_ref, s_edit.ref_field, &why);
    if (rc == 0 && e->based_on < 1)
        rc = cd_fail(&why, CD_CODE_REQUIRED, "edit_draft.based_on",
                     "name the version edited (the latest)");
    if (rc == 0 && n == 0)
        rc = cd_fail(&why, CD_CODE_REQUIRED, "edit_draft.text", "the draft's text is required");
    if (rc == 0 && n > S_EDIT_MAX)
        rc = cd_fail(&why, CD_CODE_TOO_LONG, "edit_draft.text",
                     "the draft is too long: at most 100,000 bytes are allowed");
    if (rc == 0 && !cd_text_ok(e->text, n, 1))
        rc = cd_fail(&why, CD_CODE_INVALID_TEXT, "edit_draft.text",
                     "the draft must be UTF-8 text without control characters (line breaks and"
                     " tabs are allowed)");
    if (rc != 0) {
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    s_run(&s_edit, req, &e->base, e->complaint_ref, app);
}
