/* ftp_server.c - NetX-Duo-like FTP server, poll driven. See ftp_server.h and
 * shared/reference/netx-duo-ftp.md; the parsing rules below reproduce NetX's byte for byte:
 *  - one TCP segment is one command; bytes after the first line are ignored;
 *  - the verb runs to the first ' ' or CR, or stops one byte short of the segment end (so a
 *    command without CRLF loses its last byte: "QUIT" alone reads as "QUI" -> 502);
 *  - an argument runs to the first CR/LF/NUL, again at most to one byte short of the end;
 *  - before login every verb but USER/PASS gets 530; read-only sessions get 532 for writes. */
#include "ftp_server.h"

#include <string.h>

#include "ftp_text.h"
#include "ramfs.h"
#include "sock.h"

#define REPLY_MAX (2 * RAMFS_PATH_MAX + 64)
#define CMDS_PER_POLL 8
#define SENDS_PER_POLL 64
#define SEGS_PER_POLL 64

enum { X_NONE, X_RETR, X_STOR, X_LIST, X_NLST };
enum { P_NONE, P_CONNECT, P_RUN, P_DRAIN, P_FINISH };

typedef struct {
    bool used;
    tcp_id ctrl, data, pasv;
    tcp_id closing; /* a RETR/LIST/NLST data connection we closed: its FIN is awaited */
    ip_addr_t peer, local;
    uint16_t peer_port;
    uint16_t data_port; /* PORT/EPRT port; kept across sessions of this slot, as in NetX */
    bool authenticated, login_called, read_only, type_image, block_mode, passive, quitting;
    uint32_t activity;
    char user[20], pass[20];
    char cwd[RAMFS_PATH_MAX];
    char rnfr[RAMFS_PATH_MAX];
    bool rnfr_set;
    char out[REPLY_MAX];
    size_t out_len, out_off;
    /* transfer */
    uint8_t xfer, phase;
    bool xblock, has_deadline, src_done, hdr_sent, failed, write_error;
    uint32_t deadline;
    uint32_t count; /* payload bytes sent (RETR/LIST/NLST) or received (STOR) */
    uint32_t listed; /* LIST/NLST lines produced */
    ramfs_file file;
    ramfs_dir dir;
    ramfs_info cur;
    bool cur_valid;
    uint8_t buf[FTP_XFER_BUF + 3];
    size_t buf_len, buf_off;
    uint8_t bh[3], bh_got, bdesc;
    uint32_t bleft;
    bool beof;
} session_t;

static session_t sessions[FTP_MAX_SESSIONS];
static tcp_id listener = -1;
static uint32_t listen_retry_at;
static uint32_t pasv_counter = FTP_PASV_PORT_FIRST;
static uint32_t g_now;
static bool default_read_only = FTP_READ_ONLY != 0;
static ftp_login_fn login_hook;
static ftp_logout_fn logout_hook;
static ftp_server_counters_t ctr;

static const char *const MONTHS[12] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

/* ================================================================ replies */

static bool out_busy(const session_t *s) { return s->out_off < s->out_len; }

static void flush(session_t *s)
{
    if (!out_busy(s) || s->ctrl < 0) return;
    size_t left = s->out_len - s->out_off;
    /* One reply = one segment, as NetX sends one packet per reply: wait for room for all of it. */
    if (tcp_send_space(s->ctrl) < left) return;
    size_t n = tcp_send(s->ctrl, (const uint8_t *)s->out + s->out_off, left);
    s->out_off += n;
    if (s->out_off >= s->out_len) s->out_len = s->out_off = 0;
}

/* "<code> <text> \r\n" - NetX puts a space before CRLF. */
static void reply(session_t *s, const char *code_text)
{
    ftp_sb b;
    ftp_sb_init(&b, s->out + s->out_len, sizeof s->out - s->out_len);
    ftp_sb_str(&b, code_text);
    ftp_sb_str(&b, " \r\n");
    s->out_len += b.len;
    flush(s);
}

/* '<code> "<path>" <text> \r\n' with '\' as '/', a leading '/', '"' doubled. */
static void reply_path(session_t *s, const char *code, const char *path, const char *text)
{
    ftp_sb b;
    ftp_sb_init(&b, s->out + s->out_len, sizeof s->out - s->out_len);
    ftp_sb_str(&b, code);
    ftp_sb_str(&b, " \"");
    if (path[0] != '/' && path[0] != '\\') ftp_sb_ch(&b, '/');
    for (const char *p = path; *p; p++) {
        if (*p == '"') ftp_sb_ch(&b, '"');
        ftp_sb_ch(&b, *p == '\\' ? '/' : *p);
    }
    ftp_sb_str(&b, "\" ");
    ftp_sb_str(&b, text);
    ftp_sb_str(&b, " \r\n");
    s->out_len += b.len;
    flush(s);
}

/* ================================================================ sockets and cleanup */

/* Ends any transfer and the data connection (NetX's data socket cleanup). */
static void data_cleanup(session_t *s)
{
    ramfs_file_close(&s->file);
    sock_drop(&s->data, true);
    sock_drop(&s->pasv, false);
    s->xfer = X_NONE;
    s->phase = P_NONE;
    s->passive = false;
    s->buf_len = s->buf_off = 0;
}

static void end_session(session_t *s, bool call_logout)
{
    data_cleanup(s);
    if (call_logout && s->login_called && logout_hook) logout_hook(&s->peer, s->peer_port, s->user);
    sock_drop(&s->ctrl, false);
    s->used = false;
    s->out_len = s->out_off = 0;
    ctr.disconnections++;
}

/* ================================================================ transfers */

static size_t list_line(char *out, size_t cap, const ramfs_info *in, bool nlst)
{
    ftp_sb b;
    ftp_sb_init(&b, out, cap);
    if (nlst) {
        ftp_sb_str(&b, in->name);
        ftp_sb_str(&b, "\r\n");
        return b.overflow ? 0 : b.len;
    }
    if (in->month < 1 || in->month > 12) return 0; /* NetX skips entries with a bad month */
    ftp_sb_ch(&b, (in->attr & RAMFS_ATTR_DIRECTORY) ? 'd' : '-');
    ftp_sb_str(&b, (in->attr & RAMFS_ATTR_READ_ONLY) ? "r--r--r--" : "rw-rw-rw-");
    ftp_sb_str(&b, "  1 owner group ");
    ftp_sb_u32_pad(&b, in->size, 10, ' ');
    ftp_sb_ch(&b, ' ');
    ftp_sb_str(&b, MONTHS[in->month - 1]);
    ftp_sb_ch(&b, ' ');
    ftp_sb_u32_pad(&b, in->day, 2, '0');
    ftp_sb_ch(&b, ' ');
    ftp_sb_u32_pad(&b, in->hour, 2, '0');
    ftp_sb_ch(&b, ':');
    ftp_sb_u32_pad(&b, in->minute, 2, '0');
    ftp_sb_ch(&b, ' ');
    ftp_sb_str(&b, in->name);
    ftp_sb_str(&b, "\r\n");
    return b.overflow ? 0 : b.len;
}

static void list_advance(session_t *s)
{
    if (s->dir.next < 0) { /* a single-file LIST */
        s->cur_valid = false;
        return;
    }
    s->cur_valid = ramfs_dir_next(&s->dir, &s->cur) == RAMFS_SUCCESS;
}

/* Length of the whole listing, for the block-mode header (NetX walks the directory too). */
static uint32_t list_total(const session_t *s)
{
    ramfs_dir d = s->dir;
    ramfs_info info = s->cur;
    bool valid = s->cur_valid;
    uint32_t total = 0;
    char line[RAMFS_NAME_MAX + 64];
    while (valid) {
        total += (uint32_t)list_line(line, sizeof line, &info, s->xfer == X_NLST);
        if (d.next < 0) break;
        valid = ramfs_dir_next(&d, &info) == RAMFS_SUCCESS;
    }
    return total;
}

static void put_block_header(session_t *s, uint8_t desc, uint32_t n)
{
    s->buf[s->buf_len++] = desc;
    s->buf[s->buf_len++] = (uint8_t)(n >> 8);
    s->buf[s->buf_len++] = (uint8_t)n;
}

/* Next chunk for RETR/LIST/NLST into buf; false when there is nothing more. */
static bool refill(session_t *s)
{
    s->buf_len = s->buf_off = 0;
    if (s->src_done) return false;
    if (s->xfer == X_RETR) {
        if (s->xblock && !s->hdr_sent) {
            uint32_t size = ramfs_file_size(&s->file);
            if (size) put_block_header(s, 0, size); /* NetX: whole length cut to 16 bits */
            s->hdr_sent = true;
        }
        uint32_t got = 0;
        int st = ramfs_file_read(&s->file, s->buf + s->buf_len, (uint32_t)(FTP_XFER_BUF - s->buf_len), &got);
        if (st == RAMFS_SUCCESS) {
            s->buf_len += got;
        } else {
            s->src_done = true;
            if (st != RAMFS_END_OF_FILE) s->failed = true;
            if (s->xblock) put_block_header(s, 0x40, 0);
        }
        return s->buf_len > 0;
    }
    if (s->xblock && !s->hdr_sent) {
        uint32_t total = list_total(s);
        if (total) put_block_header(s, 0, total);
        s->hdr_sent = true;
    }
    while (s->cur_valid) {
        char line[RAMFS_NAME_MAX + 64];
        size_t n = list_line(line, sizeof line, &s->cur, s->xfer == X_NLST);
        if (n && s->buf_len + n > FTP_XFER_BUF) break;
        memcpy(s->buf + s->buf_len, line, n);
        s->buf_len += n;
        if (n) s->listed++;
        list_advance(s);
    }
    if (!s->cur_valid) {
        s->src_done = true;
        if (s->xblock) put_block_header(s, 0x40, 0);
    }
    return s->buf_len > 0;
}

static const char *connect_fail_text(uint8_t kind)
{
    switch (kind) {
    case X_RETR: return "550 File Open Fail";
    case X_STOR: return "550 File Open Failed";
    case X_LIST: return "550 Bad Directory";
    default: return "550 List bad Directory";
    }
}

static void xfer_end(session_t *s, const char *text, bool ok)
{
    if (ok)
        ctr.transfers_ok++;
    else
        ctr.transfers_failed++;
    data_cleanup(s);
    reply(s, text);
}

static void stor_write(session_t *s, const uint8_t *p, size_t n)
{
    if (s->write_error || n == 0) return;
    int st = ramfs_file_write(&s->file, p, (uint32_t)n);
    if (st != RAMFS_SUCCESS) {
        s->write_error = true;
        if (st == RAMFS_NO_MORE_SPACE) ctr.no_space++;
    }
}

static void stor_consume(session_t *s, const uint8_t *p, size_t n)
{
    if (!s->xblock) {
        s->count += (uint32_t)n;
        stor_write(s, p, n);
        return;
    }
    while (n && !s->beof) {
        if (s->bh_got < 3) {
            s->bh[s->bh_got++] = *p++;
            n--;
            if (s->bh_got == 3) {
                s->bdesc = s->bh[0];
                s->bleft = ((uint32_t)s->bh[1] << 8) | s->bh[2];
                if (s->bleft == 0) {
                    if (s->bdesc & 0x40) s->beof = true;
                    s->bh_got = 0;
                }
            }
            continue;
        }
        size_t take = n < s->bleft ? n : s->bleft;
        stor_write(s, p, take);
        s->count += (uint32_t)take;
        p += take;
        n -= take;
        s->bleft -= (uint32_t)take;
        if (s->bleft == 0) {
            if (s->bdesc & 0x40) s->beof = true;
            s->bh_got = 0;
        }
    }
}

static void xfer_poll(session_t *s)
{
    if (s->xfer == X_NONE) return;
    if (s->phase == P_CONNECT) {
        bool up = false;
        if (s->pasv >= 0 && s->data < 0) {
            tcp_id d = tcp_accept(s->pasv);
            if (d >= 0) {
                s->data = d;
                sock_drop(&s->pasv, false);
            }
        }
        if (s->data >= 0) {
            if (sock_up(s->data))
                up = true;
            else if (sock_failed(s->data)) {
                s->has_deadline = true; /* refused: fail now */
                s->deadline = g_now;
            }
        }
        if (!up) {
            if (s->has_deadline && (int32_t)(g_now - s->deadline) >= 0) {
                ctr.data_connect_failures++;
                xfer_end(s, connect_fail_text(s->xfer), false);
            }
            return;
        }
        s->activity = g_now;
        if (s->xfer != X_STOR || !s->passive) {
            static const char *const start[] = {"", "125 File Opened", "125 File Open for Write", "125 Sending List",
                                                "125 Sending List"};
            reply(s, start[s->xfer]);
        }
        s->phase = P_RUN;
    }
    if (s->xfer == X_STOR) {
        if (s->phase == P_RUN) {
            const uint8_t *p;
            size_t n;
            for (int k = 0; k < SEGS_PER_POLL && tcp_peek(s->data, &p, &n); k++) {
                stor_consume(s, p, n);
                ctr.bytes_received += (uint32_t)n;
                tcp_release(s->data);
                s->activity = g_now;
            }
            if (tcp_eof(s->data) || !sock_up(s->data)) {
                s->activity = g_now; /* NetX: a data disconnect counts as activity */
                sock_drop(&s->data, false);
                s->phase = P_FINISH;
            }
        }
        if (s->phase == P_FINISH && !out_busy(s)) {
            bool ok = !s->write_error && ramfs_file_size(&s->file) == s->count;
            s->block_mode = false; /* NetX reverts to stream after a STOR */
            xfer_end(s, ok ? "250 File Written" : "550 File Write Failed", ok);
        }
        return;
    }
    /* RETR, LIST, NLST */
    const char *fail_text = s->xfer == X_RETR ? "550 Read Fail" : "550 List fail";
    if (s->phase == P_RUN) {
        if (out_busy(s)) return; /* the 125 goes out before any data */
        if (!sock_up(s->data)) {
            xfer_end(s, fail_text, false);
            return;
        }
        for (int k = 0; k < SENDS_PER_POLL; k++) {
            if (s->buf_off >= s->buf_len && !refill(s)) break;
            size_t n = tcp_send(s->data, s->buf + s->buf_off, s->buf_len - s->buf_off);
            if (n == 0) break;
            s->buf_off += n;
            s->count += (uint32_t)n;
            ctr.bytes_sent += (uint32_t)n;
            s->activity = g_now; /* deviation: NetX's synchronous send never times out */
        }
        if (s->buf_off >= s->buf_len && s->src_done) {
            if (s->failed) {
                xfer_end(s, fail_text, false);
                return;
            }
            /* FIN right behind the data (the end of the file for the client); like NetX's data
             * socket disconnect, wait up to FTP_CLOSE_WAIT_MS for it to be acknowledged, then 250
             * whatever became of it. The handle is only looked at, never used, after tcp_close. */
            s->closing = s->data;
            s->data = -1;
            tcp_close(s->closing);
            s->deadline = g_now + FTP_CLOSE_WAIT_MS;
            s->phase = P_DRAIN;
        }
    }
    if (s->phase == P_DRAIN) {
        int st = tcp_state(s->closing);
        bool fin_unacked = st == TCP_FIN_WAIT_1 || st == TCP_CLOSING || st == TCP_LAST_ACK;
        if (fin_unacked && (int32_t)(g_now - s->deadline) < 0) return;
        s->closing = -1;
        s->phase = P_FINISH;
    }
    if (s->phase == P_FINISH && !out_busy(s)) {
        if (s->xfer == X_RETR)
            xfer_end(s, "250 File Sent", true);
        else if (s->xfer == X_NLST && s->listed == 0)
            xfer_end(s, "550 List fail", false); /* NetX: an NLST that sent nothing failed */
        else
            xfer_end(s, "250 List End", true);
    }
}

/* Sets up the data connection for a transfer whose file / listing is ready. */
static void begin_transfer(session_t *s, uint8_t kind)
{
    s->xfer = kind;
    s->xblock = s->block_mode;
    s->src_done = s->hdr_sent = s->failed = s->write_error = false;
    s->count = 0;
    s->listed = 0;
    s->buf_len = s->buf_off = 0;
    s->bh_got = 0;
    s->bleft = 0;
    s->beof = false;
    s->phase = P_CONNECT;
    if (s->passive) {
        if (kind == X_STOR) {
            s->has_deadline = false; /* NetX answers at once and takes the data when it comes */
            reply(s, "125 File Open for Write");
        } else {
            s->has_deadline = true;
            s->deadline = g_now + FTP_DATA_TIMEOUT_MS;
        }
    } else {
        tcp_id d = -1;
        if (s->data_port != 0) {
            d = tcp_connect(s->peer.family, &s->peer, s->data_port, 20);
            if (d < 0) d = tcp_connect(s->peer.family, &s->peer, s->data_port, 0);
        }
        if (d < 0) {
            ctr.data_connect_failures++;
            xfer_end(s, connect_fail_text(kind), false);
            return;
        }
        s->data = d;
        s->has_deadline = true;
        s->deadline = g_now + FTP_DATA_TIMEOUT_MS;
    }
    xfer_poll(s);
}

/* ================================================================ commands */

typedef struct {
    char verb[8];
    bool verb_ok;        /* fits verb[] */
    const uint8_t *arg;  /* argument region: the segment after the verb and its separator */
    size_t arg_len;
    size_t name_len;     /* argument bytes before CR/LF/NUL (at most arg_len - 1) */
} cmd_t;

static void parse(const uint8_t *p, size_t len, cmd_t *c)
{
    size_t i = 0;
    while (i + 1 < len && p[i] != ' ' && p[i] != '\r') i++;
    c->verb_ok = i < sizeof c->verb;
    size_t vl = c->verb_ok ? i : 0;
    for (size_t k = 0; k < vl; k++) {
        char ch = (char)p[k];
        c->verb[k] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    c->verb[vl] = '\0';
    c->arg = p + (i + 1 <= len ? i + 1 : len);
    c->arg_len = len - (size_t)(c->arg - p);
    size_t j = 0;
    while (j + 1 < c->arg_len && c->arg[j] != '\r' && c->arg[j] != '\n' && c->arg[j] != '\0') j++;
    c->name_len = j;
}

static bool is(const cmd_t *c, const char *v) { return c->verb_ok && strcmp(c->verb, v) == 0; }

static void strip_slash(cmd_t *c)
{
    if (c->name_len > 1 && (c->arg[c->name_len - 1] == '/' || c->arg[c->name_len - 1] == '\\')) c->name_len--;
}

/* cwd + argument -> absolute path; false when unusable. Files (RETR/STOR/DELE) may not end in a
 * separator: NetX hands "name/" to FileX unchanged, which refuses it. */
static bool arg_path(const session_t *s, const cmd_t *c, bool file, char *out)
{
    if (c->name_len == 0 || c->name_len > FTP_ARG_MAX) return false;
    for (size_t k = 0; k < c->name_len; k++)
        if (c->arg[k] == 0) return false;
    if (file && (c->arg[c->name_len - 1] == '/' || c->arg[c->name_len - 1] == '\\')) return false;
    return ramfs_path_join(s->cwd, (const char *)c->arg, c->name_len, out, RAMFS_PATH_MAX) == RAMFS_SUCCESS;
}

static void copy_field(char *dst, size_t cap, const cmd_t *c)
{
    size_t j = 0;
    while (j < cap - 1 && j < c->arg_len && c->arg[j] != '\r' && c->arg[j] != '\n' && c->arg[j] != 0) {
        dst[j] = (char)c->arg[j];
        j++;
    }
    dst[j] = '\0';
}

static bool default_login(const ip_addr_t *client, uint16_t port, const char *user, const char *password,
                          bool *read_only)
{
    (void)client;
    (void)port;
    *read_only = default_read_only;
    return strcmp(user, FTP_USER) == 0 && strcmp(password, FTP_PASSWORD) == 0;
}

static void cmd_port(session_t *s, const cmd_t *c)
{
    if (s->peer.family == 6) {
        reply(s, "502 PORT illegal in IPv6");
        return;
    }
    const uint8_t *b = c->arg;
    size_t n = c->arg_len, j = 0;
    uint32_t commas = 0, ip = 0, temp = 0, port = 0;
    bool bad = false;
    for (; j < n; j++) {
        uint8_t ch = b[j];
        if (ch >= '0' && ch <= '9') temp = temp * 10u + (uint32_t)(ch - '0');
        if (ch == '\r' || ch == '\n' || ch == 0) {
            bad = true;
            break;
        }
        if (ch == ',') {
            commas++;
            ip = (ip << 8) | (temp & 0xFFu);
            temp = 0;
            if (commas == 4) {
                j++;
                break;
            }
        }
    }
    temp = 0;
    for (; j < n; j++) {
        uint8_t ch = b[j];
        if (ch >= '0' && ch <= '9') temp = temp * 10u + (uint32_t)(ch - '0');
        if (ch == '\r' || ch == '\n' || ch == 0) break;
        if (ch == ',') {
            commas++;
            port = (port << 8) | (temp & 0xFFu);
            temp = 0;
            if (commas >= 6) {
                bad = true;
                break;
            }
        }
    }
    port = (port << 8) | (temp & 0xFFu);
    uint32_t peer = ((uint32_t)s->peer.addr[0] << 24) | ((uint32_t)s->peer.addr[1] << 16) |
                    ((uint32_t)s->peer.addr[2] << 8) | s->peer.addr[3];
    if (j >= n || b[j] != '\r' || commas != 5 || ip == 0 || port == 0 || ip != peer) bad = true;
    s->data_port = (uint16_t)port; /* NetX stores it even when it answers 501 */
    reply(s, bad ? "501 Port Fail" : "200 Port set");
}

static void cmd_eprt(session_t *s, const cmd_t *c)
{
    if (s->peer.family != 6) {
        reply(s, "502 EPRT illegal in IPv4");
        return;
    }
    /* <d>proto<d>address<d>port<d>, d being the first character */
    const char *a = (const char *)c->arg;
    size_t n = 0;
    while (n < c->arg_len && a[n] != '\r' && a[n] != '\n' && a[n] != 0) n++;
    size_t fs[4], nf = 0;
    for (size_t k = 0; k < n && nf < 4; k++)
        if (a[k] == a[0]) fs[nf++] = k;
    uint8_t addr[16];
    if (nf < 3 || !ftp_parse_ipv6(a + fs[1] + 1, fs[2] - fs[1] - 1, addr)) {
        s->data_port = 0;
        reply(s, "501 Bad IPv6 address");
        return;
    }
    uint32_t port = 0;
    bool ok = nf >= 4 && ftp_parse_u32(a + fs[2] + 1, fs[3] - fs[2] - 1, &port) && port > 0 && port <= 65535;
    s->data_port = ok ? (uint16_t)port : 0;
    reply(s, ok ? "200 EPRT command set" : "501 EPRT command failed");
}

static void cmd_passive(session_t *s, bool extended)
{
    if (s->xfer != X_NONE || s->data >= 0 || s->pasv >= 0) data_cleanup(s); /* NetX drops the data socket */
    uint32_t start = pasv_counter++;
    if (pasv_counter > 0xFFFFu) pasv_counter = FTP_PASV_PORT_FIRST;
    tcp_id l = -1;
    uint32_t port = start;
    for (int tries = 0; tries < 32 && l < 0; tries++) {
        l = tcp_listen((uint16_t)port, 1);
        if (l < 0 && ++port > 0xFFFFu) port = FTP_PASV_PORT_FIRST;
    }
    if (l < 0) {
        ctr.listen_errors++;
        reply(s, extended ? "501 EPSV Fail" : "501 PASV Fail");
        return;
    }
    s->pasv = l;
    s->passive = true;
    ftp_sb b;
    ftp_sb_init(&b, s->out + s->out_len, sizeof s->out - s->out_len);
    if (extended) {
        /* "229 Entering Extended Passive Mode (|||port|)" - built by hand in NetX: no space before CRLF */
        ftp_sb_str(&b, "229 Entering Extended Passive Mode (|||");
        ftp_sb_u32(&b, port);
        ftp_sb_str(&b, "|)\r\n");
    } else {
        static const uint8_t board4[4] = IPV4_BOARD;
        const uint8_t *ip = s->local.family == 4 ? s->local.addr : board4;
        ftp_sb_str(&b, "227 Entering Passive Mode (");
        ftp_sb_hostport(&b, ip, port, 0);
        ftp_sb_str(&b, ").\r\n");
    }
    s->out_len += b.len;
    flush(s);
}

static void cmd_retr(session_t *s, const cmd_t *c)
{
    char path[RAMFS_PATH_MAX];
    if (!s->type_image) {
        reply(s, "504 Only Image transfer allowed");
        return;
    }
    if (c->arg_len == 0 || s->xfer != X_NONE || !arg_path(s, c, true, path) ||
        ramfs_file_open(&s->file, path, RAMFS_OPEN_FOR_READ) != RAMFS_SUCCESS) {
        reply(s, "550 File Open Fail");
        return;
    }
    begin_transfer(s, X_RETR);
}

static void cmd_stor(session_t *s, const cmd_t *c)
{
    char path[RAMFS_PATH_MAX];
    if (!s->type_image) {
        reply(s, "504 Only Image transfer allowed");
        return;
    }
    if (c->arg_len == 0 || s->xfer != X_NONE || !arg_path(s, c, true, path)) {
        reply(s, "550 File Open Failed");
        return;
    }
    if (ramfs_file_rewrite(&s->file, path) != RAMFS_SUCCESS) {
        reply(s, "550 File Open Failed");
        return;
    }
    begin_transfer(s, X_STOR);
}

static void cmd_list(session_t *s, cmd_t *c, bool nlst)
{
    const char *bad = nlst ? "550 List bad Directory" : "550 Bad Directory";
    if (c->arg_len == 0 || s->xfer != X_NONE) {
        reply(s, bad);
        return;
    }
    strip_slash(c);
    char path[RAMFS_PATH_MAX];
    if (c->name_len == 0) {
        memcpy(path, s->cwd, sizeof path);
    } else if (!arg_path(s, c, false, path)) {
        reply(s, bad);
        return;
    }
    int st = ramfs_dir_first(&s->dir, path, &s->cur);
    if (st == RAMFS_SUCCESS || st == RAMFS_NO_MORE_ENTRIES) {
        s->cur_valid = st == RAMFS_SUCCESS;
    } else if (!nlst && ramfs_info_get(path, &s->cur) == RAMFS_SUCCESS &&
               !(s->cur.attr & RAMFS_ATTR_DIRECTORY)) {
        s->cur_valid = true; /* LIST of one file: one line */
        s->dir.next = -1;
    } else {
        reply(s, bad);
        return;
    }
    begin_transfer(s, nlst ? X_NLST : X_LIST);
}

static void handle(session_t *s, const uint8_t *p, size_t len)
{
    cmd_t c;
    parse(p, len, &c);
    ctr.commands++;
    s->activity = g_now;
    char path[RAMFS_PATH_MAX];

    if (!s->authenticated && !is(&c, "USER") && !is(&c, "PASS")) {
        reply(s, "530 Not logged in");
        return;
    }
    if (s->read_only && (is(&c, "STOR") || is(&c, "RNFR") || is(&c, "RNTO") || is(&c, "DELE") || is(&c, "RMD") ||
                         is(&c, "XRMD") || is(&c, "MKD") || is(&c, "XMKD"))) {
        reply(s, "532 Need account for storing files");
        return;
    }
    if (is(&c, "USER")) {
        copy_field(s->user, sizeof s->user, &c);
        reply(s, "331 Enter password");
    } else if (is(&c, "PASS")) {
        copy_field(s->pass, sizeof s->pass, &c);
        bool ro = false;
        ftp_login_fn fn = login_hook ? login_hook : default_login;
        bool ok = fn(&s->peer, s->peer_port, s->user, s->pass, &ro);
        s->login_called = true;
        if (ok) {
            s->authenticated = true;
            s->read_only = ro;
            s->type_image = false; /* NetX: type A after login */
            ctr.logins++;
            reply(s, "230 Logged in");
        } else {
            ctr.login_errors++;
            reply(s, "530 Login Fail");
        }
    } else if (is(&c, "QUIT")) {
        if (logout_hook && s->login_called) logout_hook(&s->peer, s->peer_port, s->user);
        s->login_called = false;
        reply(s, "221 Logging Off");
        data_cleanup(s);
        s->quitting = true;
    } else if (is(&c, "RETR")) {
        cmd_retr(s, &c);
    } else if (is(&c, "STOR")) {
        cmd_stor(s, &c);
    } else if (is(&c, "RNFR")) {
        strip_slash(&c);
        uint8_t attr;
        if (c.arg_len && arg_path(s, &c, false, path) && ramfs_attributes_read(path, &attr) == RAMFS_SUCCESS &&
            strcmp(path, "/") != 0) {
            memcpy(s->rnfr, path, sizeof s->rnfr);
            s->rnfr_set = true;
            reply(s, "350 Rename File From");
        } else {
            reply(s, "550 Rename File not found");
        }
    } else if (is(&c, "RNTO")) {
        strip_slash(&c);
        bool ok = false;
        if (c.arg_len && s->rnfr_set && arg_path(s, &c, false, path)) {
            int st = ramfs_file_rename(s->rnfr, path);
            if (st == RAMFS_NOT_A_FILE) st = ramfs_dir_rename(s->rnfr, path);
            ok = st == RAMFS_SUCCESS;
        }
        s->rnfr_set = false;
        reply(s, ok ? "250 File Renamed" : "550 Rename failed");
    } else if (is(&c, "DELE")) {
        bool ok = c.arg_len && arg_path(s, &c, true, path) && ramfs_file_delete(path) == RAMFS_SUCCESS;
        reply(s, ok ? "250 File Deleted" : "550 Delete Failed");
    } else if (is(&c, "RMD") || is(&c, "XRMD")) {
        strip_slash(&c);
        bool ok = c.arg_len && arg_path(s, &c, false, path) && ramfs_dir_delete(path) == RAMFS_SUCCESS;
        reply(s, ok ? "250 Directory Deleted" : "550 Delete Directory Fail");
    } else if (is(&c, "MKD") || is(&c, "XMKD")) {
        strip_slash(&c);
        if (c.arg_len && arg_path(s, &c, false, path) && ramfs_dir_create(path) == RAMFS_SUCCESS)
            reply_path(s, "200", path, "Directory Created");
        else
            reply(s, "550 Directory Create failed");
    } else if (is(&c, "CWD") || is(&c, "CDUP")) {
        bool ok;
        if (is(&c, "CDUP")) {
            ok = ramfs_path_join(s->cwd, "..", 2, path, sizeof path) == RAMFS_SUCCESS;
        } else {
            strip_slash(&c);
            ok = c.arg_len && arg_path(s, &c, false, path);
        }
        if (ok && ramfs_dir_exists(path) == RAMFS_SUCCESS) {
            memcpy(s->cwd, path, sizeof s->cwd);
            reply_path(s, "250", s->cwd, "set successfully");
        } else {
            reply(s, "550 Change Dir Fail");
        }
    } else if (is(&c, "PWD")) {
        reply_path(s, "257", s->cwd, "is current Directory");
    } else if (is(&c, "NLST")) {
        cmd_list(s, &c, true);
    } else if (is(&c, "LIST")) {
        cmd_list(s, &c, false);
    } else if (is(&c, "PORT")) {
        cmd_port(s, &c);
    } else if (is(&c, "PASV")) {
        cmd_passive(s, false);
    } else if (IPV6_ENABLED && is(&c, "EPRT")) {
        cmd_eprt(s, &c);
    } else if (IPV6_ENABLED && is(&c, "EPSV")) {
        cmd_passive(s, true);
    } else if (is(&c, "TYPE")) {
        uint8_t t = c.arg_len ? c.arg[0] : 0;
        if (t == 'I' || t == 'A') s->type_image = t == 'I';
        reply(s, t == 'I' ? "200 Type Binary" : t == 'A' ? "200 Type ASCII" : "504 Type Non ASCII or Binary");
    } else if (is(&c, "MODE")) {
        uint8_t m = c.arg_len ? c.arg[0] : 0;
        if (m == 'S' || m == 'B') s->block_mode = m == 'B';
        reply(s, m == 'S' ? "200 Mode Stream" : m == 'B' ? "200 Mode Block" : "504 Mode Non Stream or Block");
    } else if (is(&c, "NOOP")) {
        reply(s, "200 NOOP Success");
    } else {
        ctr.unknown_commands++;
        reply(s, "502 Not Implemented");
    }
}

/* RETR/LIST/NLST hold the session's command stream until they finish (NetX runs them to the
 * end before it reads the next command); so does an active STOR until its data connection is up. */
static bool blocking(const session_t *s)
{
    if (s->xfer == X_NONE) return false;
    if (s->xfer != X_STOR) return true;
    return s->phase == P_CONNECT && !s->passive;
}

static void session_poll(session_t *s)
{
    flush(s);
    if (s->quitting) {
        if (!out_busy(s) || !sock_up(s->ctrl)) end_session(s, false);
        return;
    }
    if (sock_failed(s->ctrl)) {
        end_session(s, true);
        return;
    }
    xfer_poll(s);
    for (int k = 0; k < CMDS_PER_POLL && s->used && !s->quitting; k++) {
        const uint8_t *p;
        size_t n;
        if (out_busy(s) || blocking(s) || !tcp_peek(s->ctrl, &p, &n)) break;
        if (n) handle(s, p, n);
        tcp_release(s->ctrl);
        xfer_poll(s);
    }
    if (s->quitting) {
        if (!out_busy(s)) end_session(s, false);
        return;
    }
    if (tcp_eof(s->ctrl) && !out_busy(s)) {
        end_session(s, true); /* control closed without QUIT: logout and clean up */
        return;
    }
    if ((uint32_t)(g_now - s->activity) >= FTP_IDLE_TIMEOUT_MS) {
        ctr.idle_timeouts++;
        end_session(s, false); /* silent, no 421, no logout (reference section 2) */
    }
}

static void accept_new(void)
{
    for (int i = 0; i < FTP_MAX_SESSIONS; i++) {
        session_t *s = &sessions[i];
        if (s->used) continue;
        tcp_id c = tcp_accept(listener);
        if (c < 0) return;
        uint16_t keep_port = s->data_port;
        memset(s, 0, sizeof *s);
        s->used = true;
        s->ctrl = c;
        s->data = -1;
        s->pasv = -1;
        s->closing = -1;
        s->data_port = keep_port;
        ramfs_file_clear(&s->file);
        uint16_t lport;
        tcp_endpoints(c, &s->local, &lport, &s->peer, &s->peer_port);
        s->activity = g_now;
        s->cwd[0] = '/';
        s->cwd[1] = '\0';
        ctr.connections++;
        int active = ftp_server_sessions();
        if ((uint32_t)active > ctr.sessions_peak) ctr.sessions_peak = (uint32_t)active;
        reply(s, "220 Connection Ready");
    }
}

/* ================================================================ API */

void ftp_server_init(void)
{
    for (int i = 0; i < FTP_MAX_SESSIONS; i++) {
        memset(&sessions[i], 0, sizeof sessions[i]);
        sessions[i].ctrl = sessions[i].data = sessions[i].pasv = sessions[i].closing = -1;
        ramfs_file_clear(&sessions[i].file);
    }
    memset(&ctr, 0, sizeof ctr);
    pasv_counter = FTP_PASV_PORT_FIRST;
    listener = tcp_listen(FTP_PORT, FTP_MAX_SESSIONS);
    if (listener < 0) ctr.listen_errors++;
    listen_retry_at = 0;
}

void ftp_server_poll(uint32_t now_ms)
{
    g_now = now_ms;
    if (listener < 0 && (int32_t)(now_ms - listen_retry_at) >= 0) {
        listener = tcp_listen(FTP_PORT, FTP_MAX_SESSIONS);
        if (listener < 0) {
            ctr.listen_errors++;
            listen_retry_at = now_ms + 1000u;
        }
    }
    if (listener >= 0) accept_new();
    for (int i = 0; i < FTP_MAX_SESSIONS; i++)
        if (sessions[i].used) session_poll(&sessions[i]);
}

void ftp_server_shutdown(void)
{
    for (int i = 0; i < FTP_MAX_SESSIONS; i++) {
        session_t *s = &sessions[i];
        if (!s->used) continue;
        data_cleanup(s);
        sock_drop(&s->ctrl, true);
        s->used = false;
    }
}

void ftp_server_set_hooks(ftp_login_fn login, ftp_logout_fn logout)
{
    login_hook = login;
    logout_hook = logout;
}

void ftp_server_set_read_only(bool read_only) { default_read_only = read_only; }
bool ftp_server_read_only(void) { return default_read_only; }

int ftp_server_sessions(void)
{
    int n = 0;
    for (int i = 0; i < FTP_MAX_SESSIONS; i++)
        if (sessions[i].used) n++;
    return n;
}

const ftp_server_counters_t *ftp_server_counters(void) { return &ctr; }
void ftp_server_reset_counters(void) { memset(&ctr, 0, sizeof ctr); }
