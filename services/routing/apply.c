/* apply.c - routing's events: one read of the complaint (and what triage
 * needs), the decision (decide.c over the one lifecycle table), and one
 * transaction that writes the row, the history, the deadlines and the
 * events the decision calls for. What a decision sends to other bodies (a
 * referral, the partners' contribution requests, the response shared) is
 * built by partners_out.c. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/lifecycle.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/case.pb-c.h"
#include "candour/v1/events.pb-c.h"
#include "decide.h"
#include "sink.h"
#include "routing.h"
#include "store.h"

/* ---------------------------------------------------------------- events
 *
 * Each event: one statement reads the complaint's row with what triage needs
 * (the receiving body's routing table and policy), the state machine
 * (lifecycle.c) decides, then one transaction writes the row once (an INSERT,
 * or an UPDATE only if its version is still the one read; consent and triage
 * columns ride on it), the history lines, the deadlines and the events the
 * decision calls for (those in one statement, in the order decided). Each
 * write of a routing.complaint row costs an audit entry (0010_audit.sql):
 * hence at most one per event. A lost race with another routing instance
 * fails the version check (P0002) and the event is deferred: it comes back
 * and is decided again on the new state. */

static const char *s_hold_name(int h)
{
    switch (h) {
    case CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT:
        return "awaiting-consent";
    case CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT:
        return "awaiting-summary-agreement";
    case CANDOUR__V1__HOLD__HOLD_OUT_OF_TIME:
        return "out-of-time";
    default:
        return "held";
    }
}

/* The history line for a progress event, from its payload (references, not
 * names); letter.sent also gives its kind. One row per type that has words. */
static void s_detail_letter(const ProtobufCMessage *p, char *out, size_t len, char *kind,
                            size_t kindlen)
{
    const Candour__V1__LetterSent *ls = (const Candour__V1__LetterSent *)p;
    snprintf(kind, kindlen, "%s", ls->kind);
    snprintf(out, len, "%s letter sent by %s (letter %s)", ls->kind, ls->channel, ls->letter_id);
}

static void s_detail_completed(const ProtobufCMessage *p, char *out, size_t len, char *kind,
                               size_t kindlen)
{
    const Candour__V1__InvestigationCompleted *ic = (const Candour__V1__InvestigationCompleted *)p;
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, ic->outcome);
    snprintf(out, len, "outcome %s", v ? v->name : "?");
}

static void s_detail_approved(const ProtobufCMessage *p, char *out, size_t len, char *kind,
                              size_t kindlen)
{
    snprintf(out, len, "signed by the %s",
             ((const Candour__V1__ResponseApproved *)p)->signatory_role);
}

static void s_detail_opened(const ProtobufCMessage *p, char *out, size_t len, char *kind,
                            size_t kindlen)
{
    snprintf(out, len, "investigation case opened");
}

/* References only: the history is shown to the submitting body. */
static void s_detail_assigned(const ProtobufCMessage *p, char *out, size_t len, char *kind,
                              size_t kindlen)
{
    snprintf(out, len, "investigator %s assigned; impartiality checked (V1)",
             ((const Candour__V1__InvestigatorAssigned *)p)->staff_id);
}

static void s_detail_referral(const ProtobufCMessage *p, char *out, size_t len, char *kind,
                              size_t kindlen)
{
    const Candour__V1__Referral *r = (const Candour__V1__Referral *)p;
    snprintf(out, len, "at the Ombudsman (%.40s): %.20s%s%.20s", r->phso_ref, r->stage,
             r->outcome[0] ? ", " : "", r->outcome);
}

static void s_detail_ack_due(const ProtobufCMessage *p, char *out, size_t len, char *kind,
                             size_t kindlen)
{
    snprintf(out, len,
             "acknowledgement due %s with no investigator named: it names the"
             " complaints manager (R4)",
             ((const Candour__V1__AcknowledgementDue *)p)->due);
}

/* References only: who returned it, not the reasons (they may name people). */
static void s_detail_returned(const ProtobufCMessage *p, char *out, size_t len, char *kind,
                              size_t kindlen)
{
    snprintf(out, len, "draft version %d returned to the investigator by a signatory (F2)",
             (int)((const Candour__V1__DraftReturned *)p)->version);
}

static const struct {
    const char *type;
    void (*fn)(const ProtobufCMessage *p, char *out, size_t len, char *kind, size_t kindlen);
} s_details[] = {
    {"draft.returned", s_detail_returned},
    {"acknowledgement.due", s_detail_ack_due},
    {"investigator.assigned", s_detail_assigned},
    {"ombudsman.referral", s_detail_referral},
    {"letter.sent", s_detail_letter},
    {"investigation.completed", s_detail_completed},
    {"response.approved", s_detail_approved},
    {"case.opened", s_detail_opened},
};

static void s_detail(const Candour__V1__Envelope *env, const ProtobufCMessage *payload, char *out,
                     size_t len, char *kind, size_t kindlen)
{
    out[0] = kind[0] = 0;
    for (size_t i = 0; i < sizeof s_details / sizeof s_details[0]; i++)
        if (strcmp(s_details[i].type, env->type) == 0)
            s_details[i].fn(payload, out, len, kind, kindlen);
}

static void s_apply_free(rt_apply_t *a)
{
    free(a->content);
    free(a);
}

/* The events the decision calls for. */
static void s_put_actions(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a,
                          const rt_state_t *next, const rt_actions_t *act, const char *content,
                          const rt_triage_out_t *t)
{
    Candour__V1__ComplaintRouted *routed =
        content ? (Candour__V1__ComplaintRouted *)cd_pbjson_parse(
                      &candour__v1__complaint_routed__descriptor, content, strlen(content), NULL)
                : NULL;
    if (act->route) {
        /* A complaint this body leads with partners: their parts must be in
         * (or waived) before investigation records the outcome (R3). */
        char *partners[RT_MAX_PARTNERS];
        if (routed && t && t->outcome == RT_COORDINATE && t->lead_here) {
            for (int i = 0; i < t->npartners; i++)
                partners[i] = (char *)t->partners[i];
            routed->n_partners = (size_t)t->npartners;
            routed->partners = partners;
        }
        /* Investigation needs no means of reaching the complainant (notify
         * has them): the contact details stay in routing's record, for a
         * referral consent allows (R2). */
        Candour__V1__Person *complainant = routed ? routed->complainant : NULL;
        if (routed) {
            routed->complainant = NULL;
            rt_events_add(tx, evs, a, "complaint.routed", &routed->base, NULL);
            routed->complainant = complainant;
        }
        if (routed) {
            routed->n_partners = 0; /* the parser's copy owns none of these */
            routed->partners = NULL;
        } else
            cd_tx_poison(tx); /* never route without the content: try again */
    }
    if (act->request_ack) {
        /* R4: the investigator, when this is their assignment; else the
         * complaints manager the body named (none: the letter says the
         * complaints team). The response date as it now stands. */
        Candour__V1__LetterRequested letter = CANDOUR__V1__LETTER_REQUESTED__INIT;
        Candour__V1__Contact who = CANDOUR__V1__CONTACT__INIT;
        letter.kind = "acknowledgement";
        letter.response_due = a->response_due[0] ? (char *)a->response_due
                              : routed           ? routed->response_due
                                                 : "";
        if (a->payload->descriptor == &candour__v1__investigator_assigned__descriptor) {
            const Candour__V1__InvestigatorAssigned *ia =
                (const Candour__V1__InvestigatorAssigned *)a->payload;
            who.name = ia->name;
            who.job_title = ia->job_title;
            who.email = ia->email;
            who.phone = ia->phone;
            who.investigates = 1;
        } else if (a->manager[0][0]) {
            who.name = (char *)a->manager[0];
            who.job_title = (char *)a->manager[1];
            who.email = (char *)a->manager[2];
            who.phone = (char *)a->manager[3];
        }
        letter.handler = who.name[0] ? who.name : "the complaints team";
        letter.contact = who.name[0] ? &who : NULL;
        rt_events_add(tx, evs, a, "letter.requested", &letter.base, NULL);
    }
    if (act->status_changed) {
        char at[32];
        cd_format_rfc3339(cd_now_us(), at);
        Candour__V1__StatusChanged sc = CANDOUR__V1__STATUS_CHANGED__INIT;
        sc.state = next->state;
        sc.detail = (char *)act->detail;
        sc.at = at;
        rt_events_add(tx, evs, a, "complaint.status_changed", &sc.base, NULL);
    }
    if (routed)
        candour__v1__complaint_routed__free_unpacked(routed, NULL);
}

/* The letter telling the complainant their late complaint was declined (I3). */

static void s_put_declined(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a)
{
    const Candour__V1__OutOfTimeDecided *d = (const Candour__V1__OutOfTimeDecided *)a->payload;
    Candour__V1__LetterRequested letter = CANDOUR__V1__LETTER_REQUESTED__INIT;
    letter.kind = "triage-outcome";
    letter.outcome = "declined-out-of-time";
    letter.reason = d ? d->reason : "";
    rt_events_add(tx, evs, a, "letter.requested", &letter.base, NULL);
}

/* What the decision needs from the event's payload. */

static void s_input(const rt_apply_t *a, rt_input_t *in, const char **holds, char *kind,
                    size_t kindlen)
{
    const Candour__V1__Envelope *env = a->env;
    memset(in, 0, sizeof *in);
    in->type = env->type;
    in->holds = holds;
    const ProtobufCMessageDescriptor *d = a->payload->descriptor;
    if (d == &candour__v1__complaint_received__descriptor) {
        const Candour__V1__ComplaintReceived *cr =
            (const Candour__V1__ComplaintReceived *)a->payload;
        const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value(
            &candour__v1__classification__descriptor, cr->classification);
        in->classification = cls ? cls->name : "CLASSIFICATION_COMPLAINT";
        for (size_t i = 0; i < cr->n_holds && i < RT_MAX_HOLDS; i++)
            holds[in->nholds++] = s_hold_name(cr->holds[i]);
    } else if (d == &candour__v1__complaint_amended__descriptor) {
        const Candour__V1__ComplaintAmended *am = (const Candour__V1__ComplaintAmended *)a->payload;
        for (size_t i = 0; i < am->n_holds && i < RT_MAX_HOLDS; i++)
            holds[in->nholds++] = s_hold_name(am->holds[i]);
    } else if (d == &candour__v1__out_of_time_decided__descriptor) {
        in->accept = ((const Candour__V1__OutOfTimeDecided *)a->payload)->accept;
    } else if (d == &candour__v1__letter_sent__descriptor) {
        snprintf(kind, kindlen, "%s", ((const Candour__V1__LetterSent *)a->payload)->kind);
        in->letter_kind = kind;
    }
}

/* Add one consent's bodies (none listed: every body) to what is known. */
static void s_take_consent(rt_apply_t *a, const Candour__V1__Consent *k)
{
    a->consent_given = 1;
    if (k->n_share_with == 0)
        a->consent_all = 1;
    for (size_t i = 0; i < k->n_share_with && a->nshare < RT_MAX_PARTNERS; i++)
        snprintf(a->share[a->nshare++], RT_ORG, "%s", k->share_with[i]);
}

/* What the event itself tells triage: the complaint as received, or a consent. */
static void s_event_triage_inputs(rt_apply_t *a)
{
    const ProtobufCMessageDescriptor *d = a->payload->descriptor;
    if (d == &candour__v1__complaint_received__descriptor && !a->cur.exists) {
        const Candour__V1__ComplaintReceived *cr =
            (const Candour__V1__ComplaintReceived *)a->payload;
        if (cr->complaint) {
            snprintf(a->org_id, sizeof a->org_id, "%s", cr->org_id);
            a->exclusion = cr->complaint->exclusion;
            a->chc_appeal = cr->complaint->chc_eligibility_appeal;
            a->nservices = (int)cr->complaint->n_services;
            for (size_t i = 0; i < cr->complaint->n_consents; i++)
                s_take_consent(a, cr->complaint->consents[i]);
            if (cr->complaint->consent_exception[0]) {
                a->consent_given = 1; /* a recorded exception stands for consent */
                a->consent_all = 1;
            }
        }
    } else if (d == &candour__v1__consent_recorded__descriptor) {
        const Candour__V1__ConsentRecorded *cr = (const Candour__V1__ConsentRecorded *)a->payload;
        if (cr->consent)
            s_take_consent(a, cr->consent);
    }
}

/* What triage (and the referral's consent rule) is given (store.h). */
void rt_triage_in_of(const rt_apply_t *a, rt_triage_in_t *in, const char **share)
{
    for (int i = 0; i < a->nshare; i++)
        share[i] = a->share[i];
    *in = (rt_triage_in_t){
        .receiving_org = a->org_id,
        .nservices = a->nservices,
        .routes = a->routes,
        .nroutes = a->nroutes,
        .exclusion = (Candour__V1__Exclusion)a->exclusion,
        .chc_appeal = a->chc_appeal,
        .pass_to_provider = a->pass_to_provider,
        .has_consent = a->consent_given,
        .consent_share_with = share,
        .nshare = a->consent_all ? 0 : a->nshare,
    };
}

static void s_triage(const rt_apply_t *a, rt_triage_out_t *out)
{
    const char *share[RT_MAX_PARTNERS];
    rt_triage_in_t in;
    rt_triage_in_of(a, &in, share);
    rt_triage(&in, out);
}

/* The letter asking for the patient's consent (R2, N1), asked for once per
 * complaint: to go to another body (named, with triage's reason), or, for a
 * complaint made for the patient, to complain at all (I2). */
static void s_put_consent_request(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a,
                                  const rt_triage_out_t *t)
{
    int leaves = t && t->consent_needed;
    Candour__V1__LetterRequested letter = CANDOUR__V1__LETTER_REQUESTED__INIT;
    letter.kind = "consent-request";
    letter.outcome = leaves ? (char *)rt_outcome_name(t->outcome) : "";
    letter.lead_org = leaves ? (char *)t->lead : "";
    letter.reason = leaves ? (char *)t->reason
                           : "the complaint is made for the patient, who must consent to it (I2)";
    letter.response_due = (char *)a->response_due;
    letter.handler = "";
    rt_events_add(tx, evs, a, "letter.requested", &letter.base, NULL);
}

/* The triage's consequences in the transaction besides its record (which
 * is in the row's columns): its history line, the letter telling the
 * complainant, and the partners' contributions. */
static void s_write_triage(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a,
                           const rt_actions_t *act, const rt_triage_out_t *t, const char *content,
                           rt_history_t *h)
{
    if (act->triaged) {
        char detail[400];
        snprintf(detail, sizeof detail, "triage: %s, led by %s: %s%s", rt_outcome_name(t->outcome),
                 t->lead, t->reason, t->gaps ? " (a service named has no routing entry)" : "");
        rt_history_add(h, "complaint.triaged", "routing", "", detail);
    }
    if (act->tell_outcome) {
        Candour__V1__LetterRequested letter = CANDOUR__V1__LETTER_REQUESTED__INIT;
        letter.kind = "triage-outcome";
        letter.outcome = (char *)rt_outcome_name(t->outcome);
        letter.reason = (char *)t->reason;
        letter.lead_org = (char *)t->lead;
        letter.appeal = t->appeal; /* an eligibility appeal too (I6) */
        letter.response_due = "";
        letter.handler = "";
        rt_events_add(tx, evs, a, "letter.requested", &letter.base, NULL);
    }
    if (act->contributions_due)
        rt_put_contributions(tx, evs, a, t, content, h);
    if (act->refer)
        rt_put_referral(tx, evs, a, t, content, h);
}

/* complaint.amended before routing: the content as amended (NULL: as it is). */
static char *s_amended_content(const rt_apply_t *a)
{
    if (a->payload->descriptor != &candour__v1__complaint_amended__descriptor || a->cur.routed)
        return NULL;
    char *content = NULL;
    const Candour__V1__ComplaintAmended *am = (const Candour__V1__ComplaintAmended *)a->payload;
    Candour__V1__ComplaintRouted *old = (Candour__V1__ComplaintRouted *)cd_pbjson_parse(
        &candour__v1__complaint_routed__descriptor, a->content, strlen(a->content), NULL);
    if (am->complaint && old)
        content = rt_content(old->org_id, am->complaint, old->ack_due, old->response_due);
    if (old)
        candour__v1__complaint_routed__free_unpacked(old, NULL);
    return content;
}

/* investigator.assigned: the staff id the caseload lists and filters by
 * (caseload.c), NULL for any other event. Kept whether or not the lifecycle
 * table allows the event in the complaint's state: investigation, which
 * owns the assignment, made it. */
static const char *s_investigator(const rt_apply_t *a)
{
    if (a->payload->descriptor != &candour__v1__investigator_assigned__descriptor)
        return NULL;
    const char *id = ((const Candour__V1__InvestigatorAssigned *)a->payload)->staff_id;
    return id[0] ? id : NULL;
}

/* The investigator alone, for an assignment the decision writes no row for
 * (a reassignment while under investigation): no version step, since no
 * decision reads it, and no audit entry when it is the one already kept. */
static void s_store_investigator(cd_tx_t *tx, const char *ref, const char *investigator)
{
    const char *v[2] = {ref, investigator};
    cd_tx_add(tx,
              "UPDATE routing.complaint SET investigator = $2, updated_at = now()"
              " WHERE reference = $1 AND investigator IS DISTINCT FROM $2",
              2, v);
}

/* The decision's write, added to tx (which records the event in the inbox):
 * the row (at most one INSERT or versioned UPDATE of routing.complaint), the
 * history, the deadlines and the events. 0, or -1 for a complaint.received
 * without a time (nothing added that matters: tx is discarded). */
static int s_build(rt_apply_t *a, const rt_state_t *next, const rt_actions_t *act,
                   const rt_triage_out_t *triage, cd_tx_t *tx)
{
    const Candour__V1__Envelope *env = a->env;
    /* The triage's record rides on the row's write: there is one whenever
     * the triage applied (it only applies on a change of state). */
    assert(act->changed || !act->triaged);
    rt_cols_t cols = {0};
    rt_cols_triage(&cols, act, triage);
    cols.investigator = s_investigator(a);
    char *content = NULL;
    if (!a->cur.exists && act->changed) {
        rt_cols_consent(&cols, a);
        if (rt_store_received(tx, a, next, &cols, &content) != 0) {
            rt_cols_free(&cols);
            return -1;
        }
    } else if (act->changed) {
        if (a->payload->descriptor == &candour__v1__consent_recorded__descriptor)
            rt_cols_consent(&cols, a);
        content = s_amended_content(a);
        rt_store_update(tx, a, next, act, content, &cols);
    } else if (cols.investigator && a->cur.exists) {
        s_store_investigator(tx, a->env->complaint_ref, cols.investigator);
    }
    rt_history_t h = {0};
    char detail[256], kind[64];
    s_detail(env, a->payload, detail, sizeof detail, kind, sizeof kind);
    if (a->cur.exists || act->changed)
        rt_history_add(&h, env->type, env->producer, env->event_id,
                       act->detail[0] ? act->detail : detail);
    rt_events_t evs = {0};
    s_put_actions(tx, &evs, a, next, act, content ? content : a->content, triage);
    s_write_triage(tx, &evs, a, act, triage, content ? content : a->content, &h);
    if (act->tell_declined)
        s_put_declined(tx, &evs, a);
    if (act->ask_consent)
        s_put_consent_request(tx, &evs, a, triage);
    if (act->share_response)
        rt_put_shared(tx, &evs, a, &h);
    if (a->sink) { /* written with the rest of the batch's */
        rt_sink_events(a->sink, &evs);
        rt_sink_history(a->sink, env->complaint_ref, &h);
    } else {
        rt_events_put(tx, &evs);
        rt_history_write(tx, env->complaint_ref, &h);
    }
    rt_cols_free(&cols);
    free(content);
    return 0;
}

int rt_apply_decide(rt_apply_t *a, PGresult *r, cd_tx_t *tx)
{
    if (PQntuples(r) < 1)
        return RT_APPLY_UNREAD;
    rt_take_row(a, r);
    rt_take_routes(a, r);
    a->pass_to_provider = PQgetvalue(r, 0, S_COL_PASS_TO_PROVIDER)[0] == 't';
    a->response_days = atoi(PQgetvalue(r, 0, S_COL_RESPONSE_DAYS));
    a->update_days = atoi(PQgetvalue(r, 0, S_COL_UPDATE_DAYS));
    for (int i = 0; i < 4; i++)
        snprintf(a->manager[i], sizeof a->manager[i], "%s", PQgetvalue(r, 0, S_COL_MANAGER + i));
    s_event_triage_inputs(a);
    rt_input_t in;
    const char *holds[RT_MAX_HOLDS];
    char kind[64] = "";
    s_input(a, &in, holds, kind, sizeof kind);
    rt_triage_out_t triage;
    s_triage(a, &triage);
    in.triage = &triage;
    in.ack_waits = rt_app.ack_waits;
    rt_state_t next;
    rt_actions_t act;
    if (rt_decide(&a->cur, &in, &next, &act) == -1)
        return RT_APPLY_UNKNOWN;
    return s_build(a, &next, &act, &triage, tx) == 0 ? RT_APPLY_OK : RT_APPLY_MALFORMED;
}

void rt_apply_free(rt_apply_t *a)
{
    s_apply_free(a);
}

/* One event's answer from its decision (rt_apply_decide): commit tx, or
 * discard it and defer or refuse the event. Consumes a and tx. */
void rt_apply_answer(rt_apply_t *a, int rc, cd_tx_t *tx)
{
    if (rc == RT_APPLY_OK) {
        cd_inbox_commit(a->in, a->ev, tx, cd_service_kick, rt_app.svc);
    } else {
        cd_tx_destroy(&tx);
        if (rc == RT_APPLY_MALFORMED)
            cd_inbox_nak(a->in, a->ev, CD_CODE_MALFORMED_EVENT,
                         "complaint.received without a time");
        else
            cd_inbox_defer(a->in, a->ev,
                           rc == RT_APPLY_UNKNOWN ? "complaint not known to routing yet"
                                                  : "the complaint could not be read");
    }
    s_apply_free(a);
}

static void s_on_row(const cd_tx_result_t *res, void *arg)
{
    rt_apply_t *a = arg;
    cd_tx_t *tx = res->err ? NULL : cd_inbox_tx(a->in, a->ev);
    rt_apply_answer(a, res->err ? RT_APPLY_UNREAD : rt_apply_decide(a, res->results[0], tx), tx);
}

/* An event's apply, and the parameters of its read (rt_sql_read) in args
 * (free args->services after the read is built); NULL out of memory. */
rt_apply_t *rt_apply_prepare(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                             const ProtobufCMessage *payload, rt_read_args_t *args)
{
    cd_log_debug("event.received", "{s:s, s:s, s:s}", "type", env->type, "reference",
                 env->complaint_ref, "event_id", env->event_id);
    rt_apply_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->in = in;
    a->ev = ev;
    a->env = env;
    a->payload = payload;
    /* For complaint.received the row does not exist yet: what triage needs
     * comes from the event (organisation, services, date of receipt). */
    memset(args, 0, sizeof *args);
    int is_received = payload->descriptor == &candour__v1__complaint_received__descriptor;
    if (is_received) {
        const Candour__V1__ComplaintReceived *cr = (const Candour__V1__ComplaintReceived *)payload;
        if (cr->complaint) {
            snprintf(args->org, sizeof args->org, "%s", cr->org_id);
            args->services = cd_pg_text_array((const char *const *)cr->complaint->services,
                                              cr->complaint->n_services);
            int64_t t = cd_parse_rfc3339(cr->complaint->received_at);
            if (t >= 0)
                cd_date_format(cd_date_from_unix_london(t), args->day);
        }
        if (!args->services) {
            /* Without its services triage would judge another complaint. */
            s_apply_free(a);
            return NULL;
        }
    }
    args->v[0] = env->complaint_ref;
    args->v[1] = is_received ? args->org : NULL;
    args->v[2] = is_received ? args->services : NULL;
    args->v[3] = is_received && args->day[0] ? args->day : NULL;
    return a;
}

/* One read for everything the decision needs (see S_COL_*): the row, the
 * receiving body's policy (R2), and its routing table for the services
 * complained about on the date of receipt (R1). The row's organisation,
 * services and date come first; where there is no row yet
 * (complaint.received), the event's ($2, $3, $4). */
void rt_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                 const ProtobufCMessage *payload, void *arg)
{
    (void)arg;
    rt_read_args_t args;
    rt_apply_t *a = rt_apply_prepare(in, ev, env, payload, &args);
    if (!a) {
        cd_inbox_defer(in, ev, "out of memory");
        return;
    }
    cd_db_query(cd_service_db(rt_app.svc), rt_sql_read, 4, args.v, s_on_row, a);
    free(args.services);
}
