/* inbox_request.c - the requests a service's ROUTER endpoint takes
 * (inbox.h): checked (size, text, who may name the person acting) before
 * any handler sees them, and answered on the connection they came in on. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/errcode.h"
#include "candour/keys.h"
#include "candour/log.h"
#include "candour/metrics.h"
#include "candour/pb.h"
#include "candour/util.h"
#include "inbox_int.h"

/* ---------------------------------------------------------------- requests */

static void s_request_free(cd_request_t *req)
{
    cd_inbox_t *in = req->in;
    free(req->peer.data);
    free(req->request_id);
    free(req);
    in->nrequests--;
    cd_inbox_maybe_free(in);
}

void cd_request_reply(cd_request_t *req, Candour__V1__Reply *reply)
{
    reply->request_id = req->request_id;
    cd_inbox_send_reply(req->in, &req->peer, reply);
    reply->request_id = NULL;
    s_request_free(req);
}

void cd_request_done(cd_request_t *req)
{
    Candour__V1__Done done = CANDOUR__V1__DONE__INIT;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_DONE;
    reply.done = &done;
    cd_request_reply(req, &reply);
}

void cd_request_fail(cd_request_t *req, cd_code_t code, const char *field, const char *message)
{
    cd_inbox_reply_error(req->in, &req->peer, req->request_id, code, field, message);
    s_request_free(req);
}

const char *cd_request_org(const cd_request_t *req)
{
    return req->org;
}

const char *cd_request_member(const cd_request_t *req)
{
    return req->member;
}

const char *cd_request_key(const cd_request_t *req)
{
    return req->key;
}

const char *cd_request_acting(const cd_request_t *req)
{
    return req->acting;
}

const char *cd_request_ops_user(const cd_request_t *req)
{
    return req->ops_user;
}

const char *cd_inbox_schema(const cd_inbox_t *in)
{
    return in->schema;
}

/* A request over CD_ZSOCK_MAX_REQUEST_BYTES (but within the socket's cap,
 * or it would not be here) is answered TOO_LARGE without being unpacked;
 * its request_id is read off the top level of the wire, so the client can
 * match the answer. Logged and counted by references only: no content. */
static void s_refuse_too_large(cd_inbox_t *in, const s_peer_t *peer, const cd_frame_t *body,
                               const char *org)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(
        &candour__v1__request__descriptor, "request_id");
    char request_id[129];
    cd_pb_peek_string(body->data, body->size, f->id, request_id, sizeof request_id);
    cd_metric_add(cd_metric_counter("candour_requests_too_large_total", NULL,
                                    "Requests over the 1 MiB request limit, answered TOO_LARGE."),
                  1);
    /* Within the socket's 16 MiB cap, so an int holds the size. */
    cd_log_warn("inbox.too_large", "{s:i, s:i, s:s, s:s}", "bytes", (int)body->size, "limit",
                CD_ZSOCK_MAX_REQUEST_BYTES, "org", org ? org : "", "request_id", request_id);
    char message[160];
    snprintf(message, sizeof message, "the request is %zu bytes; the limit is %d bytes (1 MiB)",
             body->size, CD_ZSOCK_MAX_REQUEST_BYTES);
    cd_inbox_reply_error(in, peer, request_id, CD_CODE_TOO_LARGE, "", message);
}

/* A string of the request holds a NUL or bytes that are not UTF-8, which the
 * unpacked message no longer shows (protobuf-c cuts strings at a NUL): refuse
 * it INVALID_TEXT before any handler sees it, so nothing is stored.
 *
 * The field is named as the services' validators name theirs: from the
 * Request, with the operation's name first ("withdraw.reason",
 * "record_outcome.findings", "amend.complaint.description"), except that a
 * submit's fields are named from its complaint ("complaint.description"),
 * as intake's validator and the README's error examples do. */
static void s_refuse_text(cd_inbox_t *in, const s_peer_t *peer, const Candour__V1__Request *r,
                          int fault, const char *path, const char *org)
{
    const char *field = strncmp(path, "submit.", 7) == 0 ? path + 7 : path;
    /* A request_id that is itself the bad field is not echoed. */
    const char *request_id = strcmp(path, "request_id") == 0 ? "" : r->request_id;
    cd_metric_add(cd_metric_counter("candour_requests_invalid_text_total", NULL,
                                    "Requests refused for a NUL or bytes that are not UTF-8 in"
                                    " a text."),
                  1);
    cd_log_warn("inbox.invalid_text", "{s:s, s:s, s:s, s:s}", "field", field, "org", org ? org : "",
                "request_id", cd_text_ok(request_id, strlen(request_id), 0) ? request_id : "",
                "reason", fault == CD_PB_TEXT_NUL ? "nul" : "utf8");
    char message[256];
    snprintf(message, sizeof message, "%s must be UTF-8 text without control characters: %s", field,
             fault == CD_PB_TEXT_NUL ? "it holds a NUL character (U+0000)"
                                     : "it holds bytes that are not UTF-8");
    cd_inbox_reply_error(in, peer, request_id, CD_CODE_INVALID_TEXT, field, message);
}

/* org and key: the ZAP properties on the public endpoint (NULL elsewhere);
 * member: the User-Id on an internal endpoint (NULL elsewhere). */
void cd_inbox_handle_request(cd_inbox_t *in, const cd_frame_t *id, int delim,
                             const cd_frame_t *body, const char *org, const char *key,
                             const char *member)
{
    s_peer_t peer;
    if (cd_inbox_peer_copy(&peer, id, delim) != 0)
        return;
    cd_metric_add(in->m_requests, 1);
    if (body->size > CD_ZSOCK_MAX_REQUEST_BYTES) {
        s_refuse_too_large(in, &peer, body, org);
        free(peer.data);
        return;
    }
    Candour__V1__Request *r = candour__v1__request__unpack(NULL, body->size, body->data);
    char path[128];
    int fault = r ? cd_pb_check_text(&candour__v1__request__descriptor, body->data, body->size,
                                     path, sizeof path)
                  : 0;
    if (!r || fault < 0) {
        cd_inbox_reply_error(in, &peer, "", CD_CODE_MALFORMED_REQUEST, "",
                             "the request frame is not a valid candour.v1.Request message");
        candour__v1__request__free_unpacked(r, NULL);
        free(peer.data);
        return;
    }
    if (fault > 0) {
        s_refuse_text(in, &peer, r, fault, path, org);
        candour__v1__request__free_unpacked(r, NULL);
        free(peer.data);
        return;
    }
    const char *refused =
        in->internal ? cd_keys_peer_refusal(member, *r->acting != 0, *r->ops_user != 0) : NULL;
    if (refused) {
        cd_log_warn("inbox.peer_refused", "{s:s, s:s}", "peer", member ? member : "", "field",
                    refused);
        cd_inbox_reply_error(
            in, &peer, r->request_id, CD_CODE_PERMISSION_DENIED, refused,
            strcmp(refused, "ops_user") == 0
                ? "only ops (candourctl) may name an operator"
                : "only the gateway and ops (candourctl) may name the person acting");
        candour__v1__request__free_unpacked(r, NULL);
        free(peer.data);
        return;
    }
    cd_request_t *req = calloc(1, sizeof *req);
    if (!req || !(req->request_id = strdup(r->request_id))) {
        free(req);
        free(peer.data);
        candour__v1__request__free_unpacked(r, NULL);
        return;
    }
    req->peer = peer;
    req->in = in;
    in->nrequests++;
    /* Taken at receipt: the metadata lives only as long as the message,
     * and the request may be answered long after. */
    snprintf(req->org, sizeof req->org, "%s", org ? org : "");
    snprintf(req->key, sizeof req->key, "%s", key ? key : "");
    snprintf(req->member, sizeof req->member, "%s", member ? member : "");
    snprintf(req->acting, sizeof req->acting, "%s",
             strlen(r->acting) < sizeof req->acting ? r->acting : "?");
    snprintf(req->ops_user, sizeof req->ops_user, "%.64s", r->ops_user);
    if (!in->on_request)
        cd_request_fail(req, CD_CODE_UNSUPPORTED, "", "this endpoint takes no requests");
    else
        in->on_request(in, req, r, in->arg);
    candour__v1__request__free_unpacked(r, NULL);
}
