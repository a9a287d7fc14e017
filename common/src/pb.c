/* pb.c - small protobuf-c helpers shared by the services.
 *
 * Besides pack and clone, a reader of the protobuf wire format itself
 * (varints, tags, length-delimited fields), used where protobuf-c's unpacked
 * message has already lost what must be checked: a NUL inside a string. */
#include "candour/pb.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"

uint8_t *cd_pb_pack(const ProtobufCMessage *msg, size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf)
        *len = protobuf_c_message_pack(msg, buf);
    return buf;
}

ProtobufCMessage *cd_pb_clone(const ProtobufCMessage *msg)
{
    size_t len = 0;
    uint8_t *buf = cd_pb_pack(msg, &len);
    if (!buf)
        return NULL;
    ProtobufCMessage *copy = protobuf_c_message_unpack(msg->descriptor, NULL, len, buf);
    free(buf);
    return copy;
}

/* ---------------------------------------------------------------- wire */

/* Wire types (protobuf encoding). Groups (3, 4) are refused: protobuf-c
 * cannot unpack them either. */
enum { S_WT_VARINT = 0, S_WT_FIXED64 = 1, S_WT_LEN = 2, S_WT_FIXED32 = 5 };

/* A varint at p[*pos], at most 10 bytes; -1 when truncated or too long. */
static int s_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (*pos >= len)
            return -1;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* One field of a message on the wire: its number, wire type, and for a
 * length-delimited field where its bytes are. */
typedef struct {
    uint32_t number;
    int wire_type;
    const uint8_t *data; /* S_WT_LEN only */
    size_t size;
} s_field_t;

/* Reads the field at p[*pos] and moves past it. 0, or -1 when malformed. */
static int s_next_field(const uint8_t *p, size_t len, size_t *pos, s_field_t *f)
{
    uint64_t tag, n;
    if (s_varint(p, len, pos, &tag) != 0 || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
        return -1;
    f->number = (uint32_t)(tag >> 3);
    f->wire_type = (int)(tag & 7);
    switch (f->wire_type) {
    case S_WT_VARINT:
        return s_varint(p, len, pos, &n);
    case S_WT_FIXED64:
    case S_WT_FIXED32: {
        size_t w = f->wire_type == S_WT_FIXED64 ? 8 : 4;
        if (len - *pos < w)
            return -1;
        *pos += w;
        return 0;
    }
    case S_WT_LEN:
        if (s_varint(p, len, pos, &n) != 0 || n > len - *pos)
            return -1;
        f->data = p + *pos;
        f->size = (size_t)n;
        *pos += (size_t)n;
        return 0;
    default:
        return -1;
    }
}

/* 0 when s[0..len) is well-formed UTF-8 without NUL (the rules of RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF); else what is
 * wrong with the first bad character. */
static int s_text_fault(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint8_t c = s[i];
        if (c == 0)
            return CD_PB_TEXT_NUL;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF)
            n = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4, cp = c & 0x07;
        else
            return CD_PB_TEXT_UTF8;
        if (len - i < n)
            return CD_PB_TEXT_UTF8;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return CD_PB_TEXT_UTF8;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return CD_PB_TEXT_UTF8;
        i += n;
    }
    return 0;
}

/* One step of the path to a bad string: the field, and its element's index
 * when the field is repeated. */
typedef struct {
    const ProtobufCFieldDescriptor *field;
    size_t index;
} s_step_t;

typedef struct {
    s_step_t steps[CD_PB_MAX_DEPTH];
    int nsteps;
} s_trail_t;

/* How many length-delimited occurrences of field `number` come before
 * p[end]: the index of the element at p[end] in its repeated field. Counted
 * only on the way out of a failure, so a clean walk pays nothing for it. */
static size_t s_index_at(const uint8_t *p, size_t end, uint32_t number)
{
    size_t pos = 0, n = 0;
    s_field_t f;
    while (pos < end && s_next_field(p, end, &pos, &f) == 0)
        if (f.number == number && f.wire_type == S_WT_LEN && pos <= end)
            n++;
    return n;
}

static int s_walk(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len, int depth,
                  s_trail_t *t)
{
    size_t pos = 0;
    while (pos < len) {
        size_t start = pos;
        s_field_t wf;
        if (s_next_field(p, len, &pos, &wf) != 0)
            return CD_EINVAL;
        if (wf.wire_type != S_WT_LEN)
            continue;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(desc, wf.number);
        if (!f)
            continue; /* unknown: kept as bytes by protobuf-c, never read as text */
        int rc = 0;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            rc = s_text_fault(wf.data, wf.size);
            if (rc)
                t->nsteps = depth;
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (depth >= CD_PB_MAX_DEPTH)
                return CD_EINVAL;
            rc = s_walk(f->descriptor, wf.data, wf.size, depth + 1, t);
        }
        if (rc < 0)
            return rc;
        if (rc > 0) {
            t->steps[depth - 1].field = f;
            t->steps[depth - 1].index =
                f->label == PROTOBUF_C_LABEL_REPEATED ? s_index_at(p, start, wf.number) : 0;
            return rc;
        }
    }
    return 0;
}

int cd_pb_check_text(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
                     char *path, size_t pathlen)
{
    assert(desc && desc->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    assert(data || len == 0);
    assert(path && pathlen > 0);
    path[0] = '\0';
    s_trail_t t = {.nsteps = 0};
    int rc = s_walk(desc, data, len, 1, &t);
    if (rc <= 0)
        return rc;
    size_t used = 0;
    for (int i = 0; i < t.nsteps && used < pathlen - 1; i++) {
        const s_step_t *s = &t.steps[i];
        int n = s->field->label == PROTOBUF_C_LABEL_REPEATED
                    ? snprintf(path + used, pathlen - used, "%s%s[%zu]", i ? "." : "",
                               s->field->name, s->index)
                    : snprintf(path + used, pathlen - used, "%s%s", i ? "." : "", s->field->name);
        if (n < 0)
            break;
        used += (size_t)n < pathlen - used ? (size_t)n : pathlen - 1 - used;
    }
    return rc;
}

int cd_pb_peek_string(const void *data, size_t len, uint32_t number, char *out, size_t outlen)
{
    assert(out && outlen > 0);
    const uint8_t *p = data;
    const uint8_t *found = NULL;
    size_t found_size = 0, pos = 0;
    out[0] = '\0';
    while (pos < len) {
        s_field_t f;
        if (s_next_field(p, len, &pos, &f) != 0)
            return -1;
        if (f.number == number && f.wire_type == S_WT_LEN) {
            found = f.data;
            found_size = f.size;
        }
    }
    if (!found || found_size >= outlen || s_text_fault(found, found_size))
        return -1;
    memcpy(out, found, found_size);
    out[found_size] = '\0';
    return 0;
}
