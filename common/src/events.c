/* events.c - the catalogue of event types. */
#include "candour/events.h"

#include <string.h>

#include "candour/v1/events.pb-c.h"

static const cd_event_type_t s_types[] = {
    {"complaint.received", &candour__v1__complaint_received__descriptor, "intake"},
    {"complaint.routed", &candour__v1__complaint_routed__descriptor, "routing"},
    {"letter.requested", &candour__v1__letter_requested__descriptor, "routing"},
    {"case.opened", &candour__v1__case_opened__descriptor, "investigation"},
    {"investigation.completed", &candour__v1__investigation_completed__descriptor, "investigation"},
    {"response.approved", &candour__v1__response_approved__descriptor, "signoff"},
    {"letter.sent", &candour__v1__letter_sent__descriptor, "notify"},
    {"complaint.amended", &candour__v1__complaint_amended__descriptor, "intake"},
    {"complaint.withdrawn", &candour__v1__complaint_withdrawn__descriptor, "intake"},
    {"consent.recorded", &candour__v1__consent_recorded__descriptor, "intake"},
    {"summary.agreed", &candour__v1__summary_agreed__descriptor, "intake"},
    {"complaint.status_changed", &candour__v1__status_changed__descriptor, "routing"},
    {"deadline.due_soon", &candour__v1__deadline_alert__descriptor, "routing"},
    {"deadline.overdue", &candour__v1__deadline_alert__descriptor, "routing"},
    {"deadline.extended", &candour__v1__deadline_extended__descriptor, "routing"},
    {"contribution.requested", &candour__v1__contribution_requested__descriptor, "routing"},
    {"contribution.received", &candour__v1__contribution_received__descriptor, "intake"},
    {"contributions.merged", &candour__v1__contributions_merged__descriptor, "routing"},
    {"out_of_time.decided", &candour__v1__out_of_time_decided__descriptor, "routing"},
};

const ProtobufCMessageDescriptor *cd_event_descriptor(const char *type)
{
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (strcmp(s_types[i].type, type) == 0)
            return s_types[i].payload;
    return NULL;
}

const cd_event_type_t *cd_event_types(int *n)
{
    *n = (int)(sizeof s_types / sizeof s_types[0]);
    return s_types;
}
