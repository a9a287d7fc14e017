/* digest.h - SHA-256, as the record keeps it: lower-case hex. Attachments
 * and draft responses are stored with it, so that a reader of the case file
 * can check what they hold is what was recorded and signed. */
#ifndef CANDOUR_DIGEST_H
#define CANDOUR_DIGEST_H

#include <stddef.h>

#define CD_SHA256_HEX_LEN 64

/* The SHA-256 of len bytes at data, as 64 hex digits and a NUL in out. */
void cd_sha256_hex(const void *data, size_t len, char out[CD_SHA256_HEX_LEN + 1]);

#endif
