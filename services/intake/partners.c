/* partners.c - what other bodies are told over the bus (N2), as each sees
 * it: the contribution requests and reminders addressed to it (R3, from
 * routing's contribution.requested), the complaints sent on to it (I5a, R2,
 * from complaint.referred), the final responses it was party to (R3, from
 * response.shared), all collected with get_messages; and its one
 * contribution to a request it received.
 *
 * Each message is a row of intake.partner_message: its kind, lead body and
 * due date as columns, the rest of the PartnerMessage as JSON in body. The
 * row is written with the inbox record of the event it came from; a referral
 * or a final response is kept once per body and complaint, so a resent or
 * repeated event adds nothing (0027_partner_referral.sql). */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/errcode.h"
#include "candour/error.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "intake.h"

/* -- what another body collects: contribution requests and reminders (R3),
 * complaints referred to it (I5a, R2), final responses it was party to (R3) */

static void s_on_messages(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    PGresult *r = in_checked(op, res, 8, "the messages could not be read just now");
    if (!r)
        return;
    Candour__V1__GetMessages *g = (Candour__V1__GetMessages *)op->msg;
    int n = in_page_rows(r);
    Candour__V1__PartnerMessage *m = calloc((size_t)n + 1, sizeof *m);
    Candour__V1__PartnerMessage **mp = calloc((size_t)n + 1, sizeof *mp);
    Candour__V1__PartnerMessage **bodies = calloc((size_t)n + 1, sizeof *bodies);
    Candour__V1__Messages out = CANDOUR__V1__MESSAGES__INIT;
    out.last_sequence = g->after_sequence;
    for (int i = 0; m && mp && bodies && i < n; i++) {
        candour__v1__partner_message__init(&m[i]);
        m[i].sequence = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        m[i].complaint_ref = PQgetvalue(r, i, 1);
        m[i].kind = PQgetvalue(r, i, 2);
        m[i].lead_org = PQgetvalue(r, i, 3);
        m[i].due = PQgetvalue(r, i, 4);
        m[i].at = PQgetvalue(r, i, 6);
        /* The rest of the message, as it was kept: the body's fields are
         * the PartnerMessage's own (the columns above stay the row's). */
        const Candour__V1__PartnerMessage *b = bodies[i] =
            (Candour__V1__PartnerMessage *)cd_pbjson_parse(
                &candour__v1__partner_message__descriptor, PQgetvalue(r, i, 5),
                (size_t)PQgetlength(r, i, 5), NULL);
        if (b) {
            m[i].description = b->description;
            m[i].n_services = b->n_services;
            m[i].services = b->services;
            m[i].from_org = b->from_org;
            m[i].outcome = b->outcome;
            m[i].reason = b->reason;
            m[i].desired_outcome = b->desired_outcome;
            m[i].event_date = b->event_date;
            m[i].complainant = b->complainant;
            m[i].response = b->response;
            m[i].signed_by = b->signed_by;
        }
        mp[i] = &m[i];
        out.last_sequence = m[i].sequence;
    }
    out.n_messages = m && mp && bodies ? (size_t)n : 0;
    out.messages = mp;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_MESSAGES;
    reply.messages = &out;
    cd_op_reply(op, &reply);
    for (int i = 0; bodies && i < n; i++)
        if (bodies[i])
            candour__v1__partner_message__free_unpacked(bodies[i], NULL);
    free(bodies);
    free(m);
    free(mp);
}

void in_get_messages(cd_op_t *op)
{
    Candour__V1__GetMessages *g = (Candour__V1__GetMessages *)op->msg;
    char after[IN_PAGE_ARG], limit[IN_PAGE_ARG];
    if (in_page(op, "get_messages", g->after_sequence, g->limit, after, limit) != 0)
        return;
    const char *v[4] = {cd_request_org(op->req), after, limit, cd_request_key(op->req)};
    // clang-format off
    static const char sql[] =
        "SELECT m.seq, m.reference, m.kind, m.lead_org, m.due::text, m.body::text, "
        IN_TS("m.at") ", 0, " IN_LIVE_KEY("$4", "$1")
        " FROM (SELECT 1) x LEFT JOIN (SELECT * FROM intake.partner_message"
        "  WHERE org_id = $1 AND seq > $2::bigint ORDER BY seq LIMIT $3::int) m ON true"
        " ORDER BY m.seq";
    // clang-format on
    cd_db_query(cd_service_db(in_app.svc), sql, 4, v, s_on_messages, op);
}

/* -- a partner's contribution: only to a request it received, once */

static void s_on_contribution_written(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (cd_op_committed(op, res, "submit_contribution.complaint_ref",
                        "your organisation has already sent its contribution to this complaint"))
        cd_service_kick(in_app.svc);
}

static void s_on_asked(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    PGresult *r = in_checked(op, res, 1, "could not be done just now; nothing was changed");
    if (!r)
        return;
    if (PQgetvalue(r, 0, 0)[0] != 't') {
        /* Party to a complaint only when asked: otherwise it is not theirs. */
        cd_op_fail(op, CD_CODE_NOT_FOUND, "submit_contribution.complaint_ref",
                   "your organisation has not been asked for a contribution to that complaint");
        return;
    }
    Candour__V1__SubmitContribution *sc = (Candour__V1__SubmitContribution *)op->msg;
    char at[32];
    cd_format_rfc3339(cd_now_us(), at);
    cd_tx_t *tx = cd_tx_new();
    const char *v[4] = {op->note, cd_request_org(op->req), sc->findings, sc->submitted_by};
    cd_tx_add(
        tx,
        "WITH i AS (INSERT INTO intake.contribution (reference, org_id, findings, submitted_by)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1)"
        " SELECT intake.expect(count(*) = 1, 'already sent') FROM i",
        4, v);
    Candour__V1__ContributionReceived ev = CANDOUR__V1__CONTRIBUTION_RECEIVED__INIT;
    ev.partner_org = (char *)cd_request_org(op->req);
    ev.findings = sc->findings;
    ev.submitted_by = sc->submitted_by;
    ev.received_at = at;
    cd_event_out_t out = {
        .type = "contribution.received", .complaint_ref = op->note, .payload = &ev.base};
    cd_outbox_put(cd_service_outbox(in_app.svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(in_app.svc), tx, s_on_contribution_written, op);
}

void in_submit_contribution(cd_op_t *op)
{
    const char *v[3] = {op->note, cd_request_org(op->req), cd_request_key(op->req)};
    cd_db_query(cd_service_db(in_app.svc),
                "SELECT EXISTS (SELECT 1 FROM intake.partner_message WHERE reference = $1 AND"
                " org_id = $2 AND kind = 'contribution-request'), " IN_LIVE_KEY("$3", "$2"),
                3, v, s_on_asked, op);
}

/* Keep a message for org to collect: its columns, and body (a PartnerMessage
 * with the rest of it) as JSON, with ev's inbox record. A message the body
 * has already been given (the unique keys: the event, or a referral or final
 * response of the same complaint) is not kept twice. */
static void s_keep(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                   const char *org, const char *kind, const char *lead, const char *due,
                   const Candour__V1__PartnerMessage *body)
{
    char *json = cd_pbjson_dumps(&body->base, 0);
    if (!json) {
        cd_inbox_defer(in, ev, "out of memory");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[7] = {org, env->complaint_ref, kind, lead, due, json, env->event_id};
    cd_tx_add(tx,
              "INSERT INTO intake.partner_message (org_id, reference, kind, lead_org, due, body,"
              " event_id) VALUES ($1, $2, $3, $4, nullif($5, '')::date, $6::jsonb, $7::uuid)"
              " ON CONFLICT DO NOTHING",
              7, v);
    free(json);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

/* contribution.requested from routing: a message for a partner to collect (R3). */
void in_on_contribution_requested(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                                  const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ContributionRequested *cr =
        (const Candour__V1__ContributionRequested *)payload;
    cd_date_t due;
    if (in_validate_org(cr->partner_org, &(cd_fail_t){0}) != 0 ||
        cd_date_parse(cr->due, &due) != 0) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "contribution.requested without a partner or due date");
        return;
    }
    Candour__V1__PartnerMessage body = CANDOUR__V1__PARTNER_MESSAGE__INIT;
    body.description = cr->description;
    body.n_services = cr->n_services;
    body.services = cr->services;
    s_keep(in, ev, env, cr->partner_org, cr->chase ? "contribution-chase" : "contribution-request",
           cr->lead_org, cr->due, &body);
}

/* complaint.referred from routing: the complaint, sent on to the body that
 * now handles or leads it, for that body to collect (I5a, N2). Routing
 * decided what consent allows (R2): what comes is what is kept. */
void in_on_complaint_referred(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                              const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ComplaintReferred *cr = (const Candour__V1__ComplaintReferred *)payload;
    if (in_validate_org(cr->to_org, &(cd_fail_t){0}) != 0 || !env->complaint_ref[0]) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "complaint.referred without the body it goes to or a complaint");
        return;
    }
    Candour__V1__PartnerMessage body = CANDOUR__V1__PARTNER_MESSAGE__INIT;
    body.from_org = cr->from_org;
    body.outcome = cr->outcome;
    body.reason = cr->reason;
    body.description = cr->description;
    body.desired_outcome = cr->desired_outcome;
    body.n_services = cr->n_services;
    body.services = cr->services;
    body.event_date = cr->event_date;
    body.complainant = cr->complainant;
    s_keep(in, ev, env, cr->to_org, "referral", cr->to_org, "", &body);
}

/* response.shared from routing: the approved response of a complaint the
 * partner contributed to, for it to collect (R3, N2). */
void in_on_response_shared(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                           const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ResponseShared *rs = (const Candour__V1__ResponseShared *)payload;
    if (in_validate_org(rs->partner_org, &(cd_fail_t){0}) != 0 || !env->complaint_ref[0]) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "response.shared without the partner it goes to or a complaint");
        return;
    }
    Candour__V1__PartnerMessage body = CANDOUR__V1__PARTNER_MESSAGE__INIT;
    body.response = rs->text;
    body.signed_by = rs->signed_by;
    s_keep(in, ev, env, rs->partner_org, "final-response", rs->lead_org, "", &body);
}
