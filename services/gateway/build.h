/* build.h - an HTTP request made into the bus operation of its route: the
 * JSON body (POST) or the query parameters (GET) as the operation's message,
 * the path's parameters put into their fields, and the body of the person
 * acting where the message names one and the caller did not. Pure: no I/O. */
#ifndef GATEWAY_BUILD_H
#define GATEWAY_BUILD_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "candour/errcode.h"
#include "candour/v1/api.pb-c.h"
#include "routes.h"

/* The descriptor of route's operation message (the Request's oneof member
 * of number route->op), NULL if the route has no operation. */
const ProtobufCMessageDescriptor *gw_op_descriptor(const gw_route_t *route);

/* The operation's message (free with protobuf_c_message_free_unpacked), or
 * NULL with why: the JSON converter's codes (INVALID_JSON, UNKNOWN_FIELD,
 * WRONG_TYPE, ...), INVALID_ARGUMENT for a path parameter the body
 * contradicts. body/len: a POST's; query: a GET's raw query string ("" for
 * none). org: the person's body, put into a top-level org_id left empty. */
ProtobufCMessage *gw_build_op(const gw_route_t *route, const gw_param_t *params, int nparams,
                              const char *body, size_t len, const char *query, const char *org,
                              cd_fail_t *why);

/* req's oneof set to msg (owned by the caller still). */
void gw_request_set_op(Candour__V1__Request *req, const gw_route_t *route, ProtobufCMessage *msg);

/* The query string as a JSON object of desc's fields, or NULL with why. Each
 * parameter names a scalar field; a repeated field takes the parameter
 * again; numbers and booleans are read as such. Pure. */
json_t *gw_query_json(const ProtobufCMessageDescriptor *desc, const char *query, cd_fail_t *why);

#endif
