/* chain.c - the signature chain's rules (chain.h). Pure. */
#include "chain.h"

#include <stdio.h>
#include <string.h>

#include "candour/util.h"

size_t so_chain_default(const char *org, so_step_t *out)
{
    out[0] = (so_step_t){.signer_org = org,
                         .roles = CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON,
                         .label = "a signatory or the responsible person",
                         .covering = 0};
    return 1;
}

int so_step_qualifies(const so_step_t *s, const cd_actor_t *a, const so_delegation_t *dels,
                      size_t ndels, cd_date_t today, int *as_delegate)
{
    *as_delegate = 0;
    if (a->disabled)
        return 0;
    if ((a->roles & s->roles) && cd_actor_signs_for(a, s->signer_org))
        return 1;
    for (size_t i = 0; i < ndels; i++) {
        const so_delegation_t *d = &dels[i];
        if (strcmp(d->org_id, s->signer_org) == 0 && strcmp(d->staff_id, a->staff_id) == 0 &&
            (d->roles & s->roles) && cd_date_cmp(d->from, today) <= 0 &&
            cd_date_cmp(today, d->until) <= 0) {
            *as_delegate = 1;
            return 1;
        }
    }
    return 0;
}

static int s_signed(const so_signed_t *done, size_t ndone, int step)
{
    for (size_t i = 0; i < ndone; i++)
        if (done[i].step == step)
            return 1;
    return 0;
}

int so_chain_next(const so_step_t *steps, size_t n, const so_signed_t *done, size_t ndone,
                  const cd_actor_t *a, const so_delegation_t *dels, size_t ndels, cd_date_t today,
                  int *as_delegate, cd_fail_t *why)
{
    size_t next = 0;
    while (next < n && s_signed(done, ndone, (int)next + 1))
        next++;
    if (next == n)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "sign.complaint_ref",
                       "every step of the chain has signed this version already");
    for (size_t i = 0; i < ndone; i++)
        if (strcmp(done[i].staff_id, a->staff_id) == 0)
            return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "acting",
                           "%s signed step %d of this version already; step %zu is signed by"
                           " %s, another person",
                           a->staff_id, done[i].step, next + 1, steps[next].label);
    if (so_step_qualifies(&steps[next], a, dels, ndels, today, as_delegate))
        return (int)next;
    for (size_t k = next + 1; k < n; k++) {
        int d;
        if (so_step_qualifies(&steps[k], a, dels, ndels, today, &d))
            return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "acting",
                           "out of order: step %zu (%s) signs before step %zu, which is yours",
                           next + 1, steps[next].label, k + 1);
    }
    return cd_fail(why, CD_CODE_PERMISSION_DENIED, "acting",
                   "%s may not sign this response: step %zu is signed by %s of %s", a->staff_id,
                   next + 1, steps[next].label, steps[next].signer_org);
}

int so_chain_check(const so_step_t *steps, size_t n, cd_fail_t *why)
{
    if (n == 0 || n > SO_MAX_STEPS)
        return cd_fail(why, CD_CODE_OUT_OF_RANGE, "steps", "a chain has 1 to %d steps",
                       SO_MAX_STEPS);
    const unsigned ok = CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON;
    for (size_t i = 0; i < n; i++) {
        const so_step_t *s = &steps[i];
        char f[48];
        size_t on = s->signer_org ? strlen(s->signer_org) : 0;
        if (on == 0 || on > 64 ||
            strspn(s->signer_org, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789._-") != on) {
            snprintf(f, sizeof f, "steps[%zu].signer_org", i);
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, f,
                           "an organisation id: 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (s->roles == 0 || (s->roles & ~ok)) {
            snprintf(f, sizeof f, "steps[%zu].roles", i);
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, f,
                           "a step is signed by a signatory, the responsible person, or either");
        }
        size_t ln = s->label ? strlen(s->label) : 0;
        if (ln == 0 || ln > 200 || !cd_text_ok(s->label, ln, 0)) {
            snprintf(f, sizeof f, "steps[%zu].label", i);
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, f,
                           "say who signs the step, in words (1 to 200 bytes, one line)");
        }
        if (s->covering && i + 1 != n) {
            snprintf(f, sizeof f, "steps[%zu].covering", i);
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, f,
                           "the covering letter goes with the last step's signature");
        }
    }
    return 0;
}
