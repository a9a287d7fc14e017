/* alerts.c - the alerts for the complaints manager, as text (letters.h).
 * References, dates and what to do: never the complainant's name or words
 * (they may go by email, and into the alerts folder). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (strcmp(kind, "delivery-failed") == 0)
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
