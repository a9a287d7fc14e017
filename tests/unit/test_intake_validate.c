/* test_intake_validate.c - intake's checks on a submitted complaint, and new references.
 *
 * Every test starts from one valid complaint (s_fx_init) and breaks exactly one
 * thing, so a failure names the rule, the field path and the code that an
 * integrator sees. Limits are tested both ways: the maximum passes, one more
 * byte fails. "Today" comes from timegm(), not from calendar.c, so the date
 * checks are not measured against themselves. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/pb.h"
#include "candour/v1/api.pb-c.h"
#include "validate.h"

/* ------------------------------------------------------------ fixture */

typedef struct {
    Candour__V1__Complaint c; /* the complaint under test */
    Candour__V1__Person p;    /* its complainant */
    char *address[12];        /* room for more lines than allowed */
    char *services[20];       /* room for more services than allowed */
    char *owned[4];           /* long strings made by s_own, freed by s_fx_fini */
    int nowned;               /* how many of owned are in use */
} s_fx_t;

/* Days since 1970-01-01 of a date, by the C library. */
static int32_t s_days(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    return (int32_t)(timegm(&tm) / 86400);
}

#define TODAY s_days(2024, 3, 1) /* a Friday; any day would do */

static void s_fx_init(s_fx_t *f)
{
    memset(f, 0, sizeof *f);
    f->c = (Candour__V1__Complaint)CANDOUR__V1__COMPLAINT__INIT;
    f->p = (Candour__V1__Person)CANDOUR__V1__PERSON__INIT;
    f->c.external_ref = "ICB-2024-0001";
    f->c.channel = CANDOUR__V1__CHANNEL__CHANNEL_WEB;
    f->c.complainant = &f->p;
    f->c.description = "My mother's care package was stopped without notice.";
    f->c.desired_outcome = "An explanation and the package restored.";
    f->c.event_date = "2024-01-10";
    f->c.awareness_date = "2024-01-12";
    f->services[0] = "continuing-healthcare";
    f->c.services = f->services;
    f->c.n_services = 1;
    f->p.name = "Anita Patel";
    f->p.address_as = "Mrs Patel";
    f->p.email = "anita.patel@example.org";
    f->p.address = f->address;
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

static void s_expect_ok(const s_fx_t *f, const char *why)
{
    cd_fail_t e = {0};
    int rc = in_validate_complaint(&f->c, TODAY, &e);
    cr_assert_eq(rc, 0, "%s: rejected with %s %s (%s)", why, cd_code_name(e.code), e.field,
                 e.message);
}

static void s_expect_fail(const s_fx_t *f, const char *code, const char *field)
{
    cd_fail_t e = {0};
    cr_assert_eq(in_validate_complaint(&f->c, TODAY, &e), -1, "accepted; wanted %s on %s", code,
                 field);
    cr_assert_str_eq(cd_code_name(e.code), code, "code for %s", field);
    cr_assert_str_eq(e.field, field, "field for %s", code);
    cr_assert_neq(e.message[0], 0, "%s on %s has no message", code, field);
}

/* The text slot behind a field path, so limits can be tested from a table. */
static char **s_slot(s_fx_t *f, const char *field)
{
    static const char *const names[] = {
        "complaint.external_ref",
        "complaint.complainant.name",
        "complaint.complainant.address_as",
        "complaint.complainant.postcode",
        "complaint.complainant.email",
        "complaint.complainant.telephone",
        "complaint.description",
        "complaint.desired_outcome",
    };
    char **slots[] = {&f->c.external_ref, &f->p.name,           &f->p.address_as,
                      &f->p.postcode,     &f->p.email,          &f->p.telephone,
                      &f->c.description,  &f->c.desired_outcome};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], field) == 0)
            return slots[i];
    cr_assert_fail("no slot for %s", field);
    return NULL;
}

static const struct {
    const char *field;
    size_t max;
} s_limits[] = {
    {"complaint.external_ref", IN_MAX_REF},
    {"complaint.complainant.name", IN_MAX_NAME},
    {"complaint.complainant.address_as", IN_MAX_NAME},
    {"complaint.complainant.postcode", 16},
    {"complaint.complainant.email", 254},
    {"complaint.complainant.telephone", 32},
    {"complaint.description", IN_MAX_TEXT},
    {"complaint.desired_outcome", IN_MAX_TEXT},
};

/* --------------------------------------------------------- the baseline */

Test(intake_validate, a_complete_complaint_is_accepted)
{
    s_fx_t f;
    s_fx_init(&f);
    s_expect_ok(&f, "the fixture");
}

Test(intake_validate, optional_fields_may_be_empty)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.address_as = "";
    f.c.desired_outcome = "";
    f.c.event_date = "";
    f.c.awareness_date = "";
    f.c.n_services = 0;
    s_expect_ok(&f, "optional fields empty");
}

/* ----------------------------------------------------- required fields */

Test(intake_validate, a_missing_complaint_is_REQUIRED_complaint)
{
    cd_fail_t e = {0};
    cr_assert_eq(in_validate_complaint(NULL, TODAY, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "REQUIRED");
    cr_assert_str_eq(e.field, "complaint");
}

Test(intake_validate, I9_external_ref_is_required_as_the_idempotency_key)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.external_ref = "";
    s_expect_fail(&f, "REQUIRED", "complaint.external_ref");
    f.c.external_ref = NULL;
    s_expect_fail(&f, "REQUIRED", "complaint.external_ref");
}

Test(intake_validate, complainant_is_required)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.complainant = NULL;
    s_expect_fail(&f, "REQUIRED", "complaint.complainant");
}

Test(intake_validate, complainant_name_is_required)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.name = "";
    s_expect_fail(&f, "REQUIRED", "complaint.complainant.name");
}

Test(intake_validate, description_is_required)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.description = "";
    s_expect_fail(&f, "REQUIRED", "complaint.description");
}

/* ------------------------------------------------------------- channel */

Test(intake_validate, I1_each_channel_is_accepted)
{
    static const Candour__V1__Channel ok[] = {
        CANDOUR__V1__CHANNEL__CHANNEL_EMAIL, CANDOUR__V1__CHANNEL__CHANNEL_POST,
        CANDOUR__V1__CHANNEL__CHANNEL_WEB, CANDOUR__V1__CHANNEL__CHANNEL_VERBAL,
        CANDOUR__V1__CHANNEL__CHANNEL_BUS};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.c.channel = ok[i];
        if (ok[i] == CANDOUR__V1__CHANNEL__CHANNEL_VERBAL)
            f.c.summary = "Told us by telephone that the home visit did not happen.";
        s_expect_ok(&f, "a known channel");
    }
}

Test(intake_validate, I1_a_verbal_complaint_needs_its_written_summary)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    s_expect_fail(&f, "REQUIRED", "complaint.summary");
    f.c.summary = "Told us by telephone that the home visit did not happen.";
    s_expect_ok(&f, "a verbal complaint with its summary");
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    s_expect_fail(&f, "INVALID_ARGUMENT", "complaint.summary");
}

Test(intake_validate, I1_unspecified_channel_is_INVALID_ENUM)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = CANDOUR__V1__CHANNEL__CHANNEL_UNSPECIFIED;
    s_expect_fail(&f, "INVALID_ENUM", "complaint.channel");
}

Test(intake_validate, I1_unknown_channel_number_is_INVALID_ENUM)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.channel = (Candour__V1__Channel)6; /* one past CHANNEL_BUS, as a newer client might send */
    s_expect_fail(&f, "INVALID_ENUM", "complaint.channel");
    f.c.channel = (Candour__V1__Channel)-1;
    s_expect_fail(&f, "INVALID_ENUM", "complaint.channel");
}

/* -------------------------------------------------------------- limits */

Test(intake_validate, each_text_field_is_accepted_at_its_maximum_length)
{
    for (size_t i = 0; i < sizeof s_limits / sizeof s_limits[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        char *v = s_own(&f, s_limits[i].max, 'a');
        if (strstr(s_limits[i].field, "email"))
            v[s_limits[i].max / 2] = '@'; /* still an address, at full length */
        *s_slot(&f, s_limits[i].field) = v;
        cd_fail_t e = {0};
        int rc = in_validate_complaint(&f.c, TODAY, &e);
        s_fx_fini(&f);
        cr_assert_eq(rc, 0, "%s at %zu bytes: %s %s", s_limits[i].field, s_limits[i].max,
                     cd_code_name(e.code), e.field);
    }
}

Test(intake_validate, each_text_field_is_TOO_LONG_one_byte_over_its_maximum)
{
    for (size_t i = 0; i < sizeof s_limits / sizeof s_limits[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        *s_slot(&f, s_limits[i].field) = s_own(&f, s_limits[i].max + 1, 'a');
        cd_fail_t e = {0};
        int rc = in_validate_complaint(&f.c, TODAY, &e);
        s_fx_fini(&f);
        cr_assert_eq(rc, -1, "%s at %zu bytes accepted", s_limits[i].field, s_limits[i].max + 1);
        cr_assert_str_eq(cd_code_name(e.code), "TOO_LONG", "%s", s_limits[i].field);
        cr_assert_str_eq(e.field, s_limits[i].field);
    }
}

Test(intake_validate, limits_count_bytes_not_characters)
{
    /* 100 two-byte characters are 200 bytes: at the name limit; one more is over. */
    s_fx_t f;
    s_fx_init(&f);
    char name[2 * IN_MAX_NAME + 3];
    size_t n = 0;
    for (int i = 0; i < IN_MAX_NAME / 2; i++) {
        name[n++] = (char)0xC3;
        name[n++] = (char)0xA9; /* é */
    }
    name[n] = 0;
    f.p.name = name;
    s_expect_ok(&f, "200 bytes of é");
    name[n++] = 'x';
    name[n] = 0;
    s_expect_fail(&f, "TOO_LONG", "complaint.complainant.name");
}

/* ---------------------------------------------------------------- text */

Test(intake_validate, control_characters_are_INVALID_TEXT)
{
    static const char *const bad[] = {"Anita\x01Patel", "Anita\x1bPatel", "Anita\x7fPatel",
                                      "Anita\rPatel", "Anita\xc2\x85Patel" /* U+0085 NEL */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.p.name = (char *)bad[i];
        s_expect_fail(&f, "INVALID_TEXT", "complaint.complainant.name");
    }
}

Test(intake_validate, single_line_fields_reject_newlines_and_tabs)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.external_ref = "ICB\n2024";
    s_expect_fail(&f, "INVALID_TEXT", "complaint.external_ref");
    s_fx_init(&f);
    f.p.name = "Anita\tPatel";
    s_expect_fail(&f, "INVALID_TEXT", "complaint.complainant.name");
}

Test(intake_validate, description_and_desired_outcome_may_have_newlines_and_tabs)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.description = "First,\tthe visit.\nThen the letter.\n";
    f.c.desired_outcome = "1.\tAn apology\n2.\tA review";
    s_expect_ok(&f, "multi-line text");
}

Test(intake_validate, description_with_a_control_character_is_INVALID_TEXT)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.description = "line one\r\nline two";
    s_expect_fail(&f, "INVALID_TEXT", "complaint.description");
    f.c.description = "bell\a";
    s_expect_fail(&f, "INVALID_TEXT", "complaint.description");
}

/* A NUL never reaches the validator (protobuf-c ends the string there), so
 * the inbox refuses it from the wire (cd_pb_check_text) before intake sees
 * the request. The field it names must be the one this validator would name
 * for any other control character in the same place: the inbox names a
 * submit's fields from its SubmitComplaint, which is what checking a
 * SubmitComplaint's own bytes gives. */
Test(intake_validate, a_nul_on_the_wire_is_named_as_a_control_character_here)
{
    for (int which = 0; which < 6; which++) {
        s_fx_t f;
        s_fx_init(&f);
        f.address[0] = "12 Park Row";
        f.address[1] = "Leeds";
        f.p.n_address = 2;
        char **slot[] = {&f.c.external_ref, &f.p.name,           &f.address[1],
                         &f.c.description,  &f.c.desired_outcome, &f.services[0]};
        *slot[which] = "x\x7f"; /* DEL: a control character to the validator */
        cd_fail_t e = {0};
        cr_assert_eq(in_validate_complaint(&f.c, TODAY, &e), -1);
        cr_assert_str_eq(cd_code_name(e.code), "INVALID_TEXT");

        Candour__V1__SubmitComplaint sub = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
        sub.complaint = &f.c;
        size_t len;
        uint8_t *buf = cd_pb_pack(&sub.base, &len);
        cr_assert_not_null(buf);
        uint8_t *mark = memchr(buf, 0x7f, len);
        cr_assert_not_null(mark);
        *mark = 0; /* the same place, now a NUL */
        char path[96];
        cr_assert_eq(cd_pb_check_text(&candour__v1__submit_complaint__descriptor, buf, len, path,
                                      sizeof path),
                     CD_PB_TEXT_NUL);
        cr_assert_str_eq(path, e.field, "the inbox says %s, the validator %s", path, e.field);
        free(buf);
    }
}

Test(intake_validate, bad_utf8_is_INVALID_TEXT)
{
    static const char *const bad[] = {
        "caf\xc3",          /* truncated sequence */
        "caf\xc3\x28",      /* bad continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xff",             /* never valid */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.c.description = (char *)bad[i];
        s_expect_fail(&f, "INVALID_TEXT", "complaint.description");
    }
}

Test(intake_validate, well_formed_non_ascii_text_is_accepted)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.name = "Siân Ó Súilleabháin";
    f.c.description = "The ward said “tomorrow” — three times. 😞";
    s_expect_ok(&f, "Welsh, Irish, curly quotes and an emoji");
}

/* ------------------------------------------------------------- contact */

Test(intake_validate, neither_email_nor_postal_address_is_NO_CONTACT)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.email = "";
    f.p.telephone = "020 7946 0000"; /* a telephone number alone cannot take a letter */
    s_expect_fail(&f, "NO_CONTACT", "complaint.complainant");
}

Test(intake_validate, a_postal_address_alone_is_enough_contact)
{
    s_fx_t f;
    s_fx_init(&f);
    f.p.email = "";
    f.address[0] = "1 High Street";
    f.address[1] = "Leeds";
    f.p.n_address = 2;
    f.p.postcode = "LS1 1AA";
    s_expect_ok(&f, "post only");
}

Test(intake_validate, an_email_address_alone_is_enough_contact)
{
    s_fx_t f;
    s_fx_init(&f);
    cr_assert_eq(f.p.n_address, 0);
    s_expect_ok(&f, "email only");
}

/* ------------------------------------------------------------- address */

Test(intake_validate, address_of_8_lines_is_accepted_and_9_is_TOO_MANY)
{
    s_fx_t f;
    s_fx_init(&f);
    for (int i = 0; i < 9; i++)
        f.address[i] = "a line";
    f.p.n_address = 8;
    s_expect_ok(&f, "8 address lines");
    f.p.n_address = 9;
    s_expect_fail(&f, "TOO_MANY", "complaint.complainant.address");
}

Test(intake_validate, an_empty_address_line_is_REQUIRED_with_its_index)
{
    s_fx_t f;
    s_fx_init(&f);
    f.address[0] = "1 High Street";
    f.address[1] = "";
    f.address[2] = "Leeds";
    f.p.n_address = 3;
    s_expect_fail(&f, "REQUIRED", "complaint.complainant.address[1]");
}

Test(intake_validate, an_address_line_is_TOO_LONG_over_200_bytes_with_its_index)
{
    s_fx_t f;
    s_fx_init(&f);
    f.address[0] = "1 High Street";
    f.address[1] = "Leeds";
    f.address[2] = s_own(&f, IN_MAX_LINE, 'a');
    f.p.n_address = 3;
    s_expect_ok(&f, "a 200-byte line");
    f.address[7] = s_own(&f, IN_MAX_LINE + 1, 'a');
    for (int i = 3; i < 7; i++)
        f.address[i] = "x";
    f.p.n_address = 8;
    cd_fail_t e = {0};
    int rc = in_validate_complaint(&f.c, TODAY, &e);
    s_fx_fini(&f);
    cr_assert_eq(rc, -1);
    cr_assert_str_eq(cd_code_name(e.code), "TOO_LONG");
    cr_assert_str_eq(e.field, "complaint.complainant.address[7]");
}

Test(intake_validate, an_address_line_with_a_newline_is_INVALID_TEXT)
{
    s_fx_t f;
    s_fx_init(&f);
    f.address[0] = "1 High Street\nLeeds";
    f.p.n_address = 1;
    s_expect_fail(&f, "INVALID_TEXT", "complaint.complainant.address[0]");
}

/* ------------------------------------------------------------ services */

Test(intake_validate, I7_16_services_are_accepted_and_17_is_TOO_MANY)
{
    s_fx_t f;
    s_fx_init(&f);
    for (int i = 0; i < 17; i++)
        f.services[i] = "community-nursing";
    f.c.n_services = 16;
    s_expect_ok(&f, "16 services");
    f.c.n_services = 17;
    s_expect_fail(&f, "TOO_MANY", "complaint.services");
}

Test(intake_validate, I7_an_empty_service_is_REQUIRED_with_its_index)
{
    s_fx_t f;
    s_fx_init(&f);
    f.services[1] = "district-nursing";
    f.services[2] = "";
    f.c.n_services = 3;
    s_expect_fail(&f, "REQUIRED", "complaint.services[2]");
}

Test(intake_validate, I7_a_service_is_TOO_LONG_over_200_bytes_with_its_index)
{
    s_fx_t f;
    s_fx_init(&f);
    f.services[1] = s_own(&f, IN_MAX_LINE, 's');
    f.c.n_services = 2;
    s_expect_ok(&f, "a 200-byte service");
    f.services[2] = s_own(&f, IN_MAX_LINE + 1, 's');
    f.c.n_services = 3;
    cd_fail_t e = {0};
    int rc = in_validate_complaint(&f.c, TODAY, &e);
    s_fx_fini(&f);
    cr_assert_eq(rc, -1);
    cr_assert_str_eq(cd_code_name(e.code), "TOO_LONG");
    cr_assert_str_eq(e.field, "complaint.services[2]");
}

/* --------------------------------------------------------------- dates */

Test(intake_validate, I3_dates_not_written_YYYY_MM_DD_are_INVALID_DATE)
{
    static const char *const bad[] = {"2024-02-30", "2023-02-29",       "2024-13-01",  "2024-1-10",
                                      "10/01/2024", "2024-01-10T09:00", " 2024-01-10", "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_fx_t f;
        s_fx_init(&f);
        f.c.event_date = (char *)bad[i];
        s_expect_fail(&f, "INVALID_DATE", "complaint.event_date");
        s_fx_init(&f);
        f.c.awareness_date = (char *)bad[i];
        s_expect_fail(&f, "INVALID_DATE", "complaint.awareness_date");
    }
}

Test(intake_validate, I3_a_leap_day_is_a_real_date)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2024-02-29";
    s_expect_ok(&f, "29 Feb 2024");
}

Test(intake_validate, I3_dates_of_today_are_accepted)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2024-03-01";
    f.c.awareness_date = "2024-03-01";
    s_expect_ok(&f, "today");
}

Test(intake_validate, I3_dates_after_today_are_DATE_IN_FUTURE)
{
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2024-03-02";
    s_expect_fail(&f, "DATE_IN_FUTURE", "complaint.event_date");
    s_fx_init(&f);
    f.c.awareness_date = "2024-03-02";
    s_expect_fail(&f, "DATE_IN_FUTURE", "complaint.awareness_date");
}

Test(intake_validate, I3_today_is_whatever_the_caller_says)
{
    /* The same date is fine on one day and in the future the day before. */
    s_fx_t f;
    s_fx_init(&f);
    f.c.event_date = "2024-03-01";
    cd_fail_t e = {0};
    cr_assert_eq(in_validate_complaint(&f.c, TODAY - 1, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "DATE_IN_FUTURE");
    cr_assert_eq(in_validate_complaint(&f.c, TODAY, &e), 0);
}

/* -------------------------------------------------------- organisation */

Test(intake_validate, org_id_is_required)
{
    cd_fail_t e = {0};
    cr_assert_eq(in_validate_org("", &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "REQUIRED");
    cr_assert_str_eq(e.field, "org_id");
    memset(&e, 0, sizeof e);
    cr_assert_eq(in_validate_org(NULL, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "REQUIRED");
    cr_assert_str_eq(e.field, "org_id");
}

Test(intake_validate, org_id_of_letters_digits_dots_dashes_underscores_is_accepted)
{
    cd_fail_t e = {0};
    cr_assert_eq(in_validate_org("QWE", &e), 0);
    cr_assert_eq(in_validate_org("nhs.icb_west-yorkshire.01", &e), 0);
    cr_assert_eq(in_validate_org("a", &e), 0);
}

Test(intake_validate, org_id_is_accepted_at_64_bytes_and_INVALID_ARGUMENT_at_65)
{
    char org[IN_MAX_ORG + 2];
    memset(org, 'x', IN_MAX_ORG);
    org[IN_MAX_ORG] = 0;
    cd_fail_t e = {0};
    cr_assert_eq(in_validate_org(org, &e), 0);
    org[IN_MAX_ORG] = 'x';
    org[IN_MAX_ORG + 1] = 0;
    cr_assert_eq(in_validate_org(org, &e), -1);
    cr_assert_str_eq(cd_code_name(e.code), "INVALID_ARGUMENT");
    cr_assert_str_eq(e.field, "org_id");
}

Test(intake_validate, org_id_with_other_characters_is_INVALID_ARGUMENT)
{
    static const char *const bad[] = {"nhs icb",    "nhs/icb", "../etc", "icb;drop",
                                      "ic\xc3\xa9", "icb\n",   "icb:1",  "icb*"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cd_fail_t e = {0};
        cr_assert_eq(in_validate_org(bad[i], &e), -1, "accepted \"%s\"", bad[i]);
        cr_assert_str_eq(cd_code_name(e.code), "INVALID_ARGUMENT");
        cr_assert_str_eq(e.field, "org_id");
    }
}

/* ----------------------------------------------------------- references */

static const char s_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

Test(intake_validate, new_reference_is_CDR_XXXX_XXXX_from_the_alphabet)
{
    for (int n = 0; n < 1000; n++) {
        char buf[16];
        memset(buf, '#', sizeof buf);
        cr_assert_eq(in_new_reference(buf), 0);
        cr_assert_eq(buf[13], 0, "not terminated at 13");
        cr_assert_eq(buf[14], '#', "wrote past 14 bytes");
        cr_assert_eq(strlen(buf), 13);
        cr_assert_eq(strncmp(buf, "CDR-", 4), 0, "%s", buf);
        cr_assert_eq(buf[8], '-', "%s", buf);
        for (int i = 4; i < 13; i++)
            if (i != 8)
                cr_assert_not_null(strchr(s_alphabet, buf[i]), "'%c' in %s", buf[i], buf);
    }
}

Test(intake_validate, new_reference_alphabet_has_no_look_alikes)
{
    /* The alphabet itself, written out here: 31 symbols, none of 0 O 1 I L. */
    cr_assert_eq(strlen(s_alphabet), 31);
    cr_assert_eq(strpbrk(s_alphabet, "0O1IL"), NULL);
}

static int s_cmp_ref(const void *a, const void *b)
{
    return memcmp(a, b, 14);
}

Test(intake_validate, a_thousand_new_references_are_distinct_and_use_every_symbol)
{
    enum { N = 1000 }; /* 1000: a chance collision is under one in a million runs */
    char(*refs)[14] = calloc(N, sizeof *refs);
    cr_assert_not_null(refs);
    int seen[256] = {0};
    for (int i = 0; i < N; i++) {
        cr_assert_eq(in_new_reference(refs[i]), 0);
        for (int j = 4; j < 13; j++)
            seen[(unsigned char)refs[i][j]]++;
    }
    qsort(refs, N, sizeof *refs, s_cmp_ref);
    int dups = 0;
    for (int i = 1; i < N; i++)
        dups += memcmp(refs[i - 1], refs[i], 14) == 0;
    free(refs);
    cr_assert_eq(dups, 0, "%d duplicate references in %d", dups, N);
    /* 80,000 symbols: each of the 31 is expected about 2,600 times, so one
     * never seen means the generator cannot produce it. */
    for (const char *p = s_alphabet; *p; p++)
        cr_assert_gt(seen[(unsigned char)*p], 0, "'%c' never used", *p);
}
