/* pbjson.c - protobuf-c messages to and from JSON by walking descriptors.
 *
 * Every Candour endpoint that speaks JSON (the HTTP face of intake, admin
 * tools, logs) goes through here, so there is no per-message code to forget
 * when a field is added. The output side reads a message through its
 * descriptor's offsets; the input side builds a message exactly as
 * protobuf-c's unpacker would (each string, bytes buffer, repeated array and
 * sub-message its own malloc), so protobuf_c_message_free_unpacked(msg, NULL)
 * is the one way to free either kind, including a half-built message on error.
 *
 * Storage rules of protobuf-c 1.4 that this file relies on:
 * - a repeated field is a size_t count at quantifier_offset and an array
 *   pointer at offset;
 * - a oneof member has PROTOBUF_C_FIELD_FLAG_ONEOF and its quantifier_offset
 *   is the shared case field (a 32-bit enum holding the member's number, 0 for
 *   none); members share storage, so only the one named by the case is live;
 * - a proto2 optional scalar/bytes has a protobuf_c_boolean has_ flag at
 *   quantifier_offset; an optional string or message is present when its
 *   pointer is non-NULL and not the descriptor's default_value;
 * - a proto3 singular field (PROTOBUF_C_LABEL_NONE) is present when not zero;
 * - enums are stored as 32-bit ints, bools as protobuf_c_boolean. */
#include "candour/pbjson.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MEMBER(base, off) ((void *)((char *)(base) + (off)))
#define S_CMEMBER(base, off) ((const void *)((const char *)(base) + (off)))

/* =====================================================================
 * Base64 (RFC 4648 standard alphabet, padded)
 * ===================================================================== */

static const char s_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes len bytes into a new NUL-terminated string, NULL on OOM. */
static char *s_base64_encode(const uint8_t *data, size_t len)
{
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    size_t out_len = (len + 2) / 3 * 4;
    char *out = malloc(out_len + 1);
    if (!out)
        return NULL;
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *o++ = s_b64_alphabet[v >> 18 & 63];
        *o++ = s_b64_alphabet[v >> 12 & 63];
        *o++ = s_b64_alphabet[v >> 6 & 63];
        *o++ = s_b64_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)data[i] << 16;
        *o++ = s_b64_alphabet[v >> 18 & 63];
        *o++ = s_b64_alphabet[v >> 12 & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        *o++ = s_b64_alphabet[v >> 18 & 63];
        *o++ = s_b64_alphabet[v >> 12 & 63];
        *o++ = s_b64_alphabet[v >> 6 & 63];
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int s_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes text[0..len) into *out (malloc'd, NULL when empty) and *out_len.
 * Returns 0, -1 when the text is not canonical padded base64, -2 on OOM.
 * Non-zero bits after the last byte are refused too: no encoder makes them,
 * and accepting them would let two texts mean the same bytes. */
static int s_base64_decode(const char *text, size_t len, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (len % 4 != 0)
        return -1;
    if (len == 0)
        return 0;
    size_t pad = 0;
    if (text[len - 1] == '=')
        pad = text[len - 2] == '=' ? 2 : 1;
    size_t n = len / 4 * 3 - pad;
    uint8_t *buf = n ? malloc(n) : NULL;
    if (n && !buf)
        return -2;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int last = i + 4 == len;
        int v[4];
        for (int k = 0; k < 4; k++) {
            if (last && k >= 4 - (int)pad) {
                v[k] = 0;
                continue;
            }
            v[k] = s_b64_value((unsigned char)text[i + k]);
            if (v[k] < 0) {
                free(buf);
                return -1;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | v[3];
        if (last && ((pad == 2 && (w & 0xFFFF)) || (pad == 1 && (w & 0xFF)))) {
            free(buf);
            return -1;
        }
        buf[o++] = (uint8_t)(w >> 16);
        if (o < n)
            buf[o++] = (uint8_t)(w >> 8);
        if (o < n)
            buf[o++] = (uint8_t)w;
    }
    assert(o == n);
    *out = buf;
    *out_len = n;
    return 0;
}

/* =====================================================================
 * Message -> JSON
 * ===================================================================== */

static json_t *s_message_to_json(const ProtobufCMessage *msg);

/* Length of the valid UTF-8 sequence at p (at most avail bytes), 0 if invalid.
 * Same rules as jansson: no overlongs, no surrogates, nothing past U+10FFFF. */
static size_t s_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
        return 0;
    if (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))
        return 0;
    return n;
}

/* A JSON string for s. protobuf-c does not check UTF-8 on unpack, so a peer
 * can hand us bad bytes; rather than fail the whole conversion (which the
 * caller could not tell from OOM), each bad byte becomes U+FFFD. */
static json_t *s_string_to_json(const char *s)
{
    if (!s)
        s = "";
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t len = strlen(s);
    char *fixed = malloc(3 * len + 1);
    if (!fixed)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = s_utf8_seq(p + i, len - i);
        if (n) {
            memcpy(fixed + o, p + i, n);
            o += n;
            i += n;
        } else {
            memcpy(fixed + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    j = json_stringn(fixed, o);
    free(fixed);
    return j;
}

/* JSON has no NaN or infinity; proto3's mapping spells them as strings. */
static json_t *s_real_to_json(double v)
{
    if (isnan(v))
        return json_string("NaN");
    if (isinf(v))
        return json_string(v > 0 ? "Infinity" : "-Infinity");
    return json_real(v);
}

/* One value (a singular field, or one element of a repeated one) at p. */
static json_t *s_value_to_json(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *)p;
        if (v <= INT64_MAX)
            return json_integer((json_int_t)v);
        /* jansson's integers are signed: the top half only fits as text. */
        char buf[24];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
        return json_string(buf);
    }
    case PROTOBUF_C_TYPE_FLOAT:
        return s_real_to_json(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return s_real_to_json(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        int32_t v = *(const int32_t *)p;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
        /* proto3 enums are open: a number we have no name for is kept. */
        return ev ? json_string(ev->name) : json_integer(v);
    }
    case PROTOBUF_C_TYPE_STRING:
        return s_string_to_json(*(char *const *)p);
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = p;
        char *text = s_base64_encode(bd->data, bd->data ? bd->len : 0);
        if (!text)
            return NULL;
        json_t *j = json_string(text);
        free(text);
        return j;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? s_message_to_json(sub) : json_object();
    }
    }
    assert(0 && "unknown protobuf-c field type");
    return NULL;
}

/* A proto3 singular field with no presence is "set" when it is not zero. */
static int s_is_zero(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return *(const uint32_t *)p == 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return *(const uint64_t *)p == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0; /* -0.0 too, as protobuf-c's packer */
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *)p;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)p == NULL;
    }
    return 1;
}

/* Whether field f of msg is to be written. */
static int s_is_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const void *p = S_CMEMBER(msg, f->offset);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)S_CMEMBER(msg, f->quantifier_offset) == f->id;
    switch (f->label) {
    case PROTOBUF_C_LABEL_REPEATED:
        return *(const size_t *)S_CMEMBER(msg, f->quantifier_offset) > 0;
    case PROTOBUF_C_LABEL_REQUIRED:
        if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
            return *(void *const *)p != NULL;
        return 1;
    case PROTOBUF_C_LABEL_OPTIONAL:
        if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const void *ptr = *(void *const *)p;
            return ptr != NULL && ptr != f->default_value;
        }
        return *(const protobuf_c_boolean *)S_CMEMBER(msg, f->quantifier_offset);
    case PROTOBUF_C_LABEL_NONE:
        return !s_is_zero(f, p);
    }
    return 0;
}

static size_t s_elem_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    assert(0 && "unknown protobuf-c field type");
    return 0;
}

static json_t *s_message_to_json(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert(desc && desc->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (!s_is_present(msg, f))
            continue;
        json_t *val;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)S_CMEMBER(msg, f->quantifier_offset);
            const char *arr = *(char *const *)S_CMEMBER(msg, f->offset);
            size_t size = s_elem_size(f->type);
            val = json_array();
            for (size_t k = 0; val && k < n; k++) {
                if (json_array_append_new(val, s_value_to_json(f, arr + k * size)) < 0) {
                    json_decref(val);
                    val = NULL;
                }
            }
        } else {
            val = s_value_to_json(f, S_CMEMBER(msg, f->offset));
        }
        /* set_new takes (and on failure frees) val; NULL val fails too. */
        if (json_object_set_new(obj, f->name, val) < 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

json_t *cd_pbjson_from_message(const ProtobufCMessage *msg)
{
    assert(msg);
    return s_message_to_json(msg);
}

char *cd_pbjson_dumps(const ProtobufCMessage *msg, int indent)
{
    assert(msg);
    assert(indent >= 0 && indent <= JSON_MAX_INDENT);
    json_t *j = cd_pbjson_from_message(msg);
    if (!j)
        return NULL;
    char *text = json_dumps(j, indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT);
    json_decref(j);
    return text;
}

/* =====================================================================
 * JSON -> message
 * ===================================================================== */

/* State of one conversion: where we are (for error paths) and the error. */
typedef struct {
    cd_fail_t *err;               /* caller's, or a local one */
    char path[CD_FAIL_FIELD_LEN]; /* field path so far */
    size_t len;                   /* strlen(path), always < sizeof path */
} s_walk_t;

/* Appends ".name" (or "name" at the top) to the path; returns the old length
 * for s_pop. Over-long paths are cut, never overrun. */
static size_t s_push_name(s_walk_t *w, const char *name)
{
    size_t old = w->len;
    int n = snprintf(w->path + w->len, sizeof w->path - w->len, "%s%s", w->len ? "." : "", name);
    if (n > 0)
        w->len += (size_t)n < sizeof w->path - w->len ? (size_t)n : sizeof w->path - 1 - w->len;
    return old;
}

static size_t s_push_index(s_walk_t *w, size_t i)
{
    size_t old = w->len;
    int n = snprintf(w->path + w->len, sizeof w->path - w->len, "[%zu]", i);
    if (n > 0)
        w->len += (size_t)n < sizeof w->path - w->len ? (size_t)n : sizeof w->path - 1 - w->len;
    return old;
}

static void s_pop(s_walk_t *w, size_t old)
{
    w->len = old;
    w->path[old] = '\0';
}

/* Records the error at the current path; returns -1 for `return s_fail(...)`. */
__attribute__((format(printf, 3, 4))) static int s_fail(s_walk_t *w, cd_code_t code,
                                                        const char *fmt, ...)
{
    cd_fail_t *err = w->err;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", w->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *s_json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a fractional number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something else";
}

/* Whether key is the lowerCamelCase form of the .proto name, derived as
 * protoc derives json_name: drop each '_' and upper-case the next letter. */
static int s_json_name_eq(const char *name, const char *key)
{
    int upper = 0;
    for (; *name; name++) {
        if (*name == '_') {
            upper = 1;
            continue;
        }
        char c = *name;
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        upper = 0;
        if (*key++ != c)
            return 0;
    }
    return *key == '\0';
}

static const ProtobufCFieldDescriptor *s_find_field(const ProtobufCMessageDescriptor *desc,
                                                    const char *key)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(desc, key);
    if (f)
        return f;
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (s_json_name_eq(desc->fields[i].name, key))
            return &desc->fields[i];
    return NULL;
}

/* Parses a strict decimal ("-"? digits) into sign and magnitude.
 * Returns 0, -1 if not decimal, -2 if the magnitude overflows 64 bits. */
static int s_parse_decimal(const char *s, size_t len, int *neg, uint64_t *mag)
{
    size_t i = 0;
    *neg = 0;
    *mag = 0;
    if (i < len && s[i] == '-') {
        *neg = 1;
        i++;
    }
    if (i == len)
        return -1;
    int overflow = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (*mag > (UINT64_MAX - d) / 10)
            overflow = 1;
        else
            *mag = *mag * 10 + d;
    }
    return overflow ? -2 : 0;
}

/* A signed integer in [min, max] from a JSON integer or decimal string. */
static int s_get_int(s_walk_t *w, const json_t *j, int64_t min, int64_t max, int64_t *out)
{
    int64_t v;
    if (json_is_integer(j)) {
        v = json_integer_value(j);
    } else if (json_is_string(j)) {
        int neg;
        uint64_t mag;
        int rc = s_parse_decimal(json_string_value(j), json_string_length(j), &neg, &mag);
        if (rc == -1)
            return s_fail(w, CD_CODE_WRONG_TYPE, "expected an integer, got \"%.64s\"",
                          json_string_value(j));
        if (rc == -2 || mag > (uint64_t)INT64_MAX + neg)
            return s_fail(w, CD_CODE_OUT_OF_RANGE, "%.64s is out of range [%lld, %lld]",
                          json_string_value(j), (long long)min, (long long)max);
        /* -(mag - 1) - 1 reaches INT64_MIN without overflowing. */
        v = neg ? (mag ? -(int64_t)(mag - 1) - 1 : 0) : (int64_t)mag;
    } else {
        return s_fail(w, CD_CODE_WRONG_TYPE, "expected an integer, got %s", s_json_kind(j));
    }
    if (v < min || v > max)
        return s_fail(w, CD_CODE_OUT_OF_RANGE, "%lld is out of range [%lld, %lld]", (long long)v,
                      (long long)min, (long long)max);
    *out = v;
    return 0;
}

/* An unsigned integer in [0, max] from a JSON integer or decimal string. */
static int s_get_uint(s_walk_t *w, const json_t *j, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (json_is_integer(j)) {
        json_int_t i = json_integer_value(j);
        if (i < 0)
            return s_fail(w, CD_CODE_OUT_OF_RANGE, "%lld is out of range [0, %llu]", (long long)i,
                          (unsigned long long)max);
        v = (uint64_t)i;
    } else if (json_is_string(j)) {
        int neg;
        int rc = s_parse_decimal(json_string_value(j), json_string_length(j), &neg, &v);
        if (rc == -1)
            return s_fail(w, CD_CODE_WRONG_TYPE, "expected an integer, got \"%.64s\"",
                          json_string_value(j));
        if (rc == -2 || (neg && v != 0))
            return s_fail(w, CD_CODE_OUT_OF_RANGE, "%.64s is out of range [0, %llu]",
                          json_string_value(j), (unsigned long long)max);
    } else {
        return s_fail(w, CD_CODE_WRONG_TYPE, "expected an integer, got %s", s_json_kind(j));
    }
    if (v > max)
        return s_fail(w, CD_CODE_OUT_OF_RANGE, "%llu is out of range [0, %llu]",
                      (unsigned long long)v, (unsigned long long)max);
    *out = v;
    return 0;
}

static int s_get_real(s_walk_t *w, const json_t *j, double *out)
{
    if (json_is_number(j)) {
        *out = json_number_value(j);
        return 0;
    }
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (strcmp(s, "NaN") == 0) {
            *out = NAN;
            return 0;
        }
        if (strcmp(s, "Infinity") == 0) {
            *out = INFINITY;
            return 0;
        }
        if (strcmp(s, "-Infinity") == 0) {
            *out = -INFINITY;
            return 0;
        }
        return s_fail(w, CD_CODE_WRONG_TYPE, "expected a number, got \"%.64s\"", s);
    }
    return s_fail(w, CD_CODE_WRONG_TYPE, "expected a number, got %s", s_json_kind(j));
}

/* Parses one non-message value j for field f into p (a singular field's
 * storage or one array slot). Writes p only on success, so a failure leaves
 * nothing half-owned. */
static int s_parse_value(s_walk_t *w, const ProtobufCFieldDescriptor *f, const json_t *j, void *p)
{
    int64_t i;
    uint64_t u;
    double d;
    /* Every string below is read as a C string somewhere (a protobuf-c
     * string, an enum name, "NaN"): a NUL would silently cut it, so no
     * string value may hold one, whatever the field's type. */
    if (json_is_string(j) && memchr(json_string_value(j), '\0', json_string_length(j)))
        return s_fail(w, CD_CODE_INVALID_TEXT,
                      "a text may not hold a NUL character (U+0000, \\u0000)");
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (s_get_int(w, j, INT32_MIN, INT32_MAX, &i) < 0)
            return -1;
        *(int32_t *)p = (int32_t)i;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (s_get_int(w, j, INT64_MIN, INT64_MAX, &i) < 0)
            return -1;
        *(int64_t *)p = i;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (s_get_uint(w, j, UINT32_MAX, &u) < 0)
            return -1;
        *(uint32_t *)p = (uint32_t)u;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (s_get_uint(w, j, UINT64_MAX, &u) < 0)
            return -1;
        *(uint64_t *)p = u;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
        if (s_get_real(w, j, &d) < 0)
            return -1;
        if (isfinite(d) && fabs(d) > FLT_MAX)
            return s_fail(w, CD_CODE_OUT_OF_RANGE, "%g does not fit a float", d);
        *(float *)p = (float)d;
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (s_get_real(w, j, &d) < 0)
            return -1;
        *(double *)p = d;
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(j))
            return s_fail(w, CD_CODE_WRONG_TYPE, "expected true or false, got %s", s_json_kind(j));
        *(protobuf_c_boolean *)p = json_is_true(j);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev;
        if (json_is_string(j)) {
            ev = protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(j));
            if (!ev)
                return s_fail(w, CD_CODE_BAD_ENUM, "\"%.64s\" is not a value of %s",
                              json_string_value(j), ed->name);
        } else if (json_is_integer(j)) {
            json_int_t v = json_integer_value(j);
            ev = v >= INT32_MIN && v <= INT32_MAX ? protobuf_c_enum_descriptor_get_value(ed, (int)v)
                                                  : NULL;
            /* Refused, not kept: an undeclared number in a request is a
             * client bug we want reported, not stored. */
            if (!ev)
                return s_fail(w, CD_CODE_BAD_ENUM, "%lld is not a value of %s", (long long)v,
                              ed->name);
        } else {
            return s_fail(w, CD_CODE_WRONG_TYPE, "expected a name of %s, got %s", ed->name,
                          s_json_kind(j));
        }
        *(int32_t *)p = ev->value;
        return 0;
    }
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(j))
            return s_fail(w, CD_CODE_WRONG_TYPE, "expected a string, got %s", s_json_kind(j));
        size_t len = json_string_length(j);
        const char *s = json_string_value(j);
        char *copy = malloc(len + 1);
        if (!copy)
            return s_fail(w, CD_CODE_NO_MEMORY, "out of memory");
        memcpy(copy, s, len + 1);
        *(char **)p = copy;
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(j))
            return s_fail(w, CD_CODE_WRONG_TYPE, "expected a base64 string, got %s",
                          s_json_kind(j));
        uint8_t *data;
        size_t len;
        int rc = s_base64_decode(json_string_value(j), json_string_length(j), &data, &len);
        if (rc == -2)
            return s_fail(w, CD_CODE_NO_MEMORY, "out of memory");
        if (rc < 0)
            return s_fail(w, CD_CODE_BAD_BASE64, "not valid padded base64");
        ProtobufCBinaryData *bd = p;
        bd->data = data;
        bd->len = len;
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        break;
    }
    assert(0 && "s_parse_value called for a message or unknown type");
    return -1;
}

static int s_object_to_message(s_walk_t *w, const json_t *obj, ProtobufCMessage *msg, int depth);

/* A new, initialised sub-message of f's type, stored at *slot before it is
 * filled so that freeing the parent frees it whatever happens next. */
static int s_parse_submessage(s_walk_t *w, const ProtobufCFieldDescriptor *f, const json_t *j,
                              ProtobufCMessage **slot, int depth)
{
    const ProtobufCMessageDescriptor *sd = f->descriptor;
    if (!json_is_object(j))
        return s_fail(w, CD_CODE_WRONG_TYPE, "expected an object (%s), got %s", sd->name,
                      s_json_kind(j));
    if (depth + 1 > CD_PBJSON_MAX_DEPTH)
        return s_fail(w, CD_CODE_TOO_DEEP, "messages nested more than %d deep",
                      CD_PBJSON_MAX_DEPTH);
    ProtobufCMessage *sub = malloc(sd->sizeof_message);
    if (!sub)
        return s_fail(w, CD_CODE_NO_MEMORY, "out of memory");
    protobuf_c_message_init(sd, sub);
    *slot = sub;
    return s_object_to_message(w, j, sub, depth + 1);
}

static int s_parse_repeated(s_walk_t *w, const ProtobufCFieldDescriptor *f, const json_t *j,
                            ProtobufCMessage *msg, int depth)
{
    if (!json_is_array(j))
        return s_fail(w, CD_CODE_WRONG_TYPE, "expected an array, got %s", s_json_kind(j));
    size_t n = json_array_size(j);
    if (n == 0)
        return 0;
    size_t size = s_elem_size(f->type);
    char *arr = calloc(n, size);
    if (!arr)
        return s_fail(w, CD_CODE_NO_MEMORY, "out of memory");
    /* The count grows only as elements are complete, so freeing the message
     * after a failure frees exactly what was built. */
    size_t *count = S_MEMBER(msg, f->quantifier_offset);
    *(void **)S_MEMBER(msg, f->offset) = arr;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *el = json_array_get(j, i);
        size_t old = s_push_index(w, i);
        int rc;
        if (json_is_null(el)) {
            rc = s_fail(w, CD_CODE_WRONG_TYPE, "null is not allowed in an array");
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            ProtobufCMessage **slot = (ProtobufCMessage **)(void *)(arr + i * size);
            rc = s_parse_submessage(w, f, el, slot, depth);
            if (*slot)
                (*count)++;
        } else {
            rc = s_parse_value(w, f, el, arr + i * size);
            if (rc == 0)
                (*count)++;
        }
        if (rc < 0)
            return -1;
        s_pop(w, old);
    }
    return 0;
}

/* Sets the presence marker that goes with writing field f. */
static void s_mark_set(const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg)
{
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)S_MEMBER(msg, f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
             f->type != PROTOBUF_C_TYPE_MESSAGE)
        *(protobuf_c_boolean *)S_MEMBER(msg, f->quantifier_offset) = 1;
}

static int s_parse_field(s_walk_t *w, const ProtobufCFieldDescriptor *f, const json_t *j,
                         ProtobufCMessage *msg, int depth)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return s_parse_repeated(w, f, j, msg, depth);
    void *p = S_MEMBER(msg, f->offset);
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        /* Mark first: a oneof member is only freed when its case is set. The
         * slot may hold bytes of another union member until then, so clear it. */
        *(ProtobufCMessage **)p = NULL;
        s_mark_set(f, msg);
        return s_parse_submessage(w, f, j, (ProtobufCMessage **)p, depth);
    }
    if (s_parse_value(w, f, j, p) < 0)
        return -1;
    s_mark_set(f, msg);
    return 0;
}

static int s_object_to_message(s_walk_t *w, const json_t *obj, ProtobufCMessage *msg, int depth)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert(json_is_object(obj));
    /* Which fields we have seen, so "org_id" and "orgId" together are caught. */
    unsigned char seen_small[64];
    unsigned char *seen = seen_small;
    if (desc->n_fields > sizeof seen_small) {
        seen = calloc(desc->n_fields, 1);
        if (!seen)
            return s_fail(w, CD_CODE_NO_MEMORY, "out of memory");
    } else {
        memset(seen_small, 0, sizeof seen_small);
    }
    int rc = 0;
    const char *key;
    size_t key_len;
    json_t *val;
    json_object_keylen_foreach((json_t *)obj, key, key_len, val)
    {
        const ProtobufCFieldDescriptor *f = strlen(key) == key_len ? s_find_field(desc, key) : NULL;
        size_t old = s_push_name(w, f ? f->name : key);
        if (!f) {
            rc = s_fail(w, CD_CODE_UNKNOWN_FIELD, "%s has no field \"%.64s\"", desc->name, key);
            break;
        }
        size_t idx = (size_t)(f - desc->fields);
        if (seen[idx]) {
            rc = s_fail(w, CD_CODE_DUPLICATE_FIELD, "field %s given more than once", f->name);
            break;
        }
        seen[idx] = 1;
        if (!json_is_null(val)) {
            if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                uint32_t set = *(const uint32_t *)S_CMEMBER(msg, f->quantifier_offset);
                if (set != 0) {
                    const ProtobufCFieldDescriptor *other =
                        protobuf_c_message_descriptor_get_field(desc, set);
                    rc = s_fail(w, CD_CODE_ONEOF_CONFLICT,
                                "only one of a oneof may be set; %s is set already",
                                other ? other->name : "another member");
                    break;
                }
            }
            rc = s_parse_field(w, f, val, msg, depth);
            if (rc < 0)
                break;
        }
        s_pop(w, old);
    }
    for (unsigned i = 0; rc == 0 && i < desc->n_fields; i++) {
        if (desc->fields[i].label == PROTOBUF_C_LABEL_REQUIRED && !seen[i]) {
            s_push_name(w, desc->fields[i].name);
            rc = s_fail(w, CD_CODE_MISSING_FIELD, "required field %s is missing",
                        desc->fields[i].name);
        }
    }
    if (seen != seen_small)
        free(seen);
    return rc;
}

ProtobufCMessage *cd_pbjson_to_message(const ProtobufCMessageDescriptor *desc, const json_t *json,
                                       cd_fail_t *err)
{
    assert(desc && desc->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    cd_fail_t local;
    s_walk_t w = {.err = err ? err : &local, .path = "", .len = 0};
    memset(w.err, 0, sizeof *w.err);
    if (!json || !json_is_object(json)) {
        s_fail(&w, CD_CODE_WRONG_TYPE, "expected an object (%s), got %s", desc->name,
               json ? s_json_kind(json) : "nothing");
        return NULL;
    }
    ProtobufCMessage *msg = malloc(desc->sizeof_message);
    if (!msg) {
        s_fail(&w, CD_CODE_NO_MEMORY, "out of memory");
        return NULL;
    }
    protobuf_c_message_init(desc, msg);
    if (s_object_to_message(&w, json, msg, 1) < 0) {
        protobuf_c_message_free_unpacked(msg, NULL);
        return NULL;
    }
    return msg;
}

ProtobufCMessage *cd_pbjson_parse(const ProtobufCMessageDescriptor *desc, const char *text,
                                  size_t len, cd_fail_t *err)
{
    assert(desc);
    assert(text || len == 0);
    json_error_t jerr;
    /* \u0000 is let through jansson so that the conversion refuses it as
     * INVALID_TEXT naming the field, rather than as a syntax error. */
    json_t *json =
        json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!json) {
        if (err) {
            memset(err, 0, sizeof *err);
            /* jansson reports its own allocation failure as a parse error,
             * or (when its lexer cannot even start) as an error with no text. */
            int oom = json_error_code(&jerr) == json_error_out_of_memory || jerr.text[0] == '\0';
            err->code = oom ? CD_CODE_NO_MEMORY : CD_CODE_INVALID_JSON;
            snprintf(err->message, sizeof err->message, "line %d column %d: %s", jerr.line,
                     jerr.column, jerr.text);
        }
        return NULL;
    }
    ProtobufCMessage *msg = cd_pbjson_to_message(desc, json, err);
    json_decref(json);
    return msg;
}
