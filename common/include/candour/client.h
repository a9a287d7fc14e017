/* client.h - a blocking client for Candour's ROUTER endpoints, for tools,
 * tests and integrators: send one Request, wait for its Reply.
 *
 * Wire: the client is a DEALER; it sends "REQ" | Request and expects
 * "REP" | Reply with the same request_id (replies to earlier, timed-out
 * requests are skipped).
 *
 * Sizes (zsock.h): a Request up to 1 MiB (CD_ZSOCK_MAX_REQUEST_BYTES) is
 * taken; a bigger one, up to the 16 MiB hard cap (CD_ZSOCK_MAX_MSG_BYTES), is
 * answered TOO_LARGE; beyond the cap the server drops the connection and
 * nothing comes back, so cd_client_call refuses to send such a request.
 * Replies up to the cap are accepted. */
#ifndef CANDOUR_CLIENT_H
#define CANDOUR_CLIENT_H

#include <stddef.h>

#include "candour/keys.h"
#include "candour/v1/api.pb-c.h"

typedef struct cd_client_t cd_client_t;

/* Connect to endpoint (tcp://host:port or ipc://path). NULL on failure. */
cd_client_t *cd_client_new(const char *endpoint);
/* The same as a CURVE client of an endpoint with a CURVE server (the
 * external bus API): the server's public key and the client's key pair, each
 * Z85 (40 characters). NULL on a malformed key or failure. The handshake runs
 * in the background: a key the server refuses shows as calls that time out
 * (no reply ever comes), not as an error here. */
cd_client_t *cd_client_new_curve(const char *endpoint, const char *server_public_z85,
                                 const char *client_public_z85, const char *client_secret_z85);
/* The same, from files: server_public is a Z85 key or a file whose first
 * line is one (candourctl keygen's PREFIX.pub); client_key_file's first line
 * is the client's secret key (PREFIX.key), whose public half is derived.
 * NULL with a message in err when a key cannot be read. */
cd_client_t *cd_client_new_keyfiles(const char *endpoint, const char *server_public,
                                    const char *client_key_file, char *err, size_t errlen);
/* A client of a service's internal endpoint (keys.h): a CURVE client with
 * the key pair of keys' owner ("ops" for candourctl) and target's public
 * key from the set ("routing"). NULL with a message in err when the set has
 * no key for target, or on failure. A key the server refuses shows as calls
 * that time out, as above. */
cd_client_t *cd_client_new_internal(const char *endpoint, const cd_keys_t *keys, const char *target,
                                    char *err, size_t errlen);
void cd_client_destroy(cd_client_t **pc);

/* Send req (its request_id is set to a new UUID when empty) and wait up to
 * timeout_ms for the reply. Returns 0 and *reply (free with
 * candour__v1__reply__free_unpacked), or -1 with a message in err
 * (timeout, undecodable reply, a request over the 16 MiB cap: not sent). */
int cd_client_call(cd_client_t *c, Candour__V1__Request *req, int timeout_ms,
                   Candour__V1__Reply **reply, char *err, size_t errlen);

/* Send raw frames and wait for any reply frames (tests of malformed input).
 * Returns the number of reply frames copied into out (each malloc'd), or -1. */
int cd_client_raw(cd_client_t *c, const void *const *frames, const size_t *sizes, int n,
                  int timeout_ms, void **out, size_t *outsizes, int maxout);

#endif
