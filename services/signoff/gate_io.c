/* gate_io.c - the quality gate's input from sign-off's read, and its
 * findings as a reply or a record (gate_io.h). */
#include "gate_io.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"
#include "candour/v1/case.pb-c.h"

enum {
    G_OUTCOME,
    G_VERSION,
    G_SHA256,
    G_TEXT,
    G_SUMMARY,
    G_RULES,
    G_MIN_FLESCH,
    G_MAX_WORDS,
    G_GLOSSARY
};

static const Candour__V1__Finding *s_finding(const Candour__V1__CaseSummary *s, const char *id)
{
    for (size_t i = 0; i < s->n_findings; i++)
        if (strcmp(s->findings[i]->issue_id, id) == 0)
            return s->findings[i];
    return NULL;
}

/* The key issues as the gate reads them, pointing into s. */
static so_key_issue_t *s_issues(const Candour__V1__CaseSummary *s)
{
    so_key_issue_t *v = calloc(s->n_issues ? s->n_issues : 1, sizeof *v);
    for (size_t i = 0; v && i < s->n_issues; i++) {
        const Candour__V1__KeyIssue *k = s->issues[i];
        const Candour__V1__Finding *f = s_finding(s, k->issue_id);
        v[i].id = k->issue_id;
        v[i].summary = k->summary;
        v[i].has_finding = f && f->verdict[0];
        v[i].upheld = f && strcmp(f->verdict, "upheld") == 0;
        v[i].not_addressed = f && strcmp(f->verdict, "not-addressed") == 0;
        v[i].not_addressed_reason = f ? f->not_addressed_reason : "";
    }
    return v;
}

/* The body's rules ([{check, severity}]), pointing into j. */
static so_severity_rule_t *s_rules(json_t *j, size_t *n)
{
    *n = json_is_array(j) ? json_array_size(j) : 0;
    so_severity_rule_t *v = calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; v && i < *n; i++) {
        json_t *o = json_array_get(j, i);
        const char *sev = json_string_value(json_object_get(o, "severity"));
        v[i].check = json_string_value(json_object_get(o, "check"));
        v[i].severity = sev && strcmp(sev, "advice") == 0 ? SO_ADVICE : SO_BLOCKING;
    }
    return v;
}

/* The glossary ([{term, meaning}]), pointing into j. */
static so_term_t *s_glossary(json_t *j, size_t *n)
{
    *n = json_is_array(j) ? json_array_size(j) : 0;
    so_term_t *v = calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; v && i < *n; i++) {
        json_t *o = json_array_get(j, i);
        v[i].term = json_string_value(json_object_get(o, "term"));
        v[i].meaning = json_string_value(json_object_get(o, "meaning"));
        if (!v[i].term || !v[i].meaning)
            v[i].term = v[i].meaning = "";
    }
    return v;
}

int so_gate_from_row(const PGresult *r, int col, so_gate_run_t *g)
{
    memset(g, 0, sizeof *g);
    if (PQgetisnull(r, 0, col + G_VERSION))
        return 0; /* no version to judge: the findings are the letter */
    g->version = atoi(PQgetvalue(r, 0, col + G_VERSION));
    snprintf(g->sha256, sizeof g->sha256, "%s", PQgetvalue(r, 0, col + G_SHA256));
    const char *summary = PQgetvalue(r, 0, col + G_SUMMARY);
    Candour__V1__CaseSummary *s = (Candour__V1__CaseSummary *)cd_pbjson_parse(
        &candour__v1__case_summary__descriptor, summary, strlen(summary), NULL);
    json_t *rules = json_loads(PQgetvalue(r, 0, col + G_RULES), 0, NULL);
    json_t *gloss = json_loads(PQgetvalue(r, 0, col + G_GLOSSARY), 0, NULL);
    g->summary = s;
    g->json = rules;
    g->json2 = gloss;
    if (!s || !rules || !gloss)
        return -1;
    size_t nrules, nterms;
    g->issues = s_issues(s);
    g->rules = s_rules(rules, &nrules);
    g->glossary = s_glossary(gloss, &nterms);
    if (!g->issues || !g->rules || !g->glossary)
        return -1;
    const char *outcome = PQgetvalue(r, 0, col + G_OUTCOME);
    so_gate_in_t in = {
        .text = PQgetvalue(r, 0, col + G_TEXT),
        .upheld = strcmp(outcome, "OUTCOME_UPHELD") == 0 ||
                  strcmp(outcome, "OUTCOME_PARTIALLY_UPHELD") == 0,
        .failings = s->failings,
        .actions = s->actions,
        .remedy = s->remedy,
        .issues = g->issues,
        .nissues = s->n_issues,
        .address_as = s->address_as,
        .name = s->complainant_name,
        .withheld = (const char *const *)s->withheld,
        .nwithheld = s->n_withheld,
        .glossary = g->glossary,
        .nglossary = nterms,
        .min_flesch = atof(PQgetvalue(r, 0, col + G_MIN_FLESCH)),
        .max_sentence_words = atoi(PQgetvalue(r, 0, col + G_MAX_WORDS)),
    };
    g->blocking = so_gate_run(&in, g->rules, nrules, &g->findings);
    return 0;
}

void so_gate_run_free(so_gate_run_t *g)
{
    so_findings_free(&g->findings);
    if (g->summary)
        protobuf_c_message_free_unpacked(g->summary, NULL);
    free(g->issues);
    free(g->glossary);
    free(g->rules);
    json_decref(g->json);
    json_decref(g->json2);
    memset(g, 0, sizeof *g);
}

/* The findings (all, or the advice only) as a JSON array of GateFinding. */
static json_t *s_findings_json(const so_gate_run_t *g, int advice_only)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < g->findings.n; i++) {
        const so_finding_t *f = &g->findings.v[i];
        if (advice_only && f->severity != SO_ADVICE)
            continue;
        json_t *o = json_pack("{s:s, s:b, s:i, s:i, s:s, s:s}", "check", f->check, "blocking",
                              f->severity == SO_BLOCKING, "paragraph", f->paragraph, "sentence",
                              f->sentence, "key_issue", f->key_issue, "message", f->message);
        if (!o || json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

Candour__V1__GateReport *so_gate_report(const so_gate_run_t *g, char *const *chain, size_t nchain)
{
    json_t *a = s_findings_json(g, 0), *c = json_array();
    for (size_t i = 0; c && i < nchain; i++)
        json_array_append_new(c, json_string(chain[i]));
    json_t *o = a && c ? json_pack("{s:i, s:s, s:o, s:i, s:o}", "version", g->version, "sha256",
                                   g->sha256, "findings", a, "blocking", g->blocking, "chain", c)
                       : NULL;
    if (!o)
        return NULL;
    Candour__V1__GateReport *rep = (Candour__V1__GateReport *)cd_pbjson_to_message(
        &candour__v1__gate_report__descriptor, o, NULL);
    json_decref(o);
    return rep;
}

char *so_gate_advice_json(const so_gate_run_t *g)
{
    json_t *a = s_findings_json(g, 1);
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

const so_finding_t *so_gate_first_blocking(const so_gate_run_t *g)
{
    for (size_t i = 0; i < g->findings.n; i++)
        if (g->findings.v[i].severity == SO_BLOCKING)
            return &g->findings.v[i];
    return NULL;
}
