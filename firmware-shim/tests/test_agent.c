/* test_agent.c - the agent's line protocol: grammar, errors, file commands, counters, GET/PUT/LS
 * through the FTP client against a scripted server, reboot. */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "counters.h"
#include "fake_port.h"
#include "fake_tcp.h"
#include "files.h"
#include "ftp_client.h"
#include "ftp_server.h"
#include "ramfs.h"
#include "sha256.h"
#include "test.h"

static uint32_t now;
static char rbuf[65536];

static void apoll(void) { fake_run(agent_poll, now, 4); }

static void setup(void)
{
    ft_reset();
    t_fresh_fs();
    ftp_server_init();
    counters_reset();
    now = 100;
    agent_init();
}

static tcp_id open_agent(uint16_t port)
{
    tcp_id a = ft_connect_in(4, port, AGENT_PORT);
    apoll();
    return a;
}

static const char *ask(tcp_id a, const char *line)
{
    ft_send_str(a, line);
    apoll();
    ft_read(a, rbuf, sizeof rbuf);
    return rbuf;
}

static bool ask_is(tcp_id a, const char *line, const char *want)
{
    return t_same(ask(a, line), want);
}

/* The documented MKFILE generator, written again from the README's words. */
static void expected_content(uint32_t seed, uint8_t *out, uint32_t n)
{
    uint32_t x = seed ^ 0xA5A5A5A5u;
    if (x == 0) x = 1;
    for (uint32_t i = 0; i < n; i++) out[i] = (uint8_t)(t_xorshift(&x) & 0xFF);
}

static void test_hello_and_grammar(void)
{
    setup();
    tcp_id a = open_agent(7000);
    const char *h = ask(a, "HELLO\n");
    CHECK(strncmp(h, "OK board=unit-test version=", 27) == 0);
    CHECK(strstr(h, " agent=1 mtu=1500 pool=12x1500 mss=1460 window=4380 fs=65536 free=65536 files=32 ftp=21 "
                    "sessions=4 ipv6=1 image=none read_only=0 uptime_ms=100\n") != NULL);
    CHECK(ask_is(a, "hello\r\n", h)); /* case-insensitive verb, CRLF */
    CHECK(ask_is(a, "HELLO x\n", "ERR 400 wrong arguments\n"));
    CHECK(ask_is(a, "FROB\n", "ERR 400 unknown command\n"));
    CHECK(ask_is(a, "\n", "ERR 400 empty line\n"));
    CHECK(ask_is(a, "   \t \r\n", "ERR 400 empty line\n"));
    CHECK(ask_is(a, "HASH a%zz\n", "ERR 400 bad %XX escape\n"));
    CHECK(ask_is(a, "HASH a%00\n", "ERR 400 bad %XX escape\n"));
    CHECK(ask_is(a, "MKFILE /x 10\n", "ERR 400 wrong arguments\n"));
    CHECK(ask_is(a, "MKFILE /x ten 1\n", "ERR 400 usage: MKFILE path size seed\n"));
    CHECK(ask_is(a, "MKFILE /x 99999999999 1\n", "ERR 400 usage: MKFILE path size seed\n"));
    CHECK(ask_is(a, "READONLY 2\n", "ERR 400 wrong arguments\n"));
    CHECK(ask_is(a, "A B C D E F G H I J K L\n", "ERR 400 too many arguments\n"));
    ft_send(a, "HE\0LO\n", 6);
    apoll();
    CHECK(strcmp((ft_read(a, rbuf, sizeof rbuf), rbuf), "ERR 400 NUL in line\n") == 0);
    /* a line in pieces, and several lines in one segment: one reply each, in order */
    ft_send_str(a, "HEL");
    apoll();
    CHECK_EQ(ft_unread_bytes(a), 0);
    const char *r = ask(a, "LO\nFROB\nRM /nothing\n");
    CHECK(strncmp(r, "OK board=", 9) == 0);
    CHECK(strstr(r, "\nERR 400 unknown command\nERR 404 not found\n") != NULL);
    /* an over-long line: one error when it ends, then normal service */
    static char big[3000];
    memset(big, 'A', sizeof big);
    ft_send(a, big, sizeof big);
    apoll();
    CHECK_EQ(ft_unread_bytes(a), 0);
    CHECK(strncmp(ask(a, "AAAA\nHELLO\n"), "ERR 400 line too long\nOK board=", 31) == 0);
    /* binary junk */
    srand(3);
    for (int i = 0; i < 200; i++) {
        uint8_t junk[300];
        size_t n = 1 + (size_t)(rand() % 300);
        for (size_t k = 0; k < n; k++) junk[k] = (uint8_t)rand();
        for (size_t k = 0; k < n; k++)
            if (junk[k] == 'R' || junk[k] == 'r' || junk[k] == 'Q' || junk[k] == 'q' || junk[k] == 'F' ||
                junk[k] == 'f')
                junk[k] = 'x'; /* no REBOOT/QUIT/FORMAT by chance */
        ft_send(a, junk, n);
        apoll();
        ft_read(a, rbuf, sizeof rbuf);
    }
    ft_send_str(a, "\nHELLO\n");
    apoll();
    ft_read(a, rbuf, sizeof rbuf);
    CHECK(strstr(rbuf, "OK board=") != NULL);
    CHECK(ask_is(a, "QUIT\n", "OK bye\n"));
    CHECK(ft_app_closed(a));
    CHECK_EQ(ft_misuse(), 0);
}

static void test_file_commands(void)
{
    setup();
    tcp_id a = open_agent(7001);
    static uint8_t want[20000];
    expected_content(42, want, sizeof want);
    char hex[65], line[200];
    sha256_hex_of(want, sizeof want, hex);
    snprintf(line, sizeof line, "OK bytes=20000 sha256=%s\n", hex);
    CHECK(ask_is(a, "MKFILE /data.bin 20000 42\n", line));
    CHECK(ask_is(a, "HASH /data.bin\n", line));
    CHECK(ask_is(a, "HASH data.bin\n", line)); /* relative = from the root */
    expected_content(0x5A5A5A5Au ^ 0xA5A5A5A5u ^ 0xA5A5A5A5u, want, 10); /* seed giving x = 0 -> 1 */
    expected_content(0xA5A5A5A5u, want, 10);
    sha256_hex_of(want, 10, hex);
    snprintf(line, sizeof line, "OK bytes=10 sha256=%s\n", hex);
    CHECK(ask_is(a, "MKFILE /z 10 2779096485\n", line));
    sha256_hex_of("", 0, hex);
    snprintf(line, sizeof line, "OK bytes=0 sha256=%s\n", hex);
    CHECK(ask_is(a, "MKFILE /empty 0 1\n", line));
    CHECK(ask_is(a, "MKDIR /d\n", "OK\n"));
    CHECK(ask_is(a, "MKDIR /d\n", "ERR 409 exists\n"));
    CHECK(ask_is(a, "MKDIR /no/d\n", "ERR 404 bad path\n"));
    expected_content(1, want, 3);
    sha256_hex_of(want, 3, hex);
    snprintf(line, sizeof line, "OK bytes=3 sha256=%s\n", hex);
    CHECK(ask_is(a, "MKFILE /d/with%20space 3 1\n", line));
    CHECK(ask_is(a, "FILES\n", "OK count=5 free=44032 /data.bin=20000 /z=10 /empty=0 /d/=dir /d/with%20space=3\n"));
    CHECK(ask_is(a, "RM /d\n", "ERR 409 directory not empty\n"));
    CHECK(ask_is(a, "RM /d/with%20space\n", "OK\n"));
    CHECK(ask_is(a, "RM /d\n", "OK\n"));
    CHECK(ask_is(a, "RM /d\n", "ERR 404 not found\n"));
    CHECK(ask_is(a, "HASH /nope\n", "ERR 404 not found\n"));
    CHECK(ask_is(a, "HASH /\n", "ERR 404 not found\n"));
    /* too big: no half-made file */
    CHECK(ask_is(a, "MKFILE /huge 100000 1\n", "ERR 507 no space\n"));
    CHECK(ask_is(a, "HASH /huge\n", "ERR 404 not found\n"));
    CHECK(ask_is(a, "MKFILE /data.bin/x 1 1\n", "ERR 404 bad path\n"));
    CHECK(ask_is(a, "FORMAT\n", "OK\n"));
    CHECK(ask_is(a, "FILES\n", "OK count=0 free=65536\n"));
    CHECK(ask_is(a, "READONLY 1\n", "OK\n"));
    CHECK(ftp_server_read_only());
    CHECK(ask_is(a, "READONLY 0\n", "OK\n"));
    CHECK(!ftp_server_read_only());
    CHECK_EQ(ft_misuse(), 0);
}

static void test_counters_and_reboot(void)
{
    setup();
    tcp_id a = open_agent(7002);
    g_counters.tcp_retransmits = 7;
    const char *r = ask(a, "COUNTERS\n");
    CHECK(strncmp(r, "OK rx_frames=", 13) == 0);
    CHECK(strstr(r, " tcp_retransmits=7 ") != NULL);
    CHECK(strstr(r, " pool_low_water=") != NULL);
    CHECK(strstr(r, " ftp_connections=0 ") != NULL);
    CHECK(strstr(r, " agent_requests=1\n") != NULL);
    CHECK(ask_is(a, "RESET-COUNTERS\n", "OK\n"));
    r = ask(a, "COUNTERS\n");
    CHECK(strstr(r, " tcp_retransmits=0 ") != NULL);
    /* REBOOT: the reply first, port_reboot once it is acknowledged */
    ft_set_acked(a, false);
    CHECK(ask_is(a, "REBOOT\n", "OK rebooting\n"));
    CHECK_EQ(fake_reboots, 0);
    CHECK(ask_is(a, "HELLO\n", "")); /* nothing more is taken */
    ft_set_acked(a, true);
    apoll();
    CHECK_EQ(fake_reboots, 1);
    /* without an acknowledgement it goes anyway after AGENT_REBOOT_WAIT_MS */
    setup();
    a = open_agent(7003);
    ft_set_acked(a, false);
    ask(a, "REBOOT\n");
    now += AGENT_REBOOT_WAIT_MS;
    apoll();
    CHECK_EQ(fake_reboots, 1);
    CHECK_EQ(ft_misuse(), 0);
}

static void test_connections(void)
{
    setup();
    tcp_id c[AGENT_MAX_CONN + 1];
    for (int i = 0; i < AGENT_MAX_CONN; i++) c[i] = open_agent((uint16_t)(7100 + i));
    c[AGENT_MAX_CONN] = open_agent(7199); /* waits in the backlog */
    CHECK(ask_is(c[AGENT_MAX_CONN], "HELLO\n", ""));
    CHECK(strncmp(ask(c[0], "HELLO\n"), "OK board=", 9) == 0);
    ft_fin(c[0]);
    apoll();
    CHECK(ft_app_closed(c[0]));
    ft_read(c[AGENT_MAX_CONN], rbuf, sizeof rbuf);
    CHECK(strncmp(rbuf, "OK board=", 9) == 0);
    ft_rst(c[1]);
    apoll();
    CHECK(ft_freed(c[1]));
    CHECK_EQ(ft_misuse(), 0);
}

/* ---- GET / PUT / LS against a scripted server ---- */

static void say(tcp_id s, const char *text)
{
    ft_send_str(s, text);
    apoll();
}

static tcp_id server_login(void)
{
    tcp_id s = ft_find_out(2121);
    CHECK(s >= 0);
    say(s, "220 hello\r\n");
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "USER hil\r\n") == 0);
    say(s, "331 pw\r\n");
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "PASS secret\r\n") == 0);
    say(s, "230 in\r\n");
    return s;
}

static void test_get_put_ls(void)
{
    setup();
    ft_peer_listen(2121, true);
    tcp_id a = open_agent(7004);
    tcp_id b = open_agent(7005);
    CHECK(ask_is(a, "GET host 2121 hil secret sideways /r /l\n", "ERR 400 mode must be active or passive\n"));
    CHECK(ask_is(a, "GET host 0 hil secret passive /r /l\n", "ERR 400 bad port\n"));
    CHECK(ask_is(a, "GET 300.1.1.1 21 hil secret passive /r /l\n", "ERR 400 bad host address\n"));
    CHECK(ask_is(a, "GET host 21 hil secret passive /r\n",
                 "ERR 400 usage: GET|PUT host port user pass active|passive remote local\n"));
    /* GET, passive */
    CHECK(ask_is(a, "GET 198.51.100.1 2121 hil secret passive /srv/f.bin /f.bin\n", "")); /* replies when done */
    tcp_id s = server_login();
    CHECK(ask_is(b, "LS host 2121 hil secret passive\n", "ERR 409 busy: another transfer is running\n"));
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "TYPE I\r\n") == 0);
    say(s, "200 ok\r\n");
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "PASV\r\n") == 0);
    say(s, "227 Entering Passive Mode (198,51,100,1,23,112).\r\n"); /* 6000 */
    tcp_id d = ft_find_out(6000);
    ft_establish(d);
    apoll();
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "RETR /srv/f.bin\r\n") == 0);
    say(s, "150 here\r\n");
    static uint8_t data[3000];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 3);
    ft_send(d, data, sizeof data);
    ft_fin(d);
    apoll();
    say(s, "226 done\r\n");
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "QUIT\r\n") == 0);
    say(s, "221 bye\r\n");
    char hex[65], line[200];
    sha256_hex_of(data, sizeof data, hex);
    snprintf(line, sizeof line, "OK bytes=3000 sha256=%s port=6000\n", hex);
    ft_read(a, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, line) == 0);
    snprintf(line, sizeof line, "OK bytes=3000 sha256=%s\n", hex);
    CHECK(ask_is(a, "HASH /f.bin\n", line));
    /* PUT, active */
    CHECK(ask_is(b, "PUT host 2121 hil secret active /srv/g.bin /f.bin\n", ""));
    s = server_login();
    ft_read_seg(s, rbuf, sizeof rbuf);
    say(s, "200 ok\r\n");
    ft_read_seg(s, rbuf, sizeof rbuf);
    unsigned h1, h2, h3, h4, p1, p2;
    CHECK(sscanf(rbuf, "PORT %u,%u,%u,%u,%u,%u", &h1, &h2, &h3, &h4, &p1, &p2) == 6);
    say(s, "200 ok\r\n");
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "STOR /srv/g.bin\r\n") == 0);
    d = ft_connect_in(4, 20, (uint16_t)(p1 * 256 + p2));
    say(s, "150 go\r\n");
    apoll();
    static uint8_t back[4000];
    CHECK_EQ(ft_read_bin(d, back, sizeof back), sizeof data);
    CHECK_MEM(back, data, sizeof data);
    say(s, "226 ok\r\n");
    say(s, "221 bye\r\n");
    ft_read(b, rbuf, sizeof rbuf);
    snprintf(line, sizeof line, "OK bytes=3000 sha256=%s port=%u\n", hex, p1 * 256 + p2);
    CHECK(strcmp(rbuf, line) == 0);
    /* LS with names to escape */
    CHECK(ask_is(a, "LS host 2121 hil secret passive /srv\n", ""));
    s = server_login();
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "PASV\r\n") == 0);
    say(s, "227 Entering Passive Mode (198,51,100,1,23,113).\r\n");
    d = ft_find_out(6001);
    ft_establish(d);
    apoll();
    ft_read_seg(s, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "NLST /srv\r\n") == 0);
    say(s, "125 list\r\n");
    ft_send_str(d, "a.txt\r\nwith space,comma\r\nb\r\n");
    ft_fin(d);
    apoll();
    say(s, "250 end\r\n");
    say(s, "221 bye\r\n");
    sha256_hex_of("a.txt\r\nwith space,comma\r\nb\r\n", 28, hex);
    snprintf(line, sizeof line, "OK count=3 bytes=28 sha256=%s names=a.txt,with%%20space%%2Ccomma,b\n", hex);
    ft_read(a, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, line) == 0);
    /* a refused login */
    CHECK(ask_is(a, "LS host 2121 hil secret active\n", ""));
    s = ft_find_out(2121);
    say(s, "220 hello\r\n");
    say(s, "331 pw\r\n");
    say(s, "530 Login incorrect\r\n");
    ft_read(a, rbuf, sizeof rbuf);
    CHECK(strcmp(rbuf, "ERR 502 PASS: expected 2xx, got 530 Login incorrect\n") == 0);
    /* PUT of a missing file fails at once */
    CHECK(ask_is(a, "PUT host 2121 hil secret active /srv/x /missing\n", "ERR 404 local file: not found\n"));
    /* the agent connection drops mid-GET: the transfer is aborted */
    CHECK(ask_is(a, "GET host 2121 hil secret passive /r /l\n", ""));
    s = ft_find_out(2121);
    ft_rst(a);
    apoll();
    CHECK(ft_app_aborted(s));
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ft_misuse(), 0);
}

int main(void)
{
    RUN(test_hello_and_grammar);
    RUN(test_file_commands);
    RUN(test_counters_and_reboot);
    RUN(test_connections);
    RUN(test_get_put_ls);
    return test_summary("agent");
}
