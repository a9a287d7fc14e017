/* delivery.h - how a letter leaves: its channel (post or email), the print
 * hot folder, and the rule for what follows an attempt (N1).
 *
 *   policy.c   after an attempt: sent, delivered, another try (when), or
 *              failed and raised (pure)
 *   post.c     the print hot folder: each PDF and its manifest, durably
 *   channel.c  one attempt by the letter's channel, off the event loop
 *
 * The letter id is the idempotency key end to end: the hot folder's files
 * are named by it and an email's Message-ID is made from it, so a letter
 * tried again after a crash replaces its own file or is recognisable as a
 * resend, never a second letter. */
#ifndef NOTIFY_DELIVERY_H
#define NOTIFY_DELIVERY_H

#include <stddef.h>

#include "smtp.h"

/* ---------------------------------------------------------------- policy.c */

/* What an attempt came to. */
typedef enum {
    NT_ATTEMPT_SENT,      /* the relay accepted the email */
    NT_ATTEMPT_DELIVERED, /* the letter is durable in the print hot folder */
    NT_ATTEMPT_RETRY,     /* not now (relay down, 4xx, disk full): try again */
    NT_ATTEMPT_REFUSED,   /* never (5xx, no address to deliver to): raise it */
} nt_attempt_t;

typedef struct {
    int attempts;        /* tries before a letter is failed and raised (>= 1) */
    long backoff_ms;     /* the wait after the first failed try; doubled each time */
    long backoff_max_ms; /* the longest wait */
} nt_retry_t;

/* The letter's state after attempt number `attempt` (1 for the first) came
 * to `a`: "sent", "delivered", "queued" (tried again after *wait_ms) or
 * "failed" (refused, or the last try spent: raised to the complaints
 * manager). *wait_ms is 0 unless "queued". */
const char *nt_after_attempt(nt_attempt_t a, int attempt, const nt_retry_t *r, long *wait_ms);

/* The name of an outcome, as notify.delivery_attempt records it. */
const char *nt_attempt_name(nt_attempt_t a);

/* ---------------------------------------------------------------- post.c */

/* One letter for the print hot folder. */
typedef struct {
    const char *letter_id, *reference, *kind;
    const char *pdf_path; /* the PDF to print (the spool's) */
    int large_print;
    int err; /* out: 0 when the job is in place and durable, else an errno */
    /* the job's files, and their staging names (nt_post_write's own) */
    char *pdf, *pdf_tmp, *json, *json_tmp;
} nt_post_job_t;

/* Puts each job into the hot folder `dir` as <letter_id>.pdf and then its
 * manifest <letter_id>.json, all together: the manifest names the letter,
 * its reference, kind, bytes, format and the PDF's SHA-256, never the
 * address (the envelope's window shows it from the PDF itself). A job that
 * fails has its err set and no staging file left. Blocking. */
void nt_post_write(const char *dir, nt_post_job_t *jobs, int n);
/* Frees what nt_post_write allocated in jobs (not jobs itself). */
void nt_post_free(nt_post_job_t *jobs, int n);

/* ---------------------------------------------------------------- channel.c */

/* The channels' configuration (main.c). */
typedef struct {
    const char *print_dir; /* the hot folder for letters by post */
    nt_smtp_config_t smtp; /* smtp.url "" = no relay: email stays in the spool */
} nt_channels_t;

/* One letter to try by its channel. */
typedef struct {
    /* in */
    const char *letter_id, *reference, *kind, *channel; /* channel: "post" or "email" */
    const char *to_email, *to_name;                     /* email */
    int has_address;                                    /* post: a postal address to print */
    int large_print;
    const char *pdf_path; /* the PDF in the spool (the attachment; the print) */
    const char *subject;  /* email */
    const char *body;     /* email: the text */
    /* out */
    nt_attempt_t outcome;
    long code;        /* the relay's last reply code, 0 if none */
    char detail[256]; /* plain words; may name the address: database only */
} nt_attempt_req_t;

/* Tries each once: the letters by post together into the hot folder, each
 * email by the relay. Blocking: run it off the event loop. */
void nt_channel_attempt(const nt_channels_t *ch, nt_attempt_req_t *reqs, int n);

/* The subject line of a letter's email: "Your complaint <reference>: <what>". */
void nt_email_subject(const char *kind, const char *reference, char *out, size_t n);

#endif
