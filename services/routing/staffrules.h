/* staffrules.h - what routing accepts into the staff directory and the
 * organisations' settings (Regs reg. 4, R2, R5, F2). Pure: the request in,
 * 0 or a typed refusal naming the field. */
#ifndef ROUTING_STAFFRULES_H
#define ROUTING_STAFFRULES_H

#include "candour/errcode.h"
#include "candour/v1/staff.pb-c.h"

/* An organisation id as the bus and the directory write them. */
int rt_org_id_ok(const char *s);

/* A person's record as PutStaff gives it: a name, the body, at least one
 * role (each once), contact details that look like themselves, and bodies
 * to sign for only for a signatory. `field` prefixes the fields named
 * (e.g. "put_staff.staff"). */
int rt_staff_check(const Candour__V1__StaffMember *m, const char *field, cd_fail_t *why);

/* A body's settings as SetOrgSettings gives them: periods within 0..130
 * working days (0: Candour's default, default_response and default_update),
 * a progress update due before the response as the two will be in force, the
 * responsible person and the complaints manager named by staff_id (checked
 * against the directory by rt_org_person_check), a letterhead of lines a
 * letter can print. */
int rt_org_check(const Candour__V1__OrgSettings *o, unsigned default_response,
                 unsigned default_update, const char *field, cd_fail_t *why);

/* The person named as the body's `role_name` ("responsible_person") as the
 * directory has them: found (0 = not in it), of the body, enabled, holding
 * the role. Pure: the caller reads the row. */
int rt_org_person_check(const char *staff_id, int found, const char *their_org, int disabled,
                        int has_role, const char *org, const char *field, cd_fail_t *why);

#endif
