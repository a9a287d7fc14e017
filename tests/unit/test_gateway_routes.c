/* test_gateway_routes.c - the gateway's URL table. (Its error codes' HTTP
 * statuses are the one table's: test_errcode.c; the host:port of its listen
 * address is cd_parse_hostport's: test_util.c.) */
#include <criterion/criterion.h>
#include <string.h>

#include "routes.h"

/* ---------------------------------------------------------------- routes */

Test(gateway_routes, fixed_paths_route_on_GET)
{
    char ref[64] = "untouched";
    cr_assert_eq(gw_route("GET", "/healthz", ref, sizeof ref), GW_ROUTE_HEALTH);
    cr_assert_eq(gw_route("GET", "/readyz", ref, sizeof ref), GW_ROUTE_READY);
    cr_assert_eq(gw_route("GET", "/metrics", ref, sizeof ref), GW_ROUTE_METRICS);
    cr_assert_str_eq(ref, "untouched", "a fixed route wrote a reference");
}

Test(gateway_routes, status_route_takes_the_reference)
{
    char ref[64] = "";
    cr_assert_eq(gw_route("GET", "/v1/complaints/CDR-ABCD-EFGH/status", ref, sizeof ref),
                 GW_ROUTE_STATUS);
    cr_assert_str_eq(ref, "CDR-ABCD-EFGH");
    cr_assert_eq(gw_route("GET", "/v1/complaints/x/status", ref, sizeof ref), GW_ROUTE_STATUS);
    cr_assert_str_eq(ref, "x");
}

Test(gateway_routes, other_methods_on_a_known_path_are_405)
{
    static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH", "HEAD", "get", ""};
    char ref[64];
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        cr_assert_eq(gw_route(methods[i], "/healthz", ref, sizeof ref), GW_ROUTE_BAD_METHOD,
                     "%s /healthz", methods[i]);
        cr_assert_eq(gw_route(methods[i], "/metrics", ref, sizeof ref), GW_ROUTE_BAD_METHOD);
        cr_assert_eq(gw_route(methods[i], "/v1/complaints/CDR-ABCD-EFGH/status", ref, sizeof ref),
                     GW_ROUTE_BAD_METHOD, "%s status", methods[i]);
    }
}

Test(gateway_routes, unknown_paths_are_not_found_whatever_the_method)
{
    static const char *const paths[] = {"/",
                                        "",
                                        "/healthz/",
                                        "/healthzz",
                                        "/HEALTHZ",
                                        "/healthz?x=1",
                                        "/v1/complaints",
                                        "/v1/complaints/",
                                        "/v1/complaints/status",
                                        "/v1/complaints//status",
                                        "/v1/complaints/CDR-ABCD-EFGH",
                                        "/v1/complaints/CDR-ABCD-EFGH/status/",
                                        "/v2/complaints/CDR-ABCD-EFGH/status"};
    char ref[64];
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        cr_assert_eq(gw_route("GET", paths[i], ref, sizeof ref), GW_ROUTE_NOT_FOUND, "GET \"%s\"",
                     paths[i]);
        cr_assert_eq(gw_route("POST", paths[i], ref, sizeof ref), GW_ROUTE_NOT_FOUND, "POST \"%s\"",
                     paths[i]);
    }
}

Test(gateway_routes, bad_references_are_not_found)
{
    static const char *const paths[] = {
        "/v1/complaints/../status",         "/v1/complaints/../../etc/passwd/status",
        "/v1/complaints/CDR%2FABCD/status", "/v1/complaints/CDR ABCD/status",
        "/v1/complaints/a/b/status",        "/v1/complaints/CDR_ABCD/status",
        "/v1/complaints/CDR.ABCD/status",   "/v1/complaints/CDR-ÀBCD/status",
        "/v1/complaints/CDR-ABCD?x/status",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char ref[64] = "untouched";
        cr_assert_eq(gw_route("GET", paths[i], ref, sizeof ref), GW_ROUTE_NOT_FOUND, "\"%s\"",
                     paths[i]);
        cr_assert_str_eq(ref, "untouched", "\"%s\" wrote a reference", paths[i]);
    }
}

Test(gateway_routes, a_reference_longer_than_the_buffer_is_not_found)
{
    char ref[8] = "";
    /* 7 characters and the NUL fit; 8 do not. */
    cr_assert_eq(gw_route("GET", "/v1/complaints/ABCDEFG/status", ref, sizeof ref),
                 GW_ROUTE_STATUS);
    cr_assert_str_eq(ref, "ABCDEFG");
    cr_assert_eq(gw_route("GET", "/v1/complaints/ABCDEFGH/status", ref, sizeof ref),
                 GW_ROUTE_NOT_FOUND);
}

Test(gateway_routes, a_bad_reference_with_another_method_is_not_found)
{
    char ref[64];
    cr_assert_eq(gw_route("POST", "/v1/complaints/../status", ref, sizeof ref), GW_ROUTE_NOT_FOUND);
}
