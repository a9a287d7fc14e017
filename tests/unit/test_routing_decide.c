/* test_routing_decide.c - routing's state machine: one event at a time.
 *
 * rt_decide takes what routing knows of a complaint and one event, and gives
 * what it knows next and what to do (route, ask for the acknowledgement, tell
 * intake). The tests drive a complaint through the events routing hears, the
 * way the handler does: each step's `next` becomes the following step's
 * `cur`. A state is checked by its name and its flags, and every
 * action is checked both when it should happen and when it should not. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"

/* ------------------------------------------------------------ helpers */

static const char *const s_consent[] = {"awaiting-consent"};
static const char *const s_summary[] = {"awaiting-summary-agreement"};
static const char *const s_late[] = {"out-of-time"};
static const char *const s_consent_summary[] = {"awaiting-consent", "awaiting-summary-agreement"};

/* Apply one event to *st in place; the event must apply (rc 0). */
static rt_actions_t s_step(rt_state_t *st, const rt_input_t *in)
{
    rt_state_t next;
    rt_actions_t act;
    memset(&next, 0x5a, sizeof next);
    memset(&act, 0x5a, sizeof act);
    int rc = rt_decide(st, in, &next, &act);
    cr_assert_eq(rc, 0, "%s did not apply", in->type);
    *st = next;
    return act;
}

static rt_actions_t s_event(rt_state_t *st, const char *type)
{
    rt_input_t in = {.type = type};
    return s_step(st, &in);
}

static rt_actions_t s_letter(rt_state_t *st, const char *kind)
{
    rt_input_t in = {.type = "letter.sent", .letter_kind = kind};
    return s_step(st, &in);
}

static rt_actions_t s_with_holds(rt_state_t *st, const char *type, const char *const *holds, int n)
{
    rt_input_t in = {.type = type, .holds = holds, .nholds = n};
    return s_step(st, &in);
}

static rt_actions_t s_receive(rt_state_t *st, const char *cls, const char *const *holds, int n)
{
    memset(st, 0, sizeof *st);
    rt_input_t in = {
        .type = "complaint.received", .classification = cls, .holds = holds, .nholds = n};
    return s_step(st, &in);
}

/* A complaint received with no holds, routed at once: state "received". */
static rt_state_t s_routed(void)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", NULL, 0);
    return st;
}

static void s_expect_state(const rt_state_t *st, const char *state)
{
    cr_assert_str_eq(cd_state_name(st->state), state);
}

static void s_expect_nothing(const rt_actions_t *a, const char *why)
{
    cr_assert_eq(a->changed, 0, "%s: row written", why);
    cr_assert_eq(a->route, 0, "%s: routed", why);
    cr_assert_eq(a->request_ack, 0, "%s: acknowledgement asked", why);
    cr_assert_eq(a->status_changed, 0, "%s: intake told", why);
    cr_assert_null(a->deadline_met, "%s: a deadline met", why);
}

/* -------------------------------------------------- complaint.received */

Test(routing_decide, R4_a_complaint_with_no_holds_is_routed_at_once_and_acknowledged)
{
    rt_state_t st;
    rt_actions_t a = s_receive(&st, "CLASSIFICATION_COMPLAINT", NULL, 0);
    cr_assert(st.exists);
    s_expect_state(&st, "received");
    cr_assert_eq(st.nholds, 0);
    cr_assert(st.routed, "not marked routed");
    cr_assert(a.route, "not handed to investigation");
    cr_assert(a.request_ack, "no acknowledgement asked for (R4)");
    cr_assert(a.status_changed, "intake not told");
    cr_assert(a.changed, "row not written");
    cr_assert_null(a.deadline_met);
    cr_assert_not(st.acknowledged, "acknowledged before the letter was sent");
}

Test(routing_decide, a_complaint_without_a_classification_is_handled_as_a_complaint)
{
    rt_state_t st;
    rt_actions_t a = s_receive(&st, NULL, NULL, 0);
    s_expect_state(&st, "received");
    cr_assert(a.route);
    cr_assert(a.request_ack);
}

Test(routing_decide, R4_a_held_complaint_is_not_routed_but_is_still_acknowledged)
{
    static const char *const holds[] = {"out-of-time", "awaiting-consent"};
    rt_state_t st;
    rt_actions_t a = s_receive(&st, "CLASSIFICATION_COMPLAINT", holds, 2);
    s_expect_state(&st, "out-of-time");
    cr_assert_eq(st.nholds, 2);
    cr_assert_str_eq(st.holds[0], "out-of-time");
    cr_assert_str_eq(st.holds[1], "awaiting-consent");
    cr_assert_not(st.routed);
    cr_assert_not(a.route, "a held complaint was routed");
    cr_assert(a.request_ack, "a held complaint is still acknowledged (R4)");
    cr_assert(a.status_changed);
    cr_assert(a.changed);
    cr_assert_not_null(strstr(a.detail, "out-of-time"), "history: %s", a.detail);
}

Test(routing_decide, I8_a_compliment_is_recorded_neither_routed_nor_acknowledged)
{
    rt_state_t st;
    rt_actions_t a = s_receive(&st, "CLASSIFICATION_COMPLIMENT", s_consent, 1);
    cr_assert(st.exists);
    s_expect_state(&st, "compliment");
    cr_assert_eq(st.nholds, 0, "a compliment is held for nothing");
    cr_assert_not(st.routed);
    cr_assert_not(a.route, "a compliment was routed");
    cr_assert_not(a.request_ack, "a compliment was acknowledged as a complaint");
    cr_assert(a.changed);
    cr_assert(a.status_changed);
}

Test(routing_decide, I4_outside_the_regulations_is_recorded_neither_routed_nor_acknowledged)
{
    rt_state_t st;
    rt_actions_t a = s_receive(&st, "CLASSIFICATION_OUTSIDE_REGULATIONS", NULL, 0);
    s_expect_state(&st, "outside-regulations");
    cr_assert_not(st.routed);
    cr_assert_not(a.route);
    cr_assert_not(a.request_ack);
    cr_assert(a.changed);
}

Test(routing_decide, a_second_complaint_received_changes_nothing)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    rt_state_t before = st;
    rt_input_t in = {.type = "complaint.received",
                     .classification = "CLASSIFICATION_COMPLAINT",
                     .holds = s_consent,
                     .nholds = 1};
    rt_actions_t a = s_step(&st, &in);
    s_expect_nothing(&a, "complaint.received again");
    cr_assert_eq(memcmp(&st, &before, sizeof st), 0, "the state moved");
    s_expect_state(&st, "under-investigation");
}

Test(routing_decide, a_second_complaint_received_does_not_route_a_held_complaint)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent, 1);
    rt_input_t in = {.type = "complaint.received", .classification = "CLASSIFICATION_COMPLAINT"};
    rt_actions_t a = s_step(&st, &in);
    s_expect_nothing(&a, "complaint.received again, now without holds");
    s_expect_state(&st, "awaiting-consent");
    cr_assert_not(st.routed);
}

/* ------------------------------------------------ an unknown complaint */

Test(routing_decide, any_other_event_for_an_unknown_complaint_waits)
{
    static const char *const events[] = {
        "consent.recorded",    "summary.agreed", "complaint.amended",
        "complaint.withdrawn", "case.opened",    "investigation.completed",
        "response.approved",   "letter.sent",    "something.else"};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        rt_state_t cur;
        memset(&cur, 0, sizeof cur);
        rt_state_t next;
        rt_actions_t a;
        rt_input_t in = {.type = events[i], .letter_kind = "acknowledgement"};
        cr_assert_eq(rt_decide(&cur, &in, &next, &a), -1, "%s applied to nothing", events[i]);
        cr_assert_not(next.exists, "%s made the complaint exist", events[i]);
        cr_assert_not(a.route, "%s routed", events[i]);
        cr_assert_not(a.changed, "%s wrote a row", events[i]);
    }
}

Test(routing_decide, an_event_routing_does_not_know_changes_nothing)
{
    rt_state_t st = s_routed();
    rt_state_t before = st;
    rt_actions_t a = s_event(&st, "something.else");
    s_expect_nothing(&a, "an unknown event");
    cr_assert_eq(memcmp(&st, &before, sizeof st), 0);
}

/* ------------------------------------------------ lifting holds: I1, I2 */

Test(routing_decide, I2_consent_recorded_lifts_the_hold_and_routes)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent, 1);
    rt_actions_t a = s_event(&st, "consent.recorded");
    s_expect_state(&st, "received");
    cr_assert_eq(st.nholds, 0);
    cr_assert(st.routed);
    cr_assert(a.route, "not handed to investigation once consent came");
    cr_assert(a.status_changed, "intake not told of the new state");
    cr_assert(a.changed);
    cr_assert_not(a.request_ack, "acknowledged twice");
}

Test(routing_decide, I2_consent_recorded_does_not_route_while_the_summary_is_not_agreed)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent_summary, 2);
    rt_actions_t a = s_event(&st, "consent.recorded");
    s_expect_state(&st, "awaiting-summary-agreement");
    cr_assert_eq(st.nholds, 1);
    cr_assert_str_eq(st.holds[0], "awaiting-summary-agreement");
    cr_assert_not(st.routed);
    cr_assert_not(a.route, "routed while still awaiting summary agreement");
    cr_assert(a.status_changed, "the state changed but intake was not told");
    cr_assert(a.changed);
}

Test(routing_decide, I1_summary_agreed_lifts_the_last_hold_and_routes)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent_summary, 2);
    s_event(&st, "consent.recorded");
    rt_actions_t a = s_event(&st, "summary.agreed");
    s_expect_state(&st, "received");
    cr_assert_eq(st.nholds, 0);
    cr_assert(a.route);
    cr_assert(a.status_changed);
}

Test(routing_decide, I1_summary_agreed_does_not_route_while_consent_is_awaited)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent_summary, 2);
    rt_actions_t a = s_event(&st, "summary.agreed");
    s_expect_state(&st, "awaiting-consent");
    cr_assert_eq(st.nholds, 1);
    cr_assert_str_eq(st.holds[0], "awaiting-consent");
    cr_assert_not(a.route);
    cr_assert_not(a.status_changed, "the state did not change, yet intake was told");
    cr_assert(a.changed, "the holds changed but the row was not written");
}

Test(routing_decide, I1_summary_agreed_alone_routes_a_verbal_complaint)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_summary, 1);
    rt_actions_t a = s_event(&st, "summary.agreed");
    s_expect_state(&st, "received");
    cr_assert(a.route);
}

Test(routing_decide, I3_lifting_consent_leaves_an_out_of_time_complaint_held)
{
    static const char *const holds[] = {"awaiting-consent", "out-of-time"};
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", holds, 2);
    rt_actions_t a = s_event(&st, "consent.recorded");
    s_expect_state(&st, "out-of-time");
    cr_assert_not(a.route);
}

Test(routing_decide, a_lift_for_a_hold_not_present_changes_no_state_and_routes_nothing)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_late, 1);
    rt_actions_t a = s_event(&st, "consent.recorded");
    s_expect_state(&st, "out-of-time");
    cr_assert_eq(st.nholds, 1);
    cr_assert_not(a.route);
    cr_assert_not(a.status_changed);
}

Test(routing_decide, consent_recorded_after_routing_does_not_route_again)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    rt_actions_t a = s_event(&st, "consent.recorded");
    s_expect_state(&st, "under-investigation");
    cr_assert_not(a.route, "routed twice");
    cr_assert_not(a.status_changed);
}

/* ------------------------------------------------------ complaint.amended */

Test(routing_decide, amended_before_routing_replaces_the_holds)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent, 1);
    rt_actions_t a = s_with_holds(&st, "complaint.amended", s_late, 1);
    s_expect_state(&st, "out-of-time");
    cr_assert_eq(st.nholds, 1);
    cr_assert_str_eq(st.holds[0], "out-of-time");
    cr_assert_not(a.route);
    cr_assert(a.status_changed);
    cr_assert(a.changed);
}

Test(routing_decide, amended_before_routing_with_no_holds_left_routes)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent_summary, 2);
    rt_actions_t a = s_with_holds(&st, "complaint.amended", NULL, 0);
    s_expect_state(&st, "received");
    cr_assert_eq(st.nholds, 0);
    cr_assert(st.routed);
    cr_assert(a.route);
    cr_assert(a.status_changed);
}

Test(routing_decide, amended_before_routing_with_the_same_holds_tells_intake_nothing)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent, 1);
    rt_actions_t a = s_with_holds(&st, "complaint.amended", s_consent, 1);
    s_expect_state(&st, "awaiting-consent");
    cr_assert_not(a.route);
    cr_assert_not(a.status_changed);
    cr_assert(a.changed, "an amendment is recorded");
}

Test(routing_decide, amended_after_routing_changes_nothing_but_is_recorded)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    rt_state_t before = st;
    rt_actions_t a = s_with_holds(&st, "complaint.amended", s_consent, 1);
    cr_assert_eq(memcmp(&st, &before, sizeof st), 0, "an amendment after routing moved it");
    cr_assert_eq(st.nholds, 0, "holds set after routing");
    cr_assert_not(a.route);
    cr_assert_not(a.status_changed);
    cr_assert_not(a.changed, "the row is not rewritten: the history line records it");
    cr_assert_neq(a.detail[0], 0);
}

/* ---------------------------------------------------- complaint.withdrawn */

Test(routing_decide, a_complaint_may_be_withdrawn_at_any_open_stage)
{
    static const char *const progress[] = {"case.opened", "investigation.completed",
                                           "response.approved"};
    for (size_t n = 0; n <= sizeof progress / sizeof progress[0]; n++) {
        rt_state_t st = s_routed();
        for (size_t i = 0; i < n; i++)
            s_event(&st, progress[i]);
        rt_actions_t a = s_event(&st, "complaint.withdrawn");
        s_expect_state(&st, "withdrawn");
        cr_assert(a.changed);
        cr_assert(a.status_changed);
        cr_assert_not(a.route);
    }
}

Test(routing_decide, a_held_complaint_may_be_withdrawn_and_is_then_never_routed)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent, 1);
    s_event(&st, "complaint.withdrawn");
    s_expect_state(&st, "withdrawn");
    rt_actions_t a = s_event(&st, "consent.recorded");
    s_expect_state(&st, "withdrawn");
    cr_assert_not(a.route, "a withdrawn complaint was routed");
    cr_assert_not(st.routed);
    a = s_with_holds(&st, "complaint.amended", NULL, 0);
    s_expect_state(&st, "withdrawn");
    cr_assert_not(a.route, "a withdrawn complaint was routed by an amendment");
}

Test(routing_decide, withdrawn_is_terminal_progress_events_do_not_move_it)
{
    rt_state_t st = s_routed();
    s_event(&st, "complaint.withdrawn");
    static const char *const progress[] = {"case.opened", "investigation.completed",
                                           "response.approved"};
    for (size_t i = 0; i < sizeof progress / sizeof progress[0]; i++) {
        rt_actions_t a = s_event(&st, progress[i]);
        s_expect_state(&st, "withdrawn");
        cr_assert_not(a.status_changed, "%s told intake", progress[i]);
    }
    s_letter(&st, "final-response");
    s_expect_state(&st, "withdrawn");
}

Test(routing_decide, a_withdrawal_after_the_response_was_sent_changes_nothing)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    s_event(&st, "investigation.completed");
    s_event(&st, "response.approved");
    s_letter(&st, "final-response");
    rt_state_t before = st;
    rt_actions_t a = s_event(&st, "complaint.withdrawn");
    s_expect_nothing(&a, "withdrawn after the response");
    cr_assert_eq(memcmp(&st, &before, sizeof st), 0);
    s_expect_state(&st, "response-sent");
    cr_assert_neq(a.detail[0], 0, "the late withdrawal is not in the history");
}

Test(routing_decide, a_withdrawal_after_the_response_was_sent_changes_nothing_whatever_the_stage)
{
    /* A final response sent before the case's own steps arrived (they were
     * overtaken) closes it all the same. */
    rt_state_t st = s_routed();
    s_letter(&st, "final-response");
    s_expect_state(&st, "response-sent");
    rt_actions_t a = s_event(&st, "complaint.withdrawn");
    s_expect_nothing(&a, "withdrawn after an overtaking final response");
    s_expect_state(&st, "response-sent");
}

Test(routing_decide, a_recorded_case_or_a_withdrawn_one_cannot_be_withdrawn)
{
    static const char *const cls[] = {"CLASSIFICATION_COMPLIMENT",
                                      "CLASSIFICATION_OUTSIDE_REGULATIONS"};
    for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++) {
        rt_state_t st;
        s_receive(&st, cls[i], NULL, 0);
        rt_state_t before = st;
        rt_actions_t a = s_event(&st, "complaint.withdrawn");
        s_expect_nothing(&a, cls[i]);
        cr_assert_eq(memcmp(&st, &before, sizeof st), 0, "%s moved", cls[i]);
    }
    rt_state_t st = s_routed();
    s_event(&st, "complaint.withdrawn");
    rt_actions_t a = s_event(&st, "complaint.withdrawn");
    s_expect_nothing(&a, "withdrawn twice");
    s_expect_state(&st, "withdrawn");
}

/* -------------------------------------------------------------- progress */

Test(routing_decide, progress_events_move_the_complaint_forward)
{
    static const struct {
        const char *event;
        const char *kind;
        const char *state;
    } path[] = {
        {"case.opened", NULL, "under-investigation"},
        {"investigation.completed", NULL, "awaiting-sign-off"},
        {"response.approved", NULL, "response-approved"},
        {"letter.sent", "final-response", "response-sent"},
    };
    rt_state_t st = s_routed();
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        rt_input_t in = {.type = path[i].event, .letter_kind = path[i].kind};
        rt_actions_t a = s_step(&st, &in);
        s_expect_state(&st, path[i].state);
        cr_assert(a.changed, "%s", path[i].event);
        cr_assert(a.status_changed, "%s", path[i].event);
        cr_assert_not(a.route, "%s", path[i].event);
        cr_assert_not(a.request_ack, "%s", path[i].event);
    }
}

Test(routing_decide, a_late_event_never_moves_the_complaint_backwards)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    s_event(&st, "response.approved");
    s_expect_state(&st, "response-approved");
    rt_state_t before = st;
    rt_actions_t a = s_event(&st, "investigation.completed");
    s_expect_state(&st, "response-approved");
    s_expect_nothing(&a, "investigation.completed after response.approved");
    cr_assert_eq(memcmp(&st, &before, sizeof st), 0);
    a = s_event(&st, "case.opened");
    s_expect_nothing(&a, "case.opened after response.approved");
}

Test(routing_decide, the_same_progress_event_twice_changes_nothing_the_second_time)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    rt_actions_t a = s_event(&st, "case.opened");
    s_expect_state(&st, "under-investigation");
    s_expect_nothing(&a, "case.opened twice");
}

Test(routing_decide, a_recorded_compliment_does_not_move_on_progress_events)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLIMENT", NULL, 0);
    rt_actions_t a = s_event(&st, "case.opened");
    s_expect_state(&st, "compliment");
    cr_assert_not(a.status_changed);
}

/* ------------------------------------------------------------ letter.sent */

Test(routing_decide, R4_the_acknowledgement_letter_meets_the_deadline_once)
{
    rt_state_t st = s_routed();
    rt_actions_t a = s_letter(&st, "acknowledgement");
    cr_assert(st.acknowledged);
    cr_assert_not_null(a.deadline_met);
    cr_assert_str_eq(a.deadline_met, "acknowledgement");
    cr_assert(a.changed);
    cr_assert_not(a.status_changed, "an acknowledgement changes no state");
    s_expect_state(&st, "received");

    a = s_letter(&st, "acknowledgement");
    s_expect_nothing(&a, "a second acknowledgement");
    cr_assert(st.acknowledged);
}

Test(routing_decide, R4_a_held_complaint_is_acknowledged_without_being_moved)
{
    rt_state_t st;
    s_receive(&st, "CLASSIFICATION_COMPLAINT", s_consent, 1);
    rt_actions_t a = s_letter(&st, "acknowledgement");
    cr_assert(st.acknowledged);
    cr_assert_str_eq(a.deadline_met, "acknowledgement");
    s_expect_state(&st, "awaiting-consent");
    cr_assert_not(a.route);
}

Test(routing_decide, R4_an_acknowledgement_that_arrives_late_still_meets_its_deadline)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    s_event(&st, "investigation.completed");
    rt_actions_t a = s_letter(&st, "acknowledgement");
    cr_assert(st.acknowledged);
    cr_assert_str_eq(a.deadline_met, "acknowledgement");
    s_expect_state(&st, "awaiting-sign-off");
}

Test(routing_decide, R5_the_final_response_letter_marks_the_response_sent_once)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    s_event(&st, "investigation.completed");
    s_event(&st, "response.approved");
    rt_actions_t a = s_letter(&st, "final-response");
    s_expect_state(&st, "response-sent");
    cr_assert(st.response_sent);
    cr_assert_not_null(a.deadline_met);
    cr_assert_str_eq(a.deadline_met, "response");
    cr_assert(a.changed);
    cr_assert(a.status_changed);

    a = s_letter(&st, "final-response");
    s_expect_nothing(&a, "a second final response");
    s_expect_state(&st, "response-sent");
}

Test(routing_decide, other_letters_and_letters_without_a_kind_change_nothing)
{
    static const char *const kinds[] = {"update", "extension", "request-for-consent",
                                        "covering-letter", NULL};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        rt_state_t st = s_routed();
        rt_state_t before = st;
        rt_actions_t a = s_letter(&st, kinds[i]);
        s_expect_nothing(&a, kinds[i] ? kinds[i] : "(no kind)");
        cr_assert_eq(memcmp(&st, &before, sizeof st), 0, "%s", kinds[i] ? kinds[i] : "(null)");
    }
}

/* ------------------------------------------------------------ R4: who the acknowledgement names */

/* Received with the acknowledgement held for the investigator's name. */
static rt_actions_t s_receive_waiting(rt_state_t *st)
{
    memset(st, 0, sizeof *st);
    rt_input_t in = {
        .type = "complaint.received", .classification = "CLASSIFICATION_COMPLAINT", .ack_waits = 1};
    return s_step(st, &in);
}

Test(routing_decide, R4_not_held_the_acknowledgement_is_asked_for_at_receipt_once)
{
    rt_state_t st = s_routed();
    cr_assert_eq(st.ack, RT_ACK_REQUESTED);
    s_event(&st, "case.opened");
    rt_actions_t a = s_event(&st, "investigator.assigned");
    cr_assert_eq(a.request_ack, 0, "asked for twice");
    a = s_event(&st, "acknowledgement.due");
    cr_assert_eq(a.request_ack, 0, "asked for twice");
}

Test(routing_decide, R4_held_the_acknowledgement_goes_when_the_investigator_is_assigned)
{
    rt_state_t st;
    rt_actions_t a = s_receive_waiting(&st);
    s_expect_state(&st, "received");
    cr_assert(a.route, "the complaint is routed while its acknowledgement waits");
    cr_assert_eq(a.request_ack, 0, "asked for before an investigator is named");
    cr_assert_eq(st.ack, RT_ACK_OWED);
    a = s_event(&st, "case.opened");
    cr_assert_eq(a.request_ack, 0);
    a = s_event(&st, "investigator.assigned");
    cr_assert(a.request_ack, "the assignment did not send the acknowledgement");
    cr_assert(a.changed, "the row must record that it was asked for");
    cr_assert_eq(st.ack, RT_ACK_REQUESTED);
    /* A second assignment (a new investigator) does not send another. */
    a = s_event(&st, "investigator.assigned");
    cr_assert_eq(a.request_ack, 0);
    a = s_event(&st, "acknowledgement.due");
    cr_assert_eq(a.request_ack, 0, "the due day asked for it again");
}

Test(routing_decide, R4_held_with_no_investigator_by_its_due_day_it_goes_then)
{
    rt_state_t st;
    s_receive_waiting(&st);
    rt_actions_t a = s_event(&st, "acknowledgement.due");
    cr_assert(a.request_ack);
    s_expect_state(&st, "received");
    a = s_event(&st, "case.opened");
    a = s_event(&st, "investigator.assigned");
    cr_assert_eq(a.request_ack, 0, "an assignment after the due day sends no second one");
}

Test(routing_decide, R4_a_held_complaint_waiting_for_consent_is_acknowledged_on_its_due_day)
{
    rt_state_t st;
    memset(&st, 0, sizeof st);
    rt_input_t in = {.type = "complaint.received",
                     .classification = "CLASSIFICATION_COMPLAINT",
                     .holds = s_consent,
                     .nholds = 1,
                     .ack_waits = 1};
    rt_actions_t a = s_step(&st, &in);
    s_expect_state(&st, "awaiting-consent");
    cr_assert_eq(a.request_ack, 0);
    a = s_event(&st, "acknowledgement.due");
    cr_assert(a.request_ack, "a complaint held for consent is still acknowledged in time");
}

Test(routing_decide, R4_an_acknowledgement_still_owed_goes_when_the_complaint_closes_at_triage)
{
    rt_triage_out_t t = {.outcome = RT_NOT_REQUIRED, .tell_complainant = 1};
    snprintf(t.reason, sizeof t.reason, "%s", "a staff grievance");
    rt_state_t st;
    memset(&st, 0, sizeof st);
    rt_input_t in = {.type = "complaint.received",
                     .classification = "CLASSIFICATION_COMPLAINT",
                     .triage = &t,
                     .ack_waits = 1};
    rt_actions_t a = s_step(&st, &in);
    s_expect_state(&st, "not-required");
    cr_assert(a.request_ack, "closed at triage, the complaint was never acknowledged");
    cr_assert(a.tell_outcome);
}

Test(routing_decide, R4_a_withdrawal_before_the_acknowledgement_went_sends_none)
{
    rt_state_t st;
    s_receive_waiting(&st);
    rt_actions_t a = s_event(&st, "complaint.withdrawn");
    s_expect_state(&st, "withdrawn");
    cr_assert_eq(a.request_ack, 0, "the withdrawal's confirmation is the letter that goes");
}

Test(routing_decide, R4_the_investigation_completed_before_anyone_was_named_acknowledges_first)
{
    rt_state_t st;
    s_receive_waiting(&st);
    s_event(&st, "case.opened");
    rt_actions_t a = s_event(&st, "investigation.completed");
    s_expect_state(&st, "awaiting-sign-off");
    cr_assert(a.request_ack);
}

Test(routing_decide, a_compliment_owes_no_acknowledgement_whatever_comes)
{
    rt_state_t st;
    memset(&st, 0, sizeof st);
    rt_input_t in = {.type = "complaint.received",
                     .classification = "CLASSIFICATION_COMPLIMENT",
                     .ack_waits = 1};
    s_step(&st, &in);
    cr_assert_eq(st.ack, RT_ACK_NONE);
    rt_actions_t a = s_event(&st, "acknowledgement.due");
    cr_assert_eq(a.request_ack, 0);
}

Test(routing_decide, the_acknowledgements_state_has_one_name_each_way)
{
    for (int i = RT_ACK_NONE; i <= RT_ACK_REQUESTED; i++)
        cr_assert_eq(rt_ack_from_name(rt_ack_name(i)), i);
    cr_assert_eq(rt_ack_from_name("sent"), RT_ACK_NONE);
    cr_assert_eq(rt_ack_from_name(NULL), RT_ACK_NONE);
}

Test(routing_decide, F2_a_returned_draft_puts_the_complaint_back_under_investigation)
{
    rt_state_t st = s_routed();
    s_event(&st, "case.opened");
    s_event(&st, "investigation.completed");
    s_expect_state(&st, "awaiting-sign-off");
    rt_actions_t a = s_event(&st, "draft.returned");
    s_expect_state(&st, "under-investigation");
    cr_assert(a.status_changed);
    /* The outcome recorded again brings the next version to sign. */
    s_event(&st, "investigation.completed");
    s_expect_state(&st, "awaiting-sign-off");
    s_event(&st, "response.approved");
    s_expect_state(&st, "response-approved");
    /* Once signed, a late return changes nothing. */
    a = s_event(&st, "draft.returned");
    s_expect_state(&st, "response-approved");
    cr_assert_eq(a.status_changed, 0);
}
