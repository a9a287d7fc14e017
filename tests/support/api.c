/* api.c - the staff API's test client (api.h), on libcurl. */
#include "api.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    size_t n;
} s_buf_t;

static size_t s_take(char *data, size_t size, size_t n, void *arg)
{
    s_buf_t *b = arg;
    char *p = realloc(b->p, b->n + size * n + 1);
    if (!p)
        return 0;
    memcpy(p + b->n, data, size * n);
    b->n += size * n;
    p[b->n] = 0;
    b->p = p;
    return size * n;
}

h_resp_t h_api(int port, const char *method, const char *path, const char *token, const char *idem,
               const char *body)
{
    h_resp_t r = {0};
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    char url[2048], auth[4096], key[300];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (idem) {
        snprintf(key, sizeof key, "Idempotency-Key: %s", idem);
        h = curl_slist_append(h, key);
    }
    s_buf_t out = {0}, hdr = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_take);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s_take);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        r.status = (int)status;
    }
    r.body = out.p ? out.p : strdup("");
    r.headers = hdr.p ? hdr.p : strdup("");
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

void h_resp_free(h_resp_t *r)
{
    free(r->body);
    free(r->headers);
    r->body = r->headers = NULL;
}

const char *h_resp_code(const h_resp_t *r)
{
    static char code[64];
    json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    snprintf(code, sizeof code, "%s", c ? c : "");
    json_decref(j);
    return code;
}

const char *h_resp_str(const h_resp_t *r, const char *name, char *out, unsigned len)
{
    json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
    const char *s = json_string_value(json_object_get(j, name));
    snprintf(out, len, "%s", s ? s : "");
    json_decref(j);
    return out;
}
