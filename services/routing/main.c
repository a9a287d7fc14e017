/* candour-routing - triage and coordination: decides who handles each
 * complaint and by when, asks for the acknowledgement, hands the complaint to
 * investigation, and keeps the one view of where every complaint is.
 *
 * In this foundation every complaint is handled here; triage outcomes,
 * partner coordination and deadline alerts build on this table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/error.h"
#include "candour/calendar.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "candour/service.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "lifecycle.h"

static const char *const s_subscribers[] = {"investigation", "notify", "intake", NULL};
static const char *const s_to_investigation[] = {"investigation", NULL};
static const char *const s_to_notify[] = {"notify", NULL};
static const char *const s_to_intake[] = {"intake", NULL};

typedef struct {
    cd_service_t *svc;
    cd_calendar_t *cal;
    long response_days;
    const char *holidays_path;
} routing_t;

static routing_t s_app;

/* ---------------------------------------------------------------- events
 *
 * Each event: read the complaint's row, let the state machine (lifecycle.c)
 * decide, then write the row (only if its version is still the one read),
 * the history line and the events the decision calls for, in one
 * transaction. A lost race with another routing instance fails the version
 * check (P0002) and the event is deferred: it comes back and is decided
 * again on the new state. */

typedef struct {
    cd_inbox_t *in;
    cd_event_t *ev;
    const Candour__V1__Envelope *env;   /* owned by ev */
    rt_state_t cur;
    char version[16];
    char org_id[80];
    char *content;                      /* ComplaintRouted as JSON, from the row */
} rt_apply_t;

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

/* The history line for a progress event, from its payload (references, not names). */
static void s_detail(const Candour__V1__Envelope *env, char *out, size_t len, char *kind,
                     size_t kindlen)
{
    out[0] = kind[0] = 0;
    if (strcmp(env->type, "letter.sent") == 0) {
        Candour__V1__LetterSent *ls =
            candour__v1__letter_sent__unpack(NULL, env->payload.len, env->payload.data);
        if (ls) {
            snprintf(kind, kindlen, "%s", ls->kind);
            snprintf(out, len, "%s letter sent by %s (letter %s)", ls->kind, ls->channel,
                     ls->letter_id);
            candour__v1__letter_sent__free_unpacked(ls, NULL);
        }
    } else if (strcmp(env->type, "investigation.completed") == 0) {
        Candour__V1__InvestigationCompleted *ic =
            candour__v1__investigation_completed__unpack(NULL, env->payload.len, env->payload.data);
        if (ic) {
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
                &candour__v1__outcome__descriptor, ic->outcome);
            snprintf(out, len, "outcome %s", v ? v->name : "?");
            candour__v1__investigation_completed__free_unpacked(ic, NULL);
        }
    } else if (strcmp(env->type, "response.approved") == 0) {
        Candour__V1__ResponseApproved *ra =
            candour__v1__response_approved__unpack(NULL, env->payload.len, env->payload.data);
        if (ra) {
            snprintf(out, len, "signed by the %s", ra->signatory_role);
            candour__v1__response_approved__free_unpacked(ra, NULL);
        }
    } else if (strcmp(env->type, "case.opened") == 0) {
        snprintf(out, len, "investigation case opened");
    }
}

static void s_apply_free(rt_apply_t *a)
{
    free(a->content);
    free(a);
}

/* Content (what investigation is handed) from a submitted complaint. */
static char *s_content(const char *org, const Candour__V1__Complaint *c, const char *ack,
                       const char *resp)
{
    Candour__V1__ComplaintRouted r = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    r.org_id = (char *)org;
    r.handling_org = (char *)org;
    r.ack_due = (char *)ack;
    r.response_due = (char *)resp;
    r.description = c->description;
    r.desired_outcome = c->desired_outcome;
    r.n_services = c->n_services;
    r.services = c->services;
    return cd_pbjson_dumps(&r.base, 0);
}

static void s_put(cd_tx_t *tx, const rt_apply_t *a, const char *type,
                  const ProtobufCMessage *payload, const char *const *to)
{
    cd_event_out_t out = {.type = type, .complaint_ref = a->env->complaint_ref,
                          .correlation_id = a->env->correlation_id, .causation_id = a->env->event_id,
                          .payload = payload, .subscribers = to};
    cd_outbox_put(cd_service_outbox(s_app.svc), tx, &out, NULL, NULL);
}

/* The events the decision calls for. */
static void s_put_actions(cd_tx_t *tx, const rt_apply_t *a, const rt_state_t *next,
                          const rt_actions_t *act, const char *content)
{
    Candour__V1__ComplaintRouted *routed =
        content ? (Candour__V1__ComplaintRouted *)cd_pbjson_parse(
                      &candour__v1__complaint_routed__descriptor, content, strlen(content), NULL)
                : NULL;
    if (act->route) {
        if (routed)
            s_put(tx, a, "complaint.routed", &routed->base, s_to_investigation);
        else
            cd_tx_poison(tx); /* never route without the content: try again */
    }
    if (act->request_ack) {
        Candour__V1__LetterRequested letter = CANDOUR__V1__LETTER_REQUESTED__INIT;
        letter.kind = "acknowledgement";
        letter.response_due = routed ? routed->response_due : "";
        letter.handler = "the complaints team";
        s_put(tx, a, "letter.requested", &letter.base, s_to_notify);
    }
    if (act->status_changed) {
        char at[32];
        cd_format_rfc3339(cd_now_us(), at);
        Candour__V1__StatusChanged sc = CANDOUR__V1__STATUS_CHANGED__INIT;
        sc.state = (char *)next->state;
        sc.detail = (char *)act->detail;
        sc.at = at;
        s_put(tx, a, "complaint.status_changed", &sc.base, s_to_intake);
    }
    if (routed)
        candour__v1__complaint_routed__free_unpacked(routed, NULL);
}

/* The holds as a text[] literal; hold names are fixed identifiers. */
static void s_holds_array(const rt_state_t *st, char *out, size_t len)
{
    snprintf(out, len, "{");
    for (int i = 0; i < st->nholds; i++) {
        strncat(out, st->holds[i], len - strlen(out) - 2);
        if (i + 1 < st->nholds)
            strncat(out, ",", len - strlen(out) - 2);
    }
    strncat(out, "}", len - strlen(out) - 1);
}

static void s_write_update(cd_tx_t *tx, const rt_apply_t *a, const rt_state_t *next,
                           const rt_actions_t *act, const char *content)
{
    char stage[8], holds[160];
    snprintf(stage, sizeof stage, "%d", next->stage);
    s_holds_array(next, holds, sizeof holds);
    const char *v[9] = {a->env->complaint_ref, a->version, next->state, stage, holds,
                        act->route ? "t" : "f", act->deadline_met ? act->deadline_met : "",
                        content};
    cd_tx_add(tx,
              "WITH u AS (UPDATE routing.complaint SET state = $3, stage = $4::int,"
              " holds = $5::text[], routed_at = CASE WHEN $6::boolean THEN now() ELSE routed_at END,"
              " acknowledged_at = CASE WHEN $7 = 'acknowledgement'"
              "  THEN coalesce(acknowledged_at, now()) ELSE acknowledged_at END,"
              " response_sent_at = CASE WHEN $7 = 'response'"
              "  THEN coalesce(response_sent_at, now()) ELSE response_sent_at END,"
              " content = coalesce($8::jsonb, content), version = version + 1, updated_at = now()"
              " WHERE reference = $1 AND version = $2::int RETURNING 1)"
              " SELECT routing.expect(count(*) = 1, 'complaint changed meanwhile: decide again')"
              " FROM u",
              8, v);
}

/* complaint.received: the first row, with its deadlines. */
static int s_write_received(cd_tx_t *tx, const rt_apply_t *a, const rt_state_t *next,
                            char **content)
{
    const Candour__V1__Envelope *env = a->env;
    Candour__V1__ComplaintReceived *cr =
        candour__v1__complaint_received__unpack(NULL, env->payload.len, env->payload.data);
    int64_t received = cr && cr->complaint ? cd_parse_rfc3339(cr->complaint->received_at) : -1;
    if (received < 0) {
        candour__v1__complaint_received__free_unpacked(cr, NULL);
        return -1;
    }
    cd_date_t ack, resp;
    rt_deadlines(s_app.cal, received, (int)s_app.response_days, &ack, &resp);
    char ack_s[CD_DATE_LEN + 1], resp_s[CD_DATE_LEN + 1], stage[8], holds[160];
    cd_date_format(ack, ack_s);
    cd_date_format(resp, resp_s);
    snprintf(stage, sizeof stage, "%d", next->stage);
    s_holds_array(next, holds, sizeof holds);
    const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value(
        &candour__v1__classification__descriptor, cr->classification);
    *content = s_content(cr->org_id, cr->complaint, ack_s, resp_s);
    const char *v[10] = {env->complaint_ref, cr->org_id, cr->complaint->received_at, next->state,
                         stage, ack_s, resp_s, cls ? cls->name : "CLASSIFICATION_COMPLAINT",
                         holds, *content};
    cd_tx_add(tx,
              "INSERT INTO routing.complaint (reference, org_id, received_at, state, stage,"
              " ack_due, response_due, classification, holds, content, routed_at)"
              " VALUES ($1, $2, $3::timestamptz, $4, $5::int, $6::date, $7::date, $8,"
              " $9::text[], $10::jsonb, CASE WHEN $4 = 'received' THEN now() END)",
              10, v);
    candour__v1__complaint_received__free_unpacked(cr, NULL);
    return 0;
}

/* Decode what the state machine needs from the event. */
static void *s_input(const Candour__V1__Envelope *env, rt_input_t *in, const char **holds,
                     char *kind, size_t kindlen)
{
    memset(in, 0, sizeof *in);
    in->type = env->type;
    in->holds = holds;
    if (strcmp(env->type, "complaint.received") == 0) {
        Candour__V1__ComplaintReceived *cr =
            candour__v1__complaint_received__unpack(NULL, env->payload.len, env->payload.data);
        if (!cr)
            return NULL;
        const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value(
            &candour__v1__classification__descriptor, cr->classification);
        in->classification = cls ? cls->name : "CLASSIFICATION_COMPLAINT";
        for (size_t i = 0; i < cr->n_holds && i < RT_MAX_HOLDS; i++)
            holds[in->nholds++] = s_hold_name(cr->holds[i]);
        return cr; /* owns nothing the input points to but enum names: free now is fine */
    }
    if (strcmp(env->type, "complaint.amended") == 0) {
        Candour__V1__ComplaintAmended *am =
            candour__v1__complaint_amended__unpack(NULL, env->payload.len, env->payload.data);
        if (!am)
            return NULL;
        for (size_t i = 0; i < am->n_holds && i < RT_MAX_HOLDS; i++)
            holds[in->nholds++] = s_hold_name(am->holds[i]);
        return am;
    }
    if (strcmp(env->type, "letter.sent") == 0) {
        char detail[8];
        s_detail(env, detail, sizeof detail, kind, kindlen);
        in->letter_kind = kind;
    }
    return (void *)env; /* nothing to free */
}

static void s_on_row(const cd_tx_result_t *res, void *arg)
{
    rt_apply_t *a = arg;
    const Candour__V1__Envelope *env = a->env;
    if (res->err) {
        cd_inbox_defer(a->in, a->ev, "the complaint could not be read");
        s_apply_free(a);
        return;
    }
    PGresult *r = res->results[0];
    if (PQntuples(r) == 1) {
        a->cur.exists = 1;
        snprintf(a->cur.state, RT_NAME, "%s", PQgetvalue(r, 0, 0));
        a->cur.stage = atoi(PQgetvalue(r, 0, 1));
        /* holds come back as {a,b}: names have no commas or quotes */
        char holds[256];
        snprintf(holds, sizeof holds, "%s", PQgetvalue(r, 0, 2));
        for (char *tok = strtok(holds, "{},"); tok && a->cur.nholds < RT_MAX_HOLDS;
             tok = strtok(NULL, "{},"))
            snprintf(a->cur.holds[a->cur.nholds++], RT_NAME, "%s", tok);
        a->cur.routed = PQgetvalue(r, 0, 3)[0] == 't';
        a->cur.acknowledged = PQgetvalue(r, 0, 4)[0] == 't';
        a->cur.response_sent = PQgetvalue(r, 0, 5)[0] == 't';
        snprintf(a->version, sizeof a->version, "%s", PQgetvalue(r, 0, 6));
        a->content = strdup(PQgetvalue(r, 0, 7));
    }
    rt_input_t in;
    const char *holds[RT_MAX_HOLDS];
    char kind[64] = "";
    void *decoded = s_input(env, &in, holds, kind, sizeof kind);
    rt_state_t next;
    rt_actions_t act;
    int rc = decoded ? rt_decide(&a->cur, &in, &next, &act) : -2;
    if (decoded && decoded != env)
        protobuf_c_message_free_unpacked(decoded, NULL);
    if (rc == -2) {
        cd_inbox_nak(a->in, a->ev, "MALFORMED_EVENT", "the event's payload does not decode");
        s_apply_free(a);
        return;
    }
    if (rc == -1) {
        cd_inbox_defer(a->in, a->ev, "complaint not known to routing yet");
        s_apply_free(a);
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(a->in, a->ev);
    char *content = NULL;
    if (!a->cur.exists && act.changed) {
        if (s_write_received(tx, a, &next, &content) != 0) {
            cd_tx_destroy(&tx);
            cd_inbox_nak(a->in, a->ev, "MALFORMED_EVENT", "complaint.received without a time");
            s_apply_free(a);
            return;
        }
    } else if (act.changed) {
        if (strcmp(env->type, "complaint.amended") == 0 && !a->cur.routed) {
            Candour__V1__ComplaintAmended *am =
                candour__v1__complaint_amended__unpack(NULL, env->payload.len, env->payload.data);
            Candour__V1__ComplaintRouted *old = (Candour__V1__ComplaintRouted *)cd_pbjson_parse(
                &candour__v1__complaint_routed__descriptor, a->content, strlen(a->content), NULL);
            if (am && am->complaint && old)
                content = s_content(old->org_id, am->complaint, old->ack_due, old->response_due);
            if (am)
                candour__v1__complaint_amended__free_unpacked(am, NULL);
            if (old)
                candour__v1__complaint_routed__free_unpacked(old, NULL);
        }
        s_write_update(tx, a, &next, &act, content);
    }
    char detail[256], k2[64];
    s_detail(env, detail, sizeof detail, k2, sizeof k2);
    const char *h[5] = {env->complaint_ref, env->type, env->producer,
                        act.detail[0] ? act.detail : detail, env->event_id};
    if (a->cur.exists || act.changed)
        cd_tx_add(tx, "INSERT INTO routing.history (reference, event, producer, detail, event_id)"
                      " VALUES ($1, $2, $3, $4, $5::uuid)", 5, h);
    s_put_actions(tx, a, &next, &act, content ? content : a->content);
    free(content);
    cd_inbox_commit(a->in, a->ev, tx, cd_service_kick, s_app.svc);
    s_apply_free(a);
}

static void s_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                       void *arg)
{
    cd_log_debug("event.received", "{s:s, s:s, s:s}", "type", env->type, "reference",
                 env->complaint_ref, "event_id", env->event_id);
    rt_apply_t *a = calloc(1, sizeof *a);
    if (!a) {
        cd_inbox_defer(in, ev, "out of memory");
        return;
    }
    a->in = in;
    a->ev = ev;
    a->env = env;
    const char *v[1] = {env->complaint_ref};
    cd_db_query(cd_service_db(s_app.svc),
                "SELECT state, stage, holds, routed_at IS NOT NULL, acknowledged_at IS NOT NULL,"
                " response_sent_at IS NOT NULL, version, content FROM routing.complaint"
                " WHERE reference = $1",
                1, v, s_on_row, a);
}

/* ---------------------------------------------------------------- status */

typedef struct {
    cd_inbox_t *in;
    cd_request_t *req;
} rt_status_call_t;

static void s_on_status(const cd_tx_result_t *res, void *arg)
{
    rt_status_call_t *call = arg;
    if (res->err) {
        cd_request_fail(call->req, "UNAVAILABLE", "",
                        "the status could not be read just now; try again");
        free(call);
        return;
    }
    PGresult *c = res->results[0], *h = res->results[1];
    if (PQntuples(c) != 1) {
        cd_request_fail(call->req, "NOT_FOUND", "complaint_ref",
                        "no complaint has that reference");
        free(call);
        return;
    }
    Candour__V1__ComplaintStatus st = CANDOUR__V1__COMPLAINT_STATUS__INIT;
    st.complaint_ref = PQgetvalue(c, 0, 0);
    st.state = PQgetvalue(c, 0, 1);
    st.org_id = PQgetvalue(c, 0, 2);
    st.received_at = PQgetvalue(c, 0, 3);
    Candour__V1__Deadline d[2] = {CANDOUR__V1__DEADLINE__INIT, CANDOUR__V1__DEADLINE__INIT};
    Candour__V1__Deadline *dp[2] = {&d[0], &d[1]};
    d[0].name = "acknowledgement";
    d[0].due = PQgetvalue(c, 0, 4);
    d[0].met_at = PQgetvalue(c, 0, 6);
    d[1].name = "response";
    d[1].due = PQgetvalue(c, 0, 5);
    d[1].met_at = PQgetvalue(c, 0, 7);
    st.n_deadlines = 2;
    st.deadlines = dp;
    int n = PQntuples(h);
    Candour__V1__HistoryEntry *entries = calloc((size_t)(n ? n : 1), sizeof *entries);
    Candour__V1__HistoryEntry **ep = calloc((size_t)(n ? n : 1), sizeof *ep);
    if (!entries || !ep)
        n = 0;
    for (int i = 0; i < n; i++) {
        candour__v1__history_entry__init(&entries[i]);
        entries[i].at = PQgetvalue(h, i, 0);
        entries[i].event = PQgetvalue(h, i, 1);
        entries[i].producer = PQgetvalue(h, i, 2);
        entries[i].detail = PQgetvalue(h, i, 3);
        ep[i] = &entries[i];
    }
    st.n_history = (size_t)n;
    st.history = ep;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_STATUS;
    reply.status = &st;
    cd_request_reply(call->req, &reply);
    free(entries);
    free(ep);
    free(call);
}

#define S_TS(col) "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '')"

static void s_get_status(cd_inbox_t *in, cd_request_t *req, const Candour__V1__GetStatus *g)
{
    if (!g->complaint_ref[0] || strlen(g->complaint_ref) > 64) {
        cd_request_fail(req, "INVALID_ARGUMENT", "get_status.complaint_ref",
                        "give the complaint's reference, e.g. CDR-7K4M-9QXT");
        return;
    }
    rt_status_call_t *call = malloc(sizeof *call);
    cd_tx_t *tx = cd_tx_new();
    if (!call || !tx) {
        free(call);
        cd_tx_destroy(&tx);
        cd_request_fail(req, "INTERNAL", "", "out of memory");
        return;
    }
    *call = (rt_status_call_t){in, req};
    const char *v[1] = {g->complaint_ref};
    cd_tx_add(tx,
              "SELECT reference, state, org_id, " S_TS("received_at") ", ack_due::text,"
              " response_due::text, " S_TS("acknowledged_at") ", " S_TS("response_sent_at")
              " FROM routing.complaint WHERE reference = $1",
              1, v);
    cd_tx_add(tx,
              "SELECT " S_TS("at") ", event, producer, detail FROM routing.history"
              " WHERE reference = $1 ORDER BY id",
              1, v);
    cd_db_submit(cd_service_db(s_app.svc), tx, s_on_status, call);
}

static void s_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r,
                         void *arg)
{
    if (r->op_case == CANDOUR__V1__REQUEST__OP_GET_STATUS)
        s_get_status(in, req, r->get_status);
    else
        cd_request_fail(req, "UNSUPPORTED", "op", "routing answers GetStatus only");
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_RESPONSE_DAYS", CD_CONFIG_INT, "25", 1, 130,
         "default response period in working days (R5)", &s_app.response_days},
        {"CANDOUR_BANK_HOLIDAYS", CD_CONFIG_STRING, "", 0, 0,
         "gov.uk bank-holidays.json to extend the built-in calendar (empty: rules only)",
         &s_app.holidays_path},
    };
    cd_service_spec_t spec = {
        .name = "routing",
        .summary = "triages complaints, sets their deadlines, keeps their status",
        .bind_port = 7101,
        .admin_port = 9101,
        .subscribers = s_subscribers,
        .config = items,
        .nconfig = 2,
        .on_event = s_on_event,
        .on_request = s_on_request,
        .arg = &s_app,
    };
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    s_app.cal = cd_calendar_new();
    char err[512];
    if (*s_app.holidays_path &&
        cd_calendar_load_json(s_app.cal, s_app.holidays_path, err, sizeof err) != 0) {
        cd_log_error("calendar.load_failed", "{s:s}", "error", err);
        code = 2;
    } else {
        code = cd_service_run(s_app.svc);
    }
    cd_service_destroy(&s_app.svc);
    cd_calendar_destroy(&s_app.cal);
    cd_zmq_ctx_term();
    return code;
}
