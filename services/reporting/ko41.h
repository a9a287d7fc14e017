/* ko41.h - the national returns' counting (DOMAIN.md L2a): KO41a (hospital
 * and community health services) and KO41b (primary care), and each as the
 * CSV a return is keyed from. Pure: counts in, counts out; no I/O, no
 * allocation; the caller reads the complaints from the reporting schema.
 *
 * KO41a. The return for one organisation and period, over the complaints
 * received in it. Sections, in the return's order: summary, age of patient,
 * status of complainant, service area, subject area of clinical treatment
 * (its sub-categories), subject area, profession. The categories of every
 * section but the summary are data (NHS Digital publishes them; the
 * casework's deploy/categories/ko41a.csv holds three of them): a list of
 * (section, code, label), passed in, in the order the return lists them.
 *
 * The counting rule: a complaint counts once in the total, once under its
 * patient's age band and once under its complainant's status, and once
 * under each DISTINCT category that any of its aspects is filed under. Our
 * reading of "once against each of its aspects' categories": the unit
 * counted is still the complaint, so a complaint with two aspects both about
 * clinical treatment counts ONCE under clinical treatment (it is one
 * complaint about clinical treatment), and a complaint with one aspect on
 * clinical treatment and one on communications counts once under each. The
 * same holds for service areas, professions (an aspect may name several)
 * and the clinical-treatment sub-categories. So the age and status sections
 * each sum to the total; the other sections may sum to more (a complaint
 * about several things) or less (a complaint recorded with no aspects yet).
 *
 * The summary's outcome rows count the complaints of the period that have an
 * outcome: upheld, partially upheld, not upheld (withdrawn and open
 * complaints are in the total only).
 *
 * KO41b. Per body and period [from, to] (both days inclusive):
 *   brought forward  received before `from` and not resolved before `from`
 *   new              received within the period
 *   resolved         resolved within the period, whatever the outcome
 *                    (a withdrawn complaint is resolved: it leaves the caseload)
 *   upheld, partially upheld, not upheld   the resolved ones by outcome
 *                    (so resolved = those three + withdrawn)
 *   carried forward  brought forward + new - resolved, which is the number
 *                    received by `to` and not resolved by `to`.
 *
 * A refusal returns -1 with the cd_fail_t filled (field and plain words);
 * nothing is counted then. Misuse (NULL where a pointer is needed) asserts. */
#ifndef REPORTING_KO41_H
#define REPORTING_KO41_H

#include <stddef.h>

#include "candour/calendar.h"
#include "candour/errcode.h"

/* ------------------------------------------------------------------ common */

/* A complaint's outcome, as the investigation records it (events.proto's
 * Outcome). KO41_OPEN: no outcome yet. */
typedef enum {
    KO41_OPEN = 0,
    KO41_UPHELD,
    KO41_PARTIALLY_UPHELD,
    KO41_NOT_UPHELD,
    KO41_WITHDRAWN,
} ko41_outcome_t;

/* The sections of KO41a whose categories are data, in the return's order. */
typedef enum {
    KO41_SEC_AGE = 0,    /* age of patient: bands */
    KO41_SEC_STATUS,     /* status of complainant: patient, on behalf of, ... */
    KO41_SEC_SERVICE,    /* service area */
    KO41_SEC_CLINICAL,   /* sub-categories of one subject area (clinical treatment) */
    KO41_SEC_SUBJECT,    /* subject area */
    KO41_SEC_PROFESSION, /* profession (staff group) */
    KO41_SEC_COUNT       /* not a section: how many there are */
} ko41_section_t;

/* The section's name in the CSV ("service_area"), static. */
const char *ko41_section_name(ko41_section_t sec);

/* One category of the return. The strings are the caller's. */
typedef struct {
    ko41_section_t section; /* which section lists it */
    const char *code;       /* unique within its section ("clinical-treatment") */
    const char *label;      /* what the return prints ("Clinical treatment") */
    const char *parent;     /* KO41_SEC_CLINICAL only: the subject code it refines;
                               NULL elsewhere */
} ko41_category_t;

/* ------------------------------------------------------------------- KO41a */

/* One aspect (key issue) of a complaint. Codes are the categories' codes. */
typedef struct {
    const char *subject;            /* a KO41_SEC_SUBJECT code; required */
    const char *clinical;           /* a KO41_SEC_CLINICAL code whose parent is
                                       `subject`, or NULL */
    const char *service;            /* a KO41_SEC_SERVICE code; required */
    const char *const *professions; /* KO41_SEC_PROFESSION codes (n_professions) */
    size_t n_professions;           /* 0 when no staff group is concerned */
} ko41_aspect_t;

/* One complaint received in the period. */
typedef struct {
    const char *age_band;         /* a KO41_SEC_AGE code (the list has one for
                                     "not known"); required */
    const char *status;           /* a KO41_SEC_STATUS code; required */
    ko41_outcome_t outcome;       /* KO41_OPEN when not yet decided */
    const ko41_aspect_t *aspects; /* its aspects (n_aspects, may be 0) */
    size_t n_aspects;
} ko41_complaint_t;

/* The counts. `counts` is the caller's array with one slot per category,
 * index for index with the category list. */
typedef struct {
    long total;            /* complaints received (summary) */
    long upheld;           /* of which upheld */
    long partially_upheld; /* partially upheld */
    long not_upheld;       /* not upheld */
    long *counts;          /* per category, as the list */
} ko41a_t;

/* Check a category list: each code non-empty and unique within its section
 * (categories[i].code: REQUIRED, ALREADY_EXISTS), a valid section
 * (categories[i].section: INVALID_ENUM), a label (categories[i].label:
 * REQUIRED), and every clinical sub-category's parent a subject code of the
 * list (categories[i].parent: REQUIRED, INVALID_ENUM). 0 or -1. */
int ko41_categories_check(const ko41_category_t *cats, size_t n_cats, cd_fail_t *f);

/* Set out->total..not_upheld and out->counts[0..n_cats) to zero. */
void ko41a_zero(ko41a_t *out, size_t n_cats);

/* Add one complaint to out (whose counts has n_cats slots). All or nothing:
 * the complaint is checked first, and a code that is missing or not in its
 * section's list is refused (field "age_band", "status",
 * "aspects[1].subject", "aspects[0].professions[2]", ...: REQUIRED or
 * INVALID_ENUM, the message naming the code), as is a clinical sub-category
 * of another subject (aspects[i].clinical: INVALID_ARGUMENT). The list is
 * assumed checked (ko41_categories_check). Cost: a linear search of the list
 * per code; meant for a period's complaints, not for maintained aggregates. */
int ko41a_add(const ko41_category_t *cats, size_t n_cats, const ko41_complaint_t *c, ko41a_t *out,
              cd_fail_t *f);

/* The return over n complaints: checks the list, zeroes out and adds each
 * complaint; a refusal's field is prefixed ("complaints[3].aspects[0].subject",
 * "categories[2].code") and out is then zeroed. */
int ko41a_count(const ko41_category_t *cats, size_t n_cats, const ko41_complaint_t *cs, size_t n,
                ko41a_t *out, cd_fail_t *f);

/* ------------------------------------------------------------------- KO41b */

/* One complaint, as KO41b needs it. */
typedef struct {
    cd_date_t received;     /* a valid date */
    int is_resolved;        /* non-zero when it has been resolved */
    cd_date_t resolved;     /* when; not before received (read when is_resolved) */
    ko41_outcome_t outcome; /* not KO41_OPEN when resolved */
} ko41b_complaint_t;

typedef struct {
    long brought_forward;
    long new_;
    long upheld;
    long partially_upheld;
    long not_upheld;
    long withdrawn; /* not a column of the return; resolved includes it */
    long resolved;
    long carried_forward;
} ko41b_t;

/* The KO41b counts of one body's complaints for the period [from, to].
 * Refused: a date that is not a day (period.from, period.to: INVALID_DATE);
 * to before from, a period with no day in it (period.to: INVALID_ARGUMENT);
 * a complaint's bad dates (complaints[i].received, .resolved: INVALID_DATE;
 * resolved before received: INVALID_ARGUMENT) or a resolved complaint
 * without an outcome (complaints[i].outcome: REQUIRED). Complaints received
 * after `to` are not counted. On -1, *out is zeroed. */
int ko41b_count(cd_date_t from, cd_date_t to, const ko41b_complaint_t *cs, size_t n, ko41b_t *out,
                cd_fail_t *f);

/* --------------------------------------------------------------------- CSV */

/* The CSV writers format; they do not count. Fields are quoted as RFC 4180
 * says (a field holding a comma, a double quote, CR or LF is enclosed in
 * double quotes, its quotes doubled); lines end in CRLF. Each writes at most
 * len bytes into buf (NUL-terminated when len > 0) and returns the length
 * the whole text needs, without the NUL, as snprintf does: a return >= len
 * means buf was too short (call again with return + 1). buf may be NULL when
 * len is 0. */

/* The return's identity: which organisation (and site) and which period. */
typedef struct {
    const char *org;  /* ODS code of the organisation */
    const char *site; /* ODS code of the site, or NULL/"" for the whole organisation */
    cd_date_t from;   /* the period, inclusive */
    cd_date_t to;
} ko41_ident_t;

/* KO41a: the header
 *   organisation,site,period_start,period_end,section,code,label,count
 * then the summary (total, upheld, partially-upheld, not-upheld), then the
 * sections in the return's order, each section's categories in list order,
 * every category listed (zeros included). */
size_t ko41a_csv(const ko41_ident_t *id, const ko41_category_t *cats, size_t n_cats,
                 const ko41a_t *r, char *buf, size_t len);

/* KO41b: the header
 *   organisation,period_start,period_end,brought_forward,new,upheld,
 *   partially_upheld,not_upheld,resolved,carried_forward
 * then one line per body (orgs[i] with rows[i]); from, to as the period. */
size_t ko41b_csv(cd_date_t from, cd_date_t to, const char *const *orgs, const ko41b_t *rows,
                 size_t n, char *buf, size_t len);

/* One CSV field, quoted when it must be, appended at *pos of buf[len] (the
 * writers' helper, public for the other reports' CSV). *pos grows by the
 * field's full length even when it does not fit. */
void ko41_csv_field(char *buf, size_t len, size_t *pos, const char *s);

#endif
