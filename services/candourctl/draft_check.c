/* draft_check.c - `candourctl check REF`: the quality gate's findings on the
 * draft response awaiting signature (F1, F3), as sign-off would judge it now,
 * for the signatory and the case's team to read before anyone signs.
 *
 * Sends CheckDraft to sign-off's internal endpoint as the person acting and
 * prints the GateReport: which version was checked (and its SHA-256, which
 * `candourctl sign --sha256` takes so that the version signed is the one
 * read), then each finding with its place in the letter. The exit code says
 * whether anything blocks, so a script can stop before `sign`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "acting.h"
#include "candour/pbjson.h"
#include "ctl.h"

/* Exit codes of `check`. "No answer" is not 3 here, as ctl_call has it:
 * 3 is kept for "something blocks", as `case-file` uses 3 for a failed
 * check, so that no answer is never read as a verdict. */
enum { S_CLEAR = 0, S_REFUSED = 1, S_USAGE = 2, S_BLOCKS = 3, S_NO_ANSWER = 4 };

static int s_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl check REFERENCE [--as ST_ID] [--json]\n"
            "The quality gate's findings on the draft response awaiting signature (F1, F3):\n"
            "the draft's version and SHA-256, then each finding, BLOCKING (no one may sign\n"
            "until it is put right) or advice (the signatory sees it, and signing over it\n"
            "is recorded), with where it is in the letter. Sign the version you read with\n"
            "`candourctl sign REFERENCE --sha256 HEX`. A signatory, the responsible person,\n"
            "the complaints manager or an investigator of the body may check. Asks signoff\n"
            "(CANDOUR_SIGNOFF_ENDPOINT, default tcp://127.0.0.1:7103).\n"
            "  --json       print the whole reply (or refusal) as JSON\n" CTL_AS_USAGE
            "Exit: 0 nothing blocks signing, 1 refused (e.g. no draft awaiting signature),\n"
            "2 usage, 3 something blocks signing, 4 no answer from signoff.\n");
    return rc;
}

/* Where a finding is: "paragraph 4, sentence 2, key issue K2", or "" for
 * the letter as a whole; into buf. */
static const char *s_place(const Candour__V1__GateFinding *f, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    if (f->paragraph > 0)
        o += (size_t)snprintf(buf, len, "paragraph %d", (int)f->paragraph);
    if (f->paragraph > 0 && f->sentence > 0 && o < len)
        o += (size_t)snprintf(buf + o, len - o, ", sentence %d", (int)f->sentence);
    if (*f->key_issue && o < len)
        snprintf(buf + o, len - o, "%skey issue %s", o ? ", " : "", f->key_issue);
    return buf;
}

/* The report for a person: the version read, the counts, the findings
 * (blocking first, each kind in the gate's order). */
static void s_print(const char *ref, const Candour__V1__GateReport *g)
{
    size_t advice = 0;
    for (size_t i = 0; i < g->n_findings; i++)
        advice += !g->findings[i]->blocking;
    if (g->version > 0)
        printf("draft version %d (SHA-256 %.12s…): %d blocking, %zu advice\n", (int)g->version,
               g->sha256, (int)g->blocking, advice);
    else
        printf("draft (no version: not gated): %d blocking, %zu advice\n", (int)g->blocking,
               advice);
    for (int pass = 1; pass >= 0; pass--)
        for (size_t i = 0; i < g->n_findings; i++) {
            const Candour__V1__GateFinding *f = g->findings[i];
            char place[128];
            if ((int)f->blocking != pass)
                continue;
            s_place(f, place, sizeof place);
            printf("%s %s%s%s%s: %s\n", pass ? "BLOCKING" : "advice", f->check, *place ? " (" : "",
                   place, *place ? ")" : "", f->message);
        }
    if (g->n_chain) {
        printf("signatures (F2):\n");
        for (size_t i = 0; i < g->n_chain; i++)
            printf("  %s\n", g->chain[i]);
    }
    if (g->blocking == 0 && *g->sha256)
        printf("nothing blocks signing; to sign this version:\n"
               "  candourctl sign %s --as ST_ID --sha256 %s\n",
               ref, g->sha256);
    else if (g->blocking > 0)
        printf("not to be signed until %s put right\n",
               g->blocking == 1 ? "the blocking finding is" : "the blocking findings are");
}

int ctl_check(int argc, char **argv)
{
    static struct option opts[] = {{"as", required_argument, 0, 'a'},
                                   {"json", no_argument, 0, 'j'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__CheckDraft cd = CANDOUR__V1__CHECK_DRAFT__INIT;
    const char *as = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a')
            as = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 'h')
            return s_usage(S_CLEAR);
        else
            return s_usage(S_USAGE);
    }
    if (optind != argc - 1)
        return s_usage(S_USAGE);
    cd.complaint_ref = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_CHECK_DRAFT;
    req.check_draft = &cd;
    if (ctl_acting(&req, as, CTL_ACT_CASEWORK, "check") != 0)
        return S_USAGE;
    Candour__V1__Reply *reply = NULL;
    if (ctl_fetch(ctl_endpoint("CANDOUR_SIGNOFF_ENDPOINT", "tcp://127.0.0.1:7103"), &req, &reply) !=
        0)
        return S_NO_ANSWER;
    int rc;
    const Candour__V1__GateReport *g =
        reply->result_case == CANDOUR__V1__REPLY__RESULT_GATE_REPORT ? reply->gate_report : NULL;
    if (reply->error)
        rc = S_REFUSED;
    else if (!g) {
        fprintf(stderr, "candourctl check: unexpected reply from signoff (try --json)\n");
        rc = S_REFUSED;
    } else
        rc = g->blocking > 0 ? S_BLOCKS : S_CLEAR;
    if (json) {
        char *text = cd_pbjson_dumps(&reply->base, 2);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else if (reply->error) {
        ctl_refused(reply->error);
    } else if (g) {
        s_print(cd.complaint_ref, g);
    }
    candour__v1__reply__free_unpacked(reply, NULL);
    return rc;
}
