/* deliver.c - the delivery round: the daemon's one periodic job.
 *
 * Every NT_DELIVERY_MS, and soon after an event commits a letter or an
 * alert, a round reads what is due:
 *   - letters queued whose next attempt is due (not recorded as not sent);
 *   - alerts not yet in the spool;
 *   - alerts waiting to be emailed to the body's complaints manager;
 * and on the thread pool: stages the letters' text and PDF and the alerts'
 * text in the spool, in parts on several threads at once (typesetting is
 * most of a round's work), then in one job puts them all in place (spool.c:
 * two flushes a round), then tries each letter that is in the spool by its channel
 * (channel.c: the print hot folder, or the relay) and emails the alerts.
 * Back on the loop, marks.c records each outcome in one transaction.
 *
 * A letter is durable in the spool before it is tried, and tried before it
 * is marked: a crash in between tries it again under the same letter id
 * (the hot folder's file names, the email's Message-ID), never as another.
 *
 * One round at a time (app->delivering): a kick during a round asks for
 * another after it, so nothing committed meanwhile waits for the timer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/util.h"
#include "delivery.h"
#include "letters.h"
#include "notify.h"

#define NT_DELIVERY_MS 500
#define NT_DELIVERY_BATCH 50

static void s_round_free(nt_round_t **pr)
{
    if (!pr || !*pr)
        return;
    nt_round_t *r = *pr;
    *pr = NULL;
    for (int i = 0; r->items && i < r->n; i++) {
        free(r->items[i].body);
        free(r->items[i].head);
        free(r->items[i].to_email);
        free(r->items[i].to_name);
    }
    free(r->items);
    free(r->files);
    free(r);
}

static int s_copy(char *dst, size_t size, const char *src)
{
    int n = snprintf(dst, size, "%s", src);
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

static void s_bad_row(nt_app_t *app, const nt_item_t *it, int err)
{
    cd_metric_add(app->m_failed, 1);
    cd_log_error(it->type == NT_ITEM_LETTER ? "letter.delivery_failed" : "alert.delivery_failed",
                 "{s:s, s:s, s:s}", "id", it->id, "reference", it->reference, "error",
                 strerror(err));
}

/* An alert's file name, <reference>-<what>[-<party>]-<level>, made safe for
 * a file name character by character, so a redelivery rewrites the same
 * file whatever the party is called. */
static void s_alert_name(char *out, size_t size, const char *reference, const char *what,
                         const char *party, const char *level)
{
    snprintf(out, size, "%s-%s%s%s-%s", reference, what, party[0] ? "-" : "", party, level);
    for (char *c = out; *c; c++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *c))
            *c = '_';
}

static char *s_dup(const char *s)
{
    return strdup(s ? s : "");
}

/* From the letters' query: letter_id, reference, kind, channel, body,
 * email, name, has_address, large_print, attempts, head. */
static int s_letter_item(nt_app_t *app, nt_item_t *it, PGresult *r, int row)
{
    it->type = NT_ITEM_LETTER;
    if (s_copy(it->id, sizeof it->id, PQgetvalue(r, row, 0)) != 0 ||
        s_copy(it->reference, sizeof it->reference, PQgetvalue(r, row, 1)) != 0 ||
        s_copy(it->name, sizeof it->name, PQgetvalue(r, row, 2)) != 0 ||
        s_copy(it->channel, sizeof it->channel, PQgetvalue(r, row, 3)) != 0 ||
        !nt_safe_reference(it->reference) || !nt_safe_reference(it->name)) {
        s_bad_row(app, it, EINVAL);
        return -1;
    }
    it->has_address = PQgetvalue(r, row, 7)[0] == 't';
    it->large_print = PQgetvalue(r, row, 8)[0] == 't';
    it->attempt = atoi(PQgetvalue(r, row, 9)) + 1;
    it->body = s_dup(PQgetvalue(r, row, 4));
    it->to_email = s_dup(PQgetvalue(r, row, 5));
    it->to_name = s_dup(PQgetvalue(r, row, 6));
    it->head = s_dup(PQgetvalue(r, row, 10));
    if (!it->body || !it->to_email || !it->to_name || !it->head) {
        s_bad_row(app, it, ENOMEM);
        return -1;
    }
    return 0;
}

/* From the alerts' queries: id, reference, deadline, party, level, due,
 * raised_at, kind, detail, attempts, manager's email. type says which. */
static int s_alert_item(nt_app_t *app, nt_item_t *it, PGresult *r, int row, nt_item_type_t type)
{
    it->type = type;
    Candour__V1__DeadlineAlert da = CANDOUR__V1__DEADLINE_ALERT__INIT;
    da.deadline = PQgetvalue(r, row, 2);
    da.party = PQgetvalue(r, row, 3);
    da.level = PQgetvalue(r, row, 4);
    da.due = PQgetvalue(r, row, 5);
    const char *kind = PQgetvalue(r, row, 7);
    if (s_copy(it->id, sizeof it->id, PQgetvalue(r, row, 0)) != 0 ||
        s_copy(it->reference, sizeof it->reference, PQgetvalue(r, row, 1)) != 0 ||
        s_copy(it->level, sizeof it->level, da.level) != 0 || !nt_safe_reference(it->reference)) {
        s_bad_row(app, it, EINVAL);
        return -1;
    }
    s_alert_name(it->name, sizeof it->name, it->reference,
                 strcmp(kind, "deadline") == 0 ? da.deadline : kind, da.party, da.level);
    it->attempt = atoi(PQgetvalue(r, row, 9)) + 1;
    it->body =
        nt_render_alert_of(kind, it->reference, &da, PQgetvalue(r, row, 8), PQgetvalue(r, row, 6));
    it->to_email = s_dup(PQgetvalue(r, row, 10));
    it->to_name = s_dup("");
    if (!it->body || !it->to_email || !it->to_name) {
        s_bad_row(app, it, ENOMEM);
        return -1;
    }
    return 0;
}

/* The round's items from the three queries' rows; NULL when out of memory. */
static nt_round_t *s_round_new(nt_app_t *app, PGresult *letters, PGresult *alerts, PGresult *mails)
{
    int nl = PQntuples(letters), na = PQntuples(alerts), nm = PQntuples(mails);
    nt_round_t *rd = calloc(1, sizeof *rd);
    if (!rd)
        return NULL;
    rd->app = app;
    rd->full = nl == NT_DELIVERY_BATCH || na == NT_DELIVERY_BATCH || nm == NT_DELIVERY_BATCH;
    size_t total = (size_t)(nl + na + nm) + 1;
    rd->items = calloc(total, sizeof *rd->items);
    rd->files = calloc(total, sizeof *rd->files);
    if (!rd->items || !rd->files) {
        s_round_free(&rd);
        return NULL;
    }
    for (int i = 0; i < nl + na + nm; i++) {
        nt_item_t *it = &rd->items[rd->n];
        int rc = i < nl        ? s_letter_item(app, it, letters, i)
                 : i < nl + na ? s_alert_item(app, it, alerts, i - nl, NT_ITEM_ALERT)
                               : s_alert_item(app, it, mails, i - nl - na, NT_ITEM_ALERT_MAIL);
        if (rc != 0) {
            free(it->body);
            free(it->head);
            free(it->to_email);
            free(it->to_name);
            memset(it, 0, sizeof *it);
            continue;
        }
        rd->n++;
    }
    /* The spool's files, in the order of the items that have one: every
     * letter (its text and its PDF, the print and the attachment) and each
     * alert not yet there. */
    for (int i = 0; i < rd->n; i++) {
        nt_item_t *it = &rd->items[i];
        if (it->type == NT_ITEM_ALERT_MAIL) {
            it->file = -1;
            continue;
        }
        it->file = rd->nfiles;
        rd->files[rd->nfiles++] =
            (nt_spool_file_t){.dir = it->type == NT_ITEM_ALERT ? "alerts" : it->reference,
                              .name = it->name,
                              .tag = it->id,
                              .body = it->body,
                              .head = it->head,
                              .pdf = it->type == NT_ITEM_LETTER,
                              .large_print = it->large_print};
    }
    return rd;
}

/* ---------------------------------------------------------------- the work */

/* The round's letters that are in the spool, each tried once by its
 * channel (the letters by post together). */
static void s_letters_work(nt_round_t *rd)
{
    nt_attempt_req_t *reqs = calloc((size_t)rd->n + 1, sizeof *reqs);
    char **texts = calloc((size_t)rd->n + 1, sizeof *texts);
    char(*subjects)[160] = calloc((size_t)rd->n + 1, sizeof *subjects);
    int *of = calloc((size_t)rd->n + 1, sizeof *of);
    int n = 0;
    for (int i = 0; i < rd->n; i++) {
        nt_item_t *it = &rd->items[i];
        if (it->type != NT_ITEM_LETTER)
            continue;
        int err = rd->files[it->file].err;
        if (err || !reqs || !texts || !subjects || !of) {
            it->outcome = NT_ATTEMPT_RETRY;
            snprintf(it->detail, sizeof it->detail, "the spool could not take it: %s",
                     strerror(err ? err : ENOMEM));
            continue;
        }
        nt_email_subject(it->name, it->reference, subjects[n], sizeof subjects[n]);
        /* The email's text is the letter as the spool keeps it. */
        if (it->head && it->head[0] && asprintf(&texts[n], "%s\n\n%s", it->head, it->body) < 0)
            texts[n] = NULL;
        reqs[n] = (nt_attempt_req_t){.letter_id = it->id,
                                     .reference = it->reference,
                                     .kind = it->name,
                                     .channel = it->channel,
                                     .to_email = it->to_email,
                                     .to_name = it->to_name,
                                     .has_address = it->has_address,
                                     .large_print = it->large_print,
                                     .pdf_path = rd->files[it->file].pdf_path,
                                     .subject = subjects[n],
                                     .body = texts[n] ? texts[n] : it->body};
        of[n++] = i;
    }
    if (n)
        nt_channel_attempt(&rd->app->channels, reqs, n);
    for (int k = 0; k < n; k++) {
        nt_item_t *it = &rd->items[of[k]];
        it->outcome = reqs[k].outcome;
        it->code = reqs[k].code;
        snprintf(it->detail, sizeof it->detail, "%s", reqs[k].detail);
        free(texts[k]);
    }
    free(reqs);
    free(texts);
    free(subjects);
    free(of);
}

/* An alert for the complaints manager, by email: references only. */
static void s_alert_mail(nt_app_t *app, nt_item_t *it)
{
    if (!it->to_email[0]) {
        it->outcome = NT_ATTEMPT_REFUSED;
        snprintf(it->detail, sizeof it->detail,
                 "the body has no complaints manager with an email address");
        return;
    }
    char subject[240];
    snprintf(subject, sizeof subject, "Candour alert: %s", it->name);
    snprintf(it->mail_id, sizeof it->mail_id, "alert-%s", it->id);
    nt_smtp_message_t m = {.letter_id = it->mail_id,
                           .to = it->to_email,
                           .to_name = "",
                           .subject = subject,
                           .body = it->body};
    nt_smtp_result_t r;
    memset(&r, 0, sizeof r);
    nt_smtp_send(&app->channels.smtp, &m, &r);
    it->code = r.code;
    snprintf(it->detail, sizeof it->detail, "%s", r.detail);
    it->outcome = r.outcome == NT_SMTP_SENT      ? NT_ATTEMPT_SENT
                  : r.outcome == NT_SMTP_REFUSED ? NT_ATTEMPT_REFUSED
                                                 : NT_ATTEMPT_RETRY;
}

/* On the thread pool: the spool, then the letters by their channels, then
 * the alerts by email. */
static void s_on_work(uv_work_t *req)
{
    nt_round_t *rd = req->data;
    cd_thread_nice((int)rd->app->letter_nice);
    if (rd->nfiles)
        nt_spool_commit(rd->app->spool, rd->files, rd->nfiles);
    s_letters_work(rd);
    for (int i = 0; i < rd->n; i++)
        if (rd->items[i].type == NT_ITEM_ALERT_MAIL)
            s_alert_mail(rd->app, &rd->items[i]);
}

static void s_round(nt_app_t *app);

/* Back on the loop: record what each came to. */
static void s_on_worked(uv_work_t *req, int status)
{
    nt_round_t *rd = req->data;
    nt_app_t *app = rd->app;
    app->delivering = 0;
    /* Stopping: the database may be gone already. What was done is done
     * again at the next start, under the same names and ids. */
    int stopping = cd_service_stopping(app->svc) || status != 0;
    if (!stopping)
        nt_mark_round(app, rd->items, rd->n, rd->files);
    int more = rd->full || app->again;
    s_round_free(&rd);
    if (more && !stopping) {
        app->again = 0;
        s_round(app);
    }
}

/* ---------------------------------------------------------------- staging
 *
 * Typesetting a round's PDFs is most of its work, so the round's files are
 * staged in parts on several of the pool's threads at once (each keeps its
 * own typesetting state: pdf.c), and once every part is in, the rest of the
 * round (the spool's flushes and renames, then the channels) runs as one job. */

static int s_cpus(void)
{
    uv_cpu_info_t *info = NULL;
    int n = 0;
    if (uv_cpu_info(&info, &n) != 0)
        return 1;
    uv_free_cpu_info(info, n);
    return n > 0 ? n : 1;
}

static void s_on_stage(uv_work_t *req)
{
    nt_stage_part_t *p = req->data;
    cd_thread_nice((int)p->rd->app->letter_nice); /* once per thread: it keeps it */
    nt_spool_stage(p->rd->app->spool, p->rd->files + p->first, p->n);
}

static void s_on_staged(uv_work_t *req, int status)
{
    nt_stage_part_t *p = req->data;
    nt_round_t *rd = p->rd;
    if (status != 0) { /* cancelled (stopping) before it ran: nothing of it written */
        rd->parts_cancelled = 1;
        for (int i = 0; i < p->n; i++)
            rd->files[p->first + i].err = ECANCELED;
    }
    if (--rd->parts_left > 0)
        return;
    int rc = rd->parts_cancelled
                 ? UV_ECANCELED
                 : uv_queue_work(cd_service_loop(rd->app->svc), &rd->req, s_on_work, s_on_worked);
    if (rc != 0)
        s_on_worked(&rd->req, rc); /* marks nothing when stopping; else tried again next round */
}

/* Queue the round: its files' parts, then (from the last part) the rest.
 * 0, or a libuv error with nothing queued. */
static int s_queue_round(nt_app_t *app, nt_round_t *rd)
{
    uv_loop_t *loop = cd_service_loop(app->svc);
    rd->req.data = rd;
    if (rd->nfiles == 0)
        return uv_queue_work(loop, &rd->req, s_on_work, s_on_worked);
    /* A part of at least four files, on at most one thread a core. */
    int parts = s_cpus();
    if (parts > NT_STAGE_PARTS)
        parts = NT_STAGE_PARTS;
    if (parts > (rd->nfiles + 3) / 4)
        parts = (rd->nfiles + 3) / 4;
    rd->parts_left = parts;
    for (int k = 0, first = 0; k < parts; k++) {
        int n = rd->nfiles / parts + (k < rd->nfiles % parts);
        rd->part[k] = (nt_stage_part_t){.rd = rd, .first = first, .n = n};
        rd->part[k].req.data = &rd->part[k];
        first += n;
        int rc = uv_queue_work(loop, &rd->part[k].req, s_on_stage, s_on_staged);
        if (rc != 0) {
            if (k == 0)
                return rc;
            /* The parts queued will finish the round: this one and the
             * rest count as staged, with the error. */
            for (int i = rd->part[k].first; i < rd->nfiles; i++)
                rd->files[i].err = EAGAIN;
            rd->parts_left -= parts - k;
            return 0;
        }
    }
    return 0;
}

static void s_on_due(const cd_tx_result_t *res, void *arg)
{
    nt_app_t *app = arg;
    nt_round_t *rd =
        res->err ? NULL : s_round_new(app, res->results[0], res->results[1], res->results[2]);
    int rc = -1;
    if (rd && rd->n > 0) {
        rc = s_queue_round(app, rd);
        if (rc == 0)
            return; /* s_on_worked takes it from here */
        cd_log_error("delivery.queue_failed", "{s:s}", "error", uv_strerror(rc));
    }
    app->delivering = 0;
    s_round_free(&rd);
    if (app->again) {
        app->again = 0;
        s_round(app);
    }
}

/* The alerts' columns, as s_alert_item reads them. */
#define S_ALERT_COLS                                                                               \
    "a.id, a.reference, a.deadline, a.party, a.level, coalesce(a.due::text, ''),"                  \
    " to_char(a.raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), a.kind,"          \
    " a.detail, a.email_attempts,"                                                                 \
    " coalesce((SELECT s.email FROM notify.staff s LEFT JOIN notify.org o USING (org_id)"          \
    "  WHERE s.org_id = a.org_id AND 'complaints-manager' = ANY (s.roles) AND NOT s.disabled"      \
    "  AND s.email <> '' ORDER BY (s.staff_id = o.complaints_manager) DESC, s.staff_id LIMIT 1),"  \
    " '')"

static void s_round(nt_app_t *app)
{
    if (app->delivering) {
        app->again = 1;
        return;
    }
    if (!app->svc || cd_service_stopping(app->svc) || !cd_db_ready(cd_service_db(app->svc)))
        return;
    app->delivering = 1;
    app->again = 0;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", NT_DELIVERY_BATCH);
    const char *v[1] = {lim};
    cd_tx_t *tx = cd_tx_new();
    cd_tx_add(tx,
              "SELECT l.letter_id, l.reference, l.kind, l.channel, l.body,"
              " coalesce(p.p->>'email', ''), coalesce(p.p->>'name', ''),"
              " (jsonb_array_length(coalesce(p.p->'address', '[]')) > 0)::text,"
              " (p.p->'access_needs'->>'format' IS NOT DISTINCT FROM 'FORMAT_LARGE_PRINT')::text,"
              " l.attempts, l.head"
              " FROM notify.letter l JOIN notify.recipient r USING (reference),"
              " LATERAL (SELECT coalesce(l.recipient, r.person) AS p) p"
              " WHERE l.state = 'queued' AND l.not_sent IS NULL AND l.next_attempt_at <= now()"
              " ORDER BY l.next_attempt_at, l.created_at LIMIT $1::int",
              1, v);
    cd_tx_add(tx,
              "SELECT " S_ALERT_COLS " FROM notify.alert a WHERE a.spool_path IS NULL"
              " ORDER BY a.id LIMIT $1::int",
              1, v);
    cd_tx_add(tx,
              "SELECT " S_ALERT_COLS " FROM notify.alert a WHERE a.spool_path IS NOT NULL"
              " AND a.email_state = 'queued' AND a.email_next_at <= now()"
              " ORDER BY a.id LIMIT $1::int",
              1, v);
    cd_db_submit(cd_service_db(app->svc), tx, s_on_due, app);
}

static void s_on_timer(uv_timer_t *t)
{
    s_round(t->data);
}

void nt_deliver_soon(void *arg)
{
    s_round(arg);
}

void nt_deliver_init(nt_app_t *app, uv_loop_t *loop)
{
    uv_timer_init(loop, &app->delivery);
    app->delivery.data = app;
    app->m_letters = cd_metric_counter("candour_letters_delivered_total", NULL,
                                       "Letters delivered to the spool.");
    app->m_failed = cd_metric_counter("candour_letter_delivery_failures_total", NULL,
                                      "Failed attempts to deliver a letter or an alert.");
    app->m_raised = cd_metric_counter("candour_letters_raised_total", NULL,
                                      "Letters failed for good and raised to the complaints"
                                      " manager.");
}

void nt_deliver_start(nt_app_t *app)
{
    uv_timer_start(&app->delivery, s_on_timer, 0, NT_DELIVERY_MS);
}

void nt_deliver_stop(nt_app_t *app)
{
    uv_close((uv_handle_t *)&app->delivery, NULL);
}
