/* marks.c - what each attempt of a round came to, recorded (notify.h).
 *
 * A letter: one transaction moves it on (policy.c says where), keeps the
 * attempt, and either tells routing it has gone (letter.sent), or queues it
 * again after its backoff, or fails it and raises it to the complaints
 * manager (an alert of kind delivery-failed, shown in the case). An alert:
 * its spool path, or how its email went. Logs carry references, kinds and
 * codes; what a relay said stays in the database (it may name the address). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/log.h"
#include "candour/v1/events.pb-c.h"
#include "notify.h"

static void s_on_marked(const cd_tx_result_t *res, void *arg)
{
    nt_app_t *app = arg;
    if (res->err == 0)
        cd_service_kick(app->svc);
}

void nt_raise_failed(cd_tx_t *tx, const char *reference, const char *letter_id, const char *detail,
                     int mails)
{
    const char *r[4] = {reference, letter_id, detail, mails ? "queued" : "none"};
    /* Raised again if a letter sent again fails again. */
    cd_tx_add(tx,
              "INSERT INTO notify.alert (reference, deadline, level, kind, letter_id, detail,"
              " org_id, email_state)"
              " SELECT $1, '', 'failed', 'delivery-failed', $2::uuid, $3,"
              " coalesce((SELECT org_id FROM notify.recipient WHERE reference = $1), ''), $4"
              " ON CONFLICT (letter_id, kind) WHERE letter_id IS NOT NULL DO UPDATE"
              " SET raised_at = now(), detail = EXCLUDED.detail, spool_path = NULL,"
              " email_state = EXCLUDED.email_state, email_attempts = 0, email_error = NULL,"
              " email_next_at = now()",
              4, r);
}

/* Why the letter was raised, for the alert: which, how, and the cause in
 * words that name no one (a relay's reply is given by its code alone). */
static void s_raise_detail(const nt_item_t *it, char *out, size_t n)
{
    char cause[300];
    if (strcmp(it->channel, "email") == 0 && it->code)
        snprintf(cause, sizeof cause, "the relay %s it (SMTP %ld)",
                 it->outcome == NT_ATTEMPT_REFUSED ? "refused" : "did not take", it->code);
    else if (strcmp(it->channel, "email") == 0 && it->outcome == NT_ATTEMPT_RETRY)
        snprintf(cause, sizeof cause, "the relay could not be reached");
    else
        snprintf(cause, sizeof cause, "%s", it->detail);
    snprintf(out, n, "%.64s by %.8s, %d attempt%s: %.280s", it->name, it->channel, it->attempt,
             it->attempt == 1 ? "" : "s", cause);
}

static void s_mark_letter(nt_app_t *app, const nt_item_t *it, const nt_spool_file_t *f)
{
    long wait = 0;
    const char *state = nt_after_attempt(it->outcome, it->attempt, &app->retry, &wait);
    int gone = strcmp(state, "sent") == 0 || strcmp(state, "delivered") == 0;
    int failed = strcmp(state, "failed") == 0;
    char attempt[16], waits[32], code[24];
    snprintf(attempt, sizeof attempt, "%d", it->attempt);
    snprintf(waits, sizeof waits, "%ld", wait);
    snprintf(code, sizeof code, "%ld", it->code);
    const char *path = f && f->err == 0 ? f->path : NULL;
    cd_tx_t *tx = cd_tx_new();
    /* Withdrawn while it was tried: if it went, it is recorded as what it
     * is (gone); if not, it stays not sent and is tried no more. */
    const char *v[6] = {it->id, state, attempt, waits, it->detail, path};
    cd_tx_add(tx,
              "WITH u AS (UPDATE notify.letter SET state = $2, attempts = $3::int,"
              " next_attempt_at = now() + $4::bigint * interval '1 millisecond',"
              " last_error = CASE WHEN $2 IN ('sent', 'delivered') THEN NULL ELSE $5 END,"
              " delivered_at = CASE WHEN $2 IN ('sent', 'delivered') THEN now() END,"
              " failed_at = CASE WHEN $2 = 'failed' THEN now() END,"
              " spool_path = coalesce($6, spool_path),"
              " not_sent = CASE WHEN $2 IN ('sent', 'delivered') THEN NULL ELSE not_sent END,"
              " not_sent_at = CASE WHEN $2 IN ('sent', 'delivered') THEN NULL ELSE not_sent_at END"
              " WHERE letter_id = $1::uuid AND state = 'queued' RETURNING 1)"
              " SELECT notify.expect(count(*) = 1, 'not queued') FROM u",
              6, v);
    const char *a[6] = {it->id, attempt,   it->channel, nt_attempt_name(it->outcome),
                        code,   it->detail};
    cd_tx_add(tx,
              "INSERT INTO notify.delivery_attempt (letter_id, attempt, channel, outcome, code,"
              " detail) VALUES ($1::uuid, $2::int, $3, $4, $5::int, $6)",
              6, a);
    if (gone) {
        Candour__V1__LetterSent ls = CANDOUR__V1__LETTER_SENT__INIT;
        ls.kind = (char *)it->name;
        ls.letter_id = (char *)it->id;
        ls.channel = (char *)it->channel;
        cd_event_out_t out = {.type = "letter.sent",
                              .complaint_ref = it->reference,
                              .payload = &ls.base,
                              .subscribers = NULL};
        cd_outbox_put(cd_service_outbox(app->svc), tx, &out, NULL, NULL);
        cd_metric_add(app->m_letters, 1);
        cd_log_info("letter.delivered", "{s:s, s:s, s:s, s:s, s:i}", "reference", it->reference,
                    "kind", it->name, "channel", it->channel, "state", state, "attempt",
                    it->attempt);
    } else if (failed) {
        char detail[400];
        s_raise_detail(it, detail, sizeof detail);
        nt_raise_failed(tx, it->reference, it->id, detail, NT_MAILS_ALERTS(app));
        cd_metric_add(app->m_failed, 1);
        cd_metric_add(app->m_raised, 1);
        cd_log_error("letter.failed", "{s:s, s:s, s:s, s:i, s:I}", "reference", it->reference,
                     "kind", it->name, "channel", it->channel, "attempts", it->attempt, "code",
                     (json_int_t)it->code);
    } else {
        cd_metric_add(app->m_failed, 1);
        cd_log_warn("letter.retry", "{s:s, s:s, s:s, s:i, s:I, s:I}", "reference", it->reference,
                    "kind", it->name, "channel", it->channel, "attempt", it->attempt, "code",
                    (json_int_t)it->code, "wait_ms", (json_int_t)wait);
    }
    cd_db_submit(cd_service_db(app->svc), tx, s_on_marked, app);
}

static void s_mark_alert(nt_app_t *app, const nt_item_t *it, const nt_spool_file_t *f)
{
    if (f->err) {
        cd_metric_add(app->m_failed, 1);
        cd_log_error("alert.delivery_failed", "{s:s, s:s, s:s}", "alert_id", it->id, "reference",
                     it->reference, "error", strerror(f->err));
        return;
    }
    const char *v[2] = {it->id, f->path};
    cd_db_query(cd_service_db(app->svc),
                "UPDATE notify.alert SET spool_path = $2 WHERE id = $1::bigint", 2, v, s_on_marked,
                app);
    cd_log_warn("alert.raised", "{s:s, s:s, s:s}", "reference", it->reference, "name", it->name,
                "level", it->level);
}

static void s_mark_alert_mail(nt_app_t *app, const nt_item_t *it)
{
    long wait = 0;
    const char *state = nt_after_attempt(it->outcome, it->attempt, &app->retry, &wait);
    const char *email_state = strcmp(state, "queued") == 0   ? "queued"
                              : strcmp(state, "failed") == 0 ? "failed"
                                                             : "sent";
    char attempt[16], waits[32];
    snprintf(attempt, sizeof attempt, "%d", it->attempt);
    snprintf(waits, sizeof waits, "%ld", wait);
    const char *v[5] = {it->id, email_state, attempt, waits, it->detail};
    cd_db_query(cd_service_db(app->svc),
                "UPDATE notify.alert SET email_state = $2, email_attempts = $3::int,"
                " email_next_at = now() + $4::bigint * interval '1 millisecond',"
                " email_error = CASE WHEN $2 = 'sent' THEN NULL ELSE $5 END WHERE id = $1::bigint",
                5, v, s_on_marked, app);
    if (strcmp(email_state, "sent") != 0)
        cd_log_warn("alert.email_not_sent", "{s:s, s:s, s:s, s:I}", "reference", it->reference,
                    "name", it->name, "state", email_state, "code", (json_int_t)it->code);
}

void nt_mark(nt_app_t *app, const nt_item_t *it, const nt_spool_file_t *file)
{
    switch (it->type) {
    case NT_ITEM_LETTER:
        s_mark_letter(app, it, file);
        break;
    case NT_ITEM_ALERT:
        s_mark_alert(app, it, file);
        break;
    case NT_ITEM_ALERT_MAIL:
        s_mark_alert_mail(app, it);
        break;
    }
}
