/* idp.c - a test identity provider (idp.h). */
#include "idp.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct h_idp_t {
    EVP_PKEY *key, *other;
    char jwks[512];
};

static char *s_b64url(const unsigned char *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    int k = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (k > 0 && out[k - 1] == '=')
        k--;
    out[k] = '\0';
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return out;
}

static void s_bn(json_t *j, const char *name, EVP_PKEY *pk, const char *param)
{
    BIGNUM *bn = NULL;
    cr_assert(EVP_PKEY_get_bn_param(pk, param, &bn) == 1);
    unsigned char buf[1024];
    int len = BN_bn2bin(bn, buf);
    char *s = s_b64url(buf, (size_t)len);
    json_object_set_new(j, name, json_string(s));
    free(s);
    BN_free(bn);
}

h_idp_t *h_idp_new(const char *dir)
{
    h_idp_t *i = calloc(1, sizeof *i);
    cr_assert_not_null(i);
    i->key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    i->other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    cr_assert(i->key && i->other);
    snprintf(i->jwks, sizeof i->jwks, "%s/jwks.json", dir);
    json_t *k = json_pack("{s:s, s:s, s:s, s:s}", "kid", "test-1", "use", "sig", "kty", "RSA",
                          "alg", "RS256");
    s_bn(k, "n", i->key, OSSL_PKEY_PARAM_RSA_N);
    s_bn(k, "e", i->key, OSSL_PKEY_PARAM_RSA_E);
    json_t *root = json_pack("{s:[o]}", "keys", k);
    cr_assert_eq(json_dump_file(root, i->jwks, 0), 0);
    json_decref(root);
    return i;
}

void h_idp_free(h_idp_t **pi)
{
    if (!pi || !*pi)
        return;
    EVP_PKEY_free((*pi)->key);
    EVP_PKEY_free((*pi)->other);
    free(*pi);
    *pi = NULL;
}

const char *h_idp_jwks(const h_idp_t *i)
{
    return i->jwks;
}

static char *s_sign(EVP_PKEY *key, const char *sub, long ttl_s, const char *iss)
{
    BIO *bio = BIO_new(BIO_s_mem());
    cr_assert(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL));
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    jwt_t *jwt = NULL;
    cr_assert_eq(jwt_new(&jwt), 0);
    long now = (long)time(NULL);
    jwt_add_grant(jwt, "iss", iss ? iss : H_IDP_ISSUER);
    jwt_add_grant(jwt, "sub", sub);
    jwt_add_grant(jwt, "aud", H_IDP_AUDIENCE);
    jwt_add_grant_int(jwt, "iat", ttl_s > 0 ? now : now + ttl_s - 600);
    jwt_add_grant_int(jwt, "exp", now + ttl_s);
    jwt_add_header(jwt, "kid", "test-1");
    cr_assert_eq(jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)data, (int)n), 0);
    char *out = jwt_encode_str(jwt);
    cr_assert_not_null(out);
    char *copy = strdup(out);
    free(out);
    jwt_free(jwt);
    BIO_free(bio);
    return copy;
}

char *h_idp_token(const h_idp_t *i, const char *sub, long ttl_s, const char *iss)
{
    return s_sign(i->key, sub, ttl_s, iss);
}

char *h_idp_forged(const h_idp_t *i, const char *sub)
{
    return s_sign(i->other, sub, 300, NULL);
}
