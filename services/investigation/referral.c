/* referral.c - L4: the rules of a complaint's referral to the Ombudsman,
 * stage by stage (referral.h). Pure: arguments in, a verdict out; the
 * request that reads the case and keeps the record is referral_ops.c. */
#include "referral.h"

#include <assert.h>
#include <string.h>

#include "rules_util.h"

#define S_FIELD "record_referral.referral"

/* In iv_phso_stage_t's order, from IV_PHSO_REFERRED. */
static const char *const s_stages[] = {"referred", "assessing", "investigating", "decided",
                                       "not-investigated"};
static const char *const s_outcomes[] = {"upheld", "partly-upheld", "not-upheld"};

static int s_given(const char *s)
{
    return s && s[0];
}

/* ================================================================ stages */

int iv_phso_stage_parse(const char *text, iv_phso_stage_t *out, cd_fail_t *why)
{
    if (!s_given(text))
        return s_fail(why, CD_CODE_REQUIRED, S_FIELD, "stage",
                      "the stage the Ombudsman's handling has reached is required");
    int i = s_lookup0(s_stages, S_COUNT(s_stages), text);
    if (i < 0)
        return s_fail(why, CD_CODE_INVALID_ENUM, S_FIELD, "stage",
                      "the stage must be referred, assessing, investigating, decided or"
                      " not-investigated");
    *out = (iv_phso_stage_t)(IV_PHSO_REFERRED + i);
    return 0;
}

const char *iv_phso_stage_name(iv_phso_stage_t s)
{
    assert(s >= IV_PHSO_REFERRED && s <= IV_PHSO_NOT_INVESTIGATED);
    return s_stages[s - IV_PHSO_REFERRED];
}

int iv_phso_stage_follows(iv_phso_stage_t last, iv_phso_stage_t next, cd_fail_t *why)
{
    assert(next >= IV_PHSO_REFERRED && next <= IV_PHSO_NOT_INVESTIGATED);
    if (last == IV_PHSO_NONE) {
        if (next == IV_PHSO_REFERRED)
            return 0;
        return s_fail(why, CD_CODE_FAILED_PRECONDITION, S_FIELD, "stage",
                      "nothing is recorded yet of this complaint at the Ombudsman: the first"
                      " record is the referral itself, at the stage referred");
    }
    if (last == IV_PHSO_DECIDED || last == IV_PHSO_NOT_INVESTIGATED)
        return s_fail(why, CD_CODE_FAILED_PRECONDITION, S_FIELD, "stage",
                      "the Ombudsman's decision is recorded already (%s): nothing follows it",
                      iv_phso_stage_name(last));
    if (next == IV_PHSO_NOT_INVESTIGATED) {
        if (last == IV_PHSO_REFERRED || last == IV_PHSO_ASSESSING)
            return 0;
        return s_fail(why, CD_CODE_FAILED_PRECONDITION, S_FIELD, "stage",
                      "the Ombudsman is %s already: not-investigated follows only referred or"
                      " assessing",
                      iv_phso_stage_name(last));
    }
    /* referred < assessing < investigating < decided, as the enum has them;
     * a stage not recorded in time may be passed over. */
    if (next > last)
        return 0;
    return s_fail(why, CD_CODE_FAILED_PRECONDITION, S_FIELD, "stage",
                  "the referral is at the stage %s already: its stages only move forward"
                  " (referred, assessing, investigating, decided)",
                  iv_phso_stage_name(last));
}

/* ================================================================ the case */

int iv_referral_case_ok(const char *state, cd_fail_t *why)
{
    state = state ? state : "";
    if (strcmp(state, "open") == 0 || strcmp(state, "completed") == 0)
        return 0;
    if (strcmp(state, "withdrawn") == 0)
        return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "record_referral.complaint_ref",
                       "the complaint was withdrawn: no referral to the Ombudsman is recorded"
                       " for it");
    return cd_fail(why, CD_CODE_FAILED_PRECONDITION, "record_referral.complaint_ref",
                   "the case is in no state to record a referral to the Ombudsman");
}

/* ================================================================ a record */

static int s_outcome(iv_phso_stage_t stage, const char *outcome, cd_fail_t *why)
{
    if (stage != IV_PHSO_DECIDED) {
        if (!s_given(outcome))
            return 0;
        return s_fail(why, CD_CODE_INVALID_ARGUMENT, S_FIELD, "outcome",
                      "only the Ombudsman's decision has an outcome: leave it empty at the stage"
                      " %s",
                      iv_phso_stage_name(stage));
    }
    if (!s_given(outcome))
        return s_fail(why, CD_CODE_REQUIRED, S_FIELD, "outcome",
                      "the Ombudsman's decision needs its outcome: upheld, partly-upheld or"
                      " not-upheld");
    if (s_lookup0(s_outcomes, S_COUNT(s_outcomes), outcome) < 0)
        return s_fail(why, CD_CODE_INVALID_ENUM, S_FIELD, "outcome",
                      "the outcome must be upheld, partly-upheld or not-upheld");
    return 0;
}

int iv_referral_validate(const Candour__V1__Referral *r, cd_date_t today, cd_fail_t *why)
{
    if (!r)
        return cd_fail(why, CD_CODE_REQUIRED, S_FIELD, "give the stage of the referral to record");
    cd_date_t d;
    iv_phso_stage_t stage;
    if (s_given(r->referred_on) && s_date(r->referred_on, &today, &d, S_FIELD, "referred_on",
                                          "the day it was referred to the Ombudsman", why))
        return -1;
    if (s_given(r->phso_ref) && s_text(r->phso_ref, IV_PHSO_REF_MAX, 0, 0, S_FIELD, "phso_ref",
                                       "the Ombudsman's reference", why))
        return -1;
    if (iv_phso_stage_parse(r->stage, &stage, why) || s_outcome(stage, r->outcome, why))
        return -1;
    if (s_date(r->stage_on, &today, &d, S_FIELD, "stage_on", "the day this stage began", why))
        return -1;
    return s_text(r->note, IV_REFERRAL_NOTE_MAX, 1, 1, S_FIELD, "note", "the note", why);
}

/* The first record: the referral itself, which gives the two that never
 * change after it. */
static int s_first(const Candour__V1__Referral *r, cd_date_t received, iv_referral_kept_t *k,
                   cd_fail_t *why)
{
    if (!s_given(r->referred_on))
        return s_fail(why, CD_CODE_REQUIRED, S_FIELD, "referred_on",
                      "the day the complainant took the complaint to the Ombudsman is required");
    (void)cd_date_parse(r->referred_on, &k->referred_on); /* validated */
    if (cd_date_cmp(k->referred_on, received) < 0) {
        char on[IV_LONG_DATE_LEN], rec[IV_LONG_DATE_LEN];
        iv_date_words(k->referred_on, on);
        iv_date_words(received, rec);
        return s_fail(why, CD_CODE_INVALID_ARGUMENT, S_FIELD, "referred_on",
                      "the referral, on %s, cannot be before the complaint was received, on %s", on,
                      rec);
    }
    if (!s_given(r->phso_ref))
        return s_fail(why, CD_CODE_REQUIRED, S_FIELD, "phso_ref",
                      "the Ombudsman's reference is required");
    k->phso_ref = r->phso_ref;
    return 0;
}

/* A later record: the first's referred_on and phso_ref, repeated or left
 * empty. */
static int s_later(const Candour__V1__Referral *r, const iv_referral_so_far_t *so_far,
                   iv_referral_kept_t *k, cd_fail_t *why)
{
    assert(so_far->phso_ref);
    k->referred_on = so_far->referred_on;
    k->phso_ref = so_far->phso_ref;
    cd_date_t d;
    if (s_given(r->referred_on)) {
        (void)cd_date_parse(r->referred_on, &d); /* validated */
        if (cd_date_cmp(d, so_far->referred_on) != 0) {
            char on[IV_LONG_DATE_LEN];
            iv_date_words(so_far->referred_on, on);
            return s_fail(why, CD_CODE_INVALID_ARGUMENT, S_FIELD, "referred_on",
                          "the complaint was referred to the Ombudsman on %s, and that does not"
                          " change: repeat it or leave it empty",
                          on);
        }
    }
    if (s_given(r->phso_ref) && strcmp(r->phso_ref, so_far->phso_ref) != 0) {
        char q[IV_MAX_ECHO + 4];
        return s_fail(why, CD_CODE_INVALID_ARGUMENT, S_FIELD, "phso_ref",
                      "the Ombudsman's reference is%s, and that does not change: repeat it or"
                      " leave it empty",
                      s_echo(so_far->phso_ref, strlen(so_far->phso_ref), q));
    }
    return 0;
}

int iv_referral_check(const Candour__V1__Referral *r, cd_date_t received, cd_date_t today,
                      const iv_referral_so_far_t *so_far, iv_referral_kept_t *out, cd_fail_t *why)
{
    assert(so_far && out);
    if (iv_referral_validate(r, today, why) != 0)
        return -1;
    iv_referral_kept_t k = {0};
    (void)iv_phso_stage_parse(r->stage, &k.stage, why); /* validated */
    if (iv_phso_stage_follows(so_far->stage, k.stage, why) != 0)
        return -1;
    if (so_far->stage == IV_PHSO_NONE ? s_first(r, received, &k, why) : s_later(r, so_far, &k, why))
        return -1;
    (void)cd_date_parse(r->stage_on, &k.stage_on); /* validated */
    char on[IV_LONG_DATE_LEN];
    if (cd_date_cmp(k.stage_on, k.referred_on) < 0) {
        iv_date_words(k.referred_on, on);
        return s_fail(why, CD_CODE_INVALID_ARGUMENT, S_FIELD, "stage_on",
                      "a stage cannot begin before the referral itself, on %s", on);
    }
    if (so_far->stage != IV_PHSO_NONE && cd_date_cmp(k.stage_on, so_far->stage_on) < 0) {
        iv_date_words(so_far->stage_on, on);
        return s_fail(why, CD_CODE_INVALID_ARGUMENT, S_FIELD, "stage_on",
                      "a stage cannot begin before the last one recorded (%s, on %s)",
                      iv_phso_stage_name(so_far->stage), on);
    }
    *out = k;
    return 0;
}
