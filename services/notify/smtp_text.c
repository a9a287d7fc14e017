/* smtp_text.c - the pure parts of an email (smtp.h): whether an address
 * is one we send to, a display name or subject as header text (RFC 2047
 * encoded-words where it is not plain ASCII), the Message-ID, the date, and
 * what a transfer came to. No sockets, no libcurl calls: smtp.c builds and
 * sends the message with these, and tests/unit/test_notify_smtp_mime.c
 * states their rules. */
#include <assert.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "candour/util.h"
#include "smtp.h"

#define S_SUBJECT_MAX 900 /* bytes of subject text; its header stays within 998 a line */

/* ---------------------------------------------------------------- helpers */

int nt_smtp_line_ok(const char *s)
{
    return cd_text_ok(s, strlen(s), 0);
}

int nt_smtp_ascii_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static int s_is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int nt_smtp_host_ok(const char *d)
{
    size_t len = strlen(d), label = 0;
    if (len == 0 || len > 253)
        return 0;
    for (const char *p = d; *p; p++) {
        if (*p == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if (s_is_alnum(*p) || *p == '-') {
            if (++label > 63)
                return 0;
        } else
            return 0;
    }
    return label > 0;
}

/* ---------------------------------------------------------------- pure parts */

int nt_smtp_address_ok(const char *addr)
{
    if (!addr)
        return 0;
    size_t len = strlen(addr);
    const char *at = strchr(addr, '@');
    if (len > NT_SMTP_ADDRESS_MAX || !at || strchr(at + 1, '@'))
        return 0;
    size_t local = (size_t)(at - addr);
    if (local == 0 || local > 64)
        return 0;
    /* RFC 5322's atext and dots: what a plain address's local part holds.
     * Quoted local parts are legal and never seen; refusing them keeps a
     * quote or blank from reaching the envelope. */
    for (const char *p = addr; p < at; p++)
        if (!s_is_alnum(*p) && !strchr(".!#$%&'*+-/=?^_`{|}~", *p))
            return 0;
    return nt_smtp_host_ok(at + 1);
}

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* n bytes of p as base64 at out (room for 4 * ceil(n / 3) + 1 assumed). */
static size_t s_base64(const unsigned char *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = s_b64[(v >> 18) & 63];
        out[o++] = s_b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? s_b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? s_b64[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

/* The length of the UTF-8 sequence led by c (the text is already checked). */
static size_t s_utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* RFC 2047 holds an encoded-word to 75 characters and a line holding one
 * to 76. 36 bytes of text a word (cut between characters, never inside
 * one) make "=?UTF-8?B?" + 48 base64 characters + "?=", 60 in all, so a
 * first line with its header's name ("Subject: ") stays within 76. */
#define S_WORD_BYTES 36
#define S_NAME_MAX 9 /* the longest header name before an encoded-word: "Subject: " */

int nt_smtp_encode_words(const char *text, char *out, size_t outlen)
{
    assert(text && out && outlen > 0);
    out[0] = '\0';
    if (!nt_smtp_line_ok(text))
        return -1;
    const unsigned char *p = (const unsigned char *)text;
    size_t n = strlen(text), i = 0, o = 0;
    while (i < n) {
        size_t take = 0;
        while (i + take < n) {
            size_t step = s_utf8_len(p[i + take]);
            if (take + step > S_WORD_BYTES)
                break;
            take += step;
        }
        /* the separator, the word's frame, its base64 and the terminator */
        size_t need = (o ? 3 : 0) + 12 + 4 * ((take + 2) / 3) + 1;
        if (o + need > outlen) {
            out[0] = '\0';
            return -1;
        }
        if (o) {
            memcpy(out + o, "\r\n ", 3);
            o += 3;
        }
        memcpy(out + o, "=?UTF-8?B?", 10);
        o += 10;
        o += s_base64(p + i, take, out + o);
        memcpy(out + o, "?=", 3);
        o += 2;
        i += take;
    }
    return 0;
}

/* RFC 5322's atext: a word that may stand in a phrase as it is. */
static int s_atext_word(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s_is_alnum(w[i]) && !strchr("!#$%&'*+-/=?^_`{|}~", w[i]))
            return 0;
    return n > 0 && !(n >= 2 && memmem(w, n, "=?", 2));
}

/* A display name with non-ASCII in it as a phrase: words of atext as they
 * are, each run of other words (with the blanks between them) as
 * encoded-words, lines folded within 76. *col: in, the column the phrase
 * starts at; out, the column it ends at. Encoding only the runs that need it
 * keeps the name readable, and keeps apart the words that parsers disagree on
 * joining: RFC 2047 drops the blank between two encoded-words, Python's
 * address parser keeps it. 0, or -1 (out too small; out then ""). */
static int s_phrase(const char *name, char *out, size_t outlen, size_t *col)
{
    char run[NT_SMTP_HEADER_MAX], piece[NT_SMTP_HEADER_MAX];
    size_t o = 0;
    const char *p = name;
    out[0] = '\0';
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " ");
        if (s_atext_word(p, n)) {
            if (n >= sizeof piece)
                goto full;
            memcpy(piece, p, n);
            piece[n] = '\0';
            p += n;
        } else {
            /* this word and the next ones that need encoding too */
            const char *end = p + n;
            for (;;) {
                const char *q = end;
                while (*q == ' ')
                    q++;
                size_t m = strcspn(q, " ");
                if (!*q || s_atext_word(q, m))
                    break;
                end = q + m;
            }
            if ((size_t)(end - p) >= sizeof run)
                goto full;
            memcpy(run, p, (size_t)(end - p));
            run[end - p] = '\0';
            if (nt_smtp_encode_words(run, piece, sizeof piece) != 0)
                goto full;
            p = end;
        }
        const char *fold = strstr(piece, "\r\n");
        size_t first = fold ? (size_t)(fold - piece) : strlen(piece);
        const char *sep = "";
        if (o > 0) {
            sep = *col + 1 + first > 76 ? "\r\n " : " ";
            *col = sep[0] == ' ' ? *col + 1 : 1;
        }
        int w = snprintf(out + o, outlen - o, "%s%s", sep, piece);
        if (w < 0 || (size_t)w >= outlen - o)
            goto full;
        o += (size_t)w;
        const char *last = piece;
        for (const char *f; (f = strstr(last, "\r\n ")) != NULL;)
            last = f + 2;
        *col = last == piece ? *col + strlen(piece) : strlen(last);
    }
    return 0;
full:
    out[0] = '\0';
    return -1;
}

int nt_smtp_mailbox(const char *name, const char *addr, char *out, size_t outlen)
{
    assert(addr && out && outlen > 0);
    out[0] = '\0';
    if (!name)
        name = "";
    if (!nt_smtp_address_ok(addr) || !nt_smtp_line_ok(name))
        return -1;
    if (!*name) {
        int n = snprintf(out, outlen, "<%s>", addr);
        if (n < 0 || (size_t)n >= outlen) {
            out[0] = '\0';
            return -1;
        }
        return 0;
    }
    size_t o = 0;
    const char *sep = " ";
    if (nt_smtp_ascii_ok(name)) {
        /* A quoted string takes commas, dots and parentheses as they are
         * ("Patel, Anita (Mrs)"), which a bare phrase would not. */
        if (outlen < 3)
            return -1;
        out[o++] = '"';
        for (const char *s = name; *s; s++) {
            if (o + 4 >= outlen) {
                out[0] = '\0';
                return -1;
            }
            if (*s == '"' || *s == '\\')
                out[o++] = '\\';
            out[o++] = *s;
        }
        out[o++] = '"';
        out[o] = '\0';
    } else {
        size_t col = S_NAME_MAX;
        if (s_phrase(name, out, outlen, &col) != 0)
            return -1;
        o = strlen(out);
        /* The address on a line of its own where it would take the line
         * past 76. */
        if (col + 3 + strlen(addr) > 76)
            sep = "\r\n ";
    }
    int n = snprintf(out + o, outlen - o, "%s<%s>", sep, addr);
    if (n < 0 || (size_t)n >= outlen - o) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int nt_smtp_subject(const char *text, char *out, size_t outlen)
{
    assert(text && out && outlen > 0);
    out[0] = '\0';
    size_t n = strlen(text);
    if (n > S_SUBJECT_MAX || !nt_smtp_line_ok(text))
        return -1;
    /* "=?" in plain text could be read as the start of an encoded-word. */
    if (!nt_smtp_ascii_ok(text) || strstr(text, "=?"))
        return nt_smtp_encode_words(text, out, outlen);
    /* Fold before a blank where the line ("Subject: " then the text) would
     * pass 78 characters; a word longer than a line stays whole. Unfolding
     * (removing the CRLFs) gives the text back exactly. */
    size_t o = 0, col = 9;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == ' ' && i > 0) {
            size_t w = 1;
            while (i + w < n && text[i + w] != ' ')
                w++;
            if (col + w > 78 && col > 1) {
                if (o + 2 >= outlen)
                    goto full;
                out[o++] = '\r';
                out[o++] = '\n';
                col = 0;
            }
        }
        if (o + 1 >= outlen)
            goto full;
        out[o++] = text[i];
        col++;
    }
    out[o] = '\0';
    return 0;
full:
    out[0] = '\0';
    return -1;
}

int nt_smtp_message_id(const char *letter_id, const char *domain, char *out, size_t outlen)
{
    assert(letter_id && domain && out && outlen > 0);
    out[0] = '\0';
    if (!*letter_id || strlen(letter_id) > 64 || !nt_smtp_host_ok(domain))
        return -1;
    for (const char *p = letter_id; *p; p++)
        if (!s_is_alnum(*p) && *p != '-')
            return -1;
    int n = snprintf(out, outlen, "<%s@%s>", letter_id, domain);
    if (n < 0 || (size_t)n >= outlen) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

void nt_smtp_date(time_t t, char out[NT_SMTP_DATE_MAX])
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1000 || tm.tm_year + 1900 > 9999) {
        t = 0; /* outside four-digit years: no letter is dated there */
        gmtime_r(&t, &tm);
    }
    snprintf(out, NT_SMTP_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

nt_smtp_outcome_t nt_smtp_classify(int curl_code, long reply, nt_smtp_stage_t stage)
{
    if (curl_code == CURLE_OK)
        return NT_SMTP_SENT;
    if (reply >= 500 && reply <= 599) {
        switch (stage) {
        case NT_SMTP_AT_RCPT:
        case NT_SMTP_AT_DATA:
        case NT_SMTP_AT_END:
            return NT_SMTP_REFUSED;
        case NT_SMTP_AT_MAIL:
            return reply == 552 ? NT_SMTP_REFUSED : NT_SMTP_RETRY;
        default:
            return NT_SMTP_RETRY;
        }
    }
    return NT_SMTP_RETRY;
}
