/* oidc.c - bearer tokens checked against a JWKS (see oidc.h). */
#include "oidc.h"

#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_MAX_KEYS 32
#define S_MAX_TOKEN 8192
#define S_MAX_JWKS (256 * 1024)

typedef struct {
    char kid[128];
    jwt_alg_t alg; /* pinned by the key's type: RSA RS256, EC ES256 */
    char *pem;
} s_key_t;

struct gw_jwks_t {
    s_key_t keys[S_MAX_KEYS];
    int n;
    time_t mtime; /* the file as it was read */
    off_t size;
};

/* ---------------------------------------------------------------- base64url */

/* in (base64url, no padding) decoded, malloc'd, its length in *len; NULL if
 * it is not strict base64url. */
static unsigned char *s_b64url(const char *in, size_t inlen, size_t *len)
{
    size_t pad = (4 - inlen % 4) % 4;
    if (pad == 3 || inlen > S_MAX_TOKEN)
        return NULL;
    char *t = malloc(inlen + pad + 1);
    unsigned char *out = malloc(inlen + pad + 1);
    if (!t || !out) {
        free(t);
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < inlen; i++) {
        char c = in[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            free(t);
            free(out);
            return NULL;
        }
        t[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    memset(t + inlen, '=', pad);
    int k = EVP_DecodeBlock(out, (unsigned char *)t, (int)(inlen + pad));
    free(t);
    if (k < 0 || (size_t)k < pad) {
        free(out);
        return NULL;
    }
    *len = (size_t)k - pad;
    return out;
}

/* ---------------------------------------------------------------- JWK */

static BIGNUM *s_bn(json_t *jwk, const char *field, size_t want)
{
    const char *s = json_string_value(json_object_get(jwk, field));
    size_t n = 0;
    unsigned char *b = s ? s_b64url(s, strlen(s), &n) : NULL;
    BIGNUM *bn = b && n && (!want || n == want) ? BN_bin2bn(b, (int)n, NULL) : NULL;
    free(b);
    return bn;
}

/* The public key of a JWK: RSA of 2048 bits or more, or EC P-256 on its
 * curve; NULL for anything else. */
static EVP_PKEY *s_pkey(json_t *jwk, int *rsa)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;
    BIGNUM *a = NULL, *b = NULL;
    unsigned char pt[65];
    *rsa = kty && strcmp(kty, "RSA") == 0;
    if (!bld || !kty)
        goto out;
    if (*rsa) {
        a = s_bn(jwk, "n", 0);
        b = s_bn(jwk, "e", 0);
        if (!a || !b || BN_num_bits(a) < 2048 || !OSSL_PARAM_BLD_push_BN(bld, "n", a) ||
            !OSSL_PARAM_BLD_push_BN(bld, "e", b))
            goto out;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    } else if (strcmp(kty, "EC") == 0) {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        a = s_bn(jwk, "x", 32);
        b = s_bn(jwk, "y", 32);
        if (!crv || strcmp(crv, "P-256") != 0 || !a || !b)
            goto out;
        pt[0] = 0x04; /* an uncompressed point */
        if (BN_bn2binpad(a, pt + 1, 32) != 32 || BN_bn2binpad(b, pt + 33, 32) != 32 ||
            !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt))
            goto out;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    } else {
        goto out;
    }
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pk = NULL;
    OSSL_PARAM_free(params);
    if (pk && !*rsa) { /* fromdata does not check the point is on the curve */
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
        if (!check || EVP_PKEY_public_check(check) != 1) {
            EVP_PKEY_free(pk);
            pk = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_BLD_free(bld);
    BN_free(a);
    BN_free(b);
    return pk;
}

static char *s_pem(EVP_PKEY *pk)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *out = NULL;
    if (bio && PEM_write_bio_PUBKEY(bio, pk) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        out = n > 0 ? strndup(data, (size_t)n) : NULL;
    }
    BIO_free(bio);
    return out;
}

/* ---------------------------------------------------------------- the key set */

gw_jwks_t *gw_jwks_load(const char *path, char *why, size_t n)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size > S_MAX_JWKS) {
        snprintf(why, n, "the key file %s cannot be read, or is over %d KiB", path,
                 S_MAX_JWKS / 1024);
        return NULL;
    }
    json_error_t err;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    json_t *list = json_object_get(root, "keys");
    gw_jwks_t *k = json_is_array(list) ? calloc(1, sizeof *k) : NULL;
    size_t i;
    json_t *jwk;
    json_array_foreach(k ? list : NULL, i, jwk)
    {
        const char *kid = json_string_value(json_object_get(jwk, "kid"));
        const char *use = json_string_value(json_object_get(jwk, "use"));
        if (!kid || !kid[0] || strlen(kid) >= sizeof k->keys[0].kid ||
            (use && strcmp(use, "sig") != 0) || k->n == S_MAX_KEYS)
            continue;
        int rsa;
        EVP_PKEY *pk = s_pkey(jwk, &rsa);
        char *pem = pk ? s_pem(pk) : NULL;
        EVP_PKEY_free(pk);
        if (!pem)
            continue;
        s_key_t *key = &k->keys[k->n++];
        snprintf(key->kid, sizeof key->kid, "%s", kid);
        key->alg = rsa ? JWT_ALG_RS256 : JWT_ALG_ES256;
        key->pem = pem;
    }
    json_decref(root);
    if (!k || k->n == 0) {
        snprintf(why, n,
                 "%s holds no signing key Candour can use (RSA of 2048 bits or more, or"
                 " EC P-256, each with a kid)%s%s",
                 path, root ? "" : ": ", root ? "" : err.text);
        gw_jwks_free(&k);
        return NULL;
    }
    k->mtime = st.st_mtime;
    k->size = st.st_size;
    return k;
}

void gw_jwks_free(gw_jwks_t **pk)
{
    gw_jwks_t *k = pk ? *pk : NULL;
    if (!k)
        return;
    *pk = NULL;
    for (int i = 0; i < k->n; i++)
        free(k->keys[i].pem);
    free(k);
}

int gw_jwks_count(const gw_jwks_t *k)
{
    return k ? k->n : 0;
}

int gw_jwks_refresh(gw_jwks_t **pk, const char *path, char *why, size_t n)
{
    struct stat st;
    if (*pk && stat(path, &st) == 0 && st.st_mtime == (*pk)->mtime && st.st_size == (*pk)->size)
        return 0;
    gw_jwks_t *fresh = gw_jwks_load(path, why, n);
    if (!fresh)
        return *pk ? 0 : -1;
    gw_jwks_free(pk);
    *pk = fresh;
    return 1;
}

/* ---------------------------------------------------------------- the check */

/* The key the token's header names, with the algorithm pinned: NULL (why
 * set) when the header is not one we take. */
static const s_key_t *s_key_for(const gw_jwks_t *k, const char *token, char *why, size_t n)
{
    const char *dot = strchr(token, '.');
    size_t hlen = 0;
    unsigned char *h = dot ? s_b64url(token, (size_t)(dot - token), &hlen) : NULL;
    json_t *hdr = h ? json_loadb((const char *)h, hlen, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(h);
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    const s_key_t *key = NULL;
    for (int i = 0; k && kid && i < k->n; i++)
        if (strcmp(k->keys[i].kid, kid) == 0)
            key = &k->keys[i];
    if (!hdr)
        snprintf(why, n, "the token is not a JWT");
    else if (!alg || (strcmp(alg, "RS256") != 0 && strcmp(alg, "ES256") != 0))
        snprintf(why, n, "the token's algorithm is not RS256 or ES256");
    else if (!key)
        snprintf(why, n, "the token is signed by a key the identity provider does not list");
    else if (jwt_str_alg(alg) != key->alg)
        snprintf(why, n, "the token's algorithm does not match its key");
    json_decref(hdr);
    return why[0] ? NULL : key;
}

/* Whether "aud" (a string or an array of them) names audience. */
static int s_audience(jwt_t *jwt, const char *audience)
{
    char *aud = jwt_get_grants_json(jwt, "aud");
    json_t *a = aud ? json_loads(aud, JSON_DECODE_ANY, NULL) : NULL;
    free(aud);
    int ok = json_is_string(a) && strcmp(json_string_value(a), audience) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_is_array(a) ? a : NULL, i, v)
    {
        ok |= json_is_string(v) && strcmp(json_string_value(v), audience) == 0;
    }
    json_decref(a);
    return ok;
}

/* A numeric claim: 1 with its value, 0 when absent or not a number. */
static int s_time(jwt_t *jwt, const char *claim, long *out)
{
    errno = 0;
    *out = jwt_get_grant_int(jwt, claim);
    return errno == 0;
}

int gw_token_verify(const gw_jwks_t *keys, const gw_oidc_rules_t *rules, const char *token,
                    time_t now, gw_identity_t *id, char *why, size_t n)
{
    memset(id, 0, sizeof *id);
    why[0] = '\0';
    if (!token || !token[0] || strlen(token) > S_MAX_TOKEN) {
        snprintf(why, n, "no token, or one over %d bytes", S_MAX_TOKEN);
        return -1;
    }
    const s_key_t *key = s_key_for(keys, token, why, n);
    if (!key)
        return -1;
    jwt_t *jwt = NULL;
    if (jwt_decode(&jwt, token, (const unsigned char *)key->pem, (int)strlen(key->pem)) != 0 ||
        !jwt || jwt_get_alg(jwt) != key->alg) {
        jwt_free(jwt);
        snprintf(why, n, "the token's signature does not verify");
        return -1;
    }
    const char *iss = jwt_get_grant(jwt, "iss");
    const char *sub = jwt_get_grant(jwt, "sub");
    long exp, nbf;
    int has_exp = s_time(jwt, "exp", &exp), has_nbf = s_time(jwt, "nbf", &nbf);
    if (!iss || strcmp(iss, rules->issuer) != 0)
        snprintf(why, n, "the token is not from the identity provider Candour trusts");
    else if (!s_audience(jwt, rules->audience))
        snprintf(why, n, "the token is not for Candour (its audience)");
    else if (!has_exp || (long)now > exp + rules->leeway_s)
        snprintf(why, n, "the token has expired, or says not when it does");
    else if (has_nbf && (long)now + rules->leeway_s < nbf)
        snprintf(why, n, "the token is not valid yet");
    else if (!sub || !sub[0] || strlen(sub) >= sizeof id->subject)
        snprintf(why, n, "the token names no one (its subject)");
    if (!why[0]) {
        snprintf(id->subject, sizeof id->subject, "%s", sub);
        id->expires = exp;
    }
    jwt_free(jwt);
    return why[0] ? -1 : 0;
}
