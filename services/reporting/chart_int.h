/* chart_int.h - what the chart files share (internal to services/reporting):
 * chart.c the axes, lines, titles, legends and the dispatch; chart_xmr.c
 * the XmR chart; chart_plots.c the funnel plot and the bar chart. */
#ifndef REPORTING_CHART_INT_H
#define REPORTING_CHART_INT_H

#include "chart.h"

#define RPC_FONT 11.0 /* ordinary chart text */
#define RPC_SMALL 9.5 /* icon captions, line labels */
#define RPC_TITLE 15.0
#define RPC_AXIS_INK 0x425563u /* NHS dark grey: axes, limits */

#define RPC_FUN_H 500.0
#define RPC_BAR_T 50.0
#define RPC_BAR_ROW 28.0

typedef struct {
    double lo, hi, step; /* the range shown and the tick step */
    double p0, p1;       /* where lo and hi fall in the view */
    int dec;             /* decimals for tick labels */
} rpc_axis_t;

typedef enum { RPC_KEY_DOT, RPC_KEY_BIGDOT, RPC_KEY_LINE } rpc_key_t;

typedef struct {
    const rp_canvas_t *cv;
    double x, y, left, right; /* where the next entry goes; the legend's width */
} rpc_legend_t;

double rpc_textw(const char *s, double size);
void rpc_nice(rpc_axis_t *a, double min, double max, double p0, double p1);
double rpc_map(const rpc_axis_t *a, double v);
void rpc_yaxis(const rp_canvas_t *cv, const rpc_axis_t *a, double left, double right, int pct);
void rpc_clipped(const rp_canvas_t *cv, const double *xy, size_t n, const double box[4],
                 unsigned rgb, double w, rp_dash_t dash, const char *cls);
void rpc_hline(const rp_canvas_t *cv, double x0, double x1, double y, unsigned rgb, double w,
               rp_dash_t dash, const char *cls);
unsigned rpc_cause_rgb(rp_cause_t c);
void rpc_title(const rp_canvas_t *cv, const char *title, double maxw);
void rpc_key(rpc_legend_t *lg, rpc_key_t kind, unsigned rgb, rp_dash_t dash, const char *text);
void rpc_draw_xmr(const rp_xmr_t *x, const rp_canvas_t *cv);
void rpc_desc_xmr(const rp_xmr_t *x, rp_text_t *t);
void rpc_draw_funnel(const rp_funnel_t *f, const rp_canvas_t *cv);
void rpc_draw_bars(const rp_bars_t *bs, const rp_canvas_t *cv);
/* A bar drawn as "*" (suppressed, or a count from 1 to 4). */
int rpc_bar_hidden(const rp_bar_t *b);

#endif
