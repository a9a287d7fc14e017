/* ops_actor.c - who changes a table directly from candourctl (`gate set`,
 * `glossary import`): the operator at the keyboard, named "ops: <login>" as
 * routing names ops who change the directory (acting.c sends their login as
 * Request.ops_user; routing/directory.c writes "ops: %s"). The audit
 * trigger names whoever the transaction's candour.actor says, so the same
 * words reach the audit trail whether a service or candourctl wrote. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "acting.h"
#include "ctl.h"

int ctl_ops_actor(char *out, size_t len, const char *cmd)
{
    const char *login = ctl_login();
    if (!login) {
        fprintf(stderr,
                "candourctl %s: cannot tell who you are (no SUDO_USER, LOGNAME or USER, and"
                " uid %u has no name)\n",
                cmd, (unsigned)getuid());
        return -1;
    }
    snprintf(out, len, "ops: %s", login);
    return 0;
}

int ctl_db_actor(PGconn *c, const char *cmd, const char *actor)
{
    const char *v[1] = {actor};
    /* Local to the transaction: a later one on this connection is not
     * credited to them. */
    return ctl_db_exec(c, cmd, "SELECT set_config('candour.actor', $1, true)", 1, v);
}

int ctl_db_begin_as(PGconn *c, const char *cmd, const char *actor)
{
    return ctl_db_exec(c, cmd, "BEGIN", 0, NULL) == 0 && ctl_db_actor(c, cmd, actor) == 0 ? 0 : -1;
}
