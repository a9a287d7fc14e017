/* sar_cmd.c - `candourctl sar`: a subject access export (UK GDPR Art. 15).
 *
 * Everything Candour holds about one person, found by the complaints'
 * references, a complainant's or patient's e-mail address, their name and
 * postcode together, or a staff id; read at one moment (sar_collect.c) and
 * written as one JSON file. The file holds personal data: it is built whole
 * in memory, written to a temporary file of mode 0600 beside --out, and
 * linked into place only where nothing is (it never replaces a file); only
 * a summary (how many complaints, the path, the SHA-256) is printed. Each
 * export is kept in candour_admin.sar_export (migration 0045, audited) with
 * who made it, how the person was found (references only, never a name or
 * an address), how many complaints and the file's SHA-256; that row and
 * the file come together or not at all. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candour/digest.h"
#include "candour/directory.h"
#include "candour/util.h"
#include "acting.h"
#include "ctl.h"
#include "sar.h"

#define S_CMD "sar"
#define S_VALUE_MAX 320 /* a name, an e-mail address, a reference or a staff id */
#define S_REFS_MAX 100

/* ---------------------------------------------------------------- the rule */

/* A value given: not blank, not over S_VALUE_MAX. */
static int s_value(const char *v, const char *field, cd_fail_t *why)
{
    size_t n = strlen(v);
    if (strspn(v, " \t\r\n") == n)
        return cd_fail(why, CD_CODE_REQUIRED, field, "--%s needs a value, not blank", field);
    if (n > S_VALUE_MAX)
        return cd_fail(why, CD_CODE_TOO_LONG, field, "--%s is over %d characters", field,
                       S_VALUE_MAX);
    return 0;
}

int sar_check_args(const sar_args_t *a, sar_method_t *method, cd_fail_t *why)
{
    int ways =
        (a->n_refs > 0) + (a->email != NULL) + (a->name || a->postcode) + (a->staff_id != NULL);
    if (ways == 0)
        return cd_fail(why, CD_CODE_REQUIRED, "",
                       "say whose data to export: --reference REF, --email ADDR, --name NAME"
                       " --postcode PC, or --staff ST_ID");
    if (ways > 1)
        return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "",
                       "give one way to find the person: --reference, --email, --name with"
                       " --postcode, or --staff");
    if (!a->out || !*a->out)
        return cd_fail(why, CD_CODE_REQUIRED, "out", "--out FILE is required (a new file)");
    if (a->n_refs > S_REFS_MAX)
        return cd_fail(why, CD_CODE_TOO_MANY, "reference", "at most %d --reference", S_REFS_MAX);
    for (size_t i = 0; i < a->n_refs; i++)
        if (s_value(a->refs[i], "reference", why) != 0)
            return -1;
    if (a->n_refs > 0) {
        *method = SAR_BY_REFERENCE;
        return 0;
    }
    if (a->email) {
        if (s_value(a->email, "email", why) != 0)
            return -1;
        if (!strchr(a->email, '@'))
            return cd_fail(why, CD_CODE_INVALID_ARGUMENT, "email",
                           "--email is not an e-mail address (no @)");
        *method = SAR_BY_EMAIL;
        return 0;
    }
    if (a->staff_id) {
        if (s_value(a->staff_id, "staff", why) != 0)
            return -1;
        *method = SAR_BY_STAFF;
        return 0;
    }
    /* A name alone would find everyone of that name: never without the
     * postcode. */
    if (!a->name)
        return cd_fail(why, CD_CODE_REQUIRED, "name", "--postcode goes with --name NAME");
    if (!a->postcode)
        return cd_fail(why, CD_CODE_REQUIRED, "postcode",
                       "--name needs --postcode PC too: a name alone may be someone else's");
    if (s_value(a->name, "name", why) != 0 || s_value(a->postcode, "postcode", why) != 0)
        return -1;
    *method = SAR_BY_NAME_POSTCODE;
    return 0;
}

/* ---------------------------------------------------------------- who acts */

/* The person acting (as, else CANDOUR_ACTING): in routing's directory, not
 * disabled, a complaints manager or the responsible person of their body;
 * or, with neither, the operator. 0, 1 with why, -1 (told). */
static int s_actor(PGconn *c, const char *as, sar_actor_t *out, cd_fail_t *why)
{
    const char *env = getenv("CANDOUR_ACTING");
    const char *who = as ? as : env && *env ? env : NULL;
    memset(out, 0, sizeof *out);
    if (!who)
        return ctl_ops_actor(out->label, sizeof out->label, S_CMD) == 0 ? 0 : -1;
    char sql[1024];
    cd_actor_sql("routing", sql, sizeof sql);
    const char *v[1] = {who};
    PGresult *r = ctl_db_query(c, S_CMD, sql, 1, v);
    if (!r)
        return -1;
    cd_actor_t a = {0};
    int have = PQntuples(r) == 1;
    if (have && cd_actor_from_row(r, 0, 0, &a) != 0) {
        PQclear(r);
        fprintf(stderr, "candourctl %s: out of memory\n", S_CMD);
        return -1;
    }
    PQclear(r);
    int rc = cd_actor_may(have ? &a : NULL, who, have ? a.org_id : "",
                          CD_ROLE_COMPLAINTS_MANAGER | CD_ROLE_RESPONSIBLE_PERSON, "acting", why);
    if (rc == 0) {
        cd_actor_label(&a, out->label, sizeof out->label);
        snprintf(out->staff_id, sizeof out->staff_id, "%s", a.staff_id);
        snprintf(out->org, sizeof out->org, "%s", a.org_id);
    }
    cd_actor_clear(&a);
    return rc == 0 ? 0 : 1;
}

static const char s_register_sql[] =
    "INSERT INTO candour_admin.sar_export (actor, acting, org_id, method, refs_given, refs,"
    " staff_id, complaints, bytes, sha256) VALUES ($1, nullif($2, ''), nullif($3, ''), $4,"
    " $5::text[], $6::text[], $7, $8::integer, $9::bigint, $10) RETURNING id";

/* ---------------------------------------------------------------- the command */

static int s_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl sar (--reference REF [--reference REF ...] | --email ADDR |\n"
            "                       --name NAME --postcode PC | --staff ST_ID)\n"
            "                      --out FILE [--as ST_ID]\n"
            "A subject access export (UK GDPR Art. 15): everything Candour holds about one\n"
            "person, as JSON: for each complaint they are the complainant or the patient of,\n"
            "the complaint as received and as held, its status history and deadlines, the\n"
            "case record (key issues, evidence list, findings), drafts and the response,\n"
            "letters and their delivery, and every audit entry about it; for a member of\n"
            "staff, their directory rows, tokens, signatures and the audit entries about\n"
            "them or made by them. Names match exactly (case and surrounding spaces\n"
            "ignored), and only with the postcode.\n"
            "  --out FILE   a new file (mode 0600); never replaces one\n" CTL_AS_USAGE
            "               (a complaints manager or responsible person: their body's data\n"
            "               only); with neither, the operator (ops: <login>), every body\n"
            "Each export is registered in candour_admin.sar_export (who, when, references,\n"
            "how many complaints, the file's SHA-256). Only a summary is printed.\n"
            "Uses CANDOUR_DB_URL (admin). Exit: 0 written, 1 refused or failed, 2 usage.\n");
    return rc;
}

/* A refusal as every candourctl command tells one; returns rc. */
static int s_refused(const cd_fail_t *why, int rc)
{
    fprintf(stderr, "error %s%s%s: %s\n", cd_code_name(why->code), *why->field ? " in " : "",
            why->field, why->message);
    return rc;
}

/* The export, on c (BEGIN ... COMMIT here): 0, or the exit code. */
static int s_export(PGconn *c, const sar_args_t *a, sar_method_t m, const sar_actor_t *who)
{
    cd_fail_t why = {0};
    const char *org = *who->org ? who->org : NULL;
    if (ctl_db_exec(c, S_CMD, "SET TIME ZONE 'UTC'", 0, NULL) != 0 ||
        ctl_db_exec(c, S_CMD, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL) != 0 ||
        ctl_db_actor(c, S_CMD, who->label) != 0)
        return 1;
    json_t *found = NULL, *staff = NULL, *list = json_array();
    if (sar_match(c, a, m, org, &found, &why) != 0 ||
        (m == SAR_BY_STAFF && sar_staff(c, a->staff_id, org, &staff, &why) != 0)) {
        json_decref(found);
        json_decref(list);
        return s_refused(&why, 1);
    }
    size_t i;
    json_t *f;
    json_array_foreach(found, i, f)
    {
        json_t *one = sar_complaint(c, json_string_value(json_object_get(f, "reference")));
        if (!one)
            break;
        json_object_set(one, "matched_as", json_object_get(f, "matched_as"));
        json_array_append_new(list, one);
    }
    json_t *file =
        json_array_size(list) == json_array_size(found)
            ? json_pack("{s:o, s:O, s:o}", "subject_access_export", sar_header(a, m, who, found),
                        "complaints", list, "staff", staff ? staff : json_null())
            : NULL;
    json_decref(list);
    char *text = file ? json_dumps(file, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(file);
    if (!text) {
        json_decref(found);
        fprintf(stderr, "candourctl %s: the export could not be made\n", S_CMD);
        return 1;
    }
    size_t len = strlen(text);
    char *p = realloc(text, len + 2);
    if (p) {
        text = p;
        text[len++] = '\n';
        text[len] = 0;
    }
    char hex[CD_SHA256_HEX_LEN + 1], n[24], bytes[24];
    cd_sha256_hex(text, len, hex);
    snprintf(n, sizeof n, "%zu", json_array_size(found));
    snprintf(bytes, sizeof bytes, "%zu", len);
    const char **refs = calloc(json_array_size(found) + 1, sizeof *refs);
    for (i = 0; refs && i < json_array_size(found); i++)
        refs[i] = json_string_value(json_object_get(json_array_get(found, i), "reference"));
    char *given = cd_pg_text_array((const char *const *)a->refs, a->n_refs);
    char *matched = refs ? cd_pg_text_array(refs, json_array_size(found)) : NULL;
    const char *v[10] = {who->label,
                         who->staff_id,
                         who->org,
                         sar_method_name(m),
                         given,
                         matched,
                         m == SAR_BY_STAFF ? a->staff_id : NULL,
                         n,
                         bytes,
                         hex};
    PGresult *r = given && matched ? ctl_db_query(c, S_CMD, s_register_sql, 10, v) : NULL;
    int rc = r ? sar_write_new(a->out, text, len, &why) : -1;
    free(text);
    free(refs);
    free(given);
    free(matched);
    if (rc == 0 && ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) != 0) {
        /* Not registered: the file must not be left. */
        unlink(a->out);
        rc = -1;
    }
    if (rc == 0)
        printf("sar: %s complaint%s matched%s; written to %s (sha256 %s, register entry %s)\n", n,
               strcmp(n, "1") == 0 ? "" : "s", m == SAR_BY_STAFF ? ", and the staff record" : "",
               a->out, hex, PQgetvalue(r, 0, 0));
    PQclear(r);
    json_decref(found);
    if (rc == 1)
        return s_refused(&why, 1);
    return rc == 0 ? 0 : 1;
}

int ctl_sar(int argc, char **argv)
{
    static struct option opts[] = {{"reference", required_argument, 0, 'r'},
                                   {"email", required_argument, 0, 'e'},
                                   {"name", required_argument, 0, 'n'},
                                   {"postcode", required_argument, 0, 'p'},
                                   {"staff", required_argument, 0, 's'},
                                   {"out", required_argument, 0, 'o'},
                                   {"as", required_argument, 0, 'a'},
                                   {"acting", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    sar_args_t a = {0};
    const char *as = NULL;
    const char **refs = (const char **)ctl_values(argc);
    if (!refs)
        return 1;
    a.refs = refs;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            refs[a.n_refs++] = optarg;
            break;
        case 'e':
            a.email = optarg;
            break;
        case 'n':
            a.name = optarg;
            break;
        case 'p':
            a.postcode = optarg;
            break;
        case 's':
            a.staff_id = optarg;
            break;
        case 'o':
            a.out = optarg;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            free(refs);
            return s_usage(0);
        default:
            free(refs);
            return s_usage(2);
        }
    }
    cd_fail_t why = {0};
    sar_method_t m;
    struct stat st;
    int rc = 0;
    if (optind != argc) {
        rc = s_usage(2);
    } else if (sar_check_args(&a, &m, &why) != 0) {
        rc = s_refused(&why, 2);
    } else if (as && !*as) {
        cd_fail(&why, CD_CODE_REQUIRED, "acting", "--as needs a staff id");
        rc = s_refused(&why, 2);
    } else if (lstat(a.out, &st) == 0) {
        /* Told before any work; the link at the end is what guarantees it. */
        cd_fail(&why, CD_CODE_ALREADY_EXISTS, "out",
                "%s exists: an export never replaces a file, name a new one", a.out);
        rc = s_refused(&why, 2);
    }
    if (rc != 0) {
        free(refs);
        return rc;
    }
    PGconn *db = ctl_db_connect(S_CMD);
    if (!db) {
        free(refs);
        return 1;
    }
    sar_actor_t who;
    int act = s_actor(db, as, &who, &why);
    if (act == 0)
        rc = s_export(db, &a, m, &who);
    else
        rc = act == 1 ? s_refused(&why, 1) : 1;
    PQfinish(db);
    free(refs);
    return rc;
}
