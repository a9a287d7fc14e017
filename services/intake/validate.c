/* validate.c - intake's rules for a submitted complaint. */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "candour/calendar.h"
#include "candour/util.h"

static int s_fail(in_error_t *e, const char *code, const char *field, const char *fmt, ...)
{
    snprintf(e->code, sizeof e->code, "%s", code);
    snprintf(e->field, sizeof e->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* A text field: optional or required, bounded, valid UTF-8 without controls. */
static int s_text(const char *s, const char *field, size_t max, int required, int multiline,
                  in_error_t *e)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0)
        return required ? s_fail(e, "REQUIRED", field, "%s is required", field) : 0;
    if (len > max)
        return s_fail(e, "TOO_LONG", field, "%s is %zu bytes long; at most %zu are allowed", field,
                      len, max);
    if (!cd_text_ok(s, len, multiline))
        return s_fail(e, "INVALID_TEXT", field,
                      "%s must be UTF-8 text without control characters%s", field,
                      multiline ? " (new lines and tabs are allowed)" : "");
    return 0;
}

static int s_date(const char *s, const char *field, int32_t today, in_error_t *e)
{
    if (!s || !*s)
        return 0;
    cd_date_t d;
    if (cd_date_parse(s, &d) != 0)
        return s_fail(e, "INVALID_DATE", field, "%s must be a date written YYYY-MM-DD", field);
    if (cd_date_to_days(d) > today)
        return s_fail(e, "DATE_IN_FUTURE", field, "%s (%s) is later than today", field, s);
    return 0;
}

int in_validate_org(const char *org, in_error_t *e)
{
    size_t len = org ? strlen(org) : 0;
    if (len == 0)
        return s_fail(e, "REQUIRED", "org_id", "the submitting organisation is required");
    if (len > IN_MAX_ORG || strspn(org, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789._-") != len)
        return s_fail(e, "INVALID_ARGUMENT", "org_id",
                      "an organisation id is 1 to %d letters, digits, dots, dashes or underscores",
                      IN_MAX_ORG);
    return 0;
}

int in_validate_complaint(const Candour__V1__Complaint *c, int32_t today, in_error_t *e)
{
    if (!c)
        return s_fail(e, "REQUIRED", "complaint", "the complaint is missing");
    if (s_text(c->external_ref, "complaint.external_ref", IN_MAX_REF, 1, 0, e))
        return -1;
    if (!protobuf_c_enum_descriptor_get_value(&candour__v1__channel__descriptor, c->channel) ||
        c->channel == CANDOUR__V1__CHANNEL__CHANNEL_UNSPECIFIED)
        return s_fail(e, "INVALID_ENUM", "complaint.channel",
                      "complaint.channel must be one of CHANNEL_EMAIL, CHANNEL_POST, CHANNEL_WEB,"
                      " CHANNEL_VERBAL or CHANNEL_BUS");
    const Candour__V1__Person *p = c->complainant;
    if (!p)
        return s_fail(e, "REQUIRED", "complaint.complainant", "the complainant is required");
    if (s_text(p->name, "complaint.complainant.name", IN_MAX_NAME, 1, 0, e) ||
        s_text(p->address_as, "complaint.complainant.address_as", IN_MAX_NAME, 0, 0, e) ||
        s_text(p->postcode, "complaint.complainant.postcode", 16, 0, 0, e) ||
        s_text(p->email, "complaint.complainant.email", 254, 0, 0, e) ||
        s_text(p->telephone, "complaint.complainant.telephone", 32, 0, 0, e))
        return -1;
    if (p->n_address > 8)
        return s_fail(e, "TOO_MANY", "complaint.complainant.address",
                      "an address has at most 8 lines");
    for (size_t i = 0; i < p->n_address; i++) {
        char field[64];
        snprintf(field, sizeof field, "complaint.complainant.address[%zu]", i);
        if (s_text(p->address[i], field, IN_MAX_LINE, 1, 0, e))
            return -1;
    }
    if (!p->email[0] && !p->n_address)
        return s_fail(e, "NO_CONTACT", "complaint.complainant",
                      "give an email address or a postal address, so the complainant can be"
                      " written to");
    if (s_text(c->description, "complaint.description", IN_MAX_TEXT, 1, 1, e) ||
        s_text(c->desired_outcome, "complaint.desired_outcome", IN_MAX_TEXT, 0, 1, e))
        return -1;
    if (s_date(c->event_date, "complaint.event_date", today, e) ||
        s_date(c->awareness_date, "complaint.awareness_date", today, e))
        return -1;
    if (c->n_services > 16)
        return s_fail(e, "TOO_MANY", "complaint.services", "at most 16 services may be named");
    for (size_t i = 0; i < c->n_services; i++) {
        char field[48];
        snprintf(field, sizeof field, "complaint.services[%zu]", i);
        if (s_text(c->services[i], field, IN_MAX_LINE, 1, 0, e))
            return -1;
    }
    return 0;
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
