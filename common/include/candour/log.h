/* log.h - one JSON object per line on stdout, for every daemon and tool.
 *
 * Each line: {"ts":"2026-11-25T21:30:00.123Z","level":"info","service":"intake",
 *             "event":"complaint.stored", ...fields}
 * Fields are given as a jansson json_pack() format and its arguments, so values
 * keep their types. Logs carry references, never names or other personal data:
 * that is the caller's duty, and reviewers check it. */
#ifndef CANDOUR_LOG_H
#define CANDOUR_LOG_H

typedef enum { CD_LOG_DEBUG = 0, CD_LOG_INFO, CD_LOG_WARN, CD_LOG_ERROR } cd_log_level_t;

/* Set the service name written on every line and the lowest level written.
 * `level` is "debug", "info", "warn" or "error"; returns -1 for anything else
 * (including NULL) and changes nothing. Before this is called, lines go out
 * with service "unknown" at level info and above. Not thread-safe: call it
 * once at start-up. */
int cd_log_init(const char *service, const char *level);

/* Write one line. `fmt` is a json_pack() object format such as "{s:s, s:I}"
 * or NULL for no extra fields. Never fails visibly: a bad format is logged as such
 * (a "log_error" field in place of the caller's fields). Caller fields named
 * ts, level, service or event are ignored. Each line is one write(2) to fd 1. */
void cd_log(cd_log_level_t level, const char *event, const char *fmt, ...);

#define cd_log_debug(ev, ...) cd_log(CD_LOG_DEBUG, ev, __VA_ARGS__)
#define cd_log_info(ev, ...) cd_log(CD_LOG_INFO, ev, __VA_ARGS__)
#define cd_log_warn(ev, ...) cd_log(CD_LOG_WARN, ev, __VA_ARGS__)
#define cd_log_error(ev, ...) cd_log(CD_LOG_ERROR, ev, __VA_ARGS__)

#endif
