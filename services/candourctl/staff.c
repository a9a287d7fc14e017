/* staff.c - the staff's steps as candourctl sends them to the services'
 * internal endpoints: record an outcome (investigation), sign (signoff),
 * extend a deadline, decide on a complaint out of time, waive a partner's
 * part (routing). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/pbjson.h"
#include "ctl.h"

/* ---------------------------------------------------------------- outcome, sign */

void ctl_print_done(const Candour__V1__Reply *r)
{
    printf("done\n");
}

int ctl_record_outcome(int argc, char **argv)
{
    static struct option opts[] = {{"outcome", required_argument, 0, 'o'},
                                   {"findings", required_argument, 0, 'f'},
                                   {"by", required_argument, 0, 'b'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__RecordOutcome ro = CANDOUR__V1__RECORD_OUTCOME__INIT;
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
        } else if (c == 'b') {
            ro.recorded_by = optarg;
        } else {
            goto usage;
        }
    }
    if (optind != argc - 1)
        goto usage;
    ro.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_RECORD_OUTCOME;
    req.record_outcome = &ro;
    return ctl_call(ctl_endpoint("CANDOUR_INVESTIGATION_ENDPOINT", "tcp://127.0.0.1:7102"), &req, 0,
                    ctl_print_done);
usage:
    fprintf(stderr, "Usage: candourctl record-outcome REFERENCE --outcome OUTCOME_UPHELD|"
                    "OUTCOME_PARTIALLY_UPHELD|OUTCOME_NOT_UPHELD|OUTCOME_WITHDRAWN\n"
                    "            --findings TEXT --by NAME\n");
    return 2;
}

int ctl_sign(int argc, char **argv)
{
    static struct option opts[] = {{"by", required_argument, 0, 'b'},
                                   {"role", required_argument, 0, 'r'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__SignResponse sr = CANDOUR__V1__SIGN_RESPONSE__INIT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'b')
            sr.signed_by = optarg;
        else if (c == 'r')
            sr.signatory_role = optarg;
        else
            goto usage;
    }
    if (optind != argc - 1)
        goto usage;
    sr.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SIGN;
    req.sign = &sr;
    return ctl_call(ctl_endpoint("CANDOUR_SIGNOFF_ENDPOINT", "tcp://127.0.0.1:7103"), &req, 0,
                    ctl_print_done);
usage:
    fprintf(stderr, "Usage: candourctl sign REFERENCE --by NAME --role ROLE\n");
    return 2;
}

/* ---------------------------------------------------------------- extend */

int ctl_extend(int argc, char **argv)
{
    static struct option opts[] = {{"deadline", required_argument, 0, 'd'},
                                   {"party", required_argument, 0, 'p'},
                                   {"to", required_argument, 0, 't'},
                                   {"agreed-by", required_argument, 0, 'a'},
                                   {"reason", required_argument, 0, 'r'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__ExtendDeadline x = CANDOUR__V1__EXTEND_DEADLINE__INIT;
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
        case 'a':
            x.agreed_by = optarg;
            break;
        case 'r':
            x.reason = optarg;
            break;
        default:
            goto usage;
        }
    }
    if (optind != argc - 1)
        goto usage;
    x.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_EXTEND_DEADLINE;
    req.extend_deadline = &x;
    return ctl_call(ctl_endpoint("CANDOUR_ROUTING_ENDPOINT", "tcp://127.0.0.1:7101"), &req, 0,
                    ctl_print_done);
usage:
    fprintf(stderr,
            "Usage: candourctl extend REFERENCE --to YYYY-MM-DD --agreed-by NAME --reason TEXT\n"
            "            [--deadline response|update|acknowledgement|contribution] [--party ORG]\n"
            "Records a new agreed date (R5); the complainant gets an extension letter.\n");
    return 2;
}

/* ---------------------------------------------------------------- decide */

int ctl_decide(int argc, char **argv)
{
    static struct option opts[] = {
        {"accept", no_argument, 0, 'a'},       {"decline", no_argument, 0, 'd'},
        {"reason", required_argument, 0, 'r'}, {"by", required_argument, 0, 'b'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    Candour__V1__DecideOutOfTime d = CANDOUR__V1__DECIDE_OUT_OF_TIME__INIT;
    int chosen = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            d.accept = 1;
            chosen++;
            break;
        case 'd':
            d.accept = 0;
            chosen++;
            break;
        case 'r':
            d.reason = optarg;
            break;
        case 'b':
            d.decided_by = optarg;
            break;
        default:
            goto usage;
        }
    }
    if (optind != argc - 1 || chosen != 1)
        goto usage;
    d.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_DECIDE_OUT_OF_TIME;
    req.decide_out_of_time = &d;
    return ctl_call(ctl_endpoint("CANDOUR_ROUTING_ENDPOINT", "tcp://127.0.0.1:7101"), &req, 0,
                    ctl_print_done);
usage:
    fprintf(stderr,
            "Usage: candourctl decide REFERENCE --accept|--decline --reason TEXT --by NAME\n"
            "The recorded decision on a complaint made after the 12-month limit (I3).\n");
    return 2;
}

/* ---------------------------------------------------------------- waive */

int ctl_waive(int argc, char **argv)
{
    static struct option opts[] = {{"partner", required_argument, 0, 'p'},
                                   {"reason", required_argument, 0, 'r'},
                                   {"by", required_argument, 0, 'b'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__WaiveContribution w = CANDOUR__V1__WAIVE_CONTRIBUTION__INIT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'p')
            w.partner_org = optarg;
        else if (c == 'r')
            w.reason = optarg;
        else if (c == 'b')
            w.recorded_by = optarg;
        else
            goto usage;
    }
    if (optind != argc - 1)
        goto usage;
    w.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_WAIVE_CONTRIBUTION;
    req.waive_contribution = &w;
    return ctl_call(ctl_endpoint("CANDOUR_ROUTING_ENDPOINT", "tcp://127.0.0.1:7101"), &req, 0,
                    ctl_print_done);
usage:
    fprintf(stderr, "Usage: candourctl waive REFERENCE --partner ORG --reason TEXT --by NAME\n"
                    "The response goes without that partner's part (it declined, or did not\n"
                    "answer); the letter says so (R3). Asks routing (CANDOUR_ROUTING_ENDPOINT).\n");
    return 2;
}
