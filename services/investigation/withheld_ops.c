/* withheld_ops.c - SetWithheld: the investigator assigned to the case, or a
 * complaints manager of its body, names what the response must not disclose
 * (withheld.h). The rules are withheld.c's; this file reads the case,
 * applies them, and replaces the list.
 *
 * A guarded operation (guarded_op.h): the case is read (state, body,
 * investigator), judged like every other step of the record
 * (iv_case_workable), and the list replaced by an UPDATE that still
 * requires the case open with the same investigator, so a withdrawal, an
 * outcome or a reassignment in between loses with the guard's message. No
 * event: the list travels with investigation.completed when the outcome is
 * recorded (requests.c), and the audit trail names who set it. */
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/guarded_op.h"
#include "candour/log.h"
#include "candour/util.h"
#include "case_rows.h"
#include "withheld.h"

#define S_REF "set_withheld.complaint_ref"
#define S_REF_MAX 64 /* bytes of a complaint's reference */

enum { COL_STATE, COL_ORG, COL_INVESTIGATOR };

static const char s_read_sql[] = "SELECT c.state, c.org_id, coalesce(c.investigator, '')"
                                 " FROM investigation.case c WHERE c.reference = $1";

static int s_validate(const ProtobufCMessage *msg, cd_fail_t *why)
{
    const Candour__V1__SetWithheld *s = (const Candour__V1__SetWithheld *)msg;
    size_t n = strlen(s->complaint_ref);
    if (n == 0)
        return cd_fail(why, CD_CODE_REQUIRED, S_REF, "give the complaint's reference");
    if (n > S_REF_MAX || !cd_text_ok(s->complaint_ref, n, 0))
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, S_REF, "that is not a complaint reference");
    return iv_withheld_check((const char *const *)s->names, s->n_names, "set_withheld", why);
}

/* V1: the investigator assigned, or a complaints manager. */
static int s_check_actor(const PGresult *r, const cd_actor_t *a, cd_op_t *op, cd_fail_t *why,
                         void *arg)
{
    return iv_case_actor_ok(PQgetvalue(r, 0, COL_INVESTIGATOR), a, why);
}

static int s_check(const PGresult *r, cd_op_t *op, cd_fail_t *why, void *arg)
{
    return iv_case_workable(PQgetvalue(r, 0, COL_STATE), PQgetvalue(r, 0, COL_INVESTIGATOR), S_REF,
                            why);
}

static int s_write(cd_tx_t *tx, const PGresult *r, cd_op_t *op, void *arg)
{
    const Candour__V1__SetWithheld *s = (const Candour__V1__SetWithheld *)op->msg;
    char *names = cd_pg_text_array((const char *const *)s->names, s->n_names);
    if (!names)
        return CD_ENOMEM;
    const char *v[3] = {s->complaint_ref, names, PQgetvalue(r, 0, COL_INVESTIGATOR)};
    cd_tx_add(tx,
              "WITH u AS (UPDATE investigation.case SET withheld = $2::text[]"
              " WHERE reference = $1 AND state = 'open' AND investigator = $3 RETURNING 1)"
              " SELECT investigation.expect(count(*) = 1, 'the case changed meanwhile') FROM u",
              3, v);
    free(names);
    return 0;
}

/* The log counts the names and never shows them: they are what is kept
 * from view. */
static void s_committed(cd_op_t *op, void *arg)
{
    const Candour__V1__SetWithheld *s = (const Candour__V1__SetWithheld *)op->msg;
    cd_log_info("case.withheld_set", "{s:s, s:i, s:s}", "reference", s->complaint_ref, "names",
                (int)s->n_names, "acting", op->actor_id);
}

static const cd_guarded_spec_t s_set_withheld = {
    .validate = s_validate,
    .read_sql = s_read_sql,
    .nparams = 1,
    .missing_field = S_REF,
    .missing_message = "no investigation case is open for that reference",
    .check = s_check,
    .write = s_write,
    .committed = s_committed,
    .lost_field = S_REF,
    .lost_message = "the case changed meanwhile: it is no longer open, or another investigator"
                    " was assigned; nothing was changed",
    .roles = IV_CASE_WORKERS,
    .schema = "investigation",
    .org_col = COL_ORG,
    .check_actor = s_check_actor,
};

void iv_set_withheld(cd_request_t *req, const Candour__V1__SetWithheld *s, iv_app_t *app)
{
    const char *v[1] = {s->complaint_ref};
    cd_guarded_run(&s_set_withheld, cd_service_db(app->svc), req, &s->base, v, app);
}
