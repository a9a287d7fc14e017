/* casefile_text.c - the case file for a person (casefile.h): headings,
 * dates and times in words in UK time, one block per entry as a table of
 * kinds says, and the verification in plain words. casefile.c reads the
 * records and writes the file; --json gives the same model for machines. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/calendar.h"
#include "candour/util.h"
#include "casefile.h"

/* A date written YYYY-MM-DD, written out with its weekday: "Friday 4
 * December 2026". Text that is not such a date is copied. */
static const char *s_day(const char *date, char *out, size_t len)
{
    cd_date_t d;
    if (cd_date_parse(date, &d) != 0)
        snprintf(out, len, "%s", date);
    else
        cd_date_words(d, 1, out, len);
    return out;
}

/* An RFC 3339 instant as the time in the UK, written out: "Tuesday 24
 * November 2026, 10:15:03 GMT". Text that is not such an instant is copied. */
static const char *s_when(const char *rfc3339, char *out, size_t len)
{
    int64_t t = cd_parse_rfc3339(rfc3339);
    if (t < 0) {
        snprintf(out, len, "%s", rfc3339);
        return out;
    }
    int bst = cd_london_offset(t) != 0;
    int64_t local = t + cd_london_offset(t);
    char day[64];
    cd_date_words(cd_date_from_unix_london(t), 1, day, sizeof day);
    int secs = (int)(local % 86400);
    snprintf(out, len, "%s, %02d:%02d:%02d %s", day, secs / 3600, secs / 60 % 60, secs % 60,
             bst ? "BST" : "GMT");
    return out;
}

/* The prefixes of the enums whose names the records keep (complaint.proto,
 * events.proto): "OUTCOME_PARTIALLY_UPHELD" reads "partially upheld". */
static const char *const s_enum_prefixes[] = {"OUTCOME_", "CHANNEL_", "CLASSIFICATION_", "HOLD_",
                                              "EXCLUSION_"};

/* s as words (into out) when it is such an enum's name; else s itself,
 * whole, however long. */
static const char *s_words(const char *s, char *out, size_t len)
{
    for (size_t i = 0; i < sizeof s_enum_prefixes / sizeof s_enum_prefixes[0]; i++) {
        size_t plen = strlen(s_enum_prefixes[i]);
        if (strncmp(s, s_enum_prefixes[i], plen) != 0 || !s[plen])
            continue;
        size_t n = 0;
        for (const char *p = s + plen; *p && n + 1 < len; p++)
            out[n++] = *p == '_' ? ' ' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        out[n] = 0;
        return out;
    }
    return s;
}

/* A scalar as text (strings as s_words gives them; numbers and booleans,
 * yes/no, into out). */
static const char *s_scalar(const json_t *v, char *out, size_t len)
{
    if (json_is_string(v))
        return s_words(json_string_value(v), out, len);
    if (json_is_integer(v))
        snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_boolean(v))
        snprintf(out, len, "%s", json_is_true(v) ? "yes" : "no");
    else
        snprintf(out, len, "%s", "");
    return out;
}

typedef enum {
    F_TEXT,  /* a line, or lines indented under the label */
    F_BLOCK, /* a letter's or draft's text, each line marked, under the label */
    F_DATE,  /* "YYYY-MM-DD" written out */
    F_TIME,  /* RFC 3339 as the time in the UK */
    F_LIST,  /* strings, on one line */
    F_LINES, /* strings, one a line */
    F_YESNO, /* a boolean */
    F_PENCE, /* money */
    F_BYTES, /* a size */
    F_CODE,  /* a KO41a code, with its name (key "_name") */
    F_JSON,  /* anything, nested as it is */
} s_type_t;

typedef struct {
    const char *key;   /* the entry's member */
    const char *label; /* how the line reads; NULL: the end of the rows */
    s_type_t type;
} s_row_t;

/* How each kind of entry reads: its title ({member}: the member's value)
 * and its lines, in order; members absent or empty are left out. */
static const struct {
    const char *kind;
    const char *title;
    s_row_t rows[12];
} s_kinds[] = {
    {"complaint-received",
     "Complaint received by {organisation}",
     {{"channel", "Channel", F_TEXT},
      {"external_ref", "Their reference", F_TEXT},
      {"classification", "Classified as", F_TEXT},
      {"holds", "Waiting for", F_LIST},
      {"complaint", "As received", F_JSON}}},
    {"change", "Changed by the organisation: {action}", {{"content", "Content", F_JSON}}},
    {"status", "Status: {state}", {{"detail", "Detail", F_TEXT}}},
    {"history", "{event}, from {producer}", {{"detail", "Detail", F_TEXT}}},
    {"triage",
     "Triage: {outcome}",
     {{"reason", "Reason", F_TEXT},
      {"lead_org", "Led by", F_TEXT},
      {"partners", "Partners", F_LIST},
      {"exclusion", "Exclusion", F_TEXT},
      {"chc_appeal", "CHC appeal", F_YESNO}}},
    {"deadline-set", "Deadline set: {name}", {{"party", "Party", F_TEXT}, {"due", "Due", F_DATE}}},
    {"deadline-extended",
     "Deadline extended: {name}",
     {{"party", "Party", F_TEXT},
      {"old_due", "Was due", F_DATE},
      {"new_due", "Now due", F_DATE},
      {"agreed_by", "Agreed by", F_TEXT},
      {"reason", "Reason", F_TEXT}}},
    {"deadline-met",
     "Deadline met: {name}",
     {{"party", "Party", F_TEXT}, {"due", "Was due", F_DATE}, {"in_time", "In time", F_YESNO}}},
    {"deadline-raised",
     "Deadline raised to the complaints manager: {name}, {level}",
     {{"party", "Party", F_TEXT}, {"due", "Due", F_DATE}}},
    {"deadline-closed",
     "Deadline closed (no longer applies): {name}",
     {{"party", "Party", F_TEXT}, {"due", "Was due", F_DATE}}},
    {"case-opened",
     "Investigation case opened",
     {{"organisation", "Organisation", F_TEXT},
      {"case_id", "Case", F_TEXT},
      {"partners", "Partners", F_LIST}}},
    {"investigator-assigned",
     "Investigator assigned: {investigator}",
     {{"name", "Name", F_TEXT},
      {"job_title", "Job title", F_TEXT},
      {"assigned_by", "Assigned by", F_TEXT},
      {"impartiality", "Impartiality check", F_TEXT},
      {"staff_named", "Staff named", F_LIST},
      {"teams_named", "Teams named", F_LIST}}},
    {"plan",
     "Investigation plan: {grading}",
     {{"steps", "Steps", F_LINES}, {"reason", "Reason", F_TEXT}}},
    {"key-issue",
     "Key issue {issue_id} agreed",
     {{"summary", "Summary", F_TEXT},
      {"subject", "Subject", F_CODE},
      {"service_area", "Service area", F_CODE},
      {"profession", "Profession", F_CODE},
      {"agreed_on", "Agreed on", F_DATE},
      {"agreed_how", "How agreed", F_TEXT}}},
    {"evidence",
     "Evidence {number} recorded: {kind}",
     {{"source", "Source", F_TEXT},
      {"date", "Dated", F_DATE},
      {"summary", "Summary", F_TEXT},
      {"flag", "Flagged", F_TEXT},
      {"flag_note", "Note", F_TEXT},
      {"filename", "Attachment", F_TEXT},
      {"media_type", "Media type", F_TEXT},
      {"size", "Size", F_BYTES},
      {"sha256", "SHA-256", F_TEXT},
      {"recorded_by", "Recorded by", F_TEXT}}},
    {"contribution",
     "Partner's part: {org}",
     {{"waived", "Waived", F_YESNO},
      {"findings", "Findings", F_TEXT},
      {"reason", "Reason", F_TEXT},
      {"recorded_by", "Recorded by", F_TEXT}}},
    {"finding",
     "Finding on {issue_id}: {verdict}",
     {{"issue", "Key issue", F_TEXT},
      {"what_happened", "What happened", F_TEXT},
      {"what_should_have_happened", "Should have happened", F_TEXT},
      {"not_addressed_reason", "Why not addressed", F_TEXT}}},
    {"conclusions",
     "Conclusions recorded",
     {{"failings", "Failings", F_LINES},
      {"lessons", "Lessons", F_LINES},
      {"apology", "Apology", F_TEXT},
      {"redress_pence", "Redress", F_PENCE},
      {"redress_for", "Redress for", F_TEXT},
      {"service_change", "Service change", F_TEXT}}},
    {"action",
     "Action {number}: {description}",
     {{"owner", "Owner", F_TEXT},
      {"due", "Due", F_DATE},
      {"done", "Done", F_YESNO},
      {"done_on", "Done on", F_DATE}}},
    {"outcome",
     "Outcome recorded: {outcome}",
     {{"findings", "Findings", F_TEXT}, {"recorded_by", "Recorded by", F_TEXT}}},
    {"case-withdrawn",
     "Investigation closed: the complaint was withdrawn",
     {{"reason", "Reason", F_TEXT}}},
    {"draft",
     "Draft response, version {version}",
     {{"assembled", "Assembled from case", F_YESNO},
      {"made_by", "Made by", F_TEXT},
      {"sha256", "SHA-256", F_TEXT},
      {"text", "Text", F_BLOCK}}},
    {"for-signature",
     "Response received for signature",
     {{"organisation", "Organisation", F_TEXT},
      {"outcome", "Outcome", F_TEXT},
      {"draft_version", "Draft version", F_TEXT},
      {"draft_sha256", "SHA-256", F_TEXT}}},
    {"signed",
     "Response signed by {signed_by}",
     {{"signatory_role", "As", F_TEXT},
      {"draft_version", "Version signed", F_TEXT},
      {"draft_sha256", "SHA-256 signed", F_TEXT}}},
    {"signoff-withdrawn",
     "Sign-off closed: the complaint was withdrawn",
     {{"reason", "Reason", F_TEXT}}},
    {"letter",
     "Letter written: {kind}, by {channel}",
     {{"letter_id", "Letter", F_TEXT}, {"sha256", "SHA-256", F_TEXT}, {"text", "Text", F_BLOCK}}},
    {"letter-delivered",
     "Letter delivered: {kind}, by {channel}",
     {{"letter_id", "Letter", F_TEXT}}},
    {"letter-attempt",
     "Letter not delivered on try {attempt}: {kind}, by {channel}",
     {{"letter_id", "Letter", F_TEXT},
      {"outcome", "Outcome", F_TEXT},
      {"code", "Code", F_TEXT},
      {"detail", "What was said", F_TEXT}}},
    {"letter-bounced",
     "Letter bounced after it was sent: {kind}, by {channel}",
     {{"letter_id", "Letter", F_TEXT}, {"detail", "What the bounce said", F_TEXT}}},
    {"letter-delayed",
     "Letter delayed, the relay still trying: {kind}, by {channel}",
     {{"letter_id", "Letter", F_TEXT}, {"detail", "What the notice said", F_TEXT}}},
    {"letter-resent",
     "Letter queued again: {kind}, by {channel}",
     {{"letter_id", "Letter", F_TEXT}, {"detail", "Why", F_TEXT}}},
    {"letter-failed",
     "LETTER FAILED after {attempts} tries: {kind}, by {channel} (raised to the complaints"
     " manager)",
     {{"letter_id", "Letter", F_TEXT}, {"error", "Last error", F_TEXT}}},
    {"task",
     "Task for the complaints team: the complainant needs {need}",
     {{"need", "Need", F_TEXT}}},
    {"letter-not-sent",
     "Letter not sent: {kind}",
     {{"letter_id", "Letter", F_TEXT}, {"reason", "Why", F_TEXT}}},
    {"audit",
     "Audit entry {schema} #{seq}: {op} on {table}",
     {{"chain", "Chain", F_TEXT},
      {"actor", "By", F_TEXT},
      {"hash", "Hash", F_TEXT},
      {"prev_hash", "After", F_TEXT}}},
};

#define S_LABEL_W 22 /* the width of a row's label */
#define S_ROW_IND 4  /* a row's indent under its entry's title */

/* text, each line indented by ind and started with mark. */
static void s_lines(FILE *out, int ind, const char *mark, const char *text)
{
    while (*text) {
        size_t n = strcspn(text, "\n");
        fprintf(out, "%*s%s%.*s\n", ind, "", mark, (int)n, text);
        text += n + (text[n] == '\n');
    }
}

/* "label   value" at ind, or label then the value's lines under it. */
static void s_labelled(FILE *out, int ind, const char *label, const char *value)
{
    if (strchr(value, '\n')) {
        fprintf(out, "%*s%s\n", ind, "", label);
        s_lines(out, ind + 2, "", value);
    } else {
        fprintf(out, "%*s%-*s %s\n", ind, "", S_LABEL_W, label, value);
    }
}

/* Member names as words: "desired_outcome" -> "desired outcome". */
static const char *s_key_words(const char *key, char *out, size_t len)
{
    size_t n = 0;
    for (; key[n] && n + 1 < len; n++)
        out[n] = key[n] == '_' ? ' ' : key[n];
    out[n] = 0;
    return out;
}

/* Any JSON, nested as it is: a person's reading of a submitted complaint. */
static void s_json_text(FILE *out, int ind, const char *label, const json_t *v)
{
    char buf[256];
    if (json_is_object(v)) {
        if (label)
            fprintf(out, "%*s%s\n", ind, "", label);
        const char *key;
        json_t *m;
        json_object_foreach((json_t *)v, key, m)
        {
            s_json_text(out, ind + (label ? 2 : 0), s_key_words(key, buf, sizeof buf), m);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        if (label)
            fprintf(out, "%*s%s\n", ind, "", label);
        json_array_foreach(v, i, m)
        {
            if (json_is_object(m) || json_is_array(m))
                s_json_text(out, ind + 2, "-", m);
            else
                s_lines(out, ind + 2, "- ",
                        json_is_string(m) ? json_string_value(m) : s_scalar(m, buf, sizeof buf));
        }
    } else {
        char value[256];
        const char *text =
            json_is_string(v) ? json_string_value(v) : s_scalar(v, value, sizeof value);
        s_labelled(out, ind, label ? label : "", text);
    }
}

/* One row of an entry, when its member is there and not empty. */
static void s_row(FILE *out, const json_t *e, const s_row_t *row)
{
    const json_t *v = json_object_get(e, row->key);
    char text[128];
    if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
        (json_is_array(v) && json_array_size(v) == 0))
        return;
    switch (row->type) {
    case F_TEXT:
        s_labelled(out, S_ROW_IND, row->label, s_scalar(v, text, sizeof text));
        break;
    case F_BLOCK:
        fprintf(out, "%*s%s\n", S_ROW_IND, "", row->label);
        s_lines(out, S_ROW_IND + 2, "| ", json_string_value(v) ? json_string_value(v) : "");
        break;
    case F_DATE:
        s_labelled(out, S_ROW_IND, row->label,
                   s_day(json_string_value(v) ? json_string_value(v) : "", text, sizeof text));
        break;
    case F_TIME:
        s_labelled(out, S_ROW_IND, row->label,
                   s_when(json_string_value(v) ? json_string_value(v) : "", text, sizeof text));
        break;
    case F_LIST:
    case F_LINES: {
        size_t i;
        json_t *m;
        if (row->type == F_LINES)
            fprintf(out, "%*s%s\n", S_ROW_IND, "", row->label);
        else
            fprintf(out, "%*s%-*s ", S_ROW_IND, "", S_LABEL_W, row->label);
        json_array_foreach(v, i, m)
        {
            const char *item = s_scalar(m, text, sizeof text);
            if (row->type == F_LINES)
                s_lines(out, S_ROW_IND + 2, "- ", item);
            else
                fprintf(out, "%s%s", i ? ", " : "", item);
        }
        if (row->type == F_LIST)
            fprintf(out, "\n");
        break;
    }
    case F_YESNO:
        s_labelled(out, S_ROW_IND, row->label, json_is_true(v) ? "yes" : "no");
        break;
    case F_PENCE: {
        json_int_t p = json_integer_value(v);
        snprintf(text, sizeof text, "£%" JSON_INTEGER_FORMAT ".%02d", p / 100, (int)(p % 100));
        s_labelled(out, S_ROW_IND, row->label, text);
        break;
    }
    case F_BYTES:
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT " bytes", json_integer_value(v));
        s_labelled(out, S_ROW_IND, row->label, text);
        break;
    case F_CODE: {
        char key[64];
        snprintf(key, sizeof key, "%s_name", row->key);
        const char *name = json_string_value(json_object_get(e, key));
        fprintf(out, "%*s%-*s %s (%s)\n", S_ROW_IND, "", S_LABEL_W, row->label,
                s_scalar(v, text, sizeof text), name ? name : "not a code in the lists");
        break;
    }
    case F_JSON:
        s_json_text(out, S_ROW_IND, row->label, v);
        break;
    }
}

/* title, each {member} replaced by the member's value ("?" when there is
 * none), on its own line. */
static void s_title(FILE *out, const char *title, const json_t *e)
{
    fprintf(out, "  ");
    for (const char *p = title; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (!close) {
            fputc(*p++, out);
            continue;
        }
        char key[64], value[64];
        snprintf(key, sizeof key, "%.*s", (int)(close - p - 1), p + 1);
        const char *text = s_scalar(json_object_get(e, key), value, sizeof value);
        fprintf(out, "%s", *text ? text : "?");
        p = close + 1;
    }
    fputc('\n', out);
}

static void s_entry_text(FILE *out, const json_t *e)
{
    char when[96];
    const char *kind = json_string_value(json_object_get(e, "kind"));
    const json_t *d = json_object_get(e, "detail");
    fprintf(out, "%s  [%s]\n",
            s_when(json_string_value(json_object_get(e, "at")), when, sizeof when),
            json_string_value(json_object_get(e, "service")));
    for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds[0]; i++) {
        if (strcmp(kind, s_kinds[i].kind) != 0)
            continue;
        s_title(out, s_kinds[i].title, d);
        for (const s_row_t *row = s_kinds[i].rows; row->label; row++)
            s_row(out, d, row);
        fprintf(out, "\n");
        return;
    }
    /* A kind this table does not know yet: shown whole rather than lost. */
    fprintf(out, "  %s\n", kind);
    s_json_text(out, S_ROW_IND, NULL, d);
    fprintf(out, "\n");
}

static void s_heading(FILE *out, const char *text)
{
    fprintf(out, "%s\n", text);
    for (size_t i = strlen(text); i > 0; i--)
        fputc('=', out);
    fprintf(out, "\n\n");
}

static void s_verification_text(FILE *out, const json_t *v)
{
    size_t i;
    json_t *m;
    char when[96];
    s_heading(out, "VERIFICATION");
    fprintf(out, "Audit trail: each of this complaint's entries recomputed from its content,\n"
                 "and its links to the entries before and after it in its chain followed.\n");
    json_array_foreach(json_object_get(v, "audit"), i, m)
    {
        const char *schema = json_string_value(json_object_get(m, "schema"));
        json_int_t n = json_integer_value(json_object_get(m, "entries"));
        json_int_t chains = json_integer_value(json_object_get(m, "chains"));
        const json_t *b = json_object_get(m, "broken");
        if (!b) {
            fprintf(out,
                    "  %-14s %" JSON_INTEGER_FORMAT " entr%s in %" JSON_INTEGER_FORMAT
                    " chain%s: intact\n",
                    schema, n, n == 1 ? "y" : "ies", chains, chains == 1 ? "" : "s");
            continue;
        }
        fprintf(out,
                "  %-14s BROKEN at entry %" JSON_INTEGER_FORMAT " (chain \"%s\", %s on %s, %s):\n"
                "                 %s\n",
                schema, json_integer_value(json_object_get(b, "seq")),
                json_string_value(json_object_get(b, "chain")),
                json_string_value(json_object_get(b, "op")),
                json_string_value(json_object_get(b, "table")),
                s_when(json_string_value(json_object_get(b, "at")), when, sizeof when),
                json_string_value(json_object_get(b, "problem")));
    }
    fprintf(out, "\nAttachments: the SHA-256 and size recorded against the bytes stored.\n");
    if (json_array_size(json_object_get(v, "attachments")) == 0)
        fprintf(out, "  none\n");
    json_array_foreach(json_object_get(v, "attachments"), i, m)
    {
        fprintf(out, "  evidence %" JSON_INTEGER_FORMAT ", %s: %s\n    %s\n",
                json_integer_value(json_object_get(m, "evidence")),
                json_string_value(json_object_get(m, "filename")),
                json_is_true(json_object_get(m, "matches")) ? "matches" : "DOES NOT MATCH",
                json_string_value(json_object_get(m, "sha256")));
    }
    fprintf(out, "\nDraft versions: the SHA-256 recorded against the text stored.\n");
    if (json_array_size(json_object_get(v, "drafts")) == 0)
        fprintf(out, "  none\n");
    json_array_foreach(json_object_get(v, "drafts"), i, m)
    {
        fprintf(out, "  version %" JSON_INTEGER_FORMAT ": %s\n    %s\n",
                json_integer_value(json_object_get(m, "version")),
                json_is_true(json_object_get(m, "matches")) ? "matches" : "DOES NOT MATCH",
                json_string_value(json_object_get(m, "sha256")));
    }
    fprintf(out, "\nSignature: ");
    const json_t *s = json_object_get(v, "signature");
    if (!json_is_object(s)) {
        fprintf(out, "not signed\n");
    } else if (json_is_null(json_object_get(s, "draft_version"))) {
        fprintf(out, "signed by %s, for a response with no draft version (nothing to compare)\n",
                json_string_value(json_object_get(s, "signed_by")));
    } else {
        int same = json_is_true(json_object_get(s, "matches_version"));
        int text = json_is_true(json_object_get(s, "text_matches"));
        fprintf(out,
                "version %" JSON_INTEGER_FORMAT " signed by %s\n"
                "  SHA-256 signed %s\n"
                "  %s as investigation holds that version\n"
                "  %s of the text sign-off holds\n",
                json_integer_value(json_object_get(s, "draft_version")),
                json_string_value(json_object_get(s, "signed_by")),
                json_string_value(json_object_get(s, "draft_sha256")),
                same ? "the same" : "DIFFERENT from the one",
                text ? "the SHA-256" : "NOT the SHA-256");
    }
    fprintf(out, "\nLetters: notify keeps each letter's text and no hash of it; the SHA-256 shown\n"
                 "with each letter is computed from that text, for comparing with a copy.\n");
    fprintf(out, "\n%s\n",
            json_is_true(json_object_get(v, "all_verified"))
                ? "Every check passed."
                : "SOME CHECKS FAILED: see BROKEN, DOES NOT MATCH, DIFFERENT and NOT above.");
}

/* The file for a person. */
void ctl_casefile_text(FILE *out, const json_t *file)
{
    char when[96], words[64], title[128];
    const json_t *sum = json_object_get(file, "summary");
    const json_t *entries = json_object_get(file, "entries");
    snprintf(title, sizeof title, "CASE FILE %s",
             json_string_value(json_object_get(file, "complaint_ref")));
    s_heading(out, title);
    const char *org = json_string_value(json_object_get(sum, "organisation"));
    const char *received = json_string_value(json_object_get(sum, "received_at"));
    const char *state = json_string_value(json_object_get(sum, "state"));
    const char *outcome = json_string_value(json_object_get(sum, "outcome"));
    s_labelled(out, 0, "Complaint", json_string_value(json_object_get(file, "complaint_ref")));
    s_labelled(out, 0, "Organisation", org ? org : "-");
    s_labelled(out, 0, "Received", received ? s_when(received, when, sizeof when) : "-");
    s_labelled(out, 0, "State now", state ? state : "-");
    s_labelled(out, 0, "Outcome", outcome ? s_words(outcome, words, sizeof words) : "none yet");
    s_labelled(out, 0, "Prepared",
               s_when(json_string_value(json_object_get(file, "prepared_at")), when, sizeof when));
    fprintf(out, "\nFrom the records of intake, routing, investigation, signoff and notify, read\n"
                 "at one moment. Times are the UK's (GMT or BST); --json gives them in UTC.\n"
                 "This file holds personal data: keep it as the complaint's record is kept.\n\n");
    snprintf(title, sizeof title, "CHRONOLOGY (%zu entries)", json_array_size(entries));
    s_heading(out, title);
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        s_entry_text(out, e);
    }
    s_verification_text(out, json_object_get(file, "verification"));
}
