/* test_lifecycle.c - the one lifecycle table (common/src/lifecycle.c).
 *
 * Walks every row; proves every state is reachable from "not known yet" and
 * that every state that is not closed can still reach a closed one; checks
 * the names against the proto enum; and checks the answers the services ask
 * of it: what routing steps through, what intake may still do (amend,
 * withdraw: defect 5), what is late and what is refused; and what each row
 * asks for besides its state: a referral to the body a complaint is sent on
 * to, the consent asked for, the response shared with the partners (N2). */
#include <criterion/criterion.h>
#include <string.h>

#include "candour/lifecycle.h"

#define S(x) CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_##x

Test(lifecycle, every_row_names_known_states_and_events_and_applies_as_written)
{
    int n = 0;
    const cd_lc_row_t *rows = cd_lc_rows(&n);
    cr_assert_gt(n, 20);
    for (int i = 0; i < n; i++) {
        cr_assert((int)rows[i].event >= 0 && rows[i].event < CD_LC_EVENT_COUNT, "row %d", i);
        cr_assert(*cd_lc_event_name(rows[i].event), "row %d has an unnamed event", i);
        cr_assert((int)rows[i].to >= 0 && rows[i].to < CD_STATE_COUNT, "row %d", i);
        cr_assert_neq(rows[i].from, 0UL, "row %d applies in no state", i);
        for (int s = 0; s < CD_STATE_COUNT; s++) {
            if (!(rows[i].from & (1UL << s)))
                continue;
            /* The first row for (state, event) is the one that applies: a
             * later row for the same pair would never be read. */
            int first = 1;
            for (int j = 0; j < i; j++)
                if (rows[j].event == rows[i].event && (rows[j].from & (1UL << s)))
                    first = 0;
            cr_assert(first, "row %d repeats (%s, %s)", i, cd_state_name((cd_state_t)s),
                      cd_lc_event_name(rows[i].event));
            cd_lc_step_t st = cd_lc_step((cd_state_t)s, rows[i].event);
            cr_assert_eq(st.verdict, CD_LC_MOVES);
            cr_assert_eq(st.to, rows[i].to == S(UNSPECIFIED) ? (cd_state_t)s : rows[i].to,
                         "row %d from %s", i, cd_state_name((cd_state_t)s));
            cr_assert_eq(st.actions, rows[i].actions);
        }
    }
}

Test(lifecycle, every_state_of_the_enum_has_its_stored_name_and_back)
{
    cr_assert_eq(CD_STATE_COUNT, (int)candour__v1__complaint_state__descriptor.n_values);
    for (int s = 1; s < CD_STATE_COUNT; s++) {
        const char *name = cd_state_name((cd_state_t)s);
        cr_assert(*name, "state %d has no name", s);
        cr_assert_eq(cd_state_from_name(name), (cd_state_t)s, "%s", name);
        /* The stored name is the enum's own, lower case with hyphens. */
        const ProtobufCEnumValue *v =
            protobuf_c_enum_descriptor_get_value(&candour__v1__complaint_state__descriptor, s);
        char want[64];
        size_t k = 0;
        for (const char *p = v->name + strlen("COMPLAINT_STATE_"); *p && k + 1 < sizeof want; p++)
            want[k++] = *p == '_' ? '-' : (char)(*p - 'A' + 'a');
        want[k] = 0;
        cr_assert_str_eq(name, want);
    }
    cr_assert_eq(cd_state_from_name("no-such-state"), S(UNSPECIFIED));
    cr_assert_eq(cd_state_from_name(""), S(UNSPECIFIED));
    cr_assert_str_eq(cd_state_name((cd_state_t)99), "");
}

/* The states reachable from `from` by the table's moves. */
static unsigned long s_reachable(cd_state_t from)
{
    int n = 0;
    const cd_lc_row_t *rows = cd_lc_rows(&n);
    unsigned long seen = 1UL << from;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < n; i++)
            if ((rows[i].from & seen) && rows[i].to != S(UNSPECIFIED) &&
                !(seen & (1UL << rows[i].to))) {
                seen |= 1UL << rows[i].to;
                changed = 1;
            }
    }
    return seen;
}

Test(lifecycle, no_state_is_unreachable)
{
    unsigned long seen = s_reachable(S(UNSPECIFIED));
    for (int s = 1; s < CD_STATE_COUNT; s++)
        cr_assert(seen & (1UL << s), "%s cannot be reached", cd_state_name((cd_state_t)s));
}

Test(lifecycle, no_state_is_a_dead_end_unless_it_is_closed)
{
    unsigned long closed = 0;
    for (int s = 1; s < CD_STATE_COUNT; s++)
        if (cd_lc_closed((cd_state_t)s))
            closed |= 1UL << s;
    for (int s = 1; s < CD_STATE_COUNT; s++)
        cr_assert(cd_lc_closed((cd_state_t)s) || (s_reachable((cd_state_t)s) & closed),
                  "%s can never close", cd_state_name((cd_state_t)s));
    cr_assert(cd_lc_closed(S(RESPONSE_SENT)));
    cr_assert(cd_lc_closed(S(WITHDRAWN)));
    cr_assert_not(cd_lc_closed(S(UNDER_INVESTIGATION)));
    cr_assert_not(cd_lc_closed(S(AWAITING_CONSENT)));
}

Test(lifecycle, the_happy_path_moves_forward_step_by_step)
{
    static const struct {
        cd_lc_event_t ev;
        cd_state_t to;
    } path[] = {
        {CD_LC_RECEIVED, S(RECEIVED)},
        {CD_LC_TRIAGED_HANDLE_HERE, S(RECEIVED)},
        {CD_LC_CASE_OPENED, S(UNDER_INVESTIGATION)},
        {CD_LC_INVESTIGATION_COMPLETED, S(AWAITING_SIGN_OFF)},
        {CD_LC_RESPONSE_APPROVED, S(RESPONSE_APPROVED)},
        {CD_LC_RESPONSE_SENT, S(RESPONSE_SENT)},
    };
    cd_state_t s = S(UNSPECIFIED);
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        cd_lc_step_t st = cd_lc_step(s, path[i].ev);
        cr_assert_eq(st.verdict, CD_LC_MOVES, "%s", cd_lc_event_name(path[i].ev));
        cr_assert_eq(st.to, path[i].to, "%s", cd_lc_event_name(path[i].ev));
        s = st.to;
    }
    cr_assert(cd_lc_step(S(RESPONSE_APPROVED), CD_LC_RESPONSE_SENT).actions &
              CD_LC_A_MEET_RESPONSE);
    cr_assert(cd_lc_step(S(RESPONSE_APPROVED), CD_LC_RESPONSE_SENT).actions & CD_LC_A_CLOSE,
              "the response closes every open deadline, a partner's too (defect 3)");
}

Test(lifecycle, a_step_that_was_overtaken_is_late_never_a_move_back)
{
    cd_lc_step_t st = cd_lc_step(S(RESPONSE_APPROVED), CD_LC_CASE_OPENED);
    cr_assert_eq(st.verdict, CD_LC_LATE);
    cr_assert_eq(st.to, S(RESPONSE_APPROVED));
    cr_assert_eq(st.actions, 0u);
    cr_assert_eq(cd_lc_step(S(WITHDRAWN), CD_LC_RESPONSE_APPROVED).verdict, CD_LC_LATE);
    /* A step may overtake the one before it. */
    cr_assert_eq(cd_lc_step(S(RECEIVED), CD_LC_RESPONSE_APPROVED).verdict, CD_LC_MOVES);
}

Test(lifecycle, a_step_before_its_time_is_refused)
{
    /* A held complaint has not been handed to investigation. */
    cd_lc_step_t st = cd_lc_step(S(AWAITING_CONSENT), CD_LC_CASE_OPENED);
    cr_assert_eq(st.verdict, CD_LC_REFUSED);
    cr_assert_eq(st.to, S(AWAITING_CONSENT));
    cr_assert_eq(cd_lc_step(S(UNSPECIFIED), CD_LC_CASE_OPENED).verdict, CD_LC_REFUSED);
}

Test(lifecycle, I3_I5_I6_R2_what_triage_closes_cannot_be_withdrawn)
{
    /* Defect 5: intake let these be withdrawn while routing ignored it. */
    static const cd_state_t closed[] = {S(DECLINED_OUT_OF_TIME),
                                        S(APPEAL),
                                        S(NOT_REQUIRED),
                                        S(ALREADY_INVESTIGATED),
                                        S(PASSED_TO_PROVIDER),
                                        S(REDIRECTED_TO_NHSE),
                                        S(COORDINATED_BY_ANOTHER_BODY),
                                        S(COMPLIMENT),
                                        S(OUTSIDE_REGULATIONS),
                                        S(RESPONSE_SENT),
                                        S(WITHDRAWN)};
    for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++) {
        cr_assert_not(cd_lc_allows(closed[i], CD_LC_WITHDRAWN), "%s", cd_state_name(closed[i]));
        cr_assert(cd_lc_closed(closed[i]), "%s", cd_state_name(closed[i]));
    }
    static const cd_state_t open[] = {S(RECEIVED),          S(AWAITING_CONSENT),
                                      S(OUT_OF_TIME),       S(UNDER_INVESTIGATION),
                                      S(AWAITING_SIGN_OFF), S(RESPONSE_APPROVED)};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        cr_assert(cd_lc_allows(open[i], CD_LC_WITHDRAWN), "%s", cd_state_name(open[i]));
}

Test(lifecycle, I1_I2_I3_only_a_held_complaint_may_be_amended)
{
    cr_assert(cd_lc_allows(S(AWAITING_CONSENT), CD_LC_AMENDED));
    cr_assert(cd_lc_allows(S(AWAITING_SUMMARY_AGREEMENT), CD_LC_AMENDED));
    cr_assert(cd_lc_allows(S(OUT_OF_TIME), CD_LC_AMENDED));
    cr_assert_not(cd_lc_allows(S(RECEIVED), CD_LC_AMENDED));
    cr_assert_not(cd_lc_allows(S(UNDER_INVESTIGATION), CD_LC_AMENDED));
}

Test(lifecycle, R3_a_partners_part_is_taken_only_while_the_complaint_is_in_hand)
{
    cr_assert(cd_lc_allows(S(UNDER_INVESTIGATION), CD_LC_CONTRIBUTION));
    cr_assert_not(cd_lc_allows(S(AWAITING_SIGN_OFF), CD_LC_CONTRIBUTION),
                  "the outcome was recorded: nothing more to merge");
    cr_assert_not(cd_lc_allows(S(RESPONSE_SENT), CD_LC_CONTRIBUTION),
                  "a closed complaint gets nothing merged into it (defect 3)");
}

Test(lifecycle, R6_deadlines_are_watched_while_open_and_not_after)
{
    char names[CD_LC_NAMES_LEN];
    cd_lc_states_allowing(CD_LC_DEADLINE, names, sizeof names);
    cr_assert_str_eq(names, "{received,awaiting-consent,awaiting-summary-agreement,out-of-time,"
                            "under-investigation,awaiting-sign-off,response-approved}");
    cd_lc_states_allowing(CD_LC_CASE_OPENED, names, sizeof names);
    cr_assert_str_eq(names, "{received}");
}

Test(lifecycle, sign_off_and_investigation_ask_the_table)
{
    cr_assert(cd_lc_allows(S(UNDER_INVESTIGATION), CD_LC_INVESTIGATION_COMPLETED));
    cr_assert_not(cd_lc_allows(S(AWAITING_SIGN_OFF), CD_LC_INVESTIGATION_COMPLETED));
    cr_assert_not(cd_lc_allows(S(WITHDRAWN), CD_LC_INVESTIGATION_COMPLETED));
    cr_assert(cd_lc_allows(S(AWAITING_SIGN_OFF), CD_LC_RESPONSE_APPROVED));
    cr_assert_not(cd_lc_allows(S(RESPONSE_APPROVED), CD_LC_RESPONSE_APPROVED));
    cr_assert_not(cd_lc_allows(S(WITHDRAWN), CD_LC_RESPONSE_APPROVED));
}

Test(lifecycle, I5a_N2_what_triage_sends_on_is_referred_to_the_body_that_has_it)
{
    static const struct {
        cd_lc_event_t ev;
        cd_state_t to;
    } sent_on[] = {
        {CD_LC_TRIAGED_PASS_TO_PROVIDER, S(PASSED_TO_PROVIDER)},
        {CD_LC_TRIAGED_REDIRECT_NHSE, S(REDIRECTED_TO_NHSE)},
        {CD_LC_TRIAGED_ELSEWHERE, S(COORDINATED_BY_ANOTHER_BODY)},
    };
    static const cd_state_t before[] = {S(RECEIVED), S(AWAITING_CONSENT),
                                        S(AWAITING_SUMMARY_AGREEMENT), S(OUT_OF_TIME)};
    for (size_t i = 0; i < sizeof sent_on / sizeof sent_on[0]; i++)
        for (size_t j = 0; j < sizeof before / sizeof before[0]; j++) {
            cd_lc_step_t st = cd_lc_step(before[j], sent_on[i].ev);
            cr_assert_eq(st.to, sent_on[i].to);
            cr_assert(st.actions & CD_LC_A_REFER, "%s from %s: no referral",
                      cd_lc_event_name(sent_on[i].ev), cd_state_name(before[j]));
            cr_assert_not(st.actions & CD_LC_A_ROUTE, "investigated here as well");
        }
    /* Sent on once: the complaint is closed here, a second triage is late. */
    cd_lc_step_t again = cd_lc_step(S(PASSED_TO_PROVIDER), CD_LC_TRIAGED_PASS_TO_PROVIDER);
    cr_assert_eq(again.verdict, CD_LC_LATE);
    cr_assert_eq(again.actions, 0u);
}

Test(lifecycle, I5a_only_the_rows_that_send_it_on_refer)
{
    int n = 0;
    const cd_lc_row_t *rows = cd_lc_rows(&n);
    for (int i = 0; i < n; i++) {
        int sends_on = rows[i].event == CD_LC_TRIAGED_PASS_TO_PROVIDER ||
                       rows[i].event == CD_LC_TRIAGED_REDIRECT_NHSE ||
                       rows[i].event == CD_LC_TRIAGED_ELSEWHERE;
        cr_assert_eq(!!(rows[i].actions & CD_LC_A_REFER), sends_on, "row %d (%s)", i,
                     cd_lc_event_name(rows[i].event));
    }
}

Test(lifecycle, R2_N1_held_for_consent_asks_for_it_and_no_other_hold_does)
{
    static const cd_state_t before[] = {S(RECEIVED), S(AWAITING_CONSENT),
                                        S(AWAITING_SUMMARY_AGREEMENT), S(OUT_OF_TIME)};
    for (size_t j = 0; j < sizeof before / sizeof before[0]; j++) {
        cd_lc_step_t st = cd_lc_step(before[j], CD_LC_HELD_FOR_CONSENT);
        cr_assert_eq(st.to, S(AWAITING_CONSENT));
        cr_assert(st.actions & CD_LC_A_ASK_CONSENT, "from %s", cd_state_name(before[j]));
        cr_assert_not(cd_lc_step(before[j], CD_LC_HELD_FOR_SUMMARY).actions & CD_LC_A_ASK_CONSENT);
        cr_assert_not(cd_lc_step(before[j], CD_LC_HELD_OUT_OF_TIME).actions & CD_LC_A_ASK_CONSENT);
    }
    /* Once triaged it is held no more. */
    cr_assert_eq(cd_lc_step(S(UNDER_INVESTIGATION), CD_LC_HELD_FOR_CONSENT).actions, 0u);
    cr_assert_eq(cd_lc_step(S(PASSED_TO_PROVIDER), CD_LC_HELD_FOR_CONSENT).actions, 0u);
}

Test(lifecycle, R3_N2_the_approved_response_goes_to_the_partners_once)
{
    static const cd_state_t before[] = {S(RECEIVED), S(UNDER_INVESTIGATION), S(AWAITING_SIGN_OFF)};
    for (size_t j = 0; j < sizeof before / sizeof before[0]; j++)
        cr_assert(cd_lc_step(before[j], CD_LC_RESPONSE_APPROVED).actions & CD_LC_A_SHARE_RESPONSE,
                  "from %s", cd_state_name(before[j]));
    /* Approved again, or after the letter went: late, nothing shared twice. */
    cr_assert_eq(cd_lc_step(S(RESPONSE_APPROVED), CD_LC_RESPONSE_APPROVED).actions, 0u);
    cr_assert_eq(cd_lc_step(S(RESPONSE_SENT), CD_LC_RESPONSE_APPROVED).actions, 0u);
    cr_assert_eq(cd_lc_step(S(WITHDRAWN), CD_LC_RESPONSE_APPROVED).actions, 0u);
}
