/* test_reporting_ko41.c - the national returns' counting (DOMAIN.md L2a):
 * KO41a's counting rule over a small list of categories, KO41b's columns
 * over one body's complaints, the refusals, and both CSV layouts. Every
 * expected number is worked out by hand in the comments. */
#include <criterion/criterion.h>
#include <string.h>

#include "candour/calendar.h"
#include "ko41.h"

/* A cut-down list: the real one is data (deploy/categories/ko41a.csv). */
static const ko41_category_t s_cats[] = {
    {KO41_SEC_AGE, "0-17", "Under 18", NULL},                               /* 0 */
    {KO41_SEC_AGE, "18-64", "18 to 64", NULL},                              /* 1 */
    {KO41_SEC_AGE, "65-plus", "65 and over", NULL},                         /* 2 */
    {KO41_SEC_AGE, "unknown", "Not known", NULL},                           /* 3 */
    {KO41_SEC_STATUS, "patient", "Patient", NULL},                          /* 4 */
    {KO41_SEC_STATUS, "on-behalf", "Someone on behalf of a patient", NULL}, /* 5 */
    {KO41_SEC_SERVICE, "inpatient", "Acute services: inpatients", NULL},    /* 6 */
    {KO41_SEC_SERVICE, "outpatient", "Acute services: outpatients", NULL},  /* 7 */
    {KO41_SEC_SERVICE, "a-and-e", "Accident and emergency", NULL},          /* 8 */
    {KO41_SEC_CLINICAL, "diagnosis", "Diagnosis", "clinical-treatment"},    /* 9 */
    {KO41_SEC_CLINICAL, "surgery", "Surgery", "clinical-treatment"},        /* 10 */
    {KO41_SEC_SUBJECT, "clinical-treatment", "Clinical treatment", NULL},   /* 11 */
    {KO41_SEC_SUBJECT, "communications", "Communications", NULL},           /* 12 */
    {KO41_SEC_SUBJECT, "waiting-times", "Waiting times", NULL},             /* 13 */
    {KO41_SEC_PROFESSION, "medical", "Medical", NULL},                      /* 14 */
    {KO41_SEC_PROFESSION, "nursing", "Nursing", NULL},                      /* 15 */
    {KO41_SEC_PROFESSION, "admin", "Administrative staff", NULL},           /* 16 */
};
#define N_CATS (sizeof s_cats / sizeof s_cats[0])

static const char *const s_med[] = {"medical"};
static const char *const s_med_nurse[] = {"medical", "nursing"};
static const char *const s_nurse[] = {"nursing"};
static const char *const s_admin[] = {"admin"};
static const char *const s_med_med[] = {"medical", "medical"};

/* Five complaints; what each counts under:
 *   C1 18-64, patient, upheld: clinical-treatment twice (diagnosis, surgery),
 *      inpatient twice, medical twice + nursing
 *      -> clinical-treatment 1, diagnosis 1, surgery 1, inpatient 1,
 *         medical 1, nursing 1
 *   C2 65+, on behalf, partially upheld: communications/outpatient/admin and
 *      clinical-treatment/diagnosis/inpatient/nursing -> one each of those
 *   C3 65+, patient, open, no aspects yet -> age and status only
 *   C4 unknown age, on behalf, not upheld: waiting times at A&E, twice
 *      -> waiting-times 1, a-and-e 1
 *   C5 18-64, patient, withdrawn: communications at outpatients, "medical"
 *      named twice in one aspect -> communications 1, outpatient 1, medical 1 */
static const ko41_aspect_t s_c1[] = {
    {"clinical-treatment", "diagnosis", "inpatient", s_med, 1},
    {"clinical-treatment", "surgery", "inpatient", s_med_nurse, 2},
};
static const ko41_aspect_t s_c2[] = {
    {"communications", NULL, "outpatient", s_admin, 1},
    {"clinical-treatment", "diagnosis", "inpatient", s_nurse, 1},
};
static const ko41_aspect_t s_c4[] = {
    {"waiting-times", NULL, "a-and-e", NULL, 0},
    {"waiting-times", NULL, "a-and-e", NULL, 0},
};
static const ko41_aspect_t s_c5[] = {
    {"communications", NULL, "outpatient", s_med_med, 2},
};
static const ko41_complaint_t s_complaints[] = {
    {"18-64", "patient", KO41_UPHELD, s_c1, 2},
    {"65-plus", "on-behalf", KO41_PARTIALLY_UPHELD, s_c2, 2},
    {"65-plus", "patient", KO41_OPEN, NULL, 0},
    {"unknown", "on-behalf", KO41_NOT_UPHELD, s_c4, 2},
    {"18-64", "patient", KO41_WITHDRAWN, s_c5, 1},
};

static long s_count(const ko41a_t *r, ko41_section_t sec, const char *code)
{
    for (size_t i = 0; i < N_CATS; i++)
        if (s_cats[i].section == sec && strcmp(s_cats[i].code, code) == 0)
            return r->counts[i];
    cr_assert_fail("no category %s", code);
    return -1;
}

Test(reporting_ko41, L2a_a_complaint_counts_once_in_the_total_and_once_under_each_distinct_category)
{
    long counts[N_CATS];
    ko41a_t r = {.counts = counts};
    cd_fail_t f = {0};
    cr_assert_eq(ko41a_count(s_cats, N_CATS, s_complaints, 5, &r, &f), 0, "%s: %s", f.field,
                 f.message);
    /* Summary: 5 received; C1 upheld, C2 partially, C4 not upheld (C3 open
     * and C5 withdrawn are in the total only). */
    cr_assert_eq(r.total, 5);
    cr_assert_eq(r.upheld, 1);
    cr_assert_eq(r.partially_upheld, 1);
    cr_assert_eq(r.not_upheld, 1);
    /* Age: 0-17 none; 18-64 C1 C5 = 2; 65+ C2 C3 = 2; unknown C4 = 1. */
    const long age[] = {0, 2, 2, 1};
    /* Status: patient C1 C3 C5 = 3; on behalf C2 C4 = 2. */
    const long status[] = {3, 2};
    /* Service: inpatient C1 C2 = 2; outpatient C2 C5 = 2; A&E C4 = 1. */
    const long service[] = {2, 2, 1};
    /* Clinical sub-categories: diagnosis C1 C2 = 2; surgery C1 = 1. */
    const long clinical[] = {2, 1};
    /* Subject: clinical treatment C1 C2 = 2 (not 3: C1 is one complaint);
     * communications C2 C5 = 2; waiting times C4 = 1 (not 2). */
    const long subject[] = {2, 2, 1};
    /* Profession: medical C1 C5 = 2; nursing C1 C2 = 2; admin C2 = 1. */
    const long profession[] = {2, 2, 1};
    const long *want[] = {age, status, service, clinical, subject, profession};
    size_t k[KO41_SEC_COUNT] = {0};
    for (size_t i = 0; i < N_CATS; i++) {
        ko41_section_t s = s_cats[i].section;
        cr_assert_eq(counts[i], want[s][k[s]], "%s %s: %ld", ko41_section_name(s), s_cats[i].code,
                     counts[i]);
        k[s]++;
    }
}

Test(reporting_ko41, L2a_two_aspects_in_one_subject_area_count_the_complaint_once_there)
{
    long counts[N_CATS];
    ko41a_t r = {.counts = counts};
    cd_fail_t f = {0};
    ko41a_zero(&r, N_CATS);
    /* C4 alone: two aspects, both waiting times at A&E: 1 and 1, not 2. */
    cr_assert_eq(ko41a_add(s_cats, N_CATS, &s_complaints[3], &r, &f), 0, "%s", f.message);
    cr_assert_eq(r.total, 1);
    cr_assert_eq(s_count(&r, KO41_SEC_SUBJECT, "waiting-times"), 1);
    cr_assert_eq(s_count(&r, KO41_SEC_SERVICE, "a-and-e"), 1);
    /* Adding it again is another complaint: 2. */
    cr_assert_eq(ko41a_add(s_cats, N_CATS, &s_complaints[3], &r, &f), 0, "%s", f.message);
    cr_assert_eq(s_count(&r, KO41_SEC_SUBJECT, "waiting-times"), 2);
    cr_assert_eq(r.total, 2);
}

Test(reporting_ko41, L2a_age_and_status_each_sum_to_the_total_and_subjects_may_not)
{
    long counts[N_CATS];
    ko41a_t r = {.counts = counts};
    cd_fail_t f = {0};
    cr_assert_eq(ko41a_count(s_cats, N_CATS, s_complaints, 5, &r, &f), 0);
    long age = 0, status = 0, subject = 0;
    for (size_t i = 0; i < N_CATS; i++) {
        age += s_cats[i].section == KO41_SEC_AGE ? counts[i] : 0;
        status += s_cats[i].section == KO41_SEC_STATUS ? counts[i] : 0;
        subject += s_cats[i].section == KO41_SEC_SUBJECT ? counts[i] : 0;
    }
    cr_assert_eq(age, 5);
    cr_assert_eq(status, 5);
    /* 2 + 2 + 1 = 5 here by chance of the data: C2 counts twice, C3 none. */
    cr_assert_eq(subject, 5);
}

static void s_refused(const ko41_complaint_t *cs, size_t n, const char *code, const char *field,
                      const char *in_message)
{
    long counts[N_CATS];
    ko41a_t r = {.counts = counts};
    cd_fail_t f = {0};
    cr_assert_eq(ko41a_count(s_cats, N_CATS, cs, n, &r, &f), -1, "accepted; wanted %s", field);
    cr_assert_str_eq(cd_code_name(f.code), code, "%s: %s", f.field, f.message);
    cr_assert_str_eq(f.field, field, "%s", f.message);
    cr_assert(strstr(f.message, in_message), "message: %s", f.message);
    cr_assert_eq(r.total, 0, "nothing counted after a refusal");
    for (size_t i = 0; i < N_CATS; i++)
        cr_assert_eq(counts[i], 0);
}

Test(reporting_ko41, L2a_a_subject_code_not_in_the_list_is_refused_naming_it)
{
    const ko41_aspect_t bad[] = {{"parking", NULL, "inpatient", NULL, 0}};
    const ko41_complaint_t cs[] = {s_complaints[0], {"18-64", "patient", KO41_OPEN, bad, 1}};
    s_refused(cs, 2, "INVALID_ENUM", "complaints[1].aspects[0].subject", "\"parking\"");
}

Test(reporting_ko41, L2a_a_code_of_another_section_is_not_a_subject_area)
{
    const ko41_aspect_t bad[] = {{"inpatient", NULL, "inpatient", NULL, 0}};
    const ko41_complaint_t cs[] = {{"18-64", "patient", KO41_OPEN, bad, 1}};
    s_refused(cs, 1, "INVALID_ENUM", "complaints[0].aspects[0].subject", "\"inpatient\"");
}

Test(reporting_ko41, L2a_an_unknown_profession_is_refused_naming_its_place)
{
    static const char *const profs[] = {"nursing", "porter"};
    const ko41_aspect_t bad[] = {{"communications", NULL, "inpatient", profs, 2}};
    const ko41_complaint_t cs[] = {{"18-64", "patient", KO41_OPEN, bad, 1}};
    s_refused(cs, 1, "INVALID_ENUM", "complaints[0].aspects[0].professions[1]", "\"porter\"");
}

Test(reporting_ko41, L2a_a_missing_age_band_or_service_area_is_required)
{
    const ko41_complaint_t no_age[] = {{NULL, "patient", KO41_OPEN, NULL, 0}};
    s_refused(no_age, 1, "REQUIRED", "complaints[0].age_band", "age band");
    const ko41_aspect_t bad[] = {{"communications", NULL, "", NULL, 0}};
    const ko41_complaint_t no_service[] = {{"18-64", "patient", KO41_OPEN, bad, 1}};
    s_refused(no_service, 1, "REQUIRED", "complaints[0].aspects[0].service", "service area");
}

Test(reporting_ko41, L2a_a_clinical_sub_category_belongs_to_clinical_treatment_only)
{
    const ko41_aspect_t bad[] = {{"communications", "surgery", "inpatient", NULL, 0}};
    const ko41_complaint_t cs[] = {{"18-64", "patient", KO41_OPEN, bad, 1}};
    s_refused(cs, 1, "INVALID_ARGUMENT", "complaints[0].aspects[0].clinical", "\"surgery\"");
}

Test(reporting_ko41, L2a_a_category_list_with_a_code_twice_or_an_orphan_sub_category_is_refused)
{
    cd_fail_t f = {0};
    const ko41_category_t twice[] = {
        {KO41_SEC_SUBJECT, "consent", "Consent", NULL},
        {KO41_SEC_SERVICE, "consent", "Consent (a service area: allowed)", NULL},
        {KO41_SEC_SUBJECT, "consent", "Consent again", NULL},
    };
    cr_assert_eq(ko41_categories_check(twice, 3, &f), -1);
    cr_assert_eq(f.code, CD_CODE_ALREADY_EXISTS);
    cr_assert_str_eq(f.field, "categories[2].code");
    const ko41_category_t orphan[] = {
        {KO41_SEC_CLINICAL, "diagnosis", "Diagnosis", "clinical-treatment"},
        {KO41_SEC_SUBJECT, "consent", "Consent", NULL},
    };
    cr_assert_eq(ko41_categories_check(orphan, 2, &f), -1);
    cr_assert_eq(f.code, CD_CODE_INVALID_ENUM);
    cr_assert_str_eq(f.field, "categories[0].parent");
    cr_assert_eq(ko41_categories_check(s_cats, N_CATS, &f), 0, "%s", f.message);
}

/* ------------------------------------------------------------------- KO41b */

static cd_date_t s_d(const char *ymd)
{
    cd_date_t d;
    cr_assert_eq(cd_date_parse(ymd, &d), 0, "%s", ymd);
    return d;
}

#define OPEN(rcv)                                                                                  \
    {                                                                                              \
        s_d(rcv), 0, {0, 0, 0}, KO41_OPEN                                                          \
    }
#define DONE(rcv, res, o)                                                                          \
    {                                                                                              \
        s_d(rcv), 1, s_d(res), o                                                                   \
    }

Test(reporting_ko41, L2a_ko41b_carried_forward_is_brought_forward_plus_new_minus_resolved)
{
    /* Period 2025-04-01 .. 2026-03-31.
     *   B1  rcv 2025-01-10, resolved 2025-03-20 upheld   before: not counted
     *   B2  rcv 2025-02-01, resolved 2025-04-01 not up.  bf, resolved (first day)
     *   B3  rcv 2025-03-31, open                         bf, still open
     *   B4  rcv 2025-04-01, resolved 2025-06-30 upheld   new, resolved
     *   B5  rcv 2025-09-15, resolved 2026-03-31 partial  new, resolved (last day)
     *   B6  rcv 2025-11-02, resolved 2026-04-01 upheld   new, open at the end
     *   B7  rcv 2026-03-31, open                         new, open
     *   B8  rcv 2026-04-01, open                         after: not counted
     *   B9  rcv 2025-12-01, resolved 2026-01-05 withdrawn new, resolved
     *   B10 rcv 2024-10-01, resolved 2025-05-05 upheld   bf, resolved
     * brought forward B2 B3 B10 = 3; new B4 B5 B6 B7 B9 = 5;
     * resolved B2 B4 B5 B9 B10 = 5: upheld B4 B10 = 2, partially B5 = 1,
     * not upheld B2 = 1, withdrawn B9 = 1 (2 + 1 + 1 + 1 = 5);
     * carried forward 3 + 5 - 5 = 3, and indeed open on 31 March: B3 B6 B7. */
    const ko41b_complaint_t cs[] = {
        DONE("2025-01-10", "2025-03-20", KO41_UPHELD),
        DONE("2025-02-01", "2025-04-01", KO41_NOT_UPHELD),
        OPEN("2025-03-31"),
        DONE("2025-04-01", "2025-06-30", KO41_UPHELD),
        DONE("2025-09-15", "2026-03-31", KO41_PARTIALLY_UPHELD),
        DONE("2025-11-02", "2026-04-01", KO41_UPHELD),
        OPEN("2026-03-31"),
        OPEN("2026-04-01"),
        DONE("2025-12-01", "2026-01-05", KO41_WITHDRAWN),
        DONE("2024-10-01", "2025-05-05", KO41_UPHELD),
    };
    ko41b_t r;
    cd_fail_t f = {0};
    cr_assert_eq(ko41b_count(s_d("2025-04-01"), s_d("2026-03-31"), cs, 10, &r, &f), 0, "%s",
                 f.message);
    cr_assert_eq(r.brought_forward, 3);
    cr_assert_eq(r.new_, 5);
    cr_assert_eq(r.resolved, 5);
    cr_assert_eq(r.upheld, 2);
    cr_assert_eq(r.partially_upheld, 1);
    cr_assert_eq(r.not_upheld, 1);
    cr_assert_eq(r.withdrawn, 1);
    cr_assert_eq(r.carried_forward, 3);
}

Test(reporting_ko41, L2a_ko41b_a_one_day_period_is_a_period_and_a_reversed_one_is_refused)
{
    const ko41b_complaint_t cs[] = {OPEN("2025-06-01"),
                                    DONE("2025-05-01", "2025-06-01", KO41_UPHELD)};
    ko41b_t r;
    cd_fail_t f = {0};
    /* One day, 1 June: the first is new; the second brought forward and
     * resolved that day: bf 1 + new 1 - resolved 1 = carried 1. */
    cr_assert_eq(ko41b_count(s_d("2025-06-01"), s_d("2025-06-01"), cs, 2, &r, &f), 0);
    cr_assert_eq(r.brought_forward, 1);
    cr_assert_eq(r.new_, 1);
    cr_assert_eq(r.resolved, 1);
    cr_assert_eq(r.carried_forward, 1);

    cr_assert_eq(ko41b_count(s_d("2025-06-02"), s_d("2025-06-01"), cs, 2, &r, &f), -1);
    cr_assert_eq(f.code, CD_CODE_INVALID_ARGUMENT);
    cr_assert_str_eq(f.field, "period.to");
    cr_assert_eq(r.new_ + r.brought_forward + r.carried_forward, 0);

    cd_date_t not_a_day = {2025, 2, 29};
    cr_assert_eq(ko41b_count(not_a_day, s_d("2025-06-01"), cs, 2, &r, &f), -1);
    cr_assert_eq(f.code, CD_CODE_INVALID_DATE);
    cr_assert_str_eq(f.field, "period.from");
}

Test(reporting_ko41, L2a_ko41b_a_complaint_resolved_before_it_arrived_or_without_outcome_is_refused)
{
    ko41b_t r;
    cd_fail_t f = {0};
    const ko41b_complaint_t early[] = {OPEN("2025-06-01"),
                                       DONE("2025-05-01", "2025-04-30", KO41_UPHELD)};
    cr_assert_eq(ko41b_count(s_d("2025-04-01"), s_d("2026-03-31"), early, 2, &r, &f), -1);
    cr_assert_eq(f.code, CD_CODE_INVALID_ARGUMENT);
    cr_assert_str_eq(f.field, "complaints[1].resolved");
    cr_assert_eq(r.new_, 0, "zeroed after a refusal");
    const ko41b_complaint_t no_outcome[] = {DONE("2025-05-01", "2025-05-30", KO41_OPEN)};
    cr_assert_eq(ko41b_count(s_d("2025-04-01"), s_d("2026-03-31"), no_outcome, 1, &r, &f), -1);
    cr_assert_eq(f.code, CD_CODE_REQUIRED);
    cr_assert_str_eq(f.field, "complaints[0].outcome");
}

/* --------------------------------------------------------------------- CSV */

Test(reporting_ko41, csv_ko41a_lists_every_category_in_order_with_zeros_and_quotes_labels)
{
    const ko41_category_t cats[] = {
        {KO41_SEC_SUBJECT, "admissions", "Admissions, discharge and \"transfers\"", NULL},
        {KO41_SEC_AGE, "0-17", "Under 18", NULL},
        {KO41_SEC_SUBJECT, "consent", "Consent", NULL},
    };
    long counts[] = {3, 0, 1};
    ko41a_t r = {.total = 4, .upheld = 1, .partially_upheld = 0, .not_upheld = 2, .counts = counts};
    ko41_ident_t id = {"RXX", NULL, {2025, 4, 1}, {2026, 3, 31}};
    char buf[2048];
    size_t n = ko41a_csv(&id, cats, 3, &r, buf, sizeof buf);
    /* Sections in the return's order (age before subject), each in list
     * order; the label with a comma and quotes enclosed, its quotes doubled. */
    const char *want =
        "organisation,site,period_start,period_end,section,code,label,count\r\n"
        "RXX,,2025-04-01,2026-03-31,summary,total,Total new written complaints received,4\r\n"
        "RXX,,2025-04-01,2026-03-31,summary,upheld,Upheld,1\r\n"
        "RXX,,2025-04-01,2026-03-31,summary,partially-upheld,Partially upheld,0\r\n"
        "RXX,,2025-04-01,2026-03-31,summary,not-upheld,Not upheld,2\r\n"
        "RXX,,2025-04-01,2026-03-31,age_of_patient,0-17,Under 18,0\r\n"
        "RXX,,2025-04-01,2026-03-31,subject_area,admissions,"
        "\"Admissions, discharge and \"\"transfers\"\"\",3\r\n"
        "RXX,,2025-04-01,2026-03-31,subject_area,consent,Consent,1\r\n";
    cr_assert_str_eq(buf, want);
    cr_assert_eq(n, strlen(want));
}

Test(reporting_ko41, csv_ko41b_writes_one_line_per_body)
{
    const char *orgs[] = {"Y0001", "Practice \"A\""};
    const ko41b_t rows[] = {{3, 5, 2, 1, 1, 1, 5, 3}, {0, 1, 0, 0, 0, 0, 0, 1}};
    char buf[512];
    ko41b_csv((cd_date_t){2025, 4, 1}, (cd_date_t){2026, 3, 31}, orgs, rows, 2, buf, sizeof buf);
    cr_assert_str_eq(buf, "organisation,period_start,period_end,brought_forward,new,upheld,"
                          "partially_upheld,not_upheld,resolved,carried_forward\r\n"
                          "Y0001,2025-04-01,2026-03-31,3,5,2,1,1,5,3\r\n"
                          "\"Practice \"\"A\"\"\",2025-04-01,2026-03-31,0,1,0,0,0,0,1\r\n");
}

Test(reporting_ko41, csv_a_short_buffer_is_cut_terminated_and_told_the_length_needed)
{
    const char *orgs[] = {"Y0001"};
    const ko41b_t rows[] = {{3, 5, 2, 1, 1, 1, 5, 3}};
    char big[512], small[16];
    size_t need =
        ko41b_csv((cd_date_t){2025, 4, 1}, (cd_date_t){2026, 3, 31}, orgs, rows, 1, NULL, 0);
    size_t got = ko41b_csv((cd_date_t){2025, 4, 1}, (cd_date_t){2026, 3, 31}, orgs, rows, 1, big,
                           sizeof big);
    cr_assert_eq(need, got);
    cr_assert_eq(need, strlen(big));
    cr_assert_eq(ko41b_csv((cd_date_t){2025, 4, 1}, (cd_date_t){2026, 3, 31}, orgs, rows, 1, small,
                           sizeof small),
                 need);
    cr_assert_eq(strlen(small), sizeof small - 1);
    cr_assert_eq(strncmp(small, big, sizeof small - 1), 0);
}
