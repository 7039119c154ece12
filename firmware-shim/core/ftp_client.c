/* ftp_client.c - NetX-like FTP client as a poll-driven state machine. See ftp_client.h. */
#include "ftp_client.h"

#include <string.h>

#include "ftp_server.h" /* FTP_XFER_BUF */
#include "ftp_text.h"
#include "sha256.h"
#include "sock.h"

enum {
    S_IDLE,
    S_CONNECT,
    S_GREETING,
    S_USER,
    S_PASS,
    S_TYPE,
    S_PORT,
    S_PASV,
    S_DATA_CONNECT,
    S_XFER_CMD,
    S_ACCEPT,
    S_XFER,
    S_FINAL,
    S_QUIT
};

#define REPLIES 4
#define CHUNK FTP_XFER_BUF

typedef struct {
    int code;
    char text[120]; /* the first line, cut */
} reply_t;

static struct {
    ftpc_request req;
    ftpc_result res;
    int step;
    uint32_t now, deadline;
    tcp_id ctrl, data, lsn;
    ip_addr_t local;
    uint16_t lport, last_data_port;
    /* reply reader */
    uint8_t rd[128];
    size_t rd_len, rd_off;
    char line[120];
    size_t line_len;
    int ml_code;
    char ml_text[120];
    reply_t q[REPLIES];
    int q_head, q_n;
    /* command out */
    char out[RAMFS_PATH_MAX + 80];
    size_t out_len, out_off;
    /* transfer */
    ramfs_file file;
    bool local_made;
    sha256_ctx sha;
    uint8_t buf[CHUNK];
    size_t buf_len, buf_off;
    bool src_done, final_seen;
    reply_t final;
} C;

static const char *verb(void)
{
    return C.req.op == FTPC_GET ? "RETR" : C.req.op == FTPC_PUT ? "STOR" : "NLST";
}

static void arm(void)
{
    uint32_t t = C.req.timeout_ms ? C.req.timeout_ms : FTP_CLIENT_TIMEOUT_MS;
    C.deadline = C.now + t;
}

static void go(int step)
{
    C.step = step;
    arm();
}

static void finish(bool ok)
{
    sock_drop(&C.data, !ok);
    sock_drop(&C.lsn, false);
    if (C.ctrl >= 0) {
        if (!ok && tcp_state(C.ctrl) == TCP_ESTABLISHED && tcp_send_space(C.ctrl) >= 6)
            tcp_send(C.ctrl, (const uint8_t *)"QUIT\r\n", 6); /* best effort, no wait */
        sock_drop(&C.ctrl, false);
    }
    ramfs_file_close(&C.file);
    if (!ok && C.req.op == FTPC_GET && C.local_made) ramfs_file_delete(C.req.local);
    C.local_made = false;
    if (ok) {
        uint8_t d[32];
        sha256_final(&C.sha, d);
        sha256_hex(d, C.res.sha256);
        C.res.err = FTPC_E_NONE;
    }
    C.res.status = ok ? FTPC_DONE : FTPC_FAILED;
    C.step = S_IDLE;
}

static void fail(int err, const char *what, const char *detail)
{
    ftp_sb b;
    ftp_sb_init(&b, C.res.error, sizeof C.res.error);
    ftp_sb_str(&b, what);
    ftp_sb_str(&b, ": ");
    ftp_sb_str(&b, detail);
    C.res.err = err;
    finish(false);
}

static void fail_reply(const char *what, char cls, const reply_t *r)
{
    char detail[150];
    ftp_sb b;
    ftp_sb_init(&b, detail, sizeof detail);
    ftp_sb_str(&b, "expected ");
    ftp_sb_ch(&b, cls);
    ftp_sb_str(&b, "xx, got ");
    ftp_sb_str(&b, r->text[0] ? r->text : "(nothing)");
    fail(FTPC_E_REPLY, what, detail);
}

/* ok, or the operation fails with "<step>: expected <cls>xx, got <reply>". */
static bool want(bool ok, const char *step, char cls, const reply_t *r)
{
    if (!ok) fail_reply(step, cls, r);
    return ok;
}

/* ---------------------------------------------------------------- control connection */

static void send_cmd(const char *v, const char *arg)
{
    ftp_sb b;
    ftp_sb_init(&b, C.out, sizeof C.out);
    ftp_sb_str(&b, v);
    if (arg) {
        ftp_sb_ch(&b, ' ');
        ftp_sb_str(&b, arg);
    }
    ftp_sb_str(&b, "\r\n");
    C.out_len = b.len;
    C.out_off = 0;
}

/* Sends a command; `step` waits for its reply. */
static void next(const char *v, const char *arg, int step)
{
    send_cmd(v, arg);
    go(step);
}

static void flush(void)
{
    if (C.out_off >= C.out_len || C.ctrl < 0) return;
    size_t left = C.out_len - C.out_off;
    if (tcp_send_space(C.ctrl) < left) return; /* the whole command in one segment */
    C.out_off += tcp_send(C.ctrl, (const uint8_t *)C.out + C.out_off, left);
}

static void push_reply(int code, const char *text)
{
    if (C.q_n == REPLIES) return;
    reply_t *r = &C.q[(C.q_head + C.q_n) % REPLIES];
    r->code = code;
    ftp_sb b;
    ftp_sb_init(&b, r->text, sizeof r->text);
    ftp_sb_str(&b, text);
    C.q_n++;
}

static void take_line(void)
{
    char *l = C.line;
    C.line[C.line_len] = '\0';
    if (C.line_len && l[C.line_len - 1] == '\r') l[--C.line_len] = '\0';
    bool coded = C.line_len >= 3 && ftp_is_digit(l[0]) && ftp_is_digit(l[1]) && ftp_is_digit(l[2]);
    int code = coded ? (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0') : 0;
    if (C.ml_code) {
        if (coded && code == C.ml_code && (C.line_len == 3 || l[3] == ' ')) {
            push_reply(C.ml_code, C.ml_text);
            C.ml_code = 0;
        }
    } else if (coded && C.line_len > 3 && l[3] == '-') {
        C.ml_code = code;
        ftp_sb b;
        ftp_sb_init(&b, C.ml_text, sizeof C.ml_text);
        ftp_sb_str(&b, l);
    } else if (coded && (C.line_len == 3 || l[3] == ' ')) {
        push_reply(code, l);
    }
    C.line_len = 0;
}

static void read_replies(void)
{
    if (C.ctrl < 0) return;
    for (int guard = 0; guard < 64 && C.q_n < REPLIES; guard++) {
        if (C.rd_off >= C.rd_len) {
            C.rd_len = tcp_recv(C.ctrl, C.rd, sizeof C.rd);
            C.rd_off = 0;
            if (C.rd_len == 0) return;
        }
        while (C.rd_off < C.rd_len && C.q_n < REPLIES) {
            char ch = (char)C.rd[C.rd_off++];
            if (ch == '\n')
                take_line();
            else if (C.line_len < sizeof C.line - 1)
                C.line[C.line_len++] = ch; /* longer lines are cut, not fatal */
        }
    }
}

static bool next_reply(reply_t *r)
{
    if (C.q_n == 0) return false;
    *r = C.q[C.q_head];
    C.q_head = (C.q_head + 1) % REPLIES;
    C.q_n--;
    return true;
}

static bool ctrl_dead(void)
{
    return sock_failed(C.ctrl) || (tcp_eof(C.ctrl) && C.q_n == 0 && C.rd_off >= C.rd_len);
}

/* ---------------------------------------------------------------- data connection */

static void data_setup(void)
{
    if (C.req.passive) {
        next(C.req.server.family == 6 ? "EPSV" : "PASV", NULL, S_PASV);
        return;
    }
    /* NetX: listen on the first free port after the last one used (initially the control port) */
    uint32_t port = C.last_data_port;
    for (int tries = 0; tries < 64 && C.lsn < 0; tries++) {
        port = port >= 65535u ? 1024u : port + 1u;
        C.lsn = tcp_listen((uint16_t)port, 1);
    }
    if (C.lsn < 0) {
        fail(FTPC_E_CONNECT, "data listen", "no free port or socket");
        return;
    }
    C.last_data_port = (uint16_t)port;
    C.res.data_port = (uint16_t)port;
    char arg[64];
    ftp_sb b;
    ftp_sb_init(&b, arg, sizeof arg);
    if (C.req.server.family == 4) {
        ftp_sb_hostport(&b, C.local.addr, port, 3);
    } else {
        ftp_sb_str(&b, "|2|");
        for (int i = 0; i < 8; i++) {
            if (i) ftp_sb_ch(&b, ':');
            ftp_sb_hex4(&b, (uint16_t)((C.local.addr[2 * i] << 8) | C.local.addr[2 * i + 1]), true, true);
        }
        ftp_sb_ch(&b, '|');
        ftp_sb_u32(&b, port);
        ftp_sb_ch(&b, '|');
    }
    next(C.req.server.family == 4 ? "PORT" : "EPRT", arg, S_PORT);
}

static void send_transfer_cmd(void)
{
    next(verb(), C.req.remote, S_XFER_CMD); /* an empty NLST path gives "NLST \r\n", as in NetX */
}

/* 227 (h1,h2,h3,h4,p1,p2): six numbers from the first digit after the code (NetX's rule). */
static bool parse_pasv(const char *t, ip_addr_t *ip, uint16_t *port)
{
    size_t i = 3;
    while (t[i] && !ftp_is_digit(t[i])) i++;
    uint32_t v[6];
    for (int k = 0; k < 6; k++) {
        size_t st = i;
        while (ftp_is_digit(t[i])) i++;
        if (!ftp_parse_u32(t + st, i - st, &v[k]) || v[k] > 255) return false;
        if (k < 5) {
            if (t[i] != ',') return false;
            i++;
        }
    }
    memset(ip, 0, sizeof *ip);
    ip->family = 4;
    for (int k = 0; k < 4; k++) ip->addr[k] = (uint8_t)v[k];
    *port = (uint16_t)(v[4] * 256u + v[5]);
    return *port != 0;
}

static bool parse_epsv(const char *t, uint16_t *port)
{
    const char *p = strstr(t, "(|||");
    if (!p) return false;
    p += 4;
    size_t n = 0;
    while (ftp_is_digit(p[n])) n++;
    uint32_t v;
    if (p[n] != '|' || !ftp_parse_u32(p, n, &v) || v == 0 || v > 65535) return false;
    *port = (uint16_t)v;
    return true;
}

static void receive_data(void)
{
    const uint8_t *p;
    size_t n;
    for (int k = 0; k < 64 && tcp_peek(C.data, &p, &n); k++) {
        sha256_update(&C.sha, p, n);
        C.res.bytes += (uint32_t)n;
        if (C.req.op == FTPC_GET) {
            int st = ramfs_file_write(&C.file, p, (uint32_t)n);
            if (st != RAMFS_SUCCESS) {
                tcp_release(C.data);
                fail(st == RAMFS_NO_MORE_SPACE ? FTPC_E_NO_SPACE : FTPC_E_CONNECT, "local write",
                     st == RAMFS_NO_MORE_SPACE ? "file system full" : "write error");
                return;
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                if (C.res.listing_len < FTP_CLIENT_LIST_MAX)
                    C.res.listing[C.res.listing_len++] = (char)p[i];
                else
                    C.res.listing_truncated = true;
                if (p[i] == '\n') C.res.names++;
            }
            C.res.listing[C.res.listing_len] = '\0';
        }
        tcp_release(C.data);
        arm();
    }
    if (tcp_eof(C.data)) {
        sock_drop(&C.data, false);
        go(S_FINAL);
    } else if (!sock_up(C.data)) {
        fail(FTPC_E_CONNECT, "data", "connection reset");
    }
}

static void send_data(void)
{
    if (!sock_up(C.data)) {
        fail(FTPC_E_CONNECT, "data", "connection reset");
        return;
    }
    for (int k = 0; k < 64; k++) {
        if (C.buf_off >= C.buf_len) {
            if (C.src_done) break;
            uint32_t got = 0;
            int st = ramfs_file_read(&C.file, C.buf, sizeof C.buf, &got);
            C.buf_len = got;
            C.buf_off = 0;
            if (st != RAMFS_SUCCESS || got == 0) {
                C.src_done = true;
                C.buf_len = 0;
                break;
            }
        }
        size_t n = tcp_send(C.data, C.buf + C.buf_off, C.buf_len - C.buf_off);
        if (n == 0) break;
        sha256_update(&C.sha, C.buf + C.buf_off, n);
        C.buf_off += n;
        C.res.bytes += (uint32_t)n;
        arm();
    }
    if (C.src_done && C.buf_off >= C.buf_len) {
        sock_drop(&C.data, false); /* closing the data connection is the end of the file (no ABOR) */
        go(S_FINAL);
    }
}

/* ---------------------------------------------------------------- steps */

static void on_reply(const reply_t *r)
{
    int cls = r->code / 100;
    switch (C.step) {
    case S_GREETING:
        if (want(r->code / 10 == 22, "greeting", '2', r)) next("USER", C.req.user, S_USER);
        return;
    case S_USER:
        if (r->code / 10 == 22) return; /* more greeting packets: skipped, as NetX does */
        if (want(r->code / 10 == 33, "USER", '3', r)) next("PASS", C.req.pass, S_PASS);
        return;
    case S_PASS:
        if (!want(r->code / 10 == 23, "PASS", '2', r)) return;
        if (C.req.op == FTPC_LS)
            data_setup();
        else
            next("TYPE", "I", S_TYPE);
        return;
    case S_TYPE:
        if (want(cls == 2, "TYPE", '2', r)) data_setup();
        return;
    case S_PORT:
        if (want(cls == 2, C.req.server.family == 6 ? "EPRT" : "PORT", '2', r)) send_transfer_cmd();
        return;
    case S_PASV: {
        ip_addr_t ip = C.req.server;
        uint16_t port = 0;
        bool ok = C.req.server.family == 6 ? r->code == 229 && parse_epsv(r->text, &port)
                                           : r->code == 227 && parse_pasv(r->text, &ip, &port);
        if (!want(ok, C.req.server.family == 6 ? "EPSV" : "PASV", '2', r)) return;
        C.res.data_port = port;
        C.data = tcp_connect(ip.family, &ip, port, 0);
        if (C.data < 0) {
            fail(FTPC_E_CONNECT, "data connect", "no socket");
            return;
        }
        go(S_DATA_CONNECT);
        return;
    }
    case S_XFER_CMD:
        if (!want(cls == 1, verb(), '1', r)) return;
        if (C.req.op == FTPC_GET) {
            int st = ramfs_file_rewrite(&C.file, C.req.local);
            if (st != RAMFS_SUCCESS) {
                fail(st == RAMFS_NO_MORE_SPACE ? FTPC_E_NO_SPACE : FTPC_E_NOT_FOUND, "local file",
                     st == RAMFS_NO_MORE_SPACE ? "file system full" : "cannot create");
                return;
            }
            C.local_made = true;
        }
        go(C.req.passive ? S_XFER : S_ACCEPT);
        return;
    case S_ACCEPT:
    case S_XFER:
        if (cls == 1) return;
        if (cls == 2) {
            C.final_seen = true; /* the end reply may come before the data ends */
            C.final = *r;
            return;
        }
        fail_reply(verb(), '2', r);
        return;
    case S_FINAL:
        if (cls == 1) return;
        if (want(cls == 2, verb(), '2', r)) next("QUIT", NULL, S_QUIT);
        return;
    case S_QUIT:
        finish(true); /* the transfer is done whatever QUIT gets */
        return;
    default:
        return;
    }
}

void ftp_client_init(void)
{
    memset(&C, 0, sizeof C);
    C.ctrl = C.data = C.lsn = -1;
    ramfs_file_clear(&C.file);
}

bool ftp_client_start(const ftpc_request *req, uint32_t now_ms)
{
    if (C.step != S_IDLE) return false;
    uint16_t keep_port = C.last_data_port;
    ftp_client_init();
    C.last_data_port = keep_port;
    C.req = *req;
    C.req.user[sizeof C.req.user - 1] = '\0';
    C.req.pass[sizeof C.req.pass - 1] = '\0';
    C.req.remote[sizeof C.req.remote - 1] = '\0';
    C.req.local[sizeof C.req.local - 1] = '\0';
    C.now = now_ms;
    C.res.status = FTPC_BUSY;
    sha256_init(&C.sha);
    C.step = S_CONNECT;
    arm();
    if (req->op == FTPC_PUT && ramfs_file_open(&C.file, C.req.local, RAMFS_OPEN_FOR_READ) != RAMFS_SUCCESS) {
        fail(FTPC_E_NOT_FOUND, "local file", "not found");
        return true;
    }
    C.ctrl = tcp_connect(req->server.family, &req->server, req->port, 0);
    if (C.ctrl < 0) fail(FTPC_E_CONNECT, "connect", "no socket");
    return true;
}

void ftp_client_poll(uint32_t now_ms)
{
    C.now = now_ms;
    for (int round = 0; round < 8 && C.step != S_IDLE; round++) {
        int before = C.step;
        flush();
        if (C.step == S_CONNECT) {
            if (sock_up(C.ctrl)) {
                uint16_t rport;
                ip_addr_t remote;
                tcp_endpoints(C.ctrl, &C.local, &C.lport, &remote, &rport);
                if (C.last_data_port == 0) C.last_data_port = C.lport;
                go(S_GREETING);
            } else if (sock_failed(C.ctrl)) {
                fail(FTPC_E_CONNECT, "connect", "refused");
                return;
            }
        }
        if (C.step == S_DATA_CONNECT) {
            if (sock_up(C.data)) {
                send_transfer_cmd();
            } else if (sock_failed(C.data)) {
                fail(FTPC_E_CONNECT, "data connect", "refused");
                return;
            }
        }
        if (C.step == S_ACCEPT) {
            tcp_id d = tcp_accept(C.lsn);
            if (d >= 0) {
                C.data = d;
                sock_drop(&C.lsn, false);
                go(S_XFER);
            }
        }
        if (C.step >= S_GREETING) {
            read_replies();
            reply_t r;
            while (C.step != S_IDLE && next_reply(&r)) on_reply(&r);
            if (C.step == S_IDLE) return;
        }
        if (C.step == S_XFER) {
            if (C.req.op == FTPC_PUT)
                send_data();
            else
                receive_data();
            if (C.step == S_IDLE) return;
        }
        if (C.step == S_FINAL && C.final_seen) {
            C.final_seen = false;
            on_reply(&C.final);
            if (C.step == S_IDLE) return;
        }
        flush();
        if (C.step >= S_GREETING && C.ctrl >= 0 && ctrl_dead()) {
            if (C.step == S_QUIT) {
                finish(true);
            } else {
                fail(FTPC_E_CONNECT, "control", "connection closed by the server");
            }
            return;
        }
        if ((int32_t)(C.now - C.deadline) >= 0) {
            static const char *const names[] = {"idle", "connect", "greeting", "USER", "PASS", "TYPE", "PORT",
                                                "PASV", "data connect", "transfer command", "data accept",
                                                "data", "final reply", "QUIT"};
            if (C.step == S_QUIT)
                finish(true);
            else
                fail(FTPC_E_TIMEOUT, names[C.step], "timeout");
            return;
        }
        if (C.step == before) break;
    }
}

ftpc_status ftp_client_status(void) { return C.res.status; }
const ftpc_result *ftp_client_result(void) { return &C.res; }

void ftp_client_abort(void)
{
    if (C.step == S_IDLE) return;
    C.res.err = FTPC_E_CONNECT;
    ftp_sb b;
    ftp_sb_init(&b, C.res.error, sizeof C.res.error);
    ftp_sb_str(&b, "aborted");
    sock_drop(&C.ctrl, true);
    finish(false);
}
