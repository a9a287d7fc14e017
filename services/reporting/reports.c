/* reports.c - what GetReport asks checked, and the table model of the
 * quarterly, annual and benchmark reports written out as JSON, CSV, an HTML
 * page (page.h) or a PDF (pdf_report.h). The counts are suppressed before
 * they reach here (rq_tab_suppress); a suppressed count is "*" in every
 * format, never its value. */
#include "reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "pdf_report.h"
#include "svg.h"

static const char *const s_kinds[RQ_NREPORTS] = {"quarterly", "annual",    "ko41a",
                                                 "ko41b",     "benchmark", "spc"};
static const char *const s_formats[] = {"json", "csv", "html", "pdf"};

const char *rq_kind_name(rq_kind_t k)
{
    return k < RQ_NREPORTS ? s_kinds[k] : "?";
}

int rq_ask_parse(const char *report, const char *org, const char *from, const char *to,
                 const char *format, rq_ask_t *out, cd_fail_t *f)
{
    memset(out, 0, sizeof *out);
    int k = -1;
    for (int i = 0; i < RQ_NREPORTS; i++)
        if (report && strcmp(report, s_kinds[i]) == 0)
            k = i;
    if (k < 0)
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "get_report.report",
                       "no such report; ask for quarterly, annual, ko41a, ko41b, benchmark or spc");
    out->kind = (rq_kind_t)k;
    int fm = format && *format ? -1 : RQ_JSON;
    for (int i = 0; fm < 0 && i < 4; i++)
        if (strcmp(format, s_formats[i]) == 0)
            fm = i;
    if (fm < 0)
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "get_report.format",
                       "no such format; ask for json, csv, html or pdf");
    if ((k == RQ_KO41A || k == RQ_KO41B) && fm > RQ_CSV)
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "get_report.format",
                       "a KO41 return is json or csv (the layout NHS England's collection takes)");
    out->format = (rq_format_t)fm;
    if (!org || !*org)
        return cd_fail(f, CD_CODE_REQUIRED, "get_report.org_id", "name the body (its ODS code)");
    if (strlen(org) >= sizeof out->org)
        return cd_fail(f, CD_CODE_TOO_LONG, "get_report.org_id", "at most 64 characters");
    snprintf(out->org, sizeof out->org, "%s", org);
    if (!from || cd_date_parse(from, &out->from) != 0)
        return cd_fail(f, CD_CODE_INVALID_DATE, "get_report.from", "give a day as YYYY-MM-DD");
    if (!to || cd_date_parse(to, &out->to) != 0)
        return cd_fail(f, CD_CODE_INVALID_DATE, "get_report.to", "give a day as YYYY-MM-DD");
    if (cd_date_cmp(out->to, out->from) < 0)
        return cd_fail(f, CD_CODE_INVALID_ARGUMENT, "get_report.to",
                       "the period ends before it starts: %s is before %s", to, from);
    cd_date_format(out->from, out->from_s);
    cd_date_format(out->to, out->to_s);
    return 0;
}

/* ------------------------------------------------------------ tables */

rq_row_t *rq_tab_row(rq_tab_t *t, const char *code, const char *label)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        rq_row_t *p = realloc(t->rows, cap * sizeof *p);
        if (!p)
            return NULL;
        t->rows = p;
        t->cap = cap;
    }
    rq_row_t *r = &t->rows[t->nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->code, sizeof r->code, "%s", code ? code : "");
    snprintf(r->label, sizeof r->label, "%s", label ? label : r->code);
    return r;
}

void rq_tab_free(rq_tab_t *t)
{
    free(t->rows);
    t->rows = NULL;
    t->nrows = t->cap = 0;
}

int rq_tab_suppress(rq_tab_t *t, cd_fail_t *f)
{
    if (!t->nrows)
        return 0;
    size_t rows = t->nrows, cols = t->ncols, n = (rows + 1) * (cols + 1);
    long *v = calloc(n, sizeof *v);
    sup_mark_t *m = calloc(n, sizeof *m);
    int rc = -1;
    if (!v || !m) {
        cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
        goto out;
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            v[SUP_AT(cols, r, c)] = t->rows[r].v[c];
    sup_margins(v, rows, cols);
    if (sup_table(v, rows, cols, m, NULL, f) != 0)
        goto out;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            t->rows[r].m[c] = m[SUP_AT(cols, r, c)];
    rc = 0;
out:
    free(v);
    free(m);
    return rc;
}

void rq_tab_suppress_each(rq_tab_t *t)
{
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            t->rows[r].m[c] =
                t->rows[r].v[c] >= SUP_MIN && t->rows[r].v[c] <= SUP_MAX ? SUP_PRIMARY : SUP_SHOWN;
}

void rq_percent(char *buf, size_t len, long n, long d)
{
    if (d <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    char num[32];
    snprintf(buf, len, "%s%%", rp_fmt_num(num, sizeof num, 100.0 * (double)n / (double)d, 1));
}

/* ------------------------------------------------------------ the doc */

rq_tab_t *rq_doc_tab(rq_doc_t *d, const char *key, const char *caption, size_t ncols,
                     const char *const *cols)
{
    if (d->ntabs == RQ_MAXTABS || ncols > RQ_MAXCOLS)
        return NULL;
    rq_tab_t *t = &d->tabs[d->ntabs++];
    memset(t, 0, sizeof *t);
    t->key = key;
    t->caption = caption;
    t->ncols = ncols;
    for (size_t i = 0; i < ncols; i++)
        t->cols[i] = cols[i];
    return t;
}

void rq_doc_section(rq_doc_t *d, const char *heading)
{
    if (d->nsecs == RQ_MAXTABS)
        return;
    d->secs[d->nsecs].heading = heading;
    d->secs[d->nsecs].first = d->nblocks;
    d->secs[d->nsecs++].n = 0;
}

static void *s_block(rq_doc_t *d, rp_block_kind_t kind)
{
    if (d->nblocks == RQ_MAXBLOCKS || !d->nsecs)
        return NULL;
    d->secs[d->nsecs - 1].n++;
    memset(&d->blocks[d->nblocks], 0, sizeof d->blocks[0]);
    d->blocks[d->nblocks].kind = kind;
    return &d->blocks[d->nblocks++];
}

void rq_doc_para(rq_doc_t *d, const char *text)
{
    if (s_block(d, RP_BLOCK_PARA))
        d->blocks[d->nblocks - 1].para = text;
}

void rq_doc_table(rq_doc_t *d, const rq_tab_t *t)
{
    if (s_block(d, RP_BLOCK_TABLE))
        d->blocks[d->nblocks - 1].tab = (int)(t - d->tabs);
}

void rq_doc_chart(rq_doc_t *d, rp_chart_t c)
{
    if (s_block(d, RP_BLOCK_CHART))
        d->blocks[d->nblocks - 1].chart = c;
}

void rq_doc_free(rq_doc_t *d)
{
    for (size_t i = 0; i < d->ntabs; i++)
        rq_tab_free(&d->tabs[i]);
    json_decref(d->extra);
    d->extra = NULL;
}

/* A cell as published: its figure, "*" when suppressed, else the count. */
static const char *s_cell_text(const rq_row_t *r, size_t c, char *buf, size_t len)
{
    if (r->fig[c][0])
        return r->fig[c];
    return sup_text(r->v[c], r->m[c], buf, len);
}

static json_t *s_json(const rq_doc_t *d)
{
    json_t *tabs = json_array();
    for (size_t i = 0; i < d->ntabs; i++) {
        const rq_tab_t *t = &d->tabs[i];
        json_t *cols = json_array(), *rows = json_array();
        for (size_t c = 0; c < t->ncols; c++)
            json_array_append_new(cols, json_string(t->cols[c]));
        for (size_t r = 0; r < t->nrows; r++) {
            const rq_row_t *row = &t->rows[r];
            json_t *vals = json_array();
            for (size_t c = 0; c < t->ncols; c++) {
                char buf[32];
                if (row->fig[c][0] || row->m[c] != SUP_SHOWN)
                    json_array_append_new(vals, json_string(s_cell_text(row, c, buf, sizeof buf)));
                else
                    json_array_append_new(vals, json_integer(row->v[c]));
            }
            json_array_append_new(rows, json_pack("{s:s, s:s, s:o}", "code", row->code, "label",
                                                  row->label, "values", vals));
        }
        json_array_append_new(tabs, json_pack("{s:s, s:s, s:o, s:o}", "key", t->key, "caption",
                                              t->caption, "columns", cols, "rows", rows));
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "report", rq_kind_name(d->ask->kind),
                          "org_id", d->ask->org, "from", d->ask->from_s, "to", d->ask->to_s,
                          "suppression", RP_SUPPRESSION_NOTE, "tables", tabs);
    if (o && d->extra)
        json_object_update(o, d->extra);
    return o;
}

/* One field as RFC 4180 writes it: quoted when it holds a comma, a quote,
 * CR or LF, its quotes doubled. */
static void s_csv_field(rp_text_t *t, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        rp_text_puts(t, s);
        return;
    }
    rp_text_puts(t, "\"");
    for (; *s; s++)
        rp_text_put(t, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    rp_text_puts(t, "\"");
}

/* report,org_id,from,to,table,code,label,column,value - one line a cell. */
static char *s_csv(const rq_doc_t *d, size_t *len)
{
    rp_text_t t = {0};
    rp_text_puts(&t, "report,org_id,from,to,table,code,label,column,value\r\n");
    for (size_t i = 0; i < d->ntabs; i++)
        for (size_t r = 0; r < d->tabs[i].nrows; r++)
            for (size_t c = 0; c < d->tabs[i].ncols; c++) {
                const rq_row_t *row = &d->tabs[i].rows[r];
                char buf[32];
                const char *f[9] = {rq_kind_name(d->ask->kind),
                                    d->ask->org,
                                    d->ask->from_s,
                                    d->ask->to_s,
                                    d->tabs[i].key,
                                    row->code,
                                    row->label,
                                    d->tabs[i].cols[c],
                                    s_cell_text(row, c, buf, sizeof buf)};
                for (int k = 0; k < 9; k++) {
                    if (k)
                        rp_text_puts(&t, ",");
                    s_csv_field(&t, f[k]);
                }
                rp_text_puts(&t, "\r\n");
            }
    *len = t.len;
    return rp_text_take(&t);
}

/* The page's view of the doc; *cells and *tables the caller frees. */
static int s_render(const rq_doc_t *d, rp_report_t *rep, rp_section_t *secs, rp_block_t *blocks,
                    rp_table_t *tables, rp_cell_t **cells, char *period, size_t plen)
{
    size_t ncell = 0;
    for (size_t i = 0; i < d->ntabs; i++)
        ncell += d->tabs[i].nrows * (d->tabs[i].ncols + 1);
    *cells = calloc(ncell + 1, sizeof **cells);
    if (!*cells)
        return -1;
    /* The text of every figure cell lives in the rows; suppressed ones "*". */
    size_t k = 0;
    for (size_t i = 0; i < d->ntabs; i++) {
        const rq_tab_t *t = &d->tabs[i];
        tables[i] = (rp_table_t){
            .caption = t->caption, .ncols = t->ncols + 1, .cells = *cells + k, .nrows = t->nrows};
        for (size_t r = 0; r < t->nrows; r++) {
            (*cells)[k++] = (rp_cell_t){.kind = RP_CELL_TEXT, .text = t->rows[r].label};
            for (size_t c = 0; c < t->ncols; c++) {
                const rq_row_t *row = &t->rows[r];
                if (row->fig[c][0])
                    (*cells)[k++] = (rp_cell_t){.kind = RP_CELL_FIGURE, .text = row->fig[c]};
                else if (row->m[c] != SUP_SHOWN)
                    (*cells)[k++] = (rp_cell_t){.kind = RP_CELL_SUPPRESSED};
                else
                    (*cells)[k++] = (rp_cell_t){.kind = RP_CELL_COUNT, .count = row->v[c]};
            }
        }
    }
    for (size_t b = 0; b < d->nblocks; b++) {
        blocks[b].kind = d->blocks[b].kind;
        blocks[b].para = d->blocks[b].para;
        blocks[b].chart = d->blocks[b].chart;
        blocks[b].table = d->blocks[b].kind == RP_BLOCK_TABLE ? &tables[d->blocks[b].tab] : NULL;
    }
    for (size_t s = 0; s < d->nsecs; s++)
        secs[s] = (rp_section_t){d->secs[s].heading, blocks + d->secs[s].first, d->secs[s].n};
    char a[64], b[64];
    cd_date_words(d->ask->from, 0, a, sizeof a);
    cd_date_words(d->ask->to, 0, b, sizeof b);
    snprintf(period, plen, "%s to %s", a, b);
    *rep = (rp_report_t){.title = d->title,
                         .organisation = d->ask->org,
                         .period = period,
                         .sections = secs,
                         .nsections = d->nsecs,
                         .defs = d->defs,
                         .ndefs = d->ndefs};
    return 0;
}

/* The headers of a rendered table live with the doc's tables: the label
 * column first, then the table's own. */
static const char *s_heads[RQ_MAXTABS][RQ_MAXCOLS + 1];

int rq_doc_file(const rq_doc_t *d, unsigned char **out, size_t *len, const char **media,
                cd_fail_t *f)
{
    *out = NULL;
    *len = 0;
    if (d->ask->format == RQ_JSON) {
        json_t *o = s_json(d);
        char *s = o ? json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (!s)
            return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
        *out = (unsigned char *)s;
        *len = strlen(s);
        *media = "application/json";
        return 0;
    }
    if (d->ask->format == RQ_CSV) {
        char *s = s_csv(d, len);
        if (!s)
            return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
        *out = (unsigned char *)s;
        *media = "text/csv";
        return 0;
    }
    rp_report_t rep;
    rp_section_t secs[RQ_MAXTABS];
    rp_block_t blocks[RQ_MAXBLOCKS];
    rp_table_t tables[RQ_MAXTABS];
    rp_cell_t *cells = NULL;
    char period[160];
    if (s_render(d, &rep, secs, blocks, tables, &cells, period, sizeof period) != 0)
        return cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    /* Rendering happens on the loop's thread, one report at a time: the
     * headers' static table is safe there. */
    for (size_t i = 0; i < d->ntabs; i++) {
        s_heads[i][0] = "";
        for (size_t c = 0; c < d->tabs[i].ncols; c++)
            s_heads[i][c + 1] = d->tabs[i].cols[c];
        tables[i].header = s_heads[i];
    }
    int rc = 0;
    if (d->ask->format == RQ_HTML) {
        char *s = rp_page_html(&rep);
        if (s) {
            *out = (unsigned char *)s;
            *len = strlen(s);
            *media = "text/html; charset=utf-8";
        } else
            rc = cd_fail(f, CD_CODE_INTERNAL, "", "out of memory");
    } else {
        char err[256] = "";
        if (rp_pdf_report(&rep, out, len, NULL, err, sizeof err) == 0)
            *media = "application/pdf";
        else
            rc = cd_fail(f, CD_CODE_INTERNAL, "", "the PDF could not be made: %s", err);
    }
    free(cells);
    return rc;
}

rp_variation_t rq_variation(spc_variation_t v)
{
    static const rp_variation_t map[] = {
        [SPC_VAR_COMMON] = RP_VAR_COMMON,
        [SPC_VAR_IMPROVING_HIGH] = RP_VAR_IMPROVE_HIGH,
        [SPC_VAR_IMPROVING_LOW] = RP_VAR_IMPROVE_LOW,
        [SPC_VAR_CONCERNING_HIGH] = RP_VAR_CONCERN_HIGH,
        [SPC_VAR_CONCERNING_LOW] = RP_VAR_CONCERN_LOW,
        [SPC_VAR_NEITHER_HIGH] = RP_VAR_NONE,
        [SPC_VAR_NEITHER_LOW] = RP_VAR_NONE,
    };
    return (size_t)v < sizeof map / sizeof map[0] ? map[v] : RP_VAR_NONE;
}
