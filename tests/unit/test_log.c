/* test_log.c - unit tests for log.c: the JSON line on stdout, the level
 * filter, and what happens to bad input.
 *
 * stdout (fd 1) is pointed at a temporary file for the test, then each line
 * is read back and parsed with jansson, so the tests check what a log
 * shipper would see. Criterion runs each test in its own process, so the
 * logger's settings start fresh every time. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "candour/log.h"
#include "candour/util.h"

static FILE *s_sink;        // where fd 1 points during the test
static int s_saved_fd = -1; // the real stdout
static char *s_output;      // what was written, after s_capture_end()

static void s_capture_begin(void)
{
    fflush(stdout);
    s_sink = tmpfile();
    cr_assert_not_null(s_sink);
    s_saved_fd = dup(STDOUT_FILENO);
    cr_assert_geq(s_saved_fd, 0);
    cr_assert_geq(dup2(fileno(s_sink), STDOUT_FILENO), 0);
}

/* Restore stdout and return everything written to it (owned by the test). */
static const char *s_capture_end(void)
{
    fflush(stdout);
    dup2(s_saved_fd, STDOUT_FILENO);
    close(s_saved_fd);
    long len = ftell(s_sink);
    cr_assert_geq(len, 0);
    s_output = calloc(1, (size_t)len + 1);
    rewind(s_sink);
    cr_assert_eq(fread(s_output, 1, (size_t)len, s_sink), (size_t)len);
    fclose(s_sink);
    return s_output;
}

static void s_teardown(void)
{
    free(s_output);
    s_output = NULL;
}

TestSuite(log, .fini = s_teardown);

static int s_count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Parse the only line of out as a JSON object. */
static json_t *s_parse_one(const char *out)
{
    cr_assert_eq(s_count_lines(out), 1, "want exactly one line, got: %s", out);
    size_t len = strlen(out);
    cr_assert_eq(out[len - 1], '\n');
    json_error_t err;
    json_t *j = json_loadb(out, len - 1, 0, &err);
    cr_assert_not_null(j, "not JSON (%s): %s", err.text, out);
    cr_assert(json_is_object(j));
    return j;
}

static const char *s_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    cr_assert(json_is_string(v), "field %s missing or not a string", key);
    return json_string_value(v);
}

Test(log, line_has_fixed_fields_then_caller_fields)
{
    cr_assert_eq(cd_log_init("intake", "info"), 0);
    s_capture_begin();
    cd_log_info("complaint.stored", "{s:s, s:I, s:b}", "ref", "C-2026-000123", "bytes",
                (json_int_t)4096, "urgent", 1);
    const char *out = s_capture_end();

    cr_assert(strncmp(out, "{\"ts\":", 6) == 0, "ts first, compact: %s", out);
    json_t *j = s_parse_one(out);
    cr_assert_str_eq(s_str(j, "level"), "info");
    cr_assert_str_eq(s_str(j, "service"), "intake");
    cr_assert_str_eq(s_str(j, "event"), "complaint.stored");
    cr_assert_str_eq(s_str(j, "ref"), "C-2026-000123");
    cr_assert(json_is_integer(json_object_get(j, "bytes")), "types kept");
    cr_assert_eq(json_integer_value(json_object_get(j, "bytes")), 4096);
    cr_assert(json_is_true(json_object_get(j, "urgent")));
    cr_assert_eq(json_object_size(j), 7);
    cr_assert_null(strstr(out, ": "), "JSON_COMPACT has no spaces after colons");
    json_decref(j);
}

Test(log, ts_is_rfc3339_utc_ms_of_now)
{
    char before[32], after[32];
    cd_format_rfc3339(cd_now_us(), before);
    s_capture_begin();
    cd_log_info("tick", NULL);
    const char *out = s_capture_end();
    cd_format_rfc3339(cd_now_us(), after);

    json_t *j = s_parse_one(out);
    const char *ts = s_str(j, "ts");
    cr_assert_eq(strlen(ts), 24, "%s", ts);
    cr_assert_eq(ts[10], 'T');
    cr_assert_eq(ts[19], '.');
    cr_assert_eq(ts[23], 'Z');
    // Fixed-width timestamps order as strings.
    cr_assert(strcmp(before, ts) <= 0 && strcmp(ts, after) <= 0, "%s not in [%s, %s]", ts, before,
              after);
    json_decref(j);
}

Test(log, null_format_writes_only_fixed_fields)
{
    s_capture_begin();
    cd_log_warn("queue.full", NULL);
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_eq(json_object_size(j), 4);
    cr_assert_str_eq(s_str(j, "level"), "warn");
    json_decref(j);
}

Test(log, defaults_before_init_are_info_and_unknown_service)
{
    s_capture_begin();
    cd_log_debug("dropped", NULL);
    cd_log_info("kept", NULL);
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_str_eq(s_str(j, "event"), "kept");
    cr_assert_str_eq(s_str(j, "service"), "unknown");
    json_decref(j);
}

Test(log, level_filter_drops_below_and_keeps_at_or_above)
{
    cr_assert_eq(cd_log_init("routing", "warn"), 0);
    s_capture_begin();
    cd_log_debug("a", NULL);
    cd_log_info("b", NULL);
    cd_log_warn("c", NULL);
    cd_log_error("d", NULL);
    const char *out = s_capture_end();
    cr_assert_eq(s_count_lines(out), 2, "%s", out);
    cr_assert_null(strstr(out, "\"event\":\"b\""));
    cr_assert_not_null(strstr(out, "\"level\":\"warn\",\"service\":\"routing\",\"event\":\"c\""));
    cr_assert_not_null(strstr(out, "\"level\":\"error\",\"service\":\"routing\",\"event\":\"d\""));
}

Test(log, level_debug_writes_everything)
{
    cr_assert_eq(cd_log_init("notify", "debug"), 0);
    s_capture_begin();
    cd_log_debug("a", NULL);
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_str_eq(s_str(j, "level"), "debug");
    json_decref(j);
}

Test(log, level_error_drops_warn)
{
    cr_assert_eq(cd_log_init("notify", "error"), 0);
    s_capture_begin();
    cd_log_warn("a", NULL);
    cd_log_error("b", NULL);
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_str_eq(s_str(j, "event"), "b");
    json_decref(j);
}

Test(log, init_rejects_unknown_level_and_keeps_settings)
{
    cr_assert_eq(cd_log_init("signoff", "warn"), 0);
    cr_assert_eq(cd_log_init("other", "verbose"), -1);
    cr_assert_eq(cd_log_init("other", "INFO"), -1, "level names are lower case");
    cr_assert_eq(cd_log_init("other", ""), -1);
    cr_assert_eq(cd_log_init("other", NULL), -1);
    s_capture_begin();
    cd_log_info("dropped", NULL);
    cd_log_warn("kept", NULL);
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_str_eq(s_str(j, "service"), "signoff");
    json_decref(j);
}

Test(log, caller_cannot_overwrite_fixed_fields)
{
    cr_assert_eq(cd_log_init("gateway", "info"), 0);
    s_capture_begin();
    cd_log_info("real.event", "{s:s, s:s, s:s, s:s}", "level", "debug", "service", "forged",
                "event", "forged", "ts", "1999");
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_str_eq(s_str(j, "level"), "info");
    cr_assert_str_eq(s_str(j, "service"), "gateway");
    cr_assert_str_eq(s_str(j, "event"), "real.event");
    cr_assert_str_neq(s_str(j, "ts"), "1999");
    json_decref(j);
}

Test(log, null_string_argument_is_logged_as_error_not_lost)
{
    s_capture_begin();
    cd_log_info("complaint.stored", "{s:s}", "ref", (const char *)NULL);
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_str_eq(s_str(j, "event"), "complaint.stored");
    cr_assert_null(json_object_get(j, "ref"));
    cr_assert_str_neq(s_str(j, "log_error"), "");
    json_decref(j);
}

Test(log, non_object_format_is_logged_as_error)
{
    s_capture_begin();
    cd_log_info("x", "s", "just a string");
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_str_eq(s_str(j, "log_error"), "log format is not an object");
    json_decref(j);
}

Test(log, invalid_utf8_value_is_logged_as_error)
{
    s_capture_begin();
    cd_log_info("x", "{s:s}", "v", "bad\xC0\x80");
    const char *out = s_capture_end();
    json_t *j = s_parse_one(out);
    cr_assert_not_null(json_object_get(j, "log_error"));
    cr_assert_null(json_object_get(j, "v"));
    json_decref(j);
}

Test(log, special_characters_are_escaped_on_one_line)
{
    const char *nasty = "quote\" backslash\\ newline\n tab\t ctl\x01 end";
    s_capture_begin();
    cd_log_info("x", "{s:s}", "v", nasty);
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_str_eq(s_str(j, "v"), nasty);
    json_decref(j);
}

Test(log, long_line_arrives_whole)
{
    // Bigger than a stdio buffer and a pipe's atomic size, to catch a line
    // written in pieces or truncated.
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    s_capture_begin();
    cd_log_info("x", "{s:s}", "v", big);
    json_t *j = s_parse_one(s_capture_end());
    cr_assert_eq(strlen(s_str(j, "v")), n);
    json_decref(j);
    free(big);
}

Test(log, earlier_stdio_output_stays_before_the_line)
{
    s_capture_begin();
    printf("banner\n"); // buffered: stdout is a file now
    cd_log_info("x", NULL);
    const char *out = s_capture_end();
    cr_assert(strncmp(out, "banner\n{", 8) == 0, "got: %s", out);
}

Test(log, each_call_is_its_own_line)
{
    s_capture_begin();
    for (int i = 0; i < 3; i++)
        cd_log_info("n", "{s:i}", "i", i);
    const char *out = s_capture_end();
    cr_assert_eq(s_count_lines(out), 3, "%s", out);
    const char *p = out;
    for (int i = 0; i < 3; i++) {
        const char *nl = strchr(p, '\n');
        json_error_t err;
        json_t *j = json_loadb(p, (size_t)(nl - p), 0, &err);
        cr_assert_not_null(j, "%s", err.text);
        cr_assert_eq(json_integer_value(json_object_get(j, "i")), i);
        json_decref(j);
        p = nl + 1;
    }
}
