/* digest.c - SHA-256 in hex (digest.h), by libsodium (ZeroMQ's own
 * dependency for CURVE). */
#include "candour/digest.h"

#include <sodium.h>

void cd_sha256_hex(const void *data, size_t len, char out[CD_SHA256_HEX_LEN + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, CD_SHA256_HEX_LEN + 1, h, sizeof h);
}
