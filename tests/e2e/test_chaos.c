/* test_chaos.c - nothing lost, nothing twice, under faults (guarantees 1-3).
 *
 * Several clients submit complaints and drive each through outcome and
 * signature, retrying whatever got no answer (the same external reference,
 * so intake's idempotency is what keeps it single). Meanwhile the main
 * thread kill -9s a random daemon every fraction of a second and starts it
 * again, and restarts PostgreSQL (fast shutdown, then start) once, a third
 * of the way in. When all is quiet, every complaint must exist exactly once
 * in every service's schema, have reached "response sent", have exactly one
 * of each letter in the spool, and every outbox and inbox must add up.
 *
 * Size and seed from the environment (CI runs a small size; the full size is
 * CANDOUR_CHAOS_N=2000, see README):
 *   CANDOUR_CHAOS_N        complaints (default 300)
 *   CANDOUR_CHAOS_CLIENTS  concurrent clients (default 4)
 *   CANDOUR_CHAOS_SEED     random seed (default: the time; always printed)
 * The kills run in the main thread: daemons die with the thread that started
 * them (PR_SET_PDEATHSIG), and the main thread outlives the test. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "candour/client.h"
#include "candour/util.h"
#include "harness.h"

#define CH_MAX_CLIENTS 16
#define CH_DEADLINE_S 900 /* the whole drive must finish within this */

static const char *const s_daemons[] = {"intake",  "routing", "investigation",
                                        "signoff", "notify",  "gateway"};

typedef struct {
    h_t *h;
    int id, nclients, n;
    int64_t deadline_us;
    /* results */
    int receipts, duplicate_receipts, sends, done;
    char failure[256];
} ch_client_t;

static atomic_int s_receipted;

static long s_env(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : def;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One request, retried (same content) until an answer that is not
 * UNAVAILABLE arrives. Returns the reply, or NULL past the deadline. */
static Candour__V1__Reply *s_call(ch_client_t *c, const char *svc, Candour__V1__Request *req)
{
    char err[256];
    while (cd_now_us() < c->deadline_us) {
        cd_client_t *cl =
            strcmp(svc, "intake") == 0 ? h_client(c->h, "ICB-CHAOS") : h_internal_client(c->h, svc);
        Candour__V1__Reply *reply = NULL;
        c->sends++;
        int rc = cl ? cd_client_call(cl, req, 2000, &reply, err, sizeof err) : -1;
        cd_client_destroy(&cl);
        if (rc == 0 && !(reply->error && strcmp(reply->error->code, "UNAVAILABLE") == 0))
            return reply;
        if (reply)
            candour__v1__reply__free_unpacked(reply, NULL);
        s_sleep_ms(50);
    }
    return NULL;
}

static int s_submit(ch_client_t *c, int i, char *ref, size_t reflen)
{
    char ext[32];
    snprintf(ext, sizeof ext, "CHAOS-%06d", i);
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
    req.org_id = "ICB-CHAOS";
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
    snprintf(ref, reflen, "%s", r->receipt->complaint_ref);
    c->receipts++;
    c->duplicate_receipts += r->receipt->duplicate;
    atomic_fetch_add(&s_receipted, 1);
    candour__v1__reply__free_unpacked(r, NULL);
    return 0;
}

/* Send req until it is Done, or refused because it already took effect
 * (FAILED_PRECONDITION); NOT_FOUND means the case or draft is not there yet. */
static int s_until_done(ch_client_t *c, const char *svc, Candour__V1__Request *req, const char *ref)
{
    while (cd_now_us() < c->deadline_us) {
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
        s_sleep_ms(100);
    }
    if (!c->failure[0])
        snprintf(c->failure, sizeof c->failure, "%s %s: deadline", svc, ref);
    return -1;
}

/* The body's complaints team (staff ids), set before the clients start. */
static char *s_manager, *s_investigator, *s_chief;

static void *s_client(void *arg)
{
    ch_client_t *c = arg;
    for (int i = c->id; i < c->n; i += c->nclients) {
        char ref[64];
        if (s_submit(c, i, ref, sizeof ref) != 0)
            return NULL;
        Candour__V1__AssignInvestigator as = CANDOUR__V1__ASSIGN_INVESTIGATOR__INIT;
        as.complaint_ref = ref;
        as.investigator = s_investigator;
        Candour__V1__Request areq = CANDOUR__V1__REQUEST__INIT;
        areq.acting = s_manager;
        areq.op_case = CANDOUR__V1__REQUEST__OP_ASSIGN_INVESTIGATOR;
        areq.assign_investigator = &as;
        if (s_until_done(c, "investigation", &areq, ref) != 0)
            return NULL;
        Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
        ro.complaint_ref = ref;
        ro.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
        ro.findings = "Visits were cancelled because of a rota error; they have been restored.";
        Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
        req.acting = s_investigator;
        req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME;
        req.record_outcome = &ro;
        if (s_until_done(c, "investigation", &req, ref) != 0)
            return NULL;
        Candour__V1__SignResponse sr = CANDOUR__V1__SIGN_RESPONSE__INIT;
        sr.complaint_ref = ref;
        Candour__V1__Request sreq = CANDOUR__V1__REQUEST__INIT;
        sreq.acting = s_chief;
        sreq.op_case = CANDOUR__V1__REQUEST__OP_SIGN;
        sreq.sign = &sr;
        if (s_until_done(c, "signoff", &sreq, ref) != 0)
            return NULL;
        c->done++;
    }
    return NULL;
}

static long s_count(h_t *h, const char *sql)
{
    return h_count(h, sql, 0, NULL);
}

/* Files in the spool: letters and leftovers (temporary files). */
/* The spool's letters (<kind>.txt), their PDFs (<kind>.pdf), staging files
 * left behind (dot files) and complaint folders. */
static void s_spool_count(const char *spool, long *letters, long *pdfs, long *temps, long *folders)
{
    *letters = *pdfs = *temps = *folders = 0;
    DIR *d = opendir(spool);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
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
    if (d)
        closedir(d);
}

#define S_ALL_DELIVERIES(cond)                                                                     \
    "SELECT count(*) FROM (SELECT * FROM intake.outbox_delivery UNION ALL SELECT * FROM "          \
    "routing.outbox_delivery UNION ALL SELECT * FROM investigation.outbox_delivery UNION ALL "     \
    "SELECT * FROM signoff.outbox_delivery UNION ALL SELECT * FROM notify.outbox_delivery) d "     \
    "WHERE " cond

Test(chaos, complaints_survive_kill_9_of_any_daemon_and_a_database_restart, .timeout = 2400)
{
    int n = (int)s_env("CANDOUR_CHAOS_N", 300);
    int nclients = (int)s_env("CANDOUR_CHAOS_CLIENTS", 4);
    unsigned seed = (unsigned)s_env("CANDOUR_CHAOS_SEED", (long)time(NULL));
    cr_assert(nclients >= 1 && nclients <= CH_MAX_CLIENTS && n >= nclients);
    printf("chaos: %d complaints, %d clients, seed %u (CANDOUR_CHAOS_SEED=%u repeats it)\n", n,
           nclients, seed, seed);
    fflush(stdout);
    srand(seed);

    h_t *h = h_new_private("chaos");
    h_org(h, "ICB-CHAOS");
    h_setenv(h, "CANDOUR_RETRY_BASE_MS", "200");
    h_setenv(h, "CANDOUR_RETRY_CAP_MS", "2000");
    h_setenv(h, "CANDOUR_LOG_LEVEL", "info");
    cr_assert_eq(h_start_all(h), 0);
    s_manager = h_staff(h, "ICB-CHAOS", "Casey Manager", "Complaints", "complaints-manager");
    s_investigator = h_staff(h, "ICB-CHAOS", "Ira Investigator", "Quality", "investigator");
    s_chief = h_staff(h, "ICB-CHAOS", "R. Person", "", "responsible-person");

    int64_t t0 = cd_now_us();
    ch_client_t clients[CH_MAX_CLIENTS];
    pthread_t threads[CH_MAX_CLIENTS];
    for (int i = 0; i < nclients; i++) {
        clients[i] = (ch_client_t){.h = h,
                                   .id = i,
                                   .nclients = nclients,
                                   .n = n,
                                   .deadline_us = t0 + CH_DEADLINE_S * 1000000LL};
        pthread_create(&threads[i], NULL, s_client, &clients[i]);
    }

    /* The chaos: until the clients are done. */
    int kills = 0, pg_restarts = 0;
    int nd = (int)(sizeof s_daemons / sizeof s_daemons[0]);
    for (;;) {
        int finished = 0;
        for (int i = 0; i < nclients; i++)
            finished += clients[i].done + (clients[i].failure[0] ? n : 0);
        if (finished >= n || cd_now_us() > t0 + CH_DEADLINE_S * 1000000LL)
            break;
        s_sleep_ms(100 + rand() % 300);
        const char *victim = s_daemons[rand() % nd];
        h_kill9(h, victim);
        kills++;
        s_sleep_ms(rand() % 100);
        cr_assert_eq(h_start(h, victim), 0);
        if (!pg_restarts && atomic_load(&s_receipted) >= n / 3) {
            cr_assert_eq(h_pg_restart(h), 0, "PostgreSQL did not come back");
            pg_restarts++;
        }
    }
    for (int i = 0; i < nclients; i++)
        pthread_join(threads[i], NULL);
    if (!pg_restarts) {
        cr_assert_eq(h_pg_restart(h), 0); /* a run too short to reach a third still gets one */
        pg_restarts++;
    }
    int receipts = 0, dup_receipts = 0, sends = 0, done = 0;
    for (int i = 0; i < nclients; i++) {
        cr_assert_eq(clients[i].failure[0], 0, "client %d: %s", i, clients[i].failure);
        receipts += clients[i].receipts;
        dup_receipts += clients[i].duplicate_receipts;
        sends += clients[i].sends;
        done += clients[i].done;
    }
    cr_assert_eq(done, n);

    /* Quiet: every daemon up; wait for the last letters and acknowledgements. */
    for (int i = 0; i < nd; i++)
        if (!h_pid(h, s_daemons[i]))
            cr_assert_eq(h_start(h, s_daemons[i]), 0);
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

    long redeliveries = s_count(h, "SELECT sum(attempts - 1) FROM (SELECT attempts FROM"
                                   " intake.outbox_delivery UNION ALL SELECT attempts FROM"
                                   " routing.outbox_delivery UNION ALL SELECT attempts FROM"
                                   " investigation.outbox_delivery UNION ALL SELECT attempts"
                                   " FROM signoff.outbox_delivery UNION ALL SELECT attempts"
                                   " FROM notify.outbox_delivery) a");
    printf("chaos: seed %u; %d complaints submitted by %d clients in %.1f s\n"
           "chaos: receipts %d (of which duplicates suppressed at intake: %d); requests sent %d\n"
           "chaos: redeliveries %ld; kill -9 %d; PostgreSQL restarts %d\n"
           "chaos: every complaint once in every schema, response sent, 2 letters each: ok\n",
           seed, n, nclients, (double)(cd_now_us() - t0) / 1e6, receipts, dup_receipts, sends,
           redeliveries, kills, pg_restarts);
    fflush(stdout);
    cr_assert_eq(h_destroy(&h), 0, "a daemon did not exit 0 on SIGTERM");
}
