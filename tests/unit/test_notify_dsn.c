/* test_notify_dsn.c - reading bounces (services/notify/dsn.c): which of our
 * letters, failed for good or delayed; anything else refused with a reason. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"

#define ID "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define DOMAIN "icb-w.example"

/* A corpus bounce with its letter id put in (@LETTER_ID@), malloc'd. */
static char *s_corpus(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/corpus/bounces/%s", CANDOUR_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char raw[16384];
    size_t n = fread(raw, 1, sizeof raw - 1, f);
    fclose(f);
    raw[n] = 0;
    char *out = malloc(n + 64);
    char *at = strstr(raw, "@LETTER_ID@");
    cr_assert(at);
    *at = 0;
    *len = (size_t)snprintf(out, n + 64, "%s%s%s", raw, ID, at + strlen("@LETTER_ID@"));
    return out;
}

static int s_parse(const char *text, nt_bounce_t *b, char *why)
{
    return nt_dsn_parse(text, strlen(text), DOMAIN, b, why, 160);
}

Test(dsn, N1_a_550_bounce_fails_the_letter_it_names)
{
    size_t len;
    char *t = s_corpus("postfix-550.eml", &len);
    nt_bounce_t b;
    char why[160];
    cr_assert_eq(nt_dsn_parse(t, len, DOMAIN, &b, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(b.letter_id, ID);
    cr_assert_str_eq(b.status, "5.1.1");
    cr_assert_eq(b.permanent, 1);
    cr_assert(strstr(b.diagnostic, "User unknown"), "%s", b.diagnostic);
    free(t);
}

Test(dsn, a_delay_is_recorded_not_a_failure)
{
    size_t len;
    char *t = s_corpus("postfix-delayed.eml", &len);
    nt_bounce_t b;
    char why[160];
    cr_assert_eq(nt_dsn_parse(t, len, DOMAIN, &b, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(b.status, "4.4.1");
    cr_assert_eq(b.permanent, 0);
    free(t);
}

Test(dsn, crlf_line_ends_read_the_same)
{
    size_t len;
    char *t = s_corpus("postfix-550.eml", &len);
    char *crlf = malloc(2 * len + 1);
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\n')
            crlf[w++] = '\r';
        crlf[w++] = t[i];
    }
    nt_bounce_t b;
    char why[160];
    cr_assert_eq(nt_dsn_parse(crlf, w, DOMAIN, &b, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(b.letter_id, ID);
    cr_assert_eq(b.permanent, 1);
    free(crlf);
    free(t);
}

Test(dsn, the_bounces_own_message_id_is_not_taken_for_ours)
{
    nt_bounce_t b;
    char why[160];
    cr_assert_eq(s_parse("Message-ID: <" ID "@" DOMAIN ">\nSubject: x\n\nAction: failed\n"
                         "Status: 5.0.0\n",
                         &b, why),
                 -1);
    cr_assert(strstr(why, "no Message-ID"), "%s", why);
}

Test(dsn, refusals_say_why)
{
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"Subject: hello\n\nJust a note, "
         "<" ID "@" DOMAIN ">\n",
         "not a delivery status"},
        {"Subject: x\n\nAction: failed\nStatus: 5.1.1\n<" ID "@other.example>\n", "no Message-ID"},
        {"Subject: x\n\nAction: delivered\nStatus: 2.0.0\n<" ID "@" DOMAIN ">\n",
         "notice of delivery"},
        {"Subject: x\n", "no body"},
        {"", "no body"},
        {"Subject: x\n\nAction: failed\n<7c9e6679-7425-40de-944b-e07fc1f90ae@" DOMAIN ">\n",
         "no Message-ID"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nt_bounce_t b;
        char why[160];
        cr_assert_eq(s_parse(cases[i].text, &b, why), -1, "case %zu accepted", i);
        cr_assert(strstr(why, cases[i].why), "case %zu: %s", i, why);
    }
}

Test(dsn, the_id_is_read_in_lower_case_and_the_diagnostic_as_printable_ascii)
{
    nt_bounce_t b;
    char why[160];
    cr_assert_eq(s_parse("Subject: x\n\nAction: failed\nDiagnostic-Code: smtp; 550 \x01\xc3\xa9\n"
                         "Message-ID: <7C9E6679-7425-40DE-944B-E07FC1F90AE7@ICB-W.example>\n",
                         &b, why),
                 0, "%s", why);
    cr_assert_str_eq(b.letter_id, ID);
    cr_assert_str_eq(b.diagnostic, "smtp; 550 ???");
    cr_assert_str_eq(b.status, "");
}
