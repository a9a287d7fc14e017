/* test_reporting_apply.c - what each event keeps in the reporting schema
 * (services/reporting/apply.h, L1-L5): codes, dates and counts, never a
 * name, an address or a person's words (L5), and merges that do not depend
 * on the order events arrive in. Also the statements (apply_sql.h): column
 * names from the code, every value a parameter. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply_sql.h"
#include "candour/events.h"
#include "candour/v1/events.pb-c.h"

/* 2026-06-01T10:00:00Z (11:00 in London), in microseconds. */
#define S_JUNE_1 1780308000000000LL
/* 2026-01-15T23:30:00Z: still the 15th in London (GMT). */
#define S_JAN_15_LATE 1768519800000000LL
/* 2026-07-15T23:30:00Z: already the 16th in London (BST). */
#define S_JUL_15_LATE 1784158200000000LL

static Candour__V1__Envelope s_env(const char *type, int64_t us)
{
    Candour__V1__Envelope e = CANDOUR__V1__ENVELOPE__INIT;
    e.type = (char *)type;
    e.complaint_ref = "CDR-7K4M-9QXT";
    e.event_id = "7d1f7a52-2f5e-4f7a-9f0e-3a1c2b4d5e6f";
    e.occurred_at_us = us;
    return e;
}

static const char *s_val(const rp_change_t *ch, const char *column)
{
    const rp_col_t *c = rp_change_col(ch, column);
    cr_assert_not_null(c, "no column %s", column);
    return c->is_null ? NULL : c->value;
}

/* Every text the change holds, for the scans for personal data. */
static int s_holds(const rp_change_t *ch, const char *needle)
{
    int found = strstr(ch->reference, needle) != NULL;
    for (int i = 0; i < ch->ncols; i++)
        found |= strstr(ch->cols[i].value, needle) != NULL;
    for (int i = 0; i < ch->naspects; i++) {
        const rp_aspect_t *a = &ch->aspects[i];
        found |= strstr(a->issue_id, needle) || strstr(a->subject, needle) ||
                 strstr(a->service_area, needle) || strstr(a->profession, needle) ||
                 strstr(a->verdict, needle);
    }
    for (int i = 0; i < ch->npartners; i++)
        found |= strstr(ch->partners[i].org_id, needle) != NULL;
    found |= strstr(ch->stage.stage, needle) || strstr(ch->stage.outcome, needle);
    return found;
}

/* A complaint as intake receives it: names, an address, the complainant's words. */
static Candour__V1__Person s_complainant, s_patient;
static char *s_lines[] = {"14 Acacia Avenue", "Leeds"};
static char *s_staff[] = {"Dr Hilary Quint"};
static char *s_services[] = {"community-nursing"};

static Candour__V1__Complaint s_complaint(void)
{
    candour__v1__person__init(&s_complainant);
    s_complainant.name = "Priya Raghunathan";
    s_complainant.address_as = "Mrs Raghunathan";
    s_complainant.n_address = 2;
    s_complainant.address = s_lines;
    s_complainant.postcode = "LS6 2QT";
    s_complainant.email = "priya@example.org";
    s_complainant.telephone = "0113 496 0000";
    candour__v1__person__init(&s_patient);
    s_patient.name = "Arjun Raghunathan";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = "EXT-1";
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_POST;
    c.complainant = &s_complainant;
    c.patient = &s_patient;
    c.description = "The district nurse stopped visiting my father after his fall";
    c.desired_outcome = "An apology and visits restored";
    c.received_at = "2026-06-01T10:00:00Z";
    c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    c.relationship = "daughter";
    c.kind = CANDOUR__V1__KIND__KIND_COMPLAINT;
    c.patient_age_band = CANDOUR__V1__AGE_BAND__AGE_BAND_65_AND_OVER;
    c.n_staff_named = 1;
    c.staff_named = s_staff;
    c.n_services = 1;
    c.services = s_services;
    c.summary = "Visits stopped without notice";
    return c;
}

static const char *const s_personal[] = {
    "Priya",          "Raghunathan", "Acacia",   "Leeds",  "LS6",   "example.org", "0113", "Arjun",
    "district nurse", "apology",     "daughter", "Hilary", "Quint", "Visits",      "fall",
};

static void s_assert_no_personal(const rp_change_t *ch)
{
    for (size_t i = 0; i < sizeof s_personal / sizeof s_personal[0]; i++)
        cr_assert(!s_holds(ch, s_personal[i]), "the change keeps \"%s\"", s_personal[i]);
}

/* ---------------------------------------------------------------- received */

Test(reporting_apply, L2a_received_keeps_the_body_day_and_profile_as_codes)
{
    Candour__V1__Complaint c = s_complaint();
    Candour__V1__ComplaintReceived r = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    r.org_id = "ICB-QWE";
    r.complaint = &c;
    r.classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT;
    Candour__V1__Envelope e = s_env("complaint.received", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    cr_expect_str_eq(ch.reference, "CDR-7K4M-9QXT");
    cr_expect_str_eq(s_val(&ch, "made_to_org"), "ICB-QWE");
    cr_expect_str_eq(s_val(&ch, "received_on"), "2026-06-01");
    cr_expect_str_eq(s_val(&ch, "kind"), "complaint");
    cr_expect_str_eq(s_val(&ch, "classification"), "complaint");
    cr_expect_str_eq(s_val(&ch, "channel"), "post");
    cr_expect_str_eq(s_val(&ch, "standing"), "patient-consent");
    cr_expect_str_eq(s_val(&ch, "age_band"), "65-and-over");
    cr_expect_str_eq(s_val(&ch, "chc_appeal"), "f");
}

Test(reporting_apply, L5_a_complaint_with_names_addresses_and_words_keeps_none_of_them)
{
    Candour__V1__Complaint c = s_complaint();
    Candour__V1__ComplaintReceived r = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    r.org_id = "ICB-QWE";
    r.complaint = &c;
    Candour__V1__Envelope e = s_env("complaint.received", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    s_assert_no_personal(&ch);
    Candour__V1__ComplaintAmended a = CANDOUR__V1__COMPLAINT_AMENDED__INIT;
    a.complaint = &c;
    e = s_env("complaint.amended", S_JUNE_1 + 1);
    cr_assert_eq(rp_apply(&e, &a.base, &ch), 1);
    s_assert_no_personal(&ch);
}

Test(reporting_apply, L5_a_name_where_a_code_belongs_is_dropped)
{
    Candour__V1__ComplaintReceived r = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    r.org_id = "Priya Raghunathan, 14 Acacia Avenue";
    Candour__V1__Envelope e = s_env("complaint.received", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    cr_expect_null(s_val(&ch, "made_to_org"));
    s_assert_no_personal(&ch);
    cr_expect(rp_code_ok("ICB-QWE") && rp_code_ok("C-1234567") && rp_code_ok("KI1"));
    cr_expect(!rp_code_ok("Mrs Patel") && !rp_code_ok("") && !rp_code_ok(NULL) &&
              !rp_code_ok("a,b") && !rp_code_ok("x@example.org"));
}

Test(reporting_apply, L2a_a_day_is_the_day_in_London)
{
    Candour__V1__ComplaintWithdrawn w = CANDOUR__V1__COMPLAINT_WITHDRAWN__INIT;
    w.reason = "I have moved away and no longer wish to pursue it";
    Candour__V1__Envelope e = s_env("complaint.withdrawn", S_JAN_15_LATE);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &w.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "withdrawn_on"), "2026-01-15");
    cr_expect_str_eq(s_val(&ch, "withdrawn"), "t");
    cr_expect(!s_holds(&ch, "moved"));
    e = s_env("complaint.withdrawn", S_JUL_15_LATE);
    cr_assert_eq(rp_apply(&e, &w.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "withdrawn_on"), "2026-07-16");
}

/* ---------------------------------------------------------------- deadlines */

static char *s_partners[] = {"TRUST-RR8", "LA-LEEDS"};

Test(reporting_apply, R4_routed_sets_the_lead_the_due_days_first_and_agreed_and_partners)
{
    Candour__V1__ComplaintRouted r = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    r.org_id = "ICB-QWE";
    r.handling_org = "ICB-QWE";
    r.ack_due = "2026-06-04";
    r.response_due = "2026-07-06";
    r.description = "The district nurse stopped visiting";
    r.complainant_name = "Priya Raghunathan";
    r.address_as = "Mrs Raghunathan";
    r.n_partners = 2;
    r.partners = s_partners;
    Candour__V1__Envelope e = s_env("complaint.routed", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "lead_org"), "ICB-QWE");
    cr_expect_str_eq(s_val(&ch, "ack_due"), "2026-06-04");
    cr_expect_str_eq(s_val(&ch, "response_due_first"), "2026-07-06");
    cr_expect_str_eq(s_val(&ch, "response_due"), "2026-07-06");
    cr_expect_eq(rp_change_col(&ch, "response_due_first")->merge, RP_EARLIEST);
    cr_expect_eq(rp_change_col(&ch, "response_due")->merge, RP_LATEST);
    cr_assert_eq(ch.npartners, 2);
    cr_expect_str_eq(ch.partners[0].org_id, "TRUST-RR8");
    cr_expect_str_eq(ch.partners[0].part, "expected");
    s_assert_no_personal(&ch);
}

Test(reporting_apply, R5_a_response_extension_moves_the_agreed_day_and_counts_one)
{
    Candour__V1__DeadlineExtended x = CANDOUR__V1__DEADLINE_EXTENDED__INIT;
    x.deadline = "response";
    x.old_due = "2026-07-06";
    x.new_due = "2026-08-03";
    x.reason = "Awaiting the ward sister's account";
    Candour__V1__Envelope e = s_env("deadline.extended", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &x.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "response_due"), "2026-08-03");
    cr_expect_str_eq(s_val(&ch, "extensions"), "1");
    cr_expect_eq(rp_change_col(&ch, "extensions")->merge, RP_ADD);
    cr_expect_null(rp_change_col(&ch, "response_due_first"));
    cr_expect(!s_holds(&ch, "ward sister"));
    x.deadline = "update";
    cr_expect_eq(rp_apply(&e, &x.base, &ch), 0, "another deadline's extension keeps nothing");
}

Test(reporting_apply, R4_letters_sent_give_the_days_acknowledged_and_responded)
{
    Candour__V1__LetterSent l = CANDOUR__V1__LETTER_SENT__INIT;
    l.kind = "acknowledgement";
    Candour__V1__Envelope e = s_env("letter.sent", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &l.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "acknowledged_on"), "2026-06-01");
    cr_expect_eq(rp_change_col(&ch, "acknowledged_on")->merge, RP_MIN);
    l.kind = "final-response";
    cr_assert_eq(rp_apply(&e, &l.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "response_sent_on"), "2026-06-01");
    l.kind = "progress-1";
    cr_expect_eq(rp_apply(&e, &l.base, &ch), 0);
}

/* ---------------------------------------------------------------- outcome */

Test(reporting_apply, L2a_completion_keeps_each_aspects_KO41a_codes_and_verdict_not_its_words)
{
    Candour__V1__KeyIssue k1 = CANDOUR__V1__KEY_ISSUE__INIT, k2 = CANDOUR__V1__KEY_ISSUE__INIT;
    k1.issue_id = "KI1";
    k1.summary = "Why the district nurse stopped visiting";
    k1.subject = "clinical-treatment";
    k1.service_area = "community-services";
    k1.profession = "nursing-midwifery";
    k2.issue_id = "KI2";
    k2.summary = "Priya was not told";
    k2.subject = "communications";
    Candour__V1__KeyIssue *issues[] = {&k1, &k2};
    Candour__V1__Finding f1 = CANDOUR__V1__FINDING__INIT, f2 = CANDOUR__V1__FINDING__INIT;
    f1.issue_id = "KI2";
    f1.verdict = "not-upheld";
    f1.what_happened = "Arjun's visits were moved";
    f2.issue_id = "KI1";
    f2.verdict = "upheld";
    Candour__V1__Finding *findings[] = {&f1, &f2};
    Candour__V1__CaseSummary sum = CANDOUR__V1__CASE_SUMMARY__INIT;
    sum.n_issues = 2;
    sum.issues = issues;
    sum.n_findings = 2;
    sum.findings = findings;
    sum.complainant_name = "Priya Raghunathan";
    Candour__V1__InvestigationCompleted ic = CANDOUR__V1__INVESTIGATION_COMPLETED__INIT;
    ic.outcome = CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD;
    ic.findings = "The district nurse's visits were stopped in error";
    ic.recorded_by = "Hilary Quint (ST12)";
    ic.summary = &sum;
    Candour__V1__Envelope e = s_env("investigation.completed", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &ic.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "outcome"), "partially-upheld");
    cr_expect_str_eq(s_val(&ch, "outcome_on"), "2026-06-01");
    cr_assert(ch.aspects_set);
    cr_expect_eq(ch.aspects_us, S_JUNE_1);
    cr_assert_eq(ch.naspects, 2);
    cr_expect_str_eq(ch.aspects[0].issue_id, "KI1");
    cr_expect_str_eq(ch.aspects[0].subject, "clinical-treatment");
    cr_expect_str_eq(ch.aspects[0].service_area, "community-services");
    cr_expect_str_eq(ch.aspects[0].profession, "nursing-midwifery");
    cr_expect_str_eq(ch.aspects[0].verdict, "upheld");
    cr_expect_str_eq(ch.aspects[1].subject, "communications");
    cr_expect_str_eq(ch.aspects[1].service_area, "");
    cr_expect_str_eq(ch.aspects[1].verdict, "not-upheld");
    s_assert_no_personal(&ch);
}

Test(reporting_apply, F2_approval_and_returns_are_counted_without_their_words)
{
    Candour__V1__ResponseApproved a = CANDOUR__V1__RESPONSE_APPROVED__INIT;
    a.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    a.findings = "Priya was right";
    a.signed_by = "Hilary Quint";
    Candour__V1__Envelope e = s_env("response.approved", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &a.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "outcome"), "upheld");
    cr_expect_str_eq(s_val(&ch, "approved_on"), "2026-06-01");
    s_assert_no_personal(&ch);
    Candour__V1__DraftReturned d = CANDOUR__V1__DRAFT_RETURNED__INIT;
    d.reasons = "Mention Priya's daughter";
    d.returned_by = "Hilary Quint (ST3)";
    e = s_env("draft.returned", S_JUNE_1);
    cr_assert_eq(rp_apply(&e, &d.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "drafts_returned"), "1");
    s_assert_no_personal(&ch);
}

Test(reporting_apply, L4_an_ombudsman_stage_keeps_the_stage_outcome_and_days_not_the_note)
{
    Candour__V1__Referral r = CANDOUR__V1__REFERRAL__INIT;
    r.referred_on = "2026-10-12";
    r.phso_ref = "C-1234567";
    r.stage = "decided";
    r.outcome = "partly-upheld";
    r.stage_on = "2026-12-01";
    r.note = "Pay Priya Raghunathan 250 pounds";
    r.recorded_by = "Hilary Quint (ST3)";
    Candour__V1__Envelope e = s_env("ombudsman.referral", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "ombudsman_referred_on"), "2026-10-12");
    cr_expect_str_eq(s_val(&ch, "ombudsman_ref"), "C-1234567");
    cr_expect_str_eq(s_val(&ch, "ombudsman_stage"), "decided");
    cr_expect_str_eq(s_val(&ch, "ombudsman_outcome"), "partly-upheld");
    cr_expect_str_eq(s_val(&ch, "ombudsman_stage_on"), "2026-12-01");
    cr_assert(ch.has_stage);
    cr_expect_str_eq(ch.stage.stage, "decided");
    cr_expect_str_eq(ch.stage.stage_on, "2026-12-01");
    s_assert_no_personal(&ch);
}

Test(reporting_apply, R3_merged_contributions_record_each_partners_part)
{
    Candour__V1__Contribution c1 = CANDOUR__V1__CONTRIBUTION__INIT,
                              c2 = CANDOUR__V1__CONTRIBUTION__INIT;
    c1.org = "TRUST-RR8";
    c1.findings = "Our nurse Priya saw him";
    c2.org = "LA-LEEDS";
    c2.waived = 1;
    c2.reason = "No answer from Leeds";
    Candour__V1__Contribution *cs[] = {&c1, &c2};
    Candour__V1__ContributionsMerged m = CANDOUR__V1__CONTRIBUTIONS_MERGED__INIT;
    m.n_contributions = 2;
    m.contributions = cs;
    Candour__V1__Envelope e = s_env("contributions.merged", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &m.base, &ch), 1);
    cr_assert_eq(ch.npartners, 2);
    cr_expect_str_eq(ch.partners[0].part, "contributed");
    cr_expect_str_eq(ch.partners[1].org_id, "LA-LEEDS");
    cr_expect_str_eq(ch.partners[1].part, "waived");
    cr_expect_eq(ch.ncols, 0);
}

Test(reporting_apply, I3_status_triage_and_out_of_time_are_codes)
{
    Candour__V1__StatusChanged s = CANDOUR__V1__STATUS_CHANGED__INIT;
    s.state = CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_UNDER_INVESTIGATION;
    s.detail = "handed to investigation";
    Candour__V1__Envelope e = s_env("complaint.status_changed", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &s.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "status"), "under-investigation");
    Candour__V1__OutOfTimeDecided d = CANDOUR__V1__OUT_OF_TIME_DECIDED__INIT;
    d.accept = 0;
    d.reason = "Priya could have complained sooner";
    e = s_env("out_of_time.decided", S_JUNE_1);
    cr_assert_eq(rp_apply(&e, &d.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "out_of_time"), "declined");
    s_assert_no_personal(&ch);
    Candour__V1__ComplaintReferred r = CANDOUR__V1__COMPLAINT_REFERRED__INIT;
    r.to_org = "TRUST-RR8";
    r.outcome = "pass-to-provider";
    r.description = "The district nurse";
    r.complainant = &s_complainant;
    e = s_env("complaint.referred", S_JUNE_1);
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "triage"), "pass-to-provider");
    cr_expect_str_eq(s_val(&ch, "referred_to_org"), "TRUST-RR8");
    s_assert_no_personal(&ch);
}

/* ---------------------------------------------------------------- refusals */

Test(reporting_apply, an_event_without_a_reference_or_of_the_wrong_message_is_refused)
{
    Candour__V1__LetterSent l = CANDOUR__V1__LETTER_SENT__INIT;
    l.kind = "acknowledgement";
    Candour__V1__Envelope e = s_env("letter.sent", S_JUNE_1);
    e.complaint_ref = "";
    rp_change_t ch;
    cr_expect_eq(rp_apply(&e, &l.base, &ch), -1);
    e = s_env("complaint.routed", S_JUNE_1);
    cr_expect_eq(rp_apply(&e, &l.base, &ch), -1);
    e = s_env("staff.changed", S_JUNE_1);
    cr_expect_eq(rp_apply(&e, &l.base, &ch), 0, "a type reporting does not keep changes nothing");
}

Test(reporting_apply, every_type_kept_is_in_the_catalogue_with_reporting_subscribed)
{
    int n = 0;
    for (size_t i = 0; rp_type(i); i++, n++) {
        const cd_event_type_t *t = cd_event_type(rp_type(i));
        cr_assert_not_null(t, "%s is not in the catalogue", rp_type(i));
        int subscribed = 0;
        for (const char *const *s = t->subscribers; *s; s++)
            subscribed |= strcmp(*s, "reporting") == 0;
        cr_expect(subscribed, "reporting is not a subscriber of %s", rp_type(i));
    }
    cr_expect_eq(n, 17);
}

/* ---------------------------------------------------------------- statements */

typedef struct {
    int n;
    char sql[8][8192];
    int nparams[8];
    char values[8][32][RP_VALUE_MAX + 1];
} s_stmts_t;

static int s_keep(void *arg, const char *sql, int nparams, const char *const *values)
{
    s_stmts_t *s = arg;
    cr_assert_lt(s->n, 8);
    snprintf(s->sql[s->n], sizeof s->sql[0], "%s", sql);
    s->nparams[s->n] = nparams;
    for (int i = 0; i < nparams && i < 32; i++)
        snprintf(s->values[s->n][i], sizeof s->values[0][0], "%s",
                 values[i] ? values[i] : "<NULL>");
    s->n++;
    return 0;
}

Test(reporting_apply, statements_merge_each_column_by_its_rule_with_values_as_parameters)
{
    Candour__V1__DeadlineExtended x = CANDOUR__V1__DEADLINE_EXTENDED__INIT;
    x.deadline = "response";
    x.new_due = "2026-08-03";
    Candour__V1__Envelope e = s_env("deadline.extended", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &x.base, &ch), 1);
    s_stmts_t *s = calloc(1, sizeof *s);
    cr_assert_eq(rp_sql(&ch, s_keep, s), 0);
    cr_assert_eq(s->n, 1);
    cr_expect(strstr(s->sql[0], "INSERT INTO reporting.complaint AS complaint (reference,"
                                " response_due, due_us, extensions) VALUES ($1, $2::date,"
                                " $3::bigint, $4::integer) ON CONFLICT (reference) DO UPDATE SET"),
              "%s", s->sql[0]);
    cr_expect(strstr(s->sql[0], "response_due = CASE WHEN complaint.due_us IS NULL OR"
                                " EXCLUDED.due_us >= complaint.due_us THEN EXCLUDED.response_due"
                                " ELSE complaint.response_due END"),
              "%s", s->sql[0]);
    cr_expect(strstr(s->sql[0], "due_us = greatest(complaint.due_us, EXCLUDED.due_us)"));
    cr_expect(strstr(s->sql[0], "extensions = complaint.extensions + EXCLUDED.extensions"));
    cr_expect(!strstr(s->sql[0], "2026-08-03"), "a value pasted into the statement");
    cr_expect_str_eq(s->values[0][0], "CDR-7K4M-9QXT");
    cr_expect_str_eq(s->values[0][1], "2026-08-03");
    free(s);
}

Test(reporting_apply, statements_for_aspects_replace_older_and_ignore_late_older_completions)
{
    Candour__V1__KeyIssue k1 = CANDOUR__V1__KEY_ISSUE__INIT;
    k1.issue_id = "KI1";
    k1.subject = "clinical-treatment";
    Candour__V1__KeyIssue *issues[] = {&k1};
    Candour__V1__CaseSummary sum = CANDOUR__V1__CASE_SUMMARY__INIT;
    sum.n_issues = 1;
    sum.issues = issues;
    Candour__V1__InvestigationCompleted ic = CANDOUR__V1__INVESTIGATION_COMPLETED__INIT;
    ic.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    ic.summary = &sum;
    Candour__V1__Envelope e = s_env("investigation.completed", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &ic.base, &ch), 1);
    s_stmts_t *s = calloc(1, sizeof *s);
    cr_assert_eq(rp_sql(&ch, s_keep, s), 0);
    cr_assert_eq(s->n, 4, "the complaint, the older aspects gone, the aspect, older actions gone");
    cr_expect(strstr(s->sql[1], "DELETE FROM reporting.aspect WHERE reference = $1 AND"
                                " completed_us < $2::bigint"));
    cr_expect(strstr(s->sql[2], "WHERE NOT EXISTS (SELECT 1 FROM reporting.aspect WHERE"
                                " reference = $1::text AND completed_us > $7::bigint)"));
    cr_expect_str_eq(s->values[2][2], "clinical-treatment");
    cr_expect_str_eq(s->values[2][3], "<NULL>");
    free(s);
}

/* ---------------------------------------------------------------- L1: repeats, actions */

Test(reporting_apply, L1_repeat_found_keeps_the_earlier_complaints_reference_as_repeat_of)
{
    Candour__V1__RepeatFound r = CANDOUR__V1__REPEAT_FOUND__INIT;
    r.repeat_of = "CDR-2B3C-4D5E";
    Candour__V1__Envelope e = s_env("complaint.repeat_found", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "repeat_of"), "CDR-2B3C-4D5E");
    cr_expect_eq(rp_change_col(&ch, "repeat_of")->merge, RP_SET);
    s_assert_no_personal(&ch);
    /* None: NULL; a name where the reference belongs: dropped. */
    r.repeat_of = "";
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    cr_expect_null(s_val(&ch, "repeat_of"));
    r.repeat_of = "Priya Raghunathan";
    cr_assert_eq(rp_apply(&e, &r.base, &ch), 1);
    cr_expect_null(s_val(&ch, "repeat_of"));
}

static Candour__V1__InvestigationCompleted s_completed_with(Candour__V1__CaseSummary *sum)
{
    Candour__V1__InvestigationCompleted ic = CANDOUR__V1__INVESTIGATION_COMPLETED__INIT;
    ic.outcome = CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    ic.findings = "The visits were stopped in error";
    ic.summary = sum;
    return ic;
}

Test(reporting_apply,
     L1_completion_keeps_each_actions_number_due_and_done_days_and_a_count_of_lessons)
{
    Candour__V1__ActionDue a1 = CANDOUR__V1__ACTION_DUE__INIT, a2 = CANDOUR__V1__ACTION_DUE__INIT,
                           a3 = CANDOUR__V1__ACTION_DUE__INIT;
    a1.number = 1;
    a1.due = "2026-07-31";
    a1.done = 1;
    a1.done_on = "2026-07-01";
    a2.number = 2;
    a2.due = "2026-09-30";
    a3.number = 3;
    a3.due = "Priya's ward, soon"; /* not a day: not kept */
    Candour__V1__ActionDue *dues[] = {&a1, &a2, &a3};
    Candour__V1__CaseSummary sum = CANDOUR__V1__CASE_SUMMARY__INIT;
    sum.actions = 1;
    sum.n_action_dues = 3;
    sum.action_dues = dues;
    sum.lessons = 2;
    Candour__V1__InvestigationCompleted ic = s_completed_with(&sum);
    Candour__V1__Envelope e = s_env("investigation.completed", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &ic.base, &ch), 1);
    cr_expect_str_eq(s_val(&ch, "lessons"), "2");
    cr_expect_eq(rp_change_col(&ch, "lessons")->merge, RP_LATEST);
    cr_expect_str_eq(rp_change_col(&ch, "lessons")->stamp, "actions_us");
    cr_assert(ch.actions_set);
    cr_expect_eq(ch.actions_us, S_JUNE_1);
    cr_assert_eq(ch.nactions, 2);
    cr_expect_eq(ch.actions[0].n, 1);
    cr_expect_str_eq(ch.actions[0].due, "2026-07-31");
    cr_expect_str_eq(ch.actions[0].done_on, "2026-07-01");
    cr_expect_eq(ch.actions[1].n, 2);
    cr_expect_str_eq(ch.actions[1].done_on, "");
    s_assert_no_personal(&ch);
}

Test(reporting_apply, L1_a_completion_from_before_the_action_list_replaces_no_actions)
{
    /* Actions recorded but none listed: an event older than the list. */
    Candour__V1__CaseSummary sum = CANDOUR__V1__CASE_SUMMARY__INIT;
    sum.actions = 1;
    Candour__V1__InvestigationCompleted ic = s_completed_with(&sum);
    Candour__V1__Envelope e = s_env("investigation.completed", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &ic.base, &ch), 1);
    cr_expect_not(ch.actions_set);
    /* No actions at all: the list (empty) replaces any older one. */
    sum.actions = 0;
    cr_assert_eq(rp_apply(&e, &ic.base, &ch), 1);
    cr_expect(ch.actions_set);
    cr_expect_eq(ch.nactions, 0);
    cr_expect_str_eq(s_val(&ch, "lessons"), "0");
}

Test(reporting_apply, statements_for_actions_replace_older_and_ignore_late_older_completions)
{
    Candour__V1__ActionDue a1 = CANDOUR__V1__ACTION_DUE__INIT;
    a1.number = 1;
    a1.due = "2026-07-31";
    Candour__V1__ActionDue *dues[] = {&a1};
    Candour__V1__CaseSummary sum = CANDOUR__V1__CASE_SUMMARY__INIT;
    sum.actions = 1;
    sum.n_action_dues = 1;
    sum.action_dues = dues;
    Candour__V1__InvestigationCompleted ic = s_completed_with(&sum);
    Candour__V1__Envelope e = s_env("investigation.completed", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &ic.base, &ch), 1);
    s_stmts_t *s = calloc(1, sizeof *s);
    cr_assert_eq(rp_sql(&ch, s_keep, s), 0);
    cr_assert_eq(s->n, 4,
                 "the complaint, the older aspects gone, the older actions gone, the action");
    cr_expect(strstr(s->sql[2], "DELETE FROM reporting.action WHERE reference = $1 AND"
                                " recorded_us < $2::bigint"),
              "%s", s->sql[2]);
    cr_expect(strstr(s->sql[3], "WHERE NOT EXISTS (SELECT 1 FROM reporting.action WHERE"
                                " reference = $1::text AND recorded_us > $5::bigint)"),
              "%s", s->sql[3]);
    cr_expect_str_eq(s->values[3][1], "1");
    cr_expect_str_eq(s->values[3][2], "2026-07-31");
    cr_expect_str_eq(s->values[3][3], "<NULL>");
    cr_expect(!strstr(s->sql[3], "2026-07-31"), "a value pasted into the statement");
    free(s);
}

Test(reporting_apply, L1_an_action_done_later_sets_its_day_done_by_its_number)
{
    Candour__V1__ActionDone a = CANDOUR__V1__ACTION_DONE__INIT;
    a.number = 2;
    a.due = "2026-07-31";
    a.done_on = "2026-08-02";
    Candour__V1__Envelope e = s_env("action.done", S_JUNE_1);
    rp_change_t ch;
    cr_assert_eq(rp_apply(&e, &a.base, &ch), 1);
    cr_assert(ch.action_done);
    cr_expect_not(ch.actions_set, "one action changes, the others stay");
    cr_expect_eq(ch.actions[0].n, 2);
    cr_expect_str_eq(ch.actions[0].done_on, "2026-08-02");
    s_stmts_t *s = calloc(1, sizeof *s);
    cr_assert_eq(rp_sql(&ch, s_keep, s), 0);
    cr_assert_eq(s->n, 2, "the complaint's row, the action");
    cr_expect(strstr(s->sql[1], "UPDATE reporting.action SET done_on = $3::date"
                                " WHERE reference = $1 AND n = $2::integer"),
              "%s", s->sql[1]);
    cr_expect_str_eq(s->values[1][1], "2");
    cr_expect_str_eq(s->values[1][2], "2026-08-02");
    free(s);
    /* No day, or no number: nothing kept. */
    a.done_on = "";
    cr_expect_eq(rp_apply(&e, &a.base, &ch), 0);
    a.done_on = "2026-08-02";
    a.number = 0;
    cr_expect_eq(rp_apply(&e, &a.base, &ch), 0);
}
