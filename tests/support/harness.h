/* harness.h - integration test support: a fresh database on the throwaway
 * cluster (CANDOUR_TEST_DB_URL, made by tests/run.sh), migrated, and the real
 * daemons started against it with ipc:// endpoints and admin ports of their
 * own, so suites can run side by side and beside a running Candour. */
#ifndef CANDOUR_TEST_HARNESS_H
#define CANDOUR_TEST_HARNESS_H

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "candour/v1/api.pb-c.h"

typedef struct h_t h_t;

/* A new database, migrated, and the suite's internal keys in the temp dir
 * (h_keys_dir), given to every daemon and candourctl the test runs (also
 * set as CANDOUR_INTERNAL_KEYS in the test process itself). Fails the test
 * (cr_assert) when CANDOUR_TEST_DB_URL is unset: run tests/run.sh, which
 * sets it. */
h_t *h_new(const char *label);

/* Like h_new, on a PostgreSQL cluster of its own (deploy/pg.sh, a free port),
 * so the test may restart it (h_pg_restart) without touching other suites. */
h_t *h_new_private(const char *label);
/* Fast shutdown of the private cluster, then start it again. 0 on success. */
int h_pg_restart(h_t *h);
/* The two halves of a restart, for tests that look in between. */
int h_pg_stop(h_t *h);
int h_pg_start(h_t *h);

/* Extra environment for daemons started after this call ("NAME=value"). */
void h_setenv(h_t *h, const char *name, const char *value);

/* A loopback port nobody listens on now (the kernel's pick for a throwaway
 * socket); fails the test when there is none. */
int h_free_port(void);

/* kill -9 one daemon and reap it. */
void h_kill9(h_t *h, const char *service);

/* Start one daemon ("intake", ..., "gateway") or all six. 0 on success. */
int h_start(h_t *h, const char *service);
int h_start_all(h_t *h);

/* SIGTERM one daemon and wait (up to 15 s). Returns its exit status, or -1 if
 * it had to be killed. */
int h_stop(h_t *h, const char *service);
/* pid of a running daemon, 0 if none. */
int h_pid(h_t *h, const char *service);

/* Stop every daemon, drop the database, remove the temp dir. Returns the
 * number of daemons that did not exit 0 on SIGTERM. */
int h_destroy(h_t **ph);

const char *h_endpoint(h_t *h, const char *service); /* ipc://... of a service (internal) */
const char *h_public_endpoint(h_t *h);               /* intake's CURVE endpoint */

/* Put an organisation with a new CURVE key on the allow-list (as
 * `candourctl org add` would); idempotent per org_id. */
void h_org(h_t *h, const char *org_id);
/* A client of intake's public endpoint authenticated as org_id (after h_org). */
struct cd_client_t *h_client(h_t *h, const char *org_id);
/* A client with a key that is on no allow-list. */
struct cd_client_t *h_client_unknown(h_t *h);
/* A client of service's internal endpoint (CURVE, the suite's keys) as ops,
 * the way candourctl reaches it; fails the test when it cannot be made. */
struct cd_client_t *h_internal_client(h_t *h, const char *service);
/* The same as another member of the suite ("routing", "gateway", ...). */
struct cd_client_t *h_internal_client_as(h_t *h, const char *service, const char *member);
/* The folder of the suite's internal keys (NAME.key, NAME.pub) that every
 * daemon and candourctl of the test is given (CANDOUR_INTERNAL_KEYS). */
const char *h_keys_dir(h_t *h);
/* For tests that start a daemon without h_new: a fresh internal key set in
 * a temp dir of its own (left for the OS's /tmp cleaning), set as
 * CANDOUR_INTERNAL_KEYS in this process (so in what it forks). Returns the
 * dir. */
const char *h_keys_only(void);
/* Revoke org_id's key (as `candourctl org revoke` would). */
void h_revoke(h_t *h, const char *org_id);
const char *h_spool(h_t *h);
const char *h_dir(h_t *h);                     /* the temp dir (logs: <svc>.log) */
const char *h_db_url(h_t *h);                  /* admin URL of the test database */
int h_gateway_port(h_t *h);                    /* after h_start("gateway") */
int h_admin_port(h_t *h, const char *service); /* its /healthz /readyz /metrics port */
PGconn *h_db(h_t *h);                          /* an admin connection, owned by h */

/* Send one Request to a daemon and return its Reply (free with
 * candour__v1__reply__free_unpacked). service "intake": intake's public
 * endpoint, as organisation org (after h_org), as an organisation reaches it;
 * any other service: its internal endpoint, as ops (h_internal_client), the
 * way candourctl and the gateway reach it (org unused).
 * Fails the test when no reply comes within 10 s. req's request_id is set
 * for the call when empty (cd_client_call). */
Candour__V1__Reply *h_call(h_t *h, const char *service, const char *org, Candour__V1__Request *req);
/* The same with the Request written as JSON (the generic converter); fails
 * the test on JSON that is not a Request. */
Candour__V1__Reply *h_call_json(h_t *h, const char *service, const char *org, const char *json);
/* The same, the JSON printf-formatted (at most 32 KiB). */
Candour__V1__Reply *h_call_jsonf(h_t *h, const char *service, const char *org, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* r was answered without an error (the failure names `what`); frees r. */
void h_ok(Candour__V1__Reply *r, const char *what);

/* Add a person to org's staff directory as ops would (PutStaff to routing,
 * which must be running), with roles a comma-separated list of role names
 * ("complaints-manager,investigator"; "signatory", "responsible-person",
 * "analyst") and team (may be ""); wait until every running service that
 * keeps a copy of the directory (intake, investigation, signoff, notify) has them.
 * Returns their staff_id (malloc'd). Fails the test on refusal. */
char *h_staff(h_t *h, const char *org, const char *name, const char *team, const char *roles);
/* The same, signing for other bodies too (signs_for, comma-separated). */
char *h_staff_signs_for(h_t *h, const char *org, const char *name, const char *roles,
                        const char *signs_for);
/* Tell svc of a person as routing's staff.changed would (version 1), for
 * tests that run a service without routing. Fails the test unless ACKed. */
void h_staff_event(h_t *h, const char *svc, const char *staff_id, const char *org, const char *name,
                   const char *roles);
/* AssignInvestigator: manager assigns investigator to complaint ref (the
 * case must be open at investigation). Fails the test on refusal. */
void h_assign(h_t *h, const char *ref, const char *manager, const char *investigator);

/* An Envelope for event_id (also its correlation) of type about complaint
 * ref, caused by causation_id ("" for none), with payload packed in it, as
 * producer's outbox would pack it (producer NULL: the event catalogue's
 * producer of type); packed, malloc'd, its size in *len. Fails the test on an
 * unknown type when producer is NULL. */
uint8_t *h_event_pack(const char *type, const char *producer, const char *ref, const char *event_id,
                      const char *causation_id, const ProtobufCMessage *payload, size_t *len);

/* Send one event to service's internal endpoint as the event catalogue's
 * producer of type would ("EVT" | Envelope about complaint ref, payload
 * packed), and wait up to timeout_ms for the answer. event_id, in/out, holds
 * CD_UUID_LEN + 1 bytes: "" sends a new event and writes its id back; an id
 * sends that event again (a resend). Returns 1 when the daemon ACKed this
 * event (it is committed), -1 when it NAKed it (h_event_nak says why), 0 when
 * no answer came (the event is left for a resend). Fails the test on an
 * unknown type or an answer that is neither. */
int h_send_event(h_t *h, const char *service, const char *type, const char *ref,
                 const ProtobufCMessage *payload, char *event_id, int timeout_ms);
/* The error code of the NAK h_send_event last got ("" if its last call got
 * none). */
const char *h_event_nak(h_t *h);

/* Run a statement of the test's own (no parameters); fails the test on error. */
void h_exec(h_t *h, const char *sql);
/* The same with text parameters ($1...): the test's values never pasted
 * into the SQL. */
void h_execp(h_t *h, const char *sql, int n, const char *const *params);

/* Run a query with text parameters and return the first column of the first
 * row as a malloc'd string (NULL if no row). Fails the test on SQL errors. */
char *h_scalar(h_t *h, const char *sql, int n, const char *const *params);
long h_count(h_t *h, const char *sql, int n, const char *const *params);
/* Drop the test's own connection and make it again (retrying for 10 s): a
 * server that hangs never answers a blocking query, so a test that froze
 * the server it was on must not ask it anything. */
void h_db_reset(h_t *h);

/* Poll sql (one scalar) until it equals want or timeout_ms passes. Returns 1 if it matched. */
int h_wait_for(h_t *h, const char *sql, int n, const char *const *params, const char *want,
               int timeout_ms);

/* A GET on 127.0.0.1:port; returns the HTTP status and the body (malloc'd) in *body. */
int h_http_get(int port, const char *path, char **body);
/* The sum of one metric's samples (every label set) on a daemon's /metrics. */
long h_metric(h_t *h, const char *service, const char *name);

/* A whole file as a NUL-terminated malloc'd string; the test fails when it
 * cannot be read. */
char *h_read_file(const char *path);
/* A trusted shell command (printf-style), its output (stdout and stderr) in
 * out; its exit code, -1 if it did not exit. */
int h_sh(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Run the build's candourctl as the operator ops.alice (SUDO_USER and
 * CANDOUR_ACTING unset, LOGNAME and USER ops.alice) on h's database
 * (CANDOUR_DB_URL), with env (more "NAME=value" words, or "") before it and
 * the arguments fmt gives after: trusted test text, pasted into a shell
 * command. Its stdout and stderr, cut to fit and NUL-terminated, land in
 * out[outlen] and err[errlen] (by way of ctl.out and ctl.err in h's temp
 * dir). Returns its exit code, -1 if it did not exit. */
int h_ctl(h_t *h, const char *env, char *out, size_t outlen, char *err, size_t errlen,
          const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int h_vctl(h_t *h, const char *env, char *out, size_t outlen, char *err, size_t errlen,
           const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));

/* The test's SMTP server (tests/support/smtp_server.py: aiosmtpd, on
 * CANDOUR_TEST_PYTHON, else Debian's /usr/bin/python3, which has
 * python3-aiosmtpd) on 127.0.0.1:port, storing what it accepts (and a file
 * "ready") in dir, which must exist; extra: more arguments for it
 * (NULL-terminated, or NULL); its output appended to log (NULL: the test's
 * own). *pid is set as soon as it is forked, so that h_smtp_stop in a fini
 * stops it whatever came of the start. Waits at most 10 s for it to be
 * ready; fails the test when it exits first or is not ready by then. */
void h_smtp_start(pid_t *pid, int port, const char *dir, const char *const *extra, const char *log);
/* SIGTERM to the server at *pid, at most 5 s, then SIGKILL; always reaped,
 * *pid then 0. Nothing when *pid is 0. */
void h_smtp_stop(pid_t *pid);

#endif
