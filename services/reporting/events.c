/* events.c - the events reporting takes: each one's row changes (apply.h),
 * written in one transaction with its inbox record, so a redelivered event
 * changes nothing (the inbox refuses its id) and `candourctl reporting
 * rebuild`, which replays the producers' outboxes through the same
 * rp_apply and rp_sql, writes the same rows. */
#include "candour/errcode.h"
#include "candour/inbox.h"
#include "candour/log.h"
#include "apply.h"
#include "apply_sql.h"
#include "reporting.h"

static int s_add(void *arg, const char *sql, int nparams, const char *const *values)
{
    return cd_tx_add(arg, sql, nparams, values);
}

void rp_on_event(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                 const ProtobufCMessage *payload, void *arg)
{
    (void)arg;
    rp_change_t ch;
    int rc = rp_apply(env, payload, &ch);
    if (rc < 0) {
        cd_log_warn("reporting.unusable", "{s:s, s:s, s:s}", "event_id", env->event_id, "type",
                    env->type, "reference", env->complaint_ref);
        cd_inbox_nak(in, ev, CD_CODE_MALFORMED_EVENT, "no complaint reference to report it under");
        return;
    }
    /* Nothing to keep: recorded all the same, so it is not taken twice. */
    cd_tx_t *tx = cd_inbox_tx(in, ev);
    if (rc > 0 && rp_sql(&ch, s_add, tx) != 0)
        cd_tx_poison(tx);
    cd_inbox_commit(in, ev, tx, NULL, NULL);
}
