/* evidence.c - AddEvidence (V4): one item of evidence recorded factually on
 * an open case by its investigator or a complaints manager, with a file
 * attached if there is one. The file's media type is decided from its
 * bytes (attachment.h), never taken from the sender, and its SHA-256 and
 * size are kept with it, so that whoever reads the case file can check the
 * bytes are the ones recorded.
 *
 * Not a cd_guarded_run: the reply is the Evidence as recorded (its number,
 * the file's digest), which only the write knows. The steps are the same:
 * check the request, read the case and the person acting together, judge,
 * write guarded, reply after the commit. The item's number is the case's
 * next, taken inside the INSERT; the case must still be open with the same
 * investigator, and a concurrent add from another connection that took the
 * same number loses on the primary key with the guard's message. */
#include <stdio.h>
#include <stdlib.h>

#include "candour/config.h"
#include "candour/digest.h"
#include "candour/error.h"
#include "candour/log.h"
#include "case_rows.h"
#include "casework.h"
#include "investigation.h"

#define S_FIELD "add_evidence.evidence"
#define S_REF "add_evidence.complaint_ref"
#define S_LOST                                                                                     \
    "the case changed meanwhile: it is no longer open, another investigator was assigned, or"      \
    " the evidence was added at the same moment from elsewhere; nothing was changed"

/* A request is at most 1 MiB: a larger limit could never be reached. */
#define S_MAX_DEFAULT 786432
#define S_MAX_CEILING 1048576

/* CANDOUR_MAX_ATTACHMENT_BYTES, read at first use. A bad value is logged
 * and the default kept: the daemon is running by then, and the default is
 * the safe side of any value ops could mean. */
static size_t s_max_bytes(void)
{
    static size_t max;
    if (max)
        return max;
    long v = S_MAX_DEFAULT;
    cd_config_item_t item = {
        .name = "CANDOUR_MAX_ATTACHMENT_BYTES",
        .type = CD_CONFIG_INT,
        .def = "786432",
        .min = 1,
        .max = S_MAX_CEILING,
        .help = "the largest file attached to an item of evidence, in bytes",
        .target = &v,
    };
    char err[256];
    if (cd_config_load(&item, 1, err, sizeof err) != 0) {
        cd_log_error("config.invalid", "{s:s, s:i}", "message", err, "using", S_MAX_DEFAULT);
        v = S_MAX_DEFAULT;
    }
    max = (size_t)v;
    return max;
}

/* One AddEvidence from its read to its reply. */
typedef struct {
    cd_op_t *op;            /* the request and its copied message (owned until answered) */
    iv_app_t *app;          /* the daemon (not owned) */
    const char *media_type; /* the attachment's, decided from its bytes (static); NULL: none */
    char sha256[CD_SHA256_HEX_LEN + 1]; /* the attachment's; "" when none */
} s_add_t;

static void s_fail(s_add_t *run, const cd_fail_t *why)
{
    cd_op_fail(run->op, why->code, why->field, why->message[0] ? why->message : NULL);
    free(run);
}

/* The request alone (no database): 0 with the attachment's media type
 * decided, or -1 with why filled. */
static int s_validate(const Candour__V1__AddEvidence *a, const char **media_type, cd_fail_t *why)
{
    *media_type = NULL;
    if (!a->complaint_ref[0])
        return cd_fail(why, CD_CODE_REQUIRED, S_REF, "give the complaint's reference");
    const Candour__V1__Evidence *e = a->evidence;
    if (!e)
        return cd_fail(why, CD_CODE_REQUIRED, S_FIELD, "give the evidence to record");
    iv_evidence_t ev = {.kind = e->kind,
                        .source = e->source,
                        .date = e->date,
                        .summary = e->summary,
                        .flag = e->flag,
                        .flag_note = e->flag_note};
    if (iv_evidence_check(&ev, iv_today(), S_FIELD, why) != 0)
        return -1;
    const Candour__V1__Attachment *at = e->attachment;
    if (!at)
        return 0;
    return iv_attachment_check(at->content.data, at->content.len, at->media_type, at->filename,
                               s_max_bytes(), S_FIELD ".attachment", why, media_type);
}

static void s_on_written(const cd_tx_result_t *res, void *arg)
{
    s_add_t *run = arg;
    cd_op_t *op = run->op;
    if (res->err) {
        cd_op_committed(op, res, S_REF, S_LOST);
        free(run);
        return;
    }
    const Candour__V1__AddEvidence *a = (const Candour__V1__AddEvidence *)op->msg;
    const Candour__V1__Evidence *e = a->evidence;
    /* results[0] names the person acting (cd_tx_actor); then the file's
     * bytes when there is one; then the INSERT's. */
    const PGresult *ins = res->results[run->media_type ? 2 : 1];
    if (!ins || PQntuples(ins) != 1 || PQnfields(ins) < 2) { /* committed, but not as expected */
        cd_log_error("case.evidence_reply", "{s:s}", "reference", a->complaint_ref);
        cd_op_fail(op, CD_CODE_INTERNAL, "",
                   "recorded, but the reply could not be made: read the case");
        free(run);
        return;
    }
    int number = atoi(PQgetvalue(ins, 0, 1));
    Candour__V1__Evidence ev = CANDOUR__V1__EVIDENCE__INIT;
    ev.number = number;
    ev.kind = e->kind;
    ev.source = e->source;
    ev.date = e->date;
    ev.summary = e->summary;
    ev.flag = e->flag;
    ev.flag_note = e->flag_note;
    ev.recorded_by = op->actor;
    Candour__V1__Attachment att = CANDOUR__V1__ATTACHMENT__INIT;
    if (run->media_type) {
        att.filename = e->attachment->filename;
        att.media_type = (char *)run->media_type;
        att.sha256 = run->sha256;
        att.size = e->attachment->content.len;
        ev.attachment = &att; /* its content is not sent back */
    }
    cd_log_info("case.evidence_added", "{s:s, s:i, s:b, s:s}", "reference", a->complaint_ref,
                "number", number, "attachment", run->media_type != NULL, "acting", op->actor_id);
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_EVIDENCE;
    reply.evidence = &ev;
    cd_op_reply(op, &reply);
    free(run);
}

enum { COL_STATE, COL_ORG, COL_INVESTIGATOR };

static const char s_read_sql[] =
    "SELECT state, org_id, coalesce(investigator, '') FROM investigation.case"
    " WHERE reference = $1";

static const char s_insert_sql[] =
    "WITH c AS (SELECT 1 FROM investigation.case WHERE reference = $1 AND state = 'open'"
    "  AND investigator = $2),"
    " i AS (INSERT INTO investigation.evidence (reference, number, kind, source, evidence_date,"
    "  summary, flag, flag_note, filename, media_type, sha256, size, recorded_by)"
    "  SELECT $1, coalesce((SELECT max(number) FROM investigation.evidence"
    "   WHERE reference = $1), 0) + 1, $3::text, $4::text, $5::date, $6::text, $7::text,"
    "   $8::text, $9::text, $10::text, $11::text, $12::bigint, $13::text FROM c"
    "  ON CONFLICT DO NOTHING RETURNING number)"
    " SELECT investigation.expect(count(*) = 1, 'the case changed meanwhile'), max(number)"
    " FROM i";

/* The file's bytes, by their hash: kept once, outside the audit trail (the
 * evidence row names them by hash, and the table holds each to its hash). */
static const char s_attachment_sql[] =
    "INSERT INTO investigation.attachment (sha256, content, size)"
    " VALUES ($1, $2::bytea, $3::bigint) ON CONFLICT (sha256) DO NOTHING";

static void s_on_read(const cd_tx_result_t *res, void *arg)
{
    s_add_t *run = arg;
    cd_op_t *op = run->op;
    cd_fail_t why = {0};
    if (res->err) {
        cd_fail(&why, CD_CODE_UNAVAILABLE, "", "could not be read just now; nothing was changed");
        s_fail(run, &why);
        return;
    }
    const PGresult *r = res->results[0];
    if (PQntuples(r) != 1) {
        cd_fail(&why, CD_CODE_NOT_FOUND, S_REF, "no investigation case is open for that reference");
        s_fail(run, &why);
        return;
    }
    const char *investigator = PQgetvalue(r, 0, COL_INVESTIGATOR);
    if (iv_staff_check(op, res->results[1], PQgetvalue(r, 0, COL_ORG), IV_CASE_WORKERS,
                       investigator, &why) != 0 ||
        iv_case_workable(PQgetvalue(r, 0, COL_STATE), investigator, S_REF, &why) != 0) {
        s_fail(run, &why);
        return;
    }
    const Candour__V1__AddEvidence *a = (const Candour__V1__AddEvidence *)op->msg;
    const Candour__V1__Evidence *e = a->evidence;
    const Candour__V1__Attachment *at = run->media_type ? e->attachment : NULL;
    char size[24];
    snprintf(size, sizeof size, "%zu", at ? at->content.len : 0);
    const char *v[13] = {a->complaint_ref,
                         investigator,
                         e->kind,
                         e->source,
                         e->date,
                         e->summary,
                         e->flag,
                         e->flag_note,
                         at ? at->filename : NULL,
                         run->media_type,
                         at ? run->sha256 : NULL,
                         at ? size : NULL,
                         op->actor};
    cd_tx_t *tx = cd_tx_new();
    cd_tx_actor(tx, op->actor);
    if (at) {
        const char *f[3] = {run->sha256, (const char *)at->content.data, size};
        int lengths[3] = {0, (int)at->content.len, 0};
        int formats[3] = {0, 1, 0}; /* the file's bytes as they are, not as text */
        cd_tx_addv(tx, s_attachment_sql, 3, f, lengths, formats);
    }
    cd_tx_add(tx, s_insert_sql, 13, v);
    cd_tx_actor_end(tx);
    cd_db_submit(cd_service_db(run->app->svc), tx, s_on_written, run);
}

void iv_add_evidence(cd_request_t *req, const Candour__V1__AddEvidence *a, iv_app_t *app)
{
    cd_fail_t why = {0};
    const char *media_type;
    if (s_validate(a, &media_type, &why) != 0) {
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    s_add_t *run = calloc(1, sizeof *run);
    if (!run) {
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    run->app = app;
    run->media_type = media_type;
    if (media_type)
        cd_sha256_hex(a->evidence->attachment->content.data, a->evidence->attachment->content.len,
                      run->sha256);
    run->op = cd_op_new(req, &a->base);
    if (!run->op) { /* answered INTERNAL */
        free(run);
        return;
    }
    const char *v[1] = {a->complaint_ref};
    cd_db_submit(cd_service_db(app->svc),
                 iv_staff_read_tx(s_read_sql, 1, v, cd_request_acting(req)), s_on_read, run);
}
