/* attachment.h - V4: whether a file attached to an item of evidence may be
 * kept: its size, its name, and its media type, decided from the bytes
 * themselves rather than from what the sender claims. Pure.
 *
 * Refusals and text follow casework.h's conventions (0, or -1 with the
 * cd_fail_t filled on `field` plus the member refused). */
#ifndef INVESTIGATION_ATTACHMENT_H
#define INVESTIGATION_ATTACHMENT_H

#include <stddef.h>

#include "candour/errcode.h"

/* The media types an attachment may have: what the bytes decide. */
#define IV_MEDIA_PDF "application/pdf"
#define IV_MEDIA_PNG "image/png"
#define IV_MEDIA_JPEG "image/jpeg"
#define IV_MEDIA_TEXT "text/plain"
#define IV_MEDIA_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define IV_MEDIA_ODT "application/vnd.oasis.opendocument.text"

/* An attachment to an item of evidence: len bytes at bytes, the media type
 * the sender claims and the file's name. On success *media_type_out is one
 * of the IV_MEDIA_* strings (static), decided from the bytes themselves:
 *   %PDF-                          PDF
 *   \x89PNG\r\n\x1a\n              PNG
 *   \xff\xd8\xff                   JPEG
 *   PK\x03\x04 (a ZIP)             DOCX, only when claimed as DOCX and holding
 *                                  [Content_Types].xml and no macros
 *                                  (vbaProject.bin); ODT, only when claimed as
 *                                  ODT and its first entry is the ODT mimetype
 *   anything else                  plain text, when it is UTF-8 without control
 *                                  characters (newlines, tabs and CRLF allowed)
 *                                  and does not begin, after blanks and a byte
 *                                  order mark, with '<' (HTML, SVG, XML) or "#!"
 *                                  (a script); a file beginning with a program's
 *                                  signature (ELF, MZ, Mach-O) is a program.
 * The claim, compared without case and parameters (";charset=utf-8"), may be
 * empty or application/octet-stream ("don't know": the bytes decide), one of
 * the types above (image/jpg for JPEG too), or anything else, which is
 * refused. Refusals, in this order:
 *   REQUIRED on field.content       empty
 *   TOO_LARGE on field.content      over max_bytes (the message gives the limit in MB)
 *   REQUIRED / TOO_LONG / INVALID_TEXT / INVALID_ARGUMENT on field.filename
 *                                   empty, over 255 bytes, control characters or
 *                                   not UTF-8, a path separator (/ or \), "." or ".."
 *   INVALID_ARGUMENT on field.media_type  a claimed type we do not take (HTML,
 *                                   SVG, scripts, programs, ...)
 *   INVALID_ARGUMENT on field.content  bytes of no type we take (a program, a
 *                                   web page, a ZIP not claimed as a document, ...)
 *   INVALID_ARGUMENT on field.media_type  bytes that contradict the claim (a
 *                                   PNG claimed as application/pdf)
 * bytes may be NULL only when len is 0; max_bytes > 0 (asserted). */
int iv_attachment_check(const void *bytes, size_t len, const char *claimed_media_type,
                        const char *filename, size_t max_bytes, const char *field, cd_fail_t *err,
                        const char **media_type_out);

#endif
