/* candourctl - the ops and staff tool: migrations, and the steps a person
 * takes on a complaint, sent over the bus as Requests. */
#include <stdio.h>
#include <string.h>

#include "candour/error.h"
#include "candour/daemon.h"
#include "ctl.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} s_cmds[] = {
    {"migrate", ctl_migrate, "apply deploy/migrations to CANDOUR_DB_URL (idempotent)"},
    {"submit", ctl_submit, "submit a complaint to intake and print the receipt"},
    {"send", ctl_send, "send any request (JSON) to intake's public endpoint, print the reply"},
    {"status", ctl_status, "show where a complaint is, with its deadlines and history"},
    {"record-outcome", ctl_record_outcome, "record an investigation's outcome and findings"},
    {"check", ctl_check, "the quality gate's findings on the draft awaiting signature (F1, F3)"},
    {"sign", ctl_sign, "sign the response as the responsible person (or authorised signatory)"},
    {"audit", ctl_audit, "verify the tamper-evident audit trail, or list a complaint's entries"},
    {"calendar", ctl_calendar, "bank holidays and working days in England, as Candour counts them"},
    {"decide", ctl_decide, "accept or decline a complaint made after the 12-month limit (I3)"},
    {"extend", ctl_extend, "record a new agreed date for a deadline (R5)"},
    {"progress", ctl_progress, "send the complainant a progress update (R5)"},
    {"late", ctl_late, "record why the response is late; the complainant is told (R5)"},
    {"waive", ctl_waive,
     "record that the response goes without a partner's part, with the reason (R3)"},
    {"dead-letters", ctl_dead_letters, "list, show, replay or discard events a subscriber refused"},
    {"keygen", ctl_keygen,
     "make a CURVE key pair for the external bus API, or the suite's internal key set"},
    {"org", ctl_org, "add, list or revoke organisations' keys on the bus allow-list"},
    {"staff", ctl_staff, "add, change, list or disable people in a body's staff directory"},
    {"token", ctl_token, "issue, list or revoke the staff API's tokens for scripts and systems"},
    {"assign", ctl_assign, "assign the investigator of a complaint (impartiality checked, V1)"},
    {"case", ctl_case,
     "the case's record: plan, key issues, evidence, findings, draft, withhold, show"},
    {"sar", ctl_sar, "a subject access export (UK GDPR Art. 15): all held about one person"},
    {"case-file", ctl_case_file,
     "the complete, chronological case file of one complaint, with its hashes (L4)"},
    {"categories", ctl_categories,
     "import (CSV) or list the KO41a category lists that key issues are filed under"},
    {"routes", ctl_routes,
     "import (CSV) or list the routing table: service -> commissioner, provider"},
    {"gate", ctl_gate, "set or show a body's severities and thresholds for the quality gate"},
    {"chain", ctl_chain, "set, clear or show who signs a body's responses, in which order (F2)"},
    {"delegate", ctl_delegate,
     "add, list or revoke who may sign for a body, in a role, for a period (F2)"},
    {"covering", ctl_covering, "set, show or clear a body's covering letter for its responses"},
    {"glossary", ctl_glossary,
     "import (CSV) or list the terms a response must explain (Candour's or a body's)"},
    {"letters", ctl_letters, "a complaint's letters and how each went; send a failed one again"},
    {"templates", ctl_templates,
     "import, list or preview letter templates: letterhead, signature, footer, covering"},
    {"reporting", ctl_reporting, "rebuild the de-identified reporting schema from every event"},
    {"report", ctl_report, "a report of a body: quarterly, annual, KO41a/b, benchmark"},
    {"targets", ctl_targets, "set or list the benchmarking targets the bodies are held to"},
    {"commissions", ctl_commissions,
     "add, list or remove the providers a commissioner compares in its benchmark"},
    {"retention", ctl_retention,
     "records kept 10 years after closure (or a body's policy), then disposed of"},
};

static void s_usage(FILE *out)
{
    fprintf(out, "candourctl %s - operate Candour\n\nUsage: candourctl COMMAND [options]\n\n",
            CANDOUR_VERSION);
    for (size_t i = 0; i < sizeof s_cmds / sizeof s_cmds[0]; i++)
        fprintf(out, "  %-16s %s\n", s_cmds[i].name, s_cmds[i].help);
    fprintf(out, "\n`candourctl COMMAND --help` for a command's options.\n"
                 "Endpoints come from CANDOUR_<SERVICE>_ENDPOINT (e.g. CANDOUR_INTAKE_ENDPOINT,"
                 " default tcp://127.0.0.1:7100).\n"
                 "Calls to the services' internal endpoints use the ops key of the internal key\n"
                 "set: CANDOUR_INTERNAL_KEYS (its ops.key), or CANDOUR_OPS_KEY_FILE.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("candourctl %s\n", CANDOUR_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof s_cmds / sizeof s_cmds[0]; i++)
        if (strcmp(argv[1], s_cmds[i].name) == 0)
            return s_cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "candourctl: unknown command '%s' (try --help)\n", argv[1]);
    return 2;
}
