/* clocks.c - keeping the complainant informed (R5), as candourctl sends it
 * to routing's internal endpoint: a progress update, and why the response
 * is late. Each names the person acting (--as, or CANDOUR_ACTING). */
#include <getopt.h>
#include <stdio.h>

#include "acting.h"
#include "ctl.h"

#define S_ROUTING ctl_endpoint("CANDOUR_ROUTING_ENDPOINT", "tcp://127.0.0.1:7101")

static int s_progress_usage(int rc)
{
    fprintf(
        rc ? stderr : stdout,
        "Usage: candourctl progress REFERENCE --text TEXT [--as ST_ID]\n"
        "Sends the complainant a progress update (R5), signed by the person acting\n"
        "(the complaints manager or an investigator of the body handling it). The next\n"
        "update falls due at the body's cadence; if none is written by then, Candour\n"
        "sends its standard update.\n"
        "Asks routing (CANDOUR_ROUTING_ENDPOINT, default tcp://127.0.0.1:7101).\n" CTL_AS_USAGE);
    return rc;
}

int ctl_progress(int argc, char **argv)
{
    static struct option opts[] = {{"text", required_argument, 0, 't'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__SendProgressUpdate p = CANDOUR__V1__SEND_PROGRESS_UPDATE__INIT;
    const char *as = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            p.text = optarg;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            return s_progress_usage(0);
        default:
            return s_progress_usage(2);
        }
    }
    if (optind != argc - 1)
        return s_progress_usage(2);
    p.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SEND_PROGRESS_UPDATE;
    req.send_progress_update = &p;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "progress") != 0)
        return 2;
    return ctl_call(S_ROUTING, &req, 0, ctl_print_done);
}

static int s_late_usage(int rc)
{
    fprintf(
        rc ? stderr : stdout,
        "Usage: candourctl late REFERENCE --reason TEXT --expected-by YYYY-MM-DD [--as ST_ID]\n"
        "Records why the response is late and when it can now be expected (Regs reg. 14).\n"
        "Once the due date has passed the complainant is written to at once; recorded\n"
        "before, the letter goes when the date passes. Once per due date: a new date\n"
        "agreed with the complainant is an extension (candourctl extend).\n"
        "Asks routing (CANDOUR_ROUTING_ENDPOINT, default tcp://127.0.0.1:7101).\n" CTL_AS_USAGE);
    return rc;
}

int ctl_late(int argc, char **argv)
{
    static struct option opts[] = {{"reason", required_argument, 0, 'r'},
                                   {"expected-by", required_argument, 0, 'e'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__ExplainLateResponse x = CANDOUR__V1__EXPLAIN_LATE_RESPONSE__INIT;
    const char *as = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            x.reason = optarg;
            break;
        case 'e':
            x.expected_by = optarg;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            return s_late_usage(0);
        default:
            return s_late_usage(2);
        }
    }
    if (optind != argc - 1)
        return s_late_usage(2);
    x.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_EXPLAIN_LATE_RESPONSE;
    req.explain_late_response = &x;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "late") != 0)
        return 2;
    return ctl_call(S_ROUTING, &req, 0, ctl_print_done);
}
