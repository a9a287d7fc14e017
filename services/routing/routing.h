/* routing.h - what routing's files share: the daemon's settings and the
 * entry points of each concern (main.c wires them into the handler and
 * request tables). */
#ifndef ROUTING_H
#define ROUTING_H

#include <stddef.h>
#include <uv.h>

#include "candour/calendar.h"
#include "candour/inbox.h"
#include "candour/service.h"
#include "candour/v1/api.pb-c.h"

typedef struct {
    cd_service_t *svc;
    cd_calendar_t *cal;
    long response_days;
    long update_days;       /* cadence of progress updates (R5), 0 = none */
    long due_soon_days;     /* raise a deadline this many working days ahead */
    long scan_ms;           /* how often the deadline watcher looks */
    long contribution_days; /* working days a partner has to contribute (R3) */
    int ack_waits;          /* hold the acknowledgement for the investigator's name (R4) */
    const char *holidays_path;
    uv_timer_t watcher;
    int watching; /* a watcher round is running */
} rt_app_t;

extern rt_app_t rt_app;

/* apply.c: every event that moves a complaint along its lifecycle (read,
 * decide by decide.c and the lifecycle table, write). */
void rt_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                 const ProtobufCMessage *payload, void *arg);
/* batch.c: the same for a batch of one type's events (one read for all,
 * one transaction for all their writes). */
int rt_on_batch(cd_inbox_t *in, cd_batch_t *b, void *arg);

/* status.c: GetStatus; with Request.acting, only for a person of a body
 * party to the complaint (else NOT_FOUND, as for no such complaint). */
void rt_get_status(cd_inbox_t *in, cd_request_t *req, const Candour__V1__GetStatus *g);

/* caseload.c: ListCases, the caseload of the person acting's body (a row of
 * main.c's request table as it is). */
void rt_list_cases(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r);

/* coordination.c: partners' parts (R3): received, waived, merged. */
void rt_on_contribution(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                        const ProtobufCMessage *payload, void *arg);
void rt_waive(cd_request_t *req, const Candour__V1__WaiveContribution *w);
/* The staff directory (directory.c) and the bodies' settings
 * (org_settings.c). */
void rt_put_staff(cd_request_t *req, const Candour__V1__PutStaff *p);
void rt_disable_staff(cd_request_t *req, const Candour__V1__DisableStaff *x);
void rt_list_staff(cd_request_t *req, const Candour__V1__ListStaff *l);
void rt_set_org_settings(cd_request_t *req, const Candour__V1__SetOrgSettings *s);
void rt_get_org_settings(cd_request_t *req, const Candour__V1__GetOrgSettings *g);
void rt_merge_check(const char *ref);
void rt_on_pending_merges(const cd_tx_result_t *res, void *arg);

/* deadlines.c: the watcher (R6), extensions (R5), the out-of-time decision (I3). */
void rt_on_watch_timer(uv_timer_t *t);
void rt_extend(cd_request_t *req, const Candour__V1__ExtendDeadline *x);
void rt_decide_out_of_time(cd_request_t *req, const Candour__V1__DecideOutOfTime *d);
/* progress.c: the body's update cadence in working days (0: it set none),
 * or Candour's (CANDOUR_UPDATE_DAYS). */
int rt_update_days(int body_days);
/* s is non-empty text of at most max bytes, with no control characters. */
int rt_text_ok(const char *s, size_t max);

/* request_ops.c: the request table's entries (main.c), one an operation. */
typedef void rt_req_fn(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r);
rt_req_fn rt_req_status, rt_req_extend, rt_req_decide, rt_req_waive, rt_req_progress, rt_req_late,
    rt_req_put_staff, rt_req_disable_staff, rt_req_list_staff, rt_req_set_org, rt_req_get_org;

#endif
