/* apitoken.c - the staff API's tokens (apitoken.h). */
#include "candour/apitoken.h"

#include <string.h>
#include <sys/random.h>

#include "candour/digest.h"

static const char s_id_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
static const char s_b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int s_random(unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

int cd_apitoken_make(char id[CD_APITOKEN_ID_LEN + 1], char token[CD_APITOKEN_LEN + 1])
{
    unsigned char r[CD_APITOKEN_ID_LEN + 33];
    if (s_random(r, sizeof r) != 0)
        return -1;
    /* 36 letters and digits; 256 % 36 = 4, so draw again rather than skew. */
    for (int i = 0; i < CD_APITOKEN_ID_LEN; i++) {
        unsigned char b = r[i];
        while (b >= 252)
            if (s_random(&b, 1) != 0)
                return -1;
        id[i] = s_id_chars[b % 36];
    }
    id[CD_APITOKEN_ID_LEN] = 0;
    /* 32 bytes as unpadded base64url: 43 characters (the last holds 4 bits). */
    char secret[CD_APITOKEN_SECRET_LEN + 1];
    const unsigned char *s = r + CD_APITOKEN_ID_LEN;
    int o = 0;
    for (int i = 0; i < 30; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
        secret[o++] = s_b64url[v >> 18 & 63];
        secret[o++] = s_b64url[v >> 12 & 63];
        secret[o++] = s_b64url[v >> 6 & 63];
        secret[o++] = s_b64url[v & 63];
    }
    unsigned v = (unsigned)s[30] << 8 | s[31];
    secret[o++] = s_b64url[v >> 10 & 63];
    secret[o++] = s_b64url[v >> 4 & 63];
    secret[o++] = s_b64url[(v << 2) & 63];
    secret[o] = 0;
    memcpy(token, "cdt_", 4);
    memcpy(token + 4, id, CD_APITOKEN_ID_LEN);
    token[4 + CD_APITOKEN_ID_LEN] = '_';
    memcpy(token + 5 + CD_APITOKEN_ID_LEN, secret, CD_APITOKEN_SECRET_LEN + 1);
    memset(r, 0, sizeof r);
    memset(secret, 0, sizeof secret);
    return 0;
}

int cd_apitoken_parse(const char *token, size_t len, char id[CD_APITOKEN_ID_LEN + 1],
                      char secret[CD_APITOKEN_SECRET_LEN + 1])
{
    if (len != CD_APITOKEN_LEN || memcmp(token, "cdt_", 4) != 0 ||
        token[4 + CD_APITOKEN_ID_LEN] != '_')
        return -1;
    const char *i = token + 4, *s = token + 5 + CD_APITOKEN_ID_LEN;
    for (int k = 0; k < CD_APITOKEN_ID_LEN; k++)
        if (!i[k] || !strchr(s_id_chars, i[k]))
            return -1;
    for (int k = 0; k < CD_APITOKEN_SECRET_LEN; k++)
        if (!s[k] || !strchr(s_b64url, s[k]))
            return -1;
    memcpy(id, i, CD_APITOKEN_ID_LEN);
    id[CD_APITOKEN_ID_LEN] = 0;
    memcpy(secret, s, CD_APITOKEN_SECRET_LEN);
    secret[CD_APITOKEN_SECRET_LEN] = 0;
    return 0;
}

void cd_apitoken_hash(const char *secret, char hex[65])
{
    cd_sha256_hex(secret, strlen(secret), hex);
}

int cd_apitoken_hash_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}
