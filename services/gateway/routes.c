/* routes.c - the gateway's URL table (routes.h). Who may call a route here
 * is a first gate; the service that acts checks the person again against
 * its own rules (the investigator assigned, the signatory of that body...).
 * (The error codes' HTTP statuses are the one table's: errcode.c.) */
#include "routes.h"

#include <string.h>

#include "candour/directory.h"
#include "candour/v1/api.pb-c.h"

#define OP(x) CANDOUR__V1__REQUEST__OP_##x
#define CM CD_ROLE_COMPLAINTS_MANAGER
#define INV CD_ROLE_INVESTIGATOR
#define SIG CD_ROLE_SIGNATORY
#define RP CD_ROLE_RESPONSIBLE_PERSON
#define AN CD_ROLE_ANALYST
#define OPS CD_ROLE_OPS
#define STAFF (CM | INV | SIG | RP | AN)
#define CASE (CM | INV | SIG | RP)
#define EVERYONE (STAFF | OPS)
#define CREF "/v1/complaints/{complaint_ref}"

static const gw_route_t s_routes[] = {
    {"GET", "/healthz", GW_SVC_NONE, GW_OWN_HEALTH, 0, 0, GW_PUBLIC, "liveness"},
    {"GET", "/readyz", GW_SVC_NONE, GW_OWN_READY, 0, 0, GW_PUBLIC, "readiness"},
    {"GET", "/metrics", GW_SVC_NONE, GW_OWN_METRICS, 0, 0, GW_PUBLIC, "Prometheus metrics"},
    {"GET", "/v1/openapi.json", GW_SVC_NONE, GW_OWN_OPENAPI, 0, 0, GW_PUBLIC,
     "this API's OpenAPI document"},
    {"GET", "/v1/me", GW_SVC_NONE, GW_OWN_WHOAMI, 0, EVERYONE, 0, "who the token says you are"},
    {"POST", "/v1/public/complaints", GW_SVC_INTAKE, GW_OWN_FORM, OP(SUBMIT), 0,
     GW_PUBLIC | GW_CREATED, "a complaint from a body's own web form (no token)"},

    /* Complaints */
    {"POST", "/v1/complaints", GW_SVC_INTAKE, GW_OWN_NONE, OP(ENTER_COMPLAINT), CM | INV,
     GW_PERSONAL | GW_CREATED, "enter a complaint received by post, phone or in person"},
    {"GET", "/v1/complaints", GW_SVC_ROUTING, GW_OWN_NONE, OP(LIST_CASES), STAFF, 0,
     "the caseload: the complaints your body is party to, filtered, a page at a time"},
    {"GET", CREF, GW_SVC_INTAKE, GW_OWN_NONE, OP(GET_COMPLAINT), CASE, GW_PERSONAL | GW_LEAD,
     "a complaint as made: content, complainant, patient, access needs, consent"},
    {"GET", CREF "/case", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(GET_CASE), CASE,
     GW_PERSONAL | GW_LEAD, "the case record: investigator, plan, key issues, evidence, findings"},
    {"GET", CREF "/status", GW_SVC_ROUTING, GW_OWN_NONE, OP(GET_STATUS), STAFF, GW_PARTY,
     "where a complaint is: state, deadlines, history"},

    /* Triage and the clock (routing) */
    {"POST", CREF "/out-of-time-decision", GW_SVC_ROUTING, GW_OWN_NONE, OP(DECIDE_OUT_OF_TIME), CM,
     GW_PERSONAL | GW_LEAD, "accept or decline a complaint made after the time limit"},
    {"POST", CREF "/deadline-extension", GW_SVC_ROUTING, GW_OWN_NONE, OP(EXTEND_DEADLINE), CM,
     GW_PERSONAL | GW_LEAD, "record a new date agreed with the complainant"},
    {"POST", CREF "/progress-update", GW_SVC_ROUTING, GW_OWN_NONE, OP(SEND_PROGRESS_UPDATE),
     CM | INV, GW_PERSONAL | GW_LEAD, "send the complainant a progress update"},
    {"POST", CREF "/late-response", GW_SVC_ROUTING, GW_OWN_NONE, OP(EXPLAIN_LATE_RESPONSE), CM,
     GW_PERSONAL | GW_LEAD, "tell the complainant why the response is late"},
    {"POST", CREF "/contribution-waiver", GW_SVC_ROUTING, GW_OWN_NONE, OP(WAIVE_CONTRIBUTION), CM,
     GW_PERSONAL | GW_LEAD, "respond without a partner body's part, with the reason"},

    /* Casework (investigation) */
    {"POST", CREF "/assignment", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(ASSIGN_INVESTIGATOR), CM,
     GW_PERSONAL | GW_LEAD, "assign the investigator (impartiality checked)"},
    {"POST", CREF "/plan", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(SET_PLAN), CM | INV,
     GW_PERSONAL | GW_LEAD, "set the investigation plan"},
    {"POST", CREF "/key-issues", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(AGREE_KEY_ISSUES), CM | INV,
     GW_PERSONAL | GW_LEAD, "record the key issues agreed with the complainant"},
    {"POST", CREF "/evidence", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(ADD_EVIDENCE), CM | INV,
     GW_PERSONAL | GW_LEAD | GW_CREATED, "add evidence, with an attachment if any"},
    {"GET", CREF "/evidence/{evidence_number}/attachment", GW_SVC_INVESTIGATION, GW_OWN_NONE,
     OP(GET_ATTACHMENT), CASE, GW_PERSONAL | GW_LEAD | GW_FILE,
     "an evidence item's attachment, as the file recorded"},
    {"POST", CREF "/findings", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(RECORD_FINDINGS), CM | INV,
     GW_PERSONAL | GW_LEAD, "record the findings, failings, actions and remedy"},
    {"POST", CREF "/outcome", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(RECORD_OUTCOME), CM | INV,
     GW_PERSONAL | GW_LEAD, "record the investigation's outcome"},
    {"POST", CREF "/withheld-names", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(SET_WITHHELD), CM | INV,
     GW_PERSONAL | GW_LEAD, "names the response must not disclose"},
    {"POST", CREF "/ombudsman-referral", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(RECORD_REFERRAL), CM,
     GW_PERSONAL | GW_LEAD, "record a stage of the complaint's referral to the Ombudsman"},
    {"POST", CREF "/actions/{number}/done", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(MARK_ACTION_DONE),
     CM | INV, GW_PERSONAL | GW_LEAD, "mark an action agreed with the findings done"},
    {"POST", CREF "/draft/assemble", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(DRAFT_RESPONSE),
     CM | INV, GW_PERSONAL | GW_LEAD | GW_CREATED, "assemble a new draft response from the case"},
    {"POST", CREF "/draft", GW_SVC_INVESTIGATION, GW_OWN_NONE, OP(EDIT_DRAFT), CM | INV,
     GW_PERSONAL | GW_LEAD | GW_CREATED, "a new version of the draft response, as written"},

    /* Sign-off */
    {"GET", CREF "/draft/check", GW_SVC_SIGNOFF, GW_OWN_NONE, OP(CHECK_DRAFT), CASE,
     GW_PERSONAL | GW_LEAD, "the quality gate's findings on the draft awaiting signature"},
    {"POST", CREF "/draft/return", GW_SVC_SIGNOFF, GW_OWN_NONE, OP(RETURN_DRAFT), SIG | RP,
     GW_PERSONAL | GW_LEAD, "return the draft to the investigator, with reasons"},
    {"POST", CREF "/signature", GW_SVC_SIGNOFF, GW_OWN_NONE, OP(SIGN), SIG | RP,
     GW_PERSONAL | GW_LEAD, "sign the response"},

    /* Letters (notify) */
    {"GET", CREF "/letters", GW_SVC_NOTIFY, GW_OWN_NONE, OP(LIST_LETTERS), CASE,
     GW_PERSONAL | GW_LEAD, "the letters of a complaint and how each was delivered"},
    {"GET", CREF "/letters/{letter_id}", GW_SVC_NOTIFY, GW_OWN_NONE, OP(GET_LETTER), CASE,
     GW_PERSONAL | GW_LEAD | GW_FILE, "a letter as the PDF the complainant gets"},

    /* The directory and the bodies' settings (routing) */
    {"GET", "/v1/staff", GW_SVC_ROUTING, GW_OWN_NONE, OP(LIST_STAFF), STAFF, 0,
     "the people of a body's staff directory"},
    {"POST", "/v1/staff", GW_SVC_ROUTING, GW_OWN_NONE, OP(PUT_STAFF), CM, GW_CREATED,
     "add a person to the directory, or change their record"},
    {"POST", "/v1/staff/{staff_id}/disable", GW_SVC_ROUTING, GW_OWN_NONE, OP(DISABLE_STAFF), CM, 0,
     "the person may no longer act"},
    {"GET", "/v1/orgs/{org_id}/settings", GW_SVC_ROUTING, GW_OWN_NONE, OP(GET_ORG_SETTINGS), STAFF,
     0, "a body's settings"},
    {"POST", "/v1/org-settings", GW_SVC_ROUTING, GW_OWN_NONE, OP(SET_ORG_SETTINGS), CM, 0,
     "replace a body's settings"},

    /* Reports (reporting): no personal data, counts from 1 to 4 suppressed */
    {"GET", "/v1/reports/{report}", GW_SVC_REPORTING, GW_OWN_NONE, OP(GET_REPORT), AN | CM | RP,
     GW_FILE, "a report of your body over a period: quarterly, annual, KO41a/b, benchmark, SPC"},
};

const gw_route_t *gw_routes(size_t *n)
{
    *n = sizeof s_routes / sizeof s_routes[0];
    return s_routes;
}

const char *gw_svc_name(gw_svc_t svc)
{
    static const char *const names[GW_SVC_COUNT] = {
        [GW_SVC_NONE] = "gateway",        [GW_SVC_INTAKE] = "intake",
        [GW_SVC_ROUTING] = "routing",     [GW_SVC_INVESTIGATION] = "investigation",
        [GW_SVC_SIGNOFF] = "signoff",     [GW_SVC_NOTIFY] = "notify",
        [GW_SVC_REPORTING] = "reporting",
    };
    return (int)svc >= 0 && svc < GW_SVC_COUNT ? names[svc] : "unknown";
}

/* Does path match pattern? Parameters into params (their names point into
 * pattern's static text, so the pattern must be the table's). */
static int s_match(const char *pattern, const char *path, gw_param_t *params, int *n)
{
    const char *p = pattern, *s = path;
    *n = 0;
    while (*p) {
        if (*p != '{') {
            if (*p++ != *s++)
                return 0;
            continue;
        }
        const char *close = strchr(p, '}');
        if (!close || (size_t)(close - p - 1) >= sizeof params[0].name)
            return 0;
        size_t len = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
        /* "." and ".." are path segments' own names: a client or proxy may
         * resolve them, so the path seen is not the one meant. */
        if (len == 0 || len >= sizeof params[0].value || *n >= GW_MAX_PARAMS ||
            (len <= 2 && strspn(s, ".") == len))
            return 0;
        gw_param_t *pp = &params[(*n)++];
        memcpy(pp->name, p + 1, (size_t)(close - p - 1));
        pp->name[close - p - 1] = 0;
        memcpy(pp->value, s, len);
        pp->value[len] = 0;
        s += len;
        p = close + 1;
    }
    return *s == 0;
}

gw_match_t gw_route_match(const char *method, const char *path, const gw_route_t **route,
                          gw_param_t *params, int *nparams)
{
    gw_match_t found = GW_MATCH_NOT_FOUND;
    *route = NULL;
    *nparams = 0;
    for (size_t i = 0; i < sizeof s_routes / sizeof s_routes[0]; i++) {
        gw_param_t tmp[GW_MAX_PARAMS];
        int n = 0;
        if (!s_match(s_routes[i].path, path, tmp, &n))
            continue;
        if (strcmp(method, s_routes[i].method) != 0 &&
            !(strcmp(method, "HEAD") == 0 && strcmp(s_routes[i].method, "GET") == 0)) {
            found = GW_MATCH_BAD_METHOD;
            continue;
        }
        *route = &s_routes[i];
        memcpy(params, tmp, sizeof tmp[0] * (size_t)n);
        *nparams = n;
        return GW_MATCH_OK;
    }
    return found;
}
