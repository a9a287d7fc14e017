/* casework.h - `candourctl case`: casework.c parses the options and sends
 * the Requests; case_write.c builds those that write the case, case_show.c
 * prints the case as it stands (`case show`). What they share is here. */
#ifndef CANDOURCTL_CASEWORK_H
#define CANDOURCTL_CASEWORK_H

#include <stddef.h>

#include "candour/v1/api.pb-c.h"

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
    char **names;           /* withhold: --name, each (argc long) */
    size_t n_names;         /* how many --name */
    int none;               /* withhold: --none (clear the list) */
    const char *number;     /* action-done: --number (with --date) */
    const char *ref;        /* the complaint's reference (the one operand) */
} ctl_case_opts_t;

/* casework.c: the usage of `case sub` (NULL: of every subcommand), on
 * stdout for --help (rc 0), else on stderr; returns rc. */
int ctl_case_usage(const char *sub, int rc);
/* casework.c: name who acts and send req to investigation; the exit code
 * (ctl_call's, or 2 when no one is named). */
int ctl_case_send(Candour__V1__Request *req, const ctl_case_opts_t *o, const char *cmd,
                  void (*print)(const Candour__V1__Reply *));
/* casework.c: the reply is of the kind wanted; else says so (a reply this
 * build cannot show). */
int ctl_case_is(const Candour__V1__Reply *r, Candour__V1__Reply__ResultCase want);
/* casework.c: "label  value" when value is not empty. */
void ctl_case_line(int indent, const char *label, const char *value);

/* case_write.c: `case plan|issues|evidence|findings|draft|edit|withhold
 * REF`; each the exit code. */
int ctl_case_plan(ctl_case_opts_t *o);
int ctl_case_issues(ctl_case_opts_t *o);
int ctl_case_evidence(ctl_case_opts_t *o);
int ctl_case_findings(ctl_case_opts_t *o);
int ctl_case_draft(ctl_case_opts_t *o);
int ctl_case_edit(ctl_case_opts_t *o);
int ctl_case_withhold(ctl_case_opts_t *o);
/* case_write.c: `case action-done REF --number N --date D`; the exit code. */
int ctl_case_action_done(ctl_case_opts_t *o);
/* case_show.c: `case show REF`; the exit code. */
int ctl_case_show(ctl_case_opts_t *o);

#endif
