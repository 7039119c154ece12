/* test_ftp_client.c - the NetX-like FTP client against a scripted server (fake_tcp). */
#include "fake_tcp.c" /* the Makefile links tests/support only; see fake_tcp.h */

#include <string.h>

#include "fake_port.h"
#include "ftp_client.h"
#include "ramfs.h"
#include "sha256.h"
#include "test.h"

static uint32_t now;
static char buf[65536];

static void cpoll(void)
{
    fake_now = now;
    for (int i = 0; i < 4; i++) ftp_client_poll(now);
}

static void setup(void)
{
    ft_reset();
    fake_reset();
    ramfs_init();
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

/* Reads the next command the client sent and compares it. */
static bool expect_cmd(tcp_id c, const char *want)
{
    ft_read_seg(c, buf, sizeof buf);
    if (strcmp(buf, want) != 0) {
        fprintf(stderr, "    got [%s] want [%s]\n", buf, want);
        return false;
    }
    return true;
}

static void say(tcp_id c, const char *reply)
{
    ft_send_str(c, reply);
    cpoll();
}

/* Connect, greeting, USER/PASS; returns the server side of the control connection. */
static tcp_id login_flow(void)
{
    cpoll();
    tcp_id c = ft_find_out(21);
    CHECK(c >= 0);
    say(c, "220 Connection Ready \r\n");
    CHECK(expect_cmd(c, "USER hil\r\n"));
    say(c, "331 Enter password \r\n");
    CHECK(expect_cmd(c, "PASS pw\r\n"));
    say(c, "230 Logged in \r\n");
    return c;
}

static void put_file(const char *path, const void *data, size_t n)
{
    ramfs_file f;
    ramfs_file_create(path);
    ramfs_file_open(&f, path, RAMFS_OPEN_FOR_WRITE);
    ramfs_file_truncate(&f, 0);
    ramfs_file_write(&f, data, (uint32_t)n);
    ramfs_file_close(&f);
}

static uint32_t get_file(const char *path, uint8_t *out, uint32_t cap)
{
    ramfs_file f;
    uint32_t total = 0, n;
    if (ramfs_file_open(&f, path, RAMFS_OPEN_FOR_READ)) return 0xFFFFFFFFu;
    while (ramfs_file_read(&f, out + total, cap - total, &n) == RAMFS_SUCCESS && n) total += n;
    ramfs_file_close(&f);
    return total;
}

static void test_get_passive_v4(void)
{
    setup();
    ftpc_request r = req(FTPC_GET, 4, true, "/srv/data.bin", "/data.bin");
    CHECK(ftp_client_start(&r, now));
    CHECK_EQ(ftp_client_status(), FTPC_BUSY);
    CHECK(!ftp_client_start(&r, now)); /* one at a time */
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
    CHECK_EQ(get_file("/data.bin", back, sizeof back), sizeof data);
    CHECK_MEM(back, data, sizeof data);
    CHECK_EQ(ft_live(), 0);
    CHECK_EQ(ft_misuse(), 0);
}

static void test_put_active_v4(void)
{
    setup();
    static uint8_t data[5000];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i ^ 0x5A);
    put_file("/up.bin", data, sizeof data);
    ftpc_request r = req(FTPC_PUT, 4, false, "up.bin", "/up.bin");
    CHECK(ftp_client_start(&r, now));
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
    CHECK_EQ(ft_live(), 0);
    CHECK_EQ(ft_misuse(), 0);
    /* the next active transfer listens on the next port */
    r = req(FTPC_PUT, 4, false, "up2.bin", "/up.bin");
    CHECK(ftp_client_start(&r, now));
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
    ftpc_request r = req(FTPC_LS, 6, true, "/dir", "");
    CHECK(ftp_client_start(&r, now));
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
    r = req(FTPC_LS, 6, false, "", "");
    CHECK(ftp_client_start(&r, now));
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
    CHECK_EQ(ft_live(), 0);
    CHECK_EQ(ft_misuse(), 0);
}

static void test_reply_reading(void)
{
    setup();
    ftpc_request r = req(FTPC_LS, 4, true, "", "");
    CHECK(ftp_client_start(&r, now));
    cpoll();
    tcp_id c = ft_find_out(21);
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
    CHECK_EQ(ft_live(), 0);
    CHECK_EQ(ft_misuse(), 0);
}

static void test_failures(void)
{
    setup();
    /* wrong password */
    ftpc_request r = req(FTPC_GET, 4, true, "f", "/f");
    CHECK(ftp_client_start(&r, now));
    cpoll();
    tcp_id c = ft_find_out(21);
    say(c, "220 hi\r\n");
    say(c, "331 pw?\r\n");
    say(c, "530 Login Fail \r\n");
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_REPLY);
    CHECK(strcmp(ftp_client_result()->error, "PASS: expected 2xx, got 530 Login Fail ") == 0);
    /* USER answered by 230 is an error, as in NetX (expected 33x) */
    CHECK(ftp_client_start(&r, now));
    cpoll();
    c = ft_find_out(21);
    say(c, "220 hi\r\n");
    say(c, "230 no password needed\r\n");
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    /* RETR refused: no local file is left */
    put_file("/f", "old", 3);
    CHECK(ftp_client_start(&r, now));
    c = login_flow();
    say(c, "200 ok\r\n");
    say(c, "227 Entering Passive Mode (198,51,100,1,20,1).\r\n");
    ft_establish(ft_find_out(5121));
    cpoll();
    say(c, "550 File Open Fail \r\n");
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK(strcmp(ftp_client_result()->error, "RETR: expected 1xx, got 550 File Open Fail ") == 0);
    uint8_t b[8];
    CHECK_EQ(get_file("/f", b, sizeof b), 3); /* untouched: the local file is created on 1xx */
    /* the data connection is reset mid-transfer: the partial local file is removed */
    CHECK(ftp_client_start(&r, now));
    c = login_flow();
    say(c, "200 ok\r\n");
    say(c, "227 Entering Passive Mode (198,51,100,1,20,2).\r\n");
    tcp_id d = ft_find_out(5122);
    ft_establish(d);
    cpoll();
    say(c, "125 go\r\n");
    ft_send_str(d, "partial");
    cpoll();
    ft_rst(d);
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK(strcmp(ftp_client_result()->error, "data: connection reset") == 0);
    CHECK_EQ(get_file("/f", b, sizeof b), 0xFFFFFFFFu);
    /* the server answers 5xx after the data */
    CHECK(ftp_client_start(&r, now));
    c = login_flow();
    say(c, "200 ok\r\n");
    say(c, "227 Entering Passive Mode (198,51,100,1,20,3).\r\n");
    d = ft_find_out(5123);
    ft_establish(d);
    cpoll();
    say(c, "150 go\r\n");
    ft_send_str(d, "abc");
    ft_fin(d);
    cpoll();
    say(c, "451 aborted\r\n");
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_REPLY);
    /* refused control connection */
    ft_peer_listen(21, false);
    CHECK(ftp_client_start(&r, now));
    ft_refuse(ft_find_out(21));
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_CONNECT);
    /* no greeting: the step timeout */
    ft_peer_listen(21, true);
    CHECK(ftp_client_start(&r, now));
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
    CHECK(ftp_client_start(&r, now));
    c = login_flow();
    ft_fin(c);
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK(strcmp(ftp_client_result()->error, "control: connection closed by the server") == 0);
    CHECK_EQ(ft_live(), 0);
    CHECK_EQ(ft_misuse(), 0);
}

static void test_get_into_full_fs(void)
{
    setup();
    static uint8_t fill[RAMFS_SIZE];
    put_file("/fill", fill, ramfs_capacity() - 1024);
    ftpc_request r = req(FTPC_GET, 4, true, "big", "/big");
    CHECK(ftp_client_start(&r, now));
    tcp_id c = login_flow();
    say(c, "200 ok\r\n");
    say(c, "227 Entering Passive Mode (198,51,100,1,20,4).\r\n");
    tcp_id d = ft_find_out(5124);
    ft_establish(d);
    cpoll();
    say(c, "125 go\r\n");
    static uint8_t chunk[1400];
    ft_send(d, chunk, sizeof chunk);
    cpoll();
    CHECK_EQ(ftp_client_status(), FTPC_FAILED);
    CHECK_EQ(ftp_client_result()->err, FTPC_E_NO_SPACE);
    ramfs_info in;
    CHECK(ramfs_info_get("/big", &in) != RAMFS_SUCCESS);
    CHECK(ft_app_aborted(d));
    CHECK_EQ(ft_live(), 0);
    CHECK_EQ(ft_misuse(), 0);
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
