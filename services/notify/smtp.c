/* smtp.c - one letter by email through the SMTP relay (see smtp.h).
 *
 * libcurl speaks SMTP and builds the MIME message: a multipart/mixed with the
 * letter's text (quoted-printable, so long lines and non-ASCII survive any
 * relay) and its PDF (base64). We write only the headers, through the pure
 * functions of smtp_text.c (unit-tested), and never the dialogue.
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
#define S_REPLY_MAX 200 /* the relay's last reply line, for the detail */

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

/* ---------------------------------------------------------------- configuration */

int nt_smtp_config_check(const nt_smtp_config_t *cfg, char *err, size_t errlen)
{
    assert(cfg && err && errlen > 0);
    err[0] = '\0';
    if (s_empty(cfg->url) ||
        (strncasecmp(cfg->url, "smtp://", 7) != 0 && strncasecmp(cfg->url, "smtps://", 8) != 0))
        s_say(err, errlen, "the relay's URL must start smtp:// or smtps://");
    else if (!nt_smtp_line_ok(cfg->url))
        s_say(err, errlen, "the relay's URL has a control character");
    else if (!nt_smtp_address_ok(cfg->from))
        s_say(err, errlen, "the sender's address is not one plain address");
    else if (cfg->from_name && !nt_smtp_line_ok(cfg->from_name))
        s_say(err, errlen, "the sender's name is not one line of UTF-8 text");
    else if (s_empty(cfg->domain) || !nt_smtp_host_ok(cfg->domain))
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
    else if (msg->to_name && !nt_smtp_line_ok(msg->to_name))
        why = "the recipient's name has a line break or control character, or is not UTF-8";
    else if (!nt_smtp_line_ok(msg->subject))
        why = "the subject has a line break or control character, or is not UTF-8";
    else if (!nt_smtp_address_ok(cfg->from))
        why = "the sender's address is not one plain address";
    else if (cfg->from_name && !nt_smtp_line_ok(cfg->from_name))
        why = "the sender's name has a line break or control character, or is not UTF-8";
    else if (!s_body_ok(msg->body))
        why = "the body has a control character (other than newline and tab) or is not UTF-8";
    else if (msg->attachment_name &&
             (!*msg->attachment_name || !nt_smtp_ascii_ok(msg->attachment_name)))
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
        char value[NT_SMTP_HEADER_MAX];
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
        char line[NT_SMTP_HEADER_MAX + 16];
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
