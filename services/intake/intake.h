/* intake.h - what intake's files share: the daemon's state, the
 * allow-list check every statement carries, and the entry points of each
 * concern (main.c wires them into the handler and request tables):
 *   submit.c     SubmitComplaint and group commit (receipts after commit)
 *   repeat_check.c after the receipts: each complaint stored, its earlier one
 *                by the same complainant to the body (repeat.h's rules), put as
 *                complaint.repeat_found (the queue of migration 0039)
 *   entry.c      EnterComplaint: staff enter a complaint made by post, by
 *                telephone or in person (internal endpoint), by submit.c's path
 *   complaint.c  the operations on one complaint: amend, withdraw, consent,
 *                summary agreed, status (load, decide, guarded write)
 *   queries.c    status changes of the caller's complaints, and the
 *                complaint.status_changed events that feed them
 *   record.c     GetComplaint: the complaint with its complainant, access
 *                needs and consents, for the staff of its body (internal)
 *   partners.c   what other bodies collect over the bus (contribution
 *                requests, referrals, final responses: R3, N2) and their
 *                contributions
 *   benchmark.c  SubmitBenchmarkReturn: another body's figures for a period,
 *                put as benchmark.returned for reporting (issue 15, L3)
 *   requests.c   the checks every request gets, and the dispatch by operation
 * The staff directory's copy (intake.staff, intake.org) is kept by
 * directory.h's handlers, rows of main.c's table. */
#ifndef INTAKE_H
#define INTAKE_H

#include <stdint.h>

#include "candour/calendar.h"
#include "candour/inbox.h"
#include "candour/metrics.h"
#include "candour/service.h"
#include "classify.h"
#include "validate.h"

#define IN_MAX_BATCH 200
#define IN_MAX_REASON 1000

/* The allow-list check every statement carries: $K is the key, $O the org. */
#define IN_LIVE_KEY(k, o)                                                                          \
    "EXISTS (SELECT 1 FROM intake.org_key WHERE public_key = " k " AND org_id = " o                \
    " AND revoked_at IS NULL)"

#define IN_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

typedef struct in_item_t in_item_t;

/* repeat_check.c: start (when the database is up) and stop its timer; a
 * kick after a batch stored complaints. */
void in_repeat_check_start(void);
void in_repeat_check_stop(void);
void in_repeat_check_kick(void);

typedef struct {
    cd_service_t *svc;
    cd_calendar_t *cal;
    const char *holidays_path;
    long entry_max_age_days; /* EnterComplaint: received_on at most this many days ago */
    in_item_t *pending, *pending_tail;
    int npending;
    int busy;                /* a batch transaction is running */
    uint64_t batch_start_ns; /* when it was sent */
    cd_metric_t *m_received, *m_rejected, *m_duplicates, *m_batches, *m_denied;
    cd_metric_t *m_wait_s, *m_commit_s; /* where a receipt's time goes: waiting, committing */
} in_app_t;

extern in_app_t in_app;

/* requests.c */
/* Refuse a request from a key not (or no longer) on the allow-list. */
void in_deny(cd_request_t *req);
/* The same for an operation under way (frees op). */
void in_deny_op(cd_op_t *op);
/* The first result of an operation's read, or NULL once op has been answered:
 * the database failed (UNAVAILABLE) or the caller's key, checked in the same
 * statement (column live_col), is no longer on the allow-list. */
PGresult *in_checked(cd_op_t *op, const cd_tx_result_t *res, int live_col, const char *what);
/* A page of what came after a sequence number (GetStatusChanges,
 * GetMessages, named `name`): 0 with its bounds as text parameters, or -1
 * once op was answered OUT_OF_RANGE. */
#define IN_PAGE_ARG 24
int in_page(cd_op_t *op, const char *name, int64_t after_sequence, uint32_t limit,
            char after[IN_PAGE_ARG], char lim[IN_PAGE_ARG]);
/* The rows of a page's read: its one row of NULLs (kept so the key check
 * always comes back) counts as none. */
int in_page_rows(const PGresult *r);
/* Today, as London's day number (cd_date_to_days). */
int32_t in_today(void);
void in_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r, void *arg);

/* submit.c */
void in_submit(cd_request_t *req, const Candour__V1__Request *r, const char *org, const char *key);
/* A complaint entered by staff (entry.c): c validated (in_validate_entry) and
 * copied here; stored for org by the same group commit as a submission, with
 * received_at = received_us and entered_by = staff_id, the audit trail naming
 * actor ("Name (ST12)"); answered with its Receipt after the commit (the
 * first one's, duplicate, for a repeat of org's external_ref: I9). */
void in_submit_entered(cd_request_t *req, const Candour__V1__Complaint *c, const char *org,
                       int64_t received_us, const char *staff_id, const char *actor);

/* entry.c: EnterComplaint, on the internal endpoint only. */
void in_enter(cd_request_t *req, const Candour__V1__Request *r);
/* record.c: GetComplaint, from the internal endpoint (the staff API). */
void in_get_complaint(cd_request_t *req, const Candour__V1__Request *r);
/* submit.c: a body's web form, from the gateway on the internal endpoint:
 * as a submission, by CHANNEL_WEB, for org (one in intake.organisation). */
void in_submit_form(cd_request_t *req, const Candour__V1__Request *r, const char *org);

/* complaint.c: load the complaint op->note for the caller, then the step of
 * op's operation (amend, withdraw, record_consent, agree_summary, get_status). */
void in_complaint_op(cd_op_t *op);

/* queries.c */
void in_status_changes(cd_op_t *op);
void in_on_status_changed(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                          const ProtobufCMessage *payload, void *arg);
/* The same for a batch of them (cd_inbox_batch_handlers). */
int in_on_status_batch(cd_inbox_t *in, cd_batch_t *b, void *arg);

/* partners.c */
void in_get_messages(cd_op_t *op);
void in_submit_contribution(cd_op_t *op);
/* benchmark.c: a benchmarking return, checked (cd_br_return_check), put as
 * benchmark.returned with the caller's organisation. */
void in_submit_benchmark_return(cd_op_t *op);
void in_on_contribution_requested(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                                  const ProtobufCMessage *payload, void *arg);
void in_on_complaint_referred(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                              const ProtobufCMessage *payload, void *arg);
void in_on_response_shared(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                           const ProtobufCMessage *payload, void *arg);

#endif
