/* template.h - letter templates as data: the words a body puts around every
 * letter (its letterhead, its sign-off, its footer, an ICB's covering
 * letter), with {{variables}} filled from the case (pure: no I/O).
 *
 * A template belongs to a family of letters (nt_tpl_families: the kinds
 * notify writes, without the suffix a stored letter's kind may carry, as
 * "progress-2" is a progress letter), or to "*", every letter, and is one
 * part of the letter (nt_tpl_parts). Its text is plain UTF-8 with
 * {{name}} where a value goes (spaces inside the braces allowed); there are
 * no conditionals, and nothing else is special.
 *
 * "Never a blank in a letter" is kept twice over. At import
 * (nt_tpl_check), a template may name only the variables whose value every
 * letter of its family has (nt_tpl_vars; a "*" template only those every
 * family has), so a template that could print a blank is refused, with the
 * line and column. At rendering (nt_tpl_render), a variable the caller
 * cannot fill fails the whole letter rather than print nothing.
 *
 * notify.template (migration 0025) keeps every version; `candourctl
 * templates import|list|preview` (templates_cmd.c) manage them. */
#ifndef NOTIFY_TEMPLATE_H
#define NOTIFY_TEMPLATE_H

#include <stddef.h>

/* The most bytes one part's text may have. */
#define NT_TPL_MAX 8192
/* Room for any family's name and its NUL (nt_tpl_family's out). */
#define NT_TPL_KIND_MAX 32
/* The kind of a template for every letter. */
#define NT_TPL_EVERY "*"

/* Candour's own sign-off, where a body has no signature template: the same
 * words letters.c writes, as a template every letter can fill. */
#define NT_TPL_BUILTIN_SIGNATURE "Yours sincerely,\n\n{{signatory.name}}\n{{signatory.role}}"

/* Where a template went wrong. line and col (1-based; col counts characters,
 * not bytes) point at the problem in the text, or are 0 when it is about
 * the template as a whole (its kind, its part, its size, an empty text).
 * message is plain words, naming the variable when there is one. */
typedef struct {
    int line, col;
    char message[200];
} nt_tpl_error_t;

/* A variable templates may use. */
typedef struct {
    const char *name;   /* as written between the braces: "org.name" */
    unsigned kinds;     /* the families (bit i: nt_tpl_families()[i]) whose every letter has it */
    const char *what;   /* what its value is, in words, for help text */
    const char *sample; /* the documented value `templates preview` prints */
} nt_tpl_var_t;

/* The families, NULL-terminated, in a fixed order (bit i of a var's kinds is
 * the i-th). */
const char *const *nt_tpl_families(void);

/* The parts, NULL-terminated: "letterhead", "signature", "footer",
 * "covering". */
const char *const *nt_tpl_parts(void);

/* The variable table; *n its length. */
const nt_tpl_var_t *nt_tpl_vars(size_t *n);

/* The family of a letter's kind as notify stores it ("progress-2",
 * "late-response-2026-12-20", "acknowledgement") into out (n bytes;
 * NT_TPL_KIND_MAX is always enough): 0, or -1 when the kind is of no family
 * (or is "*", which is no letter's kind), or out is too small; out is then
 * "" (when n > 0). A suffix is '-' and letters, digits and '-'. */
int nt_tpl_family(const char *letter_kind, char *out, size_t n);

/* 1 when part is one of nt_tpl_parts(), else 0. */
int nt_tpl_part_known(const char *part);

/* 1 when a template of kind (a family or "*") may have part: "covering" only
 * for "covering-letter"; every other part for any kind. 0 otherwise, and for
 * an unknown kind or part. */
int nt_tpl_part_allowed(const char *kind, const char *part);

/* 1 when a template of kind (a family or "*") may use variable name: every
 * letter of the family has a value for it (for "*", every letter of every
 * family). */
int nt_tpl_var_allowed(const char *kind, const char *name);

/* The variables kind (a family or "*") may use, comma-separated, into out
 * (truncated to n; "" for an unknown kind). Returns out. */
char *nt_tpl_vars_for(const char *kind, char *out, size_t n);

/* 0 when text is a valid template for (kind, part), else -1 with err filled.
 * kind is a family or "*" (a stored letter's kind, with a suffix, is not:
 * take its family first). Refused: an unknown kind or part, a part the kind
 * may not have, more than NT_TPL_MAX bytes, text that is blank, not valid
 * UTF-8, or holds control characters other than \n and \t (a \r or a
 * byte-order mark is named as such), an unclosed "{{" (a variable is on one
 * line), "}}" with no "{{", an empty name, a name with other characters
 * than a-z, 0-9, '.', '_' and '-', a variable not in the table, or one not
 * allowed for kind (nt_tpl_var_allowed), and a known variable in single
 * braces ("{org.name}", which would print as written). The first problem is
 * the one reported. */
int nt_tpl_check(const char *kind, const char *part, const char *text, nt_tpl_error_t *err);
/* The same for len bytes of text (which may hold a NUL: it is a control
 * character, and refused where it is). */
int nt_tpl_check_n(const char *kind, const char *part, const char *text, size_t len,
                   nt_tpl_error_t *err);

/* A variable's value for a letter, or NULL when it has none. */
typedef const char *(*nt_tpl_lookup_fn)(const char *name, void *arg);

/* text with each {{name}} replaced by lookup(name, arg): a malloc'd string,
 * the caller frees it. NULL with err filled (line and column of the
 * variable) when a variable has no value (lookup gives NULL or ""): never a
 * blank in a letter. NULL too when the text is not a valid template (as
 * nt_tpl_check finds it, kind and part aside) or out of memory (line 0).
 * Values are put in as they are: a "{{" in a value is not read again. */
char *nt_tpl_render(const char *text, nt_tpl_lookup_fn lookup, void *arg, nt_tpl_error_t *err);

/* A lookup that gives each variable's documented sample value
 * (nt_tpl_var_t.sample; arg unused): what `templates preview` prints. */
const char *nt_tpl_sample(const char *name, void *arg);

#endif
