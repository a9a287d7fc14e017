/* smtp.h - one letter by email: a MIME message handed to the SMTP relay.
 *
 *   smtp.c       the message (headers, a text part, the PDF attached) built
 *                with libcurl's MIME API and sent with its SMTP support, one
 *                easy handle per call; the relay's configuration checked
 *   smtp_text.c  the pure parts: addresses, header text (RFC 2047), the
 *                Message-ID and date, and what a transfer came to (sent, try
 *                again, or refused for good)
 *
 * The letter id is the Message-ID's left-hand side, so a letter sent again
 * after a crash is recognisable as a resend of the same letter.
 *
 * The headers are built by the pure functions at the end (unit-tested):
 * nothing from a letter reaches a header without being checked for line
 * breaks and control characters, and non-ASCII display names and subjects
 * go as RFC 2047 encoded-words. */
#ifndef NOTIFY_SMTP_H
#define NOTIFY_SMTP_H

#include <stddef.h>
#include <time.h>

typedef enum {
    NT_SMTP_TLS_NONE = 0,    /* plain SMTP (smtps:// URLs are TLS regardless) */
    NT_SMTP_TLS_TRY = 1,     /* STARTTLS when the relay offers it */
    NT_SMTP_TLS_REQUIRE = 2, /* STARTTLS or nothing: no letter goes in clear */
} nt_smtp_tls_t;

/* The relay and who we are to it (configuration: lives as long as the
 * process; read by many threads at once, never written). */
typedef struct {
    const char *url;       /* "smtp://host:port" (STARTTLS per tls) or "smtps://host:port" */
    const char *user;      /* "" or NULL: no AUTH */
    const char *password;  /* with user */
    const char *from;      /* envelope sender and From: address, e.g. complaints@example.nhs.uk */
    const char *from_name; /* display name for From:, may be "" or NULL */
    nt_smtp_tls_t tls;     /* STARTTLS on smtp:// URLs */
    const char *ca_file;   /* "" or NULL: the system's CAs */
    const char *domain;    /* right-hand side of Message-ID, e.g. "candour.local" */
    long timeout_ms;       /* the whole transfer; 0 = 30000 */
} nt_smtp_config_t;

/* One email. Every string is the caller's, read during the call only. */
typedef struct {
    const char *letter_id;       /* uuid: Message-ID is <letter_id@domain> */
    const char *to;              /* the recipient's address */
    const char *to_name;         /* display name, may be "" or NULL */
    const char *subject;         /* one line, UTF-8 */
    const char *body;            /* text/plain, UTF-8, lines ending in \n (or \r\n) */
    const char *attachment;      /* path of a PDF to attach, or NULL */
    const char *attachment_name; /* the name the reader sees (printable ASCII); NULL: the path's */
} nt_smtp_message_t;

typedef enum {
    NT_SMTP_SENT = 0,    /* the relay accepted it */
    NT_SMTP_RETRY = 1,   /* not now: relay down, timeout, 4xx, or our configuration (TLS, login) */
    NT_SMTP_REFUSED = 2, /* never: 5xx for this recipient or message, or one we will not send */
} nt_smtp_outcome_t;

#define NT_SMTP_DETAIL_MAX 256

typedef struct {
    nt_smtp_outcome_t outcome; /* what came of it */
    long code;                 /* the relay's last reply code, 0 if none */
    /* plain words, printable ASCII: the relay's reply or libcurl's error.
     * May hold the address: kept in the database, never logged. */
    char detail[NT_SMTP_DETAIL_MAX];
} nt_smtp_result_t;

/* curl_global_init, once, at start-up, before any thread: 0 or -1. */
int nt_smtp_global_init(void);
/* curl_global_cleanup, once, after the last send has returned. */
void nt_smtp_global_cleanup(void);

/* Start-up check of a configuration, so a daemon refuses to start rather
 * than fail every letter: url smtp:// or smtps://, from a plain address,
 * from_name one line, domain a host name, ca_file readable when set,
 * user and password both or neither. 0, or -1 with err saying what. */
int nt_smtp_config_check(const nt_smtp_config_t *cfg, char *err, size_t errlen);

/* Send msg through cfg's relay and say what came of it in *res. Blocking
 * (up to cfg->timeout_ms); thread-safe: one easy handle per call, no
 * signals, so it runs on libuv's thread pool. A message with a line break
 * or control character in a header, an address that is not one plain
 * address, or a body that is not UTF-8 text is REFUSED without a
 * connection. Hazard: with user set and tls NONE on smtp://, the password
 * crosses the network in clear. */
void nt_smtp_send(const nt_smtp_config_t *cfg, const nt_smtp_message_t *msg, nt_smtp_result_t *res);

/* ---------------------------------------------------------------- pure parts */

#define NT_SMTP_ADDRESS_MAX 254 /* RFC 5321's limit on a path, less its brackets */

/* Non-zero when addr is one plain address we will send to: local@domain,
 * one '@', at most 254 bytes (local part 64), printable ASCII without blanks,
 * brackets, quotes, commas or other specials; the domain letters, digits,
 * hyphens and dots between non-empty labels. */
int nt_smtp_address_ok(const char *addr);

/* text (UTF-8) as RFC 2047 encoded-words, "=?UTF-8?B?...?=", each at most 60
 * characters and holding whole characters, joined by "\r\n " (folded), so
 * no line holding one passes RFC 2047's 76 even after "Subject: ".
 * 0, or -1 (text not UTF-8 without controls, or out too small; out then
 * ""). "" gives "". */
int nt_smtp_encode_words(const char *text, char *out, size_t outlen);

/* The value of a From: or To: header: "<addr>" without a name, a quoted
 * string for a printable-ASCII name ("\"Anita Patel\" <addr>", with \ and "
 * escaped); a name with non-ASCII in it as a phrase whose plain words stay
 * as they are and whose other words go as encoded-words
 * ("=?UTF-8?B?U2nDom4=?= Jones <addr>"), folded so that no line passes 76
 * after "From: ". name NULL is "". 0, or -1 (a name that
 * is not one line of UTF-8, an address that fails nt_smtp_address_ok, or
 * out too small; out then ""). */
int nt_smtp_mailbox(const char *name, const char *addr, char *out, size_t outlen);

/* The value of a Subject: header: printable ASCII as it is, folded at
 * blanks to keep lines short; anything else (or text holding "=?") as
 * encoded-words. 0, or -1 (not one line of UTF-8, longer than 900 bytes, or
 * out too small; out then ""). */
int nt_smtp_subject(const char *text, char *out, size_t outlen);

/* "<letter_id@domain>". letter_id letters, digits and hyphens; domain a host
 * name (letters, digits, hyphens, dots between non-empty labels). 0, or -1
 * (out then ""). */
int nt_smtp_message_id(const char *letter_id, const char *domain, char *out, size_t outlen);

#define NT_SMTP_DATE_MAX 64 /* 32 would do; room for any int the compiler imagines */
/* t as an RFC 5322 date in UTC, "Tue, 01 Aug 2023 09:05:00 +0000" (English
 * names, whatever the locale). */
void nt_smtp_date(time_t t, char out[NT_SMTP_DATE_MAX]);

/* Where in the dialogue a transfer ended: the last command the relay
 * answered (END: the message itself, after DATA's 354). */
typedef enum {
    NT_SMTP_AT_CONNECT = 0, /* no command yet: connection, greeting, TLS handshake */
    NT_SMTP_AT_HELLO,       /* EHLO or HELO */
    NT_SMTP_AT_STARTTLS,
    NT_SMTP_AT_AUTH,
    NT_SMTP_AT_MAIL, /* MAIL FROM: our sender */
    NT_SMTP_AT_RCPT, /* RCPT TO: the recipient */
    NT_SMTP_AT_DATA,
    NT_SMTP_AT_END,
} nt_smtp_stage_t;

/* What a transfer came to, from libcurl's result (a CURLcode), the relay's
 * last reply code (0 if none) and the stage it ended at:
 *   CURLE_OK                         SENT
 *   a 4xx reply                      RETRY  (the relay says: later)
 *   5xx at RCPT, DATA or END         REFUSED (this recipient or this message)
 *   552 at MAIL                      REFUSED (the message is too large)
 *   any other 5xx                    RETRY  (greeting, EHLO, STARTTLS, AUTH,
 *                                    our sender: the relay's set-up or ours, not
 *                                    the letter's; a wrong password must not
 *                                    lose letters)
 *   no reply code                    RETRY  (resolve, connect, timeout, TLS
 *                                    handshake or certificate, lost connection)
 * Every RETRY is bounded by the delivery policy's attempts (delivery.h). */
nt_smtp_outcome_t nt_smtp_classify(int curl_code, long reply, nt_smtp_stage_t stage);

/* ------------------------------------------- shared by smtp.c and smtp_text.c */

#define NT_SMTP_HEADER_MAX 4096 /* one header's value, encoded */

/* Non-zero when s is one line of UTF-8 text: no CR, LF or other control
 * character. */
int nt_smtp_line_ok(const char *s);
/* Non-zero when s is printable ASCII only (blanks allowed). */
int nt_smtp_ascii_ok(const char *s);
/* Non-zero when d is a host name: labels of letters, digits and hyphens,
 * separated by single dots, at most 253 bytes. */
int nt_smtp_host_ok(const char *d);

#endif
