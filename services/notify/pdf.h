/* pdf.h - a letter as an A4 PDF for post and for attachments.
 *
 * Takes the plain text letters.c writes (address block, date, reference,
 * "Dear ...,", paragraphs separated by blank lines, "Yours sincerely,") and
 * typesets it with pango and cairo: DejaVu fonts embedded in the file, 25 mm
 * margins, and on every page a footer with the reference and "Page N of M",
 * so a page that comes loose can still be matched to its letter.
 *
 * Pure apart from fonts: text in, bytes out, nothing written to disk. */
#ifndef NOTIFY_PDF_H
#define NOTIFY_PDF_H

#include <stddef.h>

typedef struct {
    const char *reference; /* "CDR-XXXX-XXXX", on every page (required) */
    int large_print;       /* 1: 16 pt sans, wider line spacing (access needs) */
    const char *org_name;  /* the body writing, atop page 1 (NULL or "": none) */
} nt_pdf_opts_t;

/* Renders `text` (UTF-8, drawn literally: no markup) to a PDF in memory.
 * 0: *out is a malloc'd PDF of *len bytes, the caller frees it. -1: nothing
 * is returned (*out NULL, *len 0) and err says why (empty text, invalid
 * UTF-8, no reference, cairo or pango failure). */
int nt_pdf_render(const char *text, const nt_pdf_opts_t *o, unsigned char **out, size_t *len,
                  char *err, size_t errlen);

#endif
