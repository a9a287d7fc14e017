/* test_intake_model.c - intake's checks on the newer parts of a complaint.
 *
 * Standing and the patient (I2), consents (I2, R2), access needs and contact
 * preferences (I7), the summary and early resolution of a verbal complaint
 * (I1, I4), and the lists of organisations and staff named. The foundation's
 * checks (required text, sizes, dates, references) are in
 * test_intake_validate.c.
 *
 * Every test starts from one valid complaint (s_fx_init) and changes exactly
 * what the rule looks at, so a failure names the rule, the field path and the
 * code that an integrator sees. Limits are tested both ways. "Today" comes
 * from timegm(), not from calendar.c. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validate.h"

/* ------------------------------------------------------------ fixture */

#define S_MAX_LIST 40

typedef struct {
    Candour__V1__Complaint c;       /* the complaint under test */
    Candour__V1__Person p;          /* its complainant */
    Candour__V1__Person patient;    /* the patient, linked by tests that need one */
    Candour__V1__AccessNeeds needs; /* access needs, linked by tests that need them */
    Candour__V1__Consent k[10];     /* consents: k[0] is valid, the rest copies of it */
    Candour__V1__Consent *kp[10];   /* pointers to k, for c.consents */
    char *list[S_MAX_LIST];         /* organisations, staff named or share_with */
    char *address[2];               /* complainant address lines */
    char *owned[4];                 /* strings made by s_own, freed by s_fx_fini */
    int nowned;                     /* how many of owned are in use */
} s_fx_t;

/* Days since 1970-01-01 of a date, by the C library. */
static int32_t s_days(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    return (int32_t)(timegm(&tm) / 86400);
}

#define TODAY s_days(2024, 3, 1) /* a Friday, in GMT */

static void s_fx_init(s_fx_t *f)
{
    memset(f, 0, sizeof *f);
    f->c = (Candour__V1__Complaint)CANDOUR__V1__COMPLAINT__INIT;
    f->p = (Candour__V1__Person)CANDOUR__V1__PERSON__INIT;
    f->patient = (Candour__V1__Person)CANDOUR__V1__PERSON__INIT;
    f->needs = (Candour__V1__AccessNeeds)CANDOUR__V1__ACCESS_NEEDS__INIT;
    f->c.external_ref = "ICB-2024-0001";
    f->c.channel = CANDOUR__V1__CHANNEL__CHANNEL_WEB;
    f->c.complainant = &f->p;
    f->c.description = "My mother's care package was stopped without notice.";
    f->c.event_date = "2024-01-10";
    f->c.standing = CANDOUR__V1__STANDING__STANDING_SELF;
    f->p.name = "Anita Patel";
    f->p.email = "anita.patel@example.org";
    f->p.address = f->address;
    f->patient.name = "Kamala Patel";
    for (int i = 0; i < 10; i++) {
        f->k[i] = (Candour__V1__Consent)CANDOUR__V1__CONSENT__INIT;
        f->k[i].given_by = "Kamala Patel";
        f->k[i].given_at = "2024-02-20";
        f->k[i].method = "written";
        f->kp[i] = &f->k[i];
    }
    for (int i = 0; i < S_MAX_LIST; i++)
        f->list[i] = "ICB-QWE";
}

static void s_fx_fini(s_fx_t *f)
{
    for (int i = 0; i < f->nowned; i++)
        free(f->owned[i]);
    f->nowned = 0;
}

/* A string of n copies of ch, owned by the fixture. */
static char *s_own(s_fx_t *f, size_t n, char ch)
{
    cr_assert_lt(f->nowned, 4);
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memset(s, ch, n);
    s[n] = 0;
    f->owned[f->nowned++] = s;
    return s;
}

/* A representative's complaint with everything its standing must record. */
static void s_represent(s_fx_t *f, Candour__V1__Standing st)
{
    f->c.standing = st;
    f->c.patient = &f->patient;
    f->c.standing_basis = "Lasting power of attorney for health and welfare, registered 2021.";
    f->c.relationship = "daughter";
}

static void s_expect_ok_on(const s_fx_t *f, int32_t today, const char *why)
{
    cd_fail_t e = {0};
    int rc = in_validate_complaint(&f->c, today, &e);
    cr_assert_eq(rc, 0, "%s: rejected with %s %s (%s)", why, cd_code_name(e.code), e.field,
                 e.message);
}

static void s_expect_ok(const s_fx_t *f, const char *why)
{
    s_expect_ok_on(f, TODAY, why);
}

static void s_expect_fail_on(const s_fx_t *f, int32_t today, const char *code, const char *field)
{
    cd_fail_t e = {0};
    cr_assert_eq(in_validate_complaint(&f->c, today, &e), -1, "accepted; wanted %s on %s", code,
                 field);
    cr_assert_str_eq(cd_code_name(e.code), code, "code for %s (message: %s)", field, e.message);
    cr_assert_str_eq(e.field, field, "field for %s (message: %s)", code, e.message);
    cr_assert_neq(e.message[0], 0, "%s on %s has no message", code, field);
}

static void s_expect_fail(const s_fx_t *f, const char *code, const char *field)
{
    s_expect_fail_on(f, TODAY, code, field);
}

static void s_expect_consent_ok(const Candour__V1__Consent *k, const char *why)
{
    cd_fail_t e = {0};
    int rc = in_validate_consent(k, "record_consent.consent", TODAY, &e);
    cr_assert_eq(rc, 0, "%s: rejected with %s %s (%s)", why, cd_code_name(e.code), e.field,
                 e.message);
}

static void s_expect_consent_fail(const Candour__V1__Consent *k, const char *code,
                                  const char *field)
{
    cd_fail_t e = {0};
    cr_assert_eq(in_validate_consent(k, "record_consent.consent", TODAY, &e), -1,
                 "accepted; wanted %s on %s", code, field);
    cr_assert_str_eq(cd_code_name(e.code), code, "code for %s (message: %s)", field, e.message);
    cr_assert_str_eq(e.field, field, "field for %s (message: %s)", code, e.message);
    cr_assert_neq(e.message[0], 0, "%s on %s has no message", code, field);
}

static const Candour__V1__Standing s_representatives[] = {
    CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT, CANDOUR__V1__STANDING__STANDING_LACKS_CAPACITY,
    CANDOUR__V1__STANDING__STANDING_CHILD, CANDOUR__V1__STANDING__STANDING_DECEASED};
#define S_NREP (sizeof s_representatives / sizeof s_representatives[0])

/* ------------------------------------------------------------ I2 standing */

Test(intake_model, the_fixture_is_valid)
{
    s_fx_t f;
    s_fx_init(&f);
    s_expect_ok(&f, "the fixture");
}

Test(intake_model, I2_a_representative_with_all_their_standing_records_is_accepted)
{
    for (size_t i = 0; i < S_NREP; i++) {
        s_fx_t f;
        s_fx_init(&f);
        s_represent(&f, s_representatives[i]);
        s_expect_ok(&f, "a complete representative's complaint");
    }
}

Test(intake_model, I2_a_representative_must_name_the_patient)
{
    for (size_t i = 0; i < S_NREP; i++) {
        s_fx_t f;
        s_fx_init(&f);
        s_represent(&f, s_representatives[i]);
        f.c.patient = NULL;
        s_expect_fail(&f, "REQUIRED", "complaint.patient.name");
        f.c.patient = &f.patient;
        f.patient.name = "";
        s_expect_fail(&f, "REQUIRED", "complaint.patient.name");
    }
}

Test(intake_model, I2_a_patient_named_with_STANDING_SELF_is_INVALID_ARGUMENT_on_standing)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.patient = &f.patient;
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.standing");
    f.c.standing = CANDOUR__V1__STANDING__STANDING_UNSPECIFIED;
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.standing");
}

Test(intake_model, I2_a_patient_without_a_name_is_no_patient_for_STANDING_SELF)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.patient = &f.patient;
    f.patient.name = "";
    s_expect_ok(&f, "an empty patient with STANDING_SELF");
}

Test(intake_model, I2_an_affected_person_may_name_a_patient_or_not)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.standing = CANDOUR__V1__STANDING__STANDING_AFFECTED;
    s_expect_ok(&f, "affected, no patient");
    f.c.patient = &f.patient;
    s_expect_ok(&f, "affected, patient named");
}

Test(intake_model, I2_an_unknown_standing_number_is_INVALID_ENUM)
{
    s_fx_t f;
    s_fx_init(&f);
    s_represent(&f, CANDOUR__V1__STANDING__STANDING_DECEASED); /* 6, the last known */
    s_expect_ok(&f, "standing 6");
    f.c.standing = (Candour__V1__Standing)7;
    s_expect_fail(&f, "INVALID_ENUM", "complaint.standing");
    f.c.standing = (Candour__V1__Standing)-1;
    s_expect_fail(&f, "INVALID_ENUM", "complaint.standing");
}

Test(intake_model, I2_lacks_capacity_and_child_need_the_standing_basis)
{
    static const Candour__V1__Standing need[] = {CANDOUR__V1__STANDING__STANDING_LACKS_CAPACITY,
                                                 CANDOUR__V1__STANDING__STANDING_CHILD};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        s_represent(&f, need[i]);
        f.c.standing_basis = "";
        s_expect_fail(&f, "REQUIRED", "complaint.standing_basis");
    }
}

Test(intake_model, I2_consent_and_deceased_standings_need_no_basis)
{
    static const Candour__V1__Standing noneed[] = {CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT,
                                                   CANDOUR__V1__STANDING__STANDING_DECEASED};
    for (size_t i = 0; i < sizeof noneed / sizeof noneed[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        s_represent(&f, noneed[i]);
        f.c.standing_basis = "";
        s_expect_ok(&f, "no basis");
    }
}

Test(intake_model, I2_deceased_and_child_need_the_relationship)
{
    static const Candour__V1__Standing need[] = {CANDOUR__V1__STANDING__STANDING_DECEASED,
                                                 CANDOUR__V1__STANDING__STANDING_CHILD};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        s_represent(&f, need[i]);
        f.c.relationship = "";
        s_expect_fail(&f, "REQUIRED", "complaint.relationship");
    }
}

Test(intake_model, I2_consent_and_lacks_capacity_standings_need_no_relationship)
{
    static const Candour__V1__Standing noneed[] = {CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT,
                                                   CANDOUR__V1__STANDING__STANDING_LACKS_CAPACITY};
    for (size_t i = 0; i < sizeof noneed / sizeof noneed[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        s_represent(&f, noneed[i]);
        f.c.relationship = "";
        s_expect_ok(&f, "no relationship");
    }
}

Test(intake_model, I2_a_representative_without_consent_is_accepted_and_held_later)
{
    s_fx_t f;
    s_fx_init(&f);
    s_represent(&f, CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT);
    f.c.n_consents = 0;
    f.c.consent_exception = "";
    s_expect_ok(&f, "no consent yet: a hold, not an error");
}

Test(intake_model, I2_the_patient_is_checked_like_a_person_but_needs_no_contact)
{
    s_fx_t f;
    s_fx_init(&f);
    s_represent(&f, CANDOUR__V1__STANDING__STANDING_DECEASED);
    s_expect_ok(&f, "a patient with no address or email");
    f.patient.email = "kamala.patel.example.org";
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.patient.email");
}

Test(intake_model, I2_standing_texts_are_accepted_at_their_maximum_and_TOO_LONG_one_over)
{
    s_fx_t f;
    s_fx_init(&f);
    s_represent(&f, CANDOUR__V1__STANDING__STANDING_CHILD);
    f.c.standing_basis = s_own(&f, 1000, 'b');
    f.c.relationship = s_own(&f, 200, 'r');
    f.c.consent_exception = s_own(&f, 1000, 'x');
    s_expect_ok(&f, "basis 1000, relationship 200, exception 1000 bytes");
    f.c.standing_basis = "Parental responsibility.";
    f.c.relationship = "mother";
    f.c.consent_exception = "";
    s_fx_fini(&f);

    f.c.standing_basis = s_own(&f, 1001, 'b');
    s_expect_fail(&f, "TOO_LONG", "complaint.standing_basis");
    f.c.standing_basis = "Parental responsibility.";
    f.c.relationship = s_own(&f, 201, 'r');
    s_expect_fail(&f, "TOO_LONG", "complaint.relationship");
    f.c.relationship = "mother";
    f.c.consent_exception = s_own(&f, 1001, 'x');
    s_expect_fail(&f, "TOO_LONG", "complaint.consent_exception");
    s_fx_fini(&f);
}

/* -------------------------------------------------------- I2 consents */

Test(intake_model, I2_a_consent_with_who_and_when_is_accepted)
{
    s_fx_t f;
    s_fx_init(&f);
    f.k[0].method = "";
    s_expect_consent_ok(&f.k[0], "given_by and given_at only");
}

Test(intake_model, I2_a_consent_needs_who_gave_it)
{
    s_fx_t f;
    s_fx_init(&f);
    f.k[0].given_by = "";
    s_expect_consent_fail(&f.k[0], "REQUIRED", "record_consent.consent.given_by");
}

Test(intake_model, I2_a_consent_needs_the_date_it_was_given)
{
    s_fx_t f;
    s_fx_init(&f);
    f.k[0].given_at = "";
    s_expect_consent_fail(&f.k[0], "REQUIRED", "record_consent.consent.given_at");
}

Test(intake_model, I2_a_consent_date_not_written_YYYY_MM_DD_is_INVALID_DATE)
{
    static const char *const bad[] = {"20/02/2024", "2024-02-30", "2024-02-20T10:00:00Z",
                                      "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.k[0].given_at = (char *)bad[i];
        s_expect_consent_fail(&f.k[0], "INVALID_DATE", "record_consent.consent.given_at");
    }
}

Test(intake_model, I2_a_consent_given_today_is_accepted_and_tomorrow_is_DATE_IN_FUTURE)
{
    s_fx_t f;
    s_fx_init(&f);
    f.k[0].given_at = "2024-03-01";
    s_expect_consent_ok(&f.k[0], "given today");
    f.k[0].given_at = "2024-03-02";
    s_expect_consent_fail(&f.k[0], "DATE_IN_FUTURE", "record_consent.consent.given_at");
}

Test(intake_model, I2_a_consent_method_is_written_verbal_or_electronic)
{
    static const char *const good[] = {"written", "verbal", "electronic", ""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.k[0].method = (char *)good[i];
        s_expect_consent_ok(&f.k[0], good[i]);
    }
    static const char *const bad[] = {"Written", "email", "oral", "written "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.k[0].method = (char *)bad[i];
        s_expect_consent_fail(&f.k[0], "INVALID_ARGUMENT", "record_consent.consent.method");
    }
}

Test(intake_model, I2_a_consent_recorded_by_is_TOO_LONG_over_200_bytes)
{
    s_fx_t f;
    s_fx_init(&f);
    f.k[0].recorded_by = s_own(&f, 200, 'r');
    s_expect_consent_ok(&f.k[0], "recorded_by of 200 bytes");
    f.k[0].recorded_by = s_own(&f, 201, 'r');
    s_expect_consent_fail(&f.k[0], "TOO_LONG", "record_consent.consent.recorded_by");
    s_fx_fini(&f);
}

Test(intake_model, R2_consent_share_with_entries_are_organisation_ids)
{
    s_fx_t f;
    s_fx_init(&f);
    f.list[0] = "ICB-QWE";
    f.list[1] = "provider_01.trust";
    f.k[0].share_with = f.list;
    f.k[0].n_share_with = 2;
    s_expect_consent_ok(&f.k[0], "two organisation ids");

    f.list[1] = "Royal Trust"; /* a space */
    s_expect_consent_fail(&f.k[0], "INVALID_ARGUMENT", "record_consent.consent.share_with[1]");
    f.list[1] = "trust/2";
    s_expect_consent_fail(&f.k[0], "INVALID_ARGUMENT", "record_consent.consent.share_with[1]");
    f.list[1] = "";
    s_expect_consent_fail(&f.k[0], "REQUIRED", "record_consent.consent.share_with[1]");
}

Test(intake_model, R2_a_share_with_id_is_accepted_at_64_bytes_and_INVALID_ARGUMENT_at_65)
{
    s_fx_t f;
    s_fx_init(&f);
    f.list[0] = s_own(&f, 64, 'a');
    f.k[0].share_with = f.list;
    f.k[0].n_share_with = 1;
    s_expect_consent_ok(&f.k[0], "an id of 64 bytes");
    f.list[0] = s_own(&f, 65, 'a');
    s_expect_consent_fail(&f.k[0], "INVALID_ARGUMENT", "record_consent.consent.share_with[0]");
    s_fx_fini(&f);
}

Test(intake_model, R2_a_consent_shares_with_at_most_16_organisations)
{
    s_fx_t f;
    s_fx_init(&f);
    f.k[0].share_with = f.list;
    f.k[0].n_share_with = 16;
    s_expect_consent_ok(&f.k[0], "16 organisations");
    f.k[0].n_share_with = 17;
    s_expect_consent_fail(&f.k[0], "TOO_MANY", "record_consent.consent.share_with");
}

Test(intake_model, I2_consents_in_a_complaint_are_checked_with_their_index)
{
    s_fx_t f;
    s_fx_init(&f);
    s_represent(&f, CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT);
    f.c.consents = f.kp;
    f.c.n_consents = 2;
    s_expect_ok(&f, "two good consents");

    f.k[1].given_by = "";
    s_expect_fail(&f, "REQUIRED", "complaint.consents[1].given_by");
    f.k[1].given_by = "Kamala Patel";
    f.k[1].given_at = "";
    s_expect_fail(&f, "REQUIRED", "complaint.consents[1].given_at");
    f.k[1].given_at = "2024-03-02";
    s_expect_fail(&f, "DATE_IN_FUTURE", "complaint.consents[1].given_at");
    f.k[1].given_at = "2024-03-01";
    f.k[1].method = "fax";
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.consents[1].method");
    f.k[1].method = "verbal";
    f.list[0] = "not an id";
    f.k[1].share_with = f.list;
    f.k[1].n_share_with = 1;
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.consents[1].share_with[0]");
}

Test(intake_model, I2_a_complaint_carries_at_most_8_consents)
{
    s_fx_t f;
    s_fx_init(&f);
    s_represent(&f, CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT);
    f.c.consents = f.kp;
    f.c.n_consents = 8;
    s_expect_ok(&f, "8 consents");
    f.c.n_consents = 9;
    s_expect_fail(&f, "TOO_MANY", "complaint.consents");
}

/* --------------------------------------------------- I7 access and contact */

Test(intake_model, I7_each_letter_format_is_accepted)
{
    static const Candour__V1__Format formats[] = {
        CANDOUR__V1__FORMAT__FORMAT_STANDARD, CANDOUR__V1__FORMAT__FORMAT_LARGE_PRINT,
        CANDOUR__V1__FORMAT__FORMAT_EASY_READ, CANDOUR__V1__FORMAT__FORMAT_BRAILLE,
        CANDOUR__V1__FORMAT__FORMAT_AUDIO};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.needs.format = formats[i];
        f.p.access_needs = &f.needs;
        s_expect_ok(&f, "a known format");
    }
}

Test(intake_model, I7_an_unknown_format_is_INVALID_ENUM)
{
    s_fx_t f;
    s_fx_init(&f);
    f.needs.format = (Candour__V1__Format)5;
    f.p.access_needs = &f.needs;
    s_expect_fail(&f, "INVALID_ENUM", "complaint.complainant.access_needs.format");
}

Test(intake_model, I7_interpreter_language_is_accepted_at_64_bytes_and_TOO_LONG_at_65)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.access_needs = &f.needs;
    f.needs.interpreter_language = "British Sign Language";
    s_expect_ok(&f, "an interpreter language");
    f.needs.interpreter_language = s_own(&f, 64, 'l');
    s_expect_ok(&f, "64 bytes");
    f.needs.interpreter_language = s_own(&f, 65, 'l');
    s_expect_fail(&f, "TOO_LONG", "complaint.complainant.access_needs.interpreter_language");
    s_fx_fini(&f);
}

Test(intake_model, I7_interpreter_language_is_one_line)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.access_needs = &f.needs;
    f.needs.interpreter_language = "Polish\nor Czech";
    s_expect_fail(&f, "INVALID_TEXT", "complaint.complainant.access_needs.interpreter_language");
}

Test(intake_model, I7_other_needs_may_have_new_lines_up_to_1000_bytes)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.access_needs = &f.needs;
    f.needs.other = "Wheelchair access.\nPlease call after 10am.";
    s_expect_ok(&f, "two lines");
    f.needs.other = s_own(&f, 1000, 'o');
    s_expect_ok(&f, "1000 bytes");
    f.needs.other = s_own(&f, 1001, 'o');
    s_expect_fail(&f, "TOO_LONG", "complaint.complainant.access_needs.other");
    f.needs.other = "bell\a";
    s_expect_fail(&f, "INVALID_TEXT", "complaint.complainant.access_needs.other");
    s_fx_fini(&f);
}

Test(intake_model, I7_the_patients_access_needs_are_checked_under_patient)
{
    s_fx_t f;
    s_fx_init(&f);
    s_represent(&f, CANDOUR__V1__STANDING__STANDING_DECEASED);
    f.needs.format = (Candour__V1__Format)9;
    f.patient.access_needs = &f.needs;
    s_expect_fail(&f, "INVALID_ENUM", "complaint.patient.access_needs.format");
}

Test(intake_model, an_email_address_must_contain_an_at_sign)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.email = "a@b";
    s_expect_ok(&f, "a@b");
    f.p.email = "anita.patel.example.org";
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.complainant.email");
}

Test(intake_model, an_email_address_with_a_space_is_INVALID_ARGUMENT)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.email = "anita patel@example.org";
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.complainant.email");
}

Test(intake_model, I7_email_preferred_without_an_email_address_is_NO_CONTACT)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    s_expect_ok(&f, "email preferred and given");
    f.address[0] = "1 High Street";
    f.p.n_address = 1;
    f.p.email = "";
    s_expect_fail(&f, "NO_CONTACT", "complaint.complainant.email");
    f.p.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_POST;
    s_expect_ok(&f, "post preferred, address given");
}

Test(intake_model, I7_each_contact_channel_is_accepted_and_an_unknown_one_is_INVALID_ENUM)
{
    static const Candour__V1__ContactChannel known[] = {
        CANDOUR__V1__CONTACT_CHANNEL__CONTACT_UNSPECIFIED,
        CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL, CANDOUR__V1__CONTACT_CHANNEL__CONTACT_POST,
        CANDOUR__V1__CONTACT_CHANNEL__CONTACT_TELEPHONE};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.p.preferred_channel = known[i];
        s_expect_ok(&f, "a known contact channel");
    }
    s_fx_t f;
    s_fx_init(&f);
    f.p.preferred_channel = (Candour__V1__ContactChannel)4;
    s_expect_fail(&f, "INVALID_ENUM", "complaint.complainant.preferred_channel");
}

/* ------------------------------------ I1, I4 the verbal complaint's summary */

Test(intake_model, I1_a_verbal_complaint_with_a_summary_is_accepted_agreed_or_not)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = "Care package stopped without notice; wants it restored.";
    s_expect_ok(&f, "summary not yet agreed");
    f.c.summary_agreed = 1;
    s_expect_ok(&f, "summary agreed");
}

Test(intake_model, I1_a_verbal_complaint_without_a_summary_is_REQUIRED_summary)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    s_expect_fail(&f, "REQUIRED", "complaint.summary");
}

Test(intake_model, I4_a_verbal_complaint_resolved_at_once_needs_no_summary)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-02-29T16:00:00Z";
    s_expect_ok(&f, "resolved, no summary");
}

Test(intake_model, I8_a_verbal_compliment_needs_no_summary)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.kind = CANDOUR__V1__KIND__KIND_COMPLIMENT;
    s_expect_ok(&f, "a verbal compliment");
}

Test(intake_model, I1_a_summary_on_a_complaint_not_made_verbally_is_INVALID_ARGUMENT)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.summary = "Care package stopped.";
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.summary");
}

Test(intake_model, I1_summary_agreed_on_a_complaint_not_made_verbally_is_INVALID_ARGUMENT)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.summary_agreed = 1;
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.summary");
}

Test(intake_model, I4_resolved_at_on_a_complaint_not_made_verbally_is_INVALID_ARGUMENT)
{
    static const Candour__V1__Channel channels[] = {
        CANDOUR__V1__CHANNEL__CHANNEL_EMAIL, CANDOUR__V1__CHANNEL__CHANNEL_POST,
        CANDOUR__V1__CHANNEL__CHANNEL_WEB, CANDOUR__V1__CHANNEL__CHANNEL_BUS};
    for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.c.channel = channels[i];
        f.c.resolved_at = "2024-02-29T16:00:00Z";
        s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.resolved_at");
    }
}

Test(intake_model, I1_summary_agreed_without_a_summary_is_REQUIRED_summary)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-02-29T16:00:00Z"; /* so the summary is not needed for itself */
    f.c.summary_agreed = 1;
    s_expect_fail(&f, "REQUIRED", "complaint.summary");
    f.c.summary = "Care package stopped.";
    s_expect_ok(&f, "summary given and agreed");
}

Test(intake_model, I1_a_summary_is_accepted_at_20000_bytes_and_TOO_LONG_one_over)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.summary = s_own(&f, IN_MAX_TEXT, 's');
    s_expect_ok(&f, "summary at the maximum");
    f.c.summary = s_own(&f, IN_MAX_TEXT + 1, 's');
    s_expect_fail(&f, "TOO_LONG", "complaint.summary");
    s_fx_fini(&f);
}

Test(intake_model, I4_resolved_at_must_be_an_rfc3339_time)
{
    static const char *const bad[] = {"2024-02-29", "2024-02-29 16:00:00", "2024-02-29T16:00:00",
                                      "2024-02-30T16:00:00Z", "soon"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
        f.c.resolved_at = (char *)bad[i];
        s_expect_fail(&f, "INVALID_DATE", "complaint.resolved_at");
    }
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-02-29T16:00:00.250+01:00";
    s_expect_ok(&f, "fractions and an offset");
}

Test(intake_model, I4_resolved_at_today_is_accepted_and_tomorrow_is_DATE_IN_FUTURE)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-03-01T23:59:59Z"; /* GMT: still 1 Mar in London */
    s_expect_ok(&f, "the last second of today");
    f.c.resolved_at = "2024-03-02T00:00:00Z";
    s_expect_fail(&f, "DATE_IN_FUTURE", "complaint.resolved_at");
}

Test(intake_model, I4_resolved_at_is_in_the_future_by_the_london_date_in_summer)
{
    /* Today 14 Jun 2024 (BST): 23:00 UTC is already 15 Jun in London. */
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2024-06-01";
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    f.c.resolved_at = "2024-06-14T22:59:59Z";
    s_expect_ok_on(&f, s_days(2024, 6, 14), "23:59:59 BST today");
    f.c.resolved_at = "2024-06-14T23:00:00Z";
    s_expect_fail_on(&f, s_days(2024, 6, 14), "DATE_IN_FUTURE", "complaint.resolved_at");
}

/* ------------------------------------------------------------ lists */

Test(intake_model, I7_16_organisations_are_accepted_and_17_is_TOO_MANY)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.organisations = f.list;
    f.c.n_organisations = 16;
    s_expect_ok(&f, "16 organisations");
    f.c.n_organisations = 17;
    s_expect_fail(&f, "TOO_MANY", "complaint.organisations");
}

Test(intake_model, I7_an_empty_or_overlong_organisation_is_named_with_its_index)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.organisations = f.list;
    f.c.n_organisations = 3;
    f.list[2] = "";
    s_expect_fail(&f, "REQUIRED", "complaint.organisations[2]");
    f.list[2] = s_own(&f, 200, 'o');
    s_expect_ok(&f, "an organisation of 200 bytes");
    f.list[2] = s_own(&f, 201, 'o');
    s_expect_fail(&f, "TOO_LONG", "complaint.organisations[2]");
    s_fx_fini(&f);
}

Test(intake_model, I8_32_staff_named_are_accepted_and_33_is_TOO_MANY)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.kind = CANDOUR__V1__KIND__KIND_COMPLIMENT;
    f.c.staff_named = f.list;
    f.c.n_staff_named = 32;
    s_expect_ok(&f, "32 staff named");
    f.c.n_staff_named = 33;
    s_expect_fail(&f, "TOO_MANY", "complaint.staff_named");
}

Test(intake_model, I8_an_empty_or_overlong_staff_name_is_named_with_its_index)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.staff_named = f.list;
    f.c.n_staff_named = 2;
    f.list[0] = "";
    s_expect_fail(&f, "REQUIRED", "complaint.staff_named[0]");
    f.list[0] = "Ward 7 nursing team";
    f.list[1] = s_own(&f, 201, 'n');
    s_expect_fail(&f, "TOO_LONG", "complaint.staff_named[1]");
    s_fx_fini(&f);
}
