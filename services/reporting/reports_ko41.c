/* reports_ko41.c - the KO41a and KO41b returns of one body (ko41.h), with
 * true counts: they go to NHS England, whose collection suppresses what it
 * publishes, so nothing is suppressed here (ko41.h's note; L5 is about what
 * the body itself publishes). CSV in the layout ko41.h writes; JSON the same
 * numbers by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports.h"

enum { K_COMPLAINTS, K_ASPECTS };

static ko41_outcome_t s_outcome(const char *s)
{
    if (strcmp(s, "upheld") == 0)
        return KO41_UPHELD;
    if (strcmp(s, "partially-upheld") == 0)
        return KO41_PARTIALLY_UPHELD;
    if (strcmp(s, "not-upheld") == 0)
        return KO41_NOT_UPHELD;
    if (strcmp(s, "withdrawn") == 0)
        return KO41_WITHDRAWN;
    return KO41_OPEN;
}

static int s_text(char *s, size_t need, unsigned char **out, size_t *len, const char **media,
                  cd_fail_t *f)
{
    if (!s)
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    *out = (unsigned char *)s;
    *len = need;
    *media = "text/csv";
    return 0;
}

static int s_json(json_t *o, unsigned char **out, size_t *len, const char **media, cd_fail_t *f)
{
    char *s = o ? json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!s)
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    *out = (unsigned char *)s;
    *len = strlen(s);
    *media = "application/json";
    return 0;
}

static int s_ko41a(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats,
                   unsigned char **out, size_t *len, const char **media, cd_fail_t *f)
{
    const PGresult *cr = r[K_COMPLAINTS], *ar = r[K_ASPECTS];
    int nc = PQntuples(cr), na = PQntuples(ar);
    ko41_complaint_t *cs = calloc((size_t)nc + 1, sizeof *cs);
    ko41_aspect_t *as = calloc((size_t)na + 1, sizeof *as);
    const char **profs = calloc((size_t)na + 1, sizeof *profs);
    long *counts = calloc(cats->n + 1, sizeof *counts);
    int rc = -1;
    if (!cs || !as || !profs || !counts) {
        cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
        goto out;
    }
    /* Both lists are ordered by reference: each complaint's aspects are the
     * run of aspect rows with its reference. */
    int j = 0;
    for (int i = 0; i < nc; i++) {
        const char *ref = PQgetvalue(cr, i, 0);
        cs[i] = (ko41_complaint_t){.age_band = PQgetvalue(cr, i, 1),
                                   .status = PQgetvalue(cr, i, 2),
                                   .outcome = s_outcome(PQgetvalue(cr, i, 3)),
                                   .aspects = as + j};
        for (; j < na && strcmp(PQgetvalue(ar, j, 0), ref) == 0; j++) {
            const char *prof = PQgetvalue(ar, j, 3);
            profs[j] = prof;
            as[j] = (ko41_aspect_t){.subject = PQgetvalue(ar, j, 1),
                                    .service = PQgetvalue(ar, j, 2),
                                    .professions = prof[0] ? &profs[j] : NULL,
                                    .n_professions = prof[0] ? 1 : 0};
            cs[i].n_aspects++;
        }
    }
    ko41a_t res = {.counts = counts};
    if (ko41a_count(cats->cats, cats->n, cs, (size_t)nc, &res, f) != 0) {
        /* A code the category file does not list: the file is behind the
         * data (or the period's list is not the one the aspect was filed
         * under). Say which. */
        f->code = CD_CODE_FAILED_PRECONDITION;
        goto out;
    }
    if (a->format == RQ_CSV) {
        ko41_ident_t id = {.org = a->org, .from = a->from, .to = a->to};
        size_t need = ko41a_csv(&id, cats->cats, cats->n, &res, NULL, 0);
        char *s = malloc(need + 1);
        if (s)
            ko41a_csv(&id, cats->cats, cats->n, &res, s, need + 1);
        rc = s_text(s, need, out, len, media, f);
        goto out;
    }
    json_t *secs = json_object();
    for (size_t i = 0; i < cats->n; i++) {
        const char *sn = ko41_section_name(cats->cats[i].section);
        json_t *s = json_object_get(secs, sn);
        if (!s)
            json_object_set_new(secs, sn, s = json_object());
        json_object_set_new(s, cats->cats[i].code, json_integer(counts[i]));
    }
    rc = s_json(json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "report", "ko41a",
                          "org_id", a->org, "from", a->from_s, "to", a->to_s, "total",
                          (json_int_t)res.total, "upheld", (json_int_t)res.upheld,
                          "partially_upheld", (json_int_t)res.partially_upheld, "not_upheld",
                          (json_int_t)res.not_upheld, "sections", secs),
                out, len, media, f);
out:
    free(cs);
    free(as);
    free(profs);
    free(counts);
    return rc;
}

static int s_ko41b(const rq_ask_t *a, PGresult *const *r, unsigned char **out, size_t *len,
                   const char **media, cd_fail_t *f)
{
    const PGresult *br = r[0];
    int n = PQntuples(br);
    ko41b_complaint_t *cs = calloc((size_t)n + 1, sizeof *cs);
    if (!cs)
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    for (int i = 0; i < n; i++) {
        cd_date_parse(PQgetvalue(br, i, 0), &cs[i].received);
        cs[i].is_resolved = PQgetvalue(br, i, 1)[0] != 0;
        if (cs[i].is_resolved)
            cd_date_parse(PQgetvalue(br, i, 1), &cs[i].resolved);
        cs[i].outcome = s_outcome(PQgetvalue(br, i, 2));
    }
    ko41b_t b;
    int rc = ko41b_count(a->from, a->to, cs, (size_t)n, &b, f);
    free(cs);
    if (rc != 0) {
        f->code = CD_CODE_FAILED_PRECONDITION;
        return -1;
    }
    if (a->format == RQ_CSV) {
        const char *orgs[1] = {a->org};
        size_t need = ko41b_csv(a->from, a->to, orgs, &b, 1, NULL, 0);
        char *s = malloc(need + 1);
        if (s)
            ko41b_csv(a->from, a->to, orgs, &b, 1, s, need + 1);
        return s_text(s, need, out, len, media, f);
    }
    return s_json(json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                            "report", "ko41b", "org_id", a->org, "from", a->from_s, "to", a->to_s,
                            "brought_forward", (json_int_t)b.brought_forward, "new",
                            (json_int_t)b.new_, "upheld", (json_int_t)b.upheld, "partially_upheld",
                            (json_int_t)b.partially_upheld, "not_upheld", (json_int_t)b.not_upheld,
                            "withdrawn", (json_int_t)b.withdrawn, "resolved",
                            (json_int_t)b.resolved, "carried_forward",
                            (json_int_t)b.carried_forward),
                  out, len, media, f);
}

int rq_ko41(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats, unsigned char **out,
            size_t *len, const char **media, cd_fail_t *f)
{
    return a->kind == RQ_KO41A ? s_ko41a(a, r, cats, out, len, media, f)
                               : s_ko41b(a, r, out, len, media, f);
}
