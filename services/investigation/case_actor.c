/* case_actor.c - who may work on a case (V1): investigation.h. */
#include <string.h>

#include "investigation.h"

int iv_case_actor_ok(const char *assigned, const cd_actor_t *a, cd_fail_t *why)
{
    if (a->roles & CD_ROLE_COMPLAINTS_MANAGER)
        return 0;
    if (!assigned[0])
        return 0; /* nobody to be: the operation's own check says none is assigned */
    if (strcmp(a->staff_id, assigned) != 0)
        return cd_fail(why, CD_CODE_PERMISSION_DENIED, "acting",
                       "%s is not the investigator assigned to this complaint", a->staff_id);
    return 0;
}
