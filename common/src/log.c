/* log.c - structured logging: one compact JSON object per line on stdout.
 *
 * Daemons log to stdout and let the platform (systemd, the container
 * runtime) ship the lines, so this file only has to make each line whole,
 * parseable and prompt. Lines are built with jansson, never by hand, so any
 * string a caller passes is escaped correctly.
 *
 * State is two process-wide settings (service name, lowest level) written
 * once at start-up by cd_log_init(); cd_log() only reads them. */
#include "candour/log.h"
#include "candour/util.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#define S_SERVICE_MAX 64

static char s_service[S_SERVICE_MAX] = "unknown"; // written on every line
static cd_log_level_t s_min_level = CD_LOG_INFO;  // lines below this are dropped

static const char *const s_level_names[] = {"debug", "info", "warn", "error"};

/* Name -> level; -1 if the name is not one of ours. */
static int s_level_parse(const char *name)
{
    for (int i = 0; i < (int)(sizeof s_level_names / sizeof *s_level_names); i++)
        if (strcmp(name, s_level_names[i]) == 0)
            return i;
    return -1;
}

/* Set the service name and the lowest level written. On an unknown level
 * returns -1 and changes nothing, so a daemon can report the bad value and
 * still log with the defaults ("unknown", info). A service name longer than
 * 63 bytes is truncated. Call before any thread logs: the settings are not
 * locked. */
int cd_log_init(const char *service, const char *level)
{
    assert(service);
    int lv = level ? s_level_parse(level) : -1;
    if (lv < 0)
        return -1;
    snprintf(s_service, sizeof s_service, "%s", service);
    s_min_level = (cd_log_level_t)lv;
    return 0;
}

/* The object with the fixed fields, in the order a human scans them. */
static json_t *s_line_new(cd_log_level_t level, const char *event)
{
    char ts[32];
    cd_format_rfc3339(cd_now_us(), ts);
    return json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level", s_level_names[level], "service",
                     s_service, "event", event);
}

/* Add the caller's fields. A bad format or argument (not an object, NULL
 * string, invalid UTF-8) is reported in a "log_error" field rather than
 * losing the event. The fixed fields win over a caller's field of the same
 * name, so a line's ts/level/service/event can always be trusted. */
static void s_line_add_fields(json_t *line, const char *fmt, va_list ap)
{
    json_error_t error;
    json_t *fields = json_vpack_ex(&error, 0, fmt, ap);
    if (!fields)
        json_object_set_new(line, "log_error", json_string(error.text));
    else if (!json_is_object(fields))
        json_object_set_new(line, "log_error", json_string("log format is not an object"));
    else
        json_object_update_missing(line, fields);
    json_decref(fields);
}

/* write(2) the whole buffer, riding out signals and short writes. */
static void s_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t rc = write(fd, buf, len);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return; // nowhere left to report a failure to log
        }
        buf += rc;
        len -= (size_t)rc;
    }
}

/* Serialise and emit one line with a single write(2). One write keeps lines
 * from different threads or processes sharing the descriptor whole (atomic
 * on a pipe up to PIPE_BUF, 4096 bytes; on a file opened O_APPEND at any
 * size). stdio is flushed first so anything printf'd before stays before. */
static void s_line_emit(json_t *line)
{
    char *text = json_dumps(line, JSON_COMPACT);
    if (!text)
        return;
    size_t len = strlen(text);
    char *buf = realloc(text, len + 2);
    if (!buf) {
        free(text);
        return;
    }
    buf[len] = '\n';
    buf[len + 1] = '\0';
    fflush(stdout);
    s_write_all(STDOUT_FILENO, buf, len + 1);
    free(buf);
}

/* Write one line if `level` is at or above the configured level. `fmt` is a
 * json_pack() object format ("{s:s, s:I}") with its arguments, or NULL.
 * Hazards: "s" with a NULL string or invalid UTF-8 fails the whole pack (use
 * "s?" for maybe-NULL); "i" takes an int and "I" a json_int_t, and passing
 * the wrong width is undefined behaviour that no compiler checks. Never put
 * names or other personal data in a field. If SIGPIPE is not ignored, a
 * closed stdout kills the process on the next line. */
void cd_log(cd_log_level_t level, const char *event, const char *fmt, ...)
{
    assert(level >= CD_LOG_DEBUG && level <= CD_LOG_ERROR);
    assert(event);
    if (level < s_min_level)
        return;
    json_t *line = s_line_new(level, event);
    if (!line)
        return; // out of memory, or event is not UTF-8: nothing sane to write
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        s_line_add_fields(line, fmt, ap);
        va_end(ap);
    }
    s_line_emit(line);
    json_decref(line);
}
