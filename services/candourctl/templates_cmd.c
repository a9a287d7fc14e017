/* templates_cmd.c - `candourctl templates import|list|preview`: the words a
 * body puts around every letter notify writes (letterhead, sign-off,
 * footer, an ICB's covering letter), as data in notify.template (migration
 * 0025), checked by notify's own template engine (services/notify/
 * template.h, linked from svc_notify) so that what is imported is what
 * notify can render.
 *
 * A directory is a set of templates, one file a part: <kind>.<part>.txt,
 * kind a family of letter or "all" (stored as '*': every letter). Import
 * checks every file first, and names every bad one (file:line:col:
 * message); with one bad, nothing is written. Then, in one transaction as
 * the operator ("ops: <login>" in the rows and the audit trail), each part
 * whose text differs from the one in force becomes a new version; the same
 * text again writes nothing. Parts with no file are left as they are. Old
 * versions are kept (the table refuses UPDATE and DELETE).
 *
 * Preview (templates_preview.c) prints the frame of a letter as notify
 * would print it; this file parses its options and holds the usage. The
 * admin URL (CANDOUR_DB_URL); every value a parameter. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "routes.h"
#include "template.h"

#define S_CMD "templates"
/* A file's name as written for kind '*'. */
#define S_ALL "all"
/* The most bytes read of one file: a template's limit and room for blank
 * lines at its end (cut), short of reading anything at all into memory. */
#define S_FILE_MAX (NT_TPL_MAX + 4096)
/* The most files one directory may hold. */
#define S_FILES_MAX 256

/* Whether org is a body Candour knows (ctl.h). */
int ctl_templates_org(PGconn *c, const char *org, char *name, size_t len)
{
    const char *v[1] = {org};
    PGresult *r = ctl_db_query(
        c, S_CMD,
        "SELECT coalesce(nullif((SELECT letterhead->>'name' FROM routing.org_policy"
        " WHERE org_id = $1), ''), (SELECT name FROM intake.organisation WHERE org_id = $1), '')"
        " WHERE EXISTS (SELECT 1 FROM intake.organisation WHERE org_id = $1)"
        " OR EXISTS (SELECT 1 FROM routing.org_policy WHERE org_id = $1)"
        " OR EXISTS (SELECT 1 FROM routing.staff WHERE org_id = $1)",
        1, v);
    if (!r)
        return -1;
    int known = PQntuples(r) == 1;
    if (known)
        snprintf(name, len, "%s", PQgetvalue(r, 0, 0));
    else
        fprintf(stderr,
                "candourctl " S_CMD ": no organisation '%s': check its id, or add it first"
                " (candourctl org add)\n",
                org);
    PQclear(r);
    return known;
}

const char *ctl_templates_whose(const char *org)
{
    return *org ? org : "Candour's default";
}

/* ---------------------------------------------------------------- import */

/* Where a file's import stands. */
typedef enum { S_NEW, S_CHANGED, S_UNCHANGED } s_result_t;

/* One file of the directory. */
typedef struct {
    char name[256];             /* as in the directory: "all.signature.txt" */
    char kind[NT_TPL_KIND_MAX]; /* a family, or "*" */
    char part[16];              /* one of nt_tpl_parts() */
    char *text;                 /* its text, trailing blank lines cut; malloc'd */
    size_t len;                 /* of text */
    s_result_t result;          /* what import did with it */
    int version, was;           /* the version in force after, and before (0: none) */
    char sha[13];               /* the first 12 hex digits of its SHA-256 */
} s_file_t;

/* The kind and part a file's name says (<kind>.<part>.txt), into f: 0, or
 * -1 after telling what is wrong with the name. */
static int s_name(const char *dir, s_file_t *f)
{
    const char *dot = strchr(f->name, '.');
    size_t n = strlen(f->name);
    const char *ext = n > 4 ? f->name + n - 4 : NULL;
    if (!dot || !ext || strcmp(ext, ".txt") != 0 || dot >= ext ||
        memchr(dot + 1, '.', ext - dot - 1)) {
        fprintf(stderr,
                "%s/%s: not a template's name: <kind>.<part>.txt (kind a kind of letter or"
                " " S_ALL ")\n",
                dir, f->name);
        return -1;
    }
    int kl = (int)(dot - f->name), pl = (int)(ext - dot - 1);
    snprintf(f->kind, sizeof f->kind, "%.*s", kl, f->name);
    snprintf(f->part, sizeof f->part, "%.*s", pl, dot + 1);
    if (strcmp(f->kind, S_ALL) == 0)
        snprintf(f->kind, sizeof f->kind, NT_TPL_EVERY);
    char family[NT_TPL_KIND_MAX];
    int kind_ok = strcmp(f->kind, NT_TPL_EVERY) == 0 ||
                  (kl < NT_TPL_KIND_MAX && nt_tpl_family(f->kind, family, sizeof family) == 0 &&
                   strcmp(family, f->kind) == 0);
    if (!kind_ok) {
        fprintf(stderr, "%s/%s: '%.*s' is not a kind of letter; the kinds are " S_ALL, dir, f->name,
                kl, f->name);
        for (const char *const *k = nt_tpl_families(); *k; k++)
            fprintf(stderr, ", %s", *k);
        fprintf(stderr, "\n");
        return -1;
    }
    if (pl >= (int)sizeof f->part || !nt_tpl_part_known(f->part)) {
        fprintf(stderr, "%s/%s: '%.*s' is not a part of a letter; the parts are", dir, f->name, pl,
                dot + 1);
        for (const char *const *p = nt_tpl_parts(); *p; p++)
            fprintf(stderr, "%s %s", p == nt_tpl_parts() ? "" : ",", *p);
        fprintf(stderr, "\n");
        return -1;
    }
    return 0;
}

/* Read f's file whole into f->text: 0, or -1 (told). */
static int s_read(const char *dir, s_file_t *f)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, f->name);
    FILE *in = fopen(path, "rb");
    struct stat st = {0};
    if (!in || fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "%s: cannot read it as a file: %s\n", path,
                in ? (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file")
                   : strerror(errno));
        if (in)
            fclose(in);
        return -1;
    }
    if (st.st_size > S_FILE_MAX) {
        fprintf(stderr, "%s: %lld bytes; a template is at most %d\n", path, (long long)st.st_size,
                NT_TPL_MAX);
        fclose(in);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    f->text = malloc(size + 1);
    size_t n = f->text ? fread(f->text, 1, size, in) : 0;
    int bad = !f->text || ferror(in) || n != size;
    fclose(in);
    if (bad) {
        fprintf(stderr, "%s: cannot read it\n", path);
        return -1;
    }
    /* The letter puts its own space between parts: blank lines and spaces
     * at the end of a file are the editor's, not the words. */
    while (n && (f->text[n - 1] == '\n' || f->text[n - 1] == ' ' || f->text[n - 1] == '\t'))
        n--;
    f->text[n] = 0;
    f->len = n;
    return 0;
}

/* Judge one file, telling each problem: 0 good, -1 bad. */
static int s_judge(const char *dir, s_file_t *f)
{
    if (s_name(dir, f) != 0 || s_read(dir, f) != 0)
        return -1;
    nt_tpl_error_t e;
    if (nt_tpl_check_n(f->kind, f->part, f->text, f->len, &e) == 0)
        return 0;
    if (e.line)
        fprintf(stderr, "%s/%s:%d:%d: %s\n", dir, f->name, e.line, e.col, e.message);
    else
        fprintf(stderr, "%s/%s: %s\n", dir, f->name, e.message);
    if (strncmp(e.message, "{{", 2) == 0) {
        char vars[512];
        fprintf(stderr, "  %s may use: %s\n",
                strcmp(f->kind, NT_TPL_EVERY) == 0 ? "a template for every letter"
                                                   : "a template of this kind",
                nt_tpl_vars_for(f->kind, vars, sizeof vars));
    }
    return -1;
}

static int s_by_name(const void *a, const void *b)
{
    return strcmp(((const s_file_t *)a)->name, ((const s_file_t *)b)->name);
}

/* The directory's files, sorted, into *files (*n of them): 0, or -1 (told).
 * Hidden files and README files are not templates; everything else is. */
static int s_list_dir(const char *dir, s_file_t **files, size_t *n)
{
    *files = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "candourctl " S_CMD ": cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    *files = calloc(S_FILES_MAX, sizeof **files);
    int rc = *files ? 0 : -1;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
            continue;
        if (*n == S_FILES_MAX || strlen(e->d_name) >= sizeof(*files)->name) {
            fprintf(stderr, "candourctl " S_CMD ": %s has more than %d files, or a name too long\n",
                    dir, S_FILES_MAX);
            rc = -1;
            break;
        }
        snprintf((*files)[(*n)++].name, sizeof(*files)->name, "%s", e->d_name);
    }
    closedir(d);
    if (!*files)
        fprintf(stderr, "candourctl " S_CMD ": out of memory\n");
    if (rc == 0)
        qsort(*files, *n, sizeof **files, s_by_name);
    return rc;
}

/* Write f as org's new version unless its text is the one in force, in the
 * open transaction; what was done into f. 0, or -1 (told). */
static int s_write(PGconn *c, const char *org, s_file_t *f, const char *actor)
{
    const char *v[5] = {org, f->kind, f->part, f->text, actor};
    PGresult *r = ctl_db_query(c, S_CMD,
                               "SELECT version, sha256 = encode(sha256(convert_to($4, 'UTF8')),"
                               " 'hex'), left(sha256, 12) FROM notify.template_current"
                               " WHERE org_id = $1 AND kind = $2 AND part = $3",
                               4, v);
    if (!r)
        return -1;
    f->was = PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : 0;
    int same = PQntuples(r) && strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    if (same) {
        f->result = S_UNCHANGED;
        f->version = f->was;
        snprintf(f->sha, sizeof f->sha, "%s", PQgetvalue(r, 0, 2));
        PQclear(r);
        return 0;
    }
    PQclear(r);
    r = ctl_db_query(c, S_CMD,
                     "INSERT INTO notify.template (org_id, kind, part, version, body, sha256,"
                     " imported_by) SELECT $1, $2, $3, coalesce(max(version), 0) + 1, $4,"
                     " encode(sha256(convert_to($4, 'UTF8')), 'hex'), $5 FROM notify.template"
                     " WHERE org_id = $1 AND kind = $2 AND part = $3"
                     " RETURNING version, left(sha256, 12)",
                     5, v);
    if (!r)
        return -1;
    f->result = f->was ? S_CHANGED : S_NEW;
    f->version = atoi(PQgetvalue(r, 0, 0));
    snprintf(f->sha, sizeof f->sha, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

/* Write the checked files as org's templates, in one transaction, and say
 * what changed. The exit code. */
static int s_store(const char *org, s_file_t *files, size_t n)
{
    char actor[300], name[256];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    int rc = *org ? ctl_templates_org(c, org, name, sizeof name) : 1;
    if (rc <= 0) {
        PQfinish(c);
        return 1;
    }
    /* Serialise importers, so "was" is what was; notify reads the old
     * versions until commit. */
    rc = ctl_db_begin_as(c, S_CMD, actor) == 0 &&
                 ctl_db_exec(c, S_CMD, "LOCK TABLE notify.template IN SHARE ROW EXCLUSIVE MODE", 0,
                             NULL) == 0
             ? 0
             : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = s_write(c, org, &files[i], actor);
    if (rc == 0)
        rc = ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL);
    else
        ctl_db_exec(c, S_CMD, "ROLLBACK", 0, NULL);
    PQfinish(c);
    if (rc != 0) {
        fprintf(stderr, "candourctl " S_CMD ": nothing imported\n");
        return 1;
    }
    int count[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const s_file_t *f = &files[i];
        char label[64];
        snprintf(label, sizeof label, "%s.%s", strcmp(f->kind, NT_TPL_EVERY) ? f->kind : S_ALL,
                 f->part);
        count[f->result]++;
        if (f->result == S_NEW)
            printf("%-34s new, version %d (%s)\n", label, f->version, f->sha);
        else if (f->result == S_CHANGED)
            printf("%-34s changed, version %d; was %d (%s)\n", label, f->version, f->was, f->sha);
        else
            printf("%-34s unchanged, version %d (%s)\n", label, f->version, f->sha);
    }
    printf("templates of %s: %zu file%s: %d new, %d changed, %d unchanged",
           ctl_templates_whose(org), n, n == 1 ? "" : "s", count[S_NEW], count[S_CHANGED],
           count[S_UNCHANGED]);
    if (count[S_NEW] + count[S_CHANGED])
        printf(", by %s\n", actor);
    else
        printf("\n");
    return 0;
}

/* ---------------------------------------------------------------- commands */

static int s_usage(int rc)
{
    FILE *out = rc ? stderr : stdout;
    fprintf(out,
            "Usage: candourctl templates import DIR [--org ORG]\n"
            "       candourctl templates list [--org ORG]\n"
            "       candourctl templates preview --kind KIND [--org ORG] [--pdf FILE]"
            " [--large-print]\n"
            "Letter templates: the words around every letter notify writes, per kind of\n"
            "letter and per body, with {{variables}} from the case. Without --org: Candour's\n"
            "default, for every body (deploy/templates/default); with --org: the body's own.\n"
            "For each part of a letter notify uses the first there is of: the body's for the\n"
            "kind, the body's for all letters, the default for the kind, the default for all;\n"
            "with none, its built-in words.\n"
            "import: DIR holds files <kind>.<part>.txt (UTF-8, at most %d bytes each; kind\n"
            "  '" S_ALL "' for every letter). Every file is checked first, each bad one named\n"
            "  (file:line:col: message), and nothing is imported if one is bad. Each part whose\n"
            "  text changed becomes a new version, in one transaction; the same text again\n"
            "  writes nothing; parts with no file stay as they are. Old versions are kept.\n"
            "  The rows and the audit trail name you (\"ops: <login>\").\n"
            "list: the templates in force (the highest version of each), every body's, or\n"
            "  with --org the default's and the body's.\n"
            "preview: the frame of a KIND letter as it would print: letterhead, a sample\n"
            "  address, date, reference and salutation, a placeholder for the letter's words,\n"
            "  the signature (Candour's \"Yours sincerely\" where there is none) and the\n"
            "  footer, with the sample values below (org.name: the body's own name when it\n"
            "  has one); on stdout, or with --pdf as a PDF into FILE. Where each part came\n"
            "  from is told on stderr. A letter's stored kind (progress-2) is its family's.\n"
            "Parts: letterhead (atop page 1: the body's name, address, switchboard),\n"
            "  signature (after the letter's words), footer (how to reach the complaints\n"
            "  team, after the signature), covering (an ICB's covering letter's words;\n"
            "  covering-letter only).\n"
            "Kinds:",
            NT_TPL_MAX);
    for (const char *const *k = nt_tpl_families(); *k; k++)
        fprintf(out, "%s %s", k == nt_tpl_families() ? "" : ",", *k);
    fprintf(out, "\nVariables ({{name}}; only those every letter of the kind has a value for):\n");
    size_t n;
    const nt_tpl_var_t *vars = nt_tpl_vars(&n);
    for (size_t i = 0; i < n; i++) {
        char in[256] = "";
        size_t len = 0;
        for (size_t j = 0; nt_tpl_families()[j] && len < sizeof in; j++)
            if (vars[i].kinds & (1u << j)) {
                int k = snprintf(in + len, sizeof in - len, "%s%s", len ? ", " : "",
                                 nt_tpl_families()[j]);
                len += k > 0 ? (size_t)k : 0;
            }
        fprintf(out, "  %-24s %s\n  %-24s   sample \"%s\"; %s\n", vars[i].name, vars[i].what, "",
                vars[i].sample,
                nt_tpl_var_allowed(NT_TPL_EVERY, vars[i].name) ? "every letter" : in);
    }
    fprintf(out, "Uses CANDOUR_DB_URL (admin).\n");
    return rc;
}

/* The options of the subcommands: --org (checked) into *org ("" when not
 * given), and for preview --kind, --pdf and --large-print. 0 to go on; else
 * the exit code into *rc (--help, usage). */
typedef struct {
    const char *org, *kind, *pdf;
    int large_print;
} s_opts_t;

static int s_options(int argc, char **argv, int preview, s_opts_t *o, int *rc)
{
    static struct option opts[] = {
        {"org", required_argument, 0, 'o'}, {"kind", required_argument, 0, 'k'},
        {"pdf", required_argument, 0, 'p'}, {"large-print", no_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},      {0, 0, 0, 0}};
    int c;
    *o = (s_opts_t){.org = ""};
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'o' && !ctl_routes_ident_ok(optarg)) {
            fprintf(stderr,
                    "candourctl " S_CMD ": --org '%s' is not a body's id (letters, digits, '.',"
                    " '_' and '-'; at most 64)\n",
                    optarg);
            *rc = 2;
            return 1;
        }
        if (c == 'o')
            o->org = optarg;
        else if (preview && c == 'k')
            o->kind = optarg;
        else if (preview && c == 'p')
            o->pdf = optarg;
        else if (preview && c == 'l')
            o->large_print = 1;
        else {
            *rc = s_usage(c == 'h' ? 0 : 2);
            return 1;
        }
    }
    return 0;
}

static int s_import(int argc, char **argv)
{
    s_opts_t o;
    int rc;
    if (s_options(argc, argv, 0, &o, &rc) != 0)
        return rc;
    if (argc - optind != 1)
        return s_usage(2);
    const char *dir = argv[optind];
    s_file_t *files;
    size_t n;
    if (s_list_dir(dir, &files, &n) != 0) {
        free(files);
        return 1;
    }
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += s_judge(dir, &files[i]) != 0;
    if (n == 0)
        fprintf(stderr, "candourctl " S_CMD ": no templates in %s (files <kind>.<part>.txt)\n",
                dir);
    else if (bad)
        fprintf(stderr, "%zu of %zu file%s bad: nothing imported\n", bad, n,
                n == 1 ? " is" : "s are");
    rc = n == 0 || bad ? 1 : s_store(o.org, files, n);
    for (size_t i = 0; i < n; i++)
        free(files[i].text);
    free(files);
    return rc;
}

static int s_list(int argc, char **argv)
{
    s_opts_t o;
    int rc;
    if (s_options(argc, argv, 0, &o, &rc) != 0)
        return rc;
    if (argc != optind)
        return s_usage(2);
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    char name[256];
    if (*o.org && (rc = ctl_templates_org(c, o.org, name, sizeof name)) <= 0) {
        PQfinish(c);
        return 1;
    }
    const char *v[1] = {o.org};
    PGresult *r =
        ctl_db_query(c, S_CMD,
                     "SELECT CASE WHEN org_id = '' THEN '(default)' ELSE org_id END,"
                     " CASE WHEN kind = '*' THEN '" S_ALL "' ELSE kind END, part, version::text,"
                     " to_char(imported_at, 'YYYY-MM-DD HH24:MI'), imported_by, left(sha256, 12)"
                     " FROM notify.template_current WHERE $1 = '' OR org_id IN ('', $1)"
                     " ORDER BY org_id <> '', org_id, kind <> '*', kind, part",
                     1, v);
    PQfinish(c);
    if (!r)
        return 1;
    static const char *const heads[] = {"ORG",      "KIND",        "PART",  "VERSION",
                                        "IMPORTED", "IMPORTED BY", "SHA256"};
    int nr = PQntuples(r);
    if (nr)
        ctl_print_table(r, heads, 7);
    if (nr)
        printf("%d template%s in force\n", nr, nr == 1 ? "" : "s");
    else
        printf("no templates%s%s: letters use Candour's built-in words\n", *o.org ? " for " : "",
               o.org);
    PQclear(r);
    return 0;
}

static int s_preview(int argc, char **argv)
{
    s_opts_t o;
    int rc;
    if (s_options(argc, argv, 1, &o, &rc) != 0)
        return rc;
    if (argc != optind || !o.kind)
        return s_usage(2);
    return ctl_templates_preview(o.org, o.kind, o.pdf, o.large_print);
}

int ctl_templates(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "import") == 0)
        return s_import(argc, argv);
    if (strcmp(argv[1], "list") == 0)
        return s_list(argc, argv);
    if (strcmp(argv[1], "preview") == 0)
        return s_preview(argc, argv);
    return s_usage(2);
}
