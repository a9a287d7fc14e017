/* test_notify_smtp_mime.c - the pure parts of email (smtp.c): addresses we
 * send to, RFC 2047 encoded-words, From:/To: and Subject: values, the
 * Message-ID made from the letter id, the date, and what a transfer's end
 * comes to (sent, tried again, refused). The whole message against a real
 * server is in tests/integration/test_notify_smtp.c. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"

/* Decode one RFC 2047 B encoded-word's payload (test-side, independent of
 * smtp.c's encoder): base64 to bytes. -1 on a character not in base64. */
static int s_b64_value(char c)
{
    const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(abc, c) : NULL;
    return p ? (int)(p - abc) : -1;
}

/* The text of a run of encoded-words separated by folding ("\r\n "),
 * appended to out; fails the test on anything else. */
static void s_decode_words(const char *in, char *out, size_t outlen)
{
    size_t o = strlen(out);
    const char *p = in;
    while (*p) {
        cr_assert(strncmp(p, "=?UTF-8?B?", 10) == 0, "not an encoded-word at: %s", p);
        const char *end = strstr(p + 10, "?=");
        cr_assert(end, "an encoded-word without its end: %s", p);
        cr_assert_leq(end + 2 - p, 75, "an encoded-word over 75 characters: %.*s",
                      (int)(end + 2 - p), p);
        const char *b = p + 10;
        cr_assert_eq((end - b) % 4, 0);
        for (; b < end; b += 4) {
            int v[4];
            for (int i = 0; i < 4; i++)
                v[i] = b[i] == '=' ? 0 : s_b64_value(b[i]);
            for (int i = 0; i < 4; i++)
                cr_assert_geq(v[i], 0, "not base64: %c", b[i]);
            unsigned w =
                (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
            int bytes = b[2] == '=' ? 1 : b[3] == '=' ? 2 : 3;
            for (int i = 0; i < bytes; i++) {
                cr_assert_lt(o + 1, outlen);
                out[o++] = (char)((w >> (16 - 8 * i)) & 0xff);
            }
        }
        out[o] = '\0';
        p = end + 2;
        if (*p) {
            cr_assert(strncmp(p, "\r\n ", 3) == 0, "encoded-words not folded: %s", p);
            p += 3;
        }
    }
}

/* A phrase as RFC 2047 reads it: encoded-words decoded, the blanks and folds
 * between two of them dropped, between any other words one blank. */
static void s_decode_phrase(const char *in, char *out, size_t outlen)
{
    const char *p = in;
    int prev_encoded = -1;
    while (*p) {
        while (*p == ' ' || *p == '\r' || *p == '\n')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " \r\n");
        int encoded = strncmp(p, "=?UTF-8?B?", 10) == 0;
        if (prev_encoded >= 0 && !(prev_encoded && encoded))
            strncat(out, " ", outlen - strlen(out) - 1);
        if (encoded) {
            char word[256];
            snprintf(word, sizeof word, "%.*s", (int)n, p);
            s_decode_words(word, out, outlen);
        } else
            strncat(out, p, n < outlen - strlen(out) - 1 ? n : outlen - strlen(out) - 1);
        prev_encoded = encoded;
        p += n;
    }
}

/* Each encoded-word holds whole UTF-8 characters (RFC 2047 section 5). */
static void s_assert_words_whole(const char *enc)
{
    const char *p = enc;
    while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
        const char *end = strstr(p, "?=");
        char one[128] = "", word[128];
        snprintf(word, sizeof word, "%.*s", (int)(end + 2 - p), p);
        s_decode_words(word, one, sizeof one);
        size_t n = strlen(one);
        cr_assert(n > 0);
        /* not starting with a continuation byte, not ending inside a sequence */
        cr_assert(((unsigned char)one[0] & 0xC0) != 0x80, "a word starts mid-character");
        size_t i = n;
        while (i > 0 && ((unsigned char)one[i - 1] & 0xC0) == 0x80)
            i--;
        cr_assert(i > 0);
        unsigned char lead = (unsigned char)one[i - 1];
        size_t want = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        cr_assert_eq(n - (i - 1), want, "a word ends mid-character");
        p = end + 2;
    }
}

Test(notify_smtp_mime, a_plain_address_is_accepted)
{
    cr_expect(nt_smtp_address_ok("anita.patel@example.org"));
    cr_expect(nt_smtp_address_ok("a@b"));
    cr_expect(nt_smtp_address_ok("o'brien+complaints@nhs-trust.example.nhs.uk"));
    cr_expect(nt_smtp_address_ok("x_y-z=1@EXAMPLE.ORG"));
}

Test(notify_smtp_mime, an_address_that_is_not_one_plain_address_is_refused)
{
    const char *bad[] = {
        NULL,
        "",
        "anita.patel",
        "@example.org",
        "anita@",
        "anita@@example.org",
        "anita@patel@example.org",
        "anita patel@example.org",
        "anita@example .org",
        "<anita@example.org>",
        "Anita <anita@example.org>",
        "anita@example.org, bob@example.org",
        "anita@example.org\r\nRCPT TO:<x@y.z>",
        "anita@example.org\n",
        "\"anita\"@example.org",
        "anita@[127.0.0.1]",
        "anita@example..org",
        "anita@.example.org",
        "anita@example.org.",
        "siân@example.org",
        "anita@exämple.org",
        "anita\\@example.org",
        "anita;x@example.org",
        "anita(x)@example.org",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect(!nt_smtp_address_ok(bad[i]), "accepted: %s", bad[i] ? bad[i] : "(null)");
}

Test(notify_smtp_mime, an_address_over_254_bytes_or_a_local_part_over_64_is_refused)
{
    char a[300];
    /* 64 + 1 + 189 = 254: the longest we take */
    memset(a, 'a', 64);
    a[64] = '@';
    size_t o = 65;
    while (o < 254) {
        size_t label = 254 - o > 62 ? 61 : 254 - o;
        memset(a + o, 'd', label);
        o += label;
        if (o < 254)
            a[o++] = '.';
    }
    a[254] = '\0';
    cr_assert_eq(strlen(a), 254);
    cr_expect(nt_smtp_address_ok(a), "254 bytes refused");
    memcpy(a + 254, "x", 2);
    cr_expect(!nt_smtp_address_ok(a), "255 bytes accepted");

    char local[80];
    memset(local, 'l', 65);
    snprintf(local + 65, sizeof local - 65, "@example.org");
    cr_expect(!nt_smtp_address_ok(local), "a local part of 65 accepted");
}

Test(notify_smtp_mime, encoded_words_decode_back_to_the_text)
{
    const char *texts[] = {
        "Siân Jones",
        "Zoë",
        "Ærøskøbing — “quoted” ‘names’",
        "Łódź 中文名字 😀 emoji",
        "a",
        /* long enough for several words, with multi-byte characters at
         * every offset so some fall on a word's edge */
        "ŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵ a€€€€€€€€€€€€€€€€€€€€€€€€ ab😀😀😀😀😀😀😀😀😀😀😀😀😀",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char enc[2048], dec[1024] = "";
        cr_assert_eq(nt_smtp_encode_words(texts[i], enc, sizeof enc), 0, "%s", texts[i]);
        for (const char *p = enc; *p; p++)
            cr_assert((unsigned char)*p < 0x80 && (*p >= 0x20 || *p == '\r' || *p == '\n'),
                      "a byte that is not ASCII text in %s", enc);
        s_decode_words(enc, dec, sizeof dec);
        cr_expect_str_eq(dec, texts[i]);
        s_assert_words_whole(enc);
    }
}

Test(notify_smtp_mime, encoded_words_match_rfc_2047s_form_exactly)
{
    char enc[256];
    cr_assert_eq(nt_smtp_encode_words("Siân Jones", enc, sizeof enc), 0);
    /* base64 of 53 69 c3 a2 6e 20 4a 6f 6e 65 73 */
    cr_expect_str_eq(enc, "=?UTF-8?B?U2nDom4gSm9uZXM=?=");
    cr_assert_eq(nt_smtp_encode_words("", enc, sizeof enc), 0);
    cr_expect_str_eq(enc, "");
}

Test(notify_smtp_mime, encoded_words_refuse_line_breaks_bad_utf8_and_a_small_buffer)
{
    char enc[64];
    cr_expect_eq(nt_smtp_encode_words("Siân\r\nBcc: x@y.z", enc, sizeof enc), -1);
    cr_expect_str_empty(enc);
    cr_expect_eq(nt_smtp_encode_words("Siân\n", enc, sizeof enc), -1);
    cr_expect_eq(nt_smtp_encode_words("\xc3\x28", enc, sizeof enc), -1);
    cr_expect_eq(nt_smtp_encode_words("\xed\xa0\x80 surrogate", enc, sizeof enc), -1);
    cr_expect_eq(nt_smtp_encode_words("ŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵŵ", enc, 20), -1);
    cr_expect_str_empty(enc);
}

Test(notify_smtp_mime, a_mailbox_quotes_an_ascii_name_and_encodes_any_other)
{
    char out[512];
    cr_assert_eq(nt_smtp_mailbox("Anita Patel", "anita@example.org", out, sizeof out), 0);
    cr_expect_str_eq(out, "\"Anita Patel\" <anita@example.org>");
    cr_assert_eq(nt_smtp_mailbox("Patel, Anita (Mrs)", "anita@example.org", out, sizeof out), 0);
    cr_expect_str_eq(out, "\"Patel, Anita (Mrs)\" <anita@example.org>");
    cr_assert_eq(nt_smtp_mailbox("A \"Nita\" \\ P", "anita@example.org", out, sizeof out), 0);
    cr_expect_str_eq(out, "\"A \\\"Nita\\\" \\\\ P\" <anita@example.org>");
    cr_assert_eq(nt_smtp_mailbox("", "anita@example.org", out, sizeof out), 0);
    cr_expect_str_eq(out, "<anita@example.org>");
    cr_assert_eq(nt_smtp_mailbox(NULL, "anita@example.org", out, sizeof out), 0);
    cr_expect_str_eq(out, "<anita@example.org>");
    cr_assert_eq(nt_smtp_mailbox("Siân Jones", "sian@example.org", out, sizeof out), 0);
    /* only the word that needs it is encoded */
    cr_expect_str_eq(out, "=?UTF-8?B?U2nDom4=?= Jones <sian@example.org>");
    cr_assert_eq(nt_smtp_mailbox("Zoë Siân", "zoe@example.org", out, sizeof out), 0);
    cr_expect_str_eq(out, "=?UTF-8?B?Wm/DqyBTacOibg==?= <zoe@example.org>");
    /* a word with a special or "=?" in it is encoded, not left bare */
    cr_assert_eq(nt_smtp_mailbox("Siân Jones, =?x", "sian@example.org", out, sizeof out), 0);
    char dec[256] = "";
    s_decode_phrase(out, dec, sizeof dec);
    cr_expect_str_eq(dec, "Siân Jones, =?x <sian@example.org>");
    cr_expect(!strchr(out, ',') && !strstr(out, "=?x"), "%s", out);
}

/* RFC 2047: a line holding an encoded-word is at most 76 characters,
 * counting the header's name on the first. */
static void s_assert_lines_within_76(const char *name, const char *value)
{
    size_t col = strlen(name);
    for (const char *p = value; *p; p++) {
        if (*p == '\r') {
            cr_assert(p[1] == '\n' && p[2] == ' ', "a fold not before a blank");
            col = 0;
            p++;
            continue;
        }
        col++;
        cr_assert_leq(col, 76, "a line over 76: %s%s", name, value);
    }
}

Test(notify_smtp_mime, a_long_encoded_name_folds_and_keeps_lines_within_76)
{
    const char *names[] = {
        "Siân Angharad Llewellyn-Jones ap Gruffydd o Aberystwyth, Ceredigion",
        /* one run of words to encode, longer than one encoded-word holds */
        "Siân Llŷr Ffŵdd Gwenllïan Dafydd-Siôn Ŵyn Ærøskøbing Łódź Zoë Siân Llŷr Ffŵdd",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char out[1024], dec[512] = "";
        cr_assert_eq(nt_smtp_mailbox(names[i], "sian.llewellyn-jones@example.org", out, sizeof out),
                     0);
        s_assert_lines_within_76("From: ", out);
        char *lt = strrchr(out, '<');
        cr_assert(lt && strcmp(lt, "<sian.llewellyn-jones@example.org>") == 0, "%s", out);
        *lt = '\0';
        s_decode_phrase(out, dec, sizeof dec);
        cr_expect_str_eq(dec, names[i], "%s", out);
    }

    char subject[2048];
    cr_assert_eq(nt_smtp_subject("Eich cwyn CDR-7QGE-EZX6: rydym wedi'i derbyn — diolch yn fawr "
                                 "iawn am ysgrifennu atom ynglŷn â gofal eich tad",
                                 subject, sizeof subject),
                 0);
    s_assert_lines_within_76("Subject: ", subject);
}

Test(notify_smtp_mime, a_mailbox_refuses_line_breaks_and_bad_addresses)
{
    char out[512];
    cr_expect_eq(nt_smtp_mailbox("Anita\r\nBcc: x@y.z", "anita@example.org", out, sizeof out), -1);
    cr_expect_str_empty(out);
    cr_expect_eq(nt_smtp_mailbox("Anita\tPatel", "anita@example.org", out, sizeof out), -1);
    cr_expect_eq(nt_smtp_mailbox("Anita", "anita@example.org>, <x@y.z", out, sizeof out), -1);
    cr_expect_eq(nt_smtp_mailbox("Anita", "anita@example.org", out, 10), -1);
    cr_expect_str_empty(out);
}

Test(notify_smtp_mime, an_ascii_subject_goes_as_it_is_and_folds_at_blanks)
{
    char out[2048];
    cr_assert_eq(nt_smtp_subject("Your complaint CDR-7QGE-EZX6", out, sizeof out), 0);
    cr_expect_str_eq(out, "Your complaint CDR-7QGE-EZX6");

    const char *longer = "Your complaint CDR-7QGE-EZX6: our response to the concerns you raised "
                         "about your father's care on ward 14 in March, with the findings of "
                         "our investigation";
    cr_assert_eq(nt_smtp_subject(longer, out, sizeof out), 0);
    /* every line within 78 with "Subject: " before the first */
    size_t col = 9;
    for (const char *p = out; *p; p++) {
        if (*p == '\r') {
            cr_assert(p[1] == '\n' && p[2] == ' ', "a fold not before a blank");
            col = 0;
            p++;
            continue;
        }
        col++;
        cr_assert_leq(col, 78, "a line over 78 characters: %s", out);
    }
    /* unfolding gives the text back */
    char unfolded[2048];
    size_t o = 0;
    for (const char *p = out; *p; p++)
        if (*p != '\r' && *p != '\n')
            unfolded[o++] = *p;
    unfolded[o] = '\0';
    cr_expect_str_eq(unfolded, longer);
}

Test(notify_smtp_mime, a_subject_with_non_ascii_or_an_encoded_word_lookalike_is_encoded)
{
    char out[2048], dec[1024] = "";
    cr_assert_eq(nt_smtp_subject("We have received it — diolch", out, sizeof out), 0);
    s_decode_words(out, dec, sizeof dec);
    cr_expect_str_eq(dec, "We have received it — diolch");
    dec[0] = '\0';
    cr_assert_eq(nt_smtp_subject("=?UTF-8?B?SGk=?=", out, sizeof out), 0);
    s_decode_words(out, dec, sizeof dec);
    cr_expect_str_eq(dec, "=?UTF-8?B?SGk=?=");
}

Test(notify_smtp_mime, a_subject_with_a_line_break_or_over_900_bytes_is_refused)
{
    char out[4096];
    cr_expect_eq(nt_smtp_subject("Hello\r\nBcc: x@y.z", out, sizeof out), -1);
    cr_expect_str_empty(out);
    cr_expect_eq(nt_smtp_subject("Hello\nthere", out, sizeof out), -1);
    cr_expect_eq(nt_smtp_subject("Hello\rthere", out, sizeof out), -1);
    cr_expect_eq(nt_smtp_subject("Hello\x7f", out, sizeof out), -1);
    char big[1000];
    memset(big, 'a', 901);
    big[901] = '\0';
    cr_expect_eq(nt_smtp_subject(big, out, sizeof out), -1);
    big[900] = '\0';
    cr_expect_eq(nt_smtp_subject(big, out, sizeof out), 0);
}

Test(notify_smtp_mime, the_message_id_is_the_letter_id_at_the_domain)
{
    char out[300];
    cr_assert_eq(nt_smtp_message_id("0b6f8d3e-6c1a-4f0e-9d7b-2a5c8e1f4b3d", "candour.local", out,
                                    sizeof out),
                 0);
    cr_expect_str_eq(out, "<0b6f8d3e-6c1a-4f0e-9d7b-2a5c8e1f4b3d@candour.local>");
    /* the same letter, the same id: a resend is recognisable */
    char again[300];
    nt_smtp_message_id("0b6f8d3e-6c1a-4f0e-9d7b-2a5c8e1f4b3d", "candour.local", again,
                       sizeof again);
    cr_expect_str_eq(out, again);
}

Test(notify_smtp_mime, a_message_id_from_anything_but_an_id_and_a_host_name_is_refused)
{
    char out[300];
    const char *ids[] = {"", "a b", "a>b", "a@b", "a\r\nb", "ä"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        cr_expect_eq(nt_smtp_message_id(ids[i], "candour.local", out, sizeof out), -1, "%s",
                     ids[i]);
        cr_expect_str_empty(out);
    }
    const char *domains[] = {"", "candour..local", ".candour", "candour.", "a b", "a>b", "x\r\n"};
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
        cr_expect_eq(nt_smtp_message_id("abc", domains[i], out, sizeof out), -1, "%s", domains[i]);
    cr_expect_eq(nt_smtp_message_id("abc", "candour.local", out, 10), -1);
}

Test(notify_smtp_mime, the_date_is_rfc_5322_in_utc_with_english_names)
{
    char out[NT_SMTP_DATE_MAX];
    nt_smtp_date(0, out);
    cr_expect_str_eq(out, "Thu, 01 Jan 1970 00:00:00 +0000");
    nt_smtp_date(1690880700, out); /* 2023-08-01T09:05:00Z */
    cr_expect_str_eq(out, "Tue, 01 Aug 2023 09:05:00 +0000");
    nt_smtp_date(1709251199, out); /* 2024-02-29T23:59:59Z */
    cr_expect_str_eq(out, "Thu, 29 Feb 2024 23:59:59 +0000");
}

Test(notify_smtp_mime, a_transfer_comes_to_sent_retry_or_refused_by_where_and_what_the_relay_said)
{
    cr_expect_eq(nt_smtp_classify(CURLE_OK, 250, NT_SMTP_AT_END), NT_SMTP_SENT);
    /* the relay down, slow, or its TLS not as configured: later */
    cr_expect_eq(nt_smtp_classify(CURLE_COULDNT_CONNECT, 0, NT_SMTP_AT_CONNECT), NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_COULDNT_RESOLVE_HOST, 0, NT_SMTP_AT_CONNECT),
                 NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_OPERATION_TIMEDOUT, 250, NT_SMTP_AT_END), NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_SSL_CONNECT_ERROR, 220, NT_SMTP_AT_STARTTLS),
                 NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_PEER_FAILED_VERIFICATION, 220, NT_SMTP_AT_STARTTLS),
                 NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_USE_SSL_FAILED, 250, NT_SMTP_AT_HELLO), NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_GOT_NOTHING, 0, NT_SMTP_AT_CONNECT), NT_SMTP_RETRY);
    /* 4xx anywhere: later */
    cr_expect_eq(nt_smtp_classify(CURLE_SEND_ERROR, 451, NT_SMTP_AT_RCPT), NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 452, NT_SMTP_AT_END), NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 421, NT_SMTP_AT_CONNECT),
                 NT_SMTP_RETRY);
    /* 5xx for this recipient or this message: never */
    cr_expect_eq(nt_smtp_classify(CURLE_SEND_ERROR, 550, NT_SMTP_AT_RCPT), NT_SMTP_REFUSED);
    cr_expect_eq(nt_smtp_classify(CURLE_SEND_ERROR, 554, NT_SMTP_AT_DATA), NT_SMTP_REFUSED);
    cr_expect_eq(nt_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 552, NT_SMTP_AT_END), NT_SMTP_REFUSED);
    cr_expect_eq(nt_smtp_classify(CURLE_SEND_ERROR, 552, NT_SMTP_AT_MAIL), NT_SMTP_REFUSED);
    /* 5xx about us (login, sender, hello, TLS): our configuration, later */
    cr_expect_eq(nt_smtp_classify(CURLE_LOGIN_DENIED, 535, NT_SMTP_AT_AUTH), NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_SEND_ERROR, 530, NT_SMTP_AT_MAIL), NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_SEND_ERROR, 553, NT_SMTP_AT_MAIL), NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 554, NT_SMTP_AT_CONNECT),
                 NT_SMTP_RETRY);
    cr_expect_eq(nt_smtp_classify(CURLE_USE_SSL_FAILED, 502, NT_SMTP_AT_STARTTLS), NT_SMTP_RETRY);
}

Test(notify_smtp_mime, a_configuration_that_cannot_work_is_refused_at_start_up)
{
    nt_smtp_config_t ok = {.url = "smtp://relay.example.nhs.uk:587",
                           .from = "complaints@example.nhs.uk",
                           .from_name = "Complaints Team",
                           .tls = NT_SMTP_TLS_REQUIRE,
                           .domain = "candour.local"};
    char err[200];
    cr_expect_eq(nt_smtp_config_check(&ok, err, sizeof err), 0, "%s", err);
    nt_smtp_config_t c = ok;
    c.url = "http://relay:25";
    cr_expect_eq(nt_smtp_config_check(&c, err, sizeof err), -1);
    cr_expect(strstr(err, "smtp://"), "%s", err);
    c = ok;
    c.from = "not an address";
    cr_expect_eq(nt_smtp_config_check(&c, err, sizeof err), -1);
    c = ok;
    c.from_name = "Complaints\r\nBcc: x@y.z";
    cr_expect_eq(nt_smtp_config_check(&c, err, sizeof err), -1);
    c = ok;
    c.domain = "candour local";
    cr_expect_eq(nt_smtp_config_check(&c, err, sizeof err), -1);
    c = ok;
    c.ca_file = "/nonexistent/ca.pem";
    cr_expect_eq(nt_smtp_config_check(&c, err, sizeof err), -1);
    c = ok;
    c.user = "candour";
    cr_expect_eq(nt_smtp_config_check(&c, err, sizeof err), -1, "a user without a password");
    c.password = "pw";
    cr_expect_eq(nt_smtp_config_check(&c, err, sizeof err), 0, "%s", err);
}
