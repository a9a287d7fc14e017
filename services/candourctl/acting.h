/* acting.h - who a candourctl request is sent as (acting.c).
 *
 * Every staff operation names the person acting (Request.acting, a staff
 * id): the services read them from their copy of the directory, check they
 * may, and name them in the audit trail. Ops who bootstrap or repair the
 * directory are not in it: their directory requests carry Request.ops_user
 * (their login) instead. */
#ifndef CANDOURCTL_ACTING_H
#define CANDOURCTL_ACTING_H

#include "candour/v1/api.pb-c.h"

typedef enum {
    /* A step on a complaint (assign, record-outcome, sign, extend, decide,
     * waive): a person of the directory must act. */
    CTL_ACT_CASEWORK,
    /* The directory and the bodies' settings (staff, org set|show): a person
     * of the directory, or else the operator at the keyboard. */
    CTL_ACT_DIRECTORY,
} ctl_act_t;

/* The usage text's line for --as, for every command that takes it. */
#define CTL_AS_USAGE "  --as ST_ID   the person acting (a staff id); default: $CANDOUR_ACTING\n"

/* Name who acts in req: `as` (from --as; NULL when not given), else the
 * environment's CANDOUR_ACTING, into req->acting; with neither, for
 * CTL_ACT_DIRECTORY the operator's login into req->ops_user (SUDO_USER, else
 * LOGNAME, else USER, else the uid's name). Returns 0, or -1 after telling
 * why on stderr as "candourctl <cmd>: ..." (a usage error: exit 2).
 * Hazard: the strings set in req are the caller's, the environment's or a
 * static buffer's; they last until the next call. */
int ctl_acting(Candour__V1__Request *req, const char *as, ctl_act_t kind, const char *cmd);

/* The operator's login: whoever ran sudo, else the session's name, else the
 * uid's. NULL when none can be told. The string lasts until the next call. */
const char *ctl_login(void);

#endif
