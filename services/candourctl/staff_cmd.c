/* staff_cmd.c - `candourctl staff add|update|list|disable`: a body's staff
 * directory, which routing keeps and answers for on its internal endpoint
 * (CANDOUR_ROUTING_ENDPOINT).
 *
 * Routing judges every request (its staffrules.c): this tool refuses only
 * what it cannot put into a request (an unknown option or role name) and
 * shows the service's typed errors as they come. PutStaff replaces the
 * whole record, so `staff update` reads it first and sends it back with only
 * the options given changed, naming the version it read. */
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

/* ---------------------------------------------------------------- staff: showing */

/* Append s to out (len bytes, NUL-terminated), after sep if out is not empty. */
static void s_append(char *out, size_t len, const char *sep, const char *s)
{
    size_t used = strlen(out);
    if (used + 1 < len)
        snprintf(out + used, len - used, "%s%s", used ? sep : "", s);
}

static void s_roles_text(const Candour__V1__StaffMember *m, const char *sep, char *out, size_t len)
{
    out[0] = 0;
    for (size_t i = 0; i < m->n_roles; i++) {
        const char *name = cd_role_name(m->roles[i]);
        s_append(out, len, sep, name ? name : "?");
    }
}

static void s_signs_text(const Candour__V1__StaffMember *m, const char *sep, char *out, size_t len)
{
    out[0] = 0;
    for (size_t i = 0; i < m->n_signs_for; i++)
        s_append(out, len, sep, m->signs_for[i]);
}

/* "ST3 added: Casey Manager (ICB-QWE); roles ...; job title ...", one line. */
static void s_summary(const char *verb, const Candour__V1__Reply *r)
{
    if (r->result_case != CANDOUR__V1__REPLY__RESULT_STAFF) {
        printf("unexpected reply\n");
        return;
    }
    const Candour__V1__StaffMember *m = r->staff;
    char roles[256], signs[2048];
    s_roles_text(m, ", ", roles, sizeof roles);
    s_signs_text(m, ", ", signs, sizeof signs);
    printf("%s %s: %s (%s); roles %s", m->staff_id, verb, m->name, m->org_id, roles);
    if (*m->job_title)
        printf("; job title %s", m->job_title);
    if (*m->team)
        printf("; team %s", m->team);
    if (*signs)
        printf("; signs for %s", signs);
    if (m->disabled)
        printf("; disabled: %s", m->disabled_reason);
    printf("\n");
}

static void s_print_added(const Candour__V1__Reply *r)
{
    s_summary("added", r);
}

static void s_print_updated(const Candour__V1__Reply *r)
{
    s_summary("updated", r);
}

static void s_print_disabled(const Candour__V1__Reply *r)
{
    s_summary("disabled", r);
}

enum { C_ID, C_NAME, C_TITLE, C_TEAM, C_ROLES, C_SIGNS, C_STATE, C_COUNT };

/* The text of column col for m, into out. */
static const char *s_cell(const Candour__V1__StaffMember *m, int col, char *out, size_t len)
{
    switch (col) {
    case C_ID:
        snprintf(out, len, "%s", m->staff_id);
        break;
    case C_NAME:
        snprintf(out, len, "%s", m->name);
        break;
    case C_TITLE:
        snprintf(out, len, "%s", m->job_title);
        break;
    case C_TEAM:
        snprintf(out, len, "%s", m->team);
        break;
    case C_ROLES:
        s_roles_text(m, ",", out, len);
        break;
    case C_SIGNS:
        s_signs_text(m, ",", out, len);
        break;
    default:
        if (m->disabled)
            snprintf(out, len, "disabled (%s)", m->disabled_reason);
        else
            snprintf(out, len, "enabled");
    }
    if (!out[0])
        snprintf(out, len, "-");
    return out;
}

/* Characters of UTF-8 text: its width in a terminal, near enough. */
static size_t s_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The staff as a table, each column as wide as its widest cell. */
static void s_print_list(const Candour__V1__Reply *r)
{
    if (r->result_case != CANDOUR__V1__REPLY__RESULT_STAFF_LIST) {
        printf("unexpected reply\n");
        return;
    }
    static const char *const head[C_COUNT] = {"ID",    "NAME",      "JOB TITLE", "TEAM",
                                              "ROLES", "SIGNS FOR", "STATE"};
    const Candour__V1__StaffList *l = r->staff_list;
    size_t width[C_COUNT], disabled = 0;
    char cell[2048];
    for (int c = 0; c < C_COUNT; c++) {
        width[c] = s_width(head[c]);
        for (size_t i = 0; i < l->n_staff; i++) {
            size_t w = s_width(s_cell(l->staff[i], c, cell, sizeof cell));
            width[c] = w > width[c] ? w : width[c];
        }
    }
    for (size_t i = 0; i <= l->n_staff; i++) {
        for (int c = 0; c < C_COUNT; c++) {
            const char *text = i == 0 ? head[c] : s_cell(l->staff[i - 1], c, cell, sizeof cell);
            if (c == C_COUNT - 1)
                printf("%s\n", text);
            else
                printf("%s%*s", text, (int)(width[c] - s_width(text) + 2), "");
        }
        disabled += i > 0 && l->staff[i - 1]->disabled;
    }
    printf("%zu %s", l->n_staff, l->n_staff == 1 ? "person" : "people");
    if (disabled)
        printf(", %zu disabled", disabled);
    printf("\n");
}

/* ---------------------------------------------------------------- staff: commands */

static void s_role_names(FILE *out)
{
    for (int i = 1; cd_role_name((Candour__V1__Role)i); i++)
        fprintf(out, "%s%s", i > 1 ? ", " : "", cd_role_name((Candour__V1__Role)i));
}

/* Each subcommand's synopsis and what it does, for --help. */
static const struct {
    const char *name;
    const char *synopsis;
    const char *about;
} s_staff_help[] = {
    {"add",
     "candourctl staff add ORG --name NAME --role ROLE [--role ROLE]...\n"
     "            [--job-title T] [--team T] [--email E] [--phone P] [--signs-for ORG]...\n"
     "            [--idp-subject SUB] [--as ST_ID]\n",
     "add: a person joins ORG's directory; prints their new staff id, then what was kept.\n"
     "--signs-for: the other bodies that authorised a signatory to sign for them (F2).\n"
     "--idp-subject: the subject (sub) of their identity provider's tokens: the staff\n"
     "API takes such a token as this person.\n"},
    {"update",
     "candourctl staff update ST_ID --org ORG [--name NAME] [--role ROLE]...\n"
     "            [--job-title T] [--team T] [--email E] [--phone P]\n"
     "            [--signs-for ORG]... [--no-signs-for] [--idp-subject SUB] [--as ST_ID]\n",
     "update: changes only what is given; --role replaces the roles, --signs-for the\n"
     "bodies signed for, --no-signs-for empties them. --org is the body whose directory\n"
     "holds the person: their record is read from it (a person's body never changes).\n"},
    {"list", "candourctl staff list ORG [--all] [--json] [--as ST_ID]\n",
     "list: ORG's people who are enabled; --all also those disabled.\n"},
    {"disable", "candourctl staff disable ST_ID --reason TEXT [--as ST_ID]\n",
     "disable: the person may no longer act; the record stays, with the reason.\n"},
};

/* The usage of `staff sub` (NULL: of every subcommand), on stdout for
 * --help (rc 0), else on stderr; returns rc. */
static int s_staff_usage(const char *sub, int rc)
{
    FILE *out = rc ? stderr : stdout;
    size_t n = sizeof s_staff_help / sizeof s_staff_help[0], shown = 0;
    for (size_t i = 0; i < n; i++)
        if (!sub || strcmp(sub, s_staff_help[i].name) == 0)
            fprintf(out, "%s%s", shown++ ? "       " : "Usage: ", s_staff_help[i].synopsis);
    for (size_t i = 0; i < n; i++)
        if (!sub || strcmp(sub, s_staff_help[i].name) == 0)
            fprintf(out, "%s", s_staff_help[i].about);
    fprintf(out, "ROLE: ");
    s_role_names(out);
    fprintf(out,
            ".\nThe directory is routing's (CANDOUR_ROUTING_ENDPOINT, default %s).\n" CTL_AS_USAGE
            "               without either, as ops: your login (SUDO_USER, LOGNAME or\n"
            "               USER), which the audit trail names.\n",
            S_ROUTING_DEF);
    return rc;
}

/* What `staff add|update` were given; NULL or 0: not given. */
typedef struct {
    const char *org;          /* update: --org, the body to read the person from */
    const char *as;           /* --as */
    const char *name;         /* --name */
    const char *title;        /* --job-title */
    const char *team;         /* --team */
    const char *email;        /* --email */
    const char *phone;        /* --phone */
    const char *subject;      /* --idp-subject */
    Candour__V1__Role *roles; /* --role, each, as the enum (argc long) */
    size_t n_roles;
    char **signs; /* --signs-for, each (argc long) */
    size_t n_signs;
    int no_signs; /* --no-signs-for */
    int help;     /* --help */
} s_edit_t;

static void s_edit_free(s_edit_t *e)
{
    free(e->roles);
    free(e->signs);
}

/* Parse `staff add|update` options from argv[2] on. 0, or the exit code
 * (told): 2 for a usage error. Free e with s_edit_free either way. */
static int s_edit_parse(int argc, char **argv, s_edit_t *e)
{
    static struct option opts[] = {{"org", required_argument, 0, 'o'},
                                   {"as", required_argument, 0, 'a'},
                                   {"name", required_argument, 0, 'n'},
                                   {"job-title", required_argument, 0, 'j'},
                                   {"team", required_argument, 0, 't'},
                                   {"email", required_argument, 0, 'e'},
                                   {"phone", required_argument, 0, 'p'},
                                   {"idp-subject", required_argument, 0, 'i'},
                                   {"role", required_argument, 0, 'r'},
                                   {"signs-for", required_argument, 0, 's'},
                                   {"no-signs-for", no_argument, 0, 'S'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    memset(e, 0, sizeof *e);
    e->roles = calloc((size_t)argc + 1, sizeof *e->roles);
    e->signs = ctl_values(argc);
    if (!e->roles || !e->signs) {
        fprintf(stderr, "candourctl: out of memory\n");
        return 1;
    }
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            e->org = optarg;
            break;
        case 'a':
            e->as = optarg;
            break;
        case 'n':
            e->name = optarg;
            break;
        case 'j':
            e->title = optarg;
            break;
        case 't':
            e->team = optarg;
            break;
        case 'e':
            e->email = optarg;
            break;
        case 'p':
            e->phone = optarg;
            break;
        case 'i':
            e->subject = optarg;
            break;
        case 's':
            e->signs[e->n_signs++] = optarg;
            break;
        case 'S':
            e->no_signs = 1;
            break;
        case 'r':
            e->roles[e->n_roles] = cd_role_from_name(optarg);
            if (e->roles[e->n_roles++] == CANDOUR__V1__ROLE__ROLE_UNSPECIFIED) {
                fprintf(stderr, "candourctl staff %s: no role '%s': a role is one of ", argv[1],
                        optarg);
                s_role_names(stderr);
                fprintf(stderr, "\n");
                return 2;
            }
            break;
        case 'h':
            e->help = 1;
            break;
        default:
            return s_staff_usage(argv[1], 2);
        }
    }
    if (e->n_signs && e->no_signs) {
        fprintf(stderr, "candourctl staff %s: --signs-for or --no-signs-for, not both\n", argv[1]);
        return 2;
    }
    return 0;
}

static int s_staff_add(int argc, char **argv)
{
    s_edit_t e;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    int rc = s_edit_parse(argc, argv, &e);
    if (rc != 0)
        goto done;
    if (e.help) {
        rc = s_staff_usage(argv[1], 0);
        goto done;
    }
    if (optind != argc - 1 || e.org || e.no_signs) {
        rc = s_staff_usage(argv[1], 2);
        goto done;
    }
    if (ctl_acting(&req, e.as, CTL_ACT_DIRECTORY, "staff add") != 0) {
        rc = 2;
        goto done;
    }
    /* Whatever is missing or wrong, routing says (a typed error). */
    Candour__V1__StaffMember m = CANDOUR__V1__STAFF_MEMBER__INIT;
    m.org_id = argv[optind];
    m.name = (char *)(e.name ? e.name : "");
    m.job_title = (char *)(e.title ? e.title : "");
    m.team = (char *)(e.team ? e.team : "");
    m.email = (char *)(e.email ? e.email : "");
    m.phone = (char *)(e.phone ? e.phone : "");
    m.idp_subject = (char *)(e.subject ? e.subject : "");
    m.roles = e.roles;
    m.n_roles = e.n_roles;
    m.signs_for = e.signs;
    m.n_signs_for = e.n_signs;
    Candour__V1__PutStaff put = CANDOUR__V1__PUT_STAFF__INIT;
    put.staff = &m;
    req.op_case = CANDOUR__V1__REQUEST__OP_PUT_STAFF;
    req.put_staff = &put;
    rc = ctl_call(ctl_endpoint(S_ROUTING_VAR, S_ROUTING_DEF), &req, 0, s_print_added);
done:
    s_edit_free(&e);
    return rc;
}

/* The person's record as routing has it, from their body's directory:
 * 0 with *list (the whole reply, to free) and *found, else the exit code
 * (told). */
static int s_read_person(const char *org, const char *staff_id, const Candour__V1__Request *who,
                         Candour__V1__Reply **list, const Candour__V1__StaffMember **found)
{
    Candour__V1__ListStaff ls = CANDOUR__V1__LIST_STAFF__INIT;
    ls.org_id = (char *)org;
    ls.include_disabled = 1; /* so that a disabled person is told as such, by routing */
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.acting = who->acting;
    req.ops_user = who->ops_user;
    req.op_case = CANDOUR__V1__REQUEST__OP_LIST_STAFF;
    req.list_staff = &ls;
    int rc = ctl_fetch(ctl_endpoint(S_ROUTING_VAR, S_ROUTING_DEF), &req, list);
    if (rc != 0)
        return rc;
    const Candour__V1__Reply *r = *list;
    if (r->error) {
        rc = ctl_refused(r->error);
    } else if (r->result_case != CANDOUR__V1__REPLY__RESULT_STAFF_LIST) {
        fprintf(stderr, "candourctl staff update: unexpected reply to list_staff\n");
        rc = 1;
    } else {
        for (size_t i = 0; i < r->staff_list->n_staff; i++)
            if (strcmp(r->staff_list->staff[i]->staff_id, staff_id) == 0) {
                *found = r->staff_list->staff[i];
                return 0;
            }
        fprintf(stderr, "candourctl staff update: %s's directory has no %s\n", org, staff_id);
        rc = 1;
    }
    candour__v1__reply__free_unpacked(*list, NULL);
    *list = NULL;
    return rc;
}

/* `staff update`: ListStaff, then PutStaff of the record as read with what
 * was given, naming the version read: a change someone else made between
 * the two makes routing refuse it (FAILED_PRECONDITION), never lost. */
static int s_staff_update(int argc, char **argv)
{
    s_edit_t e;
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    Candour__V1__Reply *list = NULL;
    int rc = s_edit_parse(argc, argv, &e);
    if (rc != 0)
        goto done;
    if (e.help) {
        rc = s_staff_usage(argv[1], 0);
        goto done;
    }
    if (optind != argc - 1 || !e.org) {
        rc = s_staff_usage(argv[1], 2);
        goto done;
    }
    if (!e.name && !e.title && !e.team && !e.email && !e.phone && !e.subject && !e.n_roles &&
        !e.n_signs && !e.no_signs) {
        fprintf(stderr, "candourctl staff update: nothing to change (see --help)\n");
        rc = 2;
        goto done;
    }
    if (ctl_acting(&req, e.as, CTL_ACT_DIRECTORY, "staff update") != 0) {
        rc = 2;
        goto done;
    }
    const Candour__V1__StaffMember *cur = NULL;
    if ((rc = s_read_person(e.org, argv[optind], &req, &list, &cur)) != 0)
        goto done;
    /* The record as read, with what was given: a shallow copy, pointing
     * into the reply and argv, which outlive the call. */
    Candour__V1__StaffMember m = *cur;
    m.base.n_unknown_fields = 0;
    m.base.unknown_fields = NULL;
    m.name = (char *)(e.name ? e.name : cur->name);
    m.job_title = (char *)(e.title ? e.title : cur->job_title);
    m.team = (char *)(e.team ? e.team : cur->team);
    m.email = (char *)(e.email ? e.email : cur->email);
    m.idp_subject = (char *)(e.subject ? e.subject : cur->idp_subject);
    m.phone = (char *)(e.phone ? e.phone : cur->phone);
    if (e.n_roles) {
        m.roles = e.roles;
        m.n_roles = e.n_roles;
    }
    if (e.n_signs || e.no_signs) {
        m.signs_for = e.signs;
        m.n_signs_for = e.n_signs;
    }
    /* disabled is DisableStaff's to set; a disabled person is refused by
     * routing, which says so. */
    m.version = cur->version; /* refused if it changed since: nothing is lost */
    m.disabled = 0;
    m.disabled_reason = (char *)"";
    Candour__V1__PutStaff put = CANDOUR__V1__PUT_STAFF__INIT;
    put.staff = &m;
    req.op_case = CANDOUR__V1__REQUEST__OP_PUT_STAFF;
    req.put_staff = &put;
    rc = ctl_call(ctl_endpoint(S_ROUTING_VAR, S_ROUTING_DEF), &req, 0, s_print_updated);
done:
    if (list)
        candour__v1__reply__free_unpacked(list, NULL);
    s_edit_free(&e);
    return rc;
}

static int s_staff_list(int argc, char **argv)
{
    static struct option opts[] = {{"all", no_argument, 0, 'A'},
                                   {"json", no_argument, 0, 'j'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__ListStaff ls = CANDOUR__V1__LIST_STAFF__INIT;
    const char *as = NULL;
    int json = 0, c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'A')
            ls.include_disabled = 1;
        else if (c == 'j')
            json = 1;
        else if (c == 'a')
            as = optarg;
        else if (c == 'h')
            return s_staff_usage(argv[1], 0);
        else
            return s_staff_usage(argv[1], 2);
    }
    if (optind != argc - 1)
        return s_staff_usage(argv[1], 2);
    ls.org_id = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_LIST_STAFF;
    req.list_staff = &ls;
    if (ctl_acting(&req, as, CTL_ACT_DIRECTORY, "staff list") != 0)
        return 2;
    return ctl_call(ctl_endpoint(S_ROUTING_VAR, S_ROUTING_DEF), &req, json, s_print_list);
}

static int s_staff_disable(int argc, char **argv)
{
    static struct option opts[] = {{"reason", required_argument, 0, 'r'},
                                   {"as", required_argument, 0, 'a'},
                                   {"help", no_argument, 0, 'h'},
                                   {0, 0, 0, 0}};
    Candour__V1__DisableStaff ds = CANDOUR__V1__DISABLE_STAFF__INIT;
    const char *as = NULL;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            ds.reason = optarg;
        else if (c == 'a')
            as = optarg;
        else if (c == 'h')
            return s_staff_usage(argv[1], 0);
        else
            return s_staff_usage(argv[1], 2);
    }
    if (optind != argc - 1)
        return s_staff_usage(argv[1], 2);
    ds.staff_id = argv[optind];
    Candour__V1__Request req = CANDOUR__V1__REQUEST__INIT;
    req.op_case = CANDOUR__V1__REQUEST__OP_DISABLE_STAFF;
    req.disable_staff = &ds;
    if (ctl_acting(&req, as, CTL_ACT_DIRECTORY, "staff disable") != 0)
        return 2;
    return ctl_call(ctl_endpoint(S_ROUTING_VAR, S_ROUTING_DEF), &req, 0, s_print_disabled);
}

int ctl_staff(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {{"add", s_staff_add},
                {"update", s_staff_update},
                {"list", s_staff_list},
                {"disable", s_staff_disable}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return s_staff_usage(NULL, argc < 2 ? 2 : 0);
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].fn(argc, argv);
    fprintf(stderr, "candourctl staff: unknown subcommand '%s'\n", argv[1]);
    return s_staff_usage(NULL, 2);
}
