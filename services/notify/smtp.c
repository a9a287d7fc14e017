/* smtp.c - one letter by email through the SMTP relay (see smtp.h).
 *
 * libcurl speaks SMTP and builds the MIME message: a multipart/mixed with the
 * letter's text (quoted-printable, so long lines and non-ASCII survive any
 * relay) and its PDF (base64). We write only the headers, through the pure
 * functions below (unit-tested), and never the dialogue.
 *
 * What came of a transfer is told by libcurl's result, the relay's last reply
 * code and the last command it answered. libcurl reports the code but not the
 * command, so a debug callback watches the commands go out (only their verbs:
 * AUTH lines carry credentials) and the replies come in (the last one is the
 * detail the database keeps). */
#include <assert.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "candour/util.h"
#include "smtp.h"

#define S_TIMEOUT_MS 30000L
#define S_SUBJECT_MAX 900 /* bytes of subject text; its header stays within 998 a line */
#define S_HEADER_MAX 4096 /* one header line, encoded */
#define S_REPLY_MAX 200   /* the relay's last reply line, for the detail */

/* ---------------------------------------------------------------- helpers */

/* printf into out[outlen], truncated: for details, where a cut is harmless. */
static void s_say(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void s_say(char *out, size_t outlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
    if (n < 0)
        out[0] = '\0';
}

/* The detail goes into a text column: printable ASCII only, whatever a relay
 * or libcurl wrote. */
static void s_printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}

static int s_empty(const char *s)
{
    return !s || !*s;
}

/* One line of UTF-8 text: no CR, LF or other control character. */
static int s_line_ok(const char *s)
{
    return cd_text_ok(s, strlen(s), 0);
}

static int s_ascii_printable(const char *s)
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

/* A host name: labels of letters, digits and hyphens, separated by single
 * dots, at most 253 bytes. */
static int s_domain_ok(const char *d)
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
    return s_domain_ok(at + 1);
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
    if (!s_line_ok(text))
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
    char run[S_HEADER_MAX], piece[S_HEADER_MAX];
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
    if (!nt_smtp_address_ok(addr) || !s_line_ok(name))
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
    if (s_ascii_printable(name)) {
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
    if (n > S_SUBJECT_MAX || !s_line_ok(text))
        return -1;
    /* "=?" in plain text could be read as the start of an encoded-word. */
    if (!s_ascii_printable(text) || strstr(text, "=?"))
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
    if (!*letter_id || strlen(letter_id) > 64 || !s_domain_ok(domain))
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

/* ---------------------------------------------------------------- configuration */

int nt_smtp_config_check(const nt_smtp_config_t *cfg, char *err, size_t errlen)
{
    assert(cfg && err && errlen > 0);
    err[0] = '\0';
    if (s_empty(cfg->url) ||
        (strncasecmp(cfg->url, "smtp://", 7) != 0 && strncasecmp(cfg->url, "smtps://", 8) != 0))
        s_say(err, errlen, "the relay's URL must start smtp:// or smtps://");
    else if (!s_line_ok(cfg->url))
        s_say(err, errlen, "the relay's URL has a control character");
    else if (!nt_smtp_address_ok(cfg->from))
        s_say(err, errlen, "the sender's address is not one plain address");
    else if (cfg->from_name && !s_line_ok(cfg->from_name))
        s_say(err, errlen, "the sender's name is not one line of UTF-8 text");
    else if (s_empty(cfg->domain) || !s_domain_ok(cfg->domain))
        s_say(err, errlen, "the Message-ID domain is not a host name");
    else if (cfg->tls < NT_SMTP_TLS_NONE || cfg->tls > NT_SMTP_TLS_REQUIRE)
        s_say(err, errlen, "unknown TLS mode %d", (int)cfg->tls);
    else if (!s_empty(cfg->ca_file) && access(cfg->ca_file, R_OK) != 0)
        s_say(err, errlen, "the CA file %s cannot be read", cfg->ca_file);
    else if (s_empty(cfg->user) != s_empty(cfg->password))
        s_say(err, errlen, "a user without a password, or a password without a user");
    else if (cfg->timeout_ms < 0)
        s_say(err, errlen, "a negative timeout");
    return err[0] ? -1 : 0;
}

/* ---------------------------------------------------------------- sending */

int nt_smtp_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void nt_smtp_global_cleanup(void)
{
    curl_global_cleanup();
}

/* What the debug callback saw of one transfer. */
typedef struct {
    nt_smtp_stage_t stage;   /* the last command sent */
    int quit;                /* QUIT sent: what follows says nothing of the letter */
    char reply[S_REPLY_MAX]; /* the last reply line received, without CRLF */
} s_trace_t;

static int s_starts(const char *data, size_t size, const char *verb)
{
    size_t n = strlen(verb);
    return size >= n && strncasecmp(data, verb, n) == 0;
}

/* libcurl closes a connection with QUIT, after a failure within
 * curl_easy_perform (through an internal handle that keeps our callback),
 * after a success in curl_easy_cleanup: its "221 Bye" is not the reply that
 * decided the letter. */
static int s_on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)c;
    s_trace_t *t = arg;
    if (type == CURLINFO_HEADER_OUT) {
        /* Base64 lines of an AUTH exchange have no blank or colon, so they
         * cannot pass for "MAIL FROM:"; they are never copied. */
        if (s_starts(data, size, "EHLO ") || s_starts(data, size, "HELO "))
            t->stage = NT_SMTP_AT_HELLO;
        else if (s_starts(data, size, "STARTTLS"))
            t->stage = NT_SMTP_AT_STARTTLS;
        else if (s_starts(data, size, "AUTH "))
            t->stage = NT_SMTP_AT_AUTH;
        else if (s_starts(data, size, "MAIL FROM:"))
            t->stage = NT_SMTP_AT_MAIL;
        else if (s_starts(data, size, "RCPT TO:"))
            t->stage = NT_SMTP_AT_RCPT;
        else if (t->stage == NT_SMTP_AT_RCPT && s_starts(data, size, "DATA"))
            t->stage = NT_SMTP_AT_DATA;
        else if (s_starts(data, size, "QUIT"))
            t->quit = 1;
    } else if (type == CURLINFO_HEADER_IN && !t->quit) {
        size_t n = size < sizeof t->reply - 1 ? size : sizeof t->reply - 1;
        while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
            n--;
        memcpy(t->reply, data, n);
        t->reply[n] = '\0';
        /* 354: go ahead. What the relay says next is about the message. */
        if (t->stage == NT_SMTP_AT_DATA && s_starts(data, size, "354"))
            t->stage = NT_SMTP_AT_END;
    }
    return 0;
}

/* UTF-8 text, newlines and tabs but no other control character; a CR only
 * as part of a CRLF. */
static int s_body_ok(const char *body)
{
    const char *p = body, *cr;
    while ((cr = strchr(p, '\r')) != NULL) {
        if (cr[1] != '\n' || !cd_text_ok(p, (size_t)(cr - p), 1))
            return 0;
        p = cr + 1;
    }
    return cd_text_ok(p, strlen(p), 1);
}

/* The headers of msg as "Name: value" lines, appended to *list. 0, or -1
 * with res REFUSED and its detail saying which part we will not send. */
static int s_headers(const nt_smtp_config_t *cfg, const nt_smtp_message_t *msg,
                     struct curl_slist **list, nt_smtp_result_t *res)
{
    const char *why = NULL;
    if (!nt_smtp_address_ok(msg->to))
        why = "the recipient's address is not one plain address";
    else if (msg->to_name && !s_line_ok(msg->to_name))
        why = "the recipient's name has a line break or control character, or is not UTF-8";
    else if (!s_line_ok(msg->subject))
        why = "the subject has a line break or control character, or is not UTF-8";
    else if (!nt_smtp_address_ok(cfg->from))
        why = "the sender's address is not one plain address";
    else if (cfg->from_name && !s_line_ok(cfg->from_name))
        why = "the sender's name has a line break or control character, or is not UTF-8";
    else if (!s_body_ok(msg->body))
        why = "the body has a control character (other than newline and tab) or is not UTF-8";
    else if (msg->attachment_name &&
             (!*msg->attachment_name || !s_ascii_printable(msg->attachment_name)))
        why = "the attachment's name is not printable ASCII";
    if (why) {
        res->outcome = NT_SMTP_REFUSED;
        s_say(res->detail, sizeof res->detail, "not sent: %s", why);
        return -1;
    }

    char date[NT_SMTP_DATE_MAX];
    nt_smtp_date(time(NULL), date);
    struct {
        const char *name;
        int rc; /* from building value */
        char value[S_HEADER_MAX];
    } h[] = {{.name = "From"}, {.name = "To"},         {.name = "Subject"},
             {.name = "Date"}, {.name = "Message-ID"}, {.name = "MIME-Version"}};
    h[0].rc = nt_smtp_mailbox(cfg->from_name, cfg->from, h[0].value, sizeof h[0].value);
    h[1].rc = nt_smtp_mailbox(msg->to_name, msg->to, h[1].value, sizeof h[1].value);
    h[2].rc = nt_smtp_subject(msg->subject, h[2].value, sizeof h[2].value);
    snprintf(h[3].value, sizeof h[3].value, "%s", date);
    h[4].rc = nt_smtp_message_id(msg->letter_id, cfg->domain, h[4].value, sizeof h[4].value);
    snprintf(h[5].value, sizeof h[5].value, "1.0");
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        if (h[i].rc != 0) {
            res->outcome = NT_SMTP_REFUSED;
            s_say(res->detail, sizeof res->detail, "not sent: the %s header cannot be written%s",
                  h[i].name, i == 2 ? " (the subject is too long)" : "");
            return -1;
        }
        char line[S_HEADER_MAX + 16];
        snprintf(line, sizeof line, "%s: %s", h[i].name, h[i].value);
        struct curl_slist *l = curl_slist_append(*list, line);
        if (!l)
            goto oom;
        *list = l;
    }
    return 0;
oom:
    res->outcome = NT_SMTP_RETRY;
    s_say(res->detail, sizeof res->detail, "not sent: out of memory");
    return -1;
}

/* body with every line ending CRLF, malloc'd (NULL: out of memory). The
 * quoted-printable encoder takes CRLF as a line break and would otherwise
 * encode a lone LF as =0A, turning the letter into one long line. */
static char *s_crlf(const char *body)
{
    size_t n = strlen(body), lf = 0;
    for (size_t i = 0; i < n; i++)
        lf += body[i] == '\n';
    char *out = malloc(n + lf + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
            out[o++] = '\r';
        out[o++] = body[i];
    }
    out[o] = '\0';
    return out;
}

/* The message's two parts on mime: 0 or a CURLcode. */
static CURLcode s_parts(curl_mime *mime, const char *body, const nt_smtp_message_t *msg)
{
    curl_mimepart *text = curl_mime_addpart(mime);
    if (!text)
        return CURLE_OUT_OF_MEMORY;
    CURLcode rc = curl_mime_data(text, body, CURL_ZERO_TERMINATED);
    if (!rc)
        rc = curl_mime_type(text, "text/plain; charset=UTF-8");
    if (!rc)
        rc = curl_mime_encoder(text, "quoted-printable");
    if (rc || !msg->attachment)
        return rc;
    curl_mimepart *pdf = curl_mime_addpart(mime);
    if (!pdf)
        return CURLE_OUT_OF_MEMORY;
    rc = curl_mime_filedata(pdf, msg->attachment); /* CURLE_READ_ERROR: cannot be read */
    if (!rc && msg->attachment_name)
        rc = curl_mime_filename(pdf, msg->attachment_name);
    if (!rc)
        rc = curl_mime_type(pdf, "application/pdf");
    if (!rc)
        rc = curl_mime_encoder(pdf, "base64");
    return rc;
}

/* The words for a transfer that did not end in SENT. */
static void s_explain(nt_smtp_result_t *res, CURLcode rc, const char *errbuf, const s_trace_t *t)
{
    const char *what = *errbuf ? errbuf : curl_easy_strerror(rc);
    const char *why = "";
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        why = "the relay's TLS certificate is not trusted (check the CA file and the host "
              "name): ";
        break;
    case CURLE_USE_SSL_FAILED:
        why = "the relay did not agree to STARTTLS, which is required: ";
        break;
    case CURLE_LOGIN_DENIED:
        why = "the relay refused our login (check the SMTP user and password): ";
        break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        why = "the relay could not be reached: ";
        break;
    case CURLE_OPERATION_TIMEDOUT:
        why = "the relay did not answer in time: ";
        break;
    default:
        break;
    }
    if (t->reply[0] && res->code)
        s_say(res->detail, sizeof res->detail, "%s%s; the relay said: %s", why, what, t->reply);
    else
        s_say(res->detail, sizeof res->detail, "%s%s", why, what);
}

void nt_smtp_send(const nt_smtp_config_t *cfg, const nt_smtp_message_t *msg, nt_smtp_result_t *res)
{
    assert(cfg && msg && res);
    assert(cfg->url && cfg->from && cfg->domain);
    assert(msg->letter_id && msg->to && msg->subject && msg->body);
    *res = (nt_smtp_result_t){.outcome = NT_SMTP_RETRY};

    struct curl_slist *headers = NULL, *rcpt = NULL;
    curl_mime *mime = NULL;
    CURL *c = NULL;
    char *body = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    char from[NT_SMTP_ADDRESS_MAX + 3], to[NT_SMTP_ADDRESS_MAX + 3];
    s_trace_t trace = {.stage = NT_SMTP_AT_CONNECT};

    if (s_headers(cfg, msg, &headers, res) != 0)
        goto done;
    snprintf(from, sizeof from, "<%s>", cfg->from);
    snprintf(to, sizeof to, "<%s>", msg->to);
    body = s_crlf(msg->body);
    rcpt = curl_slist_append(NULL, to);
    c = curl_easy_init();
    mime = c ? curl_mime_init(c) : NULL;
    if (!body || !rcpt || !mime) {
        s_say(res->detail, sizeof res->detail, "not sent: out of memory");
        goto done;
    }
    CURLcode rc = s_parts(mime, body, msg);
    if (rc == CURLE_READ_ERROR) {
        /* The spool's PDF, not the letter: another try may find it. */
        s_say(res->detail, sizeof res->detail, "not sent: the attachment %s cannot be read",
              msg->attachment);
        goto done;
    }

    long timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : S_TIMEOUT_MS;
    long ssl = cfg->tls == NT_SMTP_TLS_REQUIRE ? (long)CURLUSESSL_ALL
               : cfg->tls == NT_SMTP_TLS_TRY   ? (long)CURLUSESSL_TRY
                                               : (long)CURLUSESSL_NONE;
    /* Each option in turn while all is well: rc holds the first failure. */
#define S_SET(opt, val)                                                                            \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(c, opt, val);                                                    \
    } while (0)
    S_SET(CURLOPT_URL, cfg->url);
    S_SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps"); /* a mistyped URL reaches nothing else */
    S_SET(CURLOPT_NOSIGNAL, 1L);                /* threads: no SIGALRM for timeouts */
    S_SET(CURLOPT_TIMEOUT_MS, timeout);
    S_SET(CURLOPT_ERRORBUFFER, errbuf);
    S_SET(CURLOPT_USE_SSL, ssl);
    if (!s_empty(cfg->ca_file))
        S_SET(CURLOPT_CAINFO, cfg->ca_file);
    if (!s_empty(cfg->user)) {
        S_SET(CURLOPT_USERNAME, cfg->user);
        S_SET(CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
    S_SET(CURLOPT_MAIL_FROM, from);
    S_SET(CURLOPT_MAIL_RCPT, rcpt);
    S_SET(CURLOPT_HTTPHEADER, headers); /* for SMTP: the message's own headers */
    S_SET(CURLOPT_MIMEPOST, mime);
    /* The trace needs the debug callback, which needs VERBOSE; the callback
     * replaces libcurl's printing to stderr, so nothing is printed. */
    S_SET(CURLOPT_DEBUGFUNCTION, s_on_debug);
    S_SET(CURLOPT_DEBUGDATA, &trace);
    S_SET(CURLOPT_VERBOSE, 1L);
#undef S_SET
    if (rc != CURLE_OK) {
        /* libcurl without SMTP or TLS, or out of memory: nothing to do with
         * the letter. */
        s_say(res->detail, sizeof res->detail, "not sent: libcurl: %s", curl_easy_strerror(rc));
        goto done;
    }

    rc = curl_easy_perform(c);
    long code = 0;
    if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
        code = 0;
    res->code = code;
    res->outcome = nt_smtp_classify(rc, code, trace.stage);
    if (rc == CURLE_OK)
        s_say(res->detail, sizeof res->detail, "accepted; the relay said: %s", trace.reply);
    else
        s_explain(res, rc, errbuf, &trace);

done:
    /* The handle first: it uses the MIME tree and lists until it is gone
     * (its cleanup may still send QUIT, seen by the trace on our stack). */
    curl_easy_cleanup(c);
    curl_mime_free(mime);
    curl_slist_free_all(headers);
    curl_slist_free_all(rcpt);
    free(body);
    s_printable(res->detail);
}
