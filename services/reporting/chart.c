/* chart.c - the three charts laid out and drawn on a canvas (see chart.h).
 *
 * Layout is arithmetic on the view (RP_CHART_W wide): axes with "nice"
 * steps, points mapped linearly, lines clipped to the plot, labels placed
 * where they do not collide. Colours follow "Making Data Count": grey for
 * common cause, orange for concern, blue for improvement; but colour is
 * never the only sign: special-cause points are larger, every line has a
 * legend entry, and each icon carries a letter and words beneath it. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart_int.h"

double rpc_textw(const char *s, double size)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80; /* count characters, not bytes */
    return (double)n * size * 0.55;
}

/* ---- Axes ---------------------------------------------------------------- */

void rpc_nice(rpc_axis_t *a, double min, double max, double p0, double p1)
{
    if (!isfinite(min) || !isfinite(max)) {
        min = 0;
        max = 1;
    }
    if (!(max > min)) { /* one value: a range around it */
        double pad = fabs(min) > 0 ? fabs(min) * 0.1 : 1;
        min -= pad;
        max += pad;
    }
    double raw = (max - min) / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
    a->step = step;
    a->lo = floor(min / step + 1e-9) * step;
    a->hi = ceil(max / step - 1e-9) * step;
    a->p0 = p0;
    a->p1 = p1;
    /* enough decimals to tell the ticks apart: 2.5e-k needs one more */
    double d = -floor(log10(step) + 1e-9);
    if (fabs(step / pow(10, -d) - 2.5) < 1e-9)
        d += 1;
    a->dec = d > 0 ? (int)d : 0;
}

double rpc_map(const rpc_axis_t *a, double v)
{
    return a->p0 + (v - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* Grid lines and tick labels of a vertical axis at x = left. `pct`: values
 * are proportions shown as percentages. */
void rpc_yaxis(const rp_canvas_t *cv, const rpc_axis_t *a, double left, double right, int pct)
{
    char b[40];
    cv->begin(cv->ctx, "Vertical axis");
    for (double v = a->lo; v <= a->hi + a->step * 1e-6; v += a->step) {
        double y = rpc_map(a, v), xy[4] = {left, y, right, y};
        cv->path(cv->ctx, xy, 2, 0, RP_NOCOLOUR, RP_RULE, 1, RP_SOLID, "grid");
        char n[36];
        rp_fmt_num(n, sizeof n, pct ? v * 100 : v, pct ? (a->dec > 2 ? a->dec - 2 : 0) : a->dec);
        snprintf(b, sizeof b, "%s%s", n, pct ? "%" : "");
        cv->text(cv->ctx, left - 6, y + 4, b, RPC_FONT, RP_INK, RP_END, 0, 0);
    }
    cv->end(cv->ctx);
}

/* Cuts a polyline (view units) to the rectangle and draws what is inside:
 * a limit curve leaves the plot where it is wider than the axis. */
void rpc_clipped(const rp_canvas_t *cv, const double *xy, size_t n, const double box[4],
                 unsigned rgb, double w, rp_dash_t dash, const char *cls)
{
    double out[2 * 64];
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double x0 = xy[2 * i], y0 = xy[2 * i + 1], x1 = xy[2 * i + 2], y1 = xy[2 * i + 3];
        double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
        double p[4] = {-dx, dx, -dy, dy},
               q[4] = {x0 - box[0], box[2] - x0, y0 - box[1], box[3] - y0};
        int in = 1;
        for (int j = 0; j < 4 && in; j++) { /* Liang-Barsky */
            if (p[j] == 0) {
                in = q[j] >= 0;
            } else {
                double r = q[j] / p[j];
                if (p[j] < 0 && r > t0)
                    t0 = r;
                else if (p[j] > 0 && r < t1)
                    t1 = r;
                in = t0 <= t1;
            }
        }
        if (!in) {
            if (k >= 2)
                cv->path(cv->ctx, out, k, 0, RP_NOCOLOUR, rgb, w, dash, cls);
            k = 0;
            continue;
        }
        if (k == 0 || t0 > 0) { /* a new piece starts at the entry point */
            if (k >= 2)
                cv->path(cv->ctx, out, k, 0, RP_NOCOLOUR, rgb, w, dash, cls);
            out[0] = x0 + t0 * dx;
            out[1] = y0 + t0 * dy;
            k = 1;
        }
        out[2 * k] = x0 + t1 * dx;
        out[2 * k + 1] = y0 + t1 * dy;
        k++;
        if (t1 < 1 || k == 64) { /* left the box, or the piece is full */
            cv->path(cv->ctx, out, k, 0, RP_NOCOLOUR, rgb, w, dash, cls);
            out[0] = out[2 * k - 2];
            out[1] = out[2 * k - 1];
            k = t1 < 1 ? 0 : 1;
        }
    }
    if (k >= 2)
        cv->path(cv->ctx, out, k, 0, RP_NOCOLOUR, rgb, w, dash, cls);
}

void rpc_hline(const rp_canvas_t *cv, double x0, double x1, double y, unsigned rgb, double w,
               rp_dash_t dash, const char *cls)
{
    double xy[4] = {x0, y, x1, y};
    cv->path(cv->ctx, xy, 2, 0, RP_NOCOLOUR, rgb, w, dash, cls);
}

unsigned rpc_cause_rgb(rp_cause_t c)
{
    return c == RP_CAUSE_CONCERN ? RP_ORANGE : c == RP_CAUSE_IMPROVE ? RP_BLUE : RP_GREY;
}

/* The title, wrapped onto a second line when it would run into `maxw`. */
void rpc_title(const rp_canvas_t *cv, const char *title, double maxw)
{
    char a[256];
    size_t n = strlen(title);
    if (rpc_textw(title, RPC_TITLE) <= maxw || n >= sizeof a) {
        cv->text(cv->ctx, 16, 26, title, RPC_TITLE, RP_INK, RP_START, 1, 0);
        return;
    }
    size_t cut = n; /* the last space that leaves the first line short enough */
    for (size_t i = 1; i < n; i++)
        if (title[i] == ' ') {
            memcpy(a, title, i);
            a[i] = 0;
            if (rpc_textw(a, RPC_TITLE) > maxw)
                break;
            cut = i;
        }
    if (cut == n) {
        cv->text(cv->ctx, 16, 26, title, RPC_TITLE, RP_INK, RP_START, 1, 0);
        return;
    }
    memcpy(a, title, cut);
    a[cut] = 0;
    cv->text(cv->ctx, 16, 26, a, RPC_TITLE, RP_INK, RP_START, 1, 0);
    cv->text(cv->ctx, 16, 45, title + cut + 1, RPC_TITLE, RP_INK, RP_START, 1, 0);
}

/* ---- Legend -------------------------------------------------------------- */

void rpc_key(rpc_legend_t *lg, rpc_key_t kind, unsigned rgb, rp_dash_t dash, const char *text)
{
    double w = 26 + rpc_textw(text, RPC_FONT) + 18;
    if (lg->x + w > lg->right && lg->x > lg->left) { /* wrap */
        lg->x = lg->left;
        lg->y += 18;
    }
    const rp_canvas_t *cv = lg->cv;
    cv->begin(cv->ctx, text);
    if (kind == RPC_KEY_LINE)
        rpc_hline(cv, lg->x, lg->x + 20, lg->y - 4, rgb, 2, dash, "key");
    else
        cv->circle(cv->ctx, lg->x + 10, lg->y - 4, kind == RPC_KEY_BIGDOT ? 5.5 : 4, rgb, 0xFFFFFFu,
                   1, "key");
    cv->text(cv->ctx, lg->x + 26, lg->y, text, RPC_FONT, RP_INK, RP_START, 0, 0);
    cv->end(cv->ctx);
    lg->x += w;
}

/* ---- Dispatch and descriptions ------------------------------------------- */

double rp_chart_height(const rp_chart_t *c)
{
    switch (c->kind) {
    case RP_CHART_XMR:
        return RP_XMR_H;
    case RP_CHART_FUNNEL:
        return RPC_FUN_H;
    case RP_CHART_BARS:
        return RPC_BAR_T + RPC_BAR_ROW * (double)c->bars->nbars + 72;
    }
    assert(!"chart kind");
    return 0;
}

const char *rp_chart_title(const rp_chart_t *c)
{
    const char *t = c->kind == RP_CHART_XMR      ? c->xmr->title
                    : c->kind == RP_CHART_FUNNEL ? c->funnel->title
                                                 : c->bars->title;
    return t ? t : "";
}

void rp_chart_draw(const rp_chart_t *c, const rp_canvas_t *cv)
{
    assert(c && cv);
    if (c->kind == RP_CHART_XMR)
        rpc_draw_xmr(c->xmr, cv);
    else if (c->kind == RP_CHART_FUNNEL)
        rpc_draw_funnel(c->funnel, cv);
    else
        rpc_draw_bars(c->bars, cv);
}

void rp_chart_desc(const rp_chart_t *c, rp_text_t *t)
{
    if (c->kind == RP_CHART_XMR) {
        rpc_desc_xmr(c->xmr, t);
    } else if (c->kind == RP_CHART_FUNNEL) {
        const rp_funnel_t *f = c->funnel;
        rp_text_printf(t, "Funnel plot of %zu bodies. Overall ", f->nbodies);
        rp_text_num(t, f->mean * 100, 1);
        rp_text_puts(t, "%, with 95% and 99.8% control limits by volume");
        if (f->has_target) {
            rp_text_puts(t, "; target ");
            rp_text_num(t, f->target * 100, 1);
            rp_text_puts(t, "%");
        }
        rp_text_puts(t, ".");
        for (int cs = RP_CAUSE_CONCERN; cs <= RP_CAUSE_IMPROVE; cs++) {
            size_t n = 0;
            for (size_t i = 0; i < f->nbodies; i++)
                if ((int)f->bodies[i].cause == cs) {
                    rp_text_puts(t, n++                      ? ", "
                                    : cs == RP_CAUSE_CONCERN ? " Outliers, worse: "
                                                             : " Outliers, better: ");
                    rp_text_puts(t, f->bodies[i].org);
                    rp_text_puts(t, " (");
                    rp_text_num(t, f->bodies[i].p * 100, 1);
                    rp_text_puts(t, "%)");
                }
            if (n)
                rp_text_puts(t, ".");
        }
    } else {
        const rp_bars_t *bs = c->bars;
        char b[32];
        rp_text_printf(t, "Bar chart of %zu categories:", bs->nbars);
        for (size_t i = 0; i < bs->nbars; i++)
            rp_text_printf(t, "%s %s %s", i ? "," : "", bs->bars[i].label ? bs->bars[i].label : "",
                           rpc_bar_hidden(&bs->bars[i])
                               ? "suppressed"
                               : rp_fmt_count(b, sizeof b, bs->bars[i].count));
        rp_text_puts(t, ".");
    }
}
