/* test_db_hosts.c - a multi-host connection string's hosts in another order
 * (db_hosts.c): the rule that lets a connection get past a silent host. */
#include <criterion/criterion.h>

#include "candour/db.h"

#define URL2                                                                                       \
    "postgresql://candour@10.0.0.1:5432,10.0.0.2:5433/candour?target_session_attrs=read-write"

Test(db_hosts, rotating_by_one_puts_the_second_host_and_its_port_first)
{
    cd_db_hosts_t h;
    cr_assert_eq(cd_db_hosts_rotate(URL2, 1, &h), 2);
    cr_assert_str_eq(h.host, "10.0.0.2,10.0.0.1");
    cr_assert_str_eq(h.port, "5433,5432");
    cr_assert_str_eq(h.hostaddr, "");
}

Test(db_hosts, rotating_by_the_number_of_hosts_is_the_original_order)
{
    cd_db_hosts_t h;
    cr_assert_eq(cd_db_hosts_rotate("host=a,b,c port=1,2,3", 3, &h), 3);
    cr_assert_str_eq(h.host, "a,b,c");
    cr_assert_str_eq(h.port, "1,2,3");
    cr_assert_eq(cd_db_hosts_rotate("host=a,b,c port=1,2,3", 5, &h), 3);
    cr_assert_str_eq(h.host, "c,a,b");
    cr_assert_str_eq(h.port, "3,1,2");
}

Test(db_hosts, one_port_for_every_host_is_left_as_it_is)
{
    cd_db_hosts_t h;
    cr_assert_eq(cd_db_hosts_rotate("host=db1,db2,db3 port=6432 dbname=x", 1, &h), 3);
    cr_assert_str_eq(h.host, "db2,db3,db1");
    cr_assert_str_eq(h.port, "", "a single port applies to all: no override");
    /* In a URL each host has its own port, empty for the default. */
    cr_assert_eq(cd_db_hosts_rotate("postgresql://u@db1,db2,db3:6432/x", 1, &h), 3);
    cr_assert_str_eq(h.host, "db2,db3,db1");
    cr_assert_str_eq(h.port, ",6432,");
}

Test(db_hosts, a_single_host_or_none_has_nothing_to_rotate)
{
    cd_db_hosts_t h;
    cr_assert_eq(cd_db_hosts_rotate("postgresql://u@db1:5432/x", 1, &h), 1);
    cr_assert_str_eq(h.host, "");
    cr_assert_eq(cd_db_hosts_rotate("dbname=x", 1, &h), 0);
    cr_assert_eq(cd_db_hosts_rotate("this is not a connection string", 1, &h), 0);
}

Test(db_hosts, lists_of_different_lengths_are_refused)
{
    cd_db_hosts_t h;
    cr_assert_eq(cd_db_hosts_rotate("host=a,b hostaddr=1.1.1.1,2.2.2.2,3.3.3.3", 1, &h), -1);
    cr_assert_str_eq(h.host, "");
}

Test(db_hosts, the_index_of_a_host_is_found_by_host_and_port)
{
    const char *url = "postgresql://c@127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003/x";
    cr_assert_eq(cd_db_hosts_index(url, "127.0.0.1", "7002"), 1);
    cr_assert_eq(cd_db_hosts_index(url, "127.0.0.1", "7003"), 2);
    cr_assert_eq(cd_db_hosts_index(url, "127.0.0.1", "7009"), -1);
    cr_assert_eq(cd_db_hosts_index(url, "10.0.0.1", "7001"), -1);
    cr_assert_eq(cd_db_hosts_index("postgresql://c@db1,db2:5432/x", "db2", "5432"), 1);
    cr_assert_eq(cd_db_hosts_index(url, NULL, NULL), -1);
}
