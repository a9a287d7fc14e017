/* events.c - the catalogue of event types: payload, producer, subscribers. */
#include "candour/events.h"

#include <string.h>

#include "candour/v1/case.pb-c.h"
#include "candour/v1/events.pb-c.h"
#include "candour/v1/staff.pb-c.h"

static const char *const s_routing[] = {"routing", NULL};
static const char *const s_notify[] = {"notify", NULL};
static const char *const s_intake[] = {"intake", NULL};
static const char *const s_reporting[] = {"reporting", NULL};
/* Reporting keeps, de-identified, what every service's events say of a
 * complaint (services/reporting/apply.c: rp_types): these lists add it. */
static const char *const s_routing_rep[] = {"routing", "reporting", NULL};
static const char *const s_notify_rep[] = {"notify", "reporting", NULL};
static const char *const s_intake_rep[] = {"intake", "reporting", NULL};
static const char *const s_investigation_rep[] = {"investigation", "reporting", NULL};
static const char *const s_routing_notify_rep[] = {"routing", "notify", "reporting", NULL};
static const char *const s_signoff_routing_rep[] = {"signoff", "routing", "reporting", NULL};
static const char *const s_notify_routing_rep[] = {"notify", "routing", "reporting", NULL};
static const char *const s_investigation_routing_rep[] = {"investigation", "routing", "reporting",
                                                          NULL};
/* Withdrawal closes the complaint everywhere: the case, the draft and the
 * letters stop too (only the confirmation is written). */
static const char *const s_everyone[] = {"routing", "investigation", "signoff",
                                         "notify",  "reporting",     NULL};
/* The directory: whoever checks the person acting, or names them in a letter. */
static const char *const s_staff_readers[] = {"intake", "investigation", "signoff", "notify", NULL};

#define E(t, msg, producer, to)                                                                    \
    {                                                                                              \
        t, &candour__v1__##msg##__descriptor, producer, to                                         \
    }

static const cd_event_type_t s_types[] = {
    /* type                       payload                  producer         subscribers */
    E("complaint.received", complaint_received, "intake", s_routing_notify_rep),
    E("complaint.amended", complaint_amended, "intake", s_routing_notify_rep),
    /* The same complainant's earlier complaint to the body (L1 repeats). */
    E("complaint.repeat_found", repeat_found, "intake", s_reporting),
    E("complaint.withdrawn", complaint_withdrawn, "intake", s_everyone),
    E("consent.recorded", consent_recorded, "intake", s_routing),
    E("summary.agreed", summary_agreed, "intake", s_routing),
    E("contribution.received", contribution_received, "intake", s_routing),
    /* Another body's figures for a period, for benchmarking (L3). */
    E("benchmark.returned", benchmark_returned, "intake", s_reporting),
    E("complaint.routed", complaint_routed, "routing", s_investigation_rep),
    E("letter.requested", letter_requested, "routing", s_notify),
    E("complaint.status_changed", status_changed, "routing", s_intake_rep),
    E("deadline.due_soon", deadline_alert, "routing", s_notify),
    E("deadline.overdue", deadline_alert, "routing", s_notify),
    E("deadline.extended", deadline_extended, "routing", s_notify_rep),
    E("progress.sent", progress_sent, "routing", s_notify),
    E("response.late", response_late, "routing", s_notify_rep),
    E("contribution.requested", contribution_requested, "routing", s_intake),
    /* Partners told over the bus (N2): a referral, the final response. */
    E("complaint.referred", complaint_referred, "routing", s_intake_rep),
    E("response.shared", response_shared, "routing", s_intake),
    E("contributions.merged", contributions_merged, "routing", s_investigation_rep),
    E("out_of_time.decided", out_of_time_decided, "routing", s_routing_rep),
    E("acknowledgement.due", acknowledgement_due, "routing", s_routing),
    E("staff.changed", staff_member, "routing", s_staff_readers),
    E("org.changed", org_settings, "routing", s_staff_readers),
    E("case.opened", case_opened, "investigation", s_routing),
    E("investigator.assigned", investigator_assigned, "investigation", s_routing),
    E("ombudsman.referral", referral, "investigation", s_routing_rep),
    E("investigation.completed", investigation_completed, "investigation", s_signoff_routing_rep),
    E("action.done", action_done, "investigation", s_reporting),
    E("response.approved", response_approved, "signoff", s_notify_routing_rep),
    E("draft.returned", draft_returned, "signoff", s_investigation_routing_rep),
    E("letter.sent", letter_sent, "notify", s_routing_rep),
    /* A rise in a body's monthly complaints, for its complaints manager (L6). */
    E("spc.signal", spc_signal, "reporting", s_notify),
};

#define S_NTYPES ((int)(sizeof s_types / sizeof s_types[0]))

const cd_event_type_t *cd_event_type(const char *type)
{
    for (int i = 0; type && i < S_NTYPES; i++)
        if (strcmp(s_types[i].type, type) == 0)
            return &s_types[i];
    return NULL;
}

const ProtobufCMessageDescriptor *cd_event_descriptor(const char *type)
{
    const cd_event_type_t *t = cd_event_type(type);
    return t ? t->payload : NULL;
}

int cd_event_subscribers_of(const char *producer, const char **out, int max)
{
    int n = 0;
    for (int i = 0; i < S_NTYPES; i++) {
        if (strcmp(s_types[i].producer, producer) != 0)
            continue;
        for (const char *const *s = s_types[i].subscribers; *s; s++) {
            int seen = 0;
            for (int j = 0; j < n; j++)
                seen |= strcmp(out[j], *s) == 0;
            if (!seen && n < max - 1)
                out[n++] = *s;
        }
    }
    if (max > 0)
        out[n] = NULL;
    return n;
}

const cd_event_type_t *cd_event_types(int *n)
{
    *n = S_NTYPES;
    return s_types;
}
