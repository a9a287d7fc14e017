/* staffrules.c - the staff directory's and the settings' rules (staffrules.h). */
#include "staffrules.h"

#include <string.h>

#include "candour/directory.h"
#include "candour/util.h"

#define S_NAME_MAX 200
#define S_EMAIL_MAX 254
#define S_PHONE_MAX 40
#define S_LINES_MAX 8
#define S_SUBJECT_MAX 255

int rt_org_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* Text of at most max bytes, one line (required: at least one byte). */
static int s_line(const char *s, size_t max, int required, const char *field, const char *what,
                  cd_fail_t *why)
{
    size_t n = strlen(s);
    if (required && n == 0)
        return cd_fail(why, CD_CODE_REQUIRED, field, "give %s", what);
    if (n > max)
        return cd_fail(why, CD_CODE_TOO_LONG, field, "%s is at most %zu bytes", what, max);
    if (!cd_text_ok(s, n, 0))
        return cd_fail(why, CD_CODE_INVALID_TEXT, field,
                       "%s must be one line of UTF-8 text without control characters", what);
    return 0;
}

static int s_email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at != s && at[1] && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
           !strpbrk(s, " ,;<>\"'");
}

static int s_phone_ok(const char *s)
{
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr(" +()-", *p))
            return 0;
    }
    return digits >= 6;
}

int rt_staff_check(const Candour__V1__StaffMember *m, const char *field, cd_fail_t *why)
{
    char f[96];
#define F(name) (snprintf(f, sizeof f, "%s." name, field), f)
    if (!rt_org_id_ok(m->org_id))
        return cd_fail(why, m->org_id[0] ? CD_CODE_INVALID_ARGUMENT : CD_CODE_REQUIRED, F("org_id"),
                       "give the body the person works for: its organisation id (letters, digits,"
                       " '.', '_' or '-', at most 64)");
    if (s_line(m->name, S_NAME_MAX, 1, F("name"), "the person's name", why) ||
        s_line(m->job_title, S_NAME_MAX, 0, F("job_title"), "the job title", why) ||
        s_line(m->team, S_NAME_MAX, 0, F("team"), "the team", why) ||
        s_line(m->email, S_EMAIL_MAX, 0, F("email"), "the email address", why) ||
        s_line(m->phone, S_PHONE_MAX, 0, F("phone"), "the telephone number", why))
        return -1;
    if (m->email[0] && !s_email_ok(m->email))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, F("email"),
                       "the email address must look like name@example.nhs.uk");
    if (m->phone[0] && !s_phone_ok(m->phone))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, F("phone"),
                       "the telephone number is digits, with spaces, '+', '(', ')' or '-'");
    if (m->n_roles == 0)
        return cd_fail(why, CD_CODE_REQUIRED, F("roles"),
                       "give at least one role: complaints manager, investigator, signatory,"
                       " responsible person, analyst or ops");
    unsigned seen = 0;
    for (size_t i = 0; i < m->n_roles; i++) {
        snprintf(f, sizeof f, "%s.roles[%zu]", field, i);
        if (!cd_role_name(m->roles[i]))
            return cd_fail(why, CD_CODE_INVALID_ENUM, f,
                           "a role is ROLE_COMPLAINTS_MANAGER, ROLE_INVESTIGATOR, ROLE_SIGNATORY,"
                           " ROLE_RESPONSIBLE_PERSON, ROLE_ANALYST or ROLE_OPS");
        if (seen & (1u << m->roles[i]))
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, f, "that role is given twice");
        seen |= 1u << m->roles[i];
    }
    unsigned signers = CD_ROLE_SIGNATORY | CD_ROLE_RESPONSIBLE_PERSON;
    if (m->n_signs_for > 0 && !(seen & signers))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, F("signs_for"),
                       "only a signatory or the responsible person signs for other bodies (F2)");
    if (s_line(m->idp_subject, S_SUBJECT_MAX, 0, F("idp_subject"),
               "the identity provider's subject", why))
        return -1;
    if (m->n_signs_for > 16)
        return cd_fail(why, CD_CODE_TOO_LONG, F("signs_for"), "at most 16 bodies");
    for (size_t i = 0; i < m->n_signs_for; i++) {
        snprintf(f, sizeof f, "%s.signs_for[%zu]", field, i);
        if (!rt_org_id_ok(m->signs_for[i]))
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, f, "an organisation id, at most 64");
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->signs_for[j], m->signs_for[i]) == 0)
                return cd_fail(why, CD_CODE_INVALID_ARGUMENT, f, "that body is given twice");
    }
    if (m->disabled || m->disabled_reason[0])
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, F("disabled"),
                       "a person is disabled with DisableStaff, which records the reason");
    return 0;
#undef F
}

int rt_org_check(const Candour__V1__OrgSettings *o, unsigned default_response,
                 unsigned default_update, const char *field, cd_fail_t *why)
{
    char f[96];
#define F(name) (snprintf(f, sizeof f, "%s." name, field), f)
    if (!rt_org_id_ok(o->org_id))
        return cd_fail(why, o->org_id[0] ? CD_CODE_INVALID_ARGUMENT : CD_CODE_REQUIRED, F("org_id"),
                       "give the body's organisation id");
    if (o->response_days > 130)
        return cd_fail(why, CD_CODE_OUT_OF_RANGE, F("response_days"),
                       "the response period is 1 to 130 working days (0: Candour's default)");
    if (o->update_every_days > 130)
        return cd_fail(why, CD_CODE_OUT_OF_RANGE, F("update_every_days"),
                       "progress updates are every 1 to 130 working days (0: Candour's default)");
    /* As they will be in force, a 0 being Candour's default. */
    unsigned resp = o->response_days ? o->response_days : default_response;
    unsigned upd = o->update_every_days ? o->update_every_days : default_update;
    if (upd && upd >= resp)
        return cd_fail(why, CD_CODE_OUT_OF_RANGE, F("update_every_days"),
                       "a progress update is due before the response, or it tells the"
                       " complainant nothing (R5): %u working days is not before %u%s",
                       upd, resp,
                       o->update_every_days && o->response_days ? ""
                                                                : " (with Candour's defaults)");
    if (!o->responsible_person[0])
        return cd_fail(why, CD_CODE_REQUIRED, F("responsible_person"),
                       "name the body's responsible person (Regs reg. 4) by staff id");
    if (!o->complaints_manager[0])
        return cd_fail(why, CD_CODE_REQUIRED, F("complaints_manager"),
                       "name the body's complaints manager (Regs reg. 4) by staff id");
    /* V2: a plan template is step names, comma-separated (investigation
     * knows the steps and refuses a template it cannot use, by name). */
    const struct {
        const char *text, *name;
    } plans[] = {
        {o->plan_low, "plan_low"}, {o->plan_medium, "plan_medium"}, {o->plan_high, "plan_high"}};
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        snprintf(f, sizeof f, "%s.%s", field, plans[i].name);
        if (strlen(plans[i].text) > 500)
            return cd_fail(why, CD_CODE_TOO_LONG, f, "a plan template is at most 500 bytes");
        for (const char *p = plans[i].text; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || *p == '-' || *p == ','))
                return cd_fail(why, CD_CODE_INVALID_ARGUMENT, f,
                               "a plan template is step names separated by commas, e.g."
                               " \"document-review,staff-interviews\"");
    }
    /* The draft response's own paragraphs: plain text, lines allowed. */
    const struct {
        const char *text, *name;
    } paras[] = {{o->draft_opening, "draft_opening"}, {o->draft_closing, "draft_closing"}};
    for (size_t i = 0; i < sizeof paras / sizeof paras[0]; i++) {
        snprintf(f, sizeof f, "%s.%s", field, paras[i].name);
        size_t n = strlen(paras[i].text);
        if (n > 4000)
            return cd_fail(why, CD_CODE_TOO_LONG, f, "at most 4,000 bytes");
        if (!cd_text_ok(paras[i].text, n, 1))
            return cd_fail(why, CD_CODE_INVALID_TEXT, f,
                           "UTF-8 text without control characters (new lines are allowed)");
    }
    const Candour__V1__Letterhead *l = o->letterhead;
    if (!l)
        return 0;
    if (s_line(l->name, S_NAME_MAX, 0, F("letterhead.name"), "the letterhead's name", why) ||
        s_line(l->postcode, 10, 0, F("letterhead.postcode"), "the postcode", why) ||
        s_line(l->phone, S_PHONE_MAX, 0, F("letterhead.phone"), "the telephone number", why) ||
        s_line(l->email, S_EMAIL_MAX, 0, F("letterhead.email"), "the email address", why) ||
        s_line(l->website, S_NAME_MAX, 0, F("letterhead.website"), "the website", why))
        return -1;
    if (l->n_address > S_LINES_MAX)
        return cd_fail(why, CD_CODE_TOO_LONG, F("letterhead.address"),
                       "the address is at most 8 lines");
    for (size_t i = 0; i < l->n_address; i++) {
        snprintf(f, sizeof f, "%s.letterhead.address[%zu]", field, i);
        if (s_line(l->address[i], S_NAME_MAX, 1, f, "an address line", why))
            return -1;
    }
    if (l->email[0] && !s_email_ok(l->email))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, F("letterhead.email"),
                       "the email address must look like complaints@example.nhs.uk");
    if (l->phone[0] && !s_phone_ok(l->phone))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, F("letterhead.phone"),
                       "the telephone number is digits, with spaces, '+', '(', ')' or '-'");
    return 0;
#undef F
}

int rt_org_person_check(const char *staff_id, int found, const char *their_org, int disabled,
                        int has_role, const char *org, const char *field, cd_fail_t *why)
{
    if (!found)
        return cd_fail(why, CD_CODE_NOT_FOUND, field, "%.24s is not in the staff directory",
                       staff_id);
    if (strcmp(their_org, org) != 0)
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, field, "%.24s works for another body",
                       staff_id);
    if (disabled)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, field,
                       "%.24s is disabled in the staff directory", staff_id);
    if (!has_role)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, field,
                       "%.24s does not hold that role in the staff directory: give it to them"
                       " first",
                       staff_id);
    return 0;
}
