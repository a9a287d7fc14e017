/* make_corpus.c - writes the seed corpus of fuzz_intake: real serialised
 * candour.v1.Requests, one of each op intake's public endpoint answers, and
 * two Envelopes (fuzz_intake decodes those from the same bytes too); also
 * requests whose text holds what a protobuf-c client cannot pack but a peer
 * can send: a NUL inside a string, bytes that are not UTF-8 (the inbox must
 * refuse them, fuzz_intake checks that it does and that nothing is cut).
 *
 * Built and run by tests/fuzz/run.sh whenever the .proto files or this file
 * change; by hand:
 *   make_corpus OUT_DIR     (writes OUT_DIR/<name>.bin, replacing what is there)
 * Every message is built from constants, so the output is byte-for-byte the
 * same on every run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/v1/api.pb-c.h"
#include "candour/v1/envelope.pb-c.h"
#include "candour/v1/events.pb-c.h"

static const char *s_dir;
static int s_written;

/* Writes m packed; when mark is set, its one 0x7f byte (put in a string
 * by the caller) becomes `with` first. */
static void s_write_as(const char *name, const ProtobufCMessage *m, int mark, unsigned char with)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf || protobuf_c_message_pack(m, buf) != len) {
        fprintf(stderr, "make_corpus: cannot pack %s\n", name);
        exit(1);
    }
    if (mark) {
        unsigned char *at = memchr(buf, 0x7f, len);
        if (!at || memchr(at + 1, 0x7f, len - (size_t)(at + 1 - buf))) {
            fprintf(stderr, "make_corpus: %s needs exactly one 0x7f marker\n", name);
            exit(1);
        }
        *at = with;
    }
    /* What we wrote must read back: a seed that does not unpack is no seed. */
    ProtobufCMessage *back = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
    if (!back) {
        fprintf(stderr, "make_corpus: %s does not unpack\n", name);
        exit(1);
    }
    protobuf_c_message_free_unpacked(back, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.bin", s_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "make_corpus: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    free(buf);
    s_written++;
}

static void s_write(const char *name, const ProtobufCMessage *m)
{
    s_write_as(name, m, 0, 0);
}

/* A complainant with an address, contact preferences and access needs. */
static void s_person(Candour__V1__Person *p, Candour__V1__AccessNeeds *a, char **lines,
                     size_t nlines)
{
    candour__v1__access_needs__init(a);
    a->format = CANDOUR__V1__FORMAT__FORMAT_LARGE_PRINT;
    a->interpreter_language = "Polish";
    a->other = "Please call in the afternoon;\nI use a hearing loop.";
    candour__v1__person__init(p);
    p->name = "Anna Kowalska";
    p->address_as = "Mrs Kowalska";
    p->address = lines;
    p->n_address = nlines;
    p->postcode = "LS1 4AP";
    p->email = "anna.kowalska@example.org";
    p->telephone = "0113 496 0000";
    p->preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_EMAIL;
    p->access_needs = a;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_corpus OUT_DIR\n");
        return 2;
    }
    s_dir = argv[1];

    char *lines[] = {"12 Park Row", "Leeds"};
    char *services[] = {"continuing-healthcare", "district-nursing"};
    char *orgs[] = {"RR8", "leeds-ccg"};
    char *share[] = {"RR8", "nhs-leeds.icb"};

    Candour__V1__AccessNeeds needs;
    Candour__V1__Person complainant;
    s_person(&complainant, &needs, lines, 2);

    Candour__V1__AccessNeeds patient_needs = CANDOUR__V1__ACCESS_NEEDS__INIT;
    patient_needs.format = CANDOUR__V1__FORMAT__FORMAT_EASY_READ;
    Candour__V1__Person patient = CANDOUR__V1__PERSON__INIT;
    patient.name = "Jan Kowalski";
    patient.address = lines;
    patient.n_address = 2;
    patient.postcode = "LS1 4AP";
    patient.preferred_channel = CANDOUR__V1__CONTACT_CHANNEL__CONTACT_POST;
    patient.access_needs = &patient_needs;

    Candour__V1__Consent consent = CANDOUR__V1__CONSENT__INIT;
    consent.given_by = "Jan Kowalski";
    consent.given_at = "2025-10-02";
    consent.share_with = share;
    consent.n_share_with = 2;
    consent.method = "written";
    consent.recorded_by = "PALS officer";
    Candour__V1__Consent *consents[] = {&consent};

    /* submit: a representative's complaint with everything filled in. */
    Candour__V1__Complaint full = CANDOUR__V1__COMPLAINT__INIT;
    full.external_ref = "RR8-2025-00417";
    full.channel = CANDOUR__V1__CHANNEL__CHANNEL_WEB;
    full.complainant = &complainant;
    full.description = "My father waited six weeks for a continuing healthcare assessment.\n"
                       "Nobody told us why.";
    full.desired_outcome = "An explanation and an assessment date.";
    full.event_date = "2025-09-01";
    full.awareness_date = "2025-09-15";
    full.services = services;
    full.n_services = 2;
    full.patient = &patient;
    full.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    full.relationship = "daughter";
    full.consents = consents;
    full.n_consents = 1;
    full.organisations = orgs;
    full.n_organisations = 2;
    full.advocacy_offered = 1;

    Candour__V1__SubmitComplaint submit = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    submit.complaint = &full;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.request_id = "req-0001";
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &submit;
    s_write("submit_full", &req.base);

    /* submit: the least a complaint may carry. */
    Candour__V1__Person plain = CANDOUR__V1__PERSON__INIT;
    plain.name = "Sam Jones";
    plain.email = "sam@example.org";
    Candour__V1__Complaint minimal = CANDOUR__V1__COMPLAINT__INIT;
    minimal.external_ref = "W-1";
    minimal.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    minimal.complainant = &plain;
    minimal.description = "The ward was dirty.";
    submit.complaint = &minimal;
    req.request_id = "req-0002";
    s_write("submit_minimal", &req.base);

    /* The same with a NUL in the description (the outside tester's "text
     * \u0000 nul"), and with one in the complainant's name. */
    minimal.description = "The ward\x7f was dirty.";
    s_write_as("submit_nul_description", &req.base, 1, 0);
    minimal.description = "The ward was dirty.";
    plain.name = "Sam\x7f Jones";
    s_write_as("submit_nul_name", &req.base, 1, 0);
    plain.name = "Sam Jones";

    /* submit: a verbal complaint with its summary, resolved the same day (I1, I4). */
    Candour__V1__Complaint verbal = CANDOUR__V1__COMPLAINT__INIT;
    verbal.external_ref = "PHONE-88";
    verbal.channel = CANDOUR__V1__CHANNEL__CHANNEL_VERBAL;
    verbal.complainant = &plain;
    verbal.description = "Called about a cancelled appointment.";
    verbal.summary = "Mr Jones's appointment of 3 November was cancelled without notice.";
    verbal.summary_agreed = 1;
    verbal.resolved_at = "2025-11-20T15:30:00+00:00";
    verbal.event_date = "2025-11-03";
    submit.complaint = &verbal;
    req.request_id = "req-0003";
    s_write("submit_verbal", &req.base);

    /* submit: regression seed. A resolution time whose offset pushes it past
     * 9999-12-31 once tripped an assertion in the calendar (validate.c s_time). */
    verbal.resolved_at = "9999-12-31T23:59:59-01:00";
    req.request_id = "req-0003a";
    s_write("submit_resolved_after_9999", &req.base);
    verbal.resolved_at = "2025-11-20T15:30:00+00:00";

    /* submit: a compliment naming staff (I8), for a child, out of time (I3). */
    char *staff[] = {"Ward 7 nurses", "Dr Okafor"};
    Candour__V1__Complaint praise = CANDOUR__V1__COMPLAINT__INIT;
    praise.external_ref = "THANKS-3";
    praise.channel = CANDOUR__V1__CHANNEL__CHANNEL_POST;
    praise.complainant = &complainant;
    praise.description = "Thank you for looking after my son.";
    praise.kind = CANDOUR__V1__KIND__KIND_COMPLIMENT;
    praise.staff_named = staff;
    praise.n_staff_named = 2;
    praise.patient = &patient;
    praise.standing = CANDOUR__V1__STANDING__STANDING_CHILD;
    praise.standing_basis = "parental responsibility";
    praise.relationship = "mother";
    praise.event_date = "2023-05-29";
    submit.complaint = &praise;
    req.request_id = "req-0004";
    s_write("submit_compliment", &req.base);

    /* amend: the full complaint without its consent, and about a matter
     * more than 12 months old, so it is held twice (I2, I3). */
    Candour__V1__Complaint amended = full;
    amended.consents = NULL;
    amended.n_consents = 0;
    amended.event_date = "2024-06-03";
    amended.awareness_date = "";
    Candour__V1__AmendComplaint amend = CANDOUR__V1__AMEND_COMPLAINT__INIT;
    amend.complaint_ref = "CDR-ABCD-2345";
    amend.complaint = &amended;
    req.request_id = "req-0005";
    req.op_case = CANDOUR__V1__REQUEST__OP_AMEND;
    req.submit = NULL;
    req.amend = &amend;
    s_write("amend", &req.base);

    Candour__V1__WithdrawComplaint withdraw = CANDOUR__V1__WITHDRAW_COMPLAINT__INIT;
    withdraw.complaint_ref = "CDR-ABCD-2345";
    withdraw.reason = "Resolved with the ward manager.";
    req.request_id = "req-0006";
    req.op_case = CANDOUR__V1__REQUEST__OP_WITHDRAW;
    req.amend = NULL;
    req.withdraw = &withdraw;
    s_write("withdraw", &req.base);
    withdraw.reason = "Resolved \x7f";
    s_write_as("withdraw_bad_utf8", &req.base, 1, 0xC3);
    withdraw.reason = "Resolved with the ward manager.";

    Candour__V1__RecordConsent rc = CANDOUR__V1__RECORD_CONSENT__INIT;
    rc.complaint_ref = "CDR-ABCD-2345";
    rc.consent = &consent;
    req.request_id = "req-0007";
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_CONSENT;
    req.withdraw = NULL;
    req.record_consent = &rc;
    s_write("record_consent", &req.base);

    Candour__V1__AgreeSummary agree = CANDOUR__V1__AGREE_SUMMARY__INIT;
    agree.complaint_ref = "CDR-PHON-E888";
    agree.summary = "Mr Jones's appointment of 3 November was cancelled without notice.";
    agree.agreed_at = "2025-11-21T09:00:00.250Z";
    req.request_id = "req-0008";
    req.op_case = CANDOUR__V1__REQUEST__OP_AGREE_SUMMARY;
    req.record_consent = NULL;
    req.agree_summary = &agree;
    s_write("agree_summary", &req.base);

    Candour__V1__GetStatus gs = CANDOUR__V1__GET_STATUS__INIT;
    gs.complaint_ref = "CDR-ABCD-2345";
    req.request_id = "req-0009";
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS;
    req.agree_summary = NULL;
    req.get_status = &gs;
    s_write("get_status", &req.base);

    Candour__V1__GetStatusChanges gsc = CANDOUR__V1__GET_STATUS_CHANGES__INIT;
    gsc.after_sequence = 4242;
    gsc.limit = 50;
    req.request_id = "req-0010";
    req.org_id = "RR8"; /* ignored on the public endpoint, but a client may send it */
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS_CHANGES;
    req.get_status = NULL;
    req.get_status_changes = &gsc;
    s_write("get_status_changes", &req.base);

    /* An Envelope carrying complaint.received, and its bare payload. */
    Candour__V1__Hold holds[] = {CANDOUR__V1__HOLD__HOLD_AWAITING_CONSENT};
    Candour__V1__ComplaintReceived cr = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    cr.org_id = "RR8";
    cr.complaint = &minimal;
    cr.classification = CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT;
    cr.holds = holds;
    cr.n_holds = 1;
    size_t plen = protobuf_c_message_get_packed_size(&cr.base);
    unsigned char *payload = malloc(plen ? plen : 1);
    if (!payload)
        return 1;
    protobuf_c_message_pack(&cr.base, payload);
    Candour__V1__Envelope env = CANDOUR__V1__ENVELOPE__INIT;
    env.event_id = "0b7f6a52-3c1e-4c47-9d0e-5a3e2f4b1c9d";
    env.type = "complaint.received";
    env.complaint_ref = "CDR-ABCD-2345";
    env.correlation_id = "req-0002";
    env.producer = "intake";
    env.occurred_at_us = 1763650800123456;
    env.schema_version = 1;
    env.payload.data = payload;
    env.payload.len = plen;
    env.sequence = 17;
    s_write("envelope_received", &env.base);
    s_write("event_complaint_received", &cr.base);
    free(payload);

    printf("make_corpus: wrote %d seeds to %s\n", s_written, s_dir);
    return 0;
}
