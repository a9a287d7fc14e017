/* test_partner_referral.c - other bodies told over the bus (N2), through
 * every daemon, as the bodies reach Candour (issue N2/R2/I5a):
 *   - a complaint the commissioner passes to the provider reaches the
 *     provider, as its own organisation, with get_messages: a "referral"
 *     with the complaint's content, and the complainant's contact details
 *     because the consent recorded covers it (R2, I5a); held for consent, it
 *     reaches no one, and the complainant is asked for consent once however
 *     often it is held (N1);
 *   - a complaint another body leads reaches it without the contact details
 *     when no consent covers that body, with them when the patient complains
 *     for themselves (R2);
 *   - the approved response of a coordinated complaint reaches each partner
 *     as a "final-response" (R3);
 *   - an event repeated (resent, or again under a new id) adds no message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

static h_t *s_h;
static char *s_manager, *s_investigator, *s_chief;
static char s_day[16]; /* a month ago, YYYY-MM-DD: when it happened and consent was given */

static void s_setup(void)
{
    s_h = h_new("partner-referral");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "CANDOUR_DB_URL='%s' '%s/services/candourctl' routes import"
             " '%s/deploy/routes.sample.csv' >/dev/null",
             h_db_url(s_h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0, "routes import failed");
    static const char *const orgs[] = {"ICB-QWE", "TRUST-RXX", "TRUST-RYY", "LA-XYZ", "NHSE"};
    for (size_t i = 0; i < sizeof orgs / sizeof orgs[0]; i++)
        h_org(s_h, orgs[i]);
    cr_assert_eq(h_start_all(s_h), 0);
    s_manager = h_staff(s_h, "ICB-QWE", "Casey Manager", "Complaints", "complaints-manager");
    s_investigator = h_staff(s_h, "ICB-QWE", "Ira Investigator", "Quality", "investigator");
    s_chief = h_staff(s_h, "ICB-QWE", "Dr R. Chief", "", "responsible-person");
    time_t t = time(NULL) - 30 * 86400;
    strftime(s_day, sizeof s_day, "%Y-%m-%d", localtime(&t));
}

static void s_teardown(void)
{
    free(s_manager);
    free(s_investigator);
    free(s_chief);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(partner_referral, .init = s_setup, .fini = s_teardown, .timeout = 180);

/* Submit as org, with more complaint fields; the reference in ref. */
static void s_submit(const char *org, const char *ext, const char *more, char *ref)
{
    Candour__V1__Reply *r = h_call_jsonf(
        s_h, "intake", org,
        "{\"submit\": {\"complaint\": {\"external_ref\": \"%s\", \"channel\": \"CHANNEL_POST\","
        " \"complainant\": {\"name\": \"Tom Reed\", \"address_as\": \"Mr Reed\","
        " \"address\": [\"3 Mill Lane\"], \"postcode\": \"LS2 2BB\","
        " \"email\": \"tom.reed@example.org\", \"telephone\": \"0113 496 0000\"},"
        " \"description\": \"The district nurse did not come to dress my mother's leg.\","
        " \"desired_outcome\": \"Visits as planned, and an apology.\","
        " \"event_date\": \"%s\", %s}}}",
        ext, s_day, more);
    cr_assert(r->receipt, "%s", r->error ? r->error->message : "");
    snprintf(ref, 64, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

static void s_consent_as(const char *org, const char *ref, const char *share_with)
{
    h_ok(
        h_call_jsonf(s_h, "intake", org,
                     "{\"record_consent\": {\"complaint_ref\": \"%s\", \"consent\":"
                     " {\"given_by\": \"Joan Reed\", \"given_at\": \"%s\", \"method\": \"written\","
                     " \"share_with\": [\"%s\"]}}}",
                     ref, s_day, share_with),
        "record_consent");
}

static void s_consent(const char *ref, const char *share_with)
{
    s_consent_as("ICB-QWE", ref, share_with);
}

static int s_state_becomes(const char *ref, const char *state)
{
    const char *p[1] = {ref};
    return h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p, state,
                      15000);
}

/* How many messages of kind about ref intake keeps for org. */
static long s_kept(const char *org, const char *ref, const char *kind)
{
    const char *p[3] = {org, ref, kind};
    return h_count(s_h,
                   "SELECT count(*) FROM intake.partner_message WHERE org_id = $1"
                   " AND reference = $2 AND kind = $3",
                   3, p);
}

static int s_kept_becomes(const char *org, const char *ref, const char *kind, const char *n)
{
    const char *p[3] = {org, ref, kind};
    return h_wait_for(s_h,
                      "SELECT count(*)::text FROM intake.partner_message WHERE org_id = $1"
                      " AND reference = $2 AND kind = $3",
                      3, p, n, 15000);
}

/* What org collects over the bus, as it would: get_messages from the start. */
static Candour__V1__Reply *s_collect(const char *org)
{
    Candour__V1__Reply *r =
        h_call_json(s_h, "intake", org, "{\"get_messages\": {\"after_sequence\": 0}}");
    cr_assert(r->messages, "%s", r->error ? r->error->message : "no messages");
    return r;
}

/* The one message of kind about ref in r (fails the test on none or more). */
static const Candour__V1__PartnerMessage *s_one(const Candour__V1__Reply *r, const char *ref,
                                                const char *kind)
{
    const Candour__V1__PartnerMessage *found = NULL;
    int n = 0;
    for (size_t i = 0; i < r->messages->n_messages; i++) {
        const Candour__V1__PartnerMessage *m = r->messages->messages[i];
        if (strcmp(m->complaint_ref, ref) == 0 && strcmp(m->kind, kind) == 0) {
            found = m;
            n++;
        }
    }
    cr_assert_eq(n, 1, "%d %s messages about %s", n, kind, ref);
    return found;
}

static long s_none_about(const Candour__V1__Reply *r, const char *ref)
{
    long n = 0;
    for (size_t i = 0; i < r->messages->n_messages; i++)
        n += strcmp(r->messages->messages[i]->complaint_ref, ref) == 0;
    return n;
}

/* The consent-request letters routing asked notify for about ref. */
static long s_consent_letters(const char *ref)
{
    const char *p[1] = {ref};
    return h_count(s_h,
                   "SELECT count(*) FROM routing.outbox WHERE complaint_ref = $1 AND"
                   " type = 'letter.requested' AND"
                   " position(convert_to('consent-request', 'UTF8') IN payload) > 0",
                   1, p);
}

/* The referral, as the provider reads it: the complaint's content, and the
 * contact details when has_contact. */
static void s_check_referral(const Candour__V1__PartnerMessage *m, const char *to, const char *from,
                             const char *outcome, const char *service, int has_contact)
{
    cr_assert_str_eq(m->lead_org, to, "the body that now has it");
    cr_assert_str_eq(m->from_org, from);
    cr_assert_str_eq(m->outcome, outcome);
    cr_assert(m->reason[0], "no reason");
    cr_assert_str_eq(m->description, "The district nurse did not come to dress my mother's leg.");
    cr_assert_str_eq(m->desired_outcome, "Visits as planned, and an apology.");
    cr_assert_str_eq(m->event_date, s_day);
    cr_assert_geq(m->n_services, 1);
    cr_assert_str_eq(m->services[0], service);
    cr_assert_str_eq(m->due, "", "a referral has no due date");
    cr_assert(m->at[0]);
    if (!has_contact) {
        cr_assert_null(m->complainant, "the contact details went without consent (R2)");
        return;
    }
    cr_assert_not_null(m->complainant, "no contact details");
    cr_assert_str_eq(m->complainant->name, "Tom Reed");
    cr_assert_str_eq(m->complainant->email, "tom.reed@example.org");
    cr_assert_str_eq(m->complainant->telephone, "0113 496 0000");
    cr_assert_eq(m->complainant->n_address, 1);
    cr_assert_str_eq(m->complainant->address[0], "3 Mill Lane");
}

Test(partner_referral, I5a_R2_passed_to_the_provider_it_reaches_it_with_what_consent_allows)
{
    /* R2: this ICB passes complaints about what one provider does to it. */
    h_ok(h_call_jsonf(s_h, "routing", NULL,
                      "{\"acting\": \"%s\", \"set_org_settings\": {\"settings\": {\"org_id\":"
                      " \"ICB-QWE\", \"pass_to_provider\": true, \"responsible_person\": \"%s\","
                      " \"complaints_manager\": \"%s\"}}}",
                      s_manager, s_chief, s_manager),
         "set_org_settings");

    /* Consent from the start, covering the provider: it goes with the
     * complainant's contact details. */
    char a[64];
    char more[512];
    snprintf(more, sizeof more,
             "\"services\": [\"community-nursing\"], \"patient\": {\"name\": \"Joan Reed\"},"
             " \"standing\": \"STANDING_PATIENT_CONSENT\", \"relationship\": \"son\","
             " \"consents\": [{\"given_by\": \"Joan Reed\", \"given_at\": \"%s\","
             " \"share_with\": [\"TRUST-RYY\"]}]",
             s_day);
    s_submit("ICB-QWE", "PR-A", more, a);
    cr_assert(s_state_becomes(a, "passed-to-provider"));
    cr_assert(s_kept_becomes("TRUST-RYY", a, "referral", "1"), "no referral for the provider");
    Candour__V1__Reply *r = s_collect("TRUST-RYY");
    s_check_referral(s_one(r, a, "referral"), "TRUST-RYY", "ICB-QWE", "pass-to-provider",
                     "community-nursing", 1);
    candour__v1__reply__free_unpacked(r, NULL);
    /* No other body hears of it. */
    r = s_collect("LA-XYZ");
    cr_assert_eq(s_none_about(r, a), 0);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(s_consent_letters(a), 0, "consent was asked for though it was given");

    /* Held for the patient's consent: nothing goes, the complainant is
     * asked for it in writing (N1). */
    char b[64];
    s_submit("ICB-QWE", "PR-B",
             "\"services\": [\"community-nursing\"], \"patient\": {\"name\": \"Joan Reed\"},"
             " \"standing\": \"STANDING_PATIENT_CONSENT\", \"relationship\": \"son\"",
             b);
    cr_assert(s_state_becomes(b, "awaiting-consent"));
    const char *p[1] = {b};
    cr_assert(h_wait_for(s_h,
                         "SELECT consent_asked::text FROM routing.complaint WHERE"
                         " reference = $1",
                         1, p, "true", 15000));
    cr_assert_eq(s_consent_letters(b), 1);
    /* Consent to share with another body only: still held, not asked again. */
    s_consent(b, "LA-XYZ");
    cr_assert(h_wait_for(s_h,
                         "SELECT consent_share::text FROM routing.complaint WHERE"
                         " reference = $1",
                         1, p, "{LA-XYZ}", 15000));
    cr_assert(s_state_becomes(b, "awaiting-consent"));
    cr_assert_eq(s_kept("TRUST-RYY", b, "referral"), 0, "sent on before consent covered it (R2)");
    cr_assert_eq(s_consent_letters(b), 1, "consent asked for twice");
    /* Consent that covers the provider: it goes, with the contact details. */
    s_consent(b, "TRUST-RYY");
    cr_assert(s_state_becomes(b, "passed-to-provider"));
    cr_assert(s_kept_becomes("TRUST-RYY", b, "referral", "1"));
    r = s_collect("TRUST-RYY");
    s_check_referral(s_one(r, b, "referral"), "TRUST-RYY", "ICB-QWE", "pass-to-provider",
                     "community-nursing", 1);
    candour__v1__reply__free_unpacked(r, NULL);
    cr_assert_eq(s_consent_letters(b), 1);

    /* The same referral again, under a new id, and resent: nothing more. */
    Candour__V1__ComplaintReferred cr = CANDOUR__V1__COMPLAINT_REFERRED__INIT;
    cr.to_org = "TRUST-RYY";
    cr.from_org = "ICB-QWE";
    cr.outcome = "pass-to-provider";
    cr.description = "Sent again.";
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "intake", "complaint.referred", a, &cr.base, id, 10000), 1);
    cr_assert_eq(h_send_event(s_h, "intake", "complaint.referred", a, &cr.base, id, 10000), 1);
    cr_assert_eq(s_kept("TRUST-RYY", a, "referral"), 1, "a repeated referral was kept twice");
    r = s_collect("TRUST-RYY");
    cr_assert_str_eq(s_one(r, a, "referral")->description,
                     "The district nurse did not come to dress my mother's leg.");
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(partner_referral, R2_a_body_leading_it_gets_nothing_until_consent_covers_it)
{
    /* Made to the trust, about an ICB's service and one NHS England
     * commissions: NHS England leads (R3). The consent covers the ICB's part
     * only, so the complaint waits until it covers NHS England too. */
    char x[64], y[64], more[512];
    snprintf(more, sizeof more,
             "\"services\": [\"acute-surgery\", \"specialised-cancer\"], \"patient\": {\"name\":"
             " \"Joan Reed\"}, \"standing\": \"STANDING_PATIENT_CONSENT\", \"relationship\":"
             " \"son\", \"consents\": [{\"given_by\": \"Joan Reed\", \"given_at\": \"%s\","
             " \"share_with\": [\"ICB-QWE\"]}]",
             s_day);
    s_submit("TRUST-RXX", "PR-X", more, x);
    /* The patient complains for themselves: the body may reach them. */
    snprintf(more, sizeof more,
             "\"services\": [\"acute-surgery\", \"specialised-cancer\"], \"standing\":"
             " \"STANDING_SELF\", \"consents\": [{\"given_by\": \"Tom Reed\", \"given_at\":"
             " \"%s\", \"share_with\": [\"ICB-QWE\", \"NHSE\"]}]",
             s_day);
    s_submit("TRUST-RXX", "PR-Y", more, y);
    cr_assert(s_state_becomes(y, "coordinated-by-another-body"));
    /* R2: the consent does not cover the body that would lead: nothing goes. */
    cr_assert(s_state_becomes(x, "awaiting-consent"));
    cr_assert_eq(s_kept("NHSE", x, "referral"), 0, "referred before consent covered the lead");
    s_consent_as("TRUST-RXX", x, "NHSE");
    cr_assert(s_state_becomes(x, "coordinated-by-another-body"));
    cr_assert(s_kept_becomes("NHSE", x, "referral", "1"));
    cr_assert(s_kept_becomes("NHSE", y, "referral", "1"));
    Candour__V1__Reply *r = s_collect("NHSE");
    const Candour__V1__PartnerMessage *mx = s_one(r, x, "referral");
    s_check_referral(mx, "NHSE", "TRUST-RXX", "coordinate", "acute-surgery", 1);
    cr_assert_eq(mx->n_services, 2);
    s_check_referral(s_one(r, y, "referral"), "NHSE", "TRUST-RXX", "coordinate", "acute-surgery",
                     1);
    candour__v1__reply__free_unpacked(r, NULL);
    /* The history says what went, references only. */
    const char *p[1] = {x};
    char *h = h_scalar(s_h,
                       "SELECT string_agg(detail, ' | ') FROM routing.history WHERE"
                       " reference = $1 AND event = 'complaint.referred'",
                       1, p);
    cr_assert(h && strstr(h, "NHSE") && !strstr(h, "Joan"), "%s", h ? h : "(none)");
    free(h);
}

Test(partner_referral, R3_the_approved_response_reaches_each_partner_once, .timeout = 240)
{
    /* Led by the ICB, with the trust's and the council's parts (R3). */
    char ref[64], more[512];
    snprintf(more, sizeof more,
             "\"services\": [\"acute-surgery\", \"asc-home-care\"], \"consents\":"
             " [{\"given_by\": \"Tom Reed\", \"given_at\": \"%s\"}]",
             s_day);
    s_submit("ICB-QWE", "PR-C", more, ref);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no case opened");
    h_assign(s_h, ref, s_manager, s_investigator);
    cr_assert(s_kept_becomes("TRUST-RXX", ref, "contribution-request", "1"));
    cr_assert(s_kept_becomes("LA-XYZ", ref, "contribution-request", "1"));
    cr_assert_eq(s_kept("TRUST-RXX", ref, "referral"), 0, "a partner is not referred it");
    static const char *const partners[] = {"TRUST-RXX", "LA-XYZ"};
    for (size_t i = 0; i < 2; i++)
        h_ok(h_call_jsonf(s_h, "intake", partners[i],
                          "{\"submit_contribution\": {\"complaint_ref\": \"%s\", \"findings\":"
                          " \"Our part: %s looked at its records.\", \"submitted_by\":"
                          " \"Complaints lead\"}}",
                          ref, partners[i]),
             "submit_contribution");
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM investigation.contribution WHERE"
                         " reference = $1",
                         1, p, "2", 15000),
              "the parts did not reach the case");
    h_ok(h_call_jsonf(s_h, "investigation", NULL,
                      "{\"acting\": \"%s\", \"record_outcome\": {\"complaint_ref\": \"%s\","
                      " \"outcome\": \"OUTCOME_UPHELD\", \"findings\": \"The discharge was"
                      " unsafe and the care did not start.\"}}",
                      s_investigator, ref),
         "record_outcome");
    cr_assert(h_wait_for(s_h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p,
                         "awaiting-signature", 15000));
    /* Nothing goes to the partners before it is signed. */
    cr_assert_eq(s_kept("TRUST-RXX", ref, "final-response"), 0);
    h_ok(h_call_jsonf(s_h, "signoff", NULL,
                      "{\"acting\": \"%s\", \"sign\": {\"complaint_ref\": \"%s\"}}", s_chief, ref),
         "sign");
    for (size_t i = 0; i < 2; i++)
        cr_assert(s_kept_becomes(partners[i], ref, "final-response", "1"), "%s has no response",
                  partners[i]);
    for (size_t i = 0; i < 2; i++) {
        Candour__V1__Reply *r = s_collect(partners[i]);
        const Candour__V1__PartnerMessage *m = s_one(r, ref, "final-response");
        cr_assert_str_eq(m->lead_org, "ICB-QWE");
        cr_assert(strstr(m->response, "The discharge was unsafe and the care did not start."), "%s",
                  m->response);
        cr_assert_str_eq(m->signed_by, "Dr R. Chief");
        cr_assert_str_eq(m->due, "");
        candour__v1__reply__free_unpacked(r, NULL);
    }
    /* The body that made the complaint is not a partner: nothing for it. */
    cr_assert_eq(s_kept("ICB-QWE", ref, "final-response"), 0);

    /* Shared again under a new id, and resent: one message still. */
    Candour__V1__ResponseShared rs = CANDOUR__V1__RESPONSE_SHARED__INIT;
    rs.partner_org = "LA-XYZ";
    rs.lead_org = "ICB-QWE";
    rs.text = "Another text.";
    char id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(h_send_event(s_h, "intake", "response.shared", ref, &rs.base, id, 10000), 1);
    cr_assert_eq(h_send_event(s_h, "intake", "response.shared", ref, &rs.base, id, 10000), 1);
    cr_assert_eq(s_kept("LA-XYZ", ref, "final-response"), 1, "a response was kept twice");
    /* The letter went; routing's history names each partner once. */
    cr_assert(s_state_becomes(ref, "response-sent"));
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.history WHERE reference = $1"
                         " AND event = 'response.shared'",
                         1, p),
                 2);
}
