/* ports/posix/main.c - the firmware-shim core as a host process: the native-sim board.
 *
 *   hilftp-shim [--link stdio | tcp-listen:HOST:PORT | tcp:HOST:PORT | unix:PATH] [--pty]
 *               [--fs IMAGE_FILE] [-v]
 *
 * SLIP on stdin/stdout (default), on a TCP connection (listening: one host at a time, accepted again
 * after it disconnects; or connecting out, reconnecting), on a unix socket this process listens on, or
 * on a pseudo-terminal (--pty prints "PTY /dev/pts/N" on stdout). One thread, one ppoll() loop that
 * sleeps until input or the next timer. Exits 0 on stdin EOF (stdio link), SIGTERM or SIGINT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "config.h"
#include "port.h"

enum link_kind { LINK_STDIO, LINK_TCP_LISTEN, LINK_TCP, LINK_UNIX, LINK_PTY };

static enum link_kind g_kind = LINK_STDIO;
static char g_host[256];
static char g_port[16];
static char g_path[108];
static const char *g_fs_file;
static bool g_verbose;

static int g_listen_fd = -1; /* tcp-listen / unix */
static int g_in_fd = -1;     /* where SLIP bytes come from (-1 = no host attached) */
static int g_out_fd = -1;    /* where they go */
static int g_pty_slave = -1; /* kept open so the master never sees a hang-up */
static bool g_reboot;
static volatile sig_atomic_t g_stop;
static uint32_t g_retry_at; /* tcp: next reconnect attempt */

static void logv(const char *fmt, ...)
{
    if (!g_verbose) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hilftp-shim: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hilftp-shim: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ------------------------------------------------------------------ port.h */

static uint64_t g_clock_base; /* the board's clock starts at 0 at power-up and at every reboot */

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint32_t port_now_ms(void)
{
    return (uint32_t)(mono_ms() - g_clock_base);
}

static sigset_t g_wait_mask; /* the signal mask inside ppoll(): SIGTERM/SIGINT deliverable */
static uint8_t g_obuf[65536]; /* UART output, flushed once per loop turn (or when full) */
static size_t g_olen;

static void drop_host(const char *why)
{
    g_olen = 0;
    if (g_in_fd < 0) return;
    logv("link: host gone (%s)", why);
    if (g_kind == LINK_TCP_LISTEN || g_kind == LINK_UNIX || g_kind == LINK_TCP) close(g_in_fd);
    g_in_fd = g_out_fd = -1;
    if (g_kind == LINK_TCP) g_retry_at = port_now_ms() + 500u;
}

/* Writes the buffered output. Blocks while the host does not read (a UART that cannot send), but
 * SIGTERM/SIGINT still end the process; a pty nobody drains loses its bytes after 2 s. */
static void flush_out(void)
{
    size_t at = 0;
    while (at < g_olen && g_out_fd >= 0 && !g_stop) {
        struct pollfd p = {.fd = g_out_fd, .events = POLLOUT};
        struct timespec two = {2, 0};
        int r = ppoll(&p, 1, g_kind == LINK_PTY ? &two : NULL, &g_wait_mask);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (r == 0) {
            logv("link: pty not drained, %zu bytes dropped", g_olen - at);
            break;
        }
        if (p.revents & (POLLERR | POLLNVAL)) {
            drop_host("write error");
            return;
        }
        size_t chunk = g_olen - at;
        if (chunk > 4096) chunk = 4096; /* POLLOUT promises room, not for everything */
        ssize_t w = (g_kind == LINK_STDIO || g_kind == LINK_PTY) ? write(g_out_fd, g_obuf + at, chunk)
                                                                  : send(g_out_fd, g_obuf + at, chunk, MSG_NOSIGNAL);
        if (w > 0) {
            at += (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (g_kind == LINK_STDIO) {
            logv("stdout closed");
            exit(0);
        }
        drop_host(w < 0 ? strerror(errno) : "write returned 0");
        return;
    }
    g_olen = 0;
}

void port_uart_write(const uint8_t *data, size_t n)
{
    /* like a UART with nobody listening: bytes sent while no host is attached are lost */
    while (n > 0 && g_out_fd >= 0) {
        if (g_olen == sizeof g_obuf) flush_out();
        size_t k = sizeof g_obuf - g_olen;
        if (k > n) k = n;
        memcpy(g_obuf + g_olen, data, k);
        g_olen += k;
        data += k;
        n -= k;
    }
}

void port_reboot(void)
{
    fprintf(stderr, "hilftp-shim: reboot requested: resetting the board (RAM fs kept as flash)\n");
    g_reboot = true; /* done by the main loop once the current poll returns */
}

/* The "flash": the last image the RAM fs saved, kept in memory so that a reboot finds it even without
 * --fs; with --fs it is also written to (and at start read from) that file. */
static uint8_t *g_flash;
static size_t g_flash_len;

size_t port_fs_load(uint8_t *image, size_t cap)
{
    if (g_flash != NULL) {
        size_t n = g_flash_len < cap ? g_flash_len : cap;
        memcpy(image, g_flash, n);
        logv("fs: loaded %zu bytes from the in-memory flash", n);
        return n;
    }
    if (g_fs_file == NULL) return 0;
    FILE *f = fopen(g_fs_file, "rb");
    if (f == NULL) {
        logv("fs: %s: %s (starting empty)", g_fs_file, strerror(errno));
        return 0;
    }
    size_t n = fread(image, 1, cap, f);
    fclose(f);
    logv("fs: loaded %zu bytes from %s", n, g_fs_file);
    return n;
}

void port_fs_save(const uint8_t *image, size_t n)
{
    uint8_t *p = realloc(g_flash, n > 0 ? n : 1);
    if (p != NULL) {
        g_flash = p;
        memcpy(g_flash, image, n);
        g_flash_len = n;
    }
    if (g_fs_file == NULL) return;
    char tmp[4200];
    int k = snprintf(tmp, sizeof tmp, "%s.tmp", g_fs_file);
    if (k < 0 || (size_t)k >= sizeof tmp) return;
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        fprintf(stderr, "hilftp-shim: fs: %s: %s\n", tmp, strerror(errno));
        return;
    }
    bool ok = fwrite(image, 1, n, f) == n && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, g_fs_file) != 0) {
        fprintf(stderr, "hilftp-shim: fs: saving %s failed: %s\n", g_fs_file, strerror(errno));
        unlink(tmp);
        return;
    }
    logv("fs: saved %zu bytes to %s", n, g_fs_file);
}

/* ------------------------------------------------------------------ link setup */

static void split_host_port(const char *spec, const char *what)
{
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || colon == spec || colon[1] == '\0') die("--link %s: expected HOST:PORT, got '%s'", what, spec);
    size_t hl = (size_t)(colon - spec);
    if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') { /* [::1]:PORT */
        spec++;
        hl -= 2;
    }
    if (hl >= sizeof g_host || strlen(colon + 1) >= sizeof g_port) die("--link %s: address too long", what);
    memcpy(g_host, spec, hl);
    g_host[hl] = '\0';
    strcpy(g_port, colon + 1);
}

static void parse_link(const char *spec)
{
    if (strcmp(spec, "stdio") == 0) {
        g_kind = LINK_STDIO;
    } else if (strncmp(spec, "tcp-listen:", 11) == 0) {
        g_kind = LINK_TCP_LISTEN;
        split_host_port(spec + 11, "tcp-listen");
    } else if (strncmp(spec, "tcp:", 4) == 0) {
        g_kind = LINK_TCP;
        split_host_port(spec + 4, "tcp");
    } else if (strncmp(spec, "unix:", 5) == 0) {
        g_kind = LINK_UNIX;
        if (spec[5] == '\0' || strlen(spec + 5) >= sizeof g_path) die("--link unix: bad path '%s'", spec + 5);
        strcpy(g_path, spec + 5);
    } else {
        die("--link: unknown kind '%s' (stdio, tcp-listen:HOST:PORT, tcp:HOST:PORT, unix:PATH)", spec);
    }
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void set_cloexec(int fd)
{
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void open_tcp_listen(void)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int e = getaddrinfo(g_host[0] ? g_host : NULL, g_port, &hints, &res);
    if (e != 0) die("--link tcp-listen:%s:%s: %s", g_host, g_port, gai_strerror(e));
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1) != 0)
        die("--link tcp-listen:%s:%s: %s", g_host, g_port, strerror(errno));
    freeaddrinfo(res);
    set_cloexec(fd);
    set_nonblock(fd);
    g_listen_fd = fd;
    logv("link: listening on tcp %s:%s", g_host, g_port);
}

static void open_unix_listen(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, g_path);
    struct stat st;
    if (lstat(g_path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(g_path); /* stale socket of an old run */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0)
        die("--link unix:%s: %s", g_path, strerror(errno));
    set_cloexec(fd);
    set_nonblock(fd);
    g_listen_fd = fd;
    logv("link: listening on unix %s", g_path);
}

static void try_tcp_connect(void)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int e = getaddrinfo(g_host, g_port, &hints, &res);
    if (e != 0) die("--link tcp:%s:%s: %s", g_host, g_port, gai_strerror(e));
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
        set_cloexec(fd);
        set_nonblock(fd);
        g_in_fd = g_out_fd = fd;
        logv("link: connected to tcp %s:%s", g_host, g_port);
    } else {
        if (fd >= 0) close(fd);
        g_retry_at = port_now_ms() + 500u;
    }
    freeaddrinfo(res);
}

static void open_pty(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) die("pty: %s", strerror(errno));
    const char *name = ptsname(m);
    if (name == NULL) die("ptsname: %s", strerror(errno));
    int s = open(name, O_RDWR | O_NOCTTY);
    if (s < 0) die("%s: %s", name, strerror(errno));
    struct termios t;
    if (tcgetattr(s, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, B115200);
        cfsetospeed(&t, B115200);
        tcsetattr(s, TCSANOW, &t);
    }
    set_cloexec(m);
    set_cloexec(s);
    set_nonblock(m);
    g_pty_slave = s;
    g_in_fd = g_out_fd = m;
    printf("PTY %s\n", name);
    fflush(stdout);
    logv("link: pty %s", name);
}

static void accept_host(void)
{
    int fd = accept(g_listen_fd, NULL, NULL);
    if (fd < 0) return;
    set_cloexec(fd);
    set_nonblock(fd);
    g_in_fd = g_out_fd = fd;
    logv("link: host attached");
}

/* ------------------------------------------------------------------ main */

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: hilftp-shim [--link stdio|tcp-listen:HOST:PORT|tcp:HOST:PORT|unix:PATH] [--pty]\n"
            "                   [--fs IMAGE_FILE] [-v]\n"
            "board %s: MTU %d, pool %d x %d, MSS %d, window %d, RAM fs %d bytes\n",
            BOARD_NAME, NET_MTU, POOL_COUNT, POOL_PAYLOAD, TCP_MSS, TCP_WINDOW, RAMFS_SIZE);
}

int main(int argc, char **argv)
{
    g_clock_base = mono_ms();
    bool pty = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--link") == 0 && i + 1 < argc) parse_link(argv[++i]);
        else if (strncmp(a, "--link=", 7) == 0) parse_link(a + 7);
        else if (strcmp(a, "--fs") == 0 && i + 1 < argc) g_fs_file = argv[++i];
        else if (strncmp(a, "--fs=", 5) == 0) g_fs_file = a + 5;
        else if (strcmp(a, "--pty") == 0) pty = true;
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) g_verbose = true;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage();
            return 0;
        } else {
            usage();
            die("unknown argument '%s'", a);
        }
    }
    if (pty) {
        if (g_kind != LINK_STDIO) die("--pty and --link %s exclude each other", "...");
        g_kind = LINK_PTY;
    }

    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* signals stay blocked except inside ppoll(), so none is lost between a check and the sleep */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &g_wait_mask);
    sigdelset(&g_wait_mask, SIGTERM);
    sigdelset(&g_wait_mask, SIGINT);

    switch (g_kind) {
    case LINK_STDIO:
        g_in_fd = 0;
        g_out_fd = 1;
        break;
    case LINK_TCP_LISTEN:
        open_tcp_listen();
        break;
    case LINK_UNIX:
        open_unix_listen();
        break;
    case LINK_TCP:
        try_tcp_connect();
        break;
    case LINK_PTY:
        open_pty();
        break;
    }

    board_init();
    logv("board %s up: MTU %d, pool %d x %d, IPv6 %s", BOARD_NAME, NET_MTU, POOL_COUNT, POOL_PAYLOAD,
         IPV6_ENABLED ? "on" : "off");

    static uint8_t buf[4096];
    int code = 0;
    while (!g_stop) {
        uint32_t now = port_now_ms();
        board_poll(now);
        if (g_reboot) {
            g_reboot = false;
            g_clock_base = mono_ms();
            g_retry_at = 0;
            board_init();
            continue;
        }
        if (g_kind == LINK_TCP && g_in_fd < 0 && (int32_t)(now - g_retry_at) >= 0) try_tcp_connect();

        uint32_t next = board_next_timer(now);
        int32_t wait = (int32_t)(next - now);
        if (wait < 0) wait = 0;
        if (g_kind == LINK_TCP && g_in_fd < 0 && wait > 500) wait = 500;
        struct timespec ts = {.tv_sec = wait / 1000, .tv_nsec = (long)(wait % 1000) * 1000000L};

        struct pollfd fds[2];
        int nfds = 0;
        int in_idx = -1, listen_idx = -1;
        if (g_in_fd >= 0) {
            in_idx = nfds;
            fds[nfds++] = (struct pollfd){.fd = g_in_fd, .events = POLLIN};
        } else if (g_listen_fd >= 0) {
            listen_idx = nfds;
            fds[nfds++] = (struct pollfd){.fd = g_listen_fd, .events = POLLIN};
        }
        flush_out();
        if (g_stop) break;
        int r = ppoll(fds, (nfds_t)nfds, &ts, &g_wait_mask);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("ppoll: %s", strerror(errno));
        }
        if (r == 0) continue;
        if (listen_idx >= 0 && (fds[listen_idx].revents & POLLIN)) accept_host();
        if (in_idx >= 0 && fds[in_idx].revents != 0) {
            ssize_t n = read(g_in_fd, buf, sizeof buf);
            if (n > 0) {
                board_input(buf, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
                if (g_kind == LINK_STDIO) {
                    logv("stdin closed");
                    flush_out();
                    break;
                }
                if (g_kind == LINK_PTY) {
                    /* a pty master reads EIO only while no slave is open; ours keeps one open */
                    struct timespec nap = {0, 50000000L};
                    nanosleep(&nap, NULL);
                    continue;
                }
                drop_host(n == 0 ? "EOF" : strerror(errno));
            }
        }
    }
    if (g_kind == LINK_UNIX) unlink(g_path);
    logv("exit");
    return code;
}
