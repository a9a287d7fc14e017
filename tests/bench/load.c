/* load.c - candour-bench-load: the load driver of the benchmark (tests/bench/run.sh).
 *
 * One pass: K threads, each with its own CURVE DEALER on intake's public
 * endpoint and its own allow-listed key (KEYS_DIR/client-NN.key), send N
 * distinct complaints in total (a ~1 KB description each), keeping up to W
 * requests in flight per connection and matching replies by request_id. Each
 * receipt's latency is recorded. With --rate R the pass is open-loop at R
 * complaints/s in total (for the "latency at half the maximum rate" pass).
 *
 * Then, with --db URL, it polls notify.letter until every complaint it got a
 * receipt for has a delivered acknowledgement letter (or --e2e-timeout), and
 * computes each complaint's end-to-end latency from the wall-clock time it was
 * sent to notify.letter.delivered_at.
 *
 *   receipts/s = receipts / (last receipt - first send)
 *   e2e/s      = letters  / (last letter delivered - first send)
 *
 * Prints one JSON object on stdout; progress and a summary on stderr.
 * Exit 0 when every complaint got a receipt (and a letter, with --db); 1 when
 * some got no receipt; 3 when every receipt came but not every letter within
 * --e2e-timeout (the figures then cover the letters that did come). */
#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/v1/api.pb-c.h"

typedef struct {
    double send_mono;   /* s, CLOCK_MONOTONIC */
    double send_wall;   /* s since the epoch */
    double recv_mono;   /* 0: no receipt */
    char ref[24];       /* complaint_ref from the receipt */
    int dup, err;
} b_item_t;

static struct {
    const char *endpoint, *server_key, *keys_dir, *tag, *db, *org_prefix;
    int n, clients, window, e2e_timeout, reply_timeout;
    double rate;
    char server_pub[41];
    void *ctx;
    b_item_t *items;
    char description[1200];
    atomic_int receipts, errors, dups;
    char first_error[256];
    pthread_mutex_t lock;
} B = {
    .n = 20000, .clients = 16, .window = 8, .e2e_timeout = 300, .reply_timeout = 60,
    .tag = "B", .org_prefix = "BENCH-",
};

static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double s_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int s_read_line(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(out, (int)len, f) != NULL;
    fclose(f);
    out[strcspn(out, "\r\n")] = 0;
    return ok ? 0 : -1;
}

/* ---------------------------------------------------------------- sending */

static int s_send(void *sock, int idx)
{
    char ext[64], rid[32];
    snprintf(ext, sizeof ext, "BENCH-%s-%07d", B.tag, idx);
    snprintf(rid, sizeof rid, "%d", idx);
    char *addr[] = {"2 Station Road", "Leeds"};
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Sam Okafor";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "LS1 1AA";
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.external_ref = ext;
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    comp.complainant = &p;
    comp.description = B.description;
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &comp;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.request_id = rid;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    uint8_t buf[4096];
    size_t len = candour__v1__request__get_packed_size(&req);
    if (len > sizeof buf)
        return -1;
    candour__v1__request__pack(&req, buf);
    B.items[idx].send_wall = s_wall();
    B.items[idx].send_mono = s_mono();
    if (zmq_send(sock, "REQ", 3, ZMQ_SNDMORE) != 3 || zmq_send(sock, buf, len, 0) != (int)len)
        return -1;
    return 0;
}

/* One reply ("REP" | Reply). Returns 1 if it answered one of ours. */
static int s_recv(void *sock)
{
    zmq_msg_t m[3];
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t tmp;
        zmq_msg_init(&tmp);
        if (zmq_msg_recv(&tmp, sock, 0) < 0) {
            zmq_msg_close(&tmp);
            break;
        }
        more = zmq_msg_more(&tmp);
        if (n < 3)
            m[n++] = tmp;
        else
            zmq_msg_close(&tmp);
    }
    double now = s_mono();
    int ours = 0;
    if (n == 2 && zmq_msg_size(&m[0]) == 3 && memcmp(zmq_msg_data(&m[0]), "REP", 3) == 0) {
        Candour__V1__Reply *r =
            candour__v1__reply__unpack(NULL, zmq_msg_size(&m[1]), zmq_msg_data(&m[1]));
        if (r && r->request_id && *r->request_id) {
            int idx = atoi(r->request_id);
            if (idx >= 0 && idx < B.n && B.items[idx].recv_mono == 0) {
                b_item_t *it = &B.items[idx];
                it->recv_mono = now;
                ours = 1;
                if (r->result_case == CANDOUR__V1__REPLY__RESULT_RECEIPT && r->receipt) {
                    snprintf(it->ref, sizeof it->ref, "%s", r->receipt->complaint_ref);
                    it->dup = r->receipt->duplicate;
                    atomic_fetch_add(&B.receipts, 1);
                    if (it->dup)
                        atomic_fetch_add(&B.dups, 1);
                } else {
                    it->err = 1;
                    atomic_fetch_add(&B.errors, 1);
                    pthread_mutex_lock(&B.lock);
                    if (!B.first_error[0])
                        snprintf(B.first_error, sizeof B.first_error, "%s: %s",
                                 r->error ? r->error->code : "?",
                                 r->error ? r->error->message : "no result");
                    pthread_mutex_unlock(&B.lock);
                }
            }
        }
        if (r)
            candour__v1__reply__free_unpacked(r, NULL);
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close(&m[i]);
    return ours;
}

static void *s_client(void *arg)
{
    int t = (int)(intptr_t)arg;
    char path[512], secret[128], pub[41];
    snprintf(path, sizeof path, "%s/client-%02d.key", B.keys_dir, t + 1);
    if (s_read_line(path, secret, sizeof secret) != 0 || strlen(secret) != 40 ||
        zmq_curve_public(pub, secret) != 0) {
        fprintf(stderr, "bench-load: cannot read the key %s\n", path);
        exit(2);
    }
    void *sock = zmq_socket(B.ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, B.server_pub, 40);
    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 40);
    if (zmq_connect(sock, B.endpoint) != 0) {
        fprintf(stderr, "bench-load: connect %s: %s\n", B.endpoint, zmq_strerror(zmq_errno()));
        exit(2);
    }
    /* this thread's complaints: t, t+K, t+2K, ... */
    int mine = 0;
    for (int i = t; i < B.n; i += B.clients)
        mine++;
    int next = 0, inflight = 0, done = 0;
    double start = s_mono(), last_progress = start;
    double gap = B.rate > 0 ? (double)B.clients / B.rate : 0; /* s between this thread's sends */
    while (done < mine) {
        double now = s_mono();
        while (inflight < B.window && next < mine && (gap == 0 || now >= start + next * gap)) {
            if (s_send(sock, t + next * B.clients) != 0) {
                fprintf(stderr, "bench-load: send: %s\n", zmq_strerror(zmq_errno()));
                exit(1);
            }
            next++;
            inflight++;
        }
        long wait_ms = 200;
        if (gap > 0 && next < mine && inflight < B.window) {
            double due = start + next * gap - s_mono();
            wait_ms = due <= 0 ? 0 : (long)ceil(due * 1000);
        }
        zmq_pollitem_t pi = {sock, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&pi, 1, wait_ms);
        if (rc > 0) {
            int ev = 0;
            size_t evlen = sizeof ev;
            do {
                if (s_recv(sock)) {
                    inflight--;
                    done++;
                    last_progress = s_mono();
                }
                zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &evlen);
            } while (ev & ZMQ_POLLIN);
        }
        if (s_mono() - last_progress > B.reply_timeout && inflight > 0) {
            fprintf(stderr, "bench-load: client %d: no reply for %d s, %d unanswered\n", t + 1,
                    B.reply_timeout, inflight + (mine - next));
            break;
        }
    }
    zmq_close(sock);
    return NULL;
}

/* ---------------------------------------------------------------- figures */

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static double s_pct(const double *v, int n, double p)
{
    if (n <= 0)
        return 0;
    int k = (int)ceil(p / 100.0 * n);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

typedef struct {
    const char *ref;
    int idx;
} b_ref_t;

static int s_cmp_ref(const void *a, const void *b)
{
    return strcmp(((const b_ref_t *)a)->ref, ((const b_ref_t *)b)->ref);
}

static PGresult *s_query(PGconn *c, const char *sql, const char *p1)
{
    const char *v[1] = {p1};
    PGresult *r = PQexecParams(c, sql, p1 ? 1 : 0, NULL, p1 ? v : NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "bench-load: %s: %s\n", sql, PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    return r;
}

static void s_usage(void)
{
    fprintf(stderr,
            "usage: candour-bench-load --endpoint EP --server-key FILE|Z85 --keys-dir DIR\n"
            "         [--n N] [--clients K] [--window W] [--rate R] [--tag T] [--db URL]\n"
            "         [--e2e-timeout S] [--reply-timeout S]\n"
            "  KEYS_DIR/client-01.key ... client-K.key: each client's CURVE secret key, on\n"
            "  the allow-list (candourctl keygen / org add). --rate 0 (default): as fast as\n"
            "  W requests in flight per client allow. --db: intake's database (admin URL),\n"
            "  to wait for the acknowledgement letters and measure end to end.\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && ++i)
        if (OPT("--endpoint")) B.endpoint = v;
        else if (OPT("--server-key")) B.server_key = v;
        else if (OPT("--keys-dir")) B.keys_dir = v;
        else if (OPT("--n")) B.n = atoi(v);
        else if (OPT("--clients")) B.clients = atoi(v);
        else if (OPT("--window")) B.window = atoi(v);
        else if (OPT("--rate")) B.rate = atof(v);
        else if (OPT("--tag")) B.tag = v;
        else if (OPT("--db")) B.db = v;
        else if (OPT("--e2e-timeout")) B.e2e_timeout = atoi(v);
        else if (OPT("--reply-timeout")) B.reply_timeout = atoi(v);
        else s_usage();
#undef OPT
    }
    if (!B.endpoint || !B.server_key || !B.keys_dir || B.n < 1 || B.clients < 1 ||
        B.window < 1 || B.clients > 99)
        s_usage();
    if (strlen(B.server_key) == 40)
        memcpy(B.server_pub, B.server_key, 41);
    else if (s_read_line(B.server_key, B.server_pub, sizeof B.server_pub) != 0 ||
             strlen(B.server_pub) != 40) {
        fprintf(stderr, "bench-load: cannot read intake's public key from %s\n", B.server_key);
        return 2;
    }
    /* ~1 KB of plain text */
    const char *words = "The community nursing visits stopped without notice and nobody "
                        "returned our calls for three weeks; my father's dressings were not "
                        "changed and the wound became infected. ";
    B.description[0] = 0;
    while (strlen(B.description) + strlen(words) < 1000)
        strncat(B.description, words, sizeof B.description - strlen(B.description) - 1);
    B.items = calloc((size_t)B.n, sizeof *B.items);
    pthread_mutex_init(&B.lock, NULL);
    B.ctx = zmq_ctx_new();
    zmq_ctx_set(B.ctx, ZMQ_IO_THREADS, 1);

    fprintf(stderr, "bench-load: %d complaints from %d clients (window %d%s) to %s\n", B.n,
            B.clients, B.window, B.rate > 0 ? ", rate-limited" : "", B.endpoint);
    pthread_t th[100];
    for (int t = 0; t < B.clients; t++)
        pthread_create(&th[t], NULL, s_client, (void *)(intptr_t)t);
    for (int t = 0; t < B.clients; t++)
        pthread_join(th[t], NULL);
    zmq_ctx_term(B.ctx);

    /* receipts */
    double first_send = 1e300, first_wall = 1e300, last_recv = 0;
    double *lat = malloc(sizeof(double) * (size_t)B.n);
    int nlat = 0, unanswered = 0;
    for (int i = 0; i < B.n; i++) {
        b_item_t *it = &B.items[i];
        if (it->send_mono > 0 && it->send_mono < first_send)
            first_send = it->send_mono;
        if (it->send_wall > 0 && it->send_wall < first_wall)
            first_wall = it->send_wall;
        if (!it->recv_mono) {
            unanswered++;
            continue;
        }
        if (it->recv_mono > last_recv)
            last_recv = it->recv_mono;
        if (it->ref[0])
            lat[nlat++] = (it->recv_mono - it->send_mono) * 1000.0;
    }
    qsort(lat, (size_t)nlat, sizeof *lat, s_cmp_double);
    int receipts = atomic_load(&B.receipts);
    double span = last_recv > first_send ? last_recv - first_send : 0;
    double intake_per_s = span > 0 ? receipts / span : 0;
    fprintf(stderr,
            "bench-load: %d receipts (%d duplicates), %d errors, %d unanswered in %.2f s: "
            "%.0f receipts/s; receipt p50 %.1f ms p99 %.1f ms p99.9 %.1f ms\n",
            receipts, atomic_load(&B.dups), atomic_load(&B.errors), unanswered, span,
            intake_per_s, s_pct(lat, nlat, 50), s_pct(lat, nlat, 99), s_pct(lat, nlat, 99.9));
    if (B.first_error[0])
        fprintf(stderr, "bench-load: first error: %s\n", B.first_error);

    /* end to end */
    int letters = 0, e2e_done = 0;
    double e2e_per_s = 0, e2e_span = 0;
    double *e2e = malloc(sizeof(double) * (size_t)B.n);
    if (B.db && receipts > 0) {
        PGconn *c = PQconnectdb(B.db);
        if (PQstatus(c) != CONNECTION_OK) {
            fprintf(stderr, "bench-load: cannot connect to the database: %s", PQerrorMessage(c));
            return 1;
        }
        /* This pass's references only (not letters of an earlier pass that
         * were still coming when this one started), as a text[] literal. */
        b_ref_t *refs = malloc(sizeof(b_ref_t) * (size_t)B.n);
        char *arr = malloc((size_t)B.n * (sizeof B.items[0].ref + 1) + 3);
        if (!refs || !arr) {
            fprintf(stderr, "bench-load: out of memory\n");
            return 1;
        }
        int nrefs = 0;
        size_t alen = 0;
        arr[alen++] = '{';
        for (int i = 0; i < B.n; i++) {
            if (!B.items[i].ref[0] || B.items[i].dup)
                continue;
            refs[nrefs++] = (b_ref_t){B.items[i].ref, i};
            if (alen > 1)
                arr[alen++] = ',';
            size_t l = strlen(B.items[i].ref);
            memcpy(arr + alen, B.items[i].ref, l);
            alen += l;
        }
        arr[alen++] = '}';
        arr[alen] = 0;
        qsort(refs, (size_t)nrefs, sizeof *refs, s_cmp_ref);
        double deadline = s_mono() + B.e2e_timeout;
        long have = 0;
        while (s_mono() < deadline) {
            PGresult *r = s_query(c,
                                  "SELECT count(*) FROM notify.letter WHERE kind ="
                                  " 'acknowledgement' AND delivered_at IS NOT NULL"
                                  " AND reference = ANY($1::text[])",
                                  arr);
            have = r ? atol(PQgetvalue(r, 0, 0)) : 0;
            PQclear(r);
            if (have >= nrefs)
                break;
            usleep(250000);
        }
        PGresult *r = s_query(c,
                              "SELECT reference, extract(epoch FROM delivered_at)::float8"
                              " FROM notify.letter WHERE kind = 'acknowledgement'"
                              " AND delivered_at IS NOT NULL AND reference = ANY($1::text[])",
                              arr);
        free(arr);
        double last_letter = 0;
        for (int row = 0; r && row < PQntuples(r); row++) {
            b_ref_t key = {PQgetvalue(r, row, 0), 0};
            b_ref_t *hit = bsearch(&key, refs, (size_t)nrefs, sizeof *refs, s_cmp_ref);
            if (!hit)
                continue;
            double at = strtod(PQgetvalue(r, row, 1), NULL);
            e2e[letters++] = (at - B.items[hit->idx].send_wall) * 1000.0;
            if (at > last_letter)
                last_letter = at;
        }
        PQclear(r);
        PQfinish(c);
        free(refs);
        qsort(e2e, (size_t)letters, sizeof *e2e, s_cmp_double);
        e2e_span = last_letter > first_wall ? last_letter - first_wall : 0;
        e2e_per_s = e2e_span > 0 ? letters / e2e_span : 0;
        e2e_done = letters == nrefs;
        fprintf(stderr,
                "bench-load: %d/%d acknowledgement letters in %.2f s: %.0f complaints/s end to "
                "end; p50 %.1f ms p99 %.1f ms p99.9 %.1f ms\n",
                letters, nrefs, e2e_span, e2e_per_s, s_pct(e2e, letters, 50),
                s_pct(e2e, letters, 99), s_pct(e2e, letters, 99.9));
    }

    printf("{\"n\": %d, \"clients\": %d, \"window\": %d, \"rate\": %.1f,"
           " \"receipts\": %d, \"duplicates\": %d, \"errors\": %d, \"unanswered\": %d,"
           " \"intake_s\": %.3f, \"intake_per_s\": %.1f,"
           " \"receipt_p50_ms\": %.2f, \"receipt_p99_ms\": %.2f, \"receipt_p999_ms\": %.2f,"
           " \"receipt_max_ms\": %.2f",
           B.n, B.clients, B.window, B.rate, receipts, atomic_load(&B.dups),
           atomic_load(&B.errors), unanswered, span, intake_per_s, s_pct(lat, nlat, 50),
           s_pct(lat, nlat, 99), s_pct(lat, nlat, 99.9), nlat ? lat[nlat - 1] : 0);
    if (B.db)
        printf(", \"letters\": %d, \"e2e_s\": %.3f, \"e2e_per_s\": %.1f,"
               " \"e2e_p50_ms\": %.2f, \"e2e_p99_ms\": %.2f, \"e2e_p999_ms\": %.2f",
               letters, e2e_span, e2e_per_s, s_pct(e2e, letters, 50), s_pct(e2e, letters, 99),
               s_pct(e2e, letters, 99.9));
    if (B.first_error[0]) {
        printf(", \"first_error\": \"");
        for (const char *p = B.first_error; *p; p++)
            if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
                putchar(*p);
        printf("\"");
    }
    printf("}\n");
    int rc = receipts != B.n ? 1 : B.db && !e2e_done ? 3 : 0;
    free(lat);
    free(e2e);
    free(B.items);
    return rc;
}
