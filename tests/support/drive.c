/* drive.c - see drive.h. */
#include "drive.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/client.h"
#include "candour/util.h"

#define DRIVE_MAX_CLIENTS 16

typedef struct {
    drive_t *d;
    int id;
    /* results */
    int receipts, duplicate_receipts, sends, done;
    char failure[256];
} drive_client_t;

struct drive_t {
    h_t *h;
    char org[64], prefix[32];
    int n, nclients;
    int64_t deadline_us;
    char *manager, *investigator, *chief; /* staff ids */
    char **refs;                          /* [n]: each complaint's reference, once receipted */
    atomic_int receipted;
    atomic_int waiting; /* requests sent and not yet answered */
    atomic_int stop;    /* no new complaint after this */
    drive_client_t clients[DRIVE_MAX_CLIENTS];
    pthread_t threads[DRIVE_MAX_CLIENTS];
};

void drive_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

long drive_env(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : def;
}

/* One request, retried (same content) until an answer that is not
 * UNAVAILABLE arrives. Returns the reply, or NULL past the deadline. */
static Candour__V1__Reply *s_call(drive_client_t *c, const char *svc, Candour__V1__Request *req)
{
    drive_t *d = c->d;
    char err[256];
    while (cd_now_us() < d->deadline_us) {
        cd_client_t *cl =
            strcmp(svc, "intake") == 0 ? h_client(d->h, d->org) : h_internal_client(d->h, svc);
        Candour__V1__Reply *reply = NULL;
        c->sends++;
        atomic_fetch_add(&d->waiting, 1);
        int rc = cl ? cd_client_call(cl, req, 2000, &reply, err, sizeof err) : -1;
        atomic_fetch_sub(&d->waiting, 1);
        cd_client_destroy(&cl);
        if (rc == 0 && !(reply->error && strcmp(reply->error->code, "UNAVAILABLE") == 0))
            return reply;
        if (reply)
            candour__v1__reply__free_unpacked(reply, NULL);
        drive_sleep_ms(50);
    }
    return NULL;
}

static int s_submit(drive_client_t *c, int i)
{
    drive_t *d = c->d;
    char ext[48];
    snprintf(ext, sizeof ext, "%s-%06d", d->prefix, i);
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"2 Station Road"};
    p.name = "Sam Okafor";
    p.address = addr;
    p.n_address = 1;
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.external_ref = ext;
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    comp.complainant = &p;
    comp.description = "The community nursing visits stopped without notice.";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &comp;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = d->org;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    Candour__V1__Reply *r = s_call(c, "intake", &req);
    if (!r || !r->receipt) {
        snprintf(c->failure, sizeof c->failure, "%s: no receipt (%s)", ext,
                 r && r->error ? r->error->message : "deadline");
        if (r)
            candour__v1__reply__free_unpacked(r, NULL);
        return -1;
    }
    d->refs[i] = strdup(r->receipt->complaint_ref);
    c->receipts++;
    c->duplicate_receipts += r->receipt->duplicate;
    atomic_fetch_add(&d->receipted, 1);
    candour__v1__reply__free_unpacked(r, NULL);
    return 0;
}

/* Send req until it is Done, or refused because it already took effect
 * (FAILED_PRECONDITION); NOT_FOUND means the case or draft is not there yet. */
static int s_until_done(drive_client_t *c, const char *svc, Candour__V1__Request *req,
                        const char *ref)
{
    while (cd_now_us() < c->d->deadline_us) {
        Candour__V1__Reply *r = s_call(c, svc, req);
        if (!r)
            break;
        const char *code = r->error ? r->error->code : "";
        int finished = !r->error || strcmp(code, "FAILED_PRECONDITION") == 0;
        int later = strcmp(code, "NOT_FOUND") == 0;
        if (!finished && !later)
            snprintf(c->failure, sizeof c->failure, "%s %s: %s %s", svc, ref, code,
                     r->error->message);
        candour__v1__reply__free_unpacked(r, NULL);
        if (finished)
            return 0;
        if (!later)
            return -1;
        drive_sleep_ms(100);
    }
    if (!c->failure[0])
        snprintf(c->failure, sizeof c->failure, "%s %s: deadline", svc, ref);
    return -1;
}

static void *s_client(void *arg)
{
    drive_client_t *c = arg;
    drive_t *d = c->d;
    for (int i = c->id; i < d->n && !atomic_load(&d->stop); i += d->nclients) {
        if (s_submit(c, i) != 0)
            return NULL;
        char *ref = d->refs[i];
        Candour__V1__AssignInvestigator as = CANDOUR__V1__ASSIGN_INVESTIGATOR__INIT;
        as.complaint_ref = ref;
        as.investigator = d->investigator;
        Candour__V1__Request areq = CANDOUR__V1__REQUEST__INIT;
        areq.acting = d->manager;
        areq.op_case = CANDOUR__V1__REQUEST__OP_ASSIGN_INVESTIGATOR;
        areq.assign_investigator = &as;
        if (s_until_done(c, "investigation", &areq, ref) != 0)
            return NULL;
        Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
        ro.complaint_ref = ref;
        ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
        ro.findings = "Visits were cancelled because of a rota error; they have been restored.";
        Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
        req.acting = d->investigator;
        req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME;
        req.record_outcome = &ro;
        if (s_until_done(c, "investigation", &req, ref) != 0)
            return NULL;
        Candour__V1__SignResponse sr = CANDOUR__V1__SIGN_RESPONSE__INIT;
        sr.complaint_ref = ref;
        Candour__V1__Request sreq = CANDOUR__V1__REQUEST__INIT;
        sreq.acting = d->chief;
        sreq.op_case = CANDOUR__V1__REQUEST__OP_SIGN;
        sreq.sign = &sr;
        if (s_until_done(c, "signoff", &sreq, ref) != 0)
            return NULL;
        c->done++;
    }
    return NULL;
}

drive_t *drive_start(h_t *h, const char *org, const char *prefix, int n, int nclients,
                     int deadline_s)
{
    cr_assert(nclients >= 1 && nclients <= DRIVE_MAX_CLIENTS && n >= nclients);
    drive_t *d = calloc(1, sizeof *d);
    cr_assert(d);
    d->h = h;
    snprintf(d->org, sizeof d->org, "%s", org);
    snprintf(d->prefix, sizeof d->prefix, "%s", prefix);
    d->n = n;
    d->nclients = nclients;
    d->refs = calloc((size_t)n, sizeof *d->refs);
    cr_assert(d->refs);
    d->manager = h_staff(h, org, "Casey Manager", "Complaints", "complaints-manager");
    d->investigator = h_staff(h, org, "Ira Investigator", "Quality", "investigator");
    d->chief = h_staff(h, org, "R. Person", "", "responsible-person");
    d->deadline_us = cd_now_us() + deadline_s * 1000000LL;
    for (int i = 0; i < nclients; i++) {
        d->clients[i] = (drive_client_t){.d = d, .id = i};
        pthread_create(&d->threads[i], NULL, s_client, &d->clients[i]);
    }
    return d;
}

int drive_receipted(drive_t *d)
{
    return atomic_load(&d->receipted);
}

void drive_stop(drive_t *d)
{
    atomic_store(&d->stop, 1);
}

int drive_waiting(drive_t *d)
{
    return atomic_load(&d->waiting);
}

int drive_finished(drive_t *d)
{
    int finished = 0;
    for (int i = 0; i < d->nclients; i++)
        finished += d->clients[i].done + (d->clients[i].failure[0] ? d->n : 0);
    return finished;
}

void drive_join(drive_t *d, drive_totals_t *out)
{
    *out = (drive_totals_t){0};
    for (int i = 0; i < d->nclients; i++)
        pthread_join(d->threads[i], NULL);
    for (int i = 0; i < d->nclients; i++) {
        drive_client_t *c = &d->clients[i];
        cr_assert_eq(c->failure[0], 0, "client %d: %s", i, c->failure);
        out->receipts += c->receipts;
        out->duplicate_receipts += c->duplicate_receipts;
        out->sends += c->sends;
        out->done += c->done;
    }
}

const char *drive_ref(drive_t *d, int i)
{
    return i >= 0 && i < d->n ? d->refs[i] : NULL;
}

void drive_free(drive_t **pd)
{
    drive_t *d = *pd;
    if (!d)
        return;
    for (int i = 0; i < d->n; i++)
        free(d->refs[i]);
    free(d->refs);
    free(d->manager);
    free(d->investigator);
    free(d->chief);
    free(d);
    *pd = NULL;
}

static long s_count(h_t *h, const char *sql)
{
    return h_count(h, sql, 0, NULL);
}

/* The spool's letters (<kind>.txt), their PDFs (<kind>.pdf), staging files
 * left behind (dot files) and complaint folders. */
static void s_spool_count(const char *spool, long *letters, long *pdfs, long *temps, long *folders)
{
    *letters = *pdfs = *temps = *folders = 0;
    DIR *dir = opendir(spool);
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        (*folders)++;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", spool, e->d_name);
        DIR *sub = opendir(path);
        struct dirent *f;
        while (sub && (f = readdir(sub)) != NULL) {
            if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0)
                continue;
            size_t len = strlen(f->d_name);
            if (f->d_name[0] == '.')
                (*temps)++;
            else if (len > 4 && strcmp(f->d_name + len - 4, ".pdf") == 0)
                (*pdfs)++;
            else
                (*letters)++;
        }
        if (sub)
            closedir(sub);
    }
    if (dir)
        closedir(dir);
}

#define S_ALL_DELIVERIES(cond)                                                                     \
    "SELECT count(*) FROM (SELECT * FROM intake.outbox_delivery UNION ALL SELECT * FROM "          \
    "routing.outbox_delivery UNION ALL SELECT * FROM investigation.outbox_delivery UNION ALL "     \
    "SELECT * FROM signoff.outbox_delivery UNION ALL SELECT * FROM notify.outbox_delivery) d "     \
    "WHERE " cond

long drive_check_exactly_once(h_t *h, int n)
{
    char want[32];
    snprintf(want, sizeof want, "%d", n);
    cr_assert(h_wait_for(h,
                         "SELECT count(*) FROM routing.complaint WHERE state = 'response-sent'"
                         " AND acknowledged_at IS NOT NULL",
                         0, NULL, want, 180000),
              "not every complaint reached response-sent with its acknowledgement");
    cr_assert(h_wait_for(h, S_ALL_DELIVERIES("delivered_at IS NULL"), 0, NULL, "0", 60000),
              "an outbox still holds undelivered events");

    /* Exactly once, in every schema. */
    cr_assert_eq(s_count(h, "SELECT count(*) FROM intake.complaint"), n);
    cr_assert_eq(s_count(h, "SELECT count(DISTINCT external_ref) FROM intake.complaint"), n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM routing.complaint"), n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM investigation.case WHERE state = 'completed'"),
                 n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM investigation.case"), n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM signoff.draft WHERE state = 'approved'"), n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM notify.recipient"), n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM notify.letter WHERE delivered_at IS NOT NULL"),
                 2 * n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM notify.letter"), 2 * n);
    /* Each event applied once: a complaint's history has exactly its seven
     * events and its one triage (an assignment retried after a lost reply
     * names the same person: nothing changes, nothing is sent). */
    cr_assert_eq(s_count(h, "SELECT count(*) FROM routing.history"), 8L * n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM (SELECT reference FROM routing.history"
                            " GROUP BY reference HAVING count(*) <> 8) x"),
                 0);
    /* Inboxes: what each consumer applied, once per event (and the three
     * people of the staff directory, once each, at each copy: intake's too). */
    cr_assert_eq(s_count(h, "SELECT count(*) FROM routing.inbox"), 7L * n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM investigation.inbox"), n + 3);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM signoff.inbox"), n + 3);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM notify.inbox"), 3L * n + 3);
    /* Outboxes: one event per state change, every delivery acknowledged, none dead. */
    cr_assert_eq(s_count(h, "SELECT count(*) FROM intake.outbox"), n);
    /* routing: the hand-over and the acknowledgement request, plus one status
     * change per forward move, each applied once at intake. (A move can be
     * skipped when two producers' events overtake each other: states only
     * go forward.) */
    long changes = s_count(h, "SELECT count(*) FROM intake.status_change");
    cr_assert_eq(s_count(h, "SELECT count(*) FROM routing.outbox"), 2L * n + changes + 3);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM intake.inbox"), changes + 3);
    /* Between "received" and "response-sent" a complaint passes at most three
     * more states; when routing was down and events overtook each other, it
     * may skip some (states only go forward), never repeat one. */
    cr_assert_eq(s_count(h, "SELECT count(*) FROM (SELECT reference FROM intake.status_change"
                            " GROUP BY reference HAVING count(*) NOT BETWEEN 2 AND 5"
                            " OR count(*) <> count(DISTINCT state)) x"),
                 0);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM intake.complaint WHERE state = 'response-sent'"),
                 n, "intake's view of a complaint did not end at response-sent");
    cr_assert_eq(s_count(h, "SELECT count(*) FROM investigation.outbox"), 3L * n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM signoff.outbox"), n);
    cr_assert_eq(s_count(h, "SELECT count(*) FROM notify.outbox"), 2L * n);
    cr_assert_eq(s_count(h, S_ALL_DELIVERIES("dead_at IS NOT NULL")), 0);
    /* One of each letter in the spool, and no half-written leftovers. */
    long letters, pdfs, temps, folders;
    s_spool_count(h_spool(h), &letters, &pdfs, &temps, &folders);
    cr_assert_eq(folders, n);
    cr_assert_eq(letters, 2L * n);
    cr_assert_eq(pdfs, 2L * n, "a letter by post without its PDF, or one twice");
    cr_assert_eq(temps, 0, "temporary letter files were left behind");

    return s_count(h, "SELECT sum(attempts - 1) FROM (SELECT attempts FROM"
                      " intake.outbox_delivery UNION ALL SELECT attempts FROM"
                      " routing.outbox_delivery UNION ALL SELECT attempts FROM"
                      " investigation.outbox_delivery UNION ALL SELECT attempts"
                      " FROM signoff.outbox_delivery UNION ALL SELECT attempts"
                      " FROM notify.outbox_delivery) a");
}
