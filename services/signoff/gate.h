/* gate.h - the quality gate of a draft response (F1, F3): before anyone
 * signs, each check reads the draft version's text with what the case knows
 * and adds findings a signatory can act on. Pure: no I/O, no clock; the
 * handler reads the draft and the body's settings and calls so_gate_run.
 *
 *   gate_text.c    the text as paragraphs, sentences and words (so_text_*)
 *   gate_content.c what a response must say: each key issue answered, how it
 *                  was investigated, a direct apology when upheld, actions,
 *                  lessons and remedy after failings, the Ombudsman, the
 *                  complainant addressed as they asked, no withheld names
 *   gate_plain.c   plain English: terms explained on first use (glossary),
 *                  readability, long sentences, jargon
 *   gate_findings.c the list of findings
 *   gate.c         the checks' table, severities per body, so_gate_run
 *
 * Each check has a name (SO_CHECK_*), a default severity, and a pure
 * function with its own tests on good and bad letters (tests/unit/
 * test_signoff_gate_*.c, corpus under tests/corpus/letters/). */
#ifndef SIGNOFF_GATE_H
#define SIGNOFF_GATE_H

#include <stddef.h>

/* ---------------------------------------------------------------- findings */

typedef enum {
    SO_ADVICE,  /* shown to every signatory; who signed over it is recorded */
    SO_BLOCKING /* no one may sign until it is put right */
} so_severity_t;

/* The checks, by name (the findings' `check`, the body's settings' keys). */
#define SO_CHECK_KEY_ISSUES "key-issues"             /* every key issue answered */
#define SO_CHECK_INVESTIGATION "investigation"       /* how it was looked into, what evidence */
#define SO_CHECK_APOLOGY "apology"                   /* a direct apology when upheld */
#define SO_CHECK_INDIRECT_APOLOGY "indirect-apology" /* "sorry that you felt", "sorry if" */
#define SO_CHECK_ACTIONS "actions"                   /* actions, lessons, remedy after failings */
#define SO_CHECK_OMBUDSMAN "ombudsman"               /* the right to go, and how to reach it */
#define SO_CHECK_TERMS "terms"                       /* acronyms and terms explained on first use */
#define SO_CHECK_READABILITY "readability"       /* Flesch reading ease at least the threshold */
#define SO_CHECK_LONG_SENTENCES "long-sentences" /* sentences over the word limit */
#define SO_CHECK_JARGON "jargon"                 /* words from the body's jargon list */
#define SO_CHECK_SALUTATION "salutation"         /* a draft's own "Dear ..." as they asked */
#define SO_CHECK_WITHHELD "withheld"             /* no name the case marks not to disclose */

#define SO_CHECK_LEN 24
#define SO_MESSAGE_LEN 400
#define SO_PLACE_ISSUE_LEN 16

/* One finding. paragraph and sentence are 1-based places in the text (0:
 * the letter as a whole); key_issue names a key issue ("K2") when the
 * finding is about one. */
typedef struct {
    char check[SO_CHECK_LEN];
    so_severity_t severity;
    int paragraph, sentence;
    char key_issue[SO_PLACE_ISSUE_LEN];
    char message[SO_MESSAGE_LEN]; /* plain words a signatory can act on */
} so_finding_t;

/* A growing list of findings (so_findings_add; free with so_findings_free). */
typedef struct {
    so_finding_t *v;
    size_t n, cap;
    int oom; /* an add failed: the list is incomplete (the gate then blocks) */
} so_findings_t;

/* Add one (severity is set by so_gate_run from the body's settings; checks
 * add with their default). message is printf-formatted. */
void so_findings_add(so_findings_t *f, const char *check, so_severity_t severity, int paragraph,
                     int sentence, const char *key_issue, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
void so_findings_free(so_findings_t *f);

/* ---------------------------------------------------------------- the text */

/* A sentence: where it is in the text (bytes), its place, its words. */
typedef struct {
    size_t start, len; /* into the text */
    int paragraph;     /* 1-based */
    int sentence;      /* 1-based within its paragraph */
    int words;
    int syllables; /* estimated, English (for readability) */
} so_sentence_t;

/* The text split once: paragraphs are separated by a blank line; a
 * heading (a line of its own with no sentence end) and each list item
 * ("- ..." or "1. ...") count as sentences of their paragraph. Sentences
 * end at ".", "!" or "?" followed by space or the end, but not after a
 * known abbreviation ("Dr.", "Mr.", "e.g.", "i.e.", "etc.", "St.", "No.")
 * or a number's decimal point. */
typedef struct {
    const char *text;
    so_sentence_t *s;
    size_t n;
    int paragraphs;
    int words, syllables; /* totals */
} so_text_t;

/* 0, or -1 when out of memory (t is then empty). text must outlive t. */
int so_text_split(const char *text, so_text_t *t);
void so_text_free(so_text_t *t);

/* Flesch reading ease of the whole text: 206.835 - 1.015 (words /
 * sentences) - 84.6 (syllables / words); 100 for an empty text. Higher is
 * easier; 60-70 is plain English. */
double so_text_flesch(const so_text_t *t);

/* Syllables in one word (ASCII letters; others ignored), at least 1. */
int so_syllables(const char *word, size_t len);

/* Whether p (plen bytes) stands in x at `at`, not reading at or past end:
 * letters in any case when icase, a run of white space as any other (a
 * phrase may wrap a line), a straight apostrophe as a curly one (text
 * pasted from a word processor). The match's end (> at), or 0. */
size_t so_text_match(const char *x, size_t at, size_t end, const char *p, size_t plen, int icase);

/* The sentence holding byte offset `at` (NULL when none). */
const so_sentence_t *so_text_at(const so_text_t *t, size_t at);

/* ---------------------------------------------------------------- inputs */

/* What the case says of one key issue (V3) and its finding. */
typedef struct {
    const char *id;      /* "K1" */
    const char *summary; /* the key issue as agreed */
    int has_finding;     /* a finding was recorded */
    int upheld;          /* ... upheld */
    int not_addressed;   /* ... recorded as not addressed, with... */
    const char *not_addressed_reason;
} so_key_issue_t;

/* A term a body explains to complainants: its short form and what it
 * stands for ("CHC", "NHS Continuing Healthcare"). */
typedef struct {
    const char *term;
    const char *meaning;
} so_term_t;

/* Candour's thresholds, for a body that set none: Flesch reading ease at
 * least 50 (plain English is 60-70), sentences of at most 35 words. */
#define SO_DEFAULT_MIN_FLESCH 50
#define SO_DEFAULT_MAX_SENTENCE_WORDS 35

/* Everything the checks read: the draft, the case, the body's settings. */
typedef struct {
    const char *text; /* the draft version's text (UTF-8) */
    /* the case */
    int upheld;   /* the outcome is upheld or partly upheld */
    int failings; /* failings were recorded (F1: actions and lessons follow) */
    int actions;  /* actions recorded */
    int remedy;   /* a remedy recorded */
    const so_key_issue_t *issues;
    size_t nissues;
    const char *address_as; /* how the complainant asked to be addressed ("" = name) */
    const char *name;       /* the complainant's name */
    /* Names the case marks as not to be disclosed, in every form to catch
     * ("Karen Booth", "Ms Booth"): each is matched as written, whole words. */
    const char *const *withheld;
    size_t nwithheld;
    /* the body's settings; 0 / NULL: Candour's defaults (gate_plain.c: the
     * jargon list, and the two thresholds below). The glossary has
     * no default here: the handler passes the body's, else the shipped one
     * (deploy/glossary/default.csv); with none, only unexplained acronyms
     * are found. */
    const so_term_t *glossary;
    size_t nglossary;
    const char *const *jargon; /* words and phrases to avoid */
    size_t njargon;
    double min_flesch;      /* readability threshold (0: SO_DEFAULT_MIN_FLESCH) */
    int max_sentence_words; /* long-sentence limit (0: SO_DEFAULT_MAX_SENTENCE_WORDS) */
} so_gate_in_t;

/* ---------------------------------------------------------------- checks */

/* Each check reads in (and the split text) and adds findings at its
 * default severity. */
typedef void (*so_check_fn)(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);

/* gate_content.c */
void so_check_key_issues(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_investigation(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_apology(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_indirect_apology(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_actions(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_ombudsman(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_salutation(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_withheld(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
/* gate_plain.c */
void so_check_terms(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_readability(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_long_sentences(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);
void so_check_jargon(const so_gate_in_t *in, const so_text_t *t, so_findings_t *out);

/* ---------------------------------------------------------------- the gate */

/* A body's choice of severity for one check (its settings, as data). */
typedef struct {
    const char *check;
    so_severity_t severity;
} so_severity_rule_t;

/* The checks in the order they run, with their default severities. */
typedef struct {
    const char *name;
    so_check_fn fn;
    so_severity_t severity;
    const char *what; /* one line, for the README and `--help` */
} so_check_t;
const so_check_t *so_checks(size_t *n);

/* Whether name is a check's (for a body's settings). */
int so_check_known(const char *name);

/* Run every check on in, into out (appended), each finding at the body's
 * severity for its check (rules, nrules), else the check's default. Returns
 * the number of blocking findings; a list left incomplete by a lack of
 * memory counts as one more (the gate never opens on a check not run). */
int so_gate_run(const so_gate_in_t *in, const so_severity_rule_t *rules, size_t nrules,
                so_findings_t *out);

#endif
