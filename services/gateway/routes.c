/* routes.c - the gateway's URL table. (Its error codes' HTTP statuses are
 * the one table's: cd_code_http, errcode.h.) */
#include "routes.h"

#include <string.h>

static const struct {
    const char *path;
    gw_route_t route;
} s_fixed[] = {
    {"/healthz", GW_ROUTE_HEALTH},
    {"/readyz", GW_ROUTE_READY},
    {"/metrics", GW_ROUTE_METRICS},
};

gw_route_t gw_route(const char *method, const char *path, char *ref, size_t reflen)
{
    gw_route_t found = GW_ROUTE_NOT_FOUND;
    for (size_t i = 0; i < sizeof s_fixed / sizeof s_fixed[0]; i++)
        if (strcmp(path, s_fixed[i].path) == 0)
            found = s_fixed[i].route;
    static const char prefix[] = "/v1/complaints/", suffix[] = "/status";
    size_t plen = strlen(path), pre = sizeof prefix - 1, suf = sizeof suffix - 1;
    if (found == GW_ROUTE_NOT_FOUND && plen > pre + suf && strncmp(path, prefix, pre) == 0 &&
        strcmp(path + plen - suf, suffix) == 0) {
        size_t rlen = plen - pre - suf;
        const char *r = path + pre;
        if (rlen >= reflen || strspn(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-") < rlen)
            return GW_ROUTE_NOT_FOUND;
        memcpy(ref, r, rlen);
        ref[rlen] = 0;
        found = GW_ROUTE_STATUS;
    }
    if (found != GW_ROUTE_NOT_FOUND && strcmp(method, "GET") != 0)
        return GW_ROUTE_BAD_METHOD;
    return found;
}
