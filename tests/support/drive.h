/* drive.h - complaints driven from submission to signed response by several
 * client threads at once, retrying whatever got no answer (the same external
 * reference, so intake's idempotency is what keeps each single), and the
 * checks that afterwards every complaint is there exactly once in every
 * service's schema. The load of the fault tests: the chaos test (kill -9 of
 * any daemon, a database restart) and the failover test (the primary lost). */
#ifndef CANDOUR_TEST_DRIVE_H
#define CANDOUR_TEST_DRIVE_H

#include <stdint.h>

#include "harness.h"

typedef struct drive_t drive_t;

/* Adds the body's complaints team (a manager, an investigator, the
 * responsible person) to org's staff directory, then starts nclients threads
 * that submit n complaints (external references <prefix>-000000...) and take
 * each through assignment, outcome and signature. Stops trying at the
 * deadline (seconds from now). */
drive_t *drive_start(h_t *h, const char *org, const char *prefix, int n, int nclients,
                     int deadline_s);

/* Receipts so far (complaints intake said it holds). */
int drive_receipted(drive_t *d);
/* No client starts another complaint (each finishes the one it has): the
 * drive then ends with fewer than n (drive_join's done says how many). */
void drive_stop(drive_t *d);

/* Requests sent and not yet answered, now. */
int drive_waiting(drive_t *d);
/* Complaints finished (signed), plus n for every client that gave up. */
int drive_finished(drive_t *d);

typedef struct {
    int receipts, duplicate_receipts, sends, done;
} drive_totals_t;

/* Waits for the clients; fails the test when one gave up (its reason). */
void drive_join(drive_t *d, drive_totals_t *out);

/* Every receipt's complaint reference (done of them after drive_join; NULL
 * for a complaint never started). */
const char *drive_ref(drive_t *d, int i);

void drive_free(drive_t **pd);

/* A number from the environment (the fault tests' sizes), def when unset. */
long drive_env(const char *name, long def);
void drive_sleep_ms(int ms);

/* Waits until all n complaints reached "response sent" with their
 * acknowledgement and every outbox is delivered, then checks each is there
 * once in every schema with its two letters, every inbox and outbox adds up,
 * nothing is dead-lettered and the spool holds no half-written file.
 * Returns the redeliveries (attempts beyond the first) across all outboxes. */
long drive_check_exactly_once(h_t *h, int n);

#endif
