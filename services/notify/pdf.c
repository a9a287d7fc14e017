/* pdf.c - a letter's text as an A4 PDF (see pdf.h).
 *
 * The letter is laid out one paragraph (a run of non-blank lines) at a time
 * in a PangoLayout, then placed line by line, so a page break always falls
 * between two lines and never through one. Laying out is done twice on the
 * same surface: the first pass only counts the pages (for "Page N of M"),
 * the second draws. Both passes measure identically, so they agree. */
#include "pdf.h"

#include <cairo-pdf.h>
#include <glib.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"

/* A4 in points, and the margins (about 25 mm, as a posted letter expects). */
#define S_MM (72.0 / 25.4)
#define S_PAGE_W (210 * S_MM)
#define S_PAGE_H (297 * S_MM)
#define S_MARGIN (25 * S_MM)
/* The footer sits inside the bottom margin, ending this far from the edge
 * (clear of the unprintable strip most printers leave). */
#define S_FOOT_END (S_PAGE_H - 12 * S_MM)

/* The PDF as cairo writes it, in a growing buffer (util.h). */
static cairo_status_t s_write(void *closure, const unsigned char *data, unsigned int n)
{
    /* cairo stops at an error, and the render fails */
    return cd_bytes_append(closure, data, n) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

typedef struct {
    const char *text;
    const nt_pdf_opts_t *o;
    cairo_t *cr;
    PangoLayout *body, *foot, *head;
    double gap;      /* space between paragraphs, in points */
    double start;    /* where the body starts on page 1: below the letterhead */
    double bottom;   /* no body line goes below this */
    double foot_top; /* where the footer starts */
    double foot_h;   /* the height of one footer line */
    int stacked;     /* the footer's two parts on two lines: too wide for one */
    int pages;       /* the total, known after the first pass */
} s_doc_t;

static void s_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int s_blank(const char *s, const char *e)
{
    for (; s < e; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r')
            return 0;
    return 1;
}

/* The next paragraph from *s: [*start, *end), blank lines skipped, trailing
 * white space dropped. 0 when there are no more. */
static int s_next_para(const char **s, const char **start, const char **end)
{
    const char *p = *s;
    for (;;) { /* skip blank lines */
        const char *nl = strchr(p, '\n');
        const char *e = nl ? nl : p + strlen(p);
        if (!s_blank(p, e))
            break;
        if (!nl) {
            *s = e;
            return 0;
        }
        p = nl + 1;
    }
    *start = p;
    for (;;) { /* up to the next blank line or the end */
        const char *nl = strchr(p, '\n');
        const char *e = nl ? nl : p + strlen(p);
        if (s_blank(p, e)) {
            *s = p;
            break;
        }
        *end = e;
        if (!nl) {
            *s = e;
            break;
        }
        p = nl + 1;
    }
    while (*end > *start && strchr(" \t\r", (*end)[-1]))
        (*end)--;
    return 1;
}

/* A short line standing alone that does not end a sentence: a heading, the
 * date, "Dear ...," or "Yours sincerely,". It should not be the last line of
 * a page, so it is kept with the first line after it. */
static int s_keep_with_next(const char *s, const char *e)
{
    return e - s <= 80 && !memchr(s, '\n', (size_t)(e - s)) && !strchr(".!?;:", e[-1]);
}

static void s_footer(s_doc_t *d, int page)
{
    char ref[256], num[64];
    snprintf(ref, sizeof ref, "Our reference: %s", d->o->reference);
    snprintf(num, sizeof num, "Page %d of %d", page, d->pages);
    pango_layout_set_alignment(d->foot, PANGO_ALIGN_LEFT);
    pango_layout_set_text(d->foot, ref, -1);
    cairo_move_to(d->cr, S_MARGIN, d->foot_top);
    pango_cairo_show_layout(d->cr, d->foot);
    pango_layout_set_alignment(d->foot, d->stacked ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT);
    pango_layout_set_text(d->foot, num, -1);
    cairo_move_to(d->cr, S_MARGIN, d->foot_top + (d->stacked ? d->foot_h : 0));
    pango_cairo_show_layout(d->cr, d->foot);
}

/* Lays the letter out; draws it when `draw`. Returns the number of pages. */
static int s_flow(s_doc_t *d, int draw)
{
    const double bottom = d->bottom;
    int page = 1, lines_here = 0;
    double y = d->start;
    if (draw && d->head) {
        cairo_move_to(d->cr, S_MARGIN, S_MARGIN);
        pango_cairo_show_layout(d->cr, d->head);
    }
    const char *s = d->text, *start = NULL, *end = NULL;
    double last = y; /* the bottom of the last line placed */
    while (s_next_para(&s, &start, &end)) {
        pango_layout_set_text(d->body, start, (int)(end - start));
        const char *rest = s, *ns, *ne;
        int keep = s_keep_with_next(start, end) && s_next_para(&rest, &ns, &ne);
        /* origin: where the layout's top falls on this page; it moves up
         * when the paragraph carries on over a page break. */
        double origin = y;
        PangoLayoutIter *it = pango_layout_get_iter(d->body);
        do {
            PangoRectangle r;
            pango_layout_iter_get_line_extents(it, NULL, &r);
            double top = origin + (double)r.y / PANGO_SCALE;
            double need = top + (double)r.height / PANGO_SCALE;
            if (keep) /* room for the next paragraph's first line too */
                need += d->gap + (double)r.height / PANGO_SCALE;
            if (need > bottom && lines_here > 0) {
                if (draw) {
                    s_footer(d, page);
                    cairo_show_page(d->cr);
                }
                page++;
                lines_here = 0;
                origin = S_MARGIN - (double)r.y / PANGO_SCALE;
            }
            if (draw) {
                double base = origin + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
                cairo_move_to(d->cr, S_MARGIN + (double)r.x / PANGO_SCALE, base);
                pango_cairo_show_layout_line(d->cr, pango_layout_iter_get_line_readonly(it));
            }
            lines_here++;
            last = origin + (double)(r.y + r.height) / PANGO_SCALE;
        } while (pango_layout_iter_next_line(it));
        pango_layout_iter_free(it);
        /* From the last line, not the layout's height: with line spacing
         * set, that includes spacing after the last line, and the gap
         * between paragraphs would shrink as the spacing grows. */
        y = last + d->gap;
    }
    if (draw) {
        s_footer(d, page);
        cairo_show_page(d->cr);
    }
    return page;
}

/* A layout the width of the text block, in `font`. */
static PangoLayout *s_layout(cairo_t *cr, const char *font)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)((S_PAGE_W - 2 * S_MARGIN) * PANGO_SCALE));
    /* WORD_CHAR: a word longer than the line (an email address, a URL) is
     * broken rather than running off the page. */
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    return l;
}

int nt_pdf_render(const char *text, const nt_pdf_opts_t *o, unsigned char **out, size_t *len,
                  char *err, size_t errlen)
{
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    if (!out || !len || !o) {
        s_err(err, errlen, "pdf: no output or options");
        return -1;
    }
    /* Pango would draw invalid UTF-8 as boxes, or warn; a letter that is
     * not text is a bug upstream, so it is refused, not guessed at. */
    if (!text || !g_utf8_validate(text, -1, NULL)) {
        s_err(err, errlen, "pdf: the letter is not valid UTF-8 text");
        return -1;
    }
    const char *s = text, *a, *b;
    if (!s_next_para(&s, &a, &b)) {
        s_err(err, errlen, "pdf: the letter is empty");
        return -1;
    }
    if (!o->reference || !o->reference[0] || !g_utf8_validate(o->reference, -1, NULL) ||
        strlen(o->reference) > 200) {
        s_err(err, errlen, "pdf: a letter needs a reference (valid UTF-8, at most 200 bytes)");
        return -1;
    }
    const char *org = o->org_name && o->org_name[0] ? o->org_name : NULL;
    if (org && !g_utf8_validate(org, -1, NULL)) {
        s_err(err, errlen, "pdf: the organisation's name is not valid UTF-8");
        return -1;
    }

    cd_bytes_t buf = {0};
    cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(s_write, &buf, S_PAGE_W, S_PAGE_H);
    char title[256];
    snprintf(title, sizeof title, "Letter %s", o->reference);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "Candour");
    if (org)
        cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_AUTHOR, org);
    cairo_t *cr = cairo_create(sf);

    /* Normal print: a serif at 11 pt reads well on paper. Large print: a
     * sans at 16 pt (the RNIB's minimum), lines a fifth further apart and
     * wider gaps between paragraphs, the footer large too, as someone who
     * asked for large print needs every word of it large. (DejaVu's own line
     * height is already about 1.5 times its size.) */
    int lp = o->large_print;
    s_doc_t d = {.text = text, .o = o, .cr = cr};
    d.body = s_layout(cr, lp ? "DejaVu Sans 16" : "DejaVu Serif 11");
    d.foot = s_layout(cr, lp ? "DejaVu Sans 16" : "DejaVu Sans 8.5");
    pango_layout_set_line_spacing(d.body, lp ? 1.2f : 1.0f);
    d.gap = lp ? 16 : 8;
    d.start = S_MARGIN;

    /* The footer: reference left and page number right on one line, or one
     * above the other when together they would not fit (large print). The
     * body stops short of it. */
    int wr, wn, fh;
    char ref[256];
    snprintf(ref, sizeof ref, "Our reference: %s", o->reference);
    pango_layout_set_width(d.foot, -1);
    pango_layout_set_text(d.foot, ref, -1);
    pango_layout_get_size(d.foot, &wr, &fh);
    pango_layout_set_text(d.foot, "Page 999 of 999", -1);
    pango_layout_get_size(d.foot, &wn, NULL);
    pango_layout_set_width(d.foot, (int)((S_PAGE_W - 2 * S_MARGIN) * PANGO_SCALE));
    d.foot_h = (double)fh / PANGO_SCALE;
    d.stacked = (double)(wr + wn) / PANGO_SCALE + 6 * S_MM > S_PAGE_W - 2 * S_MARGIN;
    d.foot_top = S_FOOT_END - d.foot_h * (d.stacked ? 2 : 1);
    d.bottom = S_PAGE_H - S_MARGIN;
    if (d.bottom > d.foot_top - 5 * S_MM)
        d.bottom = d.foot_top - 5 * S_MM;
    if (org) {
        /* The letterhead on the right of page 1: the body's name in bold,
         * the lines after it (address, how to reach it) plain and smaller. */
        d.head = s_layout(cr, lp ? "DejaVu Sans 14" : "DejaVu Serif 9");
        pango_layout_set_alignment(d.head, PANGO_ALIGN_RIGHT);
        pango_layout_set_text(d.head, org, -1);
        const char *nl = strchr(org, '\n');
        PangoAttrList *attrs = pango_attr_list_new();
        PangoAttribute *bold = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
        PangoAttribute *big = pango_attr_scale_new(lp ? 1.3 : 1.45);
        bold->end_index = big->end_index = nl ? (guint)(nl - org) : (guint)strlen(org);
        pango_attr_list_insert(attrs, bold);
        pango_attr_list_insert(attrs, big);
        pango_layout_set_attributes(d.head, attrs);
        pango_attr_list_unref(attrs);
        int h;
        pango_layout_get_size(d.head, NULL, &h);
        d.start += (double)h / PANGO_SCALE + 2 * d.gap;
    }

    d.pages = s_flow(&d, 0);
    s_flow(&d, 1);

    cairo_status_t st = cairo_status(cr);
    g_object_unref(d.body);
    g_object_unref(d.foot);
    if (d.head)
        g_object_unref(d.head);
    cairo_destroy(cr);
    cairo_surface_finish(sf); /* writes the rest of the file, fonts included */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (st != CAIRO_STATUS_SUCCESS || !buf.len) {
        s_err(err, errlen, "pdf: cairo: %s", cairo_status_to_string(st));
        free(buf.p);
        return -1;
    }
    *out = buf.p;
    *len = buf.len;
    return 0;
}
