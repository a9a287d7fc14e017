/* channel.c - one attempt to deliver a letter by its channel (delivery.h).
 *
 * post:  the PDF and its manifest into the print hot folder (post.c);
 *        no postal address is a refusal (nothing to print on the envelope).
 * email: through the relay (smtp.c), the text as the body and the PDF
 *        attached; with no relay configured the letter stays in the spool,
 *        which is then the outbox, and counts as sent there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"

static const struct {
    const char *prefix; /* the kind, or its start for numbered kinds */
    const char *what;
} s_subjects[] = {
    {"acknowledgement", "we have received it"},
    {"consent-request", "we need your consent"},
    {"triage-outcome", "what happens next"},
    {"progress-", "an update"},
    {"extension-", "a new date for our response"},
    {"late-response-", "our response is late"},
    {"final-response", "our response"},
    {"covering-letter", "our response"},
    {"withdrawal-confirmation", "withdrawn as you asked"},
};

void nt_email_subject(const char *kind, const char *reference, char *out, size_t n)
{
    const char *what = "a letter from us";
    for (size_t i = 0; i < sizeof s_subjects / sizeof s_subjects[0]; i++)
        if (strncmp(kind, s_subjects[i].prefix, strlen(s_subjects[i].prefix)) == 0) {
            what = s_subjects[i].what;
            break;
        }
    snprintf(out, n, "Your complaint %s: %s", reference, what);
}

/* The letters by post of reqs, together. */
static void s_post(const nt_channels_t *ch, nt_attempt_req_t *reqs, int n)
{
    if (n <= 0)
        return;
    nt_post_job_t *jobs = calloc((size_t)n, sizeof *jobs);
    int *of = calloc((size_t)n, sizeof *of);
    int nj = 0;
    for (int i = 0; i < n; i++) {
        nt_attempt_req_t *a = &reqs[i];
        if (strcmp(a->channel, "email") == 0)
            continue;
        if (!a->has_address) {
            a->outcome = NT_ATTEMPT_REFUSED;
            snprintf(a->detail, sizeof a->detail, "no postal address to send the letter to");
        } else if (!jobs || !of) {
            a->outcome = NT_ATTEMPT_RETRY;
            snprintf(a->detail, sizeof a->detail, "out of memory");
        } else {
            jobs[nj] = (nt_post_job_t){.letter_id = a->letter_id,
                                       .reference = a->reference,
                                       .kind = a->kind,
                                       .pdf_path = a->pdf_path,
                                       .large_print = a->large_print};
            of[nj++] = i;
        }
    }
    nt_post_write(ch->print_dir, jobs, nj);
    for (int k = 0; k < nj; k++) {
        nt_attempt_req_t *a = &reqs[of[k]];
        /* A full or read-only folder may be put right: try again, then raise. */
        a->outcome = jobs[k].err ? NT_ATTEMPT_RETRY : NT_ATTEMPT_DELIVERED;
        if (jobs[k].err)
            snprintf(a->detail, sizeof a->detail, "the print hot folder could not take it: %s",
                     strerror(jobs[k].err));
        else
            snprintf(a->detail, sizeof a->detail, "in the print hot folder");
    }
    nt_post_free(jobs, nj);
    free(jobs);
    free(of);
}

static void s_email(const nt_channels_t *ch, nt_attempt_req_t *a)
{
    if (!a->to_email || !a->to_email[0]) {
        a->outcome = NT_ATTEMPT_REFUSED;
        snprintf(a->detail, sizeof a->detail, "no email address to send the letter to");
        return;
    }
    if (!ch->smtp.url || !ch->smtp.url[0]) {
        a->outcome = NT_ATTEMPT_SENT;
        snprintf(a->detail, sizeof a->detail, "no relay configured: kept in the spool");
        return;
    }
    char attachment[128];
    snprintf(attachment, sizeof attachment, "%s-%s.pdf", a->reference, a->kind);
    nt_smtp_message_t m = {.letter_id = a->letter_id,
                           .to = a->to_email,
                           .to_name = a->to_name ? a->to_name : "",
                           .subject = a->subject,
                           .body = a->body,
                           .attachment = a->pdf_path,
                           .attachment_name = attachment};
    nt_smtp_result_t r;
    memset(&r, 0, sizeof r);
    nt_smtp_send(&ch->smtp, &m, &r);
    a->code = r.code;
    snprintf(a->detail, sizeof a->detail, "%s", r.detail);
    a->outcome = r.outcome == NT_SMTP_SENT      ? NT_ATTEMPT_SENT
                 : r.outcome == NT_SMTP_REFUSED ? NT_ATTEMPT_REFUSED
                                                : NT_ATTEMPT_RETRY;
}

void nt_channel_attempt(const nt_channels_t *ch, nt_attempt_req_t *reqs, int n)
{
    for (int i = 0; i < n; i++) {
        reqs[i].code = 0;
        reqs[i].detail[0] = '\0';
    }
    s_post(ch, reqs, n);
    for (int i = 0; i < n; i++)
        if (strcmp(reqs[i].channel, "email") == 0)
            s_email(ch, &reqs[i]);
}
