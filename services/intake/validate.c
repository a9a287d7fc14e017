/* validate.c - intake's rules for a submitted complaint. */
#include "validate.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "candour/calendar.h"
#include "candour/util.h"

/* A text field: optional or required, bounded, valid UTF-8 without controls. */
static int s_text(const char *s, const char *field, size_t max, int required, int multiline,
                  cd_fail_t *e)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0)
        return required ? cd_fail(e, CD_CODE_REQUIRED, field, "%s is required", field) : 0;
    if (len > max)
        return cd_fail(e, CD_CODE_TOO_LONG, field, "%s is %zu bytes long; at most %zu are allowed",
                       field, len, max);
    if (!cd_text_ok(s, len, multiline))
        return cd_fail(e, CD_CODE_INVALID_TEXT, field,
                       "%s must be UTF-8 text without control characters%s", field,
                       multiline ? " (new lines and tabs are allowed)" : "");
    return 0;
}

static int s_date(const char *s, const char *field, int32_t today, cd_fail_t *e)
{
    if (!s || !*s)
        return 0;
    cd_date_t d;
    if (cd_date_parse(s, &d) != 0)
        return cd_fail(e, CD_CODE_INVALID_DATE, field, "%s must be a date written YYYY-MM-DD",
                       field);
    if (cd_date_to_days(d) > today)
        return cd_fail(e, CD_CODE_DATE_IN_FUTURE, field, "%s (%s) is later than today", field, s);
    return 0;
}

/* A person named in a complaint: the complainant or the patient. */
static int s_person(const Candour__V1__Person *p, const char *field, int need_contact, cd_fail_t *e)
{
    char f[96];
#define S_F(name) (snprintf(f, sizeof f, "%s." name, field), f)
    if (s_text(p->name, S_F("name"), IN_MAX_NAME, 1, 0, e) ||
        s_text(p->address_as, S_F("address_as"), IN_MAX_NAME, 0, 0, e) ||
        s_text(p->postcode, S_F("postcode"), 16, 0, 0, e) ||
        s_text(p->email, S_F("email"), 254, 0, 0, e) ||
        s_text(p->telephone, S_F("telephone"), 32, 0, 0, e))
        return -1;
    if (p->email[0] && (!strchr(p->email, '@') || strchr(p->email, ' ')))
        return cd_fail(e, CD_CODE_INVALID_ARGUMENT, S_F("email"), "%s is not an email address", f);
    if (p->n_address > 8)
        return cd_fail(e, CD_CODE_TOO_MANY, S_F("address"), "an address has at most 8 lines");
    for (size_t i = 0; i < p->n_address; i++) {
        snprintf(f, sizeof f, "%s.address[%zu]", field, i);
        if (s_text(p->address[i], f, IN_MAX_LINE, 1, 0, e))
            return -1;
    }
    if (!protobuf_c_enum_descriptor_get_value(&candour__v1__contact_channel__descriptor,
                                              p->preferred_channel))
        return cd_fail(e, CD_CODE_INVALID_ENUM, S_F("preferred_channel"),
                       "%s must be CONTACT_EMAIL, CONTACT_POST or CONTACT_TELEPHONE", f);
    if (p->preferred_channel == CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL && !p->email[0])
        return cd_fail(e, CD_CODE_NO_CONTACT, S_F("email"),
                       "email is the preferred channel but no email address is given");
    if (p->access_needs) {
        const Candour__V1__AccessNeeds *a = p->access_needs;
        if (!protobuf_c_enum_descriptor_get_value(&candour__v1__format__descriptor, a->format))
            return cd_fail(e, CD_CODE_INVALID_ENUM, S_F("access_needs.format"),
                           "the format must be FORMAT_STANDARD, FORMAT_LARGE_PRINT, "
                           "FORMAT_EASY_READ, FORMAT_BRAILLE or FORMAT_AUDIO");
        if (s_text(a->interpreter_language, S_F("access_needs.interpreter_language"), 64, 0, 0,
                   e) ||
            s_text(a->other, S_F("access_needs.other"), 1000, 0, 1, e))
            return -1;
    }
    if (need_contact && !p->email[0] && !p->n_address)
        return cd_fail(e, CD_CODE_NO_CONTACT, field,
                       "give an email address or a postal address, so the complainant can be"
                       " written to");
    return 0;
#undef S_F
}

/* A list of short names (services, organisations, staff named). */
static int s_names(char **v, size_t n, const char *field, size_t max_items, cd_fail_t *e)
{
    if (n > max_items)
        return cd_fail(e, CD_CODE_TOO_MANY, field, "at most %zu entries are allowed in %s",
                       max_items, field);
    for (size_t i = 0; i < n; i++) {
        char f[96];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        if (s_text(v[i], f, IN_MAX_LINE, 1, 0, e))
            return -1;
    }
    return 0;
}

static int s_time(const char *s, const char *field, int32_t today, cd_fail_t *e)
{
    if (!s || !*s)
        return 0;
    int64_t t = cd_parse_rfc3339(s);
    if (t < 0)
        return cd_fail(e, CD_CODE_INVALID_DATE, field,
                       "%s must be a time written like 2026-11-25T14:30:00Z", field);
    /* London's date is never before the UTC one, so a UTC day after today is
     * in the future; and such a time (up to 9999-12-31T23:59:59-23:59) must
     * not reach the calendar, which asserts on dates past 9999-12-31. */
    if (t / 86400 > today || cd_date_to_days(cd_date_from_unix_london(t)) > today)
        return cd_fail(e, CD_CODE_DATE_IN_FUTURE, field, "%s (%s) is later than today", field, s);
    return 0;
}

int in_validate_consent(const Candour__V1__Consent *k, const char *field, int32_t today,
                        cd_fail_t *e)
{
    char f[96];
    snprintf(f, sizeof f, "%s.given_by", field);
    if (s_text(k->given_by, f, IN_MAX_NAME, 1, 0, e))
        return -1;
    snprintf(f, sizeof f, "%s.given_at", field);
    if (!k->given_at[0])
        return cd_fail(e, CD_CODE_REQUIRED, f, "%s is required: the date the consent was given", f);
    if (s_date(k->given_at, f, today, e))
        return -1;
    snprintf(f, sizeof f, "%s.method", field);
    if (k->method[0] && strcmp(k->method, "written") != 0 && strcmp(k->method, "verbal") != 0 &&
        strcmp(k->method, "electronic") != 0)
        return cd_fail(e, CD_CODE_INVALID_ARGUMENT, f, "%s must be written, verbal or electronic",
                       f);
    snprintf(f, sizeof f, "%s.recorded_by", field);
    if (s_text(k->recorded_by, f, IN_MAX_NAME, 0, 0, e))
        return -1;
    snprintf(f, sizeof f, "%s.share_with", field);
    if (s_names(k->share_with, k->n_share_with, f, 16, e))
        return -1;
    for (size_t i = 0; i < k->n_share_with; i++)
        if (in_validate_org(k->share_with[i], e) != 0) {
            snprintf(e->field, sizeof e->field, "%s.share_with[%zu]", field, i);
            return -1;
        }
    return 0;
}

/* I2: the standing, and what each standing must record. */
static int s_standing(const Candour__V1__Complaint *c, int32_t today, cd_fail_t *e)
{
    Candour__V1__Standing st = c->standing;
    if (!protobuf_c_enum_descriptor_get_value(&candour__v1__standing__descriptor, st))
        return cd_fail(e, CD_CODE_INVALID_ENUM, "complaint.standing",
                       "the standing is not one Candour knows: see candour.v1.Standing");
    int representative = st == CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT ||
                         st == CANDOUR__V1__STANDING__STANDING_LACKS_CAPACITY ||
                         st == CANDOUR__V1__STANDING__STANDING_CHILD ||
                         st == CANDOUR__V1__STANDING__STANDING_DECEASED;
    if (representative && (!c->patient || !c->patient->name[0]))
        return cd_fail(e, CD_CODE_REQUIRED, "complaint.patient.name",
                       "a representative's complaint must name the patient");
    if (!representative && c->patient && c->patient->name[0] &&
        st != CANDOUR__V1__STANDING__STANDING_AFFECTED)
        return cd_fail(e, CD_CODE_INVALID_ARGUMENT, "complaint.standing",
                       "a patient other than the complainant is named: give the complainant's"
                       " standing (STANDING_PATIENT_CONSENT, STANDING_LACKS_CAPACITY,"
                       " STANDING_CHILD, STANDING_DECEASED or STANDING_AFFECTED)");
    if (c->patient && c->patient->name[0] && s_person(c->patient, "complaint.patient", 0, e))
        return -1;
    if ((st == CANDOUR__V1__STANDING__STANDING_LACKS_CAPACITY ||
         st == CANDOUR__V1__STANDING__STANDING_CHILD) &&
        !c->standing_basis[0])
        return cd_fail(e, CD_CODE_REQUIRED, "complaint.standing_basis",
                       st == CANDOUR__V1__STANDING__STANDING_CHILD
                           ? "record the basis on which a child is represented (e.g. parental"
                             " responsibility)"
                           : "record the basis of the patient's lack of capacity (e.g. the"
                             " assessment and its date)");
    if ((st == CANDOUR__V1__STANDING__STANDING_DECEASED ||
         st == CANDOUR__V1__STANDING__STANDING_CHILD) &&
        !c->relationship[0])
        return cd_fail(e, CD_CODE_REQUIRED, "complaint.relationship",
                       "record the complainant's relationship to the patient");
    if (s_text(c->standing_basis, "complaint.standing_basis", 1000, 0, 1, e) ||
        s_text(c->relationship, "complaint.relationship", IN_MAX_LINE, 0, 0, e) ||
        s_text(c->consent_exception, "complaint.consent_exception", 1000, 0, 1, e))
        return -1;
    if (c->n_consents > 8)
        return cd_fail(e, CD_CODE_TOO_MANY, "complaint.consents",
                       "at most 8 consents may be given");
    for (size_t i = 0; i < c->n_consents; i++) {
        char f[48];
        snprintf(f, sizeof f, "complaint.consents[%zu]", i);
        if (in_validate_consent(c->consents[i], f, today, e))
            return -1;
    }
    return 0;
}

int in_validate_org(const char *org, cd_fail_t *e)
{
    size_t len = org ? strlen(org) : 0;
    if (len == 0)
        return cd_fail(e, CD_CODE_REQUIRED, "org_id", "the submitting organisation is required");
    if (len > IN_MAX_ORG || strspn(org, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789._-") != len)
        return cd_fail(e, CD_CODE_INVALID_ARGUMENT, "org_id",
                       "an organisation id is 1 to %d letters, digits, dots, dashes or underscores",
                       IN_MAX_ORG);
    return 0;
}

int in_validate_complaint(const Candour__V1__Complaint *c, int32_t today, cd_fail_t *e)
{
    if (!c)
        return cd_fail(e, CD_CODE_REQUIRED, "complaint", "the complaint is missing");
    if (s_text(c->external_ref, "complaint.external_ref", IN_MAX_REF, 1, 0, e))
        return -1;
    if (!protobuf_c_enum_descriptor_get_value(&candour__v1__channel__descriptor, c->channel) ||
        c->channel == CANDOUR__V1__CHANNEL__CHANNEL_UNSPECIFIED)
        return cd_fail(e, CD_CODE_INVALID_ENUM, "complaint.channel",
                       "complaint.channel must be one of CHANNEL_EMAIL, CHANNEL_POST, CHANNEL_WEB,"
                       " CHANNEL_VERBAL or CHANNEL_BUS");
    const Candour__V1__Person *p = c->complainant;
    if (!p)
        return cd_fail(e, CD_CODE_REQUIRED, "complaint.complainant", "the complainant is required");
    if (s_person(p, "complaint.complainant", 1, e))
        return -1;
    if (!protobuf_c_enum_descriptor_get_value(&candour__v1__kind__descriptor, c->kind))
        return cd_fail(e, CD_CODE_INVALID_ENUM, "complaint.kind",
                       "complaint.kind must be KIND_COMPLAINT or KIND_COMPLIMENT");
    if (!protobuf_c_enum_descriptor_get_value(&candour__v1__age_band__descriptor,
                                              c->patient_age_band))
        return cd_fail(e, CD_CODE_INVALID_ENUM, "complaint.patient_age_band",
                       "complaint.patient_age_band must be one of AGE_BAND_UNKNOWN,"
                       " AGE_BAND_UNDER_18, AGE_BAND_18_TO_64 or AGE_BAND_65_AND_OVER");
    if (s_standing(c, today, e))
        return -1;
    if (s_text(c->description, "complaint.description", IN_MAX_TEXT, 1, 1, e) ||
        s_text(c->desired_outcome, "complaint.desired_outcome", IN_MAX_TEXT, 0, 1, e))
        return -1;
    if (s_date(c->event_date, "complaint.event_date", today, e) ||
        s_date(c->awareness_date, "complaint.awareness_date", today, e))
        return -1;
    if (s_names(c->services, c->n_services, "complaint.services", 16, e) ||
        s_names(c->organisations, c->n_organisations, "complaint.organisations", 16, e) ||
        s_names(c->staff_named, c->n_staff_named, "complaint.staff_named", 32, e) ||
        s_names(c->teams_named, c->n_teams_named, "complaint.teams_named", 16, e))
        return -1;
    int verbal = c->channel == CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    if (s_text(c->summary, "complaint.summary", IN_MAX_TEXT, 0, 1, e) ||
        s_time(c->resolved_at, "complaint.resolved_at", today, e))
        return -1;
    if (!verbal && (c->summary[0] || c->summary_agreed || c->resolved_at[0]))
        return cd_fail(e, CD_CODE_INVALID_ARGUMENT,
                       c->resolved_at[0] ? "complaint.resolved_at" : "complaint.summary",
                       "a summary, its agreement and an early resolution belong to a verbal"
                       " complaint (channel CHANNEL_VERBAL) only");
    if (verbal && !c->summary[0] && !c->resolved_at[0] &&
        c->kind != CANDOUR__V1__KIND__KIND_COMPLIMENT)
        return cd_fail(e, CD_CODE_REQUIRED, "complaint.summary",
                       "a verbal complaint needs the written summary of what was said, for the"
                       " complainant to agree (I1)");
    if (c->summary_agreed && !c->summary[0])
        return cd_fail(e, CD_CODE_REQUIRED, "complaint.summary",
                       "summary_agreed is set but there is no summary");
    return 0;
}

/* A failure of in_validate_complaint, its path put under "enter_complaint.". */
static int s_under_entry(cd_fail_t *e)
{
    static const char prefix[] = "enter_complaint.";
    size_t p = sizeof prefix - 1, n = strnlen(e->field, sizeof e->field - 1);
    if (n + p >= sizeof e->field)
        n = sizeof e->field - 1 - p; /* paths are short; a long one is cut, as cd_fail cuts */
    memmove(e->field + p, e->field, n);
    memcpy(e->field, prefix, p);
    e->field[p + n] = 0;
    return -1;
}

int in_validate_entry(const Candour__V1__EnterComplaint *en, int32_t today, int max_age_days,
                      int32_t *received_on, cd_fail_t *e)
{
    if (in_validate_org(en->org_id, e) != 0)
        return s_under_entry(e);
    const char *day = en->received_on;
    cd_date_t d;
    if (!day[0])
        return cd_fail(e, CD_CODE_REQUIRED, "enter_complaint.received_on",
                       "give the day the complaint was received (YYYY-MM-DD): its clocks count"
                       " from that day");
    if (cd_date_parse(day, &d) != 0)
        return cd_fail(e, CD_CODE_INVALID_DATE, "enter_complaint.received_on",
                       "received_on must be a date written YYYY-MM-DD");
    int32_t days = cd_date_to_days(d);
    if (days > today)
        return cd_fail(e, CD_CODE_DATE_IN_FUTURE, "enter_complaint.received_on",
                       "received_on (%s) is later than today", day);
    if (days < today - max_age_days) {
        char earliest[CD_DATE_LEN + 1];
        cd_date_format(cd_date_from_days(today - max_age_days), earliest);
        return cd_fail(e, CD_CODE_OUT_OF_RANGE, "enter_complaint.received_on",
                       "received_on (%s) is more than %d days ago: staff may enter a complaint"
                       " received on %s or later; one received earlier needs the complaints"
                       " manager's explanation of the delay, which this operation does not take",
                       day, max_age_days, earliest);
    }
    if (in_validate_complaint(en->complaint, today, e) != 0)
        return s_under_entry(e);
    Candour__V1__Channel ch = en->complaint->channel;
    if (ch != CANDOUR__V1__CHANNEL__CHANNEL_POST && ch != CANDOUR__V1__CHANNEL__CHANNEL_VERBAL)
        return cd_fail(e, CD_CODE_INVALID_ARGUMENT, "enter_complaint.complaint.channel",
                       "staff enter complaints made by post (CHANNEL_POST) or by telephone or in"
                       " person (CHANNEL_VERBAL); email, the web form and the bus reach Candour"
                       " by themselves");
    *received_on = days;
    return 0;
}

int64_t in_entry_received_us(int32_t received_on, int64_t now_us)
{
    int64_t now = now_us / 1000000;
    if (cd_date_to_days(cd_date_from_unix_london(now)) == received_on)
        return now_us;
    /* 23:00 UTC is already the next day in London exactly when the day is in
     * BST (the clocks change at 01:00 UTC), and then London's noon is 11:00 UTC. */
    int64_t day = (int64_t)received_on * 86400;
    int bst = cd_date_to_days(cd_date_from_unix_london(day + 23 * 3600)) != received_on;
    return (day + 12 * 3600 - (bst ? 3600 : 0)) * 1000000;
}

int in_new_reference(char out[14])
{
    static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; /* 31 symbols */
    unsigned char rnd[8];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return -1;
    memcpy(out, "CDR-", 4);
    for (int i = 0; i < 8; i++) {
        /* 256 % 31 = 8: a slight bias toward the first 8 symbols, harmless
         * for a reference that is unique by constraint, not by chance alone. */
        out[4 + i + (i >= 4)] = alphabet[rnd[i] % 31];
    }
    out[8] = '-';
    out[13] = 0;
    return 0;
}
