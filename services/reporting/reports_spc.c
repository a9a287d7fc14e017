/* reports_spc.c - the SPC report (issue 15, L6): a body's complaints each
 * month over the 24 months up to the period's end, as Making Data Count
 * charts them: an XmR chart (spc.h) of its total, and one for each subject
 * area and service area it had complaints under in those months, each with
 * its special causes flagged and its variation icon (fewer complaints is
 * better; no assurance icon, as no target is set for a count). Read from
 * reporting.monthly alone (spc_series.h), never the complaints themselves.
 *
 * Suppression (L5), as the quarterly report's monthly chart: a month's
 * count from 1 to 4 is "*" in the JSON and the tables, and a chart with such
 * a month is not drawn (its limits and flags are still given: they are not
 * counts), unless the whole series has from 1 to 4 complaints, which its
 * mean times its months would give away: then no lines either. The summary
 * table's latest counts are suppressed each on its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports.h"
#include "spc.h"
#include "spc_series.h"
#include "svg.h"

/* One chart's lines, points and texts, alive until the file is made. */
typedef struct {
    rp_series_t *s;
    int ok;       /* the chart was computed */
    int withheld; /* its total is from 1 to 4: the mean would give it away */
    spc_chart_t ch;
    spc_point_t p[RP_SPC_MONTHS];
    spc_variation_t var;
    rp_signal_t rise;
    char labels[RP_SPC_MONTHS][8];
    rp_xmr_point_t pts[RP_SPC_MONTHS];
    rp_xmr_t xmr;
    char title[260], label[220];
} s_chart_t;

static const char *const s_var_words[] = {
    [SPC_VAR_COMMON] = "Common cause",
    [SPC_VAR_IMPROVING_HIGH] = "Improving (high)",
    [SPC_VAR_IMPROVING_LOW] = "Improving (low)",
    [SPC_VAR_CONCERNING_HIGH] = "Concern (high)",
    [SPC_VAR_CONCERNING_LOW] = "Concern (low)",
    [SPC_VAR_NEITHER_HIGH] = "Special cause (high)",
    [SPC_VAR_NEITHER_LOW] = "Special cause (low)",
};

static const rp_definition_t s_defs[] = {
    {"Complaint", "A complaint received by the body that handles it (the lead body of a "
                  "coordinated complaint), in the month it was received. Compliments are not "
                  "counted. Under a subject or service area, a complaint counts once in each "
                  "category any of its aspects is filed under."},
    {"XmR chart", "The complaints of each month with their mean and process limits (mean +/- "
                  "2.66 times the mean moving range), drawn from the months shown: up to 24, "
                  "from the body's first month in Candour."},
    {"Special cause", "A month beyond a process limit; 7 months in a row on one side of the mean; "
                      "7 months each higher (or lower) than the last; 2 of 3 months beyond the "
                      "same two-sigma line. A rise in complaints is a concern, a fall an "
                      "improvement."},
    {"Alerts", "When the latest complete month rises by one of these rules, on a chart of at "
               "least 12 months and with at least 5 complaints that month, the complaints "
               "manager is sent an alert."},
};

static int s_small(double v)
{
    return v >= SUP_MIN && v <= SUP_MAX;
}

static const char *s_dim_words(const char *dim)
{
    return strcmp(dim, "provider") == 0  ? "All complaints"
           : strcmp(dim, "subject") == 0 ? "Subject"
                                         : "Service area";
}

static json_t *s_rules(const spc_point_t *p)
{
    json_t *a = json_array();
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{SPC_BEYOND, "beyond_limit"},
                 {SPC_RUN_RULE, "run"},
                 {SPC_TREND_RULE, "trend"},
                 {SPC_TWO_OF_THREE, "two_of_three"}};
    for (size_t i = 0; i < 4; i++)
        if (p->rules & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

/* The chart's JSON: its months, counts (1-4 as "*"), flags and lines. */
static json_t *s_chart_json(const s_chart_t *c)
{
    json_t *pts = json_array();
    for (size_t i = 0; i < c->s->n; i++) {
        double v = c->s->x[i];
        json_t *o = json_pack("{s:s}", "month", c->labels[i]);
        json_object_set_new(o, "count", s_small(v) ? json_string("*") : json_integer((long)v));
        if (c->ok) {
            json_object_set_new(o, "rules", s_rules(&c->p[i]));
            json_object_set_new(o, "side",
                                json_string(c->p[i].high  ? "high"
                                            : c->p[i].low ? "low"
                                                          : ""));
        }
        json_array_append_new(pts, o);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "dimension", c->s->dimension, "code", c->s->code,
                          "label", c->label, "points", pts);
    if (!c->ok) {
        json_object_set_new(o, "chart", json_null());
        if (c->withheld)
            json_object_set_new(o, "withheld", json_string("from 1 to 4 complaints in all"));
        return o;
    }
    json_object_set_new(o, "chart",
                        json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:s, s:o}", "mean",
                                  c->ch.mean, "mr_bar", c->ch.mr_bar, "upper", c->ch.upl, "lower",
                                  c->ch.lpl, "upper_two_sigma", c->ch.hi2, "lower_two_sigma",
                                  c->ch.lo2, "variation", spc_variation_name(c->var), "assurance",
                                  spc_assurance_name(SPC_ASSURE_NONE), "rise",
                                  c->rise ? json_string(rp_signal_name(c->rise)) : json_null()));
    return o;
}

static void s_compute(s_chart_t *c, const rq_cats_t *cats)
{
    rp_series_t *s = c->s;
    const char *what = s_dim_words(s->dimension);
    if (strcmp(s->dimension, "provider") == 0)
        snprintf(c->label, sizeof c->label, "All complaints");
    else
        snprintf(c->label, sizeof c->label, "%s: %s", what,
                 rq_cats_label(cats,
                               strcmp(s->dimension, "subject") == 0 ? KO41_SEC_SUBJECT
                                                                    : KO41_SEC_SERVICE,
                               s->code));
    for (size_t i = 0; i < s->n; i++)
        rp_month_text(s->first + (int)i, c->labels[i]);
    double total = 0;
    for (size_t i = 0; i < s->n; i++)
        total += s->x[i];
    c->withheld = s_small(total);
    cd_fail_t f = {0};
    c->ok = !c->withheld && s->n >= 2 && spc_xmr(s->x, s->n, 1, &c->ch, c->p, &f) == 0;
    if (!c->ok)
        return;
    c->var = spc_variation(c->p, s->n, SPC_LOWER_BETTER);
    c->rise = rp_spc_rise(s->x, s->n, &c->ch, c->p);
    for (size_t i = 0; i < s->n; i++)
        c->pts[i] = (rp_xmr_point_t){
            c->labels[i], s->x[i],
            c->p[i].rules ? (c->p[i].high ? RP_CAUSE_CONCERN : RP_CAUSE_IMPROVE) : RP_CAUSE_COMMON};
    snprintf(c->title, sizeof c->title, "%s: complaints each month", c->label);
    c->xmr = (rp_xmr_t){.title = c->title,
                        .x_label = "Month received",
                        .y_label = "Complaints",
                        .pts = c->pts,
                        .npts = s->n,
                        .mean = c->ch.mean,
                        .upper = c->ch.upl,
                        .lower = c->ch.lpl,
                        .decimals = 1,
                        .variation = rq_variation(c->var)};
}

/* The summary row of a chart: its latest month, lines and icon. */
static int s_summary_row(rq_tab_t *t, const s_chart_t *c)
{
    char code[96];
    snprintf(code, sizeof code, "%.15s/%.64s", c->s->dimension, c->s->code);
    rq_row_t *row = rq_tab_row(t, code, c->label);
    if (!row)
        return -1;
    row->v[0] = (long)c->s->x[c->s->n - 1];
    if (!c->ok) {
        for (int k = 1; k < 5; k++)
            snprintf(row->fig[k], sizeof row->fig[k], "%s", c->withheld ? "*" : "-");
        return 0;
    }
    rp_fmt_num(row->fig[1], sizeof row->fig[1], c->ch.mean, 1);
    rp_fmt_num(row->fig[2], sizeof row->fig[2], c->ch.upl, 1);
    snprintf(row->fig[3], sizeof row->fig[3], "%s", s_var_words[c->var]);
    snprintf(row->fig[4], sizeof row->fig[4], "%s", c->rise ? rp_signal_name(c->rise) : "-");
    return 0;
}

/* One dimension's charts in a section; those with a month of 1 to 4 are
 * listed in one paragraph (held in *para, the caller frees) instead. */
static void s_section(rq_doc_t *d, const char *heading, s_chart_t *cs, size_t n, const char *dim,
                      char **para)
{
    size_t k = 0, hidden = 0;
    for (size_t i = 0; i < n; i++)
        k += strcmp(cs[i].s->dimension, dim) == 0;
    if (!k)
        return;
    rq_doc_section(d, heading);
    rp_text_t t = {0};
    rp_text_puts(&t, "Not drawn, because some of their months had from 1 to 4 complaints, which "
                     "could identify people (their lines are in the summary and the JSON unless "
                     "they had from 1 to 4 in all), or they have a single month: ");
    for (size_t i = 0; i < n; i++) {
        s_chart_t *c = &cs[i];
        if (strcmp(c->s->dimension, dim) != 0)
            continue;
        int small = !c->ok;
        for (size_t j = 0; j < c->s->n; j++)
            small |= s_small(c->s->x[j]);
        if (!small) {
            rq_doc_chart(d, (rp_chart_t){.kind = RP_CHART_XMR, .xmr = &c->xmr});
            continue;
        }
        rp_text_puts(&t, hidden++ ? ", " : "");
        rp_text_puts(&t, strcmp(dim, "provider") == 0 ? "all complaints" : c->label);
    }
    rp_text_puts(&t, ".");
    if (!hidden) {
        rp_text_free(&t);
        return;
    }
    *para = rp_text_take(&t); /* NULL out of memory: the paragraph is left out */
    if (*para)
        rq_doc_para(d, *para);
}

int rq_spc(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats, unsigned char **out,
           size_t *len, const char **media, cd_fail_t *f)
{
    char to_month[8];
    snprintf(to_month, sizeof to_month, "%.7s", a->to_s);
    int last = rp_month_number(to_month);
    rp_series_t *ser = NULL;
    size_t ns = 0;
    if (rp_series_read(r[0], last, &ser, &ns) != 0)
        return cd_fail(f, CD_CODE_INTERNAL, "", "the monthly counts could not be read");
    s_chart_t *cs = calloc(ns ? ns : 1, sizeof *cs);
    char *paras[3] = {NULL, NULL, NULL};
    rq_doc_t d = {.ask = a,
                  .title = "Complaints each month: statistical process control",
                  .defs = s_defs,
                  .ndefs = sizeof s_defs / sizeof s_defs[0]};
    d.extra = json_object();
    int rc = -1;
    if (!cs || !d.extra) {
        cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
        goto out;
    }
    json_t *charts = json_array();
    for (size_t i = 0; i < ns; i++) {
        cs[i].s = &ser[i];
        s_compute(&cs[i], cats);
        json_array_append_new(charts, s_chart_json(&cs[i]));
    }
    json_object_set_new(d.extra, "spc",
                        json_pack("{s:s, s:i, s:s, s:o}", "to_month", to_month, "months",
                                  RP_SPC_MONTHS, "better", "lower", "charts", charts));

    rq_doc_section(&d, "Summary");
    static const char *const cols[] = {"Latest month", "Mean", "Upper limit", "Variation", "Rise"};
    rq_tab_t *t = rq_doc_tab(&d, "charts",
                             "Each chart's latest month, mean, upper process limit, "
                             "variation and the rule a rise shows",
                             5, cols);
    for (size_t i = 0; t && i < ns; i++)
        if (s_summary_row(t, &cs[i]) != 0) {
            cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
            goto out;
        }
    if (!ns)
        rq_doc_para(&d, "The body had no complaints in the 24 months up to the period's end.");
    else {
        rq_tab_suppress_each(t);
        rq_doc_table(&d, t);
        rq_doc_para(&d, "Each chart shows the complaints received each month, up to the month the "
                        "period ends in. Orange points are special causes of concern (a rise), "
                        "blue ones improvements (a fall); grey ones are the usual variation.");
    }
    s_section(&d, "All complaints", cs, ns, "provider", &paras[0]);
    s_section(&d, "Subject areas", cs, ns, "subject", &paras[1]);
    s_section(&d, "Service areas", cs, ns, "service", &paras[2]);
    rc = rq_doc_file(&d, out, len, media, f);
out:
    rq_doc_free(&d);
    for (int i = 0; i < 3; i++)
        free(paras[i]);
    free(cs);
    free(ser);
    return rc;
}
