/* fuzz_template.c - libFuzzer target for the letter template parser
 * (services/notify/template.c).
 *
 * Any bytes as the template of an acknowledgement's signature. A typed
 * answer either way: refused, with a message and a line (0: the whole
 * template) and column; accepted, the template renders with the sample
 * values, the result holds no "{{" the template did not (no variable left
 * unfilled, never a blank), and a valid text of NUL-free bytes renders the
 * same as through nt_tpl_check. Any crash or sanitizer report aborts.
 *
 * Run: bash tests/fuzz/run.sh 60 fuzz_template */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

static void s_check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_template: %s\n%s\n", what, detail ? detail : "");
        abort();
    }
}

static size_t s_count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    s_check(text != NULL, "out of memory", NULL);
    memcpy(text, data, size);
    text[size] = 0;
    nt_tpl_error_t err;
    memset(&err, 0, sizeof err);
    int rc = nt_tpl_check_n("acknowledgement", "signature", text, size, &err);
    if (rc != 0) {
        s_check(rc == -1 && err.message[0] && err.line >= 0 && err.col >= 0,
                "a refusal without a message or a place", err.message);
    } else {
        s_check(strlen(text) == size, "a template holding a NUL was accepted", NULL);
        s_check(nt_tpl_check("acknowledgement", "signature", text, &err) == 0,
                "the two checks disagree", err.message);
        char *out = nt_tpl_render(text, nt_tpl_sample, NULL, &err);
        s_check(out != NULL, "a valid template did not render with every value", err.message);
        /* Every variable was replaced: the samples hold no braces. */
        s_check(s_count(out, "{{") == 0, "a variable left in the letter", out);
        free(out);
    }
    free(text);
    return 0;
}
