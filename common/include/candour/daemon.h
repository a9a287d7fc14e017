/* daemon.h - what every Candour daemon does the same way.
 *
 * Arguments (--help, --version), configuration (the daemon's table plus the
 * common items below), JSON logging, the libuv loop, SIGTERM/SIGINT, and the
 * admin HTTP port with /healthz, /readyz and /metrics.
 *
 * Common configuration:
 *   CANDOUR_LOG_LEVEL       debug|info|warn|error (info)
 *   CANDOUR_<SVC>_ADMIN     admin HTTP address host:port (per daemon default)
 *
 * Shutdown: on the first SIGTERM/SIGINT the daemon's on_stop runs (stop taking
 * new work, let in-flight transactions finish); the loop then ends when every
 * handle is closed. A second signal, or the drain deadline, ends it at once. */
#ifndef CANDOUR_DAEMON_H
#define CANDOUR_DAEMON_H

#include <uv.h>

#include "candour/config.h"

typedef struct cd_daemon_t cd_daemon_t;

typedef struct {
    const char *name;               /* "intake" */
    const char *summary;            /* one line for --help */
    const cd_config_item_t *config; /* the daemon's own items */
    int nconfig;
    const char *admin_default; /* e.g. "127.0.0.1:9101" */
    /* Readiness beyond "the loop runs": NULL = always ready. */
    int (*ready)(void *arg);
    /* Called once on the first SIGTERM/SIGINT: begin a graceful stop. The
     * daemon must then close its handles so the loop can end. */
    void (*on_stop)(void *arg);
    void *arg;
} cd_daemon_spec_t;

/* Parse argv and load config. Returns NULL after printing help/version (exit
 * code in *exit_code, 0) or an error (*exit_code 2). */
cd_daemon_t *cd_daemon_new(const cd_daemon_spec_t *spec, int argc, char **argv, int *exit_code);
uv_loop_t *cd_daemon_loop(cd_daemon_t *d);
/* Set the arg passed to ready/on_stop (when it is created after cd_daemon_new). */
void cd_daemon_set_arg(cd_daemon_t *d, void *arg);
/* Start the admin port and signal handling, then run the loop until it ends.
 * Returns the process exit code. */
int cd_daemon_run(cd_daemon_t *d);
/* True once a stop was asked for. */
int cd_daemon_stopping(const cd_daemon_t *d);
/* Stop as the first SIGTERM would (on_stop, then the loop ends when every
 * handle is closed), and have cd_daemon_run return exit_code unless the stop
 * is forced: for a daemon that finds, once running, that it cannot work (an
 * endpoint it cannot bind). Only from the loop, inside cd_daemon_run; a no-op
 * once stopping. */
void cd_daemon_stop(cd_daemon_t *d, int exit_code);
void cd_daemon_destroy(cd_daemon_t **pd);

/* Close every remaining handle on loop (used at the end of a graceful stop). */
void cd_uv_close_all(uv_loop_t *loop);

#define CANDOUR_VERSION "0.1.0"

#endif
