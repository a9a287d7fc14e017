/* store.c - routing's SQL for a complaint's row and history (store.h). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/lifecycle.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "routing.h"
#include "sink.h"
#include "store.h"
#include "timing.h"

/* Content (what investigation is handed) from a submitted complaint. */
char *rt_content(const char *org, const Candour__V1__Complaint *c, const char *ack,
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
    /* Whom it is about, so the investigator can be checked against them (V1). */
    r.n_staff_named = c->n_staff_named;
    r.staff_named = c->staff_named;
    r.n_teams_named = c->n_teams_named;
    r.teams_named = c->teams_named;
    /* How the complainant is to be addressed, for the letter sign-off
     * checks; none given (no complainant): left empty. */
    if (c->complainant) {
        r.address_as = c->complainant->address_as;
        r.complainant_name = c->complainant->name;
    }
    /* What a referral may carry (I5a, R2): the contact details go to
     * another body only where consent allows (rt_referral_shares_contact). */
    r.event_date = c->event_date;
    r.standing = c->standing;
    r.complainant = c->complainant;
    return cd_pbjson_dumps(&r.base, 0);
}

/* The holds as a text[] literal: 0, or -1 (out of memory, or out too small). */
static int rt_holds_array(const rt_state_t *st, char *out, size_t len)
{
    const char *names[RT_MAX_HOLDS];
    for (int i = 0; i < st->nholds; i++)
        names[i] = st->holds[i];
    char *lit = cd_pg_text_array(names, (size_t)st->nholds);
    if (!lit)
        return -1;
    int n = snprintf(out, len, "%s", lit);
    free(lit);
    return n >= 0 && (size_t)n < len ? 0 : -1;
}

char *rt_partners_array(const rt_triage_out_t *t)
{
    const char *pp[RT_MAX_PARTNERS];
    for (int i = 0; i < t->npartners; i++)
        pp[i] = t->partners[i];
    return cd_pg_text_array(pp, (size_t)t->npartners);
}

void rt_cols_free(rt_cols_t *c)
{
    free(c->share_buf);
    free(c->partners_buf);
    c->share_buf = c->partners_buf = NULL;
}

/* What triage knows of consent: the row's, with the event's added. */
void rt_cols_consent(rt_cols_t *c, const rt_apply_t *a)
{
    const char *sp[RT_MAX_PARTNERS];
    for (int i = 0; i < a->nshare; i++)
        sp[i] = a->share[i];
    free(c->share_buf);
    c->share_buf = cd_pg_text_array(sp, (size_t)a->nshare);
    c->consent_given = a->consent_given ? "t" : "f";
    c->consent_all = a->consent_all ? "t" : "f";
    c->consent_share = c->share_buf;
}

/* The triage's record: outcome, reason, lead and partners, once it applied. */
void rt_cols_triage(rt_cols_t *c, const rt_actions_t *act, const rt_triage_out_t *t)
{
    if (!act->triaged)
        return;
    free(c->partners_buf);
    c->partners_buf = rt_partners_array(t);
    c->triage_outcome = rt_outcome_name(t->outcome);
    c->triage_reason = t->reason;
    c->lead_org = t->lead;
    c->partners = c->partners_buf;
}

/* The row, only if its version is still the one read (else P0002: the event
 * is deferred and decided again), and the deadlines the decision ends. */
void rt_store_update(cd_tx_t *tx, const rt_apply_t *a, const rt_state_t *next,
                     const rt_actions_t *act, const char *content, const rt_cols_t *c)
{
    char holds[160];
    if (rt_holds_array(next, holds, sizeof holds) != 0)
        cd_tx_poison(tx); /* never write holds that are not the decision's */
    const char *v[17] = {a->env->complaint_ref,
                         a->version,
                         cd_state_name(next->state),
                         holds,
                         act->route ? "t" : "f",
                         act->deadline_met ? act->deadline_met : "",
                         content,
                         c->consent_given,
                         c->consent_all,
                         c->consent_share,
                         c->triage_outcome,
                         c->triage_reason,
                         c->lead_org,
                         c->partners,
                         rt_ack_name(next->ack),
                         next->consent_asked ? "t" : "f",
                         c->investigator};
    if (a->sink) { /* with the rest of the batch's (sink.c: the same statement, for all) */
        rt_sink_update(a->sink, v, act->deadline_met, act->close_deadlines);
        return;
    }
    cd_tx_add(
        tx,
        "WITH u AS (UPDATE routing.complaint SET state = $3,"
        " holds = $4::text[], routed_at = CASE WHEN $5::boolean THEN now() ELSE routed_at END,"
        " acknowledged_at = CASE WHEN $6 = 'acknowledgement'"
        "  THEN coalesce(acknowledged_at, now()) ELSE acknowledged_at END,"
        " response_sent_at = CASE WHEN $6 = 'response'"
        "  THEN coalesce(response_sent_at, now()) ELSE response_sent_at END,"
        " content = coalesce($7::jsonb, content),"
        " consent_given = coalesce($8::boolean, consent_given),"
        " consent_all = coalesce($9::boolean, consent_all),"
        " consent_share = coalesce($10::text[], consent_share),"
        " triage_outcome = coalesce($11, triage_outcome),"
        " triage_reason = coalesce($12, triage_reason),"
        " lead_org = coalesce($13, lead_org), partners = coalesce($14::text[], partners),"
        " ack = $15, consent_asked = $16::boolean, investigator = coalesce($17, investigator),"
        " version = version + 1, updated_at = now()"
        " WHERE reference = $1 AND version = $2::int RETURNING 1)"
        " SELECT routing.expect(count(*) = 1, 'complaint changed meanwhile: decide again')"
        " FROM u",
        17, v);
    if (act->deadline_met) {
        /* The response also ends the cadence of progress updates and the
         * six months (R5). */
        const char *m[2] = {a->env->complaint_ref, act->deadline_met};
        cd_tx_add(
            tx,
            "UPDATE routing.deadline SET met_at = coalesce(met_at, now()),"
            " closed_at = CASE WHEN name <> $2 AND met_at IS NULL THEN now() ELSE closed_at END"
            " WHERE reference = $1 AND (name = $2 OR ($2 = 'response'"
            " AND name IN ('update', 'six-months')))",
            2, m);
    }
    if (act->close_deadlines) {
        const char *m[1] = {a->env->complaint_ref};
        cd_tx_add(tx,
                  "UPDATE routing.deadline SET closed_at = now() WHERE reference = $1"
                  " AND met_at IS NULL AND closed_at IS NULL",
                  1, m);
    }
}

/* complaint.received: the first row, with consent and triage in it, and
 * its deadlines. */

int rt_store_received(cd_tx_t *tx, const rt_apply_t *a, const rt_state_t *next, const rt_cols_t *c,
                      char **content)
{
    const Candour__V1__Envelope *env = a->env;
    const Candour__V1__ComplaintReceived *cr = (const Candour__V1__ComplaintReceived *)a->payload;
    int64_t received = cr->complaint ? cd_parse_rfc3339(cr->complaint->received_at) : -1;
    if (received < 0)
        return -1;
    /* The body's own periods where it set them (R5), else Candour's. */
    int response_days = a->response_days > 0 ? a->response_days : (int)rt_app.response_days;
    int update_days = rt_update_days(a->update_days);
    cd_date_t ack, resp;
    rt_deadlines(rt_app.cal, received, response_days, &ack, &resp);
    char ack_s[CD_DATE_LEN + 1], resp_s[CD_DATE_LEN + 1], holds[160];
    cd_date_format(ack, ack_s);
    cd_date_format(resp, resp_s);
    if (rt_holds_array(next, holds, sizeof holds) != 0)
        cd_tx_poison(tx); /* never write holds that are not the decision's */
    const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value(
        &candour__v1__classification__descriptor, cr->classification);
    *content = rt_content(cr->org_id, cr->complaint, ack_s, resp_s);
    const ProtobufCEnumValue *ex = protobuf_c_enum_descriptor_get_value(
        &candour__v1__exclusion__descriptor, cr->complaint->exclusion);
    const char *v[20] = {env->complaint_ref,
                         cr->org_id,
                         cr->complaint->received_at,
                         cd_state_name(next->state),
                         ack_s,
                         resp_s,
                         cls ? cls->name : "CLASSIFICATION_COMPLAINT",
                         holds,
                         *content,
                         ex ? ex->name : "EXCLUSION_NONE",
                         cr->complaint->chc_eligibility_appeal ? "t" : "f",
                         c->consent_given,
                         c->consent_all,
                         c->consent_share,
                         c->triage_outcome,
                         c->triage_reason,
                         c->lead_org,
                         c->partners,
                         rt_ack_name(next->ack),
                         next->consent_asked ? "t" : "f"};
    /* Until the triage applies (something holds the complaint, or it is only
     * recorded), triage_* stay NULL and partners empty. */
    cd_tx_add(tx,
              "INSERT INTO routing.complaint (reference, org_id, received_at, state,"
              " ack_due, response_due, classification, holds, content, routed_at,"
              " exclusion, chc_appeal, consent_given, consent_all, consent_share,"
              " triage_outcome, triage_reason, lead_org, partners, ack, consent_asked)"
              " VALUES ($1, $2, $3::timestamptz, $4, $5::date, $6::date, $7,"
              " $8::text[], $9::jsonb, CASE WHEN $4 = 'received' THEN now() END,"
              " $10, $11::boolean, $12::boolean, $13::boolean, $14::text[],"
              " $15, $16, $17, coalesce($18::text[], '{}'), $19, $20::boolean)",
              20, v);
    /* Its deadlines, as rows the watcher reads (complaints only: a compliment
     * or a matter outside the regulations has none). */
    cd_date_t day = cd_date_from_unix_london(received), upd;
    char upd_s[CD_DATE_LEN + 1] = "", six_s[CD_DATE_LEN + 1];
    if (rt_next_update_due(rt_app.cal, day, update_days, resp, &upd))
        cd_date_format(upd, upd_s);
    cd_date_format(rt_six_month_limit_date(day), six_s);
    const char *dv[6] = {env->complaint_ref,
                         ack_s,
                         resp_s,
                         upd_s,
                         cls ? cls->name : "CLASSIFICATION_COMPLAINT",
                         six_s};
    if (a->sink) { /* with the rest of the batch's (sink.c: the same rows) */
        rt_sink_deadlines(a->sink, dv);
        return 0;
    }
    cd_tx_add(tx,
              "INSERT INTO routing.deadline (reference, name, due)"
              " SELECT $1, d.name, d.due::date FROM (VALUES ('acknowledgement', $2),"
              " ('response', $3), ('update', nullif($4, '')), ('six-months', $6)) AS d (name, due)"
              " WHERE d.due IS NOT NULL AND $5 = 'CLASSIFICATION_COMPLAINT'",
              6, dv);
    return 0;
}

/* ---- the read: one statement per event (s_on_event builds it) */

/* The complaint as routing last wrote it, from the read's first row. */
void rt_take_row(rt_apply_t *a, PGresult *r)
{
    if (PQgetisnull(r, 0, S_COL_STATE))
        return; /* not known here yet */
    a->cur.exists = 1;
    a->cur.state = cd_state_from_name(PQgetvalue(r, 0, S_COL_STATE));
    /* holds come back as {a,b}: names have no commas or quotes */
    char holds[256];
    snprintf(holds, sizeof holds, "%s", PQgetvalue(r, 0, S_COL_HOLDS));
    for (char *tok = strtok(holds, "{},"); tok && a->cur.nholds < RT_MAX_HOLDS;
         tok = strtok(NULL, "{},"))
        snprintf(a->cur.holds[a->cur.nholds++], RT_NAME, "%s", tok);
    a->cur.routed = PQgetvalue(r, 0, S_COL_ROUTED)[0] == 't';
    a->cur.acknowledged = PQgetvalue(r, 0, S_COL_ACKNOWLEDGED)[0] == 't';
    a->cur.response_sent = PQgetvalue(r, 0, S_COL_RESPONSE_SENT)[0] == 't';
    a->cur.ack = rt_ack_from_name(PQgetvalue(r, 0, S_COL_ACK));
    snprintf(a->response_due, sizeof a->response_due, "%s", PQgetvalue(r, 0, S_COL_RESPONSE_DUE));
    snprintf(a->version, sizeof a->version, "%s", PQgetvalue(r, 0, S_COL_VERSION));
    a->content = strdup(PQgetvalue(r, 0, S_COL_CONTENT));
    snprintf(a->org_id, sizeof a->org_id, "%s", PQgetvalue(r, 0, S_COL_ORG));
    const ProtobufCEnumValue *ex = protobuf_c_enum_descriptor_get_value_by_name(
        &candour__v1__exclusion__descriptor, PQgetvalue(r, 0, S_COL_EXCLUSION));
    a->exclusion = ex ? ex->value : 0;
    a->chc_appeal = PQgetvalue(r, 0, S_COL_CHC_APPEAL)[0] == 't';
    a->consent_given = PQgetvalue(r, 0, S_COL_CONSENT_GIVEN)[0] == 't';
    a->consent_all = PQgetvalue(r, 0, S_COL_CONSENT_ALL)[0] == 't';
    char share[1024];
    snprintf(share, sizeof share, "%s", PQgetvalue(r, 0, S_COL_CONSENT_SHARE));
    for (char *tok = strtok(share, "{},\""); tok && a->nshare < RT_MAX_PARTNERS;
         tok = strtok(NULL, "{},\""))
        snprintf(a->share[a->nshare++], RT_ORG, "%s", tok);
    a->nservices = atoi(PQgetvalue(r, 0, S_COL_NSERVICES));
    a->cur.consent_asked = PQgetvalue(r, 0, S_COL_CONSENT_ASKED)[0] == 't';
    snprintf(a->lead_org, sizeof a->lead_org, "%s", PQgetvalue(r, 0, S_COL_LEAD_ORG));
    /* organisation ids are letters, digits and hyphens: no quotes to undo */
    char partners[RT_MAX_PARTNERS * RT_ORG + 4];
    snprintf(partners, sizeof partners, "%s", PQgetvalue(r, 0, S_COL_PARTNERS));
    for (char *tok = strtok(partners, "{},\""); tok && a->npartners < RT_MAX_PARTNERS;
         tok = strtok(NULL, "{},\""))
        snprintf(a->partners[a->npartners++], RT_ORG, "%s", tok);
}

/* The routing table's rows for the complaint, one per result row. */
void rt_take_routes(rt_apply_t *a, PGresult *r)
{
    const int c = S_COL_ROUTE;
    a->nroutes = 0;
    for (int i = 0; i < PQntuples(r) && a->nroutes < RT_MAX_ROUTES; i++) {
        if (PQgetisnull(r, i, c))
            continue;
        rt_route_t *rt = &a->routes[a->nroutes++];
        snprintf(rt->service, sizeof rt->service, "%s", PQgetvalue(r, i, c));
        snprintf(rt->kind, sizeof rt->kind, "%s", PQgetvalue(r, i, c + 1));
        snprintf(rt->commissioner, sizeof rt->commissioner, "%s", PQgetvalue(r, i, c + 2));
        snprintf(rt->provider, sizeof rt->provider, "%s", PQgetvalue(r, i, c + 3));
        rt->nhse_direct = PQgetvalue(r, i, c + 4)[0] == 't';
    }
}

/* ---- the history lines of one event, written in order by one statement */

void rt_history_add(rt_history_t *h, const char *event, const char *producer, const char *event_id,
                    const char *detail)
{
    assert(h->n < S_MAX_LINES);
    if (h->n >= S_MAX_LINES)
        return;
    h->event[h->n] = event;
    h->producer[h->n] = producer;
    h->event_id[h->n] = event_id;
    snprintf(h->text[h->n], sizeof h->text[h->n], "%s", detail);
    h->detail[h->n] = h->text[h->n];
    h->n++;
}

/* The lines as arrays, unnested in their order, so their ids keep it. */
void rt_history_write(cd_tx_t *tx, const char *ref, const rt_history_t *h)
{
    if (h->n == 0)
        return;
    size_t n = (size_t)h->n;
    char *ev = cd_pg_text_array(h->event, n);
    char *pr = cd_pg_text_array(h->producer, n);
    char *de = cd_pg_text_array(h->detail, n);
    char *id = cd_pg_text_array(h->event_id, n);
    if (ev && pr && de && id) {
        const char *v[5] = {ref, ev, pr, de, id};
        cd_tx_add(tx,
                  "INSERT INTO routing.history (reference, event, producer, detail, event_id)"
                  " SELECT $1, h.event, h.producer, h.detail, nullif(h.event_id, '')::uuid"
                  " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY"
                  "  AS h (event, producer, detail, event_id, n)"
                  " ORDER BY h.n",
                  5, v);
    } else {
        cd_tx_poison(tx);
    }
    free(ev);
    free(pr);
    free(de);
    free(id);
}

/* The one read of an event (store.h): the row, the receiving body's policy
 * and complaints manager, and its routes for the services on the day. */
const char rt_sql_read[] =
    "WITH c AS (SELECT state, holds, routed_at, acknowledged_at, response_sent_at,"
    "  version, content, org_id, exclusion, chc_appeal, consent_given, consent_all,"
    "  consent_share, received_at, ack, response_due, consent_asked, lead_org, partners"
    "  FROM routing.complaint"
    "  WHERE reference = $1),"
    " k AS (SELECT coalesce((SELECT org_id FROM c), $2) AS org_id,"
    "  coalesce($3::text[], ARRAY(SELECT"
    "   jsonb_array_elements_text((SELECT content FROM c)->'services'))) AS services,"
    "  coalesce((SELECT (received_at AT TIME ZONE 'Europe/London')::date FROM c), $4::date,"
    "   current_date) AS day)"
    " SELECT c.state, c.holds, c.routed_at IS NOT NULL, c.acknowledged_at IS NOT NULL,"
    "  c.response_sent_at IS NOT NULL, c.version, c.content, c.org_id, c.exclusion,"
    "  c.chc_appeal, c.consent_given, c.consent_all, c.consent_share,"
    "  jsonb_array_length(coalesce(c.content->'services', '[]'::jsonb)),"
    "  coalesce(p.pass_to_provider, false), coalesce(p.response_days, 0),"
    "  coalesce(p.update_every_days, 0), c.ack, c.response_due::text,"
    "  c.consent_asked, coalesce(c.lead_org, ''), c.partners,"
    "  m.name, m.job_title, m.email, m.phone,"
    "  r.service, r.kind, r.commissioner, r.provider, r.nhse_direct"
    " FROM k LEFT JOIN c ON true"
    " LEFT JOIN routing.org_policy p ON p.org_id = k.org_id"
    " LEFT JOIN routing.staff m ON m.staff_id = p.complaints_manager AND NOT m.disabled"
    " LEFT JOIN LATERAL (SELECT t.service, t.kind, t.commissioner, t.provider, t.nhse_direct"
    "  FROM routing.route t WHERE t.org_id = k.org_id AND t.service = ANY(k.services)"
    "  AND daterange(t.effective_from, t.effective_to, '[)') @> k.day"
    "  ORDER BY t.service LIMIT 16) r ON true"
    " ORDER BY r.service";

/* ---------------------------------------------------------------- events */

void rt_events_add(cd_tx_t *tx, rt_events_t *evs, const rt_apply_t *a, const char *type,
                   const ProtobufCMessage *payload, const char *const *to)
{
    assert(evs->n < RT_MAX_EVENTS);
    ProtobufCMessage *copy = evs->n < RT_MAX_EVENTS ? cd_pb_clone(payload) : NULL;
    if (!copy) {
        cd_tx_poison(tx); /* never carry out a decision without all its events */
        return;
    }
    evs->copy[evs->n] = copy;
    evs->ev[evs->n++] = (cd_event_out_t){.type = type,
                                         .complaint_ref = a->env->complaint_ref,
                                         .correlation_id = a->env->correlation_id,
                                         .causation_id = a->env->event_id,
                                         .payload = copy,
                                         .subscribers = to};
}

void rt_events_put(cd_tx_t *tx, rt_events_t *evs)
{
    if (evs->n > 0)
        cd_outbox_put_many(cd_service_outbox(rt_app.svc), tx, evs->ev, evs->n, NULL, NULL);
    for (int i = 0; i < evs->n; i++)
        protobuf_c_message_free_unpacked(evs->copy[i], NULL);
    evs->n = 0;
}
