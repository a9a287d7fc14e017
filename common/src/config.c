/* config.c - load a daemon's settings from the environment, by table.
 *
 * A daemon describes each setting once (cd_config_item_t); this file reads,
 * checks and stores every value, and prints the same table for --help. A bad
 * value stops start-up with a message naming the variable, the value and
 * what is allowed, because a daemon that guesses is worse than one that
 * refuses to start. */
#include "candour/config.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Write a message into err if the caller gave room for one; always -1. */
static int s_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Strictly parse a decimal long: optional '-', then digits, nothing else.
 * strtol alone would accept leading spaces, a '+', "0x" hex with base 0
 * and trailing junk, and would clamp out-of-range values silently. */
static bool s_parse_long(const char *s, long *out)
{
    const char *digits = s[0] == '-' ? s + 1 : s;
    if (*digits < '0' || *digits > '9')
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* The words we accept for a boolean, any case; index parity is the value. */
static const char *const s_bool_words[] = {"0", "1", "false", "true", "no", "yes", "off", "on"};

static bool s_parse_bool(const char *s, int *out)
{
    for (size_t i = 0; i < sizeof s_bool_words / sizeof *s_bool_words; i++)
        if (strcasecmp(s, s_bool_words[i]) == 0) {
            *out = (int)(i % 2);
            return true;
        }
    return false;
}

/* Where the value came from, for the error message: an operator fixes the
 * environment, a developer fixes a bad default in the table. */
static const char *s_origin(bool from_env)
{
    return from_env ? "" : " (the default)";
}

static int s_load_int(const cd_config_item_t *it, const char *v, bool from_env, char *err,
                      size_t errlen)
{
    long n;
    if (!s_parse_long(v, &n) || n < it->min || n > it->max)
        return s_fail(err, errlen,
                      "%s=\"%s\"%s is not allowed: expected a whole number from %ld to %ld",
                      it->name, v, s_origin(from_env), it->min, it->max);
    *(long *)it->target = n;
    return 0;
}

static int s_load_bool(const cd_config_item_t *it, const char *v, bool from_env, char *err,
                       size_t errlen)
{
    int b;
    if (!s_parse_bool(v, &b))
        return s_fail(err, errlen,
                      "%s=\"%s\"%s is not allowed: expected 1/0, true/false, yes/no or on/off",
                      it->name, v, s_origin(from_env));
    *(int *)it->target = b;
    return 0;
}

/* The raw text for one item: the environment, else the default. An empty
 * INT or BOOL counts as unset (a blank line in an env file means "default");
 * an empty STRING is a deliberate empty value. NULL means required and unset. */
static const char *s_raw_value(const cd_config_item_t *it, bool *from_env)
{
    const char *v = getenv(it->name);
    if (v && v[0] == '\0' && it->type != CD_CONFIG_STRING)
        v = NULL;
    *from_env = v != NULL;
    return v ? v : it->def;
}

static int s_load_item(const cd_config_item_t *it, char *err, size_t errlen)
{
    assert(it->name && it->target);
    bool from_env;
    const char *v = s_raw_value(it, &from_env);
    if (!v)
        return s_fail(err, errlen, "%s is required but not set: %s", it->name,
                      it->help ? it->help : "no description");
    switch (it->type) {
    case CD_CONFIG_STRING:
        *(const char **)it->target = v;
        return 0;
    case CD_CONFIG_INT:
        assert(it->min <= it->max);
        return s_load_int(it, v, from_env, err, errlen);
    case CD_CONFIG_BOOL:
        return s_load_bool(it, v, from_env, err, errlen);
    }
    assert(!"unknown cd_config_type_t");
    return -1;
}

/* Load every item in order, stopping at the first bad or missing one.
 * Returns 0, or -1 with a message in err (if err is not NULL). On failure
 * the targets of earlier items are already filled and later ones untouched:
 * callers are expected to exit. STRING targets point into the environment
 * or the table, so do not setenv/unsetenv those names afterwards. Values of
 * STRING items never appear in messages (they may be secrets such as a
 * database URL); INT and BOOL values do. */
int cd_config_load(const cd_config_item_t *items, int n, char *err, size_t errlen)
{
    assert(n >= 0 && (items || n == 0));
    if (err && errlen > 0)
        err[0] = '\0';
    for (int i = 0; i < n; i++)
        if (s_load_item(&items[i], err, errlen) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------ help */

static const char *s_default_text(const cd_config_item_t *it)
{
    if (!it->def)
        return "(required)";
    return it->def[0] ? it->def : "\"\"";
}

/* What values the item takes, shown after its help text. */
static void s_print_allowed(FILE *out, const cd_config_item_t *it)
{
    if (it->type == CD_CONFIG_INT)
        fprintf(out, " [%ld..%ld]", it->min, it->max);
    else if (it->type == CD_CONFIG_BOOL)
        fprintf(out, " [true/false]");
}

/* Print one row per item: name, default, help and allowed values, with the
 * name and default columns padded to the widest entry so they line up. */
void cd_config_print_help(FILE *out, const cd_config_item_t *items, int n)
{
    assert(out && n >= 0 && (items || n == 0));
    int name_w = (int)strlen("VARIABLE"), def_w = (int)strlen("DEFAULT");
    for (int i = 0; i < n; i++) {
        int nw = (int)strlen(items[i].name), dw = (int)strlen(s_default_text(&items[i]));
        name_w = nw > name_w ? nw : name_w;
        def_w = dw > def_w ? dw : def_w;
    }
    fprintf(out, "  %-*s  %-*s  %s\n", name_w, "VARIABLE", def_w, "DEFAULT", "DESCRIPTION");
    for (int i = 0; i < n; i++) {
        const cd_config_item_t *it = &items[i];
        fprintf(out, "  %-*s  %-*s  %s", name_w, it->name, def_w, s_default_text(it),
                it->help ? it->help : "");
        s_print_allowed(out, it);
        fputc('\n', out);
    }
}
