/* staff.c - the staff's steps as candourctl sends them to the services'
 * internal endpoints: assign the investigator and record an outcome
 * (investigation), sign (signoff),
 * extend a deadline, decide on a complaint out of time, waive a partner's
 * part (routing). Each names the person acting (--as, or CANDOUR_ACTING;
 * acting.h): the services take their name, role and body from the staff
 * directory and record them, so no step says who it is by in free text. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "acting.h"
#include "ctl.h"

/* ---------------------------------------------------------------- outcome, sign */

void ctl_print_done(const Candour__V1__Reply *r)
{
    printf("done\n");
}

static int s_outcome_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl record-outcome REFERENCE --outcome OUTCOME_UPHELD|"
            "OUTCOME_PARTIALLY_UPHELD|\n"
            "            OUTCOME_NOT_UPHELD|OUTCOME_WITHDRAWN --findings TEXT [--as ST_ID]\n"
            "The investigator assigned (or the complaints manager) records what was found.\n"
            "Asks investigation (CANDOUR_INVESTIGATION_ENDPOINT, default"
            " tcp://127.0.0.1:7102).\n" CTL_AS_USAGE);
    return rc;
}

int ctl_record_outcome(int argc, char **argv)
{
    static struct option opts[] = {{"outcome", required_argument, 0, 'o'},
                                   {"findings", required_argument, 0, 'f'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
    const char *as = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'o') {
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(
                &candour__v1__outcome__descriptor, optarg);
            ro.outcome =
                v ? (Candour__V1__Outcome)v->value : CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
        } else if (c == 'f') {
            ro.findings = optarg;
        } else if (c == 'a') {
            as = optarg;
        } else if (c == 'h') {
            return s_outcome_usage(0);
        } else {
            return s_outcome_usage(2);
        }
    }
    if (optind != argc - 1)
        return s_outcome_usage(2);
    ro.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME;
    req.record_outcome = &ro;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "record-outcome") != 0)
        return 2;
    return ctl_call(ctl_endpoint("CANDOUR_INVESTIGATION_ENDPOINT", "tcp://127.0.0.1:7102"), &req, 0,
                    ctl_print_done);
}

static int s_sign_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl sign REFERENCE [--as ST_ID] [--sha256 HEX]\n"
            "The responsible person, or a signatory authorised for the body (F2), signs the\n"
            "response; the letter names them as the directory has them. Asks signoff\n"
            "(CANDOUR_SIGNOFF_ENDPOINT, default tcp://127.0.0.1:7103).\n" CTL_AS_USAGE
            "  --sha256 HEX the SHA-256 of the draft version you read (from `candourctl\n"
            "               check`): makes sure the version signed is the one read, and\n"
            "               refused if the draft has changed since. Without it, the version\n"
            "               awaiting signature now is signed.\n");
    return rc;
}

int ctl_sign(int argc, char **argv)
{
    static struct option opts[] = {{"as", required_argument, 0, 'a'},
                                   {"sha256", required_argument, 0, 's'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__SignResponse sr = CANDOUR__V1__SIGN_RESPONSE__INIT;
    const char *as = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a')
            as = optarg;
        else if (c == 's')
            sr.draft_sha256 = optarg;
        else if (c == 'h')
            return s_sign_usage(0);
        else
            return s_sign_usage(2);
    }
    if (optind != argc - 1)
        return s_sign_usage(2);
    /* Sign-off compares the hash as it wrote it (lower-case hex); one copied
     * from elsewhere in capitals is the same hash. */
    size_t hex = strspn(sr.draft_sha256, "0123456789abcdefABCDEF");
    if (*sr.draft_sha256 && (hex != 64 || sr.draft_sha256[hex])) {
        fprintf(stderr, "candourctl sign: --sha256 takes the 64 hex digits `candourctl check`"
                        " prints\n");
        return 2;
    }
    for (char *p = sr.draft_sha256; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    sr.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SIGN;
    req.sign = &sr;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "sign") != 0)
        return 2;
    return ctl_call(ctl_endpoint("CANDOUR_SIGNOFF_ENDPOINT", "tcp://127.0.0.1:7103"), &req, 0,
                    ctl_print_done);
}

/* ---------------------------------------------------------------- extend */

static int s_extend_usage(int rc)
{
    fprintf(
        rc ? stderr : stdout,
        "Usage: candourctl extend REFERENCE --to YYYY-MM-DD --agreed-by NAME\n"
        "            --agreed-on YYYY-MM-DD --reason TEXT\n"
        "            [--deadline response|update|acknowledgement|contribution] [--party ORG]\n"
        "            [--as ST_ID]\n"
        "Records a new agreed date (R5); the complainant gets an extension letter.\n"
        "--agreed-by: who agreed it (the complainant, or their representative);\n"
        "--agreed-on: the day they agreed it. A response date beyond six months from\n"
        "receipt stands only if it was agreed before those six months ended.\n"
        "Asks routing (CANDOUR_ROUTING_ENDPOINT, default tcp://127.0.0.1:7101).\n" CTL_AS_USAGE);
    return rc;
}

int ctl_extend(int argc, char **argv)
{
    static struct option opts[] = {{"deadline", required_argument, 0, 'd'},
                                   {"party", required_argument, 0, 'p'},
                                   {"to", required_argument, 0, 't'},
                                   {"agreed-by", required_argument, 0, 'g'},
                                   {"reason", required_argument, 0, 'r'},
                                   {"as", required_argument, 0, 'a'},
                                   {"agreed-on", required_argument, 0, 'o'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__ExtendDeadline x = CANDOUR__V1__EXTEND_DEADLINE__INIT;
    const char *as = NULL;
    x.deadline = "response";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            x.deadline = optarg;
            break;
        case 'p':
            x.party = optarg;
            break;
        case 't':
            x.new_due = optarg;
            break;
        case 'g':
            x.agreed_by = optarg;
            break;
        case 'o':
            x.agreed_on = optarg;
            break;
        case 'r':
            x.reason = optarg;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            return s_extend_usage(0);
        default:
            return s_extend_usage(2);
        }
    }
    if (optind != argc - 1)
        return s_extend_usage(2);
    x.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_EXTEND_DEADLINE;
    req.extend_deadline = &x;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "extend") != 0)
        return 2;
    return ctl_call(ctl_endpoint("CANDOUR_ROUTING_ENDPOINT", "tcp://127.0.0.1:7101"), &req, 0,
                    ctl_print_done);
}

/* ---------------------------------------------------------------- decide */

static int s_decide_usage(int rc)
{
    fprintf(
        rc ? stderr : stdout,
        "Usage: candourctl decide REFERENCE --accept|--decline --reason TEXT [--as ST_ID]\n"
        "The recorded decision on a complaint made after the 12-month limit (I3).\n"
        "Asks routing (CANDOUR_ROUTING_ENDPOINT, default tcp://127.0.0.1:7101).\n" CTL_AS_USAGE);
    return rc;
}

int ctl_decide(int argc, char **argv)
{
    static struct option opts[] = {
        {"accept", no_argument, 0, 'y'},       {"decline", no_argument, 0, 'n'},
        {"reason", required_argument, 0, 'r'}, {"as", required_argument, 0, 'a'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    Candour__V1__DecideOutOfTime d = CANDOUR__V1__DECIDE_OUT_OF_TIME__INIT;
    const char *as = NULL;
    int chosen = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'y':
            d.accept = 1;
            chosen++;
            break;
        case 'n':
            d.accept = 0;
            chosen++;
            break;
        case 'r':
            d.reason = optarg;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            return s_decide_usage(0);
        default:
            return s_decide_usage(2);
        }
    }
    if (optind != argc - 1 || chosen != 1)
        return s_decide_usage(2);
    d.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_DECIDE_OUT_OF_TIME;
    req.decide_out_of_time = &d;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "decide") != 0)
        return 2;
    return ctl_call(ctl_endpoint("CANDOUR_ROUTING_ENDPOINT", "tcp://127.0.0.1:7101"), &req, 0,
                    ctl_print_done);
}

/* ---------------------------------------------------------------- waive */

static int s_waive_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl waive REFERENCE --partner ORG --reason TEXT [--as ST_ID]\n"
            "The response goes without that partner's part (it declined, or did not\n"
            "answer); the letter says so (R3). The complaints manager decides. Asks routing\n"
            "(CANDOUR_ROUTING_ENDPOINT, default tcp://127.0.0.1:7101).\n" CTL_AS_USAGE);
    return rc;
}

int ctl_waive(int argc, char **argv)
{
    static struct option opts[] = {{"partner", required_argument, 0, 'p'},
                                   {"reason", required_argument, 0, 'r'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__WaiveContribution w = CANDOUR__V1__WAIVE_CONTRIBUTION__INIT;
    const char *as = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'p')
            w.partner_org = optarg;
        else if (c == 'r')
            w.reason = optarg;
        else if (c == 'a')
            as = optarg;
        else if (c == 'h')
            return s_waive_usage(0);
        else
            return s_waive_usage(2);
    }
    if (optind != argc - 1)
        return s_waive_usage(2);
    w.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_WAIVE_CONTRIBUTION;
    req.waive_contribution = &w;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "waive") != 0)
        return 2;
    return ctl_call(ctl_endpoint("CANDOUR_ROUTING_ENDPOINT", "tcp://127.0.0.1:7101"), &req, 0,
                    ctl_print_done);
}

/* ---------------------------------------------------------------- assign (V1) */

static int s_assign_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl assign REFERENCE --investigator ST_ID [--as ST_ID]\n"
            "The complaints manager names the complaint's investigator (V1): of the body\n"
            "handling it, an investigator in its directory, and not named in the complaint\n"
            "nor of a team it is about. Asks investigation (CANDOUR_INVESTIGATION_ENDPOINT,\n"
            "default tcp://127.0.0.1:7102).\n" CTL_AS_USAGE);
    return rc;
}

int ctl_assign(int argc, char **argv)
{
    static struct option opts[] = {{"investigator", required_argument, 0, 'i'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__AssignInvestigator a = CANDOUR__V1__ASSIGN_INVESTIGATOR__INIT;
    const char *as = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'i')
            a.investigator = optarg;
        else if (c == 'a')
            as = optarg;
        else if (c == 'h')
            return s_assign_usage(0);
        else
            return s_assign_usage(2);
    }
    if (optind != argc - 1)
        return s_assign_usage(2);
    a.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_ASSIGN_INVESTIGATOR;
    req.assign_investigator = &a;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "assign") != 0)
        return 2;
    return ctl_call(ctl_endpoint("CANDOUR_INVESTIGATION_ENDPOINT", "tcp://127.0.0.1:7102"), &req, 0,
                    ctl_print_done);
}
