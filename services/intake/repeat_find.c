/* repeat_find.c - the read that finds, before a batch of submissions
 * commits (submit.c), each one's latest earlier complaint by the same
 * complainant to the same body in the 12 months before (issue 15, L1), for
 * complaint.received's repeat_of: the statements, and the rows and the
 * batch judged by repeat.h's rules.
 *
 * SQL finds candidates by forms looser than repeat.h's, so that it misses
 * none repeat.h would take (two people repeat.h finds the same are the same
 * here too), and migration 0035's indexes find them; repeat.h decides.
 * Batches run one at a time, so between the read and the commit no
 * complaint is stored but the batch's own, which are judged here too. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"
#include "intake.h"
#include "repeat.h"

/* A complainant's email address, postcode and name as SQL compares them
 * (lower(); the letters A-Z and digits alone); the first two, and the last
 * two together, are 0035's indexes' expressions. `p` is a Person as JSON. */
#define S_EMAIL(p) "lower(btrim(" p "->>'email', E' \\t\\r\\n\\f\\v'))"
#define S_POSTCODE(p) "upper(regexp_replace(" p "->>'postcode', '[^A-Za-z0-9]', '', 'g'))"
#define S_NAME(p) "lower(regexp_replace(" p "->>'name', '[^A-Za-z0-9]', '', 'g'))"

/* 0: each submission's candidates (n its place in the batch, from 0): the
 * body's latest complaints (not compliments) received in about the 12
 * months before it with the same email address, and its latest with the
 * same name and postcode, S_PER_PATH of each, latest first. Each half is a
 * backward scan of one of 0035's indexes that stops after S_PER_PATH rows,
 * so someone who has complained a thousand times costs what a first-timer
 * does. SQL's forms are looser than repeat.h's (lower() folds more than
 * A-Z), so a candidate may still be refused there; a true repeat is missed
 * only when the S_PER_PATH later ones on both paths all differ from it in
 * the case of a letter outside A-Z. */
#define S_PER_PATH "3"
#define S_CANDIDATE_COLS                                                                           \
    " c.reference, floor(extract(epoch FROM c.received_at) * 1000000)::bigint AS at,"              \
    " (c.body->'complainant')::text AS complainant FROM intake.complaint c"                        \
    " WHERE c.org_id = e.j->>'org_id' AND c.classification <> 'CLASSIFICATION_COMPLIMENT'"         \
    " AND c.received_at < (e.j->>'received_at')::timestamptz"                                      \
    " AND c.received_at >= (e.j->>'received_at')::timestamptz - interval '12 months 2 days'"
/* clang-format off */
static const char s_candidates[] =
    "SELECT e.n - 1, p.reference, p.at, p.complainant"
    " FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(j, n), LATERAL ("
    "  (SELECT" S_CANDIDATE_COLS
    "   AND " S_EMAIL("e.j") " <> ''"
    "   AND " S_EMAIL("(c.body->'complainant')") " = " S_EMAIL("e.j")
    "   ORDER BY c.received_at DESC LIMIT " S_PER_PATH ")"
    "  UNION ALL"
    "  (SELECT" S_CANDIDATE_COLS
    "   AND " S_POSTCODE("e.j") " <> ''"
    "   AND " S_POSTCODE("(c.body->'complainant')") " = " S_POSTCODE("e.j")
    "   AND " S_NAME("(c.body->'complainant')") " = " S_NAME("e.j")
    "   ORDER BY c.received_at DESC LIMIT " S_PER_PATH ")) p ORDER BY 1, 3 DESC";
/* clang-format on */

/* 1: the submissions that repeat an external_ref the body sent before: they
 * store nothing, so no other is a repeat of them. */
static const char s_resent[] =
    "SELECT e.n - 1 FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(j, n)"
    " WHERE EXISTS (SELECT 1 FROM intake.complaint c WHERE c.org_id = e.j->>'org_id'"
    " AND c.external_ref = e.j->>'external_ref')";

void in_repeats_sql(cd_tx_t *tx, const in_repeat_t *const *subs, int n)
{
    json_t *doc = json_array();
    int bad = !doc;
    for (int i = 0; i < n && !bad; i++) {
        const in_repeat_t *s = subs[i];
        const Candour__V1__Person *p = s->complainant;
        bad = json_array_append_new(
                  doc, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "org_id", s->org, "external_ref",
                                 s->external_ref, "received_at", s->received_at, "email",
                                 p ? p->email : "", "postcode", p ? p->postcode : "", "name",
                                 p ? p->name : "")) != 0;
    }
    char *text = bad ? NULL : json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    const char *v[1] = {text};
    if (text) {
        cd_tx_add(tx, s_candidates, 1, v);
        cd_tx_add(tx, s_resent, 1, v);
    } else if (tx)
        cd_tx_poison(tx);
    free(text);
}

/* Whether submission s is the same complainant as p, received at at_us in
 * the 12 months before it. */
static int s_repeats(const in_repeat_t *s, const Candour__V1__Person *p, int64_t at_us)
{
    return s->complainant && p && in_same_complainant(s->complainant, p) &&
           in_repeat_window(at_us, s->received_us);
}

void in_repeats_found(in_repeat_t *const *subs, int n, PGresult *const *r)
{
    const PGresult *cands = r[0], *resent = r[1];
    int64_t at[IN_MAX_BATCH];
    int stores[IN_MAX_BATCH];
    for (int i = 0; i < n; i++) {
        subs[i]->repeat_of[0] = 0;
        at[i] = INT64_MIN;
        stores[i] = 1;
        for (int k = 0; k < i; k++) /* the second of two with one external_ref stores nothing */
            if (strcmp(subs[k]->org, subs[i]->org) == 0 &&
                strcmp(subs[k]->external_ref, subs[i]->external_ref) == 0)
                stores[i] = 0;
    }
    for (int row = 0; row < PQntuples(resent); row++) {
        int i = atoi(PQgetvalue(resent, row, 0));
        if (i >= 0 && i < n)
            stores[i] = 0;
    }
    /* The stored complaints, latest first: the first the rules take. */
    for (int row = 0; row < PQntuples(cands); row++) {
        int i = atoi(PQgetvalue(cands, row, 0));
        if (i < 0 || i >= n || subs[i]->repeat_of[0])
            continue;
        const char *text = PQgetvalue(cands, row, 3);
        int64_t us = strtoll(PQgetvalue(cands, row, 2), NULL, 10);
        Candour__V1__Person *p = (Candour__V1__Person *)cd_pbjson_parse(
            &candour__v1__person__descriptor, text, strlen(text), NULL);
        if (s_repeats(subs[i], p, us)) {
            snprintf(subs[i]->repeat_of, sizeof subs[i]->repeat_of, "%s",
                     PQgetvalue(cands, row, 1));
            at[i] = us;
        }
        if (p)
            protobuf_c_message_free_unpacked(&p->base, NULL);
    }
    /* The batch's own that store a complaint, when later than those. */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (j != i && stores[j] && subs[j]->received_us > at[i] &&
                strcmp(subs[j]->org, subs[i]->org) == 0 &&
                s_repeats(subs[i], subs[j]->complainant, subs[j]->received_us)) {
                snprintf(subs[i]->repeat_of, sizeof subs[i]->repeat_of, "%s", subs[j]->reference);
                at[i] = subs[j]->received_us;
            }
}
