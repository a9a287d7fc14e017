/* categories.h - one row of the KO41a category lists, and the rule it must
 * pass (DOMAIN.md V5, L2a).
 *
 * Each key issue (aspect) of a complaint is filed under a KO41a subject area,
 * a service area and a profession (staff group), so that the national return
 * can count it. NHS Digital publishes those lists and changes them, so they
 * are data: ops load deploy/categories/ko41a.csv (`candourctl categories
 * import`) into investigation.category (migration 0017), one row a code:
 *
 *   list,code,name,effective_from,effective_to
 *
 * list is subject, service-area or profession; code a slug that never
 * changes and is never reused ("clinical-treatment"); name what a person
 * reads ("Clinical treatment"); the code is in force from effective_from
 * (inclusive) up to effective_to (exclusive; empty: until further notice).
 *
 * This module is the rule for one row, as text, with no I/O: the importer
 * checks every row of a file with it before anything goes in, and the
 * migration's CHECKs say the same for any other writer. */
#ifndef CANDOUR_CATEGORIES_H
#define CANDOUR_CATEGORIES_H

#include "candour/errcode.h"

#define CD_CATEGORY_CODE_MAX 64  /* bytes (a code is ASCII) */
#define CD_CATEGORY_NAME_MAX 200 /* characters (code points), as PostgreSQL's length() */

/* The columns of the file, in file order. */
typedef enum {
    CD_CATEGORY_F_LIST,
    CD_CATEGORY_F_CODE,
    CD_CATEGORY_F_NAME,
    CD_CATEGORY_F_FROM,
    CD_CATEGORY_F_TO,
    CD_CATEGORY_F_COUNT /* not a column: how many there are */
} cd_category_field_t;

/* One row as read from the file: each field a NUL-terminated string, never
 * NULL (an empty field is ""). The strings are the caller's. */
typedef struct {
    const char *list;           /* subject | service-area | profession */
    const char *code;           /* lower-case words joined by hyphens, 1..64 bytes */
    const char *name;           /* UTF-8, no control characters, 1..200 characters */
    const char *effective_from; /* YYYY-MM-DD, a real day */
    const char *effective_to;   /* YYYY-MM-DD after effective_from, or "" (open) */
} cd_category_row_t;

/* The column's name in the file's header ("effective_from"), static.
 * field must be below CD_CATEGORY_F_COUNT (asserted). */
const char *cd_category_field_name(cd_category_field_t field);

/* Non-zero when list is one of the three lists (exact, case-sensitive).
 * NULL is not. */
int cd_category_list_valid(const char *list);

/* Non-zero when code is a code: 1 to 64 bytes of lower-case words (a-z,
 * 0-9) joined by single hyphens, so no hyphen first, last or doubled. NULL
 * is not. */
int cd_category_code_valid(const char *code);

/* Check one field of row. Returns 0, or -1 with f filled: its field is the
 * column's name, its code REQUIRED (empty), INVALID_ENUM (list),
 * INVALID_ARGUMENT (code; an effective_to not after effective_from),
 * TOO_LONG, INVALID_TEXT (name: not UTF-8, or control characters) or
 * INVALID_DATE, and its message plain words for the person mending the file.
 * effective_to is judged against effective_from only when effective_from is
 * itself a date (its own check reports it otherwise), so each mistake is
 * told once. A message may quote the value, with bytes outside printable
 * ASCII written \xNN. */
int cd_category_check_field(const cd_category_row_t *row, cd_category_field_t field, cd_fail_t *f);

/* Check the whole row: 0, or -1 with f filled for its first bad field in
 * column order. To hear about every bad field, call cd_category_check_field
 * for each. */
int cd_category_check(const cd_category_row_t *row, cd_fail_t *f);

#endif
