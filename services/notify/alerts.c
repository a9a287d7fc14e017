/* alerts.c - the alerts for the complaints manager, as text (letters.h).
 * References, dates and what to do: never the complainant's name or words
 * (they may go by email, and into the alerts folder). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "letters.h"

char *nt_render_alert(const char *reference, const Candour__V1__DeadlineAlert *da,
                      const char *raised_at)
{
    int overdue = strcmp(da->level, "overdue") == 0;
    char *out = NULL;
    int n = asprintf(
        &out,
        "%s: %s deadline%s%s %s\n\nComplaint: %s\nDeadline:  %s%s%s\nDue:       %s\n"
        "Raised:    %s\n\n%s\n",
        overdue ? "OVERDUE" : "Due soon", da->deadline, da->party[0] ? " for " : "", da->party,
        overdue ? "has passed" : "falls due soon", reference, da->deadline,
        da->party[0] ? ", from " : "", da->party, da->due, raised_at,
        overdue ? "If the complainant has not been told why, record it now (candourctl late) and"
                  " they are written to (R5); agree a new date if more time is needed"
                  " (candourctl extend)."
                : "Check the work is on track, or agree a new date with the complainant in good"
                  " time (candourctl extend).");
    return n < 0 ? NULL : out;
}

char *nt_render_alert_of(const char *kind, const char *reference,
                         const Candour__V1__DeadlineAlert *da, const char *detail,
                         const char *raised_at)
{
    if (strcmp(kind, "deadline") == 0)
        return nt_render_alert(reference, da, raised_at);
    char *out = NULL;
    int n;
    if (strcmp(kind, "spc") == 0)
        n = asprintf(&out,
                     "RISE IN COMPLAINTS\n\n%sRaised:    %s\n\n"
                     "The count has risen beyond what the usual month-to-month variation"
                     " explains (statistical process control, NHS England's Making Data Count)."
                     " It is a signal to look, not a finding: read the month's complaints in"
                     " this category for something they share (a ward, a service, a change"
                     " in how things are done), and look at the chart in the SPC report"
                     " (the command above).\n",
                     detail, raised_at);
    else if (strcmp(kind, "delivery-failed") == 0)
        n = asprintf(&out,
                     "LETTER NOT DELIVERED\n\nComplaint: %s\nLetter:    %s\nRaised:    %s\n\n"
                     "Candour could not deliver this letter and has stopped trying. The case"
                     " file shows each try and what the relay or the print folder said"
                     " (candourctl case show %s). Check the complainant's contact details and"
                     " send the letter another way; the text and the PDF are in the case's"
                     " spool folder.\n",
                     reference, detail, raised_at, reference);
    else
        n = asprintf(
            &out,
            "TASK FOR THE COMPLAINTS TEAM\n\nComplaint: %s\nNeed:      %s\nRaised:    %s\n\n"
            "The complainant asked for their letters in a form Candour does not produce"
            " itself. The standard letter has gone; arrange the version they need and"
            " send it too, and record that you have (the case file shows their access"
            " needs).\n",
            reference, detail, raised_at);
    return n < 0 ? NULL : out;
}

int nt_access_task(const Candour__V1__Person *to, char *out, size_t n)
{
    out[0] = '\0';
    const Candour__V1__AccessNeeds *an = to ? to->access_needs : NULL;
    if (!an)
        return 0;
    const char *format = NULL;
    switch (an->format) {
    case CANDOUR__V1__FORMAT__FORMAT_EASY_READ:
        format = "easy read";
        break;
    case CANDOUR__V1__FORMAT__FORMAT_BRAILLE:
        format = "Braille";
        break;
    case CANDOUR__V1__FORMAT__FORMAT_AUDIO:
        format = "audio";
        break;
    default: /* standard and large print: Candour typesets those itself */
        break;
    }
    /* The language is for the team to read in the case, not for the alert. */
    int interpreter = an->interpreter_language && an->interpreter_language[0];
    snprintf(out, n, "%s%s%s", format ? format : "", format && interpreter ? "; " : "",
             interpreter ? "an interpreter" : "");
    return out[0] != '\0';
}

/* ---------------------------------------------------------------- SPC */

static const struct {
    const char *rule, *words;
} s_spc_rules[] = {
    {"increase", "above the upper process limit, more than the usual variation explains"},
    {"cluster", "two of the last three months above the upper two-sigma line"},
    {"sustained-increase", "seven or more months in a row above the average"},
    {"rising-trend", "seven or more months in a row, each higher than the one before"},
};

static const char *s_spc_words(const char *rule)
{
    for (size_t i = 0; rule && i < sizeof s_spc_rules / sizeof s_spc_rules[0]; i++)
        if (strcmp(rule, s_spc_rules[i].rule) == 0)
            return s_spc_rules[i].words;
    return NULL;
}

/* The month "YYYY-MM" as its first and last days; -1 when it is not one. */
static int s_spc_month(const char *month, cd_date_t *first, cd_date_t *last)
{
    char day[16];
    if (!month || strlen(month) != 7)
        return -1;
    snprintf(day, sizeof day, "%s-01", month);
    if (cd_date_parse(day, first) != 0)
        return -1;
    cd_date_t next = {first->m == 12 ? first->y + 1 : first->y, first->m % 12 + 1, 1};
    if (!cd_date_valid(next))
        return -1;
    *last = cd_date_add_days(next, -1);
    return 0;
}

int nt_spc_reference(const Candour__V1__SpcSignal *s, char *out, size_t n)
{
    cd_date_t first, last;
    int provider = strcmp(s->dimension, "provider") == 0;
    if (!s->org_id[0] || !s->code[0] || s_spc_month(s->month, &first, &last) != 0 ||
        (!provider && strcmp(s->dimension, "subject") != 0 &&
         strcmp(s->dimension, "service") != 0) ||
        n < 2)
        return -1;
    size_t len = n < 65 ? n : 65;
    snprintf(out, len, "SPC-%s-%04d%02d-%s%s%s", s->org_id, first.y, first.m,
             provider ? "total" : s->dimension, provider ? "" : "-", provider ? "" : s->code);
    for (char *c = out; *c; c++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-", *c))
            *c = '-';
    return 0;
}

char *nt_spc_detail(const Candour__V1__SpcSignal *s)
{
    cd_date_t first, last, from;
    const char *words = s_spc_words(s->rule);
    if (!words || s_spc_month(s->month, &first, &last) != 0)
        return NULL;
    /* The report's period: the chart's months, to the end of this one. */
    int back = s->points > 1 ? (int)s->points - 1 : 0;
    int m0 = first.y * 12 + first.m - 1 - back;
    from = (cd_date_t){m0 / 12, m0 % 12 + 1, 1};
    if (!cd_date_valid(from))
        from = first;
    char f[CD_DATE_LEN + 1], t[CD_DATE_LEN + 1], what[200], by[240];
    cd_date_format(from, f);
    cd_date_format(last, t);
    if (strcmp(s->dimension, "provider") == 0)
        snprintf(what, sizeof what, "all complaints to %s", s->org_id);
    else
        snprintf(what, sizeof what, "complaints under the %s %s",
                 strcmp(s->dimension, "subject") == 0 ? "subject" : "service area", s->code);
    if (s->value > s->upper_limit)
        snprintf(by, sizeof by,
                 "%u, %.1f more than the top of the usual range (up to %.1f a month;"
                 " the average is %.1f)",
                 s->value, s->value - s->upper_limit, s->upper_limit, s->mean);
    else
        snprintf(by, sizeof by,
                 "%u, %.1f above the average of %.1f (the usual range goes up to %.1f a month)",
                 s->value, s->value - s->mean, s->mean, s->upper_limit);
    char *out = NULL;
    int n = asprintf(&out,
                     "Body:      %s\nWhat:      %s\nMonth:     %s\nCount:     %s\n"
                     "Rule:      %s: %s\nChart:     %u months, to %s\n"
                     "Report:    candourctl report spc --org %s --from %s --to %s --format pdf\n",
                     s->org_id, what, s->month, by, s->rule, words, s->points, s->month, s->org_id,
                     f, t);
    return n < 0 ? NULL : out;
}
