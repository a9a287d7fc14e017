/* pbjson.h - protobuf-c messages to and from JSON, generically.
 *
 * One converter for every message: it walks the message's
 * ProtobufCMessageDescriptor, so a new message or field needs no new code.
 * Mapping (as proto3's canonical JSON mapping, where protobuf-c allows):
 * field names as in the .proto (snake_case; lowerCamelCase also accepted on
 * input), enums as their names (numbers accepted on input), 64-bit integers as
 * JSON numbers on output and numbers or decimal strings on input, bytes as
 * standard base64 (padded), repeated fields as arrays, nested messages as
 * objects, oneofs as the one member set. Fields at their default value are
 * left out of the output; fields with explicit presence (proto2 optional with a
 * has_ flag, oneof members, sub-messages) are written whenever they are set.
 *
 * Where JSON or jansson cannot hold a value:
 * - uint64/fixed64 above INT64_MAX are written as decimal strings (jansson's
 *   integers are signed 64-bit); on input such values must be strings too.
 * - float/double NaN and infinities are the strings "NaN", "Infinity",
 *   "-Infinity", both ways.
 * - a string field that is not valid UTF-8 (protobuf-c does not check on
 *   unpack) is written with each bad byte replaced by U+FFFD.
 * Input is strict: integers must be JSON integers or decimal strings (not
 * 1.0), enum numbers must be declared values, null means "not set", and no
 * string value may hold U+0000 (INVALID_TEXT with the field's path: a
 * protobuf-c string ends at a NUL, so it would be stored cut short). The
 * json_name option is not honoured (protobuf-c does not record it); the
 * lowerCamelCase accepted is the one protoc would derive from the name. */
#ifndef CANDOUR_PBJSON_H
#define CANDOUR_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "candour/errcode.h"

/* A conversion error is a cd_fail_t (errcode.h) with one of these codes:
 * CD_CODE_INVALID_JSON    text is not JSON (incl. bad UTF-8, duplicate keys)
 * CD_CODE_UNKNOWN_FIELD   key names no field of the message
 * CD_CODE_WRONG_TYPE      e.g. a string where a number belongs
 * CD_CODE_OUT_OF_RANGE    number does not fit the field's type
 * CD_CODE_BAD_ENUM        name or number not in the enum
 * CD_CODE_BAD_BASE64      bytes field not valid padded base64
 * CD_CODE_DUPLICATE_FIELD same field twice ("org_id", "orgId")
 * CD_CODE_ONEOF_CONFLICT  two members of one oneof set
 * CD_CODE_MISSING_FIELD   proto2 required field absent
 * CD_CODE_TOO_DEEP        messages nested over the limit
 * CD_CODE_INVALID_TEXT    a string value holds \u0000 (NUL)
 * CD_CODE_NO_MEMORY       allocation failed
 * Its field is the path of the field ("complaint.complainant.name",
 * "complaint.services[2]"; "" for the whole message), and a plain-English
 * message. Paths use the .proto field names whichever spelling the input
 * used; an unknown field's path ends with the key as given. Long paths are
 * cut at CD_FAIL_FIELD_LEN - 1 bytes. On success the error is zeroed
 * (CD_CODE_OK). */

/* Sub-messages nested deeper than this (the top message is depth 1) are
 * refused with TOO_DEEP, so hostile input cannot exhaust the stack. */
#define CD_PBJSON_MAX_DEPTH 32

/* Message -> JSON object (new reference), NULL on OOM. */
json_t *cd_pbjson_from_message(const ProtobufCMessage *msg);

/* JSON object -> new message of type desc (free with
 * protobuf_c_message_free_unpacked(msg, NULL)). Every string, bytes buffer,
 * repeated array and sub-message is malloc'd separately, as protobuf-c's own
 * unpacker does. Unknown fields are an error (UNKNOWN_FIELD) so a typo is
 * never silently dropped. Returns NULL and fills err (if not NULL) on failure;
 * the first error found, in document order, is the one reported. */
ProtobufCMessage *cd_pbjson_to_message(const ProtobufCMessageDescriptor *desc, const json_t *json,
                                       cd_fail_t *err);

/* Convenience: parse JSON text then convert. Duplicate keys and invalid
 * UTF-8 are INVALID_JSON; a \u0000 in a string value is INVALID_TEXT naming
 * the field (in a key, INVALID_JSON: jansson takes no NUL there). No size
 * limit: bound len at the edge. When jansson itself runs out of memory it
 * sometimes says so only as a syntax error, so the code is then NO_MEMORY or
 * INVALID_JSON. */
ProtobufCMessage *cd_pbjson_parse(const ProtobufCMessageDescriptor *desc, const char *text,
                                  size_t len, cd_fail_t *err);

/* Convenience: message to JSON text (malloc'd; free with free()), NULL on OOM.
 * indent 0 gives compact text; 1..31 pretty-prints with that many spaces. */
char *cd_pbjson_dumps(const ProtobufCMessage *msg, int indent);

#endif
