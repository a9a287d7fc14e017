/* retention_scrub.c - an event's personal data and free text blanked
 * (retention_scrub.h). */
#include "retention_scrub.h"

#include <string.h>

/* The string fields, in any message of proto/candour/v1, that hold a
 * person's details or words someone wrote. The rest are codes, dates, ids
 * and references, which the reports count. */
static const char *const s_fields[] = {"name",
                                       "address_as",
                                       "address",
                                       "postcode",
                                       "email",
                                       "telephone",
                                       "phone",
                                       "description",
                                       "desired_outcome",
                                       "findings",
                                       "reason",
                                       "reasons",
                                       "text",
                                       "summary",
                                       "detail",
                                       "what_happened",
                                       "what_should_have_happened",
                                       "not_addressed_reason",
                                       "note",
                                       "apology",
                                       "redress_for",
                                       "service_change",
                                       "lessons",
                                       "failings",
                                       "staff_named",
                                       "teams_named",
                                       "complainant_name",
                                       "given_by",
                                       "relationship",
                                       "standing_basis",
                                       "triage_reason",
                                       "plan_reason",
                                       "returned_reasons",
                                       "source",
                                       "flag_note",
                                       "filename",
                                       "key_issue",
                                       "message",
                                       "response",
                                       "covering_letter",
                                       "consent_exception",
                                       "other",
                                       "interpreter_language",
                                       "agreed_by",
                                       "impartiality",
                                       "handler",
                                       NULL};

int ret_scrub_field(const char *name)
{
    for (int i = 0; s_fields[i]; i++)
        if (strcmp(name, s_fields[i]) == 0)
            return 1;
    return 0;
}

static int s_blank(char *s)
{
    if (!s || !*s)
        return 0; /* also the shared empty default, which must not be written */
    s[0] = '\0';
    return 1;
}

int ret_scrub_message(ProtobufCMessage *m)
{
    if (!m)
        return 0;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    int person = strcmp(d->name, "Person") == 0 && strcmp(d->package_name, "candour.v1") == 0;
    int n = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *at = (char *)m + f->offset;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            /* a member of a oneof is there only when it is the case set */
            if (*(uint32_t *)((char *)m + f->quantifier_offset) != f->id)
                continue;
        }
        if (f->type == PROTOBUF_C_TYPE_STRING && (person || ret_scrub_field(f->name))) {
            if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                size_t k = *(size_t *)((char *)m + f->quantifier_offset);
                char **v = *(char ***)at;
                for (size_t j = 0; j < k; j++)
                    n += s_blank(v[j]);
            } else {
                n += s_blank(*(char **)at);
            }
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                size_t k = *(size_t *)((char *)m + f->quantifier_offset);
                ProtobufCMessage **v = *(ProtobufCMessage ***)at;
                for (size_t j = 0; j < k; j++)
                    n += ret_scrub_message(v[j]);
            } else {
                n += ret_scrub_message(*(ProtobufCMessage **)at);
            }
        }
    }
    return n;
}
