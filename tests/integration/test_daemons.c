/* test_daemons.c - what every daemon does the same way: --help, --version,
 * a bad configuration refused with a message, health and readiness on the
 * admin port, and a clean exit on SIGTERM even with no database. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const char *const s_daemons[] = {"intake", "routing", "investigation",
                                        "signoff", "notify", "gateway"};

/* Run bin with args and an extra environment entry; capture stdout+stderr. */
static int s_run(const char *bin, const char *arg, const char *env, char *out, size_t outlen)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        if (env)
            putenv((char *)env);
        execl(bin, bin, arg, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t got;
    while (n + 1 < outlen && (got = read(fds[0], out + n, outlen - n - 1)) > 0)
        n += (size_t)got;
    out[n] = 0;
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void s_bin(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/services/candour-%s", CANDOUR_BUILD_DIR, name);
}

Test(daemons, every_daemon_answers_help_and_version_and_refuses_unknown_arguments)
{
    char bin[512], out[16384];
    for (size_t i = 0; i < sizeof s_daemons / sizeof s_daemons[0]; i++) {
        s_bin(bin, sizeof bin, s_daemons[i]);
        cr_assert_eq(s_run(bin, "--help", NULL, out, sizeof out), 0, "%s --help", s_daemons[i]);
        cr_assert(strstr(out, "CANDOUR_LOG_LEVEL") && strstr(out, "SIGTERM"), "%s", out);
        cr_assert_eq(s_run(bin, "--version", NULL, out, sizeof out), 0);
        cr_assert(strstr(out, "0.1.0"), "%s", out);
        cr_assert_eq(s_run(bin, "--bogus", NULL, out, sizeof out), 2);
    }
    snprintf(bin, sizeof bin, "%s/services/candourctl", CANDOUR_BUILD_DIR);
    cr_assert_eq(s_run(bin, "--help", NULL, out, sizeof out), 0);
    cr_assert(strstr(out, "migrate") && strstr(out, "status"));
    cr_assert_eq(s_run(bin, "frobnicate", NULL, out, sizeof out), 2);
}

Test(daemons, a_bad_configuration_is_refused_with_a_message_naming_the_variable)
{
    char bin[512], out[16384];
    h_keys_only(); /* else the missing keys are what is refused first */
    setenv("CANDOUR_DB_URL", "postgresql://candour@127.0.0.1:1/candour", 1);
    s_bin(bin, sizeof bin, "routing");
    cr_assert_eq(s_run(bin, NULL, "CANDOUR_RESPONSE_DAYS=lots", out, sizeof out), 2);
    cr_assert(strstr(out, "CANDOUR_RESPONSE_DAYS"), "%s", out);
    cr_assert_eq(s_run(bin, NULL, "CANDOUR_LOG_LEVEL=chatty", out, sizeof out), 2);
    cr_assert(strstr(out, "CANDOUR_LOG_LEVEL"), "%s", out);
    s_bin(bin, sizeof bin, "intake");
    cr_assert_eq(s_run(bin, NULL, NULL, out, sizeof out), 2);
    cr_assert(strstr(out, "CANDOUR_INTAKE_KEY_FILE"), "%s", out); /* its CURVE secret */
    unsetenv("CANDOUR_DB_URL");
    cr_assert_eq(s_run(bin, NULL, NULL, out, sizeof out), 2);
    cr_assert(strstr(out, "CANDOUR_DB_URL"), "%s", out);
}

/* The admin port a daemon logged in its "daemon.started" line. */
static int s_admin_port(const char *log)
{
    char line[2048];
    for (int tries = 0; tries < 200; tries++) {
        FILE *f = fopen(log, "r");
        while (f && fgets(line, sizeof line, f)) {
            char *p = strstr(line, "\"admin_port\":");
            if (p && strstr(line, "daemon.started")) {
                fclose(f);
                return atoi(p + 13);
            }
        }
        if (f)
            fclose(f);
        usleep(25000);
    }
    return 0;
}

Test(daemons, without_its_database_a_service_is_alive_not_ready_and_still_stops_cleanly,
     .timeout = 60)
{
    char dir[] = "/tmp/candour-daemons-XXXXXX", log[256], bind[256], bin[512];
    cr_assert(mkdtemp(dir));
    snprintf(log, sizeof log, "%s/routing.log", dir);
    snprintf(bind, sizeof bind, "ipc://%s/routing.sock", dir);
    s_bin(bin, sizeof bin, "routing");
    h_keys_only(); /* a daemon without its internal keys does not start */
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        /* Port 1 on loopback: nothing listens, so the database is "down". */
        setenv("CANDOUR_DB_URL", "postgresql://candour@127.0.0.1:1/candour", 1);
        setenv("CANDOUR_ROUTING_BIND", bind, 1);
        setenv("CANDOUR_ROUTING_ADMIN", "127.0.0.1:0", 1);
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    int port = s_admin_port(log);
    cr_assert_gt(port, 0, "no admin port logged");
    char *body = NULL;
    cr_assert_eq(h_http_get(port, "/healthz", &body), 200);
    free(body);
    cr_assert_eq(h_http_get(port, "/readyz", &body), 503, "ready without a database: %s", body);
    free(body);
    cr_assert_eq(h_http_get(port, "/metrics", &body), 200);
    cr_assert(strstr(body, "candour_up 1"), "%s", body);
    free(body);
    kill(pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 1500 && waitpid(pid, &st, WNOHANG) == 0; i++)
        usleep(10000);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "routing did not exit 0 on SIGTERM");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(daemons, candourctl_calendar_shows_englands_bank_holidays_and_counts_working_days)
{
    char bin[512], out[16384];
    snprintf(bin, sizeof bin, "%s/services/candourctl", CANDOUR_BUILD_DIR);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s calendar 2022", bin);
    FILE *p = popen(cmd, "r");
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    cr_assert_eq(pclose(p), 0);
    cr_assert(strstr(out, "2022-09-19 Mon") && strstr(out, "2022-06-03 Fri") &&
              strstr(out, "10 bank holidays"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s calendar --add 2022-09-16 3", bin);
    p = popen(cmd, "r");
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    cr_assert_eq(pclose(p), 0);
    cr_assert(strstr(out, "= 2022-09-22"), "R4 worked example: %s", out);
}
