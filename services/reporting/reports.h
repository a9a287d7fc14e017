/* reports.h - the reports people ask for (GetReport, issue 15 item 2): what
 * is asked (rq_ask_t, checked without the database), the statements that
 * read a report's rows (reports_sql.c, one read-only transaction), and the
 * rows turned into the pure modules' inputs and the answer (a file: JSON,
 * CSV, an HTML page or a PDF).
 *
 *   requests.c            the bus operation: who may ask, the transaction
 *   reports.c             the ask, the table model and its JSON/CSV/page/PDF
 *   reports_sql.c         the SQL of every report, section by section
 *   reports_quarterly.c   L1 quarterly and L2 annual (regulation 18)
 *   reports_ko41.c        the KO41a and KO41b returns (true counts)
 *   reports_benchmark.c   L3 benchmarking across bodies, a funnel plot
 *   reports_spc.c         L6 XmR charts of a body's months (spc_series.h)
 *   reports_categories.c  the KO41a category lists, read from their CSV
 *
 * Every report but the KO41 returns leaves the body, so its counts from 1
 * to 4 are suppressed (suppress.h) in every format. */
#ifndef REPORTING_REPORTS_H
#define REPORTING_REPORTS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "candour/calendar.h"
#include "candour/db.h"
#include "candour/errcode.h"
#include "candour/inbox.h"
#include "ko41.h"
#include "render.h"
#include "spc.h"
#include "suppress.h"

typedef enum {
    RQ_QUARTERLY,
    RQ_ANNUAL,
    RQ_KO41A,
    RQ_KO41B,
    RQ_BENCHMARK,
    RQ_SPC,
    RQ_NREPORTS
} rq_kind_t;
typedef enum { RQ_JSON, RQ_CSV, RQ_HTML, RQ_PDF } rq_format_t;

/* What is asked: one report of one body over [from, to]. */
typedef struct {
    rq_kind_t kind;
    rq_format_t format;
    char org[65];
    cd_date_t from, to;
    char from_s[11], to_s[11]; /* as given, YYYY-MM-DD */
} rq_ask_t;

/* The report's name ("ko41a"), static. */
const char *rq_kind_name(rq_kind_t k);

/* Check the request's fields (report, org_id, from, to, format): 0, or -1
 * with f naming "get_report.<field>": an unknown report or format, a format
 * the report has not (KO41: json and csv), a date that is not a day
 * (INVALID_DATE), a period reversed (to before from: INVALID_ARGUMENT on
 * get_report.to), no body (REQUIRED). Empty format means json. Pure. */
int rq_ask_parse(const char *report, const char *org, const char *from, const char *to,
                 const char *format, rq_ask_t *out, cd_fail_t *f);

/* ---- The table model every report but KO41 is built in --------------- */

#define RQ_MAXCOLS 8

typedef struct {
    char code[65];            /* what the row is ("clinical-treatment", a body) */
    char label[201];          /* what a person reads */
    long v[RQ_MAXCOLS];       /* the counts */
    sup_mark_t m[RQ_MAXCOLS]; /* shown or suppressed */
    char fig[RQ_MAXCOLS][32]; /* a figure instead of a count ("85.0%", "*"), or "" */
} rq_row_t;

typedef struct {
    const char *key;     /* "subjects": the JSON's and CSV's name */
    const char *caption; /* what it shows */
    size_t ncols;
    const char *cols[RQ_MAXCOLS];
    rq_row_t *rows;
    size_t nrows, cap;
} rq_tab_t;

/* A row added (zeroed; code and label copied), or NULL out of memory. */
rq_row_t *rq_tab_row(rq_tab_t *t, const char *code, const char *label);
void rq_tab_free(rq_tab_t *t);
/* Suppress as one table: its rows x cols cells with their margins
 * (sup_table: primary and secondary). 0, or -1 (f) when refused. */
int rq_tab_suppress(rq_tab_t *t, cd_fail_t *f);
/* Suppress each count on its own (primary only): figures that are not
 * parts of one whole (received, closed, ...). */
void rq_tab_suppress_each(rq_tab_t *t);

/* A report as tables, paragraphs and charts. */
#define RQ_MAXTABS 14
#define RQ_MAXBLOCKS 96 /* the SPC report: a chart a subject and service area */
typedef struct {
    const rq_ask_t *ask;
    const char *title;
    rq_tab_t tabs[RQ_MAXTABS];
    size_t ntabs;
    json_t *extra; /* more for the JSON (SPC, funnel, benchmark): an object, or NULL */
    /* The page: sections in order, each a heading and blocks pointing at
     * tabs (by index), paragraphs or charts. */
    struct {
        const char *heading;
        size_t first, n; /* blocks [first, first + n) */
    } secs[RQ_MAXTABS];
    size_t nsecs;
    struct {
        rp_block_kind_t kind;
        const char *para;
        int tab;
        rp_chart_t chart;
    } blocks[RQ_MAXBLOCKS];
    size_t nblocks;
    const rp_definition_t *defs;
    size_t ndefs;
} rq_doc_t;

/* A new table of doc (ncols columns named cols), or NULL when full. */
rq_tab_t *rq_doc_tab(rq_doc_t *d, const char *key, const char *caption, size_t ncols,
                     const char *const *cols);
void rq_doc_section(rq_doc_t *d, const char *heading);
void rq_doc_para(rq_doc_t *d, const char *text);
void rq_doc_table(rq_doc_t *d, const rq_tab_t *t);
void rq_doc_chart(rq_doc_t *d, rp_chart_t c);
void rq_doc_free(rq_doc_t *d);

/* The file for doc in ask->format: *out malloc'd (*len bytes), media type
 * and a file name. 0, or -1 (f: INTERNAL) when it could not be made. */
int rq_doc_file(const rq_doc_t *d, unsigned char **out, size_t *len, const char **media,
                cd_fail_t *f);

/* "85.0%" of n / d into buf, "-" when d is 0. */
void rq_percent(char *buf, size_t len, long n, long d);

/* ---- Categories (reports_categories.c) -------------------------------- */

/* The KO41a category lists: subject, service area, profession as
 * reporting.categories gives them (0038: list, code, name, those in force on
 * some day of the period); and the age bands and complainant statuses,
 * which are Candour's own enums' (the reporting schema's age_band and
 * standing codes), not NHS Digital's. */
typedef struct {
    ko41_category_t *cats;
    size_t n;
    char *text; /* the strings the categories point into */
} rq_cats_t;

/* The lists from reporting.categories' rows (list, code, name), the
 * strings copied. 0, or -1 with err (a row that is not a category). */
int rq_cats_rows(const PGresult *r, rq_cats_t *out, char *err, size_t errlen);
void rq_cats_free(rq_cats_t *c);
/* The label of code in section sec, or code itself. */
const char *rq_cats_label(const rq_cats_t *c, ko41_section_t sec, const char *code);

/* ---- The operation (requests.c) --------------------------------------- */

/* The service's request handler (cd_service_spec_t.on_request): GetReport;
 * any other operation UNSUPPORTED. arg: the rp_app_t. */
void rp_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r, void *arg);

/* The variation icon a chart draws for spc.h's variation of its latest
 * point (no direction: no icon). */
rp_variation_t rq_variation(spc_variation_t v);

/* ---- SQL and the reports --------------------------------------------- */

/* Add the report's statements to tx (parameters: the body, from, to). The
 * results come back in the same order, after the caller's first `base`. */
void rq_sql(cd_tx_t *tx, const rq_ask_t *a);

/* The file of each report from its statements' results (r[0..]). 0, or -1
 * with f. cats: the category list (labels; KO41a's sections; the benchmark
 * has no use for it). One a report in requests.c's table. */
typedef int (*rq_make_fn)(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats,
                          unsigned char **out, size_t *len, const char **media, cd_fail_t *f);
int rq_quarterly(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats, unsigned char **out,
                 size_t *len, const char **media, cd_fail_t *f);
int rq_ko41(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats, unsigned char **out,
            size_t *len, const char **media, cd_fail_t *f);
/* The SPC report's statement (spc_series.h), and the report from its rows. */
extern const char rp_spc_series_body_sql[];
int rq_spc(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats, unsigned char **out,
           size_t *len, const char **media, cd_fail_t *f);
int rq_benchmark(const rq_ask_t *a, PGresult *const *r, const rq_cats_t *cats,
                 unsigned char **out, size_t *len, const char **media, cd_fail_t *f);

#endif
