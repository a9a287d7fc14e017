/* test_notify_spc_alert.c - an SPC signal as the complaints manager's alert
 * (alerts.c): its file-safe reference, and its text saying what rose, by how
 * much against the usual range, the rule and what to do; codes and numbers
 * only. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "letters.h"

static Candour__V1__SpcSignal s_signal(const char *dim, const char *code, const char *rule)
{
    Candour__V1__SpcSignal s = CANDOUR__V1__SPC_SIGNAL__INIT;
    s.org_id = "RX1";
    s.dimension = (char *)dim;
    s.code = (char *)code;
    s.month = "2026-10";
    s.rule = (char *)rule;
    s.value = 30;
    s.mean = 11.9;
    s.upper_limit = 19.3;
    s.points = 21;
    return s;
}

Test(spc_alert, the_reference_names_body_month_dimension_and_code_in_safe_characters)
{
    char ref[65];
    Candour__V1__SpcSignal s = s_signal("subject", "clinical_treatment/x.y", "increase");
    cr_assert_eq(nt_spc_reference(&s, ref, sizeof ref), 0);
    cr_assert_str_eq(ref, "SPC-RX1-202610-subject-clinical-treatment-x-y");
    cr_assert(nt_safe_reference(ref));
    s = s_signal("provider", "RX1", "increase");
    cr_assert_eq(nt_spc_reference(&s, ref, sizeof ref), 0);
    cr_assert_str_eq(ref, "SPC-RX1-202610-total");
    /* At most 64 characters, still safe. */
    s = s_signal("service", "a-very-long-service-area-code-that-goes-on-and-on-and-on-x",
                 "cluster");
    cr_assert_eq(nt_spc_reference(&s, ref, sizeof ref), 0);
    cr_assert_eq(strlen(ref), 64);
    cr_assert(nt_safe_reference(ref));
}

Test(spc_alert, a_signal_without_a_known_dimension_or_a_month_is_refused)
{
    char ref[65];
    Candour__V1__SpcSignal s = s_signal("ward", "x", "increase");
    cr_assert_eq(nt_spc_reference(&s, ref, sizeof ref), -1);
    s = s_signal("subject", "x", "increase");
    s.month = "2026-13";
    cr_assert_eq(nt_spc_reference(&s, ref, sizeof ref), -1);
    cr_assert_null(nt_spc_detail(&s));
    s = s_signal("subject", "x", "went-up");
    cr_assert_null(nt_spc_detail(&s));
}

Test(spc_alert, the_text_says_what_rose_by_how_much_which_rule_and_what_to_do)
{
    Candour__V1__SpcSignal s = s_signal("subject", "clinical-treatment", "increase");
    char *detail = nt_spc_detail(&s);
    cr_assert_not_null(detail);
    char *text = nt_render_alert_of("spc", "SPC-RX1-202610-subject-clinical-treatment", NULL,
                                    detail, "2026-11-01T06:00:00Z");
    cr_assert_not_null(text);
    cr_assert(strstr(text, "RISE IN COMPLAINTS"), "%s", text);
    cr_assert(strstr(text, "complaints under the subject clinical-treatment"), "%s", text);
    cr_assert(strstr(text,
                     "Count:     30, 10.7 more than the top of the usual range (up to 19.3 a month;"
                     " the average is 11.9)"),
              "%s", text);
    cr_assert(strstr(text, "increase: above the upper process limit"), "%s", text);
    /* The report of the chart's 21 months: 2025-02 to the end of 2026-10. */
    cr_assert(strstr(text, "candourctl report spc --org RX1 --from 2025-02-01 --to 2026-10-31"),
              "%s", text);
    cr_assert(strstr(text, "signal to look, not a finding"), "%s", text);
    free(text);
    free(detail);

    /* A run within the limits: said against the average. */
    s = s_signal("service", "inpatient", "sustained-increase");
    s.value = 12;
    detail = nt_spc_detail(&s);
    cr_assert(strstr(detail, "12, 0.1 above the average of 11.9 (the usual range goes up to 19.3"),
              "%s", detail);
    cr_assert(strstr(detail, "service area inpatient"), "%s", detail);
    free(detail);
}
