/* client.c - a blocking DEALER client for Candour's ROUTER endpoints. */
#include "candour/client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "candour/util.h"
#include "candour/zsock.h"

struct cd_client_t {
    void *ctx;
    void *sock;
};

/* The socket options every client sets, then CURVE's when keys are given. */
static cd_client_t *s_new(const char *endpoint, const char *server_public,
                          const char *client_public, const char *client_secret)
{
    cd_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    /* A context of its own: the client must not share (or terminate) a
     * daemon's context when used inside a test process. */
    c->ctx = zmq_ctx_new();
    c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_DEALER) : NULL;
    int zero = 0;
    /* Replies as large as a server may send: the cap its sockets take. */
    int64_t maxmsg = CD_ZSOCK_MAX_MSG_BYTES;
    if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        (server_public &&
         (zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, server_public, 40) != 0 ||
          zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, client_public, 40) != 0 ||
          zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, client_secret, 40) != 0)) ||
        zmq_connect(c->sock, endpoint) != 0) {
        cd_client_destroy(&c);
        return NULL;
    }
    return c;
}

cd_client_t *cd_client_new(const char *endpoint)
{
    return s_new(endpoint, NULL, NULL, NULL);
}

static int s_z85_key(const char *s)
{
    uint8_t raw[32];
    return s && strlen(s) == 40 && zmq_z85_decode(raw, s) != NULL;
}

cd_client_t *cd_client_new_curve(const char *endpoint, const char *server_public_z85,
                                 const char *client_public_z85, const char *client_secret_z85)
{
    if (!s_z85_key(server_public_z85) || !s_z85_key(client_public_z85) ||
        !s_z85_key(client_secret_z85))
        return NULL;
    return s_new(endpoint, server_public_z85, client_public_z85, client_secret_z85);
}

/* A Z85 key given as itself or as the first line of a file. */
static int s_key_arg(const char *arg, char out[41])
{
    if (strlen(arg) == 40 && s_z85_key(arg)) {
        memcpy(out, arg, 41);
        return 0;
    }
    FILE *f = fopen(arg, "r");
    char line[128] = "";
    int ok = f && fgets(line, sizeof line, f) != NULL;
    if (f)
        fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    if (!ok || strlen(line) != 40 || !s_z85_key(line))
        return -1;
    memcpy(out, line, 41);
    memset(line, 0, sizeof line);
    return 0;
}

cd_client_t *cd_client_new_keyfiles(const char *endpoint, const char *server_public,
                                    const char *client_key_file, char *err, size_t errlen)
{
    char server[41], secret[41], pub[41];
    if (!server_public || s_key_arg(server_public, server) != 0) {
        snprintf(err, errlen, "the server's public key ('%s') is neither a Z85 key nor a file"
                              " holding one", server_public ? server_public : "");
        return NULL;
    }
    if (!client_key_file || s_key_arg(client_key_file, secret) != 0 ||
        zmq_curve_public(pub, secret) != 0) {
        snprintf(err, errlen, "cannot read a CURVE secret key from '%s' (candourctl keygen --out"
                              " makes one)", client_key_file ? client_key_file : "");
        return NULL;
    }
    cd_client_t *c = cd_client_new_curve(endpoint, server, pub, secret);
    memset(secret, 0, sizeof secret);
    if (!c)
        snprintf(err, errlen, "cannot connect to %s", endpoint);
    return c;
}

cd_client_t *cd_client_new_internal(const char *endpoint, const cd_keys_t *keys, const char *target,
                                    char *err, size_t errlen)
{
    const char *server = cd_keys_public_of(keys, target);
    if (!server) {
        snprintf(err, errlen, "the internal key set has no public key for %s (%s.pub)", target,
                 target);
        return NULL;
    }
    cd_client_t *c =
        cd_client_new_curve(endpoint, server, cd_keys_public(keys), cd_keys_secret(keys));
    if (!c)
        snprintf(err, errlen, "cannot connect to %s", endpoint);
    return c;
}

void cd_client_destroy(cd_client_t **pc)
{
    if (!pc || !*pc)
        return;
    cd_client_t *c = *pc;
    *pc = NULL;
    if (c->sock)
        zmq_close(c->sock);
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    free(c);
}

/* Receive one whole message into out[], up to maxout frames; -1 on timeout. */
static int s_recv(cd_client_t *c, int timeout_ms, void **out, size_t *sizes, int maxout)
{
    zmq_pollitem_t item = {c->sock, 0, ZMQ_POLLIN, 0};
    int64_t deadline = cd_now_us() + (int64_t)timeout_ms * 1000;
    for (;;) {
        int64_t left = (deadline - cd_now_us()) / 1000;
        if (left <= 0)
            return -1;
        int rc = zmq_poll(&item, 1, (long)left);
        if (rc < 0)
            return -1;
        if (rc > 0)
            break;
    }
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->sock, 0) < 0) {
            zmq_msg_close(&m);
            return -1;
        }
        more = zmq_msg_more(&m);
        if (n < maxout) {
            sizes[n] = zmq_msg_size(&m);
            out[n] = malloc(sizes[n] + 1);
            if (out[n]) {
                memcpy(out[n], zmq_msg_data(&m), sizes[n]);
                ((char *)out[n])[sizes[n]] = 0;
                n++;
            }
        }
        zmq_msg_close(&m);
    }
    return n;
}

/* Send one message of n frames, waiting at most until deadline_us for room:
 * a DEALER whose only connection was refused (a CURVE key the server does
 * not admit, a plain client of a CURVE server) has no pipe to queue on, and
 * a blocking send would wait for ever. 0, or -1 (timed out or failed). */
static int s_send(cd_client_t *c, const void *const *frames, const size_t *sizes, int n,
                  int64_t deadline_us)
{
    for (;;) {
        if (zmq_send(c->sock, frames[0], sizes[0], ZMQ_DONTWAIT | (n > 1 ? ZMQ_SNDMORE : 0)) >= 0)
            break;
        if (zmq_errno() != EAGAIN)
            return -1;
        int64_t left = (deadline_us - cd_now_us()) / 1000;
        zmq_pollitem_t item = {c->sock, 0, ZMQ_POLLOUT, 0};
        if (left <= 0 || zmq_poll(&item, 1, (long)left) < 0)
            return -1;
    }
    /* The first frame is queued: the rest of the message goes with it. */
    for (int i = 1; i < n; i++)
        if (zmq_send(c->sock, frames[i], sizes[i], i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            return -1;
    return 0;
}

int cd_client_raw(cd_client_t *c, const void *const *frames, const size_t *sizes, int n,
                  int timeout_ms, void **out, size_t *outsizes, int maxout)
{
    int64_t start = cd_now_us();
    if (s_send(c, frames, sizes, n, start + (int64_t)timeout_ms * 1000) != 0)
        return -1;
    int left = timeout_ms - (int)((cd_now_us() - start) / 1000);
    return s_recv(c, left > 0 ? left : 0, out, outsizes, maxout);
}

int cd_client_call(cd_client_t *c, Candour__V1__Request *req, int timeout_ms,
                   Candour__V1__Reply **reply, char *err, size_t errlen)
{
    char id[CD_UUID_LEN + 1];
    char *saved = req->request_id;
    if (!req->request_id || !*req->request_id) {
        cd_uuid(id);
        req->request_id = id;
    }
    char want[128];
    snprintf(want, sizeof want, "%s", req->request_id);
    size_t len = candour__v1__request__get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    candour__v1__request__pack(req, buf);
    req->request_id = saved;
    if (len > CD_ZSOCK_MAX_MSG_BYTES) {
        /* The server would drop the connection, not answer: say so now. */
        free(buf);
        snprintf(err, errlen, "the request is %zu bytes; the bus takes at most %d bytes (16 MiB)",
                 len, CD_ZSOCK_MAX_MSG_BYTES);
        return -1;
    }
    int64_t deadline = cd_now_us() + (int64_t)timeout_ms * 1000;
    const void *req_frames[2] = {"REQ", buf};
    size_t req_sizes[2] = {3, len};
    int rc = s_send(c, req_frames, req_sizes, 2, deadline);
    free(buf);
    if (rc < 0) {
        snprintf(err, errlen, "no reply within %d ms (the request could not be sent: %s)",
                 timeout_ms, zmq_strerror(zmq_errno()));
        return -1;
    }
    for (;;) {
        int left = (int)((deadline - cd_now_us()) / 1000);
        void *frames[4] = {0};
        size_t sizes[4];
        int n = left > 0 ? s_recv(c, left, frames, sizes, 4) : -1;
        if (n < 0) {
            snprintf(err, errlen, "no reply within %d ms", timeout_ms);
            return -1;
        }
        Candour__V1__Reply *r = NULL;
        if (n == 2 && sizes[0] == 3 && memcmp(frames[0], "REP", 3) == 0)
            r = candour__v1__reply__unpack(NULL, sizes[1], frames[1]);
        for (int i = 0; i < n; i++)
            free(frames[i]);
        if (!r) {
            snprintf(err, errlen, "the reply is not a candour.v1.Reply");
            return -1;
        }
        if (strcmp(r->request_id, want) == 0 || !*r->request_id) {
            *reply = r;
            return 0;
        }
        candour__v1__reply__free_unpacked(r, NULL); /* a late reply to an earlier call */
    }
}
