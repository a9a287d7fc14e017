/* policy.c - what follows a delivery attempt (see delivery.h). Pure. */
#include <stddef.h>

#include "delivery.h"

const char *nt_after_attempt(nt_attempt_t a, int attempt, const nt_retry_t *r, long *wait_ms)
{
    *wait_ms = 0;
    switch (a) {
    case NT_ATTEMPT_SENT:
        return "sent";
    case NT_ATTEMPT_DELIVERED:
        return "delivered";
    case NT_ATTEMPT_REFUSED:
        return "failed";
    case NT_ATTEMPT_RETRY:
    default:
        break;
    }
    if (attempt >= r->attempts)
        return "failed";
    /* backoff_ms * 2^(attempt-1), no longer than backoff_max_ms. */
    long w = r->backoff_ms > 0 ? r->backoff_ms : 1;
    for (int i = 1; i < attempt && w < r->backoff_max_ms; i++)
        w *= 2;
    *wait_ms = w < r->backoff_max_ms ? w : r->backoff_max_ms;
    return "queued";
}

const char *nt_attempt_name(nt_attempt_t a)
{
    switch (a) {
    case NT_ATTEMPT_SENT:
        return "sent";
    case NT_ATTEMPT_DELIVERED:
        return "delivered";
    case NT_ATTEMPT_REFUSED:
        return "refused";
    case NT_ATTEMPT_RETRY:
    default:
        return "retry";
    }
}
