/* chain_io.c - the signature chain's columns as chain.h's input
 * (chain_io.h). */
#include "chain_io.h"

#include <jansson.h>
#include <string.h>

/* "signatory" / "responsible-person" as CD_ROLE_* bits. */
static unsigned s_roles(json_t *a)
{
    unsigned r = 0;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *s = json_string_value(v);
        if (s && strcmp(s, "signatory") == 0)
            r |= CD_ROLE_SIGNATORY;
        else if (s && strcmp(s, "responsible-person") == 0)
            r |= CD_ROLE_RESPONSIBLE_PERSON;
    }
    return r;
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

int so_chain_from_row(const PGresult *r, int col, int del_col, const char *org, so_chain_io_t *c,
                      const char *acting)
{
    memset(c, 0, sizeof *c);
    json_t *steps = json_loads(PQgetvalue(r, 0, col), 0, NULL);
    json_t *sigs = json_loads(PQgetvalue(r, 0, col + 1), 0, NULL);
    json_t *dels = del_col >= 0 ? json_loads(PQgetvalue(r, 0, del_col), 0, NULL) : json_array();
    c->json[0] = steps;
    c->json[1] = sigs;
    c->json[2] = dels;
    if (!json_is_array(steps) || !json_is_array(sigs) || !json_is_array(dels)) {
        so_chain_io_free(c);
        return -1;
    }
    size_t i;
    json_t *o;
    json_array_foreach(steps, i, o)
    {
        if (c->nsteps == SO_MAX_STEPS)
            break;
        so_step_t *s = &c->steps[c->nsteps++];
        s->signer_org = s_str(o, "signer_org");
        s->roles = s_roles(json_object_get(o, "roles"));
        s->label = s_str(o, "label");
        s->covering = json_is_true(json_object_get(o, "covering"));
    }
    if (c->nsteps == 0)
        c->nsteps = so_chain_default(org, c->steps);
    json_array_foreach(sigs, i, o)
    {
        if (c->ndone == SO_MAX_STEPS)
            break;
        so_signature_t *g = &c->sig[c->ndone];
        g->step = (int)json_integer_value(json_object_get(o, "step"));
        g->staff_id = s_str(o, "staff_id");
        g->name = s_str(o, "name");
        g->title = s_str(o, "title");
        c->done[c->ndone++] = (so_signed_t){g->step, g->staff_id};
    }
    json_array_foreach(dels, i, o)
    {
        if (c->ndels == sizeof c->dels / sizeof c->dels[0])
            break;
        so_delegation_t *d = &c->dels[c->ndels];
        if (cd_date_parse(s_str(o, "from"), &d->from) != 0 ||
            cd_date_parse(s_str(o, "until"), &d->until) != 0)
            continue;
        d->org_id = s_str(o, "org_id");
        d->staff_id = acting ? acting : "";
        d->roles = s_roles(json_object_get(o, "roles"));
        c->ndels++;
    }
    c->covering = PQgetisnull(r, 0, col + 2) ? NULL : PQgetvalue(r, 0, col + 2);
    return 0;
}

void so_chain_io_free(so_chain_io_t *c)
{
    for (size_t i = 0; i < 3; i++)
        json_decref(c->json[i]);
    memset(c, 0, sizeof *c);
}
