/* sar.h - `candourctl sar`: a subject access export (UK GDPR Art. 15),
 * everything Candour holds about one person, as one JSON file.
 *
 * sar_cmd.c is the command (options, who acts, the file, the register);
 * sar_collect.c finds the person's complaints and reads each one's records
 * (and a staff member's) from every service's schema into JSON. */
#ifndef CANDOURCTL_SAR_H
#define CANDOURCTL_SAR_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "candour/directory.h"
#include "candour/errcode.h"

/* How the person is found: one way per export. */
typedef enum {
    SAR_BY_REFERENCE,     /* the complaints named (--reference, repeated) */
    SAR_BY_EMAIL,         /* a complainant's or patient's e-mail address */
    SAR_BY_NAME_POSTCODE, /* a complainant's or patient's name and postcode, together */
    SAR_BY_STAFF,         /* a member of staff: their directory rows and their acts */
} sar_method_t;

/* The command line, as given (NULL: not given). */
typedef struct {
    const char **refs; /* --reference values, n_refs of them */
    size_t n_refs;
    const char *email;
    const char *name;
    const char *postcode;
    const char *staff_id;
    const char *out;
} sar_args_t;

/* Which way a finds the person: 0 and *method, or -1 with why (REQUIRED,
 * INVALID_ARGUMENT or TOO_MANY on the option's name as field): no way or
 * two ways given, a name without a postcode (or the other way round), an
 * address without "@", an empty or over-long value, no --out. Pure. */
int sar_check_args(const sar_args_t *a, sar_method_t *method, cd_fail_t *why);

/* The method as the register and the file name it ("name-postcode"). */
const char *sar_method_name(sar_method_t m);

/* Who makes the export (sar_cmd.c). */
typedef struct {
    char label[CD_ACTOR_LABEL_MAX];     /* "Name (ST12)" or "ops: <login>" */
    char staff_id[CD_STAFF_ID_MAX + 1]; /* "" for ops */
    char org[65]; /* their body: what they may export; "" for ops (every body) */
} sar_actor_t;

/* The file's header (sar_file.c): format, basis, when, who (who), how the
 * person was found (a, m, in words) and the references found (sar_match's
 * list). NULL when out of memory. */
json_t *sar_header(const sar_args_t *a, sar_method_t m, const sar_actor_t *who,
                   const json_t *found);

/* len bytes of data to a new file at path (sar_file.c): by way of a
 * temporary file of mode 0600 in the same directory, fsynced, then linked
 * into place only where nothing is. 0, 1 with why (ALREADY_EXISTS on
 * "out"), or -1 (told on stderr). The temporary file is gone either way. */
int sar_write_new(const char *path, const char *data, size_t len, cd_fail_t *why);

/* The complaints the person is found in, read on c: a JSON array of
 * {"reference", "matched_as": ["complainant", "patient"] or ["reference"]},
 * oldest reference first, only of body org (NULL: every body). 0 and *out,
 * or -1 with why: NOT_FOUND on "reference" for a reference no complaint (of
 * org) has, UNAVAILABLE when the database failed (told on stderr). */
int sar_match(PGconn *c, const sar_args_t *a, sar_method_t m, const char *org, json_t **out,
              cd_fail_t *why);

/* Everything held about one complaint (its records in each service, its
 * letters with their spool files, its audit entries with their rows), as
 * one JSON object; NULL after telling why on stderr. */
json_t *sar_complaint(PGconn *c, const char *ref);

/* Everything held about a member of staff (their directory rows in every
 * copy, tokens, delegations, signatures, the audit entries about them with
 * their rows, and those they made, without the rows: those hold other
 * people's data), of body org (NULL: any). 0 and *out, or -1 with why:
 * NOT_FOUND on "staff", UNAVAILABLE (told). */
int sar_staff(PGconn *c, const char *staff_id, const char *org, json_t **out, cd_fail_t *why);

#endif
