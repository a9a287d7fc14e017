/* service.h - the runtime shared by the daemons that own a schema (intake,
 * routing, investigation, signoff, notify): a daemon, its database
 * connections (as its own role: one for its work, one for its outbox's
 * dispatch, so neither waits behind the other), its ROUTER endpoint (inbox)
 * and its outbox.
 *
 * Configuration it reads, for a service named NAME:
 *   CANDOUR_DB_URL           admin URL of the database; the service connects
 *                            with user candour_NAME (and CANDOUR_DB_PASSWORD)
 *   CANDOUR_NAME_BIND        the service's ROUTER endpoint (internal)
 *   CANDOUR_SUB_ENDPOINT     for each subscriber SUB it sends events to
 *   CANDOUR_INTERNAL_KEYS    the suite's internal keys (keys.h), required:
 *                            the internal endpoint is a CURVE server that
 *                            admits only them (ZAP domain
 *                            CD_ZSOCK_ZAP_INTERNAL), and the outbox connects
 *                            to each subscriber with them. Unset or
 *                            unreadable: the daemon exits 2, never runs open
 *   CANDOUR_INTERNAL_KEY_FILE its own secret key, when not NAME.key there
 *
 * A service with a public endpoint (spec.curve: intake) also has
 *   CANDOUR_NAME_PUBLIC_BIND its CURVE ROUTER for other organisations: a ZAP
 *                            handler admits only keys on intake.org_key, and
 *                            each request carries the key's organisation
 *   CANDOUR_NAME_KEY_FILE    file holding the server's CURVE secret key (Z85)
 * The internal endpoint (CANDOUR_NAME_BIND) stays for events between services.
 *
 * Readiness: every connection is up (and the service's own ready, if any).
 * The endpoints are bound only then, once: a client that connects earlier
 * waits in its own socket, rather than having its CURVE handshake refused
 * by a ZAP handler that cannot yet read the allow-list (libzmq drops such a
 * session and the request queued in it).
 * Stop: the endpoint closes (no new work), transactions already queued run
 * to their end, then everything closes and the loop ends. */
#ifndef CANDOUR_SERVICE_H
#define CANDOUR_SERVICE_H

#include "candour/daemon.h"
#include "candour/db.h"
#include "candour/inbox.h"
#include "candour/outbox.h"

typedef struct cd_service_t cd_service_t;

typedef struct {
    const char *name;                 /* "routing"; also the schema and role suffix */
    const char *summary;
    int bind_port;                    /* default port of CANDOUR_NAME_BIND on 127.0.0.1 */
    int admin_port;                   /* default admin port on 127.0.0.1 */
    int curve;                        /* also serve a public CURVE endpoint (requests only) */
    /* Also open a third connection, cd_service_db_first(), for work that must
     * not wait behind the events being applied (intake's receipts). */
    int first_db;
    int public_port;                  /* its default port on 127.0.0.1 */
    /* Default CPU priority (CANDOUR_NICE, 0-19): 0 on the receipt path; work
     * that can wait (the pipeline's consumers) runs lower, so that on a busy
     * host a receipt does not queue behind it for a CPU. */
    int nice;
    /* NULL-terminated service names it sends events to; NULL (the usual):
     * every subscriber of what it produces, from the catalogue (events.h). */
    const char *const *subscribers;
    const cd_config_item_t *config;   /* the service's own items (may be NULL) */
    int nconfig;
    const cd_handler_t *handlers;     /* its events: {type, handler}, {NULL, NULL} last */
    const cd_batch_handler_t *batch_handlers; /* NULL, or the types applied in batches (inbox.h) */
    cd_request_fn on_request;
    /* After the database first connects and before work is taken (may be NULL). */
    void (*on_ready)(cd_service_t *svc, void *arg);
    /* Beginning of a stop, before the endpoint closes (may be NULL). */
    void (*on_stop)(cd_service_t *svc, void *arg);
    void *arg;
} cd_service_spec_t;

/* NULL after --help/--version (exit 0) or a configuration error (exit 2):
 * return *exit_code from main. */
cd_service_t *cd_service_new(const cd_service_spec_t *spec, int argc, char **argv,
                             int *exit_code);
/* Connect, bind once connected, start the outbox, and run until stopped.
 * Returns the exit code. */
int cd_service_run(cd_service_t *svc);
void cd_service_destroy(cd_service_t **psvc);

uv_loop_t *cd_service_loop(cd_service_t *svc);
cd_db_t *cd_service_db(cd_service_t *svc);
/* The connection of spec.first_db (NULL without it). */
cd_db_t *cd_service_db_first(cd_service_t *svc);
cd_outbox_t *cd_service_outbox(cd_service_t *svc);
cd_inbox_t *cd_service_inbox(cd_service_t *svc);
int cd_service_stopping(const cd_service_t *svc);

/* Kick the outbox (a committed transaction put events). Usable as an
 * on_committed callback with the service as arg. */
void cd_service_kick(void *svc);

#endif
