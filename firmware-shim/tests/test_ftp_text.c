/* test_ftp_text.c - the text helpers the FTP server, client and agent share: the bounded string
 * builder, numbers and addresses. */
#include <string.h>

#include "ftp_text.h"
#include "test.h"

static void test_builder(void)
{
    char buf[8];
    ftp_sb b;
    ftp_sb_init(&b, buf, sizeof buf);
    ftp_sb_str(&b, "abc");
    ftp_sb_ch(&b, '-');
    ftp_sb_u32(&b, 42);
    CHECK(t_same(buf, "abc-42"));
    CHECK(!b.overflow);
    ftp_sb_str(&b, "xyz"); /* one byte of room left (and the NUL) */
    CHECK(t_same(buf, "abc-42x"));
    CHECK(b.overflow);
    CHECK_EQ(b.len, 7);
    ftp_sb_init(&b, buf, 0); /* no room at all: nothing written */
    ftp_sb_str(&b, "a");
    CHECK(b.overflow);
    CHECK_EQ(b.len, 0);

    char out[64];
    ftp_sb_init(&b, out, sizeof out);
    ftp_sb_u32_pad(&b, 7, 3, '0');
    ftp_sb_u32_pad(&b, 12345, 3, ' '); /* wider than the width: not cut */
    ftp_sb_u32_pad(&b, 5, 4, ' ');
    ftp_sb_u32(&b, 4294967295u);
    CHECK(t_same(out, "00712345   54294967295"));
    ftp_sb_init(&b, out, sizeof out);
    ftp_sb_hex4(&b, 0x0db8, true, true);
    ftp_sb_ch(&b, ' ');
    ftp_sb_hex4(&b, 0x0db8, false, false);
    ftp_sb_ch(&b, ' ');
    ftp_sb_hex4(&b, 0, false, false);
    CHECK(t_same(out, "0DB8 db8 0"));
}

static void test_hostport_and_ip(void)
{
    const uint8_t ip[4] = {198, 51, 100, 2};
    char out[64];
    ftp_sb b;
    ftp_sb_init(&b, out, sizeof out);
    ftp_sb_hostport(&b, ip, 49153, 0); /* 227 */
    CHECK(t_same(out, "198,51,100,2,192,1"));
    ftp_sb_init(&b, out, sizeof out);
    ftp_sb_hostport(&b, ip, 49153, 3); /* the client's PORT */
    CHECK(t_same(out, "198,051,100,002,192,001"));

    ip_addr_t a;
    memset(&a, 0, sizeof a);
    a.family = 4;
    memcpy(a.addr, ip, 4);
    ftp_sb_init(&b, out, sizeof out);
    ftp_sb_ip(&b, &a);
    CHECK(t_same(out, "198.51.100.2"));
    const struct {
        const char *text, *canonical;
    } v6[] = {
        {"2001:db8::2", "2001:db8::2"},
        {"2001:0DB8:0000:0000:0000:0000:0000:0002", "2001:db8::2"},
        {"::", "::"},
        {"::1", "::1"},
        {"fe80::", "fe80::"},
        {"1:0:0:2:0:0:0:3", "1:0:0:2::3"}, /* the longest run of zeros */
        {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"}, /* a single zero is not shortened */
    };
    for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
        CHECK(ftp_parse_ip(v6[i].text, strlen(v6[i].text), &a));
        CHECK_EQ(a.family, 6);
        ftp_sb_init(&b, out, sizeof out);
        ftp_sb_ip(&b, &a);
        CHECK(t_same(out, v6[i].canonical));
    }
    ip_addr_t c;
    CHECK(ftp_parse_ip("2001:db8::2", 11, &a));
    CHECK(ftp_parse_ip("2001:DB8:0:0::2", 15, &c));
    CHECK(ftp_ip_equal(&a, &c));
    CHECK(ftp_parse_ip("198.51.100.2", 12, &c));
    CHECK(!ftp_ip_equal(&a, &c));
}

static void test_parsing(void)
{
    uint32_t v;
    CHECK(ftp_parse_u32("4294967295", 10, &v));
    CHECK_EQ(v, 4294967295u);
    CHECK(!ftp_parse_u32("4294967296", 10, &v)); /* overflow */
    CHECK(!ftp_parse_u32("", 0, &v));
    CHECK(!ftp_parse_u32("-1", 2, &v));
    CHECK(!ftp_parse_u32("1 ", 2, &v));
    CHECK(ftp_parse_u32("123x", 3, &v)); /* only n bytes are read */
    CHECK_EQ(v, 123);
    uint8_t a4[4];
    CHECK(ftp_parse_ipv4("198.51.100.2", 12, a4));
    CHECK_EQ(a4[0], 198);
    CHECK_EQ(a4[3], 2);
    const char *bad4[] = {"198.51.100", "198.51.100.256", "198.51.100.2.", "198..100.2", "1.2.3.0004", "1.2.3.x"};
    for (size_t i = 0; i < sizeof bad4 / sizeof bad4[0]; i++) CHECK(!ftp_parse_ipv4(bad4[i], strlen(bad4[i]), a4));
    uint8_t a6[16];
    const char *bad6[] = {":", ":1", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "1:", "g::", "::1:2:3:4:5:6:7:8"};
    for (size_t i = 0; i < sizeof bad6 / sizeof bad6[0]; i++) CHECK(!ftp_parse_ipv6(bad6[i], strlen(bad6[i]), a6));
    ip_addr_t ip;
    CHECK(!ftp_parse_ip("host", 4, &ip));
    CHECK_EQ(ftp_hex_digit('0'), 0);
    CHECK_EQ(ftp_hex_digit('a'), 10);
    CHECK_EQ(ftp_hex_digit('F'), 15);
    CHECK_EQ(ftp_hex_digit('g'), -1);
    CHECK_EQ(ftp_hex_digit('/'), -1);
    CHECK(ftp_is_digit('9') && !ftp_is_digit(':'));
}

int main(void)
{
    RUN(test_builder);
    RUN(test_hostport_and_ip);
    RUN(test_parsing);
    return test_summary("ftp_text");
}
