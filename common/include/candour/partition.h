/* partition.h - which instance of a service is a complaint's home.
 *
 * When a service runs as several instances, every producer sends all the
 * events about one complaint to the same one of them, so instances never
 * contend on one complaint (issue 18: events about one complaint from two
 * producers used to land on two instances and race). The choice is
 * rendezvous (highest random weight) hashing of the partition key - the
 * complaint reference - against each instance's name (its endpoint as
 * written in the list): every producer computes the same answer from the
 * same list, whatever order the list is in, and when an instance is added
 * or removed only the complaints whose home it is (or becomes) move: about
 * 1/n of them. */
#ifndef CANDOUR_PARTITION_H
#define CANDOUR_PARTITION_H

#include <stddef.h>
#include <stdint.h>

/* The weight of key at instance name: 64 bits, the same on every machine
 * (FNV-1a over name, a zero byte and key, then a 64-bit finaliser). */
uint64_t cd_partition_weight(const char *name, const char *key);

/* The index in names[0..n) of key's home: the name with the highest weight
 * (ties, which need a 64-bit collision, go to the lower index). 0 when n is
 * 1 or less. */
int cd_partition_pick(const char *const *names, int n, const char *key);

#endif
