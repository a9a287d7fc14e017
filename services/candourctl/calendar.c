/* calendar.c - `candourctl calendar`: England's bank holidays and working
 * days as Candour counts them (the rules, plus CANDOUR_BANK_HOLIDAYS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "ctl.h"

static int s_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl calendar YEAR                  bank holidays in England that year\n"
            "       candourctl calendar --add YYYY-MM-DD N    the Nth working day after a date\n"
            "Reads CANDOUR_BANK_HOLIDAYS (gov.uk bank-holidays.json) when set.\n");
    return rc;
}

int ctl_calendar(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0)
        return s_usage(argc < 2 ? 2 : 0);
    cd_calendar_t *cal = cd_calendar_new();
    const char *path = getenv("CANDOUR_BANK_HOLIDAYS");
    char err[512];
    if (path && *path && cd_calendar_load_json(cal, path, err, sizeof err) != 0) {
        fprintf(stderr, "candourctl calendar: %s\n", err);
        cd_calendar_destroy(&cal);
        return 1;
    }
    int rc = 0;
    if (strcmp(argv[1], "--add") == 0) {
        cd_date_t d;
        char *end = NULL;
        long n = argc == 4 ? strtol(argv[3], &end, 10) : -1;
        if (argc != 4 || cd_date_parse(argv[2], &d) != 0 || *end || n < 0 || n > 1000) {
            cd_calendar_destroy(&cal);
            return s_usage(2);
        }
        char out[CD_DATE_LEN + 1];
        cd_date_format(cd_workdays_add(cal, d, (int)n), out);
        printf("%s + %ld working days = %s\n", argv[2], n, out);
    } else {
        char *end = NULL;
        long year = strtol(argv[1], &end, 10);
        if (*end || year < 1978 || year > 9998) {
            cd_calendar_destroy(&cal);
            return s_usage(2);
        }
        cd_date_t days[32];
        int n = cd_calendar_bank_holidays(cal, (int)year, days, 32);
        static const char *const wd[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        for (int i = 0; i < n && i < 32; i++) {
            char s[CD_DATE_LEN + 1];
            cd_date_format(days[i], s);
            printf("%s %s\n", s, wd[cd_date_weekday(days[i])]);
        }
        printf("%d bank holidays in England and Wales in %ld (%s)\n", n, year,
               cd_calendar_covers_year(cal, (int)year) ? "from the data file" : "from the rules");
    }
    cd_calendar_destroy(&cal);
    return rc;
}
