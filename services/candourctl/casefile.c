/* casefile.c - `candourctl case-file REF`: the complete, chronological case
 * file of one complaint, as the Ombudsman asks for it (L4).
 *
 * casefile_read.c reads every service's records into one model (JSON);
 * this file is the command: it writes that model for a person
 * (casefile_text.c) or for machines (--json), and says by its exit code
 * whether every check passed. The file carries personal data: it goes to
 * standard output or to a new file of mode 0600 (--out), is built whole in
 * memory first so that no half-written file is left, and is never logged. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casefile.h"
#include "ctl.h"

#define S_CMD "case-file"

/* len bytes of data to a new file at path, mode 0600 (refused when path
 * exists: a case file never replaces a file, nor follows a link). 0, or -1
 * after telling why, with nothing left behind. */
static int s_write_new(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "candourctl %s: cannot create %s: %s%s\n", S_CMD, path, strerror(errno),
                errno == EEXIST ? " (a case file never replaces a file: name a new one)" : "");
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    int err = done < len ? errno : 0;
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        fprintf(stderr, "candourctl %s: cannot write %s: %s\n", S_CMD, path, strerror(err));
        unlink(path);
        return -1;
    }
    return 0;
}

static int s_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl case-file REFERENCE [--json] [--out FILE]\n"
            "The complete case file of one complaint, for the Ombudsman (L4): one entry per\n"
            "thing that happened, oldest first, from every service's records (the complaint\n"
            "as received, each status, routing's history and deadlines, the investigator\n"
            "and the impartiality check, plan, key issues, evidence with each attachment's\n"
            "SHA-256, findings, actions, outcome, each draft version in full, the signature,\n"
            "each letter, every audit entry); then a verification of the audit entries, the\n"
            "attachments, the draft versions and the signature against their hashes.\n"
            "  --json       for machines (times in UTC); the text is for a person\n"
            "  --out FILE   a new file (mode 0600) instead of standard output\n"
            "It holds personal data: it is written only there, never logged.\n"
            "Uses CANDOUR_DB_URL (admin). Exit: 0 written and every check passed, 1 no such\n"
            "complaint or the records could not be read, 2 usage, 3 written but a check\n"
            "failed (as `candourctl audit verify`).\n");
    return rc;
}

int ctl_case_file(int argc, char **argv)
{
    static struct option opts[] = {{"json", no_argument, 0, 'j'},
                                   {"out", required_argument, 0, 'o'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    const char *path = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'o')
            path = optarg;
        else if (c == 'h')
            return s_usage(0);
        else
            return s_usage(2);
    }
    if (optind != argc - 1 || (path && !*path))
        return s_usage(2);
    const char *ref = argv[optind];
    PGconn *db = ctl_db_connect(S_CMD);
    if (!db)
        return 1;
    json_t *file = NULL;
    int rc = ctl_casefile_load(db, ref, &file);
    PQfinish(db);
    if (rc == 1)
        fprintf(stderr, "candourctl %s: no complaint has the reference %s\n", S_CMD, ref);
    if (rc != 0)
        return 1;
    char *text = NULL;
    size_t len = 0;
    if (json) {
        text = json_dumps(file, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        len = text ? strlen(text) : 0;
    } else {
        FILE *mem = open_memstream(&text, &len);
        if (mem) {
            ctl_casefile_text(mem, file);
            if (fclose(mem) != 0) {
                free(text);
                text = NULL;
            }
        }
    }
    int verified =
        json_is_true(json_object_get(json_object_get(file, "verification"), "all_verified"));
    json_decref(file);
    if (!text) {
        fprintf(stderr, "candourctl %s: out of memory\n", S_CMD);
        return 1;
    }
    if (json) {
        /* json_dumps ends without a newline; a file should end with one. */
        char *p = realloc(text, len + 2);
        if (p) {
            text = p;
            text[len++] = '\n';
            text[len] = 0;
        }
    }
    if (path)
        rc = s_write_new(path, text, len) == 0 ? 0 : 1;
    else
        rc = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
    free(text);
    if (rc != 0)
        return 1;
    return verified ? 0 : 3;
}
