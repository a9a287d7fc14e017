/* findings.c - the investigation's conclusions (see findings.h): findings
 * and the outcome they imply (V3, V5), actions, failings, lessons and the
 * remedy, and the test of an apology (V5, F1). Pure: arguments in, a verdict
 * out. */
#include "findings.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "casework.h"
#include "rules_util.h"

#define IV_MAX_ID 64 /* a key issue's id */

/* ============================================= V3, V5: findings and outcome */

static const char *const s_verdicts[] = {"upheld", "not-upheld", "not-addressed"};

int iv_verdict_parse(const char *text, iv_verdict_t *out, const char *field, cd_fail_t *e)
{
    if (!text || !text[0])
        return s_fail(e, CD_CODE_REQUIRED, field, NULL, "the finding's verdict is required");
    int i = s_lookup0(s_verdicts, S_COUNT(s_verdicts), text);
    if (i < 0)
        return s_fail(e, CD_CODE_INVALID_ENUM, field, NULL,
                      "the verdict must be upheld, not-upheld or not-addressed");
    *out = (iv_verdict_t)(IV_VERDICT_UPHELD + i);
    return 0;
}

int iv_finding_check(const iv_finding_t *f, const char *field, cd_fail_t *e)
{
    if (s_text(f->issue_id, IV_MAX_ID, 0, 0, field, "issue_id", "the key issue's id", e))
        return -1;
    if (!s_verdict_ok(f->verdict))
        return s_fail(e, CD_CODE_INVALID_ENUM, field, "verdict",
                      "the verdict must be upheld, not upheld or not addressed");
    int na = f->verdict == IV_VERDICT_NOT_ADDRESSED;
    if (s_text(f->what_happened, IV_MAX_ACCOUNT, 1, na, field, "what_happened", "what happened",
               e) ||
        s_text(f->what_should_have_happened, IV_MAX_ACCOUNT, 1, na, field,
               "what_should_have_happened", "what should have happened", e))
        return -1;
    if (na)
        return s_text(f->not_addressed_reason, IV_MAX_TEXT, 1, 0, field, "not_addressed_reason",
                      "the reason this key issue is not addressed", e);
    if (f->not_addressed_reason && f->not_addressed_reason[0])
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "not_addressed_reason",
                      "only a key issue that is not addressed has a reason for it: clear the"
                      " reason, or mark the issue not addressed");
    return 0;
}

int iv_findings_complete(const char *const *issue_ids, size_t n_issues,
                         const iv_finding_t *findings, size_t n_findings, const char *field,
                         cd_fail_t *e)
{
    if (n_issues == 0)
        return s_fail(e, CD_CODE_FAILED_PRECONDITION, field, NULL,
                      "the case has no agreed key issues yet: agree them with the complainant"
                      " first");
    for (size_t k = 0; k < n_issues; k++)
        assert(issue_ids[k]);
    char member[48], q[IV_MAX_ECHO + 4];
    for (size_t i = 0; i < n_findings; i++) {
        const char *id = findings[i].issue_id ? findings[i].issue_id : "";
        snprintf(member, sizeof member, "[%zu].issue_id", i);
        int known = s_lookup0((const char *const *)issue_ids, n_issues, id) >= 0;
        if (!known)
            return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, member,
                          "finding %zu is for a key issue%s that this case does not have", i + 1,
                          s_echo(id, strlen(id), q));
        for (size_t j = 0; j < i; j++)
            if (findings[j].issue_id && strcmp(findings[j].issue_id, id) == 0)
                return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, member,
                              "finding %zu is for the same key issue as finding %zu: each key"
                              " issue has one finding",
                              i + 1, j + 1);
    }
    for (size_t k = 0; k < n_issues; k++) {
        size_t j = 0;
        while (j < n_findings &&
               !(findings[j].issue_id && strcmp(findings[j].issue_id, issue_ids[k]) == 0))
            j++;
        if (j == n_findings)
            return s_fail(e, CD_CODE_REQUIRED, field, NULL,
                          "key issue %zu%s has no finding: every key issue needs one, or a"
                          " finding that says why it is not addressed",
                          k + 1, s_echo(issue_ids[k], strlen(issue_ids[k]), q));
    }
    return 0;
}

/* How many findings uphold and how many do not (not addressed: neither). */
static void s_tally(const iv_finding_t *f, size_t n, size_t *upheld, size_t *addressed)
{
    *upheld = *addressed = 0;
    for (size_t i = 0; i < n; i++) {
        assert(s_verdict_ok(f[i].verdict));
        *upheld += f[i].verdict == IV_VERDICT_UPHELD;
        *addressed += f[i].verdict != IV_VERDICT_NOT_ADDRESSED;
    }
}

Candour__V1__Outcome iv_outcome_from_findings(const iv_finding_t *f, size_t n)
{
    size_t upheld, addressed;
    s_tally(f, n, &upheld, &addressed);
    if (addressed == 0)
        return CANDOUR__V1__OUTCOME__OUTCOME_UNSPECIFIED;
    if (upheld == addressed)
        return CANDOUR__V1__OUTCOME__OUTCOME_UPHELD;
    return upheld ? CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD
                  : CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD;
}

static const char *s_outcome_name(Candour__V1__Outcome o)
{
    switch (o) {
    case CANDOUR__V1__OUTCOME__OUTCOME_UPHELD:
        return "OUTCOME_UPHELD";
    case CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD:
        return "OUTCOME_PARTIALLY_UPHELD";
    case CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD:
        return "OUTCOME_NOT_UPHELD";
    case CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN:
        return "OUTCOME_WITHDRAWN";
    default:
        return NULL;
    }
}

int iv_outcome_consistent(Candour__V1__Outcome recorded, const iv_finding_t *f, size_t n,
                          const char *field, cd_fail_t *e)
{
    if (!s_outcome_name(recorded))
        return s_fail(e, CD_CODE_INVALID_ENUM, field, NULL,
                      "the outcome must be OUTCOME_UPHELD, OUTCOME_PARTIALLY_UPHELD,"
                      " OUTCOME_NOT_UPHELD or OUTCOME_WITHDRAWN");
    if (recorded == CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN)
        return 0;
    size_t upheld, addressed;
    s_tally(f, n, &upheld, &addressed);
    Candour__V1__Outcome implied = iv_outcome_from_findings(f, n);
    if (implied == recorded)
        return 0;
    if (addressed == 0)
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, NULL,
                      "every key issue is recorded as not addressed, so the findings support no"
                      " outcome: only OUTCOME_WITHDRAWN (the complainant withdrew) fits; otherwise"
                      " answer at least one key issue");
    char why[160];
    if (upheld == addressed)
        snprintf(why, sizeof why, "uphold every key issue they address (%zu)", addressed);
    else if (upheld)
        snprintf(why, sizeof why, "uphold %zu of the %zu key issues they address", upheld,
                 addressed);
    else
        snprintf(why, sizeof why, "uphold none of the %zu key issues they address", addressed);
    return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, NULL,
                  "the findings %s, so the outcome is %s (%s), not %s (%s)", why,
                  s_outcome_name(implied), iv_outcome_words(implied), s_outcome_name(recorded),
                  iv_outcome_words(recorded));
}

/* ================================ V5, F1: actions, failings, lessons, remedy */

int iv_action_check(const iv_action_t *a, cd_date_t today, int creating, const char *field,
                    cd_fail_t *e)
{
    cd_date_t due, done_on;
    if (s_text(a->description, IV_MAX_TEXT, 1, 0, field, "description", "the action's description",
               e) ||
        s_text(a->owner, IV_MAX_NAME, 0, 0, field, "owner",
               "the action's owner (a member of staff or a team)", e) ||
        s_date(a->due, NULL, &due, field, "due", "the action's due date", e))
        return -1;
    if (creating && cd_date_cmp(due, today) < 0) {
        char w[IV_LONG_DATE_LEN];
        iv_date_words(due, w);
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "due",
                      "the due date, %s, has already passed: give today or a later date", w);
    }
    if (a->done)
        return s_date(a->done_on, &today, &done_on, field, "done_on",
                      "the date the action was done", e);
    if (a->done_on && a->done_on[0])
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "done_on",
                      "the action is not marked done, so it has no date done: mark it done, or"
                      " clear the date");
    return 0;
}

int iv_action_done_check(int32_t number, const char *done_on, cd_date_t today, const char *field,
                         cd_fail_t *e)
{
    cd_date_t on;
    if (number < 1)
        return s_fail(e, CD_CODE_OUT_OF_RANGE, field, "number",
                      "an action's number is 1 or more, as the case lists them");
    return s_date(done_on, &today, &on, field, "done_on", "the date the action was done", e);
}

int iv_action_done_ok(int found, int done, const char *done_on_before, const char *field,
                      cd_fail_t *e)
{
    if (!found)
        return s_fail(e, CD_CODE_NOT_FOUND, field, "number",
                      "the case has no action of that number");
    if (done)
        return s_fail(e, CD_CODE_FAILED_PRECONDITION, field, "number",
                      "the action is already done (on %s)", done_on_before ? done_on_before : "");
    return 0;
}

int iv_failing_check(const char *text, const char *field, cd_fail_t *e)
{
    return s_text(text, IV_MAX_TEXT, 1, 0, field, NULL, "the failing", e);
}

int iv_lesson_check(const char *text, const char *field, cd_fail_t *e)
{
    return s_text(text, IV_MAX_TEXT, 1, 0, field, NULL, "the lesson learned", e);
}

/* What follows "sorry" and its like in a phrase that is not an apology. */
static const struct {
    const char *words;
    const char *why;
} s_hedges[] = {
#define S_FEELINGS "it regrets the complainant's feelings, not what went wrong"
    {"you feel", S_FEELINGS},
    {"you felt", S_FEELINGS},
    {"you have felt", S_FEELINGS},
    {"you think", S_FEELINGS},
    {"you thought", S_FEELINGS},
    {"you believe", S_FEELINGS},
    {"you perceive", S_FEELINGS},
    {"you perceived", S_FEELINGS},
    {"you were left feeling", S_FEELINGS},
    {"you have been left feeling", S_FEELINGS},
    {"you've been left feeling", S_FEELINGS},
    {"you are upset", S_FEELINGS},
    {"you're upset", S_FEELINGS},
    {"you were upset", S_FEELINGS},
    {"you are unhappy", S_FEELINGS},
    {"you're unhappy", S_FEELINGS},
    {"you were unhappy", S_FEELINGS},
    {"if", "it makes the apology conditional"},
    {"to hear", "it expresses sympathy, not an apology"},
#undef S_FEELINGS
};

static const char *const s_openers[] = {"sorry", "apologise", "apologize", "apologies", "regret"};

static int s_letter(char c)
{
    return (c >= 'a' && c <= 'z') || c == '\'';
}

/* Whether buf at p holds word w, whole. */
static int s_word_at(const char *p, const char *w)
{
    size_t n = strlen(w);
    return strncmp(p, w, n) == 0 && !s_letter(p[n]);
}

int iv_apology_check(const char *text, const char *field, cd_fail_t *e)
{
    if (s_text(text, IV_MAX_TEXT, 1, 0, field, NULL, "the apology", e))
        return -1;
    /* Lower case, blanks as one space, a curly apostrophe (U+2019) as a
     * straight one, between spaces, so that phrases match across lines. */
    char buf[IV_MAX_TEXT + 3];
    size_t o = 0;
    buf[o++] = ' ';
    for (const char *s = text; *s; s++) {
        char c = *s;
        if (c == ' ' || c == '\t' || c == '\n') {
            if (buf[o - 1] != ' ')
                buf[o++] = ' ';
            continue;
        }
        if (strncmp(s, "\xe2\x80\x99", 3) == 0) {
            c = '\'';
            s += 2;
        }
        buf[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    buf[o++] = ' ';
    buf[o] = 0;
    for (size_t i = 1; i < o; i++) {
        if (s_letter(buf[i - 1]))
            continue;
        for (size_t k = 0; k < S_COUNT(s_openers); k++) {
            if (!s_word_at(buf + i, s_openers[k]))
                continue;
            const char *p = buf + i + strlen(s_openers[k]);
            int that = p[0] == ' ' && s_word_at(p + 1, "that");
            if (that)
                p += 5;
            for (size_t h = 0; h < S_COUNT(s_hedges); h++)
                if (p[0] == ' ' && s_word_at(p + 1, s_hedges[h].words))
                    return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, NULL,
                                  "\"%s%s %s\" is not an apology: %s. Say sorry for what we did"
                                  " or failed to do",
                                  s_openers[k], that ? " that" : "", s_hedges[h].words,
                                  s_hedges[h].why);
        }
    }
    if (!strstr(buf, "sorry") && !strstr(buf, "apolog"))
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, NULL,
                      "an apology says sorry, or apologises, in so many words");
    return 0;
}

int iv_remedy_check(const iv_remedy_t *r, const char *field, cd_fail_t *e)
{
    char path[CD_FAIL_FIELD_LEN];
    if (r->apology && r->apology[0]) {
        s_path(path, field, "apology");
        if (iv_apology_check(r->apology, path, e))
            return -1;
    }
    if (r->redress_pence < 0)
        return s_fail(e, CD_CODE_OUT_OF_RANGE, field, "redress_pence",
                      "the amount of financial redress must be more than nothing, in pence");
    int has_for = r->redress_for && r->redress_for[0];
    if (r->redress_pence == 0 && has_for)
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "redress_pence",
                      "say how much the financial redress is (in pence), or clear what it is for");
    if (r->redress_pence > 0 && s_text(r->redress_for, IV_MAX_TEXT, 1, 0, field, "redress_for",
                                       "what the financial redress is for", e))
        return -1;
    return s_text(r->service_change, IV_MAX_TEXT, 1, 1, field, "service_change",
                  "the service change", e);
}

int iv_conclusion_check(Candour__V1__Outcome outcome, size_t n_failings, int has_apology,
                        const char *field, cd_fail_t *e)
{
    if (outcome != CANDOUR__V1__OUTCOME__OUTCOME_UPHELD &&
        outcome != CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD)
        return 0;
    const char *words = iv_outcome_words(outcome);
    if (n_failings == 0)
        return s_fail(e, CD_CODE_REQUIRED, field, "failings",
                      "the complaint is %s, so something went wrong: record at least one failing",
                      words);
    if (!has_apology)
        return s_fail(e, CD_CODE_REQUIRED, field, "remedy.apology",
                      "the complaint is %s, so something went wrong, and the response apologises"
                      " for it: add an apology to the remedy",
                      words);
    return 0;
}
