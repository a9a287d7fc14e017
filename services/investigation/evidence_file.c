/* evidence_file.c - GetAttachment: the bytes of the file attached to one
 * item of a case's evidence, for the staff API (GetCase gives each item's
 * file by name, type, SHA-256 and size only).
 *
 * Who may read it is who may read the case (IV_CASE_READERS) of the body
 * that handles it, with one difference from GetCase: a person of another
 * body is told NOT_FOUND, exactly as for a reference that does not exist,
 * so the staff API does not say which references another body holds
 * (cd_actor_may_read, pure). A person who may read no case at all is refused
 * PERMISSION_DENIED whatever the reference.
 *
 * The case, the item and its bytes are read in one statement with the
 * person acting; the bytes are the ones whose SHA-256 the item names (the
 * table's CHECK holds them to it). Every read is logged as
 * attachment.read with the reference, the item's number and the reader's
 * staff id (no names, no file name). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "case_rows.h"
#include "investigation.h"

#define S_REF "get_attachment.complaint_ref"
#define S_NUMBER "get_attachment.evidence_number"

enum { COL_ORG, COL_ITEM, COL_FILENAME, COL_MEDIA, COL_SHA, COL_SIZE, COL_CONTENT };

/* One row when the case exists; the item's columns NULL when it has no such
 * item, the file's when the item has no file. */
static const char s_read_sql[] =
    "SELECT c.org_id, (e.number IS NOT NULL)::text, e.filename, e.media_type, e.sha256,"
    " e.size, a.content FROM investigation.case c"
    " LEFT JOIN investigation.evidence e ON e.reference = c.reference AND e.number = $2::int"
    " LEFT JOIN investigation.attachment a ON a.sha256 = e.sha256"
    " WHERE c.reference = $1";

/* The person acting (results[1]) against the case's body (NULL: no case):
 * 0, or -1 answered. */
static int s_check(cd_op_t *op, const PGresult *who, const char *org)
{
    cd_actor_t a;
    int found = PQntuples(who) == 1;
    if (found && cd_actor_from_row(who, 0, 0, &a) != 0) {
        cd_actor_clear(&a);
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", "could not be read just now; ask again");
        return -1;
    }
    cd_fail_t why = {0};
    int rc = cd_actor_may_read(found ? &a : NULL, cd_request_acting(op->req), org, IV_CASE_READERS,
                             S_REF, &why);
    if (found)
        cd_actor_clear(&a);
    if (rc != 0)
        cd_op_fail(op, why.code, why.field, why.message);
    return rc;
}

static void s_on_read(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (res->err) {
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", "could not be read just now; ask again");
        return;
    }
    const PGresult *r = res->results[0];
    int found = PQntuples(r) == 1;
    if (s_check(op, res->results[1], found ? PQgetvalue(r, 0, COL_ORG) : NULL) != 0)
        return;
    const Candour__V1__GetAttachment *g = (const Candour__V1__GetAttachment *)op->msg;
    if (PQgetvalue(r, 0, COL_ITEM)[0] != 't') {
        cd_op_fail(op, CD_CODE_NOT_FOUND, S_NUMBER, "the case has no item of evidence so numbered");
        return;
    }
    if (PQgetisnull(r, 0, COL_SHA) || PQgetisnull(r, 0, COL_CONTENT)) {
        cd_op_fail(op, CD_CODE_NOT_FOUND, S_NUMBER, "that item of evidence has no file attached");
        return;
    }
    size_t len = 0;
    unsigned char *bytes = cd_db_unescape_bytea(PQgetvalue(r, 0, COL_CONTENT), &len);
    if (!bytes) {
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", "could not be read just now; ask again");
        return;
    }
    Candour__V1__Attachment at = CANDOUR__V1__ATTACHMENT__INIT;
    at.filename = PQgetvalue(r, 0, COL_FILENAME);
    at.media_type = PQgetvalue(r, 0, COL_MEDIA);
    at.sha256 = PQgetvalue(r, 0, COL_SHA);
    at.size = (uint64_t)strtoull(PQgetvalue(r, 0, COL_SIZE), NULL, 10);
    at.content.data = bytes;
    at.content.len = len;
    if (at.size != len) { /* the table's CHECK holds them together: not this build's bytes */
        cd_log_error("attachment.unreadable", "{s:s, s:i}", "reference", g->complaint_ref,
                     "evidence_number", (int)g->evidence_number);
        free(bytes);
        cd_op_fail(op, CD_CODE_INTERNAL, "", "the file could not be read");
        return;
    }
    cd_log_info("attachment.read", "{s:s, s:i, s:s}", "reference", g->complaint_ref,
                "evidence_number", (int)g->evidence_number, "staff_id", cd_request_acting(op->req));
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_ATTACHMENT;
    reply.attachment = &at;
    cd_op_reply(op, &reply);
    free(bytes);
}

void iv_get_attachment(cd_request_t *req, const Candour__V1__GetAttachment *g, iv_app_t *app)
{
    cd_fail_t why;
    if (!cd_request_acting(req)[0]) {
        cd_actor_may(NULL, "", "", 0, "acting", &why);
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    if (!g->complaint_ref[0] || strlen(g->complaint_ref) > 64) {
        cd_request_fail(req, CD_CODE_INVALID_ARGUMENT, S_REF,
                        "give the complaint's reference, e.g. CDR-7K4M-9QXT");
        return;
    }
    if (g->evidence_number < 1) {
        cd_request_fail(req, CD_CODE_INVALID_ARGUMENT, S_NUMBER,
                        "give the item's number as GetCase lists it (1 up)");
        return;
    }
    cd_op_t *op = cd_op_new(req, &g->base);
    if (!op) /* answered INTERNAL */
        return;
    char number[16];
    snprintf(number, sizeof number, "%d", (int)g->evidence_number);
    const char *v[2] = {g->complaint_ref, number};
    cd_db_submit(cd_service_db(app->svc),
                 iv_staff_read_tx(s_read_sql, 2, v, cd_request_acting(req)), s_on_read, op);
}
