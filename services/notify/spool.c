/* spool.c - durable writes into the spool, off the event loop.
 *
 * The spool is a directory that the printing and e-mail side collects from:
 * <root>/<reference>/<kind>.txt for letters (and <kind>.pdf for those by
 * post, typeset here, off the loop), <root>/alerts/<name>.txt for alerts. A file appears there
 * whole (renamed into place) and durable (the filesystem flushed), so whatever reads the spool
 * never sees half a letter, and a letter marked delivered survives a power cut.
 *
 * Flushing is slow (tens of milliseconds on a busy disk, more on a network
 * filesystem), so a round's writes run on libuv's thread pool and the loop
 * keeps taking events meanwhile. One syncfs per step rather than one fsync
 * per file: the cost of a round does not grow with its letters. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify.h"
#include "pdf.h"

/* Write len bytes to a new file at path: 0 or an errno (the file removed). */
static int s_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return errno;
    const char *p = data;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int err = w < 0 ? errno : EIO;
            close(fd);
            unlink(path);
            return err;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0) {
        int err = errno;
        unlink(path);
        return err;
    }
    return 0;
}

/* The letter's PDF, typeset from its text, staged at f->pdf_tmp. */
static int s_stage_pdf(const char *dir, nt_spool_file_t *f)
{
    int n = snprintf(f->pdf_path, sizeof f->pdf_path, "%s/%s.pdf", dir, f->name);
    int m = snprintf(f->pdf_tmp, sizeof f->pdf_tmp, "%s/.%s.%s.pdf.tmp", dir, f->name, f->tag);
    if (n < 0 || (size_t)n >= sizeof f->pdf_path || m < 0 || (size_t)m >= sizeof f->pdf_tmp)
        return ENAMETOOLONG;
    unsigned char *pdf = NULL;
    size_t len = 0;
    char why[200];
    nt_pdf_opts_t o = {.reference = f->dir, .large_print = f->large_print, .org_name = f->head};
    if (nt_pdf_render(f->body, &o, &pdf, &len, why, sizeof why) != 0)
        return EINVAL; /* the text cannot be typeset: logged as the letter's failure */
    int err = s_write_file(f->pdf_tmp, pdf, len);
    free(pdf);
    return err;
}

/* Write body to f->tmp, beside f->path (and its PDF, when asked); not yet
 * flushed. */
static int s_stage(const char *root, nt_spool_file_t *f)
{
    char dir[NT_SPOOL_PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s/%s", root, f->dir);
    if (n < 0 || (size_t)n >= sizeof dir)
        return ENAMETOOLONG;
    n = snprintf(f->path, sizeof f->path, "%s/%s.txt", dir, f->name);
    if (n < 0 || (size_t)n >= sizeof f->path)
        return ENAMETOOLONG;
    n = snprintf(f->tmp, sizeof f->tmp, "%s/.%s.%s.tmp", dir, f->name, f->tag);
    if (n < 0 || (size_t)n >= sizeof f->tmp)
        return ENAMETOOLONG;
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return errno;
    if (f->pdf) {
        int err = s_stage_pdf(dir, f);
        if (err)
            return err;
    }
    int err = 0;
    if (f->head && f->head[0]) {
        /* The text as the PDF reads: the letterhead, then the letter. */
        char *text = NULL;
        if (asprintf(&text, "%s\n\n%s", f->head, f->body) < 0)
            err = ENOMEM;
        else
            err = s_write_file(f->tmp, text, strlen(text));
        free(text);
    } else {
        err = s_write_file(f->tmp, f->body, strlen(f->body));
    }
    if (err && f->pdf)
        unlink(f->pdf_tmp);
    return err;
}

/* Flush everything written to the spool's filesystem: 0 or an errno. */
static int s_flush(const char *root)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = syncfs(fd) == 0 ? 0 : errno;
    close(fd);
    return err;
}

void nt_spool_stage(const char *root, nt_spool_file_t *files, int n)
{
    for (int i = 0; i < n; i++)
        files[i].err = s_stage(root, &files[i]);
}

void nt_spool_commit(const char *root, nt_spool_file_t *files, int n)
{
    int staged = 0;
    for (int i = 0; i < n; i++)
        staged += files[i].err == 0;
    if (staged == 0)
        return;
    /* The contents are durable before any name points at them. */
    int err = s_flush(root);
    int renamed = 0;
    for (int i = 0; i < n; i++) {
        nt_spool_file_t *f = &files[i];
        if (f->err)
            continue;
        /* The PDF first: a letter's text in place means its PDF is too. */
        if (err == 0 && (!f->pdf || rename(f->pdf_tmp, f->pdf_path) == 0) &&
            rename(f->tmp, f->path) == 0) {
            renamed++;
            continue;
        }
        f->err = err ? err : errno;
        unlink(f->tmp);
        if (f->pdf)
            unlink(f->pdf_tmp);
    }
    if (renamed == 0)
        return;
    /* And the names themselves, before anyone is told the file is there. */
    err = s_flush(root);
    if (err)
        for (int i = 0; i < n; i++)
            if (files[i].err == 0)
                files[i].err = err;
}

void nt_spool_write(const char *root, nt_spool_file_t *files, int n)
{
    nt_spool_stage(root, files, n);
    nt_spool_commit(root, files, n);
}

/* ---------------------------------------------------------------- async */

typedef struct {
    uv_work_t req;          /* the thread pool's request; req.data is this job */
    const char *root;       /* the spool's root (configuration: lives as long as the process) */
    nt_spool_file_t *files; /* the caller's, lent until done */
    int n;
    nt_spool_done_fn done;
    void *arg;
} s_job_t;

static void s_on_work(uv_work_t *req)
{
    s_job_t *job = req->data;
    nt_spool_write(job->root, job->files, job->n);
}

static void s_on_worked(uv_work_t *req, int status)
{
    s_job_t *job = req->data;
    if (status != 0) /* cancelled before it ran: nothing was written */
        for (int i = 0; i < job->n; i++)
            job->files[i].err = ECANCELED;
    job->done(job->files, job->n, job->arg);
    free(job);
}

int nt_spool_write_async(uv_loop_t *loop, const char *root, nt_spool_file_t *files, int n,
                         nt_spool_done_fn done, void *arg)
{
    assert(loop && root && done && (files || n == 0));
    s_job_t *job = malloc(sizeof *job);
    if (!job)
        return UV_ENOMEM;
    *job = (s_job_t){.root = root, .files = files, .n = n, .done = done, .arg = arg};
    job->req.data = job;
    int rc = uv_queue_work(loop, &job->req, s_on_work, s_on_worked);
    if (rc != 0)
        free(job);
    return rc;
}
