/* apply.c - each event reporting takes, as the row values it changes
 * (apply.h). Pure: the payload in, codes, dates and counts out.
 *
 * One function a type, in one table (s_appliers); what each keeps:
 *   complaint.received      the body it was made to, the day received, and its
 *                           profile: kind, classification, channel, standing,
 *                           the patient's age band, a CHC appeal or not
 *   complaint.repeat_found  the reference of the same complainant's earlier
 *                           complaint to the body (repeat_of)
 *   complaint.amended       the profile as amended (the latest wins)
 *   complaint.withdrawn     withdrawn, and the day
 *   complaint.routed        the lead body, the acknowledgement's due day, the
 *                           response's due day as first set (and as agreed),
 *                           the partners expected (R3)
 *   complaint.status_changed the complaint's state (the latest wins)
 *   deadline.extended       the response's due day as agreed now, one more extension
 *   response.late           that the complainant was told why it is late
 *   complaint.referred      triage's outcome and the body it went to
 *   contributions.merged    each partner's part: contributed or waived
 *   out_of_time.decided     accepted or declined, and the day (I3)
 *   investigation.completed the outcome, the day, and each aspect's KO41a
 *                           codes and verdict; each action's number, due day
 *                           and the day done, and how many lessons (all
 *                           replace an earlier completion's)
 *   action.done             an action's day done, later (by its number)
 *   response.approved       the outcome signed, the day
 *   draft.returned          one more return by a signatory
 *   letter.sent             the day acknowledged, the day the response went
 *   ombudsman.referral      the referral, its stage and outcome (L4) */
#include "apply.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/events.h"
#include "candour/util.h"
#include "candour/v1/case.pb-c.h"
#include "candour/v1/complaint.pb-c.h"
#include "candour/v1/events.pb-c.h"
#include "candour/v1/lifecycle.pb-c.h"

/* ---------------------------------------------------------------- values */

int rp_code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '-' && c != '/')
            return 0;
    }
    return 1;
}

/* Copy src into dst[RP_VALUE_MAX] if it is a code, else "". */
static void s_code_copy(char *dst, const char *src)
{
    if (rp_code_ok(src))
        snprintf(dst, RP_VALUE_MAX, "%s", src);
    else
        dst[0] = 0;
}

/* Add a column; value NULL (or "") is SQL NULL. */
static void s_col(rp_change_t *out, const char *column, const char *type, rp_merge_t merge,
                  const char *stamp, const char *value)
{
    assert(out->ncols < RP_MAX_COLS);
    assert((merge == RP_LATEST || merge == RP_EARLIEST) == (stamp != NULL));
    rp_col_t *c = &out->cols[out->ncols++];
    c->column = column;
    c->type = type;
    c->merge = merge;
    c->stamp = stamp;
    c->is_null = !value || !value[0];
    snprintf(c->value, sizeof c->value, "%s", c->is_null ? "" : value);
}

/* A text column that only ever holds a code: anything else is NULL. */
static void s_code(rp_change_t *out, const char *column, rp_merge_t merge, const char *stamp,
                   const char *value)
{
    s_col(out, column, "text", merge, stamp, rp_code_ok(value) ? value : NULL);
}

/* A date column from a "YYYY-MM-DD" text: anything else is NULL. */
static void s_date(rp_change_t *out, const char *column, rp_merge_t merge, const char *stamp,
                   const char *value)
{
    cd_date_t d;
    char text[CD_DATE_LEN + 1] = "";
    if (value && cd_date_parse(value, &d) == 0)
        cd_date_format(d, text);
    s_col(out, column, "date", merge, stamp, text);
}

/* A date column: the day in London of an instant (microseconds, UTC). */
static void s_day(rp_change_t *out, const char *column, rp_merge_t merge, const char *stamp,
                  int64_t us)
{
    char text[CD_DATE_LEN + 1];
    cd_date_format(cd_date_from_unix_london(us / 1000000), text);
    s_col(out, column, "date", merge, stamp, text);
}

/* A stamp column: an instant in microseconds. */
static void s_stamp(rp_change_t *out, const char *column, rp_merge_t merge, int64_t us)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, us);
    s_col(out, column, "bigint", merge, NULL, text);
}

static void s_bool(rp_change_t *out, const char *column, rp_merge_t merge, const char *stamp, int v)
{
    s_col(out, column, "boolean", merge, stamp, v ? "t" : "f");
}

/* An enum value as a code: its name without the prefix, in lower case with
 * hyphens (COMPLAINT_STATE_UNDER_INVESTIGATION -> "under-investigation", as
 * the lifecycle names states). NULL for a value the descriptor lacks. */
static const char *s_enum(const ProtobufCEnumDescriptor *d, int value, const char *prefix,
                          char out[RP_VALUE_MAX])
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    size_t plen = strlen(prefix);
    if (!v || strncmp(v->name, prefix, plen) != 0 || !v->name[plen])
        return NULL;
    size_t i = 0;
    for (const char *p = v->name + plen; *p && i < RP_VALUE_MAX - 1; p++)
        out[i++] = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
    out[i] = 0;
    return out;
}

/* ---------------------------------------------------------------- events */

typedef int (*s_apply_fn)(const Candour__V1__Envelope *env, const ProtobufCMessage *p,
                          rp_change_t *out);

/* The complaint's profile: what it is and who makes it, as codes (the
 * latest of complaint.received and complaint.amended wins). */
static void s_profile(const Candour__V1__Complaint *c, int64_t us, rp_change_t *out)
{
    char v[RP_VALUE_MAX];
    s_code(out, "kind", RP_LATEST, "profile_us",
           s_enum(&candour__v1__kind__descriptor, c->kind, "KIND_", v));
    s_code(out, "channel", RP_LATEST, "profile_us",
           s_enum(&candour__v1__channel__descriptor, c->channel, "CHANNEL_", v));
    s_code(out, "standing", RP_LATEST, "profile_us",
           s_enum(&candour__v1__standing__descriptor, c->standing, "STANDING_", v));
    s_code(out, "age_band", RP_LATEST, "profile_us",
           s_enum(&candour__v1__age_band__descriptor, c->patient_age_band, "AGE_BAND_", v));
    s_bool(out, "chc_appeal", RP_LATEST, "profile_us", c->chc_eligibility_appeal);
    s_stamp(out, "profile_us", RP_MAX, us);
}

static int s_received(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    const Candour__V1__ComplaintReceived *r = (const Candour__V1__ComplaintReceived *)p;
    char v[RP_VALUE_MAX];
    s_code(out, "made_to_org", RP_SET, NULL, r->org_id);
    s_code(
        out, "classification", RP_SET, NULL,
        s_enum(&candour__v1__classification__descriptor, r->classification, "CLASSIFICATION_", v));
    /* The day it was received is intake's (I5a: a referral's is its receipt
     * there); the event's own time when it has none. */
    int64_t s = r->complaint ? cd_parse_rfc3339(r->complaint->received_at) : -1;
    s_day(out, "received_on", RP_SET, NULL, s > 0 ? s * 1000000 : env->occurred_at_us);
    if (r->complaint)
        s_profile(r->complaint, env->occurred_at_us, out);
    return 1;
}

/* The same complainant's earlier complaint to the body (L1 repeats): its
 * reference only. */
static int s_repeat(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    (void)env;
    const Candour__V1__RepeatFound *r = (const Candour__V1__RepeatFound *)p;
    s_code(out, "repeat_of", RP_SET, NULL, r->repeat_of);
    return 1;
}

static int s_amended(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    const Candour__V1__ComplaintAmended *a = (const Candour__V1__ComplaintAmended *)p;
    if (!a->complaint)
        return 0;
    s_profile(a->complaint, env->occurred_at_us, out);
    return 1;
}

static int s_withdrawn(const Candour__V1__Envelope *env, const ProtobufCMessage *p,
                       rp_change_t *out)
{
    (void)p; /* the reason is the complainant's words: not kept */
    s_bool(out, "withdrawn", RP_MAX, NULL, 1);
    s_day(out, "withdrawn_on", RP_MIN, NULL, env->occurred_at_us);
    return 1;
}

static void s_partner(rp_change_t *out, const char *org, const char *part)
{
    if (!rp_code_ok(org) || out->npartners >= RP_MAX_PARTNERS)
        return;
    rp_partner_t *pt = &out->partners[out->npartners++];
    s_code_copy(pt->org_id, org);
    pt->part = part;
}

static int s_routed(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    const Candour__V1__ComplaintRouted *r = (const Candour__V1__ComplaintRouted *)p;
    s_code(out, "lead_org", RP_EARLIEST, "routed_us", r->handling_org);
    s_date(out, "ack_due", RP_EARLIEST, "routed_us", r->ack_due);
    s_date(out, "response_due_first", RP_EARLIEST, "routed_us", r->response_due);
    s_stamp(out, "routed_us", RP_MIN, env->occurred_at_us);
    s_date(out, "response_due", RP_LATEST, "due_us", r->response_due);
    s_stamp(out, "due_us", RP_MAX, env->occurred_at_us);
    for (size_t i = 0; i < r->n_partners; i++)
        s_partner(out, r->partners[i], "expected");
    return 1;
}

static int s_status(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    const Candour__V1__StatusChanged *s = (const Candour__V1__StatusChanged *)p;
    char v[RP_VALUE_MAX];
    const char *state =
        s_enum(&candour__v1__complaint_state__descriptor, s->state, "COMPLAINT_STATE_", v);
    if (!state)
        return 0;
    s_code(out, "status", RP_LATEST, "status_us", state);
    s_stamp(out, "status_us", RP_MAX, env->occurred_at_us);
    return 1;
}

/* Only the response's extensions (R5) are counted: the others move no
 * date reporting keeps. */
static int s_extended(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    const Candour__V1__DeadlineExtended *x = (const Candour__V1__DeadlineExtended *)p;
    if (strcmp(x->deadline, "response") != 0)
        return 0;
    s_date(out, "response_due", RP_LATEST, "due_us", x->new_due);
    s_stamp(out, "due_us", RP_MAX, env->occurred_at_us);
    s_col(out, "extensions", "integer", RP_ADD, NULL, "1");
    return 1;
}

static int s_late(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    (void)env;
    (void)p; /* the reason is staff's words: not kept */
    s_bool(out, "late_explained", RP_MAX, NULL, 1);
    return 1;
}

static int s_referred(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    const Candour__V1__ComplaintReferred *r = (const Candour__V1__ComplaintReferred *)p;
    s_code(out, "triage", RP_LATEST, "referred_us", r->outcome);
    s_code(out, "referred_to_org", RP_LATEST, "referred_us", r->to_org);
    s_stamp(out, "referred_us", RP_MAX, env->occurred_at_us);
    return 1;
}

static int s_merged(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    (void)env;
    const Candour__V1__ContributionsMerged *m = (const Candour__V1__ContributionsMerged *)p;
    for (size_t i = 0; i < m->n_contributions; i++)
        s_partner(out, m->contributions[i]->org,
                  m->contributions[i]->waived ? "waived" : "contributed");
    return out->npartners > 0;
}

static int s_out_of_time(const Candour__V1__Envelope *env, const ProtobufCMessage *p,
                         rp_change_t *out)
{
    const Candour__V1__OutOfTimeDecided *d = (const Candour__V1__OutOfTimeDecided *)p;
    s_code(out, "out_of_time", RP_LATEST, "out_of_time_us", d->accept ? "accepted" : "declined");
    s_day(out, "out_of_time_on", RP_LATEST, "out_of_time_us", env->occurred_at_us);
    s_stamp(out, "out_of_time_us", RP_MAX, env->occurred_at_us);
    return 1;
}

static void s_outcome(rp_change_t *out, Candour__V1__Outcome o, int64_t us)
{
    char v[RP_VALUE_MAX];
    s_code(out, "outcome", RP_LATEST, "outcome_us",
           s_enum(&candour__v1__outcome__descriptor, o, "OUTCOME_", v));
    s_stamp(out, "outcome_us", RP_MAX, us);
}

/* The aspects as agreed, each with its finding's verdict (by issue_id). */
static void s_aspects(rp_change_t *out, const Candour__V1__CaseSummary *sum, int64_t us)
{
    out->aspects_set = 1;
    out->aspects_us = us;
    for (size_t i = 0; sum && i < sum->n_issues && out->naspects < RP_MAX_ASPECTS; i++) {
        const Candour__V1__KeyIssue *ki = sum->issues[i];
        if (!rp_code_ok(ki->issue_id))
            continue;
        rp_aspect_t *a = &out->aspects[out->naspects++];
        s_code_copy(a->issue_id, ki->issue_id);
        s_code_copy(a->subject, ki->subject);
        s_code_copy(a->service_area, ki->service_area);
        s_code_copy(a->profession, ki->profession);
        a->verdict[0] = 0;
        for (size_t j = 0; j < sum->n_findings; j++)
            if (strcmp(sum->findings[j]->issue_id, ki->issue_id) == 0)
                s_code_copy(a->verdict, sum->findings[j]->verdict);
    }
}

/* The actions as agreed, without their words or owners: each one's number,
 * due day and the day done; and how many lessons. A summary that says
 * actions were recorded but lists none is an event from before the list
 * was carried: its actions are not known, so none are replaced. */
static void s_actions(rp_change_t *out, const Candour__V1__CaseSummary *sum, int64_t us)
{
    char n[24];
    snprintf(n, sizeof n, "%d", sum->lessons > 0 ? (int)sum->lessons : 0);
    s_col(out, "lessons", "integer", RP_LATEST, "actions_us", n);
    s_stamp(out, "actions_us", RP_MAX, us);
    if (sum->actions && sum->n_action_dues == 0)
        return;
    out->actions_set = 1;
    out->actions_us = us;
    for (size_t i = 0; i < sum->n_action_dues && out->nactions < RP_MAX_ACTIONS; i++) {
        const Candour__V1__ActionDue *a = sum->action_dues[i];
        cd_date_t d;
        if (a->number < 1 || cd_date_parse(a->due, &d) != 0)
            continue;
        rp_action_t *x = &out->actions[out->nactions++];
        x->n = a->number;
        cd_date_format(d, x->due);
        x->done_on[0] = 0;
        if (a->done && cd_date_parse(a->done_on, &d) == 0)
            cd_date_format(d, x->done_on);
    }
}

static int s_completed(const Candour__V1__Envelope *env, const ProtobufCMessage *p,
                       rp_change_t *out)
{
    const Candour__V1__InvestigationCompleted *c = (const Candour__V1__InvestigationCompleted *)p;
    s_outcome(out, c->outcome, env->occurred_at_us);
    s_day(out, "outcome_on", RP_LATEST, "outcome_us", env->occurred_at_us);
    s_aspects(out, c->summary, env->occurred_at_us);
    if (c->summary)
        s_actions(out, c->summary, env->occurred_at_us);
    return 1;
}

/* One action done later: its number and day, never its words. */
static int s_action_done(const Candour__V1__Envelope *env, const ProtobufCMessage *p,
                         rp_change_t *out)
{
    (void)env;
    const Candour__V1__ActionDone *a = (const Candour__V1__ActionDone *)p;
    cd_date_t d;
    if (a->number < 1 || cd_date_parse(a->done_on, &d) != 0)
        return 0;
    out->action_done = 1;
    out->nactions = 1;
    out->actions[0].n = a->number;
    cd_date_format(d, out->actions[0].done_on);
    if (cd_date_parse(a->due, &d) == 0)
        cd_date_format(d, out->actions[0].due);
    return 1;
}

static int s_approved(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    const Candour__V1__ResponseApproved *a = (const Candour__V1__ResponseApproved *)p;
    s_outcome(out, a->outcome, env->occurred_at_us);
    s_day(out, "approved_on", RP_MIN, NULL, env->occurred_at_us);
    return 1;
}

static int s_returned(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    (void)env;
    (void)p; /* the reasons are the signatory's words: not kept */
    s_col(out, "drafts_returned", "integer", RP_ADD, NULL, "1");
    return 1;
}

static int s_letter(const Candour__V1__Envelope *env, const ProtobufCMessage *p, rp_change_t *out)
{
    const Candour__V1__LetterSent *l = (const Candour__V1__LetterSent *)p;
    if (strcmp(l->kind, "acknowledgement") == 0)
        s_day(out, "acknowledged_on", RP_MIN, NULL, env->occurred_at_us);
    else if (strcmp(l->kind, "final-response") == 0)
        s_day(out, "response_sent_on", RP_MIN, NULL, env->occurred_at_us);
    else
        return 0;
    return 1;
}

static int s_ombudsman(const Candour__V1__Envelope *env, const ProtobufCMessage *p,
                       rp_change_t *out)
{
    const Candour__V1__Referral *r = (const Candour__V1__Referral *)p;
    if (!rp_code_ok(r->stage))
        return 0;
    /* A later record may leave the reference and the day empty: keep the first's. */
    s_date(out, "ombudsman_referred_on", RP_MIN, NULL, r->referred_on);
    s_code(out, "ombudsman_ref", RP_MAX, NULL, r->phso_ref);
    s_code(out, "ombudsman_stage", RP_LATEST, "ombudsman_us", r->stage);
    s_code(out, "ombudsman_outcome", RP_LATEST, "ombudsman_us", r->outcome);
    s_date(out, "ombudsman_stage_on", RP_LATEST, "ombudsman_us", r->stage_on);
    s_stamp(out, "ombudsman_us", RP_MAX, env->occurred_at_us);
    out->has_stage = 1;
    s_code_copy(out->stage.stage, r->stage);
    cd_date_t d;
    if (cd_date_parse(r->stage_on, &d) == 0)
        cd_date_format(d, out->stage.stage_on);
    else
        out->stage.stage_on[0] = 0;
    s_code_copy(out->stage.outcome, r->outcome);
    return 1;
}

/* What each event type keeps; its payload's message is the catalogue's
 * (events.h), checked before the function sees it. */
static const struct {
    const char *type;
    s_apply_fn fn;
} s_appliers[] = {
    {"complaint.received", s_received},
    {"complaint.amended", s_amended},
    {"complaint.repeat_found", s_repeat},
    {"complaint.withdrawn", s_withdrawn},
    {"complaint.routed", s_routed},
    {"complaint.status_changed", s_status},
    {"deadline.extended", s_extended},
    {"response.late", s_late},
    {"complaint.referred", s_referred},
    {"contributions.merged", s_merged},
    {"out_of_time.decided", s_out_of_time},
    {"investigation.completed", s_completed},
    {"action.done", s_action_done},
    {"response.approved", s_approved},
    {"draft.returned", s_returned},
    {"letter.sent", s_letter},
    {"ombudsman.referral", s_ombudsman},
};

#define S_NAPPLIERS (sizeof s_appliers / sizeof s_appliers[0])

const char *rp_type(size_t i)
{
    return i < S_NAPPLIERS ? s_appliers[i].type : NULL;
}

int rp_apply(const Candour__V1__Envelope *env, const ProtobufCMessage *payload, rp_change_t *out)
{
    assert(env && out);
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < S_NAPPLIERS; i++) {
        if (!env->type || strcmp(s_appliers[i].type, env->type) != 0)
            continue;
        if (!payload || payload->descriptor != cd_event_descriptor(env->type) ||
            !rp_code_ok(env->complaint_ref))
            return -1;
        s_code_copy(out->reference, env->complaint_ref);
        int rc = s_appliers[i].fn(env, payload, out);
        if (rc <= 0)
            memset(out, 0, sizeof *out);
        return rc;
    }
    return 0;
}

const rp_col_t *rp_change_col(const rp_change_t *out, const char *column)
{
    for (int i = 0; i < out->ncols; i++)
        if (strcmp(out->cols[i].column, column) == 0)
            return &out->cols[i];
    return NULL;
}
