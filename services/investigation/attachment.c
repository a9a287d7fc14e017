/* attachment.c - V4: an evidence item's attachment (see attachment.h): its
 * size and name, and its media type sniffed from the bytes, which the claim
 * may only agree with. Pure: arguments in, a verdict out. */
#include "attachment.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "rules_util.h"

#define IV_MAX_FILENAME 255 /* the longest name most file systems keep */

/* What the bytes are: an IV_MEDIA_* type, or NULL and *what, words for a
 * file we do not take. */
static const char *s_sniff(const unsigned char *p, size_t len, const char *claim,
                           const char **what);

/* Non-zero when p[0..len) is plain text: UTF-8 without control characters
 * but newline and tab, and a carriage return only before a newline. */
static int s_plain_text(const unsigned char *p, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++)
        if (p[i] == '\r') {
            if (i + 1 == len || p[i + 1] != '\n' ||
                !cd_text_ok((const char *)p + start, i - start, 1))
                return 0;
            start = i + 1;
        }
    return cd_text_ok((const char *)p + start, len - start, 1);
}

static int s_starts(const unsigned char *p, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(p, magic, n) == 0;
}

#define S_STARTS(p, len, lit) s_starts(p, len, lit, sizeof lit - 1)

static const char *s_sniff(const unsigned char *p, size_t len, const char *claim, const char **what)
{
    if (S_STARTS(p, len, "%PDF-"))
        return IV_MEDIA_PDF;
    if (S_STARTS(p, len, "\x89PNG\r\n\x1a\n"))
        return IV_MEDIA_PNG;
    if (S_STARTS(p, len, "\xff\xd8\xff"))
        return IV_MEDIA_JPEG;
    if (S_STARTS(p, len,
                 "\x7f"
                 "ELF") ||
        S_STARTS(p, len, "MZ") || S_STARTS(p, len, "\xfe\xed\xfa\xce") ||
        S_STARTS(p, len, "\xfe\xed\xfa\xcf") || S_STARTS(p, len, "\xce\xfa\xed\xfe") ||
        S_STARTS(p, len, "\xcf\xfa\xed\xfe") || S_STARTS(p, len, "\xca\xfe\xba\xbe")) {
        *what = "a program";
        return NULL;
    }
    if (S_STARTS(p, len, "PK\x03\x04")) {
        /* A ZIP is only ever taken as the document it is claimed to be; its
         * entries' names are stored uncompressed, so they can be looked for. */
        if (claim && strcmp(claim, IV_MEDIA_DOCX) == 0) {
            if (!memmem(p, len, "[Content_Types].xml", 19)) {
                *what = "a ZIP archive, not a Word document";
                return NULL;
            }
            if (memmem(p, len, "vbaProject.bin", 14)) {
                *what = "a Word document with macros, which could run code";
                return NULL;
            }
            return IV_MEDIA_DOCX;
        }
        if (claim && strcmp(claim, IV_MEDIA_ODT) == 0) {
            /* ODF: the first entry is "mimetype", stored, holding the type. */
            static const char type[] = IV_MEDIA_ODT;
            size_t extra = len >= 30 ? (size_t)p[28] | (size_t)p[29] << 8 : 0;
            if (len >= 38 + extra + sizeof type - 1 && memcmp(p + 26, "\x08\x00", 2) == 0 &&
                memcmp(p + 30, "mimetype", 8) == 0 &&
                memcmp(p + 38 + extra, type, sizeof type - 1) == 0)
                return IV_MEDIA_ODT;
            *what = "a ZIP archive, not an OpenDocument text document";
            return NULL;
        }
        *what = "a ZIP archive (we take one only as a Word .docx or OpenDocument .odt document,"
                " sent as that type)";
        return NULL;
    }
    if (!s_plain_text(p, len)) {
        *what = "not a PDF, PNG, JPEG, plain text, Word (.docx) or OpenDocument text (.odt)"
                " file";
        return NULL;
    }
    size_t i = S_STARTS(p, len, "\xef\xbb\xbf") ? 3 : 0;
    while (i < len && strchr(" \t\r\n", p[i]))
        i++;
    if (i < len && p[i] == '<') {
        *what = "a web page or markup (HTML, SVG or XML)";
        return NULL;
    }
    if (S_STARTS(p + i, len - i, "#!")) {
        *what = "a script";
        return NULL;
    }
    return IV_MEDIA_TEXT;
}

static const char *s_media_words(const char *type)
{
    static const char *const words[][2] = {
        {IV_MEDIA_PDF, "a PDF document"},
        {IV_MEDIA_PNG, "a PNG image"},
        {IV_MEDIA_JPEG, "a JPEG image"},
        {IV_MEDIA_TEXT, "plain text"},
        {IV_MEDIA_DOCX, "a Word (.docx) document"},
        {IV_MEDIA_ODT, "an OpenDocument text (.odt) document"},
    };
    for (size_t i = 0; i < S_COUNT(words); i++)
        if (strcmp(type, words[i][0]) == 0)
            return words[i][1];
    return NULL;
}

/* The claimed type, lower case and without parameters, as one of ours: 0 and
 * *out (NULL for no claim), or -1 for a type we do not take. */
static int s_claim(const char *claimed, const char **out)
{
    char t[128];
    size_t n = 0;
    const char *s = claimed ? claimed : "";
    s += strspn(s, " \t");
    for (; *s && *s != ';'; s++) {
        if (n + 1 == sizeof t)
            return -1;
        t[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
    }
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        n--;
    t[n] = 0;
    *out = NULL;
    if (n == 0 || strcmp(t, "application/octet-stream") == 0)
        return 0;
    if (strcmp(t, "image/jpg") == 0) {
        *out = IV_MEDIA_JPEG;
        return 0;
    }
    static const char *const ours[] = {IV_MEDIA_PDF,  IV_MEDIA_PNG,  IV_MEDIA_JPEG,
                                       IV_MEDIA_TEXT, IV_MEDIA_DOCX, IV_MEDIA_ODT};
    int i = s_lookup0(ours, S_COUNT(ours), t);
    if (i < 0)
        return -1;
    *out = ours[i];
    return 0;
}

/* n bytes in megabytes (of 1,048,576 bytes) to a tenth, rounded up or down:
 * "10 MB", "2.5 MB"; under a tenth, in bytes. */
static const char *s_megabytes(size_t n, int up, char out[48])
{
    const size_t mb = 1048576;
    size_t tenths = n / mb * 10 + (n % mb * 10 + (up ? mb - 1 : 0)) / mb;
    char g[32];
    if (tenths == 0)
        snprintf(out, 48, "%s bytes", s_grouped(n, g));
    else if (tenths % 10)
        snprintf(out, 48, "%s.%zu MB", s_grouped(tenths / 10, g), tenths % 10);
    else
        snprintf(out, 48, "%s MB", s_grouped(tenths / 10, g));
    return out;
}

int iv_attachment_check(const void *bytes, size_t len, const char *claimed_media_type,
                        const char *filename, size_t max_bytes, const char *field, cd_fail_t *e,
                        const char **media_type_out)
{
    assert(bytes || len == 0);
    assert(max_bytes > 0);
    char a[48], b[48], q[IV_MAX_ECHO + 4];
    if (len == 0)
        return s_fail(e, CD_CODE_REQUIRED, field, "content", "the file is empty");
    if (len > max_bytes)
        return s_fail(e, CD_CODE_TOO_LARGE, field, "content",
                      "the file is %s: the largest we take is %s", s_megabytes(len, 1, a),
                      s_megabytes(max_bytes, 0, b));
    if (s_text(filename, IV_MAX_FILENAME, 0, 0, field, "filename", "the file's name", e))
        return -1;
    if (strpbrk(filename, "/\\") || strcmp(filename, ".") == 0 || strcmp(filename, "..") == 0)
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "filename",
                      "the file's name must be a name only, without folders (no / or \\)");
    const char *claim;
    if (s_claim(claimed_media_type, &claim) != 0) {
        const char *c = claimed_media_type;
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "media_type",
                      "we take PDF, PNG, JPEG, plain text, Word (.docx) and OpenDocument text"
                      " (.odt) files; the type%s is not one of them",
                      s_echo(c, strlen(c), q));
    }
    const char *what = NULL;
    const char *type = s_sniff(bytes, len, claim, &what);
    if (!type)
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "content", "the file is %s", what);
    if (claim && strcmp(claim, type) != 0)
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "media_type",
                      "the file is %s, not %s as its media type says", s_media_words(type),
                      s_media_words(claim));
    *media_type_out = type;
    return 0;
}
