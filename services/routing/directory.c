/* directory.c - routing keeps the staff directory and the organisations'
 * settings (Regs reg. 4): PutStaff, DisableStaff, ListStaff, SetOrgSettings,
 * GetOrgSettings on its internal endpoint.
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
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "routing.h"
#include "staffrules.h"

#define S_ALL_ROLES                                                                                \
    (CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_INVESTIGATOR | CD_ROLE_SIGNATORY |                       \
     CD_ROLE_RESPONSIBLE_PERSON | CD_ROLE_ANALYST)

#define S_STAFF_COLS                                                                               \
    "staff_id, org_id, name, job_title, team, email, phone, array_to_json(roles)::text,"           \
    " array_to_json(signs_for)::text, disabled, disabled_reason, version"
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
    S_VER
};

#define S_ORG_COLS                                                                                 \
    "org_id, response_days, update_every_days, pass_to_provider, responsible_person,"              \
    " complaints_manager, letterhead::text, version, plan_low, plan_medium, plan_high,"            \
    " draft_opening, draft_closing"

typedef enum { K_PUT, K_DISABLE, K_LIST, K_SET_ORG, K_GET_ORG } s_kind_t;

/* One directory request from its read to its reply. */
typedef struct {
    cd_op_t *op;
    s_kind_t kind;
    char body[65];                   /* the organisation concerned */
    Candour__V1__StaffMember *staff; /* K_PUT, K_DISABLE: the record to write (owned) */
} s_dir_t;

static void s_free(s_dir_t *d)
{
    if (d->staff)
        protobuf_c_message_free_unpacked(&d->staff->base, NULL);
    free(d);
}

static void s_fail(s_dir_t *d, cd_code_t code, const char *field, const char *message)
{
    cd_op_fail(d->op, code, field, message);
    s_free(d);
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
    char **strs[] = {&m->staff_id, &m->org_id, &m->name,  &m->job_title,
                     &m->team,     &m->email,  &m->phone, &m->disabled_reason};
    int cols[] = {S_ID, S_ORG, S_NAME, S_TITLE, S_TEAM, S_EMAIL, S_PHONE, S_WHY};
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

/* A copy of m to own (packed and read back). NULL: out of memory. */
static Candour__V1__StaffMember *s_staff_copy(const Candour__V1__StaffMember *m)
{
    size_t len = 0;
    uint8_t *buf = cd_pb_pack(&m->base, &len);
    Candour__V1__StaffMember *c = buf ? candour__v1__staff_member__unpack(NULL, len, buf) : NULL;
    free(buf);
    return c;
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
static int s_authorise(s_dir_t *d, const PGresult *who, unsigned roles, cd_fail_t *why)
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
    cd_actor_t a;
    int found = PQntuples(who) == 1;
    if (found && cd_actor_from_row(who, 0, 0, &a) != 0) {
        cd_actor_clear(&a);
        return cd_fail(why, CD_CODE_UNAVAILABLE, "", "could not be done just now");
    }
    int rc = cd_actor_may(found ? &a : NULL, cd_request_acting(d->op->req), d->body, roles,
                          "acting", why);
    if (rc == 0)
        cd_actor_label(&a, d->op->actor, sizeof d->op->actor);
    if (found)
        cd_actor_clear(&a);
    return rc;
}

/* A read transaction whose first statement reads the person acting (the
 * directory's row, 0 or 1: s_authorise's `who`). */
static cd_tx_t *s_read_tx(const s_dir_t *d)
{
    char who_sql[512];
    cd_actor_sql("routing", who_sql, sizeof who_sql);
    const char *acting[1] = {cd_request_acting(d->op->req)};
    cd_tx_t *tx = cd_tx_new();
    cd_tx_add(tx, who_sql, 1, acting);
    return tx;
}

/* ---------------------------------------------------------------- writes */

static void s_on_written(const cd_tx_result_t *res, void *arg)
{
    s_dir_t *d = arg;
    if (res->err) {
        static const char *const lost[] = {[K_PUT] = "put_staff.staff.staff_id",
                                           [K_DISABLE] = "disable_staff.staff_id",
                                           [K_SET_ORG] = "set_org_settings.settings"};
        cd_op_committed(d->op, res, lost[d->kind],
                        "the record changed meanwhile: read it again and retry");
        s_free(d);
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
    s_free(d);
}

/* d->staff as it is to be (version set): insert it (version 1) or update
 * the row at old_version; and its event. */
static void s_write_staff(s_dir_t *d, long long old_version)
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
        s_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    cd_tx_actor(tx, d->op->actor);
    const char *v[13] = {
        m->staff_id,        m->org_id,    m->name, m->job_title, m->team,
        m->email,           m->phone,     roles,   signs,        m->disabled ? "true" : "false",
        m->disabled_reason, d->op->actor, oldv};
    if (old_version == 0)
        cd_tx_add(tx,
                  "INSERT INTO routing.staff (staff_id, org_id, name, job_title, team, email,"
                  " phone, roles, signs_for, disabled, disabled_reason, changed_by, version)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9::text[], $10::boolean,"
                  " $11, $12, 1)",
                  12, v);
    else
        cd_tx_add(tx,
                  "WITH u AS (UPDATE routing.staff SET name = $3, job_title = $4, team = $5,"
                  " email = $6, phone = $7, roles = $8::text[], signs_for = $9::text[],"
                  " disabled = $10::boolean, disabled_reason = $11, changed_by = $12,"
                  " changed_at = now(), version = version + 1"
                  " WHERE staff_id = $1 AND org_id = $2 AND version = $13::bigint"
                  " AND NOT disabled RETURNING 1)"
                  " SELECT routing.expect(count(*) = 1, 'the record changed meanwhile') FROM u",
                  13, v);
    cd_tx_actor_end(tx);
    free(roles);
    free(signs);
    cd_event_out_t out = {.type = "staff.changed", .complaint_ref = "", .payload = &m->base};
    if (cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL) != 0) {
        cd_tx_destroy(&tx);
        s_fail(d, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_written, d);
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
    s_dir_t *d = arg;
    if (res->err || PQntuples(res->results[0]) != 1) {
        s_fail(d, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    /* "" as unpacked is protobuf-c's shared empty string: not to be freed. */
    d->staff->staff_id = strdup(PQgetvalue(res->results[0], 0, 0));
    d->staff->version = 1;
    if (!d->staff->staff_id) {
        s_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    s_write_staff(d, 0);
}

static void s_on_put_read(const cd_tx_result_t *res, void *arg)
{
    s_dir_t *d = arg;
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (res->err) {
        s_fail(d, CD_CODE_UNAVAILABLE, "", "could not be read just now; nothing was changed");
        return;
    }
    if (s_authorise(d, res->results[0], CD_ROLE_COMPLAINTS_MANAGER, &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    const Candour__V1__PutStaff *p = (const Candour__V1__PutStaff *)d->op->msg;
    if (!p->staff->staff_id[0]) { /* a new person: an id once they may be added */
        cd_db_query(cd_service_db(rt_app.svc), "SELECT 'ST' || nextval('routing.staff_seq')", 0,
                    NULL, s_on_new_id, d);
        return;
    }
    const PGresult *r = res->results[1];
    if (PQntuples(r) != 1) {
        s_fail(d, CD_CODE_NOT_FOUND, "put_staff.staff.staff_id",
               "no one in the staff directory has that staff id");
        return;
    }
    if (strcmp(PQgetvalue(r, 0, S_ORG), p->staff->org_id) != 0) {
        s_fail(d, CD_CODE_INVALID_ARGUMENT, "put_staff.staff.org_id",
               "a person's body does not change: add them to the new body as a new record");
        return;
    }
    if (PQgetvalue(r, 0, S_DIS)[0] == 't') {
        s_fail(d, CD_CODE_FAILED_PRECONDITION, "put_staff.staff.staff_id",
               "that person is disabled in the staff directory");
        return;
    }
    if (s_named_keeps_role(d->staff, res->results[2], "put_staff.staff.roles", &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    long long old = strtoll(PQgetvalue(r, 0, S_VER), NULL, 10);
    if (p->staff->version && p->staff->version != old) {
        s_fail(d, CD_CODE_FAILED_PRECONDITION, "put_staff.staff.version",
               "the record changed since it was read: read it again and retry");
        return;
    }
    d->staff->version = old + 1;
    s_write_staff(d, old);
}

static void s_put(s_dir_t *d, const Candour__V1__PutStaff *p)
{
    cd_fail_t why;
    if (!p->staff) {
        s_fail(d, CD_CODE_REQUIRED, "put_staff.staff", "give the person's record");
        return;
    }
    if (rt_staff_check(p->staff, "put_staff.staff", &why) != 0 ||
        (p->staff->version != 0 && !p->staff->staff_id[0] &&
         cd_fail(&why, CD_CODE_INVALID_ARGUMENT, "put_staff.staff.version",
                 "a new person has no version yet: leave it 0") != 0)) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    snprintf(d->body, sizeof d->body, "%s", p->staff->org_id);
    if (!(d->staff = s_staff_copy(p->staff))) {
        s_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    const char *id[1] = {p->staff->staff_id};
    cd_tx_t *tx = s_read_tx(d);
    if (p->staff->staff_id[0]) {
        cd_tx_add(tx, "SELECT " S_STAFF_COLS " FROM routing.staff WHERE staff_id = $1", 1, id);
        cd_tx_add(tx, S_NAMED_SQL, 1, id);
    }
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_put_read, d);
}

/* ---------------------------------------------------------------- DisableStaff */

static void s_on_disable_read(const cd_tx_result_t *res, void *arg)
{
    s_dir_t *d = arg;
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (res->err) {
        s_fail(d, CD_CODE_UNAVAILABLE, "", "could not be read just now; nothing was changed");
        return;
    }
    const PGresult *r = res->results[1];
    if (PQntuples(r) != 1) {
        s_fail(d, CD_CODE_NOT_FOUND, "disable_staff.staff_id",
               "no one in the staff directory has that staff id");
        return;
    }
    snprintf(d->body, sizeof d->body, "%s", PQgetvalue(r, 0, S_ORG));
    if (s_authorise(d, res->results[0], CD_ROLE_COMPLAINTS_MANAGER, &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    if (PQgetvalue(r, 0, S_DIS)[0] == 't') {
        s_fail(d, CD_CODE_FAILED_PRECONDITION, "disable_staff.staff_id",
               "that person is disabled already");
        return;
    }
    if (s_named_keeps_role(NULL, res->results[2], "disable_staff.staff_id", &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    const Candour__V1__DisableStaff *x = (const Candour__V1__DisableStaff *)d->op->msg;
    if (!(d->staff = s_staff_from_row(r, 0))) {
        s_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    long long old = d->staff->version;
    d->staff->version = old + 1;
    d->staff->disabled = 1;
    free(d->staff->disabled_reason);
    if (!(d->staff->disabled_reason = strdup(x->reason))) {
        s_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    s_write_staff(d, old);
}

static void s_disable(s_dir_t *d, const Candour__V1__DisableStaff *x)
{
    if (!x->staff_id[0] || strlen(x->staff_id) > CD_STAFF_ID_MAX) {
        s_fail(d, CD_CODE_REQUIRED, "disable_staff.staff_id", "give the person's staff id");
        return;
    }
    if (!rt_text_ok(x->reason, 1000)) {
        s_fail(d, CD_CODE_REQUIRED, "disable_staff.reason",
               "give the reason (they left, changed post, ...), one line of at most 1000 bytes");
        return;
    }
    const char *id[1] = {x->staff_id};
    cd_tx_t *tx = s_read_tx(d);
    cd_tx_add(tx, "SELECT " S_STAFF_COLS " FROM routing.staff WHERE staff_id = $1", 1, id);
    cd_tx_add(tx, S_NAMED_SQL, 1, id);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_disable_read, d);
}

/* ---------------------------------------------------------------- ListStaff */

static void s_on_list_read(const cd_tx_result_t *res, void *arg)
{
    s_dir_t *d = arg;
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (res->err) {
        s_fail(d, CD_CODE_UNAVAILABLE, "", "could not be read just now");
        return;
    }
    if (s_authorise(d, res->results[0], S_ALL_ROLES, &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
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
    s_free(d);
}

static void s_list(s_dir_t *d, const Candour__V1__ListStaff *l)
{
    if (!rt_org_id_ok(l->org_id)) {
        s_fail(d, CD_CODE_REQUIRED, "list_staff.org_id", "give the body's organisation id");
        return;
    }
    snprintf(d->body, sizeof d->body, "%s", l->org_id);
    const char *v[2] = {l->org_id, l->include_disabled ? "true" : "false"};
    cd_tx_t *tx = s_read_tx(d);
    cd_tx_add(tx,
              "SELECT " S_STAFF_COLS " FROM routing.staff WHERE org_id = $1"
              " AND ($2::boolean OR NOT disabled) ORDER BY length(staff_id), staff_id",
              2, v);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_list_read, d);
}

/* ---------------------------------------------------------------- SetOrgSettings */

/* The person named as role in the body's settings, from rows of (staff_id,
 * org_id, disabled, roles as JSON). */
static int s_named(const PGresult *r, const char *staff_id, const char *role, const char *org,
                   const char *field, cd_fail_t *why)
{
    for (int i = 0; i < PQntuples(r); i++) {
        if (strcmp(PQgetvalue(r, i, 0), staff_id) != 0)
            continue;
        char quoted[48];
        snprintf(quoted, sizeof quoted, "\"%s\"", role);
        return rt_org_person_check(staff_id, 1, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)[0] == 't',
                                   strstr(PQgetvalue(r, i, 3), quoted) != NULL, org, field, why);
    }
    return rt_org_person_check(staff_id, 0, "", 0, 0, org, field, why);
}

static void s_on_org_read(const cd_tx_result_t *res, void *arg)
{
    s_dir_t *d = arg;
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (res->err) {
        s_fail(d, CD_CODE_UNAVAILABLE, "", "could not be read just now; nothing was changed");
        return;
    }
    if (s_authorise(d, res->results[0], CD_ROLE_COMPLAINTS_MANAGER, &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    Candour__V1__SetOrgSettings *s = (Candour__V1__SetOrgSettings *)d->op->msg;
    Candour__V1__OrgSettings *o = s->settings;
    if (s_named(res->results[1], o->responsible_person, "responsible-person", d->body,
                "set_org_settings.settings.responsible_person", &why) != 0 ||
        s_named(res->results[1], o->complaints_manager, "complaints-manager", d->body,
                "set_org_settings.settings.complaints_manager", &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    const PGresult *cur = res->results[2];
    long long old = PQntuples(cur) == 1 ? strtoll(PQgetvalue(cur, 0, 0), NULL, 10) : 0;
    if (o->version && o->version != old) {
        s_fail(d, CD_CODE_FAILED_PRECONDITION, "set_org_settings.settings.version",
               "the settings changed since they were read: read them again and retry");
        return;
    }
    o->version = old + 1;
    Candour__V1__Letterhead empty = CANDOUR__V1__LETTERHEAD__INIT;
    char *letterhead = cd_pbjson_dumps(o->letterhead ? &o->letterhead->base : &empty.base, 0);
    cd_tx_t *tx = cd_tx_new();
    if (!tx || !letterhead) {
        free(letterhead);
        cd_tx_destroy(&tx);
        s_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    char rd[16], ud[16], oldv[24];
    snprintf(rd, sizeof rd, "%u", o->response_days);
    snprintf(ud, sizeof ud, "%u", o->update_every_days);
    snprintf(oldv, sizeof oldv, "%lld", old);
    const char *v[14] = {o->org_id,
                         rd,
                         ud,
                         o->pass_to_provider ? "true" : "false",
                         o->responsible_person,
                         o->complaints_manager,
                         letterhead,
                         d->op->actor,
                         oldv,
                         o->plan_low,
                         o->plan_medium,
                         o->plan_high,
                         o->draft_opening,
                         o->draft_closing};
    cd_tx_actor(tx, d->op->actor);
    cd_tx_add(tx,
              "WITH u AS (INSERT INTO routing.org_policy AS p (org_id, response_days,"
              " update_every_days, pass_to_provider, responsible_person, complaints_manager,"
              " letterhead, changed_by, version, plan_low, plan_medium, plan_high, draft_opening,"
              " draft_closing)"
              " VALUES ($1, $2::integer, $3::integer, $4::boolean, $5, $6, $7::jsonb, $8, 1,"
              " $10, $11, $12, $13, $14)"
              " ON CONFLICT (org_id) DO UPDATE SET response_days = EXCLUDED.response_days,"
              "  update_every_days = EXCLUDED.update_every_days,"
              "  pass_to_provider = EXCLUDED.pass_to_provider,"
              "  responsible_person = EXCLUDED.responsible_person,"
              "  complaints_manager = EXCLUDED.complaints_manager,"
              "  letterhead = EXCLUDED.letterhead, changed_by = EXCLUDED.changed_by,"
              "  plan_low = EXCLUDED.plan_low, plan_medium = EXCLUDED.plan_medium,"
              "  plan_high = EXCLUDED.plan_high, draft_opening = EXCLUDED.draft_opening,"
              "  draft_closing = EXCLUDED.draft_closing,"
              "  changed_at = now(), version = p.version + 1"
              " WHERE p.version = $9::bigint RETURNING version)"
              " SELECT routing.expect(count(*) = 1, 'the settings changed meanwhile') FROM u",
              14, v);
    cd_tx_actor_end(tx);
    free(letterhead);
    cd_event_out_t out = {.type = "org.changed", .complaint_ref = "", .payload = &o->base};
    if (cd_outbox_put(cd_service_outbox(rt_app.svc), tx, &out, NULL, NULL) != 0) {
        cd_tx_destroy(&tx);
        s_fail(d, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_written, d);
}

static void s_set_org(s_dir_t *d, const Candour__V1__SetOrgSettings *s)
{
    cd_fail_t why;
    if (!s->settings) {
        s_fail(d, CD_CODE_REQUIRED, "set_org_settings.settings", "give the body's settings");
        return;
    }
    if (rt_org_check(s->settings, (unsigned)rt_app.response_days, (unsigned)rt_app.update_days,
                     "set_org_settings.settings", &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    const Candour__V1__OrgSettings *o = s->settings;
    snprintf(d->body, sizeof d->body, "%s", o->org_id);
    const char *people[2] = {o->responsible_person, o->complaints_manager};
    const char *org[1] = {o->org_id};
    cd_tx_t *tx = s_read_tx(d);
    cd_tx_add(tx,
              "SELECT staff_id, org_id, disabled, array_to_json(roles)::text FROM routing.staff"
              " WHERE staff_id IN ($1, $2)",
              2, people);
    cd_tx_add(tx, "SELECT version FROM routing.org_policy WHERE org_id = $1", 1, org);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_org_read, d);
}

/* ---------------------------------------------------------------- GetOrgSettings */

static void s_on_get_org_read(const cd_tx_result_t *res, void *arg)
{
    s_dir_t *d = arg;
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (res->err) {
        s_fail(d, CD_CODE_UNAVAILABLE, "", "could not be read just now");
        return;
    }
    if (s_authorise(d, res->results[0], S_ALL_ROLES, &why) != 0) {
        s_fail(d, why.code, why.field, why.message);
        return;
    }
    const PGresult *r = res->results[1];
    if (PQntuples(r) != 1) {
        s_fail(d, CD_CODE_NOT_FOUND, "get_org_settings.org_id",
               "that body has no settings yet: Candour's defaults apply");
        return;
    }
    Candour__V1__OrgSettings o = CANDOUR__V1__ORG_SETTINGS__INIT;
    o.org_id = PQgetvalue(r, 0, 0);
    o.response_days = (uint32_t)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
    o.update_every_days = (uint32_t)strtoul(PQgetvalue(r, 0, 2), NULL, 10);
    o.pass_to_provider = PQgetvalue(r, 0, 3)[0] == 't';
    o.responsible_person = PQgetvalue(r, 0, 4);
    o.complaints_manager = PQgetvalue(r, 0, 5);
    const char *lh = PQgetvalue(r, 0, 6);
    o.letterhead = (Candour__V1__Letterhead *)cd_pbjson_parse(&candour__v1__letterhead__descriptor,
                                                              lh, strlen(lh), NULL);
    o.version = strtoll(PQgetvalue(r, 0, 7), NULL, 10);
    o.plan_low = PQgetvalue(r, 0, 8);
    o.plan_medium = PQgetvalue(r, 0, 9);
    o.plan_high = PQgetvalue(r, 0, 10);
    o.draft_opening = PQgetvalue(r, 0, 11);
    o.draft_closing = PQgetvalue(r, 0, 12);
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_ORG_SETTINGS;
    reply.org_settings = &o;
    cd_op_reply(d->op, &reply);
    if (o.letterhead)
        protobuf_c_message_free_unpacked(&o.letterhead->base, NULL);
    s_free(d);
}

static void s_get_org(s_dir_t *d, const Candour__V1__GetOrgSettings *g)
{
    if (!rt_org_id_ok(g->org_id)) {
        s_fail(d, CD_CODE_REQUIRED, "get_org_settings.org_id", "give the body's organisation id");
        return;
    }
    snprintf(d->body, sizeof d->body, "%s", g->org_id);
    const char *org[1] = {g->org_id};
    cd_tx_t *tx = s_read_tx(d);
    cd_tx_add(tx, "SELECT " S_ORG_COLS " FROM routing.org_policy WHERE org_id = $1", 1, org);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_get_org_read, d);
}

/* ---------------------------------------------------------------- entry */

void rt_directory(cd_request_t *req, const Candour__V1__Request *r)
{
    const ProtobufCMessage *msg = NULL;
    s_kind_t kind = K_LIST;
    switch (r->op_case) {
    case CANDOUR__V1__REQUEST__OP_PUT_STAFF:
        msg = &r->put_staff->base, kind = K_PUT;
        break;
    case CANDOUR__V1__REQUEST__OP_DISABLE_STAFF:
        msg = &r->disable_staff->base, kind = K_DISABLE;
        break;
    case CANDOUR__V1__REQUEST__OP_LIST_STAFF:
        msg = &r->list_staff->base, kind = K_LIST;
        break;
    case CANDOUR__V1__REQUEST__OP_SET_ORG_SETTINGS:
        msg = &r->set_org_settings->base, kind = K_SET_ORG;
        break;
    case CANDOUR__V1__REQUEST__OP_GET_ORG_SETTINGS:
        msg = &r->get_org_settings->base, kind = K_GET_ORG;
        break;
    default:
        cd_request_fail(req, CD_CODE_UNSUPPORTED, "op", "not a directory operation");
        return;
    }
    s_dir_t *d = calloc(1, sizeof *d);
    if (!d) {
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
        return;
    }
    d->kind = kind;
    if (!(d->op = cd_op_new(req, msg))) { /* answered INTERNAL */
        free(d);
        return;
    }
    switch (kind) {
    case K_PUT:
        s_put(d, (const Candour__V1__PutStaff *)d->op->msg);
        break;
    case K_DISABLE:
        s_disable(d, (const Candour__V1__DisableStaff *)d->op->msg);
        break;
    case K_LIST:
        s_list(d, (const Candour__V1__ListStaff *)d->op->msg);
        break;
    case K_SET_ORG:
        s_set_org(d, (const Candour__V1__SetOrgSettings *)d->op->msg);
        break;
    case K_GET_ORG:
        s_get_org(d, (const Candour__V1__GetOrgSettings *)d->op->msg);
        break;
    }
}
