/* fuzz_dsn.c - libFuzzer target for the bounce reader (services/notify/dsn.c).
 *
 * Any bytes (NULs too) as a bounce. A typed answer either way: taken, the
 * letter id is a lower-case uuid that the input quotes as <id@domain> (in
 * any case), the status and diagnostic are printable ASCII and the status,
 * when given, starts "2.", "4." or "5."; refused, the reason is said. Any
 * crash or sanitizer report aborts.
 *
 * Run: bash tests/fuzz/run.sh 60 fuzz_dsn */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"

#define DOMAIN "icb-w.example"

static void s_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_dsn: %s\n", what);
        abort();
    }
}

static int s_printable(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e)
            return 0;
    return 1;
}

/* Whether data quotes <id@DOMAIN>, case aside. */
static int s_quotes(const uint8_t *data, size_t size, const char *id)
{
    char want[64];
    int n = snprintf(want, sizeof want, "<%s@%s>", id, DOMAIN);
    for (size_t i = 0; i + (size_t)n <= size; i++)
        if (strncasecmp((const char *)data + i, want, (size_t)n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nt_bounce_t b;
    char why[160];
    /* Unterminated, as a file's bytes are. */
    char *copy = malloc(size ? size : 1);
    s_check(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    int rc = nt_dsn_parse(copy, size, DOMAIN, &b, why, sizeof why);
    if (rc == 0) {
        s_check(strlen(b.letter_id) == 36, "the letter id is not a uuid's length");
        for (const char *p = b.letter_id; *p; p++)
            s_check(!isupper((unsigned char)*p), "the letter id is not lower case");
        s_check(s_quotes(data, size, b.letter_id), "the letter id is not quoted by the input");
        s_check(s_printable(b.status) && s_printable(b.diagnostic), "unprintable output");
        s_check(!b.status[0] || ((b.status[0] == '2' || b.status[0] == '4' || b.status[0] == '5') &&
                                 b.status[1] == '.'),
                "a status that is not a status");
        s_check(b.permanent == 0 || b.permanent == 1, "permanent is not a flag");
    } else {
        s_check(rc == -1 && why[0], "a refusal without a reason");
    }
    free(copy);
    return 0;
}
