/* chart_xmr.c - the XmR chart ("Making Data Count") laid out and drawn on a
 * canvas, and described in words (chart.h, chart_int.h). */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart_int.h"

/* ---- XmR ----------------------------------------------------------------- */

static const struct {
    unsigned rgb;
    const char *letter, *line1, *line2, *words;
} s_var[] =
    {
        [RP_VAR_COMMON] = {RP_GREY, "~", "Common", "cause", "common cause variation"},
        [RP_VAR_CONCERN_HIGH] = {RP_ORANGE, "H", "Concern:", "high",
                                 "special cause of concern, high"},
        [RP_VAR_CONCERN_LOW] = {RP_ORANGE, "L", "Concern:", "low", "special cause of concern, low"},
        [RP_VAR_IMPROVE_HIGH] = {RP_BLUE, "H", "Improving:", "high",
                                 "special cause improving, high"},
        [RP_VAR_IMPROVE_LOW] = {RP_BLUE, "L", "Improving:", "low", "special cause improving, low"},
},
  s_assure[] = {
      [RP_ASSURE_PASS] = {RP_BLUE, "P", "Target:", "always met", "the target is consistently met"},
      [RP_ASSURE_FAIL] = {RP_ORANGE, "F", "Target:", "never met",
                          "the target is consistently missed"},
      [RP_ASSURE_HIT_MISS] = {RP_GREY, "?", "Target:", "hit and miss",
                              "the target is hit and miss"},
};

/* An icon: a circle (variation) or a square (assurance) holding a letter,
 * with two lines of words beneath. */
static void s_icon(const rp_canvas_t *cv, double cx, int square, unsigned rgb, const char *letter,
                   const char *l1, const char *l2, const char *words)
{
    const double cy = 38, r = 16;
    cv->begin(cv->ctx, words);
    if (square) {
        double xy[8] = {cx - r, cy - r, cx + r, cy - r, cx + r, cy + r, cx - r, cy + r};
        cv->path(cv->ctx, xy, 4, 1, rgb, RP_NOCOLOUR, 0, RP_SOLID, "icon");
    } else {
        cv->circle(cv->ctx, cx, cy, r, rgb, RP_NOCOLOUR, 0, "icon");
    }
    cv->text(cv->ctx, cx, cy + 6, letter, 17, 0xFFFFFFu, RP_MIDDLE, 1, 0);
    cv->text(cv->ctx, cx, cy + r + 13, l1, RPC_SMALL, RP_INK, RP_MIDDLE, 0, 0);
    cv->text(cv->ctx, cx, cy + r + 24, l2, RPC_SMALL, RP_INK, RP_MIDDLE, 0, 0);
    cv->end(cv->ctx);
}

static void s_xmr_range(const rp_xmr_t *x, double *lo, double *hi)
{
    *lo = fmin(x->lower, x->mean);
    *hi = fmax(x->upper, x->mean);
    for (size_t i = 0; i < x->npts; i++) {
        *lo = fmin(*lo, x->pts[i].value);
        *hi = fmax(*hi, x->pts[i].value);
    }
    if (x->has_target) {
        *lo = fmin(*lo, x->target);
        *hi = fmax(*hi, x->target);
    }
}

void rpc_draw_xmr(const rp_xmr_t *x, const rp_canvas_t *cv)
{
    const double L = RP_XMR_LEFT, R = RP_XMR_RIGHT, T = RP_XMR_TOP, B = RP_XMR_BOTTOM;
    int dec = x->decimals < 0 ? 0 : x->decimals > 3 ? 3 : x->decimals;
    char b[64], lab[160];
    double icons = 0; /* the width the icons take on the right */
    if (x->assurance != RP_ASSURE_NONE) {
        icons += 80;
        s_icon(cv, RP_CHART_W - 36, 1, s_assure[x->assurance].rgb, s_assure[x->assurance].letter,
               s_assure[x->assurance].line1, s_assure[x->assurance].line2,
               s_assure[x->assurance].words);
    }
    if (x->variation != RP_VAR_NONE) {
        s_icon(cv, RP_CHART_W - 36 - icons, 0, s_var[x->variation].rgb, s_var[x->variation].letter,
               s_var[x->variation].line1, s_var[x->variation].line2, s_var[x->variation].words);
        icons += 80;
    }
    rpc_title(cv, x->title ? x->title : "", RP_CHART_W - icons - 50);

    rpc_axis_t ya;
    double lo, hi;
    s_xmr_range(x, &lo, &hi);
    rpc_nice(&ya, lo, hi, B, T);
    rpc_yaxis(cv, &ya, L, R, 0);
    if (x->y_label)
        cv->text(cv->ctx, 20, (T + B) / 2, x->y_label, RPC_FONT, RP_INK, RP_MIDDLE, 1, 1);

    /* x: the points evenly spaced, a label on every k-th so none overlap */
    double dx = x->npts > 1 ? (R - L - 24) / (double)(x->npts - 1) : 0;
    size_t every = 1;
    for (size_t i = 0; i < x->npts; i++) {
        double w = rpc_textw(x->pts[i].label, RPC_FONT) + 8;
        while (dx > 0 && dx * (double)every < w)
            every++;
    }
    cv->begin(cv->ctx, "Horizontal axis");
    rpc_hline(cv, L, R, B, RPC_AXIS_INK, 1, RP_SOLID, "axis");
    for (size_t i = 0; i < x->npts; i += every) {
        double px = x->npts > 1 ? L + 12 + dx * (double)i : (L + R) / 2;
        cv->text(cv->ctx, px, B + 17, x->pts[i].label, RPC_FONT, RP_INK, RP_MIDDLE, 0, 0);
    }
    cv->end(cv->ctx);
    if (x->x_label)
        cv->text(cv->ctx, (L + R) / 2, B + 40, x->x_label, RPC_FONT, RP_INK, RP_MIDDLE, 1, 0);

    /* the lines, each labelled in the right margin, the labels pushed
     * apart where lines run close (the mean and a target often do) */
    struct {
        double v, y, ly;
        unsigned rgb;
        rp_dash_t dash;
        const char *cls, *name, *words;
    } ln[4] = {
        {x->upper, 0, 0, RPC_AXIS_INK, RP_DASHED, "upper", "UPL", "Upper process limit"},
        {x->mean, 0, 0, RP_INK, RP_SOLID, "mean", "Mean", "Mean"},
        {x->lower, 0, 0, RPC_AXIS_INK, RP_DASHED, "lower", "LPL", "Lower process limit"},
        {x->target, 0, 0, RP_TARGET, RP_DASHED, "target", "Target", "Target"},
    };
    size_t nl = x->has_target ? 4 : 3, order[4] = {0, 1, 2, 3};
    for (size_t i = 0; i < nl; i++)
        ln[i].y = ln[i].ly = rpc_map(&ya, ln[i].v);
    for (size_t i = 1; i < nl; i++) /* by y, top first: an insertion sort of four */
        for (size_t j = i; j > 0 && ln[order[j]].y < ln[order[j - 1]].y; j--) {
            size_t k = order[j];
            order[j] = order[j - 1];
            order[j - 1] = k;
        }
    for (size_t i = 1; i < nl; i++)
        if (ln[order[i]].ly < ln[order[i - 1]].ly + 11)
            ln[order[i]].ly = ln[order[i - 1]].ly + 11;
    for (size_t i = 0; i < nl; i++) {
        snprintf(lab, sizeof lab, "%s %s", ln[i].words, rp_fmt_num(b, sizeof b, ln[i].v, dec));
        cv->begin(cv->ctx, lab);
        rpc_hline(cv, L, R, ln[i].y, ln[i].rgb, i == 1 ? 1.6 : 1.3, ln[i].dash, ln[i].cls);
        snprintf(lab, sizeof lab, "%s %s", ln[i].name, b);
        cv->text(cv->ctx, R + 6, ln[i].ly + 3.5, lab, RPC_SMALL, ln[i].rgb, RP_START, 0, 0);
        cv->end(cv->ctx);
    }

    /* the series: a grey line through every point, then the points */
    if (x->npts > 1) {
        double xy[2 * 64];
        size_t k = 0;
        for (size_t i = 0; i < x->npts; i++) {
            xy[2 * k] = L + 12 + dx * (double)i;
            xy[2 * k + 1] = rpc_map(&ya, x->pts[i].value);
            if (++k == 64 || i + 1 == x->npts) {
                cv->path(cv->ctx, xy, k, 0, RP_NOCOLOUR, RP_GREY, 1.5, RP_SOLID, "series");
                xy[0] = xy[2 * k - 2];
                xy[1] = xy[2 * k - 1];
                k = 1;
            }
        }
    }
    for (size_t i = 0; i < x->npts; i++) {
        const rp_xmr_point_t *p = &x->pts[i];
        snprintf(lab, sizeof lab, "%.40s: %s%s", p->label ? p->label : "",
                 rp_fmt_num(b, sizeof b, p->value, dec),
                 p->cause == RP_CAUSE_CONCERN   ? ", special cause of concern"
                 : p->cause == RP_CAUSE_IMPROVE ? ", special cause improving"
                                                : "");
        cv->begin(cv->ctx, lab);
        double px = x->npts > 1 ? L + 12 + dx * (double)i : (L + R) / 2;
        cv->circle(cv->ctx, px, rpc_map(&ya, p->value), p->cause ? 5.5 : 4, rpc_cause_rgb(p->cause),
                   0xFFFFFFu, 1, p->cause ? "point special" : "point");
        cv->end(cv->ctx);
    }

    rpc_legend_t lg = {cv, L, RP_XMR_H - 50, L, RP_CHART_W - 16};
    cv->begin(cv->ctx, "Legend");
    rpc_key(&lg, RPC_KEY_DOT, RP_GREY, RP_SOLID, "Common cause");
    rpc_key(&lg, RPC_KEY_BIGDOT, RP_ORANGE, RP_SOLID, "Special cause: concern");
    rpc_key(&lg, RPC_KEY_BIGDOT, RP_BLUE, RP_SOLID, "Special cause: improving");
    rpc_key(&lg, RPC_KEY_LINE, RP_INK, RP_SOLID, "Mean");
    rpc_key(&lg, RPC_KEY_LINE, RPC_AXIS_INK, RP_DASHED, "Process limits (UPL, LPL)");
    if (x->has_target)
        rpc_key(&lg, RPC_KEY_LINE, RP_TARGET, RP_DASHED, "Target");
    cv->text(cv->ctx, L, lg.y + 20,
             "Icons: H / L special cause with high / low values; ~ common cause; "
             "P / F / ? target always met / never met / hit and miss.",
             RPC_SMALL, RP_INK, RP_START, 0, 0);
    cv->end(cv->ctx);
}

void rpc_desc_xmr(const rp_xmr_t *x, rp_text_t *t)
{
    int dec = x->decimals < 0 ? 0 : x->decimals > 3 ? 3 : x->decimals;
    rp_text_printf(t, "XmR chart of %zu points", x->npts);
    if (x->npts)
        rp_text_printf(t, ", %s to %s", x->pts[0].label ? x->pts[0].label : "",
                       x->pts[x->npts - 1].label ? x->pts[x->npts - 1].label : "");
    rp_text_puts(t, ". Mean ");
    rp_text_num(t, x->mean, dec);
    rp_text_puts(t, ", upper process limit ");
    rp_text_num(t, x->upper, dec);
    rp_text_puts(t, ", lower process limit ");
    rp_text_num(t, x->lower, dec);
    if (x->has_target) {
        rp_text_puts(t, ", target ");
        rp_text_num(t, x->target, dec);
    }
    rp_text_puts(t, ".");
    for (int c = RP_CAUSE_CONCERN; c <= RP_CAUSE_IMPROVE; c++) {
        size_t n = 0;
        for (size_t i = 0; i < x->npts; i++)
            if ((int)x->pts[i].cause == c) {
                rp_text_puts(t, n++                     ? ", "
                                : c == RP_CAUSE_CONCERN ? " Special cause of concern: "
                                                        : " Special cause improving: ");
                rp_text_puts(t, x->pts[i].label);
                rp_text_puts(t, " (");
                rp_text_num(t, x->pts[i].value, dec);
                rp_text_puts(t, ")");
            }
        if (n)
            rp_text_puts(t, ".");
    }
    if (x->variation != RP_VAR_NONE)
        rp_text_printf(t, " Variation: %s.", s_var[x->variation].words);
    if (x->assurance != RP_ASSURE_NONE)
        rp_text_printf(t, " Assurance: %s.", s_assure[x->assurance].words);
}
