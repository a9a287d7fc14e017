/* withheld.c - the rules of the names a case withholds from its response
 * (withheld.h). Pure: arguments in, a verdict out; the request that reads
 * the case and keeps the list is withheld_ops.c. */
#include "withheld.h"

#include <stdint.h>
#include <string.h>

#include "rules_util.h"

/* A code point no UTF-8 decodes to: a byte that is not UTF-8 stands for
 * itself above the last code point, so it equals only the same byte. */
#define S_RAW 0x110000u

/* The next code point of *p, advancing it; 0 at the end. Only well-formed
 * sequences are decoded (overlong forms and surrogates being refused by
 * cd_text_ok before a name is kept, they need not be told apart here). */
static uint32_t s_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    if (!s[0])
        return 0;
    int len = s[0] < 0x80             ? 1
              : (s[0] & 0xE0) == 0xC0 ? 2
              : (s[0] & 0xF0) == 0xE0 ? 3
              : (s[0] & 0xF8) == 0xF0 ? 4
                                      : 0;
    uint32_t c = len == 1 ? s[0] : len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 0x07u;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) { /* cut short (a NUL included) */
            len = 0;
            break;
        }
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (len == 0) {
        *p = s + 1;
        return S_RAW + s[0];
    }
    *p = s + len;
    return c;
}

/* c without its case: the capitals of the scripts a body's names are
 * written in, each to its small letter. */
static uint32_t s_fold(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 0x20;
    if (c < 0x80)
        return c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) /* Latin-1: À..Þ, not × */
        return c + 0x20;
    if (c == 0x130) /* İ */
        return 'i';
    if (c == 0x178) /* Ÿ */
        return 0xFF;
    if (c == 0x17F) /* long s */
        return 's';
    /* Latin Extended-A: capital and small in pairs, the capital even in
     * these ranges and odd in the others. */
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return c | 1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1u) ? c + 1 : c;
    if (c == 0x386) /* Greek capitals with tonos */
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 0x25;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 0x3F;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
        return c + 0x20;
    if (c == 0x3C2) /* final sigma */
        return 0x3C3;
    if (c >= 0x400 && c <= 0x40F) /* Cyrillic: Ѐ..Џ */
        return c + 0x50;
    if (c >= 0x410 && c <= 0x42F) /* А..Я */
        return c + 0x20;
    return c;
}

static int s_blank(uint32_t c)
{
    return c == ' ' || c == 0xA0;
}

/* The next code point as a reader compares it: folded, a run of blanks as
 * one space. */
static uint32_t s_next_folded(const unsigned char **p)
{
    uint32_t c = s_next(p);
    if (!s_blank(c))
        return s_fold(c);
    const unsigned char *q = *p;
    while (s_blank(s_next(&q)))
        *p = q;
    return ' ';
}

int iv_withheld_same(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)(a ? a : "");
    const unsigned char *q = (const unsigned char *)(b ? b : "");
    for (;;) {
        uint32_t x = s_next_folded(&p), y = s_next_folded(&q);
        if (x != y)
            return 0;
        if (x == 0)
            return 1;
    }
}

/* Whether text begins or ends with a blank (text not empty, UTF-8). */
static int s_blank_around(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;
    if (s_blank(s_next(&p)))
        return 1;
    /* The last code point: back over continuation bytes to its lead. */
    size_t i = len - 1;
    while (i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80)
        i--;
    p = (const unsigned char *)text + i;
    return s_blank(s_next(&p));
}

/* One name, on field.names[i] (member "names[i]"). */
static int s_name(const char *name, size_t i, const char *field, cd_fail_t *why)
{
    char member[32];
    snprintf(member, sizeof member, "names[%zu]", i);
    if (s_text(name, IV_WITHHELD_NAME_MAX, 0, 0, field, member, "the name", why) != 0)
        return -1;
    size_t n = strlen(name);
    if (n < IV_WITHHELD_NAME_MIN)
        return s_fail(why, CD_CODE_INVALID_ARGUMENT, field, member,
                      "a name must be at least %d bytes: a single letter would be found all"
                      " through the letter",
                      IV_WITHHELD_NAME_MIN);
    if (s_blank_around(name, n))
        return s_fail(why, CD_CODE_INVALID_ARGUMENT, field, member,
                      "the name begins or ends with a blank: give it without blanks around it");
    return 0;
}

int iv_withheld_check(const char *const *names, size_t n, const char *field, cd_fail_t *why)
{
    if (n > IV_WITHHELD_MAX)
        return s_fail(why, CD_CODE_TOO_MANY, field, "names",
                      "at most %d names may be withheld on a case; %zu were given", IV_WITHHELD_MAX,
                      n);
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i] ? names[i] : "";
        if (s_name(name, i, field, why) != 0)
            return -1;
        for (size_t j = 0; j < i; j++) {
            if (!iv_withheld_same(names[j], name))
                continue;
            char member[32], q[IV_MAX_ECHO + 4];
            snprintf(member, sizeof member, "names[%zu]", i);
            return s_fail(why, CD_CODE_INVALID_ARGUMENT, field, member,
                          "the name%s is given already, as names[%zu] (case and blanks aside):"
                          " give each name once",
                          s_echo(name, strlen(name), q), j);
        }
    }
    return 0;
}
