/* dir_request.h - what routing's directory requests share (directory.c: the
 * staff directory; org_settings.c: the organisations' settings): one request
 * from its read to its reply, who may make it, and the reply after the write. */
#ifndef ROUTING_DIR_REQUEST_H
#define ROUTING_DIR_REQUEST_H

#include "candour/directory.h"
#include "candour/inbox.h"

#define RT_DIR_ALL_ROLES                                                                           \
    (CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_INVESTIGATOR | CD_ROLE_SIGNATORY |                       \
     CD_ROLE_RESPONSIBLE_PERSON | CD_ROLE_ANALYST | CD_ROLE_OPS)

typedef enum {
    RT_DIR_PUT,
    RT_DIR_DISABLE,
    RT_DIR_LIST,
    RT_DIR_SET_ORG,
    RT_DIR_GET_ORG
} rt_dir_kind_t;

/* One directory request from its read to its reply. */
typedef struct {
    cd_op_t *op;
    rt_dir_kind_t kind;
    char body[65];                   /* the organisation concerned */
    Candour__V1__StaffMember *staff; /* PUT, DISABLE: the record to write (owned) */
} rt_dir_t;

/* A request of kind with its message copied; NULL when it was answered
 * (out of memory). */
rt_dir_t *rt_dir_new(cd_request_t *req, const ProtobufCMessage *msg, rt_dir_kind_t kind);
void rt_dir_free(rt_dir_t *d);
/* Answer the request with the error, and free d. */
void rt_dir_fail(rt_dir_t *d, cd_code_t code, const char *field, const char *message);
/* A read transaction whose first statement reads the person acting. */
cd_tx_t *rt_dir_read_tx(const rt_dir_t *d);
/* The read came back (0), or the request is answered UNAVAILABLE and d freed (-1). */
int rt_dir_read_ok(rt_dir_t *d, const cd_tx_result_t *res);
/* The person acting (who: rt_dir_read_tx's first result) may act for d->body
 * in one of roles, or ops (Request.ops_user, not with acting) is: 0, with
 * d->op->actor naming them; else the request is answered and d freed (-1). */
int rt_dir_may(rt_dir_t *d, const PGresult *who, unsigned roles);
/* After the write: reply with the record (staff) or the settings, or say
 * why not; frees d. */
void rt_dir_on_written(const cd_tx_result_t *res, void *arg);

#endif
