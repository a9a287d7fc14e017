/* impartial.h - V1: the investigator is not involved in what is complained
 * about: not a member of staff the complaint names, not a member of a team
 * it is about. The check is recorded as it was made. Pure. */
#ifndef INVESTIGATION_IMPARTIAL_H
#define INVESTIGATION_IMPARTIAL_H

#include <stddef.h>

#include "candour/errcode.h"

/* Whether the person (staff_id, name, team) may investigate a complaint
 * naming staff_named and teams_named. A named person matches when the words
 * of the name as the complaint gives it, titles left out ("Dr Khan"), are
 * all words of the person's name ("Amir Khan"), or it is their staff id; a
 * team matches when it is the person's team, "team" and case aside. Caution
 * wins: "Dr Khan" rules out every Khan, and the complaints manager chooses
 * someone else.
 *
 * 0: impartial, record holds the check ("ST12 (team: Ward 7) checked
 * against 2 staff and 1 team named in the complaint: no match"). -1:
 * CONFLICT_OF_INTEREST on field, record and why saying what matched. */
int iv_impartial(const char *staff_id, const char *name, const char *team,
                 const char *const *staff_named, size_t n_staff, const char *const *teams_named,
                 size_t n_teams, const char *field, char *record, size_t len, cd_fail_t *why);

#endif
