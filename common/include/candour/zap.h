/* zap.h - the ZAP handler (ZeroMQ RFC 27) that admits CURVE clients whose
 * public key is on the allow-list, served on a libuv loop.
 *
 * libzmq asks the handler bound at "inproc://zeromq.zap.01" on a socket's
 * context about every handshake of a socket that is a CURVE server (or has a
 * ZAP domain). This handler is a ROUTER on cd_zmq_ctx(), so it serves every
 * cd_zsock_t of the process. For mechanism CURVE it hands the client's public
 * key (Z85) to a lookup callback, which answers, now or later:
 *   cd_zap_admit(check, org_id)   status 200, User-Id = org_id, and the
 *                                 metadata property "X-Key" = the key (Z85)
 *   cd_zap_refuse(check, why)     status 400: the handshake fails
 *   cd_zap_fail(check, why)       status 500 (the allow-list could not be
 *                                 read): the handshake fails
 * Every other mechanism (NULL, PLAIN), a domain the handler does not serve
 * and a malformed request are refused without a lookup.
 *
 * Domains: each handshake is dispatched on the ZAP domain its server socket
 * set. CD_ZSOCK_ZAP_DOMAIN is intake's public endpoint (the organisations'
 * allow-list in the database, cd_zap_db_lookup); CD_ZSOCK_ZAP_INTERNAL the
 * services' internal endpoints (the suite's own keys, cd_keys_zap_lookup in
 * keys.h, with User-Id = the member's name). A key admitted in one domain
 * means nothing in the other.
 *
 * Both properties reach every message of the connection: a handler reads
 * them with cd_zsock_msg_gets (or cd_request_org / cd_request_key in inbox.h).
 * Verified on Debian's libzmq 4.3.4 (tests/unit/test_zap.c): User-Id and a
 * custom "X-Key" from the ZAP reply's metadata frame come back from
 * zmq_msg_gets on the frames the peer sent (not on a ROUTER's routing-id
 * frame once ZMQ_EVENTS has prefetched the message: cd_zsock_msg_gets looks
 * at every frame).
 *
 * ZAP runs once, at the handshake. A key revoked afterwards does not close
 * connections already admitted: the request path must check the key again
 * (cd_zap_key_check below, or CD_ZAP_SQL_KEY_ORG inside its own transaction).
 *
 * Order hazards (libzmq 4.3 has no ZMQ_ZAP_ENFORCE_DOMAIN outside the draft
 * API; with no handler bound a CURVE server admits every client):
 *   - bind the handler before any CURVE server binds: cd_zsock_curve_server
 *     refuses (EACCES) while no handler is bound;
 *   - destroy it after every CURVE server socket: cd_zap_destroy asserts.
 * One handler per process (the inproc name is unique per context). */
#ifndef CANDOUR_ZAP_H
#define CANDOUR_ZAP_H

#include <stdint.h>
#include <uv.h>

#include "candour/db.h"

typedef struct cd_zap_t cd_zap_t;
typedef struct cd_zap_check_t cd_zap_check_t; /* one handshake waiting for its answer */

/* Is key_z85 (40 characters, NUL-terminated) allowed, and for which
 * organisation? Must, now or later, call exactly one of cd_zap_admit,
 * cd_zap_refuse or cd_zap_fail for check; the key string is valid only during
 * the call (cd_zap_check_key keeps a copy). A handshake left unanswered
 * fails at the client's and server's ZMQ_HANDSHAKE_IVL (30 s by default). */
typedef void (*cd_zap_lookup_fn)(cd_zap_check_t *check, const char *key_z85, void *arg);

/* Bind the handler on cd_zmq_ctx() and serve it on loop; lookup (NULL: none)
 * decides domain CD_ZSOCK_ZAP_DOMAIN. NULL when the endpoint is taken (a
 * handler already exists) or on allocation failure. */
cd_zap_t *cd_zap_new(uv_loop_t *loop, cd_zap_lookup_fn lookup, void *arg);
/* Also serve domain with lookup (before any server of that domain binds).
 * 0, or -1 when domain is served already or the table (4) is full. */
int cd_zap_serve(cd_zap_t *z, const char *domain, cd_zap_lookup_fn lookup, void *arg);
/* Unbind and free. Checks still out stay valid; answering them then only
 * frees them. Asserts that no CURVE server socket is open. Idempotent;
 * nulls *pz. */
void cd_zap_destroy(cd_zap_t **pz);

/* A handler is bound on cd_zmq_ctx(). */
int cd_zap_bound(void);

/* Answers; each frees check. org_id: [A-Za-z0-9._-]{1,64}, asserted. */
void cd_zap_admit(cd_zap_check_t *check, const char *org_id);
void cd_zap_refuse(cd_zap_check_t *check, const char *reason);
void cd_zap_fail(cd_zap_check_t *check, const char *reason);

const char *cd_zap_check_key(const cd_zap_check_t *check);     /* Z85, 40 characters */
const char *cd_zap_check_address(const cd_zap_check_t *check); /* the peer's IP address */

/* Counters since cd_zap_new (also candour_zap_{admitted,refused}_total on /metrics).
 * refused counts every handshake turned away (400 and 500). */
uint64_t cd_zap_admitted(const cd_zap_t *z);
uint64_t cd_zap_refused(const cd_zap_t *z);
/* Checks handed to the lookup and not yet answered. */
size_t cd_zap_pending(const cd_zap_t *z);

/* ------------------------------------------------ the allow-list in intake's schema
 *
 * intake.org_key (deploy/migrations/0004_org_keys.sql) holds the keys;
 * candourctl org add/list/revoke manages them. No cache: every handshake and
 * every check reads the table, so a revocation takes effect at once. */

/* $1 = the Z85 key; one row (org_id) when the key is live. */
#define CD_ZAP_SQL_KEY_ORG                                                                         \
    "SELECT org_id FROM intake.org_key WHERE public_key = $1 AND revoked_at IS NULL"

/* A cd_zap_lookup_fn reading intake.org_key through db (a cd_db_t * as arg,
 * connected as candour_intake). Live key: admit with its org_id; unknown or
 * revoked: refuse; database unreachable or failing: fail (500). */
void cd_zap_db_lookup(cd_zap_check_t *check, const char *key_z85, void *db);

/* For the request path: is key_z85 still live, and for which organisation?
 * cb gets err 0 and org_id (NULL when unknown or revoked), or err != 0
 * (CD_EIO, CD_EDB, ...) when the table could not be read: then refuse the
 * request (fail closed). org_id is valid during cb only. */
typedef void (*cd_zap_key_fn)(int err, const char *org_id, void *arg);
void cd_zap_key_check(cd_db_t *db, const char *key_z85, cd_zap_key_fn cb, void *arg);

/* Is s a well-formed Z85 CURVE key (40 characters that decode to 32 bytes)? */
int cd_zap_key_valid(const char *s);
/* Is s an organisation id: [A-Za-z0-9._-]{1,64}? */
int cd_zap_org_valid(const char *s);

#endif
