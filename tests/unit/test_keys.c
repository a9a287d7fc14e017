/* test_keys.c - the suite's internal key set: made once and never
 * overwritten, loaded whole or not at all, and who may ask what. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "candour/keys.h"

static char s_dir[64], s_keys[96];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/candour-keys-XXXXXX");
    cr_assert(mkdtemp(s_dir));
    snprintf(s_keys, sizeof s_keys, "%s/internal", s_dir);
}

static void s_teardown(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(keys, .init = s_setup, .fini = s_teardown);

static void s_write(const char *name, const char *text)
{
    char path[192];
    snprintf(path, sizeof path, "%s/%s", s_keys, name);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

Test(keys, the_suite_is_made_once_secrets_0600_and_never_overwritten)
{
    char err[256];
    cr_assert_eq(cd_keys_make_suite(s_keys, err, sizeof err), 8, "%s", err);
    struct stat st;
    cr_assert_eq(stat(s_keys, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    char path[192];
    snprintf(path, sizeof path, "%s/ops.key", s_keys);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    cd_keys_t *before = cd_keys_load(s_keys, "ops", NULL, err, sizeof err);
    cr_assert(before, "%s", err);
    cr_assert_eq(cd_keys_make_suite(s_keys, err, sizeof err), 0, "a second run made keys");
    cd_keys_t *after = cd_keys_load(s_keys, "ops", NULL, err, sizeof err);
    cr_assert_str_eq(cd_keys_public(before), cd_keys_public(after));
    cd_keys_destroy(&before);
    cd_keys_destroy(&after);
    cd_keys_destroy(&after); /* idempotent */
}

Test(keys, half_a_pair_is_an_error_not_a_new_key)
{
    char err[256];
    cr_assert_eq(cd_keys_make(s_keys, "ops", err, sizeof err), 1);
    char path[192];
    snprintf(path, sizeof path, "%s/ops.pub", s_keys);
    unlink(path);
    cr_assert_eq(cd_keys_make(s_keys, "ops", err, sizeof err), -1);
    cr_assert(strstr(err, "half"), "%s", err);
}

Test(keys, a_loaded_set_names_each_public_key_and_only_those)
{
    char err[256];
    cr_assert_geq(cd_keys_make_suite(s_keys, err, sizeof err), 0);
    cd_keys_t *k = cd_keys_load(s_keys, "routing", NULL, err, sizeof err);
    cr_assert(k, "%s", err);
    cr_assert_eq(cd_keys_count(k), 8);
    cr_assert_str_eq(cd_keys_self(k), "routing");
    cr_assert_str_eq(cd_keys_public_of(k, "routing"), cd_keys_public(k));
    for (int i = 0; cd_keys_suite[i]; i++) {
        const char *pub = cd_keys_public_of(k, cd_keys_suite[i]);
        cr_assert(pub, "no key for %s", cd_keys_suite[i]);
        cr_assert_str_eq(cd_keys_name_of(k, pub), cd_keys_suite[i]);
    }
    char stranger[41], sec[41];
    zmq_curve_keypair(stranger, sec);
    cr_assert_null(cd_keys_name_of(k, stranger));
    cr_assert_null(cd_keys_name_of(k, cd_keys_secret(k)), "a secret key is nobody's public key");
    cr_assert_null(cd_keys_public_of(k, "analytics"));
    cd_keys_destroy(&k);
}

Test(keys, no_folder_no_own_key_or_a_bad_key_loads_nothing)
{
    char err[256];
    cr_assert_null(cd_keys_load(s_keys, "routing", NULL, err, sizeof err));
    cr_assert(strstr(err, "routing.key"), "%s", err);
    cr_assert_geq(cd_keys_make_suite(s_keys, err, sizeof err), 0);
    /* a malformed public key anywhere in the set */
    s_write("stranger.pub", "not a key\n");
    cr_assert_null(cd_keys_load(s_keys, "routing", NULL, err, sizeof err));
    cr_assert(strstr(err, "stranger.pub"), "%s", err);
    char path[192];
    snprintf(path, sizeof path, "%s/stranger.pub", s_keys);
    unlink(path);
    /* an own secret key whose public half is not the set's */
    char pub[41], sec[41], line[64];
    zmq_curve_keypair(pub, sec);
    snprintf(line, sizeof line, "%s\n", sec);
    s_write("other.secret", line);
    snprintf(path, sizeof path, "%s/other.secret", s_keys);
    cr_assert_null(cd_keys_load(s_keys, "routing", path, err, sizeof err));
    cr_assert(strstr(err, "inconsistent"), "%s", err);
    /* files that are not a member's are not read as one */
    s_write("README", "hello\n");
    s_write("Bad Name.pub", "whatever\n");
    cd_keys_t *k = cd_keys_load(s_keys, "routing", NULL, err, sizeof err);
    cr_assert(k, "%s", err);
    cr_assert_eq(cd_keys_count(k), 8);
    cd_keys_destroy(&k);
}

Test(keys, from_env_without_the_folder_says_how_to_make_it)
{
    char err[512];
    unsetenv(CD_KEYS_DIR_VAR);
    cr_assert_null(cd_keys_from_env("signoff", NULL, err, sizeof err));
    cr_assert(strstr(err, "CANDOUR_INTERNAL_KEYS") && strstr(err, "keygen --internal"), "%s", err);
    setenv(CD_KEYS_DIR_VAR, "", 1);
    cr_assert_null(cd_keys_from_env("signoff", NULL, err, sizeof err));
    cr_assert_geq(cd_keys_make_suite(s_keys, err, sizeof err), 0);
    setenv(CD_KEYS_DIR_VAR, s_keys, 1);
    cd_keys_t *k = cd_keys_from_env("signoff", NULL, err, sizeof err);
    cr_assert(k, "%s", err);
    cd_keys_destroy(&k);
    unsetenv(CD_KEYS_DIR_VAR);
}

Test(keys, names_are_lowercase_file_safe_and_short)
{
    cr_assert(cd_keys_name_valid("investigation"));
    cr_assert(cd_keys_name_valid("routing-2"));
    cr_assert_not(cd_keys_name_valid(""));
    cr_assert_not(cd_keys_name_valid(NULL));
    cr_assert_not(cd_keys_name_valid("Routing"));
    cr_assert_not(cd_keys_name_valid("../ops"));
    cr_assert_not(cd_keys_name_valid("a.b"));
    char longname[40];
    memset(longname, 'a', 33);
    longname[33] = 0;
    cr_assert_not(cd_keys_name_valid(longname));
    longname[32] = 0;
    cr_assert(cd_keys_name_valid(longname));
}

Test(keys, staff_ops_come_from_the_gateway_or_ops_and_operators_only_from_ops)
{
    cr_assert_null(cd_keys_peer_refusal("routing", 0, 0), "events and plain requests: anyone");
    cr_assert_null(cd_keys_peer_refusal("gateway", 1, 0));
    cr_assert_null(cd_keys_peer_refusal("ops", 1, 0));
    cr_assert_null(cd_keys_peer_refusal("ops", 0, 1));
    cr_assert_str_eq(cd_keys_peer_refusal("gateway", 0, 1), "ops_user");
    cr_assert_str_eq(cd_keys_peer_refusal("notify", 1, 0), "acting");
    cr_assert_str_eq(cd_keys_peer_refusal("signoff", 0, 1), "ops_user");
    cr_assert_str_eq(cd_keys_peer_refusal(NULL, 1, 0), "acting");
    cr_assert_str_eq(cd_keys_peer_refusal("", 0, 1), "ops_user");
}
