/* page.h - a report as one self-contained HTML page.
 *
 * From rp_report_t (render.h): a heading block (organisation, title,
 * period), a list of contents, each section with its paragraphs, tables
 * (with captions, column and row headers) and charts (inline SVG in a
 * <figure>, each with its figures as a table beneath, for anyone who cannot
 * see the chart), the definitions, and a footer saying counts from 1 to 4
 * are suppressed. CSS inline, no scripts, no external resources: the page
 * can be mailed, archived or opened offline as it is. Every piece of text
 * is escaped, so a category or organisation name cannot inject markup. */
#ifndef REPORTING_PAGE_H
#define REPORTING_PAGE_H

#include "render.h"

/* The page (malloc'd UTF-8, the caller frees), or NULL when memory ran
 * out. A report whose counts are inconsistent (a table's cells fewer than
 * nrows * ncols) is a bug: the renderer trusts the sizes it is given. */
char *rp_page_html(const rp_report_t *r);

#endif
