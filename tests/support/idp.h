/* idp.h - a test identity provider: an RSA key of its own, published as a
 * JWKS file, and ID tokens signed with it (OpenSSL, libjwt), for the tests
 * that sign staff in to the gateway as their organisation's provider would. */
#ifndef CANDOUR_TEST_IDP_H
#define CANDOUR_TEST_IDP_H

#define H_IDP_ISSUER "https://idp.test.example.nhs.uk"
#define H_IDP_AUDIENCE "candour"

typedef struct h_idp_t h_idp_t;

/* A new key, its JWKS written to dir/jwks.json (h_idp_jwks). */
h_idp_t *h_idp_new(const char *dir);
void h_idp_free(h_idp_t **pi);
const char *h_idp_jwks(const h_idp_t *i);

/* An RS256 token for sub, valid from now for ttl_s seconds (negative: it
 * expired that long ago), from issuer iss (NULL: H_IDP_ISSUER) for audience
 * H_IDP_AUDIENCE. malloc'd. */
char *h_idp_token(const h_idp_t *i, const char *sub, long ttl_s, const char *iss);
/* The same signed by another key than the one published (a forgery). */
char *h_idp_forged(const h_idp_t *i, const char *sub);

#endif
