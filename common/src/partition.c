/* partition.c - rendezvous hashing of complaint references over instances
 * (partition.h). Pure: no state, no I/O. */
#include "candour/partition.h"

static uint64_t s_fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

/* splitmix64's finaliser: FNV's low bits mix poorly on their own. */
static uint64_t s_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t cd_partition_weight(const char *name, const char *key)
{
    uint64_t h = s_fnv(14695981039346656037ull, name ? name : "");
    h = (h ^ 0) * 1099511628211ull; /* the zero byte between: "a"+"bc" is not "ab"+"c" */
    return s_mix(s_fnv(h, key ? key : ""));
}

int cd_partition_pick(const char *const *names, int n, const char *key)
{
    int best = 0;
    uint64_t top = 0;
    for (int i = 0; i < n; i++) {
        uint64_t w = cd_partition_weight(names[i], key);
        if (i == 0 || w > top) {
            top = w;
            best = i;
        }
    }
    return best;
}
