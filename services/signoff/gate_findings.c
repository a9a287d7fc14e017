/* gate_findings.c - the quality gate's list of findings (gate.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

void so_findings_add(so_findings_t *f, const char *check, so_severity_t severity, int paragraph,
                     int sentence, const char *key_issue, const char *fmt, ...)
{
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 16;
        so_finding_t *v = realloc(f->v, nc * sizeof *v);
        if (!v) {
            f->oom = 1;
            return;
        }
        f->v = v;
        f->cap = nc;
    }
    so_finding_t *x = &f->v[f->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->check, sizeof x->check, "%s", check);
    x->severity = severity;
    x->paragraph = paragraph;
    x->sentence = sentence;
    snprintf(x->key_issue, sizeof x->key_issue, "%s", key_issue ? key_issue : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof x->message, fmt, ap);
    va_end(ap);
}

void so_findings_free(so_findings_t *f)
{
    free(f->v);
    memset(f, 0, sizeof *f);
}
