/* post.c - letters by post into the print hot folder (see delivery.h).
 *
 * A print-and-post service watches the folder: for each job a PDF and a
 * manifest beside it, both named by the letter id. A round's jobs are
 * written together, as the spool's are: each file to a hidden staging name,
 * one flush of the folder's filesystem, the PDFs renamed into place and
 * flushed, then the manifests, so a job the service sees is whole, three
 * flushes a round however many letters, and a letter written again after a
 * crash replaces its own files. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/digest.h"
#include "delivery.h"

#define S_PDF_MAX (64u << 20) /* no letter comes near it */

/* The whole of a file, malloc'd; 0 or an errno. */
static int s_slurp(const char *path, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0 || (size_t)st.st_size > S_PDF_MAX) {
        int err = errno ? errno : EFBIG;
        close(fd);
        return err;
    }
    unsigned char *p = malloc((size_t)st.st_size);
    if (!p) {
        close(fd);
        return ENOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int err = r < 0 ? errno : EIO;
            free(p);
            close(fd);
            return err;
        }
        got += (size_t)r;
    }
    close(fd);
    *out = p;
    *len = got;
    return 0;
}

/* data to path (a staging file), not yet flushed: 0 or an errno. */
static int s_stage(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return errno;
    const unsigned char *p = data;
    size_t off = 0;
    int err = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            err = w < 0 ? errno : EIO;
            break;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 && !err)
        err = errno;
    if (err)
        unlink(path);
    return err;
}

/* Flush the folder's filesystem: 0 or an errno. */
static int s_flush(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = syncfs(fd) == 0 ? 0 : errno;
    close(fd);
    return err;
}

/* dir/<pre><id><ext>, malloc'd; NULL out of memory. */
static char *s_path(const char *dir, const char *pre, const char *id, const char *ext)
{
    char *p = NULL;
    return asprintf(&p, "%s/%s%s%s", dir, pre, id, ext) < 0 ? NULL : p;
}

/* A job's PDF and manifest staged beside their names. */
static int s_stage_job(const char *dir, nt_post_job_t *j)
{
    if (!(j->pdf = s_path(dir, "", j->letter_id, ".pdf")) ||
        !(j->pdf_tmp = s_path(dir, ".", j->letter_id, ".pdf.tmp")) ||
        !(j->json = s_path(dir, "", j->letter_id, ".json")) ||
        !(j->json_tmp = s_path(dir, ".", j->letter_id, ".json.tmp")))
        return ENOMEM;
    unsigned char *pdf = NULL;
    size_t len = 0;
    int err = s_slurp(j->pdf_path, &pdf, &len);
    if (err)
        return err;
    char sha[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex((const char *)pdf, len, sha);
    err = s_stage(j->pdf_tmp, pdf, len);
    free(pdf);
    if (err)
        return err;
    char file[64];
    snprintf(file, sizeof file, "%s.pdf", j->letter_id);
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "letter_id", j->letter_id,
                          "reference", j->reference, "kind", j->kind, "file", file, "bytes",
                          (json_int_t)len, "sha256", sha, "format",
                          j->large_print ? "large-print" : "standard", "paper", "A4");
    char *text = m ? json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(m);
    err = text ? s_stage(j->json_tmp, text, strlen(text)) : ENOMEM;
    free(text);
    if (err)
        unlink(j->pdf_tmp);
    return err;
}

/* Renames from -> to for each job still well, through `which`; then a
 * flush. A job that fails is failed with its staging files gone. */
static void s_rename_all(const char *dir, nt_post_job_t *jobs, int n, int manifests)
{
    int any = 0;
    for (int i = 0; i < n; i++) {
        nt_post_job_t *j = &jobs[i];
        if (j->err)
            continue;
        if (rename(manifests ? j->json_tmp : j->pdf_tmp, manifests ? j->json : j->pdf) == 0) {
            any = 1;
            continue;
        }
        j->err = errno;
        unlink(j->pdf_tmp);
        unlink(j->json_tmp);
    }
    int err = any ? s_flush(dir) : 0;
    for (int i = 0; err && i < n; i++)
        if (!jobs[i].err)
            jobs[i].err = err;
}

void nt_post_write(const char *dir, nt_post_job_t *jobs, int n)
{
    if (n == 0)
        return;
    int err = mkdir(dir, 0750) != 0 && errno != EEXIST ? errno : 0;
    int staged = 0;
    for (int i = 0; i < n; i++) {
        jobs[i].err = err ? err : s_stage_job(dir, &jobs[i]);
        staged += jobs[i].err == 0;
    }
    if (!staged)
        return;
    /* The contents, then the PDFs' names, then the manifests' names: a
     * manifest in place means its PDF is whole and in place. */
    err = s_flush(dir);
    for (int i = 0; err && i < n; i++)
        if (!jobs[i].err) {
            jobs[i].err = err;
            unlink(jobs[i].pdf_tmp);
            unlink(jobs[i].json_tmp);
        }
    s_rename_all(dir, jobs, n, 0);
    s_rename_all(dir, jobs, n, 1);
}

void nt_post_free(nt_post_job_t *jobs, int n)
{
    for (int i = 0; jobs && i < n; i++) {
        free(jobs[i].pdf);
        free(jobs[i].pdf_tmp);
        free(jobs[i].json);
        free(jobs[i].json_tmp);
    }
}
