/* test_ctl_directory.c - `candourctl staff add|update|list|disable`, `org
 * set|show` and `assign` end to end: the real binary against routing (and
 * investigation, for assign) on a fresh database. What the services refuse
 * comes back as their typed error on stderr with exit code 1; what cannot be
 * sent at all (no one named as acting on a casework step) is a usage error,
 * exit code 2. Directory changes by ops name the operator's login in the
 * audit trail; with --as or CANDOUR_ACTING, the person. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/util.h"
#include "candour/v1/events.pb-c.h"
#include "harness.h"

#define ORG "ICB-QWE"

static h_t *s_h;
static char s_out[32768]; /* the last command's stdout */
static char s_err[8192];  /* and its stderr */

static void s_setup(void)
{
    s_h = h_new("ctldir");
    cr_assert_eq(h_start(s_h, "routing"), 0);
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(ctl_directory, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* Run candourctl as an operator whose login is ops.alice (and no one named
 * acting), with routing's and investigation's endpoints and env (more
 * "NAME=value" words, or "") before it and the arguments after (h_ctl:
 * trusted test text, pasted into a shell command). Its stdout and stderr
 * land in s_out and s_err; returns its exit code. */
static int s_ctl(const char *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_ctl(const char *env, const char *fmt, ...)
{
    char words[2048];
    snprintf(words, sizeof words,
             "CANDOUR_ROUTING_ENDPOINT='%s' CANDOUR_INVESTIGATION_ENDPOINT='%s' %s",
             h_endpoint(s_h, "routing"), h_endpoint(s_h, "investigation"), env);
    va_list ap;
    va_start(ap, fmt);
    int rc = h_vctl(s_h, words, s_out, sizeof s_out, s_err, sizeof s_err, fmt, ap);
    va_end(ap);
    return rc;
}

/* `staff add ORG --name NAME <more>` as ops: the new staff id (malloc'd). */
static char *s_add(const char *name, const char *more)
{
    int rc = s_ctl("", "staff add " ORG " --name '%s' %s", name, more);
    cr_assert_eq(rc, 0, "staff add: %d\n%s%s", rc, s_out, s_err);
    char id[32] = "";
    cr_assert_eq(sscanf(s_out, "%31s added:", id), 1, "%s", s_out);
    cr_assert(strncmp(id, "ST", 2) == 0, "not a staff id: %s", s_out);
    return strdup(id);
}

/* The line of text holding needle, copied to line ("" if none). */
static const char *s_line_with(const char *text, const char *needle, char *line, size_t len)
{
    line[0] = 0;
    const char *p = strstr(text, needle);
    if (!p)
        return line;
    while (p > text && p[-1] != '\n')
        p--;
    size_t n = strcspn(p, "\n");
    snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return line;
}

/* The line of a staff list whose first column is id ("" if none). */
static const char *s_row(const char *id, char *line, size_t len)
{
    char start[40];
    snprintf(start, sizeof start, "\n%s ", id);
    const char *p = strstr(s_out, start);
    line[0] = 0;
    if (p)
        snprintf(line, len, "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
    return line;
}

/* A column of routing.staff for id, as text (malloc'd). */
static char *s_col(const char *col, const char *id)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s::text FROM routing.staff WHERE staff_id = $1", col);
    const char *v[1] = {id};
    char *s = h_scalar(s_h, sql, 1, v);
    cr_assert(s, "%s is not in routing.staff", id);
    return s;
}

static void s_col_is(const char *col, const char *id, const char *want)
{
    char *got = s_col(col, id);
    cr_assert_str_eq(got, want, "%s of %s", col, id);
    free(got);
}

/* ---------------------------------------------------------------- staff */

Test(ctl_directory, staff_add_prints_the_new_id_and_list_shows_the_person)
{
    char *id =
        s_add("Casey Manager", "--role complaints-manager --role investigator --job-title 'Head of"
                               " Complaints' --team 'Patient Experience' --email"
                               " casey.manager@example.nhs.uk --phone '0113 496 0001'");
    cr_assert(strstr(s_out, "added: Casey Manager (" ORG "); roles complaints-manager,"
                            " investigator; job title Head of Complaints; team Patient"
                            " Experience\n"),
              "%s", s_out);
    cr_assert_str_eq(s_err, "");
    s_col_is("roles", id, "{complaints-manager,investigator}");
    s_col_is("email", id, "casey.manager@example.nhs.uk");
    s_col_is("version", id, "1");

    cr_assert_eq(s_ctl("", "staff list " ORG), 0, "%s", s_err);
    char line[512];
    s_line_with(s_out, "ID", line, sizeof line);
    const char *heads[] = {"NAME", "JOB TITLE", "TEAM", "ROLES", "SIGNS FOR", "STATE"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        cr_assert(strstr(line, heads[i]), "no %s in the header: %s", heads[i], line);
    s_row(id, line, sizeof line);
    cr_assert(strstr(line, "Casey Manager") && strstr(line, "Head of Complaints") &&
                  strstr(line, "Patient Experience") &&
                  strstr(line, "complaints-manager,investigator") && strstr(line, " - ") &&
                  strstr(line, "enabled"),
              "row: %s\n%s", line, s_out);
    cr_assert(strstr(s_out, "\n1 person\n"), "%s", s_out);

    /* Another body's directory does not hold them. */
    cr_assert_eq(s_ctl("", "staff list ICB-OTHER"), 0, "%s", s_err);
    cr_assert_null(strstr(s_out, id), "%s", s_out);
    cr_assert(strstr(s_out, "\n0 people\n"), "%s", s_out);

    /* --json: the Reply as it came. */
    cr_assert_eq(s_ctl("", "staff list " ORG " --json"), 0, "%s", s_err);
    cr_assert(s_out[0] == '{' && strstr(s_out, id) && strstr(s_out, "\"Casey Manager\""), "%s",
              s_out);
    free(id);
}

Test(ctl_directory, staff_add_without_a_role_is_refused_with_routings_typed_error)
{
    int rc = s_ctl("", "staff add " ORG " --name 'Rolf Less' --team Complaints");
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_err, "error REQUIRED in put_staff.staff.roles: "), "%s", s_err);
    cr_assert_str_eq(s_out, "");
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.staff", 0, NULL), 0);

    /* A role candourctl does not know is not sent at all. */
    rc = s_ctl("", "staff add " ORG " --name 'Rolf Less' --role boss");
    cr_assert_eq(rc, 2, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_err, "no role 'boss'") && strstr(s_err, "complaints-manager"), "%s", s_err);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM routing.staff", 0, NULL), 0);
}

Test(ctl_directory, staff_update_changes_only_the_options_given)
{
    char *id = s_add("Sam Signer", "--role investigator --job-title Investigator --team 'Team A'"
                                   " --email sam.signer@example.nhs.uk --phone '0113 496 0002'");
    cr_assert_eq(s_ctl("", "staff update %s --org " ORG " --team 'Team B'", id), 0, "%s", s_err);
    cr_assert(strstr(s_out, " updated: Sam Signer (" ORG ")") && strstr(s_out, "team Team B"), "%s",
              s_out);
    s_col_is("team", id, "Team B");
    s_col_is("name", id, "Sam Signer");
    s_col_is("job_title", id, "Investigator");
    s_col_is("email", id, "sam.signer@example.nhs.uk");
    s_col_is("phone", id, "0113 496 0002");
    s_col_is("roles", id, "{investigator}");
    s_col_is("version", id, "2");

    /* --role replaces the roles; --signs-for the bodies signed for. */
    cr_assert_eq(s_ctl("",
                       "staff update %s --org " ORG " --role signatory --signs-for RX1"
                       " --signs-for RX2",
                       id),
                 0, "%s", s_err);
    s_col_is("roles", id, "{signatory}");
    s_col_is("signs_for", id, "{RX1,RX2}");
    s_col_is("team", id, "Team B");
    cr_assert_eq(s_ctl("", "staff update %s --org " ORG " --role analyst --no-signs-for", id), 0,
                 "%s", s_err);
    s_col_is("roles", id, "{analyst}");
    s_col_is("signs_for", id, "{}");
    s_col_is("version", id, "4");

    /* What the service refuses in the record as changed comes back typed. */
    cr_assert_eq(s_ctl("", "staff update %s --org " ORG " --email not-an-address", id), 1);
    cr_assert(strstr(s_err, "error INVALID_ARGUMENT in put_staff.staff.email: "), "%s", s_err);
    s_col_is("email", id, "sam.signer@example.nhs.uk");

    /* The person is read from the body given; nothing to change is a usage error. */
    cr_assert_eq(s_ctl("", "staff update %s --team 'Team C'", id), 2);
    cr_assert(strstr(s_err, "--org"), "%s", s_err);
    cr_assert_eq(s_ctl("", "staff update %s --org ICB-OTHER --team 'Team C'", id), 1);
    cr_assert(strstr(s_err, "ICB-OTHER's directory has no "), "%s", s_err);
    cr_assert_eq(s_ctl("", "staff update %s --org " ORG, id), 2);
    cr_assert(strstr(s_err, "nothing to change"), "%s", s_err);
    s_col_is("team", id, "Team B");
    s_col_is("version", id, "4");
    free(id);
}

Test(ctl_directory, staff_disable_hides_them_from_list_and_all_shows_them_disabled)
{
    char *stays = s_add("Pat Stays", "--role investigator");
    char *goes = s_add("Lee Leaves", "--role investigator --team 'Team A'");
    cr_assert_eq(s_ctl("", "staff disable %s --reason 'Left the trust'", goes), 0, "%s", s_err);
    cr_assert(strstr(s_out, " disabled: Lee Leaves (" ORG ")") &&
                  strstr(s_out, "disabled: Left the trust"),
              "%s", s_out);
    s_col_is("disabled", goes, "true");
    s_col_is("disabled_reason", goes, "Left the trust");

    char line[512];
    cr_assert_eq(s_ctl("", "staff list " ORG), 0, "%s", s_err);
    cr_assert_str_neq(s_row(stays, line, sizeof line), "", "%s", s_out);
    cr_assert_str_eq(s_row(goes, line, sizeof line), "", "%s", s_out);
    cr_assert(strstr(s_out, "\n1 person\n"), "%s", s_out);

    cr_assert_eq(s_ctl("", "staff list " ORG " --all"), 0, "%s", s_err);
    cr_assert(strstr(s_row(goes, line, sizeof line), "disabled (Left the trust)"), "%s", s_out);
    cr_assert(strstr(s_row(stays, line, sizeof line), "enabled"), "%s", s_out);
    cr_assert(strstr(s_out, "\n2 people, 1 disabled\n"), "%s", s_out);

    /* Once only; and a disabled record is not changed. */
    cr_assert_eq(s_ctl("", "staff disable %s --reason 'Again'", goes), 1);
    cr_assert(strstr(s_err, "error FAILED_PRECONDITION in disable_staff.staff_id: "), "%s", s_err);
    cr_assert_eq(s_ctl("", "staff update %s --org " ORG " --team 'Team B'", goes), 1);
    cr_assert(strstr(s_err, "error FAILED_PRECONDITION in put_staff.staff.staff_id: "), "%s",
              s_err);
    s_col_is("team", goes, "Team A");
    s_col_is("disabled_reason", goes, "Left the trust");
    free(stays);
    free(goes);
}

/* ---------------------------------------------------------------- org set|show */

Test(ctl_directory, org_set_refuses_a_responsible_person_who_lacks_the_role)
{
    char *mgr = s_add("Casey Manager", "--role complaints-manager");
    char *inv = s_add("Ira Investigator", "--role investigator");
    int rc = s_ctl("", "org set " ORG " --responsible-person %s --complaints-manager %s", inv, mgr);
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_err, "error FAILED_PRECONDITION in"
                            " set_org_settings.settings.responsible_person: "),
              "%s", s_err);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.org_policy WHERE org_id = '" ORG "'"
                         " AND responsible_person <> ''",
                         0, NULL),
                 0);
    cr_assert_eq(s_ctl("", "org show " ORG), 1);
    cr_assert(strstr(s_err, "error NOT_FOUND in get_org_settings.org_id: "), "%s", s_err);
    free(mgr);
    free(inv);
}

/* The value on the line of `org show` labelled label (a line's first word;
 * any line but the first, "organisation"). */
static const char *s_setting(const char *label, char *value, size_t len)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\n%s ", label);
    const char *p = strstr(s_out, needle);
    cr_assert(p, "no %s in\n%s", label, s_out);
    p += strlen(needle);
    p += strspn(p, " ");
    snprintf(value, len, "%.*s", (int)strcspn(p, "\n"), p);
    return value;
}

static void s_setting_is(const char *label, const char *want)
{
    char got[512];
    cr_assert_str_eq(s_setting(label, got, sizeof got), want, "%s in\n%s", label, s_out);
}

Test(ctl_directory, org_set_then_show_prints_the_settings_and_keeps_what_is_not_given)
{
    char *rp = s_add("Dr R. Chief", "--role responsible-person");
    char *cm = s_add("Casey Manager", "--role complaints-manager");
    char *cm2 = s_add("Morgan Manager", "--role complaints-manager");
    int rc = s_ctl("",
                   "org set " ORG " --responsible-person %s --complaints-manager %s"
                   " --response-days 25 --update-every-days 10 --pass-to-provider yes"
                   " --letterhead-name 'NHS Queensmere ICB' --address 'Quay House'"
                   " --address '1 Dock Street' --postcode 'QM1 2AB' --phone '0113 496 0100'"
                   " --email complaints@queensmere.nhs.uk --website https://queensmere.nhs.uk",
                   rp, cm);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);

    cr_assert_eq(s_ctl("", "org show " ORG), 0, "%s", s_err);
    s_setting_is("responsible-person", rp);
    s_setting_is("complaints-manager", cm);
    s_setting_is("response-days", "25 working days");
    s_setting_is("update-every-days", "10 working days");
    s_setting_is("pass-to-provider", "yes");
    s_setting_is("letterhead-name", "NHS Queensmere ICB");
    s_setting_is("address", "Quay House");
    cr_assert(strstr(s_out, "Quay House\n                     1 Dock Street\n"), "%s", s_out);
    s_setting_is("postcode", "QM1 2AB");
    s_setting_is("email", "complaints@queensmere.nhs.uk");
    s_setting_is("website", "https://queensmere.nhs.uk");
    s_setting_is("version", "1");

    /* A second set changes what it gives and keeps the rest. */
    cr_assert_eq(s_ctl("", "org set " ORG " --complaints-manager %s --update-every-days 5", cm2), 0,
                 "%s", s_err);
    cr_assert_eq(s_ctl("", "org show " ORG), 0, "%s", s_err);
    s_setting_is("complaints-manager", cm2);
    s_setting_is("update-every-days", "5 working days");
    s_setting_is("responsible-person", rp);
    s_setting_is("response-days", "25 working days");
    s_setting_is("pass-to-provider", "yes");
    s_setting_is("letterhead-name", "NHS Queensmere ICB");
    cr_assert(strstr(s_out, "Quay House\n                     1 Dock Street\n"), "%s", s_out);
    s_setting_is("postcode", "QM1 2AB");
    s_setting_is("phone", "0113 496 0100");
    s_setting_is("version", "2");
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM routing.org_policy WHERE org_id = '" ORG "'"
                         " AND response_days = 25 AND update_every_days = 5"
                         " AND pass_to_provider AND letterhead->>'postcode' = 'QM1 2AB'",
                         0, NULL),
                 1);

    /* Options it cannot send are refused before anything is read. */
    cr_assert_eq(s_ctl("", "org set " ORG " --pass-to-provider maybe"), 2);
    cr_assert_eq(s_ctl("", "org set " ORG " --response-days ten"), 2);
    cr_assert(strstr(s_err, "--response-days"), "%s", s_err);
    cr_assert_eq(s_ctl("", "org show " ORG " --json"), 0, "%s", s_err);
    cr_assert(s_out[0] == '{' && strstr(s_out, "QM1 2AB"), "%s", s_out);
    free(rp);
    free(cm);
    free(cm2);
}

/* ---------------------------------------------------------------- who acts */

Test(ctl_directory, casework_steps_without_as_or_candour_acting_are_usage_errors)
{
    static const char *const steps[] = {
        "assign CDR-CASE-0001 --investigator ST2",
        "record-outcome CDR-CASE-0001 --outcome OUTCOME_UPHELD --findings 'Care fell short.'",
        "sign CDR-CASE-0001",
        "extend CDR-CASE-0001 --to 2027-02-01 --agreed-by 'The complainant' --reason Leave",
        "decide CDR-CASE-0001 --accept --reason 'Good reasons for the delay'",
        "waive CDR-CASE-0001 --partner RX1 --reason 'Did not answer'",
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int rc = s_ctl("", "%s", steps[i]);
        cr_assert_eq(rc, 2, "%s: exit %d: %s%s", steps[i], rc, s_out, s_err);
        cr_assert(strstr(s_err, "--as ST_ID") && strstr(s_err, "CANDOUR_ACTING"), "%s: %s",
                  steps[i], s_err);
    }
    /* The free-text names the directory replaced are gone. */
    cr_assert_eq(s_ctl("CANDOUR_ACTING=ST1", "sign CDR-CASE-0001 --by 'Dr R. Chief'"), 2);
    cr_assert_eq(s_ctl("CANDOUR_ACTING=ST1", "decide CDR-CASE-0001 --accept --reason R --by X"), 2);
    cr_assert_eq(s_ctl("", "assign CDR-CASE-0001 --investigator ST2 --as ''"), 2);
}

Test(ctl_directory, assign_as_someone_not_a_complaints_manager_is_permission_denied)
{
    cr_assert_eq(h_start(s_h, "investigation"), 0);
    char *mgr = s_add("Casey Manager", "--role complaints-manager");
    char *inv = s_add("Ira Investigator", "--role investigator --team 'Ward 7'");
    const char *ids[2] = {mgr, inv};
    cr_assert(h_wait_for(s_h, "SELECT count(*) FROM investigation.staff WHERE staff_id IN ($1, $2)",
                         2, ids, "2", 15000),
              "investigation never heard of the staff");
    const char *ref = "CDR-CTLD-0001";
    Candour__V1__ComplaintRouted cr = CANDOUR__V1__COMPLAINT_ROUTED__INIT;
    cr.org_id = ORG;
    cr.handling_org = ORG;
    cr.ack_due = "2026-11-25";
    cr.response_due = "2027-01-20";
    cr.description = "The ward did not return my calls about my father's care.";
    cr.desired_outcome = "An explanation.";
    char event_id[CD_UUID_LEN + 1] = "";
    cr_assert_eq(
        h_send_event(s_h, "investigation", "complaint.routed", ref, &cr.base, event_id, 10000), 1,
        "complaint.routed not acknowledged");
    const char *v[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, v,
                         "open", 15000));

    /* An investigator may not assign, whether named by --as or over CANDOUR_ACTING. */
    int rc = s_ctl("", "assign %s --investigator %s --as %s", ref, inv, inv);
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert(strstr(s_err, "error PERMISSION_DENIED in acting: "), "%s", s_err);
    char env[64];
    snprintf(env, sizeof env, "CANDOUR_ACTING=%s", mgr);
    rc = s_ctl(env, "assign %s --investigator %s --as %s", ref, inv, inv);
    cr_assert_eq(rc, 1, "--as did not win over CANDOUR_ACTING: %s%s", s_out, s_err);
    cr_assert(strstr(s_err, "error PERMISSION_DENIED in acting: "), "%s", s_err);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND investigator IS NOT NULL",
                         1, v),
                 0);

    /* The complaints manager, named by CANDOUR_ACTING alone. */
    rc = s_ctl(env, "assign %s --investigator %s", ref, inv);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    cr_assert_str_eq(s_out, "done\n");
    char *who = h_scalar(s_h,
                         "SELECT investigator || ' by ' || assigned_by FROM"
                         " investigation.case WHERE reference = $1",
                         1, v);
    char want[128];
    snprintf(want, sizeof want, "%s by Casey Manager (%s)", inv, mgr);
    cr_assert_str_eq(who, want);
    free(who);
    free(mgr);
    free(inv);
}

Test(ctl_directory, directory_changes_name_the_ops_login_or_the_person_in_the_audit_trail)
{
    static const char *const last =
        "SELECT actor FROM routing.audit WHERE table_name='staff' ORDER BY seq DESC LIMIT 1";
    char *mgr = s_add("Casey Manager", "--role complaints-manager");
    char *actor = h_scalar(s_h, last, 0, NULL);
    cr_assert_str_eq(actor, "ops: ops.alice");
    free(actor);

    /* Under sudo, the operator who ran it, not root. */
    cr_assert_eq(s_ctl("SUDO_USER=ops.bob LOGNAME=root USER=root",
                       "staff update %s --org " ORG " --team 'Team B'", mgr),
                 0, "%s", s_err);
    actor = h_scalar(s_h, last, 0, NULL);
    cr_assert_str_eq(actor, "ops: ops.bob");
    free(actor);

    /* A person of the directory, named by --as: their name and id. */
    char *analyst = s_add("Alex Analyst", "--role analyst");
    cr_assert_eq(
        s_ctl("", "staff update %s --org " ORG " --job-title 'Data analyst' --as %s", analyst, mgr),
        0, "%s", s_err);
    actor = h_scalar(s_h, last, 0, NULL);
    char want[128];
    snprintf(want, sizeof want, "Casey Manager (%s)", mgr);
    cr_assert_str_eq(actor, want);
    free(actor);

    /* Whom routing refuses changes nothing: an analyst reads, and no more. */
    cr_assert_eq(s_ctl("", "staff list " ORG " --as %s", analyst), 0, "%s", s_err);
    char line[512];
    cr_assert_str_neq(s_row(mgr, line, sizeof line), "", "%s", s_out);
    char env[64];
    snprintf(env, sizeof env, "CANDOUR_ACTING=%s", analyst);
    cr_assert_eq(s_ctl(env, "staff disable %s --reason 'Not theirs to do'", mgr), 1);
    cr_assert(strstr(s_err, "error PERMISSION_DENIED in acting: "), "%s", s_err);
    s_col_is("disabled", mgr, "false");
    free(mgr);
    free(analyst);
}
