/* test_directory.c - the staff directory and who may act, from outside:
 *   - routing keeps the directory; every change reaches the services' copies
 *     with its version, and a change someone may not make is refused whole;
 *   - the organisation names its responsible person and complaints manager
 *     (Regs reg. 4), who must hold those roles;
 *   - the complaints manager assigns the investigator, who must not be
 *     involved in what the complaint is about (V1); the check is recorded;
 *   - only the assigned investigator (or the manager) records the outcome,
 *     and a signatory signs for their body or one that authorised them (F2);
 *   - the audit trail names the person, not the service's database role. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/client.h"
#include "candour/v1/staff.pb-c.h"
#include "candour/calendar.h"
#include "harness.h"

static h_t *s_h;

static void s_setup(void)
{
    s_h = h_new("directory");
    h_org(s_h, "ICB-QWE");
    cr_assert_eq(h_start_all(s_h), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(directory, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* The reply's error code ("" when it succeeded), its field in field; frees r. */
static const char *s_code(Candour__V1__Reply *r, char *field, size_t len)
{
    static char code[64];
    snprintf(code, sizeof code, "%s", r->error ? r->error->code : "");
    if (field)
        snprintf(field, len, "%s", r->error ? r->error->field : "");
    candour__v1__reply__free_unpacked(r, NULL);
    return code;
}

static Candour__V1__Reply *s_json(const char *svc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static Candour__V1__Reply *s_json(const char *svc, const char *fmt, ...)
{
    char json[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(json, sizeof json, fmt, ap);
    va_end(ap);
    return h_call_json(s_h, svc, NULL, json);
}

/* A submitted complaint naming staff and teams; its reference in ref once
 * investigation has opened its case. */
static void s_complaint(const char *ext, char *ref, size_t len)
{
    char json[2048];
    snprintf(
        json, sizeof json,
        "{\"submit\": {\"complaint\": {\"external_ref\": \"%s\", \"channel\": \"CHANNEL_EMAIL\","
        " \"complainant\": {\"name\": \"Ada Cole\", \"email\": \"ada@example.org\"},"
        " \"description\": \"I was discharged at night with no one to help at home.\","
        " \"event_date\": \"2026-10-01\", \"staff_named\": [\"Dr Khan\"],"
        " \"teams_named\": [\"Discharge team\"]}}}",
        ext);
    Candour__V1__Reply *r = h_call_json(s_h, "intake", "ICB-QWE", json);
    cr_assert_null(r->error, "submit: %s", r->error ? r->error->message : "");
    snprintf(ref, len, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no case opened");
}

Test(directory, reg4_a_change_reaches_every_copy_with_its_version)
{
    char *id = h_staff(s_h, "ICB-QWE", "Jo Bloggs", "Quality", "investigator");
    char field[128];
    /* Replace the record: a new team and a second role. */
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"ops_user\": \"ops\", \"put_staff\": {\"staff\": {"
                                   "\"staff_id\": \"%s\", \"org_id\": \"ICB-QWE\", \"name\":"
                                   " \"Jo Bloggs\", \"team\": \"Patient Safety\", \"roles\":"
                                   " [\"ROLE_INVESTIGATOR\", \"ROLE_ANALYST\"]}}}",
                                   id),
                            field, sizeof field),
                     "");
    const char *p[1] = {id};
    static const char *const copies[] = {"routing", "investigation", "signoff", "notify"};
    for (int i = 0; i < 4; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT version || ' ' || team || ' ' || array_to_string(roles, ',')"
                 " FROM %s.staff WHERE staff_id = $1",
                 copies[i]);
        cr_assert(h_wait_for(s_h, sql, 1, p, "2 Patient Safety investigator,analyst", 15000),
                  "%s's copy is not version 2", copies[i]);
    }
    /* A writer that read version 1 cannot overwrite version 2 unseen. */
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"ops_user\": \"ops\", \"put_staff\": {\"staff\": {"
                                   "\"staff_id\": \"%s\", \"org_id\": \"ICB-QWE\", \"name\":"
                                   " \"Jo Bloggs\", \"version\": 1, \"roles\":"
                                   " [\"ROLE_INVESTIGATOR\"]}}}",
                                   id),
                            field, sizeof field),
                     "FAILED_PRECONDITION");
    cr_assert_str_eq(field, "put_staff.staff.version");
    /* Disabled: every copy says so, and the person can no longer act. */
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"ops_user\": \"ops\", \"disable_staff\": {\"staff_id\":"
                                   " \"%s\", \"reason\": \"Left the organisation\"}}",
                                   id),
                            field, sizeof field),
                     "");
    cr_assert(h_wait_for(s_h, "SELECT disabled::text FROM investigation.staff WHERE staff_id = $1",
                         1, p, "true", 15000));
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"ops_user\": \"ops\", \"disable_staff\": {\"staff_id\":"
                                   " \"%s\", \"reason\": \"again\"}}",
                                   id),
                            field, sizeof field),
                     "FAILED_PRECONDITION");
    /* The audit trail names the operator for each change. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.audit WHERE table_name = 'staff'"
                         " AND reference = $1 AND actor = 'ops: ops'",
                         1, p),
                 2);
    free(id);
}

#define PUT_FMT                                                                                    \
    "{\"acting\": \"%s\", \"put_staff\": {\"staff\": {\"org_id\": \"ICB-QWE\","                    \
    " \"name\": \"New Person\", \"roles\": [\"ROLE_INVESTIGATOR\"]}}}"

Test(directory, reg4_only_a_complaints_manager_of_the_body_changes_its_directory)
{
    char *manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *analyst = h_staff(s_h, "ICB-QWE", "Ana Lyst", "", "analyst");
    char *other = h_staff(s_h, "TRUST-RXX", "Olu Other", "", "complaints-manager");
    char field[128];
    cr_assert_str_eq(s_code(s_json("routing", PUT_FMT, analyst), field, sizeof field),
                     "PERMISSION_DENIED");
    cr_assert_str_eq(field, "acting");
    cr_assert_str_eq(s_code(s_json("routing", PUT_FMT, other), field, sizeof field),
                     "PERMISSION_DENIED");
    cr_assert_str_eq(s_code(s_json("routing", PUT_FMT, "ST424242"), field, sizeof field),
                     "PERMISSION_DENIED");
    cr_assert_str_eq(s_code(s_json("routing", PUT_FMT, ""), field, sizeof field),
                     "PERMISSION_DENIED");
    long before = h_count(s_h, "SELECT count(*) FROM routing.staff", 0, NULL);
    cr_assert_str_eq(s_code(s_json("routing", PUT_FMT, manager), field, sizeof field), "");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.staff", 0, NULL), before + 1);
    /* Bad records are refused by field, and nothing is written. */
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"acting\": \"%s\", \"put_staff\": {\"staff\": {\"org_id\":"
                                   " \"ICB-QWE\", \"name\": \"No Role\"}}}",
                                   manager),
                            field, sizeof field),
                     "REQUIRED");
    cr_assert_str_eq(field, "put_staff.staff.roles");
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"acting\": \"%s\", \"put_staff\": {\"staff\": {\"org_id\":"
                                   " \"ICB-QWE\", \"name\": \"Bad Mail\", \"email\": \"nope\","
                                   " \"roles\": [\"ROLE_ANALYST\"]}}}",
                                   manager),
                            field, sizeof field),
                     "INVALID_ARGUMENT");
    cr_assert_str_eq(field, "put_staff.staff.email");
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"acting\": \"%s\", \"put_staff\": {\"staff\": {\"org_id\":"
                                   " \"ICB-QWE\", \"name\": \"Signs\", \"roles\":"
                                   " [\"ROLE_ANALYST\"], \"signs_for\": [\"CSU-X\"]}}}",
                                   manager),
                            field, sizeof field),
                     "INVALID_ARGUMENT");
    cr_assert_str_eq(field, "put_staff.staff.signs_for");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.staff", 0, NULL), before + 1);
    free(manager);
    free(analyst);
    free(other);
}

#define SET_FMT                                                                                    \
    "{\"acting\": \"%s\", \"set_org_settings\": {\"settings\": {\"org_id\":"                       \
    " \"ICB-QWE\", \"response_days\": 40, \"update_every_days\": 10,"                              \
    " \"responsible_person\": \"%s\", \"complaints_manager\": \"%s\","                             \
    " \"plan_high\": \"document-review,case-conference\","                                         \
    " \"letterhead\": {\"name\": \"NHS Quay Integrated Care Board\","                              \
    " \"address\": [\"1 Quay Street\", \"Leeds\"], \"postcode\": \"LS1 4AP\"}}}}"

Test(directory, reg4_the_body_names_its_responsible_person_and_complaints_manager)
{
    char *manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *chief = h_staff(s_h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");
    char field[128];
    /* The manager is not a responsible person: refused, naming the field. */
    cr_assert_str_eq(
        s_code(s_json("routing", SET_FMT, manager, manager, manager), field, sizeof field),
        "FAILED_PRECONDITION");
    cr_assert_str_eq(field, "set_org_settings.settings.responsible_person");
    cr_assert_str_eq(
        s_code(s_json("routing", SET_FMT, manager, chief, manager), field, sizeof field), "");
    const char *p[1] = {"ICB-QWE"};
    cr_assert(h_wait_for(s_h,
                         "SELECT response_days || ' ' || (letterhead->>'name') FROM"
                         " signoff.org WHERE org_id = $1",
                         1, p, "40 NHS Quay Integrated Care Board", 15000),
              "the settings did not reach sign-off's copy");
    Candour__V1__Reply *r = s_json(
        "routing", "{\"acting\": \"%s\", \"get_org_settings\": {\"org_id\": \"ICB-QWE\"}}", chief);
    cr_assert_null(r->error);
    cr_assert_eq(r->org_settings->response_days, 40);
    cr_assert_eq(r->org_settings->version, 1);
    cr_assert_str_eq(r->org_settings->letterhead->postcode, "LS1 4AP");
    cr_assert_str_eq(r->org_settings->plan_high, "document-review,case-conference");
    candour__v1__reply__free_unpacked(r, NULL);
    /* The people the body names keep their posts until it names others. */
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"ops_user\": \"ops\", \"disable_staff\": {\"staff_id\":"
                                   " \"%s\", \"reason\": \"Left\"}}",
                                   manager),
                            field, sizeof field),
                     "FAILED_PRECONDITION");
    cr_assert_str_eq(field, "disable_staff.staff_id");
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"ops_user\": \"ops\", \"put_staff\": {\"staff\": {"
                                   "\"staff_id\": \"%s\", \"org_id\": \"ICB-QWE\", \"name\":"
                                   " \"Dr R. Chief\", \"roles\": [\"ROLE_SIGNATORY\"]}}}",
                                   chief),
                            field, sizeof field),
                     "FAILED_PRECONDITION");
    cr_assert_str_eq(field, "put_staff.staff.roles");
    /* A request is a person's or ops', not both. */
    cr_assert_str_eq(s_code(s_json("routing",
                                   "{\"ops_user\": \"ops\", \"acting\": \"%s\","
                                   " \"list_staff\": {\"org_id\": \"ICB-QWE\"}}",
                                   manager),
                            field, sizeof field),
                     "INVALID_ARGUMENT");
    cr_assert_str_eq(field, "ops_user");
    /* R5: the body's own periods set a new complaint's deadlines: 40 working
     * days to respond (Candour's default is 25) and an update after 10,
     * counted from the day of receipt in London (whatever day that is: the
     * suite may run on a weekend or near a bank holiday). */
    char ref[64];
    s_complaint("DIR-R5", ref, sizeof ref);
    const char *pr[1] = {ref};
    char *day = h_scalar(s_h,
                         "SELECT (received_at AT TIME ZONE 'Europe/London')::date::text"
                         " FROM routing.complaint WHERE reference = $1",
                         1, pr);
    cd_date_t received;
    cr_assert(day && cd_date_parse(day, &received) == 0, "%s", day ? day : "no complaint");
    cd_calendar_t *cal = cd_calendar_new();
    char want[64];
    char resp[CD_DATE_LEN + 1], upd[CD_DATE_LEN + 1];
    cd_date_format(cd_workdays_add(cal, received, 40), resp);
    cd_date_format(cd_workdays_add(cal, received, 10), upd);
    cd_calendar_destroy(&cal);
    snprintf(want, sizeof want, "%s %s", resp, upd);
    char *got =
        h_scalar(s_h,
                 "SELECT c.response_due::text || ' ' || u.due::text FROM routing.complaint c"
                 " JOIN routing.deadline u ON u.reference = c.reference AND u.name = 'update'"
                 " WHERE c.reference = $1",
                 1, pr);
    cr_assert(got && strcmp(got, want) == 0, "the body's periods were not used: %s, wanted %s",
              got ? got : "none", want);
    free(got);
    free(day);
    free(manager);
    free(chief);
}

#define ASSIGN_FMT                                                                                 \
    "{\"acting\": \"%s\", \"assign_investigator\": {\"complaint_ref\": \"%s\","                    \
    " \"investigator\": \"%s\"}}"

Test(directory, V1_the_investigator_is_not_involved_and_the_check_is_recorded)
{
    char *manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *khan = h_staff(s_h, "ICB-QWE", "Amir Khan", "Cardiology", "investigator");
    char *discharge = h_staff(s_h, "ICB-QWE", "Bea Lowe", "Discharge Team", "investigator");
    char *fair = h_staff(s_h, "ICB-QWE", "Dana Hart", "Patient Experience", "investigator");
    char *analyst = h_staff(s_h, "ICB-QWE", "Ana Lyst", "", "analyst");
    char ref[64], field[128];
    s_complaint("DIR-V1", ref, sizeof ref);
    cr_assert_str_eq(
        s_code(s_json("investigation", ASSIGN_FMT, manager, ref, khan), field, sizeof field),
        "CONFLICT_OF_INTEREST", "named in the complaint, yet assigned");
    cr_assert_str_eq(field, "assign_investigator.investigator");
    cr_assert_str_eq(
        s_code(s_json("investigation", ASSIGN_FMT, manager, ref, discharge), field, sizeof field),
        "CONFLICT_OF_INTEREST", "of the team complained about, yet assigned");
    cr_assert_str_eq(
        s_code(s_json("investigation", ASSIGN_FMT, manager, ref, analyst), field, sizeof field),
        "FAILED_PRECONDITION", "an analyst is not an investigator");
    cr_assert_str_eq(
        s_code(s_json("investigation", ASSIGN_FMT, fair, ref, fair), field, sizeof field),
        "PERMISSION_DENIED", "an investigator assigned themselves");
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND investigator IS NULL",
                         1, p),
                 1, "a refused assignment left something behind");
    cr_assert_str_eq(
        s_code(s_json("investigation", ASSIGN_FMT, manager, ref, fair), field, sizeof field), "");
    char *check =
        h_scalar(s_h, "SELECT impartiality FROM investigation.case WHERE reference = $1", 1, p);
    char want[200];
    snprintf(want, sizeof want,
             "%s (team: Patient Experience) checked against 1 staff and 1 team named in the"
             " complaint: no match",
             fair);
    cr_assert_str_eq(check, want);
    free(check);
    /* Routing's history has it, by reference; the audit trail names the manager. */
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM routing.history WHERE reference = $1"
                         " AND event = 'investigator.assigned'",
                         1, p, "1", 15000));
    char *actor = h_scalar(
        s_h,
        "SELECT actor FROM investigation.audit WHERE table_name = 'case'"
        " AND reference = $1 AND op = 'UPDATE' AND row_data ->> 'investigator' IS NOT NULL",
        1, p);
    snprintf(want, sizeof want, "Casey Manager (%s)", manager);
    cr_assert_str_eq(actor, want);
    free(actor);
    /* The same person again changes nothing and sends nothing. */
    cr_assert_str_eq(
        s_code(s_json("investigation", ASSIGN_FMT, manager, ref, fair), field, sizeof field), "");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.outbox WHERE complaint_ref = $1"
                         " AND type = 'investigator.assigned'",
                         1, p),
                 1);
    free(manager);
    free(khan);
    free(discharge);
    free(fair);
    free(analyst);
}

#define OUTCOME_FMT                                                                                \
    "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\": \"%s\","                         \
    " \"outcome\": \"OUTCOME_UPHELD\", \"findings\": \"The discharge was"                          \
    " unsafe: no care package was in place.\"}}"

#define SIGN_FMT "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}"

Test(directory, V1_F2_the_assigned_investigator_concludes_and_an_authorised_signatory_signs)
{
    char *manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    char *inv = h_staff(s_h, "ICB-QWE", "Dana Hart", "Patient Experience", "investigator");
    char *other_inv = h_staff(s_h, "ICB-QWE", "Eli Stone", "Quality", "investigator");
    char *csu = h_staff_signs_for(s_h, "CSU-MLC", "Sam Senior", "signatory", "ICB-QWE");
    char *stranger = h_staff(s_h, "CSU-OTHER", "Tay Far", "", "signatory");
    char ref[64], field[128];
    s_complaint("DIR-F2", ref, sizeof ref);
    /* No investigator yet: nothing to conclude. */
    cr_assert_str_eq(
        s_code(s_json("investigation", OUTCOME_FMT, manager, ref), field, sizeof field),
        "FAILED_PRECONDITION");
    h_assign(s_h, ref, manager, inv);
    cr_assert_str_eq(
        s_code(s_json("investigation", OUTCOME_FMT, other_inv, ref), field, sizeof field),
        "PERMISSION_DENIED", "an investigator not assigned concluded the case");
    cr_assert_str_eq(s_code(s_json("investigation", OUTCOME_FMT, inv, ref), field, sizeof field),
                     "");
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p,
                         "awaiting-signature", 15000));
    cr_assert_str_eq(s_code(s_json("signoff", SIGN_FMT, stranger, ref), field, sizeof field),
                     "PERMISSION_DENIED", "a signatory of an unrelated body signed");
    cr_assert_str_eq(s_code(s_json("signoff", SIGN_FMT, inv, ref), field, sizeof field),
                     "PERMISSION_DENIED", "an investigator signed");
    cr_assert_str_eq(s_code(s_json("signoff", SIGN_FMT, csu, ref), field, sizeof field), "",
                     "the CSU's signatory, authorised by the ICB, could not sign");
    char *signer = h_scalar(s_h, "SELECT signed_by FROM signoff.draft WHERE reference = $1", 1, p);
    cr_assert_str_eq(signer, "Sam Senior");
    free(signer);
    char *recorder =
        h_scalar(s_h, "SELECT recorded_by FROM investigation.case WHERE reference = $1", 1, p);
    char want[96];
    snprintf(want, sizeof want, "Dana Hart (%s)", inv);
    cr_assert_str_eq(recorder, want);
    free(recorder);
    free(manager);
    free(inv);
    free(other_inv);
    free(csu);
    free(stranger);
}
