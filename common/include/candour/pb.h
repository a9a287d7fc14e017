/* pb.h - small protobuf-c helpers shared by the services. */
#ifndef CANDOUR_PB_H
#define CANDOUR_PB_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* A deep, independent copy of msg (pack then unpack), to keep a request's
 * content past the handler that received it. Free with
 * protobuf_c_message_free_unpacked(copy, NULL). NULL on OOM. */
ProtobufCMessage *cd_pb_clone(const ProtobufCMessage *msg);

/* msg serialised into a malloc'd buffer; its size in *len. NULL on OOM. */
uint8_t *cd_pb_pack(const ProtobufCMessage *msg, size_t *len);

/* What cd_pb_check_text found in a string field. */
#define CD_PB_TEXT_NUL 1  /* a NUL byte (U+0000) */
#define CD_PB_TEXT_UTF8 2 /* bytes that are not well-formed UTF-8 */

/* Sub-messages nested deeper than this (the top message is depth 1) make
 * cd_pb_check_text answer CD_EINVAL, so hostile input cannot exhaust the stack. */
#define CD_PB_MAX_DEPTH 64

/* Checks every `string` field in the serialised message data[0..len) of type
 * desc, by walking the wire bytes themselves: sub-messages (singular,
 * repeated, oneof members) are walked too, unknown fields and `bytes` fields
 * are skipped.
 *
 * Why the wire and not the unpacked message: protobuf-c unpacks a string
 * into a NUL-terminated C string, so "text\0more" arrives as "text" and no
 * check on the unpacked message can see what was cut. Run this on the bytes
 * that were unpacked, before acting on the message.
 *
 * Returns 0 when every string is well-formed UTF-8 without NUL;
 * CD_PB_TEXT_NUL or CD_PB_TEXT_UTF8 for the first string (in wire order) that
 * is not, with its path in path[0..pathlen); CD_EINVAL when the bytes are not
 * a well-formed protobuf encoding (a truncated field, a group, field number
 * 0, nesting over CD_PB_MAX_DEPTH), path then "".
 *
 * The path names fields from the top message with their .proto names joined
 * by '.', and an element of a repeated field by its index, counted from 0 in
 * the order the elements came: "submit.complaint.complainant.address[1]".
 * Oneof members are named like any field (the oneof's own name never
 * appears). A path longer than pathlen is cut, still NUL-terminated.
 *
 * Only NUL and malformed UTF-8 are refused here: which other control
 * characters a field may hold (new lines in a description, none in a name)
 * is each validator's rule. */
int cd_pb_check_text(const ProtobufCMessageDescriptor *desc, const void *data, size_t len,
                     char *path, size_t pathlen);

/* The top-level string field `number` of the serialised message data[0..len)
 * (its last occurrence, as protobuf-c would keep), copied into out without
 * unpacking the rest: for answering a request too large to be unpacked with
 * its request_id. Returns 0 and fills out when the field is there and holds
 * UTF-8 without NUL that fits out (with its terminator); otherwise -1 and out
 * is "". Reads only the top level: cost is one skip per top-level field. */
int cd_pb_peek_string(const void *data, size_t len, uint32_t number, char *out, size_t outlen);

#endif
