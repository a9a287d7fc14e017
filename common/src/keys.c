/* keys.c - the suite's internal CURVE keys (see keys.h).
 *
 * A set is small (seven members) and read once at start, so it is a plain
 * array searched in order. The secret is wiped when the set goes. */
#include "candour/keys.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/log.h"

#define S_MAX 32  /* members a set may hold */
#define S_NAME 33 /* a name and its NUL */
#define S_Z85 41  /* a key in Z85 and its NUL */

const char *const cd_keys_suite[] = {"intake",    "routing", "investigation", "signoff", "notify",
                                     "reporting", "gateway", "ops",           NULL};

struct cd_keys_t {
    char self[S_NAME];  /* whose set this is */
    char secret[S_Z85]; /* self's secret key */
    char public[S_Z85]; /* self's public key, derived from the secret */
    int n;              /* members in name/pub */
    char name[S_MAX][S_NAME];
    char pub[S_MAX][S_Z85];
};

int cd_keys_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n >= S_NAME)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* The first line of path, which must be a Z85 key: 0, or -1. */
static int s_read_key(const char *path, char out[S_Z85])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[128] = "";
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    ok = ok && cd_zap_key_valid(line);
    if (ok)
        memcpy(out, line, S_Z85);
    memset(line, 0, sizeof line);
    return ok ? 0 : -1;
}

/* The .pub files of dir into k. 0, or -1 with a message. */
static int s_read_publics(cd_keys_t *k, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read the internal keys directory %s: %s", dir,
                 strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".pub") != 0)
            continue;
        char name[S_NAME * 2];
        snprintf(name, sizeof name, "%.*s", (int)(len - 4), e->d_name);
        if (!cd_keys_name_valid(name))
            continue; /* not a member's file (the name would not be a User-Id) */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (k->n == S_MAX) {
            snprintf(err, errlen, "%s holds more than %d public keys", dir, S_MAX);
            rc = -1;
        } else if (s_read_key(path, k->pub[k->n]) != 0) {
            snprintf(err, errlen, "%s is not a CURVE public key (Z85 on its first line)", path);
            rc = -1;
        } else {
            memcpy(k->name[k->n++], name, strlen(name) + 1); /* valid: shorter than S_NAME */
        }
    }
    closedir(d);
    return rc;
}

cd_keys_t *cd_keys_load(const char *dir, const char *self, const char *key_file, char *err,
                        size_t errlen)
{
    assert(dir && cd_keys_name_valid(self));
    cd_keys_t *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(k->self, sizeof k->self, "%s", self);
    char path[4096];
    if (key_file && *key_file)
        snprintf(path, sizeof path, "%s", key_file);
    else
        snprintf(path, sizeof path, "%s/%s.key", dir, self);
    if (s_read_key(path, k->secret) != 0 || zmq_curve_public(k->public, k->secret) != 0) {
        snprintf(err, errlen,
                 "cannot read %s's internal CURVE secret key from %s (candourctl keygen"
                 " --internal DIR makes the set)",
                 self, path);
        cd_keys_destroy(&k);
        return NULL;
    }
    if (s_read_publics(k, dir, err, errlen) != 0) {
        cd_keys_destroy(&k);
        return NULL;
    }
    const char *listed = cd_keys_public_of(k, self);
    if (!listed || strcmp(listed, k->public) != 0) {
        snprintf(err, errlen,
                 "%s/%s.pub is missing or is not the public half of %s: the key set is"
                 " inconsistent",
                 dir, self, path);
        cd_keys_destroy(&k);
        return NULL;
    }
    return k;
}

cd_keys_t *cd_keys_from_env(const char *self, const char *key_file_var, char *err, size_t errlen)
{
    const char *dir = getenv(CD_KEYS_DIR_VAR);
    if (!dir || !*dir) {
        snprintf(err, errlen,
                 "%s is not set: the internal endpoints admit only the suite's CURVE keys,"
                 " so %s needs them (make them with `candourctl keygen --internal DIR` and"
                 " set %s=DIR; deploy/run.sh does both)",
                 CD_KEYS_DIR_VAR, self, CD_KEYS_DIR_VAR);
        return NULL;
    }
    return cd_keys_load(dir, self, key_file_var ? getenv(key_file_var) : NULL, err, errlen);
}

void cd_keys_destroy(cd_keys_t **pk)
{
    if (!pk || !*pk)
        return;
    cd_keys_t *k = *pk;
    *pk = NULL;
    memset(k->secret, 0, sizeof k->secret);
    free(k);
}

const char *cd_keys_self(const cd_keys_t *k)
{
    return k->self;
}

const char *cd_keys_secret(const cd_keys_t *k)
{
    return k->secret;
}

const char *cd_keys_public(const cd_keys_t *k)
{
    return k->public;
}

const char *cd_keys_public_of(const cd_keys_t *k, const char *name)
{
    for (int i = 0; name && i < k->n; i++)
        if (strcmp(k->name[i], name) == 0)
            return k->pub[i];
    return NULL;
}

const char *cd_keys_name_of(const cd_keys_t *k, const char *key_z85)
{
    for (int i = 0; key_z85 && i < k->n; i++)
        if (strcmp(k->pub[i], key_z85) == 0)
            return k->name[i];
    return NULL;
}

int cd_keys_count(const cd_keys_t *k)
{
    return k->n;
}

/* ---------------------------------------------------------------- making keys */

/* Write text to path, which must not exist (a key is never overwritten). */
static int s_write_new(const char *path, const char *text, mode_t mode, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(text);
    /* The umask must not widen or narrow what was asked for. */
    int ok = fchmod(fd, mode) == 0 && write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

int cd_keys_make(const char *dir, const char *name, char *err, size_t errlen)
{
    assert(cd_keys_name_valid(name));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
        return -1;
    }
    char kpath[4096], ppath[4096];
    snprintf(kpath, sizeof kpath, "%s/%s.key", dir, name);
    snprintf(ppath, sizeof ppath, "%s/%s.pub", dir, name);
    int has_k = access(kpath, F_OK) == 0, has_p = access(ppath, F_OK) == 0;
    if (has_k && has_p)
        return 0;
    if (has_k || has_p) {
        snprintf(err, errlen, "%s has only half of %s's key pair: remove it or restore the other",
                 dir, name);
        return -1;
    }
    char pub[S_Z85], sec[S_Z85], line[64];
    if (zmq_curve_keypair(pub, sec) != 0) {
        snprintf(err, errlen, "this libzmq cannot make CURVE keys: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    snprintf(line, sizeof line, "%s\n", sec);
    int rc = s_write_new(kpath, line, 0600, err, errlen);
    memset(sec, 0, sizeof sec);
    memset(line, 0, sizeof line);
    if (rc != 0)
        return -1;
    snprintf(line, sizeof line, "%s\n", pub);
    if (s_write_new(ppath, line, 0644, err, errlen) != 0) {
        unlink(kpath);
        return -1;
    }
    return 1;
}

int cd_keys_make_suite(const char *dir, char *err, size_t errlen)
{
    int made = 0;
    for (int i = 0; cd_keys_suite[i]; i++) {
        int rc = cd_keys_make(dir, cd_keys_suite[i], err, errlen);
        if (rc < 0)
            return -1;
        made += rc;
    }
    return made;
}

/* ---------------------------------------------------------------- admission */

void cd_keys_zap_lookup(cd_zap_check_t *check, const char *key_z85, void *keys)
{
    const char *name = cd_keys_name_of(keys, key_z85);
    if (name)
        cd_zap_admit(check, name);
    else
        cd_zap_refuse(check, "not one of the suite's internal keys");
}

int cd_keys_client(const cd_keys_t *k, cd_zsock_t *s, const char *target)
{
    const char *server = cd_keys_public_of(k, target);
    if (!server) {
        errno = EINVAL;
        return -1;
    }
    return cd_zsock_curve_client(s, server, k->public, k->secret);
}

const char *cd_keys_peer_refusal(const char *peer, int has_acting, int has_ops_user)
{
    int ops = peer && strcmp(peer, "ops") == 0;
    int gateway = peer && strcmp(peer, "gateway") == 0;
    if (has_ops_user && !ops)
        return "ops_user";
    if (has_acting && !ops && !gateway)
        return "acting";
    return NULL;
}
