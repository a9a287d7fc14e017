/* test_api.c - the staff HTTP API (issue 14), through a real HTTP client
 * (libcurl) against the real gateway and services: staff signed in by a
 * test identity provider (its own keys, its own tokens) and by API tokens
 * from `candourctl token add`, a complaint taken from entry to a signed
 * response, and every refusal typed, with nothing done. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "harness.h"
#include "idp.h"

#define ORG "ICB-QWE"
#define OTHER "TRUST-RXX"

static h_t *s_h;
static h_idp_t *s_idp;
static int s_port;
/* staff ids */
static char *s_cm, *s_inv, *s_chief, *s_analyst, *s_other;
/* their bearer tokens */
static char *t_cm, *t_chief, *t_analyst, *t_other;
static char t_inv[128]; /* an API token */
static int s_key;       /* Idempotency-Keys */

static void s_subject(const char *staff_id, const char *org, const char *sub)
{
    char out[512], err[512], env[512];
    snprintf(env, sizeof env, "CANDOUR_ROUTING_ENDPOINT='%s'", h_endpoint(s_h, "routing"));
    cr_assert_eq(h_ctl(s_h, env, out, sizeof out, err, sizeof err,
                       "staff update %s --org %s --idp-subject '%s'", staff_id, org, sub),
                 0, "%s", err);
}

static void s_setup(void)
{
    s_h = h_new("api");
    s_idp = h_idp_new(h_dir(s_h));
    h_setenv(s_h, "CANDOUR_OIDC_JWKS_FILE", h_idp_jwks(s_idp));
    h_setenv(s_h, "CANDOUR_OIDC_ISSUER", H_IDP_ISSUER);
    h_setenv(s_h, "CANDOUR_OIDC_AUDIENCE", H_IDP_AUDIENCE);
    h_setenv(s_h, "CANDOUR_GATEWAY_MAX_BODY", "65536");
    h_setenv(s_h, "CANDOUR_GATEWAY_FORM_ORGS", ORG ", ICB-OTHER");
    h_setenv(s_h, "CANDOUR_GATEWAY_FORM_RATE", "8");
    h_setenv(s_h, "CANDOUR_GATEWAY_TIMEOUT_MS", "4000");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "CANDOUR_DB_URL='%s' '%s/services/candourctl' categories import"
             " '%s/deploy/categories/ko41a.csv' >/dev/null",
             h_db_url(s_h), CANDOUR_BUILD_DIR, CANDOUR_SOURCE_DIR);
    cr_assert_eq(system(cmd), 0);
    h_org(s_h, ORG);
    cr_assert_eq(h_start_all(s_h), 0);
    s_port = h_gateway_port(s_h);
    s_cm = h_staff(s_h, ORG, "Casey Manager", "Complaints", "complaints-manager");
    s_inv = h_staff(s_h, ORG, "Ira Investigator", "Quality", "investigator");
    s_chief = h_staff(s_h, ORG, "Dr R. Chief", "", "responsible-person");
    s_analyst = h_staff(s_h, ORG, "Ana Analyst", "Performance", "analyst");
    s_other = h_staff(s_h, OTHER, "Olu Other", "Complaints", "complaints-manager");
    s_subject(s_cm, ORG, "casey@icb.example.nhs.uk");
    s_subject(s_chief, ORG, "chief@icb.example.nhs.uk");
    s_subject(s_analyst, ORG, "ana@icb.example.nhs.uk");
    s_subject(s_other, OTHER, "olu@trust.example.nhs.uk");
    t_cm = h_idp_token(s_idp, "casey@icb.example.nhs.uk", 600, NULL);
    t_chief = h_idp_token(s_idp, "chief@icb.example.nhs.uk", 600, NULL);
    t_analyst = h_idp_token(s_idp, "ana@icb.example.nhs.uk", 600, NULL);
    t_other = h_idp_token(s_idp, "olu@trust.example.nhs.uk", 600, NULL);
    /* The investigator's case system uses an API token. */
    char err[512];
    cr_assert_eq(h_ctl(s_h, "", t_inv, sizeof t_inv, err, sizeof err,
                       "token add %s --role investigator --label 'case system'", s_inv),
                 0, "%s", err);
    t_inv[strcspn(t_inv, "\n")] = 0;
    cr_assert_eq(strncmp(t_inv, "cdt_", 4), 0, "%s", t_inv);
}

static void s_teardown(void)
{
    char *all[] = {s_cm, s_inv, s_chief, s_analyst, s_other, t_cm, t_chief, t_analyst, t_other};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    h_idp_free(&s_idp);
    cr_assert_eq(h_destroy(&s_h), 0, "a daemon did not exit 0 on SIGTERM");
}

TestSuite(api, .init = s_setup, .fini = s_teardown, .timeout = 240);

/* A POST with a new Idempotency-Key. */
static h_resp_t s_post(const char *token, const char *path, const char *body)
{
    char key[32];
    snprintf(key, sizeof key, "test-key-%d", ++s_key);
    return h_api(s_port, "POST", path, token, key, body);
}

static h_resp_t s_get(const char *token, const char *path)
{
    return h_api(s_port, "GET", path, token, NULL, NULL);
}

/* The answer must have status want; freed. */
static void s_want(h_resp_t r, int want, const char *what)
{
    cr_assert_eq(r.status, want, "%s: %d %s", what, r.status, r.body);
    h_resp_free(&r);
}

/* A complaint entered by the complaints manager, its case opened: its
 * reference in ref. */
static void s_entered(const char *ext, char *ref, size_t len)
{
    char body[1024], today[16];
    time_t now = time(NULL);
    strftime(today, sizeof today, "%Y-%m-%d", localtime(&now));
    snprintf(body, sizeof body,
             "{\"complaint\": {\"external_ref\": \"%s\", \"channel\": \"CHANNEL_POST\","
             " \"complainant\": {\"name\": \"Tom Reed\", \"address\": [\"12 Mill Lane\","
             " \"Leeds\"], \"postcode\": \"LS1 1AA\"}, \"description\": \"Nobody answered my"
             " letters about my mother's care package.\"},"
             " \"received_on\": \"%s\"}",
             ext, today);
    h_resp_t r = s_post(t_cm, "/v1/complaints", body);
    cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
    h_resp_str(&r, "complaint_ref", ref, (unsigned)len);
    cr_assert(*ref, "%s", r.body);
    h_resp_free(&r);
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h, "SELECT state FROM investigation.case WHERE reference = $1", 1, p,
                         "open", 15000),
              "no case opened for %s", ref);
}

Test(api, who_each_token_names)
{
    h_resp_t r = s_get(t_cm, "/v1/me");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, s_cm) && strstr(r.body, "complaints-manager") &&
                  strstr(r.body, "\"oidc\""),
              "%s", r.body);
    h_resp_free(&r);
    r = s_get(t_inv, "/v1/me");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, s_inv) && strstr(r.body, "api-token"), "%s", r.body);
    h_resp_free(&r);
}

Test(api, a_complaint_goes_from_entry_to_a_signed_response, .timeout = 240)
{
    char ref[64], path[256], body[2048];
    s_entered("API-1", ref, sizeof ref);
    const char *p[1] = {ref};

#define CASE(suffix) (snprintf(path, sizeof path, "/v1/complaints/%s%s", ref, suffix), path)
    snprintf(body, sizeof body, "{\"investigator\": \"%s\"}", s_inv);
    s_want(s_post(t_cm, CASE("/assignment"), body), 200, "assignment");
    s_want(s_post(t_inv, CASE("/plan"), "{\"grading\": \"medium\"}"), 200, "plan");
    s_want(s_post(t_inv, CASE("/key-issues"),
                  "{\"agreed_on\": \"2026-11-20\", \"agreed_how\": \"by-telephone\","
                  " \"issues\": [{\"summary\": \"Letters about the care package went"
                  " unanswered.\", \"subject\": \"communications\", \"service_area\":"
                  " \"community\", \"profession\": \"other\"}]}"),
           200, "key issues");
    /* "%PDF-1.4 test\n", base64. */
    s_want(s_post(t_inv, CASE("/evidence"),
                  "{\"evidence\": {\"kind\": \"records\", \"source\": \"Complaints inbox log\","
                  " \"date\": \"2026-10-02\", \"summary\": \"Three letters logged, none"
                  " answered.\", \"attachment\": {\"filename\": \"inbox log.pdf\","
                  " \"media_type\": \"application/pdf\", \"content\": \"JVBERi0xLjQgdGVzdAo=\"}}}"),
           201, "evidence");
    h_resp_t r = s_get(t_cm, CASE("/evidence/1/attachment"));
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_assert_str_eq(r.body, "%PDF-1.4 test\n");
    cr_assert(strstr(r.headers, "Content-Disposition: attachment; filename=\"inbox_log.pdf\""),
              "%s", r.headers);
    h_resp_free(&r);
    s_want(s_post(t_inv, CASE("/findings"),
                  "{\"findings\": [{\"issue_id\": \"KI1\", \"verdict\": \"upheld\","
                  " \"what_happened\": \"Your three letters were logged but not answered.\","
                  " \"what_should_have_happened\": \"Each should have been answered within"
                  " ten working days.\"}], \"failings\": [\"Letters were not allocated.\"],"
                  " \"actions\": [{\"description\": \"Allocate every letter on the day it"
                  " arrives.\", \"owner\": \"Complaints lead\", \"due\": \"2099-03-31\"}],"
                  " \"lessons\": [\"Every letter has an owner.\"], \"remedy\": {\"apology\":"
                  " \"We are sorry that your letters went unanswered.\"}}"),
           200, "findings");
    r = s_post(t_inv, CASE("/draft/assemble"), "{}");
    cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
    cr_assert(strstr(r.body, "\"version\":1"), "%s", r.body);
    h_resp_free(&r);
    s_want(s_post(t_inv, CASE("/outcome"), "{\"outcome\": \"OUTCOME_UPHELD\"}"), 200, "outcome");
    cr_assert(h_wait_for(s_h, "SELECT state FROM signoff.draft WHERE reference = $1", 1, p,
                         "awaiting-signature", 15000),
              "sign-off does not hold the draft");
    r = s_get(t_chief, CASE("/draft/check"));
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    h_resp_free(&r);
    /* The analyst reads reports, not drafts, and signs nothing. */
    r = s_post(t_analyst, CASE("/signature"), "{}");
    cr_assert_eq(r.status, 403, "%d %s", r.status, r.body);
    cr_assert_str_eq(h_resp_code(&r), "PERMISSION_DENIED");
    h_resp_free(&r);
    s_want(s_post(t_chief, CASE("/signature"), "{}"), 200, "signature");
    cr_assert(h_wait_for(s_h, "SELECT state FROM routing.complaint WHERE reference = $1", 1, p,
                         "response-sent", 20000),
              "never reached response-sent");

    /* The letters, and one as the PDF the complainant got. */
    r = s_get(t_cm, CASE("/letters"));
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_assert(strstr(r.body, "\"kind\":\"final-response\""), "%s", r.body);
    h_resp_free(&r);
    char *letter = h_scalar(s_h,
                            "SELECT letter_id::text FROM notify.letter WHERE reference = $1"
                            " AND kind = 'final-response'",
                            1, p);
    cr_assert_not_null(letter);
    char lpath[256];
    snprintf(lpath, sizeof lpath, "/v1/complaints/%s/letters/%s", ref, letter);
    free(letter);
    r = s_get(t_cm, lpath);
    cr_assert_eq(r.status, 200, "%d", r.status);
    cr_assert_eq(strncmp(r.body, "%PDF-", 5), 0);
    cr_assert(strstr(r.headers, "Content-Type: application/pdf"), "%s", r.headers);
    h_resp_free(&r);

    /* The case, with its personal data, to the lead body's staff. */
    r = s_get(t_cm, CASE(""));
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_assert(strstr(r.body, "Tom Reed") && strstr(r.body, "12 Mill Lane"), "%s", r.body);
    h_resp_free(&r);
    r = s_get(t_inv, CASE("/case"));
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_assert(strstr(r.body, "Three letters logged, none answered."), "%s", r.body);
    h_resp_free(&r);
    /* The caseload: references only, no names. */
    r = s_get(t_analyst, "/v1/complaints?state=response-sent&limit=10");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_assert(strstr(r.body, ref), "%s", r.body);
    cr_assert_null(strstr(r.body, "Tom Reed"), "%s", r.body);
    h_resp_free(&r);
    r = s_get(t_other, "/v1/complaints");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_assert_null(strstr(r.body, ref), "another body sees the complaint: %s", r.body);
    h_resp_free(&r);
    r = s_get(t_analyst, CASE("/status"));
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    cr_assert(strstr(r.body, "response-sent"), "%s", r.body);
    h_resp_free(&r);

    /* Who did what: the audit trail names the person, not only the service;
     * the access log has every call on the complaint, reads too. */
    const char *who[2] = {ref, "%Ira Investigator%"};
    cr_assert_geq(h_count(s_h,
                          "SELECT count(*) FROM investigation.audit WHERE reference = $1"
                          " AND actor LIKE $2",
                          2, who),
                  1, "the investigator's steps are not in the audit trail under their name");
    const char *log[2] = {ref, s_cm};
    cr_assert_geq(h_count(s_h,
                          "SELECT count(*) FROM gateway.access_log WHERE reference = $1"
                          " AND staff_id = $2 AND method = 'GET' AND status = 200",
                          2, log),
                  1, "the complaints manager's read is not logged");
    const char *ilog[2] = {ref, s_inv};
    cr_assert_geq(h_count(s_h,
                          "SELECT count(*) FROM gateway.access_log WHERE reference = $1"
                          " AND staff_id = $2 AND via = 'api-token'",
                          2, ilog),
                  7, "the investigator's calls are not logged");
#undef CASE
}

/* The answer must be refused with status and code; freed. */
static void s_refused(h_resp_t r, int status, const char *code, const char *what)
{
    cr_assert_eq(r.status, status, "%s: %d %s", what, r.status, r.body);
    cr_assert_str_eq(h_resp_code(&r), code, "%s: %s", what, r.body);
    h_resp_free(&r);
}

Test(api, a_token_not_taken_gets_401_and_nothing)
{
    s_refused(s_get(NULL, "/v1/me"), 401, "UNAUTHENTICATED", "no token");
    s_refused(h_api(s_port, "GET", "/v1/me", "not-a-token", NULL, NULL), 401, "UNAUTHENTICATED",
              "garbage");
    char *forged = h_idp_forged(s_idp, "casey@icb.example.nhs.uk");
    s_refused(s_get(forged, "/v1/me"), 401, "UNAUTHENTICATED", "signed by another key");
    free(forged);
    char *expired = h_idp_token(s_idp, "casey@icb.example.nhs.uk", -3600, NULL);
    s_refused(s_get(expired, "/v1/me"), 401, "UNAUTHENTICATED", "expired");
    free(expired);
    char *wrong = h_idp_token(s_idp, "casey@icb.example.nhs.uk", 600, "https://evil.example");
    s_refused(s_get(wrong, "/v1/me"), 401, "UNAUTHENTICATED", "another issuer");
    free(wrong);
    char *stranger = h_idp_token(s_idp, "nobody@icb.example.nhs.uk", 600, NULL);
    s_refused(s_get(stranger, "/v1/me"), 401, "UNAUTHENTICATED", "not in the directory");
    free(stranger);
    /* An API token with its secret changed by one character. */
    char bad[128];
    snprintf(bad, sizeof bad, "%s", t_inv);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
    s_refused(s_get(bad, "/v1/me"), 401, "UNAUTHENTICATED", "a wrong secret");
    /* Nothing was entered by any of them. */
    h_resp_t r = h_api(s_port, "POST", "/v1/complaints", NULL, "k-unauth", "{}");
    cr_assert_eq(r.status, 401, "%s", r.body);
    cr_assert(strstr(r.headers, "WWW-Authenticate: Bearer"), "%s", r.headers);
    h_resp_free(&r);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM gateway.idempotency", 0, NULL), 0);
}

Test(api, a_revoked_api_token_stops_working_at_once)
{
    char token[128], err[512], out[256];
    cr_assert_eq(h_ctl(s_h, "", token, sizeof token, err, sizeof err,
                       "token add %s --role analyst --label dashboard", s_analyst),
                 0, "%s", err);
    token[strcspn(token, "\n")] = 0;
    s_want(s_get(token, "/v1/me"), 200, "a live token");
    char id[17];
    memcpy(id, token + 4, 16);
    id[16] = 0;
    cr_assert_eq(h_ctl(s_h, "", out, sizeof out, err, sizeof err, "token revoke %s", id), 0, "%s",
                 err);
    s_refused(s_get(token, "/v1/me"), 401, "UNAUTHENTICATED", "a revoked token");
    /* Roles a person does not hold cannot be put on a token. */
    cr_assert_neq(h_ctl(s_h, "", out, sizeof out, err, sizeof err,
                        "token add %s --role complaints-manager --label x", s_analyst),
                  0, "a token with a role its holder lacks was issued");
    cr_assert(strstr(err, "does not hold the role"), "%s", err);
}

Test(api, another_bodys_complaint_is_404_like_one_that_does_not_exist)
{
    char ref[64], path[256];
    s_entered("API-2", ref, sizeof ref);
    snprintf(path, sizeof path, "/v1/complaints/%s", ref);
    h_resp_t theirs = s_get(t_other, path);
    h_resp_t none = s_get(t_other, "/v1/complaints/CDR-0000-0000");
    cr_assert_eq(theirs.status, 404, "%s", theirs.body);
    cr_assert_str_eq(theirs.body, none.body, "the answers differ: a reference can be probed");
    h_resp_free(&theirs);
    h_resp_free(&none);
    snprintf(path, sizeof path, "/v1/complaints/%s/status", ref);
    s_refused(s_get(t_other, path), 404, "NOT_FOUND", "another body's status");
    snprintf(path, sizeof path, "/v1/complaints/%s/plan", ref);
    s_refused(s_post(t_other, path, "{\"grading\": \"low\"}"), 404, "NOT_FOUND",
              "another body's plan");
    /* The refused attempt is on the record too. */
    const char *v[2] = {ref, s_other};
    cr_assert_geq(h_count(s_h,
                          "SELECT count(*) FROM gateway.access_log WHERE reference = $1 AND"
                          " staff_id = $2 AND status = 404",
                          2, v),
                  1);
}

Test(api, bad_input_is_a_typed_error_and_nothing_is_done)
{
    char ref[64], path[256];
    s_entered("API-3", ref, sizeof ref);
    snprintf(path, sizeof path, "/v1/complaints/%s/plan", ref);
    s_refused(s_post(t_cm, path, "{\"grading\": "), 400, "INVALID_JSON", "malformed JSON");
    s_refused(s_post(t_cm, path, "[1, 2]"), 400, "WRONG_TYPE", "not an object");
    s_refused(s_post(t_cm, path, "{\"grading\": \"low\", \"gradding\": \"high\"}"), 400,
              "UNKNOWN_FIELD", "a typo");
    s_refused(s_post(t_cm, path, "{\"grading\": 3}"), 400, "WRONG_TYPE", "a number for text");
    s_refused(s_post(t_cm, path, "{\"complaint_ref\": \"CDR-OTHER-REF1\", \"grading\": \"low\"}"),
              400, "INVALID_ARGUMENT", "a reference contradicting the path");
    s_refused(h_api(s_port, "POST", path, t_cm, NULL, "{\"grading\": \"low\"}"), 400, "REQUIRED",
              "no Idempotency-Key");
    s_refused(s_get(t_cm, "/v1/staff?org_id=ICB-QWE&colour=blue"), 400, "UNKNOWN_FIELD",
              "an unknown query parameter");
    s_refused(h_api(s_port, "DELETE", path, t_cm, NULL, NULL), 405, "METHOD_NOT_ALLOWED", "DELETE");
    s_refused(s_get(t_cm, "/v1/nothing-here"), 404, "NOT_FOUND", "no route");
    /* Over the body cap (64 KiB here): 413, before anything is read. */
    size_t n = 70000;
    char *big = malloc(n + 32);
    snprintf(big, n + 32, "{\"grading\": \"%0*d\"}", (int)n, 0);
    h_resp_t r = s_post(t_cm, path, big);
    cr_assert_eq(r.status, 413, "%d %s", r.status, r.body);
    cr_assert_str_eq(h_resp_code(&r), "TOO_LARGE", "%s", r.body);
    h_resp_free(&r);
    free(big);
    const char *p[1] = {ref};
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM investigation.case WHERE reference = $1"
                         " AND grading IS NOT NULL",
                         1, p),
                 0, "a refused request left a plan");
}

Test(api, a_post_repeated_with_its_key_is_answered_once_and_done_once)
{
    char ref[64], path[256];
    s_entered("API-4", ref, sizeof ref);
    snprintf(path, sizeof path, "/v1/complaints/%s/progress-update", ref);
    const char *body = "{\"text\": \"We have asked the ward for its records.\"}";
    h_resp_t a = h_api(s_port, "POST", path, t_cm, "same-key-1", body);
    h_resp_t b = h_api(s_port, "POST", path, t_cm, "same-key-1", body);
    cr_assert_eq(a.status, 200, "%s", a.body);
    cr_assert_eq(b.status, 200, "%s", b.body);
    cr_assert_str_eq(a.body, b.body);
    cr_assert(strstr(b.headers, "Idempotent-Replayed: true"), "%s", b.headers);
    h_resp_free(&a);
    h_resp_free(&b);
    s_refused(h_api(s_port, "POST", path, t_cm, "same-key-1", "{\"text\": \"Something else.\"}"),
              409, "IDEMPOTENCY_CONFLICT", "the key reused for another request");
    const char *p[1] = {ref};
    cr_assert(h_wait_for(s_h,
                         "SELECT count(*)::text FROM notify.letter WHERE reference = $1 AND"
                         " kind LIKE 'progress-%'",
                         1, p, "1", 15000),
              "not exactly one progress letter");
}

Test(api, the_api_document_and_health_need_no_token)
{
    h_resp_t r = s_get(NULL, "/v1/openapi.json");
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "\"openapi\""), "%s", r.body);
    h_resp_free(&r);
    s_want(s_get(NULL, "/healthz"), 200, "healthz");
}

#define FORM                                                                                       \
    "{\"org_id\": \"%s\", \"complaint\": {\"complainant\": {\"name\": \"Jo Web\","                 \
    " \"email\": \"jo@example.org\"}, \"description\": \"The clinic cancelled my appointment"      \
    " three times without telling me.\"%s}}"

Test(api, a_web_form_complaint_is_answered_with_its_reference_once_committed)
{
    char body[1024], ref[64], again[64];
    snprintf(body, sizeof body, FORM, ORG, "");
    h_resp_t r = h_api(s_port, "POST", "/v1/public/complaints", NULL, "form-1", body);
    cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
    h_resp_str(&r, "complaint_ref", ref, sizeof ref);
    h_resp_free(&r);
    const char *p[1] = {ref};
    char *ch = h_scalar(s_h, "SELECT channel FROM intake.complaint WHERE reference = $1", 1, p);
    cr_assert_str_eq(ch ? ch : "", "CHANNEL_WEB", "the receipt came before the commit, or not web");
    free(ch);
    /* A double click: the same complaint, marked duplicate. */
    r = h_api(s_port, "POST", "/v1/public/complaints", NULL, "form-1", body);
    cr_assert_eq(r.status, 201, "%d %s", r.status, r.body);
    cr_assert(strstr(r.body, "\"duplicate\":true"), "%s", r.body);
    cr_assert_str_eq(h_resp_str(&r, "complaint_ref", again, sizeof again), ref);
    h_resp_free(&r);
    cr_assert_eq(h_count(s_h,
                         "SELECT count(*) FROM intake.complaint WHERE channel ="
                         " 'CHANNEL_WEB'",
                         0, NULL),
                 1);
}

Test(api, a_web_form_refuses_bad_input_and_other_bodies_and_keeps_nothing)
{
    char body[1024];
    snprintf(body, sizeof body, FORM, "TRUST-RXX", "");
    s_refused(h_api(s_port, "POST", "/v1/public/complaints", NULL, NULL, body), 404, "NOT_FOUND",
              "a body without a form here");
    snprintf(body, sizeof body, FORM, "ICB-OTHER", "");
    s_refused(h_api(s_port, "POST", "/v1/public/complaints", NULL, NULL, body), 403,
              "PERMISSION_DENIED", "a body Candour does not know");
    snprintf(body, sizeof body, FORM, ORG, ", \"channel\": \"CHANNEL_POST\"");
    s_refused(h_api(s_port, "POST", "/v1/public/complaints", NULL, NULL, body), 400,
              "INVALID_ARGUMENT", "another channel");
    snprintf(body, sizeof body, FORM, ORG, ", \"colour\": \"blue\"");
    s_refused(h_api(s_port, "POST", "/v1/public/complaints", NULL, NULL, body), 400,
              "UNKNOWN_FIELD", "an unknown field");
    s_refused(h_api(s_port, "POST", "/v1/public/complaints", NULL, NULL, "{\"org_id\": "), 400,
              "INVALID_JSON", "not JSON");
    char *big = malloc(40000);
    memset(big, 'x', 39999);
    big[39999] = 0;
    snprintf(big, 60, "{\"org_id\": \"%s\", \"complaint\": {\"description\": \"", ORG);
    big[strlen(big)] = 'x';
    s_refused(h_api(s_port, "POST", "/v1/public/complaints", NULL, NULL, big), 413, "TOO_LARGE",
              "over the form's cap");
    free(big);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint", 0, NULL), 0);
}

Test(api, a_web_form_is_rate_limited_per_client_address)
{
    char body[1024];
    snprintf(body, sizeof body, FORM, ORG, "");
    for (int i = 0; i < 8; i++)
        s_want(h_api(s_port, "POST", "/v1/public/complaints", NULL, NULL, body), 201, "a form");
    h_resp_t r = h_api(s_port, "POST", "/v1/public/complaints", NULL, NULL, body);
    cr_assert_eq(r.status, 429, "%d %s", r.status, r.body);
    cr_assert_str_eq(h_resp_code(&r), "RATE_LIMITED");
    cr_assert(strstr(r.headers, "Retry-After: "), "%s", r.headers);
    h_resp_free(&r);
    cr_assert_eq(h_count(s_h, "SELECT count(*) FROM intake.complaint", 0, NULL), 8);
}

Test(api, a_service_that_does_not_answer_is_504_and_its_key_may_be_used_again)
{
    char ref[64], path[256];
    s_entered("API-5", ref, sizeof ref);
    cr_assert_eq(h_stop(s_h, "routing"), 0);
    snprintf(path, sizeof path, "/v1/complaints/%s/progress-update", ref);
    const char *body = "{\"text\": \"We have asked the ward for its records.\"}";
    h_resp_t r = h_api(s_port, "POST", path, t_cm, "slow-key", body);
    cr_assert_eq(r.status, 504, "%d %s", r.status, r.body);
    cr_assert_str_eq(h_resp_code(&r), "TIMEOUT");
    h_resp_free(&r);
    /* Not known to be done: the key is free for the same request again. */
    cr_assert_eq(
        h_count(s_h, "SELECT count(*) FROM gateway.idempotency WHERE key = 'slow-key'", 0, NULL),
        0);
}
