/* reports_benchmark.c - benchmarking bodies against targets (L3): each
 * body's figures for the period (reports_sql.c) through bm_compute
 * (benchmark.h), the targets set as data (reporting.target), and a funnel
 * plot of "acknowledged within 3 working days" (funnel.h).
 *
 * Small numbers (L5): a count from 1 to 4 is "*", and so is a proportion
 * whose numerator or denominator is from 1 to 4 (2 of 3 gives both away);
 * such a body is left off the funnel plot's points, though its flag is
 * still given (a flag is not a count). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark.h"
#include "funnel.h"
#include "reports.h"
#include "svg.h"

enum { B_FIGURES, B_DAYS, B_TARGETS };

#define S_MAXBODIES 64
#define S_SPLIT 4 /* indicators [0, 4) are deadlines', the rest outcomes' */

static int s_small(long v)
{
    return v >= SUP_MIN && v <= SUP_MAX;
}

static const rp_definition_t s_defs[] = {
    {"Acknowledged in 3 days", "Complaints received in the period whose acknowledgement went "
                               "within 3 working days, of those received."},
    {"Responded in time", "Final responses sent in the period by the agreed date (extensions "
                          "included), of those sent."},
    {"Median working days", "The median of working days (Monday to Friday) from receipt to the "
                            "final response, over the responses sent in the period."},
    {"Funnel plot", "Each body's proportion against the proportion of all bodies together, with "
                    "95% and 99.8% limits for its number of complaints: a body beyond them "
                    "differs by more than chance explains."},
    {"Best performers", "The best quarter of the bodies with a value, by the indicator's better "
                        "direction (ties included)."},
    {"Figures from", "Candour: counted from the body's complaints in Candour. Its return: the "
                     "benchmarking return the body sent for exactly this period (upheld there "
                     "is upheld wholly or in part, the median its own). None: neither."},
};

/* The funnel's drawing: statics for the one report made at a time. */
static rp_funnel_body_t s_fb[S_MAXBODIES];
static rp_limit_t s_l95[40], s_l998[40];
static rp_funnel_t s_funnel;

static const char *const s_ind_cols[] = {
    "Acknowledged in 3 days", "Responded in time",  "Median working days", "Extended", "Upheld",
    "Referred to Ombudsman",  "Upheld by Ombudsman"};
static const char *const s_fig_cols[] = {"Received", "Closed", "Figures from"};

/* Where a body's figures come from (reports_sql.c's source column), as the
 * figures table says it. */
static const char *s_source_words(const char *source)
{
    if (strcmp(source, "candour") == 0)
        return "Candour";
    if (strcmp(source, "return") == 0)
        return "Its return";
    return "None";
}

int rq_benchmark(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats,
                 unsigned char **out, size_t *len, const char **media, cd_fail_t *f)
{
    (void)cats; /* bodies, not categories */
    const PGresult *fr = r[B_FIGURES], *dr = r[B_DAYS], *tr = r[B_TARGETS];
    size_t n = (size_t)PQntuples(fr);
    if (n > S_MAXBODIES)
        n = S_MAXBODIES;
    bm_figures_t b[S_MAXBODIES];
    const char *source[S_MAXBODIES];
    bm_result_t *res = calloc(n * BM_IND_COUNT + 1, sizeof *res);
    double *days = calloc((size_t)PQntuples(dr) + 1, sizeof *days);
    if (!res || !days) {
        free(res);
        free(days);
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        int k = (int)i;
        b[i] = (bm_figures_t){.body = PQgetvalue(fr, k, 0),
                              .received = atol(PQgetvalue(fr, k, 1)),
                              .acknowledged = atol(PQgetvalue(fr, k, 2)),
                              .closed = atol(PQgetvalue(fr, k, 3)),
                              .responded_in_time = atol(PQgetvalue(fr, k, 4)),
                              .extended = atol(PQgetvalue(fr, k, 5)),
                              .upheld = atol(PQgetvalue(fr, k, 6)),
                              .ombudsman_referred = atol(PQgetvalue(fr, k, 7)),
                              .ombudsman_upheld = atol(PQgetvalue(fr, k, 8))};
        source[i] = PQgetvalue(fr, k, 9);
        if (strcmp(source[i], "candour") != 0) {
            /* A return's own median (none when it closed none), or nothing. */
            const char *m = PQgetvalue(fr, k, 10);
            b[i].has_median = m[0] != '\0';
            b[i].median_days = b[i].has_median ? atof(m) : 0;
            continue;
        }
        size_t nd = 0;
        for (int j = 0; j < PQntuples(dr); j++)
            if (strcmp(PQgetvalue(dr, j, 0), b[i].body) == 0)
                days[nd++] = atof(PQgetvalue(dr, j, 1));
        b[i].has_median = bm_median(days, nd, &b[i].median_days) == 0;
    }
    free(days);
    bm_target_t t[BM_IND_COUNT];
    size_t nt = 0;
    for (int j = 0; j < PQntuples(tr) && nt < BM_IND_COUNT; j++) {
        int ind = bm_indicator_from_name(PQgetvalue(tr, j, 0));
        if (ind < 0)
            continue;
        t[nt++] = (bm_target_t){(bm_indicator_t)ind, atof(PQgetvalue(tr, j, 1)),
                                strcmp(PQgetvalue(tr, j, 2), "lower") == 0 ? SPC_LOWER_BETTER
                                                                           : SPC_HIGHER_BETTER};
    }
    double overall[BM_IND_COUNT];
    if (bm_compute(b, n, t, nt, res, overall, f) != 0) {
        free(res);
        f->code = CD_CODE_FAILED_PRECONDITION;
        return -1;
    }

    rq_doc_t d = {.ask = a,
                  .title = "Benchmarking complaint handling",
                  .defs = s_defs,
                  .ndefs = sizeof s_defs / sizeof s_defs[0]};
    d.extra = json_object();
    int rc = -1;
    rq_doc_section(&d, "The bodies compared");
    rq_doc_para(&d, "Each body's complaints of the period, against the targets set and against "
                    "one another: the bodies that worked on complaints with this one, and the "
                    "providers it commissions. A body that uses Candour is counted from its "
                    "complaints; one that does not, from the benchmarking return it sent for "
                    "exactly this period; a body with neither has no figures.");
    rq_tab_t *ft =
        rq_doc_tab(&d, "figures", "Complaints received and closed in the period", 3, s_fig_cols);
    /* Seven indicators do not fit across A4 with the bodies' codes: the
     * deadlines in one table, the outcomes in another. */
    rq_tab_t *it = rq_doc_tab(&d, "deadlines", "Deadline indicators by body", S_SPLIT, s_ind_cols);
    rq_tab_t *it2 = rq_doc_tab(&d, "outcomes", "Outcome indicators by body", BM_IND_COUNT - S_SPLIT,
                               s_ind_cols + S_SPLIT);
    json_t *bodies = json_array();
    for (size_t i = 0; i < n; i++) {
        rq_row_t *fr1 = rq_tab_row(ft, b[i].body, b[i].body);
        rq_row_t *ir = rq_tab_row(it, b[i].body, b[i].body);
        rq_row_t *ir2 = rq_tab_row(it2, b[i].body, b[i].body);
        if (!fr1 || !ir || !ir2) {
            cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
            goto out;
        }
        fr1->v[0] = b[i].received;
        fr1->v[1] = b[i].closed;
        snprintf(fr1->fig[2], sizeof fr1->fig[2], "%s", s_source_words(source[i]));
        if (strcmp(source[i], "none") == 0) {
            snprintf(fr1->fig[0], sizeof fr1->fig[0], "-");
            snprintf(fr1->fig[1], sizeof fr1->fig[1], "-");
        }
        json_t *inds = json_object();
        for (int k = 0; k < BM_IND_COUNT; k++) {
            const bm_result_t *x = &res[i * BM_IND_COUNT + (size_t)k];
            int hide = k != BM_MEDIAN_DAYS && (s_small(x->numerator) || s_small(x->denominator));
            if (k == BM_MEDIAN_DAYS)
                hide = s_small(b[i].closed);
            char *fig = k < S_SPLIT ? ir->fig[k] : ir2->fig[k - S_SPLIT];
            if (!x->has_value)
                snprintf(fig, sizeof ir->fig[0], "-");
            else if (hide)
                snprintf(fig, sizeof ir->fig[0], "*");
            else if (k == BM_MEDIAN_DAYS)
                rp_fmt_num(fig, sizeof ir->fig[0], x->value, 1);
            else
                rq_percent(fig, sizeof ir->fig[0], x->numerator, x->denominator);
            if (x->has_value && !hide && x->top_quartile)
                strncat(fig, " +", sizeof ir->fig[0] - strlen(fig) - 1);
            json_t *o = json_pack("{s:b, s:s, s:b, s:b, s:i, s:b, s:b}", "has_value", x->has_value,
                                  "variation", fnl_flag_name(x->variation), "met", x->met,
                                  "has_target", x->has_target, "signal", x->signal, "top_quartile",
                                  x->top_quartile, "best", x->best);
            if (x->has_value && !hide)
                json_object_set_new(o, "value", json_real(x->value));
            else if (x->has_value)
                json_object_set_new(o, "value", json_string("*"));
            json_object_set_new(inds, bm_indicator_name((bm_indicator_t)k), o);
        }
        json_array_append_new(bodies, json_pack("{s:s, s:s, s:o}", "body", b[i].body, "source",
                                                source[i], "indicators", inds));
    }
    rq_tab_suppress_each(ft);
    rq_doc_table(&d, ft);
    rq_doc_section(&d, "Indicators");
    rq_doc_para(&d, "A + marks the best performers (the top quarter) of each indicator; * a "
                    "figure of a body with from 1 to 4 complaints; - no value.");
    rq_doc_table(&d, it);
    rq_doc_table(&d, it2);
    json_t *ov = json_object(), *targets = json_array();
    for (int k = 0; k < BM_IND_COUNT; k++)
        json_object_set_new(ov, bm_indicator_name((bm_indicator_t)k),
                            isnan(overall[k]) ? json_null() : json_real(overall[k]));
    for (size_t k = 0; k < nt; k++)
        json_array_append_new(
            targets, json_pack("{s:s, s:f, s:s}", "indicator", bm_indicator_name(t[k].indicator),
                               "value", t[k].value, "direction",
                               t[k].better == SPC_LOWER_BETTER ? "lower" : "higher"));
    json_object_set_new(d.extra, "bodies", bodies);
    json_object_set_new(d.extra, "overall", ov);
    json_object_set_new(d.extra, "targets", targets);

    /* The funnel of acknowledged in 3 days. */
    rq_doc_section(&d, "Acknowledged within 3 working days: the funnel plot");
    double p = overall[BM_ACKNOWLEDGED];
    long nmax = 0;
    size_t nfb = 0;
    for (size_t i = 0; i < n; i++) {
        const bm_result_t *x = &res[i * BM_IND_COUNT + BM_ACKNOWLEDGED];
        if (b[i].received > nmax)
            nmax = b[i].received;
        if (!x->has_value || s_small(x->numerator) || s_small(x->denominator))
            continue;
        rp_cause_t cause = RP_CAUSE_COMMON;
        if (x->variation != FNL_WITHIN && x->variation != FNL_NO_DATA)
            cause = x->signal > 0 ? RP_CAUSE_IMPROVE : RP_CAUSE_CONCERN;
        s_fb[nfb++] = (rp_funnel_body_t){b[i].body, (double)x->denominator, x->value, cause};
    }
    if (isnan(p) || nmax < 2) {
        rq_doc_para(&d, "No body received enough complaints in the period to draw the funnel.");
    } else {
        fnl_limits_t lim[40];
        size_t nl = fnl_curve(p, 1, nmax + nmax / 5 + 1, 40, lim);
        for (size_t i = 0; i < nl; i++) {
            s_l95[i] = (rp_limit_t){(double)lim[i].n, lim[i].lo95, lim[i].hi95};
            s_l998[i] = (rp_limit_t){(double)lim[i].n, lim[i].lo998, lim[i].hi998};
        }
        s_funnel = (rp_funnel_t){.title = "Complaints acknowledged within 3 working days, by body",
                                 .x_label = "Complaints received",
                                 .y_label = "Acknowledged in time",
                                 .bodies = s_fb,
                                 .nbodies = nfb,
                                 .mean = p,
                                 .l95 = s_l95,
                                 .n95 = nl,
                                 .l998 = s_l998,
                                 .n998 = nl};
        for (size_t k = 0; k < nt; k++)
            if (t[k].indicator == BM_ACKNOWLEDGED) {
                s_funnel.has_target = 1;
                s_funnel.target = t[k].value;
            }
        rq_doc_chart(&d, (rp_chart_t){.kind = RP_CHART_FUNNEL,
                                      .funnel = &s_funnel,
                                      .caption = "Bodies with from 1 to 4 complaints are not "
                                                 "plotted."});
    }
    rc = rq_doc_file(&d, out, len, media, f);
out:
    rq_doc_free(&d);
    free(res);
    return rc;
}
