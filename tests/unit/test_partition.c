/* test_partition.c - a complaint's home instance (partition.c): every
 * producer picks the same one, the complaints spread evenly, and adding or
 * removing an instance moves only the complaints whose home it is. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "candour/partition.h"

#define N_REFS 20000

static void s_ref(int i, char out[32])
{
    snprintf(out, 32, "CMP-2026-%06d", i);
}

Test(partition, one_instance_is_home_to_all)
{
    const char *one[] = {"tcp://127.0.0.1:7102"};
    cr_assert_eq(cd_partition_pick(one, 1, "CMP-2026-000001"), 0);
    cr_assert_eq(cd_partition_pick(one, 0, "CMP-2026-000001"), 0);
}

Test(partition, weight_is_fixed_by_name_and_key)
{
    /* Pinned: a producer built elsewhere, or tomorrow, must agree. */
    cr_assert_eq(cd_partition_weight("a", "b"), cd_partition_weight("a", "b"));
    cr_assert_neq(cd_partition_weight("a", "bc"), cd_partition_weight("ab", "c"));
    cr_assert_neq(cd_partition_weight("x", "CMP-1"), cd_partition_weight("y", "CMP-1"));
}

Test(partition, the_order_of_the_list_does_not_matter)
{
    const char *ab[] = {"tcp://10.0.0.1:7102", "tcp://10.0.0.2:7102", "tcp://10.0.0.3:7102"};
    const char *ba[] = {"tcp://10.0.0.3:7102", "tcp://10.0.0.1:7102", "tcp://10.0.0.2:7102"};
    for (int i = 0; i < 2000; i++) {
        char ref[32];
        s_ref(i, ref);
        cr_assert_str_eq(ab[cd_partition_pick(ab, 3, ref)], ba[cd_partition_pick(ba, 3, ref)], "%s",
                         ref);
    }
}

Test(partition, complaints_spread_evenly)
{
    const char *three[] = {"tcp://127.0.0.1:7102", "tcp://127.0.0.1:7112", "tcp://127.0.0.1:7122"};
    int count[3] = {0};
    for (int i = 0; i < N_REFS; i++) {
        char ref[32];
        s_ref(i, ref);
        count[cd_partition_pick(three, 3, ref)]++;
    }
    /* Each within 5% of a third (binomial sd is about 0.5% here). */
    for (int k = 0; k < 3; k++)
        cr_assert(count[k] > N_REFS / 3 * 95 / 100 && count[k] < N_REFS / 3 * 105 / 100,
                  "instance %d has %d of %d", k, count[k], N_REFS);
}

Test(partition, adding_an_instance_moves_only_what_it_takes)
{
    const char *two[] = {"tcp://127.0.0.1:7102", "tcp://127.0.0.1:7112"};
    const char *three[] = {"tcp://127.0.0.1:7102", "tcp://127.0.0.1:7112", "tcp://127.0.0.1:7122"};
    int moved = 0;
    for (int i = 0; i < N_REFS; i++) {
        char ref[32];
        s_ref(i, ref);
        int before = cd_partition_pick(two, 2, ref), after = cd_partition_pick(three, 3, ref);
        if (after != before) {
            /* A complaint moves only to the new instance, never between old ones. */
            cr_assert_eq(after, 2, "%s moved from %d to %d", ref, before, after);
            moved++;
        }
    }
    cr_assert(moved > N_REFS / 3 * 90 / 100 && moved < N_REFS / 3 * 110 / 100,
              "%d of %d moved (about a third expected)", moved, N_REFS);
}

Test(partition, removing_an_instance_moves_only_its_complaints)
{
    const char *three[] = {"tcp://127.0.0.1:7102", "tcp://127.0.0.1:7112", "tcp://127.0.0.1:7122"};
    const char *two[] = {"tcp://127.0.0.1:7102", "tcp://127.0.0.1:7122"};
    for (int i = 0; i < N_REFS; i++) {
        char ref[32];
        s_ref(i, ref);
        const char *before = three[cd_partition_pick(three, 3, ref)];
        const char *after = two[cd_partition_pick(two, 2, ref)];
        if (strcmp(before, "tcp://127.0.0.1:7112") != 0)
            cr_assert_str_eq(before, after, "%s moved though its home stayed", ref);
    }
}
