/* directory.c - routing keeps the staff directory (Regs reg. 4): PutStaff,
 * DisableStaff, ListStaff on its internal endpoint, and what every directory
 * request shares (dir_request.h): who is asking, the read, the reply. The
 * organisations' settings are org_settings.c's.
 *
 * A change is made by a complaints manager of the body (Request.acting) or by
 * ops with candourctl (Request.ops_user); the audit trail names them. Every
 * change goes out as staff.changed or org.changed, in the transaction that
 * makes it, with the record's new version: the services that check the
 * person acting keep a copy (directory.h). Reading is for any staff member of
 * the body, or ops.
 *
 * Each request reads the person acting and the record together, is judged
 * (staffrules.h), and writes the change guarded by the version it read: two
 * changes to one record cannot both win. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/error.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "dir_request.h"
#include "routing.h"
#include "staffrules.h"

#define S_STAFF_COLS                                                                               \
    "staff_id, org_id, name, job_title, team, email, phone, array_to_json(roles)::text,"           \
    " array_to_json(signs_for)::text, disabled, disabled_reason, version, coalesce(idp_subject, "  \
    "'')"
enum {
    S_ID,
    S_ORG,
    S_NAME,
    S_TITLE,
    S_TEAM,
    S_EMAIL,
    S_PHONE,
    S_ROLES,
    S_SIGNS,
    S_DIS,
    S_WHY,
    S_VER,
    S_SUBJECT
};

void rt_dir_free(rt_dir_t *d)
{
    if (d->staff)
        protobuf_c_message_free_unpacked(&d->staff->base, NULL);
    free(d);
}

void rt_dir_fail(rt_dir_t *d, cd_code_t code, const char *field, const char *message)
{
    cd_op_fail(d->op, code, field, message);
    rt_dir_free(d);
}

/* ---------------------------------------------------------------- rows */

static char **s_json_strings(const char *json, size_t *n)
{
    json_t *a = json_loads(json, 0, NULL);
    size_t k = json_is_array(a) ? json_array_size(a) : 0;
    char **v = calloc(k ? k : 1, sizeof *v);
    *n = 0;
    for (size_t i = 0; v && i < k; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        v[(*n)++] = strdup(s ? s : "");
    }
    json_decref(a);
    return v;
}

/* A StaffMember from a row of S_STAFF_COLS, allocated as protobuf-c frees
 * an unpacked message (every field its own block). NULL: out of memory. */
static Candour__V1__StaffMember *s_staff_from_row(const PGresult *r, int row)
{
    Candour__V1__StaffMember *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    candour__v1__staff_member__init(m);
    char **strs[] = {&m->staff_id,   &m->org_id, &m->name,  &m->job_title,
                     &m->team,       &m->email,  &m->phone, &m->disabled_reason,
                     &m->idp_subject};
    int cols[] = {S_ID, S_ORG, S_NAME, S_TITLE, S_TEAM, S_EMAIL, S_PHONE, S_WHY, S_SUBJECT};
    int ok = 1;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        ok &= (*strs[i] = strdup(PQgetvalue(r, row, cols[i]))) != NULL;
    size_t nroles = 0;
    char **roles = s_json_strings(PQgetvalue(r, row, S_ROLES), &nroles);
    m->roles = calloc(nroles ? nroles : 1, sizeof *m->roles);
    ok &= roles && m->roles;
    for (size_t i = 0; ok && i < nroles; i++)
        m->roles[m->n_roles++] = cd_role_from_name(roles[i]);
    for (size_t i = 0; roles && i < nroles; i++)
        free(roles[i]);
    free(roles);
    m->signs_for = s_json_strings(PQgetvalue(r, row, S_SIGNS), &m->n_signs_for);
    ok &= m->signs_for != NULL;
    for (size_t i = 0; ok && i < m->n_signs_for; i++)
        ok &= m->signs_for[i] != NULL;
    m->disabled = PQgetvalue(r, row, S_DIS)[0] == 't';
    m->version = strtoll(PQgetvalue(r, row, S_VER), NULL, 10);
    if (!ok) {
        protobuf_c_message_free_unpacked(&m->base, NULL);
        return NULL;
    }
    return m;
}

static char *s_roles_literal(const Candour__V1__StaffMember *m)
{
    const char *names[8];
    size_t n = 0;
    for (size_t i = 0; i < m->n_roles && n < 8; i++)
        if (cd_role_name(m->roles[i]))
            names[n++] = cd_role_name(m->roles[i]);
    return cd_pg_text_array(names, n);
}

/* ---------------------------------------------------------------- who */

/* The person acting, or ops: 0 with op->actor set, or -1 with why filled. */
static int s_authorise(rt_dir_t *d, const PGresult *who, unsigned roles, cd_fail_t *why)
{
    const char *ops = cd_request_ops_user(d->op->req);
    if (ops[0] && cd_request_acting(d->op->req)[0])
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "ops_user",
                       "a request is made by a member of staff (acting) or by ops (ops_user),"
                       " not both");
    if (ops[0] && !rt_text_ok(ops, 64))
        return cd_fail(why, CD_CODE_INVALID_TEXT, "ops_user",
                       "the operator's login is one line of at most 64 bytes");
    if (ops[0]) {
        snprintf(d->op->actor, sizeof d->op->actor, "ops: %s", ops);
        return 0;
    }
    return cd_op_actor(d->op, who, d->body, roles, 0, NULL, NULL, why);
}

int rt_dir_may(rt_dir_t *d, const PGresult *who, unsigned roles)
{
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (s_authorise(d, who, roles, &why) == 0)
        return 0;
    rt_dir_fail(d, why.code, why.field, why.message);
    return -1;
}

int rt_dir_read_ok(rt_dir_t *d, const cd_tx_result_t *res)
{
    if (!res->err)
        return 0;
    rt_dir_fail(d, CD_CODE_UNAVAILABLE, "", "could not be read just now; nothing was changed");
    return -1;
}

/* A read transaction whose first statement reads the person acting (the
 * directory's row, 0 or 1: rt_dir_may's `who`). */
cd_tx_t *rt_dir_read_tx(const rt_dir_t *d)
{
    char who_sql[512];
    cd_actor_sql("routing", who_sql, sizeof who_sql);
    const char *acting[1] = {cd_request_acting(d->op->req)};
    cd_tx_t *tx = cd_tx_new();
    cd_tx_add(tx, who_sql, 1, acting);
    return tx;
}

/* ---------------------------------------------------------------- writes */

void rt_dir_on_written(const cd_tx_result_t *res, void *arg)
{
    rt_dir_t *d = arg;
    if (res->err == CD_EDB && d->kind == RT_DIR_PUT && strcmp(res->sqlstate, "23505") == 0) {
        /* staff_by_idp_subject: the only unique value a caller gives. */
        rt_dir_fail(d, CD_CODE_ALREADY_EXISTS, "put_staff.staff.idp_subject",
                    "another person of the directory already has that identity-provider subject");
        return;
    }
    if (res->err) {
        static const char *const lost[] = {[RT_DIR_PUT] = "put_staff.staff.staff_id",
                                           [RT_DIR_DISABLE] = "disable_staff.staff_id",
                                           [RT_DIR_SET_ORG] = "set_org_settings.settings"};
        cd_op_committed(d->op, res, lost[d->kind],
                        "the record changed meanwhile: read it again and retry");
        rt_dir_free(d);
        return;
    }
    cd_service_kick(rt_app.svc);
    if (d->staff) {
        cd_log_info("directory.staff_changed", "{s:s, s:s, s:I}", "staff_id", d->staff->staff_id,
                    "org_id", d->staff->org_id, "version", (json_int_t)d->staff->version);
        Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
        reply.result_case = CANDOUR__V1__REPLY__RESULT_STAFF;
        reply.staff = d->staff;
        cd_op_reply(d->op, &reply);
    } else {
        cd_log_info("directory.org_changed", "{s:s}", "org_id", d->body);
        const Candour__V1__SetOrgSettings *s = (const Candour__V1__SetOrgSettings *)d->op->msg;
        Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
        reply.result_case = CANDOUR__V1__REPLY__RESULT_ORG_SETTINGS;
        reply.org_settings = s->settings;
        cd_op_reply(d->op, &reply);
    }
    rt_dir_free(d);
}

/* d->staff as it is to be (version set): insert it (version 1) or update
 * the row at old_version; and its event. */
static void s_write_staff(rt_dir_t *d, long long old_version)
{
    Candour__V1__StaffMember *m = d->staff;
    char *roles = s_roles_literal(m);
    char *signs = cd_pg_text_array((const char *const *)m->signs_for, m->n_signs_for);
    char oldv[24];
    snprintf(oldv, sizeof oldv, "%lld", old_version);
    cd_tx_t *tx = cd_tx_new();
    if (!tx || !roles || !signs) {
        free(roles);
        free(signs);
        cd_tx_destroy(&tx);
        rt_dir_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    cd_tx_actor(tx, d->op->actor);
    const char *v[14] = {
        m->staff_id,        m->org_id,    m->name, m->job_title,  m->team,
        m->email,           m->phone,     roles,   signs,         m->disabled ? "true" : "false",
        m->disabled_reason, d->op->actor, oldv,    m->idp_subject};
    if (old_version == 0)
        cd_tx_add(tx,
                  "INSERT INTO routing.staff (staff_id, org_id, name, job_title, team, email,"
                  " phone, roles, signs_for, disabled, disabled_reason, changed_by, version,"
                  " idp_subject)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9::text[], $10::boolean,"
                  " $11, $12, 1, nullif($13, ''))",
                  13,
                  (const char *const[]){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
                                        v[10], v[11], v[13]});
    else
        cd_tx_add(tx,
                  "WITH u AS (UPDATE routing.staff SET name = $3, job_title = $4, team = $5,"
                  " email = $6, phone = $7, roles = $8::text[], signs_for = $9::text[],"
                  " disabled = $10::boolean, disabled_reason = $11, changed_by = $12,"
                  " changed_at = now(), version = version + 1, idp_subject = nullif($14, '')"
                  " WHERE staff_id = $1 AND org_id = $2 AND version = $13::bigint"
                  " AND NOT disabled RETURNING 1)"
                  " SELECT routing.expect(count(*) = 1, 'the record changed meanwhile') FROM u",
                  14, v);
    cd_tx_actor_end(tx);
    free(roles);
    free(signs);
    cd_event_out_t out = {.type = "staff.changed", .complaint_ref = "", .payload = &m->base};
    if (cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL) != 0) {
        cd_tx_destroy(&tx);
        rt_dir_fail(d, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    cd_db_submit(cd_service_db(rt_app.svc), tx, rt_dir_on_written, d);
}

/* ---------------------------------------------------------------- PutStaff */

/* The roles the body's settings name the person for (0 or 1 row: whether
 * they are its responsible person, whether its complaints manager). */
#define S_NAMED_SQL                                                                                \
    "SELECT p.responsible_person = $1, p.complaints_manager = $1 FROM routing.org_policy p"        \
    " JOIN routing.staff s ON s.org_id = p.org_id WHERE s.staff_id = $1"

/* Reg. 4: the person the body names as its responsible person or complaints
 * manager keeps that role, and stays enabled, until the body names someone
 * else (m NULL: they are being disabled). */
static int s_named_keeps_role(const Candour__V1__StaffMember *m, const PGresult *named,
                              const char *field, cd_fail_t *why)
{
    if (PQntuples(named) != 1)
        return 0;
    static const struct {
        int col;
        Candour__V1__Role role;
        const char *words;
    } posts[] = {{0, CANDOUR__V1__ROLE__ROLE_RESPONSIBLE_PERSON, "responsible person"},
                 {1, CANDOUR__V1__ROLE__ROLE_COMPLAINTS_MANAGER, "complaints manager"}};
    for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++) {
        if (PQgetvalue(named, 0, posts[i].col)[0] != 't')
            continue;
        int keeps = 0;
        for (size_t k = 0; m && k < m->n_roles; k++)
            keeps |= m->roles[k] == posts[i].role;
        if (!keeps)
            return cd_fail(why, CD_CODE_FAILED_PRECONDITION, field,
                           "the body names this person as its %s (Regs reg. 4): name someone"
                           " else first (org set)",
                           posts[i].words);
    }
    return 0;
}

static void s_on_new_id(const cd_tx_result_t *res, void *arg)
{
    rt_dir_t *d = arg;
    if (res->err || PQntuples(res->results[0]) != 1) {
        rt_dir_fail(d, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    /* "" as unpacked is protobuf-c's shared empty string: not to be freed. */
    d->staff->staff_id = strdup(PQgetvalue(res->results[0], 0, 0));
    d->staff->version = 1;
    if (!d->staff->staff_id) {
        rt_dir_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    s_write_staff(d, 0);
}

static void s_on_put_read(const cd_tx_result_t *res, void *arg)
{
    rt_dir_t *d = arg;
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (rt_dir_read_ok(d, res) != 0)
        return;
    if (rt_dir_may(d, res->results[0], CD_ROLE_COMPLAINTS_MANAGER) != 0)
        return;
    const Candour__V1__PutStaff *p = (const Candour__V1__PutStaff *)d->op->msg;
    if (!p->staff->staff_id[0]) { /* a new person: an id once they may be added */
        cd_db_query(cd_service_db(rt_app.svc), "SELECT 'ST' || nextval('routing.staff_seq')", 0,
                    NULL, s_on_new_id, d);
        return;
    }
    const PGresult *r = res->results[1];
    if (PQntuples(r) != 1) {
        rt_dir_fail(d, CD_CODE_NOT_FOUND, "put_staff.staff.staff_id",
                    "no one in the staff directory has that staff id");
        return;
    }
    if (strcmp(PQgetvalue(r, 0, S_ORG), p->staff->org_id) != 0) {
        rt_dir_fail(d, CD_CODE_INVALID_ARGUMENT, "put_staff.staff.org_id",
                    "a person's body does not change: add them to the new body as a new record");
        return;
    }
    if (PQgetvalue(r, 0, S_DIS)[0] == 't') {
        rt_dir_fail(d, CD_CODE_FAILED_PRECONDITION, "put_staff.staff.staff_id",
                    "that person is disabled in the staff directory");
        return;
    }
    if (s_named_keeps_role(d->staff, res->results[2], "put_staff.staff.roles", &why) != 0) {
        rt_dir_fail(d, why.code, why.field, why.message);
        return;
    }
    long long old = strtoll(PQgetvalue(r, 0, S_VER), NULL, 10);
    if (p->staff->version && p->staff->version != old) {
        rt_dir_fail(d, CD_CODE_FAILED_PRECONDITION, "put_staff.staff.version",
                    "the record changed since it was read: read it again and retry");
        return;
    }
    d->staff->version = old + 1;
    s_write_staff(d, old);
}

static void s_put(rt_dir_t *d, const Candour__V1__PutStaff *p)
{
    cd_fail_t why;
    if (!p->staff) {
        rt_dir_fail(d, CD_CODE_REQUIRED, "put_staff.staff", "give the person's record");
        return;
    }
    if (rt_staff_check(p->staff, "put_staff.staff", &why) != 0 ||
        (p->staff->version != 0 && !p->staff->staff_id[0] &&
         cd_fail(&why, CD_CODE_INVALID_ARGUMENT, "put_staff.staff.version",
                 "a new person has no version yet: leave it 0") != 0)) {
        rt_dir_fail(d, why.code, why.field, why.message);
        return;
    }
    snprintf(d->body, sizeof d->body, "%s", p->staff->org_id);
    if (!(d->staff = (Candour__V1__StaffMember *)cd_pb_clone(&p->staff->base))) {
        rt_dir_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    const char *id[1] = {p->staff->staff_id};
    cd_tx_t *tx = rt_dir_read_tx(d);
    if (p->staff->staff_id[0]) {
        cd_tx_add(tx, "SELECT " S_STAFF_COLS " FROM routing.staff WHERE staff_id = $1", 1, id);
        cd_tx_add(tx, S_NAMED_SQL, 1, id);
    }
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_put_read, d);
}

/* ---------------------------------------------------------------- DisableStaff */

static void s_on_disable_read(const cd_tx_result_t *res, void *arg)
{
    rt_dir_t *d = arg;
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (rt_dir_read_ok(d, res) != 0)
        return;
    const PGresult *r = res->results[1];
    if (PQntuples(r) != 1) {
        rt_dir_fail(d, CD_CODE_NOT_FOUND, "disable_staff.staff_id",
                    "no one in the staff directory has that staff id");
        return;
    }
    snprintf(d->body, sizeof d->body, "%s", PQgetvalue(r, 0, S_ORG));
    if (rt_dir_may(d, res->results[0], CD_ROLE_COMPLAINTS_MANAGER) != 0)
        return;
    if (PQgetvalue(r, 0, S_DIS)[0] == 't') {
        rt_dir_fail(d, CD_CODE_FAILED_PRECONDITION, "disable_staff.staff_id",
                    "that person is disabled already");
        return;
    }
    if (s_named_keeps_role(NULL, res->results[2], "disable_staff.staff_id", &why) != 0) {
        rt_dir_fail(d, why.code, why.field, why.message);
        return;
    }
    const Candour__V1__DisableStaff *x = (const Candour__V1__DisableStaff *)d->op->msg;
    if (!(d->staff = s_staff_from_row(r, 0))) {
        rt_dir_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    long long old = d->staff->version;
    d->staff->version = old + 1;
    d->staff->disabled = 1;
    free(d->staff->disabled_reason);
    if (!(d->staff->disabled_reason = strdup(x->reason))) {
        rt_dir_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    s_write_staff(d, old);
}

static void s_disable(rt_dir_t *d, const Candour__V1__DisableStaff *x)
{
    if (!x->staff_id[0] || strlen(x->staff_id) > CD_STAFF_ID_MAX) {
        rt_dir_fail(d, CD_CODE_REQUIRED, "disable_staff.staff_id", "give the person's staff id");
        return;
    }
    if (!rt_text_ok(x->reason, 1000)) {
        rt_dir_fail(
            d, CD_CODE_REQUIRED, "disable_staff.reason",
            "give the reason (they left, changed post, ...), one line of at most 1000 bytes");
        return;
    }
    const char *id[1] = {x->staff_id};
    cd_tx_t *tx = rt_dir_read_tx(d);
    cd_tx_add(tx, "SELECT " S_STAFF_COLS " FROM routing.staff WHERE staff_id = $1", 1, id);
    cd_tx_add(tx, S_NAMED_SQL, 1, id);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_disable_read, d);
}

/* ---------------------------------------------------------------- ListStaff */

static void s_on_list_read(const cd_tx_result_t *res, void *arg)
{
    rt_dir_t *d = arg;
    if (rt_dir_read_ok(d, res) != 0)
        return;
    if (rt_dir_may(d, res->results[0], RT_DIR_ALL_ROLES) != 0)
        return;
    const PGresult *r = res->results[1];
    int n = PQntuples(r);
    Candour__V1__StaffMember **v = calloc(n ? (size_t)n : 1, sizeof *v);
    int ok = v != NULL;
    for (int i = 0; ok && i < n; i++)
        ok = (v[i] = s_staff_from_row(r, i)) != NULL;
    if (ok) {
        Candour__V1__StaffList list = CANDOUR__V1__STAFF_LIST__INIT;
        list.n_staff = (size_t)n;
        list.staff = v;
        Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
        reply.result_case = CANDOUR__V1__REPLY__RESULT_STAFF_LIST;
        reply.staff_list = &list;
        cd_op_reply(d->op, &reply);
    } else {
        cd_op_fail(d->op, CD_CODE_INTERNAL, "", "out of memory");
    }
    for (int i = 0; v && i < n; i++)
        if (v[i])
            protobuf_c_message_free_unpacked(&v[i]->base, NULL);
    free(v);
    rt_dir_free(d);
}

static void s_list(rt_dir_t *d, const Candour__V1__ListStaff *l)
{
    if (!rt_org_id_ok(l->org_id)) {
        rt_dir_fail(d, CD_CODE_REQUIRED, "list_staff.org_id", "give the body's organisation id");
        return;
    }
    snprintf(d->body, sizeof d->body, "%s", l->org_id);
    const char *v[2] = {l->org_id, l->include_disabled ? "true" : "false"};
    cd_tx_t *tx = rt_dir_read_tx(d);
    cd_tx_add(tx,
              "SELECT " S_STAFF_COLS " FROM routing.staff WHERE org_id = $1"
              " AND ($2::boolean OR NOT disabled) ORDER BY length(staff_id), staff_id",
              2, v);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_list_read, d);
}

/* ---------------------------------------------------------------- entry */

rt_dir_t *rt_dir_new(cd_request_t *req, const ProtobufCMessage *msg, rt_dir_kind_t kind)
{
    rt_dir_t *d = calloc(1, sizeof *d);
    if (!d) {
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return NULL;
    }
    d->kind = kind;
    if (!(d->op = cd_op_new(req, msg))) { /* answered INTERNAL */
        free(d);
        return NULL;
    }
    return d;
}

void rt_put_staff(cd_request_t *req, const Candour__V1__PutStaff *p)
{
    rt_dir_t *d = rt_dir_new(req, &p->base, RT_DIR_PUT);
    if (d)
        s_put(d, (const Candour__V1__PutStaff *)d->op->msg);
}

void rt_disable_staff(cd_request_t *req, const Candour__V1__DisableStaff *x)
{
    rt_dir_t *d = rt_dir_new(req, &x->base, RT_DIR_DISABLE);
    if (d)
        s_disable(d, (const Candour__V1__DisableStaff *)d->op->msg);
}

void rt_list_staff(cd_request_t *req, const Candour__V1__ListStaff *l)
{
    rt_dir_t *d = rt_dir_new(req, &l->base, RT_DIR_LIST);
    if (d)
        s_list(d, (const Candour__V1__ListStaff *)d->op->msg);
}
