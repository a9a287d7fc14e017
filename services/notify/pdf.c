/* pdf.c - a letter's text as an A4 PDF (see pdf.h).
 *
 * The letter is laid out one paragraph (a run of non-blank lines) at a time
 * in a PangoLayout, then placed line by line, so a page break always falls
 * between two lines and never through one. Laying out is done twice on the
 * same surface: the first pass only counts the pages (for "Page N of M"),
 * the second draws. Both passes measure identically, so they agree.
 *
 * A letter's cost is cairo writing the file (its fonts subset and
 * deflated) and pango shaping its text. The shaping is done once: each
 * paragraph is laid out in the first pass and the same layout drawn in the
 * second, and a worker thread
 * keeps the layouts it made (s_cache_t: its own PangoContext and a small
 * table of layouts by style and text) for the next letter, whose letterhead,
 * standard paragraphs and footers are mostly the same words. Pango objects
 * are not thread-safe, so nothing of this is shared between threads: each
 * has its own (thread-local, freed when the thread ends). A layout is only
 * reused for the same text in the same style, from the same context, and
 * pango lays it out again itself if the context changed, so a letter comes
 * out as it would from fresh layouts. */
#include "pdf.h"

#include <cairo-pdf.h>
#include <glib.h>
#include <pango/pangocairo.h>
#include <pthread.h>
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

/* ------------------------------------------------------------ layouts kept
 *
 * The styles a layout is made in: its font, width, alignment and spacing
 * follow from the style and large print, and nothing else is set on it
 * after it is made (setting anything would lay it out again). */
typedef enum {
    S_BODY,       /* a paragraph of the letter */
    S_HEAD,       /* the letterhead, right-aligned, its first line bold and larger */
    S_FOOT_WIDE,  /* a footer part unwrapped: to measure it */
    S_FOOT_LEFT,  /* a footer part drawn at the left */
    S_FOOT_RIGHT, /* ... and at the right */
    S_NSTYLES
} s_style_t;

/* Slots in a thread's table (direct-mapped by hash: a letter's own lines,
 * its address and reference, seldom push out the standard paragraphs), and
 * the longest text kept (a long paragraph is a case's own words, seldom
 * seen twice, and its layout is large). */
#define S_SLOTS 128
#define S_KEEP_MAX 1024

typedef struct {
    PangoLayout *layout; /* NULL: empty */
    unsigned key;        /* style * 2 + large print */
    guint hash;
} s_slot_t;

typedef struct {
    PangoContext *ctx;
    cairo_font_options_t *opts;               /* the surface's the context was made for */
    cairo_matrix_t ctm;                       /* ... and the transformation */
    PangoFontDescription *font[S_NSTYLES][2]; /* by style and large print */
    s_slot_t slot[S_SLOTS];
} s_cache_t;

static __thread s_cache_t *s_tls;
static pthread_key_t s_tls_key;
static pthread_once_t s_tls_once = PTHREAD_ONCE_INIT;

static void s_cache_free(void *arg)
{
    s_cache_t *c = arg;
    for (int i = 0; i < S_SLOTS; i++)
        if (c->slot[i].layout)
            g_object_unref(c->slot[i].layout);
    for (int i = 0; i < S_NSTYLES; i++)
        for (int lp = 0; lp < 2; lp++)
            if (c->font[i][lp])
                pango_font_description_free(c->font[i][lp]);
    g_object_unref(c->ctx);
    cairo_font_options_destroy(c->opts);
    free(c);
}

static void s_tls_init(void)
{
    /* The destructor frees a worker thread's cache when it ends. */
    (void)pthread_key_create(&s_tls_key, s_cache_free);
}

/* Normal print: a serif at 11 pt reads well on paper. Large print: a sans
 * at 16 pt (the RNIB's minimum), the footer large too, as someone who
 * asked for large print needs every word of it large. */
static const char *s_font_name(s_style_t st, int lp)
{
    switch (st) {
    case S_BODY:
        return lp ? "DejaVu Sans 16" : "DejaVu Serif 11";
    case S_HEAD:
        return lp ? "DejaVu Sans 14" : "DejaVu Serif 9";
    default:
        return lp ? "DejaVu Sans 16" : "DejaVu Sans 8.5";
    }
}

/* What a context made for cr depends on: its surface's font options and its
 * transformation, into c. */
static void s_context_of(cairo_t *cr, s_cache_t *c)
{
    cairo_surface_get_font_options(cairo_get_target(cr), c->opts);
    cairo_get_matrix(cr, &c->ctm);
}

/* This thread's cache, its context as pango_cairo_create_layout would make
 * one for cr; NULL out of memory. */
static s_cache_t *s_cache(cairo_t *cr)
{
    s_cache_t *c = s_tls;
    if (c) {
        /* Every letter's surface is a new PDF surface of the same size,
         * with the same font options and transformation, so the context
         * stays as it is: pango_cairo_update_context would set the same
         * matrix again, which pango counts as a change, and every layout
         * kept would be laid out again. Were they to differ, it is
         * updated, and pango lays each layout out again when next used. */
        cairo_font_options_t *was = cairo_font_options_copy(c->opts);
        cairo_matrix_t ctm = c->ctm;
        s_context_of(cr, c);
        if (!cairo_font_options_equal(was, c->opts) || memcmp(&ctm, &c->ctm, sizeof ctm) != 0)
            pango_cairo_update_context(cr, c->ctx);
        cairo_font_options_destroy(was);
        return c;
    }
    pthread_once(&s_tls_once, s_tls_init);
    if (!(c = calloc(1, sizeof *c)))
        return NULL;
    c->ctx = pango_cairo_create_context(cr);
    c->opts = cairo_font_options_create();
    s_context_of(cr, c);
    for (int i = 0; i < S_NSTYLES; i++)
        for (int lp = 0; lp < 2; lp++)
            c->font[i][lp] = pango_font_description_from_string(s_font_name(i, lp));
    s_tls = c;
    (void)pthread_setspecific(s_tls_key, c);
    return c;
}

static guint s_hash(const char *s, size_t n, unsigned key)
{
    guint h = 2166136261u ^ key; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The letterhead's first line (the body's name) bold and larger. */
static void s_head_attrs(PangoLayout *l, const char *text, size_t n, int lp)
{
    const char *nl = memchr(text, '\n', n);
    PangoAttrList *attrs = pango_attr_list_new();
    PangoAttribute *bold = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
    PangoAttribute *big = pango_attr_scale_new(lp ? 1.3 : 1.45);
    bold->end_index = big->end_index = nl ? (guint)(nl - text) : (guint)n;
    pango_attr_list_insert(attrs, bold);
    pango_attr_list_insert(attrs, big);
    pango_layout_set_attributes(l, attrs);
    pango_attr_list_unref(attrs);
}

/* A new layout of n bytes of text in style st. */
static PangoLayout *s_make(s_cache_t *c, s_style_t st, int lp, const char *text, size_t n)
{
    PangoLayout *l = pango_layout_new(c->ctx);
    pango_layout_set_font_description(l, c->font[st][lp]);
    /* WORD_CHAR: a word longer than the line (an email address, a URL) is
     * broken rather than running off the page. */
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_width(l,
                           st == S_FOOT_WIDE ? -1 : (int)((S_PAGE_W - 2 * S_MARGIN) * PANGO_SCALE));
    if (st == S_BODY) /* large print: lines a fifth further apart */
        pango_layout_set_line_spacing(l, lp ? 1.2f : 1.0f);
    if (st == S_HEAD || st == S_FOOT_RIGHT)
        pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
    pango_layout_set_text(l, text, (int)n);
    if (st == S_HEAD)
        s_head_attrs(l, text, n, lp);
    return l;
}

/* The layout of n bytes of text in style st: the one kept, or a new one
 * (kept when it is short). A reference the caller unrefs. */
static PangoLayout *s_layout(s_cache_t *c, s_style_t st, int lp, const char *text, size_t n)
{
    unsigned key = (unsigned)st * 2 + (lp ? 1 : 0);
    guint h = s_hash(text, n, key);
    s_slot_t *sl = &c->slot[h % S_SLOTS];
    if (sl->layout && sl->key == key && sl->hash == h) {
        const char *t = pango_layout_get_text(sl->layout);
        if (strlen(t) == n && memcmp(t, text, n) == 0)
            return g_object_ref(sl->layout);
    }
    PangoLayout *l = s_make(c, st, lp ? 1 : 0, text, n);
    if (n <= S_KEEP_MAX) {
        if (sl->layout)
            g_object_unref(sl->layout);
        *sl = (s_slot_t){.layout = g_object_ref(l), .key = key, .hash = h};
    }
    return l;
}

/* ---------------------------------------------------------------- a letter */

typedef struct {
    const char *text;
    const nt_pdf_opts_t *o;
    cairo_t *cr;
    s_cache_t *cache;
    int lp;             /* large print */
    PangoLayout *head;  /* the letterhead, or NULL */
    PangoLayout **para; /* the paragraphs, laid out by the first pass */
    size_t npara, cap;
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

static void s_show(s_doc_t *d, s_style_t st, const char *text, double x, double y)
{
    PangoLayout *l = s_layout(d->cache, st, d->lp, text, strlen(text));
    cairo_move_to(d->cr, x, y);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
}

static void s_footer(s_doc_t *d, int page)
{
    char ref[256], num[64];
    snprintf(ref, sizeof ref, "Our reference: %s", d->o->reference);
    snprintf(num, sizeof num, "Page %d of %d", page, d->pages);
    s_show(d, S_FOOT_LEFT, ref, S_MARGIN, d->foot_top);
    s_show(d, d->stacked ? S_FOOT_LEFT : S_FOOT_RIGHT, num, S_MARGIN,
           d->foot_top + (d->stacked ? d->foot_h : 0));
}

/* The i-th paragraph's layout, [start, end): made (or taken from the
 * thread's table) by the first pass, drawn by the second. NULL out of
 * memory. */
static PangoLayout *s_para(s_doc_t *d, size_t i, const char *start, const char *end)
{
    if (i < d->npara)
        return d->para[i];
    if (d->npara == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        PangoLayout **p = realloc(d->para, cap * sizeof *p);
        if (!p)
            return NULL;
        d->para = p;
        d->cap = cap;
    }
    d->para[d->npara] = s_layout(d->cache, S_BODY, d->lp, start, (size_t)(end - start));
    return d->para[d->npara++];
}

/* Lays the letter out; draws it when `draw`. Returns the number of pages,
 * or 0 out of memory. */
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
    for (size_t i = 0; s_next_para(&s, &start, &end); i++) {
        PangoLayout *body = s_para(d, i, start, end);
        if (!body)
            return 0;
        const char *rest = s, *ns, *ne;
        int keep = s_keep_with_next(start, end) && s_next_para(&rest, &ns, &ne);
        /* origin: where the layout's top falls on this page; it moves up
         * when the paragraph carries on over a page break. */
        double origin = y;
        PangoLayoutIter *it = pango_layout_get_iter(body);
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

/* The width of a footer part, unwrapped; its height into *h when h. */
static int s_foot_width(s_doc_t *d, const char *text, int *h)
{
    PangoLayout *l = s_layout(d->cache, S_FOOT_WIDE, d->lp, text, strlen(text));
    int w;
    pango_layout_get_size(l, &w, h);
    g_object_unref(l);
    return w;
}

/* Sets out the page (footer, letterhead) and typesets the letter on cr:
 * 0, or -1 out of memory. */
static int s_typeset(s_doc_t *d, const char *org)
{
    /* Large print: wider gaps between paragraphs. (DejaVu's own line
     * height is already about 1.5 times its size.) */
    d->gap = d->lp ? 16 : 8;
    d->start = S_MARGIN;

    /* The footer: reference left and page number right on one line, or one
     * above the other when together they would not fit (large print). The
     * body stops short of it. */
    int wr, wn, fh;
    char ref[256];
    snprintf(ref, sizeof ref, "Our reference: %s", d->o->reference);
    wr = s_foot_width(d, ref, &fh);
    wn = s_foot_width(d, "Page 999 of 999", NULL);
    d->foot_h = (double)fh / PANGO_SCALE;
    d->stacked = (double)(wr + wn) / PANGO_SCALE + 6 * S_MM > S_PAGE_W - 2 * S_MARGIN;
    d->foot_top = S_FOOT_END - d->foot_h * (d->stacked ? 2 : 1);
    d->bottom = S_PAGE_H - S_MARGIN;
    if (d->bottom > d->foot_top - 5 * S_MM)
        d->bottom = d->foot_top - 5 * S_MM;
    if (org) {
        /* The letterhead on the right of page 1: the body's name in bold,
         * the lines after it (address, how to reach it) plain and smaller. */
        d->head = s_layout(d->cache, S_HEAD, d->lp, org, strlen(org));
        int h;
        pango_layout_get_size(d->head, NULL, &h);
        d->start += (double)h / PANGO_SCALE + 2 * d->gap;
    }
    d->pages = s_flow(d, 0);
    return d->pages > 0 && s_flow(d, 1) > 0 ? 0 : -1;
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

    s_doc_t d = {.text = text, .o = o, .cr = cr, .lp = o->large_print ? 1 : 0};
    d.cache = s_cache(cr);
    int rc = d.cache ? s_typeset(&d, org) : -1;

    cairo_status_t st = cairo_status(cr);
    for (size_t i = 0; i < d.npara; i++)
        g_object_unref(d.para[i]);
    free(d.para);
    if (d.head)
        g_object_unref(d.head);
    cairo_destroy(cr);
    cairo_surface_finish(sf); /* writes the rest of the file, fonts included */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(sf);
    if (rc != 0 && st == CAIRO_STATUS_SUCCESS)
        st = CAIRO_STATUS_NO_MEMORY;
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
