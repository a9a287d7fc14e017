/* metrics.h - counters and gauges, rendered in the Prometheus text format.
 *
 * A process-wide registry: a daemon registers its metrics at start-up and
 * bumps them from its loop thread (no locking: one loop per daemon). */
#ifndef CANDOUR_METRICS_H
#define CANDOUR_METRICS_H

#include <stddef.h>

typedef struct cd_metric_t cd_metric_t;

/* Register (or find) a counter or gauge. `name` must be a Prometheus metric
 * name, e.g. "candour_events_consumed_total"; `labels` is NULL or a fixed
 * label set such as "type=\"complaint.received\"". The pointer stays valid
 * until cd_metrics_reset(). Returns NULL only when out of memory. */
cd_metric_t *cd_metric_counter(const char *name, const char *labels, const char *help);
cd_metric_t *cd_metric_gauge(const char *name, const char *labels, const char *help);

/* A name is one type: registering it as both counter and gauge asserts, as
 * does a name outside [a-zA-Z_:][a-zA-Z0-9_:]*. Help comes from the first
 * registration of a name; NULL omits the HELP line. */

void cd_metric_add(cd_metric_t *m, double v);   /* NULL-safe; v < 0 on a counter asserts */
void cd_metric_set(cd_metric_t *m, double v);   /* NULL-safe */
double cd_metric_value(const cd_metric_t *m);   /* 0 for NULL */

/* Render all metrics; returns a malloc'd NUL-terminated string (caller frees), NULL on OOM. */
char *cd_metrics_render(void);

/* Drop every metric (tests). */
void cd_metrics_reset(void);

#endif
