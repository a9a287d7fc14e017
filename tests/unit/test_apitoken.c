/* test_apitoken.c - the staff API's tokens (common/src/apitoken.c): what
 * cd_apitoken_make makes parses back to its id and secret, anything else of
 * another shape is refused, and the stored form of a secret is its SHA-256
 * compared in full. */
#include <criterion/criterion.h>
#include <string.h>

#include "candour/apitoken.h"

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* A well-formed token: id of 16, secret of 43. */
static const char s_good[] = "cdt_abcdefghij012345_"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno-_";

static int s_parse(const char *token, size_t len)
{
    char id[CD_APITOKEN_ID_LEN + 1], secret[CD_APITOKEN_SECRET_LEN + 1];
    return cd_apitoken_parse(token, len, id, secret);
}

static void s_make(char id[CD_APITOKEN_ID_LEN + 1], char token[CD_APITOKEN_LEN + 1])
{
    cr_assert_eq(cd_apitoken_make(id, token), 0, "no randomness");
}

Test(apitoken, the_shape_is_prefix_id_underscore_secret)
{
    cr_assert_eq(CD_APITOKEN_LEN, 64);
    cr_assert_eq(strlen(s_good), CD_APITOKEN_LEN);
    cr_assert_eq(s_parse(s_good, strlen(s_good)), 0);
}

Test(apitoken, a_made_token_parses_back_to_its_id_and_secret)
{
    for (int i = 0; i < 200; i++) {
        char id[CD_APITOKEN_ID_LEN + 1], token[CD_APITOKEN_LEN + 1];
        char pid[CD_APITOKEN_ID_LEN + 1], secret[CD_APITOKEN_SECRET_LEN + 1];
        s_make(id, token);
        cr_assert_eq(strlen(token), CD_APITOKEN_LEN, "%s", token);
        cr_assert_eq(cd_apitoken_parse(token, strlen(token), pid, secret), 0, "%s", token);
        cr_assert_str_eq(pid, id);
        cr_assert_eq(strncmp(token, "cdt_", 4), 0);
        cr_assert_eq(memcmp(token + 4, id, CD_APITOKEN_ID_LEN), 0);
        cr_assert_str_eq(token + 5 + CD_APITOKEN_ID_LEN, secret);
    }
}

Test(apitoken, ids_are_16_lower_case_letters_and_digits)
{
    int seen[256] = {0};
    for (int i = 0; i < 500; i++) {
        char id[CD_APITOKEN_ID_LEN + 1], token[CD_APITOKEN_LEN + 1];
        s_make(id, token);
        cr_assert_eq(strlen(id), CD_APITOKEN_ID_LEN, "%s", id);
        for (int k = 0; k < CD_APITOKEN_ID_LEN; k++) {
            unsigned char c = (unsigned char)id[k];
            cr_assert((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'), "%s", id);
            seen[c]++;
        }
    }
    /* 8000 draws over 36 characters: each is there (a skewed or short
     * alphabet would show; by chance, one missing is about 1e-95). */
    for (const char *c = "abcdefghijklmnopqrstuvwxyz0123456789"; *c; c++)
        cr_assert_gt(seen[(unsigned char)*c], 0, "'%c' never drawn", *c);
}

Test(apitoken, secrets_are_43_base64url_characters_of_32_bytes)
{
    for (int i = 0; i < 200; i++) {
        char id[CD_APITOKEN_ID_LEN + 1], token[CD_APITOKEN_LEN + 1];
        s_make(id, token);
        const char *s = token + 5 + CD_APITOKEN_ID_LEN;
        cr_assert_eq(strlen(s), CD_APITOKEN_SECRET_LEN);
        cr_assert_eq(strspn(s, B64URL), CD_APITOKEN_SECRET_LEN, "%s", s);
        /* 256 bits in 43 characters: the last holds 4, its low 2 are 0. */
        int last = (int)(strchr(B64URL, s[CD_APITOKEN_SECRET_LEN - 1]) - B64URL);
        cr_assert_eq(last & 3, 0, "%s", s);
    }
}

Test(apitoken, two_made_tokens_differ)
{
    char id1[CD_APITOKEN_ID_LEN + 1], t1[CD_APITOKEN_LEN + 1];
    char id2[CD_APITOKEN_ID_LEN + 1], t2[CD_APITOKEN_LEN + 1];
    s_make(id1, t1);
    for (int i = 0; i < 100; i++) {
        s_make(id2, t2);
        cr_assert_str_neq(id1, id2);
        cr_assert_str_neq(t1 + 5 + CD_APITOKEN_ID_LEN, t2 + 5 + CD_APITOKEN_ID_LEN);
        memcpy(id1, id2, sizeof id1);
        memcpy(t1, t2, sizeof t1);
    }
}

Test(apitoken, a_wrong_prefix_is_refused)
{
    static const char *const prefixes[] = {"cdx_", "CDT_", "cdt-", "xdt_", " cdt"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        char t[CD_APITOKEN_LEN + 1];
        memcpy(t, s_good, sizeof t);
        memcpy(t, prefixes[i], 4);
        cr_assert_eq(s_parse(t, strlen(t)), -1, "%s", t);
    }
}

Test(apitoken, a_wrong_length_is_refused)
{
    char t[2 * CD_APITOKEN_LEN + 1];
    for (size_t len = 0; len < sizeof t - 1; len++) {
        if (len == CD_APITOKEN_LEN)
            continue;
        memset(t, 'a', sizeof t);
        memcpy(t, s_good, len < CD_APITOKEN_LEN ? len : CD_APITOKEN_LEN);
        t[len] = 0;
        cr_assert_eq(s_parse(t, len), -1, "%zu bytes", len);
    }
    /* The right bytes, the wrong length given. */
    cr_assert_eq(s_parse(s_good, CD_APITOKEN_LEN - 1), -1);
    cr_assert_eq(s_parse("", 0), -1);
}

Test(apitoken, a_separator_out_of_place_is_refused)
{
    char t[CD_APITOKEN_LEN + 1];
    memcpy(t, s_good, sizeof t);
    t[4 + CD_APITOKEN_ID_LEN] = 'a';
    cr_assert_eq(s_parse(t, CD_APITOKEN_LEN), -1);
    /* An id one short and a secret one long. */
    memcpy(t, "cdt_abcdefghij01234__ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno-_", sizeof t);
    cr_assert_eq(strlen(t), CD_APITOKEN_LEN);
    cr_assert_eq(s_parse(t, CD_APITOKEN_LEN), -1);
}

Test(apitoken, a_character_outside_either_alphabet_is_refused)
{
    /* In the id: upper case, '-', '_' and anything not [a-z0-9]. */
    static const char id_bad[] = "ABZ-_.+/= \t\x7f\x80\xff";
    for (const char *c = id_bad; *c; c++)
        for (int at = 0; at < CD_APITOKEN_ID_LEN; at += 5) {
            char t[CD_APITOKEN_LEN + 1];
            memcpy(t, s_good, sizeof t);
            t[4 + at] = *c;
            cr_assert_eq(s_parse(t, CD_APITOKEN_LEN), -1, "0x%02x at id[%d]", (unsigned char)*c,
                         at);
        }
    /* In the secret: standard base64's '+' '/' '=' and others. */
    static const char secret_bad[] = "+/=. \t\n!~\x7f\x80\xff";
    for (const char *c = secret_bad; *c; c++)
        for (int at = 0; at < CD_APITOKEN_SECRET_LEN; at += 7) {
            char t[CD_APITOKEN_LEN + 1];
            memcpy(t, s_good, sizeof t);
            t[5 + CD_APITOKEN_ID_LEN + at] = *c;
            cr_assert_eq(s_parse(t, CD_APITOKEN_LEN), -1, "0x%02x at secret[%d]", (unsigned char)*c,
                         at);
        }
}

Test(apitoken, a_NUL_inside_is_refused_wherever_it_is)
{
    for (int at = 0; at < CD_APITOKEN_LEN; at++) {
        char t[CD_APITOKEN_LEN + 1];
        memcpy(t, s_good, sizeof t);
        t[at] = 0;
        cr_assert_eq(s_parse(t, CD_APITOKEN_LEN), -1, "a NUL at %d", at);
    }
}

Test(apitoken, parsing_reads_only_the_length_given)
{
    /* Not NUL-terminated: ASan sees any read past the 64 bytes. */
    char *t = malloc(CD_APITOKEN_LEN);
    cr_assert_not_null(t);
    memcpy(t, s_good, CD_APITOKEN_LEN);
    char id[CD_APITOKEN_ID_LEN + 1], secret[CD_APITOKEN_SECRET_LEN + 1];
    cr_assert_eq(cd_apitoken_parse(t, CD_APITOKEN_LEN, id, secret), 0);
    cr_assert_str_eq(id, "abcdefghij012345");
    cr_assert_str_eq(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno-_");
    free(t);
}

Test(apitoken, the_hash_is_64_lower_hex_and_stable)
{
    char h1[65], h2[65];
    cd_apitoken_hash("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno-_", h1);
    cd_apitoken_hash("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno-_", h2);
    cr_assert_eq(strlen(h1), 64);
    cr_assert_eq(strspn(h1, "0123456789abcdef"), 64, "%s", h1);
    cr_assert_str_eq(h1, h2);
    /* SHA-256 itself (FIPS 180-2's "abc"), and another secret another hash. */
    cd_apitoken_hash("abc", h1);
    cr_assert_str_eq(h1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cd_apitoken_hash("abd", h2);
    cr_assert_str_neq(h1, h2);
}

Test(apitoken, hash_equal_is_true_only_for_the_same_hash)
{
    char a[65], b[65];
    cd_apitoken_hash("secret-one", a);
    cd_apitoken_hash("secret-one", b);
    cr_assert(cd_apitoken_hash_equal(a, b));
    cr_assert(cd_apitoken_hash_equal(a, a));
    cr_assert(cd_apitoken_hash_equal("", ""));
    cd_apitoken_hash("secret-two", b);
    cr_assert_not(cd_apitoken_hash_equal(a, b));
    /* One character off, first or last; a prefix; empty against full. */
    memcpy(b, a, sizeof b);
    b[0] = b[0] == '0' ? '1' : '0';
    cr_assert_not(cd_apitoken_hash_equal(a, b));
    memcpy(b, a, sizeof b);
    b[63] = b[63] == '0' ? '1' : '0';
    cr_assert_not(cd_apitoken_hash_equal(a, b));
    memcpy(b, a, sizeof b);
    b[63] = 0;
    cr_assert_not(cd_apitoken_hash_equal(a, b));
    cr_assert_not(cd_apitoken_hash_equal(b, a));
    cr_assert_not(cd_apitoken_hash_equal(a, ""));
    cr_assert_not(cd_apitoken_hash_equal("", a));
}
