/* classify.c - what intake decides about a complaint as it arrives. */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/lifecycle.h"
#include "candour/util.h"

cd_date_t in_time_limit(cd_date_t from)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    cd_date_t to = {from.y + 1, from.m, from.d};
    int leap = (to.y % 4 == 0 && to.y % 100 != 0) || to.y % 400 == 0;
    int last = mdays[to.m - 1] + (to.m == 2 && leap);
    if (to.d > last)
        to.d = last;
    return to;
}

int in_needs_consent(const Candour__V1__Complaint *c)
{
    return c->standing == CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT && c->n_consents == 0 &&
           c->consent_exception[0] == 0;
}

const char *in_hold_name(Candour__V1__Hold h)
{
    switch (h) {
    case CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT:
        return "awaiting-consent";
    case CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT:
        return "awaiting-summary-agreement";
    case CANDOUR__V1__HOLD__HOLD_OUT_OF_TIME:
        return "out-of-time";
    default:
        return "held";
    }
}

/* The later of the event and awareness dates (I3), 0 if neither parses. */
static int s_matter_date(const Candour__V1__Complaint *c, cd_date_t *out)
{
    cd_date_t ev, aw;
    int has_ev = c->event_date[0] && cd_date_parse(c->event_date, &ev) == 0;
    int has_aw = c->awareness_date[0] && cd_date_parse(c->awareness_date, &aw) == 0;
    if (!has_ev && !has_aw)
        return 0;
    *out = !has_aw || (has_ev && cd_date_cmp(ev, aw) > 0) ? ev : aw;
    return 1;
}

/* I4: an oral complaint resolved by the end of the next working day. */
static int s_resolved_in_time(const Candour__V1__Complaint *c, cd_date_t received,
                              const cd_calendar_t *cal)
{
    if (c->channel != CANDOUR__V1__CHANNEL__CHANNEL_VERBAL || !c->resolved_at[0])
        return 0;
    int64_t when = cd_parse_rfc3339(c->resolved_at);
    if (when < 0)
        return 0;
    cd_date_t resolved = cd_date_from_unix_london(when);
    return cd_date_cmp(resolved, cd_workdays_add(cal, received, 1)) <= 0;
}

static void s_hold(in_class_t *out, Candour__V1__Hold h)
{
    if (out->nholds < IN_MAX_HOLDS)
        out->holds[out->nholds++] = h;
}

void in_classify(const Candour__V1__Complaint *c, int64_t received_unix, const cd_calendar_t *cal,
                 in_class_t *out)
{
    memset(out, 0, sizeof *out);
    cd_date_t received = cd_date_from_unix_london(received_unix);
    if (c->kind == CANDOUR__V1__KIND__KIND_COMPLIMENT) {
        out->classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLIMENT;
        return;
    }
    if (s_resolved_in_time(c, received, cal)) {
        out->classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_OUTSIDE_REGULATIONS;
        return;
    }
    out->classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT;
    if (in_needs_consent(c))
        s_hold(out, CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT);
    if (c->channel == CANDOUR__V1__CHANNEL__CHANNEL_VERBAL && !c->summary_agreed)
        s_hold(out, CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT);
    cd_date_t matter;
    if (s_matter_date(c, &matter) && cd_date_cmp(received, in_time_limit(matter)) > 0)
        s_hold(out, CANDOUR__V1__HOLD__HOLD_OUT_OF_TIME);
}

Candour__V1__Hold in_hold_from_name(const char *name)
{
    static const Candour__V1__Hold all[] = {CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT,
                                            CANDOUR__V1__HOLD__HOLD_AWAITING_SUMMARY_AGREEMENT,
                                            CANDOUR__V1__HOLD__HOLD_OUT_OF_TIME};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(in_hold_name(all[i]), name) == 0)
            return all[i];
    return CANDOUR__V1__HOLD__HOLD_UNSPECIFIED;
}

const char *in_initial_state(const in_class_t *k)
{
    if (k->classification == CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLIMENT)
        return "compliment";
    if (k->classification == CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_OUTSIDE_REGULATIONS)
        return "outside-regulations";
    return k->nholds ? in_hold_name(k->holds[0]) : "received";
}

/* The lifecycle (candour/lifecycle.h) says what a complaint in `state` still
 * allows; intake knows the state from routing's status changes. */
int in_amendable(const char *state)
{
    return cd_lc_allows(cd_state_from_name(state), CD_LC_AMENDED);
}

int in_withdrawable(const char *state)
{
    return cd_lc_allows(cd_state_from_name(state), CD_LC_WITHDRAWN);
}

int in_consent_accepted(const char *state)
{
    return cd_lc_allows(cd_state_from_name(state), CD_LC_CONSENT_RECORDED);
}

/* ---------------------------------------------------------------- holds as text[] */
int in_holds_literal(const in_class_t *k, char *out, size_t len)
{
    const char *names[IN_MAX_HOLDS];
    for (int i = 0; i < k->nholds; i++)
        names[i] = in_hold_name(k->holds[i]);
    char *lit = cd_pg_text_array(names, (size_t)k->nholds);
    if (!lit)
        return -1;
    int n = snprintf(out, len, "%s", lit);
    free(lit);
    return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* "{a,b}" -> holds (names are fixed identifiers without commas or quotes). */
void in_holds_parse(const char *text, in_class_t *k)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    k->nholds = 0;
    for (char *t = strtok(buf, "{},"); t && k->nholds < IN_MAX_HOLDS; t = strtok(NULL, "{},")) {
        Candour__V1__Hold h = in_hold_from_name(t);
        if (h != CANDOUR__V1__HOLD__HOLD_UNSPECIFIED)
            k->holds[k->nholds++] = h;
    }
}
