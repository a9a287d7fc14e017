/* test_priority.c - on a busy host a receipt does not wait for a CPU behind
 * work that can wait: reporting runs at a lower CPU priority (CANDOUR_NICE,
 * default 5), notify's letter threads lower still (CANDOUR_LETTER_NICE,
 * default 10), intake and notify's own loop at 0; CANDOUR_NICE sets it. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/client.h"
#include "harness.h"

/* The nice value of a thread (/proc/PID/task/TID/stat, field 19), or -99. */
static int s_nice_of(int pid, const char *tid)
{
    char path[128], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/task/%s/stat", pid, tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -99;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command may hold spaces */
    if (!p)
        return -99;
    int field = 2, nice = -99;
    for (char *t = strtok(p + 1, " "); t; t = strtok(NULL, " "))
        if (++field == 19) {
            nice = atoi(t);
            break;
        }
    return nice;
}

static int s_main_nice(int pid)
{
    char tid[32];
    snprintf(tid, sizeof tid, "%d", pid);
    return s_nice_of(pid, tid);
}

/* The highest nice among a process's threads. */
static int s_max_nice(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    int max = -99;
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') {
            int n = s_nice_of(pid, e->d_name);
            if (n > max)
                max = n;
        }
    if (d)
        closedir(d);
    return max;
}

Test(priority, work_that_can_wait_runs_below_receipts, .timeout = 90)
{
    h_t *h = h_new("priority");
    h_org(h, "ICB-PR");
    cr_assert_eq(h_start_all(h), 0);
    cr_assert_eq(s_main_nice(h_pid(h, "intake")), 0);
    cr_assert_eq(s_max_nice(h_pid(h, "intake")), 0, "no thread of intake runs lower");
    cr_assert_eq(s_main_nice(h_pid(h, "reporting")), 5);
    cr_assert_eq(s_main_nice(h_pid(h, "notify")), 0);

    /* A letter typeset and delivered: by a thread at nice 10. */
    cd_client_t *c = h_client(h, "ICB-PR");
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Ada Reyes";
    p.email = "ada@example.org";
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.external_ref = "PR-1";
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    comp.complainant = &p;
    comp.description = "Nobody called me back about my test results.";
    Candour__V1__SubmitComplaint sub = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    sub.complaint = &comp;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &sub;
    Candour__V1__Reply *r = NULL;
    char err[256], ref[64];
    cr_assert_eq(cd_client_call(c, &req, 10000, &r, err, sizeof err), 0, "%s", err);
    snprintf(ref, sizeof ref, "%s", r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    cd_client_destroy(&c);
    const char *pr[1] = {ref};
    cr_assert(h_wait_for(h,
                         "SELECT (delivered_at IS NOT NULL)::text FROM notify.letter"
                         " WHERE reference = $1",
                         1, pr, "true", 15000));
    cr_assert_eq(s_max_nice(h_pid(h, "notify")), 10);
    cr_assert_eq(s_main_nice(h_pid(h, "notify")), 0, "notify's loop keeps its priority");

    /* The setting. */
    cr_assert_eq(h_stop(h, "intake"), 0);
    h_setenv(h, "CANDOUR_NICE", "3");
    cr_assert_eq(h_start(h, "intake"), 0);
    cr_assert_eq(s_main_nice(h_pid(h, "intake")), 3);
    cr_assert_eq(h_destroy(&h), 0);
}
