/* targets_cmd.c - `candourctl targets set|list`: the benchmarking targets
 * (L3), data in reporting.target (migration 0031), which the benchmark
 * report reads. Set directly over the admin connection (CANDOUR_DB_URL),
 * the operator named in set_by. An indicator is one of benchmark.h's. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark.h"
#include "ctl.h"

#define S_USAGE_TEXT                                                                               \
    "Usage: candourctl targets set INDICATOR VALUE [--direction higher|lower]\n"                   \
    "       candourctl targets list\n"                                                             \
    "INDICATOR: acknowledged_in_3_days, responded_in_time, median_days_to_response,\n"             \
    "extended, upheld, ombudsman_referred, ombudsman_upheld. VALUE: a proportion 0 to 1\n"         \
    "(0.9 for 90%), or working days for median_days_to_response. The direction is the\n"           \
    "indicator's own unless given (upheld has none: give it). Uses CANDOUR_DB_URL (admin).\n"

static int s_usage(int rc)
{
    fputs(S_USAGE_TEXT, rc ? stderr : stdout);
    return rc;
}

static int s_set(int argc, char **argv)
{
    static const struct option opts[] = {
        {"direction", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *dir = NULL;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        if (c == 'd')
            dir = optarg;
        else
            return s_usage(c == 'h' ? 0 : 2);
    }
    if (optind != argc - 2)
        return s_usage(2);
    const char *name = argv[optind], *vs = argv[optind + 1];
    int ind = bm_indicator_from_name(name);
    if (ind < 0) {
        fprintf(stderr, "candourctl targets: no indicator %s\n", name);
        return 2;
    }
    char *end;
    double v = strtod(vs, &end);
    if (*end || !isfinite(v) || v < 0 || (ind != BM_MEDIAN_DAYS && v > 1)) {
        fprintf(stderr, "candourctl targets: %s: a value from 0 to 1%s\n", vs,
                ind == BM_MEDIAN_DAYS ? " (or working days for the median)" : "");
        return 2;
    }
    if (!dir) {
        spc_direction_t d = bm_indicator_direction((bm_indicator_t)ind);
        if (d == SPC_NEITHER) {
            fprintf(stderr, "candourctl targets: %s has no better direction: give --direction\n",
                    name);
            return 2;
        }
        dir = d == SPC_LOWER_BETTER ? "lower" : "higher";
    } else if (strcmp(dir, "higher") != 0 && strcmp(dir, "lower") != 0) {
        fprintf(stderr, "candourctl targets: --direction higher or lower\n");
        return 2;
    }
    char actor[256];
    if (ctl_ops_actor(actor, sizeof actor, "targets") != 0)
        return 2;
    PGconn *c = ctl_db_connect("targets");
    if (!c)
        return 3;
    const char *p[4] = {name, vs, dir, actor};
    int rc = ctl_db_exec(c, "targets",
                         "INSERT INTO reporting.target (indicator, value, direction, set_by)"
                         " VALUES ($1, $2::double precision, $3, $4)"
                         " ON CONFLICT (indicator) DO UPDATE SET value = EXCLUDED.value,"
                         " direction = EXCLUDED.direction, set_by = EXCLUDED.set_by,"
                         " set_at = now()",
                         4, p);
    PQfinish(c);
    if (rc != 0)
        return 1;
    printf("target %s: %s (%s is better)\n", name, vs, dir);
    return 0;
}

static int s_list(void)
{
    PGconn *c = ctl_db_connect("targets");
    if (!c)
        return 3;
    PGresult *r = ctl_db_query(c, "targets",
                               "SELECT indicator, value::text, direction, set_by,"
                               " to_char(set_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
                               " FROM reporting.target ORDER BY indicator",
                               0, NULL);
    if (!r) {
        PQfinish(c);
        return 1;
    }
    static const char *const heads[] = {"INDICATOR", "VALUE", "BETTER", "SET BY", "SET AT (UTC)"};
    ctl_print_table(r, heads, 5);
    PQclear(r);
    PQfinish(c);
    return 0;
}

int ctl_targets(int argc, char **argv)
{
    if (argc < 2)
        return s_usage(2);
    if (strcmp(argv[1], "set") == 0)
        return s_set(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0 && argc == 2)
        return s_list();
    return s_usage(strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ? 0 : 2);
}
