/* test_chaos.c - nothing lost, nothing twice, under faults (guarantees 1-3).
 *
 * Several clients submit complaints and drive each through outcome and
 * signature, retrying whatever got no answer (the same external reference,
 * so intake's idempotency is what keeps it single). Meanwhile the main
 * thread kill -9s a random daemon every fraction of a second and starts it
 * again, and restarts PostgreSQL (fast shutdown, then start) once, a third
 * of the way in. When all is quiet, every complaint must exist exactly once
 * in every service's schema, have reached "response sent", have exactly one
 * of each letter in the spool, and every outbox and inbox must add up.
 *
 * Size and seed from the environment (CI runs a small size; the full size is
 * CANDOUR_CHAOS_N=2000, see README):
 *   CANDOUR_CHAOS_N        complaints (default 300)
 *   CANDOUR_CHAOS_CLIENTS  concurrent clients (default 4)
 *   CANDOUR_CHAOS_SEED     random seed (default: the time; always printed)
 * The kills run in the main thread: daemons die with the thread that started
 * them (PR_SET_PDEATHSIG), and the main thread outlives the test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "candour/util.h"
#include "drive.h"
#include "harness.h"

#define CH_DEADLINE_S 900 /* the whole drive must finish within this */

static const char *const s_daemons[] = {"intake",  "routing", "investigation",
                                        "signoff", "notify",  "gateway"};

Test(chaos, complaints_survive_kill_9_of_any_daemon_and_a_database_restart, .timeout = 2400)
{
    int n = (int)drive_env("CANDOUR_CHAOS_N", 300);
    int nclients = (int)drive_env("CANDOUR_CHAOS_CLIENTS", 4);
    unsigned seed = (unsigned)drive_env("CANDOUR_CHAOS_SEED", (long)time(NULL));
    printf("chaos: %d complaints, %d clients, seed %u (CANDOUR_CHAOS_SEED=%u repeats it)\n", n,
           nclients, seed, seed);
    fflush(stdout);
    srand(seed);

    h_t *h = h_new_private("chaos");
    h_org(h, "ICB-CHAOS");
    h_setenv(h, "CANDOUR_RETRY_BASE_MS", "200");
    h_setenv(h, "CANDOUR_RETRY_CAP_MS", "2000");
    h_setenv(h, "CANDOUR_LOG_LEVEL", "info");
    cr_assert_eq(h_start_all(h), 0);

    int64_t t0 = cd_now_us();
    drive_t *d = drive_start(h, "ICB-CHAOS", "CHAOS", n, nclients, CH_DEADLINE_S);

    /* The chaos: until the clients are done. */
    int kills = 0, pg_restarts = 0;
    int nd = (int)(sizeof s_daemons / sizeof s_daemons[0]);
    while (drive_finished(d) < n && cd_now_us() < t0 + CH_DEADLINE_S * 1000000LL) {
        drive_sleep_ms(100 + rand() % 300);
        const char *victim = s_daemons[rand() % nd];
        h_kill9(h, victim);
        kills++;
        drive_sleep_ms(rand() % 100);
        cr_assert_eq(h_start(h, victim), 0);
        if (!pg_restarts && drive_receipted(d) >= n / 3) {
            cr_assert_eq(h_pg_restart(h), 0, "PostgreSQL did not come back");
            pg_restarts++;
        }
    }
    drive_totals_t t;
    drive_join(d, &t);
    if (!pg_restarts) {
        cr_assert_eq(h_pg_restart(h), 0); /* a run too short to reach a third still gets one */
        pg_restarts++;
    }
    cr_assert_eq(t.done, n);

    /* Quiet: every daemon up; then the last letters and acknowledgements. */
    for (int i = 0; i < nd; i++)
        if (!h_pid(h, s_daemons[i]))
            cr_assert_eq(h_start(h, s_daemons[i]), 0);
    long redeliveries = drive_check_exactly_once(h, n);
    printf("chaos: seed %u; %d complaints submitted by %d clients in %.1f s\n"
           "chaos: receipts %d (of which duplicates suppressed at intake: %d); requests sent %d\n"
           "chaos: redeliveries %ld; kill -9 %d; PostgreSQL restarts %d\n"
           "chaos: every complaint once in every schema, response sent, 2 letters each: ok\n",
           seed, n, nclients, (double)(cd_now_us() - t0) / 1e6, t.receipts, t.duplicate_receipts,
           t.sends, redeliveries, kills, pg_restarts);
    fflush(stdout);
    drive_free(&d);
    cr_assert_eq(h_destroy(&h), 0, "a daemon did not exit 0 on SIGTERM");
}
