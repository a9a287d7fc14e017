/* keys.h - the suite's internal CURVE keys: who may speak on the services'
 * internal endpoints.
 *
 * Every member of the suite has a key pair: the five services (intake,
 * routing, investigation, signoff, notify), the gateway and ops (candourctl).
 * They live in one directory, CANDOUR_INTERNAL_KEYS, as NAME.key (the secret,
 * Z85, mode 0600) and NAME.pub (the public key); `candourctl keygen
 * --internal DIR` makes the set. A process loads its own secret key
 * (NAME.key, or the file CANDOUR_INTERNAL_KEY_FILE names) and every *.pub in
 * the directory: those public keys are the internal allow-list, static from
 * the start to the end of the process. Rotation: make a new set, restart all.
 *
 * Servers: each service's internal ROUTER is a CURVE server with its own
 * secret key and ZAP domain CD_ZSOCK_ZAP_INTERNAL; the ZAP handler admits a
 * key of the set with User-Id = its name ("routing", "ops", "gateway"), and
 * refuses every other key (the handshake fails; no reply ever comes).
 * Clients: every DEALER to an internal endpoint is a CURVE client with its
 * own key pair and the target service's public key (cd_keys_client).
 *
 * Secure by default: no directory, no own key, or a malformed key is an
 * error, never an open endpoint. */
#ifndef CANDOUR_KEYS_H
#define CANDOUR_KEYS_H

#include <stddef.h>

#include "candour/zap.h"
#include "candour/zsock.h"

typedef struct cd_keys_t cd_keys_t;

/* The environment variables: the directory, and a process's own secret key
 * when it is not DIR/NAME.key (a container that is given only its own). */
#define CD_KEYS_DIR_VAR "CANDOUR_INTERNAL_KEYS"
#define CD_KEYS_FILE_VAR "CANDOUR_INTERNAL_KEY_FILE"

/* The names of a full set, NULL-terminated: what keygen --internal makes. */
extern const char *const cd_keys_suite[];

/* A member's name: [a-z0-9_-]{1,32} (it is a file name and a User-Id). */
int cd_keys_name_valid(const char *name);

/* Load the set in dir as self: self's secret key from key_file (NULL or "":
 * dir/self.key) and every dir/NAME.pub with a valid NAME. NULL with a plain
 * message in err when dir cannot be read, self's key is missing or
 * malformed, a .pub is malformed, or self's public key is not among the
 * set's (the pair and the allow-list disagree). */
cd_keys_t *cd_keys_load(const char *dir, const char *self, const char *key_file, char *err,
                        size_t errlen);
/* The same from CANDOUR_INTERNAL_KEYS, with key_file_var (NULL: none) naming
 * the variable that may override self's key file. Unset or empty: NULL with
 * a message saying how to make the keys. */
cd_keys_t *cd_keys_from_env(const char *self, const char *key_file_var, char *err, size_t errlen);
/* Idempotent; nulls *pk and wipes the secret. */
void cd_keys_destroy(cd_keys_t **pk);

const char *cd_keys_self(const cd_keys_t *k);
const char *cd_keys_secret(const cd_keys_t *k); /* self's, Z85 */
const char *cd_keys_public(const cd_keys_t *k); /* self's, Z85 */
/* name's public key (Z85), or NULL when the set has none. */
const char *cd_keys_public_of(const cd_keys_t *k, const char *name);
/* Whose public key is key_z85 (the name), or NULL: not one of the suite's. */
const char *cd_keys_name_of(const cd_keys_t *k, const char *key_z85);
int cd_keys_count(const cd_keys_t *k);

/* Make dir (mode 0700 if new) and name's pair in it, never overwriting:
 * 1 made, 0 both files were there already, -1 with a message in err (also
 * when only one of the two is there: that is for a person to sort out). */
int cd_keys_make(const char *dir, const char *name, char *err, size_t errlen);
/* cd_keys_make for every name of cd_keys_suite: how many pairs were made,
 * or -1 with a message in err. */
int cd_keys_make_suite(const char *dir, char *err, size_t errlen);

/* A cd_zap_lookup_fn for CD_ZSOCK_ZAP_INTERNAL (arg: the cd_keys_t): admit
 * a key of the set under its name, refuse any other. Answers at once. */
void cd_keys_zap_lookup(cd_zap_check_t *check, const char *key_z85, void *keys);

/* Make s (not yet connected) a CURVE client of target's internal endpoint,
 * as k's owner. 0, or -1 (errno EINVAL) when the set has no key for target. */
int cd_keys_client(const cd_keys_t *k, cd_zsock_t *s, const char *target);

/* Who may ask what on an internal endpoint (peer: the connection's User-Id).
 * A request naming the person acting (Request.acting) comes from the
 * gateway or ops; one naming an operator (Request.ops_user) only from ops
 * (candourctl). NULL when allowed, else the field refused ("acting",
 * "ops_user"). */
const char *cd_keys_peer_refusal(const char *peer, int has_acting, int has_ops_user);

#endif
