/* svg.c - the text writer, and charts as SVG (see svg.h).
 *
 * The SVG canvas writes each drawing call of chart.c as one element, with
 * coordinates to two decimals in the fixed format rp_text_num gives, and
 * styles as presentation attributes (no <style>, no ids: several charts can
 * share one HTML page without their rules or ids colliding). */
#include "svg.h"

#include "chart.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Text ---------------------------------------------------------------- */

static int s_grow(rp_text_t *t, size_t n)
{
    if (t->oom)
        return -1;
    if (t->len + n + 1 <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + n + 1)
        cap *= 2;
    char *p = realloc(t->p, cap);
    if (!p) {
        t->oom = 1;
        return -1;
    }
    t->p = p;
    t->cap = cap;
    return 0;
}

void rp_text_put(rp_text_t *t, const char *s, size_t n)
{
    if (s_grow(t, n) < 0)
        return;
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = 0;
}

void rp_text_puts(rp_text_t *t, const char *s)
{
    if (s)
        rp_text_put(t, s, strlen(s));
}

void rp_text_printf(rp_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || s_grow(t, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* The length of the valid UTF-8 character at s (1-4), or 0 when s does not
 * start one (a stray continuation byte, an overlong form, a surrogate, a
 * code point past U+10FFFF, or a sequence cut short). */
static size_t s_utf8(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (!n || s[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

static void s_clean(rp_text_t *t, const char *s, int esc)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        size_t n = s_utf8(p);
        const char *rep = NULL;
        if (!n || (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F)
            rep = "\xEF\xBF\xBD"; /* U+FFFD: XML 1.0 allows no other controls */
        else if (esc && *p == '&')
            rep = "&amp;";
        else if (esc && *p == '<')
            rep = "&lt;";
        else if (esc && *p == '>')
            rep = "&gt;";
        else if (esc && *p == '"')
            rep = "&quot;";
        else if (esc && *p == '\'')
            rep = "&#39;";
        if (rep)
            rp_text_puts(t, rep);
        else
            rp_text_put(t, (const char *)p, n);
        p += n ? n : 1;
    }
}

void rp_text_esc(rp_text_t *t, const char *s)
{
    s_clean(t, s, 1);
}

void rp_text_clean(rp_text_t *t, const char *s)
{
    s_clean(t, s, 0);
}

char *rp_fmt_num(char *buf, size_t len, double v, int decimals)
{
    assert(len >= 32 && decimals >= 0 && decimals <= 6);
    if (!isfinite(v) || fabs(v) >= 1e15) {
        snprintf(buf, len, "-");
        return buf;
    }
    unsigned long long scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    unsigned long long q = (unsigned long long)llround(fabs(v) * (double)scale);
    const char *sign = v < 0 && q ? "-" : "";
    if (decimals)
        snprintf(buf, len, "%s%llu.%0*llu", sign, q / scale, decimals, q % scale);
    else
        snprintf(buf, len, "%s%llu", sign, q);
    return buf;
}

char *rp_fmt_count(char *buf, size_t len, long v)
{
    assert(len >= 32);
    char d[32];
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    int n = snprintf(d, sizeof d, "%lu", u);
    size_t o = 0;
    if (v < 0)
        buf[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = 0;
    return buf;
}

void rp_text_num(rp_text_t *t, double v, int decimals)
{
    char b[40];
    rp_text_puts(t, rp_fmt_num(b, sizeof b, v, decimals));
}

char *rp_text_take(rp_text_t *t)
{
    char *p = t->oom ? NULL : t->p;
    if (t->oom)
        free(t->p);
    else if (!p)
        p = calloc(1, 1); /* nothing added: an empty string, not a failure */
    *t = (rp_text_t){0};
    return p;
}

void rp_text_free(rp_text_t *t)
{
    free(t->p);
    *t = (rp_text_t){0};
}

/* ---- The SVG canvas ------------------------------------------------------ */

static void s_rgb(rp_text_t *t, const char *attr, unsigned rgb)
{
    if (rgb == RP_NOCOLOUR)
        rp_text_printf(t, " %s=\"none\"", attr);
    else
        rp_text_printf(t, " %s=\"#%06X\"", attr, rgb & 0xFFFFFFu);
}

static void s_attr_num(rp_text_t *t, const char *attr, double v)
{
    rp_text_printf(t, " %s=\"", attr);
    rp_text_num(t, v, 2);
    rp_text_puts(t, "\"");
}

static void s_class(rp_text_t *t, const char *cls)
{
    if (cls) {
        rp_text_puts(t, " class=\"");
        rp_text_esc(t, cls);
        rp_text_puts(t, "\"");
    }
}

static void s_stroke(rp_text_t *t, unsigned rgb, double width, rp_dash_t dash)
{
    s_rgb(t, "stroke", rgb);
    if (rgb != RP_NOCOLOUR)
        s_attr_num(t, "stroke-width", width);
    if (dash == RP_DASHED)
        rp_text_puts(t, " stroke-dasharray=\"6 4\"");
    else if (dash == RP_DOTTED)
        rp_text_puts(t, " stroke-dasharray=\"2 3\"");
}

static void s_path(void *ctx, const double *xy, size_t n, int closed, unsigned fill,
                   unsigned stroke, double width, rp_dash_t dash, const char *cls)
{
    rp_text_t *t = ctx;
    rp_text_puts(t, closed ? "<polygon" : "<polyline");
    s_class(t, cls);
    rp_text_puts(t, " points=\"");
    for (size_t i = 0; i < n; i++) {
        rp_text_puts(t, i ? " " : "");
        rp_text_num(t, xy[2 * i], 2);
        rp_text_puts(t, ",");
        rp_text_num(t, xy[2 * i + 1], 2);
    }
    rp_text_puts(t, "\"");
    s_rgb(t, "fill", closed ? fill : RP_NOCOLOUR);
    s_stroke(t, stroke, width, dash);
    rp_text_puts(t, "/>\n");
}

static void s_circle(void *ctx, double cx, double cy, double r, unsigned fill, unsigned stroke,
                     double width, const char *cls)
{
    rp_text_t *t = ctx;
    rp_text_puts(t, "<circle");
    s_class(t, cls);
    s_attr_num(t, "cx", cx);
    s_attr_num(t, "cy", cy);
    s_attr_num(t, "r", r);
    s_rgb(t, "fill", fill);
    s_stroke(t, stroke, width, RP_SOLID);
    rp_text_puts(t, "/>\n");
}

static void s_text(void *ctx, double x, double y, const char *s, double size, unsigned rgb,
                   rp_anchor_t anchor, int bold, int vertical)
{
    rp_text_t *t = ctx;
    rp_text_puts(t, "<text");
    s_attr_num(t, "x", x);
    s_attr_num(t, "y", y);
    s_attr_num(t, "font-size", size);
    s_rgb(t, "fill", rgb);
    if (anchor != RP_START)
        rp_text_puts(t, anchor == RP_MIDDLE ? " text-anchor=\"middle\"" : " text-anchor=\"end\"");
    if (bold)
        rp_text_puts(t, " font-weight=\"bold\"");
    if (vertical) {
        rp_text_puts(t, " transform=\"rotate(-90 ");
        rp_text_num(t, x, 2);
        rp_text_puts(t, " ");
        rp_text_num(t, y, 2);
        rp_text_puts(t, ")\"");
    }
    rp_text_puts(t, ">");
    rp_text_esc(t, s);
    rp_text_puts(t, "</text>\n");
}

/* A labelled group: its <title> is the tooltip, and what a screen reader
 * announces for the marks in it. */
static void s_begin(void *ctx, const char *label)
{
    rp_text_t *t = ctx;
    rp_text_puts(t, "<g>");
    if (label) {
        rp_text_puts(t, "<title>");
        rp_text_esc(t, label);
        rp_text_puts(t, "</title>");
    }
    rp_text_puts(t, "\n");
}

static void s_end(void *ctx)
{
    rp_text_puts(ctx, "</g>\n");
}

void rp_svg_write(rp_text_t *t, const rp_chart_t *c)
{
    assert(c);
    assert(c->kind != RP_CHART_XMR || c->xmr);
    assert(c->kind != RP_CHART_FUNNEL || c->funnel);
    assert(c->kind != RP_CHART_BARS || c->bars);
    double h = rp_chart_height(c);
    rp_text_puts(t, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 ");
    rp_text_num(t, RP_CHART_W, 0);
    rp_text_puts(t, " ");
    rp_text_num(t, h, 0);
    rp_text_puts(t, "\" width=\"");
    rp_text_num(t, RP_CHART_W, 0);
    rp_text_puts(t, "\" height=\"");
    rp_text_num(t, h, 0);
    rp_text_puts(t, "\" font-family=\"Arial, 'Liberation Sans', Helvetica, sans-serif\">\n");
    rp_text_puts(t, "<title>");
    rp_text_esc(t, rp_chart_title(c));
    rp_text_puts(t, "</title>\n<desc>");
    rp_text_t d = {0};
    rp_chart_desc(c, &d);
    if (d.oom)
        t->oom = 1;
    rp_text_esc(t, d.p);
    rp_text_free(&d);
    rp_text_puts(t, "</desc>\n");
    rp_text_puts(t, "<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n");
    rp_canvas_t cv = {t, s_path, s_circle, s_text, s_begin, s_end};
    rp_chart_draw(c, &cv);
    rp_text_puts(t, "</svg>\n");
}

char *rp_svg_chart(const rp_chart_t *c)
{
    rp_text_t t = {0};
    rp_svg_write(&t, c);
    return rp_text_take(&t);
}

char *rp_svg_xmr(const rp_xmr_t *x)
{
    return rp_svg_chart(&(rp_chart_t){.kind = RP_CHART_XMR, .xmr = x});
}

char *rp_svg_funnel(const rp_funnel_t *f)
{
    return rp_svg_chart(&(rp_chart_t){.kind = RP_CHART_FUNNEL, .funnel = f});
}

char *rp_svg_bars(const rp_bars_t *b)
{
    return rp_svg_chart(&(rp_chart_t){.kind = RP_CHART_BARS, .bars = b});
}
