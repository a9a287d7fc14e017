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

#endif
