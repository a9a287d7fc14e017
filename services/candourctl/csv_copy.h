/* csv_copy.h - a CSV file put into a staging table with COPY, record by
 * record, as `routes import` and `categories import` do: a record COPY
 * cannot read is reported as `line N: ...`, left out, and COPY runs again
 * without it (in a savepoint, so a failed attempt leaves nothing), so the
 * records after it are checked too. */
#ifndef CANDOURCTL_CSV_COPY_H
#define CANDOURCTL_CSV_COPY_H

#include <libpq-fe.h>
#include <stddef.h>

#include "routes.h" /* ctl_route_rec_t: a record of the file */

typedef struct {
    const char *cmd;            /* "routes": how messages begin */
    const char *copy_sql;       /* COPY <table> (...) FROM STDIN ...: fixed text, no input */
    const char *header;         /* the header expected, for the message when it is not */
    const char *const *columns; /* the header's names, in order */
    int ncolumns;
} ctl_csv_copy_t;

/* COPY recs[0..n) (the header first) into the staging table, which exists.
 * 0: staged (each record's sent_line set, those left out marked out); 1: the
 * file cannot be read at all (a bad header, or more than S_MAX_MALFORMED
 * records COPY cannot read: reported, counted in *nbad); -1: the database
 * failed (reported). */
int ctl_csv_copy(PGconn *c, const ctl_csv_copy_t *spec, const char *text, ctl_route_rec_t *recs,
                 size_t n, int *nbad);

#endif
