/* reports_quarterly.c - the quarterly report (L1) and the regulation 18
 * annual report (L2) of one body, from reports_sql.c's sections: the
 * period's complaints, their outcomes, deadline performance, subjects and
 * service areas (a complaint once under each category any of its aspects
 * is filed under), repeat complaints (the same complainant within 12 months,
 * and by subject), actions agreed and lessons recorded (done by their due
 * date, open and overdue at the period's end), partners, Ombudsman
 * referrals, and for the quarterly an XmR chart of the complaints received
 * each month over the 24 months up to the period's end (spc.h). Every table
 * is suppressed (suppress.h) before it is written: these reports leave the
 * body. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports.h"
#include "spc.h"

/* The statements' results, in rq_sql's order. */
enum {
    Q_SUMMARY,
    Q_RESPONDED,
    Q_SUBJECT,
    Q_SERVICE,
    Q_PARTNERS,
    Q_OMBUDSMAN,
    Q_MONTHS,
    Q_REPEATS,
    Q_REPEAT_SUBJECTS,
    Q_ACTIONS
};

static long s_l(const PGresult *r, int row, int col)
{
    return atol(PQgetvalue(r, row, col));
}

static const char *const s_count_col[] = {"Complaints"};
static const char *const s_share_cols[] = {"Complaints", "Share"};

/* A list of (code, count) rows into a one-column table, labelled from the
 * category list's section (KO41_SEC_COUNT: the code itself). */
static int s_list(rq_tab_t *t, const PGresult *r, const rq_cats_t *cats, ko41_section_t sec,
                  cd_fail_t *f)
{
    for (int i = 0; i < PQntuples(r); i++) {
        const char *code = PQgetvalue(r, i, 0), *label = code;
        if (sec < KO41_SEC_COUNT)
            label = rq_cats_label(cats, sec, code);
        /* The Ombudsman's outcomes, in words. */
        static const char *const words[][2] = {{"not-yet-decided", "Not yet decided"},
                                               {"upheld", "Upheld"},
                                               {"partly-upheld", "Partly upheld"},
                                               {"not-upheld", "Not upheld"}};
        for (size_t w = 0; sec == KO41_SEC_COUNT && w < 4; w++)
            if (strcmp(code, words[w][0]) == 0)
                label = words[w][1];
        rq_row_t *row = rq_tab_row(t, code, label);
        if (!row)
            return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
        row->v[0] = s_l(r, i, 1);
    }
    return rq_tab_suppress(t, f);
}

/* Each shown count's share of the table's total, "*" when suppressed. */
static void s_shares(rq_tab_t *t)
{
    long total = 0;
    for (size_t i = 0; i < t->nrows; i++)
        total += t->rows[i].v[0];
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->rows[i].m[0] != SUP_SHOWN)
            snprintf(t->rows[i].fig[1], sizeof t->rows[i].fig[1], "*");
        else
            rq_percent(t->rows[i].fig[1], sizeof t->rows[i].fig[1], t->rows[i].v[0], total);
    }
}

static const rp_definition_t s_defs[] = {
    {"Complaint", "A complaint received in the period by the body that handles it (the lead body "
                  "of a coordinated complaint). Compliments are not counted."},
    {"Acknowledged in time", "The acknowledgement went within 3 working days of receipt."},
    {"Responded in time", "The final response went by the date agreed with the complainant, "
                          "extensions included."},
    {"Upheld (well-founded)", "The investigation found the complaint upheld wholly or partly."},
    {"Subject area, service area", "KO41a's categories. A complaint counts once under each "
                                   "category any of its aspects is filed under, so a list may "
                                   "add up to more than the complaints."},
    {"Repeat complaint", "A complaint of the period from someone who had complained to the body "
                         "it was made to in the 12 months before it: the same email address, or "
                         "the same name at the same postcode. Intake works this out just after the "
                         "complaint is stored; reporting is told only the earlier complaint's "
                         "reference, never who made it."},
    {"Repeat complaints by subject", "The period's repeat complaints under each subject area (once "
                                     "under each subject any of their aspects is filed under); "
                                     "\"about the same subject\" counts those whose earlier "
                                     "complaint was filed under that subject too. A complaint not "
                                     "yet investigated has no subject and is not in this table."},
    {"Actions agreed", "Actions to put things right or stop them happening again, recorded with "
                       "the findings on the period's complaints, as they stand when the report "
                       "is made. Only their dates are counted, never what they are or who owns "
                       "them."},
    {"Done, past the due date", "An action is done by the period's end when the day it was done "
                                "is on or before the period's last day, and within its due date "
                                "when that day is on or before the due date. An action not done "
                                "by the period's end is past its due date (overdue) when that "
                                "date is on or before the period's last day."},
    {"How the impact of actions is measured", "Whether each action was done by the date agreed "
                                              "is the measure Candour can give: what an action "
                                              "changed for patients is not recorded here, and is "
                                              "for the body to report in its own words."},
    {"Lessons recorded", "Complaints whose investigation recorded at least one lesson learned."},
    {"XmR chart", "Complaints received each month with their mean and process limits (mean +/- "
                  "2.66 times the mean moving range); special causes as Making Data Count "
                  "reads them. A rise is shown as a concern so that it is looked at."},
};

/* The XmR chart of the monthly counts; its points and the chart live in
 * statics for the one report made at a time on the loop's thread. */
static rp_xmr_point_t s_pts[24];
static char s_labels[24][8];
static rp_xmr_t s_xmr;
static rp_bar_t s_bars[64];
static rp_bars_t s_barchart;

/* Repeat complaints: the period's from someone who complained to the body in
 * the 12 months before, with the others (parts of the complaints received),
 * and those repeats by subject. */
static int s_repeats(rq_doc_t *d, PGresult *const *r, const rq_cats_t *cats, cd_fail_t *f)
{
    static const char *const cols[] = {"Repeat complaints", "About the same subject"};
    rq_tab_t *t = rq_doc_tab(d, "repeats",
                             "The period's complaints by whether the complainant "
                             "complained to the body in the 12 months before",
                             2, s_share_cols);
    rq_row_t *row;
    if (!t || !(row = rq_tab_row(t, "repeat", "Complained in the 12 months before")))
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    row->v[0] = s_l(r[Q_REPEATS], 0, 0);
    if (!(row = rq_tab_row(t, "first", "No complaint in the 12 months before")))
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    row->v[0] = s_l(r[Q_REPEATS], 0, 1);
    if (rq_tab_suppress(t, f) != 0)
        return -1;
    s_shares(t);
    rq_doc_table(d, t);
    const PGresult *s = r[Q_REPEAT_SUBJECTS];
    t = rq_doc_tab(d, "repeat-subjects", "Repeat complaints by subject area", 2, cols);
    if (!t)
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    for (int i = 0; i < PQntuples(s); i++) {
        const char *code = PQgetvalue(s, i, 0);
        if (!(row = rq_tab_row(t, code, rq_cats_label(cats, KO41_SEC_SUBJECT, code))))
            return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
        row->v[0] = s_l(s, i, 1);
        row->v[1] = s_l(s, i, 2);
    }
    if (rq_tab_suppress(t, f) != 0)
        return -1;
    if (t->nrows)
        rq_doc_table(d, t);
    else
        rq_doc_para(d, "No repeat complaint of the period has a subject recorded yet.");
    return 0;
}

/* Actions and learning: how many complaints have actions and lessons, and
 * the actions done or not by the period's end, within their due date or
 * past it (parts of the actions agreed). */
static int s_actions(rq_doc_t *d, const PGresult *r, cd_fail_t *f)
{
    rq_tab_t *t = rq_doc_tab(d, "learning", "Actions and lessons of the period's complaints", 1,
                             (const char *const[]){"Count"});
    static const char *const rows[][2] = {
        {"complaints-with-actions", "Complaints with actions agreed"},
        {"actions", "Actions agreed"},
        {"complaints-with-lessons", "Complaints with lessons recorded"}};
    static const int at[] = {0, 1, 6};
    rq_row_t *row;
    for (int i = 0; i < 3; i++) {
        if (!t || !(row = rq_tab_row(t, rows[i][0], rows[i][1])))
            return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
        row->v[0] = s_l(r, 0, at[i]);
    }
    rq_tab_suppress_each(t);
    rq_doc_table(d, t);
    static const char *const cols[] = {"Within the due date", "Past the due date"};
    t = rq_doc_tab(d, "actions", "The actions agreed at the period's end", 2, cols);
    if (!t || !(row = rq_tab_row(t, "done", "Done by the period's end")))
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    row->v[0] = s_l(r, 0, 2);
    row->v[1] = s_l(r, 0, 3);
    if (!(row = rq_tab_row(t, "open", "Not done at the period's end")))
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    row->v[0] = s_l(r, 0, 4);
    row->v[1] = s_l(r, 0, 5);
    if (rq_tab_suppress(t, f) != 0)
        return -1;
    rq_doc_table(d, t);
    return 0;
}

static int s_months(rq_doc_t *d, const PGresult *r, cd_fail_t *f)
{
    size_t n = (size_t)PQntuples(r);
    if (n > 24)
        n = 24;
    double x[24];
    spc_point_t p[24];
    spc_chart_t ch;
    int small = 0;
    json_t *series = json_array();
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)s_l(r, (int)i, 1);
        snprintf(s_labels[i], sizeof s_labels[i], "%s", PQgetvalue(r, (int)i, 0));
        small |= x[i] >= SUP_MIN && x[i] <= SUP_MAX;
        json_array_append_new(
            series, x[i] >= SUP_MIN && x[i] <= SUP_MAX
                        ? json_pack("{s:s, s:s}", "month", s_labels[i], "count", "*")
                        : json_pack("{s:s, s:I}", "month", s_labels[i], "count", (json_int_t)x[i]));
    }
    json_object_set_new(d->extra, "months", series);
    if (n < 2 || spc_xmr(x, n, 1, &ch, p, f) != 0) {
        json_object_set_new(d->extra, "spc", json_null());
        return 0;
    }
    spc_variation_t var = spc_variation(p, n, SPC_LOWER_BETTER);
    json_object_set_new(d->extra, "spc",
                        json_pack("{s:f, s:f, s:f, s:s}", "mean", ch.mean, "upper", ch.upl, "lower",
                                  ch.lpl, "variation", spc_variation_name(var)));
    if (small) {
        rq_doc_para(d, "The chart of complaints received each month is not shown: some months "
                       "have from 1 to 4, which would identify people.");
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        s_pts[i] = (rp_xmr_point_t){s_labels[i], x[i],
                                    p[i].rules ? (p[i].high ? RP_CAUSE_CONCERN : RP_CAUSE_IMPROVE)
                                               : RP_CAUSE_COMMON};
    s_xmr = (rp_xmr_t){.title = "Complaints received each month",
                       .x_label = "Month received",
                       .y_label = "Complaints",
                       .pts = s_pts,
                       .npts = n,
                       .mean = ch.mean,
                       .upper = ch.upl,
                       .lower = ch.lpl,
                       .decimals = 1,
                       .variation = rq_variation(var)};
    rq_doc_chart(d, (rp_chart_t){.kind = RP_CHART_XMR,
                                 .xmr = &s_xmr,
                                 .caption = "The 24 months up to the end of the period."});
    return 0;
}

int rq_quarterly(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats, unsigned char **out,
                 size_t *len, const char **media, cd_fail_t *f)
{
    int annual = a->kind == RQ_ANNUAL;
    rq_doc_t d = {.ask = a,
                  .title = annual ? "Annual complaints report (regulation 18)"
                                  : "Quarterly complaints report",
                  .defs = s_defs,
                  .ndefs = sizeof s_defs / sizeof s_defs[0] - (annual ? 1 : 0)};
    d.extra = json_object();
    int rc = -1;
    const PGresult *sum = r[Q_SUMMARY], *resp = r[Q_RESPONDED];

    rq_doc_section(&d, "Complaints received");
    rq_tab_t *t = rq_doc_tab(&d, "received", "Complaints received in the period", 1, s_count_col);
    rq_row_t *row = rq_tab_row(t, "received", "Complaints received");
    if (!row)
        goto nomem;
    row->v[0] = s_l(sum, 0, 0);
    row = rq_tab_row(t, "referred-to-ombudsman", "Of which referred to the Ombudsman");
    if (!row)
        goto nomem;
    row->v[0] = s_l(sum, 0, 9);
    rq_tab_suppress_each(t);
    rq_doc_table(&d, t);

    rq_doc_section(&d, annual ? "Complaints upheld (well-founded)" : "Outcomes");
    t = rq_doc_tab(&d, "outcomes", "The period's complaints by outcome", 2, s_share_cols);
    static const char *const oc[][2] = {{"upheld", "Upheld"},
                                        {"partially-upheld", "Partially upheld"},
                                        {"not-upheld", "Not upheld"},
                                        {"withdrawn", "Withdrawn"},
                                        {"open", "Not yet decided"}};
    for (int i = 0; i < 5; i++) {
        if (!(row = rq_tab_row(t, oc[i][0], oc[i][1])))
            goto nomem;
        row->v[0] = s_l(sum, 0, 4 + i);
    }
    if (rq_tab_suppress(t, f) != 0)
        goto out;
    s_shares(t);
    rq_doc_table(&d, t);
    if (annual) {
        /* Regulation 18(2)(b): how many were well-founded, one figure. */
        rq_tab_t *w =
            rq_doc_tab(&d, "well-founded", "Complaints decided to be well-founded", 1, s_count_col);
        if (!(row = rq_tab_row(w, "well-founded", "Upheld wholly or partly")))
            goto nomem;
        row->v[0] = s_l(sum, 0, 4) + s_l(sum, 0, 5);
        rq_tab_suppress_each(w);
        rq_doc_table(&d, w);
    }

    if (!annual) {
        rq_doc_section(&d, "Deadline performance");
        t = rq_doc_tab(&d, "acknowledgement", "Acknowledgements of the period's complaints", 2,
                       s_share_cols);
        static const char *const ac[][2] = {{"on-time", "Within 3 working days"},
                                            {"late", "Later"},
                                            {"not-yet", "Not yet acknowledged"}};
        for (int i = 0; i < 3; i++) {
            if (!(row = rq_tab_row(t, ac[i][0], ac[i][1])))
                goto nomem;
            row->v[0] = s_l(sum, 0, 1 + i);
        }
        if (rq_tab_suppress(t, f) != 0)
            goto out;
        s_shares(t);
        rq_doc_table(&d, t);
        t = rq_doc_tab(&d, "responses", "Final responses sent in the period", 2, s_share_cols);
        static const char *const rc2[][2] = {{"on-time", "By the agreed date"},
                                             {"late", "After the agreed date"}};
        for (int i = 0; i < 2; i++) {
            if (!(row = rq_tab_row(t, rc2[i][0], rc2[i][1])))
                goto nomem;
            row->v[0] = s_l(resp, 0, 1 + i);
        }
        if (rq_tab_suppress(t, f) != 0)
            goto out;
        s_shares(t);
        rq_doc_table(&d, t);
    }

    rq_doc_section(&d, annual ? "Subject matter" : "Subjects and services");
    t = rq_doc_tab(&d, "subjects", "Complaints by subject area", 1, s_count_col);
    if (s_list(t, r[Q_SUBJECT], cats, KO41_SEC_SUBJECT, f) != 0)
        goto out;
    rq_doc_table(&d, t);
    size_t nb = t->nrows < 64 ? t->nrows : 64;
    for (size_t i = 0; i < nb; i++)
        s_bars[i] = (rp_bar_t){t->rows[i].label, t->rows[i].v[0], t->rows[i].m[0] != SUP_SHOWN};
    s_barchart = (rp_bars_t){"Complaints by subject area", "Complaints", s_bars, nb};
    if (nb)
        rq_doc_chart(&d, (rp_chart_t){.kind = RP_CHART_BARS, .bars = &s_barchart});
    if (!annual) {
        t = rq_doc_tab(&d, "service-areas", "Complaints by service area", 1, s_count_col);
        if (s_list(t, r[Q_SERVICE], cats, KO41_SEC_SERVICE, f) != 0)
            goto out;
        rq_doc_table(&d, t);
    }

    rq_doc_section(&d, "Repeat complaints");
    if (s_repeats(&d, r, cats, f) != 0)
        goto out;
    rq_doc_section(&d, annual ? "Actions taken and learning" : "Actions and learning");
    if (s_actions(&d, r[Q_ACTIONS], f) != 0)
        goto out;

    if (!annual) {
        rq_doc_section(&d, "Other organisations involved");
        t = rq_doc_tab(&d, "partners", "Complaints coordinated with other bodies", 1, s_count_col);
        if (s_list(t, r[Q_PARTNERS], cats, KO41_SEC_COUNT, f) != 0)
            goto out;
        if (t->nrows)
            rq_doc_table(&d, t);
        else
            rq_doc_para(&d, "No complaint of the period was coordinated with another body.");
    }

    rq_doc_section(&d, "The Parliamentary and Health Service Ombudsman");
    t = rq_doc_tab(&d, "ombudsman", "Referrals to the Ombudsman made in the period, by outcome", 1,
                   s_count_col);
    if (s_list(t, r[Q_OMBUDSMAN], cats, KO41_SEC_COUNT, f) != 0)
        goto out;
    if (t->nrows)
        rq_doc_table(&d, t);
    else
        rq_doc_para(&d, "No complaint was referred to the Ombudsman in the period.");

    if (!annual) {
        rq_doc_section(&d, "Complaints each month");
        if (s_months(&d, r[Q_MONTHS], f) != 0)
            goto out;
    }
    rc = rq_doc_file(&d, out, len, media, f);
    goto out;
nomem:
    cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
out:
    rq_doc_free(&d);
    return rc;
}
