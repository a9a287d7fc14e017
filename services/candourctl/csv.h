/* csv.h - a reader for RFC 4180 CSV text, for `candourctl routes import`.
 *
 * Pure: it reads a buffer the caller owns and does no I/O. Records end at LF
 * or CRLF; a field may be quoted ("a, b", "say ""hi""", a line break inside
 * quotes); a quote inside an unquoted field, text after a closing quote, a
 * bare CR and an unterminated quote are errors, with the line they are on.
 * Wholly empty lines are skipped (not records of one empty field), a final
 * line break is optional, and a UTF-8 byte order mark at the start (as
 * spreadsheets write) is ignored. */
#ifndef CANDOURCTL_CSV_H
#define CANDOURCTL_CSV_H

#include <stddef.h>

typedef struct ctl_csv_t ctl_csv_t;

/* A reader over text[0..len). text must outlive the reader and may hold any
 * bytes (a NUL byte is an error). Returns NULL only when out of memory. */
ctl_csv_t *ctl_csv_new(const char *text, size_t len);

/* Free the reader and set *pself to NULL; safe on NULL and twice. */
void ctl_csv_destroy(ctl_csv_t **pself);

/* Read the next record: 1 if there is one, 0 at the end of the text, -1 if
 * the text is malformed (ctl_csv_error and ctl_csv_line say what and where;
 * the reader stays at -1 after that) or out of memory. The fields are valid
 * until the next call. */
int ctl_csv_next(ctl_csv_t *self);

/* The current record's number of fields, and field i (NUL-terminated,
 * unquoted; i must be < ctl_csv_count). */
size_t ctl_csv_count(const ctl_csv_t *self);
const char *ctl_csv_field(const ctl_csv_t *self, size_t i);

/* The 1-based line the current record starts on or, after -1, the line the
 * error is on. */
size_t ctl_csv_line(const ctl_csv_t *self);

/* After -1: what is wrong ("unterminated quoted field", ...); else NULL. */
const char *ctl_csv_error(const ctl_csv_t *self);

#endif
