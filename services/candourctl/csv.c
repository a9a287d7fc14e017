/* csv.c - an RFC 4180 CSV reader (see csv.h): one record at a time, the
 * fields unquoted into a buffer of the reader's own. A small state machine
 * over the bytes; it knows nothing of what the columns mean. */
#include "csv.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctl_csv_t {
    const char *text; /* the caller's text */
    size_t len;       /* its length */
    size_t pos;       /* the next byte to read */
    size_t line;      /* the 1-based line pos is on */
    size_t rec_line;  /* the line the current record starts on, or the error's line */
    char *buf;        /* the current record's fields, each NUL-terminated */
    size_t buf_len;   /* bytes used in buf */
    size_t buf_cap;   /* bytes allocated for buf */
    size_t *offs;     /* where each field starts in buf */
    size_t nfields;   /* fields in the current record */
    size_t offs_cap;  /* entries allocated for offs */
    int failed;       /* an error was met: every later call returns -1 */
    char error[96];   /* what the error was */
};

ctl_csv_t *ctl_csv_new(const char *text, size_t len)
{
    assert(text || len == 0);
    ctl_csv_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->text = text ? text : "";
    self->len = len;
    self->line = 1;
    /* Spreadsheets save "CSV UTF-8" with a byte order mark; it is not data. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        self->pos = 3;
    return self;
}

void ctl_csv_destroy(ctl_csv_t **pself)
{
    assert(pself);
    ctl_csv_t *self = *pself;
    if (!self)
        return;
    free(self->buf);
    free(self->offs);
    free(self);
    *pself = NULL;
}

static int s_fail(ctl_csv_t *self, size_t line, const char *message)
{
    self->failed = 1;
    self->rec_line = line;
    snprintf(self->error, sizeof self->error, "%s", message);
    return -1;
}

static int s_put(ctl_csv_t *self, char c)
{
    if (self->buf_len == self->buf_cap) {
        size_t cap = self->buf_cap ? self->buf_cap * 2 : 256;
        char *p = realloc(self->buf, cap);
        if (!p)
            return s_fail(self, self->line, "out of memory");
        self->buf = p;
        self->buf_cap = cap;
    }
    self->buf[self->buf_len++] = c;
    return 0;
}

static int s_start_field(ctl_csv_t *self)
{
    if (self->nfields == self->offs_cap) {
        size_t cap = self->offs_cap ? self->offs_cap * 2 : 16;
        size_t *p = realloc(self->offs, cap * sizeof *p);
        if (!p)
            return s_fail(self, self->line, "out of memory");
        self->offs = p;
        self->offs_cap = cap;
    }
    self->offs[self->nfields++] = self->buf_len;
    return 0;
}

/* A quoted field, from its opening quote to just after its closing one. */
static int s_quoted(ctl_csv_t *self)
{
    size_t opened = self->line;
    self->pos++;
    for (;;) {
        if (self->pos >= self->len)
            return s_fail(self, opened, "unterminated quoted field (no closing quote)");
        char c = self->text[self->pos];
        if (c == '"') {
            if (self->pos + 1 < self->len && self->text[self->pos + 1] == '"') {
                self->pos += 2;
                if (s_put(self, '"') != 0)
                    return -1;
                continue;
            }
            self->pos++;
            return 0;
        }
        if (c == '\0')
            return s_fail(self, self->line, "NUL byte");
        if (c == '\n')
            self->line++;
        if (s_put(self, c) != 0)
            return -1;
        self->pos++;
    }
}

static int s_unquoted(ctl_csv_t *self)
{
    while (self->pos < self->len) {
        char c = self->text[self->pos];
        if (c == ',' || c == '\n' || c == '\r')
            return 0;
        if (c == '"')
            return s_fail(
                self, self->line,
                "quote inside an unquoted field (quote the whole field, double the quote)");
        if (c == '\0')
            return s_fail(self, self->line, "NUL byte");
        if (s_put(self, c) != 0)
            return -1;
        self->pos++;
    }
    return 0;
}

int ctl_csv_next(ctl_csv_t *self)
{
    assert(self);
    if (self->failed)
        return -1;
    /* Blank lines (a trailing one above all) are no records. */
    while (self->pos < self->len) {
        const char *t = self->text + self->pos;
        if (t[0] == '\n')
            self->pos++;
        else if (t[0] == '\r' && self->pos + 1 < self->len && t[1] == '\n')
            self->pos += 2;
        else
            break;
        self->line++;
    }
    if (self->pos >= self->len)
        return 0;
    self->rec_line = self->line;
    self->buf_len = 0;
    self->nfields = 0;
    for (;;) {
        if (s_start_field(self) != 0)
            return -1;
        int quoted = self->pos < self->len && self->text[self->pos] == '"';
        if ((quoted ? s_quoted(self) : s_unquoted(self)) != 0)
            return -1;
        if (s_put(self, '\0') != 0)
            return -1;
        if (self->pos >= self->len)
            return 1;
        const char *t = self->text + self->pos;
        if (t[0] == ',') {
            self->pos++;
            continue;
        }
        if (t[0] == '\n') {
            self->pos++;
            self->line++;
            return 1;
        }
        if (t[0] == '\r' && self->pos + 1 < self->len && t[1] == '\n') {
            self->pos += 2;
            self->line++;
            return 1;
        }
        if (t[0] == '\r')
            return s_fail(self, self->line, "carriage return not followed by a line feed");
        assert(quoted); /* an unquoted field stops only at a delimiter */
        return s_fail(self, self->line,
                      "text after a closing quote (double a quote inside quotes)");
    }
}

size_t ctl_csv_count(const ctl_csv_t *self)
{
    assert(self);
    return self->failed ? 0 : self->nfields;
}

const char *ctl_csv_field(const ctl_csv_t *self, size_t i)
{
    assert(self && !self->failed && i < self->nfields);
    return self->buf + self->offs[i];
}

size_t ctl_csv_line(const ctl_csv_t *self)
{
    assert(self);
    return self->rec_line;
}

const char *ctl_csv_error(const ctl_csv_t *self)
{
    assert(self);
    return self->failed ? self->error : NULL;
}
