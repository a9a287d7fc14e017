/* bounce.c - bounces read from a Maildir and recorded on their letters
 * (bounce.h).
 *
 * The relay's bounces for our From address are delivered, as a mail server
 * does, into a Maildir (CANDOUR_BOUNCE_DIR): each message a file in new/.
 * Every NT_BOUNCE_MS, up to NT_BOUNCE_BATCH of them are read and parsed on
 * the thread pool; back on the loop each bounce of one of our letters is
 * recorded in one transaction (the try, and for a failure the letter failed
 * and raised), and only then is its file moved to cur/ (marked seen), so a
 * crash in between reads it again and the letter, already failed, is not
 * raised twice. A message that is not a bounce of ours is moved at once and
 * logged by its file name. Logs carry letter ids and status codes only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/log.h"
#include "notify.h"

#define NT_BOUNCE_MS 2000
#define NT_BOUNCE_BATCH 20
#define NT_BOUNCE_MAX_BYTES (1u << 20) /* a bounce returns headers, not whole letters */

typedef struct {
    char name[256]; /* its file name in new/ */
    int ours;       /* a bounce of one of our letters: b is it */
    nt_bounce_t b;
    char why[160]; /* when not ours */
} s_msg_t;

typedef struct {
    uv_work_t req;
    nt_app_t *app;
    int n;
    s_msg_t msgs[NT_BOUNCE_BATCH];
} s_scan_t;

/* One message's file, up to NT_BOUNCE_MAX_BYTES, parsed into m. */
static void s_read(const char *dir, const char *domain, s_msg_t *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/new/%s", dir, m->name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = fd >= 0 ? malloc(NT_BOUNCE_MAX_BYTES) : NULL;
    size_t len = 0;
    ssize_t r = 0;
    while (buf && len < NT_BOUNCE_MAX_BYTES &&
           ((r = read(fd, buf + len, NT_BOUNCE_MAX_BYTES - len)) > 0 || (r < 0 && errno == EINTR)))
        len += r > 0 ? (size_t)r : 0;
    if (fd >= 0)
        close(fd);
    if (!buf || r < 0)
        snprintf(m->why, sizeof m->why, "cannot be read: %s", strerror(buf ? errno : ENOMEM));
    else
        m->ours = nt_dsn_parse(buf, len, domain, &m->b, m->why, sizeof m->why) == 0;
    free(buf);
}

static void s_on_work(uv_work_t *req)
{
    s_scan_t *sc = req->data;
    char path[4096];
    snprintf(path, sizeof path, "%s/new", sc->app->bounce_dir);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while (sc->n < NT_BOUNCE_BATCH && (e = readdir(d)))
        if (e->d_name[0] != '.' && strlen(e->d_name) < sizeof sc->msgs[0].name)
            snprintf(sc->msgs[sc->n++].name, sizeof sc->msgs[0].name, "%s", e->d_name);
    closedir(d);
    for (int i = 0; i < sc->n; i++)
        s_read(sc->app->bounce_dir, sc->app->channels.smtp.domain, &sc->msgs[i]);
}

/* new/<name> to cur/<name>:2,S: read. */
static void s_seen(nt_app_t *app, const char *name)
{
    char from[4096], to[4096];
    snprintf(from, sizeof from, "%s/new/%s", app->bounce_dir, name);
    snprintf(to, sizeof to, "%s/cur/%s:2,S", app->bounce_dir, name);
    if (rename(from, to) != 0)
        cd_log_error("bounce.not_moved", "{s:s, s:s}", "file", name, "error", strerror(errno));
}

/* A bounce being recorded: its file is moved once it is. */
typedef struct {
    nt_app_t *app;
    char name[256];
    char letter_id[37];
} s_rec_t;

static void s_on_recorded(const cd_tx_result_t *res, void *arg)
{
    s_rec_t *rec = arg;
    /* Refused by the guard: the letter was no longer sent (failed or queued
     * again already): nothing to record, and the file is done with. */
    int guard = res->err && res->message && strstr(res->message, "not sent");
    if (res->err && !guard) {
        cd_log_warn("bounce.not_recorded", "{s:s, s:s}", "letter_id", rec->letter_id, "error",
                    res->message ? res->message : "");
    } else {
        s_seen(rec->app, rec->name);
        cd_service_kick(rec->app->svc);
    }
    free(rec);
}

static void s_on_letter(const cd_tx_result_t *res, void *arg)
{
    s_rec_t *rec = arg;
    nt_app_t *app = rec->app;
    s_msg_t *m = (s_msg_t *)(rec + 1);
    PGresult *r = res->err ? NULL : res->results[0];
    if (!r || PQntuples(r) != 1) {
        if (r) { /* not a letter of ours by email: nothing to record */
            cd_log_warn("bounce.unknown_letter", "{s:s, s:s}", "file", rec->name, "letter_id",
                        rec->letter_id);
            s_seen(app, rec->name);
        }
        free(rec);
        return;
    }
    const char *reference = PQgetvalue(r, 0, 0), *kind = PQgetvalue(r, 0, 1);
    char detail[400], error[400];
    snprintf(error, sizeof error, "bounced: %s %s", m->b.status, m->b.diagnostic);
    cd_tx_t *tx = cd_tx_new();
    const char *a[3] = {rec->letter_id, m->b.permanent ? "bounced" : "delayed", error};
    cd_tx_add(tx,
              "INSERT INTO notify.delivery_attempt (letter_id, attempt, channel, outcome, detail)"
              " SELECT letter_id, attempts, channel, $2, $3 FROM notify.letter"
              " WHERE letter_id = $1::uuid",
              3, a);
    if (m->b.permanent) {
        const char *u[2] = {rec->letter_id, error};
        cd_tx_add(tx,
                  "WITH u AS (UPDATE notify.letter SET state = 'failed', failed_at = now(),"
                  " delivered_at = NULL, last_error = $2 WHERE letter_id = $1::uuid"
                  " AND state = 'sent' RETURNING 1)"
                  " SELECT notify.expect(count(*) = 1, 'not sent') FROM u",
                  2, u);
        snprintf(detail, sizeof detail, "%.64s by email: bounced after it was sent (status %s)",
                 kind, m->b.status[0] ? m->b.status : "not given");
        nt_raise_failed(tx, reference, rec->letter_id, detail, NT_MAILS_ALERTS(app));
        cd_metric_add(app->m_raised, 1);
    }
    cd_log_warn("letter.bounced", "{s:s, s:s, s:s, s:s, s:b}", "reference", reference, "kind", kind,
                "letter_id", rec->letter_id, "status", m->b.status, "permanent", m->b.permanent);
    cd_db_submit(cd_service_db(app->svc), tx, s_on_recorded, rec);
}

static void s_on_worked(uv_work_t *req, int status)
{
    s_scan_t *sc = req->data;
    nt_app_t *app = sc->app;
    app->bouncing = 0;
    for (int i = 0; i < sc->n && status == 0 && !cd_service_stopping(app->svc); i++) {
        s_msg_t *m = &sc->msgs[i];
        if (!m->ours) {
            cd_log_warn("bounce.not_ours", "{s:s, s:s}", "file", m->name, "why", m->why);
            s_seen(app, m->name);
            continue;
        }
        /* The record and its message, in one allocation. */
        s_rec_t *rec = calloc(1, sizeof *rec + sizeof *m);
        if (!rec)
            continue; /* read again next time */
        rec->app = app;
        snprintf(rec->name, sizeof rec->name, "%s", m->name);
        snprintf(rec->letter_id, sizeof rec->letter_id, "%s", m->b.letter_id);
        memcpy(rec + 1, m, sizeof *m);
        const char *v[1] = {rec->letter_id};
        cd_db_query(cd_service_db(app->svc),
                    "SELECT reference, kind FROM notify.letter WHERE letter_id = $1::uuid"
                    " AND channel = 'email'",
                    1, v, s_on_letter, rec);
    }
    free(sc);
}

static void s_on_timer(uv_timer_t *t)
{
    nt_app_t *app = t->data;
    if (app->bouncing || cd_service_stopping(app->svc) || !cd_db_ready(cd_service_db(app->svc)))
        return;
    s_scan_t *sc = calloc(1, sizeof *sc);
    if (!sc)
        return;
    sc->app = app;
    sc->req.data = sc;
    if (uv_queue_work(cd_service_loop(app->svc), &sc->req, s_on_work, s_on_worked) == 0)
        app->bouncing = 1;
    else
        free(sc);
}

int nt_bounce_init(nt_app_t *app, uv_loop_t *loop)
{
    if (!app->bounce_dir || !app->bounce_dir[0])
        return 0;
    static const char *const sub[] = {"", "/new", "/cur", "/tmp"};
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s%s", app->bounce_dir, sub[i]);
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            cd_log_error("folder.unusable", "{s:s, s:s, s:s}", "folder", "bounces", "path", path,
                         "error", strerror(errno));
            return -1;
        }
    }
    uv_timer_init(loop, &app->bounces);
    app->bounces.data = app;
    app->bounce_timer = 1;
    return 0;
}

void nt_bounce_start(nt_app_t *app)
{
    if (app->bounce_timer)
        uv_timer_start(&app->bounces, s_on_timer, 0, NT_BOUNCE_MS);
}

void nt_bounce_stop(nt_app_t *app)
{
    if (app->bounce_timer)
        uv_close((uv_handle_t *)&app->bounces, NULL);
    app->bounce_timer = 0;
}
