/* case_write.c - the subcommands of `candourctl case` that write the case
 * (plan, issues, evidence, findings, draft, edit, withhold, action-done):
 * each one's Request built from its options and files, and its Reply shown.
 * casework.c parses the options and sends the request (casework.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/errcode.h"
#include "candour/pbjson.h"
#include "casework.h"

/* A request is at most 1 MiB on the wire, so an attachment over that could
 * never arrive; investigation's own limit is lower still (attachment.h). */
#define S_ATTACH_MAX 1048576
/* A JSON or text file is read whole; past this it is not a case's record
 * but a mistake (the wrong file), and reading it would only waste memory. */
#define S_FILE_MAX (4 * 1048576)

/* ---------------------------------------------------------------- files */

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
/* ---------------------------------------------------------------- plan */

static void s_print_plan(const Candour__V1__Reply *r)
{
    printf("plan recorded\n");
}

int ctl_case_plan(ctl_case_opts_t *o)
{
    if (!o->grading)
        return ctl_case_usage("plan", 2);
    Candour__V1__SetPlan p = CANDOUR__V1__SET_PLAN__INIT;
    p.complaint_ref = (char *)o->ref;
    p.grading = (char *)o->grading;
    p.steps = o->steps;
    p.n_steps = o->n_steps;
    p.reason = (char *)(o->reason ? o->reason : "");
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SET_PLAN;
    req.set_plan = &p;
    return ctl_case_send(&req, o, "plan", s_print_plan);
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

int ctl_case_issues(ctl_case_opts_t *o)
{
    if (!!o->file == !!o->n_issues) {
        fprintf(stderr, "candourctl case issues: give --issue (one or more), or --file\n");
        return ctl_case_usage("issues", 2);
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
    rc = ctl_case_send(&req, o, "issues", s_print_issues);
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
    if (!ctl_case_is(r, CANDOUR__V1__REPLY__RESULT_EVIDENCE))
        return;
    const Candour__V1__Evidence *e = r->evidence;
    printf("evidence %d recorded\n", e->number);
    ctl_case_line(0, "recorded by", e->recorded_by);
    if (!e->attachment)
        return;
    const Candour__V1__Attachment *a = e->attachment;
    char size[32];
    snprintf(size, sizeof size, "%" PRIu64 " bytes", a->size);
    ctl_case_line(0, "attachment", a->filename);
    ctl_case_line(0, "sha256", a->sha256);
    ctl_case_line(0, "size", size);
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

int ctl_case_evidence(ctl_case_opts_t *o)
{
    if (o->media_type && !o->attach) {
        fprintf(stderr, "candourctl case evidence: --media-type is the --attach file's\n");
        return ctl_case_usage("evidence", 2);
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
    int rc = ctl_case_send(&req, o, "evidence", s_print_evidence);
    free(bytes);
    return rc;
}

/* ---------------------------------------------------------------- findings */

static void s_print_findings(const Candour__V1__Reply *r)
{
    printf("findings recorded\n");
}

int ctl_case_findings(ctl_case_opts_t *o)
{
    if (!o->file)
        return ctl_case_usage("findings", 2);
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
    rc = ctl_case_send(&req, o, "findings", s_print_findings);
    f->complaint_ref = theirs;
    protobuf_c_message_free_unpacked(&f->base, NULL);
    return rc;
}

/* ---------------------------------------------------------------- draft, edit */

static void s_print_version(const Candour__V1__DraftVersion *d)
{
    printf("version        %d (%s)\n", d->version,
           d->assembled ? "assembled from the case" : "edited");
    ctl_case_line(0, "sha256", d->sha256);
    ctl_case_line(0, "made by", d->made_by);
    ctl_case_line(0, "made at", d->made_at);
}

static void s_print_draft(const Candour__V1__Reply *r)
{
    if (!ctl_case_is(r, CANDOUR__V1__REPLY__RESULT_DRAFT))
        return;
    s_print_version(r->draft);
    printf("\n%s", r->draft->text);
    size_t n = strlen(r->draft->text);
    if (n && r->draft->text[n - 1] != '\n')
        printf("\n");
}

int ctl_case_draft(ctl_case_opts_t *o)
{
    Candour__V1__DraftResponse d = CANDOUR__V1__DRAFT_RESPONSE__INIT;
    d.complaint_ref = (char *)o->ref;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_DRAFT_RESPONSE;
    req.draft_response = &d;
    return ctl_case_send(&req, o, "draft", s_print_draft);
}

int ctl_case_edit(ctl_case_opts_t *o)
{
    if (!o->based_on || !o->file)
        return ctl_case_usage("edit", 2);
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
    int rc = ctl_case_send(&req, o, "edit", s_print_draft);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- withhold */

static void s_print_withheld(const Candour__V1__Reply *r)
{
    printf("names withheld recorded\n");
}

/* The list is replaced whole, so clearing it is said in so many words
 * (--none): a forgotten --name must not wipe the list unnoticed. */
int ctl_case_withhold(ctl_case_opts_t *o)
{
    if (!o->none == !o->n_names) {
        fprintf(stderr, "candourctl case withhold: give --name (one or more), or --none\n");
        return ctl_case_usage("withhold", 2);
    }
    Candour__V1__SetWithheld w = CANDOUR__V1__SET_WITHHELD__INIT;
    w.complaint_ref = (char *)o->ref;
    w.names = o->names;
    w.n_names = o->n_names;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_SET_WITHHELD;
    req.set_withheld = &w;
    return ctl_case_send(&req, o, "withhold", s_print_withheld);
}

/* ---------------------------------------------------------------- action-done */

static void s_print_action_done(const Candour__V1__Reply *r)
{
    printf("action marked done\n");
}

int ctl_case_action_done(ctl_case_opts_t *o)
{
    char *end = NULL;
    long n = o->number ? strtol(o->number, &end, 10) : 0;
    if (!o->number || !o->number[0] || *end || n < 1 || n > INT32_MAX || !o->date) {
        fprintf(stderr, "candourctl case action-done: give --number N (the action's, from 1) and"
                        " --date YYYY-MM-DD\n");
        return ctl_case_usage("action-done", 2);
    }
    Candour__V1__MarkActionDone m = CANDOUR__V1__MARK_ACTION_DONE__INIT;
    m.complaint_ref = (char *)o->ref;
    m.number = (int32_t)n;
    m.done_on = (char *)o->date;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_MARK_ACTION_DONE;
    req.mark_action_done = &m;
    return ctl_case_send(&req, o, "action-done", s_print_action_done);
}
