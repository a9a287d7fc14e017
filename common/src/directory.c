/* directory.c - the person acting, the rules of who may, and the services'
 * copies of the staff directory (directory.h). */
#include "candour/directory.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"
#include "candour/util.h"

/* ---------------------------------------------------------------- roles */

static const char *const s_role_names[] = {
    [CANDOUR__V1__ROLE__ROLE_COMPLAINTS_MANAGER] = "complaints-manager",
    [CANDOUR__V1__ROLE__ROLE_INVESTIGATOR] = "investigator",
    [CANDOUR__V1__ROLE__ROLE_SIGNATORY] = "signatory",
    [CANDOUR__V1__ROLE__ROLE_RESPONSIBLE_PERSON] = "responsible-person",
    [CANDOUR__V1__ROLE__ROLE_ANALYST] = "analyst",
    [CANDOUR__V1__ROLE__ROLE_OPS] = "ops",
};
#define S_NROLES ((int)(sizeof s_role_names / sizeof s_role_names[0]))

const char *cd_role_name(Candour__V1__Role role)
{
    return (int)role > 0 && (int)role < S_NROLES ? s_role_names[role] : NULL;
}

Candour__V1__Role cd_role_from_name(const char *name)
{
    for (int i = 1; name && i < S_NROLES; i++)
        if (strcmp(s_role_names[i], name) == 0)
            return (Candour__V1__Role)i;
    return CANDOUR__V1__ROLE__ROLE_UNSPECIFIED;
}

void cd_roles_words(unsigned roles, char *out, size_t len)
{
    size_t used = 0;
    int n = 0;
    if (len)
        out[0] = '\0';
    for (int i = 1; i < S_NROLES; i++) {
        if (!(roles & (1u << i)))
            continue;
        char word[32];
        snprintf(word, sizeof word, "%s", s_role_names[i]);
        for (char *p = word; *p; p++)
            if (*p == '-')
                *p = ' ';
        int w = snprintf(out + used, len > used ? len - used : 0, "%s%s", n ? " or " : "", word);
        if (w > 0)
            used += (size_t)w;
        if (used >= len)
            return;
        n++;
    }
}

/* ---------------------------------------------------------------- the person acting */

void cd_actor_sql(const char *schema, char *out, size_t len)
{
    snprintf(out, len,
             "SELECT staff_id, org_id, name, team, array_to_json(roles)::text, disabled,"
             " array_to_json(signs_for)::text, job_title FROM %s.staff WHERE staff_id = $1",
             schema);
}

static char **s_strings(const char *json, size_t *n)
{
    *n = 0;
    json_t *a = json_loads(json, 0, NULL);
    if (!json_is_array(a)) {
        json_decref(a);
        return NULL;
    }
    size_t k = json_array_size(a);
    char **v = calloc(k ? k : 1, sizeof *v);
    for (size_t i = 0; v && i < k; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!(v[i] = strdup(s ? s : ""))) {
            for (size_t j = 0; j < i; j++)
                free(v[j]);
            free(v);
            v = NULL;
        }
    }
    if (v)
        *n = k;
    json_decref(a);
    return v;
}

int cd_actor_from_row(const PGresult *r, int row, int col, cd_actor_t *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->staff_id, sizeof a->staff_id, "%s", PQgetvalue(r, row, col));
    snprintf(a->org_id, sizeof a->org_id, "%s", PQgetvalue(r, row, col + 1));
    snprintf(a->name, sizeof a->name, "%s", PQgetvalue(r, row, col + 2));
    snprintf(a->team, sizeof a->team, "%s", PQgetvalue(r, row, col + 3));
    size_t nroles = 0;
    char **roles = s_strings(PQgetvalue(r, row, col + 4), &nroles);
    if (!roles)
        return -1;
    for (size_t i = 0; i < nroles; i++) {
        Candour__V1__Role role = cd_role_from_name(roles[i]);
        if (role != CANDOUR__V1__ROLE__ROLE_UNSPECIFIED)
            a->roles |= 1u << role;
        free(roles[i]);
    }
    free(roles);
    a->disabled = strcmp(PQgetvalue(r, row, col + 5), "t") == 0;
    snprintf(a->job_title, sizeof a->job_title, "%s", PQgetvalue(r, row, col + 7));
    a->signs_for = s_strings(PQgetvalue(r, row, col + 6), &a->n_signs_for);
    return a->signs_for ? 0 : -1;
}

void cd_actor_clear(cd_actor_t *a)
{
    for (size_t i = 0; i < a->n_signs_for; i++)
        free(a->signs_for[i]);
    free(a->signs_for);
    a->signs_for = NULL;
    a->n_signs_for = 0;
}

void cd_actor_label(const cd_actor_t *a, char *out, size_t len)
{
    snprintf(out, len, "%s (%s)", a->name, a->staff_id);
}

int cd_actor_may(const cd_actor_t *a, const char *acting, const char *org, unsigned roles,
                 const char *field, cd_fail_t *why)
{
    if (!acting || !*acting)
        return cd_fail(why, CD_CODE_PERMISSION_DENIED, field,
                       "a staff operation must name the staff member acting");
    if (!a)
        return cd_fail(why, CD_CODE_PERMISSION_DENIED, field, "%.24s is not in the staff directory",
                       acting);
    if (a->disabled)
        return cd_fail(why, CD_CODE_PERMISSION_DENIED, field,
                       "%s is disabled in the staff directory", a->staff_id);
    if (strcmp(a->org_id, org) != 0)
        return cd_fail(why, CD_CODE_PERMISSION_DENIED, field,
                       "%s belongs to another organisation and cannot act on this complaint",
                       a->staff_id);
    if (!(a->roles & roles)) {
        char words[160];
        cd_roles_words(roles, words, sizeof words);
        return cd_fail(why, CD_CODE_PERMISSION_DENIED, field,
                       "%s is not a %s of %s, which this needs", a->staff_id, words, org);
    }
    return 0;
}

int cd_actor_may_read(const cd_actor_t *a, const char *acting, const char *org, unsigned roles,
                      const char *ref_field, cd_fail_t *why)
{
    /* Against their own body first: whether they may read at all must not
     * depend on whether the reference exists. */
    if (cd_actor_may(a, acting, a ? a->org_id : "", roles, "acting", why) != 0)
        return -1;
    if (!org || strcmp(org, a->org_id) != 0)
        return cd_fail(why, CD_CODE_NOT_FOUND, ref_field,
                       "no complaint with that reference for your organisation");
    return 0;
}

int cd_actor_signs_for(const cd_actor_t *a, const char *org)
{
    if (strcmp(a->org_id, org) == 0)
        return 1;
    for (size_t i = 0; i < a->n_signs_for; i++)
        if (strcmp(a->signs_for[i], org) == 0)
            return 1;
    return 0;
}

int cd_op_actor(cd_op_t *op, const PGresult *who, const char *org, unsigned roles, int signs_for,
                int (*more)(const cd_actor_t *a, void *ctx, cd_fail_t *why), void *ctx,
                cd_fail_t *why)
{
    cd_actor_t a;
    int found = who && PQntuples(who) == 1;
    if (found && cd_actor_from_row(who, 0, 0, &a) != 0) {
        cd_actor_clear(&a);
        return cd_fail(why, CD_CODE_UNAVAILABLE, "",
                       "could not be done just now; nothing was changed");
    }
    if (found && (!org || (signs_for && cd_actor_signs_for(&a, org))))
        org = a.org_id; /* their own body, or one that authorised them */
    int rc = cd_actor_may(found ? &a : NULL, cd_request_acting(op->req), org ? org : "", roles,
                          "acting", why);
    if (rc == 0 && more)
        rc = more(&a, ctx, why);
    if (rc == 0) {
        cd_actor_label(&a, op->actor, sizeof op->actor);
        snprintf(op->actor_id, sizeof op->actor_id, "%s", a.staff_id);
        snprintf(op->actor_name, sizeof op->actor_name, "%s", a.name);
        snprintf(op->actor_title, sizeof op->actor_title, "%s", a.job_title);
    }
    if (found)
        cd_actor_clear(&a);
    return rc;
}

/* ---------------------------------------------------------------- audit */

void cd_tx_actor(cd_tx_t *tx, const char *who)
{
    const char *v[1] = {who ? who : ""};
    cd_tx_add(tx, "SELECT set_config('candour.actor', $1, true)", 1, v);
}

void cd_tx_actor_end(cd_tx_t *tx)
{
    cd_tx_actor(tx, "");
}

/* ---------------------------------------------------------------- the copies */

static char *s_roles_array(const Candour__V1__StaffMember *m)
{
    const char *names[16];
    size_t n = 0;
    for (size_t i = 0; i < m->n_roles && n < 16; i++) {
        const char *name = cd_role_name(m->roles[i]);
        if (name)
            names[n++] = name;
    }
    return cd_pg_text_array(names, n);
}

void cd_dir_on_staff_changed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                             const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__StaffMember *m = (const Candour__V1__StaffMember *)payload;
    if (!*m->staff_id || !*m->org_id || m->version <= 0) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "staff.changed without a staff_id, an org_id or a version");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    char *roles = s_roles_array(m);
    char *signs = cd_pg_text_array((const char *const *)m->signs_for, m->n_signs_for);
    char version[24], sql[1024];
    snprintf(version, sizeof version, "%lld", (long long)m->version);
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.staff AS s (staff_id, org_id, name, job_title, team, email, phone,"
             " roles, signs_for, disabled, disabled_reason, version)"
             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9::text[], $10::boolean, $11,"
             " $12::bigint)"
             " ON CONFLICT (staff_id) DO UPDATE SET org_id = EXCLUDED.org_id,"
             "  name = EXCLUDED.name, job_title = EXCLUDED.job_title, team = EXCLUDED.team,"
             "  email = EXCLUDED.email, phone = EXCLUDED.phone, roles = EXCLUDED.roles,"
             "  signs_for = EXCLUDED.signs_for, disabled = EXCLUDED.disabled,"
             "  disabled_reason = EXCLUDED.disabled_reason, version = EXCLUDED.version"
             " WHERE s.version < EXCLUDED.version",
             cd_inbox_schema(in));
    const char *v[12] = {
        m->staff_id,        m->org_id, m->name, m->job_title, m->team,
        m->email,           m->phone,  roles,   signs,        m->disabled ? "true" : "false",
        m->disabled_reason, version};
    if (roles && signs)
        cd_tx_add(tx, sql, 12, v);
    else
        cd_tx_poison(tx); /* out of memory: the producer resends */
    free(roles);
    free(signs);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

void cd_dir_on_org_changed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                           const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__OrgSettings *o = (const Candour__V1__OrgSettings *)payload;
    if (!*o->org_id || o->version <= 0) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, "org.changed without an org_id or a version");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    Candour__V1__Letterhead empty = CANDOUR__V1__LETTERHEAD__INIT;
    char *letterhead = cd_pbjson_dumps(o->letterhead ? &o->letterhead->base : &empty.base, 0);
    char rd[16], ud[16], version[24], sql[1536];
    snprintf(rd, sizeof rd, "%u", o->response_days);
    snprintf(ud, sizeof ud, "%u", o->update_every_days);
    snprintf(version, sizeof version, "%lld", (long long)o->version);
    snprintf(sql, sizeof sql,
             "INSERT INTO %s.org AS o (org_id, response_days, update_every_days,"
             " pass_to_provider, responsible_person, complaints_manager, letterhead, version,"
             " plan_low, plan_medium, plan_high, draft_opening, draft_closing)"
             " VALUES ($1, $2::integer, $3::integer, $4::boolean, $5, $6, $7::jsonb, $8::bigint,"
             " $9, $10, $11, $12, $13)"
             " ON CONFLICT (org_id) DO UPDATE SET response_days = EXCLUDED.response_days,"
             "  update_every_days = EXCLUDED.update_every_days,"
             "  pass_to_provider = EXCLUDED.pass_to_provider,"
             "  responsible_person = EXCLUDED.responsible_person,"
             "  complaints_manager = EXCLUDED.complaints_manager,"
             "  letterhead = EXCLUDED.letterhead, version = EXCLUDED.version,"
             "  plan_low = EXCLUDED.plan_low, plan_medium = EXCLUDED.plan_medium,"
             "  plan_high = EXCLUDED.plan_high, draft_opening = EXCLUDED.draft_opening,"
             "  draft_closing = EXCLUDED.draft_closing"
             " WHERE o.version < EXCLUDED.version",
             cd_inbox_schema(in));
    const char *v[13] = {o->org_id,
                         rd,
                         ud,
                         o->pass_to_provider ? "true" : "false",
                         o->responsible_person,
                         o->complaints_manager,
                         letterhead,
                         version,
                         o->plan_low,
                         o->plan_medium,
                         o->plan_high,
                         o->draft_opening,
                         o->draft_closing};
    if (letterhead)
        cd_tx_add(tx, sql, 13, v);
    else
        cd_tx_poison(tx);
    free(letterhead);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}
