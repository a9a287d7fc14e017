/* render.h - what a report looks like, as plain structs for the renderers.
 *
 * The report arithmetic (ko41.c, suppress.c, funnel.c, spc.c, benchmark.c)
 * works out the numbers; glue code copies its results into these structs;
 * the renderers turn them into pictures and pages:
 *   chart.c       each chart laid out once, drawn on a canvas (rp_canvas_t)
 *   svg.c         the canvas as SVG text, and the XML text writer (rp_text_t)
 *   page.c        a report as one self-contained HTML page
 *   pdf_report.c  a report as an A4 PDF, the same charts drawn with cairo
 * Nothing here is computed again: a limit, a special cause or a suppressed
 * cell is drawn as it is given. The one exception is a safety net for L5: a
 * count from 1 to 4 in a table cell or a bar is shown as suppressed ("*"),
 * because every page says such counts are.
 *
 * Every struct only points at the caller's memory; a renderer keeps nothing.
 * Strings are UTF-8; a byte that is not (or a control character) is drawn
 * as U+FFFD rather than breaking the page. NULL strings read as "". */
#ifndef REPORTING_RENDER_H
#define REPORTING_RENDER_H

#include <stddef.h>

/* ---- Charts ------------------------------------------------------------ */

/* Why a point stands out (L6). The arithmetic decides which way is good. */
typedef enum {
    RP_CAUSE_COMMON = 0, /* common cause: grey */
    RP_CAUSE_CONCERN,    /* special cause, concerning: orange */
    RP_CAUSE_IMPROVE,    /* special cause, improving: blue */
} rp_cause_t;

/* The variation icon of an XmR chart ("Making Data Count"). */
typedef enum {
    RP_VAR_NONE = 0,     /* no icon (too few points to say) */
    RP_VAR_COMMON,       /* common cause variation */
    RP_VAR_CONCERN_HIGH, /* special cause of concern, higher values */
    RP_VAR_CONCERN_LOW,  /* special cause of concern, lower values */
    RP_VAR_IMPROVE_HIGH, /* special cause of improvement, higher values */
    RP_VAR_IMPROVE_LOW,  /* special cause of improvement, lower values */
} rp_variation_t;

/* The assurance icon: where the target sits against the process limits. */
typedef enum {
    RP_ASSURE_NONE = 0, /* no icon (no target) */
    RP_ASSURE_PASS,     /* the target is outside the limits, on the good side */
    RP_ASSURE_FAIL,     /* the target is outside the limits, on the bad side */
    RP_ASSURE_HIT_MISS, /* the target is inside the limits: sometimes met */
} rp_assurance_t;

/* One point of an XmR chart. */
typedef struct {
    const char *label; /* x axis label, "2025-04" */
    double value;      /* the value plotted */
    rp_cause_t cause;  /* how the point is coloured */
} rp_xmr_point_t;

/* An XmR (individuals) chart. */
typedef struct {
    const char *title;         /* "Complaints received each month" */
    const char *x_label;       /* "Month" */
    const char *y_label;       /* "Complaints" */
    const rp_xmr_point_t *pts; /* the series, oldest first */
    size_t npts;               /* how many (0 draws an empty frame) */
    double mean;               /* the centre line */
    double upper, lower;       /* the process limits */
    int has_target;            /* 1: draw `target` */
    double target;             /* the target line, when has_target */
    int decimals;              /* decimals shown for values (0-3) */
    rp_variation_t variation;  /* the variation icon */
    rp_assurance_t assurance;  /* the assurance icon */
} rp_xmr_t;

/* One body on a funnel plot. */
typedef struct {
    const char *org;  /* its organisation id, the point's label */
    double n;         /* the denominator (x) */
    double p;         /* the proportion, 0..1 (y) */
    rp_cause_t cause; /* RP_CAUSE_COMMON inside the limits; otherwise an outlier */
} rp_funnel_body_t;

/* One step of a limit curve: at denominator n, the limits either side. */
typedef struct {
    double n, lower, upper;
} rp_limit_t;

/* A funnel plot comparing bodies of different sizes (L3). */
typedef struct {
    const char *title, *x_label, *y_label;
    const rp_funnel_body_t *bodies;
    size_t nbodies;
    double mean;           /* the overall proportion */
    const rp_limit_t *l95; /* 95% limits, by rising n */
    size_t n95;
    const rp_limit_t *l998; /* 99.8% limits, by rising n */
    size_t n998;
    int has_target;
    double target; /* a proportion, when has_target */
} rp_funnel_t;

/* One bar: a count in a category. */
typedef struct {
    const char *label; /* the category */
    long count;        /* >= 0 */
    int suppressed;    /* 1: drawn as "*", no bar, the count not shown */
} rp_bar_t;

/* Counts by category, drawn as horizontal bars (long category names read). */
typedef struct {
    const char *title, *x_label; /* x_label: what is counted, "Complaints" */
    const rp_bar_t *bars;
    size_t nbars;
} rp_bars_t;

typedef enum { RP_CHART_XMR, RP_CHART_FUNNEL, RP_CHART_BARS } rp_chart_kind_t;

/* A chart in a report: one of the three. */
typedef struct {
    rp_chart_kind_t kind;
    const rp_xmr_t *xmr;       /* when kind is RP_CHART_XMR */
    const rp_funnel_t *funnel; /* when RP_CHART_FUNNEL */
    const rp_bars_t *bars;     /* when RP_CHART_BARS */
    const char *caption;       /* under the chart (NULL: none) */
} rp_chart_t;

/* ---- Reports ----------------------------------------------------------- */

typedef enum {
    RP_CELL_TEXT = 0,  /* text, left-aligned */
    RP_CELL_COUNT,     /* a count (`count`), right-aligned */
    RP_CELL_FIGURE,    /* a number already formatted (`text`: "85.2%"), right-aligned */
    RP_CELL_SUPPRESSED /* a suppressed count: "*" */
} rp_cell_kind_t;

typedef struct {
    rp_cell_kind_t kind;
    const char *text; /* RP_CELL_TEXT and RP_CELL_FIGURE */
    long count;       /* RP_CELL_COUNT */
} rp_cell_t;

/* A table: a header row and rows of `ncols` cells. A first cell of text is
 * the row's header (<th scope="row">). */
typedef struct {
    const char *caption;       /* says what the table shows (required) */
    const char *const *header; /* ncols column headings */
    size_t ncols;
    const rp_cell_t *cells; /* nrows * ncols, row by row */
    size_t nrows;
} rp_table_t;

typedef enum { RP_BLOCK_PARA, RP_BLOCK_TABLE, RP_BLOCK_CHART } rp_block_kind_t;

/* One block of a section, in order: a paragraph, a table or a chart. */
typedef struct {
    rp_block_kind_t kind;
    const char *para;        /* RP_BLOCK_PARA: plain text, no markup */
    const rp_table_t *table; /* RP_BLOCK_TABLE */
    rp_chart_t chart;        /* RP_BLOCK_CHART */
} rp_block_t;

typedef struct {
    const char *heading;
    const rp_block_t *blocks;
    size_t nblocks;
} rp_section_t;

/* A term and what it means, for the report's "Definitions". */
typedef struct {
    const char *term, *meaning;
} rp_definition_t;

typedef struct {
    const char *title;        /* "Quarterly complaints report" */
    const char *organisation; /* "Northshire Hospitals NHS Foundation Trust (RX1)" */
    const char *period;       /* "1 April to 30 June 2025" */
    const char *generated;    /* "Produced 3 July 2025" (NULL: not said) */
    const rp_section_t *sections;
    size_t nsections;
    const rp_definition_t *defs;
    size_t ndefs;
} rp_report_t;

/* The sentence every report ends with (L5). */
#define RP_SUPPRESSION_NOTE                                                                        \
    "Counts from 1 to 4 are suppressed (shown as *) so that no one can be identified; where "      \
    "a total would reveal one, another count is suppressed too."

/* What a table with no rows says under its caption. */
#define RP_EMPTY_TABLE "None in the period."

/* ---- Colours (Making Data Count's, and NHS identity) ------------------- */
#define RP_GREY 0x7B7D7Du   /* common cause */
#define RP_ORANGE 0xED8B00u /* special cause: concerning; worse outliers */
#define RP_BLUE 0x005EB8u   /* special cause: improving; NHS blue headings */
#define RP_INK 0x212B32u    /* text (NHS "black") */
#define RP_RULE 0xD8DDE0u   /* grid lines and table rules (NHS pale grey) */
#define RP_TARGET 0xDA291Cu /* a target line: NHS red, dashed */

#endif
