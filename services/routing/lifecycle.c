/* lifecycle.c - routing's state table and deadline rules. */
#include "lifecycle.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const rt_transition_t s_table[] = {
    /* event                     kind              state                  stage deadline */
    {"complaint.received",      NULL,             "received",            1, NULL},
    {"letter.sent",             "acknowledgement", NULL,                 0, "acknowledgement"},
    {"case.opened",             NULL,             "under-investigation", 2, NULL},
    {"investigation.completed", NULL,             "awaiting-sign-off",   3, NULL},
    {"response.approved",       NULL,             "response-approved",   4, NULL},
    {"letter.sent",             "final-response", "response-sent",       5, "response"},
};

const rt_transition_t *rt_transition(const char *event, const char *kind)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++) {
        const rt_transition_t *t = &s_table[i];
        if (strcmp(t->event, event) != 0)
            continue;
        if (t->kind && (!kind || strcmp(t->kind, kind) != 0))
            continue;
        return t;
    }
    return NULL;
}

void rt_deadlines(const cd_calendar_t *cal, int64_t received_unix, int response_days,
                  cd_date_t *ack_due, cd_date_t *response_due)
{
    cd_date_t received = cd_date_from_unix_london(received_unix);
    *ack_due = cd_workdays_add(cal, received, 3);
    *response_due = cd_workdays_add(cal, received, response_days);
}

/* ---------------------------------------------------------------- the state machine */

static void s_drop_hold(rt_state_t *st, const char *hold)
{
    for (int i = 0; i < st->nholds; i++)
        if (strcmp(st->holds[i], hold) == 0) {
            memmove(st->holds[i], st->holds[i + 1], (size_t)(st->nholds - i - 1) * RT_NAME);
            st->nholds--;
            return;
        }
}

static void s_set_holds(rt_state_t *st, const char *const *holds, int n)
{
    st->nholds = 0;
    for (int i = 0; i < n && i < RT_MAX_HOLDS; i++)
        snprintf(st->holds[st->nholds++], RT_NAME, "%s", holds[i]);
}

static int s_terminal(const rt_state_t *st)
{
    return st->stage >= RT_STAGE_WITHDRAWN;
}

static void s_add_hold(rt_state_t *st, const char *hold)
{
    for (int i = 0; i < st->nholds; i++)
        if (strcmp(st->holds[i], hold) == 0)
            return;
    if (st->nholds < RT_MAX_HOLDS)
        snprintf(st->holds[st->nholds++], RT_NAME, "%s", hold);
}

/* The complaint stops here: recorded with the triage outcome as its state. */
static void s_record(rt_state_t *st, const char *state)
{
    snprintf(st->state, RT_NAME, "%s", state);
    st->stage = RT_STAGE_RECORDED;
}

/* Nothing holds it any more: apply the triage (R1-R3, I5, I6). */
static void s_apply_triage(rt_state_t *st, const rt_triage_out_t *t, rt_actions_t *act)
{
    act->triaged = 1;
    act->tell_outcome = t->tell_complainant;
    /* Anything that leaves for another body waits for the patient's consent (R2). */
    int leaves = !t->lead_here && (t->outcome == RT_PASS_TO_PROVIDER ||
                                   t->outcome == RT_REDIRECT_NHSE || t->outcome == RT_COORDINATE);
    if (leaves && t->consent_needed) {
        s_add_hold(st, "awaiting-consent");
        snprintf(st->state, RT_NAME, "awaiting-consent");
        act->tell_outcome = 0; /* told once it can go ahead */
        return;
    }
    switch (t->outcome) {
    case RT_NOT_REQUIRED:
        s_record(st, "not-required");
        return;
    case RT_ALREADY_INVESTIGATED:
        s_record(st, "already-investigated");
        return;
    case RT_APPEAL:
        s_record(st, "appeal");
        return;
    case RT_PASS_TO_PROVIDER:
        s_record(st, "passed-to-provider");
        return;
    case RT_REDIRECT_NHSE:
        s_record(st, "redirected-to-nhse");
        return;
    case RT_COORDINATE:
        if (!t->lead_here) {
            s_record(st, "coordinated-by-another-body");
            return;
        }
        act->contributions_due = !t->consent_needed && t->npartners > 0;
        break;
    case RT_HANDLE_HERE:
        break;
    }
    st->routed = 1;
    act->route = 1;
    snprintf(st->state, RT_NAME, "received");
}

/* Before it is routed, a complaint's state is its first hold, or "received". */
static void s_settle(rt_state_t *st, rt_actions_t *act, const rt_triage_out_t *triage)
{
    if (st->routed || s_terminal(st))
        return;
    if (st->nholds) {
        snprintf(st->state, RT_NAME, "%s", st->holds[0]);
        return;
    }
    if (triage) {
        s_apply_triage(st, triage, act);
        return;
    }
    st->routed = 1;
    act->route = 1;
    snprintf(st->state, RT_NAME, "received");
}

static void s_on_received(const rt_input_t *in, rt_state_t *next, rt_actions_t *act)
{
    next->exists = 1;
    next->stage = RT_STAGE_RECEIVED;
    const char *cls = in->classification ? in->classification : "";
    if (strcmp(cls, "CLASSIFICATION_COMPLIMENT") == 0) {
        snprintf(next->state, RT_NAME, "compliment");
        next->stage = RT_STAGE_RECORDED;
        snprintf(act->detail, sizeof act->detail, "recorded as a compliment (I8)");
    } else if (strcmp(cls, "CLASSIFICATION_OUTSIDE_REGULATIONS") == 0) {
        snprintf(next->state, RT_NAME, "outside-regulations");
        next->stage = RT_STAGE_RECORDED;
        snprintf(act->detail, sizeof act->detail,
                 "oral complaint resolved by the next working day: recorded, not processed (I4)");
    } else {
        s_set_holds(next, in->holds, in->nholds);
        act->request_ack = 1;
        s_settle(next, act, in->triage);
        if (next->nholds)
            snprintf(act->detail, sizeof act->detail, "received; held: %s%s%s", next->holds[0],
                     next->nholds > 1 ? ", " : "", next->nholds > 1 ? next->holds[1] : "");
        else
            snprintf(act->detail, sizeof act->detail, "received; nothing holds it");
    }
    act->changed = act->status_changed = 1;
}

/* An event that lifts (or resets) holds before routing. */
static void s_on_hold_event(const rt_state_t *cur, const rt_input_t *in, rt_state_t *next,
                            rt_actions_t *act)
{
    const char *what = "";
    if (strcmp(in->type, "consent.recorded") == 0) {
        s_drop_hold(next, "awaiting-consent");
        what = "the patient's consent recorded";
    } else if (strcmp(in->type, "out_of_time.decided") == 0) {
        if (!in->accept) {
            s_record(next, "declined-out-of-time");
            next->nholds = 0;
            act->tell_declined = 1;
            snprintf(act->detail, sizeof act->detail,
                     "made after the 12-month limit: declined, with reasons (I3)");
            act->changed = act->status_changed = 1;
            return;
        }
        s_drop_hold(next, "out-of-time");
        what = "made after the 12-month limit: accepted, it can still be investigated fairly (I3)";
    } else if (strcmp(in->type, "summary.agreed") == 0) {
        s_drop_hold(next, "awaiting-summary-agreement");
        what = "the summary of the verbal complaint agreed";
    } else if (!next->routed && !s_terminal(next)) {
        s_set_holds(next, in->holds, in->nholds);
        what = "amended before triage";
    } else {
        what = "amended after triage: passed on as further information";
    }
    int was_routed = next->routed;
    s_settle(next, act, in->triage);
    /* Consent that now covers the partners of a complaint this body leads
     * (and already investigates): their contributions can be asked for. */
    const rt_triage_out_t *t = in->triage;
    if (was_routed && t && t->outcome == RT_COORDINATE && t->lead_here && t->npartners &&
        !t->consent_needed && strcmp(in->type, "consent.recorded") == 0)
        act->contributions_due = 1;
    snprintf(act->detail, sizeof act->detail, "%s%s", what, act->route ? "; handed to investigation" : "");
    act->changed = 1;
    act->status_changed = strcmp(cur->state, next->state) != 0;
}

static void s_on_withdrawn(const rt_state_t *cur, rt_state_t *next, rt_actions_t *act)
{
    if (s_terminal(cur) || cur->response_sent) {
        snprintf(act->detail, sizeof act->detail, "withdrawal received after the complaint closed");
        return;
    }
    snprintf(next->state, RT_NAME, "withdrawn");
    next->stage = RT_STAGE_WITHDRAWN;
    snprintf(act->detail, sizeof act->detail, "withdrawn by the complainant");
    act->changed = act->status_changed = 1;
}

static void s_on_progress(const rt_state_t *cur, const rt_input_t *in, rt_state_t *next,
                          rt_actions_t *act)
{
    const rt_transition_t *t = rt_transition(in->type, in->letter_kind);
    if (!t)
        return;
    /* Investigation's and sign-off's steps belong to a routed complaint: on
     * one still held they are recorded, but do not move it. */
    if (t->state && t->stage > cur->stage && !s_terminal(cur) && cur->routed) {
        snprintf(next->state, RT_NAME, "%s", t->state);
        next->stage = t->stage;
        act->changed = act->status_changed = 1;
    }
    if (t->deadline && strcmp(t->deadline, "acknowledgement") == 0 && !cur->acknowledged) {
        next->acknowledged = 1;
        act->deadline_met = t->deadline;
        act->changed = 1;
    }
    if (t->deadline && strcmp(t->deadline, "response") == 0 && !cur->response_sent) {
        next->response_sent = 1;
        act->deadline_met = t->deadline;
        act->changed = 1;
    }
}

int rt_decide(const rt_state_t *cur, const rt_input_t *in, rt_state_t *next, rt_actions_t *act)
{
    memset(act, 0, sizeof *act);
    *next = *cur;
    if (strcmp(in->type, "complaint.received") == 0) {
        if (cur->exists)
            return 0; /* the same complaint twice: nothing to do */
        memset(next, 0, sizeof *next);
        s_on_received(in, next, act);
        return 0;
    }
    if (!cur->exists)
        return -1;
    if (strcmp(in->type, "consent.recorded") == 0 || strcmp(in->type, "summary.agreed") == 0 ||
        strcmp(in->type, "complaint.amended") == 0 || strcmp(in->type, "out_of_time.decided") == 0)
        s_on_hold_event(cur, in, next, act);
    else if (strcmp(in->type, "complaint.withdrawn") == 0)
        s_on_withdrawn(cur, next, act);
    else
        s_on_progress(cur, in, next, act);
    return 0;
}
