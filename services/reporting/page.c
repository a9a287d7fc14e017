/* page.c - a report as one self-contained HTML page (see page.h).
 *
 * Written in NHS style: Arial, NHS blue headings, tables with a caption and
 * header cells scoped to their columns and rows, plain words. Everything the
 * caller gives goes through rp_text_esc; only the markup written here is
 * written raw. */
#include "page.h"

#include "chart.h"
#include "svg.h"

#include <assert.h>

static const char s_css[] =
    "body{font-family:Arial,'Liberation Sans',Helvetica,sans-serif;color:#212B32;"
    "background:#F0F4F5;margin:0;line-height:1.5;font-size:16px}"
    "main,header,footer{max-width:960px;margin:0 auto;padding:0 24px}"
    "header{background:#005EB8;color:#fff;max-width:none;padding:24px}"
    "header>*{max-width:912px;margin-left:auto;margin-right:auto}"
    "header h1{font-size:32px;margin:4px auto;color:#fff}"
    ".org,.period{margin:0 auto;font-size:19px}"
    "h2{color:#005EB8;font-size:24px;margin:40px 0 12px}"
    "section{background:#fff;padding:8px 24px 24px;margin:24px 0}"
    "nav ol{margin:8px 0}"
    "table{border-collapse:collapse;margin:16px 0;width:100%;background:#fff}"
    "caption{text-align:left;font-weight:bold;padding:8px 0}"
    "p.caption{font-weight:bold;margin:24px 0 0}"
    "th,td{border-bottom:1px solid #D8DDE0;padding:8px 12px 8px 0;text-align:left;"
    "vertical-align:top}"
    "thead th{border-bottom:2px solid #212B32}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "figure{margin:24px 0}figure svg{max-width:100%;height:auto}"
    "figcaption{font-size:14px;color:#4C6272}"
    "details{margin:8px 0 16px}summary{color:#005EB8;cursor:pointer}"
    "dt{font-weight:bold}dd{margin:0 0 12px}"
    "footer{font-size:14px;color:#4C6272;padding:24px;border-top:4px solid #005EB8}"
    "@media print{body{background:#fff}section{padding:0;break-inside:auto}"
    "figure{break-inside:avoid}header{background:#fff;color:#212B32}header h1{color:#005EB8}}";

static void s_tag(rp_text_t *t, const char *open, const char *text, const char *close)
{
    rp_text_puts(t, open);
    rp_text_esc(t, text);
    rp_text_puts(t, close);
}

/* A cell: counts from 1 to 4 are shown suppressed whatever the caller
 * said, as the footer promises (L5). */
static void s_cell(rp_text_t *t, const rp_cell_t *c, int row_head)
{
    char b[32];
    switch (c->kind) {
    case RP_CELL_TEXT:
        s_tag(t, row_head ? "<th scope=\"row\">" : "<td>", c->text, row_head ? "</th>" : "</td>");
        return;
    case RP_CELL_FIGURE:
        s_tag(t, "<td class=\"num\">", c->text, "</td>");
        return;
    case RP_CELL_COUNT:
        if (c->count < 1 || c->count > 4) {
            s_tag(t, "<td class=\"num\">", rp_fmt_count(b, sizeof b, c->count), "</td>");
            return;
        }
        /* fall through */
    case RP_CELL_SUPPRESSED:
        rp_text_puts(t, "<td class=\"num\"><abbr title=\"suppressed: from 1 to 4\">*</abbr></td>");
        return;
    }
    assert(!"cell kind");
}

static void s_table(rp_text_t *t, const rp_table_t *tb)
{
    assert(tb && (tb->ncols == 0 || tb->header) && (tb->nrows == 0 || tb->cells));
    if (!tb->nrows) { /* its caption and that there is nothing, not a bare header */
        s_tag(t, "<p class=\"caption\">", tb->caption, "</p>\n");
        s_tag(t, "<p>", RP_EMPTY_TABLE, "</p>\n");
        return;
    }
    s_tag(t, "<table>\n<caption>", tb->caption, "</caption>\n<thead><tr>");
    for (size_t j = 0; j < tb->ncols; j++) {
        /* a column of numbers has its heading over the numbers */
        int num = tb->nrows && tb->cells[j].kind != RP_CELL_TEXT;
        s_tag(t, num ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">", tb->header[j],
              "</th>");
    }
    rp_text_puts(t, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < tb->nrows; i++) {
        rp_text_puts(t, "<tr>");
        for (size_t j = 0; j < tb->ncols; j++) {
            const rp_cell_t *c = &tb->cells[i * tb->ncols + j];
            s_cell(t, c, j == 0 && c->kind == RP_CELL_TEXT);
        }
        rp_text_puts(t, "</tr>\n");
    }
    rp_text_puts(t, "</tbody>\n</table>\n");
}

/* The chart's figures as a table, folded away under the chart. */
static void s_chart_data(rp_text_t *t, const rp_chart_t *c)
{
    char b[40];
    rp_text_puts(t, "<details><summary>The figures in this chart</summary>\n<table>\n");
    s_tag(t, "<caption>", rp_chart_title(c), "</caption>\n");
    if (c->kind == RP_CHART_XMR) {
        const rp_xmr_t *x = c->xmr;
        int dec = x->decimals < 0 ? 0 : x->decimals > 3 ? 3 : x->decimals;
        rp_text_puts(t, "<thead><tr><th scope=\"col\">Period</th><th scope=\"col\" "
                        "class=\"num\">Value</th><th scope=\"col\">Variation</th></tr></thead>\n"
                        "<tbody>\n");
        for (size_t i = 0; i < x->npts; i++) {
            s_tag(t, "<tr><th scope=\"row\">", x->pts[i].label, "</th>");
            s_tag(t, "<td class=\"num\">", rp_fmt_num(b, sizeof b, x->pts[i].value, dec), "</td>");
            rp_text_puts(t, x->pts[i].cause == RP_CAUSE_CONCERN ? "<td>Special cause: concern</td>"
                            : x->pts[i].cause == RP_CAUSE_IMPROVE
                                ? "<td>Special cause: improving</td>"
                                : "<td>Common cause</td>");
            rp_text_puts(t, "</tr>\n");
        }
    } else if (c->kind == RP_CHART_FUNNEL) {
        const rp_funnel_t *f = c->funnel;
        rp_text_puts(t, "<thead><tr><th scope=\"col\">Body</th><th scope=\"col\" "
                        "class=\"num\">Number</th><th scope=\"col\" class=\"num\">Rate</th>"
                        "<th scope=\"col\">Compared with others</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < f->nbodies; i++) {
            const rp_funnel_body_t *p = &f->bodies[i];
            s_tag(t, "<tr><th scope=\"row\">", p->org, "</th>");
            s_tag(t, "<td class=\"num\">", rp_fmt_count(b, sizeof b, (long)p->n), "</td>");
            rp_text_puts(t, "<td class=\"num\">");
            rp_text_num(t, p->p * 100, 1);
            rp_text_puts(t, p->cause == RP_CAUSE_CONCERN   ? "%</td><td>Outlier: worse</td>"
                            : p->cause == RP_CAUSE_IMPROVE ? "%</td><td>Outlier: better</td>"
                                                           : "%</td><td>Within limits</td>");
            rp_text_puts(t, "</tr>\n");
        }
    } else {
        const rp_bars_t *bs = c->bars;
        rp_text_puts(t, "<thead><tr><th scope=\"col\">Category</th><th scope=\"col\" "
                        "class=\"num\">Count</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < bs->nbars; i++) {
            rp_cell_t cell = {bs->bars[i].suppressed ? RP_CELL_SUPPRESSED : RP_CELL_COUNT, NULL,
                              bs->bars[i].count};
            s_tag(t, "<tr><th scope=\"row\">", bs->bars[i].label, "</th>");
            s_cell(t, &cell, 0);
            rp_text_puts(t, "</tr>\n");
        }
    }
    rp_text_puts(t, "</tbody>\n</table>\n</details>\n");
}

static void s_section(rp_text_t *t, const rp_section_t *s, size_t n)
{
    rp_text_printf(t, "<section id=\"s%zu\">\n", n);
    s_tag(t, "<h2>", s->heading, "</h2>\n");
    for (size_t i = 0; i < s->nblocks; i++) {
        const rp_block_t *b = &s->blocks[i];
        if (b->kind == RP_BLOCK_PARA) {
            s_tag(t, "<p>", b->para, "</p>\n");
        } else if (b->kind == RP_BLOCK_TABLE) {
            s_table(t, b->table);
        } else {
            rp_text_puts(t, "<figure>\n");
            rp_svg_write(t, &b->chart);
            if (b->chart.caption)
                s_tag(t, "<figcaption>", b->chart.caption, "</figcaption>\n");
            rp_text_puts(t, "</figure>\n");
            s_chart_data(t, &b->chart);
        }
    }
    rp_text_puts(t, "</section>\n");
}

char *rp_page_html(const rp_report_t *r)
{
    assert(r && (r->nsections == 0 || r->sections) && (r->ndefs == 0 || r->defs));
    rp_text_t t = {0};
    rp_text_puts(&t, "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s_tag(&t, "<title>", r->title, "");
    s_tag(&t, " - ", r->organisation, "");
    s_tag(&t, " - ", r->period, "</title>\n");
    rp_text_puts(&t, "<style>");
    rp_text_puts(&t, s_css);
    rp_text_puts(&t, "</style>\n</head>\n<body>\n<header>\n");
    s_tag(&t, "<p class=\"org\">", r->organisation, "</p>\n");
    s_tag(&t, "<h1>", r->title, "</h1>\n");
    s_tag(&t, "<p class=\"period\">", r->period, "</p>\n</header>\n<main>\n");

    rp_text_puts(&t, "<nav aria-label=\"Contents\"><h2>Contents</h2><ol>\n");
    for (size_t i = 0; i < r->nsections; i++) {
        rp_text_printf(&t, "<li><a href=\"#s%zu\">", i + 1);
        rp_text_esc(&t, r->sections[i].heading);
        rp_text_puts(&t, "</a></li>\n");
    }
    rp_text_puts(&t, "<li><a href=\"#definitions\">Definitions</a></li>\n</ol></nav>\n");
    for (size_t i = 0; i < r->nsections; i++)
        s_section(&t, &r->sections[i], i + 1);

    rp_text_puts(&t, "<section id=\"definitions\">\n<h2>Definitions</h2>\n<dl>\n");
    for (size_t i = 0; i < r->ndefs; i++) {
        s_tag(&t, "<dt>", r->defs[i].term, "</dt>\n");
        s_tag(&t, "<dd>", r->defs[i].meaning, "</dd>\n");
    }
    rp_text_puts(&t, "<dt>Suppressed (*)</dt>\n<dd>" RP_SUPPRESSION_NOTE "</dd>\n</dl>\n"
                     "</section>\n</main>\n<footer>\n<p>" RP_SUPPRESSION_NOTE "</p>\n");
    if (r->generated)
        s_tag(&t, "<p>", r->generated, "</p>\n");
    rp_text_puts(&t, "</footer>\n</body>\n</html>\n");
    return rp_text_take(&t);
}
