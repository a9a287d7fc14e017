/* test_notify_received_batch.c - notify keeps the people to write to of a
 * burst of complaint.received in one statement (received_batch.c; issue
 * 18), each as one received alone: intake takes eight complaints (one of
 * them made for a patient by someone else) while notify is down; notify
 * then starts and intake's outbox sends the eight together. A ninth,
 * received once all that is done, is kept alone: the control. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/client.h"
#include "candour/v1/api.pb-c.h"
#include "harness.h"

#define S_BURST 8

static char s_refs[S_BURST + 1][40];

static void s_submit(h_t *h, int i, int for_patient)
{
    char ext[32];
    snprintf(ext, sizeof ext, "RC-%02d", i);
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    char *addr[] = {"2 Bridge Road", "Hull"};
    p.name = "Kim Ward";
    p.email = "kim.ward@example.org";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "HU1 2AA";
    Candour__V1__Person pat = CANDOUR__V1__PERSON__INIT;
    pat.name = "Joan Ward";
    pat.address = addr;
    pat.n_address = 2;
    pat.postcode = "HU1 2AA";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    c.complainant = &p;
    if (for_patient) {
        c.patient = &pat;
        c.relationship = "daughter";
        c.standing = CANDOUR__V1__STANDING__STANDING_PATIENT_CONSENT;
    }
    c.description = "My mother's hearing aid was lost on the ward and nobody replaced it.";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = "ICB-RC";
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    Candour__V1__Reply *r = h_call(h, "intake", "ICB-RC", &req);
    cr_assert(r && r->result_case == CANDOUR__V1__REPLY__RESULT_RECEIPT, "no receipt for %s", ext);
    snprintf(s_refs[i], sizeof s_refs[i], "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
}

Test(notify_received_batch, a_burst_keeps_each_recipient_as_alone, .timeout = 120)
{
    h_t *h = h_new("notify_received_batch");
    h_org(h, "ICB-RC");
    cr_assert_eq(h_start(h, "intake"), 0);
    for (int i = 0; i < S_BURST; i++)
        s_submit(h, i, i == 3);
    cr_assert_eq(h_start(h, "notify"), 0);
    cr_assert(h_wait_for(h, "SELECT count(*) FROM notify.recipient", 0, NULL, "8", 60000),
              "the eight were not kept");
    cr_assert_geq(h_metric(h, "notify", "candour_inbox_batches_total"), 1,
                  "notify kept them one at a time");
    cr_assert_geq(h_metric(h, "notify", "candour_inbox_batch_events_total"), 2);
    s_submit(h, S_BURST, 0); /* alone */
    cr_assert(h_wait_for(h, "SELECT count(*) FROM notify.recipient", 0, NULL, "9", 30000));
    /* Every row as the control's (its person, no patient), but the one made
     * for a patient, which has both. */
    const char *control[1] = {s_refs[S_BURST]};
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM notify.recipient r, notify.recipient a"
                         " WHERE a.reference = $1 AND r.org_id = a.org_id AND r.person = a.person"
                         " AND r.patient IS NOT DISTINCT FROM a.patient",
                         1, control),
                 S_BURST, "a row kept in the batch differs from the one kept alone");
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM notify.recipient WHERE patient->>'name' ="
                         " 'Joan Ward' AND person->>'name' = 'Kim Ward' AND org_id = 'ICB-RC'",
                         0, NULL),
                 1);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM notify.audit WHERE table_name = 'recipient'"
                         " AND op = 'INSERT'",
                         0, NULL),
                 S_BURST + 1);
    cr_assert_eq(h_destroy(&h), 0);
}
