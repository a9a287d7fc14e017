/* ctl.h - candourctl's subcommands. */
#ifndef CANDOURCTL_H
#define CANDOURCTL_H

int ctl_migrate(int argc, char **argv);
int ctl_submit(int argc, char **argv);
int ctl_send(int argc, char **argv);
int ctl_status(int argc, char **argv);
int ctl_record_outcome(int argc, char **argv);
int ctl_sign(int argc, char **argv);
int ctl_extend(int argc, char **argv);
int ctl_progress(int argc, char **argv);
int ctl_late(int argc, char **argv);
int ctl_decide(int argc, char **argv);
int ctl_waive(int argc, char **argv);
int ctl_calendar(int argc, char **argv);
int ctl_audit(int argc, char **argv);
int ctl_dead_letters(int argc, char **argv);
int ctl_keygen(int argc, char **argv);
int ctl_org(int argc, char **argv);
int ctl_routes(int argc, char **argv);
int ctl_categories(int argc, char **argv);
int ctl_staff(int argc, char **argv);
int ctl_token(int argc, char **argv);
int ctl_assign(int argc, char **argv);
int ctl_case(int argc, char **argv);
int ctl_case_file(int argc, char **argv);
int ctl_sar(int argc, char **argv); /* sar_cmd.c: a subject access export (Art. 15) */
int ctl_glossary(int argc, char **argv);
int ctl_gate(int argc, char **argv);
int ctl_check(int argc, char **argv);
int ctl_chain(int argc, char **argv);
int ctl_delegate(int argc, char **argv);
int ctl_covering(int argc, char **argv);
/* templates_cmd.c: `templates import|list|preview` (notify.template). */
int ctl_templates(int argc, char **argv);
int ctl_letters(int argc, char **argv);
/* reporting_cmd.c: `reporting rebuild` (the reporting schema from the outboxes). */
int ctl_reporting(int argc, char **argv);
int ctl_report(int argc, char **argv);  /* report_cmd.c: GetReport as a person */
int ctl_targets(int argc, char **argv); /* targets_cmd.c: benchmarking targets */
int ctl_commissions(int argc, char **argv); /* commissions_cmd.c: who commissions whom */
int ctl_retention(int argc, char **argv); /* retention_cmd.c: records kept, then disposed of */
/* templates_preview.c: `templates preview --kind KIND` with its options
 * (org "" for Candour's default; pdf NULL for stdout). The exit code. */
int ctl_templates_preview(const char *org, const char *kind, const char *pdf, int large_print);
/* org_cmd.c: `org set|show` (keys.c hands them over). */
int ctl_org_settings(int argc, char **argv);

/* requests.c: the endpoint in var (else def); one Request sent to it and
 * its Reply printed (print: how a success is shown; json: the whole Reply as
 * JSON). The exit code: 0 done, 1 the service answered with an error (its
 * code, field and message on stderr), 3 no answer. */
#include "candour/v1/api.pb-c.h"
const char *ctl_endpoint(const char *var, const char *def);
int ctl_call(const char *endpoint, Candour__V1__Request *req, int json,
             void (*print)(const Candour__V1__Reply *r));
/* The same request, its Reply kept in *reply (free with
 * candour__v1__reply__free_unpacked), for a command that reads before it
 * writes: 0, or 3 after telling that no answer came. */
int ctl_fetch(const char *endpoint, Candour__V1__Request *req, Candour__V1__Reply **reply);
/* A service's refusal told on stderr as ctl_call tells one; returns 1. */
int ctl_refused(const Candour__V1__Error *e);
/* Room for every value of a repeated option, in the order given (at most
 * argc of them). NULL when out of memory. */
char **ctl_values(int argc);
/* staff.c: a success shown as "done". */
void ctl_print_done(const Candour__V1__Reply *r);

/* admin_db.c: the admin connection (CANDOUR_DB_URL), and statements whose
 * failure is told on stderr as "candourctl CMD: <the server's message>". */
#include <libpq-fe.h>
PGconn *ctl_db_connect(const char *cmd);
/* The result (tuples or command ok), or NULL after telling the error. */
PGresult *ctl_db_query(PGconn *c, const char *cmd, const char *sql, int n, const char *const *v);
int ctl_db_exec(PGconn *c, const char *cmd, const char *sql, int n, const char *const *v);

/* templates_cmd.c, for templates_preview.c: whether org (not "") is a body
 * Candour knows, on the allow-list (`org add`), with settings (`org set`) or
 * staff; its name as letters print it (the letterhead's, else the
 * allow-list's; may be "") into name. 1 known, 0 not (told), -1 the
 * database failed (told). And "ICB-QWE" or "Candour's default", for
 * messages. */
int ctl_templates_org(PGconn *c, const char *org, char *name, size_t len);
const char *ctl_templates_whose(const char *org);

/* ops_actor.c: the operator who changes a table directly, as "ops: <login>"
 * (SUDO_USER, else LOGNAME, else USER, else the uid's name) into out: 0, or
 * -1 after telling that no login can be found. ctl_db_actor names them for
 * the audit trail (candour.actor) for the rest of c's transaction. */
#include <stddef.h>
int ctl_ops_actor(char *out, size_t len, const char *cmd);
int ctl_db_actor(PGconn *c, const char *cmd, const char *actor);
/* BEGIN, with actor named in the audit trail for the transaction: 0, or -1
 * (told). */
int ctl_db_begin_as(PGconn *c, const char *cmd, const char *actor);

/* chain_cmd.c: what the signature chain's commands (chain, delegate,
 * covering) share. The roles a step or a delegation is for, as people name
 * them and signoff's tables keep them ("signatory", "responsible-person"):
 * one CD_ROLE_* bit, 0 for any other name. */
unsigned ctl_signing_role(const char *name);
/* Those roles as a text[] literal for a parameter ("{signatory}"), back
 * from one as libpq returns it, and as written on the command line
 * ("signatory+responsible-person"; a static buffer). */
const char *ctl_signing_roles_array(unsigned roles);
unsigned ctl_signing_roles_of(const char *array);
const char *ctl_signing_roles_name(unsigned roles);
/* The first ncols columns of r's rows under heads, each column as wide as
 * its widest text in characters, the last not padded. */
void ctl_print_table(const PGresult *r, const char *const *heads, int ncols);

#endif
