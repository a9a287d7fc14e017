/* requests.c - the operations on reporting's internal endpoint: GetReport
 * (reports.h), a report of one body over a period as a file.
 *
 * Who: an analyst, a complaints manager or a responsible person of the body
 * asked about, as routing's directory has them now. Reporting keeps no copy
 * of the directory (it would put names in a schema that holds none, L5): it
 * reads the person through reporting.staff_roles (migration 0031), which
 * gives the body, the roles and whether disabled, nothing more. Another
 * body's report is PERMISSION_DENIED on get_report.org_id.
 *
 * One transaction a request: the person, the category lists, then the
 * report's statements (reports_sql.c), sent together on the connection the
 * consumer writes with, so they run one after another with no event applied
 * between them: every section sees the same data. (They run READ COMMITTED,
 * as cd_db sends no BEGIN; only a writer on another connection, a second
 * reporting instance or a rebuild, could land between two sections.) The
 * file is made on the loop's thread when the rows are in (a report's PDF
 * takes some tens of milliseconds); the requests are
 * answered one at a time, so reports.c's statics are safe. */
#include <stdlib.h>
#include <string.h>

#include "candour/directory.h"
#include "candour/log.h"
#include "reporting.h"
#include "reports.h"

#define S_WHO_ROLES (CD_ROLE_ANALYST | CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_RESPONSIBLE_PERSON)
#define S_AGAIN "could not be read just now; ask again"

/* Each report's file from its statements' results (reports.h). */
static const rq_make_fn s_make[RQ_NREPORTS] = {
    [RQ_QUARTERLY] = rq_quarterly, [RQ_ANNUAL] = rq_quarterly,    [RQ_KO41A] = rq_ko41,
    [RQ_KO41B] = rq_ko41,          [RQ_BENCHMARK] = rq_benchmark, [RQ_SPC] = rq_spc,
};

/* Statements before the report's own: who asks, the category lists. */
enum { S_WHO, S_CATS, S_REPORT };

typedef struct {
    cd_op_t *op;
    rq_ask_t ask;
} s_ask_t;

static void s_on_rows(const cd_tx_result_t *res, void *arg)
{
    s_ask_t *q = arg;
    cd_op_t *op = q->op;
    const rq_ask_t *a = &q->ask;
    if (res->err || res->nresults < S_REPORT) {
        cd_log_warn("report.unread", "{s:s, s:s}", "report", rq_kind_name(a->kind), "why",
                    res->message ? res->message : "");
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", S_AGAIN);
        free(q);
        return;
    }
    const PGresult *who = res->results[S_WHO];
    cd_actor_t actor;
    int found = PQntuples(who) == 1;
    if (found && cd_actor_from_row(who, 0, 0, &actor) != 0) {
        cd_actor_clear(&actor);
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", S_AGAIN);
        free(q);
        return;
    }
    cd_fail_t why = {0};
    int rc = cd_actor_may(found ? &actor : NULL, cd_request_acting(op->req),
                          found ? actor.org_id : "", S_WHO_ROLES, "acting", &why);
    if (rc == 0 && strcmp(actor.org_id, a->org) != 0)
        rc = cd_fail(&why, CD_CODE_PERMISSION_DENIED, "get_report.org_id",
                     "you may ask for your own body's reports only (%s)", actor.org_id);
    if (found)
        cd_actor_clear(&actor);
    if (rc != 0) {
        cd_op_fail(op, why.code, why.field, why.message);
        free(q);
        return;
    }

    rq_cats_t cats = {0};
    char err[256];
    if (rq_cats_rows(res->results[S_CATS], &cats, err, sizeof err) != 0) {
        cd_log_error("report.categories", "{s:s}", "why", err);
        cd_op_fail(op, CD_CODE_FAILED_PRECONDITION, "",
                   "the KO41a category lists could not be read (candourctl categories import)");
        free(q);
        return;
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    const char *media = "";
    PGresult *const *rows = res->results + S_REPORT;
    rc = s_make[a->kind](a, rows, &cats, &bytes, &len, &media, &why);
    rq_cats_free(&cats);
    if (rc != 0) {
        cd_op_fail(op, why.code, why.field, why.message);
        free(q);
        return;
    }
    static const char *const ext[] = {"json", "csv", "html", "pdf"};
    char name[160];
    snprintf(name, sizeof name, "%s-%s-%s-%s.%s", rq_kind_name(a->kind), a->org, a->from_s, a->to_s,
             ext[a->format]);
    cd_log_info("report.made", "{s:s, s:s, s:s, s:s, s:s, s:I}", "report", rq_kind_name(a->kind),
                "org_id", a->org, "from", a->from_s, "to", a->to_s, "staff_id",
                cd_request_acting(op->req), "bytes", (json_int_t)len);
    Candour__V1__Attachment att = CANDOUR__V1__ATTACHMENT__INIT;
    att.filename = name;
    att.media_type = (char *)media;
    att.content.data = bytes;
    att.content.len = len;
    att.size = len;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_ATTACHMENT;
    reply.attachment = &att;
    cd_op_reply(op, &reply);
    free(bytes);
    free(q);
}

static void s_get_report(cd_request_t *req, const Candour__V1__GetReport *g, rp_app_t *app)
{
    cd_fail_t why = {0};
    if (!cd_request_acting(req)[0]) {
        cd_actor_may(NULL, "", "", 0, "acting", &why);
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    s_ask_t *q = calloc(1, sizeof *q);
    if (!q) {
        cd_request_fail(req, CD_CODE_INTERNAL, "", NULL);
        return;
    }
    if (rq_ask_parse(g->report, g->org_id, g->from, g->to, g->format, &q->ask, &why) != 0) {
        free(q);
        cd_request_fail(req, why.code, why.field, why.message);
        return;
    }
    q->op = cd_op_new(req, &g->base);
    if (!q->op) { /* answered INTERNAL */
        free(q);
        return;
    }
    /* cd_actor_sql's columns, from the function that reads routing's directory. */
    static const char who[] = "SELECT staff_id, org_id, name, team, roles, disabled, signs_for,"
                              " job_title FROM reporting.staff_roles($1)";
    cd_tx_t *tx = cd_tx_new();
    if (tx) {
        const char *v[1] = {cd_request_acting(req)};
        cd_tx_add(tx, who, 1, v);
        const char *period[2] = {q->ask.from_s, q->ask.to_s};
        cd_tx_add(tx, "SELECT list, code, name FROM reporting.categories($1::date, $2::date)", 2,
                  period);
        rq_sql(tx, &q->ask);
    }
    cd_db_submit(cd_service_db(app->svc), tx, s_on_rows, q); /* a NULL tx fails: UNAVAILABLE */
}

void rp_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r, void *arg)
{
    (void)in;
    switch (r->op_case) {
    case CANDOUR__V1__REQUEST__OP_GET_REPORT:
        s_get_report(req, r->get_report, arg);
        break;
    default:
        cd_request_fail(req, CD_CODE_UNSUPPORTED, "", NULL);
        break;
    }
}
