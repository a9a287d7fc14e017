/* org_cmd.c - `candourctl org set|show`: a body's own settings (Regs reg. 4,
 * R2, R5, V2), which routing keeps (CANDOUR_ROUTING_ENDPOINT). SetOrgSettings
 * replaces them whole, so `org set` reads them first and sends them back with
 * only the options given changed, naming the version it read. keys.c hands
 * `org set|show` over to ctl_org_settings. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acting.h"
#include "candour/directory.h"
#include "ctl.h"

#define S_ROUTING_VAR "CANDOUR_ROUTING_ENDPOINT"
#define S_ROUTING_DEF "tcp://127.0.0.1:7101"

/* text as a count of days: digits only, within 32 bits. 0, or -1 (told). */
static int s_days(const char *cmd, const char *opt, const char *text, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || text[0] == '-' || text[0] == '+' || errno || v > UINT32_MAX) {
        fprintf(stderr, "candourctl %s: --%s takes a number of working days, not '%s'\n", cmd, opt,
                text);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* ---------------------------------------------------------------- org set|show */

static void s_field(const char *label, const char *value)
{
    printf("%-20s %s\n", label, *value ? value : "-");
}

static void s_print_days(const char *label, uint32_t days)
{
    if (days)
        printf("%-20s %u working days\n", label, days);
    else
        printf("%-20s 0 (Candour's default)\n", label);
}

/* The settings, one a line, labelled with the option of `org set` that
 * changes each. */
static void s_print_settings(const Candour__V1__Reply *r)
{
    if (r->result_case != CANDOUR__V1__REPLY__RESULT_ORG_SETTINGS) {
        printf("unexpected reply\n");
        return;
    }
    const Candour__V1__OrgSettings *o = r->org_settings;
    Candour__V1__Letterhead none = CANDOUR__V1__LETTERHEAD__INIT;
    const Candour__V1__Letterhead *l = o->letterhead ? o->letterhead : &none;
    s_field("organisation", o->org_id);
    s_field("responsible-person", o->responsible_person);
    s_field("complaints-manager", o->complaints_manager);
    s_print_days("response-days", o->response_days);
    s_print_days("update-every-days", o->update_every_days);
    s_field("pass-to-provider", o->pass_to_provider ? "yes" : "no");
    s_field("letterhead-name", l->name);
    for (size_t i = 0; i < l->n_address || i == 0; i++)
        s_field(i == 0 ? "address" : "", i < l->n_address ? l->address[i] : "");
    s_field("postcode", l->postcode);
    s_field("phone", l->phone);
    s_field("email", l->email);
    s_field("website", l->website);
    s_field("plan-low", o->plan_low);
    s_field("plan-medium", o->plan_medium);
    s_field("plan-high", o->plan_high);
    s_field("draft-opening", o->draft_opening);
    s_field("draft-closing", o->draft_closing);
    printf("%-20s %lld\n", "version", (long long)o->version);
}

static int s_org_usage(int rc)
{
    fprintf(rc ? stderr : stdout,
            "Usage: candourctl org set ORG --responsible-person ST_ID --complaints-manager ST_ID\n"
            "            [--response-days N] [--update-every-days N] [--pass-to-provider yes|no]\n"
            "            [--letterhead-name T] [--address LINE]... [--no-address] [--postcode P]\n"
            "            [--phone P] [--email E] [--website W] [--plan-low STEPS]\n"
            "            [--plan-medium STEPS] [--plan-high STEPS] [--draft-opening TEXT]\n"
            "            [--draft-closing TEXT] [--as ST_ID]\n"
            "       candourctl org show ORG [--json] [--as ST_ID]\n"
            "A body's own settings (Regs reg. 4, R2, R5), kept by routing\n"
            "(CANDOUR_ROUTING_ENDPOINT, default %s). The responsible person and the\n"
            "complaints manager are staff ids holding those roles in the body's directory.\n"
            "N: working days, 0 for Candour's default. set keeps every setting not given\n"
            "(the first set must name both people); --address replaces the address lines,\n"
            "--no-address removes them. STEPS: the plan template for a grading (V2), steps\n"
            "separated by commas (document-review, records-review, complainant-meeting,\n"
            "staff-interviews, site-visit, independent-clinical-advice, case-conference);\n"
            "\"\" for Candour's. The draft response's own opening and closing "
            "paragraphs.\n" CTL_AS_USAGE
            "               without either, as ops: your login, named in the audit trail.\n",
            S_ROUTING_DEF);
    return rc;
}

/* What `org set` was given; NULL or -1: not given. */
typedef struct {
    const char *rp, *cm;    /* --responsible-person, --complaints-manager */
    uint32_t response_days; /* --response-days, when has_response */
    uint32_t update_days;   /* --update-every-days, when has_update */
    int has_response, has_update;
    int pass;                        /* --pass-to-provider: 1 yes, 0 no, -1 not given */
    const char *lh_name, *postcode;  /* --letterhead-name, --postcode */
    const char *phone, *email, *web; /* --phone, --email, --website */
    const char *plan[3];             /* --plan-low, --plan-medium, --plan-high */
    const char *opening, *closing;   /* --draft-opening, --draft-closing */
    char **address;                  /* --address, each (argc long) */
    size_t n_address;
    int no_address; /* --no-address */
} s_set_t;

/* The settings to send: cur's (NULL: none yet) with what s gave, into o
 * and l, which point into cur, s and argv. */
static void s_merge(const Candour__V1__OrgSettings *cur, const s_set_t *s, const char *org,
                    Candour__V1__OrgSettings *o, Candour__V1__Letterhead *l)
{
    Candour__V1__OrgSettings none = CANDOUR__V1__ORG_SETTINGS__INIT;
    Candour__V1__Letterhead no_lh = CANDOUR__V1__LETTERHEAD__INIT;
    *o = cur ? *cur : none;
    *l = cur && cur->letterhead ? *cur->letterhead : no_lh;
    o->base.n_unknown_fields = l->base.n_unknown_fields = 0;
    o->base.unknown_fields = l->base.unknown_fields = NULL;
    o->org_id = (char *)org;
    o->version = cur ? cur->version : 0; /* refused if it changed since the read */
    o->letterhead = l;
    if (s->rp)
        o->responsible_person = (char *)s->rp;
    if (s->cm)
        o->complaints_manager = (char *)s->cm;
    if (s->has_response)
        o->response_days = s->response_days;
    if (s->has_update)
        o->update_every_days = s->update_days;
    if (s->pass >= 0)
        o->pass_to_provider = s->pass;
    if (s->lh_name)
        l->name = (char *)s->lh_name;
    if (s->postcode)
        l->postcode = (char *)s->postcode;
    if (s->phone)
        l->phone = (char *)s->phone;
    if (s->email)
        l->email = (char *)s->email;
    if (s->web)
        l->website = (char *)s->web;
    char **plans[3] = {&o->plan_low, &o->plan_medium, &o->plan_high};
    for (int i = 0; i < 3; i++)
        if (s->plan[i])
            *plans[i] = (char *)s->plan[i];
    if (s->opening)
        o->draft_opening = (char *)s->opening;
    if (s->closing)
        o->draft_closing = (char *)s->closing;
    if (s->n_address || s->no_address) {
        l->address = s->address;
        l->n_address = s->n_address;
    }
}

/* `org set`: GetOrgSettings (NOT_FOUND: none yet), then SetOrgSettings of
 * them with what was given, naming the version read (as `staff update`). */
static int s_org_set(int argc, char **argv, s_set_t *s)
{
    static struct option opts[] = {{"responsible-person", required_argument, 0, 'R'},
                                   {"complaints-manager", required_argument, 0, 'C'},
                                   {"response-days", required_argument, 0, 'd'},
                                   {"update-every-days", required_argument, 0, 'u'},
                                   {"pass-to-provider", required_argument, 0, 'P'},
                                   {"letterhead-name", required_argument, 0, 'n'},
                                   {"address", required_argument, 0, 'A'},
                                   {"no-address", no_argument, 0, 'N'},
                                   {"postcode", required_argument, 0, 'c'},
                                   {"phone", required_argument, 0, 'p'},
                                   {"email", required_argument, 0, 'e'},
                                   {"website", required_argument, 0, 'w'},
                                   {"plan-low", required_argument, 0, '1'},
                                   {"plan-medium", required_argument, 0, '2'},
                                   {"plan-high", required_argument, 0, '3'},
                                   {"draft-opening", required_argument, 0, 'o'},
                                   {"draft-closing", required_argument, 0, 'z'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    const char *as = NULL;
    int c;
    s->pass = -1;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            s->rp = optarg;
            break;
        case 'C':
            s->cm = optarg;
            break;
        case 'd':
            if (s_days("org set", "response-days", optarg, &s->response_days) != 0)
                return 2;
            s->has_response = 1;
            break;
        case 'u':
            if (s_days("org set", "update-every-days", optarg, &s->update_days) != 0)
                return 2;
            s->has_update = 1;
            break;
        case 'P':
            if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0) {
                fprintf(stderr, "candourctl org set: --pass-to-provider is yes or no\n");
                return 2;
            }
            s->pass = strcmp(optarg, "yes") == 0;
            break;
        case 'n':
            s->lh_name = optarg;
            break;
        case 'A':
            s->address[s->n_address++] = optarg;
            break;
        case 'N':
            s->no_address = 1;
            break;
        case 'c':
            s->postcode = optarg;
            break;
        case 'p':
            s->phone = optarg;
            break;
        case 'e':
            s->email = optarg;
            break;
        case 'w':
            s->web = optarg;
            break;
        case '1':
        case '2':
        case '3':
            s->plan[c - '1'] = optarg;
            break;
        case 'o':
            s->opening = optarg;
            break;
        case 'z':
            s->closing = optarg;
            break;
        case 'a':
            as = optarg;
            break;
        case 'h':
            return s_org_usage(0);
        default:
            return s_org_usage(2);
        }
    }
    if (optind != argc - 1)
        return s_org_usage(2);
    if (s->n_address && s->no_address) {
        fprintf(stderr, "candourctl org set: --address or --no-address, not both\n");
        return 2;
    }
    const char *org = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    if (ctl_acting(&req, as, CTL_ACT_DIRECTORY, "org set") != 0)
        return 2;
    /* The settings as they are, to keep what is not given. */
    Candour__V1__GetOrgSettings get = CANDOUR__V1__GET_ORG_SETTINGS__INIT;
    get.org_id = (char *)org;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_ORG_SETTINGS;
    req.get_org_settings = &get;
    Candour__V1__Reply *cur = NULL;
    int rc = ctl_fetch(ctl_endpoint(S_ROUTING_VAR, S_ROUTING_DEF), &req, &cur);
    if (rc != 0)
        return rc;
    int none = cur->error && strcmp(cur->error->code, "NOT_FOUND") == 0;
    if (cur->error && !none)
        rc = ctl_refused(cur->error);
    else if (!none && cur->result_case != CANDOUR__V1__REPLY__RESULT_ORG_SETTINGS)
        rc = (fprintf(stderr, "candourctl org set: unexpected reply to get_org_settings\n"), 1);
    if (rc == 0) {
        Candour__V1__OrgSettings o;
        Candour__V1__Letterhead l;
        s_merge(none ? NULL : cur->org_settings, s, org, &o, &l);
        Candour__V1__SetOrgSettings set = CANDOUR__V1__SET_ORG_SETTINGS__INIT;
        set.settings = &o;
        req.op_case = CANDOUR__V1__REQUEST__OP_SET_ORG_SETTINGS;
        req.set_org_settings = &set;
        rc = ctl_call(ctl_endpoint(S_ROUTING_VAR, S_ROUTING_DEF), &req, 0, s_print_settings);
    }
    candour__v1__reply__free_unpacked(cur, NULL);
    return rc;
}

static int s_org_show(int argc, char **argv)
{
    static struct option opts[] = {{"json", no_argument, 0, 'j'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    const char *as = NULL;
    int json = 0, c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'a')
            as = optarg;
        else if (c == 'h')
            return s_org_usage(0);
        else
            return s_org_usage(2);
    }
    if (optind != argc - 1)
        return s_org_usage(2);
    Candour__V1__GetOrgSettings get = CANDOUR__V1__GET_ORG_SETTINGS__INIT;
    get.org_id = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_GET_ORG_SETTINGS;
    req.get_org_settings = &get;
    if (ctl_acting(&req, as, CTL_ACT_DIRECTORY, "org show") != 0)
        return 2;
    return ctl_call(ctl_endpoint(S_ROUTING_VAR, S_ROUTING_DEF), &req, json, s_print_settings);
}

int ctl_org_settings(int argc, char **argv)
{
    assert(argc >= 2);
    if (strcmp(argv[1], "show") == 0)
        return s_org_show(argc, argv);
    assert(strcmp(argv[1], "set") == 0);
    s_set_t s = {0};
    if (!(s.address = ctl_values(argc))) {
        fprintf(stderr, "candourctl: out of memory\n");
        return 1;
    }
    int rc = s_org_set(argc, argv, &s);
    free(s.address);
    return rc;
}
