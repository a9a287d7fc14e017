/* lifecycle.c - the one table of a complaint's states and what moves them.
 *
 * Read it as: in any of these states, this event leads to that state and
 * asks for these actions. Everything not in the table is answered by
 * cd_lc_step in one place: late (the complaint is already past where the
 * event leads, or closed) or refused. */
#include "candour/lifecycle.h"

#include <stdio.h>
#include <string.h>

#define S(x) CANDOUR__V1__COMPLAINT_STATE__COMPLAINT_STATE_##x
#define B(x) (1UL << S(x))

/* Sets of states the rows name. RECEIVED is both "not yet triaged" (for the
 * moment routing decides) and "triaged, handed to investigation": the
 * driver knows which by whether it has routed the complaint. */
#define HELD (B(AWAITING_CONSENT) | B(AWAITING_SUMMARY_AGREEMENT) | B(OUT_OF_TIME))
#define BEFORE_TRIAGE (B(RECEIVED) | HELD)
#define IN_HAND (B(RECEIVED) | B(UNDER_INVESTIGATION) | B(AWAITING_SIGN_OFF) | B(RESPONSE_APPROVED))
#define OPEN (BEFORE_TRIAGE | IN_HAND)
#define BEFORE_OUTCOME (B(RECEIVED) | B(UNDER_INVESTIGATION))
#define BEFORE_SIGNATURE (BEFORE_OUTCOME | B(AWAITING_SIGN_OFF))
#define AFTER_INVESTIGATION_BEGAN                                                                  \
    (B(UNDER_INVESTIGATION) | B(AWAITING_SIGN_OFF) | B(RESPONSE_APPROVED) | B(RESPONSE_SENT))
#define KNOWN (~B(UNSPECIFIED) & ((1UL << CD_STATE_COUNT) - 1))

enum {
    A_STATUS = CD_LC_A_STATUS,
    A_ACK = CD_LC_A_ACK_LETTER,
    A_ROUTE = CD_LC_A_ROUTE,
    A_ASK = CD_LC_A_ASK_PARTNERS,
    A_TELL = CD_LC_A_TELL_OUTCOME,
    A_DECLINED = CD_LC_A_TELL_DECLINED,
    A_MEET_ACK = CD_LC_A_MEET_ACK,
    A_MEET_RESP = CD_LC_A_MEET_RESPONSE,
    A_CLOSE = CD_LC_A_CLOSE,
    A_MERGE = CD_LC_A_MERGE,
    A_ALERT = CD_LC_A_ALERT,
    A_RETRIAGE = CD_LC_A_RETRIAGE,
    A_ACK_IF_OWED = CD_LC_A_ACK_IF_OWED,
    A_REFER = CD_LC_A_REFER,
    A_ASK_CONSENT = CD_LC_A_ASK_CONSENT,
    A_SHARE = CD_LC_A_SHARE_RESPONSE,
    /* Closed after it was received: an acknowledgement still owed goes now. */
    A_END = CD_LC_A_CLOSE | CD_LC_A_ACK_IF_OWED,
};

// clang-format off
static const cd_lc_row_t s_rows[] = {
    /* from                 event                                to                              actions */
    {B(UNSPECIFIED),        CD_LC_RECEIVED,                      S(RECEIVED),                    A_STATUS | A_ACK},
    {B(UNSPECIFIED),        CD_LC_COMPLIMENT_RECEIVED,           S(COMPLIMENT),                  A_STATUS},
    {B(UNSPECIFIED),        CD_LC_OUTSIDE_REGS_RECEIVED,         S(OUTSIDE_REGULATIONS),         A_STATUS},
    /* Before triage: what it waits for first is its state (I1-I3, R2).
     * Consent is asked for in writing, once, the first time it waits for it. */
    {BEFORE_TRIAGE,         CD_LC_HELD_FOR_CONSENT,              S(AWAITING_CONSENT),            A_STATUS | A_ASK_CONSENT},
    {BEFORE_TRIAGE,         CD_LC_HELD_FOR_SUMMARY,              S(AWAITING_SUMMARY_AGREEMENT),  A_STATUS},
    {BEFORE_TRIAGE,         CD_LC_HELD_OUT_OF_TIME,              S(OUT_OF_TIME),                 A_STATUS},
    {OPEN,                  CD_LC_CONSENT_RECORDED,              S(UNSPECIFIED),                 A_RETRIAGE | A_ASK},
    {BEFORE_TRIAGE,         CD_LC_SUMMARY_AGREED,                S(UNSPECIFIED),                 A_RETRIAGE},
    {HELD,                  CD_LC_OUT_OF_TIME_ACCEPTED,          S(UNSPECIFIED),                 A_RETRIAGE},
    {HELD,                  CD_LC_OUT_OF_TIME_DECLINED,          S(DECLINED_OUT_OF_TIME),        A_STATUS | A_DECLINED | A_END},
    {HELD,                  CD_LC_AMENDED,                       S(UNSPECIFIED),                 A_RETRIAGE},
    /* Triage, once nothing holds it (R1-R3, I5, I6). */
    /* Handled here (alone, or leading): the complainant is written to where
     * triage says (an eligibility appeal too, I6). */
    {BEFORE_TRIAGE,         CD_LC_TRIAGED_HANDLE_HERE,           S(RECEIVED),                    A_STATUS | A_ROUTE | A_TELL},
    {BEFORE_TRIAGE,         CD_LC_TRIAGED_LEAD,                  S(RECEIVED),                    A_STATUS | A_ROUTE | A_ASK | A_TELL},
    {BEFORE_TRIAGE,         CD_LC_TRIAGED_NOT_REQUIRED,          S(NOT_REQUIRED),                A_STATUS | A_TELL | A_END},
    {BEFORE_TRIAGE,         CD_LC_TRIAGED_ALREADY_INVESTIGATED,  S(ALREADY_INVESTIGATED),        A_STATUS | A_TELL | A_END},
    {BEFORE_TRIAGE,         CD_LC_TRIAGED_APPEAL,                S(APPEAL),                      A_STATUS | A_TELL | A_END},
    /* Sent on: the body that now has it is sent it over the bus, and it
     * counts as made to that body from its receipt there (I5a, N2). */
    {BEFORE_TRIAGE,         CD_LC_TRIAGED_PASS_TO_PROVIDER,      S(PASSED_TO_PROVIDER),          A_STATUS | A_TELL | A_END | A_REFER},
    {BEFORE_TRIAGE,         CD_LC_TRIAGED_REDIRECT_NHSE,         S(REDIRECTED_TO_NHSE),          A_STATUS | A_TELL | A_END | A_REFER},
    {BEFORE_TRIAGE,         CD_LC_TRIAGED_ELSEWHERE,             S(COORDINATED_BY_ANOTHER_BODY), A_STATUS | A_TELL | A_END | A_REFER},
    /* The case, the response and its letter. A step may overtake the one
     * before it (events from different services), never go back. */
    {B(RECEIVED),           CD_LC_CASE_OPENED,                   S(UNDER_INVESTIGATION),         A_STATUS},
    {BEFORE_OUTCOME,        CD_LC_CONTRIBUTION,                  S(UNSPECIFIED),                 A_MERGE},
    /* The response is on its way: an acknowledgement still owed goes first. */
    {BEFORE_OUTCOME,        CD_LC_INVESTIGATION_COMPLETED,       S(AWAITING_SIGN_OFF),           A_STATUS | A_ACK_IF_OWED},
    /* The one coordinated response goes to the partners too (R3, N2). */
    {BEFORE_SIGNATURE,      CD_LC_RESPONSE_APPROVED,             S(RESPONSE_APPROVED),           A_STATUS | A_SHARE},
    /* F2: a signatory sends the draft back; the investigator edits it and
     * records the outcome again (investigation-completed, above). */
    {B(AWAITING_SIGN_OFF),  CD_LC_DRAFT_RETURNED,                S(UNDER_INVESTIGATION),         A_STATUS},
    {IN_HAND,               CD_LC_RESPONSE_SENT,                 S(RESPONSE_SENT),               A_STATUS | A_MEET_RESP | A_CLOSE},
    /* Whatever the state: the acknowledgement letter meets its deadline (R4). */
    {KNOWN,                 CD_LC_ACKNOWLEDGED,                  S(UNSPECIFIED),                 A_MEET_ACK},
    /* While it is open. */
    {OPEN,                  CD_LC_WITHDRAWN,                     S(WITHDRAWN),                   A_STATUS | A_CLOSE},
    {OPEN,                  CD_LC_DEADLINE,                      S(UNSPECIFIED),                 A_ALERT},
    {OPEN,                  CD_LC_EXTENDED,                      S(UNSPECIFIED),                 0},
    /* R4: no investigator by the acknowledgement's due day: it goes, naming
     * the complaints manager. R5: the complainant kept informed, and told
     * why when the response is late. */
    {OPEN,                  CD_LC_ACK_DUE,                       S(UNSPECIFIED),                 A_ACK_IF_OWED},
    {OPEN,                  CD_LC_PROGRESS_SENT,                 S(UNSPECIFIED),                 0},
    {OPEN,                  CD_LC_RESPONSE_LATE,                 S(UNSPECIFIED),                 0},
    /* Casework: steps of the case that leave its state as it is. */
    /* The acknowledgement, if it waited for the investigator, names them (R4). */
    {B(UNDER_INVESTIGATION), CD_LC_INVESTIGATOR_ASSIGNED,        S(UNSPECIFIED),                 A_ACK_IF_OWED},
    {B(UNDER_INVESTIGATION), CD_LC_CASE_RECORDED,                S(UNSPECIFIED),                 0},
    /* The Ombudsman (L4): once the body has looked into it, answered or not. */
    {AFTER_INVESTIGATION_BEGAN, CD_LC_OMBUDSMAN_REFERRAL,        S(UNSPECIFIED),                 0},
};
// clang-format on

#define S_NROWS ((int)(sizeof s_rows / sizeof s_rows[0]))

static const char *const s_state_names[CD_STATE_COUNT] = {
    [S(UNSPECIFIED)] = "",
    [S(RECEIVED)] = "received",
    [S(AWAITING_CONSENT)] = "awaiting-consent",
    [S(AWAITING_SUMMARY_AGREEMENT)] = "awaiting-summary-agreement",
    [S(OUT_OF_TIME)] = "out-of-time",
    [S(UNDER_INVESTIGATION)] = "under-investigation",
    [S(AWAITING_SIGN_OFF)] = "awaiting-sign-off",
    [S(RESPONSE_APPROVED)] = "response-approved",
    [S(RESPONSE_SENT)] = "response-sent",
    [S(WITHDRAWN)] = "withdrawn",
    [S(COMPLIMENT)] = "compliment",
    [S(OUTSIDE_REGULATIONS)] = "outside-regulations",
    [S(NOT_REQUIRED)] = "not-required",
    [S(ALREADY_INVESTIGATED)] = "already-investigated",
    [S(APPEAL)] = "appeal",
    [S(PASSED_TO_PROVIDER)] = "passed-to-provider",
    [S(REDIRECTED_TO_NHSE)] = "redirected-to-nhse",
    [S(COORDINATED_BY_ANOTHER_BODY)] = "coordinated-by-another-body",
    [S(DECLINED_OUT_OF_TIME)] = "declined-out-of-time",
};

static const char *const s_event_names[CD_LC_EVENT_COUNT] = {
    [CD_LC_RECEIVED] = "received",
    [CD_LC_COMPLIMENT_RECEIVED] = "compliment-received",
    [CD_LC_OUTSIDE_REGS_RECEIVED] = "outside-regulations-received",
    [CD_LC_HELD_FOR_CONSENT] = "held-for-consent",
    [CD_LC_HELD_FOR_SUMMARY] = "held-for-summary",
    [CD_LC_HELD_OUT_OF_TIME] = "held-out-of-time",
    [CD_LC_CONSENT_RECORDED] = "consent-recorded",
    [CD_LC_SUMMARY_AGREED] = "summary-agreed",
    [CD_LC_OUT_OF_TIME_ACCEPTED] = "out-of-time-accepted",
    [CD_LC_OUT_OF_TIME_DECLINED] = "out-of-time-declined",
    [CD_LC_AMENDED] = "amended",
    [CD_LC_TRIAGED_HANDLE_HERE] = "triaged-handle-here",
    [CD_LC_TRIAGED_LEAD] = "triaged-lead",
    [CD_LC_TRIAGED_NOT_REQUIRED] = "triaged-not-required",
    [CD_LC_TRIAGED_ALREADY_INVESTIGATED] = "triaged-already-investigated",
    [CD_LC_TRIAGED_APPEAL] = "triaged-appeal",
    [CD_LC_TRIAGED_PASS_TO_PROVIDER] = "triaged-pass-to-provider",
    [CD_LC_TRIAGED_REDIRECT_NHSE] = "triaged-redirect-nhse",
    [CD_LC_TRIAGED_ELSEWHERE] = "triaged-elsewhere",
    [CD_LC_CASE_OPENED] = "case-opened",
    [CD_LC_CONTRIBUTION] = "contribution",
    [CD_LC_INVESTIGATION_COMPLETED] = "investigation-completed",
    [CD_LC_RESPONSE_APPROVED] = "response-approved",
    [CD_LC_ACKNOWLEDGED] = "acknowledged",
    [CD_LC_RESPONSE_SENT] = "response-sent",
    [CD_LC_WITHDRAWN] = "withdrawn",
    [CD_LC_DEADLINE] = "deadline",
    [CD_LC_EXTENDED] = "extended",
    [CD_LC_INVESTIGATOR_ASSIGNED] = "investigator-assigned",
    [CD_LC_CASE_RECORDED] = "case-recorded",
    [CD_LC_OMBUDSMAN_REFERRAL] = "ombudsman-referral",
    [CD_LC_ACK_DUE] = "acknowledgement-due",
    [CD_LC_PROGRESS_SENT] = "progress-sent",
    [CD_LC_RESPONSE_LATE] = "response-late",
    [CD_LC_DRAFT_RETURNED] = "draft-returned",
};

/* How far along its life a state is: an event whose rows all lead no
 * further than where the complaint already is has been overtaken. */
static int s_rank(cd_state_t s)
{
    switch (s) {
    case S(UNSPECIFIED):
        return 0;
    case S(RECEIVED):
    case S(AWAITING_CONSENT):
    case S(AWAITING_SUMMARY_AGREEMENT):
    case S(OUT_OF_TIME):
        return 1;
    case S(UNDER_INVESTIGATION):
        return 2;
    case S(AWAITING_SIGN_OFF):
        return 3;
    case S(RESPONSE_APPROVED):
        return 4;
    default:
        return 9; /* closed */
    }
}

static int s_valid(cd_state_t s)
{
    return (int)s >= 0 && (int)s < CD_STATE_COUNT;
}

static const cd_lc_row_t *s_row(cd_state_t from, cd_lc_event_t event)
{
    if (!s_valid(from))
        return NULL;
    for (int i = 0; i < S_NROWS; i++)
        if (s_rows[i].event == event && (s_rows[i].from & (1UL << from)))
            return &s_rows[i];
    return NULL;
}

/* The furthest a row of `event` leads: its target, or (a row that keeps the
 * state) the furthest state it applies in. */
static int s_reach(cd_lc_event_t event)
{
    int reach = -1;
    for (int i = 0; i < S_NROWS; i++) {
        if (s_rows[i].event != event)
            continue;
        if (s_rows[i].to != S(UNSPECIFIED)) {
            if (s_rank(s_rows[i].to) > reach)
                reach = s_rank(s_rows[i].to);
            continue;
        }
        for (int s = 0; s < CD_STATE_COUNT; s++)
            if ((s_rows[i].from & (1UL << s)) && s_rank((cd_state_t)s) > reach)
                reach = s_rank((cd_state_t)s);
    }
    return reach;
}

cd_lc_step_t cd_lc_step(cd_state_t from, cd_lc_event_t event)
{
    cd_lc_step_t st = {.verdict = CD_LC_REFUSED, .to = from, .actions = 0};
    const cd_lc_row_t *row = s_row(from, event);
    if (row) {
        st.verdict = CD_LC_MOVES;
        st.to = row->to != S(UNSPECIFIED) ? row->to : from;
        st.actions = row->actions;
        return st;
    }
    if (s_valid(from) && from != S(UNSPECIFIED) &&
        (cd_lc_closed(from) || s_reach(event) <= s_rank(from)))
        st.verdict = CD_LC_LATE;
    return st;
}

int cd_lc_allows(cd_state_t from, cd_lc_event_t event)
{
    return s_row(from, event) != NULL;
}

int cd_lc_closed(cd_state_t s)
{
    if (!s_valid(s) || s == S(UNSPECIFIED))
        return 0;
    for (int i = 0; i < S_NROWS; i++)
        if ((s_rows[i].from & (1UL << s)) && s_rows[i].to != S(UNSPECIFIED) && s_rows[i].to != s)
            return 0;
    return 1;
}

void cd_lc_states_allowing(cd_lc_event_t event, char *out, size_t len)
{
    size_t n = 0;
    n += (size_t)snprintf(out, len, "{");
    int first = 1;
    for (int s = 1; s < CD_STATE_COUNT && n < len; s++) {
        if (!s_row((cd_state_t)s, event))
            continue;
        n += (size_t)snprintf(out + n, len - n, "%s%s", first ? "" : ",", s_state_names[s]);
        first = 0;
    }
    if (n < len)
        snprintf(out + n, len - n, "}");
}

const char *cd_state_name(cd_state_t s)
{
    return s_valid(s) ? s_state_names[s] : "";
}

cd_state_t cd_state_from_name(const char *name)
{
    if (!name || !*name)
        return S(UNSPECIFIED);
    for (int s = 1; s < CD_STATE_COUNT; s++)
        if (strcmp(s_state_names[s], name) == 0)
            return (cd_state_t)s;
    return S(UNSPECIFIED);
}

const char *cd_lc_event_name(cd_lc_event_t event)
{
    return (int)event >= 0 && event < CD_LC_EVENT_COUNT ? s_event_names[event] : "";
}

const cd_lc_row_t *cd_lc_rows(int *n)
{
    *n = S_NROWS;
    return s_rows;
}
