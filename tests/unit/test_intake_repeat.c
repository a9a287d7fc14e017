/* test_intake_repeat.c - the same complainant and the 12 months before
 * (services/intake/repeat.h, issue 15 L1: repeats): the rules intake uses to
 * say in complaint.received that the complainant complained to the body
 * before. */
#include <criterion/criterion.h>

#include "candour/calendar.h"
#include "repeat.h"

static Candour__V1__Person s_person(char *name, char *postcode, char *email)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = name;
    p.postcode = postcode;
    p.email = email;
    return p;
}

Test(intake_repeat, same_email_address_case_and_blanks_around_it_ignored_is_the_same_complainant)
{
    Candour__V1__Person a = s_person("Ann Lee", "LS1 1AA", "Ann.Lee@Example.ORG");
    Candour__V1__Person b = s_person("A. Lee", "", " ann.lee@example.org\t");
    cr_expect(in_same_complainant(&a, &b));
    cr_expect(in_same_complainant(&b, &a));
    Candour__V1__Person c = s_person("Ann Lee", "", "ann.lee@example.com");
    cr_expect_not(in_same_complainant(&a, &c), "another address, no postcode to compare");
}

Test(intake_repeat, same_name_and_postcode_normalised_is_the_same_complainant_even_by_new_email)
{
    Candour__V1__Person a = s_person("Mary-Jane O'Brien", "sw1a 1aa", "mj@example.org");
    Candour__V1__Person b = s_person("mary jane obrien", "SW1A1AA", "");
    Candour__V1__Person c = s_person("MARY JANE O BRIEN", " SW1A  1AA ", "new@example.net");
    cr_expect(in_same_complainant(&a, &b));
    cr_expect(in_same_complainant(&a, &c));
}

Test(intake_repeat, same_name_elsewhere_or_another_name_at_the_postcode_is_not)
{
    Candour__V1__Person a = s_person("John Smith", "LS1 1AA", "");
    Candour__V1__Person b = s_person("John Smith", "LS2 2BB", "");
    Candour__V1__Person c = s_person("Jane Smith", "LS1 1AA", "");
    cr_expect_not(in_same_complainant(&a, &b));
    cr_expect_not(in_same_complainant(&a, &c));
}

Test(intake_repeat, nothing_to_compare_is_not_the_same_complainant)
{
    Candour__V1__Person a = s_person("", "", "");
    Candour__V1__Person b = s_person("", "", "");
    cr_expect_not(in_same_complainant(&a, &b), "two people with no details");
    Candour__V1__Person c = s_person("", "LS1 1AA", "");
    Candour__V1__Person d = s_person("", "LS1 1AA", "");
    cr_expect_not(in_same_complainant(&c, &d), "a postcode without a name");
    cr_expect_not(in_same_complainant(&a, NULL));
    cr_expect_not(in_same_complainant(NULL, NULL));
}

Test(intake_repeat, the_keys_compared)
{
    char k[64];
    in_email_key("  Ann@X.Org ", k, sizeof k);
    cr_expect_str_eq(k, "ann@x.org");
    in_name_key("Mary-Jane O'Brien", k, sizeof k);
    cr_expect_str_eq(k, "maryjaneobrien");
    in_postcode_key("sw1a 1aa", k, sizeof k);
    cr_expect_str_eq(k, "SW1A1AA");
    in_postcode_key(NULL, k, sizeof k);
    cr_expect_str_eq(k, "");
    in_name_key("Zoë Ng", k, sizeof k);
    cr_expect_str_eq(k, "zoëng", "a letter of another script is kept as it is");
}

/* Noon UTC of a day, in microseconds. */
static int64_t s_noon(int y, int m, int d)
{
    cd_date_t day = {y, m, d};
    return ((int64_t)cd_date_to_days(day) * 86400 + 12 * 3600) * 1000000;
}

Test(intake_repeat, in_the_12_months_before_is_from_the_same_day_a_year_earlier)
{
    int64_t now = s_noon(2026, 3, 10);
    cr_expect(in_repeat_window(s_noon(2025, 3, 10), now), "the same day a year before");
    cr_expect_not(in_repeat_window(s_noon(2025, 3, 9), now), "a day more than a year before");
    cr_expect(in_repeat_window(s_noon(2026, 3, 10) - 1, now), "a moment before, the same day");
    cr_expect_not(in_repeat_window(now, now), "not before it");
    cr_expect_not(in_repeat_window(s_noon(2026, 3, 11), now), "after it");
    /* 29 February: a year before is the 28th. */
    int64_t leap = s_noon(2028, 2, 29);
    cr_expect(in_repeat_window(s_noon(2027, 2, 28), leap));
    cr_expect_not(in_repeat_window(s_noon(2027, 2, 27), leap));
}
