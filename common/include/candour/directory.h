/* directory.h - the staff directory as the services use it: who is acting,
 * whether they may, and the copies of the directory that routing's events
 * keep in each service's own schema.
 *
 * Routing keeps the directory (routing.staff, routing.org_policy) and puts
 * every change on the bus as staff.changed / org.changed; investigation,
 * signoff and notify apply them to <schema>.staff and <schema>.org with
 * cd_dir_on_staff_changed / cd_dir_on_org_changed (rows of their handler
 * tables), keeping the highest version heard.
 *
 * A staff operation names the person acting (Request.acting). The service
 * reads them from its copy (cd_actor_sql, cd_actor_from_row) and asks
 * cd_actor_may whether they may do it for the body concerned; the
 * transaction that does it names them in the audit trail (cd_tx_actor). */
#ifndef CANDOUR_DIRECTORY_H
#define CANDOUR_DIRECTORY_H

#include <libpq-fe.h>
#include <stddef.h>

#include "candour/db.h"
#include "candour/errcode.h"
#include "candour/inbox.h"
#include "candour/v1/staff.pb-c.h"

/* Roles as bits, so that an operation can allow several. */
enum {
    CD_ROLE_COMPLAINTS_MANAGER = 1u << CANDOUR__V1__ROLE__ROLE_COMPLAINTS_MANAGER,
    CD_ROLE_INVESTIGATOR = 1u << CANDOUR__V1__ROLE__ROLE_INVESTIGATOR,
    CD_ROLE_SIGNATORY = 1u << CANDOUR__V1__ROLE__ROLE_SIGNATORY,
    CD_ROLE_RESPONSIBLE_PERSON = 1u << CANDOUR__V1__ROLE__ROLE_RESPONSIBLE_PERSON,
    CD_ROLE_ANALYST = 1u << CANDOUR__V1__ROLE__ROLE_ANALYST,
    CD_ROLE_OPS = 1u << CANDOUR__V1__ROLE__ROLE_OPS,
};

#define CD_STAFF_ID_MAX 24 /* "ST" and a bigint */
#define CD_ACTOR_LABEL_MAX 240

/* A role's name as the database and people write it ("complaints-manager"),
 * NULL for ROLE_UNSPECIFIED or a value not in the enum. */
const char *cd_role_name(Candour__V1__Role role);
/* The role named so, or ROLE_UNSPECIFIED. */
Candour__V1__Role cd_role_from_name(const char *name);
/* The roles in bits (CD_ROLE_*) as words: "complaints manager or investigator". */
void cd_roles_words(unsigned roles, char *out, size_t len);

/* The person acting, as the service's copy of the directory has them. */
typedef struct {
    char staff_id[CD_STAFF_ID_MAX + 1];
    char org_id[65];
    char name[201];
    char job_title[201];
    char team[201];
    unsigned roles; /* CD_ROLE_* */
    int disabled;
    char **signs_for; /* bodies that authorised them to sign (F2), n_signs_for */
    size_t n_signs_for;
} cd_actor_t;

/* The statement that reads staff_id $1 from <schema>.staff (0 or 1 row),
 * in the columns cd_actor_from_row reads. out: at least 512 bytes. */
void cd_actor_sql(const char *schema, char *out, size_t len);
/* Fill a from row of r (cd_actor_sql's columns at column `col` on).
 * 0, or -1 when out of memory. Free with cd_actor_clear. */
int cd_actor_from_row(const PGresult *r, int row, int col, cd_actor_t *a);
void cd_actor_clear(cd_actor_t *a);
/* "Name (ST12)", as the audit trail and the events name the person. */
void cd_actor_label(const cd_actor_t *a, char *out, size_t len);

/* Whether the person may act for org in one of roles (CD_ROLE_* bits): 0,
 * or -1 with why filled, PERMISSION_DENIED on field (e.g. "acting"): no
 * person named (acting ""), not in the directory (a NULL), disabled, of
 * another body, or holding none of the roles. Pure. */
int cd_actor_may(const cd_actor_t *a, const char *acting, const char *org, unsigned roles,
                 const char *field, cd_fail_t *why);
/* Whether the person may read a complaint's records held for body org
 * (NULL: no such complaint), for the staff API's reads: they must hold one
 * of roles in their own body (PERMISSION_DENIED on "acting" otherwise,
 * whether or not the complaint exists), and another body's complaint is
 * NOT_FOUND on ref_field, word for word as one that does not exist. 0, or -1
 * with why. Pure. */
int cd_actor_may_read(const cd_actor_t *a, const char *acting, const char *org, unsigned roles,
                      const char *ref_field, cd_fail_t *why);
/* Whether a signatory may sign for body `org`: their own body, or one in
 * signs_for (F2). Pure. */
int cd_actor_signs_for(const cd_actor_t *a, const char *org);

/* The person acting for op (who: cd_actor_sql's result, 0 or 1 row) may act
 * for body org (NULL: their own) in one of roles (cd_actor_may; with
 * signs_for, a body that authorised them counts as theirs, F2), and then by
 * more (NULL: nothing more; it sees the person as read and ctx). On success
 * op->actor, actor_id, actor_name and actor_title name them. 0, or -1 with
 * why filled. The one check every staff operation makes. */
int cd_op_actor(cd_op_t *op, const PGresult *who, const char *org, unsigned roles, int signs_for,
                int (*more)(const cd_actor_t *a, void *ctx, cd_fail_t *why), void *ctx,
                cd_fail_t *why);

/* The transaction's statements from here to cd_tx_actor_end are the
 * person's in the audit trail (who: a label, or NULL/"" for the service). */
void cd_tx_actor(cd_tx_t *tx, const char *who);
void cd_tx_actor_end(cd_tx_t *tx);

/* Handlers for staff.changed and org.changed: apply the record to the
 * inbox's schema's copy, unless a later version is there already. */
void cd_dir_on_staff_changed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                             const ProtobufCMessage *payload, void *arg);
void cd_dir_on_org_changed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                           const ProtobufCMessage *payload, void *arg);

#endif
