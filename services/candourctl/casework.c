/* casework.c - `candourctl case plan|issues|evidence|findings|draft|edit|
 * withhold|action-done|show`: the case's record as investigation keeps it (V2-V5, F1),
 * built into the Requests of its internal endpoint
 * (CANDOUR_INVESTIGATION_ENDPOINT) and their Replies shown to a person. Here: the options, the
 * usage, sending a request and the helpers its Reply is shown with (casework.h); case_write.c has
 * the subcommands that write the case, case_show.c `case show`.
 *
 * As everywhere in candourctl, investigation judges every request: this
 * tool refuses only what it cannot put into one (an unknown option, an
 * --issue that is not four parts, a file it cannot read or that could never
 * travel in a request) and shows the service's typed errors as they come.
 * Each step names the person acting (acting.h): --as, or CANDOUR_ACTING. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acting.h"
#include "casework.h"
#include "ctl.h"

#define S_INV_VAR "CANDOUR_INVESTIGATION_ENDPOINT"
#define S_INV_DEF "tcp://127.0.0.1:7102"

/* ---------------------------------------------------------------- options */

/* The options themselves are ctl_case_opts_t (casework.h). */
enum {
    O_AS = 256,
    O_JSON,
    O_HELP,
    O_GRADING,
    O_REASON,
    O_STEP,
    O_AGREED_ON,
    O_AGREED_HOW,
    O_ISSUE,
    O_FILE,
    O_KIND,
    O_SOURCE,
    O_DATE,
    O_SUMMARY,
    O_FLAG,
    O_NOTE,
    O_ATTACH,
    O_MEDIA_TYPE,
    O_BASED_ON,
    O_NAME,
    O_NONE,
    O_NUMBER,
};

/* Each subcommand's options; --as, --json and --help are every one's. */
static const struct option s_plan_opts[] = {
    {"grading", required_argument, 0, O_GRADING},
    {"step", required_argument, 0, O_STEP},
    {"reason", required_argument, 0, O_REASON},
    {"as", required_argument, 0, O_AS},
    {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0},
};
static const struct option s_issues_opts[] = {
    {"agreed-on", required_argument, 0, O_AGREED_ON},
    {"agreed-how", required_argument, 0, O_AGREED_HOW},
    {"issue", required_argument, 0, O_ISSUE},
    {"file", required_argument, 0, O_FILE},
    {"as", required_argument, 0, O_AS},
    {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0},
};
static const struct option s_evidence_opts[] = {
    {"kind", required_argument, 0, O_KIND},     {"source", required_argument, 0, O_SOURCE},
    {"date", required_argument, 0, O_DATE},     {"summary", required_argument, 0, O_SUMMARY},
    {"flag", required_argument, 0, O_FLAG},     {"note", required_argument, 0, O_NOTE},
    {"attach", required_argument, 0, O_ATTACH}, {"media-type", required_argument, 0, O_MEDIA_TYPE},
    {"as", required_argument, 0, O_AS},         {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},           {0, 0, 0, 0},
};
static const struct option s_file_opts[] = {
    {"file", required_argument, 0, O_FILE},
    {"as", required_argument, 0, O_AS},
    {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0},
};
static const struct option s_edit_opts[] = {
    {"based-on", required_argument, 0, O_BASED_ON},
    {"file", required_argument, 0, O_FILE},
    {"as", required_argument, 0, O_AS},
    {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0},
};
static const struct option s_withhold_opts[] = {
    {"name", required_argument, 0, O_NAME}, {"none", no_argument, 0, O_NONE},
    {"as", required_argument, 0, O_AS},     {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},       {0, 0, 0, 0},
};
static const struct option s_plain_opts[] = {{"as", required_argument, 0, O_AS},
                                             {"json", no_argument, 0, O_JSON},
                                             {"help", no_argument, 0, O_HELP},
                                             {0, 0, 0, 0}};

static const struct option s_action_done_opts[] = {
    {"number", required_argument, 0, O_NUMBER}, {"date", required_argument, 0, O_DATE},
    {"as", required_argument, 0, O_AS},         {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},           {0, 0, 0, 0},
};

/* Parse argv[2..] (argv[1] is the subcommand) with opts into o, which the
 * caller zeroed and gave steps, issues and names room for argc values. 0, or -1
 * for an option not in opts or a wrong count of operands (a usage error);
 * --help sets o->help and stops. */
static int s_parse(int argc, char **argv, const struct option *opts, ctl_case_opts_t *o)
{
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_AS:
            o->as = optarg;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case O_HELP:
            o->help = 1;
            return 0;
        case O_GRADING:
            o->grading = optarg;
            break;
        case O_REASON:
            o->reason = optarg;
            break;
        case O_STEP:
            o->steps[o->n_steps++] = optarg;
            break;
        case O_AGREED_ON:
            o->agreed_on = optarg;
            break;
        case O_AGREED_HOW:
            o->agreed_how = optarg;
            break;
        case O_ISSUE:
            o->issues[o->n_issues++] = optarg;
            break;
        case O_FILE:
            o->file = optarg;
            break;
        case O_KIND:
            o->kind = optarg;
            break;
        case O_SOURCE:
            o->source = optarg;
            break;
        case O_DATE:
            o->date = optarg;
            break;
        case O_SUMMARY:
            o->summary = optarg;
            break;
        case O_FLAG:
            o->flag = optarg;
            break;
        case O_NOTE:
            o->note = optarg;
            break;
        case O_ATTACH:
            o->attach = optarg;
            break;
        case O_MEDIA_TYPE:
            o->media_type = optarg;
            break;
        case O_BASED_ON:
            o->based_on = optarg;
            break;
        case O_NAME:
            o->names[o->n_names++] = optarg;
            break;
        case O_NONE:
            o->none = 1;
            break;
        case O_NUMBER:
            o->number = optarg;
            break;
        default:
            return -1;
        }
    }
    if (optind != argc - 1)
        return -1;
    o->ref = argv[optind];
    return 0;
}

/* ---------------------------------------------------------------- usage */

/* The subcommands: how each is called, its options, and what it does. */
static const struct {
    const char *name;
    int (*fn)(ctl_case_opts_t *);
    const struct option *opts;
    const char *synopsis;
    const char *about;
} s_subs[] = {
    {"plan", ctl_case_plan, s_plan_opts,
     "candourctl case plan REF --grading low|medium|high [--step STEP]... [--reason TEXT]\n",
     "plan: how the complaint will be investigated, in proportion to it (V2). Without\n"
     "  --step, the body's template for the grading. STEP: document-review,\n"
     "  records-review, complainant-meeting, staff-interviews, site-visit,\n"
     "  independent-clinical-advice, case-conference. --reason: why a high grading goes\n"
     "  without independent clinical advice or a case conference.\n"},
    {"issues", ctl_case_issues, s_issues_opts,
     "candourctl case issues REF --agreed-on YYYY-MM-DD\n"
     "            --agreed-how in-writing|by-telephone|in-a-meeting|by-email\n"
     "            --issue 'SUMMARY|SUBJECT|SERVICE-AREA|PROFESSION' [--issue ...]\n"
     "       candourctl case issues REF --file issues.json [--agreed-on D] [--agreed-how H]\n",
     "issues: the key issues agreed with the complainant (V3), replacing those agreed\n"
     "  before (until a finding is recorded). SUBJECT, SERVICE-AREA and PROFESSION are\n"
     "  KO41a codes as `candourctl categories list` shows them; the summary is what\n"
     "  comes before the last three |. The file holds a candour.v1.AgreeKeyIssues as\n"
     "  JSON ({\"issues\": [{\"summary\": ..., \"subject\": ...}], \"agreed_on\": ...}); the\n"
     "  REF and the options given replace the file's.\n"},
    {"evidence", ctl_case_evidence, s_evidence_opts,
     "candourctl case evidence REF --kind KIND --source SOURCE --date YYYY-MM-DD\n"
     "            --summary TEXT [--flag discrepancy|gap --note TEXT]\n"
     "            [--attach FILE [--media-type TYPE]]\n",
     "evidence: one item of evidence, recorded factually (V4). KIND: complainant-account,\n"
     "  staff-account, records, policy-or-guidance, independent-advice, other. SOURCE:\n"
     "  who or what it came from (a job title, not a name). --attach sends the file\n"
     "  (at most 1 MiB here; investigation's limit, CANDOUR_MAX_ATTACHMENT_BYTES, is\n"
     "  768 KiB unless ops changed it); investigation decides its media type from the\n"
     "  bytes, --media-type being only a claim. Prints the item's number and the\n"
     "  file's SHA-256, size and media type as recorded.\n"},
    {"findings", ctl_case_findings, s_file_opts,
     "candourctl case findings REF --file findings.json\n",
     "findings: a finding per key issue, failings, actions, lessons and remedy (V3, V5),\n"
     "  replacing those recorded before. The file holds a candour.v1.RecordFindings as\n"
     "  JSON ({\"findings\": [{\"issue_id\": \"KI1\", \"verdict\": \"upheld\", ...}], ...});\n"
     "  REF replaces the file's complaint_ref.\n"},
    {"draft", ctl_case_draft, s_plain_opts, "candourctl case draft REF\n",
     "draft: a new version of the draft response, assembled from the case as it\n"
     "  stands (F1); prints its version, SHA-256 and text.\n"},
    {"edit", ctl_case_edit, s_edit_opts, "candourctl case edit REF --based-on N --file TEXT_FILE\n",
     "edit: a new version of the draft response as staff wrote it (UTF-8 text; - for\n"
     "  standard input), based on version N, which must be the latest.\n"},
    {"withhold", ctl_case_withhold, s_withhold_opts,
     "candourctl case withhold REF --name NAME [--name NAME]...\n"
     "       candourctl case withhold REF --none\n",
     "withhold: the names the response must not disclose (another patient, a member of\n"
     "  staff the body does not name), each in every form to catch (--name 'Karen\n"
     "  Booth' --name 'Ms Booth'): at most 50, each 2 to 200 bytes, none twice (case\n"
     "  aside). Replaces the list set before; --none clears it.\n"},
    {"action-done", ctl_case_action_done, s_action_done_opts,
     "candourctl case action-done REF --number N --date YYYY-MM-DD\n",
     "action-done: action N agreed with the findings (as `case show` numbers them) was\n"
     "  done on that day (not in the future), before or after the response went (V5);\n"
     "  the quarterly and annual reports count actions done by their due date. An\n"
     "  action already done is refused.\n"},
    {"show", ctl_case_show, s_plain_opts, "candourctl case show REF\n",
     "show: the case as it stands: investigator and impartiality check, plan, key\n"
     "  issues, evidence, findings, actions, remedy, the outcome they imply, the names\n"
     "  withheld, and every version of the draft response with its SHA-256.\n"},
};

#define S_NSUBS (sizeof s_subs / sizeof s_subs[0])

/* The usage of `case sub` (NULL: of every subcommand), on stdout for --help
 * (rc 0), else on stderr; returns rc. */
int ctl_case_usage(const char *sub, int rc)
{
    FILE *out = rc ? stderr : stdout;
    size_t shown = 0;
    for (size_t i = 0; i < S_NSUBS; i++)
        if (!sub || strcmp(sub, s_subs[i].name) == 0)
            fprintf(out, "%s%s", shown++ ? "       " : "Usage: ", s_subs[i].synopsis);
    fprintf(out, "Every subcommand also takes [--json] [--as ST_ID].\n");
    for (size_t i = 0; i < S_NSUBS; i++)
        if (!sub || strcmp(sub, s_subs[i].name) == 0)
            fprintf(out, "%s", s_subs[i].about);
    fprintf(out,
            "The investigator assigned to the complaint, or a complaints manager of its body,\n"
            "acts. Asks investigation (%s, default %s).\n"
            "  --json       print the whole reply (or refusal) as JSON\n" CTL_AS_USAGE
            "Exit: 0 done, 1 refused (the error on stderr), 2 usage, 3 no answer.\n",
            S_INV_VAR, S_INV_DEF);
    return rc;
}

/* ---------------------------------------------------------------- helpers */

/* Name who acts and send req to investigation; the exit code (ctl_call's,
 * or 2 when no one is named). */
int ctl_case_send(Candour__V1__Request *req, const ctl_case_opts_t *o, const char *cmd,
                  void (*print)(const Candour__V1__Reply *))
{
    char what[32];
    snprintf(what, sizeof what, "case %s", cmd);
    if (ctl_acting(req, o->as, CTL_ACT_CASEWORK, what) != 0)
        return 2;
    return ctl_call(ctl_endpoint(S_INV_VAR, S_INV_DEF), req, o->json, print);
}

/* The reply is of the kind wanted; else says so (a reply this build cannot
 * show). */
int ctl_case_is(const Candour__V1__Reply *r, Candour__V1__Reply__ResultCase want)
{
    if (r->result_case == want)
        return 1;
    printf("unexpected reply (try --json)\n");
    return 0;
}

/* "label  value" when value is not empty. */
void ctl_case_line(int indent, const char *label, const char *value)
{
    if (value && *value)
        printf("%*s%-15s%s\n", indent, "", label, value);
}

/* ---------------------------------------------------------------- case */

int ctl_case(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return ctl_case_usage(NULL, argc < 2 ? 2 : 0);
    for (size_t i = 0; i < S_NSUBS; i++) {
        if (strcmp(argv[1], s_subs[i].name) != 0)
            continue;
        ctl_case_opts_t o = {0};
        o.steps = calloc((size_t)argc + 1, sizeof *o.steps);
        o.issues = calloc((size_t)argc + 1, sizeof *o.issues);
        o.names = calloc((size_t)argc + 1, sizeof *o.names);
        int rc;
        if (!o.steps || !o.issues || !o.names)
            rc = (fprintf(stderr, "candourctl: out of memory\n"), 1);
        else if (s_parse(argc, argv, s_subs[i].opts, &o) != 0)
            rc = ctl_case_usage(s_subs[i].name, 2);
        else if (o.help)
            rc = ctl_case_usage(s_subs[i].name, 0);
        else
            rc = s_subs[i].fn(&o);
        free(o.steps);
        free(o.issues);
        free(o.names);
        return rc;
    }
    fprintf(stderr, "candourctl case: unknown subcommand '%s'\n", argv[1]);
    return ctl_case_usage(NULL, 2);
}
