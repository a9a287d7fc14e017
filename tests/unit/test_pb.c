/* test_pb.c - the protobuf helpers and error names. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "candour/error.h"
#include "candour/pb.h"
#include "candour/v1/api.pb-c.h"

Test(pb, a_clone_is_deep_and_survives_the_original)
{
    Candour__V1__SignResponse sr = CANDOUR__V1__SIGN_RESPONSE__INIT;
    char ref[] = "CDR-AAAA-BBBB", by[] = "Dr Who";
    sr.complaint_ref = ref;
    sr.signed_by = by;
    Candour__V1__SignResponse *copy = (Candour__V1__SignResponse *)cd_pb_clone(&sr.base);
    cr_assert(copy);
    ref[0] = 'X';
    by[0] = 'X';
    cr_assert_str_eq(copy->complaint_ref, "CDR-AAAA-BBBB");
    cr_assert_str_eq(copy->signed_by, "Dr Who");
    cr_assert_str_eq(copy->signatory_role, "");
    candour__v1__sign_response__free_unpacked(copy, NULL);
}

Test(pb, pack_gives_the_bytes_protobuf_c_would)
{
    Candour__V1__GetStatus g = CANDOUR__V1__GET_STATUS__INIT;
    g.complaint_ref = "CDR-AAAA-BBBB";
    size_t len = 0;
    uint8_t *buf = cd_pb_pack(&g.base, &len);
    cr_assert(buf);
    cr_assert_eq(len, candour__v1__get_status__get_packed_size(&g));
    Candour__V1__GetStatus *back = candour__v1__get_status__unpack(NULL, len, buf);
    cr_assert_str_eq(back->complaint_ref, "CDR-AAAA-BBBB");
    candour__v1__get_status__free_unpacked(back, NULL);
    free(buf);
}

Test(pb, an_empty_message_packs_to_zero_bytes_and_still_clones)
{
    Candour__V1__Done d = CANDOUR__V1__DONE__INIT;
    size_t len = 99;
    uint8_t *buf = cd_pb_pack(&d.base, &len);
    cr_assert(buf);
    cr_assert_eq(len, 0);
    free(buf);
    ProtobufCMessage *c = cd_pb_clone(&d.base);
    cr_assert(c);
    protobuf_c_message_free_unpacked(c, NULL);
}

Test(error, every_code_has_a_distinct_plain_name)
{
    int codes[] = {CD_OK, CD_ENOMEM, CD_EINVAL, CD_EIO, CD_ENOTFOUND, CD_EAGAIN, CD_ECLOSED,
                   CD_ETOOBIG, CD_EDB};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        cr_assert(cd_strerror(codes[i]) && *cd_strerror(codes[i]));
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(cd_strerror(codes[i]), cd_strerror(codes[j]));
    }
    cr_assert(cd_strerror(-999) && *cd_strerror(-999));
}
