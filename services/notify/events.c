/* events.c - the events notify takes, one handler a type (the table is in
 * main.c), each applied in one transaction with its inbox record.
 *
 *   complaint.received    who to write to, and how (the complainant's details)
 *   complaint.amended     the details as amended before triage
 *   complaint.withdrawn   the withdrawal recorded, the letters waiting for
 *                         delivery recorded as not sent, the confirmation written
 *   letter.requested      the acknowledgement (R4) or the triage outcome (I5, I6)
 *   response.approved     the final response (F3): the draft version signed, or
 *                         the findings with the partners' parts (R3)
 *   deadline.extended     the extension letter (R5)
 *   progress.sent         a progress update (R5): staff's words, or the standard one
 *   response.late         why the response is late, and when to expect it (R5)
 *   deadline.due_soon,
 *   deadline.overdue      an alert for the complaints manager (R6)
 *
 * A letter is rendered here and committed; deliver.c puts it in the spool.
 * After a withdrawal, a letter asked for is still rendered and kept, but as
 * not sent (letters.h: nt_letter_goes_after_withdrawal). The inbox applies
 * one event per complaint at a time, so what a handler reads of a complaint
 * (its recipient, withdrawn or not) does not change before it commits. */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/digest.h"
#include "candour/errcode.h"
#include "candour/log.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "letters.h"
#include "notify.h"
#include "render.h"

/* A letter an event asks for, while its recipient is read. */
typedef struct {
    nt_app_t *app;
    cd_inbox_t *in;
    cd_event_t *ev;
    const char *reference;           /* the envelope's; lives until ev is answered */
    const ProtobufCMessage *payload; /* likewise */
    char kind[64];                   /* the letter's kind (file-name-safe) */
    nt_render_fn render;
    int withdraws; /* complaint.withdrawn: record the withdrawal too */
    /* A letter that goes with it, in the same transaction (the covering
     * letter with the final response, F2); also NULL: none. */
    char also_kind[64];
    nt_render_fn also;
} s_letter_t;

/* Why a triage-outcome request cannot be written, or NULL. */
static const char *s_triage_refused(const Candour__V1__LetterRequested *lr)
{
    return nt_triage_outcome_known(lr->outcome) ? NULL
                                                : "no triage-outcome letter for that outcome";
}

/* The letters letter.requested may ask for, by LetterRequested.kind. */
static const struct {
    const char *kind;
    nt_render_fn render;
    const char *(*refused)(const Candour__V1__LetterRequested *lr); /* may be NULL */
} s_requested[] = {
    {"acknowledgement", nt_rd_acknowledgement, NULL},
    {"triage-outcome", nt_rd_triage, s_triage_refused},
    {NT_KIND_CONSENT, nt_rd_consent, NULL},
};

/* ---------------------------------------------------------------- letters */

/* The statements that record a withdrawal: on the recipient, and every
 * letter still waiting that may not go now, as not sent. */
static void s_add_withdrawal(cd_tx_t *tx, const char *reference,
                             const Candour__V1__ComplaintWithdrawn *cw)
{
    const char *v[2] = {reference, cw->reason};
    cd_tx_add(tx,
              "UPDATE notify.recipient SET withdrawn_at = coalesce(withdrawn_at, now()),"
              " withdrawal_reason = coalesce(withdrawal_reason, $2) WHERE reference = $1",
              2, v);
    /* The kinds that still go, as an array literal: they are fixed, file-name-safe words. */
    char kinds[256] = "{";
    for (const char *const *k = nt_letters_after_withdrawal(); *k; k++) {
        size_t len = strlen(kinds);
        snprintf(kinds + len, sizeof kinds - len, "%s\"%s\"", len > 1 ? "," : "", *k);
    }
    size_t len = strlen(kinds);
    snprintf(kinds + len, sizeof kinds - len, "}");
    const char *w[2] = {reference, kinds};
    cd_tx_add(tx,
              "UPDATE notify.letter SET not_sent = 'cancelled-withdrawn', not_sent_at = now()"
              " WHERE reference = $1 AND delivered_at IS NULL AND not_sent IS NULL"
              " AND kind <> ALL ($2::text[])",
              2, w);
}

/* A letter's row, and with it, when the person it goes to needs what a
 * printed letter does not give (I7), the team's task: both or neither. */
static void s_add_letter(cd_tx_t *tx, const char *letter_id, const s_letter_t *p, const char *kind,
                         const Candour__V1__Person *to, const char *recipient, const char *body,
                         const char *head, const char *not_sent, const char *org_id, int mails)
{
    char need[128] = "", detail[200] = "";
    int task = !not_sent && nt_access_task(to, need, sizeof need);
    if (task)
        snprintf(detail, sizeof detail, "%s (letter %s)", need, kind);
    const char *v[12] = {letter_id,      p->reference, kind,
                         nt_channel(to), body,         not_sent,
                         recipient,      head,         task ? "t" : "f",
                         detail,         org_id,       mails ? "queued" : "none"};
    cd_tx_add(tx,
              "WITH l AS (INSERT INTO notify.letter (letter_id, reference, kind, channel, body,"
              " not_sent, not_sent_at, recipient, head) VALUES ($1::uuid, $2, $3, $4, $5, $6::text,"
              " CASE WHEN $6::text IS NULL THEN NULL ELSE now() END, $7::jsonb, $8)"
              " ON CONFLICT (reference, kind) DO NOTHING RETURNING letter_id)"
              " INSERT INTO notify.alert (reference, deadline, level, kind, letter_id, detail,"
              " org_id, email_state)"
              " SELECT $2, '', 'task', 'access-need', l.letter_id, $10, $11, $12 FROM l"
              " WHERE $9::boolean",
              12, v);
}

static Candour__V1__Person *s_parse_person(const char *json, size_t len)
{
    cd_fail_t err;
    return (Candour__V1__Person *)cd_pbjson_parse(&candour__v1__person__descriptor, json, len,
                                                  &err);
}

static void s_on_recipient(const cd_tx_result_t *res, void *arg)
{
    s_letter_t *p = arg;
    if (res->err) {
        cd_inbox_defer(p->in, p->ev, "database unavailable");
        free(p);
        return;
    }
    PGresult *r = res->results[0];
    if (PQntuples(r) != 1) {
        /* complaint.received comes from intake, this maybe from another
         * service: it can overtake. Wait for the resend. */
        cd_inbox_defer(p->in, p->ev, "recipient not known yet");
        free(p);
        return;
    }
    Candour__V1__Person *complainant =
        s_parse_person(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    /* A consent request goes to the patient when we can reach them (I2). */
    Candour__V1__Person *patient = NULL;
    if (strcmp(p->kind, NT_KIND_CONSENT) == 0 && PQgetlength(r, 0, 3) > 0) {
        patient = s_parse_person(PQgetvalue(r, 0, 3), (size_t)PQgetlength(r, 0, 3));
        if (patient && !patient->n_address && !patient->email[0]) {
            candour__v1__person__free_unpacked(patient, NULL);
            patient = NULL;
        }
    }
    const Candour__V1__Person *to = patient ? patient : complainant;
    json_t *names = json_loads(PQgetvalue(r, 0, 4), 0, NULL);
    char today[CD_DATE_LEN + 1];
    /* The letter's date: today in London (by Candour's clock). */
    cd_date_format(cd_date_from_unix_london(cd_clock_now()), today);
    /* The body writing: its letterhead's name, else its id. */
    json_t *lh = json_loads(PQgetvalue(r, 0, 5), 0, NULL);
    const char *org_name = json_string_value(json_object_get(lh, "name"));
    nt_ctx_t c = {.to = to,
                  .complainant = complainant,
                  .reference = p->reference,
                  .today = today,
                  .payload = p->payload,
                  .names = names,
                  .org_name = org_name && org_name[0] ? org_name : PQgetvalue(r, 0, 2)};
    /* The body's own covering letter goes with its response (F2) when the
     * signatory wrote none. */
    json_t *cover = json_loads(PQgetvalue(r, 0, 7), 0, NULL);
    c.covering = json_string_value(json_object_get(cover, "covering"));
    if (!p->also && c.covering && strcmp(p->kind, "final-response") == 0) {
        p->also = nt_rd_covering_template;
        snprintf(p->also_kind, sizeof p->also_kind, "%s", NT_KIND_COVERING);
    }
    char *body = to ? p->render(&c) : NULL;
    char *also = body && p->also ? p->also(&c) : NULL;
    char *head = nt_render_letterhead(PQgetvalue(r, 0, 5));
    if (body && head) {
        nt_apply_templates(&c, p->kind, PQgetvalue(r, 0, 6), &body, &head);
        if (also) {
            char *also_head = NULL; /* the covering letter shares the response's letterhead */
            nt_apply_templates(&c, p->also_kind, PQgetvalue(r, 0, 7), &also, &also_head);
            free(also_head);
        }
    }
    json_decref(lh);
    json_decref(cover);
    if (!body || !head || (p->also && !also)) {
        /* Never one without the other: the event is refused, and seen. */
        cd_inbox_nak(p->in, p->ev, CD_CODE_RENDER_FAILED, "the letter could not be rendered");
    } else {
        int withdrawn = PQgetvalue(r, 0, 1)[0] == 't';
        const char *not_sent =
            withdrawn && !nt_letter_goes_after_withdrawal(p->kind) ? "cancelled-withdrawn" : NULL;
        const char *org_id = PQgetvalue(r, 0, 2);
        const char *recipient = patient ? PQgetvalue(r, 0, 3) : NULL;
        cd_tx_t *tx = cd_inbox_tx(p->in, p->ev);
        if (p->withdraws)
            s_add_withdrawal(tx, p->reference, (const Candour__V1__ComplaintWithdrawn *)p->payload);
        char letter_id[CD_UUID_LEN + 1];
        if (also) {
            /* The letter that goes with it first (it introduces the other). */
            cd_uuid(letter_id);
            s_add_letter(tx, letter_id, p, p->also_kind, to, recipient, also, head, not_sent,
                         org_id, NT_MAILS_ALERTS(p->app));
        }
        cd_uuid(letter_id);
        s_add_letter(tx, letter_id, p, p->kind, to, recipient, body, head, not_sent, org_id,
                     NT_MAILS_ALERTS(p->app));
        if (not_sent)
            cd_log_info("letter.not_sent", "{s:s, s:s, s:s}", "reference", p->reference, "kind",
                        p->kind, "why", not_sent);
        cd_inbox_commit(p->in, p->ev, tx, nt_deliver_soon, p->app);
    }
    free(body);
    free(also);
    free(head);
    json_decref(names);
    if (complainant)
        candour__v1__person__free_unpacked(complainant, NULL);
    if (patient)
        candour__v1__person__free_unpacked(patient, NULL);
    free(p);
}

/* Read the recipient, then render and commit the letter (s_on_recipient),
 * with the one that goes with it (also, of kind also_kind) when there is one. */
static void s_letter_also(nt_app_t *app, cd_inbox_t *in, cd_event_t *ev,
                          const Candour__V1__Envelope *env, const char *kind, nt_render_fn render,
                          const ProtobufCMessage *payload, int withdraws, nt_render_fn also,
                          const char *also_kind)
{
    if (!nt_safe_reference(env->complaint_ref)) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "the complaint reference is not a valid reference");
        return;
    }
    s_letter_t *p = calloc(1, sizeof *p);
    if (!p) {
        cd_inbox_defer(in, ev, "out of memory");
        return;
    }
    *p = (s_letter_t){.app = app,
                      .in = in,
                      .ev = ev,
                      .reference = env->complaint_ref,
                      .payload = payload,
                      .render = render,
                      .withdraws = withdraws,
                      .also = also};
    if (also)
        snprintf(p->also_kind, sizeof p->also_kind, "%s", also_kind);
    snprintf(p->kind, sizeof p->kind, "%s", kind);
    assert(nt_safe_reference(p->kind));
    const char *v[3] = {env->complaint_ref, p->kind, NT_KIND_COVERING};
    cd_db_query(cd_service_db(app->svc),
                "SELECT r.person, (r.withdrawn_at IS NOT NULL)::text, r.org_id,"
                " coalesce(r.patient::text, ''),"
                " coalesce((SELECT jsonb_object_agg(o.org_id, o.letterhead->>'name')"
                "  FROM notify.org o WHERE coalesce(o.letterhead->>'name', '') <> '')::text, '{}'),"
                " coalesce((SELECT o.letterhead::text FROM notify.org o"
                "  WHERE o.org_id = r.org_id), '{}'),"
                " coalesce((SELECT json_object_agg(t.part, t.body)"
                "  FROM notify.template_for(r.org_id, $2) t)::text, '{}'),"
                /* A covering letter goes unasked only when the body has its own
                 * (Candour's default words are a text to start from). */
                " coalesce((SELECT json_object_agg(t.part, t.body)"
                "  FROM notify.template_for(r.org_id, $3) t"
                "  WHERE t.part <> 'covering' OR t.org_id <> '')::text, '{}')"
                " FROM notify.recipient r WHERE r.reference = $1",
                3, v, s_on_recipient, p);
}

static void s_letter(nt_app_t *app, cd_inbox_t *in, cd_event_t *ev,
                     const Candour__V1__Envelope *env, const char *kind, nt_render_fn render,
                     const ProtobufCMessage *payload, int withdraws)
{
    s_letter_also(app, in, ev, env, kind, render, payload, withdraws, NULL, NULL);
}

void nt_on_letter_requested(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                            const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__LetterRequested *lr = (const Candour__V1__LetterRequested *)payload;
    for (size_t i = 0; i < sizeof s_requested / sizeof s_requested[0]; i++) {
        if (strcmp(s_requested[i].kind, lr->kind) != 0)
            continue;
        const char *why = s_requested[i].refused ? s_requested[i].refused(lr) : NULL;
        if (why)
            cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, why);
        else
            s_letter(arg, in, ev, env, s_requested[i].kind, s_requested[i].render, payload, 0);
        return;
    }
    cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                 "a letter.requested of a kind notify does not write");
}

/* The final response: when it comes with the version signed, that text is
 * the letter's body (letters.h), so it goes only if it is the text the
 * signature's digest names. */
void nt_on_response_approved(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                             const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ResponseApproved *ra = (const Candour__V1__ResponseApproved *)payload;
    if (ra->draft && ra->draft->text[0]) {
        char sha[CD_SHA256_HEX_LEN + 1];
        cd_sha256_hex(ra->draft->text, strlen(ra->draft->text), sha);
        if (strcmp(sha, ra->draft->sha256) != 0) {
            cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                         "the signed draft's text does not match its SHA-256");
            return;
        }
    }
    s_letter_also(arg, in, ev, env, "final-response", nt_rd_final_response, payload, 0,
                  ra->covering_letter[0] ? nt_rd_covering : NULL, NT_KIND_COVERING);
}

void nt_on_deadline_extended(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                             const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__DeadlineExtended *de = (const Candour__V1__DeadlineExtended *)payload;
    cd_date_t due;
    if (cd_date_parse(de->new_due, &due) != 0) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "a deadline extension without a valid new date");
        return;
    }
    /* One letter per extension: the kind names the new date (and the file). */
    char date[CD_DATE_LEN + 1], kind[64];
    cd_date_format(due, date);
    snprintf(kind, sizeof kind, "extension-%s", date);
    s_letter(arg, in, ev, env, kind, nt_rd_extension, payload, 0);
}

/* One letter per update: the kind is its number. */
void nt_on_progress_sent(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                         const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ProgressSent *ps = (const Candour__V1__ProgressSent *)payload;
    cd_date_t due;
    if (ps->number < 1 || cd_date_parse(ps->response_due, &due) != 0) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "a progress update without its number or the response date");
        return;
    }
    char kind[64];
    snprintf(kind, sizeof kind, "progress-%d", (int)ps->number);
    s_letter(arg, in, ev, env, kind, nt_rd_progress, payload, 0);
}

/* One letter per date missed: the kind names it. */
void nt_on_response_late(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                         const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__ResponseLate *rl = (const Candour__V1__ResponseLate *)payload;
    cd_date_t due, by;
    if (cd_date_parse(rl->due, &due) != 0 || cd_date_parse(rl->expected_by, &by) != 0 ||
        !rl->reason[0]) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "a late response without its dates or its reason");
        return;
    }
    char date[CD_DATE_LEN + 1], kind[64];
    cd_date_format(due, date);
    snprintf(kind, sizeof kind, "late-response-%s", date);
    s_letter(arg, in, ev, env, kind, nt_rd_late, payload, 0);
}

void nt_on_withdrawn(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg)
{
    s_letter(arg, in, ev, env, NT_KIND_WITHDRAWAL, nt_rd_withdrawal, payload, 1);
}

/* ---------------------------------------------------------------- recipient */

/* The recipient's details as JSON (a malloc'd string), or NULL. */
static char *s_person(const Candour__V1__Complaint *c)
{
    return c && c->complainant ? cd_pbjson_dumps(&c->complainant->base, 0) : NULL;
}

void nt_on_received(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                    const ProtobufCMessage *payload, void *arg)
{
    (void)arg;
    const Candour__V1__ComplaintReceived *cr = (const Candour__V1__ComplaintReceived *)payload;
    char *person = s_person(cr->complaint);
    if (!person) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, "complaint.received without a complainant");
        return;
    }
    char *patient =
        cr->complaint->patient ? cd_pbjson_dumps(&cr->complaint->patient->base, 0) : NULL;
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[4] = {env->complaint_ref, cr->org_id, person, patient};
    cd_tx_add(tx,
              "INSERT INTO notify.recipient (reference, org_id, person, patient)"
              " VALUES ($1, $2, $3::jsonb, $4::jsonb) ON CONFLICT (reference) DO NOTHING",
              4, v);
    free(person);
    free(patient);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

void nt_on_amended(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                   const ProtobufCMessage *payload, void *arg)
{
    (void)arg;
    const Candour__V1__ComplaintAmended *am = (const Candour__V1__ComplaintAmended *)payload;
    char *person = s_person(am->complaint);
    if (!person) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, "complaint.amended without a complainant");
        return;
    }
    char *patient =
        am->complaint->patient ? cd_pbjson_dumps(&am->complaint->patient->base, 0) : NULL;
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    const char *v[3] = {env->complaint_ref, person, patient};
    cd_tx_add(tx,
              "UPDATE notify.recipient SET person = $2::jsonb, patient = $3::jsonb"
              " WHERE reference = $1",
              3, v);
    free(person);
    free(patient);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}

/* ---------------------------------------------------------------- alerts */

/* Recorded here, written to the spool's alerts folder by the delivery round.
 * A withdrawal does not stop them: they are for the complaints manager. */
void nt_on_alert(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                 const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__DeadlineAlert *da = (const Candour__V1__DeadlineAlert *)payload;
    cd_date_t due;
    if (cd_date_parse(da->due, &due) != 0 || !nt_safe_reference(env->complaint_ref)) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, "a deadline alert without a valid due date");
        return;
    }
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    nt_app_t *app = arg;
    const char *v[7] = {env->event_id,
                        env->complaint_ref,
                        da->deadline,
                        da->party,
                        da->level,
                        da->due,
                        NT_MAILS_ALERTS(app) ? "queued" : "none"};
    cd_tx_add(tx,
              "INSERT INTO notify.alert (event_id, reference, deadline, party, level, due, org_id,"
              " email_state) VALUES ($1::uuid, $2, $3, $4, $5, $6::date,"
              " coalesce((SELECT org_id FROM notify.recipient WHERE reference = $2), ''), $7)",
              7, v);
    cd_inbox_commit(in, ev, tx, nt_deliver_soon, arg);
}

/* An SPC signal (reporting's spc.signal): a rise in one of a body's monthly
 * counts, recorded as an alert of kind "spc" for the body's complaints
 * manager, written to the spool and emailed by the delivery round like the
 * others. Its reference is made from the signal (nt_spc_reference): it is
 * about no one complaint. */
void nt_on_spc_signal(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                      const ProtobufCMessage *payload, void *arg)
{
    const Candour__V1__SpcSignal *s = (const Candour__V1__SpcSignal *)payload;
    char ref[65], day[16];
    char *detail = NULL;
    if (nt_spc_reference(s, ref, sizeof ref) != 0 || !(detail = nt_spc_detail(s))) {
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT,
                     "an SPC signal needs a body, a dimension, a code, a month and a known rule");
        return;
    }
    snprintf(day, sizeof day, "%s-01", s->month);
    nt_app_t *app = arg;
    const char *v[7] = {env->event_id, ref,       s->rule,
                        day,           s->org_id, NT_MAILS_ALERTS(app) ? "queued" : "none",
                        detail};
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    cd_tx_add(tx,
              "INSERT INTO notify.alert (event_id, reference, deadline, party, level, due, org_id,"
              " email_state, kind, detail) VALUES ($1::uuid, $2, '', $3, 'signal', $4::date, $5,"
              " $6, 'spc', $7)",
              7, v);
    free(detail);
    cd_inbox_commit(in, ev, tx, nt_deliver_soon, arg);
}
