/* fuzz_oidc.c - libFuzzer target for bearer-token checks
 * (services/gateway/oidc.c).
 *
 * Any bytes as a token, against a JWKS of one RSA and one EC key made at
 * start (no private key is ever given to the fuzzer, so nothing it makes
 * can be signed by them). A typed answer: refused with a reason, and an
 * empty identity. A token taken would be a forgery, and aborts; so does any
 * crash or sanitizer report.
 *
 * Run: bash tests/fuzz/run.sh 60 fuzz_oidc */
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oidc.h"

static gw_jwks_t *s_keys;

static void s_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_oidc: %s\n", what);
        abort();
    }
}

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

static void s_bn(json_t *j, const char *name, EVP_PKEY *pk, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    s_check(EVP_PKEY_get_bn_param(pk, param, &bn) == 1, "key parameter");
    unsigned char buf[1024];
    int len = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    char *s = s_b64url(buf, (size_t)len);
    json_object_set_new(j, name, json_string(s));
    free(s);
    BN_free(bn);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    s_check(rsa && ec, "keygen");
    json_t *r = json_pack("{s:s, s:s}", "kty", "RSA", "kid", "rsa-1");
    s_bn(r, "n", rsa, OSSL_PKEY_PARAM_RSA_N, 0);
    s_bn(r, "e", rsa, OSSL_PKEY_PARAM_RSA_E, 0);
    json_t *e = json_pack("{s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "kid", "ec-1");
    s_bn(e, "x", ec, OSSL_PKEY_PARAM_EC_PUB_X, 32);
    s_bn(e, "y", ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    json_t *root = json_pack("{s:[o,o]}", "keys", r, e);
    char path[] = "/tmp/fuzz-oidc-XXXXXX";
    int fd = mkstemp(path);
    s_check(fd >= 0 && json_dumpfd(root, fd, 0) == 0, "jwks file");
    close(fd);
    char why[300];
    s_keys = gw_jwks_load(path, why, sizeof why);
    s_check(s_keys && gw_jwks_count(s_keys) == 2, why);
    unlink(path);
    json_decref(root);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *token = malloc(size + 1);
    s_check(token != NULL, "out of memory");
    memcpy(token, data, size);
    token[size] = 0;
    static const gw_oidc_rules_t rules = {
        .issuer = "https://idp.example.nhs.uk", .audience = "candour", .leeway_s = 30};
    gw_identity_t id;
    char why[200];
    int rc = gw_token_verify(s_keys, &rules, token, 1800000000, &id, why, sizeof why);
    s_check(rc == -1, "a token no key signed was taken");
    s_check(why[0] && !id.subject[0], "a refusal without a reason, or with an identity");
    free(token);
    return 0;
}
