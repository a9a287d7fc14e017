/* gate.c - the quality gate's table of checks, the body's severities and
 * the run (gate.h). Pure. */
#include "gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const so_check_t s_checks[] = {
    {SO_CHECK_SALUTATION, so_check_salutation, SO_BLOCKING,
     "the complainant is addressed as they asked"},
    {SO_CHECK_KEY_ISSUES, so_check_key_issues, SO_BLOCKING,
     "every key issue has a finding, or the reason it is not addressed (V3, F1)"},
    {SO_CHECK_INVESTIGATION, so_check_investigation, SO_BLOCKING,
     "how the complaint was investigated and the evidence considered are stated (F1)"},
    {SO_CHECK_APOLOGY, so_check_apology, SO_BLOCKING,
     "a direct apology where anything was upheld or partly upheld (F1)"},
    {SO_CHECK_INDIRECT_APOLOGY, so_check_indirect_apology, SO_BLOCKING,
     "no conditional or deflecting apology (\"sorry that you felt\", \"sorry if\") (F1)"},
    {SO_CHECK_ACTIONS, so_check_actions, SO_BLOCKING,
     "actions, lessons and the remedy where failings were found (V5, F1)"},
    {SO_CHECK_OMBUDSMAN, so_check_ombudsman, SO_BLOCKING,
     "the right to go to the Ombudsman, with its contact details (F3)"},
    {SO_CHECK_WITHHELD, so_check_withheld, SO_BLOCKING,
     "no other person's details that the case marks as not to be disclosed"},
    {SO_CHECK_TERMS, so_check_terms, SO_BLOCKING,
     "acronyms and medical terms explained on first use (the body's glossary)"},
    {SO_CHECK_READABILITY, so_check_readability, SO_ADVICE,
     "Flesch reading ease at least the body's threshold"},
    {SO_CHECK_LONG_SENTENCES, so_check_long_sentences, SO_ADVICE,
     "no sentence longer than the body's limit"},
    {SO_CHECK_JARGON, so_check_jargon, SO_ADVICE, "no words from the body's jargon list"},
};

#define S_NCHECKS (sizeof s_checks / sizeof s_checks[0])

const so_check_t *so_checks(size_t *n)
{
    *n = S_NCHECKS;
    return s_checks;
}

int so_check_known(const char *name)
{
    for (size_t i = 0; i < S_NCHECKS; i++)
        if (name && strcmp(s_checks[i].name, name) == 0)
            return 1;
    return 0;
}

static so_severity_t s_severity(const so_check_t *c, const so_severity_rule_t *rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rules[i].check && strcmp(rules[i].check, c->name) == 0)
            return rules[i].severity;
    return c->severity;
}

int so_gate_run(const so_gate_in_t *in, const so_severity_rule_t *rules, size_t nrules,
                so_findings_t *out)
{
    so_text_t t;
    if (so_text_split(in->text, &t) != 0) {
        out->oom = 1;
        return 1;
    }
    int blocking = 0;
    for (size_t i = 0; i < S_NCHECKS; i++) {
        size_t from = out->n;
        s_checks[i].fn(in, &t, out);
        so_severity_t sev = s_severity(&s_checks[i], rules, nrules);
        for (size_t k = from; k < out->n; k++) {
            out->v[k].severity = sev;
            blocking += sev == SO_BLOCKING;
        }
    }
    so_text_free(&t);
    return blocking + (out->oom ? 1 : 0);
}
