/* casework.c - the investigation's rules (see casework.h): plan, key
 * issues and evidence, and the plain words for them. Attachments, findings
 * and outcome, actions and remedy, and the response's clocks are in
 * attachment.c, findings.c and timing.c. Pure: arguments in, a verdict out. */
#include "casework.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "rules_util.h"

/* ================================================================ V2: plan */

static const char *const s_gradings[] = {"low", "medium", "high"};

static const char *const s_steps[IV_STEP_COUNT] = {
    [IV_STEP_DOCUMENT_REVIEW] = "document-review",
    [IV_STEP_RECORDS_REVIEW] = "records-review",
    [IV_STEP_COMPLAINANT_MEETING] = "complainant-meeting",
    [IV_STEP_STAFF_INTERVIEWS] = "staff-interviews",
    [IV_STEP_SITE_VISIT] = "site-visit",
    [IV_STEP_INDEPENDENT_CLINICAL_ADVICE] = "independent-clinical-advice",
    [IV_STEP_CASE_CONFERENCE] = "case-conference",
};

#define S_ALL_STEPS                                                                                \
    "document-review, records-review, complainant-meeting, staff-interviews, site-visit,"          \
    " independent-clinical-advice and case-conference"

int iv_grading_parse(const char *text, iv_grading_t *out, const char *field, cd_fail_t *e)
{
    if (!text || !text[0])
        return s_fail(e, CD_CODE_REQUIRED, field, NULL, "the grading is required");
    int i = s_lookup0(s_gradings, S_COUNT(s_gradings), text);
    if (i < 0)
        return s_fail(e, CD_CODE_INVALID_ENUM, field, NULL,
                      "the grading must be low, medium or high");
    *out = (iv_grading_t)(IV_GRADING_LOW + i);
    return 0;
}

const char *iv_grading_name(iv_grading_t g)
{
    assert(g >= IV_GRADING_LOW && g <= IV_GRADING_HIGH);
    return s_gradings[g - IV_GRADING_LOW];
}

int iv_step_parse(const char *slug, iv_step_t *out)
{
    int i = s_lookup0(s_steps, IV_STEP_COUNT, slug);
    if (i < 0)
        return -1;
    *out = (iv_step_t)i;
    return 0;
}

const char *iv_step_name(iv_step_t s)
{
    assert(s >= 0 && s < IV_STEP_COUNT);
    return s_steps[s];
}

size_t iv_plan_template(iv_grading_t g, iv_step_t out[IV_STEP_COUNT])
{
    assert(g >= IV_GRADING_LOW && g <= IV_GRADING_HIGH);
    size_t n = 0;
    out[n++] = IV_STEP_DOCUMENT_REVIEW;
    if (g >= IV_GRADING_MEDIUM) {
        out[n++] = IV_STEP_COMPLAINANT_MEETING;
        out[n++] = IV_STEP_STAFF_INTERVIEWS;
    }
    if (g == IV_GRADING_HIGH) {
        out[n++] = IV_STEP_INDEPENDENT_CLINICAL_ADVICE;
        out[n++] = IV_STEP_CASE_CONFERENCE;
    }
    return n;
}

int iv_plan_parse(const char *text, iv_step_t *out, size_t max, const char *field, cd_fail_t *e)
{
    const char *p = text ? text : "";
    if (!p[strspn(p, " \t")])
        return s_fail(e, CD_CODE_REQUIRED, field, NULL,
                      "the plan has no steps: name at least one, such as document-review");
    unsigned seen = 0;
    size_t n = 0;
    for (size_t pos = 1;; pos++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        char q[IV_MAX_ECHO + 4];
        if (len == 0)
            return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, NULL,
                          "step %zu of the plan is empty: separate the steps with single commas",
                          pos);
        int s = s_lookup(s_steps, IV_STEP_COUNT, p, len);
        if (s < 0)
            return s_fail(e, CD_CODE_INVALID_ENUM, field, NULL,
                          "step %zu of the plan%s is not one we know: the steps are " S_ALL_STEPS,
                          pos, s_echo(p, len, q));
        if (seen & (1u << s))
            return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, NULL,
                          "step %zu of the plan, %s, is named twice: name each step once", pos,
                          s_steps[s]);
        if (n == max)
            return s_fail(e, CD_CODE_TOO_MANY, field, NULL, "the plan has more than %zu steps",
                          max);
        seen |= 1u << s;
        out[n++] = (iv_step_t)s;
        if (!comma)
            return (int)n;
        p = comma + 1;
    }
}

int iv_plan_check(iv_grading_t g, const char *const *steps, size_t n, const char *reason,
                  iv_step_t *steps_out, const char *field, cd_fail_t *e)
{
    assert(g >= IV_GRADING_LOW && g <= IV_GRADING_HIGH);
    if (n == 0)
        return s_fail(e, CD_CODE_REQUIRED, field, "steps",
                      "the plan has no steps: name at least one, such as document-review");
    if (n > IV_STEP_COUNT)
        return s_fail(e, CD_CODE_TOO_MANY, field, "steps",
                      "a plan has at most %d steps, each named once", IV_STEP_COUNT);
    iv_step_t parsed[IV_STEP_COUNT];
    unsigned seen = 0;
    for (size_t i = 0; i < n; i++) {
        char member[32], q[IV_MAX_ECHO + 4];
        snprintf(member, sizeof member, "steps[%zu]", i);
        const char *s = steps[i] ? steps[i] : "";
        if (iv_step_parse(s, &parsed[i]) != 0)
            return s_fail(e, CD_CODE_INVALID_ENUM, field, member,
                          "step %zu%s is not one we know: the steps are " S_ALL_STEPS, i + 1,
                          s_echo(s, strlen(s), q));
        if (seen & (1u << parsed[i]))
            return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, member,
                          "%s is in the plan twice: name each step once", s);
        seen |= 1u << parsed[i];
    }
    if (s_text(reason, IV_MAX_TEXT, 1, 1, field, "reason", "the reason for the plan", e))
        return -1;
    int advice = !!(seen & (1u << IV_STEP_INDEPENDENT_CLINICAL_ADVICE));
    int conference = !!(seen & (1u << IV_STEP_CASE_CONFERENCE));
    if (g == IV_GRADING_HIGH && (!advice || !conference) && !(reason && reason[0]))
        return s_fail(e, CD_CODE_REQUIRED, field, "reason",
                      "this complaint is graded high, and the plan leaves out %s: record the"
                      " reason, because leaving out these safeguards for a serious complaint"
                      " must be explained",
                      !advice && !conference ? "independent clinical advice and a case conference"
                      : !advice              ? "independent clinical advice"
                                             : "a case conference");
    if (steps_out)
        memcpy(steps_out, parsed, n * sizeof *parsed);
    return 0;
}

/* ========================================================= V3: key issues */

static const char *const s_agreed_how[] = {"in-writing", "by-telephone", "in-a-meeting",
                                           "by-email"};

/* A KO41a code's form: [a-z0-9-]{1,64}. */
static int s_code(const char *s, const char *field, const char *member, const char *what,
                  cd_fail_t *e)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0)
        return s_fail(e, CD_CODE_REQUIRED, field, member, "%s is required", what);
    if (n > IV_MAX_CODE)
        return s_fail(e, CD_CODE_TOO_LONG, field, member,
                      "%s is too long: a code has at most %d characters", what, IV_MAX_CODE);
    if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, member,
                      "%s must be a code from the KO41a lists: lower-case letters, digits and"
                      " hyphens",
                      what);
    return 0;
}

int iv_key_issue_check(const iv_key_issue_t *ki, cd_date_t today, const char *field, cd_fail_t *e)
{
    cd_date_t on;
    if (s_text(ki->summary, IV_MAX_TEXT, 1, 0, field, "summary", "the key issue's summary", e) ||
        s_code(ki->subject, field, "subject", "the subject", e) ||
        s_code(ki->service_area, field, "service_area", "the service area", e) ||
        s_code(ki->profession, field, "profession", "the profession", e) ||
        s_date(ki->agreed_on, &today, &on, field, "agreed_on",
               "the date the key issue was agreed with the complainant", e))
        return -1;
    if (!ki->agreed_how || !ki->agreed_how[0])
        return s_fail(e, CD_CODE_REQUIRED, field, "agreed_how",
                      "say how the key issue was agreed with the complainant");
    if (s_lookup0(s_agreed_how, S_COUNT(s_agreed_how), ki->agreed_how) < 0)
        return s_fail(e, CD_CODE_INVALID_ENUM, field, "agreed_how",
                      "how it was agreed must be in-writing, by-telephone, in-a-meeting or"
                      " by-email");
    return 0;
}

int iv_key_issue_count_check(size_t n, const char *field, cd_fail_t *e)
{
    if (n == 0)
        return s_fail(e, CD_CODE_REQUIRED, field, NULL,
                      "agree at least one key issue with the complainant");
    if (n > IV_MAX_KEY_ISSUES)
        return s_fail(e, CD_CODE_TOO_MANY, field, NULL,
                      "a case has at most %d key issues: combine related ones", IV_MAX_KEY_ISSUES);
    return 0;
}

/* ============================================================ V4: evidence */

static const char *const s_kinds[IV_EVIDENCE_COUNT] = {
    [IV_EVIDENCE_COMPLAINANT_ACCOUNT] = "complainant-account",
    [IV_EVIDENCE_STAFF_ACCOUNT] = "staff-account",
    [IV_EVIDENCE_RECORDS] = "records",
    [IV_EVIDENCE_POLICY_OR_GUIDANCE] = "policy-or-guidance",
    [IV_EVIDENCE_INDEPENDENT_ADVICE] = "independent-advice",
    [IV_EVIDENCE_OTHER] = "other",
};

int iv_evidence_kind_parse(const char *slug, iv_evidence_kind_t *out)
{
    int i = s_lookup0(s_kinds, IV_EVIDENCE_COUNT, slug);
    if (i < 0)
        return -1;
    *out = (iv_evidence_kind_t)i;
    return 0;
}

int iv_evidence_check(const iv_evidence_t *ev, cd_date_t today, const char *field, cd_fail_t *e)
{
    iv_evidence_kind_t kind;
    cd_date_t d;
    if (!ev->kind || !ev->kind[0])
        return s_fail(e, CD_CODE_REQUIRED, field, "kind", "say what kind of evidence this is");
    if (iv_evidence_kind_parse(ev->kind, &kind) != 0)
        return s_fail(e, CD_CODE_INVALID_ENUM, field, "kind",
                      "the kind of evidence must be complainant-account, staff-account, records,"
                      " policy-or-guidance, independent-advice or other");
    if (s_text(ev->source, IV_MAX_NAME, 0, 0, field, "source",
               "where the evidence came from (the source)", e) ||
        s_date(ev->date, &today, &d, field, "date", "the evidence's date", e) ||
        s_text(ev->summary, IV_MAX_ACCOUNT, 1, 0, field, "summary", "the summary of the evidence",
               e))
        return -1;
    const char *flag = ev->flag ? ev->flag : "";
    int flagged = flag[0] != 0;
    if (flagged && strcmp(flag, "discrepancy") != 0 && strcmp(flag, "gap") != 0)
        return s_fail(e, CD_CODE_INVALID_ENUM, field, "flag",
                      "the flag must be discrepancy, gap, or empty for neither");
    if (flagged)
        return s_text(ev->flag_note, IV_MAX_TEXT, 1, 0, field, "flag_note",
                      strcmp(flag, "gap") == 0 ? "a note of what is missing"
                                               : "a note of what the evidence disagrees with",
                      e);
    if (ev->flag_note && ev->flag_note[0])
        return s_fail(e, CD_CODE_INVALID_ARGUMENT, field, "flag_note",
                      "a note is kept only with a flag: set the flag to discrepancy or gap, or"
                      " clear the note");
    return 0;
}
/* ======================================================== plain words */

const char *iv_outcome_words(Candour__V1__Outcome o)
{
    switch (o) {
    case CANDOUR__V1__OUTCOME__OUTCOME_UPHELD:
        return "upheld";
    case CANDOUR__V1__OUTCOME__OUTCOME_PARTIALLY_UPHELD:
        return "partly upheld";
    case CANDOUR__V1__OUTCOME__OUTCOME_NOT_UPHELD:
        return "not upheld";
    case CANDOUR__V1__OUTCOME__OUTCOME_WITHDRAWN:
        return "withdrawn";
    default:
        return NULL;
    }
}

const char *iv_step_words(iv_step_t s)
{
    static const char *const words[IV_STEP_COUNT] = {
        [IV_STEP_DOCUMENT_REVIEW] = "read the documents about your complaint, including the"
                                    " letters and emails about it and the policies that applied",
        [IV_STEP_RECORDS_REVIEW] = "read the care records",
        [IV_STEP_COMPLAINANT_MEETING] = "met or spoke with you to talk about your complaint",
        [IV_STEP_STAFF_INTERVIEWS] = "asked the staff involved for their accounts of what happened",
        [IV_STEP_SITE_VISIT] = "visited the place where the care was given",
        [IV_STEP_INDEPENDENT_CLINICAL_ADVICE] =
            "asked for independent clinical advice: the view of a doctor, nurse or other health"
            " professional who was not involved in the care",
        [IV_STEP_CASE_CONFERENCE] = "held a case conference: a meeting of the people involved to"
                                    " look at the evidence together",
    };
    return s >= 0 && s < IV_STEP_COUNT ? words[s] : NULL;
}

const char *iv_evidence_kind_words(iv_evidence_kind_t k)
{
    static const char *const words[IV_EVIDENCE_COUNT] = {
        [IV_EVIDENCE_COMPLAINANT_ACCOUNT] = "your account",
        [IV_EVIDENCE_STAFF_ACCOUNT] = "an account from a member of staff",
        [IV_EVIDENCE_RECORDS] = "records",
        [IV_EVIDENCE_POLICY_OR_GUIDANCE] = "a policy or guidance",
        [IV_EVIDENCE_INDEPENDENT_ADVICE] = "independent advice",
        [IV_EVIDENCE_OTHER] = "other evidence",
    };
    return k >= 0 && k < IV_EVIDENCE_COUNT ? words[k] : NULL;
}

const char *iv_verdict_words(iv_verdict_t v)
{
    static const char *const words[] = {"upheld", "not upheld", "not addressed"};
    return s_verdict_ok(v) ? words[v - IV_VERDICT_UPHELD] : NULL;
}

void iv_date_words(cd_date_t d, char out[IV_LONG_DATE_LEN])
{
    cd_date_words(d, 0, out, IV_LONG_DATE_LEN);
}
