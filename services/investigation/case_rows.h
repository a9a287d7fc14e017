/* case_rows.h - what the operations on a case's record share (record.c,
 * evidence.c, caseview.c): who may do them, whether the case may still be
 * worked on, the checks of AgreeKeyIssues that need the request whole, and
 * the reading of the person acting for the operations that cannot be a
 * cd_guarded_run (a reply other than Done, or no write at all).
 *
 * The checks are pure (unit-tested in tests/unit/test_case_rows.c); the
 * rest reads from the database or the clock and is said so at each. */
#ifndef INVESTIGATION_CASE_ROWS_H
#define INVESTIGATION_CASE_ROWS_H

#include <libpq-fe.h>

#include "candour/calendar.h"
#include "candour/db.h"
#include "candour/directory.h"
#include "candour/errcode.h"
#include "candour/inbox.h"
#include "candour/v1/api.pb-c.h"

/* Who may change a case's record: its investigator or a complaints manager
 * (iv_case_actor_ok narrows investigators to the one assigned). */
#define IV_CASE_WORKERS (CD_ROLE_INVESTIGATOR | CD_ROLE_COMPLAINTS_MANAGER)
/* Who may read it (personal data): the body's staff with a part in a case. */
#define IV_CASE_READERS                                                                            \
    (CD_ROLE_INVESTIGATOR | CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_SIGNATORY |                       \
     CD_ROLE_RESPONSIBLE_PERSON)

/* Today in England, by the service's clock (cd_clock_now: CANDOUR_CLOCK_FILE
 * when set, so tests can move it). Reads the clock. */
cd_date_t iv_today(void);

/* Whether a case in `state` (investigation.case.state) with `investigator`
 * ("" for none) may have its record changed, in the order the refusals are
 * given: not open (the lifecycle: under investigation only), then no
 * investigator assigned (V1), each FAILED_PRECONDITION on field. Pure. */
int iv_case_workable(const char *state, const char *investigator, const char *field,
                     cd_fail_t *why);

/* AgreeKeyIssues as a request alone (V3): 1..IV_MAX_KEY_ISSUES issues, each
 * as iv_key_issue_check with the request's agreed_on and agreed_how and
 * today. A refusal of an issue is on agree_key_issues.issues[i].<member>;
 * one of the date or the way agreed, which the request gives once, is on
 * agree_key_issues.agreed_on / .agreed_how. The issues' issue_id, set by
 * Candour, is not read. Pure. */
int iv_agree_check(const Candour__V1__AgreeKeyIssues *a, cd_date_t today, cd_fail_t *why);

/* The KO41a codes of the issues against the codes the database found in
 * force on the agreed date, each a JSON array of strings (subjects, service
 * areas, professions). The first code not among them, in the order of the
 * issues and of their members, is INVALID_ARGUMENT on
 * agree_key_issues.issues[i].subject (.service_area, .profession). JSON
 * that is not an array of strings counts as no code at all. Pure. */
int iv_agree_codes_check(const Candour__V1__AgreeKeyIssues *a, const char *subjects_json,
                         const char *service_areas_json, const char *professions_json,
                         cd_fail_t *why);

/* ---------------------------------------------------- the person acting */

/* A transaction reading the record (sql with its params: results[0]) and the
 * person acting (investigation.staff: results[1], 0 or 1 row). NULL or
 * poisoned when out of memory: cd_db_submit then fails it. */
cd_tx_t *iv_staff_read_tx(const char *sql, int nparams, const char *const *params,
                          const char *acting);

/* The person acting (who: results[1] of iv_staff_read_tx) against the
 * record's body org (NULL: their own, for a record not found, so that a
 * person without the roles learns nothing of which references exist) and roles
 * (cd_actor_may), and, when assigned is not
 * NULL, iv_case_actor_ok (only the investigator assigned, or a complaints
 * manager). On success op->actor, actor_id, actor_name and actor_title name
 * them; else -1 with why filled (PERMISSION_DENIED on "acting";
 * UNAVAILABLE when out of memory). */
int iv_staff_check(cd_op_t *op, const PGresult *who, const char *org, unsigned roles,
                   const char *assigned, cd_fail_t *why);

#endif
