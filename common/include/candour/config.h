/* config.h - configuration from environment variables, described by a table.
 *
 * Each daemon declares a table of cd_config_item_t; cd_config_load() fills the
 * targets from the environment (or the defaults) and checks every value; the
 * same table prints `--help`, so the help and the README table cannot drift. */
#ifndef CANDOUR_CONFIG_H
#define CANDOUR_CONFIG_H

#include <stdio.h>

typedef enum {
    CD_CONFIG_STRING,   /* target: const char ** (points into the environment or the default) */
    CD_CONFIG_INT,      /* target: long *; checked against min..max */
    CD_CONFIG_BOOL      /* target: int *; accepts 1/0, true/false, yes/no, on/off */
} cd_config_type_t;

typedef struct {
    const char *name;        /* environment variable, e.g. "CANDOUR_INTAKE_BIND" */
    cd_config_type_t type;
    const char *def;         /* default as text; NULL = required */
    long min, max;           /* CD_CONFIG_INT only */
    const char *help;        /* one line for --help and README */
    void *target;            /* where the value goes */
} cd_config_item_t;

/* Load every item. On a bad or missing value returns -1 and writes a plain
 * message naming the variable, the value and what is allowed into err (which
 * may be NULL). An empty INT or BOOL counts as unset; an empty STRING is a
 * value. INT is decimal only ([-]digits, no spaces, '+' or hex). Stops at the
 * first bad item, with earlier targets already filled. STRING values are
 * never put in the message (they may be secrets). */
int cd_config_load(const cd_config_item_t *items, int n, char *err, size_t errlen);

/* Print the table (name, default, help) for --help. */
void cd_config_print_help(FILE *out, const cd_config_item_t *items, int n);

#endif
