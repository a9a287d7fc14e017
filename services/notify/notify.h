/* notify.h - what the parts of candour-notify share (internal).
 *
 * candour-notify writes the letters. Its parts, one role a file:
 *   main.c     configuration, the handler table, start-up
 *   events.c   the events it takes: who to write to, the letters asked for,
 *              withdrawals, deadline alerts; each recorded in one transaction
 *   deliver.c  the delivery round, the daemon's one periodic job: letters and
 *              alerts not yet in the spool are written there, then marked
 *   spool.c    durable writes into the spool, on libuv's thread pool
 *   letters.c  the letters' words and the rules about which may go (pure)
 *
 * A letter is first committed (one per complaint and kind, by constraint),
 * then delivered: its spool file is made durable under a name fixed by
 * reference and kind, and only then is the letter marked delivered, with its
 * letter.sent event. A crash in between delivers the same file name again, so
 * the spool never holds two of one letter. */
#ifndef NOTIFY_NOTIFY_H
#define NOTIFY_NOTIFY_H

#include <limits.h>
#include <uv.h>

#include "candour/inbox.h"
#include "candour/metrics.h"
#include "candour/service.h"

/* The daemon's state, one per process (main.c owns it). */
typedef struct {
    cd_service_t *svc;      /* the service runtime: database, inbox, outbox */
    const char *spool;      /* CANDOUR_SPOOL_DIR: the spool's root */
    uv_timer_t delivery;    /* fires the delivery round */
    int delivering;         /* a round is running: its query, its flush or its marks */
    int again;              /* work was committed during the round: another round follows */
    cd_metric_t *m_letters; /* letters delivered */
    cd_metric_t *m_failed;  /* failed attempts to deliver a letter or an alert */
} nt_app_t;

/* ---------------------------------------------------------------- events.c
 *
 * Handlers for the table in main.c (inbox.h's cd_event_fn); arg is the
 * nt_app_t. Each takes the payload decoded by the catalogue's message for
 * its type. */
void nt_on_received(cd_inbox_t *in, cd_event_t *ev, const Candour__V1__Envelope *env,
                    const ProtobufCMessage *payload, void *arg);
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

/* ---------------------------------------------------------------- deliver.c */

/* Set up the round's timer on loop (before the loop runs). */
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

/* ---------------------------------------------------------------- spool.c */

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

typedef void (*nt_spool_done_fn)(nt_spool_file_t *files, int n, void *arg);

/* nt_spool_write on libuv's thread pool; done(files, n, arg) runs on loop
 * when it has finished. Hazard: files and the strings they point to belong
 * to the thread until done; the caller must not touch or free them before.
 * 0, or a negative libuv error code (done is then not called). */
int nt_spool_write_async(uv_loop_t *loop, const char *root, nt_spool_file_t *files, int n,
                         nt_spool_done_fn done, void *arg);

#endif
