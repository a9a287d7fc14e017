/* fuzz_pbjson.c - libFuzzer target for the JSON <-> protobuf converter.
 *
 * Feeds arbitrary bytes to cd_pbjson_parse as the messages Candour accepts
 * as JSON from outside (candour.v1.Request) and, for the types the
 * Request lacks (int64, uint32, bytes), candour.v1.Envelope and Reply. Any
 * input that parses must survive message -> JSON -> message unchanged: the
 * two messages must pack to the same bytes and print the same JSON. Crashes,
 * sanitizer reports, leaks and a broken round trip all abort.
 *
 * Stored equals sent, or a typed error: the input is also read by jansson
 * alone (NULs allowed). When the converter takes it, no string value of the
 * input holds a NUL (each would have been cut or misread somewhere), and
 * every string field of the message is byte for byte the JSON string it came
 * from. When it refuses, the error has a code and a message, and an
 * INVALID_TEXT error names its field.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon/include
 *   -I<protoc-c out dir> common/src/pbjson.c <the candour/v1 .pb-c.c files>
 *   tests/fuzz/fuzz_pbjson.c -lprotobuf-c -ljansson -lm
 * Run:   ./fuzz_pbjson tests/fuzz/corpus/pbjson -max_total_time=60 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/pbjson.h"
#include "candour/v1/api.pb-c.h"
#include "candour/v1/envelope.pb-c.h"

static void s_check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_pbjson: %s\n%s\n", what, detail ? detail : "");
        abort();
    }
}

static uint8_t *s_pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    s_check(buf != NULL, "out of memory", NULL);
    s_check(protobuf_c_message_pack(m, buf) == *len, "pack size mismatch", NULL);
    return buf;
}

/* Does the JSON key name field f (its .proto name, or protoc's lowerCamelCase)? */
static int s_key_names(const ProtobufCFieldDescriptor *f, const char *key)
{
    if (strcmp(f->name, key) == 0)
        return 1;
    const char *n = f->name;
    int up = 0;
    for (; *n; n++) {
        if (*n == '_') {
            up = 1;
            continue;
        }
        char c = up && *n >= 'a' && *n <= 'z' ? (char)(*n - 'a' + 'A') : *n;
        up = 0;
        if (*key++ != c)
            return 0;
    }
    return *key == '\0';
}

static void s_same_text(const char *stored, const json_t *sent, const char *what)
{
    s_check(json_is_string(sent), "a string field from no JSON string", what);
    size_t n = json_string_length(sent);
    s_check(stored && strlen(stored) == n && memcmp(stored, json_string_value(sent), n) == 0,
            "a string was stored other than it was sent (cut or changed)", what);
}

/* Every string field set in the JSON object `in` is in m as it was sent. */
static void s_strings_as_sent(const ProtobufCMessage *m, const json_t *in)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)in, key, v)
    {
        const ProtobufCFieldDescriptor *f = NULL;
        for (unsigned i = 0; i < d->n_fields && !f; i++)
            if (s_key_names(&d->fields[i], key))
                f = &d->fields[i];
        s_check(f != NULL, "a key that names no field was taken", key);
        if (json_is_null(v))
            continue;
        const char *at = (const char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            s_check(json_is_array(v), "a repeated field from no array", key);
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            s_check(n == json_array_size(v), "a repeated field lost or gained elements", key);
            for (size_t i = 0; i < n; i++) {
                if (f->type == PROTOBUF_C_TYPE_STRING)
                    s_same_text((*(char **const *)at)[i], json_array_get(v, i), key);
                else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
                    s_strings_as_sent((*(ProtobufCMessage **const *)at)[i], json_array_get(v, i));
            }
        } else if (f->type == PROTOBUF_C_TYPE_STRING) {
            s_same_text(*(char *const *)at, v, key);
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *)at;
            s_check(sub != NULL, "a sub-message sent was not kept", key);
            s_strings_as_sent(sub, v);
        }
    }
}

/* Does any string in j (values, at any depth) hold a NUL? */
static int s_has_nul(const json_t *j)
{
    if (json_is_string(j))
        return memchr(json_string_value(j), 0, json_string_length(j)) != NULL;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            if (s_has_nul(json_array_get(j, i)))
                return 1;
        return 0;
    }
    if (json_is_object(j)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)j, key, v)
        {
            if (s_has_nul(v))
                return 1;
        }
    }
    return 0;
}

static void s_round_trip(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    cd_fail_t err;
    ProtobufCMessage *first = cd_pbjson_parse(desc, (const char *)data, size, &err);
    if (!first) {
        /* A failure must always say what failed, and a refused text where. */
        s_check(err.code != CD_CODE_OK && err.message[0] != '\0', "failure without an error", NULL);
        if (err.code == CD_CODE_INVALID_TEXT)
            s_check(err.field[0] != '\0', "INVALID_TEXT without a field", err.message);
        return;
    }
    json_t *sent = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                              NULL);
    s_check(sent != NULL && json_is_object(sent), "taken, but not a JSON object", NULL);
    s_check(!s_has_nul(sent), "a string with a NUL was taken", NULL);
    s_strings_as_sent(first, sent);
    json_decref(sent);
    s_check(protobuf_c_message_check(first), "parsed message fails protobuf_c_message_check", NULL);
    char *text = cd_pbjson_dumps(first, 0);
    s_check(text != NULL, "dumps failed", NULL);
    ProtobufCMessage *second = cd_pbjson_parse(desc, text, strlen(text), &err);
    s_check(second != NULL, "own output does not parse back", text);

    size_t l1, l2;
    uint8_t *p1 = s_pack(first, &l1);
    uint8_t *p2 = s_pack(second, &l2);
    s_check(l1 == l2 && memcmp(p1, p2, l1) == 0, "round trip changed the message", text);
    char *again = cd_pbjson_dumps(second, 0);
    s_check(again != NULL && strcmp(text, again) == 0, "round trip changed the JSON", text);

    /* The wire form must unpack to the same message as well. */
    ProtobufCMessage *third = protobuf_c_message_unpack(desc, NULL, l1, p1);
    s_check(third != NULL, "packed form does not unpack", text);
    char *from_wire = cd_pbjson_dumps(third, 0);
    s_check(from_wire != NULL && strcmp(text, from_wire) == 0, "wire round trip changed JSON",
            text);

    free(from_wire);
    protobuf_c_message_free_unpacked(third, NULL);
    free(again);
    free(p1);
    free(p2);
    free(text);
    protobuf_c_message_free_unpacked(second, NULL);
    protobuf_c_message_free_unpacked(first, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_round_trip(&candour__v1__request__descriptor, data, size);
    s_round_trip(&candour__v1__envelope__descriptor, data, size);
    s_round_trip(&candour__v1__reply__descriptor, data, size);
    return 0;
}
