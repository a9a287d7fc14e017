/* chart_plots.c - the funnel plot and the bar chart laid out and drawn on a
 * canvas (chart.h, chart_int.h). */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart_int.h"

/* ---- Funnel plot --------------------------------------------------------- */

#define S_FUN_L 80.0
#define S_FUN_R 700.0
#define S_FUN_T 64.0
#define S_FUN_B 380.0

static void s_fun_limits(const rp_canvas_t *cv, const rp_limit_t *l, size_t n, const rpc_axis_t *xa,
                         const rpc_axis_t *ya, rp_dash_t dash, double w, const char *name)
{
    const double box[4] = {S_FUN_L, S_FUN_T, S_FUN_R, S_FUN_B};
    double xy[2 * 64];
    cv->begin(cv->ctx, name);
    for (int side = 0; side < 2; side++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            xy[2 * k] = rpc_map(xa, l[i].n);
            xy[2 * k + 1] = rpc_map(ya, side ? l[i].upper : l[i].lower);
            if (++k == 64 || i + 1 == n) {
                rpc_clipped(cv, xy, k, box, RPC_AXIS_INK, w, dash, side ? "upper" : "lower");
                xy[0] = xy[2 * k - 2];
                xy[1] = xy[2 * k - 1];
                k = 1;
            }
        }
    }
    cv->end(cv->ctx);
}

/* Places a label beside (px, py) where it overlaps no label placed yet:
 * right-above, right-below, left-above, left-below, else right-above. */
static void s_place(double boxes[][4], size_t *nb, double px, double py, double w, double *x,
                    double *y, rp_anchor_t *anchor)
{
    const double h = RPC_FONT;
    const double cand[4][2] = {
        {px + 7, py - 5}, {px + 7, py + 5 + h}, {px - 7, py - 5}, {px - 7, py + 5 + h}};
    for (int c = 0; c < 5; c++) {
        int i = c % 4, left = i >= 2, clash = 0;
        double x0 = left ? cand[i][0] - w : cand[i][0], y1 = cand[i][1], y0 = y1 - h;
        for (size_t j = 0; j < *nb && c < 4 && !clash; j++)
            clash =
                x0 < boxes[j][2] && x0 + w > boxes[j][0] && y0 < boxes[j][3] && y1 > boxes[j][1];
        if (clash || (c < 4 && (x0 + w > S_FUN_R + 20 || x0 < S_FUN_L)))
            continue;
        *x = cand[i][0];
        *y = cand[i][1];
        *anchor = left ? RP_END : RP_START;
        boxes[*nb][0] = x0;
        boxes[*nb][1] = y0;
        boxes[*nb][2] = x0 + w;
        boxes[*nb][3] = y1;
        (*nb)++;
        return;
    }
}

void rpc_draw_funnel(const rp_funnel_t *f, const rp_canvas_t *cv)
{
    const double L = S_FUN_L, R = S_FUN_R, T = S_FUN_T, B = S_FUN_B;
    char b[64], lab[160];
    rpc_title(cv, f->title ? f->title : "", R - 16);

    /* x from 0 to past the largest body; y over the bodies, the mean, the
     * target and the limits from the smallest body on (nearer n = 0 they
     * widen towards 0 and 1 and would squash the picture) */
    double nmax = 1, nmin = INFINITY, lo = f->mean, hi = f->mean;
    for (size_t i = 0; i < f->nbodies; i++) {
        nmax = fmax(nmax, f->bodies[i].n);
        nmin = fmin(nmin, f->bodies[i].n);
        lo = fmin(lo, f->bodies[i].p);
        hi = fmax(hi, f->bodies[i].p);
    }
    for (int s = 0; s < 2; s++) {
        const rp_limit_t *l = s ? f->l998 : f->l95;
        for (size_t i = 0, n = s ? f->n998 : f->n95; i < n; i++)
            if (l[i].n >= nmin && l[i].n <= nmax * 1.05) {
                lo = fmin(lo, l[i].lower);
                hi = fmax(hi, l[i].upper);
            }
    }
    if (f->has_target) {
        lo = fmin(lo, f->target);
        hi = fmax(hi, f->target);
    }
    rpc_axis_t xa, ya;
    rpc_nice(&xa, 0, nmax * 1.05, L, R);
    rpc_nice(&ya, fmax(lo, 0), fmin(hi, 1), B, T);
    rpc_yaxis(cv, &ya, L, R, 1);
    cv->begin(cv->ctx, "Horizontal axis");
    rpc_hline(cv, L, R, B, RPC_AXIS_INK, 1, RP_SOLID, "axis");
    for (double v = xa.lo; v <= xa.hi + xa.step * 1e-6; v += xa.step) {
        double px = rpc_map(&xa, v), xy[4] = {px, B, px, B + 5};
        cv->path(cv->ctx, xy, 2, 0, RP_NOCOLOUR, RPC_AXIS_INK, 1, RP_SOLID, "tick");
        cv->text(cv->ctx, px, B + 18, rp_fmt_num(b, sizeof b, v, xa.dec), RPC_FONT, RP_INK,
                 RP_MIDDLE, 0, 0);
    }
    cv->end(cv->ctx);
    if (f->x_label)
        cv->text(cv->ctx, (L + R) / 2, B + 40, f->x_label, RPC_FONT, RP_INK, RP_MIDDLE, 1, 0);
    if (f->y_label)
        cv->text(cv->ctx, 20, (T + B) / 2, f->y_label, RPC_FONT, RP_INK, RP_MIDDLE, 1, 1);

    s_fun_limits(cv, f->l95, f->n95, &xa, &ya, RP_DASHED, 1.3, "95% limits");
    s_fun_limits(cv, f->l998, f->n998, &xa, &ya, RP_SOLID, 1.5, "99.8% limits");
    snprintf(lab, sizeof lab, "Overall %s%%", rp_fmt_num(b, sizeof b, f->mean * 100, 1));
    cv->begin(cv->ctx, lab);
    rpc_hline(cv, L, R, rpc_map(&ya, f->mean), RP_INK, 1.5, RP_SOLID, "mean");
    cv->end(cv->ctx);
    if (f->has_target) {
        snprintf(lab, sizeof lab, "Target %s%%", rp_fmt_num(b, sizeof b, f->target * 100, 1));
        cv->begin(cv->ctx, lab);
        rpc_hline(cv, L, R, rpc_map(&ya, f->target), RP_TARGET, 1.3, RP_DASHED, "target");
        cv->text(cv->ctx, R - 2, rpc_map(&ya, f->target) - 4, lab, RPC_SMALL, RP_TARGET, RP_END, 0,
                 0);
        cv->end(cv->ctx);
    }

    /* outliers last, so they sit on top; labels placed in the same order */
    double boxes[64][4];
    size_t nb = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < f->nbodies; i++) {
            const rp_funnel_body_t *p = &f->bodies[i];
            if ((p->cause != RP_CAUSE_COMMON) != pass)
                continue;
            double px = rpc_map(&xa, p->n), py = rpc_map(&ya, p->p), tx = px, ty = py;
            snprintf(lab, sizeof lab, "%.60s: %s%% of %s%s", p->org ? p->org : "",
                     rp_fmt_num(b, sizeof b, p->p * 100, 1), rp_fmt_count(b + 32, 32, (long)p->n),
                     p->cause == RP_CAUSE_CONCERN   ? ", outlier (worse)"
                     : p->cause == RP_CAUSE_IMPROVE ? ", outlier (better)"
                                                    : "");
            cv->begin(cv->ctx, lab);
            cv->circle(cv->ctx, px, py, pass ? 6 : 4.5, rpc_cause_rgb(p->cause), 0xFFFFFFu, 1,
                       pass ? "point special" : "point");
            rp_anchor_t an = RP_START;
            if (nb < 64)
                s_place(boxes, &nb, px, py, rpc_textw(p->org, RPC_SMALL + 0.5), &tx, &ty, &an);
            cv->text(cv->ctx, tx, ty, p->org ? p->org : "", RPC_SMALL + 0.5,
                     pass ? rpc_cause_rgb(p->cause) : RP_INK, an, pass, 0);
            cv->end(cv->ctx);
        }

    rpc_legend_t lg = {cv, L, RPC_FUN_H - 48, L, R};
    cv->begin(cv->ctx, "Legend");
    rpc_key(&lg, RPC_KEY_DOT, RP_GREY, RP_SOLID, "Within limits");
    rpc_key(&lg, RPC_KEY_BIGDOT, RP_ORANGE, RP_SOLID, "Outlier: worse");
    rpc_key(&lg, RPC_KEY_BIGDOT, RP_BLUE, RP_SOLID, "Outlier: better");
    rpc_key(&lg, RPC_KEY_LINE, RP_INK, RP_SOLID, "Overall");
    rpc_key(&lg, RPC_KEY_LINE, RPC_AXIS_INK, RP_DASHED, "95% limits");
    rpc_key(&lg, RPC_KEY_LINE, RPC_AXIS_INK, RP_SOLID, "99.8% limits");
    if (f->has_target)
        rpc_key(&lg, RPC_KEY_LINE, RP_TARGET, RP_DASHED, "Target");
    cv->end(cv->ctx);
}

/* ---- Bars ---------------------------------------------------------------- */

#define S_BAR_R 650.0

int rpc_bar_hidden(const rp_bar_t *b)
{
    return b->suppressed || (b->count >= 1 && b->count <= 4); /* L5, whatever the caller said */
}

static double s_bars_left(const rp_bars_t *bs)
{
    double w = 0;
    for (size_t i = 0; i < bs->nbars; i++)
        w = fmax(w, rpc_textw(bs->bars[i].label, RPC_FONT));
    return fmin(16 + w + 12, 300);
}

void rpc_draw_bars(const rp_bars_t *bs, const rp_canvas_t *cv)
{
    const double L = s_bars_left(bs), R = S_BAR_R, T = RPC_BAR_T;
    const double B = T + RPC_BAR_ROW * (double)bs->nbars;
    char b[64], lab[200], name[80];
    rpc_title(cv, bs->title ? bs->title : "", RP_CHART_W - 32);
    long max = 0;
    int hidden = 0;
    for (size_t i = 0; i < bs->nbars; i++) {
        if (!rpc_bar_hidden(&bs->bars[i]) && bs->bars[i].count > max)
            max = bs->bars[i].count;
        hidden |= rpc_bar_hidden(&bs->bars[i]);
    }
    rpc_axis_t xa;
    rpc_nice(&xa, 0, max > 0 ? (double)max : 5, L, R);
    xa.dec = 0; /* counts */
    cv->begin(cv->ctx, "Horizontal axis");
    for (double v = xa.lo; v <= xa.hi + xa.step * 1e-6; v += xa.step) {
        double px = rpc_map(&xa, v), xy[4] = {px, T - 4, px, B};
        if (fabs(v - round(v)) > 1e-9)
            continue; /* no half complaints */
        cv->path(cv->ctx, xy, 2, 0, RP_NOCOLOUR, RP_RULE, 1, RP_SOLID, "grid");
        cv->text(cv->ctx, px, B + 16, rp_fmt_count(b, sizeof b, (long)v), RPC_FONT, RP_INK,
                 RP_MIDDLE, 0, 0);
    }
    cv->end(cv->ctx);
    if (bs->x_label)
        cv->text(cv->ctx, (L + R) / 2, B + 36, bs->x_label, RPC_FONT, RP_INK, RP_MIDDLE, 1, 0);

    for (size_t i = 0; i < bs->nbars; i++) {
        const rp_bar_t *p = &bs->bars[i];
        double y = T + RPC_BAR_ROW * (double)i, mid = y + RPC_BAR_ROW / 2;
        int hide = rpc_bar_hidden(p);
        /* a label too long for the column is cut short with an ellipsis */
        snprintf(name, sizeof name, "%s", p->label ? p->label : "");
        for (size_t n = strlen(name); n > 4 && rpc_textw(name, RPC_FONT) > L - 28; n--) {
            while (n > 1 && ((unsigned char)name[n - 1] & 0xC0) == 0x80)
                n--; /* not through a character */
            memcpy(name + n - 1, "\xE2\x80\xA6", 4);
        }
        snprintf(lab, sizeof lab, "%.80s: %s", p->label ? p->label : "",
                 hide ? "suppressed (1 to 4)" : rp_fmt_count(b, sizeof b, p->count));
        cv->begin(cv->ctx, lab);
        cv->text(cv->ctx, L - 10, mid + 4, name, RPC_FONT, RP_INK, RP_END, 0, 0);
        if (hide) {
            cv->text(cv->ctx, L + 6, mid + 5, "*", 14, RP_INK, RP_START, 1, 0);
        } else {
            double x1 = rpc_map(&xa, (double)p->count);
            if (p->count > 0) {
                double xy[8] = {
                    L, y + 5, x1, y + 5, x1, y + RPC_BAR_ROW - 5, L, y + RPC_BAR_ROW - 5};
                cv->path(cv->ctx, xy, 4, 1, RP_BLUE, RP_NOCOLOUR, 0, RP_SOLID, "bar");
            }
            cv->text(cv->ctx, x1 + 6, mid + 4, rp_fmt_count(b, sizeof b, p->count), RPC_FONT,
                     RP_INK, RP_START, 0, 0);
        }
        cv->end(cv->ctx);
    }
    double axy[4] = {L, T - 4, L, B};
    cv->path(cv->ctx, axy, 2, 0, RP_NOCOLOUR, RPC_AXIS_INK, 1, RP_SOLID, "axis");
    if (hidden)
        cv->text(cv->ctx, 16, B + 60,
                 "* Suppressed: a count from 1 to 4 (or one that would reveal it) is not shown.",
                 RPC_SMALL, RP_INK, RP_START, 0, 0);
}
