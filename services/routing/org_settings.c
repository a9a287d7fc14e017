/* org_settings.c - routing keeps each organisation's own settings (Regs
 * reg. 4, R2, R5, V2): SetOrgSettings and GetOrgSettings on its internal
 * endpoint. The body names its responsible person and complaints manager,
 * who must hold those roles; a change is a complaints manager's or ops', goes
 * out as org.changed with its new version, and is refused when the version it
 * names is not the one in force (dir_request.h for what it shares with the
 * staff directory). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "dir_request.h"
#include "routing.h"
#include "staffrules.h"

#define S_ORG_COLS                                                                                 \
    "org_id, response_days, update_every_days, pass_to_provider, responsible_person,"              \
    " complaints_manager, letterhead::text, version, plan_low, plan_medium, plan_high,"            \
    " draft_opening, draft_closing"

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
    rt_dir_t *d = arg;
    cd_fail_t why = {.code = CD_CODE_PERMISSION_DENIED};
    if (rt_dir_read_ok(d, res) != 0)
        return;
    if (rt_dir_may(d, res->results[0], CD_ROLE_COMPLAINTS_MANAGER) != 0)
        return;
    Candour__V1__SetOrgSettings *s = (Candour__V1__SetOrgSettings *)d->op->msg;
    Candour__V1__OrgSettings *o = s->settings;
    if (s_named(res->results[1], o->responsible_person, "responsible-person", d->body,
                "set_org_settings.settings.responsible_person", &why) != 0 ||
        s_named(res->results[1], o->complaints_manager, "complaints-manager", d->body,
                "set_org_settings.settings.complaints_manager", &why) != 0) {
        rt_dir_fail(d, why.code, why.field, why.message);
        return;
    }
    const PGresult *cur = res->results[2];
    long long old = PQntuples(cur) == 1 ? strtoll(PQgetvalue(cur, 0, 0), NULL, 10) : 0;
    if (o->version && o->version != old) {
        rt_dir_fail(d, CD_CODE_FAILED_PRECONDITION, "set_org_settings.settings.version",
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
        rt_dir_fail(d, CD_CODE_INTERNAL, "", "out of memory; nothing was changed");
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
        rt_dir_fail(d, CD_CODE_UNAVAILABLE, "", "could not be done just now; nothing was changed");
        return;
    }
    cd_db_submit(cd_service_db(rt_app.svc), tx, rt_dir_on_written, d);
}

static void s_set_org(rt_dir_t *d, const Candour__V1__SetOrgSettings *s)
{
    cd_fail_t why;
    if (!s->settings) {
        rt_dir_fail(d, CD_CODE_REQUIRED, "set_org_settings.settings", "give the body's settings");
        return;
    }
    if (rt_org_check(s->settings, (unsigned)rt_app.response_days, (unsigned)rt_app.update_days,
                     "set_org_settings.settings", &why) != 0) {
        rt_dir_fail(d, why.code, why.field, why.message);
        return;
    }
    const Candour__V1__OrgSettings *o = s->settings;
    snprintf(d->body, sizeof d->body, "%s", o->org_id);
    const char *people[2] = {o->responsible_person, o->complaints_manager};
    const char *org[1] = {o->org_id};
    cd_tx_t *tx = rt_dir_read_tx(d);
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
    rt_dir_t *d = arg;
    if (rt_dir_read_ok(d, res) != 0)
        return;
    if (rt_dir_may(d, res->results[0], RT_DIR_ALL_ROLES) != 0)
        return;
    const PGresult *r = res->results[1];
    if (PQntuples(r) != 1) {
        rt_dir_fail(d, CD_CODE_NOT_FOUND, "get_org_settings.org_id",
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
    rt_dir_free(d);
}

static void s_get_org(rt_dir_t *d, const Candour__V1__GetOrgSettings *g)
{
    if (!rt_org_id_ok(g->org_id)) {
        rt_dir_fail(d, CD_CODE_REQUIRED, "get_org_settings.org_id",
                    "give the body's organisation id");
        return;
    }
    snprintf(d->body, sizeof d->body, "%s", g->org_id);
    const char *org[1] = {g->org_id};
    cd_tx_t *tx = rt_dir_read_tx(d);
    cd_tx_add(tx, "SELECT " S_ORG_COLS " FROM routing.org_policy WHERE org_id = $1", 1, org);
    cd_db_submit(cd_service_db(rt_app.svc), tx, s_on_get_org_read, d);
}

void rt_set_org_settings(cd_request_t *req, const Candour__V1__SetOrgSettings *s)
{
    rt_dir_t *d = rt_dir_new(req, &s->base, RT_DIR_SET_ORG);
    if (d)
        s_set_org(d, (const Candour__V1__SetOrgSettings *)d->op->msg);
}

void rt_get_org_settings(cd_request_t *req, const Candour__V1__GetOrgSettings *g)
{
    rt_dir_t *d = rt_dir_new(req, &g->base, RT_DIR_GET_ORG);
    if (d)
        s_get_org(d, (const Candour__V1__GetOrgSettings *)d->op->msg);
}
