/* pdf_report.c - a report as an A4 PDF (see pdf_report.h).
 *
 * The document flows top to bottom: each block asks for the height it needs
 * and starts a new page when that does not fit (a paragraph breaks between
 * its lines, a table between its rows, a chart never). Laying out is done
 * twice, as notify's letters are: the first pass only counts the pages
 * (for "Page N of M"), the second draws; both measure the same way. The
 * charts are chart.c's, drawn through a cairo canvas scaled to the text
 * width. */
#include "pdf_report.h"

#include "chart.h"
#include "svg.h"

#include <assert.h>
#include <cairo-pdf.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"

#define S_MM (72.0 / 25.4)
#define S_PAGE_W (210 * S_MM)
#define S_PAGE_H (297 * S_MM)
#define S_MARGIN (18 * S_MM)
#define S_TEXT_W (S_PAGE_W - 2 * S_MARGIN)
#define S_BOTTOM (S_PAGE_H - S_MARGIN - 6 * S_MM) /* the footer sits below */
#define S_FAMILY "Arial,Liberation Sans,Nimbus Sans,DejaVu Sans"
#define S_BODY 10.0 /* body text, points */
#define S_PAD 4.0   /* table cell padding */

typedef struct {
    cairo_t *cr;
    int draw;  /* 0: measuring pass */
    int page;  /* the page being laid out, from 1 */
    int pages; /* the total, known after the first pass */
    double y;  /* where the next block goes */
} s_doc_t;

static void s_rgb(cairo_t *cr, unsigned rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0,
                         (rgb & 0xFF) / 255.0);
}

/* A layout in the report's font at `size` units, `width` wide (<= 0: one
 * line), holding `s` cleaned to valid UTF-8. The caller unrefs it. */
static PangoLayout *s_layout(cairo_t *cr, const char *s, double size, int bold, double width)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    /* Unhinted metrics: hinting rounds each glyph's advance to whole
     * units, which at a chart's scaled-down sizes spaces letters unevenly
     * (and the PDF is printed and zoomed, never shown at one size). */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pango_layout_get_context(l), fo);
    cairo_font_options_destroy(fo);
    pango_layout_context_changed(l);
    PangoFontDescription *fd = pango_font_description_from_string(S_FAMILY);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    rp_text_t t = {0};
    rp_text_clean(&t, s ? s : "");
    pango_layout_set_text(l, t.p ? t.p : "", -1);
    rp_text_free(&t);
    return l;
}

static double s_height(PangoLayout *l)
{
    int h;
    pango_layout_get_size(l, NULL, &h);
    return (double)h / PANGO_SCALE;
}

/* ---- The canvas: chart.c's calls as cairo drawing ------------------------ */

static void s_dash(cairo_t *cr, rp_dash_t dash)
{
    static const double dashed[] = {6, 4}, dotted[] = {2, 3};
    cairo_set_dash(cr, dash == RP_DASHED ? dashed : dotted, dash == RP_SOLID ? 0 : 2, 0);
}

static void s_fill_stroke(cairo_t *cr, unsigned fill, unsigned stroke, double width, rp_dash_t dash)
{
    if (fill != RP_NOCOLOUR) {
        s_rgb(cr, fill);
        if (stroke != RP_NOCOLOUR)
            cairo_fill_preserve(cr);
        else
            cairo_fill(cr);
    }
    if (stroke != RP_NOCOLOUR) {
        s_rgb(cr, stroke);
        cairo_set_line_width(cr, width);
        s_dash(cr, dash);
        cairo_stroke(cr);
    }
    cairo_new_path(cr);
}

static void s_cv_path(void *ctx, const double *xy, size_t n, int closed, unsigned fill,
                      unsigned stroke, double width, rp_dash_t dash, const char *cls)
{
    (void)cls;
    cairo_t *cr = ctx;
    for (size_t i = 0; i < n; i++)
        (i ? cairo_line_to : cairo_move_to)(cr, xy[2 * i], xy[2 * i + 1]);
    if (closed)
        cairo_close_path(cr);
    s_fill_stroke(cr, closed ? fill : RP_NOCOLOUR, stroke, width, dash);
}

static void s_cv_circle(void *ctx, double cx, double cy, double r, unsigned fill, unsigned stroke,
                        double width, const char *cls)
{
    (void)cls;
    cairo_t *cr = ctx;
    cairo_new_sub_path(cr);
    cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
    s_fill_stroke(cr, fill, stroke, width, RP_SOLID);
}

static void s_cv_text(void *ctx, double x, double y, const char *s, double size, unsigned rgb,
                      rp_anchor_t anchor, int bold, int vertical)
{
    cairo_t *cr = ctx;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (vertical)
        cairo_rotate(cr, -M_PI / 2);
    PangoLayout *l = s_layout(cr, s, size, bold, 0);
    int w;
    pango_layout_get_size(l, &w, NULL);
    double dx = anchor == RP_START ? 0 : anchor == RP_MIDDLE ? -w / 2.0 : -(double)w;
    cairo_move_to(cr, dx / PANGO_SCALE, -(double)pango_layout_get_baseline(l) / PANGO_SCALE);
    s_rgb(cr, rgb);
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);
    cairo_restore(cr);
}

static void s_cv_begin(void *ctx, const char *label)
{
    (void)ctx;
    (void)label;
}

static void s_cv_end(void *ctx)
{
    (void)ctx;
}

/* ---- The flow ------------------------------------------------------------ */

static void s_footer(s_doc_t *d)
{
    char num[64];
    snprintf(num, sizeof num, "Page %d of %d", d->page, d->pages);
    PangoLayout *l = s_layout(d->cr, "Counts from 1 to 4 are suppressed (shown as *).", 8, 0, 0);
    double y = S_PAGE_H - S_MARGIN;
    s_rgb(d->cr, 0x4C6272u);
    cairo_move_to(d->cr, S_MARGIN, y);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
    l = s_layout(d->cr, num, 8, 0, 0);
    int w;
    pango_layout_get_size(l, &w, NULL);
    cairo_move_to(d->cr, S_PAGE_W - S_MARGIN - (double)w / PANGO_SCALE, y);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
}

static void s_new_page(s_doc_t *d)
{
    if (d->draw) {
        s_footer(d);
        cairo_show_page(d->cr);
    }
    d->page++;
    d->y = S_MARGIN;
}

/* Room for `h` more on this page, or a new one (unless this one is empty:
 * a block taller than a page is drawn anyway, and cut). */
static void s_need(s_doc_t *d, double h)
{
    if (d->y + h > S_BOTTOM && d->y > S_MARGIN)
        s_new_page(d);
}

/* Wrapped text, broken between lines across pages. `keep`: room for this
 * much after the first line too (a heading is not left alone at the foot). */
static void s_text(s_doc_t *d, const char *s, double size, int bold, unsigned rgb, double x,
                   double gap_after, double keep)
{
    PangoLayout *l = s_layout(d->cr, s, size, bold, S_TEXT_W - (x - S_MARGIN));
    PangoLayoutIter *it = pango_layout_get_iter(l);
    double origin = d->y;
    int first = 1;
    do {
        PangoRectangle r;
        pango_layout_iter_get_line_extents(it, NULL, &r);
        double top = origin + (double)r.y / PANGO_SCALE, h = (double)r.height / PANGO_SCALE;
        if (top + h + (first ? keep : 0) > S_BOTTOM && top > S_MARGIN) {
            s_new_page(d);
            origin = S_MARGIN - (double)r.y / PANGO_SCALE;
        }
        if (d->draw) {
            s_rgb(d->cr, rgb);
            cairo_move_to(d->cr, x + (double)r.x / PANGO_SCALE,
                          origin + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE);
            pango_cairo_show_layout_line(d->cr, pango_layout_iter_get_line_readonly(it));
        }
        d->y = origin + (double)(r.y + r.height) / PANGO_SCALE;
        first = 0;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    g_object_unref(l);
    d->y += gap_after;
}

/* The text a cell shows: counts from 1 to 4 suppressed whatever the
 * caller said (L5), as the footer promises. */
static const char *s_cell_text(const rp_cell_t *c, char *b, size_t len)
{
    if (c->kind == RP_CELL_TEXT || c->kind == RP_CELL_FIGURE)
        return c->text ? c->text : "";
    if (c->kind == RP_CELL_COUNT && (c->count < 1 || c->count > 4))
        return rp_fmt_count(b, len, c->count);
    return "*";
}

/* A table row (row < 0: the header) at d->y; draws when draw; returns its
 * height. Numbers are right-aligned, the header and row headers bold. */
static double s_row(s_doc_t *d, const rp_table_t *tb, const double *w, long row, int draw)
{
    double h = 0, x = S_MARGIN;
    for (int pass = 0; pass < 1 + draw; pass++, x = S_MARGIN)
        for (size_t j = 0; j < tb->ncols; j++) {
            const rp_cell_t *c = row >= 0 ? &tb->cells[(size_t)row * tb->ncols + j] : NULL;
            char b[32];
            int num = tb->nrows && tb->cells[j].kind != RP_CELL_TEXT;
            const char *s = c ? s_cell_text(c, b, sizeof b) : tb->header[j];
            int bold = !c || (j == 0 && c->kind == RP_CELL_TEXT);
            PangoLayout *l = s_layout(d->cr, s, S_BODY - 1, bold, w[j] - 2 * S_PAD);
            if (num)
                pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
            if (pass == 0) {
                h = fmax(h, s_height(l) + 2 * S_PAD);
            } else {
                s_rgb(d->cr, RP_INK);
                cairo_move_to(d->cr, x + S_PAD, d->y + S_PAD);
                pango_cairo_show_layout(d->cr, l);
            }
            x += w[j];
            g_object_unref(l);
        }
    if (draw) { /* the rule beneath: heavier under the header */
        s_rgb(d->cr, row < 0 ? RP_INK : RP_RULE);
        cairo_set_line_width(d->cr, row < 0 ? 1.2 : 0.6);
        s_dash(d->cr, RP_SOLID);
        cairo_move_to(d->cr, S_MARGIN, d->y + h);
        cairo_line_to(d->cr, S_MARGIN + S_TEXT_W, d->y + h);
        cairo_stroke(d->cr);
    }
    return h;
}

static void s_table(s_doc_t *d, const rp_table_t *tb)
{
    if (!tb->ncols)
        return;
    if (!tb->nrows) { /* its caption and that there is nothing, not a bare header */
        s_need(d, 40);
        s_text(d, tb->caption, S_BODY, 1, RP_INK, S_MARGIN, 4, 0);
        s_text(d, RP_EMPTY_TABLE, S_BODY, 0, RP_INK, S_MARGIN, 12, 0);
        return;
    }
    /* each column as wide as its widest cell on one line, scaled down
     * together when they do not fit; some room left for a short column */
    double *w = calloc(tb->ncols, sizeof *w), total = 0;
    if (!w)
        return;
    for (size_t j = 0; j < tb->ncols; j++) {
        for (long i = -1; i < (long)tb->nrows; i++) {
            char b[32];
            const char *s = i < 0 ? tb->header[j]
                                  : s_cell_text(&tb->cells[(size_t)i * tb->ncols + j], b, sizeof b);
            PangoLayout *l = s_layout(d->cr, s, S_BODY - 1, 1, 0);
            int pw;
            pango_layout_get_size(l, &pw, NULL);
            w[j] = fmax(w[j], (double)pw / PANGO_SCALE + 2 * S_PAD + 6);
            g_object_unref(l);
        }
        total += w[j];
    }
    for (size_t j = 0; j < tb->ncols; j++)
        w[j] = total > S_TEXT_W ? w[j] * S_TEXT_W / total : w[j] + (S_TEXT_W - total) / tb->ncols;

    double head = s_row(d, tb, w, -1, 0);
    s_need(d, 30 + head + (tb->nrows ? s_row(d, tb, w, 0, 0) : 0)); /* caption, header, a row */
    s_text(d, tb->caption, S_BODY, 1, RP_INK, S_MARGIN, 4, 0);
    s_row(d, tb, w, -1, d->draw);
    d->y += head;
    for (size_t i = 0; i < tb->nrows; i++) {
        double h = s_row(d, tb, w, (long)i, 0);
        if (d->y + h > S_BOTTOM) { /* the header again atop the next page */
            s_new_page(d);
            s_row(d, tb, w, -1, d->draw);
            d->y += head;
        }
        s_row(d, tb, w, (long)i, d->draw);
        d->y += h;
    }
    d->y += 12;
    free(w);
}

static void s_chart(s_doc_t *d, const rp_chart_t *c)
{
    double scale = S_TEXT_W / RP_CHART_W, h = rp_chart_height(c) * scale;
    s_need(d, h + (c->caption ? 20 : 0));
    if (d->draw) {
        cairo_save(d->cr);
        cairo_translate(d->cr, S_MARGIN, d->y);
        cairo_scale(d->cr, scale, scale);
        rp_canvas_t cv = {d->cr, s_cv_path, s_cv_circle, s_cv_text, s_cv_begin, s_cv_end};
        rp_chart_draw(c, &cv);
        cairo_restore(d->cr);
    }
    d->y += h + 4;
    if (c->caption)
        s_text(d, c->caption, S_BODY - 1, 0, 0x4C6272u, S_MARGIN, 0, 0);
    d->y += 14;
}

/* Room a section's heading keeps below it: its first block (a chart; a
 * table's caption, header and first row), or a first paragraph (about three
 * lines) and the chart or table after it, so that a heading never stands
 * alone at the foot of a page above what it heads. */
static double s_keep(const rp_section_t *s)
{
    double scale = S_TEXT_W / RP_CHART_W, keep = 60;
    for (size_t k = 0; k < s->nblocks && k < 2; k++) {
        const rp_block_t *b = &s->blocks[k];
        if (b->kind == RP_BLOCK_CHART)
            return (k ? 60 : 0) + rp_chart_height(&b->chart) * scale + 20;
        if (b->kind == RP_BLOCK_TABLE) /* what s_table needs before it starts a page */
            return (k ? 60 : 0) + 90;
        if (b->kind != RP_BLOCK_PARA)
            break;
    }
    return keep;
}

static int s_flow(s_doc_t *d, const rp_report_t *r)
{
    d->page = 1;
    d->y = S_MARGIN;
    s_text(d, r->organisation, 11, 0, RP_INK, S_MARGIN, 2, 0);
    s_text(d, r->title, 22, 1, RP_BLUE, S_MARGIN, 2, 0);
    s_text(d, r->period, 11, 0, RP_INK, S_MARGIN, 6, 0);
    if (d->draw) {
        s_rgb(d->cr, RP_BLUE);
        cairo_rectangle(d->cr, S_MARGIN, d->y, S_TEXT_W, 3);
        cairo_fill(d->cr);
    }
    d->y += 14;
    for (size_t i = 0; i < r->nsections; i++) {
        const rp_section_t *s = &r->sections[i];
        d->y += 8;
        s_text(d, s->heading, 15, 1, RP_BLUE, S_MARGIN, 6, s_keep(s));
        for (size_t k = 0; k < s->nblocks; k++) {
            const rp_block_t *b = &s->blocks[k];
            if (b->kind == RP_BLOCK_PARA)
                s_text(d, b->para, S_BODY, 0, RP_INK, S_MARGIN, 8, 0);
            else if (b->kind == RP_BLOCK_TABLE)
                s_table(d, b->table);
            else
                s_chart(d, &b->chart);
        }
    }
    d->y += 8;
    s_text(d, "Definitions", 15, 1, RP_BLUE, S_MARGIN, 6, 60);
    for (size_t i = 0; i < r->ndefs; i++) {
        s_text(d, r->defs[i].term, S_BODY, 1, RP_INK, S_MARGIN, 1, 14);
        s_text(d, r->defs[i].meaning, S_BODY, 0, RP_INK, S_MARGIN, 8, 0);
    }
    s_text(d, "Suppressed (*)", S_BODY, 1, RP_INK, S_MARGIN, 1, 14);
    s_text(d, RP_SUPPRESSION_NOTE, S_BODY, 0, RP_INK, S_MARGIN, 8, 0);
    if (r->generated)
        s_text(d, r->generated, S_BODY - 1, 0, 0x4C6272u, S_MARGIN, 0, 0);
    if (d->draw) {
        s_footer(d);
        cairo_show_page(d->cr);
    }
    return d->page;
}

/* ---- Output -------------------------------------------------------------- */

/* The PDF as cairo writes it, in a growing buffer (util.h). */
static cairo_status_t s_write(void *closure, const unsigned char *data, unsigned int n)
{
    /* cairo stops at an error, and the render fails */
    return cd_bytes_append(closure, data, n) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int rp_pdf_report(const rp_report_t *r, unsigned char **out, size_t *len, int *pages, char *err,
                  size_t errlen)
{
    assert(r && out && len);
    assert((r->nsections == 0 || r->sections) && (r->ndefs == 0 || r->defs));
    *out = NULL;
    *len = 0;
    cd_bytes_t buf = {0};
    cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(s_write, &buf, S_PAGE_W, S_PAGE_H);
    rp_text_t meta = {0};
    rp_text_clean(&meta, r->title);
    if (meta.p)
        cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, meta.p);
    rp_text_free(&meta);
    rp_text_clean(&meta, r->organisation);
    if (meta.p)
        cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_AUTHOR, meta.p);
    rp_text_free(&meta);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "Candour");
    cairo_t *cr = cairo_create(sf);

    s_doc_t d = {.cr = cr};
    d.pages = s_flow(&d, r);
    d.draw = 1;
    s_flow(&d, r);

    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(sf); /* writes the rest of the file, fonts included */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (st != CAIRO_STATUS_SUCCESS || !buf.len) {
        if (err && errlen)
            snprintf(err, errlen, "pdf: cairo: %s", cairo_status_to_string(st));
        free(buf.p);
        return -1;
    }
    *out = buf.p;
    *len = buf.len;
    if (pages)
        *pages = d.pages;
    return 0;
}
