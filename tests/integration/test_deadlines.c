/* test_deadlines.c - deadlines are watched (R4-R6): due soon and overdue are
 * raised once each, to the complaints manager, from due dates in the
 * database (a restart repeats nothing); an extension is a recorded new date
 * with who agreed it, and the complainant is written to. The clock is moved
 * by a file (CANDOUR_CLOCK_FILE), not by sleeping. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/calendar.h"
#include "candour/client.h"
#include "harness.h"

static char s_clock[512];

/* Noon UTC on day (YYYY-MM-DD) plus `plus` calendar days. */
static void s_set_clock(const char *day, int plus)
{
    cd_date_t d;
    cr_assert_eq(cd_date_parse(day, &d), 0);
    d = cd_date_add_days(d, plus);
    char s[CD_DATE_LEN + 1];
    cd_date_format(d, s);
    FILE *f = fopen(s_clock, "w");
    cr_assert(f);
    fprintf(f, "%sT12:00:00Z\n", s);
    fclose(f);
}

static const Candour__V1__Deadline *s_deadline(const Candour__V1__Reply *r, const char *name)
{
    cr_assert(r->status);
    for (size_t i = 0; i < r->status->n_deadlines; i++)
        if (strcmp(r->status->deadlines[i]->name, name) == 0)
            return r->status->deadlines[i];
    cr_assert_fail("no %s deadline", name);
    return NULL;
}

#define S_ALERTS(name, level)                                                                      \
    "SELECT count(*)::text FROM notify.alert WHERE reference = $1 AND deadline = '" name           \
    "' AND level = '" level "' AND spool_path IS NOT NULL"

Test(deadlines, R6_due_soon_and_overdue_are_raised_once_and_an_extension_is_recorded,
     .timeout = 120)
{
    h_t *h = h_new("deadlines");
    snprintf(s_clock, sizeof s_clock, "%s/clock", h_dir(h));
    h_setenv(h, "CANDOUR_CLOCK_FILE", s_clock);
    h_setenv(h, "CANDOUR_DEADLINE_SCAN_MS", "100");
    h_org(h, "ICB-DL");
    cr_assert_eq(h_start_all(h), 0);
    char *manager = h_staff(h, "ICB-DL", "Casey Manager", "Complaints", "complaints-manager");

    cd_client_t *c = h_client(h, "ICB-DL");
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"9 Quay Street"};
    p.name = "Lin Wu";
    p.address = addr;
    p.n_address = 1;
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.external_ref = "DL-1";
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_POST;
    comp.complainant = &p;
    comp.description = "Nobody told us the results of the scan.";
    Candour__V1__SubmitComplaint sub = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    sub.complaint = &comp;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &sub;
    Candour__V1__Reply *r = NULL;
    char err[256], ref[64];
    cr_assert_eq(cd_client_call(c, &req, 10000, &r, err, sizeof err), 0, "%s", err);
    cr_assert(r->receipt);
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    cd_client_destroy(&c);
    const char *pr[1] = {ref};
    cr_assert(h_wait_for(h,
                         "SELECT (met_at IS NOT NULL)::text FROM routing.deadline WHERE"
                         " reference = $1 AND name = 'acknowledgement'",
                         1, pr, "true", 15000));
    char *response_due = h_scalar(h,
                                  "SELECT due::text FROM routing.deadline WHERE reference = $1"
                                  " AND name = 'response'",
                                  1, pr);
    char *update_due = h_scalar(h,
                                "SELECT due::text FROM routing.deadline WHERE reference = $1"
                                " AND name = 'update'",
                                1, pr);
    cr_assert(response_due && update_due);

    /* The day after the update was due: overdue, raised once. */
    s_set_clock(update_due, 1);
    cr_assert(h_wait_for(h, S_ALERTS("update", "overdue"), 1, pr, "1", 10000),
              "no overdue alert for the update");
    usleep(500000); /* five more scans */
    cr_assert_eq(h_count(h, "SELECT count(*) FROM notify.alert WHERE reference = $1", 1, pr), 1);
    /* The alert is in the spool, with references only. */
    char path[600];
    snprintf(path, sizeof path, "%s/alerts/%s-update-overdue.txt", h_spool(h), ref);
    FILE *f = fopen(path, "r");
    cr_assert(f, "no alert file %s", path);
    char text[2048];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    cr_assert(strstr(text, ref) && strstr(text, "OVERDUE"), "%s", text);
    cr_assert_null(strstr(text, "Lin Wu"), "an alert names the complainant");
    /* R5: no one wrote by the day the update was due: Candour's standard
     * update went to the complainant, once, and the next is due later. */
    cr_assert(h_wait_for(h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                         " reference = $1 AND kind = 'progress-1'",
                         1, pr, "true", 10000),
              "no standard progress update");
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM routing.progress_update WHERE reference = $1"
                         " AND text = '' AND written_by = ''",
                         1, pr),
                 1);
    char *next_update = h_scalar(h,
                                 "SELECT coalesce(max(due)::text, 'met') FROM routing.deadline"
                                 " WHERE reference = $1 AND name = 'update' AND met_at IS NULL",
                                 1, pr);
    cr_assert(next_update &&
                  (strcmp(next_update, "met") == 0 || strcmp(next_update, update_due) > 0),
              "%s", next_update);
    free(next_update);

    /* A restart of routing raises nothing again. */
    cr_assert_eq(h_stop(h, "routing"), 0);
    cr_assert_eq(h_start(h, "routing"), 0);
    usleep(500000);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM notify.alert WHERE reference = $1", 1, pr), 1);

    /* The day before the response is due: due soon (within 2 working days). */
    cd_date_t rd;
    cd_date_parse(response_due, &rd);
    int back = cd_date_weekday(rd) == CD_MONDAY ? 3 : 1; /* the working day before */
    s_set_clock(response_due, -back);
    cr_assert(h_wait_for(h, S_ALERTS("response", "due-soon"), 1, pr, "1", 10000),
              "no due-soon alert for the response");
    /* The day after: overdue, and the status says missed. */
    s_set_clock(response_due, 1);
    cr_assert(h_wait_for(h, S_ALERTS("response", "overdue"), 1, pr, "1", 10000));
    char json[512];
    snprintf(json, sizeof json, "{\"get_status\": {\"complaint_ref\": \"%s\"}}", ref);
    r = h_call_json(h, "routing", NULL, json);
    cr_assert(s_deadline(r, "response")->missed);
    cr_assert_not(s_deadline(r, "acknowledgement")->missed);
    candour__v1__reply__free_unpacked(r, NULL);

    /* An extension is the complaints manager's to record: no one named, no extension. */
    snprintf(json, sizeof json,
             "{\"extend_deadline\": {\"complaint_ref\": \"%s\", \"deadline\":"
             " \"response\", \"new_due\": \"2099-01-01\", \"agreed_by\":"
             " \"Lin Wu\", \"reason\": \"x\"}}",
             ref);
    r = h_call_json(h, "routing", NULL, json);
    cr_assert(r->error && strcmp(r->error->code, "PERMISSION_DENIED") == 0 &&
              strcmp(r->error->field, "acting") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
    /* An extension: refused without who agreed it, or to an earlier date. */
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"extend_deadline\": {\"complaint_ref\": \"%s\", \"deadline\":"
             " \"response\", \"new_due\": \"2099-01-01\", \"reason\": \"x\"}}",
             manager, ref);
    r = h_call_json(h, "routing", NULL, json);
    cr_assert(r->error && strcmp(r->error->field, "extend_deadline.agreed_by") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"extend_deadline\": {\"complaint_ref\": \"%s\", \"deadline\":"
             " \"response\", \"new_due\": \"2000-01-01\", \"agreed_by\": \"Lin Wu\","
             " \"agreed_on\": \"%s\", \"reason\": \"x\"}}",
             manager, ref, response_due);
    r = h_call_json(h, "routing", NULL, json);
    cr_assert(r->error && strcmp(r->error->code, "INVALID_ARGUMENT") == 0 &&
              strcmp(r->error->field, "extend_deadline.new_due") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
    /* R5: when it was agreed, too. */
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"extend_deadline\": {\"complaint_ref\": \"%s\", \"deadline\":"
             " \"response\", \"new_due\": \"2099-01-01\", \"agreed_by\": \"Lin Wu\","
             " \"reason\": \"x\"}}",
             manager, ref);
    r = h_call_json(h, "routing", NULL, json);
    cr_assert(r->error && strcmp(r->error->code, "REQUIRED") == 0 &&
              strcmp(r->error->field, "extend_deadline.agreed_on") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
    cd_date_t nd = cd_date_add_days(rd, 30);
    char new_due[CD_DATE_LEN + 1];
    cd_date_format(nd, new_due);
    snprintf(json, sizeof json,
             "{\"acting\": \"%s\", \"extend_deadline\": {\"complaint_ref\": \"%s\", \"deadline\":"
             " \"response\", \"new_due\": \"%s\", \"agreed_by\": \"Lin Wu\","
             " \"agreed_on\": \"%s\","
             " \"reason\": \"An independent clinical opinion is needed.\"}}",
             manager, ref, new_due, response_due);
    r = h_call_json(h, "routing", NULL, json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    snprintf(json, sizeof json, "{\"get_status\": {\"complaint_ref\": \"%s\"}}", ref);
    r = h_call_json(h, "routing", NULL, json);
    const Candour__V1__Deadline *d = s_deadline(r, "response");
    cr_assert_str_eq(d->due, new_due);
    cr_assert_str_eq(d->extended_from, response_due);
    cr_assert_str_eq(d->extended_by, "Lin Wu");
    cr_assert_not(d->missed);
    candour__v1__reply__free_unpacked(r, NULL);
    /* The audit trail names the complaints manager who recorded it. */
    char *actor = h_scalar(h,
                           "SELECT actor FROM routing.audit WHERE table_name ="
                           " 'deadline_extension' AND reference = $1",
                           1, pr);
    char want[96];
    snprintf(want, sizeof want, "Casey Manager (%s)", manager);
    cr_assert(actor && strcmp(actor, want) == 0, "audit actor %s, wanted %s", actor, want);
    free(actor);
    /* The complainant is written to about the new date. */
    char kind[64];
    snprintf(kind, sizeof kind, "extension-%s", new_due);
    const char *pk[2] = {ref, kind};
    cr_assert(h_wait_for(h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter WHERE"
                         " reference = $1 AND kind = $2",
                         2, pk, "true", 10000),
              "no extension letter");
    /* And the new date is watched afresh. */
    s_set_clock(new_due, 1);
    cr_assert(h_wait_for(h, S_ALERTS("response", "overdue"), 1, pr, "2", 10000),
              "the extended deadline was not watched");
    free(response_due);
    free(update_due);
    free(manager);
    cr_assert_eq(h_destroy(&h), 0);
}
