/* test_sar.c - `candourctl sar`, a subject access export (UK GDPR Art. 15;
 * issue 16), the real binary against every daemon on a fresh database.
 *
 * Two complainants of the same name, at different postcodes: the export
 * found by name and postcode holds the first one's complaints (submitted
 * with the name and postcode written differently) and nothing of the
 * other's; it is valid JSON, of mode 0600, with the complaint as received,
 * its status, letters and audit entries; its register row names who made
 * it, holds references only and the file's SHA-256, and is itself audited.
 * A file that exists is never replaced, no criteria or a name without its
 * postcode are refused with typed errors, and nothing personal is printed.
 * A staff member's export holds their directory rows and what they did. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/digest.h"
#include "harness.h"

#define ORG "ICB-SAR"

static h_t *s_h;
static char s_out[8192], s_err[8192];

static void s_cleanup(void)
{
    if (s_h)
        h_destroy(&s_h);
}

/* Submit a complaint from name at postcode (email, description); its
 * reference (malloc'd). */
static char *s_submit(const char *ext, const char *name, const char *postcode, const char *email,
                      const char *description)
{
    char *addr[] = {"1 High Street", "Leeds"};
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = (char *)name;
    p.address = addr;
    p.n_address = 2;
    p.postcode = (char *)postcode;
    p.email = (char *)email;
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = (char *)ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    c.complainant = &p;
    c.description = (char *)description;
    c.desired_outcome = "An explanation.";
    c.event_date = "2026-10-01";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = ORG;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    Candour__V1__Reply *r = h_call(s_h, "intake", ORG, &req);
    cr_assert_null(r->error, "submit %s: %s", ext, r->error ? r->error->message : "");
    cr_assert(r->receipt);
    char *ref = strdup(r->receipt->complaint_ref);
    candour__v1__reply__free_unpacked(r, NULL);
    return ref;
}

/* candourctl with env, its output in s_out and s_err; the exit code. */
#define S_CTL(env, ...) h_ctl(s_h, env, s_out, sizeof s_out, s_err, sizeof s_err, __VA_ARGS__)

/* The references the export holds, sorted, comma-separated (static). */
static const char *s_refs(const json_t *file)
{
    static char buf[512];
    buf[0] = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(file, "complaints"), i, c)
    {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "",
                 json_string_value(json_object_get(c, "reference")));
    }
    return buf;
}

/* A file's SHA-256 as hex, of its bytes (static; "" when it cannot be read). */
static const char *s_sha256(const char *path)
{
    static char hex[CD_SHA256_HEX_LEN + 1];
    hex[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hex;
    static char buf[4 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cd_sha256_hex(buf, n, hex);
    return hex;
}

Test(sar, exports_one_persons_complaints_and_none_of_another_of_the_same_name, .timeout = 180,
     .fini = s_cleanup)
{
    h_t *h = s_h = h_new("sar");
    h_org(h, ORG);
    cr_assert_eq(h_start_all(h), 0);
    char *manager = h_staff(h, ORG, "Morgan Manager", "Complaints", "complaints-manager");
    char *analyst = h_staff(h, ORG, "Ana Lyst", "", "analyst");

    /* Jane Patel of LS1 1AA, twice (her name and postcode written
     * differently the second time); another Jane Patel, of LS2 2BB. */
    char *a1 = s_submit("SAR-1", "Jane Patel", "LS1 1AA", "jane.one@example.org",
                        "The ward discharged my mother without her medicines.");
    char *a2 = s_submit("SAR-2", "  JANE PATEL ", "ls11aa", "jane.one@example.org",
                        "Nobody answered the ward's telephone for three days.");
    char *b = s_submit("SAR-3", "Jane Patel", "LS2 2BB", "jane.two@example.org",
                       "Zebra-marker: the podiatry clinic cancelled twice.");
    const char *pa[1] = {a1};
    cr_assert(h_wait_for(h, "SELECT (count(*) > 0)::text FROM notify.letter WHERE reference = $1",
                         1, pa, "true", 20000),
              "no letter for %s", a1);
    cr_assert(h_wait_for(h,
                         "SELECT bool_and(spool_path IS NOT NULL)::text FROM notify.letter"
                         " WHERE reference = $1",
                         1, pa, "true", 20000),
              "%s's letter never reached the spool", a1);
    cr_assert(h_wait_for(h, "SELECT state FROM investigation.case WHERE reference = $1", 1, pa,
                         "open", 20000),
              "no case for %s", a1);

    /* Export the first Jane Patel, as the body's complaints manager. */
    char path[600], env[200];
    snprintf(path, sizeof path, "%s/sar-jane.json", h_dir(h));
    snprintf(env, sizeof env, "CANDOUR_ACTING=%s", manager);
    int rc = S_CTL(env, "sar --name 'jane patel' --postcode 'LS1 1AA' --out '%s'", path);
    cr_assert_eq(rc, 0, "exit %d\nstdout:\n%s\nstderr:\n%s", rc, s_out, s_err);
    cr_assert(strstr(s_out, "2 complaints matched"), "%s", s_out);
    cr_assert(!strstr(s_out, "atel") && !strstr(s_out, "LS1") && !strstr(s_out, "example.org"),
              "personal data printed: %s", s_out);
    cr_assert_str_eq(s_err, "");

    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
    json_error_t jerr;
    json_t *file = json_load_file(path, 0, &jerr);
    cr_assert(file, "not JSON: %s (line %d)", jerr.text, jerr.line);
    char want[200];
    snprintf(want, sizeof want, "%s,%s", strcmp(a1, a2) < 0 ? a1 : a2,
             strcmp(a1, a2) < 0 ? a2 : a1);
    cr_assert_str_eq(s_refs(file), want);
    /* Nothing of the other Jane Patel. */
    char *text = h_read_file(path);
    cr_assert(!strstr(text, b), "the other complainant's complaint is in the file");
    cr_assert(!strstr(text, "Zebra-marker") && !strstr(text, "LS2 2BB") &&
                  !strstr(text, "jane.two"),
              "the other complainant's data is in the file");
    free(text);
    /* The header says who asked and how she was found. */
    json_t *head = json_object_get(file, "subject_access_export");
    char label[200];
    snprintf(label, sizeof label, "Morgan Manager (%s)", manager);
    cr_assert_str_eq(
        json_string_value(json_object_get(json_object_get(head, "prepared_by"), "actor")), label);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(head, "match"), "method")),
                     "name-postcode");
    cr_assert_str_eq(json_string_value(json_object_get(head, "limited_to_body")), ORG);
    /* Each complaint: as received, status, letters, audit entries with rows. */
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(file, "complaints"), i, c)
    {
        const char *ref = json_string_value(json_object_get(c, "reference"));
        json_t *recv = json_object_get(json_object_get(c, "complaint"), "as_received");
        cr_assert(json_is_object(recv), "%s: no complaint as received", ref);
        cr_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "matched_as"), 0)),
                         "complainant");
        json_t *entries = json_object_get(json_object_get(c, "audit"), "entries");
        cr_assert_gt(json_array_size(entries), 0, "%s: no audit entries", ref);
        json_t *e = json_array_get(entries, 0);
        cr_assert(json_object_get(e, "actor") && json_object_get(e, "table") &&
                  json_object_get(e, "op") && json_object_get(e, "at") &&
                  json_is_object(json_object_get(e, "row_data")));
        cr_assert(json_is_object(json_object_get(json_object_get(c, "status"), "routing")));
        cr_assert(json_is_array(json_object_get(json_object_get(c, "status"), "deadlines")));
        if (strcmp(ref, a1) == 0) {
            json_t *letters = json_object_get(json_object_get(c, "letters"), "letters");
            cr_assert_gt(json_array_size(letters), 0, "%s: no letters", ref);
            json_t *l = json_array_get(letters, 0);
            cr_assert(json_is_string(json_object_get(l, "body")));
            /* Its file in the spool: there, with the SHA-256 of its bytes. */
            json_t *sp = json_object_get(l, "spool_file");
            const char *spath = json_string_value(json_object_get(sp, "path"));
            cr_assert(spath && json_is_true(json_object_get(sp, "present")), "no spool file");
            cr_assert_str_eq(json_string_value(json_object_get(sp, "sha256")), s_sha256(spath));
            cr_assert(json_is_object(json_object_get(json_object_get(c, "case_record"), "case")));
        }
    }
    json_decref(file);

    /* The register: who, how, references only, and the file's SHA-256. */
    char sha[CD_SHA256_HEX_LEN + 1];
    snprintf(sha, sizeof sha, "%s", s_sha256(path));
    cr_assert_eq(h_count(h, "SELECT count(*) FROM candour_admin.sar_export", 0, NULL), 1);
    const char *pm[4] = {label, manager, sha, want};
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM candour_admin.sar_export WHERE actor = $1"
                         " AND acting = $2 AND sha256 = $3 AND method = 'name-postcode'"
                         " AND complaints = 2 AND array_to_string(refs, ',') = $4"
                         " AND org_id = 'ICB-SAR' AND staff_id IS NULL",
                         4, pm),
                 1);
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM candour_admin.sar_export x"
                         " WHERE to_jsonb(x)::text ~* 'patel|LS1|example'",
                         0, NULL),
                 0, "the register holds personal data");
    const char *pw[2] = {label, sha};
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM candour_admin.audit WHERE table_name = 'sar_export'"
                         " AND op = 'INSERT' AND actor = $1 AND row_data->>'sha256' = $2",
                         2, pw),
                 1, "the export is not in the audit trail");

    /* An existing file is never replaced: refused, file and register as they were. */
    rc = S_CTL(env, "sar --name 'Jane Patel' --postcode 'LS1 1AA' --out '%s'", path);
    cr_assert_eq(rc, 2, "exit %d: %s", rc, s_err);
    cr_assert(strstr(s_err, "error ALREADY_EXISTS in out"), "%s", s_err);
    cr_assert_str_eq(s_sha256(path), sha);
    cr_assert_eq(h_count(h, "SELECT count(*) FROM candour_admin.sar_export", 0, NULL), 1);

    /* No criteria; a name without its postcode; two ways at once: typed
     * refusals, no file, nothing registered. */
    char other[600];
    snprintf(other, sizeof other, "%s/sar-none.json", h_dir(h));
    rc = S_CTL(env, "sar --out '%s'", other);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(s_err, "error REQUIRED"), "%s", s_err);
    rc = S_CTL(env, "sar --name 'Jane Patel' --out '%s'", other);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(s_err, "error REQUIRED in postcode"), "%s", s_err);
    rc = S_CTL(env, "sar --email jane.one@example.org --staff %s --out '%s'", manager, other);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(s_err, "error INVALID_ARGUMENT"), "%s", s_err);
    rc = S_CTL(env, "sar --reference CDR-NO-SUCH --out '%s'", other);
    cr_assert_eq(rc, 1);
    cr_assert(strstr(s_err, "error NOT_FOUND in reference"), "%s", s_err);
    /* Someone who may not export: an analyst. */
    char env2[200];
    snprintf(env2, sizeof env2, "CANDOUR_ACTING=%s", analyst);
    rc = S_CTL(env2, "sar --reference %s --out '%s'", b, other);
    cr_assert_eq(rc, 1);
    cr_assert(strstr(s_err, "error PERMISSION_DENIED in acting"), "%s", s_err);
    cr_assert_neq(stat(other, &st), 0, "a file was written on a refusal");
    cr_assert_eq(h_count(h, "SELECT count(*) FROM candour_admin.sar_export", 0, NULL), 1);

    /* The other Jane Patel, by her e-mail address, as the operator: hers only. */
    rc = S_CTL("", "sar --email ' Jane.Two@example.org' --out '%s'", other);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, s_err);
    file = json_load_file(other, 0, &jerr);
    cr_assert(file, "%s", jerr.text);
    cr_assert_str_eq(s_refs(file), b);
    cr_assert_str_eq(
        json_string_value(json_object_get(
            json_object_get(json_object_get(file, "subject_access_export"), "prepared_by"),
            "actor")),
        "ops: ops.alice");
    json_decref(file);

    /* The complaints manager's own data: directory rows, and what they did
     * (the export above), without other people's rows. */
    char staff[600];
    snprintf(staff, sizeof staff, "%s/sar-staff.json", h_dir(h));
    rc = S_CTL("", "sar --staff %s --out '%s'", manager, staff);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, s_err);
    file = json_load_file(staff, 0, &jerr);
    cr_assert(file, "%s", jerr.text);
    cr_assert_eq(json_array_size(json_object_get(file, "complaints")), 0);
    json_t *sf = json_object_get(file, "staff");
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(sf, "directory"), "routing"), "name")),
                     "Morgan Manager");
    json_t *about = json_object_get(json_object_get(sf, "audit"), "about_them");
    cr_assert_gt(json_array_size(about), 0);
    cr_assert(json_is_object(json_object_get(json_array_get(about, 0), "row_data")));
    json_t *made = json_object_get(json_object_get(sf, "audit"), "made_by_them");
    int saw_export = 0;
    json_array_foreach(made, i, c)
    {
        cr_assert_null(json_object_get(c, "row_data"), "another's row in the staff export");
        cr_assert_str_eq(json_string_value(json_object_get(c, "actor")), label);
        saw_export |= strcmp(json_string_value(json_object_get(c, "table")), "sar_export") == 0;
    }
    cr_assert(saw_export, "the export they made is not among their acts");
    json_decref(file);
    const char *ps[2] = {manager, s_sha256(staff)};
    cr_assert_eq(h_count(h,
                         "SELECT count(*) FROM candour_admin.sar_export WHERE method = 'staff'"
                         " AND staff_id = $1 AND sha256 = $2 AND complaints = 0"
                         " AND actor = 'ops: ops.alice' AND acting IS NULL",
                         2, ps),
                 1);

    free(a1);
    free(a2);
    free(b);
    free(manager);
    free(analyst);
}
