/* outbox_put.c - putting events in the transactional outbox (outbox.h:
 * cd_outbox_put, cd_outbox_put_many): the statements that add an event and
 * its delivery rows to the caller's transaction. The dispatcher that sends
 * them is outbox.c's. */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/events.h"
#include "candour/outbox.h"
#include "candour/pb.h"
#include "candour/util.h"
#include "outbox_int.h"

/* ---------------------------------------------------------------- put
 *
 * Two ways in, one event format: cd_outbox_put binds one event's fields as
 * parameters (the payload in binary); cd_outbox_put_many sends n events as
 * one JSON array (the payload in hex) and inserts them with one statement.
 * What each event gets - its ids, its payload bytes, "" for what is absent -
 * is decided in one place, s_put_prepare, so the two cannot drift apart. */

/* One event, ready to be put. */
typedef struct {
    char event_id[CD_UUID_LEN + 1];
    char corr[CD_UUID_LEN + 1]; /* a new correlation id, when the event had none */
    const char *correlation;    /* the event's, or corr */
    const char *complaint_ref;  /* "" if none */
    const char *causation;      /* "" if none */
    uint8_t *payload;           /* packed event message (malloc'd) */
    size_t plen;
} s_put_t;

/* Who hears ev: its own list, else the catalogue's for its type. */
static const char *const *s_subs(const cd_event_out_t *ev)
{
    if (ev->subscribers)
        return ev->subscribers;
    const cd_event_type_t *t = cd_event_type(ev->type);
    assert(t && "an event type missing from the catalogue (events.c)");
    return t ? t->subscribers : NULL;
}

static int s_put_prepare(const cd_event_out_t *ev, s_put_t *p)
{
    assert(ev && ev->type && ev->payload && s_subs(ev));
    p->payload = NULL;
    if (cd_uuid(p->event_id) != 0)
        return CD_EIO;
    p->correlation = ev->correlation_id;
    if (!p->correlation || !*p->correlation) {
        if (cd_uuid(p->corr) != 0)
            return CD_EIO;
        p->correlation = p->corr;
    }
    p->complaint_ref = ev->complaint_ref ? ev->complaint_ref : "";
    p->causation = ev->causation_id ? ev->causation_id : "";
    p->payload = cd_pb_pack(ev->payload, &p->plen);
    return p->payload ? 0 : CD_ENOMEM;
}

/* " WHERE guard_sql" with every $G replaced by bind (a placeholder or a
 * column), or "" without a guard. guard_sql is trusted compile-time SQL. */
static void s_guard_where(const char *guard_sql, const char *bind, char *out, size_t len)
{
    out[0] = 0;
    if (!guard_sql)
        return;
    assert(strstr(guard_sql, "$G") && "guard_sql must use $G");
    size_t n = (size_t)snprintf(out, len, " WHERE ");
    for (const char *s = guard_sql; *s && n < len;) {
        const char *g = strstr(s, "$G");
        size_t take = g ? (size_t)(g - s) : strlen(s);
        n += (size_t)snprintf(out + n, len - n, "%.*s%s", (int)take, s, g ? bind : "");
        s += take + (g ? 2 : 0);
    }
    assert(n < len && "guard_sql too long");
}

int cd_outbox_put(cd_outbox_t *ob, cd_tx_t *tx, const cd_event_out_t *ev, const char *guard_sql,
                  const char *guard_param)
{
    assert(ob && ev && ev->type && ev->payload && s_subs(ev));
    if (!tx)
        return CD_ENOMEM;
    const char *schema = cd_outbox_schema_of(ob);
    s_put_t p;
    int rc = s_put_prepare(ev, &p);
    if (rc != 0) {
        free(p.payload);
        cd_tx_poison(tx);
        return rc;
    }
    /* Subscribers as a text[] literal; names are compile-time identifiers. */
    char subs[512] = "{";
    const char *const *to = s_subs(ev);
    for (int i = 0; to[i]; i++) {
        if (i)
            strncat(subs, ",", sizeof subs - strlen(subs) - 1);
        strncat(subs, to[i], sizeof subs - strlen(subs) - 1);
    }
    strncat(subs, "}", sizeof subs - strlen(subs) - 1);

    /* $G -> $8: the guard's one parameter follows the seven of the put. */
    char guard[S_SQL_MAX];
    s_guard_where(guard_sql, "$8", guard, sizeof guard);
    char sql[S_SQL_MAX * 2];
    snprintf(sql, sizeof sql,
             "WITH o AS (INSERT INTO %s.outbox (event_id, type, complaint_ref, correlation_id,"
             " causation_id, payload) SELECT $1::uuid, $2, $3, $4, $5, $6%s"
             " RETURNING seq, event_id, complaint_ref)"
             " INSERT INTO %s.outbox_delivery (seq, subscriber, event_id, complaint_ref)"
             " SELECT o.seq, sub, o.event_id, o.complaint_ref FROM o, unnest($7::text[]) AS sub",
             schema, guard, schema);
    const char *vals[8] = {p.event_id,    ev->type,    p.complaint_ref,
                           p.correlation, p.causation, (const char *)p.payload,
                           subs,          guard_param};
    int lens[8] = {0, 0, 0, 0, 0, (int)p.plen, 0, 0};
    int fmts[8] = {0, 0, 0, 0, 0, 1, 0, 0};
    rc = cd_tx_addv(tx, sql, guard_sql ? 8 : 7, vals, lens, fmts);
    free(p.payload);
    return rc;
}

/* bytes as lower-case hex, for decode(..., 'hex'); malloc'd. */
static char *s_hex(const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *out = malloc(2 * n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
    return out;
}

/* One event as an object of put_many's document; NULL on failure, with *rc
 * CD_ENOMEM, CD_EIO, or CD_EINVAL for a string that is not UTF-8 (jansson
 * returns NULL for that and for no memory alike: it is taken as the first). */
static json_t *s_event_json(const cd_event_out_t *ev, const char *guard, int *rc)
{
    s_put_t p;
    if ((*rc = s_put_prepare(ev, &p)) != 0) {
        free(p.payload);
        return NULL;
    }
    char *hex = s_hex(p.payload, p.plen);
    free(p.payload);
    json_t *subs = json_array(), *o = json_object();
    if (!hex || !subs || !o) {
        *rc = CD_ENOMEM;
        goto err;
    }
    *rc = CD_EINVAL;
    const char *const *to = s_subs(ev);
    for (int i = 0; to[i]; i++)
        if (json_array_append_new(subs, json_string(to[i])) != 0)
            goto err;
    /* The _new setters take the value's reference, even when they fail. */
    if (json_object_set_new(o, "event_id", json_string(p.event_id)) ||
        json_object_set_new(o, "type", json_string(ev->type)) ||
        json_object_set_new(o, "complaint_ref", json_string(p.complaint_ref)) ||
        json_object_set_new(o, "correlation_id", json_string(p.correlation)) ||
        json_object_set_new(o, "causation_id", json_string(p.causation)) ||
        json_object_set_new(o, "payload", json_stringn_nocheck(hex, 2 * p.plen)) ||
        json_object_set_new(o, "guard", guard ? json_string(guard) : json_null()))
        goto err;
    if (json_object_set_new(o, "subscribers", subs) != 0) {
        subs = NULL; /* taken all the same */
        goto err;
    }
    free(hex);
    *rc = 0;
    return o;
err:
    free(hex);
    json_decref(subs);
    json_decref(o);
    return NULL;
}

int cd_outbox_put_many(cd_outbox_t *ob, cd_tx_t *tx, const cd_event_out_t *evs, int n,
                       const char *guard_sql, const char *const *guard_params)
{
    assert(ob && n >= 0 && (evs || n == 0));
    assert(!guard_sql || guard_params || n == 0);
    if (!tx)
        return CD_ENOMEM;
    const char *schema = cd_outbox_schema_of(ob);
    int rc = 0;
    json_t *doc = json_array();
    if (!doc)
        rc = CD_ENOMEM;
    for (int i = 0; rc == 0 && i < n; i++) {
        json_t *o = s_event_json(&evs[i], guard_sql ? guard_params[i] : NULL, &rc);
        if (o && json_array_append_new(doc, o) != 0)
            rc = CD_ENOMEM;
    }
    char *text = rc == 0 ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (rc == 0 && !text)
        rc = CD_ENOMEM;
    if (rc != 0) {
        cd_tx_poison_err(tx, rc);
        return rc;
    }
    /* The document's rows in array order (n); ORDER BY n gives the outbox
     * rows their seq in that order. Each delivery row finds its event again
     * through event_id, which the INSERT's RETURNING can give back. */
    char guard[S_SQL_MAX];
    s_guard_where(guard_sql, "cd_e.guard", guard, sizeof guard);
    char sql[S_SQL_MAX * 2];
    snprintf(sql, sizeof sql,
             "WITH cd_e AS (SELECT e.n, r.* FROM jsonb_array_elements($1::jsonb)"
             " WITH ORDINALITY AS e(j, n), jsonb_to_record(e.j) AS r(event_id uuid, type text,"
             " complaint_ref text, correlation_id text, causation_id text, payload text,"
             " subscribers jsonb, guard text)),"
             " o AS (INSERT INTO %s.outbox (event_id, type, complaint_ref, correlation_id,"
             " causation_id, payload) SELECT cd_e.event_id, cd_e.type, cd_e.complaint_ref,"
             " cd_e.correlation_id, cd_e.causation_id, decode(cd_e.payload, 'hex') FROM cd_e%s"
             " ORDER BY cd_e.n RETURNING seq, event_id, complaint_ref)"
             " INSERT INTO %s.outbox_delivery (seq, subscriber, event_id, complaint_ref)"
             " SELECT o.seq, sub, o.event_id, o.complaint_ref FROM o"
             " JOIN cd_e ON cd_e.event_id = o.event_id,"
             " jsonb_array_elements_text(cd_e.subscribers) AS sub",
             schema, guard, schema);
    const char *vals[1] = {text};
    rc = cd_tx_add(tx, sql, 1, vals);
    free(text);
    return rc;
}
