/* reports_sql.c - the statements each report reads, one a section, all
 * parameterised the same way: $1 the body, $2 the period's first day, $3 its
 * last (both inclusive). They run in one read-only transaction
 * (requests.c), so every section sees the same data.
 *
 * A body's complaints are those it handles: the lead body, or the body it
 * was made to while no lead is known (coalesce(lead_org, made_to_org));
 * compliments are not complaints and are left out. The period's complaints
 * are those received in it; responses and Ombudsman referrals are counted by
 * the day they happened. */
#include "reports.h"

#define S_BODY                                                                                     \
    "coalesce(c.lead_org, c.made_to_org) = $1 AND coalesce(c.kind, 'complaint') = 'complaint'"
#define S_IN(col) "(" col " BETWEEN $2::date AND $3::date)"
#define S_COHORT "reporting.complaint c WHERE " S_BODY " AND " S_IN("c.received_on")

/* ---- Quarterly and annual ---------------------------------------------- */

/* RQ_Q_SUMMARY: the period's complaints, one row. */
static const char s_q_summary[] =
    "SELECT count(*),"
    " count(*) FILTER (WHERE c.ack_on_time),"
    " count(*) FILTER (WHERE c.acknowledged_on IS NOT NULL AND NOT c.ack_on_time),"
    " count(*) FILTER (WHERE c.acknowledged_on IS NULL),"
    " count(*) FILTER (WHERE NOT c.withdrawn AND c.outcome = 'upheld'),"
    " count(*) FILTER (WHERE NOT c.withdrawn AND c.outcome = 'partially-upheld'),"
    " count(*) FILTER (WHERE NOT c.withdrawn AND c.outcome = 'not-upheld'),"
    " count(*) FILTER (WHERE c.withdrawn OR c.outcome = 'withdrawn'),"
    " count(*) FILTER (WHERE NOT c.withdrawn AND (c.outcome IS NULL"
    "   OR c.outcome NOT IN ('upheld', 'partially-upheld', 'not-upheld', 'withdrawn'))),"
    " count(*) FILTER (WHERE c.ombudsman_referred_on IS NOT NULL)"
    " FROM " S_COHORT;

/* RQ_Q_RESPONDED: responses sent in the period, against the agreed date. */
static const char s_q_responded[] =
    "SELECT count(*), count(*) FILTER (WHERE c.response_on_time),"
    " count(*) FILTER (WHERE NOT c.response_on_time)"
    " FROM reporting.complaint c WHERE " S_BODY " AND " S_IN("c.response_sent_on");

/* RQ_Q_SUBJECT, RQ_Q_SERVICE: a complaint once under each category any of
 * its aspects is filed under. */
static const char s_q_subjects[] =
    "SELECT a.subject, count(DISTINCT c.reference) FROM reporting.complaint c"
    " JOIN reporting.aspect a ON a.reference = c.reference"
    " WHERE " S_BODY " AND " S_IN("c.received_on") " AND a.subject IS NOT NULL"
                                                   " GROUP BY 1 ORDER BY 2 DESC, 1";
static const char s_q_services[] =
    "SELECT a.service_area, count(DISTINCT c.reference) FROM reporting.complaint c"
    " JOIN reporting.aspect a ON a.reference = c.reference"
    " WHERE " S_BODY " AND " S_IN("c.received_on") " AND a.service_area IS NOT NULL"
                                                   " GROUP BY 1 ORDER BY 2 DESC, 1";

/* RQ_Q_PARTNERS: the other bodies of the period's coordinated complaints. */
static const char s_q_partners[] =
    "SELECT p.org_id, count(DISTINCT c.reference) FROM reporting.complaint c"
    " JOIN reporting.partner p ON p.reference = c.reference"
    " WHERE " S_BODY " AND " S_IN("c.received_on") " AND p.org_id <> $1"
                                                   " GROUP BY 1 ORDER BY 2 DESC, 1";

/* RQ_Q_OMBUDSMAN: referrals made in the period, by the Ombudsman's outcome
 * so far. */
static const char s_q_ombudsman[] =
    "SELECT coalesce(c.ombudsman_outcome, 'not-yet-decided'), count(*)"
    " FROM reporting.complaint c WHERE " S_BODY
    " AND " S_IN("c.ombudsman_referred_on") " GROUP BY 1 ORDER BY 1";

/* RQ_Q_MONTHS: complaints received each month, the 24 months up to `to`
 * (the last month up to `to` itself), for the XmR chart: counted by month
 * from the body's rows of those months (0033's index), then put against
 * every month, none for a month without. */
static const char s_q_months[] =
    "SELECT to_char(m, 'YYYY-MM'), coalesce(k.n, 0)"
    " FROM generate_series(date_trunc('month', $3::date) - interval '23 months',"
    "                      date_trunc('month', $3::date), interval '1 month') m"
    " LEFT JOIN (SELECT date_trunc('month', c.received_on) AS month, count(*) AS n"
    "  FROM reporting.complaint c WHERE " S_BODY " AND $2::date IS NOT NULL"
    "  AND c.received_on >= date_trunc('month', $3::date) - interval '23 months'"
    "  AND c.received_on <= $3::date GROUP BY 1) k ON k.month = m"
    " ORDER BY m";

/* RQ_Q_REPEATS: the period's complaints from someone who complained to the
 * body in the 12 months before (intake's repeat_of, 0035), and the others. */
static const char s_q_repeats[] = "SELECT count(*) FILTER (WHERE c.repeat_of IS NOT NULL),"
                                  " count(*) FILTER (WHERE c.repeat_of IS NULL) FROM " S_COHORT;

/* RQ_Q_REPEAT_SUBJECTS: those repeats once under each subject any of their
 * aspects is filed under, and of them the ones whose earlier complaint was
 * filed under that subject too. */
static const char s_q_repeat_subjects[] =
    "SELECT a.subject, count(DISTINCT c.reference),"
    " count(DISTINCT c.reference) FILTER (WHERE EXISTS (SELECT 1 FROM reporting.aspect b"
    "  WHERE b.reference = c.repeat_of AND b.subject = a.subject))"
    " FROM reporting.complaint c JOIN reporting.aspect a ON a.reference = c.reference"
    " WHERE " S_BODY " AND " S_IN("c.received_on") " AND c.repeat_of IS NOT NULL"
                                                   " AND a.subject IS NOT NULL"
                                                   " GROUP BY 1 ORDER BY 2 DESC, 1";

/* RQ_Q_ACTIONS: the period's complaints' actions (0035) as they stand at
 * the period's end: complaints with actions, actions; done by then within
 * and past the due date; not done by then within and past it; and the
 * complaints with lessons recorded. One row. */
#define S_OPEN "(x.done_on IS NULL OR x.done_on > $3::date)"
static const char s_q_actions[] =
    "SELECT count(DISTINCT c.reference) FILTER (WHERE x.n IS NOT NULL), count(x.n),"
    " count(x.n) FILTER (WHERE x.done_on <= $3::date AND x.done_on <= x.due),"
    " count(x.n) FILTER (WHERE x.done_on <= $3::date AND x.done_on > x.due),"
    " count(x.n) FILTER (WHERE " S_OPEN " AND x.due > $3::date),"
    " count(x.n) FILTER (WHERE " S_OPEN " AND x.due <= $3::date),"
    " count(DISTINCT c.reference) FILTER (WHERE c.lessons > 0)"
    " FROM reporting.complaint c LEFT JOIN reporting.action x ON x.reference = c.reference"
    " WHERE " S_BODY " AND " S_IN("c.received_on");

/* ---- KO41 -------------------------------------------------------------- */

/* RQ_K_COMPLAINTS: the period's complaints, by reference. */
static const char s_k_complaints[] =
    "SELECT c.reference, coalesce(c.age_band, 'unknown'), coalesce(c.standing, 'unspecified'),"
    " CASE WHEN c.withdrawn THEN 'withdrawn' ELSE coalesce(c.outcome, '') END"
    " FROM " S_COHORT " ORDER BY c.reference";
/* RQ_K_ASPECTS: their aspects, by reference (the same order). */
static const char s_k_aspects[] =
    "SELECT a.reference, coalesce(a.subject, ''), coalesce(a.service_area, ''),"
    " coalesce(a.profession, '') FROM reporting.complaint c"
    " JOIN reporting.aspect a ON a.reference = c.reference"
    " WHERE " S_BODY " AND " S_IN("c.received_on") " ORDER BY a.reference, a.issue_id";
/* RQ_K_B: every complaint received by `to`, with when it was resolved: the
 * final response sent with an outcome, or withdrawn. */
static const char s_k_b[] =
    "SELECT c.received_on::text,"
    " CASE WHEN c.withdrawn THEN coalesce(c.withdrawn_on, c.received_on)::text"
    "      WHEN c.outcome IN ('upheld', 'partially-upheld', 'not-upheld')"
    "       AND c.response_sent_on IS NOT NULL THEN c.response_sent_on::text ELSE '' END,"
    " CASE WHEN c.withdrawn THEN 'withdrawn' ELSE coalesce(c.outcome, '') END"
    " FROM reporting.complaint c WHERE " S_BODY " AND c.received_on <= $3::date"
    " AND $2::date IS NOT NULL";

/* ---- Benchmark --------------------------------------------------------- */

/* The bodies compared: the asker's own, every body that leads or was made
 * a complaint the asker's body leads or was made (the other body of each
 * such complaint: 0033's pairs of them, read from the index alone), and the
 * providers the asker commissions (reporting.commission, 0036).
 * Each side grouped by itself, so the planner expects as many bodies as the
 * column has (its statistics), not one a complaint: it would plan a year
 * of every body's complaints as a hundred million rows, and compile the
 * plan (JIT) for longer than running it takes. */
#define S_BODIES                                                                                   \
    "WITH bodies AS (SELECT $1::text AS body"                                                      \
    " UNION SELECT c.made_to_org FROM reporting.complaint c"                                       \
    "  WHERE c.lead_org = $1 AND c.made_to_org IS NOT NULL GROUP BY 1"                             \
    " UNION SELECT c.lead_org FROM reporting.complaint c"                                          \
    "  WHERE c.made_to_org = $1 AND c.lead_org IS NOT NULL GROUP BY 1"                             \
    " UNION SELECT m.provider::text FROM reporting.commission m WHERE m.commissioner = $1) "
#define S_OF_BODIES                                                                                \
    "coalesce(c.lead_org, c.made_to_org) IN (SELECT body FROM bodies)"                             \
    " AND coalesce(c.kind, 'complaint') = 'complaint'"
#define S_IN_RECEIVED S_IN("c.received_on")
#define S_IN_SENT S_IN("c.response_sent_on")

/* RQ_B_FIGURES: each body's figures for the period (benchmark.h): those of
 * the complaints received in it and those of the responses sent in it,
 * counted apart (each an index-only scan of 0033's), then put side by side.
 * A body uses Candour when it is the asker or Candour holds a complaint it
 * leads or was made; one that does not is given by its benchmarking return
 * (0032) for exactly the period, day for day, when it sent one: upheld is
 * its upheld and partially upheld together, as Candour counts them, and its
 * median is its own (the last column). Candour's own figures win over a
 * return. The source column: candour, return, or none (no figures). */
#define S_RET(col, own) "CASE WHEN o.uses THEN " own " ELSE coalesce(" col ", 0) END"
/* clang-format off */
static const char s_b_figures[] =
    S_BODIES ", own AS (SELECT b.body, b.body = $1"
             "  OR EXISTS (SELECT 1 FROM reporting.complaint c WHERE c.lead_org = b.body)"
             "  OR EXISTS (SELECT 1 FROM reporting.complaint c WHERE c.made_to_org = b.body) AS uses"
             "  FROM bodies b)"
             ", ret AS (SELECT * FROM reporting.benchmark_return t"
             "  WHERE t.org_id IN (SELECT body FROM bodies)"
             "  AND t.period_from = $2::date AND t.period_to = $3::date)"
             ", rec AS (SELECT coalesce(c.lead_org, c.made_to_org)::text AS body, count(*) AS n,"
             "  count(*) FILTER (WHERE c.ack_on_time) AS ack"
             "  FROM reporting.complaint c WHERE " S_OF_BODIES " AND " S_IN_RECEIVED " GROUP BY 1)"
             ", sent AS (SELECT coalesce(c.lead_org, c.made_to_org)::text AS body, count(*) AS n,"
             "  count(*) FILTER (WHERE c.response_on_time) AS in_time,"
             "  count(*) FILTER (WHERE c.extensions > 0) AS extended,"
             "  count(*) FILTER (WHERE c.outcome IN ('upheld', 'partially-upheld')) AS upheld,"
             "  count(*) FILTER (WHERE c.ombudsman_referred_on IS NOT NULL) AS ombudsman,"
             "  count(*) FILTER (WHERE c.ombudsman_referred_on IS NOT NULL"
             "   AND c.ombudsman_outcome IN ('upheld', 'partly-upheld')) AS ombudsman_upheld"
             "  FROM reporting.complaint c WHERE " S_OF_BODIES " AND " S_IN_SENT " GROUP BY 1)"
             " SELECT b.body, " S_RET("t.received", "coalesce(r.n, 0)") ","
             " " S_RET("t.acknowledged_in_3_days", "coalesce(r.ack, 0)") ","
             " " S_RET("t.closed", "coalesce(s.n, 0)") ","
             " " S_RET("t.responded_in_time", "coalesce(s.in_time, 0)") ","
             " " S_RET("t.extended", "coalesce(s.extended, 0)") ","
             " " S_RET("t.upheld + t.partially_upheld", "coalesce(s.upheld, 0)") ","
             " " S_RET("t.ombudsman_referred", "coalesce(s.ombudsman, 0)") ","
             " " S_RET("t.ombudsman_upheld", "coalesce(s.ombudsman_upheld, 0)") ","
             " CASE WHEN o.uses THEN 'candour' WHEN t.org_id IS NOT NULL THEN 'return'"
             "  ELSE 'none' END,"
             " CASE WHEN o.uses THEN '' ELSE coalesce(t.median_days_to_response::text, '') END"
             " FROM bodies b JOIN own o ON o.body = b.body"
             " LEFT JOIN ret t ON t.org_id = b.body AND NOT o.uses"
             " LEFT JOIN rec r ON r.body = b.body LEFT JOIN sent s ON s.body = b.body"
             " ORDER BY b.body";
/* clang-format on */

/* Working days (Monday to Friday) from the day after receipt to the
 * response, both included (none if the response came first): the weekdays
 * from a Monday (1900-01-01) to the day after the response, less those to
 * the day after receipt; each is five a full week and up to five of the days
 * left. Arithmetic, not a series of days a response, so a year of every
 * body's responses costs no more than counting them. */
#define S_WD_SENT                                                                                  \
    "((c.response_sent_on + 1 - date '1900-01-01') / 7 * 5"                                        \
    " + least((c.response_sent_on + 1 - date '1900-01-01') % 7, 5))"
#define S_WD_RECEIVED                                                                              \
    "((c.received_on + 1 - date '1900-01-01') / 7 * 5"                                             \
    " + least((c.received_on + 1 - date '1900-01-01') % 7, 5))"
#define S_WORKDAYS "greatest(0, " S_WD_SENT " - " S_WD_RECEIVED ")"

/* RQ_B_DAYS: working days (bank holidays are not known here and count as
 * working days) from receipt to response, each response sent in the period,
 * for the medians. Only each body's two middle values are given, in order:
 * the lower and upper middle of its n responses (positions (n+1)/2 and
 * (n+2)/2, the same one twice when n is odd), found in a count of responses
 * by working days; bm_median of those two is the median of all
 * (reports_benchmark.c reads nothing else of them), and a year of every
 * body's responses is neither sorted nor sent. */
static const char s_b_days[] = S_BODIES
    ", h AS (SELECT coalesce(c.lead_org, c.made_to_org)::text AS body, " S_WORKDAYS " AS days,"
    "  count(*) AS k FROM reporting.complaint c WHERE " S_OF_BODIES " AND " S_IN_SENT
    "  GROUP BY 1, 2)"
    ", run AS (SELECT body, days, k,"
    "  (sum(k) OVER (PARTITION BY body ORDER BY days))::bigint AS upto,"
    "  (sum(k) OVER (PARTITION BY body))::bigint AS n FROM h)"
    " SELECT run.body, run.days FROM run,"
    " LATERAL (VALUES ((run.n + 1) / 2), ((run.n + 2) / 2)) m(pos)"
    " WHERE m.pos > run.upto - run.k AND m.pos <= run.upto ORDER BY 1, 2";

/* RQ_B_TARGETS: the targets set (0031). */
static const char s_b_targets[] =
    "SELECT indicator, value::text, direction FROM reporting.target"
    " WHERE $1::text IS NOT NULL AND $2::date IS NOT NULL AND $3::date IS NOT NULL"
    " ORDER BY indicator";

/* Each report's statements, in the order its file reads their results (its
 * own enum), NULL-ended: the one list of them. */
static const char *const s_quarterly[] = {
    s_q_summary, s_q_responded, s_q_subjects,        s_q_services, s_q_partners, s_q_ombudsman,
    s_q_months,  s_q_repeats,   s_q_repeat_subjects, s_q_actions,  NULL};
static const char *const s_ko41a[] = {s_k_complaints, s_k_aspects, NULL};
static const char *const s_ko41b[] = {s_k_b, NULL};
static const char *const s_benchmark[] = {s_b_figures, s_b_days, s_b_targets, NULL};
static const char *const s_spc[] = {rp_spc_series_body_sql, NULL};
static const char *const *const s_stmts[RQ_NREPORTS] = {
    [RQ_QUARTERLY] = s_quarterly, [RQ_ANNUAL] = s_quarterly,    [RQ_KO41A] = s_ko41a,
    [RQ_KO41B] = s_ko41b,         [RQ_BENCHMARK] = s_benchmark, [RQ_SPC] = s_spc,
};

void rq_sql(cd_tx_t *tx, const rq_ask_t *a)
{
    const char *v[3] = {a->org, a->from_s, a->to_s};
    for (const char *const *q = a->kind < RQ_NREPORTS ? s_stmts[a->kind] : NULL; q && *q; q++)
        cd_tx_add(tx, *q, 3, v);
}
