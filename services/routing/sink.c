/* sink.c - a batch's history lines, events and deadlines, written together
 * (sink.h). */
#include "sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"
#include "routing.h"

struct rt_sink {
    /* history lines, as rt_history_write's columns, with their references */
    const char **h_ref, **h_event, **h_producer, **h_event_id;
    char **h_detail; /* copies */
    int nh, caph;
    cd_event_out_t *ev; /* events, in the order decided; their payloads owned */
    ProtobufCMessage **copy;
    int ne, cape;
    char **d; /* deadlines: 6 copies a complaint */
    int nd, capd;
    char **u; /* row updates: RT_SINK_UPDATE_COLS copies (NULL kept) an update */
    int nu, capu;
    char **met; /* deadlines met: reference and name, copies */
    int nmet, capmet;
    char **closed; /* complaints whose open deadlines close: references, copies */
    int nclosed, capclosed;
    int failed; /* out of memory: the batch must not commit */
};

rt_sink_t *rt_sink_new(void)
{
    return calloc(1, sizeof(rt_sink_t));
}

void rt_sink_free(rt_sink_t **ps)
{
    rt_sink_t *s = *ps;
    if (!s)
        return;
    *ps = NULL;
    for (int i = 0; i < s->nh; i++)
        free(s->h_detail[i]);
    for (int i = 0; i < s->ne; i++)
        protobuf_c_message_free_unpacked(s->copy[i], NULL);
    for (int i = 0; i < 6 * s->nd; i++)
        free(s->d[i]);
    for (int i = 0; i < RT_SINK_UPDATE_COLS * s->nu; i++)
        free(s->u[i]);
    for (int i = 0; i < 2 * s->nmet; i++)
        free(s->met[i]);
    for (int i = 0; i < s->nclosed; i++)
        free(s->closed[i]);
    free(s->u);
    free(s->met);
    free(s->closed);
    free(s->h_ref);
    free(s->h_event);
    free(s->h_producer);
    free(s->h_event_id);
    free(s->h_detail);
    free(s->ev);
    free(s->copy);
    free(s->d);
    free(s);
}

/* *p resized to c elements of size: 0, or -1 out of memory (*p kept). */
static int s_resize(void *p, int c, size_t size)
{
    void **pp = p;
    void *q = realloc(*pp, (size_t)c * size);
    if (!q)
        return -1;
    *pp = q;
    return 0;
}

void rt_sink_history(rt_sink_t *s, const char *ref, const rt_history_t *h)
{
    for (int i = 0; i < h->n && !s->failed; i++) {
        if (s->nh == s->caph) {
            int c = s->caph ? 2 * s->caph : 64;
            if (s_resize(&s->h_ref, c, sizeof *s->h_ref) ||
                s_resize(&s->h_event, c, sizeof *s->h_event) ||
                s_resize(&s->h_producer, c, sizeof *s->h_producer) ||
                s_resize(&s->h_event_id, c, sizeof *s->h_event_id) ||
                s_resize(&s->h_detail, c, sizeof *s->h_detail)) {
                s->failed = 1; /* the arrays that grew are freed with s */
                return;
            }
            s->caph = c;
        }
        if (!(s->h_detail[s->nh] = strdup(h->detail[i]))) {
            s->failed = 1;
            return;
        }
        s->h_ref[s->nh] = ref;
        s->h_event[s->nh] = h->event[i];
        s->h_producer[s->nh] = h->producer[i];
        s->h_event_id[s->nh] = h->event_id[i];
        s->nh++;
    }
}

void rt_sink_events(rt_sink_t *s, rt_events_t *evs)
{
    for (int i = 0; i < evs->n; i++) {
        if (!s->failed && s->ne == s->cape) {
            int c = s->cape ? 2 * s->cape : 64;
            if (s_resize(&s->ev, c, sizeof *s->ev) || s_resize(&s->copy, c, sizeof *s->copy))
                s->failed = 1;
            else
                s->cape = c;
        }
        if (s->failed) {
            protobuf_c_message_free_unpacked(evs->copy[i], NULL);
            continue;
        }
        s->ev[s->ne] = evs->ev[i];
        s->copy[s->ne++] = evs->copy[i];
    }
    evs->n = 0;
}

void rt_sink_deadlines(rt_sink_t *s, const char *const v[6])
{
    if (!s->failed && 6 * (s->nd + 1) > s->capd) {
        int c = s->capd ? 2 * s->capd : 6 * 64;
        if (s_resize(&s->d, c, sizeof *s->d))
            s->failed = 1;
        else
            s->capd = c;
    }
    for (int k = 0; k < 6 && !s->failed; k++)
        if (!(s->d[6 * s->nd + k] = strdup(v[k] ? v[k] : ""))) {
            for (int j = 0; j < k; j++)
                free(s->d[6 * s->nd + j]);
            s->failed = 1;
        }
    if (!s->failed)
        s->nd++;
}

/* Append k strings (copies; NULL stays NULL) to the array *a of *n groups
 * of k (capacity *cap strings): 0, or -1 out of memory (nothing added). */
static int s_append(char ***a, int *n, int *cap, int k, const char *const *v)
{
    if (k * (*n + 1) > *cap) {
        int c = *cap ? 2 * *cap : 64 * k;
        if (s_resize(a, c, sizeof **a))
            return -1;
        *cap = c;
    }
    for (int i = 0; i < k; i++)
        if (v[i] && !((*a)[k * *n + i] = strdup(v[i]))) {
            for (int j = 0; j < i; j++)
                free((*a)[k * *n + j]);
            return -1;
        } else if (!v[i]) {
            (*a)[k * *n + i] = NULL;
        }
    (*n)++;
    return 0;
}

void rt_sink_update(rt_sink_t *s, const char *const v[RT_SINK_UPDATE_COLS], const char *met,
                    int close)
{
    if (s->failed || s_append(&s->u, &s->nu, &s->capu, RT_SINK_UPDATE_COLS, v) != 0) {
        s->failed = 1;
        return;
    }
    const char *m[2] = {v[0], met};
    if (met && s_append(&s->met, &s->nmet, &s->capmet, 2, m) != 0)
        s->failed = 1;
    if (close && s_append(&s->closed, &s->nclosed, &s->capclosed, 1, v) != 0)
        s->failed = 1;
}

/* The row updates, as store.c's statement for one (rt_store_update), for
 * all: each only if its version is still the one read, else the whole
 * batch fails (P0002) and its events go one by one. */
static int s_write_updates(rt_sink_t *s, cd_tx_t *tx)
{
    char *a[RT_SINK_UPDATE_COLS + 1] = {NULL};
    int bad = cd_pg_text_columns((const char *const *)s->u, (size_t)s->nu, RT_SINK_UPDATE_COLS, a);
    char n[16];
    snprintf(n, sizeof n, "%d", s->nu);
    a[RT_SINK_UPDATE_COLS] = n;
    if (!bad)
        bad = cd_tx_add(
            tx,
            "WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
            " $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],"
            " $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])"
            " AS v (ref, ver, state, holds, route, met, content, cg, ca, cs, outcome, reason,"
            " lead, partners, ack, asked, inv)),"
            " u AS (UPDATE routing.complaint c SET state = v.state, holds = v.holds::text[],"
            " routed_at = CASE WHEN v.route::boolean THEN now() ELSE c.routed_at END,"
            " acknowledged_at = CASE WHEN v.met = 'acknowledgement'"
            "  THEN coalesce(c.acknowledged_at, now()) ELSE c.acknowledged_at END,"
            " response_sent_at = CASE WHEN v.met = 'response'"
            "  THEN coalesce(c.response_sent_at, now()) ELSE c.response_sent_at END,"
            " content = coalesce(v.content::jsonb, c.content),"
            " consent_given = coalesce(v.cg::boolean, c.consent_given),"
            " consent_all = coalesce(v.ca::boolean, c.consent_all),"
            " consent_share = coalesce(v.cs::text[], c.consent_share),"
            " triage_outcome = coalesce(v.outcome, c.triage_outcome),"
            " triage_reason = coalesce(v.reason, c.triage_reason),"
            " lead_org = coalesce(v.lead, c.lead_org),"
            " partners = coalesce(v.partners::text[], c.partners), ack = v.ack,"
            " consent_asked = v.asked::boolean, investigator = coalesce(v.inv, c.investigator),"
            " version = c.version + 1, updated_at = now()"
            " FROM v WHERE c.reference = v.ref AND c.version = v.ver::int RETURNING 1)"
            " SELECT routing.expect(count(*) = $18::int, 'complaint changed meanwhile: decide"
            " again') FROM u",
            RT_SINK_UPDATE_COLS + 1, (const char *const *)a);
    for (int k = 0; k < RT_SINK_UPDATE_COLS; k++)
        free(a[k]), a[k] = NULL;
    if (!bad && s->nmet) {
        bad = cd_pg_text_columns((const char *const *)s->met, (size_t)s->nmet, 2, a);
        if (!bad)
            bad = cd_tx_add(tx,
                            "UPDATE routing.deadline d SET met_at = coalesce(d.met_at, now()),"
                            " closed_at = CASE WHEN d.name <> m.met AND d.met_at IS NULL"
                            " THEN now() ELSE d.closed_at END"
                            " FROM unnest($1::text[], $2::text[]) AS m (ref, met)"
                            " WHERE d.reference = m.ref AND (d.name = m.met OR (m.met ="
                            " 'response' AND d.name IN ('update', 'six-months')))",
                            2, (const char *const *)a);
        free(a[0]), free(a[1]), a[0] = a[1] = NULL;
    }
    if (!bad && s->nclosed) {
        bad = cd_pg_text_columns((const char *const *)s->closed, (size_t)s->nclosed, 1, a);
        if (!bad)
            bad = cd_tx_add(tx,
                            "UPDATE routing.deadline SET closed_at = now()"
                            " WHERE reference = ANY ($1::text[]) AND met_at IS NULL"
                            " AND closed_at IS NULL",
                            1, (const char *const *)a);
        free(a[0]);
    }
    return bad;
}

void rt_sink_write(rt_sink_t *s, cd_tx_t *tx)
{
    if (s->failed) {
        cd_tx_poison(tx);
        return;
    }
    char *a[6] = {NULL};
    int bad = s->nu ? s_write_updates(s, tx) : 0;
    if (!bad && s->nd) {
        bad = cd_pg_text_columns((const char *const *)s->d, (size_t)s->nd, 6, a);
        if (!bad)
            bad = cd_tx_add(
                tx,
                "INSERT INTO routing.deadline (reference, name, due)"
                " SELECT d.ref, x.name, x.due::date FROM unnest($1::text[], $2::text[],"
                " $3::text[], $4::text[], $5::text[], $6::text[]) AS d (ref, ack, resp, upd,"
                " cls, six), LATERAL (VALUES ('acknowledgement', d.ack), ('response', d.resp),"
                " ('update', nullif(d.upd, '')), ('six-months', d.six)) AS x (name, due)"
                " WHERE x.due IS NOT NULL AND d.cls = 'CLASSIFICATION_COMPLAINT'",
                6, (const char *const *)a);
        for (int k = 0; k < 6; k++)
            free(a[k]), a[k] = NULL;
    }
    if (!bad && s->ne)
        bad = cd_outbox_put_many(cd_service_outbox(rt_app.svc), tx, s->ev, s->ne, NULL, NULL);
    if (!bad && s->nh) {
        const char **cols[5] = {s->h_ref, s->h_event, s->h_producer, (const char **)s->h_detail,
                                s->h_event_id};
        for (int k = 0; !bad && k < 5; k++)
            bad = !(a[k] = cd_pg_text_array(cols[k], (size_t)s->nh));
        if (!bad)
            bad = cd_tx_add(tx,
                            "INSERT INTO routing.history (reference, event, producer, detail,"
                            " event_id) SELECT h.ref, h.event, h.producer, h.detail,"
                            " nullif(h.event_id, '')::uuid FROM unnest($1::text[], $2::text[],"
                            " $3::text[], $4::text[], $5::text[]) WITH ORDINALITY"
                            "  AS h (ref, event, producer, detail, event_id, n) ORDER BY h.n",
                            5, (const char *const *)a);
        for (int k = 0; k < 5; k++)
            free(a[k]);
    }
    if (bad)
        cd_tx_poison(tx);
}
