/* fuzz_intake.c - libFuzzer target for what arrives on intake's public endpoint.
 *
 * Each input is one ZMQ frame: the bytes are unpacked as a candour.v1.Request
 * (refused above 1 MiB, answered TOO_LARGE by the inbox), checked on the wire
 * for text protobuf-c would cut or pass on (cd_pb_check_text, as
 * common/src/inbox.c does before any handler), and whatever it carries is
 * put through intake's decoders and validators exactly as
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
 *   - stored equals sent, or a typed refusal: cd_pb_check_text refuses a
 *     message exactly when some string on its wire holds a NUL or bytes that
 *     are not UTF-8 (judged here by a reader of the wire of this file's own
 *     and jansson's UTF-8 check), with a field path; and when it lets the
 *     message through, every string of the unpacked message is byte for
 *     byte the string on the wire (none cut at a NUL, none changed). Only
 *     such a message goes on to the validators, as in intake;
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
#include "candour/error.h"
#include "candour/events.h"
#include "candour/pb.h"
#include "candour/pbjson.h"
#include "candour/util.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/envelope.pb-c.h"
#include "classify.h"
#include "validate.h"

/* Requests above this are answered TOO_LARGE unread (CD_ZSOCK_MAX_REQUEST_BYTES). */
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
static void s_check_error(const cd_fail_t *e, const char *prefix)
{
    char detail[512];
    snprintf(detail, sizeof detail, "code=%.32s field=%.96s message=%.256s", cd_code_name(e->code),
             e->field, e->message);
    s_check(memchr(e->field, 0, sizeof e->field) && memchr(e->message, 0, sizeof e->message),
            "error text not terminated", NULL);
    s_check(e->code != CD_CODE_OK, "validation error without a code", detail);
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
    cd_fail_t err;
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
    cd_fail_t err;
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
    cd_fail_t err;
    ProtobufCMessage *back = cd_pbjson_to_message(m->descriptor, j, &err);
    if (back) {
        char *again = cd_pbjson_dumps(back, 0);
        s_check(again != NULL && strcmp(text, again) == 0, "JSON round trip changed the message",
                text);
        free(again);
        protobuf_c_message_free_unpacked(back, NULL);
    } else {
        s_check(err.code != CD_CODE_OK && err.message[0] != '\0', "failure without an error", text);
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

/* ---------------------------------------------------------------- stored equals sent
 *
 * An oracle for cd_pb_check_text written apart from it: a wire reader that
 * walks the message's bytes beside the unpacked message and compares each
 * string on the wire with the string protobuf-c made of it. Where protobuf-c
 * merges (a singular sub-message sent twice is merged into one, repeated
 * fields appended, a later oneof member replacing an earlier one) only the
 * occurrence that decides the value is compared: the last occurrence of a
 * singular field, inside the last occurrence of every message around it;
 * the elements a repeated field's last-walked occurrence added are its last
 * ones. Empty strings are not compared (proto3 cannot tell them from absent,
 * and a merge keeps the earlier value). */

typedef struct {
    int bad;       /* some string on the wire holds a NUL or is not UTF-8 */
    int malformed; /* the wire could not be read, or nests too deep */
} s_oracle_t;

typedef struct {
    uint32_t number;
    int wire_type;
    const uint8_t *data;
    size_t size;
} s_wire_t;

static int s_wire_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*pos >= len)
            return -1;
        uint8_t b = p[(*pos)++];
        *v |= (uint64_t)(b & 0x7F) << shift;
        if (b < 0x80)
            return 0;
    }
    return -1;
}

static int s_wire_next(const uint8_t *p, size_t len, size_t *pos, s_wire_t *w)
{
    uint64_t tag, v;
    if (s_wire_varint(p, len, pos, &tag) != 0 || tag >> 3 == 0 || tag >> 3 > UINT32_MAX)
        return -1;
    w->number = (uint32_t)(tag >> 3);
    w->wire_type = (int)(tag & 7);
    w->data = NULL;
    w->size = 0;
    switch (w->wire_type) {
    case 0:
        return s_wire_varint(p, len, pos, &v);
    case 1:
    case 5:
        v = w->wire_type == 1 ? 8 : 4;
        if (len - *pos < v)
            return -1;
        *pos += v;
        return 0;
    case 2:
        if (s_wire_varint(p, len, pos, &v) != 0 || v > len - *pos)
            return -1;
        w->data = p + *pos;
        w->size = v;
        *pos += v;
        return 0;
    default:
        return -1;
    }
}

static int s_bad_text(const uint8_t *s, size_t n)
{
    if (memchr(s, 0, n))
        return 1;
    json_t *j = json_stringn((const char *)s, n); /* NULL when not UTF-8 */
    json_decref(j);
    return j == NULL;
}

/* Where a oneof member's case is kept; 1 when f is no oneof member or is
 * the member set. */
static int s_current(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return 1;
    return *(const uint32_t *)((const char *)m + f->quantifier_offset) == f->id;
}

static size_t s_n_elems(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return *(const size_t *)((const char *)m + f->quantifier_offset);
}

static void *s_elems(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return *(void **)((const char *)m + f->offset);
}

static void s_compare_string(const char *stored, const s_wire_t *w, const char *what)
{
    if (w->size == 0)
        return;
    s_check(stored != NULL, "a string on the wire is missing from the message", what);
    s_check(strlen(stored) == w->size && memcmp(stored, w->data, w->size) == 0,
            "a string was stored other than it was sent (cut or changed)", what);
}

#define S_ORACLE_FIELDS 64

/* Walks one occurrence of a message of type desc; m is the unpacked message
 * whose value this occurrence decides, or NULL (an occurrence a later one
 * overrides: only read for bad text). */
static void s_oracle_walk(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len,
                          const ProtobufCMessage *m, int depth, s_oracle_t *o)
{
    if (depth > CD_PB_MAX_DEPTH) {
        o->malformed = 1;
        return;
    }
    size_t count[S_ORACLE_FIELDS] = {0}, seen[S_ORACLE_FIELDS] = {0};
    if (desc->n_fields > S_ORACLE_FIELDS)
        m = NULL; /* no room to count: read for bad text only */
    s_wire_t w;
    size_t pos = 0, end = 0;
    /* Up to the first malformed field: what comes before it is still read
     * for bad text, as cd_pb_check_text reads in wire order. */
    while (pos < len) {
        if (s_wire_next(p, len, &pos, &w) != 0) {
            o->malformed = 1;
            break;
        }
        end = pos;
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(desc, w.number);
        if (f && w.wire_type == 2 && m)
            count[f - desc->fields]++;
    }
    pos = 0;
    while (pos < end && s_wire_next(p, end, &pos, &w) == 0) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(desc, w.number);
        if (!f || w.wire_type != 2)
            continue;
        size_t i = (size_t)(f - desc->fields);
        int last = m && ++seen[i] == count[i];
        int repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        /* The element of m this occurrence is (repeated), if m is decided here. */
        size_t n = m && repeated ? s_n_elems(m, f) : 0;
        int have_elem = m && repeated && n >= count[i];
        size_t elem = have_elem ? n - count[i] + seen[i] - 1 : 0;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            if (s_bad_text(w.data, w.size)) {
                o->bad = 1;
                continue;
            }
            if (repeated && have_elem)
                s_compare_string(((char **)s_elems(m, f))[elem], &w, f->name);
            else if (!repeated && last && s_current(m, f))
                s_compare_string(*(char **)((const char *)m + f->offset), &w, f->name);
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessage *sub = NULL;
            if (repeated && have_elem)
                sub = ((ProtobufCMessage **)s_elems(m, f))[elem];
            else if (!repeated && last && s_current(m, f))
                sub = *(ProtobufCMessage **)((const char *)m + f->offset);
            s_oracle_walk(f->descriptor, w.data, w.size, sub, depth + 1, o);
        }
    }
}

/* The property for one message unpacked from data: cd_pb_check_text's
 * verdict agrees with the oracle's, and a message it passes holds exactly
 * the strings that were sent. Returns 1 when the message is let through. */
static int s_text_property(const ProtobufCMessage *m, const uint8_t *data, size_t size)
{
    char path[128];
    int rc = cd_pb_check_text(m->descriptor, data, size, path, sizeof path);
    s_oracle_t o = {0, 0};
    s_oracle_walk(m->descriptor, data, size, rc == 0 ? m : NULL, 1, &o);
    s_check(memchr(path, 0, sizeof path) != NULL, "path not terminated", NULL);
    if (rc > 0) {
        s_check(rc == CD_PB_TEXT_NUL || rc == CD_PB_TEXT_UTF8, "unknown text fault", path);
        s_check(o.bad, "text refused that the wire does not hold", path);
        s_check(path[0] != '\0', "text refused without a field", NULL);
    } else if (rc == 0) {
        s_check(!o.bad, "a NUL or bytes that are not UTF-8 let through", m->descriptor->name);
        s_check(!o.malformed, "malformed wire let through", m->descriptor->name);
    } else {
        s_check(rc == CD_EINVAL && o.malformed, "wire refused as malformed", m->descriptor->name);
    }
    return rc == 0;
}

static void s_request(const uint8_t *data, size_t size)
{
    Candour__V1__Request *r = candour__v1__request__unpack(NULL, size, data);
    if (!r)
        return;
    s_check_message(&r->base);
    if (!s_text_property(&r->base, data, size)) {
        /* The inbox answers INVALID_TEXT (or MALFORMED_REQUEST): no handler
         * nor validator sees it. */
        candour__v1__request__free_unpacked(r, NULL);
        return;
    }
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
    (void)s_text_property(m, data, size);
    s_json(m);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void s_envelope(const uint8_t *data, size_t size)
{
    Candour__V1__Envelope *env = candour__v1__envelope__unpack(NULL, size, data);
    if (!env)
        return;
    s_check_message(&env->base);
    (void)s_text_property(&env->base, data, size);
    s_json(&env->base);
    const ProtobufCMessageDescriptor *desc = cd_event_descriptor(env->type);
    if (desc)
        s_decode(desc, env->payload.data, env->payload.len);
    candour__v1__envelope__free_unpacked(env, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > S_MAX_MSG)
        return 0; /* answered TOO_LARGE before it is unpacked */
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
