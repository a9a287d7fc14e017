/* test_reconnect.c - a service outlives its database: not ready while
 * PostgreSQL is away, ready again when it is back, and nothing accepted is
 * lost across the outage. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candour/client.h"
#include "harness.h"

/* Poll /readyz until it answers `want` (bounded). */
static int s_ready_becomes(int port, int want, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        char *body = NULL;
        int status = h_http_get(port, "/readyz", &body);
        free(body);
        if (status == want)
            return 1;
        usleep(100000);
    }
    return 0;
}

/* One connection for the whole test, made while the database is up: ZAP
 * admits a key only at the handshake, and during an outage no new handshake
 * can be admitted (the allow-list cannot be read: it fails closed). */
static cd_client_t *s_client;

static Candour__V1__Reply *s_submit(h_t *h, const char *ext)
{
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Alex Kim";
    p.email = "alex@example.org";
    Candour__V1__Complaint c = CANDOUR__V1__COMPLAINT__INIT;
    c.external_ref = (char *)ext;
    c.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    c.complainant = &p;
    c.description = "My prescription was sent to the wrong pharmacy.";
    Candour__V1__SubmitComplaint s = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    s.complaint = &c;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.org_id = "ICB-RC";
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    req.submit = &s;
    if (!s_client)
        s_client = h_client(h, "ICB-RC");
    Candour__V1__Reply *r = NULL;
    char err[256];
    cr_assert_eq(cd_client_call(s_client, &req, 10000, &r, err, sizeof err), 0, "%s", err);
    return r;
}

Test(reconnect, services_report_not_ready_without_postgresql_and_recover_without_loss,
     .timeout = 120)
{
    h_t *h = h_new_private("reconnect");
    h_org(h, "ICB-RC");
    cr_assert_eq(h_start_all(h), 0);
    int intake = h_admin_port(h, "intake"), routing = h_admin_port(h, "routing");
    cr_assert(s_ready_becomes(intake, 200, 10000) && s_ready_becomes(routing, 200, 10000));

    Candour__V1__Reply *r = s_submit(h, "RC-1");
    cr_assert(r->receipt, "first submission refused");
    candour__v1__reply__free_unpacked(r, NULL);

    cr_assert_eq(h_pg_stop(h), 0);
    cr_assert(s_ready_becomes(intake, 503, 15000), "intake still ready without its database");
    cr_assert(s_ready_becomes(routing, 503, 15000), "routing still ready without its database");
    /* Alive all the same, and honest with clients: no receipt, a typed error. */
    char *body = NULL;
    cr_assert_eq(h_http_get(intake, "/healthz", &body), 200);
    free(body);
    r = s_submit(h, "RC-2");
    cr_assert(r->error && strcmp(r->error->code, "UNAVAILABLE") == 0, "expected UNAVAILABLE");
    candour__v1__reply__free_unpacked(r, NULL);

    cr_assert_eq(h_pg_start(h), 0);
    cr_assert(s_ready_becomes(intake, 200, 20000), "intake did not reconnect");
    cr_assert(s_ready_becomes(routing, 200, 20000), "routing did not reconnect");
    r = s_submit(h, "RC-2");
    cr_assert(r->receipt && !r->receipt->duplicate, "resubmission after the outage refused");
    candour__v1__reply__free_unpacked(r, NULL);

    /* Both complaints go on to be acknowledged: nothing was lost. */
    cr_assert(h_wait_for(h, "SELECT count(*)::text FROM routing.complaint WHERE acknowledged_at"
                            " IS NOT NULL", 0, NULL, "2", 30000), "a complaint was not acknowledged");
    cr_assert_eq(h_count(h, "SELECT count(*) FROM notify.letter WHERE kind = 'acknowledgement'", 0, NULL), 2);
    cd_client_destroy(&s_client);
    cr_assert_eq(h_destroy(&h), 0);
}
