/* routes.h - the routing table's CSV as candourctl reads and checks it
 * (routes_rows.c, no database) before routes.c puts it into the database. */
#ifndef CANDOURCTL_ROUTES_H
#define CANDOURCTL_ROUTES_H

#include <stddef.h>

/* Far beyond any real table: a guard against being given the wrong file. */
#define S_MAX_FILE (64u * 1024 * 1024)
/* Lines COPY cannot read, each costing a reading of the file, before we stop. */
#define S_MAX_MALFORMED 20

enum { F_ORG, F_SERVICE, F_NAME, F_KIND, F_COMMISSIONER, F_PROVIDER, F_FROM, F_TO, F_COUNT };

/* The CSV header's names, in F_* order. */
extern const char *const ctl_routes_columns[F_COUNT];

/* One record of the file: where it lies, before COPY reads it. */
typedef struct {
    size_t start, len; /* its bytes, without its line end */
    size_t line;       /* the line it starts on */
    size_t nlines;     /* lines it spans (a quoted field may hold line breaks) */
    size_t sent_line;  /* the line it starts on in the text the last COPY was given */
    int out;           /* left out: reported as malformed */
} ctl_route_rec_t;

/* One row of the file, kept for the overlap check and the import. */
typedef struct {
    size_t line;      /* where it starts in the file */
    char *f[F_COUNT]; /* its fields, malloc'd */
    int ok;           /* its fields passed s_check_row */
} ctl_route_row_t;

/* An organisation or service id ([A-Za-z0-9._-], 1 to 64). */
int ctl_routes_ident_ok(const char *s);
/* A date written YYYY-MM-DD that exists. */
int ctl_routes_date_ok(const char *s);
/* Each bad field of r reported as `line N: field: message` on stderr; the count. */
int ctl_routes_check_row(const ctl_route_row_t *r);
/* Rows of one organisation and service whose dates overlap, reported; the count. */
int ctl_routes_check_overlaps(ctl_route_row_t *rows, size_t n);
/* The whole file (at most S_MAX_FILE bytes), malloc'd; NULL when it cannot be read
 * or is larger (the caller says so). */
char *ctl_routes_read_file(const char *path, size_t *len);
void ctl_routes_free_rows(ctl_route_row_t *rows, size_t n);
/* The file's records as COPY will read them (a quoted field may span lines):
 * how many, into *precs (malloc'd); lines no record can be made of are
 * reported and counted in *nbad; -1 when out of memory. */
long ctl_routes_records(const char *text, size_t len, ctl_route_rec_t **precs, int *nbad);

#endif
