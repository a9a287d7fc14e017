/* record.c - GetComplaint: the complaint as received or entered, with the
 * complainant, the patient, their access needs and consents, for the staff
 * of the body it was made to (intake's internal endpoint: the staff API).
 * The person is read from intake's copy of the directory, as for staff
 * entry; every read is logged with who made it (the reference and the
 * staff id only: no personal data in the log). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "intake.h"

#define S_READERS                                                                                  \
    (CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_INVESTIGATOR | CD_ROLE_SIGNATORY |                       \
     CD_ROLE_RESPONSIBLE_PERSON)

enum { S_ACTOR, S_ROW };
enum { C_REF, C_ORG, C_AT, C_STATE, C_BY, C_BODY };

static void s_not_found(cd_request_t *req)
{
    cd_request_fail(req, CD_CODE_NOT_FOUND, "get_complaint.complaint_ref",
                    "no complaint with that reference for your organisation");
}

static void s_on_read(const cd_tx_result_t *res, void *arg)
{
    cd_request_t *req = arg;
    if (res->err) {
        cd_request_fail(req, CD_CODE_UNAVAILABLE, "", "could not be read just now; ask again");
        return;
    }
    const PGresult *who = res->results[S_ACTOR], *row = res->results[S_ROW];
    if (PQntuples(row) != 1) {
        s_not_found(req);
        return;
    }
    cd_actor_t a;
    int found = PQntuples(who) == 1;
    if (found && cd_actor_from_row(who, 0, 0, &a) != 0) {
        cd_actor_clear(&a);
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory");
        return;
    }
    cd_fail_t why;
    const char *org = PQgetvalue(row, 0, C_ORG);
    /* Intake knows the body a complaint was made to, not the body that now
     * handles it (a coordination's lead, a provider it was passed to):
     * routing does, and the gateway has asked it before sending this (the
     * person's body leads the complaint). From the gateway, then, the person
     * need only be enabled, with a role, in their own body. */
    const char *scope = found && strcmp(cd_request_member(req), "gateway") == 0 ? a.org_id : org;
    int refused =
        cd_actor_may(found ? &a : NULL, cd_request_acting(req), scope, S_READERS, "acting", &why);
    int other = refused && found && !a.disabled && strcmp(a.org_id, scope) != 0;
    if (found)
        cd_actor_clear(&a);
    if (other) {
        s_not_found(req); /* another body's complaint reads as none at all */
        return;
    }
    if (refused) {
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    cd_fail_t perr;
    const char *body = PQgetvalue(row, 0, C_BODY);
    Candour__V1__Complaint *c = (Candour__V1__Complaint *)cd_pbjson_parse(
        &candour__v1__complaint__descriptor, body, strlen(body), &perr);
    if (!c) {
        cd_log_error("complaint.record_unreadable", "{s:s, s:s}", "reference",
                     PQgetvalue(row, 0, C_REF), "reason", perr.message);
        cd_request_fail(req, CD_CODE_INTERNAL, "", "the complaint's record could not be read");
        return;
    }
    Candour__V1__ComplaintRecord rec = CANDOUR__V1__COMPLAINT_RECORD__INIT;
    rec.complaint_ref = PQgetvalue(row, 0, C_REF);
    rec.org_id = PQgetvalue(row, 0, C_ORG);
    rec.received_at = PQgetvalue(row, 0, C_AT);
    rec.state = PQgetvalue(row, 0, C_STATE);
    rec.entered_by = PQgetvalue(row, 0, C_BY);
    rec.complaint = c;
    cd_log_info("complaint.read", "{s:s, s:s}", "reference", rec.complaint_ref, "staff_id",
                cd_request_acting(req));
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_COMPLAINT_RECORD;
    reply.complaint_record = &rec;
    cd_request_reply(req, &reply);
    protobuf_c_message_free_unpacked(&c->base, NULL);
}

void in_get_complaint(cd_request_t *req, const Candour__V1__Request *r)
{
    const char *ref = r->get_complaint->complaint_ref;
    cd_fail_t why;
    if (!cd_request_acting(req)[0]) {
        cd_actor_may(NULL, "", "", 0, "acting", &why);
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    if (!ref[0] || strlen(ref) > 64) {
        cd_request_fail(req, CD_CODE_INVALID_ARGUMENT, "get_complaint.complaint_ref",
                        "give the complaint's reference, e.g. CDR-7K4M-9QXT");
        return;
    }
    char sql[512];
    cd_actor_sql("intake", sql, sizeof sql);
    cd_tx_t *tx = cd_tx_new();
    if (!tx) {
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory");
        return;
    }
    const char *va[1] = {cd_request_acting(req)}, *vr[1] = {ref};
    cd_tx_add(tx, sql, 1, va);
    cd_tx_add(tx,
              "SELECT reference, org_id, " IN_TS(
                  "received_at") ", state,"
                                 " coalesce(entered_by, ''), body::text FROM intake.complaint "
                                 "WHERE reference = $1",
              1, vr);
    cd_db_submit(cd_service_db(in_app.svc), tx, s_on_read, req);
}
