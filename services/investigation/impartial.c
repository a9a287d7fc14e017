/* impartial.c - V1's check (impartial.h). */
#include "impartial.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define S_WORDS 24
#define S_WORD 48

typedef struct {
    char w[S_WORDS][S_WORD];
    int n;
} s_words_t;

/* Titles and words that say nothing about who someone is. */
static int s_skip(const char *w, int team)
{
    static const char *const titles[] = {"dr",    "mr",     "mrs",       "ms",  "miss",
                                         "mx",    "prof",   "professor", "sir", "dame",
                                         "nurse", "sister", NULL};
    if (team)
        return strcmp(w, "team") == 0 || strcmp(w, "the") == 0;
    for (const char *const *t = titles; *t; t++)
        if (strcmp(*t, w) == 0)
            return 1;
    return 0;
}

/* Lower-case words of s (ASCII letters and digits; other bytes, UTF-8
 * included, are kept as they are inside a word; spaces, '.', ',' split). */
static void s_split(const char *s, int team, s_words_t *out)
{
    out->n = 0;
    char cur[S_WORD];
    size_t k = 0;
    for (const char *p = s;; p++) {
        int end = !*p || *p == ' ' || *p == '.' || *p == ',' || *p == '\t' || *p == '-';
        if (!end && k < sizeof cur - 1)
            cur[k++] = (char)tolower((unsigned char)*p);
        if (end && k) {
            cur[k] = '\0';
            if (!s_skip(cur, team) && out->n < S_WORDS)
                snprintf(out->w[out->n++], S_WORD, "%s", cur);
            k = 0;
        }
        if (!*p)
            break;
    }
}

static int s_has(const s_words_t *set, const char *w)
{
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->w[i], w) == 0)
            return 1;
    return 0;
}

/* Every word of named is a word of person's (and named has at least one). */
static int s_within(const s_words_t *named, const s_words_t *person)
{
    if (named->n == 0)
        return 0;
    for (int i = 0; i < named->n; i++)
        if (!s_has(person, named->w[i]))
            return 0;
    return 1;
}

static int s_same(const s_words_t *a, const s_words_t *b)
{
    if (a->n == 0 || a->n != b->n)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->w[i], b->w[i]) != 0)
            return 0;
    return 1;
}

int iv_impartial(const char *staff_id, const char *name, const char *team,
                 const char *const *staff_named, size_t n_staff, const char *const *teams_named,
                 size_t n_teams, const char *field, char *record, size_t len, cd_fail_t *why)
{
    s_words_t person, their_team, w;
    s_split(name, 0, &person);
    s_split(team, 1, &their_team);
    for (size_t i = 0; i < n_staff; i++) {
        s_split(staff_named[i], 0, &w);
        if (strcmp(staff_named[i], staff_id) == 0 || s_within(&w, &person)) {
            snprintf(record, len, "%s is named in the complaint (staff named %zu of %zu)", staff_id,
                     i + 1, n_staff);
            return cd_fail(why, CD_CODE_CONFLICT_OF_INTEREST, field,
                           "%s is named in the complaint (staff named %zu of %zu): choose an"
                           " investigator who is not involved (V1)",
                           staff_id, i + 1, n_staff);
        }
    }
    for (size_t i = 0; i < n_teams && their_team.n; i++) {
        s_split(teams_named[i], 1, &w);
        if (s_same(&w, &their_team)) {
            snprintf(record, len, "%s belongs to a team the complaint is about (team %zu of %zu)",
                     staff_id, i + 1, n_teams);
            return cd_fail(why, CD_CODE_CONFLICT_OF_INTEREST, field,
                           "%s belongs to a team the complaint is about (team %zu of %zu): choose"
                           " an investigator from another team (V1)",
                           staff_id, i + 1, n_teams);
        }
    }
    snprintf(record, len,
             "%s (team: %s) checked against %zu staff and %zu team%s named in the complaint: no"
             " match",
             staff_id, team[0] ? team : "none given", n_staff, n_teams, n_teams == 1 ? "" : "s");
    return 0;
}
