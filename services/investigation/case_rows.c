/* case_rows.c - what the operations on a case's record share: case_rows.h. */
#include "case_rows.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "candour/lifecycle.h"
#include "candour/util.h"
#include "casework.h"
#include "investigation.h"
#include "outcome.h"

cd_date_t iv_today(void)
{
    return cd_date_from_unix_london(cd_clock_now());
}

int iv_case_workable(const char *state, const char *investigator, const char *field, cd_fail_t *why)
{
    /* The one lifecycle row that holds only while the case is under
     * investigation: whatever may assign an investigator may work on the
     * record, and nothing else may. */
    if (!cd_lc_allows(iv_case_state(state), CD_LC_CASE_RECORDED))
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, field,
                       "the case is not open: it has an outcome, or the complaint was withdrawn");
    if (!investigator[0])
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, field,
                       "no investigator is assigned to the case: the complaints manager assigns"
                       " one first (V1)");
    return 0;
}

/* ---------------------------------------------------------- key issues */

#define S_AGREE "agree_key_issues"

int iv_agree_check(const Candour__V1__AgreeKeyIssues *a, cd_date_t today, cd_fail_t *why)
{
    if (iv_key_issue_count_check(a->n_issues, S_AGREE ".issues", why) != 0)
        return -1;
    for (size_t i = 0; i < a->n_issues; i++) {
        const Candour__V1__KeyIssue *k = a->issues[i];
        assert(k);
        iv_key_issue_t ki = {
            .summary = k->summary,
            .subject = k->subject,
            .service_area = k->service_area,
            .profession = k->profession,
            .agreed_on = a->agreed_on,
            .agreed_how = a->agreed_how,
        };
        char field[64], on[80], how[80];
        snprintf(field, sizeof field, S_AGREE ".issues[%zu]", i);
        if (iv_key_issue_check(&ki, today, field, why) == 0)
            continue;
        /* The date and the way agreed are the request's, given once: the
         * person fixes them there, not in issue i. */
        snprintf(on, sizeof on, "%s.agreed_on", field);
        snprintf(how, sizeof how, "%s.agreed_how", field);
        if (strcmp(why->field, on) == 0)
            snprintf(why->field, sizeof why->field, S_AGREE ".agreed_on");
        else if (strcmp(why->field, how) == 0)
            snprintf(why->field, sizeof why->field, S_AGREE ".agreed_how");
        return -1;
    }
    return 0;
}

/* Whether code is a string of the JSON array codes (NULL: none). */
static int s_listed(const json_t *codes, const char *code)
{
    size_t i;
    const json_t *c;
    json_array_foreach(codes, i, c)
    {
        const char *s = json_string_value(c);
        if (s && strcmp(s, code) == 0)
            return 1;
    }
    return 0;
}

int iv_agree_codes_check(const Candour__V1__AgreeKeyIssues *a, const char *subjects_json,
                         const char *service_areas_json, const char *professions_json,
                         cd_fail_t *why)
{
    static const struct {
        const char *member; /* the KeyIssue field */
        const char *what;   /* its list, in words */
    } lists[3] = {
        {"subject", "subject"},
        {"service_area", "service-area"},
        {"profession", "profession"},
    };
    json_t *found[3] = {
        json_loads(subjects_json ? subjects_json : "[]", 0, NULL),
        json_loads(service_areas_json ? service_areas_json : "[]", 0, NULL),
        json_loads(professions_json ? professions_json : "[]", 0, NULL),
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < a->n_issues; i++) {
        const Candour__V1__KeyIssue *k = a->issues[i];
        const char *codes[3] = {k->subject, k->service_area, k->profession};
        for (size_t l = 0; rc == 0 && l < 3; l++) {
            if (s_listed(json_is_array(found[l]) ? found[l] : NULL, codes[l]))
                continue;
            char field[64];
            snprintf(field, sizeof field, S_AGREE ".issues[%zu].%s", i, lists[l].member);
            /* The code has the KO41a form (iv_key_issue_check): safe to quote. */
            rc = cd_fail(why, CD_CODE_INVALID_ARGUMENT, field,
                         "\"%s\" is not a KO41a %s code in force on %s: `candourctl categories"
                         " list` shows the codes",
                         codes[l], lists[l].what, a->agreed_on);
        }
    }
    for (size_t l = 0; l < 3; l++)
        json_decref(found[l]);
    return rc;
}

/* ---------------------------------------------------- the person acting */

cd_tx_t *iv_staff_read_tx(const char *sql, int nparams, const char *const *params,
                          const char *acting)
{
    char who_sql[512];
    cd_actor_sql("investigation", who_sql, sizeof who_sql);
    const char *v[1] = {acting};
    cd_tx_t *tx = cd_tx_new();
    cd_tx_add(tx, sql, nparams, params);
    cd_tx_add(tx, who_sql, 1, v);
    return tx;
}

static int s_case_actor(const cd_actor_t *a, void *ctx, cd_fail_t *why)
{
    return iv_case_actor_ok(ctx, a, why);
}

int iv_staff_check(cd_op_t *op, const PGresult *who, const char *org, unsigned roles,
                   const char *assigned, cd_fail_t *why)
{
    return cd_op_actor(op, who, org, roles, 0, assigned ? s_case_actor : NULL, (void *)assigned,
                       why);
}
