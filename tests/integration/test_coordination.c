/* test_coordination.c - one complaint, three bodies (R3): an ICB, a trust and
 * a local authority. The ICB leads; the trust and the local authority are
 * asked for their parts over the authenticated bus, but only once the
 * patient's consent covers them (R2); the one that is late is chased after
 * its due date (a file clock, not sleeping); both parts reach investigation
 * merged, once. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/calendar.h"
#include "harness.h"

/* The kinds of the messages waiting for org about ref, e.g. "contribution-request". */
static int s_messages(h_t *h, const char *org, const char *ref, const char *kind)
{
    Candour__V1__Reply *r = h_call_json(h, "intake", org, "{\"get_messages\": {}}");
    cr_assert(r->messages, "%s", r->error ? r->error->message : "");
    int n = 0;
    for (size_t i = 0; i < r->messages->n_messages; i++) {
        Candour__V1__PartnerMessage *m = r->messages->messages[i];
        if (strcmp(m->complaint_ref, ref) == 0 && strcmp(m->kind, kind) == 0) {
            cr_assert_str_eq(m->lead_org, strcmp(kind, "contribution-request") == 0 ? "ICB-QWE" : "");
            n++;
        }
    }
    candour__v1__reply__free_unpacked(r, NULL);
    return n;
}

static int s_wait_messages(h_t *h, const char *org, const char *ref, const char *kind, int want)
{
    for (int i = 0; i < 150; i++) {
        if (s_messages(h, org, ref, kind) == want)
            return 1;
        usleep(100000);
    }
    return 0;
}

Test(coordination, R3_one_lead_two_contributions_after_consent_a_chase_one_merged_hand_over,
     .timeout = 120)
{
    h_t *h = h_new("coord");
    char cmd[1024], clock[512];
    snprintf(cmd, sizeof cmd, "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes import '%s/deploy/routes.sample.csv' >/dev/null",
             h_db_url(h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0);
    snprintf(clock, sizeof clock, "%s/clock", h_dir(h));
    h_setenv(h, "CANDOUR_CLOCK_FILE", clock);
    h_setenv(h, "CANDOUR_DEADLINE_SCAN_MS", "100");
    h_org(h, "ICB-QWE");
    h_org(h, "TRUST-RXX");
    h_org(h, "LA-XYZ");
    cr_assert_eq(h_start_all(h), 0);

    /* To the ICB: about the hospital (the trust) and home care (the council). */
    Candour__V1__Reply *r = h_call_json(h, "intake", "ICB-QWE",
        "{\"submit\": {\"complaint\": {\"external_ref\": \"CO-1\", \"channel\": \"CHANNEL_POST\","
        " \"complainant\": {\"name\": \"Ada Cole\", \"address\": [\"1 Church Walk\"]},"
        " \"description\": \"Discharged from hospital with no home care in place.\","
        " \"services\": [\"acute-surgery\", \"asc-home-care\"]}}}");
    cr_assert(r->receipt);
    char ref[64];
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(h, "SELECT lead_org FROM routing.complaint WHERE reference = $1", 1, p,
                         "ICB-QWE", 15000), "no lead");

    /* Nothing goes to a partner before the patient's consent (R2). */
    usleep(500000);
    cr_assert_eq(s_messages(h, "TRUST-RXX", ref, "contribution-request"), 0);
    cr_assert_eq(s_messages(h, "LA-XYZ", ref, "contribution-request"), 0);
    /* A body that was not asked cannot contribute. */
    char json[1024];
    snprintf(json, sizeof json, "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\":"
                                " \"x\", \"submitted_by\": \"y\"}}", ref);
    r = h_call_json(h, "intake", "TRUST-RXX", json);
    cr_assert(r->error && strcmp(r->error->code, "NOT_FOUND") == 0);
    candour__v1__reply__free_unpacked(r, NULL);

    snprintf(json, sizeof json, "{\"record_consent\": {\"complaint_ref\": \"%s\", \"consent\":"
                                " {\"given_by\": \"Ada Cole\", \"given_at\": \"2026-11-20\","
                                " \"share_with\": [\"TRUST-RXX\", \"LA-XYZ\"]}}}", ref);
    r = h_call_json(h, "intake", "ICB-QWE", json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert(s_wait_messages(h, "TRUST-RXX", ref, "contribution-request", 1), "trust not asked");
    cr_assert(s_wait_messages(h, "LA-XYZ", ref, "contribution-request", 1), "council not asked");

    /* The trust answers in time; a second answer is refused. */
    snprintf(json, sizeof json, "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\":"
                                " \"The discharge checklist was not completed.\", \"submitted_by\":"
                                " \"Head of Patient Experience\"}}", ref);
    r = h_call_json(h, "intake", "TRUST-RXX", json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);
    r = h_call_json(h, "intake", "TRUST-RXX", json);
    cr_assert(r->error && strcmp(r->error->code, "FAILED_PRECONDITION") == 0);
    candour__v1__reply__free_unpacked(r, NULL);

    /* The council is late: the day after its due date it is chased, once. */
    char *due = h_scalar(h, "SELECT due::text FROM routing.deadline WHERE reference = $1 AND"
                            " name = 'contribution' AND party = 'LA-XYZ'", 1, p);
    cr_assert(due);
    cd_date_t d;
    cd_date_parse(due, &d);
    char day[CD_DATE_LEN + 1];
    cd_date_format(cd_date_add_days(d, 1), day);
    FILE *f = fopen(clock, "w");
    fprintf(f, "%sT12:00:00Z\n", day);
    fclose(f);
    cr_assert(s_wait_messages(h, "LA-XYZ", ref, "contribution-chase", 1), "the council was not chased");
    usleep(500000);
    cr_assert_eq(s_messages(h, "LA-XYZ", ref, "contribution-chase"), 1, "chased more than once");
    cr_assert_eq(s_messages(h, "TRUST-RXX", ref, "contribution-chase"), 0, "the trust answered in time");
    /* Nothing merged while a part is missing. */
    cr_assert_eq(h_count(h, "SELECT count(*) FROM investigation.contribution WHERE reference = $1", 1, p), 0);

    r = h_call_json(h, "intake", "LA-XYZ",
                    "{\"submit_contribution\": {\"complaint_ref\": \"CDR-XXXX-XXXX\","
                    " \"findings\": \"x\", \"submitted_by\": \"y\"}}");
    cr_assert(r->error && strcmp(r->error->code, "NOT_FOUND") == 0);
    candour__v1__reply__free_unpacked(r, NULL);
    snprintf(json, sizeof json, "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\":"
                                " \"The care package start date was not confirmed.\","
                                " \"submitted_by\": \"Adult Social Care complaints\"}}", ref);
    r = h_call_json(h, "intake", "LA-XYZ", json);
    cr_assert_null(r->error, "%s", r->error ? r->error->message : "");
    candour__v1__reply__free_unpacked(r, NULL);

    /* One merged hand-over to investigation, with both parts. */
    cr_assert(h_wait_for(h, "SELECT count(*)::text FROM investigation.contribution WHERE"
                            " reference = $1", 1, p, "2", 15000), "contributions not merged");
    /* Each part as its body sent it (the time to the second, as routing passes it on). */
    cr_assert_eq(h_count(h, "SELECT count(*) FROM investigation.contribution i"
                            " JOIN routing.contribution r USING (reference, org_id)"
                            " WHERE reference = $1 AND i.findings = r.findings"
                            " AND i.received_at = date_trunc('second', r.received_at)", 1, p), 2);
    usleep(500000);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.history WHERE reference = $1 AND"
                            " event = 'contributions.merged'", 1, p), 1);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM investigation.inbox WHERE complaint_ref = $1"
                            " AND type = 'contributions.merged'", 1, p), 1);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM routing.deadline WHERE reference = $1 AND"
                            " name = 'contribution' AND met_at IS NOT NULL", 1, p), 2);
    free(due);
    cr_assert_eq(h_destroy(&h), 0);
}
