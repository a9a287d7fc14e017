/* test_signoff_gate_plain.c - the sign-off quality gate's plain-English
 * checks (gate_plain.c): acronyms and terms explained on first use,
 * readability, long sentences and jargon, each on a good text (no finding
 * of that check) and a bad one (exactly the expected findings, by check and
 * place); the default glossary (deploy/glossary/default.csv); and the text
 * the checks read (gate_text.c): sentences and syllables.
 *
 * Only gate_plain.c's checks are called, not so_gate_run, so this suite
 * does not need gate_content.c. Longer letters are in
 * tests/corpus/letters/plain/. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "harness.h"

#define CORPUS CANDOUR_SOURCE_DIR "/tests/corpus/letters/plain/"

static const so_term_t s_glossary[] = {
    {"CHC", "NHS Continuing Healthcare"},
    {"DST", "Decision Support Tool"},
    {"MDT", "multidisciplinary team"},
    {"PALS", "Patient Advice and Liaison Service"},
    {"ICB", "Integrated Care Board"},
    {"GP", "general practitioner (family doctor)"},
    {"PHSO", "Parliamentary and Health Service Ombudsman"},
    {"hypoglycaemia", "low blood sugar"},
};

static so_gate_in_t s_in(void)
{
    so_gate_in_t in = {0};
    in.glossary = s_glossary;
    in.nglossary = sizeof s_glossary / sizeof s_glossary[0];
    return in;
}

static char *s_read(const char *path)
{
    return h_read_file(path);
}

/* One check on text with in's settings. */
static so_findings_t s_run(so_check_fn fn, so_gate_in_t in, const char *text)
{
    so_text_t t;
    in.text = text;
    cr_assert_eq(so_text_split(text, &t), 0);
    so_findings_t f = {0};
    fn(&in, &t, &f);
    so_text_free(&t);
    cr_assert_eq(f.oom, 0);
    return f;
}

/* The findings, one a line, for an assertion's message. */
static const char *s_dump(const so_findings_t *f)
{
    static char buf[8192];
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < f->n && o < sizeof buf; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "  %s %d.%d %s\n", f->v[i].check,
                              f->v[i].paragraph, f->v[i].sentence, f->v[i].message);
    return buf;
}

#define EXPECT_N(f, count)                                                                         \
    cr_assert_eq((f).n, (size_t)(count), "%zu findings, not %d:\n%s", (f).n, (count), s_dump(&(f)))

#define EXPECT_AT(f, i, chk, para, sent, needle)                                                   \
    do {                                                                                           \
        cr_assert_str_eq((f).v[i].check, (chk), "finding %d:\n%s", (i), s_dump(&(f)));             \
        cr_assert_eq((f).v[i].paragraph, (para), "finding %d:\n%s", (i), s_dump(&(f)));            \
        cr_assert_eq((f).v[i].sentence, (sent), "finding %d:\n%s", (i), s_dump(&(f)));             \
        cr_assert_not_null(strstr((f).v[i].message, (needle)), "no \"%s\" in finding %d:\n%s",     \
                           (needle), (i), s_dump(&(f)));                                           \
    } while (0)

/* ------------------------------------------------------------ terms */

Test(signoff_gate_plain, F1_an_acronym_explained_before_its_first_use_passes)
{
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "We looked at NHS Continuing Healthcare (CHC) for your father. "
                            "CHC pays for all his care.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_an_acronym_explained_after_its_first_use_passes)
{
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "We looked at CHC (NHS Continuing Healthcare) for your father. "
                            "The MDT (multidisciplinary team) met. The DST, which stands for "
                            "Decision Support Tool, was used. Your GP (general practitioner) "
                            "was told.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_the_meaning_is_compared_in_any_case)
{
    so_findings_t f =
        s_run(so_check_terms, s_in(), "We looked at nhs continuing healthcare (CHC) in May.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_quote_marks_around_a_term_do_not_hide_its_explanation)
{
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "We looked at NHS Continuing Healthcare (“CHC”) in May. The "
                            "\"MDT\" (multidisciplinary team) met.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_a_bracket_with_another_meaning_does_not_explain)
{
    so_findings_t f = s_run(so_check_terms, s_in(), "We looked at CHC (funded care) in May.");
    EXPECT_N(f, 1);
    EXPECT_AT(f, 0, SO_CHECK_TERMS, 1, 1,
              "\"CHC\" is not explained where it is first used: write \"NHS Continuing "
              "Healthcare (CHC)\"");
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_a_term_explained_only_later_is_flagged_at_its_first_use)
{
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "Thank you for your letter. Your father was assessed for CHC. CHC "
                            "was not agreed.\n\nNHS Continuing Healthcare (CHC) is care the NHS "
                            "pays for.");
    EXPECT_N(f, 1);
    EXPECT_AT(f, 0, SO_CHECK_TERMS, 1, 2, "NHS Continuing Healthcare (CHC)");
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_a_medical_word_is_found_in_any_case)
{
    so_findings_t f =
        s_run(so_check_terms, s_in(), "Your mother was unwell. Hypoglycaemia was found twice.");
    EXPECT_N(f, 1);
    EXPECT_AT(f, 0, SO_CHECK_TERMS, 1, 2, "write \"hypoglycaemia (low blood sugar)\"");
    so_findings_free(&f);

    f = s_run(so_check_terms, s_in(), "She had low blood sugar (hypoglycaemia) twice.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_a_short_form_matches_whole_words_in_its_own_case)
{
    /* "chc", "CHCX", "MDTA" are not "CHC" or "MDT"; "GPs" and "GP’s" are
     * "GP". */
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "The chc form and CHCX code. Two GPs saw her. The GP’s notes.");
    EXPECT_N(f, 2);
    EXPECT_AT(f, 0, SO_CHECK_TERMS, 1, 1, "\"CHCX\"");
    EXPECT_AT(f, 1, SO_CHECK_TERMS, 1, 2, "write \"GP (general practitioner (family doctor))\"");
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_an_unknown_acronym_is_flagged_once_at_its_first_use)
{
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "Thank you for writing.\n\nOur RCA found two things. The "
                            "RCA was shared. The root cause analysis (RCA) is done.");
    EXPECT_N(f, 1);
    EXPECT_AT(f, 0, SO_CHECK_TERMS, 2, 1,
              "\"RCA\" is not explained where it is first used: write it out in full, with the "
              "short form in brackets");
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_an_unknown_acronym_explained_on_first_use_passes)
{
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "Our root cause analysis (RCA) found two things. The SJR (structured "
                            "judgement review) agreed. The RCA was shared.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_allow_listed_words_references_and_postcodes_are_not_flagged)
{
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "I wrote to the NHS in the UK. A nurse said it was OK, as seen on TV. "
                            "Your reference is CDR-ABCD-EFGH. Write to LS1 1AA or call NHS 111 "
                            "at 9 AM.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_a_line_in_capitals_is_not_read_as_acronyms)
{
    so_findings_t f = s_run(so_check_terms, s_in(),
                            "YOUR COMPLAINT ABOUT CHC AND HYPOGLYCAEMIA\n\nNHS Continuing "
                            "Healthcare (CHC) is care the NHS pays for. Low blood sugar "
                            "(hypoglycaemia) was missed.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_without_a_glossary_every_unexplained_acronym_is_flagged)
{
    so_gate_in_t in = {0};
    so_findings_t f = s_run(so_check_terms, in,
                            "The CHC team met. The DST (Decision Support Tool) was used. The "
                            "SJR means that you may appeal.");
    EXPECT_N(f, 2);
    EXPECT_AT(f, 0, SO_CHECK_TERMS, 1, 1, "\"CHC\" is not explained");
    /* "means" here is the verb, not an explanation. */
    EXPECT_AT(f, 1, SO_CHECK_TERMS, 1, 3, "\"SJR\" is not explained");
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_a_letter_with_unexplained_acronyms_is_flagged_in_order)
{
    char *text = s_read(CORPUS "acronyms.txt");
    so_findings_t f = s_run(so_check_terms, s_in(), text);
    EXPECT_N(f, 5);
    EXPECT_AT(f, 0, SO_CHECK_TERMS, 3, 1, "\"CHC\"");
    EXPECT_AT(f, 1, SO_CHECK_TERMS, 3, 2, "\"DST\"");
    EXPECT_AT(f, 2, SO_CHECK_TERMS, 3, 3, "write \"multidisciplinary team (MDT)\"");
    EXPECT_AT(f, 3, SO_CHECK_TERMS, 5, 1, "\"RCA\" is not explained");
    EXPECT_AT(f, 4, SO_CHECK_TERMS, 5, 4, "\"GP\"");
    so_findings_free(&f);
    free(text);
}

Test(signoff_gate_plain, F1_a_plain_letter_explains_its_terms)
{
    char *text = s_read(CORPUS "good.txt");
    so_findings_t f = s_run(so_check_terms, s_in(), text);
    EXPECT_N(f, 0);
    so_findings_free(&f);
    free(text);
}

/* ------------------------------------------------------------ the default glossary */

/* One CSV field from *p (quoted or not), strdup'ed; *p moves past it and
 * its comma. */
static char *s_csv_field(const char **p)
{
    const char *s = *p;
    char *out = malloc(strlen(s) + 1), *o = out;
    if (*s == '"') {
        for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
            if (*s == '"')
                s++;
            *o++ = *s;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s && *s != ',' && *s != '\n')
            *o++ = *s++;
    }
    *o = 0;
    if (*s == ',')
        s++;
    *p = s;
    return out;
}

typedef struct {
    so_term_t v[100];
    size_t n;
    char *text;
} s_csv_t;

static void s_load_glossary(s_csv_t *g)
{
    g->text = s_read(CANDOUR_SOURCE_DIR "/deploy/glossary/default.csv");
    cr_assert_eq(strncmp(g->text, "term,meaning\n", 13), 0, "header is not term,meaning");
    g->n = 0;
    for (const char *p = g->text + 13; *p;) {
        cr_assert_lt(g->n, sizeof g->v / sizeof g->v[0]);
        g->v[g->n].term = s_csv_field(&p);
        g->v[g->n].meaning = s_csv_field(&p);
        cr_assert_eq(*p, '\n', "row %zu (%s) has more than two fields", g->n + 1, g->v[g->n].term);
        p++;
        g->n++;
    }
}

static void s_free_glossary(s_csv_t *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free((char *)g->v[i].term);
        free((char *)g->v[i].meaning);
    }
    free(g->text);
}

static const char *s_meaning(const s_csv_t *g, const char *term)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->v[i].term, term) == 0)
            return g->v[i].meaning;
    return NULL;
}

Test(signoff_gate_plain, F1_the_default_glossary_has_a_term_and_a_meaning_on_each_row)
{
    s_csv_t g;
    s_load_glossary(&g);
    cr_assert_geq(g.n, 30);
    for (size_t i = 0; i < g.n; i++) {
        cr_assert_gt(strlen(g.v[i].term), 0, "row %zu has no term", i + 1);
        cr_assert_gt(strlen(g.v[i].meaning), 0, "row %zu (%s) has no meaning", i + 1, g.v[i].term);
        for (size_t k = 0; k < i; k++)
            cr_assert_str_neq(g.v[k].term, g.v[i].term, "%s is listed twice", g.v[i].term);
    }
    cr_assert_str_eq(s_meaning(&g, "CHC"), "NHS Continuing Healthcare");
    cr_assert_str_eq(s_meaning(&g, "GP"), "general practitioner (family doctor)");
    cr_assert_str_eq(s_meaning(&g, "A&E"), "accident and emergency");
    /* A quoted meaning keeps its comma. */
    cr_assert_not_null(strchr(s_meaning(&g, "triage"), ','));
    s_free_glossary(&g);
}

Test(signoff_gate_plain, F1_the_default_glossary_checks_the_corpus_letters)
{
    s_csv_t g;
    s_load_glossary(&g);
    so_gate_in_t in = {0};
    in.glossary = g.v;
    in.nglossary = g.n;

    char *text = s_read(CORPUS "good.txt");
    so_findings_t f = s_run(so_check_terms, in, text);
    EXPECT_N(f, 0);
    so_findings_free(&f);
    free(text);

    text = s_read(CORPUS "acronyms.txt");
    f = s_run(so_check_terms, in, text);
    EXPECT_N(f, 5);
    EXPECT_AT(f, 0, SO_CHECK_TERMS, 3, 1, "NHS Continuing Healthcare (CHC)");
    EXPECT_AT(f, 4, SO_CHECK_TERMS, 5, 4, "\"GP\"");
    so_findings_free(&f);
    free(text);
    s_free_glossary(&g);
}

/* ------------------------------------------------------------ readability */

Test(signoff_gate_plain, F1_a_plain_letter_is_readable_enough)
{
    char *text = s_read(CORPUS "good.txt");
    so_findings_t f = s_run(so_check_readability, s_in(), text);
    EXPECT_N(f, 0);
    so_findings_free(&f);
    free(text);
}

Test(signoff_gate_plain, F1_a_dense_bureaucratic_letter_is_hard_to_read)
{
    char *text = s_read(CORPUS "dense.txt");
    so_text_t t;
    cr_assert_eq(so_text_split(text, &t), 0);
    char score[64];
    snprintf(score, sizeof score, "is %.1f, below the threshold of 50", so_text_flesch(&t));
    so_text_free(&t);

    so_findings_t f = s_run(so_check_readability, s_in(), text);
    EXPECT_N(f, 1);
    EXPECT_AT(f, 0, SO_CHECK_READABILITY, 0, 0, score);
    cr_assert_not_null(strstr(f.v[0].message, "shorter sentences"));
    so_findings_free(&f);
    free(text);
}

Test(signoff_gate_plain, F1_readability_uses_the_bodys_threshold_or_50_at_0)
{
    /* Flesch about 49.5: under the default 50, over a body's 40. */
    const char *text = "We have reviewed the information and decided the assessment was right.";
    so_text_t t;
    cr_assert_eq(so_text_split(text, &t), 0);
    double score = so_text_flesch(&t);
    so_text_free(&t);
    cr_assert(score > 40 && score < 50, "score %.1f", score);

    so_gate_in_t in = s_in();
    so_findings_t f = s_run(so_check_readability, in, text);
    EXPECT_N(f, 1);
    cr_assert_not_null(strstr(f.v[0].message, "threshold of 50"));
    so_findings_free(&f);

    in.min_flesch = 40;
    f = s_run(so_check_readability, in, text);
    EXPECT_N(f, 0);
    so_findings_free(&f);

    in.min_flesch = 65.5;
    f = s_run(so_check_readability, in, "We are sorry. The nurse was late. We will put it right.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
    f = s_run(so_check_readability, in, text);
    EXPECT_N(f, 1);
    cr_assert_not_null(strstr(f.v[0].message, "threshold of 65.5"));
    so_findings_free(&f);
}

/* ------------------------------------------------------------ long sentences */

/* A sentence of n words. */
static char *s_sentence(int n)
{
    size_t cap = (size_t)n * 5 + 2, len = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s", i ? " word" : "Word");
    snprintf(s + len, cap - len, ".");
    return s;
}

Test(signoff_gate_plain, F1_a_40_word_sentence_is_flagged_and_a_20_word_one_is_not)
{
    char *s20 = s_sentence(20), *s40 = s_sentence(40), text[1024];
    snprintf(text, sizeof text, "Dear Mrs Patel,\n\n%s %s\n\n%s", s20, s40, s20);
    so_findings_t f = s_run(so_check_long_sentences, s_in(), text);
    EXPECT_N(f, 1);
    EXPECT_AT(f, 0, SO_CHECK_LONG_SENTENCES, 2, 2, "has 40 words (the limit is 35)");
    cr_assert_not_null(strstr(f.v[0].message, "\"Word word word word word word word word...\""));
    so_findings_free(&f);

    f = s_run(so_check_long_sentences, s_in(), s20);
    EXPECT_N(f, 0);
    so_findings_free(&f);
    free(s20);
    free(s40);
}

Test(signoff_gate_plain, F1_the_sentence_limit_is_the_bodys_or_35_at_0)
{
    char *s35 = s_sentence(35), *s36 = s_sentence(36), text[1024];
    snprintf(text, sizeof text, "%s %s", s35, s36);
    so_gate_in_t in = s_in();
    so_findings_t f = s_run(so_check_long_sentences, in, text);
    EXPECT_N(f, 1);
    EXPECT_AT(f, 0, SO_CHECK_LONG_SENTENCES, 1, 2, "has 36 words");
    so_findings_free(&f);

    in.max_sentence_words = 20;
    f = s_run(so_check_long_sentences, in, text);
    EXPECT_N(f, 2);
    EXPECT_AT(f, 0, SO_CHECK_LONG_SENTENCES, 1, 1, "has 35 words (the limit is 20)");
    EXPECT_AT(f, 1, SO_CHECK_LONG_SENTENCES, 1, 2, "has 36 words (the limit is 20)");
    so_findings_free(&f);
    free(s35);
    free(s36);
}

Test(signoff_gate_plain, F1_a_plain_letter_has_no_long_sentences_and_a_dense_one_has)
{
    char *text = s_read(CORPUS "good.txt");
    so_findings_t f = s_run(so_check_long_sentences, s_in(), text);
    EXPECT_N(f, 0);
    so_findings_free(&f);
    free(text);

    text = s_read(CORPUS "dense.txt");
    f = s_run(so_check_long_sentences, s_in(), text);
    EXPECT_N(f, 3);
    EXPECT_AT(f, 0, SO_CHECK_LONG_SENTENCES, 2, 1, "\"Further to the aforementioned");
    EXPECT_AT(f, 1, SO_CHECK_LONG_SENTENCES, 3, 1, "\"Having considered the documentation");
    EXPECT_AT(f, 2, SO_CHECK_LONG_SENTENCES, 4, 1, "\"Learning points arising from");
    so_findings_free(&f);
    free(text);
}

/* ------------------------------------------------------------ jargon */

static const char *const s_jargon[] = {"going forward", "learning points", "touch base",
                                       "prior to"};

static so_gate_in_t s_in_jargon(void)
{
    so_gate_in_t in = s_in();
    in.jargon = s_jargon;
    in.njargon = sizeof s_jargon / sizeof s_jargon[0];
    return in;
}

Test(signoff_gate_plain, F1_jargon_is_found_in_any_case_once_at_its_first_use)
{
    so_findings_t f = s_run(so_check_jargon, s_in_jargon(),
                            "Thank you for your letter.\n\nLEARNING POINTS were shared. Going "
                            "Forward we will\ntouch   base with you. Going forward, we will call "
                            "you prior\nto any change.");
    EXPECT_N(f, 4);
    EXPECT_AT(f, 0, SO_CHECK_JARGON, 2, 1, "\"LEARNING POINTS\" is jargon");
    cr_assert_not_null(strstr(f.v[0].message, "write \"lessons\""));
    EXPECT_AT(f, 1, SO_CHECK_JARGON, 2, 2, "\"Going Forward\" is jargon");
    cr_assert_not_null(strstr(f.v[1].message, "write \"from now on\""));
    /* Not on Candour's list: no plain words to offer. */
    EXPECT_AT(f, 2, SO_CHECK_JARGON, 2, 2, "\"touch base\" is jargon");
    cr_assert_not_null(strstr(f.v[2].message, "plain, everyday words"));
    EXPECT_AT(f, 3, SO_CHECK_JARGON, 2, 3, "\"prior to\" is jargon");
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_jargon_matches_whole_words_only)
{
    so_findings_t f = s_run(so_check_jargon, s_in(),
                            "The robustness of the remittance was checked. We will support "
                            "you. The notes were processed.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_jargon_matches_common_endings)
{
    so_findings_t f =
        s_run(so_check_jargon, s_in(), "Your concern was escalated. We are utilising the notes.");
    EXPECT_N(f, 2);
    EXPECT_AT(f, 0, SO_CHECK_JARGON, 1, 1, "\"escalated\" is jargon");
    EXPECT_AT(f, 1, SO_CHECK_JARGON, 1, 2, "\"utilising\" is jargon");
    cr_assert_not_null(strstr(f.v[1].message, "write \"use\""));
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_the_default_jargon_list_applies_when_none_is_given)
{
    so_findings_t f = s_run(so_check_jargon, s_in(),
                            "This was logged on Datix. Going forward, we will commence a review "
                            "in accordance with policy.");
    EXPECT_N(f, 4);
    EXPECT_AT(f, 0, SO_CHECK_JARGON, 1, 1, "\"Datix\"");
    EXPECT_AT(f, 1, SO_CHECK_JARGON, 1, 2, "\"Going forward\"");
    EXPECT_AT(f, 2, SO_CHECK_JARGON, 1, 2, "\"commence\"");
    cr_assert_not_null(strstr(f.v[2].message, "write \"start\""));
    EXPECT_AT(f, 3, SO_CHECK_JARGON, 1, 2, "\"in accordance with\"");
    so_findings_free(&f);

    /* A body's own list replaces Candour's. */
    f = s_run(so_check_jargon, s_in_jargon(), "This was logged on Datix.");
    EXPECT_N(f, 0);
    so_findings_free(&f);
}

Test(signoff_gate_plain, F1_a_plain_letter_has_no_jargon_and_a_dense_one_has)
{
    char *text = s_read(CORPUS "good.txt");
    so_findings_t f = s_run(so_check_jargon, s_in(), text);
    EXPECT_N(f, 0);
    so_findings_free(&f);
    free(text);

    text = s_read(CORPUS "dense.txt");
    f = s_run(so_check_jargon, s_in(), text);
    cr_assert_geq(f.n, 12, "%zu findings:\n%s", f.n, s_dump(&f));
    EXPECT_AT(f, 0, SO_CHECK_JARGON, 2, 1, "\"aforementioned\"");
    EXPECT_AT(f, 1, SO_CHECK_JARGON, 2, 1, "\"in accordance with\"");
    for (size_t i = 0; i < f.n; i++)
        cr_assert_str_eq(f.v[i].check, SO_CHECK_JARGON);
    so_findings_free(&f);
    free(text);
}

/* ------------------------------------------------------------ the text */

Test(signoff_gate_plain, text_syllables_are_a_fair_english_count)
{
    static const struct {
        const char *word;
        int syllables;
    } w[] = {
        {"cat", 1},           {"table", 2},     {"hospital", 3}, {"complaint", 2},
        {"investigation", 5}, {"people", 2},    {"asked", 1},    {"needed", 2},
        {"sorry", 2},         {"apologise", 4}, {"a", 1},        {"2024", 1},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        cr_assert_eq(so_syllables(w[i].word, strlen(w[i].word)), w[i].syllables, "%s: %d",
                     w[i].word, so_syllables(w[i].word, strlen(w[i].word)));
}

Test(signoff_gate_plain, text_split_finds_headings_lists_and_abbreviations)
{
    const char *text = "Your complaint\n\n"
                       "I met Dr. Khan on 3 May. He said the dose was 2.5 mg, e.g. twice a day!\n\n"
                       "What we will do:\n"
                       "- train the nurses\n"
                       "- write to you again\n\n"
                       "Yours sincerely";
    so_text_t t;
    cr_assert_eq(so_text_split(text, &t), 0);
    cr_assert_eq(t.paragraphs, 4);
    cr_assert_eq(t.n, 7);
    static const struct {
        int paragraph, sentence, words;
        const char *starts;
    } want[] = {
        {1, 1, 2, "Your complaint"},   {2, 1, 7, "I met Dr. Khan"}, {2, 2, 0, "He said"},
        {3, 1, 4, "What we will do:"}, {3, 2, 3, "- train"},        {3, 3, 4, "- write"},
        {4, 1, 2, "Yours sincerely"},
    };
    for (size_t i = 0; i < t.n; i++) {
        cr_assert_eq(t.s[i].paragraph, want[i].paragraph, "sentence %zu", i);
        cr_assert_eq(t.s[i].sentence, want[i].sentence, "sentence %zu", i);
        /* 0: not counted here ("2.5" and "e.g." count as two words each). */
        if (want[i].words)
            cr_assert_eq(t.s[i].words, want[i].words, "sentence %zu: %d words", i, t.s[i].words);
        cr_assert_eq(strncmp(text + t.s[i].start, want[i].starts, strlen(want[i].starts)), 0,
                     "sentence %zu: %.*s", i, (int)t.s[i].len, text + t.s[i].start);
    }
    cr_assert_eq(t.s[1].len, strlen("I met Dr. Khan on 3 May."));
    /* so_text_at finds a sentence by a byte inside it, none in a gap. */
    cr_assert_eq(so_text_at(&t, (size_t)(strstr(text, "Khan") - text)), &t.s[1]);
    cr_assert_null(so_text_at(&t, strlen("Your complaint")));
    so_text_free(&t);
}

Test(signoff_gate_plain, text_split_a_numbered_item_is_one_sentence)
{
    /* "1." starts the item; it does not end a sentence. */
    so_text_t t;
    cr_assert_eq(so_text_split("We will:\n1. Train the nurses.\n2. Write to you.", &t), 0);
    cr_assert_eq(t.n, 3);
    cr_assert_eq(t.s[1].words, 4);
    so_text_free(&t);
}

Test(signoff_gate_plain, text_an_empty_letter_reads_as_easy)
{
    so_text_t t;
    cr_assert_eq(so_text_split("", &t), 0);
    cr_assert_eq(t.n, 0);
    cr_assert_float_eq(so_text_flesch(&t), 100.0, 1e-9);
    so_findings_t f = {0};
    so_gate_in_t in = s_in();
    in.text = "";
    so_check_terms(&in, &t, &f);
    so_check_readability(&in, &t, &f);
    so_check_long_sentences(&in, &t, &f);
    so_check_jargon(&in, &t, &f);
    EXPECT_N(f, 0);
    so_text_free(&t);
}

/* A heading straight above its text is a sentence of its own, and "no."
 * ends a sentence unless a number follows ("No. 5"). */
Test(signoff_gate_plain, text_split_a_heading_above_its_text_is_a_sentence)
{
    so_text_t t;
    cr_assert_eq(so_text_split("What we found\nThe checks were late.", &t), 0);
    cr_assert_eq(t.n, 2);
    so_text_free(&t);
}

Test(signoff_gate_plain, text_split_no_at_the_end_of_a_sentence_ends_it)
{
    so_text_t t;
    cr_assert_eq(so_text_split("Was the care right? No. We were wrong.", &t), 0);
    cr_assert_eq(t.n, 3);
    so_text_free(&t);
}
