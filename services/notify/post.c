/* post.c - letters by post into the print hot folder (see delivery.h).
 *
 * A print-and-post service watches the folder: for each job a PDF and a
 * manifest beside it, both named by the letter id. Each file is written to
 * a hidden staging name, flushed, renamed into place, and the folder flushed
 * after, so a job the service sees is whole, and a letter written again
 * after a crash replaces its own files. */
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

/* data to dir/name through a staging file, flushed before the rename. */
static int s_put(const char *dir, const char *name, const void *data, size_t len)
{
    char tmp[4096], path[4096];
    int n = snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    int m = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof tmp || m < 0 || (size_t)m >= sizeof path)
        return ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
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
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err)
        unlink(tmp);
    return err;
}

static int s_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return err;
}

int nt_post_write(const char *dir, const char *letter_id, const char *reference, const char *kind,
                  int large_print, const char *pdf_path)
{
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return errno;
    unsigned char *pdf = NULL;
    size_t len = 0;
    int err = s_slurp(pdf_path, &pdf, &len);
    if (err)
        return err;
    char sha[CD_SHA256_HEX_LEN + 1];
    cd_sha256_hex((const char *)pdf, len, sha);
    char name[128];
    snprintf(name, sizeof name, "%s.pdf", letter_id);
    err = s_put(dir, name, pdf, len);
    free(pdf);
    if (err)
        return err;
    json_t *m =
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "letter_id", letter_id, "reference",
                  reference, "kind", kind, "file", name, "bytes", (json_int_t)len, "sha256", sha,
                  "format", large_print ? "large-print" : "standard", "paper", "A4");
    char *text = m ? json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(m);
    if (!text)
        return ENOMEM;
    snprintf(name, sizeof name, "%s.json", letter_id);
    err = s_put(dir, name, text, strlen(text));
    free(text);
    return err ? err : s_sync_dir(dir);
}
