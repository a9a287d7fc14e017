/* daemon.c - what every Candour daemon does the same way: arguments,
 * configuration, logging, signals, the admin port and a bounded stop. */
#include "candour/daemon.h"

#include <assert.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/http.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/util.h"
#include "candour/zsock.h"

/* How long a graceful stop may take before the loop is ended regardless. */
#define S_STOP_DEADLINE_MS 10000

struct cd_daemon_t {
    cd_daemon_spec_t spec;
    uv_loop_t loop;
    uv_signal_t sigterm, sigint;
    uv_timer_t deadline;
    cd_http_server_t *admin;
    const char *admin_addr;
    const char *log_level;
    char admin_var[64];
    int running; /* cd_daemon_run has set up the loop's handles */
    int stopping;
    int exit_code; /* cd_daemon_stop's, for a stop that is not a signal's */
    int signals;
    cd_metric_t *m_up;
};

static void s_usage(const cd_daemon_t *d, const cd_config_item_t *common, int ncommon)
{
    printf("candour-%s %s - %s\n\nUsage: candour-%s [--help] [--version]\n\n"
           "Configuration is read from the environment:\n",
           d->spec.name, CANDOUR_VERSION, d->spec.summary, d->spec.name);
    cd_config_print_help(stdout, common, ncommon);
    if (d->spec.nconfig)
        cd_config_print_help(stdout, d->spec.config, d->spec.nconfig);
    printf("\nStops cleanly on SIGTERM or SIGINT. Logs are JSON lines on stdout.\n");
}

cd_daemon_t *cd_daemon_new(const cd_daemon_spec_t *spec, int argc, char **argv, int *exit_code)
{
    cd_daemon_t *d = calloc(1, sizeof *d);
    if (!d) {
        *exit_code = 1;
        return NULL;
    }
    d->spec = *spec;
    char upper[32];
    size_t i;
    for (i = 0; spec->name[i] && i < sizeof upper - 1; i++)
        upper[i] = (char)toupper((unsigned char)spec->name[i]);
    upper[i] = 0;
    snprintf(d->admin_var, sizeof d->admin_var, "CANDOUR_%s_ADMIN", upper);
    cd_config_item_t common[] = {
        {"CANDOUR_LOG_LEVEL", CD_CONFIG_STRING, "info", 0, 0, "debug, info, warn or error",
         &d->log_level},
        {d->admin_var, CD_CONFIG_STRING, spec->admin_default, 0, 0,
         "admin HTTP host:port (/healthz, /readyz, /metrics)", &d->admin_addr},
    };
    int ncommon = (int)(sizeof common / sizeof common[0]);
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            s_usage(d, common, ncommon);
            *exit_code = 0;
            free(d);
            return NULL;
        }
        if (strcmp(argv[a], "--version") == 0) {
            printf("candour-%s %s\n", spec->name, CANDOUR_VERSION);
            *exit_code = 0;
            free(d);
            return NULL;
        }
        fprintf(stderr, "candour-%s: unknown argument '%s' (try --help)\n", spec->name, argv[a]);
        *exit_code = 2;
        free(d);
        return NULL;
    }
    char err[512];
    if (cd_config_load(common, ncommon, err, sizeof err) != 0 ||
        (spec->nconfig && cd_config_load(spec->config, spec->nconfig, err, sizeof err) != 0)) {
        fprintf(stderr, "candour-%s: %s\n", spec->name, err);
        *exit_code = 2;
        free(d);
        return NULL;
    }
    if (cd_log_init(spec->name, d->log_level) != 0) {
        fprintf(stderr, "candour-%s: CANDOUR_LOG_LEVEL must be debug, info, warn or error\n",
                spec->name);
        *exit_code = 2;
        free(d);
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&d->loop);
    d->m_up = cd_metric_gauge("candour_up", NULL, "1 while the daemon runs.");
    return d;
}

uv_loop_t *cd_daemon_loop(cd_daemon_t *d)
{
    return &d->loop;
}

void cd_daemon_set_arg(cd_daemon_t *d, void *arg)
{
    d->spec.arg = arg;
}

int cd_daemon_stopping(const cd_daemon_t *d)
{
    return d->stopping;
}

/* ---------------------------------------------------------------- admin */

static void s_admin(cd_http_req_t *req, void *arg)
{
    cd_daemon_t *d = arg;
    const char *path = cd_http_req_path(req);
    if (strcmp(cd_http_req_method(req), "GET") != 0) {
        cd_http_respond(req, 405, NULL, "{\"error\":\"method not allowed\"}", 30);
    } else if (strcmp(path, "/healthz") == 0) {
        cd_http_respond(req, 200, NULL, "{\"status\":\"ok\"}", 15);
    } else if (strcmp(path, "/readyz") == 0) {
        int ready = !d->stopping && (!d->spec.ready || d->spec.ready(d->spec.arg));
        if (ready)
            cd_http_respond(req, 200, NULL, "{\"ready\":true}", 14);
        else
            cd_http_respond(req, 503, NULL, "{\"ready\":false}", 15);
    } else if (strcmp(path, "/metrics") == 0) {
        char *text = cd_metrics_render();
        if (text) {
            cd_http_respond(req, 200, "text/plain; version=0.0.4", text, strlen(text));
            free(text);
        } else {
            cd_http_respond(req, 500, NULL, "{\"error\":\"out of memory\"}", 25);
        }
    } else {
        cd_http_respond(req, 404, NULL, "{\"error\":\"not found\"}", 21);
    }
}

/* ---------------------------------------------------------------- stop */

static void s_close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void cd_uv_close_all(uv_loop_t *loop)
{
    uv_walk(loop, s_close_walk, NULL);
}

static void s_on_deadline(uv_timer_t *t)
{
    cd_daemon_t *d = t->data;
    cd_log_warn("daemon.stop_deadline", "{s:i}", "after_ms", S_STOP_DEADLINE_MS);
    uv_stop(&d->loop);
}

/* The first stop, whatever asked for it: the daemon's own handles go now;
 * its work's go when that has drained. The deadline timer is unref'd so it
 * never keeps an otherwise finished loop. */
static void s_begin_stop(cd_daemon_t *d)
{
    d->stopping = 1;
    cd_metric_set(d->m_up, 0);
    cd_http_server_destroy(&d->admin);
    uv_signal_stop(&d->sigint);
    uv_signal_stop(&d->sigterm);
    uv_unref((uv_handle_t *)&d->sigint);
    uv_unref((uv_handle_t *)&d->sigterm);
    uv_timer_start(&d->deadline, s_on_deadline, S_STOP_DEADLINE_MS, 0);
    uv_unref((uv_handle_t *)&d->deadline);
    if (d->spec.on_stop)
        d->spec.on_stop(d->spec.arg);
}

static void s_on_signal(uv_signal_t *s, int signum)
{
    cd_daemon_t *d = s->data;
    if (d->stopping) {
        cd_log_warn("daemon.stop_forced", "{s:i}", "signal", signum);
        uv_stop(&d->loop);
        return;
    }
    cd_log_info("daemon.stopping", "{s:i}", "signal", signum);
    s_begin_stop(d);
}

void cd_daemon_stop(cd_daemon_t *d, int exit_code)
{
    assert(d && d->running);
    if (d->stopping)
        return;
    d->exit_code = exit_code;
    cd_log_info("daemon.stopping", "{s:i}", "exit_code", exit_code);
    s_begin_stop(d);
}

int cd_daemon_run(cd_daemon_t *d)
{
    char host[256];
    int port;
    if (cd_parse_hostport(d->admin_addr, host, sizeof host, &port) != 0) {
        cd_log_error("daemon.bad_config", "{s:s, s:s, s:s}", "variable", d->admin_var, "value",
                     d->admin_addr, "expected", "host:port");
        return 2;
    }
    d->admin = cd_http_server_new(&d->loop, host, port, 4096, s_admin, d);
    if (!d->admin) {
        cd_log_error("daemon.admin_bind_failed", "{s:s}", "address", d->admin_addr);
        return 1;
    }
    uv_signal_init(&d->loop, &d->sigterm);
    uv_signal_init(&d->loop, &d->sigint);
    d->sigterm.data = d->sigint.data = d;
    uv_signal_start(&d->sigterm, s_on_signal, SIGTERM);
    uv_signal_start(&d->sigint, s_on_signal, SIGINT);
    uv_timer_init(&d->loop, &d->deadline);
    d->deadline.data = d;
    d->running = 1;
    cd_metric_set(d->m_up, 1);
    cd_log_info("daemon.started", "{s:s, s:s, s:i}", "version", CANDOUR_VERSION, "admin", host,
                "admin_port", cd_http_server_port(d->admin));
    uv_run(&d->loop, UV_RUN_DEFAULT);
    int forced = uv_loop_alive(&d->loop);
    /* Whatever is left (a forced stop) is closed so the loop can be freed. */
    cd_http_server_destroy(&d->admin);
    cd_uv_close_all(&d->loop);
    uv_run(&d->loop, UV_RUN_DEFAULT);
    cd_log_info("daemon.stopped", "{s:b}", "forced", forced);
    return forced ? 1 : d->exit_code;
}

void cd_daemon_destroy(cd_daemon_t **pd)
{
    if (!pd || !*pd)
        return;
    cd_daemon_t *d = *pd;
    *pd = NULL;
    uv_loop_close(&d->loop);
    free(d);
    cd_metrics_reset();
}
