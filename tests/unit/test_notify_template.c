/* test_notify_template.c - letter templates (services/notify/template.h):
 * the families of stored letter kinds, which parts and variables each kind
 * may have, the check made at import (line and column of each problem, a
 * table of bad inputs), rendering that fails rather than print a blank,
 * and Candour's shipped default templates passing the check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

/* The check of text as a (kind, part) template; its error in *e. */
static int s_check(const char *kind, const char *part, const char *text, nt_tpl_error_t *e)
{
    memset(e, 0, sizeof *e);
    return nt_tpl_check(kind, part, text, e);
}

#define REFUSED_AT(kind, part, text, l, c, needle)                                                 \
    do {                                                                                           \
        nt_tpl_error_t e_;                                                                         \
        cr_assert_eq(s_check((kind), (part), (text), &e_), -1, "accepted: %s", (text));            \
        cr_expect_eq(e_.line, (l), "line %d, not %d: %s", e_.line, (l), e_.message);               \
        cr_expect_eq(e_.col, (c), "col %d, not %d: %s", e_.col, (c), e_.message);                  \
        cr_expect(strstr(e_.message, (needle)), "no \"%s\" in \"%s\"", (needle), e_.message);      \
    } while (0)

#define ACCEPTED(kind, part, text)                                                                 \
    do {                                                                                           \
        nt_tpl_error_t e_;                                                                         \
        cr_assert_eq(s_check((kind), (part), (text), &e_), 0, "refused at %d:%d: %s", e_.line,     \
                     e_.col, e_.message);                                                          \
    } while (0)

/* ---------------------------------------------------------------- kinds */

Test(notify_template, family_of_suffixed_kinds)
{
    static const char *const cases[][2] = {
        {"acknowledgement", "acknowledgement"},
        {"progress-2", "progress"},
        {"progress-12", "progress"},
        {"extension-2026-12-20", "extension"},
        {"late-response-2026-12-20", "late-response"},
        {"late-response", "late-response"},
        {"final-response", "final-response"},
        {"covering-letter", "covering-letter"},
        {"withdrawal-confirmation", "withdrawal-confirmation"},
        {"consent-request", "consent-request"},
        {"triage-outcome", "triage-outcome"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[NT_TPL_KIND_MAX];
        cr_assert_eq(nt_tpl_family(cases[i][0], out, sizeof out), 0, "%s", cases[i][0]);
        cr_expect_str_eq(out, cases[i][1]);
    }
}

Test(notify_template, kinds_of_no_family_are_refused)
{
    static const char *const bad[] = {
        "",
        "*",
        "progres",
        "progress-",
        "progress2",
        "late",
        "response",
        "Progress-2",
        "acknowledgement-",
        "progress-2/..",
        "progress-2 ",
        "final-response-x y",
        "all",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[NT_TPL_KIND_MAX] = "x";
        cr_expect_eq(nt_tpl_family(bad[i], out, sizeof out), -1, "'%s' has a family", bad[i]);
        cr_expect_str_eq(out, "", "'%s'", bad[i]);
    }
    char small[4];
    cr_expect_eq(nt_tpl_family("progress-2", small, sizeof small), -1, "too small an out");
}

Test(notify_template, every_family_is_its_own_family)
{
    for (const char *const *k = nt_tpl_families(); *k; k++) {
        char out[NT_TPL_KIND_MAX];
        cr_assert_eq(nt_tpl_family(*k, out, sizeof out), 0, "%s", *k);
        cr_expect_str_eq(out, *k);
        cr_expect_lt(strlen(*k), NT_TPL_KIND_MAX);
    }
}

Test(notify_template, parts_are_the_four_and_covering_is_for_the_covering_letter_only)
{
    cr_expect(nt_tpl_part_known("letterhead"));
    cr_expect(nt_tpl_part_known("signature"));
    cr_expect(nt_tpl_part_known("footer"));
    cr_expect(nt_tpl_part_known("covering"));
    cr_expect_not(nt_tpl_part_known("header"));
    cr_expect_not(nt_tpl_part_known(""));
    cr_expect(nt_tpl_part_allowed("covering-letter", "covering"));
    cr_expect_not(nt_tpl_part_allowed("final-response", "covering"));
    cr_expect_not(nt_tpl_part_allowed("*", "covering"));
    cr_expect(nt_tpl_part_allowed("*", "footer"));
    cr_expect_not(nt_tpl_part_allowed("progress-2", "footer"), "a stored kind is not a family");
    nt_tpl_error_t e;
    cr_expect_eq(s_check("progress", "covering", "Words.", &e), -1);
    cr_expect_eq(e.line, 0);
    cr_expect(strstr(e.message, "covering-letter"), "%s", e.message);
    cr_expect_eq(s_check("*", "covering", "Words.", &e), -1);
    cr_expect_eq(s_check("progress", "header", "Words.", &e), -1);
    cr_expect(strstr(e.message, "header"), "%s", e.message);
    cr_expect_eq(s_check("progress-2", "footer", "Words.", &e), -1);
    cr_expect(strstr(e.message, "progress-2"), "%s", e.message);
    ACCEPTED("covering-letter", "covering", "I enclose our response ({{reference}}).");
}

/* ---------------------------------------------------------------- variables */

Test(notify_template, every_kind_has_the_common_variables)
{
    static const char *const common[] = {"reference",      "today",
                                         "org.name",       "signatory.name",
                                         "signatory.role", "complainant.salutation"};
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
        cr_expect(nt_tpl_var_allowed("*", common[i]), "%s", common[i]);
        for (const char *const *k = nt_tpl_families(); *k; k++)
            cr_expect(nt_tpl_var_allowed(*k, common[i]), "%s in %s", common[i], *k);
    }
}

Test(notify_template, response_due_only_where_every_letter_has_a_response_date)
{
    static const char *const with[] = {"acknowledgement", "progress", "extension", "late-response"};
    static const char *const without[] = {"consent-request",         "triage-outcome",
                                          "final-response",          "covering-letter",
                                          "withdrawal-confirmation", "*"};
    for (size_t i = 0; i < sizeof with / sizeof with[0]; i++) {
        cr_expect(nt_tpl_var_allowed(with[i], "response.due"), "%s", with[i]);
        ACCEPTED(with[i], "footer", "We will reply by {{response.due}}.");
    }
    for (size_t i = 0; i < sizeof without / sizeof without[0]; i++) {
        cr_expect_not(nt_tpl_var_allowed(without[i], "response.due"), "%s", without[i]);
        REFUSED_AT(without[i], "footer", "We will reply by {{response.due}}.", 1, 18,
                   "response.due");
    }
}

Test(notify_template, star_templates_may_use_only_common_variables)
{
    ACCEPTED("*", "signature",
             "Yours sincerely,\n\n{{signatory.name}}\n{{signatory.role}}\n{{org.name}}");
    ACCEPTED("*", "footer", "Quote {{reference}}, {{complainant.salutation}}. {{today}}");
    REFUSED_AT("*", "footer", "Line one.\nWe reply by {{response.due}}.", 2, 13, "every letter");
    nt_tpl_error_t e;
    s_check("*", "footer", "{{response.due}}", &e);
    cr_expect(strstr(e.message, "{{response.due}}"), "the message names the variable: %s",
              e.message);
    char vars[512];
    nt_tpl_vars_for("*", vars, sizeof vars);
    cr_expect(strstr(vars, "reference") && !strstr(vars, "response.due"), "%s", vars);
    nt_tpl_vars_for("acknowledgement", vars, sizeof vars);
    cr_expect(strstr(vars, "response.due"), "%s", vars);
    nt_tpl_vars_for("nonsense", vars, sizeof vars);
    cr_expect_str_eq(vars, "");
}

Test(notify_template, unknown_variable_is_refused_at_import_with_line_and_column)
{
    REFUSED_AT("acknowledgement", "footer",
               "Dear reader,\n\nPlease quote {{reference}} and {{ org.nmae }} too.", 3, 32,
               "{{org.nmae}}");
    /* Columns count characters, not bytes: "é" and "£" are one each. */
    REFUSED_AT("progress", "letterhead", "Café £5 {{nope}}", 1, 9, "{{nope}}");
    /* Tabs count one. */
    REFUSED_AT("progress", "letterhead", "\t{{nope}}", 1, 2, "nope");
}

Test(notify_template, spaces_inside_the_braces_are_allowed)
{
    ACCEPTED("final-response", "signature", "{{ signatory.name }}\n{{\tsignatory.role\t}}");
    nt_tpl_error_t e;
    char *out = nt_tpl_render("[{{ reference }}]", nt_tpl_sample, NULL, &e);
    cr_assert_not_null(out, "%s", e.message);
    cr_expect_str_eq(out, "[CDR-SAMP-LE00]");
    free(out);
}

/* ---------------------------------------------------------------- bad inputs */

Test(notify_template, bad_inputs_are_refused_with_where_and_why)
{
    static const struct {
        const char *text;
        int line, col;
        const char *says;
    } bad[] = {
        {"Unclosed {{reference", 1, 10, "not closed"},
        {"Unclosed {{reference}\n}", 1, 10, "not closed"},
        {"A {{ref\nerence}}", 1, 3, "not closed"},
        {"{{", 1, 1, "not closed"},
        {"x {{}}", 1, 3, "no variable's name"},
        {"x\n\n  {{   }}", 3, 3, "no variable's name"},
        {"{{Org.Name}}", 1, 1, "not a variable"},
        {"{{org name}}", 1, 1, "not a variable"},
        {"{{ {{reference}} }}", 1, 1, "not a variable"},
        {"{{org.name}}}} x", 1, 13, "'}}'"},
        {"Closing }} alone", 1, 9, "'}}'"},
        {"Single {org.name} braces", 1, 8, "single braces"},
        {"line\r\nline", 1, 5, "carriage return"},
        {"bell \a here", 1, 6, "control character"},
        {"esc \x1b[1m", 1, 5, "control character"},
        {"del \x7f", 1, 5, "control character"},
        {"c1 \xc2\x85 next line", 1, 4, "control character"},
        {"bad \xff byte", 1, 5, "UTF-8"},
        {"lone \x80 continuation", 1, 6, "UTF-8"},
        {"overlong \xc0\xaf slash", 1, 10, "UTF-8"},
        {"overlong \xe0\x80\xaf", 1, 10, "UTF-8"},
        {"surrogate \xed\xa0\x80", 1, 11, "UTF-8"},
        {"too high \xf4\x90\x80\x80", 1, 10, "UTF-8"},
        {"truncated \xe2\x82", 1, 11, "UTF-8"},
        {"\xef\xbb\xbfWith a BOM", 1, 1, "byte-order mark"},
        {"sep \xe2\x80\xa8 here", 1, 5, "separator"},
        {"", 0, 0, "empty"},
        {" \n\t\n", 0, 0, "empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nt_tpl_error_t e;
        cr_expect_eq(s_check("progress", "footer", bad[i].text, &e), -1, "accepted [%zu] %s", i,
                     bad[i].text);
        cr_expect_eq(e.line, bad[i].line, "[%zu] line %d, not %d: %s", i, e.line, bad[i].line,
                     e.message);
        cr_expect_eq(e.col, bad[i].col, "[%zu] col %d, not %d: %s", i, e.col, bad[i].col,
                     e.message);
        cr_expect(strstr(e.message, bad[i].says), "[%zu] no \"%s\" in \"%s\"", i, bad[i].says,
                  e.message);
    }
}

Test(notify_template, a_nul_byte_is_a_control_character)
{
    static const char text[] = "before\0after {{reference}}";
    nt_tpl_error_t e;
    cr_assert_eq(nt_tpl_check_n("progress", "footer", text, sizeof text - 1, &e), -1);
    cr_expect_eq(e.line, 1);
    cr_expect_eq(e.col, 7);
    cr_expect(strstr(e.message, "control character"), "%s", e.message);
}

Test(notify_template, oversize_parts_are_refused_and_the_limit_itself_is_not)
{
    char *text = malloc(NT_TPL_MAX + 2);
    cr_assert_not_null(text);
    memset(text, 'a', NT_TPL_MAX + 1);
    text[NT_TPL_MAX + 1] = 0;
    nt_tpl_error_t e;
    cr_expect_eq(s_check("*", "footer", text, &e), -1);
    cr_expect_eq(e.line, 0);
    cr_expect(strstr(e.message, "8192"), "%s", e.message);
    cr_expect_null(nt_tpl_render(text, nt_tpl_sample, NULL, &e));
    text[NT_TPL_MAX] = 0;
    ACCEPTED("*", "footer", text);
    free(text);
}

Test(notify_template, the_first_problem_is_the_one_told)
{
    REFUSED_AT("progress", "footer", "ok {{reference}}\n{{nope}} \xff {{", 2, 1, "nope");
}

/* ---------------------------------------------------------------- render */

/* A lookup with one value missing (arg: the name to leave out) and one
 * that is "" ("today"). */
static const char *s_values(const char *name, void *arg)
{
    if (arg && strcmp(name, arg) == 0)
        return NULL;
    if (strcmp(name, "today") == 0)
        return "";
    return nt_tpl_sample(name, NULL);
}

Test(notify_template, render_fills_each_variable_and_keeps_the_rest_as_written)
{
    nt_tpl_error_t e;
    char *out = nt_tpl_render("Yours sincerely,\n\n{{signatory.name}}\n{{signatory.role}}\n"
                              "{{org.name}} { not a variable } £5 {x}",
                              nt_tpl_sample, NULL, &e);
    cr_assert_not_null(out, "%s", e.message);
    cr_expect_str_eq(out, "Yours sincerely,\n\nDr Alex Morgan\nHead of Patient Experience\n"
                          "NHS Sample Integrated Care Board { not a variable } £5 {x}");
    free(out);
}

Test(notify_template, missing_value_renders_nothing_not_a_blank)
{
    nt_tpl_error_t e;
    cr_expect_null(nt_tpl_render("Ref {{reference}}\nSigned {{signatory.name}}", s_values,
                                 "signatory.name", &e));
    cr_expect_eq(e.line, 2);
    cr_expect_eq(e.col, 8);
    cr_expect(strstr(e.message, "{{signatory.name}}"), "%s", e.message);
    /* An empty value is a blank too. */
    cr_expect_null(nt_tpl_render("Dated {{today}}", s_values, NULL, &e));
    cr_expect(strstr(e.message, "today"), "%s", e.message);
    /* And a variable Candour does not know has no value. */
    cr_expect_null(nt_tpl_render("{{nope}}", nt_tpl_sample, NULL, &e));
}

Test(notify_template, render_refuses_what_the_check_refuses)
{
    nt_tpl_error_t e;
    cr_expect_null(nt_tpl_render("Unclosed {{reference", nt_tpl_sample, NULL, &e));
    cr_expect_eq(e.col, 10);
    cr_expect_null(nt_tpl_render("bad \xff", nt_tpl_sample, NULL, &e));
}

/* A value holding braces goes in as it is, never read as a template. */
static const char *s_braces(const char *name, void *arg)
{
    return "{{reference}}";
}

Test(notify_template, values_are_not_read_again)
{
    nt_tpl_error_t e;
    char *out = nt_tpl_render("<{{org.name}}>", s_braces, NULL, &e);
    cr_assert_not_null(out, "%s", e.message);
    cr_expect_str_eq(out, "<{{reference}}>");
    free(out);
}

Test(notify_template, text_without_variables_renders_as_written)
{
    nt_tpl_error_t e;
    char *out = nt_tpl_render("", nt_tpl_sample, NULL, &e);
    cr_assert_not_null(out);
    cr_expect_str_eq(out, "");
    free(out);
    out = nt_tpl_render("Plain words.\n", nt_tpl_sample, NULL, &e);
    cr_assert_not_null(out);
    cr_expect_str_eq(out, "Plain words.\n");
    free(out);
}

Test(notify_template, every_variable_has_a_sample_and_words)
{
    size_t n;
    const nt_tpl_var_t *v = nt_tpl_vars(&n);
    cr_assert_geq(n, 7);
    for (size_t i = 0; i < n; i++) {
        cr_expect(v[i].sample && *v[i].sample, "%s", v[i].name);
        cr_expect(v[i].what && *v[i].what, "%s", v[i].name);
        cr_expect_str_eq(nt_tpl_sample(v[i].name, NULL), v[i].sample);
        cr_expect_neq(v[i].kinds, 0u, "%s is in no kind", v[i].name);
    }
    cr_expect_str_eq(nt_tpl_sample("reference", NULL), "CDR-SAMP-LE00");
    cr_expect_str_eq(nt_tpl_sample("today", NULL), "Friday 4 December 2026");
    cr_expect_null(nt_tpl_sample("nope", NULL));
}

Test(notify_template, the_builtin_signature_is_a_template_for_every_letter)
{
    ACCEPTED("*", "signature", NT_TPL_BUILTIN_SIGNATURE);
}

/* ---------------------------------------------------------------- shipped */

/* Each of deploy/templates/default/<kind>.<part>.txt, as import reads it. */
static void s_shipped(const char *file, const char *kind, const char *part)
{
    char path[1024], text[NT_TPL_MAX + 2];
    snprintf(path, sizeof path, "%s/deploy/templates/default/%s", CANDOUR_SOURCE_DIR, file);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    nt_tpl_error_t e;
    cr_expect_eq(nt_tpl_check_n(kind, part, text, n, &e), 0, "%s:%d:%d: %s", file, e.line, e.col,
                 e.message);
    char *out = nt_tpl_render(text, nt_tpl_sample, NULL, &e);
    cr_assert_not_null(out, "%s: %s", file, e.message);
    cr_expect_null(strstr(out, "{{"), "%s renders with braces left: %s", file, out);
    free(out);
}

Test(notify_template, the_shipped_defaults_pass_the_check)
{
    s_shipped("all.signature.txt", "*", "signature");
    s_shipped("all.footer.txt", "*", "footer");
    s_shipped("covering-letter.covering.txt", "covering-letter", "covering");
}
