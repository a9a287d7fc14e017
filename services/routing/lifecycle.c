/* lifecycle.c - routing's state table and deadline rules. */
#include "lifecycle.h"

#include <stddef.h>
#include <string.h>

static const rt_transition_t s_table[] = {
    /* event                     kind              state                  stage deadline */
    {"complaint.received",      NULL,             "received",            1, NULL},
    {"letter.sent",             "acknowledgement", NULL,                 0, "acknowledgement"},
    {"case.opened",             NULL,             "under-investigation", 2, NULL},
    {"investigation.completed", NULL,             "awaiting-sign-off",   3, NULL},
    {"response.approved",       NULL,             "response-approved",   4, NULL},
    {"letter.sent",             "final-response", "response-sent",       5, "response"},
};

const rt_transition_t *rt_transition(const char *event, const char *kind)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++) {
        const rt_transition_t *t = &s_table[i];
        if (strcmp(t->event, event) != 0)
            continue;
        if (t->kind && (!kind || strcmp(t->kind, kind) != 0))
            continue;
        return t;
    }
    return NULL;
}

void rt_deadlines(const cd_calendar_t *cal, int64_t received_unix, int response_days,
                  cd_date_t *ack_due, cd_date_t *response_due)
{
    cd_date_t received = cd_date_from_unix_london(received_unix);
    *ack_due = cd_workdays_add(cal, received, 3);
    *response_due = cd_workdays_add(cal, received, response_days);
}
