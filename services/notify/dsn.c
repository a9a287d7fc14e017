/* dsn.c - what a bounce says about one of our letters (bounce.h). Pure.
 *
 * A bounce is a delivery status notification (RFC 3464) the relay or the
 * recipient's server sends back to our address: a multipart/report whose
 * message/delivery-status part holds "Action:" and "Status:" fields per
 * recipient, and which returns the original's headers, with the
 * Message-ID we gave it: <letter-id@domain>. Only the parts that matter are
 * read, line by line, whatever the MIME structure around them; the
 * message's own headers (before the first blank line) are skipped, so its
 * own Message-ID is never taken for ours. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "candour/util.h"

/* The line at p (up to end), without its CR LF; *next is the line after. */
static size_t s_line(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (e > p && e[-1] == '\r')
        e--;
    return (size_t)(e - p);
}

/* The value of field `name` when line (len bytes) is that field, trimmed,
 * as a pointer into line with its length; NULL otherwise. */
static const char *s_field(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return NULL;
    const char *v = line + n + 1, *e = line + len;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *vlen = (size_t)(e - v);
    return v;
}

/* The first "<uuid@domain>" in line, copied (lower case) to id. */
static int s_find_id(const char *line, size_t len, const char *domain, char id[37])
{
    size_t dl = strlen(domain);
    for (const char *p = line; p + 1 + 36 + 1 + dl + 1 <= line + len; p++) {
        if (*p != '<' || !cd_uuid_at(p + 1) || p[37] != '@' ||
            strncasecmp(p + 38, domain, dl) != 0 || p[38 + dl] != '>')
            continue;
        for (int i = 0; i < 36; i++)
            id[i] = (char)tolower((unsigned char)p[1 + i]);
        id[36] = '\0';
        return 1;
    }
    return 0;
}

/* value (vlen bytes) into out as printable ASCII, others as '?'. */
static void s_copy(char *out, size_t n, const char *value, size_t vlen)
{
    size_t i = 0;
    for (; i < vlen && i + 1 < n; i++)
        out[i] = value[i] >= 0x20 && value[i] < 0x7f ? value[i] : '?';
    out[i] = '\0';
}

int nt_dsn_parse(const char *text, size_t len, const char *domain, nt_bounce_t *b, char *why,
                 size_t n)
{
    memset(b, 0, sizeof *b);
    why[0] = '\0';
    if (!domain || !domain[0] || strlen(domain) > 253) {
        snprintf(why, n, "no mail domain to know our letters by");
        return -1;
    }
    const char *p = text, *end = text + len, *next;
    /* The bounce's own headers. */
    while (p < end && s_line(p, end, &next) > 0)
        p = next;
    if (p >= end) {
        snprintf(why, n, "no body: not a delivery status notification");
        return -1;
    }
    int failed = 0, delayed = 0, delivered = 0, fields = 0;
    for (; p < end; p = next) {
        size_t l = s_line(p, end, &next), vl;
        const char *v;
        if ((v = s_field(p, l, "Action", &vl))) {
            fields++;
            failed |= vl == 6 && strncasecmp(v, "failed", 6) == 0;
            delayed |= vl == 7 && strncasecmp(v, "delayed", 7) == 0;
            delivered |= (vl == 9 && strncasecmp(v, "delivered", 9) == 0) ||
                         (vl == 7 && strncasecmp(v, "relayed", 7) == 0) ||
                         (vl == 8 && strncasecmp(v, "expanded", 8) == 0);
        } else if ((v = s_field(p, l, "Status", &vl))) {
            fields++;
            if (vl >= 5 && (v[0] == '2' || v[0] == '4' || v[0] == '5') && v[1] == '.') {
                if (!b->status[0])
                    s_copy(b->status, sizeof b->status, v, vl);
                failed |= v[0] == '5';
                delayed |= v[0] == '4';
            }
        } else if ((v = s_field(p, l, "Diagnostic-Code", &vl))) {
            if (!b->diagnostic[0])
                s_copy(b->diagnostic, sizeof b->diagnostic, v, vl);
        }
        if (!b->letter_id[0])
            s_find_id(p, l, domain, b->letter_id);
    }
    if (!fields) {
        snprintf(why, n, "no Action or Status field: not a delivery status notification");
        return -1;
    }
    if (!b->letter_id[0]) {
        snprintf(why, n, "no Message-ID of one of our letters in it");
        return -1;
    }
    if (!failed && !delayed) {
        snprintf(why, n, "%s",
                 delivered ? "a notice of delivery, not a bounce"
                           : "neither a failure nor a delay");
        return -1;
    }
    b->permanent = failed;
    return 0;
}
