/* candour-notify - writes the letters: keeps each complainant's contact
 * details, renders the acknowledgement and the final response, delivers them
 * to the spool, and tells routing when each has gone.
 *
 * A letter is first committed (one per complaint and kind, by constraint),
 * then delivered: the spool file is written atomically under a name fixed by
 * reference and kind, and only then is the letter marked delivered, with its
 * letter.sent event. A crash in between redelivers the same file name, so
 * the spool never holds two of one letter.
 *
 * A delivery round takes up to NT_DELIVERY_BATCH letters: it writes each to a
 * temporary file, makes them all durable with one syncfs(2), renames them into
 * place, makes the renames durable with a second, and only then marks them
 * delivered. Two flushes per round, not one per letter. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/error.h"
#include "candour/calendar.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/pbjson.h"
#include "candour/service.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "letters.h"

#define NT_DELIVERY_MS 500
#define NT_DELIVERY_BATCH 50

static const char *const s_subscribers[] = {"routing", NULL};
static const char *const s_to_routing[] = {"routing", NULL};

typedef struct {
    cd_service_t *svc;
    const char *spool;
    uv_timer_t delivery;
    int delivering;          /* a delivery round is running */
    int again;
    cd_metric_t *m_letters, *m_failed;
} notify_t;

static notify_t s_app;

static void s_deliver_soon(void *arg);

/* ---------------------------------------------------------------- events */

static void s_on_received(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    Candour__V1__ComplaintReceived *cr =
        candour__v1__complaint_received__unpack(NULL, env->payload.len, env->payload.data);
    char *person = cr && cr->complaint && cr->complaint->complainant
                       ? cd_pbjson_dumps(&cr->complaint->complainant->base, 0)
                       : NULL;
    if (!person) {
        candour__v1__complaint_received__free_unpacked(cr, NULL);
        cd_inbox_nak(in, ev, "MALFORMED_EVENT", "complaint.received without a complainant");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[3] = {env->complaint_ref, cr->org_id, person};
    cd_tx_add(tx, "INSERT INTO notify.recipient (reference, org_id, person)"
                  " VALUES ($1, $2, $3::jsonb) ON CONFLICT (reference) DO NOTHING", 3, v);
    free(person);
    candour__v1__complaint_received__free_unpacked(cr, NULL);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

/* A letter event waiting for its recipient to be read. */
typedef struct {
    cd_inbox_t *in;
    cd_event_t *ev;
    const Candour__V1__Envelope *env;   /* owned by ev */
} nt_pending_t;

static char *s_render(const Candour__V1__Envelope *env, const Candour__V1__Person *to,
                      const char **kind)
{
    char today[32];
    cd_format_rfc3339(cd_now_us(), today);
    today[10] = 0;
    char *body = NULL;
    if (strcmp(env->type, "letter.requested") == 0) {
        Candour__V1__LetterRequested *lr =
            candour__v1__letter_requested__unpack(NULL, env->payload.len, env->payload.data);
        if (lr && strcmp(lr->kind, "acknowledgement") == 0) {
            *kind = "acknowledgement";
            body = nt_render_acknowledgement(to, env->complaint_ref, today, lr);
        } else if (lr && strcmp(lr->kind, "triage-outcome") == 0) {
            *kind = "triage-outcome";
            body = nt_render_triage(to, env->complaint_ref, today, lr);
        }
        candour__v1__letter_requested__free_unpacked(lr, NULL);
    } else if (strcmp(env->type, "deadline.extended") == 0) {
        Candour__V1__DeadlineExtended *de =
            candour__v1__deadline_extended__unpack(NULL, env->payload.len, env->payload.data);
        if (de) {
            /* One letter per extension: the kind names the new date. */
            static char kind_buf[64];
            snprintf(kind_buf, sizeof kind_buf, "extension-%s", de->new_due);
            *kind = kind_buf;
            body = nt_render_extension(to, env->complaint_ref, today, de);
        }
        candour__v1__deadline_extended__free_unpacked(de, NULL);
    } else {
        Candour__V1__ResponseApproved *ra =
            candour__v1__response_approved__unpack(NULL, env->payload.len, env->payload.data);
        if (ra) {
            *kind = "final-response";
            body = nt_render_final_response(to, env->complaint_ref, today, ra);
        }
        candour__v1__response_approved__free_unpacked(ra, NULL);
    }
    return body;
}

static void s_on_recipient(const cd_tx_result_t *res, void *arg)
{
    nt_pending_t *p = arg;
    const Candour__V1__Envelope *env = p->env;
    if (res->err) {
        cd_inbox_defer(p->in, p->ev, "database unavailable");
        free(p);
        return;
    }
    PGresult *r = res->results[0];
    if (PQntuples(r) != 1) {
        /* complaint.received comes from intake, this from another service:
         * it can overtake. Wait for the resend. */
        cd_inbox_defer(p->in, p->ev, "recipient not known yet");
        free(p);
        return;
    }
    cd_pbjson_error_t perr;
    Candour__V1__Person *to = (Candour__V1__Person *)cd_pbjson_parse(
        &candour__v1__person__descriptor, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), &perr);
    const char *kind = NULL;
    char *body = to ? s_render(env, to, &kind) : NULL;
    if (!body) {
        cd_inbox_nak(p->in, p->ev, "RENDER_FAILED", "the letter could not be rendered");
        if (to)
            candour__v1__person__free_unpacked(to, NULL);
        free(p);
        return;
    }
    char letter_id[CD_UUID_LEN + 1];
    cd_uuid(letter_id);
    cd_tx_t *tx = cd_inbox_tx(p->in, p->ev);
    const char *v[5] = {letter_id, env->complaint_ref, kind, nt_channel(to), body};
    cd_tx_add(tx, "INSERT INTO notify.letter (letter_id, reference, kind, channel, body)"
                  " VALUES ($1::uuid, $2, $3, $4, $5) ON CONFLICT (reference, kind) DO NOTHING",
              5, v);
    free(body);
    candour__v1__person__free_unpacked(to, NULL);
    cd_inbox_commit(p->in, p->ev, tx, s_deliver_soon, NULL);
    free(p);
}

static void s_on_letter_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    if (!nt_safe_reference(env->complaint_ref)) {
        cd_inbox_nak(in, ev, "MALFORMED_EVENT", "the complaint reference is not a valid reference");
        return;
    }
    nt_pending_t *p = malloc(sizeof *p);
    if (!p) {
        cd_inbox_defer(in, ev, "out of memory");
        return;
    }
    *p = (nt_pending_t){in, ev, env};
    const char *v[1] = {env->complaint_ref};
    cd_db_query(cd_service_db(s_app.svc), "SELECT person FROM notify.recipient WHERE reference = $1",
                1, v, s_on_recipient, p);
}

/* The complainant's details as amended before triage. */
static void s_on_amended(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    Candour__V1__ComplaintAmended *am =
        candour__v1__complaint_amended__unpack(NULL, env->payload.len, env->payload.data);
    char *person = am && am->complaint && am->complaint->complainant
                       ? cd_pbjson_dumps(&am->complaint->complainant->base, 0)
                       : NULL;
    candour__v1__complaint_amended__free_unpacked(am, NULL);
    if (!person) {
        cd_inbox_nak(in, ev, "MALFORMED_EVENT", "complaint.amended without a complainant");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[2] = {env->complaint_ref, person};
    cd_tx_add(tx, "UPDATE notify.recipient SET person = $2::jsonb WHERE reference = $1", 2, v);
    free(person);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

/* A deadline alert for the complaints manager: recorded, then written to the
 * alerts folder of the spool by the delivery round. */
static void s_on_alert(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env)
{
    Candour__V1__DeadlineAlert *da =
        candour__v1__deadline_alert__unpack(NULL, env->payload.len, env->payload.data);
    cd_date_t due;
    if (!da || cd_date_parse(da->due, &due) != 0 || !nt_safe_reference(env->complaint_ref)) {
        candour__v1__deadline_alert__free_unpacked(da, NULL);
        cd_inbox_nak(in, ev, "MALFORMED_EVENT", "a deadline alert without a valid due date");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[6] = {env->event_id, env->complaint_ref, da->deadline, da->party, da->level,
                        da->due};
    cd_tx_add(tx, "INSERT INTO notify.alert (event_id, reference, deadline, party, level, due)"
                  " VALUES ($1::uuid, $2, $3, $4, $5, $6::date)", 6, v);
    candour__v1__deadline_alert__free_unpacked(da, NULL);
    cd_inbox_commit(in, ev, tx, s_deliver_soon, NULL);
}

static void s_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                       void *arg)
{
    if (strcmp(env->type, "complaint.received") == 0)
        s_on_received(in, ev, env);
    else if (strcmp(env->type, "letter.requested") == 0 ||
             strcmp(env->type, "response.approved") == 0 ||
             strcmp(env->type, "deadline.extended") == 0)
        s_on_letter_event(in, ev, env);
    else if (strcmp(env->type, "deadline.due_soon") == 0 ||
             strcmp(env->type, "deadline.overdue") == 0)
        s_on_alert(in, ev, env);
    else if (strcmp(env->type, "complaint.amended") == 0)
        s_on_amended(in, ev, env);
    else
        cd_inbox_commit(in, ev, cd_inbox_tx(in, ev), NULL, NULL);
}

/* ---------------------------------------------------------------- delivery */

static void s_on_marked(const cd_tx_result_t *res, void *arg)
{
    if (res->err == 0)
        cd_service_kick(s_app.svc);
}

/* A letter of the round, staged in a temporary file beside its final name. */
typedef struct {
    char tmp[4200];
    char path[4300];
    int staged; /* tmp written, to be renamed to path */
} s_staged_t;

/* Write body to tmp beside <spool>/<reference>/<kind>.txt, not yet flushed. */
static int s_spool_stage(const char *reference, const char *kind, const char *letter_id,
                         const char *body, s_staged_t *st)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", s_app.spool, reference);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return -1;
    snprintf(st->path, sizeof st->path, "%s/%s.txt", dir, kind);
    snprintf(st->tmp, sizeof st->tmp, "%s/.%s.%s.tmp", dir, kind, letter_id);
    int fd = open(st->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (fd < 0)
        return -1;
    size_t len = strlen(body), off = 0;
    while (off < len) {
        ssize_t n = write(fd, body + off, len - off);
        if (n <= 0) {
            close(fd);
            unlink(st->tmp);
            return -1;
        }
        off += (size_t)n;
    }
    if (close(fd) != 0) {
        unlink(st->tmp);
        return -1;
    }
    st->staged = 1;
    return 0;
}

/* Flush everything written to the spool's filesystem. */
static int s_spool_sync(void)
{
    int fd = open(s_app.spool, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = syncfs(fd);
    close(fd);
    return rc;
}

/* Write one file to <spool>/<reference>/<kind>.txt now, durably (an alert):
 * a round of one. */
static int s_spool_write(const char *reference, const char *kind, const char *id,
                         const char *body, char *path, size_t pathlen)
{
    s_staged_t st = {0};
    if (s_spool_stage(reference, kind, id, body, &st) != 0)
        return -1;
    if (s_spool_sync() != 0 || rename(st.tmp, st.path) != 0) {
        unlink(st.tmp);
        return -1;
    }
    snprintf(path, pathlen, "%s", st.path);
    return s_spool_sync();
}

static void s_delivery_failed(const char *letter_id, const char *reference, int err)
{
    cd_metric_add(s_app.m_failed, 1);
    cd_log_error("letter.delivery_failed", "{s:s, s:s, s:s}", "letter_id", letter_id,
                 "reference", reference, "error", strerror(err));
}

/* The letter is in the spool: mark it delivered, with its letter.sent event. */
static void s_mark_delivered(PGresult *r, int i, const char *path)
{
    const char *letter_id = PQgetvalue(r, i, 0), *reference = PQgetvalue(r, i, 1),
               *kind = PQgetvalue(r, i, 2), *channel = PQgetvalue(r, i, 3);
    cd_tx_t *tx = cd_tx_new();
    const char *v[2] = {letter_id, path};
    cd_tx_add(tx,
              "WITH u AS (UPDATE notify.letter SET delivered_at = now(), spool_path = $2"
              " WHERE letter_id = $1::uuid AND delivered_at IS NULL RETURNING 1)"
              " SELECT notify.expect(count(*) = 1, 'already delivered') FROM u",
              2, v);
    Candour__V1__LetterSent ls = CANDOUR__V1__LETTER_SENT__INIT;
    ls.kind = (char *)kind;
    ls.letter_id = (char *)letter_id;
    ls.channel = (char *)channel;
    cd_event_out_t out = {.type = "letter.sent", .complaint_ref = reference, .payload = &ls.base,
                          .subscribers = s_to_routing};
    cd_outbox_put(cd_service_outbox(s_app.svc), tx, &out, NULL, NULL);
    cd_db_submit(cd_service_db(s_app.svc), tx, s_on_marked, NULL);
    cd_metric_add(s_app.m_letters, 1);
    cd_log_info("letter.delivered", "{s:s, s:s, s:s}", "reference", reference, "kind", kind,
                "channel", channel);
}

/* Deliver the round's letters (rows of r): stage, flush, rename, flush,
 * mark. A letter that fails at any step stays undelivered for the next round. */
static void s_deliver_letters(PGresult *r)
{
    int n = PQntuples(r);
    if (n == 0)
        return;
    s_staged_t *st = calloc((size_t)n, sizeof *st);
    if (!st)
        return; /* the next round tries again */
    int staged = 0;
    for (int i = 0; i < n; i++) {
        const char *letter_id = PQgetvalue(r, i, 0), *reference = PQgetvalue(r, i, 1);
        if (!nt_safe_reference(reference) ||
            s_spool_stage(reference, PQgetvalue(r, i, 2), letter_id, PQgetvalue(r, i, 4),
                          &st[i]) != 0)
            s_delivery_failed(letter_id, reference, errno);
        else
            staged++;
    }
    int synced = staged > 0 && s_spool_sync() == 0;
    for (int i = 0; i < n; i++) {
        if (!st[i].staged)
            continue;
        if (!synced || rename(st[i].tmp, st[i].path) != 0) {
            s_delivery_failed(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), errno);
            unlink(st[i].tmp);
            st[i].staged = 0;
        }
    }
    if (synced && s_spool_sync() != 0) {
        for (int i = 0; i < n; i++)
            if (st[i].staged)
                s_delivery_failed(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), errno);
        free(st);
        return; /* renamed but maybe not durable: delivered again next round, same names */
    }
    for (int i = 0; i < n; i++)
        if (st[i].staged)
            s_mark_delivered(r, i, st[i].path);
    free(st);
}

/* Alerts go to <spool>/alerts/, one file per alert, named so a redelivery
 * rewrites the same file. */
static void s_deliver_alert(PGresult *r, int i)
{
    const char *id = PQgetvalue(r, i, 0), *reference = PQgetvalue(r, i, 1);
    Candour__V1__DeadlineAlert da = CANDOUR__V1__DEADLINE_ALERT__INIT;
    da.deadline = PQgetvalue(r, i, 2);
    da.party = PQgetvalue(r, i, 3);
    da.level = PQgetvalue(r, i, 4);
    da.due = PQgetvalue(r, i, 5);
    char *text = nt_render_alert(reference, &da, PQgetvalue(r, i, 6));
    char name[200], path[4300];
    snprintf(name, sizeof name, "%s-%s%s%s-%s", reference, da.deadline, da.party[0] ? "-" : "",
             da.party, da.level);
    if (!text || !nt_safe_reference(reference) ||
        s_spool_write("alerts", name, id, text, path, sizeof path) != 0) {
        free(text);
        cd_metric_add(s_app.m_failed, 1);
        return;
    }
    free(text);
    const char *v[2] = {id, path};
    cd_db_query(cd_service_db(s_app.svc),
                "UPDATE notify.alert SET spool_path = $2 WHERE id = $1::bigint", 2, v,
                s_on_marked, NULL);
    cd_log_warn("deadline.alert", "{s:s, s:s, s:s}", "reference", reference, "deadline",
                da.deadline, "level", da.level);
}

static void s_on_undelivered(const cd_tx_result_t *res, void *arg)
{
    s_app.delivering = 0;
    if (res->err)
        return;
    PGresult *r = res->results[0];
    s_deliver_letters(r);
    PGresult *a = res->results[1];
    for (int i = 0; i < PQntuples(a); i++)
        s_deliver_alert(a, i);
    if (s_app.again || PQntuples(r) == NT_DELIVERY_BATCH) {
        s_app.again = 0;
        s_deliver_soon(NULL);
    }
}

static void s_deliver_round(void)
{
    if (s_app.delivering) {
        s_app.again = 1;
        return;
    }
    if (!s_app.svc || cd_service_stopping(s_app.svc) || !cd_db_ready(cd_service_db(s_app.svc)))
        return;
    s_app.delivering = 1;
    char lim[8];
    snprintf(lim, sizeof lim, "%d", NT_DELIVERY_BATCH);
    const char *v[1] = {lim};
    cd_tx_t *tx = cd_tx_new();
    cd_tx_add(tx, "SELECT letter_id, reference, kind, channel, body FROM notify.letter"
                  " WHERE delivered_at IS NULL ORDER BY created_at LIMIT $1::int", 1, v);
    cd_tx_add(tx, "SELECT id, reference, deadline, party, level, due::text,"
                  " to_char(raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                  " FROM notify.alert WHERE spool_path IS NULL ORDER BY id LIMIT $1::int", 1, v);
    cd_db_submit(cd_service_db(s_app.svc), tx, s_on_undelivered, NULL);
}

static void s_on_delivery_timer(uv_timer_t *t)
{
    s_deliver_round();
}

static void s_deliver_soon(void *arg)
{
    s_deliver_round();
}

static void s_on_ready(cd_service_t *svc, void *arg)
{
    uv_timer_start(&s_app.delivery, s_on_delivery_timer, 0, NT_DELIVERY_MS);
}

static void s_on_stop(cd_service_t *svc, void *arg)
{
    uv_close((uv_handle_t *)&s_app.delivery, NULL);
}

int main(int argc, char **argv)
{
    static cd_config_item_t items[] = {
        {"CANDOUR_SPOOL_DIR", CD_CONFIG_STRING, "var/spool", 0, 0,
         "directory where letters are delivered, one folder per complaint", &s_app.spool},
    };
    cd_service_spec_t spec = {
        .name = "notify",
        .summary = "renders and delivers letters to complainants",
        .bind_port = 7104,
        .admin_port = 9104,
        .subscribers = s_subscribers,
        .config = items,
        .nconfig = 1,
        .on_event = s_on_event,
        .on_ready = s_on_ready,
        .on_stop = s_on_stop,
        .arg = &s_app,
    };
    int code = 0;
    s_app.svc = cd_service_new(&spec, argc, argv, &code);
    if (!s_app.svc)
        return code;
    if (mkdir(s_app.spool, 0750) != 0 && errno != EEXIST) {
        cd_log_error("spool.unusable", "{s:s, s:s}", "path", s_app.spool, "error", strerror(errno));
        cd_service_destroy(&s_app.svc);
        return 2;
    }
    s_app.m_letters = cd_metric_counter("candour_letters_delivered_total", NULL, "Letters delivered to the spool.");
    s_app.m_failed = cd_metric_counter("candour_letter_delivery_failures_total", NULL, "Failed attempts to deliver a letter.");
    uv_timer_init(cd_service_loop(s_app.svc), &s_app.delivery);
    code = cd_service_run(s_app.svc);
    cd_service_destroy(&s_app.svc);
    cd_zmq_ctx_term();
    return code;
}
