/* test_retention_scrub.c - a disposed-of complaint's events keep what the
 * reports count (codes, dates, ids, how many) and lose the person's details
 * and everyone's words (services/candourctl/retention_scrub.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "candour/v1/events.pb-c.h"

#include "../../services/candourctl/retention_scrub.c"

/* ComplaintReceived as a producer would send it, packed and decoded again
 * so that its strings are the decoder's, as retention finds them. */
static Candour__V1__ComplaintReceived *s_received(void)
{
    static char *addr[] = {"3 Mill Lane", "Otley"};
    Candour__V1__Person p = CANDOUR__V1__PERSON__INIT;
    p.name = "Rosa Fenwick";
    p.address_as = "Ms Fenwick";
    p.address = addr;
    p.n_address = 2;
    p.postcode = "LS21 1AA";
    p.email = "rosa@example.org";
    Candour__V1__Complaint comp = CANDOUR__V1__COMPLAINT__INIT;
    comp.external_ref = "EXT-9";
    comp.complainant = &p;
    comp.description = "My father's discharge was not arranged.";
    comp.event_date = "2014-05-02";
    comp.channel = CANDOUR__V1__CHANNEL__CHANNEL_EMAIL;
    Candour__V1__ComplaintReceived cr = CANDOUR__V1__COMPLAINT_RECEIVED__INIT;
    cr.org_id = "ICB-W";
    cr.complaint = &comp;
    uint8_t buf[2048];
    size_t n = candour__v1__complaint_received__pack(&cr, buf);
    return candour__v1__complaint_received__unpack(NULL, n, buf);
}

Test(retention_scrub, the_persons_details_and_words_are_blanked_the_codes_kept)
{
    Candour__V1__ComplaintReceived *cr = s_received();
    cr_assert(cr);
    cr_assert_eq(ret_scrub_message(&cr->base), 7,
                 "name, address_as, 2 lines, postcode, email,"
                 " description");
    const Candour__V1__Complaint *c = cr->complaint;
    cr_assert_str_empty(c->complainant->name);
    cr_assert_str_empty(c->complainant->address_as);
    cr_assert_eq(c->complainant->n_address, 2, "how many lines stays");
    cr_assert_str_empty(c->complainant->address[0]);
    cr_assert_str_empty(c->complainant->postcode);
    cr_assert_str_empty(c->complainant->email);
    cr_assert_str_empty(c->description);
    cr_assert_str_eq(cr->org_id, "ICB-W");
    cr_assert_str_eq(c->external_ref, "EXT-9");
    cr_assert_str_eq(c->event_date, "2014-05-02");
    cr_assert_eq(c->channel, CANDOUR__V1__CHANNEL__CHANNEL_EMAIL);
    cr_assert_eq(ret_scrub_message(&cr->base), 0, "twice: nothing left to blank");
    candour__v1__complaint_received__free_unpacked(cr, NULL);
}

Test(retention_scrub, free_text_fields_are_named_codes_are_not)
{
    cr_assert(ret_scrub_field("description"));
    cr_assert(ret_scrub_field("findings"));
    cr_assert(ret_scrub_field("name"));
    cr_assert(!ret_scrub_field("org_id"));
    cr_assert(!ret_scrub_field("verdict"));
    cr_assert(!ret_scrub_field("issue_id"));
    cr_assert(!ret_scrub_field("complaint_ref"));
}
