/* test_metrics.c - unit tests for metrics.c: the registry and its
 * Prometheus text rendering (exposition format 0.0.4).
 *
 * Each test resets the registry when it ends, so the suite is also a leak
 * check under AddressSanitizer. */
#include <criterion/criterion.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/metrics.h"

static char *s_out; // the last render, freed after each test

static void s_teardown(void)
{
    free(s_out);
    s_out = NULL;
    cd_metrics_reset();
}

TestSuite(metrics, .fini = s_teardown);

static const char *s_render(void)
{
    free(s_out);
    s_out = cd_metrics_render();
    cr_assert_not_null(s_out);
    return s_out;
}

static int s_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The value rendered for a single unlabelled gauge set to v. */
static const char *s_value_text(double v)
{
    cd_metrics_reset();
    cd_metric_set(cd_metric_gauge("g", NULL, "g"), v);
    const char *out = s_render();
    const char *line = strstr(out, "\ng ");
    cr_assert_not_null(line, "%s", out);
    return line + 3;
}

Test(metrics, empty_registry_renders_empty_string)
{
    cr_assert_str_eq(s_render(), "");
}

Test(metrics, counter_renders_help_type_and_value)
{
    cd_metric_t *m = cd_metric_counter("candour_events_consumed_total", NULL, "Events consumed.");
    cr_assert_not_null(m);
    cd_metric_add(m, 3);
    cr_assert_str_eq(s_render(), "# HELP candour_events_consumed_total Events consumed.\n"
                                 "# TYPE candour_events_consumed_total counter\n"
                                 "candour_events_consumed_total 3\n");
}

Test(metrics, gauge_renders_type_gauge_and_can_go_down)
{
    cd_metric_t *m = cd_metric_gauge("candour_outbox_depth", NULL, "Rows waiting.");
    cd_metric_set(m, 10);
    cd_metric_add(m, -4);
    cr_assert_eq(cd_metric_value(m), 6.0);
    cr_assert_str_eq(s_render(), "# HELP candour_outbox_depth Rows waiting.\n"
                                 "# TYPE candour_outbox_depth gauge\n"
                                 "candour_outbox_depth 6\n");
}

Test(metrics, same_name_and_labels_returns_same_metric)
{
    cd_metric_t *a = cd_metric_counter("c_total", "type=\"x\"", "c");
    cd_metric_t *b = cd_metric_counter("c_total", "type=\"x\"", "c");
    cr_assert_eq(a, b);
    cd_metric_t *c = cd_metric_counter("c_total", NULL, "c");
    cd_metric_t *d = cd_metric_counter("c_total", "", "c");
    cr_assert_eq(c, d, "NULL and empty labels are the same series");
    cr_assert_neq(a, c);
}

Test(metrics, label_sets_group_under_one_help_and_type)
{
    cd_metric_t *rx = cd_metric_counter("ev_total", "type=\"complaint.received\"", "Events.");
    cd_metric_t *other = cd_metric_gauge("other", NULL, "Other.");
    cd_metric_t *st = cd_metric_counter("ev_total", "type=\"complaint.stored\"", "Events.");
    cd_metric_add(rx, 2);
    cd_metric_add(st, 5);
    cd_metric_set(other, 1);
    const char *out = s_render();
    cr_assert_eq(s_count(out, "# HELP ev_total"), 1, "%s", out);
    cr_assert_eq(s_count(out, "# TYPE ev_total"), 1, "%s", out);
    cr_assert_str_eq(out, "# HELP ev_total Events.\n"
                          "# TYPE ev_total counter\n"
                          "ev_total{type=\"complaint.received\"} 2\n"
                          "ev_total{type=\"complaint.stored\"} 5\n"
                          "# HELP other Other.\n"
                          "# TYPE other gauge\n"
                          "other 1\n");
}

Test(metrics, add_accumulates_and_value_reads_back)
{
    cd_metric_t *m = cd_metric_counter("n_total", NULL, "n");
    cr_assert_eq(cd_metric_value(m), 0.0);
    cd_metric_add(m, 1);
    cd_metric_add(m, 2.5);
    cr_assert_eq(cd_metric_value(m), 3.5);
}

Test(metrics, null_metric_is_safe)
{
    cd_metric_add(NULL, 1);
    cd_metric_set(NULL, 1);
    cr_assert_eq(cd_metric_value(NULL), 0.0);
}

Test(metrics, reset_drops_everything)
{
    cd_metric_add(cd_metric_counter("a_total", NULL, "a"), 1);
    cd_metrics_reset();
    cr_assert_str_eq(s_render(), "");
    cd_metric_t *m = cd_metric_counter("a_total", NULL, "a");
    cr_assert_eq(cd_metric_value(m), 0.0, "a fresh metric after reset");
}

Test(metrics, integers_print_without_exponent)
{
    cr_assert_str_eq(s_value_text(1e6), "1000000\n");
    cr_assert_str_eq(s_value_text(0), "0\n");
    cr_assert_str_eq(s_value_text(-0.0), "0\n");
    cr_assert_str_eq(s_value_text(-42), "-42\n");
    cr_assert_str_eq(s_value_text(9007199254740993.0), "9007199254740992\n");
    cr_assert_str_eq(s_value_text(1e18), "1000000000000000000\n");
}

Test(metrics, integers_beyond_int64_fall_back_to_g)
{
    cr_assert_str_eq(s_value_text(9223372036854775808.0), "9.2233720368547758e+18\n");
    cr_assert_str_eq(s_value_text(1e300), "1.0000000000000001e+300\n");
}

Test(metrics, fractions_print_with_17_significant_digits)
{
    cr_assert_str_eq(s_value_text(0.5), "0.5\n");
    cr_assert_str_eq(s_value_text(0.1), "0.10000000000000001\n");
    cr_assert_str_eq(s_value_text(1.5e-7), "1.4999999999999999e-07\n");
    // Round trip: what Prometheus parses is exactly the stored double.
    cr_assert_eq(strtod(s_value_text(1.0 / 3.0), NULL), 1.0 / 3.0);
}

Test(metrics, special_values_use_prometheus_spelling)
{
    cr_assert_str_eq(s_value_text(NAN), "NaN\n");
    cr_assert_str_eq(s_value_text(INFINITY), "+Inf\n");
    cr_assert_str_eq(s_value_text(-INFINITY), "-Inf\n");
}

Test(metrics, help_escapes_backslash_and_newline)
{
    cd_metric_gauge("h", NULL, "path C:\\tmp\nsecond line");
    cr_assert_str_eq(s_render(), "# HELP h path C:\\\\tmp\\nsecond line\n"
                                 "# TYPE h gauge\n"
                                 "h 0\n");
}

Test(metrics, null_help_omits_help_line)
{
    cd_metric_gauge("h", NULL, NULL);
    cr_assert_str_eq(s_render(), "# TYPE h gauge\nh 0\n");
}

Test(metrics, pointers_stay_valid_as_registry_grows)
{
    cd_metric_t *first = cd_metric_counter("first_total", NULL, "first");
    char name[32];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "m%d", i);
        cd_metric_gauge(name, NULL, "filler");
    }
    cd_metric_add(first, 7);
    cr_assert_eq(cd_metric_value(cd_metric_counter("first_total", NULL, "first")), 7.0);
}

/* Misuse asserts; a Release build (NDEBUG) has no asserts to test. */
#ifndef NDEBUG
Test(metrics, negative_add_to_counter_is_a_bug, .signal = SIGABRT)
{
    cd_metric_add(cd_metric_counter("c_total", NULL, "c"), -1);
}

Test(metrics, counter_and_gauge_with_one_name_is_a_bug, .signal = SIGABRT)
{
    cd_metric_counter("x", NULL, "x");
    cd_metric_gauge("x", NULL, "x");
}

Test(metrics, invalid_metric_name_is_a_bug, .signal = SIGABRT)
{
    cd_metric_counter("bad-name", NULL, "x");
}
#endif
