/* sar_file.c - the subject access export's file (sar.h): its header (who
 * asked, when, how the person was found, in words) and how it is written:
 * whole, to a temporary file of mode 0600 beside it, then linked into place
 * only where nothing is, so that no half-written file is ever seen and no
 * file is ever replaced. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/daemon.h"
#include "candour/util.h"
#include "sar.h"

const char *sar_method_name(sar_method_t m)
{
    static const char *const names[] = {"reference", "email", "name-postcode", "staff"};
    return m <= SAR_BY_STAFF ? names[m] : "?";
}

#define S_CMD "sar"

/* The header: who asked, when, and how the person was found, in words. */
json_t *sar_header(const sar_args_t *a, sar_method_t m, const sar_actor_t *who, const json_t *found)
{
    static const char *const how[] = {
        "the complaints named by their references",
        "complaints whose complainant or patient has this e-mail address (exact; case and"
        " surrounding spaces ignored), in the complaint as held now, as received or as notify"
        " holds it",
        "complaints whose complainant or patient has both this name (exact; case and"
        " surrounding spaces ignored) and this postcode (spaces and case ignored), in the"
        " complaint as held now, as received or as notify holds it; a name alone is never used",
        "the staff member with this staff id: their directory rows and their own acts"};
    char now[32];
    cd_format_rfc3339(cd_now_us(), now);
    json_t *crit = json_object();
    if (m == SAR_BY_REFERENCE) {
        json_t *refs = json_array();
        for (size_t i = 0; i < a->n_refs; i++)
            json_array_append_new(refs, json_string(a->refs[i]));
        json_object_set_new(crit, "references", refs);
    } else if (m == SAR_BY_EMAIL) {
        json_object_set_new(crit, "email", json_string(a->email));
    } else if (m == SAR_BY_NAME_POSTCODE) {
        json_object_set_new(crit, "name", json_string(a->name));
        json_object_set_new(crit, "postcode", json_string(a->postcode));
    } else {
        json_object_set_new(crit, "staff_id", json_string(a->staff_id));
    }
    json_t *refs = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(found, i, f) json_array_append(refs, json_object_get(f, "reference"));
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:o}, s:o, s:{s:s, s:s, s:o}, s:I, s:o, s:[s, s]}", "format",
        "candour-subject-access/1", "basis", "UK GDPR Article 15 (right of access)",
        "candour_version", CANDOUR_VERSION, "prepared_at", now, "prepared_by", "actor", who->label,
        "staff_id", *who->staff_id ? json_string(who->staff_id) : json_null(), "limited_to_body",
        *who->org ? json_string(who->org) : json_null(), "match", "method", sar_method_name(m),
        "how", how[m], "criteria", crit, "complaints_matched", (json_int_t)json_array_size(found),
        "references", refs, "notes",
        "Review before release: a complaint may hold other people's data (a representative,"
        " a patient, staff named), which may need to be withheld (Art. 15(4)).",
        "Audit entries a staff member made are listed without their rows: those rows are"
        " other people's data; the entries about their own directory rows are in full.");
}

/* data to a new file at path, by way of a temporary file of mode 0600 in
 * the same directory, linked into place only where nothing is. 0, 1 with
 * why (ALREADY_EXISTS on "out"), or -1 (told). The temporary file is gone
 * either way. */
int sar_write_new(const char *path, const char *data, size_t len, cd_fail_t *why)
{
    char dir[4096], tmp[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *d = dirname(dir);
    char base[4096];
    snprintf(base, sizeof base, "%s", path);
    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", d, basename(base));
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "candourctl %s: cannot create a file in %s: %s\n", S_CMD, d,
                strerror(errno));
        return -1;
    }
    int err = fchmod(fd, 0600) != 0 ? errno : 0;
    size_t done = 0;
    while (!err && done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        done += (size_t)n;
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    /* link: atomic, and refused when path exists (rename would replace it). */
    if (!err && link(tmp, path) != 0)
        err = errno;
    unlink(tmp);
    if (err == EEXIST)
        return cd_fail(why, CD_CODE_ALREADY_EXISTS, "out",
                       "%s exists: an export never replaces a file, name a new one", path);
    if (err) {
        fprintf(stderr, "candourctl %s: cannot write %s: %s\n", S_CMD, path, strerror(err));
        return -1;
    }
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
