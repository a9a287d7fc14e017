/* svg.h - charts as SVG text, and the text writer every renderer uses.
 *
 * rp_svg_chart draws a chart (chart.h lays it out) as one standalone <svg>
 * element: role="img" with a <title> and a <desc> summarising it in words,
 * each point or bar in a group with its own <title> (a tooltip, and what a
 * screen reader says), no external resources, no ids (so any number of
 * charts can sit inline in one HTML page), numbers in a fixed format.
 *
 * rp_text_t is a growing text buffer with XML escaping and
 * locale-independent number formatting: a chart must not print "25,0"
 * because the daemon runs in a French locale. */
#ifndef REPORTING_SVG_H
#define REPORTING_SVG_H

#include "render.h"

#include <stddef.h>

/* ---- Text -------------------------------------------------------------- */

/* A growing string. Zero-initialise; after an allocation failure every
 * call is a no-op and rp_text_take returns NULL. */
typedef struct {
    char *p;    /* the text, NUL-terminated once anything is added */
    size_t len; /* its length */
    size_t cap; /* bytes allocated */
    int oom;    /* 1 after an allocation failed */
} rp_text_t;

void rp_text_put(rp_text_t *t, const char *s, size_t n);
void rp_text_puts(rp_text_t *t, const char *s);
/* printf for %s, %d, %zu, %ld and the like: never %f or %g, which follow
 * the locale (rp_text_num is for non-integers). */
void rp_text_printf(rp_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* `s` escaped for XML and HTML text and attribute values (& < > " ').
 * Invalid UTF-8 and control characters other than tab and newline become
 * U+FFFD: the output is always well-formed. NULL adds nothing. */
void rp_text_esc(rp_text_t *t, const char *s);
/* `v` with `decimals` (0-6) digits after a '.', rounded half away from
 * zero; -0 prints as 0; NaN and infinities print as "-". */
void rp_text_num(rp_text_t *t, double v, int decimals);
/* The text (malloc'd, the caller frees), or NULL after an allocation
 * failure (then freed here). `t` is empty again either way. */
char *rp_text_take(rp_text_t *t);
void rp_text_free(rp_text_t *t);

/* rp_text_num into buf (at least 32 bytes): "25.0". Returns buf. */
char *rp_fmt_num(char *buf, size_t len, double v, int decimals);
/* A count with thousands separators: "113,780". Returns buf (>= 32). */
char *rp_fmt_count(char *buf, size_t len, long v);

/* The cleaned form of `s` that rp_text_esc escapes, unescaped: valid UTF-8,
 * no control characters. Appended to t. */
void rp_text_clean(rp_text_t *t, const char *s);

/* ---- SVG --------------------------------------------------------------- */

/* The chart as an SVG document (malloc'd, the caller frees), or NULL when
 * memory ran out. `c` and what it points at must be consistent (npts
 * points behind pts, and so on): a NULL chart of its kind is a bug. */
char *rp_svg_chart(const rp_chart_t *c);
char *rp_svg_xmr(const rp_xmr_t *x);
char *rp_svg_funnel(const rp_funnel_t *f);
char *rp_svg_bars(const rp_bars_t *b);

/* The <svg> element appended to t, for a page that inlines it. */
void rp_svg_write(rp_text_t *t, const rp_chart_t *c);

#endif
