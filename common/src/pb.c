/* pb.c - small protobuf-c helpers shared by the services. */
#include "candour/pb.h"

#include <stdlib.h>

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
