/* decide.c - routing's driver of the one lifecycle table, and its deadlines. */
#include "decide.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define S(x) CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_##x

void rt_deadlines(const cd_calendar_t *cal, int64_t received_unix, int response_days,
                  cd_date_t *ack_due, cd_date_t *response_due)
{
    cd_date_t received = cd_date_from_unix_london(received_unix);
    *ack_due = cd_workdays_add(cal, received, 3);
    *response_due = cd_workdays_add(cal, received, response_days);
}

static const char *const s_ack_names[] = {
    [RT_ACK_NONE] = "", [RT_ACK_OWED] = "owed", [RT_ACK_REQUESTED] = "requested"};

const char *rt_ack_name(int ack)
{
    return ack > RT_ACK_NONE && ack <= RT_ACK_REQUESTED ? s_ack_names[ack] : "";
}

int rt_ack_from_name(const char *name)
{
    for (int i = RT_ACK_OWED; i <= RT_ACK_REQUESTED; i++)
        if (name && strcmp(name, s_ack_names[i]) == 0)
            return i;
    return RT_ACK_NONE;
}

/* A complaint.received by its classification (I4, I8). */
static cd_lc_event_t s_by_classification(const rt_input_t *in)
{
    const char *cls = in->classification ? in->classification : "";
    if (strcmp(cls, "CLASSIFICATION_COMPLIMENT") == 0)
        return CD_LC_COMPLIMENT_RECEIVED;
    if (strcmp(cls, "CLASSIFICATION_OUTSIDE_REGULATIONS") == 0)
        return CD_LC_OUTSIDE_REGS_RECEIVED;
    return CD_LC_RECEIVED;
}

/* An out_of_time.decided by the decision (I3). */
static cd_lc_event_t s_by_decision(const rt_input_t *in)
{
    return in->accept ? CD_LC_OUT_OF_TIME_ACCEPTED : CD_LC_OUT_OF_TIME_DECLINED;
}

/* The envelope types routing hears and the lifecycle event each stands for:
 * a letter by its kind, two by their payload (by), the rest as they are. A
 * type not here is recorded only. */
static const struct {
    const char *type;
    const char *kind; /* letter.sent: the letter's kind */
    cd_lc_event_t event;
    cd_lc_event_t (*by)(const rt_input_t *in); /* the payload decides */
} s_events[] = {
    {"complaint.received", NULL, CD_LC_EVENT_COUNT, s_by_classification},
    {"out_of_time.decided", NULL, CD_LC_EVENT_COUNT, s_by_decision},
    {"consent.recorded", NULL, CD_LC_CONSENT_RECORDED, NULL},
    {"summary.agreed", NULL, CD_LC_SUMMARY_AGREED, NULL},
    {"complaint.amended", NULL, CD_LC_AMENDED, NULL},
    {"complaint.withdrawn", NULL, CD_LC_WITHDRAWN, NULL},
    {"case.opened", NULL, CD_LC_CASE_OPENED, NULL},
    {"investigator.assigned", NULL, CD_LC_INVESTIGATOR_ASSIGNED, NULL},
    {"acknowledgement.due", NULL, CD_LC_ACK_DUE, NULL},
    {"ombudsman.referral", NULL, CD_LC_OMBUDSMAN_REFERRAL, NULL},
    {"contribution.received", NULL, CD_LC_CONTRIBUTION, NULL},
    {"investigation.completed", NULL, CD_LC_INVESTIGATION_COMPLETED, NULL},
    {"response.approved", NULL, CD_LC_RESPONSE_APPROVED, NULL},
    {"draft.returned", NULL, CD_LC_DRAFT_RETURNED, NULL},
    {"letter.sent", "acknowledgement", CD_LC_ACKNOWLEDGED, NULL},
    {"letter.sent", "final-response", CD_LC_RESPONSE_SENT, NULL},
};

/* The row for type (and letter kind), or -1. */
static int s_event_row(const char *type, const char *letter_kind)
{
    for (size_t i = 0; i < sizeof s_events / sizeof s_events[0]; i++) {
        if (strcmp(s_events[i].type, type) != 0)
            continue;
        if (s_events[i].kind && (!letter_kind || strcmp(s_events[i].kind, letter_kind) != 0))
            continue;
        return (int)i;
    }
    return -1;
}

cd_lc_event_t rt_lc_event(const char *type, const char *letter_kind)
{
    int i = s_event_row(type, letter_kind);
    return i < 0 ? CD_LC_EVENT_COUNT : s_events[i].event;
}

static cd_lc_event_t s_event_of(const rt_input_t *in)
{
    int i = s_event_row(in->type, in->letter_kind);
    if (i < 0)
        return CD_LC_EVENT_COUNT;
    return s_events[i].by ? s_events[i].by(in) : s_events[i].event;
}

/* ---------------------------------------------------------------- holds */

static const struct {
    const char *hold;
    cd_lc_event_t held; /* the event that makes it the complaint's state */
} s_holds[] = {
    {"awaiting-consent", CD_LC_HELD_FOR_CONSENT},
    {"awaiting-summary-agreement", CD_LC_HELD_FOR_SUMMARY},
    {"out-of-time", CD_LC_HELD_OUT_OF_TIME},
};

static cd_lc_event_t s_held_event(const char *hold)
{
    for (size_t i = 0; i < sizeof s_holds / sizeof s_holds[0]; i++)
        if (strcmp(s_holds[i].hold, hold) == 0)
            return s_holds[i].held;
    return CD_LC_HELD_FOR_CONSENT; /* an unknown hold still holds it */
}

static int s_has_hold(const rt_state_t *st, const char *hold)
{
    for (int i = 0; i < st->nholds; i++)
        if (strcmp(st->holds[i], hold) == 0)
            return 1;
    return 0;
}

static void s_drop_hold(rt_state_t *st, const char *hold)
{
    for (int i = 0; i < st->nholds; i++)
        if (strcmp(st->holds[i], hold) == 0) {
            memmove(st->holds[i], st->holds[i + 1], (size_t)(st->nholds - i - 1) * RT_NAME);
            st->nholds--;
            return;
        }
}

static void s_add_hold(rt_state_t *st, const char *hold)
{
    if (!s_has_hold(st, hold) && st->nholds < RT_MAX_HOLDS)
        snprintf(st->holds[st->nholds++], RT_NAME, "%s", hold);
}

static void s_set_holds(rt_state_t *st, const char *const *holds, int n)
{
    st->nholds = 0;
    for (int i = 0; i < n && i < RT_MAX_HOLDS; i++)
        snprintf(st->holds[st->nholds++], RT_NAME, "%s", holds[i]);
}

/* ---------------------------------------------------------------- stepping */

/* Step the table with one event; carry out the actions routing carries out
 * whatever the data (the rest are the callers'). Returns the row's actions,
 * or 0 when it does not apply. */
static unsigned s_step(rt_state_t *st, cd_lc_event_t ev, rt_actions_t *act)
{
    cd_lc_step_t step = cd_lc_step(st->state, ev);
    if (step.verdict != CD_LC_MOVES)
        return 0;
    st->state = step.to;
    /* R4: owed from receipt; asked for once, when a row says it may go now
     * (or at once, s_on_received, when it does not wait). */
    if ((step.actions & CD_LC_A_ACK_LETTER) && st->ack == RT_ACK_NONE)
        st->ack = RT_ACK_OWED;
    if ((step.actions & CD_LC_A_ACK_IF_OWED) && st->ack == RT_ACK_OWED) {
        st->ack = RT_ACK_REQUESTED;
        act->request_ack = 1;
    }
    if ((step.actions & CD_LC_A_MEET_ACK) && !st->acknowledged) {
        st->acknowledged = 1;
        act->deadline_met = "acknowledgement";
    }
    if ((step.actions & CD_LC_A_MEET_RESPONSE) && !st->response_sent) {
        st->response_sent = 1;
        act->deadline_met = "response";
    }
    if (step.actions & CD_LC_A_CLOSE)
        act->close_deadlines = 1;
    if (step.actions & CD_LC_A_TELL_DECLINED)
        act->tell_declined = 1;
    if (step.actions & CD_LC_A_MERGE)
        act->merge = 1;
    /* Held for consent again (consent that does not cover the body, an
     * amendment): the complainant was asked already. */
    if ((step.actions & CD_LC_A_ASK_CONSENT) && !st->consent_asked) {
        st->consent_asked = 1;
        act->ask_consent = 1;
    }
    if (step.actions & CD_LC_A_REFER)
        act->refer = 1;
    if (step.actions & CD_LC_A_SHARE_RESPONSE)
        act->share_response = 1;
    return step.actions | 1u << 31; /* applied, even with no actions */
}

/* The triage outcome's row (R1-R3, I5, I6). */
static cd_lc_event_t s_triaged_event(const rt_triage_out_t *t)
{
    switch (t->outcome) {
    case RT_NOT_REQUIRED:
        return CD_LC_TRIAGED_NOT_REQUIRED;
    case RT_ALREADY_INVESTIGATED:
        return CD_LC_TRIAGED_ALREADY_INVESTIGATED;
    case RT_APPEAL:
        return CD_LC_TRIAGED_APPEAL;
    case RT_PASS_TO_PROVIDER:
        return CD_LC_TRIAGED_PASS_TO_PROVIDER;
    case RT_REDIRECT_NHSE:
        return CD_LC_TRIAGED_REDIRECT_NHSE;
    case RT_COORDINATE:
        return t->lead_here ? CD_LC_TRIAGED_LEAD : CD_LC_TRIAGED_ELSEWHERE;
    case RT_HANDLE_HERE:
    default:
        return CD_LC_TRIAGED_HANDLE_HERE;
    }
}

/* Nothing holds it any more: apply the triage. Anything that leaves for
 * another body waits for the patient's consent first (R2). */
static void s_apply_triage(rt_state_t *st, const rt_triage_out_t *t, rt_actions_t *act)
{
    if (!t) {
        if (s_step(st, CD_LC_TRIAGED_HANDLE_HERE, act) & CD_LC_A_ROUTE)
            st->routed = act->route = 1;
        return;
    }
    int leaves = !t->lead_here && (t->outcome == RT_PASS_TO_PROVIDER ||
                                   t->outcome == RT_REDIRECT_NHSE || t->outcome == RT_COORDINATE);
    if (leaves && t->consent_needed) {
        s_add_hold(st, "awaiting-consent");
        s_step(st, CD_LC_HELD_FOR_CONSENT, act);
        act->triaged = 1; /* told once it can go ahead */
        return;
    }
    unsigned a = s_step(st, s_triaged_event(t), act);
    if (!a)
        return;
    act->triaged = 1;
    act->tell_outcome = (a & CD_LC_A_TELL_OUTCOME) && t->tell_complainant;
    if (a & CD_LC_A_ROUTE)
        st->routed = act->route = 1;
    if (a & CD_LC_A_ASK_PARTNERS)
        act->contributions_due = !t->consent_needed && t->npartners > 0;
}

/* Before it is triaged, a complaint's state is its first hold; with none
 * left, triage applies. */
static void s_settle(rt_state_t *st, rt_actions_t *act, const rt_triage_out_t *triage)
{
    if (st->routed || cd_lc_closed(st->state))
        return;
    if (st->nholds)
        s_step(st, s_held_event(st->holds[0]), act);
    else
        s_apply_triage(st, triage, act);
}

static void s_holds_detail(const rt_state_t *st, rt_actions_t *act)
{
    if (st->nholds)
        snprintf(act->detail, sizeof act->detail, "received; held: %s%s%s", st->holds[0],
                 st->nholds > 1 ? ", " : "", st->nholds > 1 ? st->holds[1] : "");
    else
        snprintf(act->detail, sizeof act->detail, "received; nothing holds it");
}

static void s_on_received(cd_lc_event_t ev, const rt_input_t *in, rt_state_t *next,
                          rt_actions_t *act)
{
    next->exists = 1;
    s_step(next, ev, act);
    if (next->ack == RT_ACK_OWED && !in->ack_waits) {
        next->ack = RT_ACK_REQUESTED;
        act->request_ack = 1;
    }
    if (ev == CD_LC_COMPLIMENT_RECEIVED) {
        snprintf(act->detail, sizeof act->detail, "recorded as a compliment (I8)");
    } else if (ev == CD_LC_OUTSIDE_REGS_RECEIVED) {
        snprintf(act->detail, sizeof act->detail,
                 "oral complaint resolved by the next working day: recorded, not processed (I4)");
    } else {
        s_set_holds(next, in->holds, in->nholds);
        s_settle(next, act, in->triage);
        s_holds_detail(next, act);
    }
    act->changed = act->status_changed = 1;
}

/* What an event that lifts a hold (or resets them) does before triage;
 * returns its history words. */
static const char *s_lift(cd_lc_event_t ev, const rt_input_t *in, rt_state_t *next)
{
    switch (ev) {
    case CD_LC_CONSENT_RECORDED:
        s_drop_hold(next, "awaiting-consent");
        return "the patient's consent recorded";
    case CD_LC_SUMMARY_AGREED:
        s_drop_hold(next, "awaiting-summary-agreement");
        return "the summary of the verbal complaint agreed";
    case CD_LC_OUT_OF_TIME_ACCEPTED:
        s_drop_hold(next, "out-of-time");
        return "made after the 12-month limit: accepted, it can still be investigated fairly (I3)";
    case CD_LC_AMENDED:
        s_set_holds(next, in->holds, in->nholds);
        return "amended before triage";
    default:
        return "";
    }
}

/* The words for an event the table does not take in the complaint's state. */
static void s_not_taken(const rt_state_t *cur, cd_lc_event_t ev, rt_actions_t *act)
{
    if (ev == CD_LC_WITHDRAWN)
        snprintf(act->detail, sizeof act->detail, "withdrawal received after the complaint closed");
    else if (ev == CD_LC_AMENDED)
        snprintf(act->detail, sizeof act->detail,
                 "amended after triage: passed on as further information");
    else if (ev == CD_LC_OUT_OF_TIME_DECLINED || ev == CD_LC_OUT_OF_TIME_ACCEPTED)
        snprintf(act->detail, sizeof act->detail,
                 "out-of-time decision recorded; the complaint is %s: nothing changes",
                 cd_state_name(cur->state));
}

int rt_decide(const rt_state_t *cur, const rt_input_t *in, rt_state_t *next, rt_actions_t *act)
{
    memset(act, 0, sizeof *act);
    *next = *cur;
    cd_lc_event_t ev = s_event_of(in);
    if (ev == CD_LC_RECEIVED || ev == CD_LC_COMPLIMENT_RECEIVED ||
        ev == CD_LC_OUTSIDE_REGS_RECEIVED) {
        if (cur->exists)
            return 0; /* the same complaint twice: nothing to do */
        memset(next, 0, sizeof *next);
        s_on_received(ev, in, next, act);
        return 0;
    }
    if (!cur->exists)
        return -1;
    if (ev == CD_LC_EVENT_COUNT)
        return 0; /* recorded only */
    if (ev == CD_LC_OUT_OF_TIME_DECLINED && !s_has_hold(cur, "out-of-time")) {
        s_not_taken(cur, ev, act);
        return 0;
    }
    unsigned a = s_step(next, ev, act);
    if (!a) {
        s_not_taken(cur, ev, act);
        return 0;
    }
    if (ev == CD_LC_OUT_OF_TIME_DECLINED) {
        next->nholds = 0;
        snprintf(act->detail, sizeof act->detail,
                 "made after the 12-month limit: declined, with reasons (I3)");
    } else if (a & CD_LC_A_RETRIAGE) {
        int was_routed = next->routed;
        const char *what = was_routed ? "" : s_lift(ev, in, next);
        if (was_routed && ev == CD_LC_CONSENT_RECORDED)
            what = "the patient's consent recorded";
        s_settle(next, act, in->triage);
        /* Consent that now covers the partners of a complaint this body
         * leads (and already investigates): their parts can be asked for. */
        const rt_triage_out_t *t = in->triage;
        if (was_routed && (a & CD_LC_A_ASK_PARTNERS) && t && t->outcome == RT_COORDINATE &&
            t->lead_here && t->npartners && !t->consent_needed)
            act->contributions_due = 1;
        snprintf(act->detail, sizeof act->detail, "%s%s", what,
                 act->route ? "; handed to investigation" : "");
    } else if (ev == CD_LC_WITHDRAWN) {
        snprintf(act->detail, sizeof act->detail, "withdrawn by the complainant");
    }
    act->status_changed = next->state != cur->state;
    act->changed = act->status_changed || act->deadline_met || (a & CD_LC_A_RETRIAGE) ||
                   act->close_deadlines || next->ack != cur->ack ||
                   next->consent_asked != cur->consent_asked;
    return 0;
}
