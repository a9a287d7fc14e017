/* test_config.c - unit tests for config.c: loading typed settings from the
 * environment, the messages for bad values, and the --help table.
 *
 * Criterion runs each test in its own process, so setenv() here cannot leak
 * into another test. */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/config.h"

static char s_err[256];

/* Load a one-item INT table with the given env value (NULL = unset). */
static int s_load_int(const char *env, const char *def, long min, long max, long *out)
{
    if (env)
        setenv("CD_TEST_INT", env, 1);
    else
        unsetenv("CD_TEST_INT");
    cd_config_item_t items[] = {
        {"CD_TEST_INT", CD_CONFIG_INT, def, min, max, "a number", out},
    };
    return cd_config_load(items, 1, s_err, sizeof s_err);
}

static int s_load_bool(const char *env, const char *def, int *out)
{
    if (env)
        setenv("CD_TEST_BOOL", env, 1);
    else
        unsetenv("CD_TEST_BOOL");
    cd_config_item_t items[] = {
        {"CD_TEST_BOOL", CD_CONFIG_BOOL, def, 0, 0, "a switch", out},
    };
    return cd_config_load(items, 1, s_err, sizeof s_err);
}

static void s_expect_int(const char *env, long min, long max, long want)
{
    long v = 12345;
    cr_assert_eq(s_load_int(env, "7", min, max, &v), 0, "%s: %s", env, s_err);
    cr_assert_eq(v, want, "%s", env);
    cr_assert_str_empty(s_err);
}

static void s_expect_bad_int(const char *env, long min, long max)
{
    long v = 12345;
    cr_assert_eq(s_load_int(env, "7", min, max, &v), -1, "%s accepted", env);
    cr_assert_eq(v, 12345, "target untouched on failure");
    cr_assert_not_null(strstr(s_err, "CD_TEST_INT"), "names the variable: %s", s_err);
}

/* --------------------------------------------------------------- strings */

Test(config, string_comes_from_environment)
{
    const char *v = NULL;
    setenv("CD_TEST_BIND", "tcp://*:5555", 1);
    cd_config_item_t items[] = {
        {"CD_TEST_BIND", CD_CONFIG_STRING, "tcp://*:1", 0, 0, "bind", &v},
    };
    cr_assert_eq(cd_config_load(items, 1, s_err, sizeof s_err), 0);
    cr_assert_str_eq(v, "tcp://*:5555");
}

Test(config, string_falls_back_to_default_when_unset)
{
    const char *v = NULL;
    unsetenv("CD_TEST_BIND");
    cd_config_item_t items[] = {
        {"CD_TEST_BIND", CD_CONFIG_STRING, "tcp://*:1", 0, 0, "bind", &v},
    };
    cr_assert_eq(cd_config_load(items, 1, s_err, sizeof s_err), 0);
    cr_assert_str_eq(v, "tcp://*:1");
}

Test(config, string_empty_is_a_value_not_unset)
{
    const char *v = NULL;
    setenv("CD_TEST_PREFIX", "", 1);
    cd_config_item_t items[] = {
        {"CD_TEST_PREFIX", CD_CONFIG_STRING, "default", 0, 0, "prefix", &v},
    };
    cr_assert_eq(cd_config_load(items, 1, s_err, sizeof s_err), 0);
    cr_assert_str_eq(v, "");
}

Test(config, required_string_unset_is_an_error_naming_it)
{
    const char *v = NULL;
    unsetenv("CD_TEST_DB_URL");
    cd_config_item_t items[] = {
        {"CD_TEST_DB_URL", CD_CONFIG_STRING, NULL, 0, 0, "database URL", &v},
    };
    cr_assert_eq(cd_config_load(items, 1, s_err, sizeof s_err), -1);
    cr_assert_not_null(strstr(s_err, "CD_TEST_DB_URL"), "%s", s_err);
    cr_assert_not_null(strstr(s_err, "required"), "%s", s_err);
    cr_assert_null(v);
}

Test(config, required_string_set_is_loaded)
{
    const char *v = NULL;
    setenv("CD_TEST_DB_URL", "postgresql:///candour", 1);
    cd_config_item_t items[] = {
        {"CD_TEST_DB_URL", CD_CONFIG_STRING, NULL, 0, 0, "database URL", &v},
    };
    cr_assert_eq(cd_config_load(items, 1, s_err, sizeof s_err), 0, "%s", s_err);
    cr_assert_str_eq(v, "postgresql:///candour");
}

/* ------------------------------------------------------------------ ints */

Test(config, int_accepts_min_and_max)
{
    s_expect_int("1", 1, 65535, 1);
    s_expect_int("65535", 1, 65535, 65535);
    s_expect_int("8080", 1, 65535, 8080);
}

Test(config, int_rejects_min_minus_one_and_max_plus_one)
{
    s_expect_bad_int("0", 1, 65535);
    s_expect_bad_int("65536", 1, 65535);
}

Test(config, int_message_names_value_and_range)
{
    long v;
    cr_assert_eq(s_load_int("70000", "7", 1, 65535, &v), -1);
    cr_assert_not_null(strstr(s_err, "CD_TEST_INT=\"70000\""), "%s", s_err);
    cr_assert_not_null(strstr(s_err, "from 1 to 65535"), "%s", s_err);
    cr_assert_null(strstr(s_err, "default"), "not blamed on the default: %s", s_err);
}

Test(config, int_negative_range_boundaries)
{
    s_expect_int("-10", -10, -1, -10);
    s_expect_int("-1", -10, -1, -1);
    s_expect_bad_int("-11", -10, -1);
    s_expect_bad_int("0", -10, -1);
}

Test(config, int_rejects_junk_and_loose_forms)
{
    s_expect_bad_int("12abc", 0, 100);
    s_expect_bad_int("12 ", 0, 100);
    s_expect_bad_int(" 12", 0, 100);
    s_expect_bad_int("+12", 0, 100);
    s_expect_bad_int("0x10", 0, 100);
    s_expect_bad_int("1.5", 0, 100);
    s_expect_bad_int("1e2", 0, 100);
    s_expect_bad_int("-", 0, 100);
    s_expect_bad_int("--1", -100, 100);
    s_expect_bad_int("abc", 0, 100);
}

Test(config, int_leading_zeros_are_decimal)
{
    s_expect_int("010", 0, 100, 10);
}

Test(config, int_long_limits_and_overflow)
{
    s_expect_int("9223372036854775807", LONG_MIN, LONG_MAX, LONG_MAX);
    s_expect_bad_int("9223372036854775808", LONG_MIN, LONG_MAX);
    s_expect_int("-9223372036854775808", LONG_MIN, LONG_MAX, LONG_MIN);
    s_expect_bad_int("-9223372036854775809", LONG_MIN, LONG_MAX);
    s_expect_bad_int("99999999999999999999999", LONG_MIN, LONG_MAX);
}

Test(config, int_unset_or_empty_uses_default)
{
    s_expect_int(NULL, 0, 100, 7);
    s_expect_int("", 0, 100, 7);
}

Test(config, int_required_empty_is_an_error)
{
    long v = 3;
    cr_assert_eq(s_load_int("", NULL, 0, 100, &v), -1);
    cr_assert_not_null(strstr(s_err, "CD_TEST_INT is required"), "%s", s_err);
    cr_assert_eq(v, 3);
}

Test(config, int_bad_default_is_reported_as_the_default)
{
    long v = 3;
    cr_assert_eq(s_load_int(NULL, "500", 0, 100, &v), -1);
    cr_assert_not_null(strstr(s_err, "\"500\" (the default)"), "%s", s_err);
}

/* ----------------------------------------------------------------- bools */

Test(config, bool_accepts_each_spelling_any_case)
{
    const char *yes[] = {"1", "true", "yes", "on", "TRUE", "Yes", "oN"};
    const char *no[] = {"0", "false", "no", "off", "FALSE", "No", "OFF"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        int b = -1;
        cr_assert_eq(s_load_bool(yes[i], "0", &b), 0, "%s", yes[i]);
        cr_assert_eq(b, 1, "%s", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        int b = -1;
        cr_assert_eq(s_load_bool(no[i], "1", &b), 0, "%s", no[i]);
        cr_assert_eq(b, 0, "%s", no[i]);
    }
}

Test(config, bool_rejects_other_words_with_allowed_list)
{
    const char *bad[] = {"2", "y", "n", "enabled", " true", "true ", "-1", "truee"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int b = -1;
        cr_assert_eq(s_load_bool(bad[i], "0", &b), -1, "%s accepted", bad[i]);
        cr_assert_eq(b, -1);
        cr_assert_not_null(strstr(s_err, "CD_TEST_BOOL"), "%s", s_err);
        cr_assert_not_null(strstr(s_err, "true/false"), "%s", s_err);
    }
}

Test(config, bool_unset_or_empty_uses_default)
{
    int b = -1;
    cr_assert_eq(s_load_bool(NULL, "yes", &b), 0);
    cr_assert_eq(b, 1);
    b = -1;
    cr_assert_eq(s_load_bool("", "off", &b), 0);
    cr_assert_eq(b, 0);
}

Test(config, bool_required_unset_is_an_error)
{
    int b = -1;
    cr_assert_eq(s_load_bool("", NULL, &b), -1);
    cr_assert_not_null(strstr(s_err, "required"), "%s", s_err);
}

/* ---------------------------------------------------------------- tables */

Test(config, loads_a_mixed_table)
{
    const char *bind = NULL;
    long port = 0;
    int tls = -1;
    setenv("CD_T_BIND", "0.0.0.0", 1);
    unsetenv("CD_T_PORT");
    setenv("CD_T_TLS", "on", 1);
    cd_config_item_t items[] = {
        {"CD_T_BIND", CD_CONFIG_STRING, "127.0.0.1", 0, 0, "address", &bind},
        {"CD_T_PORT", CD_CONFIG_INT, "8080", 1, 65535, "port", &port},
        {"CD_T_TLS", CD_CONFIG_BOOL, "false", 0, 0, "TLS", &tls},
    };
    cr_assert_eq(cd_config_load(items, 3, s_err, sizeof s_err), 0, "%s", s_err);
    cr_assert_str_eq(bind, "0.0.0.0");
    cr_assert_eq(port, 8080);
    cr_assert_eq(tls, 1);
}

Test(config, stops_at_first_bad_item_and_names_it)
{
    long a = 0, b = 0;
    setenv("CD_T_A", "x", 1);
    setenv("CD_T_B", "y", 1);
    cd_config_item_t items[] = {
        {"CD_T_A", CD_CONFIG_INT, "1", 0, 9, "a", &a},
        {"CD_T_B", CD_CONFIG_INT, "1", 0, 9, "b", &b},
    };
    cr_assert_eq(cd_config_load(items, 2, s_err, sizeof s_err), -1);
    cr_assert_not_null(strstr(s_err, "CD_T_A"), "%s", s_err);
    cr_assert_null(strstr(s_err, "CD_T_B"), "%s", s_err);
}

Test(config, empty_table_loads)
{
    cr_assert_eq(cd_config_load(NULL, 0, s_err, sizeof s_err), 0);
}

Test(config, error_buffer_may_be_null_or_small)
{
    long v = 0;
    setenv("CD_TEST_INT", "bad", 1);
    cd_config_item_t items[] = {
        {"CD_TEST_INT", CD_CONFIG_INT, "1", 0, 9, "n", &v},
    };
    cr_assert_eq(cd_config_load(items, 1, NULL, 0), -1);
    char small[8];
    memset(small, 'z', sizeof small);
    cr_assert_eq(cd_config_load(items, 1, small, sizeof small), -1);
    cr_assert_eq(small[7], '\0', "truncated but terminated");
    cr_assert_str_eq(small, "CD_TEST");
}

/* ------------------------------------------------------------------ help */

static char *s_help(const cd_config_item_t *items, int n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    cd_config_print_help(f, items, n);
    fclose(f);
    return buf;
}

Test(config, help_lists_every_item_in_aligned_columns)
{
    long port;
    int tls;
    const char *url;
    cd_config_item_t items[] = {
        {"CANDOUR_INTAKE_PORT", CD_CONFIG_INT, "8080", 1, 65535, "HTTP port", &port},
        {"CD_TLS", CD_CONFIG_BOOL, "false", 0, 0, "serve TLS", &tls},
        {"CANDOUR_DB_URL", CD_CONFIG_STRING, NULL, 0, 0, "database URL", &url},
    };
    char *out = s_help(items, 3);
    const char *want[] = {
        "  VARIABLE             DEFAULT     DESCRIPTION\n",
        "  CANDOUR_INTAKE_PORT  8080        HTTP port [1..65535]\n",
        "  CD_TLS               false       serve TLS [true/false]\n",
        "  CANDOUR_DB_URL       (required)  database URL\n",
    };
    char joined[512] = "";
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        strncat(joined, want[i], sizeof joined - strlen(joined) - 1);
    cr_assert_str_eq(out, joined);
    free(out);
}

Test(config, help_shows_empty_default_visibly)
{
    const char *v;
    cd_config_item_t items[] = {
        {"CD_PREFIX", CD_CONFIG_STRING, "", 0, 0, "prefix", &v},
    };
    char *out = s_help(items, 1);
    cr_assert_not_null(strstr(out, "CD_PREFIX  \"\"       prefix"), "%s", out);
    free(out);
}
