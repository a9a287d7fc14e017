/* fuzz_pbjson.c - libFuzzer target for the JSON <-> protobuf converter.
 *
 * Feeds arbitrary bytes to cd_pbjson_parse as the messages Candour accepts
 * as JSON from outside (candour.v1.Request) and, for the types the
 * Request lacks (int64, uint32, bytes), candour.v1.Envelope and Reply. Any
 * input that parses must survive message -> JSON -> message unchanged: the
 * two messages must pack to the same bytes and print the same JSON. Crashes,
 * sanitizer reports, leaks and a broken round trip all abort.
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

static void s_round_trip(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    cd_pbjson_error_t err;
    ProtobufCMessage *first = cd_pbjson_parse(desc, (const char *)data, size, &err);
    if (!first) {
        /* A failure must always say what failed. */
        s_check(err.code[0] != '\0' && err.message[0] != '\0', "failure without an error", NULL);
        return;
    }
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
