/* routes.c - the gateway's URL table and HTTP mapping. */
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

int gw_status_for(const char *code)
{
    static const struct {
        const char *code;
        int status;
    } map[] = {
        {"NOT_FOUND", 404},       {"FAILED_PRECONDITION", 409}, {"UNAVAILABLE", 503},
        {"UNSUPPORTED", 501},     {"PERMISSION_DENIED", 403},   {"INVALID_ARGUMENT", 400},
        {"REQUIRED", 400},        {"TOO_LONG", 400},            {"TOO_MANY", 400},
        {"INVALID_TEXT", 400},    {"INVALID_ENUM", 400},        {"INVALID_DATE", 400},
        {"DATE_IN_FUTURE", 400},  {"NO_CONTACT", 400},          {"MALFORMED_REQUEST", 400},
        {"MALFORMED_FRAME", 400},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].code, code) == 0)
            return map[i].status;
    return 500;
}
