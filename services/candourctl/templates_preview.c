/* templates_preview.c - `candourctl templates preview`: the frame of a
 * letter as notify would print it (letterhead, a sample address, date,
 * reference and salutation, a placeholder for the letter's words, the
 * signature and the footer), each part resolved as notify.template_for
 * resolves it and rendered by notify's own template engine with its
 * documented sample values; on stdout, or typeset as a PDF as notify
 * typesets a letter (pdf.h). templates_cmd.c parses the options and holds
 * the usage; the admin URL (CANDOUR_DB_URL); every value a parameter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "pdf.h"
#include "template.h"

#define S_CMD "templates"

/* The sample address block preview prints (the rest of the frame comes
 * from the variables' samples: reference, today, complainant.salutation). */
static const char *const s_sample_address[] = {"Asha Patel", "14 Sample Street", "Leeds",
                                               "LS1 4AP"};

/* The samples, with the body's own name for org.name when it has one. */
static const char *s_preview_value(const char *name, void *arg)
{
    const char *org_name = arg;
    if (strcmp(name, "org.name") == 0 && org_name && *org_name)
        return org_name;
    return nt_tpl_sample(name, NULL);
}

/* A growing text. */
typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} s_text_t;

static void s_add(s_text_t *t, const char *s)
{
    size_t n = strlen(s);
    if (t->oom)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->oom = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* The row of r (template_for's: part, body, org_id, kind, version, sha256)
 * for part, or -1. */
static int s_row(const PGresult *r, const char *part)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), part) == 0)
            return i;
    return -1;
}

/* part rendered from its row of r (or from fallback, Candour's words, when
 * it has none; NULL fallback: the part is left out), added to t followed by
 * a blank line, with where it came from told on stderr. 0, or -1 (told). */
static int s_part(s_text_t *t, const PGresult *r, const char *part, const char *fallback,
                  const char *org_name)
{
    int i = s_row(r, part);
    const char *body = i >= 0 ? PQgetvalue(r, i, 1) : fallback;
    if (i >= 0)
        fprintf(stderr, "%-10s %s%s, for %s, version %s (%.12s)\n", part,
                ctl_templates_whose(PQgetvalue(r, i, 2)), *PQgetvalue(r, i, 2) ? "'s own" : "",
                strcmp(PQgetvalue(r, i, 3), "*") == 0 ? "every letter" : PQgetvalue(r, i, 3),
                PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
    else
        fprintf(stderr, "%-10s %s\n", part,
                fallback ? "none: Candour's built-in words" : "none: left out");
    if (!body)
        return 0;
    nt_tpl_error_t e;
    char *text = nt_tpl_render(body, s_preview_value, (void *)org_name, &e);
    if (!text) {
        fprintf(stderr, "candourctl " S_CMD ": the %s cannot be rendered: %d:%d: %s\n", part,
                e.line, e.col, e.message);
        return -1;
    }
    s_add(t, text);
    s_add(t, "\n\n");
    free(text);
    return 0;
}

/* The frame of a letter of family with the templates of r. 0, or -1. */
static int s_frame(s_text_t *t, const char *family, const PGresult *r, const char *org_name)
{
    if (s_part(t, r, "letterhead", NULL, org_name) != 0)
        return -1;
    for (size_t i = 0; i < sizeof s_sample_address / sizeof *s_sample_address; i++) {
        s_add(t, s_sample_address[i]);
        s_add(t, "\n");
    }
    s_add(t, "\n");
    s_add(t, nt_tpl_sample("today", NULL));
    s_add(t, "\n\nOur reference: ");
    s_add(t, nt_tpl_sample("reference", NULL));
    s_add(t, "\n\nDear ");
    s_add(t, nt_tpl_sample("complainant.salutation", NULL));
    s_add(t, ",\n\n");
    if (strcmp(family, "covering-letter") == 0 && s_row(r, "covering") >= 0) {
        if (s_part(t, r, "covering", NULL, org_name) != 0)
            return -1;
    } else {
        s_add(t, "[The words of the ");
        s_add(t, family);
        s_add(t, " letter.]\n\n");
    }
    if (s_part(t, r, "signature", NT_TPL_BUILTIN_SIGNATURE, org_name) != 0 ||
        s_part(t, r, "footer", NULL, org_name) != 0)
        return -1;
    /* One new line at the end, not a blank line. */
    while (t->len > 1 && t->p[t->len - 1] == '\n' && t->p[t->len - 2] == '\n')
        t->p[--t->len] = 0;
    return 0;
}

/* text as a PDF into path, as notify typesets a letter. The exit code. */
static int s_pdf(const char *text, const char *path, const char *org_name, int has_letterhead,
                 int large_print)
{
    /* A letterhead template is the letterhead: the body's name is not put
     * atop the page as well. */
    nt_pdf_opts_t o = {.reference = nt_tpl_sample("reference", NULL),
                       .large_print = large_print,
                       .org_name = has_letterhead ? NULL : org_name};
    unsigned char *pdf;
    size_t len;
    char err[256];
    if (nt_pdf_render(text, &o, &pdf, &len, err, sizeof err) != 0) {
        fprintf(stderr, "candourctl " S_CMD ": %s\n", err);
        return 1;
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(pdf, 1, len, f) == len;
    ok = f && fclose(f) == 0 && ok;
    free(pdf);
    if (!ok) {
        fprintf(stderr, "candourctl " S_CMD ": cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("%s: a PDF of %zu bytes\n", path, len);
    return 0;
}

int ctl_templates_preview(const char *org, const char *kind, const char *pdf, int large_print)
{
    int rc;
    char family[NT_TPL_KIND_MAX];
    if (nt_tpl_family(kind, family, sizeof family) != 0) {
        fprintf(stderr, "candourctl " S_CMD ": '%s' is not a kind of letter; the kinds are", kind);
        for (const char *const *k = nt_tpl_families(); *k; k++)
            fprintf(stderr, "%s %s", k == nt_tpl_families() ? "" : ",", *k);
        fprintf(stderr, "\n");
        return 2;
    }
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    char org_name[256] = "";
    if (*org && ctl_templates_org(c, org, org_name, sizeof org_name) <= 0) {
        PQfinish(c);
        return 1;
    }
    const char *v[2] = {org, family};
    PGresult *r = ctl_db_query(
        c, S_CMD,
        "SELECT part, body, org_id, kind, version::text, sha256 FROM notify.template_for($1, $2)",
        2, v);
    PQfinish(c);
    if (!r)
        return 1;
    if (!*org_name)
        snprintf(org_name, sizeof org_name, "%s", nt_tpl_sample("org.name", NULL));
    s_text_t t = {0};
    rc = s_frame(&t, family, r, org_name) == 0 ? 0 : 1;
    if (rc == 0 && t.oom)
        rc = (fprintf(stderr, "candourctl " S_CMD ": out of memory\n"), 1);
    if (rc == 0 && pdf)
        rc = s_pdf(t.p, pdf, org_name, s_row(r, "letterhead") >= 0, large_print);
    else if (rc == 0)
        fputs(t.p, stdout);
    PQclear(r);
    free(t.p);
    return rc;
}
