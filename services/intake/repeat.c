/* repeat.c - the same complainant and the 12 months before (repeat.h). */
#include "repeat.h"

#include <string.h>

#include "candour/calendar.h"

#define S_KEY 512

static int s_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

void in_email_key(const char *email, char *out, size_t len)
{
    const char *s = email ? email : "", *e = s + strlen(s);
    while (s < e && s_space((unsigned char)*s))
        s++;
    while (e > s && s_space((unsigned char)e[-1]))
        e--;
    size_t n = 0;
    for (; s < e && n + 1 < len; s++) {
        unsigned char c = (unsigned char)*s;
        out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[n] = 0;
}

/* Letters and digits alone (bytes of other scripts kept as they are),
 * A-Z folded to `upper` or lower case. */
static void s_alnum_key(const char *text, int upper, char *out, size_t len)
{
    size_t n = 0;
    for (const char *s = text ? text : ""; *s && n + 1 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            out[n++] = (char)(upper ? c : c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z')
            out[n++] = (char)(upper ? c - 'a' + 'A' : c);
        else if ((c >= '0' && c <= '9') || c >= 0x80)
            out[n++] = (char)c;
    }
    out[n] = 0;
}

void in_name_key(const char *name, char *out, size_t len)
{
    s_alnum_key(name, 0, out, len);
}

void in_postcode_key(const char *postcode, char *out, size_t len)
{
    s_alnum_key(postcode, 1, out, len);
}

int in_same_complainant(const Candour__V1__Person *a, const Candour__V1__Person *b)
{
    if (!a || !b)
        return 0;
    char ka[S_KEY], kb[S_KEY];
    in_email_key(a->email, ka, sizeof ka);
    in_email_key(b->email, kb, sizeof kb);
    if (ka[0] && strcmp(ka, kb) == 0)
        return 1;
    char pa[S_KEY], pb[S_KEY];
    in_postcode_key(a->postcode, pa, sizeof pa);
    in_postcode_key(b->postcode, pb, sizeof pb);
    if (!pa[0] || strcmp(pa, pb) != 0)
        return 0;
    in_name_key(a->name, ka, sizeof ka);
    in_name_key(b->name, kb, sizeof kb);
    return ka[0] && strcmp(ka, kb) == 0;
}

int in_repeat_window(int64_t earlier_us, int64_t later_us)
{
    if (earlier_us >= later_us)
        return 0;
    cd_date_t from = cd_date_from_unix_london(later_us / 1000000);
    from.y -= 1;
    if (from.m == 2 && from.d == 29)
        from.d = 28;
    return cd_date_cmp(cd_date_from_unix_london(earlier_us / 1000000), from) >= 0;
}
