/* oidc.h - who a bearer token says the caller is: OpenID Connect ID or access
 * tokens (JWT, RS256 or ES256) from a body's identity provider, checked
 * against the provider's public keys (a JWKS file) and the gateway's rules.
 *
 * libjwt (Debian's 1.10) checks signatures and nothing else, and believes
 * the token's own "alg": on its own it would take an HS256 token signed with
 * the public key as the secret, and an expired one. So the key is chosen
 * here by the token's "kid", the algorithm is pinned to the key's type
 * before libjwt sees the token, and every claim is checked here: issuer,
 * audience, expiry (required) and not-before, with leeway for clock skew.
 * Keys come from JWKs turned into OpenSSL keys (RSA of 2048 bits or more,
 * EC P-256 on its curve); no cryptography is written here.
 *
 * Not yet wired to the routes (issue 14): the gateway's next step maps the
 * subject to the staff directory. */
#ifndef GATEWAY_OIDC_H
#define GATEWAY_OIDC_H

#include <stddef.h>
#include <time.h>

typedef struct gw_jwks_t gw_jwks_t;

/* The signing keys of the JWKS file at path ({"keys": [...]}); keys that
 * are not for signing, have no "kid", or are of another type or too weak
 * are left out. NULL with why when the file cannot be read or holds no key
 * usable. */
gw_jwks_t *gw_jwks_load(const char *path, char *why, size_t n);
void gw_jwks_free(gw_jwks_t **pk);
/* How many keys it holds. */
int gw_jwks_count(const gw_jwks_t *k);

/* The keys kept current: *pk reloaded when the file at path has changed
 * since it was read (by modification time and size); a file that now
 * cannot be used keeps the keys that were, and says why (0 then, or 1 when
 * reloaded, -1 when there were none and still are none). */
int gw_jwks_refresh(gw_jwks_t **pk, const char *path, char *why, size_t n);

typedef struct {
    const char *issuer;   /* "iss" must be this */
    const char *audience; /* "aud" must be or contain this */
    long leeway_s;        /* clock skew allowed on exp and nbf */
} gw_oidc_rules_t;

typedef struct {
    char subject[256]; /* "sub": whom the directory maps to a person */
    long expires;      /* "exp", Unix time */
} gw_identity_t;

/* 0: token (the bearer token's text) is signed by a key of keys and meets
 * rules at time now; *id says who. -1: it is not; why says so in plain
 * words that repeat nothing of the token. */
int gw_token_verify(const gw_jwks_t *keys, const gw_oidc_rules_t *rules, const char *token,
                    time_t now, gw_identity_t *id, char *why, size_t n);

#endif
