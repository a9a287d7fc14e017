/* test_compose.c - docker-compose.yml parses, runs every daemon with a healthcheck
 * and a restart policy, and uses the same CANDOUR_* variables as the run command.
 *
 * No Docker engine runs here: the compose file is checked with a real parser,
 * Debian's docker-compose (`config`), which tests/run.sh installs. Without it
 * these tests fail rather than skip. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define COMPOSE_FILE CANDOUR_SOURCE_DIR "/docker-compose.yml"
#define ENV_SAMPLE CANDOUR_SOURCE_DIR "/deploy/candour.env.sample"
#define RUN_SH CANDOUR_SOURCE_DIR "/deploy/run.sh"

static const char *const DAEMONS[] = {"intake", "routing",   "investigation", "signoff",
                                      "notify", "reporting", "gateway"};
#define N_DAEMONS (sizeof DAEMONS / sizeof DAEMONS[0])

/* ---- small helpers ------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        cr_assert_not_null(p, "out of memory");
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Run a shell command, return its stdout+stderr (caller frees) and exit status. */
static char *run_cmd(const char *cmd, int *status) {
    char line[4096];
    buf_t b = {0};
    buf_add(&b, "", 0);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "popen(%s) failed", cmd);
    size_t n;
    while ((n = fread(line, 1, sizeof line, p)) > 0)
        buf_add(&b, line, n);
    int st = pclose(p);
    *status = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
    return b.data;
}

static char *read_file(const char *path) {
    char chunk[4096];
    buf_t b = {0};
    buf_add(&b, "", 0);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    return b.data;
}

static void require_compose(void) {
    int st = system("command -v docker-compose >/dev/null 2>&1");
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        cr_assert_fail("docker-compose is not installed: run tests/run.sh, which installs it "
                       "(deploy/install-deps.sh; Debian package docker-compose)");
}

/* `docker-compose config` output, the resolved file (env_file merged into environment). */
static char *compose_config(void) {
    require_compose();
    int st;
    char *out = run_cmd("docker-compose -f '" COMPOSE_FILE "' config 2>&1", &st);
    cr_assert_eq(st, 0, "docker-compose config failed (%d):\n%s", st, out);
    return out;
}

/* The lines of service `name` in a config dump (everything indented under
 * "  name:" in the top-level "services:" map), or NULL. Caller frees. */
static char *service_block(const char *cfg, const char *name) {
    const char *svc; /* the newline that ends the "services:" line */
    if (strncmp(cfg, "services:\n", 10) == 0)
        svc = cfg + 9;
    else if ((svc = strstr(cfg, "\nservices:\n")) != NULL)
        svc += 10;
    else
        return NULL;
    char header[128];
    snprintf(header, sizeof header, "\n  %s:\n", name);
    const char *start = strstr(svc, header);
    if (!start)
        return NULL;
    start += strlen(header) - 1; /* keep the leading newline of the first body line */
    const char *end = start;
    for (;;) {
        const char *nl = strchr(end + 1, '\n');
        if (!nl) {
            end += strlen(end);
            break;
        }
        /* the block ends at a line indented less than 4 spaces */
        if (strncmp(nl + 1, "    ", 4) != 0) {
            end = nl + 1;
            break;
        }
        end = nl;
    }
    size_t n = (size_t)(end - start);
    char *out = malloc(n + 1);
    cr_assert_not_null(out);
    memcpy(out, start, n);
    out[n] = '\0';
    return out;
}

/* Names CANDOUR_[A-Z0-9_]+ in text[0..len), appended to names (deduplicated). */
typedef struct {
    char name[64][64];
    int n;
} names_t;

static int names_has(const names_t *ns, const char *name) {
    for (int i = 0; i < ns->n; i++)
        if (strcmp(ns->name[i], name) == 0)
            return 1;
    return 0;
}

static void names_add(names_t *ns, const char *s, size_t n) {
    char tmp[64];
    cr_assert_lt(n, sizeof tmp, "variable name too long");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (names_has(ns, tmp))
        return;
    cr_assert_lt(ns->n, 64, "too many variables");
    snprintf(ns->name[ns->n++], sizeof ns->name[0], "%s", tmp);
}

static int is_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void scan_names(names_t *ns, const char *text, size_t len) {
    static const char pfx[] = "CANDOUR_";
    const size_t pl = sizeof pfx - 1;
    for (size_t i = 0; i + pl < len; i++) {
        if (strncmp(text + i, pfx, pl) != 0 || (i > 0 && is_name_char(text[i - 1])))
            continue;
        size_t j = i + pl;
        while (j < len && is_name_char(text[j]))
            j++;
        if (j > i + pl && text[j - 1] != '_')
            names_add(ns, text + i, j - i);
        i = j;
    }
}

/* The CANDOUR_* names in deploy/run.sh between its BEGIN/END candour-env markers. */
static void run_sh_names(names_t *ns) {
    char *sh = read_file(RUN_SH);
    const char *b = strstr(sh, "# ---- BEGIN candour-env");
    const char *e = b ? strstr(b, "# ---- END candour-env") : NULL;
    cr_assert(b && e, "deploy/run.sh has no BEGIN/END candour-env block");
    b = strchr(b, '\n'); /* skip the marker line itself */
    scan_names(ns, b, (size_t)(e - b));
    free(sh);
}

/* The names assigned (NAME=...) in deploy/candour.env.sample. */
static void sample_names(names_t *ns, int candour_only) {
    char *env = read_file(ENV_SAMPLE);
    for (char *line = env; line && *line;) {
        char *nl = strchr(line, '\n');
        char *eq = strchr(line, '=');
        if (*line != '#' && eq && (!nl || eq < nl) &&
            (!candour_only || strncmp(line, "CANDOUR_", 8) == 0))
            names_add(ns, line, (size_t)(eq - line));
        line = nl ? nl + 1 : NULL;
    }
    free(env);
}

/* ---- tests ---------------------------------------------------------------- */

Test(compose, config_parses_with_docker_compose) {
    require_compose();
    int st;
    char *out = run_cmd("docker-compose -f '" COMPOSE_FILE "' config -q 2>&1", &st);
    cr_assert_eq(st, 0, "docker-compose config -q rejected docker-compose.yml:\n%s", out);
    free(out);
}

Test(compose, runs_every_daemon_with_healthcheck_and_restart_policy) {
    char *cfg = compose_config();
    for (size_t i = 0; i < N_DAEMONS; i++) {
        char *blk = service_block(cfg, DAEMONS[i]);
        cr_assert_not_null(blk, "docker-compose.yml has no service %s", DAEMONS[i]);
        cr_expect(strstr(blk, "\n    healthcheck:\n") != NULL, "%s has no healthcheck", DAEMONS[i]);
        /* healthy = ready: its database reached (a live process alone is not) */
        cr_expect(strstr(blk, "/readyz") != NULL, "%s's healthcheck does not ask /readyz",
                  DAEMONS[i]);
        cr_expect(strstr(blk, "\n    restart: unless-stopped\n") != NULL,
                  "%s has no restart: unless-stopped", DAEMONS[i]);
        char cmd[64];
        snprintf(cmd, sizeof cmd, "- candour-%s\n", DAEMONS[i]);
        cr_expect(strstr(blk, cmd) != NULL, "%s does not run candour-%s", DAEMONS[i], DAEMONS[i]);
        cr_expect(strstr(blk, "condition: service_completed_successfully") != NULL,
                  "%s does not wait for migrate", DAEMONS[i]);
        /* the image is never written to (tests/compose/run.sh runs it so) */
        cr_expect(strstr(blk, "\n    read_only: true\n") != NULL,
                  "%s's root filesystem is not read-only", DAEMONS[i]);
        free(blk);
    }
    free(cfg);
}

Test(compose, postgres_and_migrate_come_first) {
    char *cfg = compose_config();
    char *pg = service_block(cfg, "postgres");
    cr_assert_not_null(pg, "docker-compose.yml has no postgres service");
    cr_expect(strstr(pg, "\n    healthcheck:\n") && strstr(pg, "pg_isready"),
              "postgres has no pg_isready healthcheck");
    cr_expect(strstr(pg, "candour-pgdata:/var/lib/postgresql/data") != NULL,
              "postgres data is not on the named volume candour-pgdata");
    char *mig = service_block(cfg, "migrate");
    cr_assert_not_null(mig, "docker-compose.yml has no migrate service");
    cr_expect(strstr(mig, "- candourctl\n    - migrate\n") != NULL, "migrate does not run candourctl migrate");
    cr_expect(strstr(mig, "condition: service_healthy") != NULL, "migrate does not wait for postgres");
    char *notify = service_block(cfg, "notify");
    cr_assert_not_null(notify);
    cr_expect(strstr(notify, "candour-spool:/var/spool/candour") != NULL,
              "notify's spool is not on the named volume candour-spool");
    const char *vols = strstr(cfg, "\nvolumes:\n");
    cr_assert_not_null(vols, "no top-level volumes");
    cr_expect(strstr(vols, "\n  candour-pgdata:") && strstr(vols, "\n  candour-spool:"),
              "named volumes candour-pgdata and candour-spool are not declared");
    free(pg);
    free(mig);
    free(notify);
    free(cfg);
}

Test(compose, publishes_ports_on_loopback_only) {
    char *cfg = compose_config();
    static const char *const all[] = {"postgres", "migrate",       "intake",
                                      "routing",  "investigation", "signoff",
                                      "notify",   "reporting",     "gateway"};
    int published = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        char *blk = service_block(cfg, all[i]);
        cr_assert_not_null(blk, "no service %s", all[i]);
        const char *p = strstr(blk, "\n    ports:\n");
        if (p) {
            p += strlen("\n    ports:\n");
            while (strncmp(p, "    - ", 6) == 0) {
                cr_expect(strncmp(p + 6, "127.0.0.1:", 10) == 0,
                          "%s publishes a port beyond loopback: %.40s", all[i], p + 6);
                published++;
                const char *nl = strchr(p, '\n');
                if (!nl)
                    break;
                p = nl + 1;
            }
        }
        free(blk);
    }
    cr_expect_eq(published, 2, "expected intake's bus and the gateway published, got %d ports",
                 published);
    free(cfg);
}

Test(compose, uses_the_same_variables_as_the_run_command) {
    names_t run = {0}, sample = {0};
    run_sh_names(&run);
    sample_names(&sample, 1);
    cr_assert_geq(run.n, 20, "found only %d CANDOUR_* names in deploy/run.sh's table", run.n);
    for (int i = 0; i < run.n; i++)
        cr_expect(names_has(&sample, run.name[i]),
                  "%s is used by deploy/run.sh but missing from deploy/candour.env.sample",
                  run.name[i]);
    for (int i = 0; i < sample.n; i++)
        cr_expect(names_has(&run, sample.name[i]),
                  "%s is in deploy/candour.env.sample but not in deploy/run.sh's table",
                  sample.name[i]);
}

Test(compose, gives_every_daemon_the_sample_environment) {
    names_t sample = {0};
    sample_names(&sample, 0);
    cr_assert_geq(sample.n, 20);
    char *cfg = compose_config();
    for (size_t i = 0; i < N_DAEMONS; i++) {
        char *blk = service_block(cfg, DAEMONS[i]);
        cr_assert_not_null(blk, "no service %s", DAEMONS[i]);
        for (int j = 0; j < sample.n; j++) {
            char key[96];
            snprintf(key, sizeof key, "\n      %s: ", sample.name[j]);
            cr_expect(strstr(blk, key) != NULL, "%s does not get %s from the env file",
                      DAEMONS[i], sample.name[j]);
        }
        free(blk);
    }
    free(cfg);
}
