/* casework.c - `candourctl case plan|issues|evidence|findings|draft|edit|show`:
 * the case's record as investigation keeps it (V2-V5, F1), built into the
 * Requests of its internal endpoint (CANDOUR_INVESTIGATION_ENDPOINT) and
 * their Replies shown to a person.
 *
 * As everywhere in candourctl, investigation judges every request: this
 * tool refuses only what it cannot put into one (an unknown option, an
 * --issue that is not four parts, a file it cannot read or that could never
 * travel in a request) and shows the service's typed errors as they come.
 * Each step names the person acting (acting.h): --as, or CANDOUR_ACTING. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acting.h"
#include "candour/errcode.h"
#include "candour/pbjson.h"
#include "candour/v1/events.pb-c.h"
#include "ctl.h"

#define S_INV_VAR "CANDOUR_INVESTIGATION_ENDPOINT"
#define S_INV_DEF "tcp://127.0.0.1:7102"

/* A request is at most 1 MiB on the wire, so an attachment over that could
 * never arrive; investigation's own limit is lower still (attachment.h). */
#define S_ATTACH_MAX 1048576
/* A JSON or text file is read whole; past this it is not a case's record
 * but a mistake (the wrong file), and reading it would only waste memory. */
#define S_FILE_MAX (4 * 1048576)

/* ---------------------------------------------------------------- options */

/* Every option a subcommand may take; each subcommand's getopt table lists
 * the ones it does. NULL or 0: not given. */
typedef struct {
    const char *as;         /* --as */
    int json;               /* --json */
    int help;               /* --help */
    const char *grading;    /* plan: --grading */
    const char *reason;     /* plan: --reason */
    char **steps;           /* plan: --step, each (argc long) */
    size_t n_steps;         /* how many --step */
    const char *agreed_on;  /* issues: --agreed-on */
    const char *agreed_how; /* issues: --agreed-how */
    char **issues;          /* issues: --issue, each (argc long) */
    size_t n_issues;        /* how many --issue */
    const char *file;       /* issues, findings, edit: --file */
    const char *kind;       /* evidence: --kind */
    const char *source;     /* evidence: --source */
    const char *date;       /* evidence: --date */
    const char *summary;    /* evidence: --summary */
    const char *flag;       /* evidence: --flag */
    const char *note;       /* evidence: --note */
    const char *attach;     /* evidence: --attach */
    const char *media_type; /* evidence: --media-type */
    const char *based_on;   /* edit: --based-on */
    const char *ref;        /* the complaint's reference (the one operand) */
} s_opts_t;

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
static const struct option s_plain_opts[] = {{"as", required_argument, 0, O_AS},
                                             {"json", no_argument, 0, O_JSON},
                                             {"help", no_argument, 0, O_HELP},
                                             {0, 0, 0, 0}};

/* Parse argv[2..] (argv[1] is the subcommand) with opts into o, which the
 * caller zeroed and gave steps and issues room for argc values. 0, or -1
 * for an option not in opts or a wrong count of operands (a usage error);
 * --help sets o->help and stops. */
static int s_parse(int argc, char **argv, const struct option *opts, s_opts_t *o)
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

static int s_plan(s_opts_t *o);
static int s_issues(s_opts_t *o);
static int s_evidence(s_opts_t *o);
static int s_findings(s_opts_t *o);
static int s_draft(s_opts_t *o);
static int s_edit(s_opts_t *o);
static int s_show(s_opts_t *o);

/* The subcommands: how each is called, its options, and what it does. */
static const struct {
    const char *name;
    int (*fn)(s_opts_t *);
    const struct option *opts;
    const char *synopsis;
    const char *about;
} s_subs[] = {
    {"plan", s_plan, s_plan_opts,
     "candourctl case plan REF --grading low|medium|high [--step STEP]... [--reason TEXT]\n",
     "plan: how the complaint will be investigated, in proportion to it (V2). Without\n"
     "  --step, the body's template for the grading. STEP: document-review,\n"
     "  records-review, complainant-meeting, staff-interviews, site-visit,\n"
     "  independent-clinical-advice, case-conference. --reason: why a high grading goes\n"
     "  without independent clinical advice or a case conference.\n"},
    {"issues", s_issues, s_issues_opts,
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
    {"evidence", s_evidence, s_evidence_opts,
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
    {"findings", s_findings, s_file_opts, "candourctl case findings REF --file findings.json\n",
     "findings: a finding per key issue, failings, actions, lessons and remedy (V3, V5),\n"
     "  replacing those recorded before. The file holds a candour.v1.RecordFindings as\n"
     "  JSON ({\"findings\": [{\"issue_id\": \"KI1\", \"verdict\": \"upheld\", ...}], ...});\n"
     "  REF replaces the file's complaint_ref.\n"},
    {"draft", s_draft, s_plain_opts, "candourctl case draft REF\n",
     "draft: a new version of the draft response, assembled from the case as it\n"
     "  stands (F1); prints its version, SHA-256 and text.\n"},
    {"edit", s_edit, s_edit_opts, "candourctl case edit REF --based-on N --file TEXT_FILE\n",
     "edit: a new version of the draft response as staff wrote it (UTF-8 text; - for\n"
     "  standard input), based on version N, which must be the latest.\n"},
    {"show", s_show, s_plain_opts, "candourctl case show REF\n",
     "show: the case as it stands: investigator and impartiality check, plan, key\n"
     "  issues, evidence, findings, actions, remedy, the outcome they imply, and every\n"
     "  version of the draft response with its SHA-256.\n"},
};

#define S_NSUBS (sizeof s_subs / sizeof s_subs[0])

/* The usage of `case sub` (NULL: of every subcommand), on stdout for --help
 * (rc 0), else on stderr; returns rc. */
static int s_usage(const char *sub, int rc)
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

/* The whole of path ("-": standard input) into a malloc'd buffer, with a NUL
 * after its *len bytes. NULL after telling why: it cannot be read, or
 * (*too_big set, nothing told) it is longer than max bytes. */
static char *s_read_file(const char *cmd, const char *path, size_t max, size_t *len, int *too_big)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    *too_big = 0;
    *len = 0;
    if (!f) {
        fprintf(stderr, "candourctl case %s: cannot read %s: %s\n", cmd, path, strerror(errno));
        return NULL;
    }
    /* Room grows to max + 1 bytes at most: one past max tells it is too long. */
    size_t cap = max + 1 < 65536 ? max + 1 : 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (cap > max) {
                *too_big = 1;
                break;
            }
            size_t next = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *p = realloc(buf, next + 1);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap = next;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    int failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || failed || *too_big) {
        if (!*too_big)
            fprintf(stderr, "candourctl case %s: cannot read %s: %s\n", cmd, path,
                    buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* A candour.v1 message of type desc from the JSON file at path (free with
 * protobuf_c_message_free_unpacked). NULL after telling why, with the exit
 * code in *rc: 2 when the file cannot be read, 1 when it is not the message
 * (the converter's typed error, as `candourctl submit --file` tells it). */
static ProtobufCMessage *s_read_json(const char *cmd, const char *path,
                                     const ProtobufCMessageDescriptor *desc, int *rc)
{
    size_t len;
    int too_big;
    char *text = s_read_file(cmd, path, S_FILE_MAX, &len, &too_big);
    if (!text) {
        if (too_big)
            fprintf(stderr, "candourctl case %s: %s is over %d MiB: not a %s\n", cmd, path,
                    S_FILE_MAX / 1048576, desc->name);
        *rc = 2;
        return NULL;
    }
    cd_fail_t err;
    ProtobufCMessage *m = cd_pbjson_parse(desc, text, len, &err);
    free(text);
    if (!m) {
        fprintf(stderr, "error %s in %s: %s\n", cd_code_name(err.code),
                *err.field ? err.field : path, err.message);
        *rc = 1;
    }
    return m;
}

/* Name who acts and send req to investigation; the exit code (ctl_call's,
 * or 2 when no one is named). */
static int s_send(Candour__V1__Request *req, const s_opts_t *o, const char *cmd,
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
static int s_is(const Candour__V1__Reply *r, Candour__V1__Reply__ResultCase want)
{
    if (r->result_case == want)
        return 1;
    printf("unexpected reply (try --json)\n");
    return 0;
}

/* "OUTCOME_PARTIALLY_UPHELD" as "partially upheld", into out. */
static const char *s_outcome_words(Candour__V1__Outcome o, char *out, size_t len)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&candour__v1__outcome__descriptor, (int)o);
    const char *name = v ? v->name : "?";
    if (strncmp(name, "OUTCOME_", 8) == 0)
        name += 8;
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++)
        out[i] = name[i] == '_' ? ' ' : (char)(name[i] | 0x20);
    out[i] = 0;
    return out;
}

/* "label  value" when value is not empty. */
static void s_line(int indent, const char *label, const char *value)
{
    if (value && *value)
        printf("%*s%-15s%s\n", indent, "", label, value);
}

/* text, each of its lines indented. */
static void s_block(int indent, const char *text)
{
    while (text && *text) {
        size_t n = strcspn(text, "\n");
        printf("%*s%.*s\n", indent, "", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

/* A list of strings under a heading; nothing when empty. */
static void s_list(const char *heading, char **v, size_t n)
{
    if (!n)
        return;
    printf("\n%s\n", heading);
    for (size_t i = 0; i < n; i++)
        printf("  - %s\n", v[i]);
}

/* ---------------------------------------------------------------- plan */

static void s_print_plan(const Candour__V1__Reply *r)
{
    printf("plan recorded\n");
}

static int s_plan(s_opts_t *o)
{
    if (!o->grading)
        return s_usage("plan", 2);
    Candour__V1__SetPlan p = CANDOUR__V1__SET_PLAN__INIT;
    p.complaint_ref = (char *)o->ref;
    p.grading = (char *)o->grading;
    p.steps = o->steps;
    p.n_steps = o->n_steps;
    p.reason = (char *)(o->reason ? o->reason : "");
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SET_PLAN;
    req.set_plan = &p;
    return s_send(&req, o, "plan", s_print_plan);
}

/* ---------------------------------------------------------------- issues */

static void s_print_issues(const Candour__V1__Reply *r)
{
    printf("key issues agreed\n");
}

/* "SUMMARY|SUBJECT|SERVICE-AREA|PROFESSION" into k, its strings pointing
 * into text, which is changed. The codes hold no |, so the last three |
 * divide them and the summary may hold any. 0, or -1 (told) when there are
 * fewer than three. */
static int s_issue(char *text, Candour__V1__KeyIssue *k)
{
    char *bar[3];
    char *end = text + strlen(text);
    for (int i = 2; i >= 0; i--) {
        while (end > text && end[-1] != '|')
            end--;
        if (end == text) {
            fprintf(stderr,
                    "candourctl case issues: --issue '%s' is not SUMMARY|SUBJECT|SERVICE-AREA|"
                    "PROFESSION\n",
                    text);
            return -1;
        }
        bar[i] = --end;
    }
    for (int i = 0; i < 3; i++)
        *bar[i] = 0;
    k->summary = text;
    k->subject = bar[0] + 1;
    k->service_area = bar[1] + 1;
    k->profession = bar[2] + 1;
    return 0;
}

static int s_issues(s_opts_t *o)
{
    if (!!o->file == !!o->n_issues) {
        fprintf(stderr, "candourctl case issues: give --issue (one or more), or --file\n");
        return s_usage("issues", 2);
    }
    Candour__V1__AgreeKeyIssues own = CANDOUR__V1__AGREE_KEY_ISSUES__INIT;
    Candour__V1__AgreeKeyIssues *a = &own;
    Candour__V1__KeyIssue *issues = NULL, **list = NULL;
    char *from_file[3] = {NULL, NULL, NULL}; /* the file's strings while ours stand in */
    int rc = 0;
    if (o->file) {
        a = (Candour__V1__AgreeKeyIssues *)s_read_json(
            "issues", o->file, &candour__v1__agree_key_issues__descriptor, &rc);
        if (!a)
            return rc;
    } else {
        issues = calloc(o->n_issues, sizeof *issues);
        list = calloc(o->n_issues, sizeof *list);
        if (!issues || !list) {
            fprintf(stderr, "candourctl: out of memory\n");
            rc = 1;
            goto done;
        }
        for (size_t i = 0; i < o->n_issues; i++) {
            Candour__V1__KeyIssue init = CANDOUR__V1__KEY_ISSUE__INIT;
            issues[i] = init;
            list[i] = &issues[i];
            if (s_issue(o->issues[i], &issues[i]) != 0) {
                rc = 2;
                goto done;
            }
        }
        a->issues = list;
        a->n_issues = o->n_issues;
    }
    /* The command line's say over the file's; the file's strings are put
     * back before it is freed. */
    from_file[0] = a->complaint_ref;
    from_file[1] = a->agreed_on;
    from_file[2] = a->agreed_how;
    a->complaint_ref = (char *)o->ref;
    if (o->agreed_on)
        a->agreed_on = (char *)o->agreed_on;
    if (o->agreed_how)
        a->agreed_how = (char *)o->agreed_how;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_AGREE_KEY_ISSUES;
    req.agree_key_issues = a;
    rc = s_send(&req, o, "issues", s_print_issues);
done:
    if (a != &own) {
        a->complaint_ref = from_file[0];
        a->agreed_on = from_file[1];
        a->agreed_how = from_file[2];
        protobuf_c_message_free_unpacked(&a->base, NULL);
    }
    free(issues);
    free(list);
    return rc;
}

/* ---------------------------------------------------------------- evidence */

/* What the print of an AddEvidence reply says the sender claimed. */
static const char *s_claimed;

static void s_print_evidence(const Candour__V1__Reply *r)
{
    if (!s_is(r, CANDOUR__V1__REPLY__RESULT_EVIDENCE))
        return;
    const Candour__V1__Evidence *e = r->evidence;
    printf("evidence %d recorded\n", e->number);
    s_line(0, "recorded by", e->recorded_by);
    if (!e->attachment)
        return;
    const Candour__V1__Attachment *a = e->attachment;
    char size[32];
    snprintf(size, sizeof size, "%" PRIu64 " bytes", a->size);
    s_line(0, "attachment", a->filename);
    s_line(0, "sha256", a->sha256);
    s_line(0, "size", size);
    printf("%-15s%s (decided from the bytes", "media type", a->media_type);
    if (s_claimed && *s_claimed && strcmp(s_claimed, a->media_type) != 0)
        printf("; claimed %s", s_claimed);
    printf(")\n");
}

/* The last component of path: the name the file is recorded under. */
static const char *s_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int s_evidence(s_opts_t *o)
{
    if (o->media_type && !o->attach) {
        fprintf(stderr, "candourctl case evidence: --media-type is the --attach file's\n");
        return s_usage("evidence", 2);
    }
    if (o->attach && strcmp(o->attach, "-") == 0) {
        /* The file is recorded under its name: standard input has none. */
        fprintf(stderr, "candourctl case evidence: --attach takes a file, by its name\n");
        return 2;
    }
    Candour__V1__Evidence e = CANDOUR__V1__EVIDENCE__INIT;
    e.kind = (char *)(o->kind ? o->kind : "");
    e.source = (char *)(o->source ? o->source : "");
    e.date = (char *)(o->date ? o->date : "");
    e.summary = (char *)(o->summary ? o->summary : "");
    e.flag = (char *)(o->flag ? o->flag : "");
    e.flag_note = (char *)(o->note ? o->note : "");
    Candour__V1__Attachment att = CANDOUR__V1__ATTACHMENT__INIT;
    char *bytes = NULL;
    if (o->attach) {
        size_t len;
        int too_big;
        bytes = s_read_file("evidence", o->attach, S_ATTACH_MAX, &len, &too_big);
        if (!bytes && too_big) {
            fprintf(stderr,
                    "error TOO_LARGE in add_evidence.evidence.attachment.content: %s is over"
                    " 1 MiB (%d bytes), more than a request can carry; investigation takes at"
                    " most CANDOUR_MAX_ATTACHMENT_BYTES (768 KiB unless ops changed it). Nothing"
                    " was sent.\n",
                    o->attach, S_ATTACH_MAX);
            return 1;
        }
        if (!bytes)
            return 2;
        att.filename = (char *)s_basename(o->attach);
        att.media_type = (char *)(o->media_type ? o->media_type : "");
        att.content.data = (uint8_t *)bytes;
        att.content.len = len;
        e.attachment = &att;
    }
    Candour__V1__AddEvidence a = CANDOUR__V1__ADD_EVIDENCE__INIT;
    a.complaint_ref = (char *)o->ref;
    a.evidence = &e;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_ADD_EVIDENCE;
    req.add_evidence = &a;
    s_claimed = o->media_type;
    int rc = s_send(&req, o, "evidence", s_print_evidence);
    free(bytes);
    return rc;
}

/* ---------------------------------------------------------------- findings */

static void s_print_findings(const Candour__V1__Reply *r)
{
    printf("findings recorded\n");
}

static int s_findings(s_opts_t *o)
{
    if (!o->file)
        return s_usage("findings", 2);
    int rc = 0;
    Candour__V1__RecordFindings *f = (Candour__V1__RecordFindings *)s_read_json(
        "findings", o->file, &candour__v1__record_findings__descriptor, &rc);
    if (!f)
        return rc;
    char *theirs = f->complaint_ref;
    f->complaint_ref = (char *)o->ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_FINDINGS;
    req.record_findings = f;
    rc = s_send(&req, o, "findings", s_print_findings);
    f->complaint_ref = theirs;
    protobuf_c_message_free_unpacked(&f->base, NULL);
    return rc;
}

/* ---------------------------------------------------------------- draft, edit */

static void s_print_version(const Candour__V1__DraftVersion *d)
{
    printf("version        %d (%s)\n", d->version,
           d->assembled ? "assembled from the case" : "edited");
    s_line(0, "sha256", d->sha256);
    s_line(0, "made by", d->made_by);
    s_line(0, "made at", d->made_at);
}

static void s_print_draft(const Candour__V1__Reply *r)
{
    if (!s_is(r, CANDOUR__V1__REPLY__RESULT_DRAFT))
        return;
    s_print_version(r->draft);
    printf("\n%s", r->draft->text);
    size_t n = strlen(r->draft->text);
    if (n && r->draft->text[n - 1] != '\n')
        printf("\n");
}

static int s_draft(s_opts_t *o)
{
    Candour__V1__DraftResponse d = CANDOUR__V1__DRAFT_RESPONSE__INIT;
    d.complaint_ref = (char *)o->ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_DRAFT_RESPONSE;
    req.draft_response = &d;
    return s_send(&req, o, "draft", s_print_draft);
}

static int s_edit(s_opts_t *o)
{
    if (!o->based_on || !o->file)
        return s_usage("edit", 2);
    char *end;
    errno = 0;
    long v = strtol(o->based_on, &end, 10);
    if (!*o->based_on || *end || errno || v < 1 || v > INT32_MAX) {
        fprintf(stderr, "candourctl case edit: --based-on takes a version number, not '%s'\n",
                o->based_on);
        return 2;
    }
    size_t len;
    int too_big;
    char *text = s_read_file("edit", o->file, S_FILE_MAX, &len, &too_big);
    if (!text) {
        if (too_big)
            fprintf(stderr, "candourctl case edit: %s is over %d MiB: not a letter\n", o->file,
                    S_FILE_MAX / 1048576);
        return 2;
    }
    if (strlen(text) != len) {
        /* A NUL would end the text there, and the rest be lost unseen. */
        fprintf(stderr, "candourctl case edit: %s holds a NUL byte: not text\n", o->file);
        free(text);
        return 2;
    }
    Candour__V1__EditDraft e = CANDOUR__V1__EDIT_DRAFT__INIT;
    e.complaint_ref = (char *)o->ref;
    e.based_on = (int32_t)v;
    e.text = text;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_EDIT_DRAFT;
    req.edit_draft = &e;
    int rc = s_send(&req, o, "edit", s_print_draft);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- show */

static void s_show_issues(const Candour__V1__CaseView *v)
{
    if (!v->n_issues)
        return;
    printf("\nkey issues     agreed %s%s%s\n",
           *v->issues_agreed_on ? v->issues_agreed_on : "(no date)",
           *v->issues_agreed_how ? ", " : "", v->issues_agreed_how);
    for (size_t i = 0; i < v->n_issues; i++) {
        const Candour__V1__KeyIssue *k = v->issues[i];
        printf("  %-5s %s\n", k->issue_id, k->summary);
        printf("        subject %s, service area %s, profession %s\n", k->subject, k->service_area,
               k->profession);
    }
}

static void s_show_evidence(const Candour__V1__CaseView *v)
{
    if (!v->n_evidence)
        return;
    printf("\nevidence\n");
    for (size_t i = 0; i < v->n_evidence; i++) {
        const Candour__V1__Evidence *e = v->evidence[i];
        printf("  %-3d %s, from %s, dated %s\n", e->number, e->kind, e->source, e->date);
        s_block(6, e->summary);
        if (*e->flag)
            printf("      %s: %s\n", e->flag, e->flag_note);
        if (e->attachment) {
            const Candour__V1__Attachment *a = e->attachment;
            printf("      attachment %s, %s, %" PRIu64 " bytes\n", a->filename, a->media_type,
                   a->size);
            printf("      sha256 %s\n", a->sha256);
        }
        if (*e->recorded_by)
            printf("      recorded by %s\n", e->recorded_by);
    }
}

static void s_show_findings(const Candour__V1__CaseView *v)
{
    if (v->n_findings)
        printf("\nfindings\n");
    for (size_t i = 0; i < v->n_findings; i++) {
        const Candour__V1__Finding *f = v->findings[i];
        printf("  %-5s %s\n", f->issue_id, f->verdict);
        s_line(8, "what happened", f->what_happened);
        s_line(8, "should have", f->what_should_have_happened);
        s_line(8, "not addressed", f->not_addressed_reason);
    }
    s_list("failings", v->failings, v->n_failings);
    if (v->n_actions)
        printf("\nactions\n");
    for (size_t i = 0; i < v->n_actions; i++) {
        const Candour__V1__Action *a = v->actions[i];
        printf("  %zu. %s\n     owner %s, due %s, %s%s\n", i + 1, a->description, a->owner, a->due,
               a->done ? "done on " : "not done yet", a->done ? a->done_on : "");
    }
    s_list("lessons", v->lessons, v->n_lessons);
    const Candour__V1__Remedy *m = v->remedy;
    if (m && (*m->apology || m->redress_pence || *m->service_change)) {
        printf("\nremedy\n");
        s_line(2, "apology", m->apology);
        if (m->redress_pence)
            printf("  %-15s£%" PRId64 ".%02d%s%s\n", "redress", m->redress_pence / 100,
                   (int)(m->redress_pence % 100), *m->redress_for ? " for " : "", m->redress_for);
        s_line(2, "service change", m->service_change);
    }
}

static void s_show_rest(const Candour__V1__CaseView *v)
{
    char words[64];
    printf("\noutcome implied  %s\n", v->outcome == CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED
                                          ? "none yet"
                                          : s_outcome_words(v->outcome, words, sizeof words));
    if (v->n_contributions)
        printf("\npartners' parts\n");
    for (size_t i = 0; i < v->n_contributions; i++) {
        const Candour__V1__Contribution *c = v->contributions[i];
        if (c->waived)
            printf("  %s: waived by %s: %s\n", c->org, c->recorded_by, c->reason);
        else
            printf("  %s: received %s\n", c->org, c->received_at);
    }
    if (v->n_drafts)
        printf("\ndraft response\n");
    for (size_t i = 0; i < v->n_drafts; i++) {
        const Candour__V1__DraftVersion *d = v->drafts[i];
        printf("  version %d, %s by %s at %s\n    sha256 %s\n", d->version,
               d->assembled ? "assembled" : "edited", d->made_by, d->made_at, d->sha256);
    }
}

static void s_print_case(const Candour__V1__Reply *r)
{
    if (!s_is(r, CANDOUR__V1__REPLY__RESULT_CASE_VIEW))
        return;
    const Candour__V1__CaseView *v = r->case_view;
    s_line(0, "case", v->complaint_ref);
    s_line(0, "state", v->state);
    s_line(0, "organisation", v->org_id);
    s_line(0, "investigator", *v->investigator ? v->investigator : "none assigned yet");
    if (*v->impartiality) {
        printf("impartiality\n");
        s_block(2, v->impartiality);
    }
    if (*v->grading) {
        printf("\nplan           %s\n", v->grading);
        for (size_t i = 0; i < v->n_steps; i++)
            printf("  - %s\n", v->steps[i]);
        s_line(2, "reason", v->plan_reason);
    } else {
        printf("\nplan           none yet\n");
    }
    s_show_issues(v);
    s_show_evidence(v);
    s_show_findings(v);
    s_show_rest(v);
}

static int s_show(s_opts_t *o)
{
    Candour__V1__GetCase g = CANDOUR__V1__GET_CASE__INIT;
    g.complaint_ref = (char *)o->ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_CASE;
    req.get_case = &g;
    return s_send(&req, o, "show", s_print_case);
}

/* ---------------------------------------------------------------- case */

int ctl_case(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(NULL, argc < 2 ? 2 : 0);
    for (size_t i = 0; i < S_NSUBS; i++) {
        if (strcmp(argv[1], s_subs[i].name) != 0)
            continue;
        s_opts_t o = {0};
        o.steps = calloc((size_t)argc + 1, sizeof *o.steps);
        o.issues = calloc((size_t)argc + 1, sizeof *o.issues);
        int rc;
        if (!o.steps || !o.issues)
            rc = (fprintf(stderr, "candourctl: out of memory\n"), 1);
        else if (s_parse(argc, argv, s_subs[i].opts, &o) != 0)
            rc = s_usage(s_subs[i].name, 2);
        else if (o.help)
            rc = s_usage(s_subs[i].name, 0);
        else
            rc = s_subs[i].fn(&o);
        free(o.steps);
        free(o.issues);
        return rc;
    }
    fprintf(stderr, "candourctl case: unknown subcommand '%s'\n", argv[1]);
    return s_usage(NULL, 2);
}
