/* report_cmd.c - `candourctl report`: one report of a body over a period,
 * asked of reporting (GetReport on CANDOUR_REPORTING_ENDPOINT) as a person
 * of the directory (--as), written to a file or to stdout. The report is
 * the service's: no counting here. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acting.h"
#include "ctl.h"

#define S_USAGE_TEXT                                                                               \
    "Usage: candourctl report REPORT --org ORG --from YYYY-MM-DD --to YYYY-MM-DD\n"                \
    "                         [--format json|csv|html|pdf] [--out FILE] [--as ST_ID]\n"            \
    "REPORT: quarterly, annual (regulation 18), ko41a, ko41b (json or csv), benchmark, spc (XmR\n" \
    "charts of the 24 months to --to: the total and each subject and service area).\n"             \
    "The period's days are both included. Counts from 1 to 4 are suppressed in every report\n"     \
    "but the KO41 returns. The person acting must be an analyst, complaints manager or\n"          \
    "responsible person of ORG. Uses CANDOUR_REPORTING_ENDPOINT (default\n"                        \
    "tcp://127.0.0.1:7106).\n" CTL_AS_USAGE

static int s_usage(int rc)
{
    fputs(S_USAGE_TEXT, rc ? stderr : stdout);
    return rc;
}

int ctl_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"org", required_argument, 0, 'o'}, {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},  {"format", required_argument, 0, 'F'},
        {"out", required_argument, 0, 'O'}, {"as", required_argument, 0, 'a'},
        {"help", no_argument, 0, 'h'},      {0, 0, 0, 0},
    };
    Candour__V1__GetReport g = CANDOUR__V1__GET_REPORT__INIT;
    const char *out = NULL, *as = NULL;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (c) {
        case 'o':
            g.org_id = optarg;
            break;
        case 'f':
            g.from = optarg;
            break;
        case 't':
            g.to = optarg;
            break;
        case 'F':
            g.format = optarg;
            break;
        case 'O':
            out = optarg;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            return s_usage(0);
        default:
            return s_usage(2);
        }
    }
    if (optind != argc - 1 || !g.org_id[0] || !g.from[0] || !g.to[0])
        return s_usage(2);
    g.report = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_REPORT;
    req.get_report = &g;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "report") != 0)
        return 2;
    Candour__V1__Reply *reply = NULL;
    if (ctl_fetch(ctl_endpoint("CANDOUR_REPORTING_ENDPOINT", "tcp://127.0.0.1:7106"), &req,
                  &reply) != 0)
        return 3;
    int rc = 0;
    if (reply->error)
        rc = ctl_refused(reply->error);
    else if (reply->result_case != CANDOUR__V1__REPLY__RESULT_ATTACHMENT) {
        fprintf(stderr, "candourctl report: unexpected reply from reporting\n");
        rc = 1;
    } else {
        const ProtobufCBinaryData *b = &reply->attachment->content;
        FILE *fp = out ? fopen(out, "wb") : stdout;
        if (!fp || fwrite(b->data, 1, b->len, fp) != b->len || (out && fclose(fp) != 0)) {
            fprintf(stderr, "candourctl report: cannot write %s\n", out ? out : "stdout");
            rc = 1;
        } else if (out)
            fprintf(stderr, "%s: %zu bytes (%s)\n", out, b->len, reply->attachment->media_type);
    }
    candour__v1__reply__free_unpacked(reply, NULL);
    return rc;
}
