/* metrics.c - a process-wide registry of counters and gauges, rendered in
 * the Prometheus text exposition format, version 0.0.4.
 *
 * Metrics are grouped into families by name: one "# HELP" and "# TYPE" per
 * family, then one sample line per label set, in registration order, which
 * is what Prometheus requires (a family's samples must not be split). A
 * daemon registers at start-up and bumps from its one loop thread, so there
 * is no locking; /metrics renders from the same thread. */
#include "candour/metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_COUNTER, S_GAUGE } s_type_t;

typedef struct s_family_t s_family_t;

struct cd_metric_t {
    s_family_t *family; // the name, help and type this sample shares
    char *labels;       // "k=\"v\",..." without braces, or NULL for none
    double value;       // current value
    cd_metric_t *next;  // next label set of the same family
};

struct s_family_t {
    char *name;          // Prometheus metric name
    char *help;          // from the first registration; NULL for none
    s_type_t type;       // a name is either a counter or a gauge, never both
    cd_metric_t *series; // label sets, in registration order
    s_family_t *next;    // next family, in registration order
};

static s_family_t *s_families; // the registry; NULL when empty

/* ------------------------------------------------------------ registry */

#ifndef NDEBUG // only asserts use it
/* [a-zA-Z_:][a-zA-Z0-9_:]*, the Prometheus metric name grammar. */
static bool s_name_valid(const char *name)
{
    if (!name || !*name || (*name >= '0' && *name <= '9'))
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == ':';
        if (!ok)
            return false;
    }
    return true;
}
#endif

/* NULL and "" both mean "no labels". */
static bool s_labels_equal(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static s_family_t *s_family_find(const char *name)
{
    for (s_family_t *f = s_families; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static void s_family_destroy(s_family_t **self_p)
{
    s_family_t *self = *self_p;
    if (!self)
        return;
    for (cd_metric_t *m = self->series, *next; m; m = next) {
        next = m->next;
        free(m->labels);
        free(m);
    }
    free(self->name);
    free(self->help);
    free(self);
    *self_p = NULL;
}

/* Find or create the family; NULL on OOM. */
static s_family_t *s_family_get(const char *name, const char *help, s_type_t type)
{
    s_family_t *f = s_family_find(name);
    if (f) {
        assert(f->type == type && "metric registered as both counter and gauge");
        return f;
    }
    f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->type = type;
    f->name = strdup(name);
    f->help = help ? strdup(help) : NULL;
    if (!f->name || (help && !f->help)) {
        s_family_destroy(&f);
        return NULL;
    }
    s_family_t **tail = &s_families;
    while (*tail)
        tail = &(*tail)->next;
    *tail = f;
    return f;
}

/* Find or create the sample of family f with these labels; NULL on OOM. */
static cd_metric_t *s_series_get(s_family_t *f, const char *labels)
{
    cd_metric_t **tail = &f->series;
    for (; *tail; tail = &(*tail)->next)
        if (s_labels_equal((*tail)->labels, labels))
            return *tail;
    cd_metric_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->family = f;
    if (labels && *labels && !(m->labels = strdup(labels))) {
        free(m);
        return NULL;
    }
    *tail = m;
    return m;
}

static cd_metric_t *s_register(const char *name, const char *labels, const char *help,
                               s_type_t type)
{
    assert(s_name_valid(name));
    // A newline in labels would forge a sample line; labels are fixed text in code.
    assert(!labels || !strchr(labels, '\n'));
    s_family_t *f = s_family_get(name, help, type);
    return f ? s_series_get(f, labels) : NULL;
}

/* Register (or find) a sample. Registering the same name and labels again
 * returns the same pointer; the same name with other labels joins the same
 * family. Help is taken from the first registration of a name. Asserts if a
 * name is used as both counter and gauge, or is not a valid metric name.
 * Labels are not validated beyond that: they must be valid Prometheus label
 * text with values already escaped. */
cd_metric_t *cd_metric_counter(const char *name, const char *labels, const char *help)
{
    return s_register(name, labels, help, S_COUNTER);
}

cd_metric_t *cd_metric_gauge(const char *name, const char *labels, const char *help)
{
    return s_register(name, labels, help, S_GAUGE);
}

/* Add v. A counter never goes down, so a negative v on a counter asserts.
 * NULL-safe, so a failed registration (OOM) does not crash the daemon. */
void cd_metric_add(cd_metric_t *m, double v)
{
    if (!m)
        return;
    assert(m->family->type == S_GAUGE || v >= 0);
    m->value += v;
}

/* Set the value. Meant for gauges; on a counter, only to mirror a total
 * kept elsewhere that itself never decreases. NULL-safe. */
void cd_metric_set(cd_metric_t *m, double v)
{
    if (!m)
        return;
    m->value = v;
}

/* The current value; 0 for NULL. */
double cd_metric_value(const cd_metric_t *m)
{
    return m ? m->value : 0.0;
}

/* Free every metric; all cd_metric_t pointers become invalid. */
void cd_metrics_reset(void)
{
    while (s_families) {
        s_family_t *next = s_families->next;
        s_family_destroy(&s_families);
        s_families = next;
    }
}

/* -------------------------------------------------------------- render */

/* HELP text escapes backslash and newline, per the format. */
static void s_print_help(FILE *out, const s_family_t *f)
{
    if (!f->help)
        return;
    fprintf(out, "# HELP %s ", f->name);
    for (const char *p = f->help; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else
            fputc(*p, out);
    }
    fputc('\n', out);
}

/* Integral values below 2^63 print as plain integers ("1000000", not
 * "1e+06"), which keeps counters readable and grep-able; anything else gets
 * %.17g, enough digits to round-trip a double. */
static void s_print_value(FILE *out, double v)
{
    if (isnan(v))
        fputs("NaN", out);
    else if (isinf(v))
        fputs(v > 0 ? "+Inf" : "-Inf", out);
    else if (v == trunc(v) && fabs(v) < 9223372036854775808.0)
        fprintf(out, "%" PRId64, (int64_t)v);
    else
        fprintf(out, "%.17g", v);
}

static void s_print_family(FILE *out, const s_family_t *f)
{
    s_print_help(out, f);
    fprintf(out, "# TYPE %s %s\n", f->name, f->type == S_COUNTER ? "counter" : "gauge");
    for (const cd_metric_t *m = f->series; m; m = m->next) {
        if (m->labels)
            fprintf(out, "%s{%s} ", f->name, m->labels);
        else
            fprintf(out, "%s ", f->name);
        s_print_value(out, m->value);
        fputc('\n', out);
    }
}

/* Render every family; a malloc'd string the caller frees ("" when there
 * are no metrics), or NULL when out of memory. */
char *cd_metrics_render(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return NULL;
    for (const s_family_t *f = s_families; f; f = f->next)
        s_print_family(out, f);
    // A failed write (OOM growing the buffer) sets the stream's error flag.
    bool failed = ferror(out) != 0;
    if (fclose(out) != 0 || failed) {
        free(buf);
        return NULL;
    }
    return buf;
}
