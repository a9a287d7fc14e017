/* apply_sql.c - one event's change (apply.h) as the statements that make it,
 * handed one by one to a sink: the daemon adds them to the event's
 * transaction (events.c), the rebuild runs them on its own (candourctl
 * reporting rebuild). The same statements either way, so the same rows.
 *
 * Column names come from apply.c's constants, never from input; every value
 * is a parameter. */
#include "apply_sql.h"

#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define S_SQL_MAX 8192

/* The expression a column takes in ON CONFLICT DO UPDATE: `old` is the
 * row's value (reporting.complaint's), `EXCLUDED` the event's. */
static int s_merge(char *out, size_t len, const rp_col_t *c)
{
    const char *n = c->column;
    switch (c->merge) {
    case RP_SET:
        return snprintf(out, len, "%s = EXCLUDED.%s", n, n);
    case RP_MIN:
        return snprintf(out, len, "%s = least(complaint.%s, EXCLUDED.%s)", n, n, n);
    case RP_MAX:
        return snprintf(out, len, "%s = greatest(complaint.%s, EXCLUDED.%s)", n, n, n);
    case RP_ADD:
        return snprintf(out, len, "%s = complaint.%s + EXCLUDED.%s", n, n, n);
    case RP_LATEST:
    case RP_EARLIEST:
        return snprintf(out, len,
                        "%s = CASE WHEN complaint.%s IS NULL OR EXCLUDED.%s %s complaint.%s"
                        " THEN EXCLUDED.%s ELSE complaint.%s END",
                        n, c->stamp, c->stamp, c->merge == RP_LATEST ? ">=" : "<=", c->stamp, n, n);
    }
    return -1;
}

/* reporting.complaint: one upsert of the event's columns. */
static int s_complaint(const rp_change_t *ch, rp_sink_fn sink, void *arg)
{
    char cols[2048] = "reference", vals[1024] = "$1", set[S_SQL_MAX / 2] = "";
    const char *v[RP_MAX_COLS + 1] = {ch->reference};
    size_t cl = strlen(cols), vl = strlen(vals), sl = 0;
    for (int i = 0; i < ch->ncols; i++) {
        const rp_col_t *c = &ch->cols[i];
        v[i + 1] = c->is_null ? NULL : c->value;
        cl += (size_t)snprintf(cols + cl, sizeof cols - cl, ", %s", c->column);
        vl += (size_t)snprintf(vals + vl, sizeof vals - vl, ", $%d::%s", i + 2, c->type);
        if (sl)
            sl += (size_t)snprintf(set + sl, sizeof set - sl, ", ");
        sl += (size_t)s_merge(set + sl, sizeof set - sl, c);
        assert(cl < sizeof cols && vl < sizeof vals && sl < sizeof set);
    }
    char sql[S_SQL_MAX];
    int n = snprintf(sql, sizeof sql,
                     "INSERT INTO reporting.complaint AS complaint (%s) VALUES (%s)"
                     " ON CONFLICT (reference) DO %s%s",
                     cols, vals, ch->ncols ? "UPDATE SET " : "NOTHING", set);
    assert(n > 0 && (size_t)n < sizeof sql);
    (void)n; /* checked by the assert only */
    return sink(arg, sql, ch->ncols + 1, v);
}

/* reporting.aspect: a completion's aspects replace those of every older
 * completion, and an older one arriving late changes nothing. */
static int s_aspects(const rp_change_t *ch, rp_sink_fn sink, void *arg)
{
    char us[24];
    snprintf(us, sizeof us, "%" PRId64, ch->aspects_us);
    const char *d[2] = {ch->reference, us};
    int rc =
        sink(arg, "DELETE FROM reporting.aspect WHERE reference = $1 AND completed_us < $2::bigint",
             2, d);
    for (int i = 0; rc == 0 && i < ch->naspects; i++) {
        const rp_aspect_t *a = &ch->aspects[i];
        const char *v[7] = {ch->reference,
                            a->issue_id,
                            a->subject[0] ? a->subject : NULL,
                            a->service_area[0] ? a->service_area : NULL,
                            a->profession[0] ? a->profession : NULL,
                            a->verdict[0] ? a->verdict : NULL,
                            us};
        rc = sink(arg,
                  "INSERT INTO reporting.aspect AS a (reference, issue_id, subject, service_area,"
                  " profession, verdict, completed_us)"
                  " SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::bigint"
                  " WHERE NOT EXISTS (SELECT 1 FROM reporting.aspect WHERE reference = $1::text"
                  " AND completed_us > $7::bigint)"
                  " ON CONFLICT (reference, issue_id) DO UPDATE SET subject = EXCLUDED.subject,"
                  " service_area = EXCLUDED.service_area, profession = EXCLUDED.profession,"
                  " verdict = EXCLUDED.verdict, completed_us = EXCLUDED.completed_us",
                  7, v);
    }
    return rc;
}

/* reporting.partner: a part recorded (contributed, waived) outranks
 * "expected", whichever event comes first. */
static int s_partners(const rp_change_t *ch, rp_sink_fn sink, void *arg)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < ch->npartners; i++) {
        const char *v[3] = {ch->reference, ch->partners[i].org_id, ch->partners[i].part};
        rc = sink(arg,
                  "INSERT INTO reporting.partner AS p (reference, org_id, part) VALUES ($1, $2, $3)"
                  " ON CONFLICT (reference, org_id) DO UPDATE SET part = EXCLUDED.part"
                  " WHERE EXCLUDED.part <> 'expected'",
                  3, v);
    }
    return rc;
}

/* reporting.action: a completion's actions replace those of every older
 * completion, and an older one arriving late changes nothing (as aspects). */
static int s_actions(const rp_change_t *ch, rp_sink_fn sink, void *arg)
{
    char us[24];
    snprintf(us, sizeof us, "%" PRId64, ch->actions_us);
    const char *d[2] = {ch->reference, us};
    int rc =
        sink(arg, "DELETE FROM reporting.action WHERE reference = $1 AND recorded_us < $2::bigint",
             2, d);
    for (int i = 0; rc == 0 && i < ch->nactions; i++) {
        const rp_action_t *a = &ch->actions[i];
        char n[16];
        snprintf(n, sizeof n, "%d", a->n);
        const char *v[5] = {ch->reference, n, a->due, a->done_on[0] ? a->done_on : NULL, us};
        rc = sink(arg,
                  "INSERT INTO reporting.action AS a (reference, n, due, done_on, recorded_us)"
                  " SELECT $1::text, $2::integer, $3::date, $4::date, $5::bigint"
                  " WHERE NOT EXISTS (SELECT 1 FROM reporting.action WHERE reference = $1::text"
                  " AND recorded_us > $5::bigint)"
                  " ON CONFLICT (reference, n) DO UPDATE SET due = EXCLUDED.due,"
                  " done_on = EXCLUDED.done_on, recorded_us = EXCLUDED.recorded_us",
                  5, v);
    }
    return rc;
}

/* reporting.action: one action done later (action.done), by its number; an
 * action the reporting schema has not (yet) got changes nothing. */
static int s_action_done(const rp_change_t *ch, rp_sink_fn sink, void *arg)
{
    char n[16];
    snprintf(n, sizeof n, "%d", ch->actions[0].n);
    const char *v[3] = {ch->reference, n, ch->actions[0].done_on};
    return sink(arg,
                "UPDATE reporting.action SET done_on = $3::date"
                " WHERE reference = $1 AND n = $2::integer",
                3, v);
}

static int s_stage(const rp_change_t *ch, rp_sink_fn sink, void *arg)
{
    const rp_col_t *st = rp_change_col(ch, "ombudsman_us");
    assert(st);
    const char *v[5] = {ch->reference, ch->stage.stage,
                        ch->stage.stage_on[0] ? ch->stage.stage_on : NULL,
                        ch->stage.outcome[0] ? ch->stage.outcome : NULL, st->value};
    return sink(arg,
                "INSERT INTO reporting.ombudsman_stage AS s (reference, stage, stage_on, outcome,"
                " recorded_us) VALUES ($1, $2, $3::date, $4, $5::bigint)"
                " ON CONFLICT (reference, stage) DO UPDATE SET stage_on = EXCLUDED.stage_on,"
                " outcome = EXCLUDED.outcome, recorded_us = EXCLUDED.recorded_us"
                " WHERE s.recorded_us <= EXCLUDED.recorded_us",
                5, v);
}

int rp_sql_same_shape(const rp_change_t *a, const rp_change_t *b)
{
    if (a->ncols != b->ncols)
        return 0;
    for (int i = 0; i < a->ncols; i++) {
        const rp_col_t *x = &a->cols[i], *y = &b->cols[i];
        if (strcmp(x->column, y->column) != 0 || strcmp(x->type, y->type) != 0 ||
            x->merge != y->merge ||
            (x->stamp != y->stamp && (!x->stamp || !y->stamp || strcmp(x->stamp, y->stamp) != 0)))
            return 0;
    }
    return 1;
}

/* The rows of chs[0..n) as one JSON document: [{"reference": .., column: value
 * or null, ..}]. NULL when out of memory (or a value that is not UTF-8, which
 * a code, a date or a number never is). */
static char *s_rows_json(const rp_change_t *const *chs, int n)
{
    json_t *doc = json_array();
    for (int k = 0; doc && k < n; k++) {
        const rp_change_t *ch = chs[k];
        json_t *o = json_object();
        int bad = !o || json_array_append_new(doc, o) != 0 ||
                  json_object_set_new(o, "reference", json_string(ch->reference)) != 0;
        for (int i = 0; !bad && i < ch->ncols; i++) {
            const rp_col_t *c = &ch->cols[i];
            bad = json_object_set_new(o, c->column,
                                      c->is_null ? json_null() : json_string(c->value)) != 0;
        }
        if (bad) {
            json_decref(doc);
            doc = NULL;
        }
    }
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

int rp_sql_complaints(const rp_change_t *const *chs, int n, rp_sink_fn sink, void *arg)
{
    assert(n >= 1);
    const rp_change_t *ch = chs[0];
    char cols[2048] = "reference", sel[2048] = "r.reference", defs[2048] = "reference text",
         set[S_SQL_MAX / 2] = "";
    size_t cl = strlen(cols), pl = strlen(sel), dl = strlen(defs), sl = 0;
    for (int i = 0; i < ch->ncols; i++) {
        const rp_col_t *c = &ch->cols[i];
        cl += (size_t)snprintf(cols + cl, sizeof cols - cl, ", %s", c->column);
        pl += (size_t)snprintf(sel + pl, sizeof sel - pl, ", r.%s", c->column);
        dl += (size_t)snprintf(defs + dl, sizeof defs - dl, ", %s %s", c->column, c->type);
        if (sl)
            sl += (size_t)snprintf(set + sl, sizeof set - sl, ", ");
        sl += (size_t)s_merge(set + sl, sizeof set - sl, c);
        assert(cl < sizeof cols && pl < sizeof sel && dl < sizeof defs && sl < sizeof set);
    }
    char sql[S_SQL_MAX];
    int len = snprintf(sql, sizeof sql,
                       "INSERT INTO reporting.complaint AS complaint (%s) SELECT %s"
                       " FROM jsonb_to_recordset($1::jsonb) AS r(%s)"
                       " ON CONFLICT (reference) DO %s%s",
                       cols, sel, defs, ch->ncols ? "UPDATE SET " : "NOTHING", set);
    assert(len > 0 && (size_t)len < sizeof sql);
    (void)len;
    char *rows = s_rows_json(chs, n);
    if (!rows)
        return -1;
    const char *v[1] = {rows};
    int rc = sink(arg, sql, 1, v);
    free(rows);
    return rc;
}

int rp_sql_rest(const rp_change_t *ch, rp_sink_fn sink, void *arg)
{
    int rc = 0;
    if (rc == 0 && ch->aspects_set)
        rc = s_aspects(ch, sink, arg);
    if (rc == 0 && ch->npartners)
        rc = s_partners(ch, sink, arg);
    if (rc == 0 && ch->has_stage)
        rc = s_stage(ch, sink, arg);
    if (rc == 0 && ch->actions_set)
        rc = s_actions(ch, sink, arg);
    if (rc == 0 && ch->action_done)
        rc = s_action_done(ch, sink, arg);
    return rc;
}

int rp_sql(const rp_change_t *ch, rp_sink_fn sink, void *arg)
{
    /* The complaint's row first: the others name it (foreign keys). */
    int rc = s_complaint(ch, sink, arg);
    return rc == 0 ? rp_sql_rest(ch, sink, arg) : rc;
}
