/* marks_batch.c - the letters of a round that went, recorded together: one
 * transaction, one statement for the letters, one for their attempts and
 * one for their letter.sent events (outbox.h's cd_outbox_put_many), where
 * marks.c takes a transaction of three statements for each. What each
 * letter comes to is what nt_mark would make of it alone: moved on from
 * queued to sent or delivered, the attempt kept, routing told. If the
 * transaction fails (a letter no longer queued, say), each letter is marked
 * alone, so each gets its own outcome. Letters that did not go (a retry, a
 * failure for good) and alerts are marked alone (marks.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "delivery.h"
#include "notify.h"

/* A letter that went, copied out of the round (freed after the marking). */
typedef struct {
    nt_item_t it; /* its owned strings are not copied: NULL here */
    char *path;   /* its spool file's path (NULL: none) */
    const char *state;
    long wait;
} s_gone_t;

typedef struct {
    nt_app_t *app;
    int n;
    s_gone_t *g;
} s_batch_t;

/* Letters recorded in a batch (candour_letters_marked_together_total). */
static cd_metric_t *s_together;

static void s_batch_free(s_batch_t *b)
{
    for (int i = 0; b && i < b->n; i++)
        free(b->g[i].path);
    if (b)
        free(b->g);
    free(b);
}

/* Each letter of a failed batch alone. */
static void s_each_alone(s_batch_t *b)
{
    nt_spool_file_t *f = calloc(1, sizeof *f);
    for (int i = 0; f && i < b->n; i++) {
        const s_gone_t *g = &b->g[i];
        memset(f, 0, sizeof *f);
        if (g->path)
            snprintf(f->path, sizeof f->path, "%s", g->path);
        else
            f->err = -1;
        nt_mark(b->app, &g->it, f);
    }
    if (!f)
        cd_log_error("letter.mark_failed", "{s:i, s:s}", "letters", b->n, "reason",
                     "out of memory: the letters stay queued and go again");
    free(f);
}

static void s_on_batch(const cd_tx_result_t *res, void *arg)
{
    s_batch_t *b = arg;
    if (res->err != 0) {
        cd_log_warn("letter.mark_batch_split", "{s:i, s:s}", "letters", b->n, "sqlstate",
                    res->sqlstate);
        s_each_alone(b);
    } else {
        for (int i = 0; i < b->n; i++) {
            const nt_item_t *it = &b->g[i].it;
            cd_log_info("letter.delivered", "{s:s, s:s, s:s, s:s, s:i}", "reference", it->reference,
                        "kind", it->name, "channel", it->channel, "state", b->g[i].state, "attempt",
                        it->attempt);
        }
        cd_metric_add(b->app->m_letters, (uint64_t)b->n);
        if (!s_together)
            s_together = cd_metric_counter("candour_letters_marked_together_total", NULL,
                                           "Letters that went recorded in one transaction with"
                                           " others of their round.");
        cd_metric_add(s_together, (uint64_t)b->n);
        cd_service_kick(b->app->svc);
    }
    s_batch_free(b);
}

/* The batch's statements, added to tx. 0, or -1. */
static int s_statements(s_batch_t *b, cd_tx_t *tx)
{
    enum { ID, STATE, ATTEMPT, WAIT, PATH, CHANNEL, OUTCOME, CODE, DETAIL, NCOL };
    size_t n = (size_t)b->n;
    const char **rows = calloc(n * NCOL, sizeof *rows);
    char(*nums)[3][24] = calloc(n, sizeof *nums);
    cd_event_out_t *outs = calloc(n, sizeof *outs);
    Candour__V1__LetterSent *ls = calloc(n, sizeof *ls);
    char *cols[NCOL] = {NULL};
    int rc = rows && nums && outs && ls ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        s_gone_t *g = &b->g[i];
        snprintf(nums[i][0], sizeof nums[i][0], "%d", g->it.attempt);
        snprintf(nums[i][1], sizeof nums[i][1], "%ld", g->wait);
        snprintf(nums[i][2], sizeof nums[i][2], "%ld", g->it.code);
        const char *row[NCOL] = {g->it.id,
                                 g->state,
                                 nums[i][0],
                                 nums[i][1],
                                 g->path,
                                 g->it.channel,
                                 nt_attempt_name(g->it.outcome),
                                 nums[i][2],
                                 g->it.detail};
        memcpy(rows + i * NCOL, row, sizeof row);
        candour__v1__letter_sent__init(&ls[i]);
        ls[i].kind = g->it.name;
        ls[i].letter_id = g->it.id;
        ls[i].channel = g->it.channel;
        outs[i] = (cd_event_out_t){
            .type = "letter.sent", .complaint_ref = g->it.reference, .payload = &ls[i].base};
    }
    if (rc == 0)
        rc = cd_pg_text_columns(rows, n, NCOL, cols);
    char count[16];
    snprintf(count, sizeof count, "%d", b->n);
    const char *v[6] = {cols[ID], cols[STATE], cols[ATTEMPT], cols[WAIT], cols[PATH], count};
    /* As marks.c's for one letter that went, for them all: every one of them
     * still queued, or none is marked here. */
    if (rc == 0)
        rc = cd_tx_add(tx,
                       "WITH v AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[],"
                       "  $4::bigint[], $5::text[]) AS v(id, state, attempt, wait, path)),"
                       " u AS (UPDATE notify.letter l SET state = v.state, attempts = v.attempt,"
                       "  next_attempt_at = now() + v.wait * interval '1 millisecond',"
                       "  last_error = NULL, delivered_at = now(), failed_at = NULL,"
                       "  spool_path = coalesce(v.path, l.spool_path), not_sent = NULL,"
                       "  not_sent_at = NULL"
                       "  FROM v WHERE l.letter_id = v.id AND l.state = 'queued' RETURNING 1)"
                       " SELECT notify.expect(count(*) = $6::int, 'not queued') FROM u",
                       6, v);
    const char *a[6] = {cols[ID],      cols[ATTEMPT], cols[CHANNEL],
                        cols[OUTCOME], cols[CODE],    cols[DETAIL]};
    if (rc == 0)
        rc = cd_tx_add(tx,
                       "INSERT INTO notify.delivery_attempt (letter_id, attempt, channel, outcome,"
                       " code, detail) SELECT a.id, a.attempt, a.channel, a.outcome, a.code,"
                       " a.detail FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[],"
                       " $5::int[], $6::text[]) WITH ORDINALITY AS a(id, attempt, channel,"
                       " outcome, code, detail, n) ORDER BY a.n",
                       6, a);
    if (rc == 0)
        rc = cd_outbox_put_many(cd_service_outbox(b->app->svc), tx, outs, b->n, NULL, NULL);
    for (int k = 0; k < NCOL; k++)
        free(cols[k]);
    free(rows);
    free(nums);
    free(outs);
    free(ls);
    return rc == 0 ? 0 : -1;
}

void nt_mark_round(nt_app_t *app, nt_item_t *items, int n, const nt_spool_file_t *files)
{
    s_batch_t *b = calloc(1, sizeof *b);
    if (b) {
        b->app = app;
        b->g = calloc((size_t)(n > 0 ? n : 1), sizeof *b->g);
    }
    for (int i = 0; i < n; i++) {
        nt_item_t *it = &items[i];
        const nt_spool_file_t *f = it->file >= 0 ? &files[it->file] : NULL;
        long wait = 0;
        const char *state = it->type == NT_ITEM_LETTER
                                ? nt_after_attempt(it->outcome, it->attempt, &app->retry, &wait)
                                : "";
        int gone = strcmp(state, "sent") == 0 || strcmp(state, "delivered") == 0;
        if (!gone || !b || !b->g) {
            nt_mark(app, it, f);
            continue;
        }
        s_gone_t *g = &b->g[b->n++];
        g->it = *it;
        g->it.body = g->it.head = g->it.to_email = g->it.to_name = NULL;
        g->path = f && f->err == 0 ? strdup(f->path) : NULL;
        g->state = state;
        g->wait = wait;
    }
    if (!b || !b->g || b->n == 0) {
        s_batch_free(b);
        return;
    }
    if (b->n == 1) { /* alone: as marks.c does it */
        s_each_alone(b);
        s_batch_free(b);
        return;
    }
    cd_tx_t *tx = cd_tx_new();
    if (!tx || s_statements(b, tx) != 0) {
        cd_tx_destroy(&tx);
        s_each_alone(b);
        s_batch_free(b);
        return;
    }
    cd_db_submit(cd_service_db(app->svc), tx, s_on_batch, b);
}
