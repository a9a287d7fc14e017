/* test_notify_smtp.c - letters by email (smtp.c) against a real SMTP server.
 *
 * Each test starts tests/support/smtp_server.py (aiosmtpd, Debian's
 * python3-aiosmtpd) on a loopback port of its own, in a temp dir of its own,
 * so suites run side by side; STARTTLS with a self-signed certificate made
 * by `openssl` at test time. The server stores what it accepts and what
 * Python's email package reads from it (strict policy), so a header that is
 * not encoded as it should be, a body or an attachment that does not decode
 * back to what was sent, fails here. No database. The server is stopped in
 * the suite's fini, whatever the test came to (CANDOUR_TEST_KEEP=1 keeps
 * each test's temp dir, its messages and the server's log, to read). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "smtp.h"

#define S_LETTER_ID "0b6f8d3e-6c1a-4f0e-9d7b-2a5c8e1f4b3d"
#define S_DOMAIN "candour.local"
#define S_FROM "complaints@example.nhs.uk"
#define S_USER "candour"
#define S_PASS "s3cret-relay-pass"
#define S_TIMEOUT_MS 10000L

static char s_dir[256];    /* this test's temp dir */
static char s_mail[300];   /* where the server stores messages */
static char s_cert[300];   /* the self-signed certificate, when made */
static char s_key[300];    /* its key */
static pid_t s_server = 0; /* the running server, 0 if none */
static int s_port = 0;     /* its port */
static char s_url[64];     /* smtp://127.0.0.1:<port> */

/* ---------------------------------------------------------------- helpers */

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The whole of a file, NUL-terminated (binary-safe with *len); NULL if it
 * cannot be read. */
static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    size_t r;
    while (p && (r = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            char *q = realloc(p, cap *= 2);
            if (!q)
                free(p);
            p = q;
        }
    }
    fclose(f);
    cr_assert(p, "out of memory reading %s", path);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

/* What the server read from message n: the file `name` in <n>.d/ (malloc'd). */
static char *s_seen(int n, const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%d.d/%s", s_mail, n, name);
    char *s = s_slurp(path, NULL);
    cr_assert(s, "the server wrote no %s for message %d", name, n);
    return s;
}

/* How many messages the server has stored. */
static int s_stored(void)
{
    DIR *d = opendir(s_mail);
    cr_assert(d, "opendir %s: %s", s_mail, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        n += e->d_name[0] != '.' && l > 4 && strcmp(e->d_name + l - 4, ".eml") == 0;
    }
    closedir(d);
    return n;
}

/* Run argv with output to log; its exit status, or -1. Bounded by the tool. */
static int s_run(char *const argv[], const char *log)
{
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A self-signed certificate for 127.0.0.1 (P-256: made in milliseconds). */
static void s_make_cert(void)
{
    snprintf(s_cert, sizeof s_cert, "%s/cert.pem", s_dir);
    snprintf(s_key, sizeof s_key, "%s/key.pem", s_dir);
    char log[300];
    snprintf(log, sizeof log, "%s/openssl.log", s_dir);
    char *argv[] = {"openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-keyout",
                    s_key,
                    "-out",
                    s_cert,
                    "-days",
                    "2",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                    NULL};
    cr_assert_eq(s_run(argv, log), 0, "openssl could not make a certificate (see %s)", log);
}

/* Start the server with extra arguments (NULL-terminated) and wait, at most
 * 10 s, for it to say it is listening (h_smtp_start). */
static void s_start(const char *const *extra)
{
    cr_assert_eq(s_server, 0, "one server a test");
    s_port = h_free_port();
    snprintf(s_url, sizeof s_url, "smtp://127.0.0.1:%d", s_port);
    char log[300];
    snprintf(log, sizeof log, "%s/server.log", s_dir);
    h_smtp_start(&s_server, s_port, s_mail, extra, log);
}

/* SIGTERM, at most 5 s, then SIGKILL; always reaped. */
static void s_stop(void)
{
    h_smtp_stop(&s_server);
}

static int s_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void s_setup(void)
{
    cr_assert_eq(nt_smtp_global_init(), 0);
    const char *tmp = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/candour-smtp.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    snprintf(s_mail, sizeof s_mail, "%s/mail", s_dir);
    cr_assert(mkdir(s_mail, 0700) == 0);
}

static void s_teardown(void)
{
    s_stop();
    /* CANDOUR_TEST_KEEP=1 keeps the messages and the server's log to read. */
    const char *keep = getenv("CANDOUR_TEST_KEEP");
    if (keep && *keep == '1')
        fprintf(stderr, "kept %s\n", s_dir);
    else if (s_dir[0])
        nftw(s_dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    nt_smtp_global_cleanup();
}

TestSuite(notify_smtp, .init = s_setup, .fini = s_teardown, .timeout = 60);

static nt_smtp_config_t s_config(void)
{
    return (nt_smtp_config_t){.url = s_url,
                              .from = S_FROM,
                              .from_name = "Complaints Team, Leeds Teaching Hospitals",
                              .tls = NT_SMTP_TLS_NONE,
                              .domain = S_DOMAIN,
                              .timeout_ms = S_TIMEOUT_MS};
}

static nt_smtp_message_t s_message(const char *to)
{
    return (nt_smtp_message_t){.letter_id = S_LETTER_ID,
                               .to = to,
                               .to_name = "Anita Patel",
                               .subject = "Your complaint CDR-7QGE-EZX6: acknowledgement",
                               .body = "Dear Mrs Patel,\n\nWe have received your complaint.\n"};
}

/* A "PDF" of every byte value, long enough for many base64 lines. */
static void s_make_pdf(const char *path, size_t *len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fputs("%PDF-1.4\n", f);
    for (int i = 0; i < 40000; i++)
        fputc((i * 7 + i / 256) & 0xff, f);
    fputs("\n%%EOF\n", f);
    cr_assert_eq(fclose(f), 0);
    free(s_slurp(path, len));
}

/* ---------------------------------------------------------------- tests */

#define S_BODY                                                                                     \
    "Dear Ms Jones,\n"                                                                             \
    "\n"                                                                                           \
    "Siân, thank you for your letter of 3 March about the care your father received on ward "     \
    "14 — we are sorry; this line is long enough that quoted-printable has to break it softly, " \
    "and it must come back whole.\n"                                                               \
    ".\n"                                                                                          \
    ". a line that starts with a dot\n"                                                            \
    "From the complaints team: 100% = all; tabs\tstay.\n"                                          \
    "\n"                                                                                           \
    "Yours sincerely,\n"

Test(notify_smtp, a_letter_with_its_pdf_arrives_once_and_decodes_back_to_what_was_sent)
{
    s_start(NULL);
    char pdf[300];
    size_t pdf_len = 0;
    snprintf(pdf, sizeof pdf, "%s/letter.pdf", s_dir);
    s_make_pdf(pdf, &pdf_len);

    nt_smtp_config_t cfg = s_config();
    nt_smtp_message_t msg = {.letter_id = S_LETTER_ID,
                             .to = "sian.jones@example.org",
                             .to_name = "Siân Jones",
                             .subject =
                                 "Your complaint CDR-7QGE-EZX6: we have received it — diolch",
                             .body = S_BODY,
                             .attachment = pdf,
                             .attachment_name = "CDR-7QGE-EZX6-acknowledgement.pdf"};
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_SENT, "outcome %d, code %ld: %s", res.outcome, res.code,
                 res.detail);
    cr_assert_eq(res.code, 250, "code %ld", res.code);
    cr_assert(strstr(res.detail, "stored as 1"), "detail: %s", res.detail);
    cr_assert_eq(s_stored(), 1, "the letter arrives once");

    /* As Python's email package reads it (strict policy). */
    char *defects = s_seen(1, "defects");
    cr_expect_str_empty(defects, "defects: %s", defects);
    char *v = s_seen(1, "from");
    cr_expect_str_eq(v, "\"Complaints Team, Leeds Teaching Hospitals\" <" S_FROM ">");
    free(v);
    v = s_seen(1, "to");
    cr_expect_str_eq(v, "Siân Jones <sian.jones@example.org>");
    free(v);
    v = s_seen(1, "subject");
    cr_expect_str_eq(v, msg.subject);
    free(v);
    v = s_seen(1, "message_id");
    cr_expect_str_eq(v, "<" S_LETTER_ID "@" S_DOMAIN ">");
    free(v);
    v = s_seen(1, "mime_version");
    cr_expect_str_eq(v, "1.0");
    free(v);
    v = s_seen(1, "date");
    cr_expect(strlen(v) > 20 && strstr(v, "+0000"), "date: %s", v);
    free(v);
    v = s_seen(1, "content_type");
    cr_expect_str_eq(v, "multipart/mixed");
    free(v);
    v = s_seen(1, "body");
    cr_expect_str_eq(v, S_BODY, "the body came back as:\n%s", v);
    free(v);
    v = s_seen(1, "envelope");
    cr_expect_str_eq(v, S_FROM "\nsian.jones@example.org\n");
    free(v);
    v = s_seen(1, "attachment_name");
    cr_expect_str_eq(v, "CDR-7QGE-EZX6-acknowledgement.pdf");
    free(v);
    v = s_seen(1, "attachment_type");
    cr_expect_str_eq(v, "application/pdf");
    free(v);
    free(defects);

    char path[400];
    size_t got_len = 0, want_len = 0;
    snprintf(path, sizeof path, "%s/1.d/attachment", s_mail);
    char *got = s_slurp(path, &got_len);
    char *want = s_slurp(pdf, &want_len);
    cr_assert(got && want);
    cr_expect_eq(got_len, want_len, "attachment %zu bytes, sent %zu", got_len, want_len);
    cr_expect(got_len == want_len && memcmp(got, want, got_len) == 0,
              "the attachment decodes to other bytes");
    free(got);
    free(want);

    /* As it went over the wire: 7-bit, lines within RFC 5322's 998, the
     * name as encoded-words, the Message-ID as the letter's, CRLF line ends. */
    size_t raw_len = 0;
    snprintf(path, sizeof path, "%s/1.eml", s_mail);
    char *raw = s_slurp(path, &raw_len);
    cr_assert(raw);
    size_t line = 0;
    for (size_t i = 0; i < raw_len; i++) {
        cr_assert((unsigned char)raw[i] < 0x80, "a non-ASCII byte at %zu", i);
        cr_assert(raw[i] != '\n' || (i > 0 && raw[i - 1] == '\r'), "a bare LF at %zu", i);
        line = raw[i] == '\n' ? 0 : line + 1;
        cr_assert(line <= 999, "a line longer than 998 at %zu", i);
    }
    cr_expect(strstr(raw, "\nTo: =?UTF-8?B?"), "To: not encoded:\n%.600s", raw);
    cr_expect(strstr(raw, "\nMessage-ID: <" S_LETTER_ID "@" S_DOMAIN ">\r\n"),
              "no Message-ID:\n%.600s", raw);
    cr_expect(strstr(raw, "Content-Transfer-Encoding: quoted-printable"));
    cr_expect(strstr(raw, "Content-Transfer-Encoding: base64"));
    free(raw);
}

Test(notify_smtp, a_letter_sent_again_keeps_its_message_id_so_the_resend_is_recognisable)
{
    s_start(NULL);
    nt_smtp_config_t cfg = s_config();
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    msg.to_name = "Siân Angharad Llewellyn-Jones ap Gruffydd o Aberystwyth"; /* folded */
    nt_smtp_result_t res;
    for (int i = 0; i < 2; i++) {
        nt_smtp_send(&cfg, &msg, &res);
        cr_assert_eq(res.outcome, NT_SMTP_SENT, "%s", res.detail);
    }
    cr_assert_eq(s_stored(), 2);
    char *a = s_seen(1, "message_id"), *b = s_seen(2, "message_id");
    cr_expect_str_eq(a, "<" S_LETTER_ID "@" S_DOMAIN ">");
    cr_expect_str_eq(a, b);
    char *from = s_seen(1, "to");
    cr_expect_str_eq(from, "Siân Angharad Llewellyn-Jones ap Gruffydd o Aberystwyth "
                           "<anita.patel@example.org>");
    char *defects = s_seen(2, "defects");
    cr_expect_str_empty(defects, "defects: %s", defects);
    free(defects);
    free(a);
    free(b);
    free(from);
}

Test(notify_smtp, a_recipient_refused_550_is_refused_for_good_and_nothing_is_stored)
{
    s_start(NULL);
    nt_smtp_config_t cfg = s_config();
    nt_smtp_message_t msg = s_message("refuse.me@example.org");
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_REFUSED, "outcome %d: %s", res.outcome, res.detail);
    cr_assert_eq(res.code, 550);
    cr_expect(strstr(res.detail, "Mailbox unavailable"), "detail: %s", res.detail);
    cr_assert_eq(s_stored(), 0);
}

Test(notify_smtp, a_recipient_deferred_451_is_tried_again)
{
    s_start(NULL);
    nt_smtp_config_t cfg = s_config();
    nt_smtp_message_t msg = s_message("later.please@example.org");
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_RETRY, "outcome %d: %s", res.outcome, res.detail);
    cr_assert_eq(res.code, 451);
    cr_expect(strstr(res.detail, "451"), "detail: %s", res.detail);
    cr_assert_eq(s_stored(), 0);
}

Test(notify_smtp, no_relay_listening_is_tried_again_with_no_reply_code)
{
    s_port = h_free_port(); /* and nobody listening on it */
    snprintf(s_url, sizeof s_url, "smtp://127.0.0.1:%d", s_port);
    nt_smtp_config_t cfg = s_config();
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_RETRY, "outcome %d: %s", res.outcome, res.detail);
    cr_assert_eq(res.code, 0);
    cr_expect(strstr(res.detail, "could not be reached"), "detail: %s", res.detail);
}

static const char *const s_tls_auth[] = {"--tls-cert",         s_cert,   "--tls-key",       s_key,
                                         "--require-starttls", "--auth", S_USER ":" S_PASS, NULL};

Test(notify_smtp, starttls_required_with_our_ca_and_login_is_sent)
{
    s_make_cert();
    s_start(s_tls_auth);
    nt_smtp_config_t cfg = s_config();
    cfg.tls = NT_SMTP_TLS_REQUIRE;
    cfg.ca_file = s_cert;
    cfg.user = S_USER;
    cfg.password = S_PASS;
    char err[200];
    cr_assert_eq(nt_smtp_config_check(&cfg, err, sizeof err), 0, "%s", err);
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_SENT, "outcome %d, code %ld: %s", res.outcome, res.code,
                 res.detail);
    cr_assert_eq(s_stored(), 1);
    char *body = s_seen(1, "body");
    cr_expect_str_eq(body, msg.body);
    free(body);
}

/* A wrong password is our configuration, not the letter's: every letter
 * would fail alike, and none must be given up for it. */
Test(notify_smtp, a_wrong_password_is_tried_again_and_says_so)
{
    s_make_cert();
    s_start(s_tls_auth);
    nt_smtp_config_t cfg = s_config();
    cfg.tls = NT_SMTP_TLS_REQUIRE;
    cfg.ca_file = s_cert;
    cfg.user = S_USER;
    cfg.password = "not-the-password";
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_RETRY, "outcome %d: %s", res.outcome, res.detail);
    cr_assert_eq(res.code, 535, "code %ld: %s", res.code, res.detail);
    cr_expect(strstr(res.detail, "refused our login"), "detail: %s", res.detail);
    cr_expect(!strstr(res.detail, "not-the-password"), "the password in the detail");
    cr_assert_eq(s_stored(), 0);
}

Test(notify_smtp, a_relay_certificate_we_do_not_trust_is_tried_again_and_says_so)
{
    s_make_cert();
    s_start(s_tls_auth);
    nt_smtp_config_t cfg = s_config();
    cfg.tls = NT_SMTP_TLS_REQUIRE; /* the system's CAs: the self-signed one is not among them */
    cfg.user = S_USER;
    cfg.password = S_PASS;
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_RETRY, "outcome %d: %s", res.outcome, res.detail);
    cr_expect(strstr(res.detail, "certificate is not trusted"), "detail: %s", res.detail);
    cr_assert_eq(s_stored(), 0);
}

Test(notify_smtp, without_login_where_the_relay_requires_it_is_tried_again)
{
    s_make_cert();
    s_start(s_tls_auth);
    nt_smtp_config_t cfg = s_config();
    cfg.tls = NT_SMTP_TLS_TRY;
    cfg.ca_file = s_cert;
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_RETRY, "outcome %d: %s", res.outcome, res.detail);
    cr_assert_eq(res.code, 530, "code %ld: %s", res.code, res.detail);
    cr_assert_eq(s_stored(), 0);
}

Test(notify_smtp, starttls_required_from_a_relay_without_it_is_tried_again_not_sent_in_clear)
{
    s_start(NULL);
    nt_smtp_config_t cfg = s_config();
    cfg.tls = NT_SMTP_TLS_REQUIRE;
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_RETRY, "outcome %d: %s", res.outcome, res.detail);
    cr_expect(strstr(res.detail, "STARTTLS"), "detail: %s", res.detail);
    cr_assert_eq(s_stored(), 0);

    cfg.tls = NT_SMTP_TLS_TRY; /* where it may go in clear, it goes */
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_SENT, "outcome %d: %s", res.outcome, res.detail);
    cr_assert_eq(s_stored(), 1);
}

Test(notify_smtp, header_injection_and_bad_addresses_are_refused_and_nothing_is_sent)
{
    s_start(NULL);
    nt_smtp_config_t cfg = s_config();
    struct {
        const char *to, *to_name, *subject, *body, *from;
    } bad[] = {
        {"anita.patel@example.org", "", "Hello\r\nBcc: everyone@example.org", NULL, NULL},
        {"anita.patel@example.org", "", "Hello\nBcc: everyone@example.org", NULL, NULL},
        {"anita.patel@example.org", "", "Hello\rthere", NULL, NULL},
        {"anita.patel@example.org", "Anita\r\nBcc: everyone@example.org", NULL, NULL, NULL},
        {"anita.patel@example.org\r\nRCPT TO:<everyone@example.org>", "", NULL, NULL, NULL},
        {"anita.patel@example.org", "", NULL, NULL, "complaints@example.nhs.uk\r\nBcc: x@y.z"},
        {"anita.patel.example.org", "", NULL, NULL, NULL},
        {"anita patel@example.org", "", NULL, NULL, NULL},
        {"<anita.patel@example.org>", "", NULL, NULL, NULL},
        {"Anita <anita.patel@example.org>", "", NULL, NULL, NULL},
        {"anita@patel@example.org", "", NULL, NULL, NULL},
        {"anita.patel@example.org, everyone@example.org", "", NULL, NULL, NULL},
        {"anita.patel@", "", NULL, NULL, NULL},
        {"anita.patel@example..org", "", NULL, NULL, NULL},
        {"anita.patel@example.org", "", "Bad UTF-8 \xc3\x28", NULL, NULL},
        {"anita.patel@example.org", "", NULL, "a body with an escape \x1b[2J", NULL},
        {"anita.patel@example.org", "", NULL, "a lone CR\rin a body", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nt_smtp_message_t msg = s_message(bad[i].to);
        msg.to_name = bad[i].to_name;
        if (bad[i].subject)
            msg.subject = bad[i].subject;
        if (bad[i].body)
            msg.body = bad[i].body;
        nt_smtp_config_t c = cfg;
        if (bad[i].from)
            c.from = bad[i].from;
        nt_smtp_result_t res;
        nt_smtp_send(&c, &msg, &res);
        cr_expect_eq(res.outcome, NT_SMTP_REFUSED, "case %zu: outcome %d: %s", i, res.outcome,
                     res.detail);
        cr_expect_eq(res.code, 0, "case %zu: code %ld", i, res.code);
        cr_expect(strncmp(res.detail, "not sent: ", 10) == 0, "case %zu: %s", i, res.detail);
    }
    /* A name too long for one header line (64 KiB). */
    size_t n = 64 * 1024;
    char *longname = malloc(n + 1);
    cr_assert(longname);
    memset(longname, 'a', n);
    longname[n] = '\0';
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    msg.subject = longname;
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_expect_eq(res.outcome, NT_SMTP_REFUSED, "%s", res.detail);
    free(longname);

    cr_assert_eq(s_stored(), 0, "nothing reaches the relay");
    /* and the same server still takes a good one */
    msg = s_message("anita.patel@example.org");
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_SENT, "%s", res.detail);
    cr_assert_eq(s_stored(), 1);
}

Test(notify_smtp, an_attachment_that_cannot_be_read_is_tried_again_and_nothing_is_sent)
{
    s_start(NULL);
    nt_smtp_config_t cfg = s_config();
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no-such.pdf", s_dir);
    msg.attachment = missing;
    msg.attachment_name = "CDR-7QGE-EZX6-acknowledgement.pdf";
    nt_smtp_result_t res;
    nt_smtp_send(&cfg, &msg, &res);
    cr_assert_eq(res.outcome, NT_SMTP_RETRY, "outcome %d: %s", res.outcome, res.detail);
    cr_expect(strstr(res.detail, "cannot be read"), "detail: %s", res.detail);
    cr_assert_eq(s_stored(), 0);
}

Test(notify_smtp, a_relay_that_never_answers_is_tried_again_after_the_timeout)
{
    /* A socket that listens and never speaks: the kernel completes the
     * connection, no greeting ever comes. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    cr_assert(listen(fd, 4) == 0);
    cr_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    snprintf(s_url, sizeof s_url, "smtp://127.0.0.1:%d", ntohs(a.sin_port));
    nt_smtp_config_t cfg = s_config();
    cfg.timeout_ms = 700;
    nt_smtp_message_t msg = s_message("anita.patel@example.org");
    nt_smtp_result_t res;
    long t0 = s_now_ms();
    nt_smtp_send(&cfg, &msg, &res);
    long took = s_now_ms() - t0;
    close(fd);
    cr_assert_eq(res.outcome, NT_SMTP_RETRY, "outcome %d: %s", res.outcome, res.detail);
    cr_assert_eq(res.code, 0);
    cr_expect(took >= 600 && took < 5000, "took %ld ms", took);
    cr_expect(strstr(res.detail, "did not answer in time"), "detail: %s", res.detail);
}
