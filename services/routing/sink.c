/* sink.c - a batch's history lines, events and deadlines, written together
 * (sink.h). */
#include "sink.h"

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

/* columns[k][i] = v[i * stride + k] as text[] literals; 0 or -1. */
static int s_columns(const char *const *v, int n, int stride, int ncols, char **out)
{
    const char **col = malloc((size_t)(n ? n : 1) * sizeof *col);
    int rc = col ? 0 : -1;
    for (int k = 0; rc == 0 && k < ncols; k++) {
        for (int i = 0; i < n; i++)
            col[i] = v[i * stride + k];
        rc = (out[k] = cd_pg_text_array(col, (size_t)n)) ? 0 : -1;
    }
    free(col);
    return rc;
}

void rt_sink_write(rt_sink_t *s, cd_tx_t *tx)
{
    if (s->failed) {
        cd_tx_poison(tx);
        return;
    }
    char *a[6] = {NULL};
    int bad = 0;
    if (s->nd) {
        bad = s_columns((const char *const *)s->d, s->nd, 6, 6, a);
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
