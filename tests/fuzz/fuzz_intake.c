/* fuzz_intake.c - libFuzzer target for what arrives on intake's public endpoint.
 *
 * Each input is one ZMQ frame: the bytes are unpacked as a candour.v1.Request
 * (refused above 1 MiB, as the socket's ZMQ_MAXMSGSIZE does), and whatever it
 * carries is put through intake's decoders and validators exactly as
 * services/intake/main.c does, with a fixed "now" so runs are reproducible:
 *   - submit.complaint and amend.complaint: in_validate_complaint, and for a
 *     complaint that validates, in_classify and in_initial_state;
 *   - record_consent.consent: in_validate_consent;
 *   - the whole Request: cd_pbjson_from_message / cd_pbjson_dumps (what intake
 *     stores and logs), and back through cd_pbjson_to_message.
 * The same bytes are also unpacked as a candour.v1.Envelope (its payload then
 * decoded as the message its type names, cd_event_descriptor) and as each
 * event payload in the catalogue (cd_event_types), each dumped as JSON.
 *
 * Invariants checked (abort on failure, so libFuzzer keeps the input):
 *   - what unpacks passes protobuf_c_message_check and packs again;
 *   - a validation error carries a code, a field under the right path and a
 *     message; a validated complaint has its required fields set and
 *     well-formed;
 *   - classification gives a known class, at most IN_MAX_HOLDS distinct holds,
 *     none for a compliment or an early-resolved oral complaint;
 *   - JSON output is an object; when it converts back to a message, that
 *     message prints the same JSON.
 * Crashes, sanitizer reports and leaks are libFuzzer's to catch.
 *
 * Build and run: bash tests/fuzz/run.sh [SECONDS] [fuzz_intake]
 * (seed corpus: tests/fuzz/corpus/intake, written by tests/fuzz/make_corpus.c) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/events.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/envelope.pb-c.h"
#include "classify.h"
#include "validate.h"

/* ZMQ_MAXMSGSIZE on intake's socket (common/src/zsock.c). */
#define S_MAX_MSG (1024 * 1024)
/* "Now": 2025-11-24T10:00:00Z, a Monday. */
#define S_NOW 1763978400

static cd_calendar_t *s_cal;
static int32_t s_today;

static void s_check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_intake: invariant broken: %s\n%s\n", what, detail ? detail : "");
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    s_cal = cd_calendar_new();
    s_check(s_cal != NULL, "cd_calendar_new failed", NULL);
    s_today = cd_date_to_days(cd_date_from_unix_london(S_NOW));
    return 0;
}

static int s_nonempty(const char *s)
{
    return s && s[0];
}

static int s_text(const char *s, int multiline)
{
    return s && cd_text_ok(s, strlen(s), multiline);
}

/* A validation error must say what, where (under prefix) and why. */
static void s_check_error(const in_error_t *e, const char *prefix)
{
    char detail[512];
    snprintf(detail, sizeof detail, "code=%.32s field=%.96s message=%.256s", e->code, e->field,
             e->message);
    s_check(memchr(e->code, 0, sizeof e->code) && memchr(e->field, 0, sizeof e->field) &&
                memchr(e->message, 0, sizeof e->message),
            "error text not terminated", NULL);
    s_check(e->code[0] != '\0', "validation error without a code", detail);
    s_check(e->message[0] != '\0', "validation error without a message", detail);
    s_check(e->field[0] != '\0', "validation error without a field", detail);
    /* The org id check inside a consent reports "org_id" before the caller
     * rewrites it; what reaches the caller is always under its own path. */
    s_check(strncmp(e->field, prefix, strlen(prefix)) == 0, "error field outside the input",
            detail);
}

static void s_check_consent_ok(const Candour__V1__Consent *k)
{
    s_check(s_nonempty(k->given_by) && s_text(k->given_by, 0), "consent.given_by", NULL);
    cd_date_t d;
    s_check(cd_date_parse(k->given_at, &d) == 0 && cd_date_to_days(d) <= s_today,
            "consent.given_at", k->given_at);
    for (size_t i = 0; i < k->n_share_with; i++)
        s_check(s_nonempty(k->share_with[i]), "consent.share_with", NULL);
}

static void s_check_complaint_ok(const Candour__V1__Complaint *c)
{
    s_check(s_nonempty(c->external_ref) && s_text(c->external_ref, 0), "external_ref", NULL);
    s_check(c->channel != CANDOUR__V1__CHANNEL__CHANNEL_UNSPECIFIED &&
                protobuf_c_enum_descriptor_get_value(&candour__v1__channel__descriptor,
                                                     c->channel),
            "channel", NULL);
    s_check(c->complainant != NULL, "complainant", NULL);
    s_check(s_nonempty(c->complainant->name) && s_text(c->complainant->name, 0),
            "complainant.name", NULL);
    s_check(s_nonempty(c->complainant->email) || c->complainant->n_address > 0,
            "complainant without contact", NULL);
    s_check(s_nonempty(c->description) && s_text(c->description, 1), "description", NULL);
    s_check(protobuf_c_enum_descriptor_get_value(&candour__v1__kind__descriptor, c->kind) &&
                protobuf_c_enum_descriptor_get_value(&candour__v1__standing__descriptor,
                                                     c->standing),
            "kind/standing", NULL);
    cd_date_t d;
    if (c->event_date[0])
        s_check(cd_date_parse(c->event_date, &d) == 0 && cd_date_to_days(d) <= s_today,
                "event_date", c->event_date);
    if (c->awareness_date[0])
        s_check(cd_date_parse(c->awareness_date, &d) == 0 && cd_date_to_days(d) <= s_today,
                "awareness_date", c->awareness_date);
    if (c->resolved_at[0])
        s_check(cd_parse_rfc3339(c->resolved_at) >= 0 &&
                    c->channel == CANDOUR__V1__CHANNEL__CHANNEL_VERBAL,
                "resolved_at", c->resolved_at);
    if (c->summary_agreed)
        s_check(s_nonempty(c->summary), "summary_agreed without a summary", NULL);
    for (size_t i = 0; i < c->n_consents; i++)
        s_check_consent_ok(c->consents[i]);
}

static void s_classify(const Candour__V1__Complaint *c)
{
    in_class_t k;
    in_classify(c, S_NOW, s_cal, &k);
    s_check(protobuf_c_enum_descriptor_get_value(&candour__v1__classification__descriptor,
                                                 k.classification) != NULL,
            "unknown classification", NULL);
    s_check(k.nholds >= 0 && k.nholds <= IN_MAX_HOLDS, "hold count", NULL);
    if (k.classification != CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT)
        s_check(k.nholds == 0, "a compliment or resolved oral complaint is held", NULL);
    if (c->kind == CANDOUR__V1__KIND__KIND_COMPLIMENT)
        s_check(k.classification == CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLIMENT,
                "a compliment classified otherwise", NULL);
    for (int i = 0; i < k.nholds; i++) {
        s_check(k.holds[i] != CANDOUR__V1__HOLD__HOLD_UNSPECIFIED &&
                    in_hold_from_name(in_hold_name(k.holds[i])) == k.holds[i],
                "unknown hold", NULL);
        for (int j = 0; j < i; j++)
            s_check(k.holds[i] != k.holds[j], "a hold given twice", NULL);
    }
    if (k.nholds)
        s_check(in_amendable(in_initial_state(&k)), "a held complaint is not amendable", NULL);
    s_check(s_nonempty(in_initial_state(&k)), "no initial state", NULL);
}

static void s_complaint(const Candour__V1__Complaint *c, const char *prefix)
{
    in_error_t err;
    memset(&err, 0, sizeof err);
    if (in_validate_complaint(c, s_today, &err) != 0) {
        /* Fields are paths from "complaint" (the caller adds "amend."). */
        s_check_error(&err, prefix);
        return;
    }
    s_check(c != NULL, "a missing complaint validated", NULL);
    s_check_complaint_ok(c);
    s_classify(c);
}

static void s_consent(const Candour__V1__Consent *k)
{
    if (!k)
        return; /* intake refuses a missing consent before validating */
    in_error_t err;
    memset(&err, 0, sizeof err);
    if (in_validate_consent(k, "record_consent.consent", s_today, &err) != 0) {
        s_check_error(&err, "record_consent.consent");
        return;
    }
    s_check_consent_ok(k);
}

/* Message -> JSON -> message -> JSON: the two texts must agree whenever the
 * first JSON converts back at all (an open enum's unknown number does not). */
static void s_json(const ProtobufCMessage *m)
{
    json_t *j = cd_pbjson_from_message(m);
    s_check(j != NULL && json_is_object(j), "cd_pbjson_from_message gave no object", NULL);
    char *text = cd_pbjson_dumps(m, 0);
    s_check(text != NULL, "cd_pbjson_dumps failed", NULL);
    char *pretty = cd_pbjson_dumps(m, 2);
    s_check(pretty != NULL, "cd_pbjson_dumps (indented) failed", NULL);
    cd_pbjson_error_t err;
    ProtobufCMessage *back = cd_pbjson_to_message(m->descriptor, j, &err);
    if (back) {
        char *again = cd_pbjson_dumps(back, 0);
        s_check(again != NULL && strcmp(text, again) == 0, "JSON round trip changed the message",
                text);
        free(again);
        protobuf_c_message_free_unpacked(back, NULL);
    } else {
        s_check(err.code[0] != '\0' && err.message[0] != '\0', "failure without an error", text);
    }
    free(pretty);
    free(text);
    json_decref(j);
}

/* An unpacked message is well-formed and packs again. */
static void s_check_message(const ProtobufCMessage *m)
{
    s_check(protobuf_c_message_check(m), "unpacked message fails protobuf_c_message_check",
            m->descriptor->name);
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    s_check(buf != NULL, "out of memory", NULL);
    s_check(protobuf_c_message_pack(m, buf) == len, "packed size mismatch", m->descriptor->name);
    free(buf);
}

static void s_request(const uint8_t *data, size_t size)
{
    Candour__V1__Request *r = candour__v1__request__unpack(NULL, size, data);
    if (!r)
        return;
    s_check_message(&r->base);
    switch (r->op_case) {
    case CANDOUR__V1__REQUEST__OP_SUBMIT:
        s_complaint(r->submit->complaint, "complaint");
        break;
    case CANDOUR__V1__REQUEST__OP_AMEND:
        s_complaint(r->amend->complaint, "complaint");
        break;
    case CANDOUR__V1__REQUEST__OP_RECORD_CONSENT:
        s_consent(r->record_consent->consent);
        break;
    case CANDOUR__V1__REQUEST__OP_AGREE_SUMMARY:
        /* intake checks agreed_at with cd_parse_rfc3339 only */
        (void)cd_parse_rfc3339(r->agree_summary->agreed_at);
        break;
    default:
        break;
    }
    s_json(&r->base);
    candour__v1__request__free_unpacked(r, NULL);
}

static void s_decode(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, size, data);
    if (!m)
        return;
    s_check_message(m);
    s_json(m);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void s_envelope(const uint8_t *data, size_t size)
{
    Candour__V1__Envelope *env = candour__v1__envelope__unpack(NULL, size, data);
    if (!env)
        return;
    s_check_message(&env->base);
    s_json(&env->base);
    const ProtobufCMessageDescriptor *desc = cd_event_descriptor(env->type);
    if (desc)
        s_decode(desc, env->payload.data, env->payload.len);
    candour__v1__envelope__free_unpacked(env, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > S_MAX_MSG)
        return 0; /* the socket drops it before intake sees it */
    s_request(data, size);
    s_envelope(data, size);
    int n = 0;
    const cd_event_type_t *types = cd_event_types(&n);
    for (int i = 0; i < n; i++) {
        s_check(cd_event_descriptor(types[i].type) == types[i].payload, "event catalogue",
                types[i].type);
        s_decode(types[i].payload, data, size);
    }
    return 0;
}
