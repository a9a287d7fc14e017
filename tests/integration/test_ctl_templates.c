/* test_ctl_templates.c - letter templates as ops manage them with
 * candourctl, the real binary against a fresh database: `templates import`
 * (Candour's shipped defaults; a directory with bad files writes nothing
 * and names each file with line:column; the same files again write
 * nothing; a changed file is version 2, the first kept; a body that does
 * not exist is refused), notify.template_for's order of resolution, `list`,
 * and `preview` as text and as a PDF (read back with pdftotext). The
 * template engine's rules themselves are tests/unit/test_notify_template.c. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define ORG "ICB-QWE"
#define ORG_NAME "NHS Queensway Integrated Care Board"
#define SHIPPED CANDOUR_SOURCE_DIR "/deploy/templates/default"

static h_t *s_h;
static char s_out[65536]; /* the last command's stdout */
static char s_err[16384]; /* and its stderr */

static void s_setup(void)
{
    s_h = h_new("ctltpl");
    h_exec(s_h,
           "INSERT INTO intake.organisation (org_id, name) VALUES ('" ORG "', '" ORG_NAME "')");
}

static void s_teardown(void)
{
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(ctl_templates, .init = s_setup, .fini = s_teardown, .timeout = 120);

static void s_slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot read %s", path);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
}

/* Run candourctl as the operator ops.alice with the arguments given
 * (h_ctl: trusted test text, pasted into a shell command). Its stdout and
 * stderr land in s_out and s_err; returns its exit code. */
static int s_ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int s_ctl(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = h_vctl(s_h, "", s_out, sizeof s_out, s_err, sizeof s_err, fmt, ap);
    va_end(ap);
    return rc;
}

/* A directory of the test's own (made empty if new); its path (static, one
 * of four, so a test may hold a few). */
static const char *s_dir(const char *name)
{
    static char paths[4][1024];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, sizeof paths[0], "%s/%s", h_dir(s_h), name);
    mkdir(path, 0700);
    return path;
}

/* Write text to dir/name. */
static void s_file(const char *dir, const char *name, const char *text)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static long s_rows(const char *org)
{
    const char *v[1] = {org};
    return h_count(s_h, "SELECT count(*) FROM notify.template WHERE org_id = $1", 1, v);
}

static long s_audit_entries(void)
{
    return h_count(s_h, "SELECT count(*) FROM notify.audit WHERE table_name = 'template'", 0, NULL);
}

#define HAS(text, needle)                                                                          \
    cr_assert_not_null(strstr((text), (needle)), "no \"%s\" in:\n%s", (needle), (text))

/* ---------------------------------------------------------------- import */

Test(ctl_templates, the_shipped_defaults_import_and_importing_them_again_writes_nothing)
{
    int rc = s_ctl("templates import '%s'", SHIPPED);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    HAS(s_out, "all.signature");
    HAS(s_out, "all.footer");
    HAS(s_out, "covering-letter.covering");
    HAS(s_out, "templates of Candour's default: 3 files: 3 new, 0 changed, 0 unchanged, by ops:"
               " ops.alice\n");
    cr_assert_eq(s_rows(""), 3);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.template WHERE org_id = '' AND version = 1"
                         " AND imported_by = 'ops: ops.alice' AND ((kind, part) IN (('*',"
                         " 'signature'), ('*', 'footer'), ('covering-letter', 'covering')))",
                         0, NULL),
                 3);
    /* The audit trail names the operator. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.audit WHERE table_name = 'template'"
                         " AND op = 'INSERT' AND actor = 'ops: ops.alice'",
                         0, NULL),
                 3);
    long audit = s_audit_entries();

    rc = s_ctl("templates import '%s'", SHIPPED);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    HAS(s_out, "0 new, 0 changed, 3 unchanged\n");
    HAS(s_out, "unchanged, version 1");
    cr_assert_eq(s_rows(""), 3);
    cr_assert_eq(s_audit_entries(), audit, "an unchanged import was audited");
}

Test(ctl_templates, a_bad_directory_writes_nothing_and_names_every_bad_file)
{
    const char *d = s_dir("bad");
    s_file(d, "all.signature.txt", "Yours sincerely,\n\n{{signatory.name}}\n");
    s_file(d, "all.footer.txt", "Call us.\nWe reply by {{response.due}}.\n");
    s_file(d, "acknowledgement.letterhead.txt", "NHS Queensway\n{{ org.nmae }}\n");
    s_file(d, "progress.footer.txt", "Unclosed {{reference\n");
    s_file(d, "final-response.footer.txt", "Bad \xff byte\n");
    s_file(d, "letter.footer.txt", "Words.\n");
    s_file(d, "progress.covering.txt", "Words.\n");
    s_file(d, "README.md", "not a template\n");
    int rc = s_ctl("templates import '%s' --org " ORG, d);
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    char want[1200];
    snprintf(want, sizeof want, "%s/all.footer.txt:2:13: {{response.due}}", d);
    HAS(s_err, want);
    snprintf(want, sizeof want, "%s/acknowledgement.letterhead.txt:2:1: {{org.nmae}}", d);
    HAS(s_err, want);
    snprintf(want, sizeof want, "%s/progress.footer.txt:1:10: ", d);
    HAS(s_err, want);
    snprintf(want, sizeof want, "%s/final-response.footer.txt:1:5: ", d);
    HAS(s_err, want);
    snprintf(want, sizeof want, "%s/letter.footer.txt: 'letter' is not a kind", d);
    HAS(s_err, want);
    snprintf(want, sizeof want, "%s/progress.covering.txt: ", d);
    HAS(s_err, want);
    cr_assert_null(strstr(s_err, "all.signature.txt"), "the good file is named:\n%s", s_err);
    cr_assert_null(strstr(s_err, "README"), "README is not a template:\n%s", s_err);
    HAS(s_err, "6 of 7 files are bad: nothing imported\n");
    HAS(s_err, "may use: reference, today");
    cr_assert_eq(s_rows(ORG), 0, "a bad directory wrote something");
    cr_assert_eq(s_audit_entries(), 0);
}

Test(ctl_templates, a_changed_file_is_version_2_and_version_1_is_kept)
{
    const char *d = s_dir("own");
    s_file(d, "all.signature.txt", "Yours sincerely,\n\n{{signatory.name}}\n{{signatory.role}}\n");
    s_file(d, "acknowledgement.footer.txt", "We will reply by {{response.due}}.\n");
    int rc = s_ctl("templates import '%s' --org " ORG, d);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    HAS(s_out, "templates of " ORG ": 2 files: 2 new, 0 changed, 0 unchanged");

    s_file(d, "all.signature.txt",
           "With best wishes,\n\n{{signatory.name}}\n{{signatory.role}}, {{org.name}}\n\n\n");
    rc = s_ctl("templates import '%s' --org " ORG, d);
    cr_assert_eq(rc, 0, "exit %d: %s%s", rc, s_out, s_err);
    HAS(s_out, "changed, version 2; was 1");
    HAS(s_out, "0 new, 1 changed, 1 unchanged");
    cr_assert_eq(s_rows(ORG), 3);
    const char *v[1] = {ORG};
    char *body = h_scalar(s_h,
                          "SELECT body FROM notify.template_current WHERE org_id = $1 AND kind ="
                          " '*' AND part = 'signature'",
                          1, v);
    cr_assert_not_null(body);
    /* Trailing blank lines are the editor's: cut. */
    cr_assert_str_eq(body,
                     "With best wishes,\n\n{{signatory.name}}\n{{signatory.role}}, {{org.name}}");
    free(body);
    char *old = h_scalar(s_h,
                         "SELECT body FROM notify.template WHERE org_id = $1 AND kind = '*' AND"
                         " part = 'signature' AND version = 1",
                         1, v);
    cr_assert_not_null(old, "version 1 was not kept");
    cr_assert_str_eq(old, "Yours sincerely,\n\n{{signatory.name}}\n{{signatory.role}}");
    free(old);
    /* The stored SHA-256 is of the stored words. */
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM notify.template WHERE sha256 ="
                         " encode(sha256(convert_to(body, 'UTF8')), 'hex')",
                         0, NULL),
                 3);
}

Test(ctl_templates, templates_are_kept_as_imported)
{
    cr_assert_eq(s_ctl("templates import '%s'", SHIPPED), 0, "%s", s_err);
    PGresult *r = PQexec(h_db(s_h), "UPDATE notify.template SET body = 'x'");
    cr_assert_neq(PQresultStatus(r), PGRES_COMMAND_OK, "a template was changed in place");
    PQclear(r);
    r = PQexec(h_db(s_h), "DELETE FROM notify.template");
    cr_assert_neq(PQresultStatus(r), PGRES_COMMAND_OK, "a template was deleted");
    PQclear(r);
    cr_assert_eq(s_rows(""), 3);
}

Test(ctl_templates, an_organisation_that_does_not_exist_is_refused)
{
    int rc = s_ctl("templates import '%s' --org NO-SUCH-ORG", SHIPPED);
    cr_assert_eq(rc, 1, "exit %d: %s%s", rc, s_out, s_err);
    HAS(s_err, "no organisation 'NO-SUCH-ORG'");
    cr_assert_eq(s_rows("NO-SUCH-ORG"), 0);
    cr_assert_eq(s_ctl("templates list --org NO-SUCH-ORG"), 1);
    cr_assert_eq(s_ctl("templates preview --kind progress --org NO-SUCH-ORG"), 1);
    cr_assert_eq(s_ctl("templates import '%s' --org 'bad id'", SHIPPED), 2);
}

Test(ctl_templates, usage_and_help)
{
    cr_assert_eq(s_ctl("templates --help"), 0);
    HAS(s_out, "templates import DIR");
    HAS(s_out, "response.due");
    cr_assert_eq(s_ctl("templates preview --help"), 0);
    cr_assert_eq(s_ctl("templates"), 2);
    cr_assert_eq(s_ctl("templates frobnicate"), 2);
    cr_assert_eq(s_ctl("templates preview"), 2, "preview without --kind");
    cr_assert_eq(s_ctl("templates preview --kind nonsense"), 2);
    HAS(s_err, "'nonsense' is not a kind of letter");
    cr_assert_eq(s_ctl("templates import"), 2);
    cr_assert_eq(s_ctl("templates import '%s/nowhere'", h_dir(s_h)), 1);
    cr_assert_eq(s_ctl("templates import '%s'", s_dir("empty")), 1);
    HAS(s_err, "no templates in");
}

/* ---------------------------------------------------------------- resolution */

/* The body of part for (org, kind) as notify.template_for resolves it, and
 * where it came from ("org|kind|version"); "" when there is none. */
static void s_resolved(const char *org, const char *kind, const char *part, char *out, size_t len)
{
    const char *v[3] = {org, kind, part};
    char *s = h_scalar(s_h,
                       "SELECT body || ' <' || org_id || '|' || kind || '|' || version || '>'"
                       " FROM notify.template_for($1, $2) WHERE part = $3",
                       3, v);
    snprintf(out, len, "%s", s ? s : "");
    free(s);
}

Test(ctl_templates, template_for_takes_the_body_s_kind_then_its_all_then_the_default_s)
{
    const char *def = s_dir("def"), *own = s_dir("own");
    s_file(def, "all.footer.txt", "default all");
    s_file(def, "progress.footer.txt", "default progress");
    s_file(def, "all.letterhead.txt", "default head");
    s_file(own, "all.footer.txt", "own all");
    s_file(own, "extension.footer.txt", "own extension");
    cr_assert_eq(s_ctl("templates import '%s'", def), 0, "%s", s_err);
    cr_assert_eq(s_ctl("templates import '%s' --org " ORG, own), 0, "%s", s_err);
    char got[256];
    s_resolved(ORG, "extension", "footer", got, sizeof got);
    cr_expect_str_eq(got, "own extension <" ORG "|extension|1>");
    s_resolved(ORG, "extension-2026-12-20", "footer", got, sizeof got);
    cr_expect_str_eq(got, "own extension <" ORG "|extension|1>", "a stored kind's family");
    s_resolved(ORG, "progress-2", "footer", got, sizeof got);
    cr_expect_str_eq(got, "own all <" ORG "|*|1>", "the body's all before the default's kind");
    s_resolved("OTHER", "progress-2", "footer", got, sizeof got);
    cr_expect_str_eq(got, "default progress <|progress|1>");
    s_resolved("OTHER", "acknowledgement", "footer", got, sizeof got);
    cr_expect_str_eq(got, "default all <|*|1>");
    s_resolved(ORG, "acknowledgement", "letterhead", got, sizeof got);
    cr_expect_str_eq(got, "default head <|*|1>");
    s_resolved(ORG, "acknowledgement", "signature", got, sizeof got);
    cr_expect_str_eq(got, "", "no template: notify's built-in words");
}

/* ---------------------------------------------------------------- list */

Test(ctl_templates, list_shows_the_templates_in_force)
{
    const char *own = s_dir("own");
    s_file(own, "all.footer.txt", "Footer one, {{reference}}.");
    cr_assert_eq(s_ctl("templates list"), 0);
    HAS(s_out, "no templates");
    cr_assert_eq(s_ctl("templates import '%s'", SHIPPED), 0, "%s", s_err);
    cr_assert_eq(s_ctl("templates import '%s' --org " ORG, own), 0, "%s", s_err);
    s_file(own, "all.footer.txt", "Footer two, {{reference}}.");
    cr_assert_eq(s_ctl("templates import '%s' --org " ORG, own), 0, "%s", s_err);

    int rc = s_ctl("templates list --org " ORG);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, s_err);
    HAS(s_out, "ORG");
    HAS(s_out, "SHA256");
    HAS(s_out, "4 templates in force\n");
    /* One line each: the body's footer at version 2 (version 1 not listed). */
    const char *v[1] = {ORG};
    char *sha = h_scalar(s_h,
                         "SELECT left(sha256, 12) FROM notify.template WHERE org_id = $1"
                         " AND version = 2",
                         1, v);
    cr_assert_not_null(sha);
    char line[512];
    const char *p = strstr(s_out, "\n" ORG " ");
    cr_assert_not_null(p, "no line of " ORG " in:\n%s", s_out);
    snprintf(line, sizeof line, "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
    HAS(line, "all");
    HAS(line, "footer");
    HAS(line, " 2 ");
    HAS(line, "ops: ops.alice");
    HAS(line, sha);
    free(sha);
    HAS(s_out, "(default)  covering-letter");
    cr_assert_eq(s_ctl("templates list"), 0);
    HAS(s_out, "4 templates in force\n");
}

/* ---------------------------------------------------------------- preview */

Test(ctl_templates, preview_prints_the_frame_with_the_rendered_parts)
{
    const char *own = s_dir("own");
    s_file(own, "all.letterhead.txt",
           "{{org.name}}\n1 Park Row, Leeds LS1 5HD\nSwitchboard 0113 000 0000");
    s_file(own, "acknowledgement.footer.txt",
           "Call the complaints team on 0113 000 0001, quoting {{reference}}. We will reply by"
           " {{response.due}}.");
    cr_assert_eq(s_ctl("templates import '%s'", SHIPPED), 0, "%s", s_err);
    cr_assert_eq(s_ctl("templates import '%s' --org " ORG, own), 0, "%s", s_err);

    int rc = s_ctl("templates preview --kind acknowledgement --org " ORG);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, s_err);
    /* The letterhead first, with the body's own name. */
    cr_assert_eq(strncmp(s_out, ORG_NAME "\n1 Park Row", strlen(ORG_NAME) + 11), 0, "%s", s_out);
    HAS(s_out, "Friday 4 December 2026\n\nOur reference: CDR-SAMP-LE00\n\nDear Mrs Patel,\n\n"
               "[The words of the acknowledgement letter.]\n\n");
    /* Candour's default signature, rendered. */
    HAS(s_out, "Yours sincerely,\n\nDr Alex Morgan\nHead of Patient Experience\n" ORG_NAME "\n\n");
    /* The body's footer for the kind, not the default's for all. */
    HAS(s_out, "quoting CDR-SAMP-LE00. We will reply by Monday 18 January 2027.\n");
    cr_assert_null(strstr(s_out, "{{"), "a variable left in:\n%s", s_out);
    HAS(s_err, "footer");
    HAS(s_err, ORG "'s own, for acknowledgement, version 1");

    /* A stored kind, and another kind: the default footer for all letters. */
    rc = s_ctl("templates preview --kind progress-2 --org " ORG);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, s_err);
    HAS(s_out, "[The words of the progress letter.]");
    HAS(s_out, "please contact our complaints team");
    /* The covering letter's words in place of the placeholder. */
    rc = s_ctl("templates preview --kind covering-letter");
    cr_assert_eq(rc, 0, "exit %d: %s", rc, s_err);
    HAS(s_out, "I am writing to send you our response");
    cr_assert_null(strstr(s_out, "[The words"), "%s", s_out);
}

Test(ctl_templates, preview_without_templates_uses_the_built_in_signature)
{
    int rc = s_ctl("templates preview --kind final-response");
    cr_assert_eq(rc, 0, "exit %d: %s", rc, s_err);
    HAS(s_out, "[The words of the final-response letter.]\n\nYours sincerely,\n\nDr Alex Morgan\n"
               "Head of Patient Experience\n");
    HAS(s_err, "built-in");
}

Test(ctl_templates, preview_pdf_writes_a_pdf_of_the_frame)
{
    cr_assert_eq(s_ctl("templates import '%s'", SHIPPED), 0, "%s", s_err);
    char pdf[1024];
    snprintf(pdf, sizeof pdf, "%s/preview.pdf", h_dir(s_h));
    int rc = s_ctl("templates preview --kind extension --org " ORG " --pdf '%s'", pdf);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, s_err);
    HAS(s_out, "preview.pdf: a PDF of ");
    char head[5] = "";
    FILE *f = fopen(pdf, "rb");
    cr_assert(f, "no PDF at %s", pdf);
    cr_assert_eq(fread(head, 1, 4, f), 4);
    fclose(f);
    cr_assert_str_eq(head, "%PDF");
    char cmd[4096], txt[1024];
    snprintf(txt, sizeof txt, "%s/preview.txt", h_dir(s_h));
    snprintf(cmd, sizeof cmd, "pdftotext '%s' '%s'", pdf, txt);
    cr_assert_eq(system(cmd), 0, "pdftotext failed");
    static char text[65536];
    s_slurp(txt, text, sizeof text);
    HAS(text, "CDR-SAMP-LE00");
    HAS(text, "Dr Alex Morgan");
    HAS(text, ORG_NAME);
    HAS(text, "[The words of the extension letter.]");
}
