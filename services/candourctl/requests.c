/* requests.c - the candourctl commands an organisation's requests go by
 * (submit, status, send any request), and the call every command that
 * sends a Request uses (ctl_call). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "candour/error.h"
#include "candour/client.h"
#include "candour/keys.h"
#include "candour/pbjson.h"
#include "ctl.h"

#define S_TIMEOUT_MS 10000

/* The services whose endpoints ctl_endpoint has handed out, by the
 * variable named (CANDOUR_<SVC>_ENDPOINT): which internal key a call to
 * that endpoint must expect. A handful per run. */
static struct {
    const char *endpoint;
    char service[33];
} s_seen[16];
static int s_nseen;

/* "routing" from "CANDOUR_ROUTING_ENDPOINT" into out; 0, or -1 when var is
 * not a service's endpoint variable. */
static int s_service_of_var(const char *var, char *out, size_t len)
{
    static const char pre[] = "CANDOUR_", post[] = "_ENDPOINT";
    size_t n = strlen(var), a = sizeof pre - 1, b = sizeof post - 1;
    if (n <= a + b || strncmp(var, pre, a) != 0 || strcmp(var + n - b, post) != 0 ||
        n - a - b >= len)
        return -1;
    for (size_t i = 0; i < n - a - b; i++)
        out[i] = (char)(var[a + i] >= 'A' && var[a + i] <= 'Z' ? var[a + i] + 32 : var[a + i]);
    out[n - a - b] = 0;
    return cd_keys_name_valid(out) ? 0 : -1;
}

const char *ctl_endpoint(const char *var, const char *def)
{
    const char *v = getenv(var);
    const char *ep = v && *v ? v : def;
    char svc[33];
    if (s_nseen < (int)(sizeof s_seen / sizeof s_seen[0]) &&
        s_service_of_var(var, svc, sizeof svc) == 0) {
        s_seen[s_nseen].endpoint = ep;
        snprintf(s_seen[s_nseen++].service, sizeof s_seen[0].service, "%s", svc);
    }
    return ep;
}

/* Which service endpoint is (as ctl_endpoint handed it out), or NULL. */
static const char *s_service_of(const char *endpoint)
{
    for (int i = s_nseen - 1; i >= 0; i--)
        if (strcmp(s_seen[i].endpoint, endpoint) == 0)
            return s_seen[i].service;
    return NULL;
}

/* The public (CURVE) endpoint of intake, as an organisation: the server's
 * public key and this organisation's secret key come from the environment
 * (defaults: the files deploy/run.sh makes under var/keys). */
static cd_client_t *s_public_client(const char **endpoint)
{
    char err[256];
    *endpoint = ctl_endpoint("CANDOUR_INTAKE_PUBLIC_ENDPOINT", "tcp://127.0.0.1:7100");
    cd_client_t *c = cd_client_new_keyfiles(
        *endpoint, ctl_endpoint("CANDOUR_INTAKE_PUBLIC_KEY", "var/keys/intake.pub"),
        ctl_endpoint("CANDOUR_CLIENT_KEY_FILE", "var/keys/local.key"), err, sizeof err);
    if (!c)
        fprintf(stderr,
                "candourctl: %s\n(set CANDOUR_INTAKE_PUBLIC_KEY and"
                " CANDOUR_CLIENT_KEY_FILE; see README, section The bus API)\n",
                err);
    return c;
}

/* Send req with client c (consumed; NULL: could not be made, told) and keep
 * the Reply in *reply. 0, or 3 after telling that no answer came. */
static int s_fetch_with(cd_client_t *c, const char *endpoint, Candour__V1__Request *req,
                        Candour__V1__Reply **reply)
{
    char err[256];
    if (!c)
        return 3;
    int rc = cd_client_call(c, req, S_TIMEOUT_MS, reply, err, sizeof err);
    cd_client_destroy(&c);
    if (rc != 0) {
        fprintf(stderr, "candourctl: %s (%s)\n", err, endpoint);
        return 3;
    }
    return 0;
}

/* A service's internal endpoint, as ops: the suite's key set
 * (CANDOUR_INTERNAL_KEYS; unset - not set empty - var/keys/internal where
 * the run command makes it, as for the other keys under var/keys) with ops.key, or the file
 * CANDOUR_OPS_KEY_FILE names; the service's public key is the set's key of
 * its name. */
static cd_client_t *s_client(const char *endpoint)
{
    char err[512];
    const char *svc = s_service_of(endpoint);
    if (!svc) {
        fprintf(stderr, "candourctl: %s is not a service's endpoint (CANDOUR_<SERVICE>_ENDPOINT)\n",
                endpoint);
        return NULL;
    }
    const char *dir = getenv("CANDOUR_INTERNAL_KEYS");
    struct stat st;
    cd_keys_t *keys = !dir && stat("var/keys/internal", &st) == 0 && S_ISDIR(st.st_mode)
                          ? cd_keys_load("var/keys/internal", "ops", getenv("CANDOUR_OPS_KEY_FILE"),
                                         err, sizeof err)
                          : cd_keys_from_env("ops", "CANDOUR_OPS_KEY_FILE", err, sizeof err);
    cd_client_t *c = keys ? cd_client_new_internal(endpoint, keys, svc, err, sizeof err) : NULL;
    cd_keys_destroy(&keys);
    if (!c)
        fprintf(stderr,
                "candourctl: %s\n(the services' internal endpoints admit only the suite's"
                " keys: set CANDOUR_INTERNAL_KEYS, and CANDOUR_OPS_KEY_FILE if ops.key is"
                " elsewhere; see README, section Internal keys)\n",
                err);
    return c;
}

int ctl_fetch(const char *endpoint, Candour__V1__Request *req, Candour__V1__Reply **reply)
{
    return s_fetch_with(s_client(endpoint), endpoint, req, reply);
}

int ctl_refused(const Candour__V1__Error *e)
{
    fprintf(stderr, "error %s%s%s: %s\n", e->code, *e->field ? " in " : "", e->field, e->message);
    return 1;
}

/* Send req with client c (consumed) and print the reply; the exit code says
 * how it went: 0 done, 1 the service answered with an error, 3 no answer. */
static int s_call_with(cd_client_t *c, const char *endpoint, Candour__V1__Request *req, int json,
                       void (*print)(const Candour__V1__Reply *))
{
    Candour__V1__Reply *reply = NULL;
    int rc = s_fetch_with(c, endpoint, req, &reply);
    if (rc != 0)
        return rc;
    if (json) {
        char *text = cd_pbjson_dumps(&reply->base, 2);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else if (reply->error) {
        ctl_refused(reply->error);
    } else {
        print(reply);
    }
    rc = reply->error ? 1 : 0;
    candour__v1__reply__free_unpacked(reply, NULL);
    return rc;
}

int ctl_call(const char *endpoint, Candour__V1__Request *req, int json,
             void (*print)(const Candour__V1__Reply *))
{
    return s_call_with(s_client(endpoint), endpoint, req, json, print);
}

char **ctl_values(int argc)
{
    return calloc((size_t)argc + 1, sizeof(char *));
}

/* ---------------------------------------------------------------- submit */

static void s_print_receipt(const Candour__V1__Reply *r)
{
    if (r->result_case != CANDOUR__V1__REPLY__RESULT_RECEIPT) {
        printf("unexpected reply\n");
        return;
    }
    printf("%s received %s%s\n", r->receipt->complaint_ref, r->receipt->received_at,
           r->receipt->duplicate ? " (already submitted: first receipt returned)" : "");
    const ProtobufCEnumValue *cls = protobuf_c_enum_descriptor_get_value(
        &candour__v1__classification__descriptor, r->receipt->classification);
    if (r->receipt->classification != CANDOUR__V1__CLASSIFICATION__CLASSIFICATION_COMPLAINT)
        printf("classified %s\n", cls ? cls->name : "?");
    for (size_t i = 0; i < r->receipt->n_holds; i++) {
        const ProtobufCEnumValue *h = protobuf_c_enum_descriptor_get_value(
            &candour__v1__hold__descriptor, r->receipt->holds[i]);
        printf("held %s\n", h ? h->name : "?");
    }
}

static Candour__V1__Channel s_channel(const char *s)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value_by_name(&candour__v1__channel__descriptor, s);
    return v ? (Candour__V1__Channel)v->value : (Candour__V1__Channel)-1;
}

static int s_submit_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl submit --file complaint.json [--json]\n"
            "       candourctl submit --external-ref REF --name NAME --description TEXT\n"
            "            [--address-as NAME] [--email ADDR] [--address LINE]... [--postcode PC]\n"
            "            [--channel "
            "CHANNEL_EMAIL|CHANNEL_POST|CHANNEL_WEB|CHANNEL_VERBAL|CHANNEL_BUS]\n"
            "            [--event-date YYYY-MM-DD] [--desired-outcome TEXT] [--service NAME]... "
            "[--json]\n"
            "The file holds a candour.v1.SubmitComplaint as JSON ({\"complaint\": {...}}).\n"
            "Sends, as the organisation whose key is CANDOUR_CLIENT_KEY_FILE, to\n"
            "CANDOUR_INTAKE_PUBLIC_ENDPOINT (default tcp://127.0.0.1:7100), whose public key is\n"
            "CANDOUR_INTAKE_PUBLIC_KEY (a key or a file; default var/keys/intake.pub).\n");
    return rc;
}

static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                buf = NULL;
            }
            buf = p;
        }
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

int ctl_submit(int argc, char **argv)
{
    static struct option opts[] = {{"file", required_argument, 0, 'f'},
                                   {"org", required_argument, 0, 'o'},
                                   {"external-ref", required_argument, 0, 'x'},
                                   {"name", required_argument, 0, 'n'},
                                   {"address-as", required_argument, 0, 'a'},
                                   {"email", required_argument, 0, 'e'},
                                   {"address", required_argument, 0, 'A'},
                                   {"postcode", required_argument, 0, 'p'},
                                   {"channel", required_argument, 0, 'c'},
                                   {"event-date", required_argument, 0, 'd'},
                                   {"description", required_argument, 0, 'D'},
                                   {"desired-outcome", required_argument, 0, 'O'},
                                   {"service", required_argument, 0, 's'},
                                   {"json", no_argument, 0, 'j'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    Candour__V1__Person person = CANDOUR__V1__PERSON__INIT;
    char *address[8], *services[16];
    const char *file = NULL;
    int json = 0, c;
    comp.complainant = &person;
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_BUS;
    person.address = address;
    comp.services = services;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            file = optarg;
            break;
        case 'o':
            break; /* kept for old scripts: the organisation is the key's */
        case 'x':
            comp.external_ref = optarg;
            break;
        case 'n':
            person.name = optarg;
            break;
        case 'a':
            person.address_as = optarg;
            break;
        case 'e':
            person.email = optarg;
            break;
        case 'p':
            person.postcode = optarg;
            break;
        case 'd':
            comp.event_date = optarg;
            break;
        case 'D':
            comp.description = optarg;
            break;
        case 'O':
            comp.desired_outcome = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'A':
            if (person.n_address < 8)
                address[person.n_address++] = optarg;
            break;
        case 's':
            if (comp.n_services < 16)
                services[comp.n_services++] = optarg;
            break;
        case 'c':
            if ((int)(comp.channel = s_channel(optarg)) < 0) {
                fprintf(stderr, "candourctl submit: unknown channel '%s'\n", optarg);
                return 2;
            }
            break;
        case 'h':
            return s_submit_usage(0);
        default:
            return s_submit_usage(2);
        }
    }
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__SubmitComplaint submit = CANDOUR__V1__SUBMIT_COMPLAINT__INIT;
    Candour__V1__SubmitComplaint *from_file = NULL;
    req.op_case = CANDOUR__V1__REQUEST__OP_SUBMIT;
    if (file) {
        size_t len = 0;
        char *text = s_slurp(file, &len);
        if (!text) {
            fprintf(stderr, "candourctl submit: cannot read %s\n", file);
            return 2;
        }
        cd_fail_t perr;
        from_file = (Candour__V1__SubmitComplaint *)cd_pbjson_parse(
            &candour__v1__submit_complaint__descriptor, text, len, &perr);
        free(text);
        if (!from_file) {
            fprintf(stderr, "error %s in %s: %s\n", cd_code_name(perr.code),
                    *perr.field ? perr.field : file, perr.message);
            return 1;
        }
        req.submit = from_file;
    } else {
        if (!comp.external_ref || !person.name || !comp.description)
            return s_submit_usage(2);
        submit.complaint = &comp;
        req.submit = &submit;
    }
    const char *endpoint;
    cd_client_t *client = s_public_client(&endpoint);
    int rc = s_call_with(client, endpoint, &req, json, s_print_receipt);
    if (from_file)
        candour__v1__submit_complaint__free_unpacked(from_file, NULL);
    return rc;
}

/* ---------------------------------------------------------------- status */

static void s_print_status(const Candour__V1__Reply *r)
{
    if (r->result_case != CANDOUR__V1__REPLY__RESULT_STATUS) {
        printf("unexpected reply\n");
        return;
    }
    const Candour__V1__ComplaintStatus *s = r->status;
    printf("complaint   %s\nstate       %s\norganisation %s\nreceived    %s\n", s->complaint_ref,
           s->state, s->org_id, s->received_at);
    if (*s->triage_outcome) {
        printf("triage      %s, led by %s\n            %s\n", s->triage_outcome, s->lead_org,
               s->triage_reason);
        for (size_t i = 0; i < s->n_partners; i++)
            printf("partner     %s\n", s->partners[i]);
    }
    printf("\ndeadlines\n");
    for (size_t i = 0; i < s->n_deadlines; i++) {
        const Candour__V1__Deadline *d = s->deadlines[i];
        const char *what = d->closed    ? "closed"
                           : *d->met_at ? (d->missed ? "met late" : "met")
                                        : (d->missed ? "MISSED" : "open");
        printf("  %-16s due %s  %-8s %s%s%s%s%s\n", d->name, d->due, what, d->met_at,
               *d->party ? " party " : "", d->party, *d->extended_from ? " (extended from " : "",
               *d->extended_from ? d->extended_from : "");
        if (*d->extended_from)
            printf("%*sagreed by %s)\n", 40, "", d->extended_by);
    }
    printf("\nhistory\n");
    for (size_t i = 0; i < s->n_history; i++)
        printf("  %s  %-26s %-14s %s\n", s->history[i]->at, s->history[i]->event,
               s->history[i]->producer, s->history[i]->detail);
}

int ctl_status(int argc, char **argv)
{
    int json = argc > 2 && strcmp(argv[2], "--json") == 0;
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(argv[1] && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                "Usage: candourctl status REFERENCE [--json]\n"
                "Asks routing (CANDOUR_ROUTING_ENDPOINT, default tcp://127.0.0.1:7101).\n");
        return argv[1] && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__GetStatus get = CANDOUR__V1__GET_STATUS__INIT;
    get.complaint_ref = argv[1];
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_STATUS;
    req.get_status = &get;
    return ctl_call(ctl_endpoint("CANDOUR_ROUTING_ENDPOINT", "tcp://127.0.0.1:7101"), &req, json,
                    s_print_status);
}

/* ---------------------------------------------------------------- send */

static void s_print_json(const Candour__V1__Reply *r)
{
    char *text = cd_pbjson_dumps(&r->base, 2);
    printf("%s\n", text ? text : "{}");
    free(text);
}

/* Any Request, as JSON, to intake's public endpoint: the whole external API
 * from one command (amend, withdraw, record_consent, agree_summary,
 * get_status, get_status_changes). */
int ctl_send(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr,
                "Usage: candourctl send REQUEST.json   (or - for standard input)\n"
                "Sends a candour.v1.Request written as JSON to intake's public endpoint and\n"
                "prints the Reply as JSON, e.g.\n"
                "  {\"withdraw\": {\"complaint_ref\": \"CDR-7K4M-9QXT\", \"reason\": \"resolved "
                "locally\"}}\n"
                "  {\"get_status_changes\": {\"after_sequence\": 0}}\n"
                "Keys and endpoint as for `candourctl submit`.\n");
        return argc == 2 ? 0 : 2;
    }
    size_t len = 0;
    char *text = s_slurp(argv[1], &len);
    if (!text) {
        fprintf(stderr, "candourctl send: cannot read %s\n", argv[1]);
        return 2;
    }
    cd_fail_t perr;
    Candour__V1__Request *req = (Candour__V1__Request *)cd_pbjson_parse(
        &candour__v1__request__descriptor, text, len, &perr);
    free(text);
    if (!req) {
        fprintf(stderr, "error %s in %s: %s\n", cd_code_name(perr.code),
                *perr.field ? perr.field : argv[1], perr.message);
        return 1;
    }
    const char *endpoint;
    cd_client_t *client = s_public_client(&endpoint);
    int rc = s_call_with(client, endpoint, req, 0, s_print_json);
    candour__v1__request__free_unpacked(req, NULL);
    return rc;
}
