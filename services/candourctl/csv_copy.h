/* csv_copy.h - a CSV file put into a staging table with COPY, record by
 * record, as `routes import`, `categories import` and `glossary import` do:
 * a record COPY cannot read is reported as `line N: ...`, left out, and COPY
 * runs again without it (in a savepoint, so a failed attempt leaves
 * nothing), so the records after it are checked too. ctl_csv_import is the
 * whole import around it that categories and glossary share. */
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

/* A whole import of one CSV file into a table, as `categories import` and
 * `glossary import` do it: the file read and staged (stage_sql, then
 * ctl_csv_copy), every staged row judged (check), and the rows written
 * (apply) only when no row is bad, all in one transaction, so a bad file
 * changes nothing. */
typedef struct {
    ctl_csv_copy_t copy;   /* copy.cmd also begins every message */
    const char *stage_sql; /* CREATE TEMP TABLE ... ON COMMIT DROP: fixed text */
    /* Judge the staged rows, read in the order COPY put them in (the
     * table's identity); lines[k] is the file line of staged row k + 1.
     * Each problem is told as `line N: field: message`. Returns how many,
     * or -1 if the database failed (told); *nrows: the rows staged. */
    int (*check)(PGconn *c, const size_t *lines, size_t nlines, size_t *nrows, void *arg);
    /* Write the staged rows and print what changed, in the transaction.
     * 0, or -1 (told): then nothing is written. */
    int (*apply)(PGconn *c, void *arg);
    void *arg; /* the command's own, for check and apply */
} ctl_csv_import_t;

/* Import the file at path with the admin connection (CANDOUR_DB_URL).
 * Returns the exit code: 0 imported; 1 nothing imported (every problem, or
 * the failure, told on stderr). */
int ctl_csv_import(const ctl_csv_import_t *imp, const char *path);

#endif
