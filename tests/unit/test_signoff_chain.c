/* test_signoff_chain.c - the signature chain's rules (F2, chain.h): who
 * signs each step, in order, once each, delegates within their dates, and
 * a chain as a body may configure it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"

static cd_date_t s_d(const char *ymd)
{
    cd_date_t d;
    cr_assert_eq(cd_date_parse(ymd, &d), 0);
    return d;
}

static cd_actor_t s_person(const char *id, const char *org, unsigned roles)
{
    cd_actor_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.staff_id, sizeof a.staff_id, "%s", id);
    snprintf(a.org_id, sizeof a.org_id, "%s", org);
    a.roles = roles;
    return a;
}

/* A CSU investigates for an ICB: its senior signatory, then the ICB's
 * responsible person, who sends the covering letter. */
static const so_step_t s_csu_icb[] = {
    {"CSU-NE", CD_ROLE_SIGNATORY, "the CSU's senior signatory", 0},
    {"ICB-QWE", CD_ROLE_RESPONSIBLE_PERSON, "the ICB's responsible person", 1},
};

static const cd_date_t s_today = {2026, 12, 4};

Test(signoff_chain, F2_without_a_chain_a_signatory_or_the_responsible_person_signs)
{
    so_step_t steps[1];
    cr_assert_eq(so_chain_default("ICB-QWE", steps), 1);
    cd_actor_t rp = s_person("ST1", "ICB-QWE", CD_ROLE_RESPONSIBLE_PERSON);
    cd_actor_t inv = s_person("ST2", "ICB-QWE", CD_ROLE_INVESTIGATOR);
    cd_actor_t other = s_person("ST3", "ICB-ZZZ", CD_ROLE_SIGNATORY);
    cd_fail_t e = {0};
    int del;
    cr_assert_eq(so_chain_next(steps, 1, NULL, 0, &rp, NULL, 0, s_today, &del, &e), 0);
    cr_assert_eq(del, 0);
    cr_assert_eq(so_chain_next(steps, 1, NULL, 0, &inv, NULL, 0, s_today, &del, &e), -1);
    cr_assert_eq(e.code, CD_CODE_PERMISSION_DENIED);
    cr_assert_str_eq(e.field, "acting");
    cr_assert_eq(so_chain_next(steps, 1, NULL, 0, &other, NULL, 0, s_today, &del, &e), -1);
    /* A signatory the body authorised (signs_for) signs for it. */
    char *sf[] = {"ICB-QWE"};
    other.signs_for = sf;
    other.n_signs_for = 1;
    cr_assert_eq(so_chain_next(steps, 1, NULL, 0, &other, NULL, 0, s_today, &del, &e), 0);
}

Test(signoff_chain, F2_the_csu_signs_first_then_the_icb)
{
    cd_actor_t csu = s_person("ST10", "CSU-NE", CD_ROLE_SIGNATORY);
    cd_actor_t rp = s_person("ST20", "ICB-QWE", CD_ROLE_RESPONSIBLE_PERSON);
    cd_fail_t e = {0};
    int del;
    /* Out of order: the ICB before the CSU. */
    cr_assert_eq(so_chain_next(s_csu_icb, 2, NULL, 0, &rp, NULL, 0, s_today, &del, &e), -1);
    cr_assert_eq(e.code, CD_CODE_FAILED_PRECONDITION);
    cr_assert(strstr(e.message, "out of order") && strstr(e.message, "CSU"), "%s", e.message);
    cr_assert_eq(so_chain_next(s_csu_icb, 2, NULL, 0, &csu, NULL, 0, s_today, &del, &e), 0);
    so_signed_t done[] = {{1, "ST10"}};
    cr_assert_eq(so_chain_next(s_csu_icb, 2, done, 1, &rp, NULL, 0, s_today, &del, &e), 1);
    /* The CSU's signatory does not sign the ICB's step too. */
    cr_assert_eq(so_chain_next(s_csu_icb, 2, done, 1, &csu, NULL, 0, s_today, &del, &e), -1);
    cr_assert(strstr(e.message, "already"), "%s", e.message);
    so_signed_t all[] = {{1, "ST10"}, {2, "ST20"}};
    cr_assert_eq(so_chain_next(s_csu_icb, 2, all, 2, &rp, NULL, 0, s_today, &del, &e), -1);
    cr_assert_str_eq(e.field, "sign.complaint_ref");
}

Test(signoff_chain, F2_a_delegate_signs_only_within_the_dates_recorded)
{
    cd_actor_t dir = s_person("ST30", "ICB-QWE", CD_ROLE_SIGNATORY);
    so_delegation_t d[] = {
        {"ICB-QWE", "ST30", CD_ROLE_RESPONSIBLE_PERSON, s_d("2026-12-01"), s_d("2026-12-04")}};
    so_signed_t done[] = {{1, "ST10"}};
    cd_fail_t e = {0};
    int del = 0;
    cr_assert_eq(so_chain_next(s_csu_icb, 2, done, 1, &dir, d, 1, s_today, &del, &e), 1);
    cr_assert_eq(del, 1, "signed as a delegate");
    cr_assert_eq(so_chain_next(s_csu_icb, 2, done, 1, &dir, d, 1, s_d("2026-12-05"), &del, &e), -1,
                 "the day after it ended");
    cr_assert_eq(so_chain_next(s_csu_icb, 2, done, 1, &dir, d, 1, s_d("2026-11-30"), &del, &e), -1,
                 "the day before it began");
    /* A delegation for another body, or another role, does not count. */
    so_delegation_t other[] = {
        {"ICB-ZZZ", "ST30", CD_ROLE_RESPONSIBLE_PERSON, s_d("2026-12-01"), s_d("2026-12-31")},
        {"ICB-QWE", "ST30", CD_ROLE_SIGNATORY, s_d("2026-12-01"), s_d("2026-12-31")}};
    cr_assert_eq(so_chain_next(s_csu_icb, 2, done, 1, &dir, other, 2, s_today, &del, &e), -1);
    /* A disabled person signs nothing. */
    cd_actor_t gone = s_person("ST20", "ICB-QWE", CD_ROLE_RESPONSIBLE_PERSON);
    gone.disabled = 1;
    cr_assert_eq(so_chain_next(s_csu_icb, 2, done, 1, &gone, NULL, 0, s_today, &del, &e), -1);
}

Test(signoff_chain, F2_a_chain_as_configured_is_checked)
{
    cd_fail_t e = {0};
    cr_assert_eq(so_chain_check(s_csu_icb, 2, &e), 0);
    so_step_t bad[6];
    for (int i = 0; i < 6; i++)
        bad[i] = s_csu_icb[0];
    cr_assert_eq(so_chain_check(bad, 6, &e), -1);
    cr_assert_str_eq(e.field, "steps");
    cr_assert_eq(so_chain_check(bad, 0, &e), -1);
    so_step_t cov[] = {{"CSU-NE", CD_ROLE_SIGNATORY, "the CSU", 1}, s_csu_icb[1]};
    cr_assert_eq(so_chain_check(cov, 2, &e), -1);
    cr_assert_str_eq(e.field, "steps[0].covering");
    so_step_t noroles[] = {{"CSU-NE", 0, "the CSU", 0}};
    cr_assert_eq(so_chain_check(noroles, 1, &e), -1);
    cr_assert_str_eq(e.field, "steps[0].roles");
    so_step_t inv[] = {{"CSU-NE", CD_ROLE_INVESTIGATOR, "the CSU", 0}};
    cr_assert_eq(so_chain_check(inv, 1, &e), -1);
    so_step_t org[] = {{"CSU NE", CD_ROLE_SIGNATORY, "the CSU", 0}};
    cr_assert_eq(so_chain_check(org, 1, &e), -1);
    cr_assert_str_eq(e.field, "steps[0].signer_org");
    so_step_t label[] = {{"CSU-NE", CD_ROLE_SIGNATORY, "", 0}};
    cr_assert_eq(so_chain_check(label, 1, &e), -1);
    cr_assert_str_eq(e.field, "steps[0].label");
}
