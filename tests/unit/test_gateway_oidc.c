/* test_gateway_oidc.c - bearer tokens (services/gateway/oidc.c): the test
 * mints its own RSA and EC keys (OpenSSL), writes them as a JWKS, signs
 * tokens with libjwt, and checks that only a token signed by a listed key,
 * with the pinned algorithm and every claim right, names its subject. */
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
#include <unistd.h>

#include "oidc.h"

#define ISS "https://idp.example.nhs.uk"
#define AUD "candour"
#define NOW 1800000000L

static EVP_PKEY *s_rsa, *s_ec, *s_weak;
static char s_dir[64], s_jwks[128];
static gw_jwks_t *s_keys;
static const gw_oidc_rules_t s_rules = {.issuer = ISS, .audience = AUD, .leeway_s = 30};

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

static void s_set_bn(json_t *j, const char *name, EVP_PKEY *pk, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    cr_assert(EVP_PKEY_get_bn_param(pk, param, &bn) == 1);
    unsigned char buf[1024];
    int len = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    char *s = s_b64url(buf, (size_t)len);
    json_object_set_new(j, name, json_string(s));
    free(s);
    BN_free(bn);
}

static json_t *s_jwk(EVP_PKEY *pk, const char *kid)
{
    json_t *j = json_pack("{s:s, s:s}", "kid", kid, "use", "sig");
    if (EVP_PKEY_is_a(pk, "RSA")) {
        json_object_set_new(j, "kty", json_string("RSA"));
        s_set_bn(j, "n", pk, OSSL_PKEY_PARAM_RSA_N, 0);
        s_set_bn(j, "e", pk, OSSL_PKEY_PARAM_RSA_E, 0);
    } else {
        json_object_set_new(j, "kty", json_string("EC"));
        json_object_set_new(j, "crv", json_string("P-256"));
        s_set_bn(j, "x", pk, OSSL_PKEY_PARAM_EC_PUB_X, 32);
        s_set_bn(j, "y", pk, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    }
    return j;
}

static char *s_pem(EVP_PKEY *pk, int private_key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    cr_assert(private_key ? PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL)
                          : PEM_write_bio_PUBKEY(bio, pk));
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(bio);
    return out;
}

static void s_setup(void)
{
    s_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    s_ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    s_weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    cr_assert(s_rsa && s_ec && s_weak);
    snprintf(s_dir, sizeof s_dir, "/tmp/candour-oidc-XXXXXX");
    cr_assert(mkdtemp(s_dir));
    snprintf(s_jwks, sizeof s_jwks, "%s/jwks.json", s_dir);
    json_t *keys = json_array();
    json_array_append_new(keys, s_jwk(s_rsa, "rsa-1"));
    json_array_append_new(keys, s_jwk(s_ec, "ec-1"));
    json_array_append_new(keys, s_jwk(s_weak, "weak-1"));
    json_t *root = json_pack("{s:o}", "keys", keys);
    cr_assert_eq(json_dump_file(root, s_jwks, 0), 0);
    json_decref(root);
    char why[300];
    s_keys = gw_jwks_load(s_jwks, why, sizeof why);
    cr_assert_not_null(s_keys, "%s", why);
}

static void s_teardown(void)
{
    gw_jwks_free(&s_keys);
    EVP_PKEY_free(s_rsa);
    EVP_PKEY_free(s_ec);
    EVP_PKEY_free(s_weak);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(oidc, .init = s_setup, .fini = s_teardown, .timeout = 60);

typedef struct {
    jwt_alg_t alg;
    EVP_PKEY *key; /* signs (NULL: the alg needs no key, or secret is used) */
    const char *secret;
    const char *kid, *iss, *aud, *sub;
    long exp, nbf; /* 0: left out */
    int aud_array;
} s_tok_t;

/* A token as spec says, malloc'd. */
static char *s_mint(const s_tok_t *t)
{
    jwt_t *jwt = NULL;
    cr_assert_eq(jwt_new(&jwt), 0);
    if (t->iss)
        jwt_add_grant(jwt, "iss", t->iss);
    if (t->sub)
        jwt_add_grant(jwt, "sub", t->sub);
    if (t->aud && t->aud_array) {
        char json[128];
        snprintf(json, sizeof json, "{\"aud\": [\"someone-else\", \"%s\"]}", t->aud);
        jwt_add_grants_json(jwt, json);
    } else if (t->aud) {
        jwt_add_grant(jwt, "aud", t->aud);
    }
    if (t->exp)
        jwt_add_grant_int(jwt, "exp", t->exp);
    if (t->nbf)
        jwt_add_grant_int(jwt, "nbf", t->nbf);
    if (t->kid)
        jwt_add_header(jwt, "kid", t->kid);
    char *pem = t->key ? s_pem(t->key, 1) : NULL;
    const char *secret = pem ? pem : t->secret;
    cr_assert_eq(
        jwt_set_alg(jwt, t->alg, (const unsigned char *)secret, secret ? (int)strlen(secret) : 0),
        0);
    char *out = jwt_encode_str(jwt);
    cr_assert_not_null(out);
    char *copy = strdup(out);
    free(out); /* libjwt 1.10 allocates with malloc */
    jwt_free(jwt);
    free(pem);
    return copy;
}

static s_tok_t s_good(void)
{
    return (s_tok_t){.alg = JWT_ALG_RS256,
                     .key = s_rsa,
                     .kid = "rsa-1",
                     .iss = ISS,
                     .aud = AUD,
                     .sub = "casey.manager@icb.example.nhs.uk",
                     .exp = NOW + 300};
}

static int s_verify(char *token, gw_identity_t *id, char *why)
{
    int rc = gw_token_verify(s_keys, &s_rules, token, NOW, id, why, 200);
    free(token);
    return rc;
}

static void s_refused(s_tok_t t, const char *want)
{
    gw_identity_t id;
    char why[200];
    cr_assert_eq(s_verify(s_mint(&t), &id, why), -1, "taken: should be '%s'", want);
    cr_assert(strstr(why, want), "'%s', not '%s'", why, want);
    cr_assert_str_empty(id.subject);
}

Test(oidc, rs256_and_es256_tokens_from_listed_keys_name_their_subject)
{
    gw_identity_t id;
    char why[200];
    cr_assert_eq(gw_jwks_count(s_keys), 2, "the 1024-bit key is left out");
    s_tok_t t = s_good();
    cr_assert_eq(s_verify(s_mint(&t), &id, why), 0, "%s", why);
    cr_assert_str_eq(id.subject, "casey.manager@icb.example.nhs.uk");
    cr_assert_eq(id.expires, NOW + 300);
    t.alg = JWT_ALG_ES256;
    t.key = s_ec;
    t.kid = "ec-1";
    t.aud_array = 1; /* an audience among others */
    cr_assert_eq(s_verify(s_mint(&t), &id, why), 0, "%s", why);
}

Test(oidc, an_hs256_token_keyed_with_the_public_key_is_refused)
{
    char *pub = s_pem(s_rsa, 0);
    s_tok_t t = s_good();
    t.alg = JWT_ALG_HS256;
    t.key = NULL;
    t.secret = pub;
    s_refused(t, "not RS256 or ES256");
    free(pub);
}

Test(oidc, an_unsigned_token_is_refused)
{
    s_tok_t t = s_good();
    t.alg = JWT_ALG_NONE;
    t.key = NULL;
    s_refused(t, "not RS256 or ES256");
}

Test(oidc, a_key_not_listed_or_of_another_type_is_refused)
{
    s_tok_t t = s_good();
    t.kid = "rsa-2";
    s_refused(t, "does not list");
    t = s_good();
    t.kid = "weak-1"; /* listed in the file, but too weak to be kept */
    t.key = s_weak;
    s_refused(t, "does not list");
    t = s_good();
    t.alg = JWT_ALG_ES256; /* signed with the EC key, naming the RSA key */
    t.key = s_ec;
    s_refused(t, "does not match its key");
}

Test(oidc, a_forged_or_altered_token_is_refused)
{
    s_tok_t t = s_good();
    t.key = s_weak; /* another key, under the listed kid */
    s_refused(t, "signature does not verify");
    /* The payload of one token under the signature of another. */
    t = s_good();
    char *a = s_mint(&t);
    t.sub = "someone.else@icb.example.nhs.uk";
    char *b = s_mint(&t);
    char *sig_a = strrchr(a, '.'), *sig_b = strrchr(b, '.');
    char forged[8192];
    snprintf(forged, sizeof forged, "%.*s%s", (int)(sig_b - b), b, sig_a);
    gw_identity_t id;
    char why[200];
    cr_assert_eq(gw_token_verify(s_keys, &s_rules, forged, NOW, &id, why, sizeof why), -1);
    cr_assert(strstr(why, "signature does not verify"), "%s", why);
    free(a);
    free(b);
}

Test(oidc, each_claim_is_checked)
{
    s_tok_t t = s_good();
    t.iss = "https://evil.example";
    s_refused(t, "identity provider");
    t = s_good();
    t.aud = "another-service";
    s_refused(t, "audience");
    t = s_good();
    t.exp = NOW - 31; /* past the leeway */
    s_refused(t, "expired");
    t = s_good();
    t.exp = 0; /* a token that never expires is not taken */
    s_refused(t, "expired");
    t = s_good();
    t.nbf = NOW + 31;
    s_refused(t, "not valid yet");
    t = s_good();
    t.sub = NULL;
    s_refused(t, "names no one");
    /* Within the leeway either way: taken. */
    t = s_good();
    t.exp = NOW - 29;
    t.nbf = NOW + 29;
    gw_identity_t id;
    char why[200];
    cr_assert_eq(s_verify(s_mint(&t), &id, why), 0, "%s", why);
}

Test(oidc, garbage_gets_a_reason_not_a_crash)
{
    static const char *const bad[] = {"",
                                      "abc",
                                      "a.b.c",
                                      "....",
                                      "eyJhbGciOiJSUzI1NiJ9",
                                      "e30.e30.e30",
                                      "!!.??.**",
                                      "eyJhbGciOiJSUzI1NiIsImtpZCI6"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gw_identity_t id;
        char why[200];
        cr_assert_eq(gw_token_verify(s_keys, &s_rules, bad[i], NOW, &id, why, sizeof why), -1);
        cr_assert(why[0], "no reason for '%s'", bad[i]);
    }
    char *huge = malloc(9000);
    memset(huge, 'a', 8999);
    huge[8999] = 0;
    gw_identity_t id;
    char why[200];
    cr_assert_eq(gw_token_verify(s_keys, &s_rules, huge, NOW, &id, why, sizeof why), -1);
    free(huge);
}

Test(oidc, the_key_file_is_reloaded_when_it_changes_and_a_bad_one_keeps_the_keys)
{
    char why[300];
    cr_assert_eq(gw_jwks_refresh(&s_keys, s_jwks, why, sizeof why), 0, "unchanged: kept");
    /* Only the EC key now: the RSA token no longer verifies. */
    json_t *keys = json_array();
    json_array_append_new(keys, s_jwk(s_ec, "ec-1"));
    json_t *root = json_pack("{s:o}", "keys", keys);
    sleep(1); /* a modification time the reload can tell apart */
    cr_assert_eq(json_dump_file(root, s_jwks, 0), 0);
    json_decref(root);
    cr_assert_eq(gw_jwks_refresh(&s_keys, s_jwks, why, sizeof why), 1, "%s", why);
    cr_assert_eq(gw_jwks_count(s_keys), 1);
    s_refused(s_good(), "does not list");
    /* A file that cannot be used keeps the keys that were. */
    sleep(1);
    FILE *f = fopen(s_jwks, "w");
    cr_assert(f);
    fputs("{\"keys\": \"not a list\"", f);
    fclose(f);
    cr_assert_eq(gw_jwks_refresh(&s_keys, s_jwks, why, sizeof why), 0);
    cr_assert(strstr(why, "no signing key"), "%s", why);
    cr_assert_eq(gw_jwks_count(s_keys), 1);
}
