/* pdf_report.h - a report as an A4 PDF.
 *
 * The same report as page.h's HTML page (render.h's rp_report_t), typeset
 * with pango and cairo: the heading block, each section's paragraphs,
 * tables (a table that runs over a page break repeats its header row) and
 * charts (chart.c's layout drawn with cairo, not a converted SVG), the
 * definitions, and on every page a footer saying counts from 1 to 4 are
 * suppressed and "Page N of M". Fonts are embedded.
 *
 * Pure apart from fonts: structs in, bytes out, nothing written to disk.
 * Under LeakSanitizer, pango's per-thread font map and fontconfig's caches
 * live until exit (tests/unit/test_reporting_pdf.lsan). */
#ifndef REPORTING_PDF_REPORT_H
#define REPORTING_PDF_REPORT_H

#include "render.h"

#include <stddef.h>

/* Renders r. 0: *out is a malloc'd PDF of *len bytes (the caller frees it)
 * and *pages, when pages is not NULL, its page count. -1: *out NULL, *len
 * 0, and err says why (cairo could not write, memory ran out). Text that is
 * not valid UTF-8 is drawn with U+FFFD in place of the bad bytes. */
int rp_pdf_report(const rp_report_t *r, unsigned char **out, size_t *len, int *pages, char *err,
                  size_t errlen);

#endif
