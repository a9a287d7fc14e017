/* chart.h - the report's charts, laid out once and drawn on any canvas.
 *
 * An XmR chart, a funnel plot and a bar chart (render.h) are laid out here
 * in a fixed coordinate space (a "view" of RP_CHART_W units across, y
 * downwards, as SVG's), and drawn through rp_canvas_t: svg.c writes SVG
 * elements, pdf_report.c draws the same calls with cairo, so the web page
 * and the PDF show the same picture. Text is never measured: widths are
 * estimated (a sans-serif letter is about 0.55 of its size), so the layout
 * is the same on both.
 * The text helpers (rp_text_t, numbers) are in svg.h. */
#ifndef REPORTING_CHART_H
#define REPORTING_CHART_H

#include "render.h"
#include "svg.h"

#include <stddef.h>

/* ---- Canvas ------------------------------------------------------------ */

#define RP_NOCOLOUR 0xFFFFFFFFu /* no fill, or no stroke */

typedef enum { RP_SOLID = 0, RP_DASHED, RP_DOTTED } rp_dash_t;
typedef enum { RP_START = 0, RP_MIDDLE, RP_END } rp_anchor_t;

/* Drawing calls in view units. `cls` names what a mark is ("mean",
 * "upper", "point", "bar", ...): SVG writes it as a class, cairo ignores it. */
typedef struct {
    void *ctx;
    /* A polyline of n points (xy[2i], xy[2i+1]), closed (and fillable)
     * when `closed`. */
    void (*path)(void *ctx, const double *xy, size_t n, int closed, unsigned fill, unsigned stroke,
                 double width, rp_dash_t dash, const char *cls);
    void (*circle)(void *ctx, double cx, double cy, double r, unsigned fill, unsigned stroke,
                   double width, const char *cls);
    /* Text whose baseline starts (or is centred, or ends) at x, y; rotated
     * a quarter turn anticlockwise when `vertical`. */
    void (*text)(void *ctx, double x, double y, const char *s, double size, unsigned rgb,
                 rp_anchor_t anchor, int bold, int vertical);
    /* A group of marks; `label` (may be NULL) says what it shows, for a
     * screen reader or a tooltip. Groups nest; each begin has its end. */
    void (*begin)(void *ctx, const char *label);
    void (*end)(void *ctx);
} rp_canvas_t;

/* ---- Charts ------------------------------------------------------------ */

#define RP_CHART_W 720.0 /* every chart is this wide */

/* The XmR chart's plot area, and its height: values map linearly from the
 * y axis's range (a "nice" range covering the points, limits and target:
 * steps of 1, 2, 2.5, 5 or 10 times a power of ten, about five of them) to
 * RP_XMR_BOTTOM..RP_XMR_TOP. */
#define RP_XMR_H 450.0
#define RP_XMR_LEFT 74.0
#define RP_XMR_RIGHT 636.0
#define RP_XMR_TOP 96.0
#define RP_XMR_BOTTOM 340.0

/* The chart's size in view units: RP_CHART_W across, *h down. */
double rp_chart_height(const rp_chart_t *c);
/* The chart's title (never NULL). */
const char *rp_chart_title(const rp_chart_t *c);
/* A plain-English summary of what the chart shows, appended to t: the
 * range, the lines, the points that stand out, the icons. */
void rp_chart_desc(const rp_chart_t *c, rp_text_t *t);
/* Draws the chart on the canvas, in view units from (0, 0). */
void rp_chart_draw(const rp_chart_t *c, const rp_canvas_t *cv);

#endif
