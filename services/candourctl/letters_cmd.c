/* letters_cmd.c - `candourctl letters REF` and `candourctl letters resend`:
 * a complaint's letters and how each went (N1), and a failed letter queued
 * again once what stopped it is put right.
 *
 * The list carries no personal data: each letter's kind, channel, state,
 * tries and times, and its id. What a relay said (which may name the
 * address) is in the case file (candourctl case show), read as a person.
 *
 * resend is the operator's: the letter goes back to queued with a fresh set
 * of tries under the same letter id (so a print job replaces its own file
 * and an email keeps its Message-ID), in one transaction that names the
 * operator in the audit trail ("ops: <login>") and records the reason as a
 * row of the letter's delivery history. notify takes it at its next round. */
#include <stdio.h>
#include <string.h>

#include "candour/util.h"
#include "ctl.h"

#define S_CMD "letters"

static int s_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl letters REF\n"
            "       candourctl letters resend LETTER_ID --reason TEXT\n"
            "REF: the complaint's letters, each with its channel, state (queued, sent,\n"
            "delivered, failed), tries and letter id.\n"
            "resend: a failed letter queued again, with a fresh set of tries, once the\n"
            "cause is put right (the relay or the print folder mended); the reason is\n"
            "kept with the letter's history.\n"
            "Uses CANDOUR_DB_URL (admin); resend names you (\"ops: <login>\").\n");
    return rc;
}

static int s_list(const char *ref)
{
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    const char *v[1] = {ref};
    PGresult *r = ctl_db_query(
        c, S_CMD,
        "SELECT kind, channel, CASE WHEN not_sent IS NOT NULL THEN 'not sent' ELSE state END,"
        " attempts::text,"
        " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
        " coalesce(to_char(coalesce(delivered_at, failed_at) AT TIME ZONE 'UTC',"
        "  'YYYY-MM-DD HH24:MI'), ''), letter_id::text"
        " FROM notify.letter WHERE reference = $1 ORDER BY created_at, kind",
        1, v);
    int rc = r ? 0 : 1;
    if (r && PQntuples(r) == 0) {
        fprintf(stderr, "candourctl " S_CMD ": no letters for %s\n", ref);
        rc = 1;
    } else if (r) {
        printf("%-28s %-7s %-10s %5s  %-16s  %-16s  %s\n", "KIND", "CHANNEL", "STATE", "TRIES",
               "WRITTEN (UTC)", "GONE/FAILED", "LETTER");
        for (int i = 0; i < PQntuples(r); i++)
            printf("%-28s %-7s %-10s %5s  %-16s  %-16s  %s\n", PQgetvalue(r, i, 0),
                   PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                   PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), PQgetvalue(r, i, 6));
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}

static int s_resend(const char *id, const char *reason)
{
    char actor[300];
    if (ctl_ops_actor(actor, sizeof actor, S_CMD) != 0)
        return 1;
    PGconn *c = ctl_db_connect(S_CMD);
    if (!c)
        return 1;
    const char *v[2] = {id, reason};
    PGresult *r = NULL;
    int ok = ctl_db_begin_as(c, S_CMD, actor) == 0 &&
             (r = ctl_db_query(
                  c, S_CMD,
                  "WITH l AS (UPDATE notify.letter SET state = 'queued', attempts = 0,"
                  " next_attempt_at = now(), failed_at = NULL, last_error = NULL"
                  " WHERE letter_id = $1::uuid AND state = 'failed' AND not_sent IS NULL"
                  " RETURNING letter_id, reference, kind, channel)"
                  " INSERT INTO notify.delivery_attempt (letter_id, attempt, channel, outcome,"
                  " detail) SELECT letter_id, 0, channel, 'resent', $2 FROM l"
                  " RETURNING (SELECT reference FROM l), (SELECT kind FROM l)",
                  2, v)) != NULL;
    if (ok && PQntuples(r) != 1) {
        PGresult *w = ctl_db_query(
            c, S_CMD,
            "SELECT CASE WHEN not_sent IS NOT NULL THEN 'the complaint was withdrawn: it is not"
            " sent' ELSE 'it is ' || state || ', not failed' END FROM notify.letter"
            " WHERE letter_id = $1::uuid",
            1, v);
        fprintf(stderr, "candourctl " S_CMD ": letter %s cannot be sent again: %s\n", id,
                w && PQntuples(w) ? PQgetvalue(w, 0, 0) : "there is no such letter");
        PQclear(w);
        ok = 0;
    }
    if (ok && ctl_db_exec(c, S_CMD, "COMMIT", 0, NULL) == 0)
        printf("%s %s queued again (notify sends it at its next round)\n", PQgetvalue(r, 0, 0),
               PQgetvalue(r, 0, 1));
    else {
        ctl_db_exec(c, S_CMD, "ROLLBACK", 0, NULL);
        ok = 0;
    }
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : 1;
}

int ctl_letters(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return s_usage(0);
    if (argc == 2)
        return cd_uuid_ok(argv[1]) ? s_usage(2) : s_list(argv[1]);
    if (argc == 5 && strcmp(argv[1], "resend") == 0 && strcmp(argv[3], "--reason") == 0) {
        if (!cd_uuid_ok(argv[2])) {
            fprintf(stderr, "candourctl " S_CMD ": '%s' is not a letter id\n", argv[2]);
            return 2;
        }
        if (!argv[4][0] || strlen(argv[4]) > 1000 || !cd_text_ok(argv[4], strlen(argv[4]), 0)) {
            fprintf(stderr, "candourctl " S_CMD ": the reason is 1 to 1000 bytes of text\n");
            return 2;
        }
        return s_resend(argv[2], argv[4]);
    }
    return s_usage(2);
}
