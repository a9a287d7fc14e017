/* requests.c - the staff API's reads of a complaint's letters, on notify's
 * internal endpoint: ListLetters (each letter's kind, channel, state, tries
 * and times; no text) and GetLetter (one letter as the PDF the complainant
 * gets).
 *
 * Who: the complaints manager, an investigator, a signatory or the
 * responsible person of the complaint's body (notify.recipient.org_id), as
 * notify's copy of the directory has them (notify.staff). A person who may
 * read no complaint's letters is refused PERMISSION_DENIED whatever the
 * reference; another body's complaint is NOT_FOUND, the same answer as a
 * reference notify never heard of (cd_actor_may_read, pure).
 *
 * GetLetter answers with the spool's PDF of the letter, the very file the
 * print hot folder and the email's attachment were made from, when it is
 * there; a letter not yet delivered (or a spool moved since) is typeset
 * afresh from what that file is made of (its text, its letterhead, large
 * print when the recipient's access needs, as they are now, ask:
 * nt_letter_pdf). A PDF typeset again is the same letter but not the same
 * bytes: cairo stamps each with its creation time. Both the read and the
 * typesetting run on libuv's thread pool, as the spool's do, so the loop is
 * not held up.
 *
 * Every read is logged (letters.listed, letter.read) with the reference, the
 * letter id for one letter, and the reader's staff id: no names. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/digest.h"
#include "candour/directory.h"
#include "candour/log.h"
#include "candour/util.h"
#include "notify.h"
#include "pdf.h"

#define S_READERS                                                                                  \
    (CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_INVESTIGATOR | CD_ROLE_SIGNATORY |                       \
     CD_ROLE_RESPONSIBLE_PERSON)
#define S_TS(col)                                                                                  \
    "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
#define S_AGAIN "could not be read just now; ask again"

/* Each op's transaction: the person acting, the complaint's body (0 or 1
 * row), then the op's own rows. */
enum { S_WHO, S_ORG, S_ROWS };

int nt_letter_pdf(const char *reference, const char *body, const char *head, int large_print,
                  unsigned char **out, size_t *len, char *err, size_t errlen)
{
    /* As spool.c stages a letter's PDF: the text as it is kept, the
     * letterhead atop page 1. */
    nt_pdf_opts_t o = {.reference = reference, .large_print = large_print, .org_name = head};
    return nt_pdf_render(body, &o, out, len, err, errlen);
}

/* ---------------------------------------------------------------- common */

/* The request as far as it can be judged without the database: someone
 * named, a reference given. 0, or -1 answered. */
static int s_precheck(cd_request_t *req, const char *ref, const char *ref_field)
{
    if (!cd_request_acting(req)[0]) {
        cd_fail_t why;
        cd_actor_may(NULL, "", "", 0, "acting", &why);
        cd_request_fail(req, why.code, why.field, why.message);
        return -1;
    }
    if (!ref[0] || strlen(ref) > 64) {
        cd_request_fail(req, CD_CODE_INVALID_ARGUMENT, ref_field,
                        "give the complaint's reference, e.g. CDR-7K4M-9QXT");
        return -1;
    }
    return 0;
}

/* The transaction of S_WHO and S_ORG for ref; the caller adds S_ROWS. NULL
 * when out of memory. */
static cd_tx_t *s_tx(const cd_op_t *op, const char *ref)
{
    char who[512];
    cd_actor_sql("notify", who, sizeof who);
    cd_tx_t *tx = cd_tx_new();
    if (!tx)
        return NULL;
    const char *va[1] = {cd_request_acting(op->req)}, *vr[1] = {ref};
    cd_tx_add(tx, who, 1, va);
    cd_tx_add(tx, "SELECT org_id FROM notify.recipient WHERE reference = $1", 1, vr);
    return tx;
}

/* The person acting against the complaint's body, from the transaction's
 * results: 0, or -1 answered (op freed). */
static int s_check(cd_op_t *op, const cd_tx_result_t *res, const char *ref_field)
{
    if (res->err) {
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", S_AGAIN);
        return -1;
    }
    const PGresult *who = res->results[S_WHO], *org = res->results[S_ORG];
    cd_actor_t a;
    int found = PQntuples(who) == 1;
    if (found && cd_actor_from_row(who, 0, 0, &a) != 0) {
        cd_actor_clear(&a);
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", S_AGAIN);
        return -1;
    }
    cd_fail_t why = {0};
    int rc = cd_actor_may_read(found ? &a : NULL, cd_request_acting(op->req),
                             PQntuples(org) == 1 ? PQgetvalue(org, 0, 0) : NULL, S_READERS,
                             ref_field, &why);
    if (found)
        cd_actor_clear(&a);
    if (rc != 0)
        cd_op_fail(op, why.code, why.field, why.message);
    return rc;
}

/* ---------------------------------------------------------------- ListLetters */

#define S_LIST_REF "list_letters.complaint_ref"

enum { L_ID, L_KIND, L_CHANNEL, L_STATE, L_CREATED, L_DELIVERED, L_FAILED, L_TRIES, L_NOT_SENT };

static void s_on_list(const cd_tx_result_t *res, void *arg)
{
    cd_op_t *op = arg;
    if (s_check(op, res, S_LIST_REF) != 0)
        return;
    const PGresult *r = res->results[S_ROWS];
    int n = PQntuples(r);
    Candour__V1__LetterInfo *infos = calloc((size_t)n + 1, sizeof *infos);
    Candour__V1__LetterInfo **ptrs = calloc((size_t)n + 1, sizeof *ptrs);
    if (!infos || !ptrs) {
        free(infos);
        free(ptrs);
        cd_op_fail(op, CD_CODE_UNAVAILABLE, "", S_AGAIN);
        return;
    }
    for (int i = 0; i < n; i++) {
        Candour__V1__LetterInfo *l = &infos[i];
        candour__v1__letter_info__init(l);
        l->letter_id = PQgetvalue(r, i, L_ID);
        l->kind = PQgetvalue(r, i, L_KIND);
        l->channel = PQgetvalue(r, i, L_CHANNEL);
        l->state = PQgetvalue(r, i, L_STATE);
        l->created_at = PQgetvalue(r, i, L_CREATED);
        l->delivered_at = PQgetvalue(r, i, L_DELIVERED);
        l->failed_at = PQgetvalue(r, i, L_FAILED);
        l->attempts = atoi(PQgetvalue(r, i, L_TRIES));
        l->not_sent = PQgetvalue(r, i, L_NOT_SENT);
        ptrs[i] = l;
    }
    const Candour__V1__ListLetters *q = (const Candour__V1__ListLetters *)op->msg;
    cd_log_info("letters.listed", "{s:s, s:s, s:i}", "reference", q->complaint_ref, "staff_id",
                cd_request_acting(op->req), "letters", n);
    Candour__V1__LetterList list = CANDOUR__V1__LETTER_LIST__INIT;
    list.letters = ptrs;
    list.n_letters = (size_t)n;
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_LETTER_LIST;
    reply.letter_list = &list;
    cd_op_reply(op, &reply);
    free(ptrs);
    free(infos);
}

void nt_list_letters(cd_request_t *req, const Candour__V1__ListLetters *l, nt_app_t *app)
{
    if (s_precheck(req, l->complaint_ref, S_LIST_REF) != 0)
        return;
    cd_op_t *op = cd_op_new(req, &l->base);
    if (!op) /* answered INTERNAL */
        return;
    cd_tx_t *tx = s_tx(op, l->complaint_ref);
    const char *v[1] = {l->complaint_ref};
    if (tx)
        cd_tx_add(tx,
                  "SELECT letter_id::text, kind, channel, state, " S_TS(
                      "created_at") ","
                                    " " S_TS("delivered_at") ", " S_TS(
                                        "failed_at") ", attempts::text,"
                                                     " coalesce(not_sent, '') FROM notify.letter "
                                                     "WHERE reference = $1"
                                                     " ORDER BY created_at, kind",
                  1, v);
    cd_db_submit(cd_service_db(app->svc), tx, s_on_list, op); /* a NULL tx fails: UNAVAILABLE */
}

/* ---------------------------------------------------------------- GetLetter */

#define S_GET_REF "get_letter.complaint_ref"
#define S_GET_ID "get_letter.letter_id"

enum { G_KIND, G_BODY, G_HEAD, G_LARGE, G_SPOOL };

/* The most of a spool's PDF read back: far above any letter, far below the
 * bus's cap on a reply. A larger file is typeset afresh instead. */
#define S_PDF_MAX (8 * 1024 * 1024)

/* One GetLetter from its read to its reply: what the thread pool's
 * typesetting needs, copied out of the read's result. */
typedef struct {
    uv_work_t work;     /* the thread pool's; work.data is this */
    nt_app_t *app;      /* the daemon: its database and its loop */
    cd_op_t *op;        /* the request, answered once the PDF is made */
    char *kind;         /* the letter's kind, its file's name (owned) */
    char *body;         /* its text as kept (owned) */
    char *head;         /* its letterhead, "" none (owned) */
    int large_print;    /* the recipient's access needs ask for large print */
    char *pdf_path;     /* the spool's PDF of it, "" none yet (owned) */
    int from_spool;     /* out: the PDF is the spool's file, not typeset here */
    unsigned char *pdf; /* out: the PDF (malloc'd by pdf.c) */
    size_t len;         /* out: its size */
    int rc;             /* out: nt_letter_pdf's */
    char err[200];      /* out: why it could not be typeset */
} s_job_t;

static void s_job_free(s_job_t *j)
{
    free(j->kind);
    free(j->body);
    free(j->head);
    free(j->pdf_path);
    free(j->pdf);
    free(j);
}

/* The whole of the spool's PDF at path into j: 0, or -1 (none there, not
 * readable, too large, not a PDF) with j->pdf NULL. Blocking. */
static int s_read_spool(s_job_t *j, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    struct stat st;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 5 &&
             st.st_size <= S_PDF_MAX && (j->pdf = malloc((size_t)st.st_size)) != NULL;
    size_t off = 0;
    while (ok && off < (size_t)st.st_size) {
        ssize_t n = read(fd, j->pdf + off, (size_t)st.st_size - off);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        off += ok ? (size_t)n : 0;
    }
    close(fd);
    if (!ok || memcmp(j->pdf, "%PDF-", 5) != 0) {
        free(j->pdf);
        j->pdf = NULL;
        return -1;
    }
    j->len = off;
    return 0;
}

/* The spool's PDF when it is there: the very bytes the complainant got (a
 * PDF typeset again differs from it, if only by its creation date). Else,
 * a letter not yet delivered or a spool moved since, typeset here. */
static void s_render(uv_work_t *w)
{
    s_job_t *j = w->data;
    const Candour__V1__GetLetter *g = (const Candour__V1__GetLetter *)j->op->msg;
    if (j->pdf_path[0] && s_read_spool(j, j->pdf_path) == 0) {
        j->from_spool = 1;
        j->rc = 0;
        return;
    }
    j->rc = nt_letter_pdf(g->complaint_ref, j->body, j->head, j->large_print, &j->pdf, &j->len,
                          j->err, sizeof j->err);
}

static void s_rendered(uv_work_t *w, int status)
{
    s_job_t *j = w->data;
    const Candour__V1__GetLetter *g = (const Candour__V1__GetLetter *)j->op->msg;
    if (status != 0 || j->rc != 0) {
        /* A letter the delivery round typeset once cannot fail here but by
         * a fault of this build or the host (fonts, memory). */
        cd_log_error("letter.read_failed", "{s:s, s:s, s:s}", "reference", g->complaint_ref,
                     "letter_id", g->letter_id, "reason", status ? uv_strerror(status) : j->err);
        cd_op_fail(j->op, CD_CODE_INTERNAL, "", "the letter could not be typeset");
        s_job_free(j);
        return;
    }
    char sha[CD_SHA256_HEX_LEN + 1], name[256];
    cd_sha256_hex(j->pdf, j->len, sha);
    snprintf(name, sizeof name, "%s.pdf", j->kind);
    Candour__V1__Attachment at = CANDOUR__V1__ATTACHMENT__INIT;
    at.filename = name;
    at.media_type = "application/pdf";
    at.content.data = j->pdf;
    at.content.len = j->len;
    at.sha256 = sha;
    at.size = (uint64_t)j->len;
    cd_log_info("letter.read", "{s:s, s:s, s:s, s:s}", "reference", g->complaint_ref, "letter_id",
                g->letter_id, "staff_id", cd_request_acting(j->op->req), "from",
                j->from_spool ? "spool" : "typeset");
    Candour__V1__Reply reply = CANDOUR__V1__REPLY__INIT;
    reply.result_case = CANDOUR__V1__REPLY__RESULT_ATTACHMENT;
    reply.attachment = &at;
    cd_op_reply(j->op, &reply);
    s_job_free(j);
}

/* The PDF beside the spool's text file (spool.c: <name>.txt, <name>.pdf),
 * malloc'd; "" when the letter has none yet. */
static char *s_pdf_path(const char *txt)
{
    size_t n = strlen(txt);
    if (n < 4 || strcmp(txt + n - 4, ".txt") != 0)
        return strdup("");
    char *p = strdup(txt);
    if (p)
        memcpy(p + n - 4, ".pdf", 4);
    return p;
}

static void s_on_letter(const cd_tx_result_t *res, void *arg)
{
    s_job_t *j = arg;
    if (s_check(j->op, res, S_GET_REF) != 0) {
        s_job_free(j);
        return;
    }
    const PGresult *r = res->results[S_ROWS];
    if (PQntuples(r) != 1) {
        cd_op_fail(j->op, CD_CODE_NOT_FOUND, S_GET_ID, "the complaint has no letter with that id");
        s_job_free(j);
        return;
    }
    j->kind = strdup(PQgetvalue(r, 0, G_KIND));
    j->body = strdup(PQgetvalue(r, 0, G_BODY));
    j->head = strdup(PQgetvalue(r, 0, G_HEAD));
    j->large_print = PQgetvalue(r, 0, G_LARGE)[0] == 't';
    j->pdf_path = s_pdf_path(PQgetvalue(r, 0, G_SPOOL));
    j->work.data = j;
    int rc = j->kind && j->body && j->head && j->pdf_path
                 ? uv_queue_work(cd_service_loop(j->app->svc), &j->work, s_render, s_rendered)
                 : UV_ENOMEM;
    if (rc != 0) {
        cd_op_fail(j->op, CD_CODE_UNAVAILABLE, "", S_AGAIN);
        s_job_free(j);
    }
}

void nt_get_letter(cd_request_t *req, const Candour__V1__GetLetter *g, nt_app_t *app)
{
    if (s_precheck(req, g->complaint_ref, S_GET_REF) != 0)
        return;
    if (!cd_uuid_ok(g->letter_id)) {
        cd_request_fail(req, CD_CODE_INVALID_ARGUMENT, S_GET_ID,
                        "give the letter's id as ListLetters gives it (a uuid)");
        return;
    }
    s_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        cd_request_fail(req, CD_CODE_INTERNAL, "", "out of memory");
        return;
    }
    j->app = app;
    j->op = cd_op_new(req, &g->base);
    if (!j->op) { /* answered INTERNAL */
        free(j);
        return;
    }
    cd_tx_t *tx = s_tx(j->op, g->complaint_ref);
    const char *v[2] = {g->complaint_ref, g->letter_id};
    /* Large print as the delivery round decides it (deliver.c): the letter's
     * own recipient, else the complainant. */
    if (tx)
        cd_tx_add(tx,
                  "SELECT l.kind, l.body, l.head,"
                  " (coalesce(l.recipient, r.person)->'access_needs'->>'format'"
                  "  IS NOT DISTINCT FROM 'FORMAT_LARGE_PRINT')::text,"
                  " coalesce(l.spool_path, '')"
                  " FROM notify.letter l JOIN notify.recipient r USING (reference)"
                  " WHERE l.reference = $1 AND l.letter_id = $2::uuid",
                  2, v);
    cd_db_submit(cd_service_db(app->svc), tx, s_on_letter, j);
}

/* ---------------------------------------------------------------- dispatch */

void nt_on_request(cd_inbox_t *in, cd_request_t *req, const Candour__V1__Request *r, void *arg)
{
    (void)in;
    switch (r->op_case) {
    case CANDOUR__V1__REQUEST__OP_LIST_LETTERS:
        nt_list_letters(req, r->list_letters, arg);
        return;
    case CANDOUR__V1__REQUEST__OP_GET_LETTER:
        nt_get_letter(req, r->get_letter, arg);
        return;
    default:
        cd_request_fail(req, CD_CODE_UNSUPPORTED, "op",
                        "notify answers the letters' reads: ListLetters, GetLetter");
    }
}
