/* gate_cmd.c - `candourctl gate set|show`: a body's choices for sign-off's
 * quality gate (F1, F3), which sign-off reads with every draft it checks.
 *
 * Each check of the gate (services/signoff/gate.h) blocks signing or only
 * advises, by Candour's default; a body may choose otherwise for any check
 * (signoff.gate_rule, migration 0023), and set its own readability and
 * sentence-length thresholds (signoff.gate_limit; 0 there is Candour's).
 * The names of the checks, their defaults and what each looks for come
 * from the gate's own table (so_checks, linked from svc_signoff), so a check
 * named here is one the gate runs.
 *
 * Ops change the tables directly, as the admin (CANDOUR_DB_URL), in one
 * transaction with every value a parameter; the rows and the audit trail
 * name the operator ("ops: <login>"). A choice that is already the body's
 * is not written again. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "gate.h"
#include "routes.h"

#define S_CMD "gate"
/* Candour's thresholds where a body sets none (gate.h, gate_plain.c). */
#define S_DEF_MIN_FLESCH SO_DEFAULT_MIN_FLESCH
#define S_DEF_MAX_WORDS SO_DEFAULT_MAX_SENTENCE_WORDS

/* ---------------------------------------------------------------- the checks */

/* The gate's check called name, or NULL after telling which there are. */
static const so_check_t *s_check(const char *name)
{
    size_t n;
    const so_check_t *checks = so_checks(&n);
    if (so_check_known(name))
        for (size_t i = 0; i < n; i++)
            if (strcmp(checks[i].name, name) == 0)
                return &checks[i];
    fprintf(stderr, "candourctl " S_CMD ": the gate has no check '%s'; its checks are:\n", name);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  %-18s %s\n", checks[i].name, checks[i].what);
    return NULL;
}

static const char *s_severity_name(so_severity_t s)
{
    return s == SO_BLOCKING ? "blocking" : "advice";
}

/* ---------------------------------------------------------------- set */

/* One --severity or --default: the check, and the severity to give it
 * (NULL: Candour's default again). */
typedef struct {
    const so_check_t *check;
    const char *severity;
} s_rule_t;

/* What `gate set` was given; -1: a threshold not given. */
typedef struct {
    const char *org;
    s_rule_t *rules;
    size_t nrules;
    int min_flesch, max_words;
} s_set_t;

static int s_usage(int rc)
{
    size_t n;
    const so_check_t *checks = so_checks(&n);
    FILE *out = rc ? stderr : stdout;
    fprintf(out,
            "Usage: candourctl gate set ORG [--severity CHECK=blocking|advice]...\n"
            "            [--default CHECK]... [--min-flesch N] [--max-sentence-words N]\n"
            "       candourctl gate show ORG\n"
            "A body's choices for sign-off's quality gate, which checks every draft response\n"
            "before it is signed (F1, F3). A blocking finding stops anyone signing until it is\n"
            "put right; advice is shown to the signatory, and who signed over it recorded.\n"
            "set changes only what it is given, in one transaction:\n"
            "  --severity CHECK=blocking|advice  the body's severity for that check\n"
            "  --default CHECK       remove the body's choice: Candour's default applies\n"
            "  --min-flesch N        the Flesch reading ease a draft must reach, 0-100\n"
            "                        (higher is plainer); 0: Candour's, %d\n"
            "  --max-sentence-words N  the longest sentence, in words, 0-200; 0: Candour's, %d\n"
            "show: each check with its severity for the body (Candour's default or the\n"
            "body's own), what it checks, and the thresholds.\n"
            "The checks (and Candour's severity for each):\n",
            S_DEF_MIN_FLESCH, S_DEF_MAX_WORDS);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-18s %-8s  %s\n", checks[i].name, s_severity_name(checks[i].severity),
                checks[i].what);
    fprintf(out, "Uses CANDOUR_DB_URL (admin); the change names you (\"ops: <login>\").\n");
    return rc;
}

/* text as a whole number 0..max for option opt: 0, or -1 (told). */
static int s_number(const char *opt, const char *text, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (!*text || *end || text[0] == '-' || text[0] == '+' || errno || v > max) {
        fprintf(stderr, "candourctl " S_CMD ": --%s takes a whole number from 0 to %d, not '%s'\n",
                opt, max, text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Add a --severity (value "CHECK=SEVERITY") or a --default (value "CHECK",
 * is_default) to s. 0, or -1 (told: a usage error). */
static int s_add_rule(s_set_t *s, char *value, int is_default)
{
    char *eq = is_default ? NULL : strchr(value, '=');
    if (!is_default) {
        if (!eq || (strcmp(eq + 1, "blocking") != 0 && strcmp(eq + 1, "advice") != 0)) {
            fprintf(stderr,
                    "candourctl " S_CMD ": --severity takes CHECK=blocking or CHECK=advice,"
                    " not '%s'\n",
                    value);
            return -1;
        }
        *eq = 0; /* value is argv's: the check's name and the severity, split */
    }
    const so_check_t *check = s_check(value);
    if (!check)
        return -1;
    for (size_t i = 0; i < s->nrules; i++)
        if (s->rules[i].check == check) {
            fprintf(stderr, "candourctl " S_CMD ": %s is given more than once\n", check->name);
            return -1;
        }
    s->rules[s->nrules++] = (s_rule_t){check, eq ? eq + 1 : NULL};
    return 0;
}

/* "advice (ICB-QWE's)" or "blocking (Candour's default)", into buf. */
static const char *s_rule_words(const char *org, const s_rule_t *r, const char *own, char *buf,
                                size_t len)
{
    if (own)
        snprintf(buf, len, "%s (%s's)", own, org);
    else
        snprintf(buf, len, "%s (Candour's default)", s_severity_name(r->check->severity));
    return buf;
}

/* Apply one rule in the open transaction and say what it did. 1 when it
 * changed the table, 0 when not, -1 when the database failed (told). */
static int s_apply_rule(PGconn *c, const char *org, const s_rule_t *r, const char *actor)
{
    const char *v[4] = {org, r->check->name, r->severity, actor};
    PGresult *cur = ctl_db_query(
        c, S_CMD, "SELECT severity FROM signoff.gate_rule WHERE org_id = $1 AND check_name = $2", 2,
        v);
    if (!cur)
        return -1;
    char *was = PQntuples(cur) ? strdup(PQgetvalue(cur, 0, 0)) : NULL;
    PQclear(cur);
    char now_w[128], was_w[128];
    int same = was && r->severity ? strcmp(was, r->severity) == 0 : !was && !r->severity;
    int rc = 0;
    if (!same && r->severity)
        rc = ctl_db_exec(c, S_CMD,
                         "INSERT INTO signoff.gate_rule (org_id, check_name, severity, changed_by)"
                         " VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, check_name) DO UPDATE SET"
                         " severity = excluded.severity, changed_at = now(),"
                         " changed_by = excluded.changed_by",
                         4, v);
    else if (!same)
        rc = ctl_db_exec(
            c, S_CMD, "DELETE FROM signoff.gate_rule WHERE org_id = $1 AND check_name = $2", 2, v);
    if (rc == 0 && same)
        printf("%s: %s, unchanged\n", r->check->name,
               s_rule_words(org, r, r->severity, now_w, sizeof now_w));
    else if (rc == 0)
        printf("%s: %s; was %s\n", r->check->name,
               s_rule_words(org, r, r->severity, now_w, sizeof now_w),
               s_rule_words(org, r, was, was_w, sizeof was_w));
    free(was);
    return rc < 0 ? -1 : !same;
}

/* A threshold's value as said: "60", or "Candour's default (50)". */
static const char *s_limit_words(int v, int def, char *buf, size_t len)
{
    if (v)
        snprintf(buf, len, "%d", v);
    else
        snprintf(buf, len, "Candour's default (%d)", def);
    return buf;
}

/* Apply the thresholds given in the open transaction and say what changed.
 * 1 when the table changed, 0 when not, -1 when the database failed. */
static int s_apply_limits(PGconn *c, const s_set_t *s, const char *actor)
{
    const char *v[1] = {s->org};
    PGresult *r = ctl_db_query(
        c, S_CMD, "SELECT min_flesch, max_sentence_words FROM signoff.gate_limit WHERE org_id = $1",
        1, v);
    if (!r)
        return -1;
    int was[2] = {0, 0};
    for (int j = 0; j < 2 && PQntuples(r); j++)
        was[j] = atoi(PQgetvalue(r, 0, j));
    PQclear(r);
    const int given[2] = {s->min_flesch, s->max_words},
              def[2] = {S_DEF_MIN_FLESCH, S_DEF_MAX_WORDS};
    static const char *const names[2] = {"min-flesch", "max-sentence-words"};
    int now[2];
    char a[64], b[64];
    for (int j = 0; j < 2; j++) {
        now[j] = given[j] >= 0 ? given[j] : was[j];
        if (given[j] < 0)
            continue;
        if (now[j] == was[j])
            printf("%s: %s, unchanged\n", names[j], s_limit_words(now[j], def[j], a, sizeof a));
        else
            printf("%s: %s; was %s\n", names[j], s_limit_words(now[j], def[j], a, sizeof a),
                   s_limit_words(was[j], def[j], b, sizeof b));
    }
    if (now[0] == was[0] && now[1] == was[1])
        return 0;
    char n0[16], n1[16];
    snprintf(n0, sizeof n0, "%d", now[0]);
    snprintf(n1, sizeof n1, "%d", now[1]);
    const char *w[4] = {s->org, n0, n1, actor};
    return ctl_db_exec(c, S_CMD,
                       "INSERT INTO signoff.gate_limit (org_id, min_flesch, max_sentence_words,"
                       " changed_by) VALUES ($1, $2::integer, $3::integer, $4)"
                       " ON CONFLICT (org_id) DO UPDATE SET min_flesch = excluded.min_flesch,"
                       " max_sentence_words = excluded.max_sentence_words, changed_at = now(),"
                       " changed_by = excluded.changed_by",
                       4, w) == 0
               ? 1
               : -1;
}

/* Make the changes s asks for, in one transaction. The exit code. */
static int s_write(const s_set_t *s)
{
    char actor[300];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 2;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    /* Serialised with other `gate set`s, so "was" is what it was; sign-off
     * reads the old choices until commit. */
    int rc = ctl_db_begin_as(c, S_CMD, actor) == 0 &&
                     ctl_db_exec(c, S_CMD,
                                 "LOCK TABLE signoff.gate_rule, signoff.gate_limit IN SHARE ROW"
                                 " EXCLUSIVE MODE",
                                 0, NULL) == 0
                 ? 0
                 : -1;
    int changed = 0;
    if (rc == 0)
        printf("gate %s:\n", s->org);
    for (size_t i = 0; rc >= 0 && i < s->nrules; i++)
        changed += (rc = s_apply_rule(c, s->org, &s->rules[i], actor)) > 0;
    if (rc >= 0 && (s->min_flesch >= 0 || s->max_words >= 0))
        changed += (rc = s_apply_limits(c, s, actor)) > 0;
    if (rc >= 0)
        rc = ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL);
    else
        ctl_db_exec(c, S_CMD, "ROLLBACK", 0, NULL);
    PQfinish(c);
    if (rc < 0) {
        fprintf(stderr, "candourctl " S_CMD ": nothing changed for %s\n", s->org);
        return 1;
    }
    if (changed)
        printf("%d change%s by %s\n", changed, changed == 1 ? "" : "s", actor);
    else
        printf("nothing changed\n");
    return 0;
}

static int s_set(int argc, char **argv)
{
    static struct option opts[] = {{"severity", required_argument, 0, 's'},
                                   {"default", required_argument, 0, 'd'},
                                   {"min-flesch", required_argument, 0, 'f'},
                                   {"max-sentence-words", required_argument, 0, 'w'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    s_set_t s = {.min_flesch = -1, .max_words = -1};
    s.rules = calloc((size_t)argc, sizeof *s.rules);
    if (!s.rules) {
        fprintf(stderr, "candourctl " S_CMD ": out of memory\n");
        return 1;
    }
    int c, rc = -1; /* -1: go on; else the exit code */
    optind = 2;
    while (rc < 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's' || c == 'd')
            rc = s_add_rule(&s, optarg, c == 'd') == 0 ? -1 : 2;
        else if (c == 'f')
            rc = s_number("min-flesch", optarg, 100, &s.min_flesch) == 0 ? -1 : 2;
        else if (c == 'w')
            rc = s_number("max-sentence-words", optarg, 200, &s.max_words) == 0 ? -1 : 2;
        else
            rc = s_usage(c == 'h' ? 0 : 2);
    }
    if (rc < 0 && optind != argc - 1)
        rc = s_usage(2);
    if (rc < 0 && !ctl_routes_ident_ok(argv[optind])) {
        fprintf(stderr, "candourctl " S_CMD ": '%s' is not a body's id\n", argv[optind]);
        rc = 2;
    }
    if (rc < 0 && s.nrules == 0 && s.min_flesch < 0 && s.max_words < 0) {
        fprintf(stderr, "candourctl " S_CMD ": nothing to change: give --severity, --default,"
                        " --min-flesch or --max-sentence-words\n");
        rc = 2;
    }
    if (rc < 0) {
        s.org = argv[optind];
        rc = s_write(&s);
    }
    free(s.rules);
    return rc;
}

/* ---------------------------------------------------------------- show */

/* The body's row for a check in r (columns check_name, severity, changed_by,
 * changed_on), or -1. */
static int s_row_of(const PGresult *r, const char *check)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), check) == 0)
            return i;
    return -1;
}

/* Who set row i of r (columns ..., changed_by, changed_on at col), for the
 * body org, into buf; "Candour's default" when r has no such row (i < 0). */
static const char *s_set_by(const char *org, const PGresult *r, int i, int col, char *buf,
                            size_t len)
{
    if (i < 0)
        snprintf(buf, len, "Candour's default");
    else
        snprintf(buf, len, "%s, %s on %s", org, PQgetvalue(r, i, col), PQgetvalue(r, i, col + 1));
    return buf;
}

/* The body's own value of threshold j (a column of limits), or 0: none,
 * Candour's applies. */
static int s_own_limit(const PGresult *limits, int j)
{
    return PQntuples(limits) ? atoi(PQgetvalue(limits, 0, j)) : 0;
}

/* `gate show`'s two tables: the checks, then the thresholds. 0, or 1 when
 * out of memory. */
static int s_print(const char *org, const PGresult *rules, const PGresult *limits)
{
    size_t n;
    const so_check_t *checks = so_checks(&n);
    enum { BY_LEN = 300 };
    /* Who set each check's severity and each threshold, for the width. */
    char(*by)[BY_LEN] = calloc(n + 2, sizeof *by);
    if (!by) {
        fprintf(stderr, "candourctl " S_CMD ": out of memory\n");
        return 1;
    }
    int w = (int)strlen("SET BY");
    for (size_t i = 0; i < n + 2; i++) {
        if (i < n)
            s_set_by(org, rules, s_row_of(rules, checks[i].name), 2, by[i], BY_LEN);
        else
            s_set_by(org, limits, s_own_limit(limits, (int)(i - n)) ? 0 : -1, 2, by[i], BY_LEN);
        w = (int)strlen(by[i]) > w ? (int)strlen(by[i]) : w;
    }
    printf("quality gate of %s\n\n%-18s  %-8s  %-*s  %s\n", org, "CHECK", "SEVERITY", w, "SET BY",
           "WHAT IT CHECKS");
    for (size_t i = 0; i < n; i++) {
        int k = s_row_of(rules, checks[i].name);
        printf("%-18s  %-8s  %-*s  %s\n", checks[i].name,
               k >= 0 ? PQgetvalue(rules, k, 1) : s_severity_name(checks[i].severity), w, by[i],
               checks[i].what);
    }
    /* A rule for a check the gate no longer has is kept but not used. */
    for (int i = 0; i < PQntuples(rules); i++)
        if (!so_check_known(PQgetvalue(rules, i, 0)))
            printf("%-18s  %-8s  (the gate has no such check: not used)\n", PQgetvalue(rules, i, 0),
                   PQgetvalue(rules, i, 1));

    static const char *const names[2] = {"min-flesch", "max-sentence-words"};
    static const char *const what[2] = {
        "the Flesch reading ease a draft must reach, 0-100 (higher is plainer)",
        "the most words a sentence may have"};
    const int def[2] = {S_DEF_MIN_FLESCH, S_DEF_MAX_WORDS};
    printf("\n%-18s  %-8s  %-*s  %s\n", "THRESHOLD", "VALUE", w, "SET BY", "WHAT IT IS");
    for (int j = 0; j < 2; j++) {
        int own = s_own_limit(limits, j);
        printf("%-18s  %-8d  %-*s  %s\n", names[j], own ? own : def[j], w, by[n + (size_t)j],
               what[j]);
    }
    free(by);
    return 0;
}

static int s_show(int argc, char **argv)
{
    static struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 2;
    if ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        return s_usage(c == 'h' ? 0 : 2);
    if (optind != argc - 1)
        return s_usage(2);
    const char *org = argv[optind];
    if (!ctl_routes_ident_ok(org)) {
        fprintf(stderr, "candourctl " S_CMD ": '%s' is not a body's id\n", org);
        return 2;
    }
    PGconn *conn = ctl_db_connect(S_CMD);
    if (!conn)
        return 1;
    /* One snapshot for both tables. */
    const char *v[1] = {org};
    PGresult *rules = NULL, *limits = NULL;
    if (ctl_db_exec(conn, S_CMD, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) == 0 &&
        (rules = ctl_db_query(conn, S_CMD,
                              "SELECT check_name, severity, changed_by, changed_at::date"
                              " FROM signoff.gate_rule WHERE org_id = $1 ORDER BY check_name",
                              1, v)) != NULL)
        limits = ctl_db_query(conn, S_CMD,
                              "SELECT min_flesch, max_sentence_words, changed_by, changed_at::date"
                              " FROM signoff.gate_limit WHERE org_id = $1",
                              1, v);
    PQfinish(conn);
    if (!rules || !limits) {
        PQclear(rules);
        return 1;
    }
    int rc = s_print(org, rules, limits);
    PQclear(rules);
    PQclear(limits);
    return rc;
}

int ctl_gate(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    if (strcmp(argv[1], "set") == 0)
        return s_set(argc, argv);
    if (strcmp(argv[1], "show") == 0)
        return s_show(argc, argv);
    return s_usage(2);
}
