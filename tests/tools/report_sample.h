/* report_sample.h - a sample quarterly report for the renderers' tests.
 *
 * Header-only (static data and one builder) so that the tests of page.c and
 * pdf_report.c and anyone looking at the output share one picture: an XmR
 * chart with special causes, a funnel plot with outliers on both sides, a
 * bar chart and a table with suppressed cells. Included by
 * tests/unit/test_reporting_{page,pdf}.c; not a support file (those are
 * linked into every test). */
#ifndef TESTS_REPORT_SAMPLE_H
#define TESTS_REPORT_SAMPLE_H

#include "render.h"

#include <math.h>
#include <stdio.h>

static const rp_xmr_point_t s_sample_pts[] = {
    {"2023-04", 28, 0}, {"2023-05", 31, 0}, {"2023-06", 27, 0}, {"2023-07", 33, 0},
    {"2023-08", 29, 0}, {"2023-09", 30, 0}, {"2023-10", 26, 0}, {"2023-11", 32, 0},
    {"2023-12", 28, 0}, {"2024-01", 30, 0}, {"2024-02", 29, 0}, {"2024-03", 31, 0},
    {"2024-04", 34, 0}, {"2024-05", 33, 0}, {"2024-06", 35, 1}, {"2024-07", 36, 1},
    {"2024-08", 34, 1}, {"2024-09", 37, 1}, {"2024-10", 35, 1}, {"2024-11", 52, 1},
    {"2024-12", 38, 1}, {"2025-01", 36, 1}, {"2025-02", 22, 2}, {"2025-03", 24, 0},
};
static const rp_xmr_t s_sample_xmr = {
    .title = "Complaints received each month",
    .x_label = "Month received",
    .y_label = "Complaints",
    .pts = s_sample_pts,
    .npts = sizeof s_sample_pts / sizeof s_sample_pts[0],
    .mean = 32.0,
    .upper = 42.6,
    .lower = 21.4,
    .has_target = 1,
    .target = 30,
    .decimals = 1,
    .variation = RP_VAR_CONCERN_HIGH,
    .assurance = RP_ASSURE_HIT_MISS,
};

static const rp_funnel_body_t s_sample_bodies[] = {
    {"RX1", 420, 0.88, 0},
    {"RX2", 150, 0.71, RP_CAUSE_CONCERN},
    {"RX3", 800, 0.93, RP_CAUSE_IMPROVE},
    {"RX4", 60, 0.80, 0},
    {"RX5", 300, 0.86, 0},
    {"RX6", 90, 0.92, 0},
    {"RX7", 510, 0.83, 0},
    {"RX8", 240, 0.79, 0},
    {"RX9", 35, 0.94, 0},
    {"RXA", 650, 0.85, 0},
};
static rp_limit_t s_sample_l95[60], s_sample_l998[60];
static rp_funnel_t s_sample_funnel = {
    .title = "Complaints acknowledged within 3 working days, by body",
    .x_label = "Complaints received (denominator)",
    .y_label = "Acknowledged in time",
    .bodies = s_sample_bodies,
    .nbodies = sizeof s_sample_bodies / sizeof s_sample_bodies[0],
    .mean = 0.85,
    .l95 = s_sample_l95,
    .n95 = 60,
    .l998 = s_sample_l998,
    .n998 = 60,
    .has_target = 1,
    .target = 0.9,
};

static const rp_bar_t s_sample_bars[] = {
    {"Clinical treatment", 48, 0},
    {"Communications", 31, 0},
    {"Values and behaviours (staff attitude)", 22, 0},
    {"Patient care", 17, 0},
    {"Appointments", 12, 0},
    {"Admissions, discharge and transfers", 9, 0},
    {"Privacy, dignity and wellbeing", 3, 1},
    {"Prescribing", 0, 0},
};
static const rp_bars_t s_sample_barchart = {
    .title = "Complaints by subject, April to June 2025",
    .x_label = "Complaints (one for each subject a complaint raises)",
    .bars = s_sample_bars,
    .nbars = sizeof s_sample_bars / sizeof s_sample_bars[0],
};

static const char *const s_sample_head[] = {"Subject", "Received", "Upheld", "Upheld (%)"};
static const rp_cell_t s_sample_cells[] = {
    {RP_CELL_TEXT, "Clinical treatment", 0},
    {RP_CELL_COUNT, NULL, 48},
    {RP_CELL_COUNT, NULL, 20},
    {RP_CELL_FIGURE, "41.7%", 0},
    {RP_CELL_TEXT, "Communications", 0},
    {RP_CELL_COUNT, NULL, 31},
    {RP_CELL_COUNT, NULL, 12},
    {RP_CELL_FIGURE, "38.7%", 0},
    {RP_CELL_TEXT, "Privacy, dignity and wellbeing", 0},
    {RP_CELL_SUPPRESSED, NULL, 0},
    {RP_CELL_SUPPRESSED, NULL, 0},
    {RP_CELL_FIGURE, "-", 0},
    {RP_CELL_TEXT, "Prescribing", 0},
    {RP_CELL_COUNT, NULL, 0},
    {RP_CELL_COUNT, NULL, 0},
    {RP_CELL_FIGURE, "-", 0},
};
static const rp_table_t s_sample_table = {
    .caption = "Complaints received and upheld by subject, April to June 2025",
    .header = s_sample_head,
    .ncols = 4,
    .cells = s_sample_cells,
    .nrows = 4,
};

static const char *const s_sample_bhead[] = {"Body", "Received", "Acknowledged in time (%)",
                                             "Median days to response"};
static const rp_cell_t s_sample_bcells[] = {
    {RP_CELL_TEXT, "RX3 Eastmoor Community Health", 0},
    {RP_CELL_COUNT, NULL, 800},
    {RP_CELL_FIGURE, "93.0%", 0},
    {RP_CELL_FIGURE, "18", 0},
    {RP_CELL_TEXT, "RX2 Westvale Hospitals", 0},
    {RP_CELL_COUNT, NULL, 150},
    {RP_CELL_FIGURE, "71.0%", 0},
    {RP_CELL_FIGURE, "41", 0},
};
static const rp_table_t s_sample_btable = {
    .caption = "Outlying bodies: acknowledgement within 3 working days",
    .header = s_sample_bhead,
    .ncols = 4,
    .cells = s_sample_bcells,
    .nrows = 2,
};

static const rp_block_t s_sample_summary[] = {
    {RP_BLOCK_PARA,
     "We received 152 complaints from April to June 2025, 14% more than in the same "
     "quarter last year. Most were about clinical treatment and communication.",
     NULL,
     {0}},
    {RP_BLOCK_TABLE, NULL, &s_sample_table, {0}},
    {RP_BLOCK_CHART,
     NULL,
     NULL,
     {RP_CHART_BARS, NULL, NULL, &s_sample_barchart,
      "Figure 1. One complaint can raise several subjects."}},
};
static const rp_block_t s_sample_trend[] = {
    {RP_BLOCK_PARA,
     "Complaints rose from June 2024 and stayed high until January 2025, a change "
     "the chart marks as special cause of concern. November 2024 was above the "
     "upper process limit.",
     NULL,
     {0}},
    {RP_BLOCK_CHART,
     NULL,
     NULL,
     {RP_CHART_XMR, &s_sample_xmr, NULL, NULL, "Figure 2. An XmR chart."}},
};
static const rp_block_t s_sample_bench[] = {
    {RP_BLOCK_PARA,
     "Ten bodies compared. Eastmoor acknowledges more complaints in time than its "
     "volume explains; Westvale fewer.",
     NULL,
     {0}},
    {RP_BLOCK_CHART,
     NULL,
     NULL,
     {RP_CHART_FUNNEL, NULL, &s_sample_funnel, NULL, "Figure 3. A funnel plot."}},
    {RP_BLOCK_TABLE, NULL, &s_sample_btable, {0}},
};
static const rp_section_t s_sample_sections[] = {
    {"Summary", s_sample_summary, 3},
    {"Trend", s_sample_trend, 2},
    {"Benchmarking", s_sample_bench, 3},
};
static const rp_definition_t s_sample_defs[] = {
    {"Upheld", "The complaint was found to be well-founded, in whole."},
    {"XmR chart", "A chart of values over time with process limits: a point outside them, a run "
                  "of 7 on one side of the mean, a trend of 7, or two of three near a limit is "
                  "special cause variation."},
    {"Funnel plot", "Each body's rate against its number of complaints, with limits that narrow "
                    "as the number grows: a body outside the 99.8% limits is an outlier."},
};

/* The sample, its limits computed (p +/- z * sqrt(p(1-p)/n)). */
static rp_report_t s_sample_report(void)
{
    for (int i = 0; i < 60; i++) {
        double n = 10 + i * 15.0, se = sqrt(0.85 * 0.15 / n);
        s_sample_l95[i] = (rp_limit_t){n, 0.85 - 1.96 * se, fmin(1, 0.85 + 1.96 * se)};
        s_sample_l998[i] = (rp_limit_t){n, 0.85 - 3.09 * se, fmin(1, 0.85 + 3.09 * se)};
    }
    return (rp_report_t){
        .title = "Quarterly complaints report",
        .organisation = "Northshire Hospitals NHS Foundation Trust (RX1)",
        .period = "1 April to 30 June 2025",
        .generated = "Produced 3 July 2025",
        .sections = s_sample_sections,
        .nsections = 3,
        .defs = s_sample_defs,
        .ndefs = 3,
    };
}

#endif
