/* entry.c - EnterComplaint (I1): a complaint made to a body by post, by
 * telephone or in person, entered by its staff on intake's internal endpoint
 * (never the public one) with the day it was actually received.
 *
 * The checks, cheapest first: the request and the complaint
 * (in_validate_entry, pure: a bad entry costs no read), then the person
 * acting, from intake's copy of the directory: enabled, of org_id, a
 * complaints manager or an investigator. Then the complaint joins
 * submit.c's group commit like any submission (in_submit_entered): the
 * receipt only after the commit, complaint.received to routing and notify.
 *
 * Two choices, both here so that they are read together:
 * - When it was received. received_at is an instant, and every clock counts
 *   from its London date: a complaint received today keeps the time it was
 *   entered; one received on an earlier day counts as received at 12:00
 *   London time that day (in_entry_received_us), well clear of midnight in
 *   either GMT or BST, so the London date is exactly received_on.
 * - Its external_ref. A letter or a call has no organisation's reference,
 *   so staff give the body's own one for it (its post log's or its call
 *   record's number) in complaint.external_ref, required as for a
 *   submission. It is the idempotency key exactly as I9's: the same body
 *   and the same reference are the same complaint, whichever way it came,
 *   and a repeat gets the first receipt with duplicate set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/errcode.h"
#include "candour/error.h"
#include "candour/log.h"
#include "candour/pb.h"
#include "candour/util.h"
#include "intake.h"

/* An entry while the person acting is read. */
typedef struct {
    cd_request_t *req;
    Candour__V1__EnterComplaint *entry; /* owned copy, validated */
    int64_t received_us;                /* when it counts as received */
} in_entry_t;

static void s_entry_free(in_entry_t *en)
{
    protobuf_c_message_free_unpacked(&en->entry->base, NULL);
    free(en);
}

static void s_on_actor(const cd_tx_result_t *res, void *arg)
{
    in_entry_t *en = arg;
    if (res->err) {
        cd_request_fail(en->req, CD_CODE_UNAVAILABLE, "",
                        "could not be done just now; nothing was kept. Send it again");
        s_entry_free(en);
        return;
    }
    const PGresult *r = res->results[0];
    int found = PQntuples(r) == 1;
    cd_actor_t a;
    if (found && cd_actor_from_row(r, 0, 0, &a) != 0) {
        cd_actor_clear(&a);
        cd_request_fail(en->req, CD_CODE_INTERNAL, "", "out of memory; nothing was kept");
        s_entry_free(en);
        return;
    }
    cd_fail_t why;
    if (cd_actor_may(found ? &a : NULL, cd_request_acting(en->req), en->entry->org_id,
                     CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_INVESTIGATOR, "acting", &why) != 0) {
        cd_log_info("complaint.entry_refused", "{s:s, s:s}", "org_id", en->entry->org_id, "reason",
                    why.message);
        cd_request_fail(en->req, why.code, why.field, why.message);
    } else {
        char label[CD_ACTOR_LABEL_MAX];
        cd_actor_label(&a, label, sizeof label);
        in_submit_entered(en->req, en->entry->complaint, en->entry->org_id, en->received_us,
                          a.staff_id, label);
    }
    if (found)
        cd_actor_clear(&a);
    s_entry_free(en);
}

void in_enter(cd_request_t *req, const Candour__V1__Request *r)
{
    const Candour__V1__EnterComplaint *e = r->enter_complaint;
    cd_fail_t err;
    if (!cd_request_acting(req)[0]) {
        /* Nobody named: refused before anything is read (cd_actor_may says so). */
        cd_actor_may(NULL, "", e->org_id, 0, "acting", &err);
        cd_request_fail(req, err.code, err.field, err.message);
        return;
    }
    /* One clock reading for "today" and for the time of a same-day entry, so
     * that midnight cannot fall between them. */
    int64_t now = cd_now_us();
    int32_t today = cd_date_to_days(cd_date_from_unix_london(now / 1000000)), day;
    if (in_validate_entry(e, today, (int)in_app.entry_max_age_days, &day, &err) != 0) {
        cd_metric_add(in_app.m_rejected, 1);
        cd_request_fail(req, err.code, err.field, err.message);
        return;
    }
    in_entry_t *en = calloc(1, sizeof *en);
    if (en)
        en->entry = (Candour__V1__EnterComplaint *)cd_pb_clone(&e->base);
    if (!en || !en->entry) {
        free(en);
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory; nothing was kept");
        return;
    }
    en->req = req;
    en->received_us = in_entry_received_us(day, now);
    char sql[512];
    cd_actor_sql("intake", sql, sizeof sql);
    const char *v[1] = {cd_request_acting(req)};
    cd_db_query(cd_service_db(in_app.svc), sql, 1, v, s_on_actor, en);
}
