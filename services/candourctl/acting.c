/* acting.c - who a candourctl request is sent as (acting.h): the person
 * named by --as or CANDOUR_ACTING, or for the directory the operator at the
 * keyboard. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acting.h"

/* ---------------------------------------------------------------- who acts */

const char *ctl_login(void)
{
    static char name[256];
    static const char *const vars[] = {"SUDO_USER", "LOGNAME", "USER"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    const struct passwd *pw = getpwuid(getuid());
    if (!pw || !pw->pw_name || !*pw->pw_name)
        return NULL;
    /* getpwuid's record is overwritten by the next look-up: keep a copy. */
    snprintf(name, sizeof name, "%s", pw->pw_name);
    return name;
}

int ctl_acting(Candour__V1__Request *req, const char *as, ctl_act_t kind, const char *cmd)
{
    assert(req && cmd);
    if (as && !*as) {
        fprintf(stderr, "candourctl %s: --as needs a staff id\n", cmd);
        return -1;
    }
    const char *env = getenv("CANDOUR_ACTING");
    const char *who = as ? as : env && *env ? env : NULL;
    if (who) {
        req->acting = (char *)who;
        return 0;
    }
    if (kind == CTL_ACT_CASEWORK) {
        fprintf(stderr,
                "candourctl %s: say who is acting: --as ST_ID (your staff id), or set"
                " CANDOUR_ACTING\n",
                cmd);
        return -1;
    }
    const char *login = ctl_login();
    if (!login) {
        fprintf(stderr,
                "candourctl %s: cannot tell who you are (no SUDO_USER, LOGNAME or USER, and"
                " uid %u has no name): give --as ST_ID\n",
                cmd, (unsigned)getuid());
        return -1;
    }
    req->ops_user = (char *)login;
    return 0;
}
