/* apitoken.h - the staff API's tokens for scripts and other systems
 * (candourctl token add; the gateway takes them as bearer tokens).
 *
 * A token is "cdt_" + its id (16 of [a-z0-9], public: it names the token in
 * lists and logs) + "_" + its secret (43 base64url characters: 32 random
 * bytes). Only the SHA-256 of the secret is stored; the token is shown once,
 * when made. */
#ifndef CANDOUR_APITOKEN_H
#define CANDOUR_APITOKEN_H

#include <stddef.h>

#define CD_APITOKEN_ID_LEN 16
#define CD_APITOKEN_SECRET_LEN 43
/* "cdt_" id "_" secret */
#define CD_APITOKEN_LEN (4 + CD_APITOKEN_ID_LEN + 1 + CD_APITOKEN_SECRET_LEN)

/* A new token from the kernel's random source: its id and the whole token
 * (NUL-terminated). 0, or -1 when no randomness could be had. */
int cd_apitoken_make(char id[CD_APITOKEN_ID_LEN + 1], char token[CD_APITOKEN_LEN + 1]);

/* Split a token as given (any bytes, len of them) into its id and secret:
 * 0, or -1 when it is not one of ours in shape. Pure. */
int cd_apitoken_parse(const char *token, size_t len, char id[CD_APITOKEN_ID_LEN + 1],
                      char secret[CD_APITOKEN_SECRET_LEN + 1]);

/* The stored form of a secret: its SHA-256, 64 lower-case hex digits. */
void cd_apitoken_hash(const char *secret, char hex[65]);

/* Whether two stored forms are equal, in time that does not depend on
 * where they differ. Pure. */
int cd_apitoken_hash_equal(const char *a, const char *b);

#endif
