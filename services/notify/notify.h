/* notify.h - what the parts of candour-notify share (internal).
 *
 * candour-notify writes the letters. Its parts, one role a file:
 *   main.c     configuration, the handler table, start-up
 *   events.c   the events it takes: who to write to, the letters asked for,
 *              withdrawals, deadline alerts; each recorded in one transaction
 *   deliver.c  the delivery round, the daemon's one periodic job: letters due
 *              an attempt and alerts not yet out, written to the spool and
 *              tried by their channel on the thread pool
 *   marks.c    what each attempt came to, recorded: delivered or sent (with
 *              letter.sent), tried again later, or failed and raised
 *   spool.c    durable writes into the spool, on libuv's thread pool
 *   channel.c, post.c, policy.c, smtp.c, smtp_text.c
 *              the channels and the retry rule (delivery.h, smtp.h)
 *   letters.c  the letters' words and the rules about which may go (pure)
 *   requests.c the staff API's reads: a complaint's letters, one as its PDF
 *
 * A letter is first committed (one per complaint and kind, by constraint),
 * queued; then delivered: its spool files (text for the case file, the PDF)
 * are made durable under names fixed by reference and kind, it is tried by
 * its channel, and only then marked, with its letter.sent event. A crash in
 * between tries the same letter id again, so no one gets two of a letter. */
#ifndef NOTIFY_NOTIFY_H
#define NOTIFY_NOTIFY_H

#include <limits.h>
#include <uv.h>

#include "candour/directory.h"
#include "candour/inbox.h"
#include "candour/metrics.h"
#include "candour/service.h"
#include "bounce.h"
#include "delivery.h"

/* The daemon's state, one per process (main.c owns it). */
typedef struct {
    cd_service_t *svc;      /* the service runtime: database, inbox, outbox */
    const char *spool;      /* CANDOUR_SPOOL_DIR: the spool's root */
    uv_timer_t delivery;    /* fires the delivery round */
    int delivering;         /* a round is running: its query, its flush or its marks */
    int again;              /* work was committed during the round: another round follows */
    nt_channels_t channels; /* the print hot folder, the relay */
    const char *bounce_dir; /* CANDOUR_BOUNCE_DIR: a Maildir of bounces ("" none) */
    long letter_nice;       /* CANDOUR_LETTER_NICE: the delivery rounds' threads */
    uv_timer_t bounces;     /* fires the read of new bounces */
    int bounce_timer;       /* bounces is initialised */
    int bouncing;           /* a read is running */
    nt_retry_t retry;       /* how often, how long apart */
    cd_metric_t *m_letters; /* letters delivered or sent */
    cd_metric_t *m_failed;  /* failed attempts to deliver a letter or an alert */
    cd_metric_t *m_raised;  /* letters failed for good, raised to the complaints manager */
} nt_app_t;

/* Whether alerts go by email too (a relay is configured). */
#define NT_MAILS_ALERTS(app) ((app)->channels.smtp.url && (app)->channels.smtp.url[0])

/* ---------------------------------------------------------------- setup.c */

/* The configuration that is not used as it is read (main.c's items). */
typedef struct {
    const char *tls;                           /* CANDOUR_SMTP_TLS: require, try, none */
    const char *password_file;                 /* CANDOUR_SMTP_PASSWORD_FILE, "" none */
    long attempts, backoff_ms, backoff_max_ms; /* CANDOUR_DELIVERY_* */
    long timeout_ms;                           /* CANDOUR_SMTP_TIMEOUT_MS */
} nt_setup_t;

/* Makes app's spool and print folders, its relay's settings (checked: a
 * relay that cannot work is refused at start, not on every letter) and its
 * retry rule ready, and with a relay, libcurl (nt_smtp_global_init; main
 * cleans it up). 0, or -1 logged. */
int nt_setup(nt_app_t *app, const nt_setup_t *s);

/* ---------------------------------------------------------------- events.c
 *
 * Handlers for the table in main.c (inbox.h's cd_event_fn); arg is the
 * nt_app_t. Each takes the payload decoded by the catalogue's message for
 * its type. */
void nt_on_received(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                    const ProtobufCMessage *payload, void *arg);
/* complaint.received for several complaints at once (received_batch.c;
 * inbox.h's batch functions). */
int nt_on_received_batch(cd_inbox_t *in, cd_batch_t *b, void *arg);
void nt_on_amended(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                   const ProtobufCMessage *payload, void *arg);
void nt_on_withdrawn(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                     const ProtobufCMessage *payload, void *arg);
void nt_on_letter_requested(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                            const ProtobufCMessage *payload, void *arg);
void nt_on_response_approved(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                             const ProtobufCMessage *payload, void *arg);
void nt_on_deadline_extended(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                             const ProtobufCMessage *payload, void *arg);
void nt_on_progress_sent(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                         const ProtobufCMessage *payload, void *arg);
void nt_on_response_late(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                         const ProtobufCMessage *payload, void *arg);
/* deadline.due_soon and deadline.overdue (one message, DeadlineAlert). */
void nt_on_alert(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                 const ProtobufCMessage *payload, void *arg);
/* spc.signal: a rise in a body's monthly complaints (an alert of kind spc). */
void nt_on_spc_signal(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                      const ProtobufCMessage *payload, void *arg);

/* ---------------------------------------------------------------- requests.c
 *
 * The requests notify answers (main.c's on_request), each for the staff of
 * the complaint's body who may read it: a complaints manager, investigator,
 * signatory or responsible person. */

/* The requests' dispatch (cd_request_fn; arg is the nt_app_t): the ops
 * below, anything else UNSUPPORTED. */
void nt_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r, void *arg);
/* ListLetters: the complaint's letters, oldest first, without their text. */
void nt_list_letters(cd_request_t *req, const Candour__V1__ListLetters *l, nt_app_t *app);
/* GetLetter: one letter as the PDF the complainant gets (nt_letter_pdf),
 * typeset on the thread pool; answered as an Attachment "<kind>.pdf". */
void nt_get_letter(cd_request_t *req, const Candour__V1__GetLetter *g, nt_app_t *app);


/* A letter's PDF exactly as the spool's is made of it (spool.c): body as
 * notify.letter keeps it, head its letterhead ("" none), large print when
 * the recipient's access needs ask. nt_pdf_render's contract: 0 and *out
 * (malloc'd, *len bytes), or -1 with err. Pure apart from fonts; safe on
 * the thread pool. */
int nt_letter_pdf(const char *reference, const char *body, const char *head, int large_print,
                  unsigned char **out, size_t *len, char *err, size_t errlen);

/* ---------------------------------------------------------------- deliver.c */

/* Set up the round's timer on loop and the delivery counters (before the loop runs). */
void nt_deliver_init(nt_app_t *app, uv_loop_t *loop);
/* Start the rounds: one now, then every NT_DELIVERY_MS (on_ready). */
void nt_deliver_start(nt_app_t *app);
/* No more rounds (on_stop). A round whose flush is running finishes its
 * writes; its letters are marked delivered at the next start, under the
 * same names. */
void nt_deliver_stop(nt_app_t *app);
/* A round soon: now, or after the running one. arg is the nt_app_t (so it
 * fits cd_inbox_commit's on_committed). */
void nt_deliver_soon(void *arg);

/* ---------------------------------------------------------------- bounce.c */

/* Makes the Maildir's folders and the timer ready when app->bounce_dir is
 * set (before the loop runs): 0, or -1 logged. Start and stop go with the
 * delivery rounds'. */
int nt_bounce_init(nt_app_t *app, uv_loop_t *loop);
void nt_bounce_start(nt_app_t *app);
void nt_bounce_stop(nt_app_t *app);

/* ---------------------------------------------------------------- spool.c */
/* (before deliver.c's round, which holds spool files) */

#define NT_SPOOL_PATH_MAX PATH_MAX

/* One file to write: <root>/<dir>/<name>.txt, and for a letter by post its
 * PDF beside it (<name>.pdf, typeset by pdf.c on the thread pool, in place
 * before the text so that a letter's text in the spool means its PDF is
 * there too). */
typedef struct {
    const char *dir;              /* in: a reference, or "alerts"; file-name-safe */
    const char *name;             /* in: the file's name without .txt; file-name-safe */
    const char *tag;              /* in: unique to this letter (its id): the staging file's name */
    const char *body;             /* in: the text */
    const char *head;             /* in: the letterhead ("" or NULL: none): heads the text
                                   * file, and the PDF's page 1 on the right */
    int pdf;                      /* in: also <name>.pdf, typeset from body (letters by post) */
    int large_print;              /* in: the PDF in large print (access needs, I7) */
    char path[NT_SPOOL_PATH_MAX]; /* out: <root>/<dir>/<name>.txt */
    char tmp[NT_SPOOL_PATH_MAX];  /* the staging file beside it */
    char pdf_path[NT_SPOOL_PATH_MAX]; /* out, with pdf: <root>/<dir>/<name>.pdf */
    char pdf_tmp[NT_SPOOL_PATH_MAX];
    int err; /* out: 0 when the file is durable at path, else an errno */
} nt_spool_file_t;

/* Write files[0..n-1] durably, all together: each to a staging file beside
 * its name, one flush of the spool's filesystem (syncfs), the renames into
 * place, a second flush for the renames. Two flushes, however many files. A
 * file that fails at any step has its err set and no staging file left;
 * one renamed but not flushed may be in place, and is written again under
 * the same name next time. Blocking: call it off the event loop. */
void nt_spool_write(const char *root, nt_spool_file_t *files, int n);
/* nt_spool_write in two steps: stage (each file written beside its name,
 * its PDF typeset; parts of a round may be staged on several threads at
 * once), then commit the staged ones (flush, rename, flush) together. */
void nt_spool_stage(const char *root, nt_spool_file_t *files, int n);
void nt_spool_commit(const char *root, nt_spool_file_t *files, int n);

typedef void (*nt_spool_done_fn)(nt_spool_file_t *files, int n, void *arg);

/* nt_spool_write on libuv's thread pool; done(files, n, arg) runs on loop
 * when it has finished. Hazard: files and the strings they point to belong
 * to the thread until done; the caller must not touch or free them before.
 * 0, or a negative libuv error code (done is then not called). */
int nt_spool_write_async(uv_loop_t *loop, const char *root, nt_spool_file_t *files, int n,
                         nt_spool_done_fn done, void *arg);

/* ---------------------------------------------------------------- a round */

typedef enum {
    NT_ITEM_LETTER,     /* a letter: to the spool, then by its channel */
    NT_ITEM_ALERT,      /* an alert not yet in the spool */
    NT_ITEM_ALERT_MAIL, /* an alert in the spool, to email to the complaints manager */
} nt_item_type_t;

/* One letter or alert of a round: what the work needs and what marking it
 * needs, copied out of the query's result (which dies with its callback). */
typedef struct {
    nt_item_type_t type;
    char id[40];        /* letter_id (uuid), or the alert's id */
    char mail_id[48];   /* an alert's Message-ID's left-hand side */
    char reference[65]; /* the complaint's reference */
    char name[200];     /* a letter's kind; an alert's file name */
    char channel[16];   /* a letter's channel: "post", "email" */
    char level[16];     /* an alert's level, for the log */
    int has_address;    /* a letter's recipient has a postal address */
    int large_print;    /* a letter's PDF in large print (access needs) */
    int attempt;        /* this attempt's number (1 for the first) */
    int file;           /* its spool file in the round's files, -1 none */
    char *body;         /* the text (owned) */
    char *head;         /* a letter's letterhead (owned; "" none) */
    char *to_email;     /* the recipient's, or the complaints manager's (owned) */
    char *to_name;      /* (owned) */
    /* out, from the work */
    nt_attempt_t outcome;
    long code;
    char detail[256];
} nt_item_t;

/* A part of a round's files, staged on a thread of the pool. */
typedef struct {
    uv_work_t req;
    struct nt_round *rd;
    int first, n; /* files[first .. first + n) */
} nt_stage_part_t;

#define NT_STAGE_PARTS 4 /* a round's PDFs typeset on up to this many threads at once */

typedef struct nt_round {
    uv_work_t req; /* the thread pool's; req.data is the round */
    nt_stage_part_t part[NT_STAGE_PARTS];
    int parts_left, parts_cancelled;
    nt_app_t *app;
    int n, nfiles;
    int full;               /* a query came back with a whole batch: more may wait */
    nt_item_t *items;       /* [n] */
    nt_spool_file_t *files; /* [nfiles], pointing into items */
} nt_round_t;

/* ---------------------------------------------------------------- marks.c */

/* Records what the round's work made of it (file: its spool file, or NULL
 * for an alert emailed). */
void nt_mark(nt_app_t *app, const nt_item_t *it, const nt_spool_file_t *file);

/* ------------------------------------------------------------ marks_batch.c */

/* Records what the round's work made of each of its n items (files: the
 * round's spool files): the letters that went together in one transaction
 * (each alone if it fails), the others each alone (nt_mark). */
void nt_mark_round(nt_app_t *app, nt_item_t *items, int n, const nt_spool_file_t *files);

/* Adds to tx the raising of a letter that failed for good: a
 * delivery-failed alert for the complaints manager (again, if it was raised
 * before and sent again), emailed when mails. detail names no one. */
void nt_raise_failed(cd_tx_t *tx, const char *reference, const char *letter_id, const char *detail,
                     int mails);

#endif
