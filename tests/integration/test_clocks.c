/* test_clocks.c - the clocks of the response, through the daemons (R4, R5):
 * the acknowledgement held for the investigator's name, or sent on its due
 * day naming the complaints manager; progress updates written by staff and
 * Candour's standard one; the late-response letter with its reason; the six
 * months of the Regulations and an extension beyond them. The clock is moved
 * by a file (CANDOUR_CLOCK_FILE), not by sleeping. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/calendar.h"
#include "harness.h"

#define ORG "ICB-CLK"

static h_t *s_h;
static char s_clock[512];
static char *s_manager, *s_investigator, *s_chief;

/* Noon UTC on day (YYYY-MM-DD) plus `plus` calendar days. */
static void s_set_clock(const char *day, int plus)
{
    cd_date_t d;
    cr_assert_eq(cd_date_parse(day, &d), 0, "%s", day);
    d = cd_date_add_days(d, plus);
    char s[CD_DATE_LEN + 1];
    cd_date_format(d, s);
    FILE *f = fopen(s_clock, "w");
    cr_assert(f);
    fprintf(f, "%sT12:00:00Z\n", s);
    fclose(f);
}

/* Start Candour with the acknowledgement held (ack_waits) or not, the clock
 * in a file (real time until it is written) and a fast watcher; the body's
 * complaints manager and an investigator in its directory. */
static void s_start(int ack_waits, const char *update_days)
{
    s_h = h_new("clocks");
    snprintf(s_clock, sizeof s_clock, "%s/clock", h_dir(s_h));
    h_setenv(s_h, "CANDOUR_CLOCK_FILE", s_clock);
    h_setenv(s_h, "CANDOUR_DEADLINE_SCAN_MS", "100");
    h_setenv(s_h, "CANDOUR_ACK_WAITS_FOR_INVESTIGATOR", ack_waits ? "1" : "0");
    h_org(s_h, ORG);
    h_org(s_h, "ICB-OTHER");
    cr_assert_eq(h_start_all(s_h), 0);
    s_manager = h_staff(s_h, ORG, "Casey Manager", "Complaints", "complaints-manager");
    s_investigator = h_staff(s_h, ORG, "Dr Sam Okafor", "Patient Safety", "investigator");
    s_chief = h_staff(s_h, ORG, "Dr R. Chief", "", "responsible-person");
    char json[512];
    snprintf(json, sizeof json,
             "{\"ops_user\": \"test\", \"set_org_settings\": {\"settings\": {\"org_id\": \"" ORG
             "\", \"complaints_manager\": \"%s\", \"responsible_person\": \"%s\","
             " \"update_every_days\": %s}}}",
             s_manager, s_chief, update_days);
    Candour__V1__Reply *r = h_call_json(s_h, "routing", NULL, json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
}

static void s_stop(void)
{
    free(s_manager);
    free(s_investigator);
    free(s_chief);
    cr_assert_eq(h_destroy(&s_h), 0);
}

static void s_submit(const char *ext, char ref[64])
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"submit\": {\"complaint\": {\"external_ref\": \"%s\", \"channel\":"
             " \"CHANNEL_POST\", \"complainant\": {\"name\": \"Mo Ali\", \"address\":"
             " [\"4 Elm Road\"]}, \"description\": \"My father waited nine hours for a bed.\"}}}",
             ext);
    Candour__V1__Reply *r = h_call_json(s_h, "intake", ORG, json);
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    snprintf(ref, 64, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT count(*) FROM routing.complaint WHERE reference = $1", 1, p,
                         "1", 15000),
              "routing has not taken %s", ref);
}

/* A request to routing as JSON: the error code ("" when done), field into field. */
static const char *s_routing(char *field, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *s_routing(char *field, size_t len, const char *fmt, ...)
{
    static char code[64];
    char json[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(json, sizeof json, fmt, ap);
    va_end(ap);
    Candour__V1__Reply *r = h_call_json(s_h, "routing", NULL, json);
    snprintf(code, sizeof code, "%s", r->error ? r->error->code : "");
    snprintf(field, len, "%s", r->error ? r->error->field : "");
    candour__v1__reply__free_unpacked(r, NULL);
    return code;
}

/* The body of the letter of kind, once delivered (malloc'd). */
static char *s_letter(const char *ref, const char *kind)
{
    const char *p[2] = {ref, kind};
    cr_assert(h_wait_for(s_h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter"
                         " WHERE reference = $1 AND kind = $2",
                         2, p, "true", 15000),
              "no %s letter for %s", kind, ref);
    return h_scalar(s_h, "SELECT body FROM notify.letter WHERE reference = $1 AND kind = $2", 2, p);
}

static char *s_due(const char *ref, const char *name)
{
    const char *p[2] = {ref, name};
    return h_scalar(
        s_h, "SELECT due::text FROM routing.deadline WHERE reference = $1 AND name = $2", 2, p);
}

#define HAS(text, needle)                                                                          \
    cr_assert_not_null(strstr((text), (needle)), "no \"%s\" in:\n%s", (needle), (text))

/* ------------------------------------------------------------------ R4 */

Test(clocks, R4_the_acknowledgement_waits_for_the_investigator_and_names_them, .timeout = 120)
{
    s_start(1, "0");
    char ref[64];
    s_submit("CLK-1", ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000));
    /* Routed and in investigation's hands, but not acknowledged yet: it
     * waits for the name of the person who will investigate. */
    char *ack = h_scalar(s_h, "SELECT ack FROM routing.complaint WHERE reference = $1", 1, p);
    cr_assert_str_eq(ack, "owed");
    free(ack);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND"
                         " kind = 'acknowledgement'",
                         1, p),
                 0);
    h_assign(s_h, ref, s_manager, s_investigator);
    char *body = s_letter(ref, "acknowledgement");
    HAS(body, "looking into your complaint is Dr Sam Okafor, Complaints team");
    HAS(body, "complaints.team@example.nhs.uk");
    HAS(body, "0113 496 0000");
    HAS(body, "Yours sincerely,\n\nDr Sam Okafor\n");
    free(body);
    /* The acknowledgement deadline is met, once. */
    cr_assert(h_wait_for(s_h,
                         "SELECT (met_at IS NOT NULL)::text FROM routing.deadline WHERE"
                         " reference = $1 AND name = 'acknowledgement'",
                         1, p, "true", 10000));
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND"
                         " kind = 'acknowledgement'",
                         1, p),
                 1);
    s_stop();
}

Test(clocks, R4_with_no_investigator_by_its_due_day_it_names_the_complaints_manager, .timeout = 120)
{
    s_start(1, "0");
    char ref[64];
    s_submit("CLK-2", ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000));
    char *ack_due = s_due(ref, "acknowledgement");
    /* The day before it is due, nothing goes. */
    s_set_clock(ack_due, -1);
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*) FROM notify.alert WHERE reference = $1 AND"
                         " deadline = 'acknowledgement' AND level = 'due-soon'",
                         1, p, "1", 10000),
              "the complaints manager was not told the acknowledgement is due soon");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND"
                         " kind = 'acknowledgement'",
                         1, p),
                 0);
    /* Its due day: it goes, naming the complaints manager. */
    s_set_clock(ack_due, 0);
    char *body = s_letter(ref, "acknowledgement");
    HAS(body, "Your complaint is with Casey Manager");
    HAS(body, "will tell you who is investigating");
    HAS(body, "complaints.team@example.nhs.uk");
    free(body);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.history WHERE reference = $1 AND"
                         " event = 'acknowledgement.due'",
                         1, p),
                 1);
    /* An investigator named afterwards sends no second acknowledgement. */
    h_assign(s_h, ref, s_manager, s_investigator);
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*) FROM routing.history WHERE reference = $1 AND"
                         " event = 'investigator.assigned'",
                         1, p, "1", 10000));
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.letter WHERE reference = $1 AND"
                         " kind = 'acknowledgement'",
                         1, p),
                 1);
    free(ack_due);
    s_stop();
}

/* ------------------------------------------------------------------ R5 */

Test(clocks, R5_progress_updates_by_staff_then_candours_standard_one, .timeout = 120)
{
    s_start(0, "5");
    char ref[64], field[128];
    s_submit("CLK-3", ref);
    const char *p[1] = {ref};
    char *update_due = s_due(ref, "update");
    cr_assert(update_due, "the body's cadence set no update deadline");
    char *other = h_staff(s_h, "ICB-OTHER", "Pat Elsewhere", "", "investigator");
    /* Refused: someone of another body; no text. */
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"send_progress_update\": {\"complaint_ref\":"
                               " \"%s\", \"text\": \"Hello\"}}",
                               other, ref),
                     "PERMISSION_DENIED");
    cr_assert_str_eq(field, "acting");
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"send_progress_update\": {\"complaint_ref\":"
                               " \"%s\", \"text\": \"\"}}",
                               s_investigator, ref),
                     "REQUIRED");
    cr_assert_str_eq(field, "send_progress_update.text");
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM routing.progress_update WHERE reference = $1", 1, p), 0,
        "a refused update was recorded");
    /* The investigator writes one: the complainant gets it, signed. */
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"send_progress_update\": {\"complaint_ref\":"
                               " \"%s\", \"text\": \"We have read the ward's records and will"
                               " speak to the nurses next week.\"}}",
                               s_investigator, ref),
                     "");
    char *body = s_letter(ref, "progress-1");
    HAS(body, "We have read the ward's records");
    HAS(body, "Dr Sam Okafor");
    free(body);
    char *who = h_scalar(s_h,
                         "SELECT actor FROM routing.audit WHERE table_name ="
                         " 'progress_update' AND reference = $1",
                         1, p);
    cr_assert(who && strstr(who, s_investigator), "audit actor %s", who);
    free(who);
    /* The next update is due five working days from today, not from receipt. */
    cd_calendar_t *cal = cd_calendar_new();
    char want[CD_DATE_LEN + 1];
    cd_date_format(cd_workdays_add(cal, cd_date_from_unix_london(time(NULL)), 5), want);
    cd_calendar_destroy(&cal);
    char *next = s_due(ref, "update");
    cr_assert_str_eq(next, want);
    /* No one writes by then: Candour sends its standard update the day
     * after, and the cadence goes on. */
    s_set_clock(next, 1);
    body = s_letter(ref, "progress-2");
    HAS(body, "still looking into your complaint");
    HAS(body, "The Complaints Team");
    free(body);
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*) FROM routing.history WHERE reference = $1 AND"
                         " event = 'progress.sent'",
                         1, p, "2", 10000));
    free(next);
    free(update_due);
    free(other);
    s_stop();
}

Test(clocks, R5_a_late_response_is_explained_and_the_letter_goes_when_the_date_passes,
     .timeout = 120)
{
    s_start(0, "0");
    char ref[64], ref2[64], field[128];
    s_submit("CLK-4", ref);
    s_submit("CLK-5", ref2);
    const char *p[1] = {ref}, *p2[1] = {ref2};
    char *due = s_due(ref, "response");
    cd_date_t d;
    cr_assert_eq(cd_date_parse(due, &d), 0);
    char before[CD_DATE_LEN + 1], later[CD_DATE_LEN + 1];
    cd_date_format(cd_date_add_days(d, -1), before);
    cd_date_format(cd_date_add_days(d, 14), later);
    /* Refused: only a complaints manager; a date before the one missed. */
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"explain_late_response\": {\"complaint_ref\":"
                               " \"%s\", \"reason\": \"x\", \"expected_by\": \"%s\"}}",
                               s_investigator, ref, later),
                     "PERMISSION_DENIED");
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"explain_late_response\": {\"complaint_ref\":"
                               " \"%s\", \"reason\": \"x\", \"expected_by\": \"%s\"}}",
                               s_manager, ref, before),
                     "INVALID_ARGUMENT");
    cr_assert_str_eq(field, "explain_late_response.expected_by");
    /* Explained before the date: recorded, not yet told. */
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"explain_late_response\": {\"complaint_ref\":"
                               " \"%s\", \"reason\": \"We are waiting for an independent"
                               " clinical opinion.\", \"expected_by\": \"%s\"}}",
                               s_manager, ref, later),
                     "");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.late_response WHERE reference = $1"
                         " AND told_at IS NULL",
                         1, p),
                 1);
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"explain_late_response\": {\"complaint_ref\":"
                               " \"%s\", \"reason\": \"Again.\", \"expected_by\": \"%s\"}}",
                               s_manager, ref, later),
                     "FAILED_PRECONDITION");
    /* The date passes: the complainant is told why, once. */
    s_set_clock(due, 1);
    char kind[64];
    snprintf(kind, sizeof kind, "late-response-%s", due);
    char *body = s_letter(ref, kind);
    HAS(body, "This is why: We are waiting for an independent clinical opinion.");
    HAS(body, "Casey Manager");
    free(body);
    cr_assert(h_wait_for(s_h,
                         "SELECT (told_at IS NOT NULL)::text FROM routing.late_response"
                         " WHERE reference = $1",
                         1, p, "true", 10000));
    /* Explained after the date has passed: the letter goes at once. */
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"explain_late_response\": {\"complaint_ref\":"
                               " \"%s\", \"reason\": \"The consultant was on leave.\","
                               " \"expected_by\": \"%s\"}}",
                               s_manager, ref2, later),
                     "");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.late_response WHERE reference = $1"
                         " AND told_at IS NOT NULL",
                         1, p2),
                 1);
    body = s_letter(ref2, kind);
    HAS(body, "The consultant was on leave.");
    free(body);
    free(due);
    s_stop();
}

Test(clocks, R5_the_six_months_are_watched_and_a_longer_period_must_be_agreed_before_they_end,
     .timeout = 120)
{
    s_start(0, "0");
    char ref[64], field[128];
    s_submit("CLK-6", ref);
    const char *p[1] = {ref};
    char *six = s_due(ref, "six-months");
    char *received = h_scalar(s_h,
                              "SELECT ((received_at AT TIME ZONE 'Europe/London')::date"
                              " + interval '6 months')::date::text FROM routing.complaint"
                              " WHERE reference = $1",
                              1, p);
    cr_assert_str_eq(six, received, "six calendar months from the day of receipt");
    free(received);
    cd_date_t limit;
    cr_assert_eq(cd_date_parse(six, &limit), 0);
    char after[CD_DATE_LEN + 1], before[CD_DATE_LEN + 1], to[CD_DATE_LEN + 1];
    cd_date_format(cd_date_add_days(limit, 1), after);
    cd_date_format(cd_date_add_days(limit, -1), before);
    cd_date_format(cd_date_add_days(limit, 40), to);
    /* The day after the six months: raised to the complaints manager. */
    s_set_clock(six, 1);
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*) FROM notify.alert WHERE reference = $1 AND"
                         " deadline = 'six-months' AND level = 'overdue'",
                         1, p, "1", 10000),
              "the six months passing was not raised");
    /* A longer period agreed after they ended does not count (reg. 14). */
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"extend_deadline\": {\"complaint_ref\":"
                               " \"%s\", \"deadline\": \"response\", \"new_due\": \"%s\","
                               " \"agreed_by\": \"Mo Ali\", \"agreed_on\": \"%s\", \"reason\":"
                               " \"More records are needed.\"}}",
                               s_manager, ref, to, after),
                     "FAILED_PRECONDITION");
    cr_assert_str_eq(field, "extend_deadline.agreed_on");
    /* Agreed before they ended, it stands, and replaces the six months. */
    cr_assert_str_eq(s_routing(field, sizeof field,
                               "{\"acting\": \"%s\", \"extend_deadline\": {\"complaint_ref\":"
                               " \"%s\", \"deadline\": \"response\", \"new_due\": \"%s\","
                               " \"agreed_by\": \"Mo Ali\", \"agreed_on\": \"%s\", \"reason\":"
                               " \"More records are needed.\"}}",
                               s_manager, ref, to, before),
                     "");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.deadline WHERE reference = $1 AND"
                         " name = 'six-months' AND closed_at IS NOT NULL",
                         1, p),
                 1);
    char *agreed = h_scalar(s_h,
                            "SELECT agreed_on::text FROM routing.deadline_extension WHERE"
                            " reference = $1",
                            1, p);
    cr_assert_str_eq(agreed, before);
    free(agreed);
    free(six);
    s_stop();
}
