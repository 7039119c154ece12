/* agent.c - the test agent's line protocol. See agent.h and README.md. */
#include "agent.h"

#include <string.h>

#include "counters.h"
#include "ftp_client.h"
#include "ftp_server.h"
#include "ftp_text.h"
#include "port.h"
#include "ramfs.h"
#include "sha256.h"
#include "sock.h"
#include "tcp.h"

#define MAX_TOKENS 10

typedef struct {
    bool used;
    tcp_id s;
    char rx[AGENT_LINE_MAX];
    size_t rx_len;
    bool discarding; /* inside an over-long line */
    char out[AGENT_REPLY_MAX];
    size_t out_len, out_off;
    bool waiting;    /* a GET/PUT/LS of this connection runs in the FTP client */
    ftpc_op op;
    bool closing;    /* QUIT: close once the reply is out */
} conn_t;

static conn_t conns[AGENT_MAX_CONN];
static tcp_id listener = -1;
static uint32_t g_now, retry_at;
static bool reboot_pending;
static tcp_id reboot_conn = -1;
static uint32_t reboot_at;
static uint32_t requests;
static ftpc_request creq; /* static: large */

/* ------------------------------------------------------------------ helpers */

uint32_t agent_prng_start(uint32_t seed)
{
    uint32_t x = seed ^ 0xA5A5A5A5u;
    return x ? x : 1u;
}

uint8_t agent_prng_next(uint32_t *x)
{
    uint32_t v = *x;
    v ^= v << 13;
    v ^= v >> 17;
    v ^= v << 5;
    *x = v;
    return (uint8_t)v;
}

/* %XX-decodes in place; false on a bad escape or %00. */
static bool unescape(char *t)
{
    char *w = t;
    for (const char *r = t; *r; r++) {
        if (*r != '%') {
            *w++ = *r;
            continue;
        }
        int hi = ftp_hex_digit(r[1]), lo = hi >= 0 ? ftp_hex_digit(r[2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
        *w++ = (char)(hi * 16 + lo);
        r += 2;
    }
    *w = '\0';
    return true;
}

static void sb_escaped(ftp_sb *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        uint8_t c = (uint8_t)*s;
        if (c <= 0x20 || c >= 0x7f || c == '%' || c == ',' || c == '=') {
            ftp_sb_ch(b, '%');
            ftp_sb_ch(b, hex[c >> 4]);
            ftp_sb_ch(b, hex[c & 15]);
        } else {
            ftp_sb_ch(b, (char)c);
        }
    }
}

static bool upper_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'a' && *a <= 'z') ? (char)(*a - 32) : *a;
        if (x != *b) return false;
    }
    return *a == *b;
}

static bool parse_num(const char *t, uint32_t *v) { return ftp_parse_u32(t, strlen(t), v); }

/* ------------------------------------------------------------------ replies */

static void begin(conn_t *c, ftp_sb *b)
{
    ftp_sb_init(b, c->out, sizeof c->out - 1); /* room for the final LF */
}

static void end(conn_t *c, ftp_sb *b)
{
    c->out[b->len] = '\n';
    c->out_len = b->len + 1;
    c->out_off = 0;
}

static void reply(conn_t *c, const char *text)
{
    ftp_sb b;
    begin(c, &b);
    ftp_sb_str(&b, text);
    end(c, &b);
}

static void reply_err(conn_t *c, uint32_t code, const char *text)
{
    ftp_sb b;
    begin(c, &b);
    ftp_sb_str(&b, "ERR ");
    ftp_sb_u32(&b, code);
    ftp_sb_ch(&b, ' ');
    ftp_sb_str(&b, text);
    end(c, &b);
}

/* One " name=value" of an OK reply: the text (escaped) when it is set, else the number. */
typedef struct {
    const char *name;
    const char *text;
    uint32_t v;
} field_t;

static void sb_fields(ftp_sb *b, const field_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ftp_sb_ch(b, ' ');
        ftp_sb_str(b, f[i].name);
        ftp_sb_ch(b, '=');
        if (f[i].text)
            sb_escaped(b, f[i].text);
        else
            ftp_sb_u32(b, f[i].v);
    }
}

/* After an item appended from `mark` on: true when it fit with room left for " truncated=1"
 * (16 bytes); otherwise the item is taken back. */
static bool sb_keep(ftp_sb *b, size_t mark)
{
    if (!b->overflow && b->len + 16 < b->cap) return true;
    b->len = mark;
    b->buf[mark] = '\0';
    b->overflow = false;
    return false;
}

static void reply_fields(conn_t *c, const field_t *f, size_t n)
{
    ftp_sb b;
    begin(c, &b);
    ftp_sb_str(&b, "OK");
    sb_fields(&b, f, n);
    end(c, &b);
}

static void flush(conn_t *c)
{
    while (c->out_off < c->out_len) {
        size_t n = tcp_send(c->s, (const uint8_t *)c->out + c->out_off, c->out_len - c->out_off);
        if (n == 0) return;
        c->out_off += n;
    }
    c->out_len = c->out_off = 0;
}

static bool out_busy(const conn_t *c) { return c->out_off < c->out_len; }

/* ------------------------------------------------------------------ commands */

static void cmd_hello(conn_t *c)
{
    static const char *const image[] = {"none", "loaded", "corrupt"};
    char pool[24];
    ftp_sb p;
    ftp_sb_init(&p, pool, sizeof pool);
    ftp_sb_u32(&p, POOL_COUNT);
    ftp_sb_ch(&p, 'x');
    ftp_sb_u32(&p, POOL_PAYLOAD);
    const field_t f[] = {
        {"board", BOARD_NAME, 0},
        {"version", FIRMWARE_VERSION, 0},
        {"agent", NULL, 1},
        {"mtu", NULL, NET_MTU},
        {"pool", pool, 0},
        {"mss", NULL, TCP_MSS},
        {"window", NULL, TCP_WINDOW},
        {"fs", NULL, ramfs_capacity()},
        {"free", NULL, ramfs_free_bytes()},
        {"files", NULL, RAMFS_MAX_FILES},
        {"ftp", NULL, FTP_PORT},
        {"sessions", NULL, FTP_MAX_SESSIONS},
        {"ipv6", NULL, IPV6_ENABLED ? 1u : 0u},
        {"image", image[ramfs_image_status()], 0},
        {"read_only", NULL, ftp_server_read_only() ? 1u : 0u},
        {"uptime_ms", NULL, g_now},
    };
    reply_fields(c, f, sizeof f / sizeof f[0]);
}

static void digest_reply(conn_t *c, uint32_t bytes, sha256_ctx *h)
{
    uint8_t d[32];
    char hex[65];
    sha256_final(h, d);
    sha256_hex(d, hex);
    const field_t f[] = {{"bytes", NULL, bytes}, {"sha256", hex, 0}};
    reply_fields(c, f, sizeof f / sizeof f[0]);
}

static void cmd_hash(conn_t *c, const char *path)
{
    ramfs_file f;
    int st = ramfs_file_open(&f, path, RAMFS_OPEN_FOR_READ);
    if (st == RAMFS_ACCESS_ERROR) {
        reply_err(c, 409, "file is being written");
        return;
    }
    if (st != RAMFS_SUCCESS) {
        reply_err(c, 404, "not found");
        return;
    }
    sha256_ctx h;
    sha256_init(&h);
    uint8_t chunk[256];
    uint32_t n, total = 0;
    while (ramfs_file_read(&f, chunk, sizeof chunk, &n) == RAMFS_SUCCESS && n) {
        sha256_update(&h, chunk, n);
        total += n;
    }
    ramfs_file_close(&f);
    digest_reply(c, total, &h);
}

static void cmd_mkfile(conn_t *c, const char *path, uint32_t size, uint32_t seed)
{
    ramfs_file f;
    int st = ramfs_file_rewrite(&f, path);
    if (st != RAMFS_SUCCESS) {
        if (st == RAMFS_NO_MORE_SPACE)
            reply_err(c, 507, "no space");
        else if (st == RAMFS_ACCESS_ERROR || st == RAMFS_WRITE_PROTECT || st == RAMFS_NOT_A_FILE)
            reply_err(c, 409, "cannot write this path");
        else
            reply_err(c, 404, "bad path");
        return;
    }
    sha256_ctx h;
    sha256_init(&h);
    uint32_t x = agent_prng_start(seed), done = 0;
    uint8_t chunk[256];
    while (done < size) {
        uint32_t n = size - done < sizeof chunk ? size - done : (uint32_t)sizeof chunk;
        for (uint32_t i = 0; i < n; i++) chunk[i] = agent_prng_next(&x);
        if (ramfs_file_write(&f, chunk, n) != RAMFS_SUCCESS) {
            ramfs_file_close(&f);
            ramfs_file_delete(path); /* no half-made file */
            reply_err(c, 507, "no space");
            return;
        }
        sha256_update(&h, chunk, n);
        done += n;
    }
    ramfs_file_close(&f);
    digest_reply(c, done, &h);
}

static void cmd_rm(conn_t *c, const char *path)
{
    int st = ramfs_file_delete(path);
    if (st == RAMFS_NOT_A_FILE) st = ramfs_dir_delete(path);
    if (st == RAMFS_SUCCESS)
        reply(c, "OK");
    else if (st == RAMFS_NOT_FOUND || st == RAMFS_INVALID_PATH || st == RAMFS_INVALID_NAME)
        reply_err(c, 404, "not found");
    else if (st == RAMFS_DIR_NOT_EMPTY)
        reply_err(c, 409, "directory not empty");
    else
        reply_err(c, 409, "in use or protected");
}

static void cmd_files(conn_t *c)
{
    const field_t head[] = {{"count", NULL, ramfs_entries_used()}, {"free", NULL, ramfs_free_bytes()}};
    ftp_sb b;
    begin(c, &b);
    ftp_sb_str(&b, "OK");
    sb_fields(&b, head, sizeof head / sizeof head[0]);
    int cur = 0;
    char path[RAMFS_PATH_MAX];
    ramfs_info in;
    while (ramfs_walk(&cur, path, sizeof path, &in)) {
        size_t mark = b.len;
        ftp_sb_ch(&b, ' ');
        sb_escaped(&b, path);
        if (in.attr & RAMFS_ATTR_DIRECTORY) {
            ftp_sb_str(&b, "/=dir");
        } else {
            ftp_sb_ch(&b, '=');
            ftp_sb_u32(&b, in.size);
        }
        if (!sb_keep(&b, mark)) {
            ftp_sb_str(&b, " truncated=1");
            break;
        }
    }
    end(c, &b);
}

static void cmd_counters(conn_t *c)
{
    ftp_sb b;
    begin(c, &b);
    ftp_sb_str(&b, "OK ");
    b.len += counters_format(c->out + b.len, b.cap - b.len);
    if (b.len >= b.cap) b.len = b.cap - 1;
    const ftp_server_counters_t *f = ftp_server_counters();
    const field_t extra[] = {
        {"ftp_connections", NULL, f->connections},
        {"ftp_disconnections", NULL, f->disconnections},
        {"ftp_logins", NULL, f->logins},
        {"ftp_login_errors", NULL, f->login_errors},
        {"ftp_commands", NULL, f->commands},
        {"ftp_unknown_commands", NULL, f->unknown_commands},
        {"ftp_bytes_sent", NULL, f->bytes_sent},
        {"ftp_bytes_received", NULL, f->bytes_received},
        {"ftp_transfers_ok", NULL, f->transfers_ok},
        {"ftp_transfers_failed", NULL, f->transfers_failed},
        {"ftp_data_connect_failures", NULL, f->data_connect_failures},
        {"ftp_no_space", NULL, f->no_space},
        {"ftp_idle_timeouts", NULL, f->idle_timeouts},
        {"ftp_listen_errors", NULL, f->listen_errors},
        {"ftp_sessions", NULL, (uint32_t)ftp_server_sessions()},
        {"ftp_sessions_peak", NULL, f->sessions_peak},
        {"agent_requests", NULL, requests},
    };
    sb_fields(&b, extra, sizeof extra / sizeof extra[0]);
    end(c, &b);
}

static bool parse_host(const char *t, ip_addr_t *a)
{
    static const uint8_t h4[4] = IPV4_HOST, h6[16] = IPV6_HOST;
    memset(a, 0, sizeof *a);
    if (upper_eq(t, "HOST")) {
        a->family = 4;
        memcpy(a->addr, h4, 4);
        return true;
    }
    if (upper_eq(t, "HOST6")) {
        a->family = 6;
        memcpy(a->addr, h6, 16);
        return IPV6_ENABLED;
    }
    if (!ftp_parse_ip(t, strlen(t), a)) return false;
    return a->family == 4 || IPV6_ENABLED;
}

static bool copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) return false;
    memcpy(dst, src, n + 1);
    return true;
}

/* GET|PUT host port user pass mode remote local ; LS host port user pass mode [remote] */
static void cmd_transfer(conn_t *c, ftpc_op op, char **t, int n)
{
    if ((op == FTPC_LS && n != 6 && n != 7) || (op != FTPC_LS && n != 8)) {
        reply_err(c, 400, op == FTPC_LS ? "usage: LS host port user pass active|passive [remote]"
                                        : "usage: GET|PUT host port user pass active|passive remote local");
        return;
    }
    memset(&creq, 0, sizeof creq);
    creq.op = op;
    uint32_t port;
    if (!parse_host(t[1], &creq.server)) {
        reply_err(c, 400, "bad host address");
        return;
    }
    if (!parse_num(t[2], &port) || port == 0 || port > 65535) {
        reply_err(c, 400, "bad port");
        return;
    }
    creq.port = (uint16_t)port;
    if (upper_eq(t[5], "PASSIVE"))
        creq.passive = true;
    else if (!upper_eq(t[5], "ACTIVE")) {
        reply_err(c, 400, "mode must be active or passive");
        return;
    }
    if (!copy_str(creq.user, sizeof creq.user, t[3]) || !copy_str(creq.pass, sizeof creq.pass, t[4]) ||
        (n > 6 && !copy_str(creq.remote, sizeof creq.remote, t[6])) ||
        (n > 7 && !copy_str(creq.local, sizeof creq.local, t[7]))) {
        reply_err(c, 400, "argument too long");
        return;
    }
    if (ftp_client_status() == FTPC_BUSY) {
        reply_err(c, 409, "busy: another transfer is running");
        return;
    }
    ftp_client_start(&creq, g_now);
    c->waiting = true;
    c->op = op;
}

static void transfer_reply(conn_t *c)
{
    const ftpc_result *r = ftp_client_result();
    if (r->status == FTPC_FAILED) {
        reply_err(c, (uint32_t)r->err, r->error);
        return;
    }
    if (c->op != FTPC_LS) {
        const field_t f[] = {{"bytes", NULL, r->bytes}, {"sha256", r->sha256, 0}, {"port", NULL, r->data_port}};
        reply_fields(c, f, sizeof f / sizeof f[0]);
        return;
    }
    const field_t head[] = {{"count", NULL, r->names}, {"bytes", NULL, r->bytes}, {"sha256", r->sha256, 0}};
    ftp_sb b;
    begin(c, &b);
    ftp_sb_str(&b, "OK");
    sb_fields(&b, head, sizeof head / sizeof head[0]);
    ftp_sb_str(&b, " names=");
    /* the kept listing: one name per CRLF line -> comma-separated, escaped */
    bool first = true;
    const char *p = r->listing, *e = r->listing + r->listing_len;
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *stop = nl ? nl : e;
        const char *q = stop;
        if (q > p && q[-1] == '\r') q--;
        if (!nl) break; /* a cut last line is not a name */
        char name[RAMFS_PATH_MAX];
        size_t len = (size_t)(q - p) < sizeof name - 1 ? (size_t)(q - p) : sizeof name - 1;
        memcpy(name, p, len);
        name[len] = '\0';
        size_t mark = b.len;
        if (!first) ftp_sb_ch(&b, ',');
        sb_escaped(&b, name);
        if (!sb_keep(&b, mark)) break;
        first = false;
        p = nl + 1;
    }
    if (r->listing_truncated || p < e) ftp_sb_str(&b, " truncated=1");
    end(c, &b);
}

static void handle_line(conn_t *c, char *line, size_t len)
{
    requests++;
    if (len && line[len - 1] == '\r') len--;
    line[len] = '\0';
    if (memchr(line, 0, len)) {
        reply_err(c, 400, "NUL in line");
        return;
    }
    char *t[MAX_TOKENS + 1];
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        if (n == MAX_TOKENS + 1) {
            reply_err(c, 400, "too many arguments");
            return;
        }
        t[n++] = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        if (*p) *p++ = '\0';
    }
    if (n == 0) {
        reply_err(c, 400, "empty line");
        return;
    }
    for (int i = 1; i < n; i++)
        if (!unescape(t[i])) {
            reply_err(c, 400, "bad %XX escape");
            return;
        }
    const char *v = t[0];
    uint32_t a, b;
    if (upper_eq(v, "HELLO") && n == 1) {
        cmd_hello(c);
    } else if (upper_eq(v, "GET")) {
        cmd_transfer(c, FTPC_GET, t, n);
    } else if (upper_eq(v, "PUT")) {
        cmd_transfer(c, FTPC_PUT, t, n);
    } else if (upper_eq(v, "LS")) {
        cmd_transfer(c, FTPC_LS, t, n);
    } else if (upper_eq(v, "FILES") && n == 1) {
        cmd_files(c);
    } else if (upper_eq(v, "HASH") && n == 2) {
        cmd_hash(c, t[1]);
    } else if (upper_eq(v, "RM") && n == 2) {
        cmd_rm(c, t[1]);
    } else if (upper_eq(v, "MKDIR") && n == 2) {
        int st = ramfs_dir_create(t[1]);
        if (st == RAMFS_SUCCESS)
            reply(c, "OK");
        else if (st == RAMFS_ALREADY_CREATED)
            reply_err(c, 409, "exists");
        else if (st == RAMFS_NO_MORE_SPACE)
            reply_err(c, 507, "no space");
        else
            reply_err(c, 404, "bad path");
    } else if (upper_eq(v, "MKFILE") && n == 4) {
        if (!parse_num(t[2], &a) || !parse_num(t[3], &b))
            reply_err(c, 400, "usage: MKFILE path size seed");
        else
            cmd_mkfile(c, t[1], a, b);
    } else if (upper_eq(v, "COUNTERS") && n == 1) {
        cmd_counters(c);
    } else if (upper_eq(v, "RESET-COUNTERS") && n == 1) {
        counters_reset();
        ftp_server_reset_counters();
        requests = 0;
        reply(c, "OK");
    } else if (upper_eq(v, "FORMAT") && n == 1) {
        if (ftp_client_status() == FTPC_BUSY) {
            reply_err(c, 409, "busy: a transfer is running");
        } else {
            ftp_server_shutdown(); /* sessions hold open files */
            ramfs_format();
            reply(c, "OK");
        }
    } else if (upper_eq(v, "READONLY") && n == 2 && parse_num(t[1], &a) && a <= 1) {
        ftp_server_set_read_only(a == 1);
        reply(c, "OK");
    } else if (upper_eq(v, "REBOOT") && n == 1) {
        reply(c, "OK rebooting");
        reboot_pending = true;
        reboot_conn = c->s;
        reboot_at = g_now + AGENT_REBOOT_WAIT_MS;
    } else if (upper_eq(v, "QUIT") && n == 1) {
        reply(c, "OK bye");
        c->closing = true;
    } else {
        static const char *const verbs[] = {"HELLO", "GET",  "PUT",      "LS",   "FILES",  "HASH", "RM",
                                            "MKDIR", "MKFILE", "COUNTERS", "RESET-COUNTERS", "FORMAT",
                                            "READONLY", "REBOOT", "QUIT"};
        bool known = false;
        for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) known |= upper_eq(v, verbs[i]);
        reply_err(c, 400, known ? "wrong arguments" : "unknown command");
    }
}

/* ------------------------------------------------------------------ connections */

static void conn_close(conn_t *c, bool hard)
{
    if (c->waiting) {
        ftp_client_abort();
        c->waiting = false;
    }
    sock_drop(&c->s, hard);
    c->used = false;
}

static void check_transfer(conn_t *c)
{
    if (!c->waiting) return;
    ftpc_status fs = ftp_client_status();
    if (fs == FTPC_DONE || fs == FTPC_FAILED) {
        c->waiting = false;
        transfer_reply(c);
        flush(c);
    }
}

static void conn_poll(conn_t *c)
{
    flush(c);
    if (sock_failed(c->s)) {
        conn_close(c, true);
        return;
    }
    check_transfer(c);
    for (int guard = 0; guard < 8 && !c->waiting && !out_busy(c) && !c->closing && !reboot_pending; guard++) {
        char *nl = memchr(c->rx, '\n', c->rx_len);
        if (nl) {
            size_t len = (size_t)(nl - c->rx);
            if (c->discarding) {
                c->discarding = false;
                reply_err(c, 400, "line too long");
            } else {
                handle_line(c, c->rx, len);
            }
            size_t rest = c->rx_len - len - 1;
            memmove(c->rx, nl + 1, rest);
            c->rx_len = rest;
            flush(c);
            continue;
        }
        if (c->rx_len == sizeof c->rx) { /* no LF in a full buffer */
            c->discarding = true;
            c->rx_len = 0;
        }
        size_t got = tcp_recv(c->s, (uint8_t *)c->rx + c->rx_len, sizeof c->rx - c->rx_len);
        if (got == 0) break;
        c->rx_len += got;
    }
    check_transfer(c); /* a transfer that failed at once (e.g. PUT of a missing file) */
    if (c->closing && !out_busy(c)) {
        conn_close(c, false);
        return;
    }
    if (tcp_eof(c->s) && !out_busy(c) && !c->waiting && !memchr(c->rx, '\n', c->rx_len)) conn_close(c, false);
}

void agent_init(void)
{
    memset(conns, 0, sizeof conns);
    reboot_pending = false;
    reboot_conn = -1;
    requests = 0;
    ftp_client_init();
    listener = tcp_listen(AGENT_PORT, AGENT_MAX_CONN);
    retry_at = 0;
}

void agent_poll(uint32_t now_ms)
{
    g_now = now_ms;
    ftp_client_poll(now_ms);
    if (reboot_pending) {
        conn_t *rc = NULL;
        for (int i = 0; i < AGENT_MAX_CONN; i++)
            if (conns[i].used && conns[i].s == reboot_conn) rc = &conns[i];
        if (rc) flush(rc);
        bool sent = !rc || (!out_busy(rc) && tcp_all_acked(rc->s));
        if (sent || (int32_t)(now_ms - reboot_at) >= 0) {
            reboot_pending = false;
            port_reboot(); /* may re-initialise everything (board_init): touch nothing after */
            return;
        }
    }
    if (listener < 0 && (int32_t)(now_ms - retry_at) >= 0) {
        listener = tcp_listen(AGENT_PORT, AGENT_MAX_CONN);
        if (listener < 0) retry_at = now_ms + 1000u;
    }
    if (listener >= 0) {
        for (int i = 0; i < AGENT_MAX_CONN; i++) {
            if (conns[i].used) continue;
            tcp_id s = tcp_accept(listener);
            if (s < 0) break;
            memset(&conns[i], 0, sizeof conns[i]);
            conns[i].used = true;
            conns[i].s = s;
        }
    }
    for (int i = 0; i < AGENT_MAX_CONN; i++)
        if (conns[i].used) conn_poll(&conns[i]);
}
