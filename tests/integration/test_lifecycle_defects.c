/* test_lifecycle_defects.c - the defects found from outside (issue: one
 * lifecycle), each through every daemon, as an organisation and the staff
 * reach them:
 *   3. a coordinated complaint cannot be answered before its partners have,
 *      unless the complaints manager records that it goes without a part;
 *      the letter holds the parts and says what is missing; nothing is
 *      merged into, or chased about, a complaint already answered;
 *   4. what NHS England commissions (the row's commissioner, whatever the
 *      kind of service) is redirected to it, not coordinated with the provider;
 *   5. intake and routing agree on what is closed: a complaint declined as
 *      out of time (or found not required) cannot be withdrawn;
 *   6. withdrawal closes the case everywhere: no outcome, no signature, no
 *      letter but the confirmation;
 *   7. a complaint that is both an appeal and a complaint gets the appeal's
 *      words in its triage letter. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/lifecycle.h"
#include "harness.h"

/* The reply's error code ("" when it succeeded); frees the reply. */
static char *s_code(Candour__V1__Reply *r, char *out, size_t len, char *message, size_t mlen)
{
    snprintf(out, len, "%s", r->error ? r->error->code : "");
    if (message)
        snprintf(message, mlen, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    return out;
}

static void s_submit(h_t *h, const char *org, const char *ext, const char *more, char *ref)
{
    char json[2048];
    snprintf(
        json, sizeof json,
        "{\"submit\": {\"complaint\": {\"external_ref\": \"%s\", \"channel\": \"CHANNEL_POST\","
        " \"complainant\": {\"name\": \"Ada Cole\", \"address_as\": \"Ms Cole\","
        " \"address\": [\"1 Church Walk\"], \"postcode\": \"LS1 1AA\"},"
        " \"description\": \"What happened.\"%s%s}}}",
        ext, more[0] ? ", " : "", more);
    Candour__V1__Reply *r = h_call_json(h, "intake", org, json);
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    snprintf(ref, 64, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

static char *s_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static int s_wait_file(const char *path, int ms)
{
    for (int i = 0; i < ms / 100; i++) {
        if (access(path, R_OK) == 0)
            return 1;
        usleep(100000);
    }
    return 0;
}

/* ICB-QWE's complaints team (staff ids), made by s_start. */
static char s_manager[32], s_investigator[32], s_chief[32];

static void s_team(h_t *h)
{
    char *m = h_staff(h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *i = h_staff(h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    char *c = h_staff(h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");
    snprintf(s_manager, sizeof s_manager, "%s", m);
    snprintf(s_investigator, sizeof s_investigator, "%s", i);
    snprintf(s_chief, sizeof s_chief, "%s", c);
    free(m);
    free(i);
    free(c);
}

static h_t *s_start(const char *label)
{
    h_t *h = h_new(label);
    char cmd[1024];
    snprintf(
        cmd, sizeof cmd,
        "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes import '%s/deploy/routes.sample.csv'"
        " >/dev/null",
        h_db_url(h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0);
    h_org(h, "ICB-QWE");
    h_org(h, "TRUST-RXX");
    h_org(h, "LA-XYZ");
    cr_assert_eq(h_start_all(h), 0);
    s_team(h);
    return h;
}

Test(lifecycle_defects, R3_defect_3_no_answer_before_the_partners_unless_a_part_is_waived,
     .timeout = 120)
{
    h_t *h = s_start("lc3");
    char ref[64], json[1024], code[64], msg[512];
    const char *manager = s_manager, *investigator = s_investigator;
    s_submit(h, "ICB-QWE", "LC-3",
             "\"services\": [\"acute-surgery\", \"asc-home-care\"], \"consents\":"
             " [{\"given_by\": \"Ada Cole\", \"given_at\": \"2026-11-01\"}]",
             ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no case opened");
    h_assign(h, ref, manager, investigator);
    /* The trust sends its part; the council does not. */
    cr_assert(h_wait_for(h,
                         "SELECT count(*)::text FROM intake.partner_message WHERE reference = $1",
                         1, p, "2", 15000),
              "partners not asked");
    snprintf(json, sizeof json,
             "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\":"
             " \"The discharge checklist was not completed.\", \"submitted_by\":"
             " \"Head of Patient Experience\"}}",
             ref);
    cr_assert_str_eq(
        s_code(h_call_json(h, "intake", "TRUST-RXX", json), code, sizeof code, NULL, 0), "");
    cr_assert(h_wait_for(h, "SELECT count(*)::text FROM routing.contribution WHERE reference = $1",
                         1, p, "1", 15000));

    /* The outcome cannot be recorded while the council's part is outstanding. */
    char outcome[1024];
    snprintf(outcome, sizeof outcome,
             "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\": \"%s\","
             " \"outcome\": \"OUTCOME_UPHELD\", \"findings\": \"The discharge was unsafe.\"}}",
             investigator, ref);
    s_code(h_call_json(h, "investigation", NULL, outcome), code, sizeof code, msg, sizeof msg);
    cr_assert_str_eq(code, "FAILED_PRECONDITION", "%s", msg);
    cr_assert(strstr(msg, "LA-XYZ"), "the partner outstanding is not named: %s", msg);

    /* A waiver needs its reason; a body that is not a partner has nothing to waive. */
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"waive_contribution\": {\"complaint_ref\": \"%s\","
             " \"partner_org\": \"LA-XYZ\"}}",
             manager, ref);
    s_code(h_call_json(h, "routing", NULL, json), code, sizeof code, NULL, 0);
    cr_assert_str_eq(code, "REQUIRED");
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"waive_contribution\": {\"complaint_ref\": \"%s\","
             " \"partner_org\": \"NOT-A-PARTNER\", \"reason\": \"r\"}}",
             manager, ref);
    s_code(h_call_json(h, "routing", NULL, json), code, sizeof code, NULL, 0);
    cr_assert_str_eq(code, "FAILED_PRECONDITION");
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"waive_contribution\": {\"complaint_ref\": \"%s\","
             " \"partner_org\": \"LA-XYZ\", \"reason\": \"the council did not"
             " answer our requests\"}}",
             investigator, ref);
    /* An investigator is not the complaints manager: the waiver is refused. */
    s_code(h_call_json(h, "routing", NULL, json), code, sizeof code, NULL, 0);
    cr_assert_str_eq(code, "PERMISSION_DENIED");
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"waive_contribution\": {\"complaint_ref\": \"%s\","
             " \"partner_org\": \"LA-XYZ\", \"reason\": \"the council did not"
             " answer our requests\"}}",
             manager, ref);
    cr_assert_str_eq(
        s_code(h_call_json(h, "routing", NULL, json), code, sizeof code, msg, sizeof msg), "", "%s",
        msg);
    cr_assert(h_wait_for(h,
                         "SELECT count(*)::text FROM investigation.contribution WHERE"
                         " reference = $1",
                         1, p, "2", 15000),
              "parts not merged");
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.deadline WHERE reference = $1 AND"
                         " name = 'contribution' AND party = 'LA-XYZ' AND closed_at IS NOT NULL",
                         1, p),
                 1, "the waived partner's deadline is still open");

    cr_assert_str_eq(
        s_code(h_call_json(h, "investigation", NULL, outcome), code, sizeof code, msg, sizeof msg),
        "", "%s", msg);
    cr_assert(h_wait_for(h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p,
                         "awaiting-signature", 15000));
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}", s_chief, ref);
    cr_assert_str_eq(
        s_code(h_call_json(h, "signoff", NULL, json), code, sizeof code, msg, sizeof msg), "", "%s",
        msg);
    cr_assert(h_wait_for(h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "response-sent", 15000));

    /* One letter: the lead's findings, the trust's part, and what is missing and why. */
    char path[512];
    snprintf(path, sizeof path, "%s/%s/final-response.txt", h_spool(h), ref);
    cr_assert(s_wait_file(path, 10000), "no final response");
    const char *letter = s_read(path);
    cr_assert(strstr(letter, "The discharge was unsafe."), "%s", letter);
    cr_assert(strstr(letter, "The discharge checklist was not completed."), "%s", letter);
    cr_assert(strstr(letter, "LA-XYZ") && strstr(letter, "did not answer our requests"), "%s",
              letter);

    /* The answered complaint keeps no deadline open; a late part is not merged. */
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.deadline WHERE reference = $1 AND"
                         " met_at IS NULL AND closed_at IS NULL",
                         1, p),
                 0);
    snprintf(json, sizeof json,
             "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\":"
             " \"Late.\", \"submitted_by\": \"ASC\"}}",
             ref);
    s_code(h_call_json(h, "intake", "LA-XYZ", json), code, sizeof code, NULL, 0);
    usleep(1000000);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM investigation.contribution WHERE reference = $1"
                         " AND findings = 'Late.'",
                         1, p),
                 0, "merged into an answered complaint");
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.history WHERE reference = $1 AND"
                         " event = 'contributions.merged'",
                         1, p),
                 1);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(lifecycle_defects, I3_I5_defect_5_what_triage_closed_cannot_be_withdrawn, .timeout = 120)
{
    h_t *h = s_start("lc5");
    char ref[64], ref2[64], json[512], code[64], msg[512];
    /* Made after the 12-month limit: held, then declined with reasons. */
    s_submit(h, "ICB-QWE", "LC-5a", "\"event_date\": \"2020-01-10\"", ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "out-of-time", 15000));
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"decide_out_of_time\": {\"complaint_ref\": \"%s\","
             " \"accept\": false, \"reason\": \"no good reason for the delay\"}}",
             s_manager, ref);
    cr_assert_str_eq(
        s_code(h_call_json(h, "routing", NULL, json), code, sizeof code, msg, sizeof msg), "", "%s",
        msg);
    cr_assert(h_wait_for(h, "SELECT state FROM intake.complaint WHERE reference = $1", 1, p,
                         "declined-out-of-time", 15000),
              "intake never heard of the decline");
    snprintf(json, sizeof json, "{\"withdraw\": {\"complaint_ref\": \"%s\", \"reason\": \"x\"}}",
             ref);
    s_code(h_call_json(h, "intake", "ICB-QWE", json), code, sizeof code, msg, sizeof msg);
    cr_assert_str_eq(code, "FAILED_PRECONDITION", "a declined complaint was withdrawn: %s", msg);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM intake.complaint WHERE reference = $1 AND"
                         " withdrawn_at IS NULL AND state = 'declined-out-of-time'",
                         1, p),
                 1);

    /* Not required (reg. 8(1)): closed by triage, likewise. */
    s_submit(h, "ICB-QWE", "LC-5b", "\"exclusion\": \"EXCLUSION_FOI\"", ref2);
    const char *p2[1] = {ref2};
    cr_assert(h_wait_for(h, "SELECT state FROM intake.complaint WHERE reference = $1", 1, p2,
                         "not-required", 15000));
    snprintf(json, sizeof json, "{\"withdraw\": {\"complaint_ref\": \"%s\", \"reason\": \"x\"}}",
             ref2);
    cr_assert_str_eq(s_code(h_call_json(h, "intake", "ICB-QWE", json), code, sizeof code, NULL, 0),
                     "FAILED_PRECONDITION");
    cr_assert_eq(h_destroy(&h), 0);
}

Test(lifecycle_defects, defect_6_a_withdrawn_complaint_is_neither_investigated_nor_answered,
     .timeout = 120)
{
    h_t *h = s_start("lc6");
    char ref[64], json[1024], code[64], msg[512];
    s_submit(h, "ICB-QWE", "LC-6", "", ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000));
    char path[512];
    snprintf(path, sizeof path, "%s/%s/acknowledgement.txt", h_spool(h), ref);
    cr_assert(s_wait_file(path, 10000), "no acknowledgement");
    snprintf(json, sizeof json,
             "{\"withdraw\": {\"complaint_ref\": \"%s\", \"reason\": \"resolved\"}}", ref);
    cr_assert_str_eq(
        s_code(h_call_json(h, "intake", "ICB-QWE", json), code, sizeof code, msg, sizeof msg), "",
        "%s", msg);
    cr_assert(h_wait_for(h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "withdrawn", 15000),
              "the case is still open");
    cr_assert(h_wait_for(h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "withdrawn", 15000));
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\": \"%s\","
             " \"outcome\": \"OUTCOME_UPHELD\", \"findings\": \"f\"}}",
             s_manager, ref);
    s_code(h_call_json(h, "investigation", NULL, json), code, sizeof code, msg, sizeof msg);
    cr_assert_str_eq(code, "FAILED_PRECONDITION", "%s", msg);
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}", s_chief, ref);
    s_code(h_call_json(h, "signoff", NULL, json), code, sizeof code, NULL, 0);
    cr_assert_neq(strlen(code), 0, "a withdrawn complaint's response was signed");
    /* The confirmation goes; no final response ever does. */
    snprintf(path, sizeof path, "%s/%s/withdrawal-confirmation.txt", h_spool(h), ref);
    cr_assert(s_wait_file(path, 10000), "no confirmation of the withdrawal");
    usleep(1000000);
    snprintf(path, sizeof path, "%s/%s/final-response.txt", h_spool(h), ref);
    cr_assert_neq(access(path, F_OK), 0, "a final response went to a withdrawn complaint");
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM signoff.outbox WHERE complaint_ref = $1 AND"
                         " type = 'response.approved'",
                         1, p),
                 0);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.deadline WHERE reference = $1 AND"
                         " met_at IS NULL AND closed_at IS NULL",
                         1, p),
                 0, "a withdrawn complaint keeps a deadline open");
    cr_assert_eq(h_destroy(&h), 0);
}

Test(lifecycle_defects, I6_defect_7_an_appeal_and_a_complaint_gets_the_appeals_words,
     .timeout = 120)
{
    h_t *h = s_start("lc7");
    char ref[64];
    s_submit(h, "ICB-QWE", "LC-7",
             "\"chc_eligibility_appeal\": true, \"services\": [\"acute-surgery\"]", ref);
    char path[512];
    snprintf(path, sizeof path, "%s/%s/triage-outcome.txt", h_spool(h), ref);
    cr_assert(s_wait_file(path, 15000), "no triage letter");
    const char *letter = s_read(path);
    cr_assert(strstr(letter, "appeal"), "the appeal is not mentioned: %s", letter);
    cr_assert_null(strstr(letter, "several organisations"), "%s", letter);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "the complaint part was not investigated");
    cr_assert_eq(h_destroy(&h), 0);
}

Test(lifecycle_defects, R1_defect_4_what_nhs_england_commissions_is_its_whatever_the_kind,
     .timeout = 120)
{
    h_t *h = h_new("lc4");
    /* An ICB whose dental services NHS England still commissions (a row in
     * force today: data, whatever the kind of service). */
    char csv[512], cmd[2048];
    snprintf(csv, sizeof csv, "%s/routes.csv", h_dir(h));
    FILE *f = fopen(csv, "w");
    cr_assert(f);
    fprintf(f,
            "org_id,service,service_name,kind,commissioner,provider,effective_from,effective_to\n"
            "ICB-ZZZ,dental,NHS dentists,primary-care,NHSE,DENTAL-PRACTICE,2022-07-01,\n");
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes import '%s' >/dev/null",
             h_db_url(h), CANDOUR_BUILD_DIR, csv);
    cr_assert_eq(system(cmd), 0);
    h_org(h, "ICB-ZZZ");
    cr_assert_eq(h_start_all(h), 0);
    char ref[64];
    s_submit(h, "ICB-ZZZ", "LC-4",
             "\"services\": [\"dental\"], \"consents\":"
             " [{\"given_by\": \"Ada Cole\", \"given_at\": \"2026-11-01\"}]",
             ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "redirected-to-nhse", 15000),
              "not redirected to NHS England: %s",
              h_scalar(h,
                       "SELECT state || ' ' || coalesce(triage_outcome, '') FROM"
                       " routing.complaint WHERE reference = $1",
                       1, p));
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.complaint WHERE reference = $1 AND"
                         " lead_org = 'NHSE' AND cardinality(partners) = 0",
                         1, p),
                 1, "the provider was made a partner");
    char path[512];
    snprintf(path, sizeof path, "%s/%s/triage-outcome.txt", h_spool(h), ref);
    cr_assert(s_wait_file(path, 10000), "the complainant was not told");
    const char *letter = s_read(path);
    cr_assert(strstr(letter, "NHS England"), "%s", letter);
    cr_assert_null(strstr(letter, "several organisations"), "%s", letter);
    cr_assert_eq(h_destroy(&h), 0);
}

Test(lifecycle_defects, the_database_knows_the_states_of_the_lifecycle_and_no_others)
{
    h_t *h = h_new("lcst");
    for (int s = 1; s < CD_STATE_COUNT; s++) {
        const char *p[1] = {cd_state_name((cd_state_t)s)};
        char *ok = h_scalar(h, "SELECT public.complaint_state_known($1)::text", 1, p);
        cr_assert_str_eq(ok, "true", "%s is not a state the database takes", p[0]);
        free(ok);
    }
    const char *bad[1] = {"stage-5"};
    char *ok = h_scalar(h, "SELECT public.complaint_state_known($1)::text", 1, bad);
    cr_assert_str_eq(ok, "false");
    free(ok);
    cr_assert_eq(h_destroy(&h), 0);
}
