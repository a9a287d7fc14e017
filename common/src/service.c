/* service.c - the runtime shared by the daemons that own a schema. */
#include "candour/service.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/events.h"
#include "candour/keys.h"
#include "candour/log.h"
#include "candour/util.h"
#include "candour/zap.h"
#include "candour/zsock.h"

#define S_MAX_SUBS 8
#define S_MAX_ITEMS 48

struct cd_service_t {
    cd_service_spec_t spec;
    cd_daemon_t *daemon;
    cd_db_t *db;               /* the service's work: events, requests */
    cd_db_t *odb;              /* the outbox's dispatch: claims and ACKs */
    cd_db_t *fdb;              /* spec.first_db: work that must not queue behind events */
    cd_inbox_t *inbox;
    cd_inbox_t *public_inbox;  /* CURVE, for other organisations (spec.curve) */
    cd_zap_t *zap;             /* both endpoints' handshakes: internal keys, and the allow-list */
    cd_keys_t *keys;           /* the suite's internal keys (CANDOUR_INTERNAL_KEYS) */
    cd_outbox_t *outbox;
    uv_timer_t drain;          /* during a stop: wait for queued transactions */
    int drain_started;
    int ready_once;            /* on_ready has run */
    int wired;                 /* cd_service_run made everything the endpoints need */
    int open;                  /* the endpoints are bound (s_open) */
    const char *db_url;
    const char *db_password;
    const char *instance;      /* CANDOUR_INSTANCE: names this process's audit chains */
    const char *bind;
    const char *public_bind;
    const char *key_file;
    const char *internal_keys, *internal_key_file; /* read again by cd_keys_from_env */
    long retry_base_ms, retry_cap_ms, max_naks, nice;
    const char *sub_endpoints[S_MAX_SUBS];
    char bind_var[64], bind_def[64], admin_def[64], role[64], nice_def[16];
    char public_var[64], public_def[64], key_var[64];
    char sub_vars[S_MAX_SUBS][64];
    char sub_defs[S_MAX_SUBS][64];
    const char *subs_of[S_MAX_SUBS + 1]; /* spec.subscribers NULL: from the event catalogue */
    cd_config_item_t items[S_MAX_ITEMS];
};

/* Default ports, so a service can name the endpoint of any other. */
static int s_default_port(const char *name)
{
    static const struct { const char *name; int port;
    } ports[] = {
        {"intake", 7105},  {"routing", 7101}, {"investigation", 7102},
        {"signoff", 7103}, {"notify", 7104},  {"reporting", 7106},
    };
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (strcmp(ports[i].name, name) == 0)
            return ports[i].port;
    return 0;
}

static void s_upper(char *out, size_t len, const char *in)
{
    size_t i;
    for (i = 0; in[i] && i < len - 1; i++)
        out[i] = (char)toupper((unsigned char)in[i]);
    out[i] = 0;
}

static int s_ready(void *arg)
{
    cd_service_t *svc = arg;
    return cd_db_ready(svc->db) && cd_db_ready(svc->odb) &&
           (!svc->spec.first_db || cd_db_ready(svc->fdb));
}

/* ---------------------------------------------------------------- stop */

static void s_close_all(cd_service_t *svc)
{
    /* db first: its failing callbacks still find the inboxes, the outbox and
     * the ZAP handler alive. The ZAP handler goes after every CURVE socket. */
    cd_db_destroy(&svc->db);
    cd_db_destroy(&svc->odb);
    cd_db_destroy(&svc->fdb);
    cd_inbox_destroy(&svc->inbox);
    cd_inbox_destroy(&svc->public_inbox);
    cd_zap_destroy(&svc->zap);
    cd_outbox_destroy(&svc->outbox);
    if (svc->drain_started)
        uv_close((uv_handle_t *)&svc->drain, NULL);
}

static void s_on_drain(uv_timer_t *t)
{
    cd_service_t *svc = t->data;
    if ((svc->db && cd_db_pending(svc->db) > 0) || (svc->odb && cd_db_pending(svc->odb) > 0) ||
        (svc->fdb && cd_db_pending(svc->fdb) > 0))
        return;
    uv_timer_stop(t);
    cd_log_info("service.drained", NULL);
    s_close_all(svc);
}

static void s_on_stop(void *arg)
{
    cd_service_t *svc = arg;
    if (svc->spec.on_stop)
        svc->spec.on_stop(svc, svc->spec.arg);
    /* No new work; what is in hand finishes and is answered. */
    cd_inbox_stop_reading(svc->inbox);
    cd_inbox_stop_reading(svc->public_inbox);
    uv_timer_init(cd_daemon_loop(svc->daemon), &svc->drain);
    svc->drain.data = svc;
    svc->drain_started = 1;
    uv_timer_start(&svc->drain, s_on_drain, 0, 20);
}

/* ---------------------------------------------------------------- lifecycle */

/* Bind the endpoints, once, when every connection is first up, so that no
 * work is taken before it can be done. Above all, no CURVE handshake may be
 * put to the allow-list before the connection that reads it is up: the
 * lookup would fail, the ZAP handler answer 500, and libzmq (4.3) then
 * drops that client's session and the request queued in it, without a
 * reconnection, so the client never hears back. Until the bind a client's
 * connection attempts fail and its messages wait in its own socket; ZeroMQ
 * reconnects and delivers them. A bind that fails now stops the daemon, with
 * exit code 1 as at start. */
static void s_open(cd_service_t *svc)
{
    if (svc->open || !svc->wired || cd_daemon_stopping(svc->daemon) || !s_ready(svc))
        return;
    svc->open = 1;
    if (cd_inbox_bind(svc->inbox, svc->bind) != 0 ||
        (svc->spec.curve && cd_inbox_bind(svc->public_inbox, svc->public_bind) != 0)) {
        cd_daemon_stop(svc->daemon, 1);
        return;
    }
    cd_log_info("service.listening", "{s:s, s:s}", "endpoint", svc->bind, "mechanism",
                "CURVE (internal keys)");
    if (svc->spec.curve)
        cd_log_info("service.public_listening", "{s:s, s:s}", "endpoint", svc->public_bind,
                    "mechanism", "CURVE");
}

/* The outbox's own connection: its claims and ACKs never wait behind the
 * service's work (a receipt's commit, say), nor the work behind them. */
static void s_on_odb_state(cd_db_t *db, int ready, void *arg)
{
    cd_service_t *svc = arg;
    cd_log_info(ready ? "db.ready" : "db.not_ready", "{s:s}", "connection", "outbox");
    if (ready)
        cd_outbox_kick(svc->outbox);
    s_open(svc);
}

static void s_on_db_state(cd_db_t *db, int ready, void *arg)
{
    cd_service_t *svc = arg;
    cd_log_info(ready ? "db.ready" : "db.not_ready", "{s:s}", "connection", "work");
    if (ready && !svc->ready_once) {
        svc->ready_once = 1;
        if (svc->spec.on_ready)
            svc->spec.on_ready(svc, svc->spec.arg);
    }
    if (ready)
        cd_outbox_kick(svc->outbox);
    s_open(svc);
}

static void s_on_fdb_state(cd_db_t *db, int ready, void *arg)
{
    cd_log_info(ready ? "db.ready" : "db.not_ready", "{s:s}", "connection", "first");
    s_open(arg);
}

cd_service_t *cd_service_new(const cd_service_spec_t *spec, int argc, char **argv,
                             int *exit_code)
{
    cd_service_t *svc = calloc(1, sizeof *svc);
    if (!svc) {
        *exit_code = 1;
        return NULL;
    }
    svc->spec = *spec;
    if (!spec->subscribers) {
        /* Whoever hears what this service produces (events.c). */
        cd_event_subscribers_of(spec->name, svc->subs_of, S_MAX_SUBS + 1);
        svc->spec.subscribers = svc->subs_of;
    }
    char up[32];
    s_upper(up, sizeof up, spec->name);
    snprintf(svc->bind_var, sizeof svc->bind_var, "CANDOUR_%s_BIND", up);
    snprintf(svc->bind_def, sizeof svc->bind_def, "tcp://127.0.0.1:%d", spec->bind_port);
    snprintf(svc->admin_def, sizeof svc->admin_def, "127.0.0.1:%d", spec->admin_port);
    snprintf(svc->role, sizeof svc->role, "candour_%s", spec->name);
    int n = 0;
    svc->items[n++] = (cd_config_item_t){"CANDOUR_DB_URL", CD_CONFIG_STRING, NULL, 0, 0,
        "PostgreSQL URL; the service connects as its own role candour_<service>", &svc->db_url};
    svc->items[n++] = (cd_config_item_t){"CANDOUR_DB_PASSWORD", CD_CONFIG_STRING, "", 0, 0,
        "password of the service roles (empty: none, e.g. trust or peer auth)", &svc->db_password};
    svc->items[n++] = (cd_config_item_t){"CANDOUR_INSTANCE", CD_CONFIG_STRING, "", 0, 0,
        "this process's name among several of one service (letters, digits, . _ -): its"
        " audit chains are named after it", &svc->instance};
    svc->items[n++] = (cd_config_item_t){svc->bind_var, CD_CONFIG_STRING, svc->bind_def, 0, 0,
        "this service's ROUTER endpoint (events and requests in)", &svc->bind};
    svc->items[n++] = (cd_config_item_t){
        CD_KEYS_DIR_VAR,
        CD_CONFIG_STRING,
        NULL,
        0,
        0,
        "folder of the suite's internal CURVE keys (candourctl keygen --internal): this"
        " service's NAME.key and every member's NAME.pub; required",
        &svc->internal_keys};
    svc->items[n++] = (cd_config_item_t){
        CD_KEYS_FILE_VAR,
        CD_CONFIG_STRING,
        "",
        0,
        0,
        "this service's internal secret key, when it is not NAME.key in that folder",
        &svc->internal_key_file};
    snprintf(svc->nice_def, sizeof svc->nice_def, "%d", spec->nice);
    svc->items[n++] = (cd_config_item_t){
        "CANDOUR_NICE",
        CD_CONFIG_INT,
        svc->nice_def,
        0,
        19,
        "CPU priority of this process (nice): the receipt path runs at 0, work that can wait"
        " lower, so that a receipt does not wait behind it for a CPU",
        &svc->nice};
    svc->items[n++] = (cd_config_item_t){"CANDOUR_RETRY_BASE_MS", CD_CONFIG_INT, "1000", 10, 600000,
        "resend an unacknowledged event after this long, doubling each time", &svc->retry_base_ms};
    svc->items[n++] = (cd_config_item_t){"CANDOUR_RETRY_CAP_MS", CD_CONFIG_INT, "30000", 10, 3600000,
        "longest wait between resends", &svc->retry_cap_ms};
    svc->items[n++] = (cd_config_item_t){"CANDOUR_MAX_NAKS", CD_CONFIG_INT, "5", 1, 1000,
        "refusals (NAKs) of one event before it is dead-lettered", &svc->max_naks};
    for (int i = 0; svc->spec.subscribers[i] && i < S_MAX_SUBS; i++) {
        char sup[32];
        s_upper(sup, sizeof sup, svc->spec.subscribers[i]);
        snprintf(svc->sub_vars[i], 64, "CANDOUR_%s_ENDPOINT", sup);
        snprintf(svc->sub_defs[i], 64, "tcp://127.0.0.1:%d", s_default_port(svc->spec.subscribers[i]));
        svc->items[n++] = (cd_config_item_t){svc->sub_vars[i], CD_CONFIG_STRING, svc->sub_defs[i],
            0, 0, "where to send this service's events for that subscriber", &svc->sub_endpoints[i]};
    }
    if (spec->curve) {
        snprintf(svc->public_var, sizeof svc->public_var, "CANDOUR_%s_PUBLIC_BIND", up);
        snprintf(svc->public_def, sizeof svc->public_def, "tcp://127.0.0.1:%d", spec->public_port);
        snprintf(svc->key_var, sizeof svc->key_var, "CANDOUR_%s_KEY_FILE", up);
        svc->items[n++] = (cd_config_item_t){svc->public_var, CD_CONFIG_STRING, svc->public_def,
            0, 0, "public CURVE endpoint for other organisations (allow-listed keys only)",
            &svc->public_bind};
        svc->items[n++] = (cd_config_item_t){svc->key_var, CD_CONFIG_STRING, NULL, 0, 0,
            "file with this server's CURVE secret key (candourctl keygen --out)", &svc->key_file};
    }
    for (int i = 0; i < spec->nconfig && n < S_MAX_ITEMS; i++)
        svc->items[n++] = spec->config[i];
    cd_daemon_spec_t ds = {
        .name = spec->name, .summary = spec->summary, .config = svc->items, .nconfig = n,
        .admin_default = svc->admin_def, .ready = s_ready, .on_stop = s_on_stop, .arg = svc,
    };
    svc->daemon = cd_daemon_new(&ds, argc, argv, exit_code);
    if (!svc->daemon) {
        free(svc);
        return NULL;
    }
    return svc;
}

/* The server's secret key: the first line of the key file, 40 Z85 characters. */
static int s_read_secret(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[128] = "";
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    if (!ok || !cd_zap_key_valid(line) || strlen(line) >= len)
        return -1;
    memcpy(out, line, strlen(line) + 1);
    memset(line, 0, sizeof line);
    return 0;
}

/* The public endpoint's CURVE ROUTER (bound by s_open); the ZAP handler is
 * already there (s_start_internal). */
static int s_start_public(cd_service_t *svc, uv_loop_t *loop)
{
    char secret[64];
    if (s_read_secret(svc->key_file, secret, sizeof secret) != 0) {
        cd_log_error("service.bad_key_file", "{s:s, s:s}", "variable", svc->key_var, "expected",
                     "a file whose first line is a Z85 CURVE secret key (candourctl keygen)");
        return -1;
    }
    svc->public_inbox = cd_inbox_new(loop, svc->db, svc->spec.name, NULL, svc->spec.on_request,
                                     svc->spec.arg);
    int rc = svc->zap && svc->public_inbox &&
                     cd_inbox_curve_server(svc->public_inbox, secret) == 0
                 ? 0
                 : -1;
    memset(secret, 0, sizeof secret);
    return rc;
}

/* The ZAP handler (the process's one: the internal domain, and the public
 * one for spec.curve), then the internal ROUTER as a CURVE server of the
 * suite's keys, and the outbox as their client. */
static int s_start_internal(cd_service_t *svc, uv_loop_t *loop)
{
    svc->zap = cd_zap_new(loop, svc->spec.curve ? cd_zap_db_lookup : NULL, svc->db);
    if (!svc->zap ||
        cd_zap_serve(svc->zap, CD_ZSOCK_ZAP_INTERNAL, cd_keys_zap_lookup, svc->keys) != 0 ||
        cd_inbox_curve_internal(svc->inbox, cd_keys_secret(svc->keys)) != 0)
        return -1;
    cd_outbox_set_keys(svc->outbox, svc->keys);
    return 0;
}

/* A chain name is safe in libpq's options and short. */
static int s_chain_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return 0;
    return 1;
}

/* The session options naming a connection's audit chain (migration 0012):
 * the instance's name, with a suffix for a second connection of the same
 * process; "" for the one connection of an unnamed process (the schema's
 * first chain). */
static void s_chain_options(const cd_service_t *svc, const char *suffix, char *out, size_t len)
{
    char chain[96];
    if (*svc->instance && *suffix)
        snprintf(chain, sizeof chain, "%s.%s", svc->instance, suffix);
    else
        snprintf(chain, sizeof chain, "%s", *svc->instance ? svc->instance : suffix);
    if (*chain)
        snprintf(out, len, "-c candour.audit_chain=%s", chain);
    else
        out[0] = 0;
}

int cd_service_run(cd_service_t *svc)
{
    uv_loop_t *loop = cd_daemon_loop(svc->daemon);
    if (!s_chain_name_ok(svc->instance)) {
        cd_log_error("config.invalid", "{s:s, s:s}", "name", "CANDOUR_INSTANCE", "reason",
                     "use at most 40 letters, digits, '.', '_' or '-'");
        return 2;
    }
    char err[512];
    svc->keys = cd_keys_from_env(svc->spec.name, CD_KEYS_FILE_VAR, err, sizeof err);
    if (!svc->keys) {
        /* Never run open: without its keys the service refuses to start. */
        cd_log_error("config.internal_keys", "{s:s}", "reason", err);
        fprintf(stderr, "candour-%s: %s\n", svc->spec.name, err);
        return 2;
    }
    cd_log_info("service.internal_keys", "{s:s, s:i}", "self", svc->spec.name, "members",
                cd_keys_count(svc->keys));
    if (*svc->db_password)
        setenv("PGPASSWORD", svc->db_password, 1);
    /* Before the loop's worker threads start: they inherit it. */
    if (svc->nice > 0 && cd_thread_nice((int)svc->nice) != 0)
        cd_log_warn("service.nice", "{s:i, s:s}", "nice", (int)svc->nice, "reason",
                    strerror(errno));
    char opts_work[128], opts_first[128];
    s_chain_options(svc, "", opts_work, sizeof opts_work);
    s_chain_options(svc, "first", opts_first, sizeof opts_first);
    svc->db = cd_db_new_options(loop, svc->db_url, svc->role, *opts_work ? opts_work : NULL,
                                s_on_db_state, svc);
    cd_subscriber_t subs[S_MAX_SUBS];
    int nsubs = 0;
    for (; svc->spec.subscribers && svc->spec.subscribers[nsubs] && nsubs < S_MAX_SUBS; nsubs++) {
        subs[nsubs].name = svc->spec.subscribers[nsubs];
        subs[nsubs].endpoint = svc->sub_endpoints[nsubs];
    }
    cd_outbox_opts_t opts = {.retry_base_ms = (int)svc->retry_base_ms,
                             .retry_cap_ms = (int)svc->retry_cap_ms,
                             .max_naks = (int)svc->max_naks};
    svc->odb = cd_db_new(loop, svc->db_url, svc->role, s_on_odb_state, svc);
    if (svc->spec.first_db)
        svc->fdb = cd_db_new_options(loop, svc->db_url, svc->role, opts_first, s_on_fdb_state, svc);
    svc->outbox = cd_outbox_new(loop, svc->odb, svc->spec.name, svc->spec.name, subs, nsubs, &opts);
    svc->inbox = cd_inbox_new(loop, svc->db, svc->spec.name, svc->spec.handlers,
                              svc->spec.on_request, svc->spec.arg);
    if (svc->inbox && svc->spec.batch_handlers)
        cd_inbox_batch_handlers(svc->inbox, svc->spec.batch_handlers);
    if (!svc->db || !svc->odb || (svc->spec.first_db && !svc->fdb) || !svc->outbox || !svc->inbox ||
        s_start_internal(svc, loop) != 0 || (svc->spec.curve && s_start_public(svc, loop) != 0) ||
        cd_outbox_start(svc->outbox) != 0) {
        s_close_all(svc);
        uv_run(loop, UV_RUN_NOWAIT);
        return 1;
    }
    svc->wired = 1; /* the endpoints are bound once the database is up: s_open */
    return cd_daemon_run(svc->daemon);
}

void cd_service_destroy(cd_service_t **psvc)
{
    if (!psvc || !*psvc)
        return;
    cd_service_t *svc = *psvc;
    *psvc = NULL;
    cd_daemon_destroy(&svc->daemon);
    cd_keys_destroy(&svc->keys); /* after the ZAP handler, whose lookup reads it */
    free(svc);
}

uv_loop_t *cd_service_loop(cd_service_t *svc) { return cd_daemon_loop(svc->daemon); }
cd_db_t *cd_service_db(cd_service_t *svc) { return svc->db; }
cd_db_t *cd_service_db_first(cd_service_t *svc) { return svc->fdb; }
cd_outbox_t *cd_service_outbox(cd_service_t *svc) { return svc->outbox; }
cd_inbox_t *cd_service_inbox(cd_service_t *svc) { return svc->inbox; }
int cd_service_stopping(const cd_service_t *svc) { return cd_daemon_stopping(svc->daemon); }

void cd_service_kick(void *svc)
{
    cd_outbox_kick(((cd_service_t *)svc)->outbox);
}
