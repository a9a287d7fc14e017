/* setup.c - notify's folders, relay and retry rule from its configuration
 * (notify.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/log.h"
#include "notify.h"

static char s_password[256];

/* The relay's password from its file (a secret is not put in the
 * environment); 0, or -1 logged. */
static int s_read_password(nt_smtp_config_t *m, const char *path)
{
    if (!path[0])
        return 0;
    FILE *f = fopen(path, "r");
    if (!f || !fgets(s_password, sizeof s_password, f)) {
        cd_log_error("smtp.password_unreadable", "{s:s}", "path", path);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    s_password[strcspn(s_password, "\r\n")] = '\0';
    m->password = s_password;
    return 0;
}

static int s_folder(const char *what, const char *path)
{
    if (mkdir(path, 0750) == 0 || errno == EEXIST)
        return 0;
    cd_log_error("folder.unusable", "{s:s, s:s, s:s}", "folder", what, "path", path, "error",
                 strerror(errno));
    return -1;
}

int nt_setup(nt_app_t *app, const nt_setup_t *s)
{
    nt_smtp_config_t *m = &app->channels.smtp;
    static const struct {
        const char *name;
        nt_smtp_tls_t tls;
    } modes[] = {
        {"require", NT_SMTP_TLS_REQUIRE}, {"try", NT_SMTP_TLS_TRY}, {"none", NT_SMTP_TLS_NONE}};
    size_t i = 0;
    while (i < sizeof modes / sizeof modes[0] && strcmp(modes[i].name, s->tls) != 0)
        i++;
    if (i == sizeof modes / sizeof modes[0]) {
        cd_log_error("config.invalid", "{s:s, s:s}", "name", "CANDOUR_SMTP_TLS", "allowed",
                     "require, try or none");
        return -1;
    }
    m->tls = modes[i].tls;
    m->timeout_ms = s->timeout_ms;
    app->retry = (nt_retry_t){.attempts = (int)s->attempts,
                              .backoff_ms = s->backoff_ms,
                              .backoff_max_ms = s->backoff_max_ms};
    if (s_folder("spool", app->spool) != 0 || s_folder("print", app->channels.print_dir) != 0 ||
        s_read_password(m, s->password_file) != 0)
        return -1;
    if (!m->url[0]) {
        cd_log_warn("email.no_relay", "{s:s}", "effect",
                    "CANDOUR_SMTP_URL is empty: letters by email stay in the spool and alerts are"
                    " not emailed");
        return 0;
    }
    char err[256];
    if (nt_smtp_config_check(m, err, sizeof err) != 0) {
        cd_log_error("config.invalid", "{s:s, s:s}", "name", "CANDOUR_SMTP_*", "error", err);
        return -1;
    }
    /* libcurl and its TLS library, loaded only when there is a relay to use. */
    return nt_smtp_global_init();
}
