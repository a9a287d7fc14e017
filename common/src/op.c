/* op.c - cd_op (inbox.h): a request held while the reads and writes it
 * needs run, answered once by one of the functions below, which free it. */
#include <stdlib.h>
#include <string.h>

#include "candour/errcode.h"
#include "candour/error.h"
#include "candour/inbox.h"
#include "candour/pb.h"

cd_op_t *cd_op_new(cd_request_t *req, const ProtobufCMessage *msg)
{
    cd_op_t *op = calloc(1, sizeof *op);
    if (op)
        op->msg = cd_pb_clone(msg);
    if (!op || !op->msg) {
        free(op);
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return NULL;
    }
    op->req = req;
    return op;
}

static void s_op_free(cd_op_t *op)
{
    protobuf_c_message_free_unpacked(op->msg, NULL);
    free(op);
}

void cd_op_fail(cd_op_t *op, cd_code_t code, const char *field, const char *message)
{
    cd_request_fail(op->req, code, field, message);
    s_op_free(op);
}

void cd_op_reply(cd_op_t *op, Candour__V1__Reply *reply)
{
    cd_request_reply(op->req, reply);
    s_op_free(op);
}

/* The server's message as people read it: without libpq's "ERROR:  ". */
static const char *s_plain(const char *message)
{
    static const char prefix[] = "ERROR:  ";
    if (message && strncmp(message, prefix, sizeof prefix - 1) == 0)
        return message + sizeof prefix - 1;
    return message;
}

int cd_op_committed(cd_op_t *op, const cd_tx_result_t *res, const char *field, const char *changed)
{
    int ok = res->err == 0;
    if (ok)
        cd_request_done(op->req);
    else if (res->err == CD_EDB && strcmp(res->sqlstate, "P0002") == 0)
        cd_request_fail(op->req, CD_CODE_FAILED_PRECONDITION, field,
                        changed ? changed : s_plain(res->message));
    else
        cd_request_fail(op->req, CD_CODE_UNAVAILABLE, "",
                        "could not be done just now; nothing was changed");
    s_op_free(op);
    return ok;
}
