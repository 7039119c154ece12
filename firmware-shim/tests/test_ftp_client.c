/* test_ftp_client.c - the NetX-like FTP client against a scripted server (fake_tcp). */
#include <string.h>

#include "fake_port.h"
#include "fake_tcp.h"
#include "files.h"
#include "ftp_client.h"
#include "ramfs.h"
#include "sha256.h"
#include "test.h"

static uint32_t now;
static char buf[65536];

static void cpoll(void) { fake_run(ftp_client_poll, now, 4); }

static void setup(void)
{
    ft_reset();
    t_fresh_fs();
    ftp_client_init();
    now = 5000;
    ft_peer_listen(21, true);
}

static ftpc_request req(ftpc_op op, int family, bool passive, const char *remote, const char *local)
{
    ftpc_request r;
    memset(&r, 0, sizeof r);
    r.op = op;
    r.server.family = (uint8_t)family;
    if (family == 4) {
        const uint8_t a[4] = {198, 51, 100, 1};
        memcpy(r.server.addr, a, 4);
    } else {
        const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        memcpy(r.server.addr, a, 16);
    }
    r.port = 21;
    strcpy(r.user, "hil");
    strcpy(r.pass, "pw");
    r.passive = passive;
    strcpy(r.remote, remote);
    strcpy(r.local, local);
    return r;
}

static ftpc_request last_req; /* what start() began, for restart() */

/* The client starts (again) what start() last began; it must accept it. */
static void restart(void) { CHECK(ftp_client_start(&last_req, now)); }

/* req() started in the client. */
static void start(ftpc_op op, int family, bool passive, const char *remote, const char *local)
{
    last_req = req(op, family, passive, remote, local);
    restart();
}

/* Reads the next command the client sent and compares it. */
static bool expect_cmd(tcp_id c, const char *want)
{
    ft_read_seg(c, buf, sizeof buf);
    return t_same(buf, want);
}

static void say(tcp_id c, const char *reply)
{
    ft_send_str(c, reply);
    cpoll();
}

/* The client's control connection to the server (port 21), after a poll. */
static tcp_id control(void)
{
    cpoll();
    tcp_id c = ft_find_out(21);
    CHECK(c >= 0);
    return c;
}

/* Answers PASV with 198.51.100.1:port and lets the client's data connection there come up. */
static tcp_id pasv_up(tcp_id c, uint16_t port)
{
    char reply[80];
    snprintf(reply, sizeof reply, "227 Entering Passive Mode (198,51,100,1,%u,%u).\r\n", port >> 8, port & 255u);
    say(c, reply);
    tcp_id d = ft_find_out(port);
    CHECK(d >= 0);
    ft_establish(d);
    cpoll();
    return d;
}

/* Connect, greeting, USER/PASS; returns the server side of the control connection. */
static tcp_id login_flow(void)
{
    tcp_id c = control();
    say(c, "220 Connection Ready \r\n");
    CHECK(expect_cmd(c, "USER hil\r\n"));
    say(c, "331 Enter password \r\n");
    CHECK(expect_cmd(c, "PASS pw\r\n"));
    say(c, "230 Logged in \r\n");
    return c;
}

/* Every connection let go of, no call on a stale handle. */
static void check_clean(void)
{
    CHECK_EQ(ft_live(), 0);
    CHECK_EQ(ft_misuse(), 0);
}

static void test_get_passive_v4(void)
{
    setup();
    start(FTPC_GET, 4, true, "/srv/data.bin", "/data.bin");
    CHECK_EQ(ftp_client_status(), FTPC_BUSY);
    CHECK(!ftp_client_start(&last_req, now)); /* one at a time */
    tcp_id c = login_flow();
    CHECK(expect_cmd(c, "TYPE I\r\n"));
    say(c, "200 Type Binary \r\n");
    CHECK(expect_cmd(c, "PASV\r\n"));
    say(c, "227 Entering Passive Mode (198,51,100,7,19,136).\r\n"); /* 5000, a different address */
    tcp_id d = ft_find_out(5000);
    CHECK(d >= 0);
    CHECK_EQ(ft_remote_addr(d)->addr[3], 7); /* NetX connects to the address in the reply */
    CHECK(expect_cmd(c, "")); /* RETR only once the data connection is up */
    ft_establish(d);
    cpoll();
    CHECK(expect_cmd(c, "RETR /srv/data.bin\r\n"));
    say(c, "125 File Opened \r\n");
    static uint8_t data[7000];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 11);
    for (unsigned at = 0; at < sizeof data; at += 1000) ft_send(d, data + at, 1000);
    cpoll();
    ft_fin(d);
    cpoll();
    CHECK(ft_app_closed(d));
    CHECK_EQ(ftp_client_status(), FTPC_BUSY);
    say(c, "250 File Sent \r\n");
    CHECK(expect_cmd(c, "QUIT\r\n"));
    say(c, "221 Logging Off \r\n");
    CHECK_EQ(ftp_client_status(), FTPC_DONE);
    const ftpc_result *res = ftp_client_result();
    CHECK_EQ(res->bytes, sizeof data);
    char hex[65];
    sha256_hex_of(data, sizeof data, hex);
    CHECK(strcmp(res->sha256, hex) == 0);
    static uint8_t back[8000];
    CHECK_EQ(t_read_file("/data.bin", back, sizeof back), sizeof data);
    CHECK_MEM(back, data, sizeof data);
    check_clean();
}

static void test_put_active_v4(void)
{
    setup();
    static uint8_t data[5000];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i ^ 0x5A);
    t_write_file("/up.bin", data, sizeof data);
    start(FTPC_PUT, 4, false, "up.bin", "/up.bin");
    tcp_id c = login_flow();
    CHECK(expect_cmd(c, "TYPE I\r\n"));
    say(c, "200 Type Binary \r\n");
    /* PORT with every number 3 digits; the first data port is the control port + 1 */
    uint16_t port = (uint16_t)(ft_local_port(c) + 1);
    char want[80];
    snprintf(want, sizeof want, "PORT 198,051,100,002,%03u,%03u\r\n", port >> 8, port & 255);
    CHECK(expect_cmd(c, want));
    CHECK(ft_is_listening(port));
    say(c, "200 Port set \r\n");
    CHECK(expect_cmd(c, "STOR up.bin\r\n"));
    tcp_id d = ft_connect_in(4, 20, port); /* the server connects from port 20 */
    CHECK(d >= 0);
    cpoll();
    CHECK_EQ(ft_unread_bytes(d), 0); /* nothing before the 1xx */
    say(c, "150 Opening data connection\r\n");
    cpoll();
    static uint8_t back[6000];
    CHECK_EQ(ft_read_bin(d, back, sizeof back), sizeof data);
    CHECK_MEM(back, data, sizeof data);
    CHECK(ft_app_closed(d)); /* end of file = close, no ABOR */
    say(c, "226 Transfer complete\r\n");
    CHECK(expect_cmd(c, "QUIT\r\n"));
    say(c, "221 Goodbye\r\n");
    CHECK_EQ(ftp_client_status(), FTPC_DONE);
    CHECK_EQ(ftp_client_result()->bytes, sizeof data);
    char hex[65];
    sha256_hex_of(data, sizeof data, hex);
    CHECK(strcmp(ftp_client_result()->sha256, hex) == 0);
    check_clean();
    /* the next active transfer listens on the next port */
    start(FTPC_PUT, 4, false, "up2.bin", "/up.bin");
    c = login_flow();
    CHECK(expect_cmd(c, "TYPE I\r\n"));
    say(c, "200 ok\r\n");
    ft_read_seg(c, buf, sizeof buf);
    snprintf(want, sizeof want, ",%03u,%03u\r\n", (port + 1) >> 8, (port + 1) & 255);
    CHECK(strstr(buf, want) != NULL);
    ftp_client_abort();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ft_live(), 0);
}

static void test_ls_passive_v6_and_eprt(void)
{
    setup();
    start(FTPC_LS, 6, true, "/dir", "");
    tcp_id c = login_flow();
    CHECK(expect_cmd(c, "EPSV\r\n")); /* no TYPE I for a listing */
    say(c, "229 Entering Extended Passive Mode (|||6000|)\r\n");
    tcp_id d = ft_find_out(6000);
    CHECK(d >= 0);
    CHECK_EQ(ft_remote_addr(d)->family, 6);
    CHECK_EQ(ft_remote_addr(d)->addr[15], 1); /* the control peer */
    ft_establish(d);
    cpoll();
    CHECK(expect_cmd(c, "NLST /dir\r\n"));
    say(c, "125 Sending List \r\n");
    ft_send_str(d, ".\r\n..\r\na.txt\r\n");
    ft_send_str(d, "b.txt\r\n");
    ft_fin(d);
    cpoll();
    say(c, "250 List End \r\n");
    say(c, "221 Logging Off \r\n");
    CHECK_EQ(ftp_client_status(), FTPC_DONE);
    const ftpc_result *res = ftp_client_result();
    CHECK_EQ(res->names, 4);
    CHECK(strcmp(res->listing, ".\r\n..\r\na.txt\r\nb.txt\r\n") == 0);
    char hex[65];
    sha256_hex_of(res->listing, res->listing_len, hex);
    CHECK(strcmp(res->sha256, hex) == 0);
    /* active IPv6: EPRT with the full upper-case address; NLST with no path is "NLST \r\n" */
    start(FTPC_LS, 6, false, "", "");
    c = login_flow();
    ft_read_seg(c, buf, sizeof buf);
    CHECK(strncmp(buf, "EPRT |2|2001:0DB8:0000:0000:0000:0000:0000:0002|", 48) == 0);
    unsigned port = 0;
    CHECK(sscanf(buf + 48, "%u|", &port) == 1);
    say(c, "200 EPRT command set \r\n");
    CHECK(expect_cmd(c, "NLST \r\n"));
    say(c, "125 Sending List \r\n");
    d = ft_connect_in(6, 20, (uint16_t)port);
    cpoll();
    ft_send_str(d, "x\r\n");
    ft_fin(d);
    say(c, "250 List End \r\n");
    say(c, "221 Logging Off \r\n");
    CHECK_EQ(ftp_client_status(), FTPC_DONE);
    CHECK_EQ(ftp_client_result()->names, 1);
    check_clean();
}

static void test_reply_reading(void)
{
    setup();
    start(FTPC_LS, 4, true, "", "");
    tcp_id c = control();
    /* a multi-line greeting, then another 220 packet (skipped), split lines, LF-only ends */
    say(c, "220-Welcome\r\n220-to the\r\n220 server\r\n");
    CHECK(expect_cmd(c, "USER hil\r\n"));
    say(c, "220 another greeting\r\n");
    CHECK(expect_cmd(c, ""));
    ft_send_str(c, "33");
    cpoll();
    say(c, "1 Password\n");
    CHECK(expect_cmd(c, "PASS pw\r\n"));
    /* two replies in one segment */
    say(c, "230 ok\r\n227 Entering Passive Mode (198,51,100,1,20,0)\r\n");
    CHECK(expect_cmd(c, "PASV\r\n"));
    tcp_id d = ft_find_out(5120);
    CHECK(d >= 0);
    ft_refuse(d);
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_CONNECT);
    CHECK(strcmp(ftp_client_result()->error, "data connect: refused") == 0);
    check_clean();
}

static void test_failures(void)
{
    setup();
    /* wrong password */
    start(FTPC_GET, 4, true, "f", "/f");
    tcp_id c = control();
    say(c, "220 hi\r\n");
    say(c, "331 pw?\r\n");
    say(c, "530 Login Fail \r\n");
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_REPLY);
    CHECK(strcmp(ftp_client_result()->error, "PASS: expected 2xx, got 530 Login Fail ") == 0);
    /* USER answered by 230 is an error, as in NetX (expected 33x) */
    restart();
    c = control();
    say(c, "220 hi\r\n");
    say(c, "230 no password needed\r\n");
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    /* RETR refused: no local file is left */
    t_write_file("/f", "old", 3);
    restart();
    c = login_flow();
    say(c, "200 ok\r\n");
    pasv_up(c, 5121);
    say(c, "550 File Open Fail \r\n");
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK(strcmp(ftp_client_result()->error, "RETR: expected 1xx, got 550 File Open Fail ") == 0);
    uint8_t b[8];
    CHECK_EQ(t_read_file("/f", b, sizeof b), 3); /* untouched: the local file is created on 1xx */
    /* the data connection is reset mid-transfer: the partial local file is removed */
    restart();
    c = login_flow();
    say(c, "200 ok\r\n");
    tcp_id d = pasv_up(c, 5122);
    say(c, "125 go\r\n");
    ft_send_str(d, "partial");
    cpoll();
    ft_rst(d);
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK(strcmp(ftp_client_result()->error, "data: connection reset") == 0);
    CHECK_EQ(t_read_file("/f", b, sizeof b), 0xFFFFFFFFu);
    /* the server answers 5xx after the data */
    restart();
    c = login_flow();
    say(c, "200 ok\r\n");
    d = pasv_up(c, 5123);
    say(c, "150 go\r\n");
    ft_send_str(d, "abc");
    ft_fin(d);
    cpoll();
    say(c, "451 aborted\r\n");
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_REPLY);
    /* refused control connection */
    ft_peer_listen(21, false);
    restart();
    ft_refuse(ft_find_out(21));
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_CONNECT);
    /* no greeting: the step timeout */
    ft_peer_listen(21, true);
    restart();
    cpoll();
    now += FTP_CLIENT_TIMEOUT_MS - 1;
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_BUSY);
    now += 1;
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_TIMEOUT);
    CHECK(strcmp(ftp_client_result()->error, "greeting: timeout") == 0);
    /* PUT of a missing local file */
    ftpc_request p = req(FTPC_PUT, 4, true, "x", "/missing");
    CHECK(ftp_client_start(&p, now));
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_NOT_FOUND);
    /* the server closes the control connection */
    restart();
    c = login_flow();
    ft_fin(c);
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK(strcmp(ftp_client_result()->error, "control: connection closed by the server") == 0);
    check_clean();
}

static void test_get_into_full_fs(void)
{
    setup();
    static uint8_t fill[RAMFS_SIZE];
    t_write_file("/fill", fill, ramfs_capacity() - 1024);
    start(FTPC_GET, 4, true, "big", "/big");
    tcp_id c = login_flow();
    say(c, "200 ok\r\n");
    tcp_id d = pasv_up(c, 5124);
    say(c, "125 go\r\n");
    static uint8_t chunk[1400];
    ft_send(d, chunk, sizeof chunk);
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_NO_SPACE);
    ramfs_info in;
    CHECK(ramfs_info_get("/big", &in) != RAMFS_SUCCESS);
    CHECK(ft_app_aborted(d));
    check_clean();
}

int main(void)
{
    RUN(test_get_passive_v4);
    RUN(test_put_active_v4);
    RUN(test_ls_passive_v6_and_eprt);
    RUN(test_reply_reading);
    RUN(test_failures);
    RUN(test_get_into_full_fs);
    return test_summary("ftp_client");
}
