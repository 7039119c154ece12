/* fake_tcp.c - see fake_tcp.h. Test-only code: uses malloc. */
#include "fake_tcp.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tcp_core.h"

typedef struct {
    uint8_t *data;
    size_t len;
} ft_seg;

typedef struct {
    bool used, freed, listener, accepted, reset, app_closed, app_aborted, peer_fin, acked, outbound;
    int state;
    int parent;
    uint8_t backlog;
    ip_addr_t local, remote;
    uint16_t lport, rport;
    /* peer -> app */
    ft_seg *rx;
    size_t rx_n, rx_head, rx_cap, rx_off;
    /* app -> peer */
    uint8_t *tx;
    size_t tx_len, tx_cap, tx_read;
    size_t *tx_bounds; /* end offset of each send */
    size_t tx_segs, tx_segs_cap, tx_seg_read;
    size_t space;
} ft_sock;

static ft_sock ft[FT_MAX];
static int ft_next_id;
static int ft_misuse_n;
static int ft_limit = TCP_MAX_SOCKETS;
static size_t ft_default_space = (size_t)-1;
static uint16_t ft_ephemeral = 50000;
static uint16_t ft_peer_ports[32];
static int ft_peer_port_n;

static const uint8_t FT_HOST4[4] = IPV4_HOST, FT_BOARD4[4] = IPV4_BOARD;
static const uint8_t FT_HOST6[16] = IPV6_HOST, FT_BOARD6[16] = IPV6_BOARD;

static void ft_free_bufs(ft_sock *k)
{
    for (size_t i = k->rx_head; i < k->rx_n; i++) free(k->rx[i].data);
    free(k->rx);
    free(k->tx);
    free(k->tx_bounds);
}

void ft_reset(void)
{
    for (int i = 0; i < ft_next_id; i++) ft_free_bufs(&ft[i]);
    memset(ft, 0, sizeof ft);
    ft_next_id = 0;
    ft_misuse_n = 0;
    ft_limit = TCP_MAX_SOCKETS;
    ft_default_space = (size_t)-1;
    ft_ephemeral = 50000;
    ft_peer_port_n = 0;
}

int ft_live(void)
{
    int n = 0;
    for (int i = 0; i < ft_next_id; i++)
        if (ft[i].used && !ft[i].freed) n++;
    return n;
}

int ft_misuse(void) { return ft_misuse_n; }
void ft_set_limit(int max_live) { ft_limit = max_live; }
void ft_set_default_space(size_t n) { ft_default_space = n; }

static ft_sock *app(tcp_id s) /* an application call: the handle must be live */
{
    if (s < 0 || s >= ft_next_id || !ft[s].used || ft[s].freed) {
        ft_misuse_n++;
        return NULL;
    }
    return &ft[s];
}

static ft_sock *peer(tcp_id s) { return (s >= 0 && s < ft_next_id && ft[s].used) ? &ft[s] : NULL; }

static tcp_id ft_alloc(void)
{
    if (ft_live() >= ft_limit || ft_next_id >= FT_MAX) return -1;
    int id = ft_next_id++;
    memset(&ft[id], 0, sizeof ft[id]);
    ft[id].used = true;
    ft[id].parent = -1;
    ft[id].acked = true;
    ft[id].space = ft_default_space;
    return id;
}

static void set_addr(ip_addr_t *a, int family, bool host)
{
    memset(a, 0, sizeof *a);
    a->family = (uint8_t)family;
    if (family == 4)
        memcpy(a->addr, host ? FT_HOST4 : FT_BOARD4, 4);
    else
        memcpy(a->addr, host ? FT_HOST6 : FT_BOARD6, 16);
}

static void ft_release_backlog(int listener)
{
    for (int i = 0; i < ft_next_id; i++)
        if (ft[i].used && !ft[i].freed && ft[i].parent == listener && !ft[i].accepted) {
            ft[i].freed = true;
            ft[i].reset = true;
            ft[i].state = TCP_CLOSED;
        }
}

/* ------------------------------------------------------------ tcp.h */

void tcp_init(void) {}
bool tcp_input(int16_t pkt, const ip_addr_t *src, const ip_addr_t *dst, uint8_t *seg, size_t len)
{
    (void)pkt;
    (void)src;
    (void)dst;
    (void)seg;
    (void)len;
    return false; /* never kept: the caller frees the buffer */
}
void tcp_poll(uint32_t now_ms) { (void)now_ms; }
uint32_t tcp_next_timer(uint32_t now_ms) { return now_ms + 60000u; }

tcp_id tcp_listen(uint16_t port, uint8_t backlog)
{
    for (int i = 0; i < ft_next_id; i++)
        if (ft[i].used && !ft[i].freed && ft[i].listener && ft[i].lport == port) return -1;
    tcp_id id = ft_alloc();
    if (id < 0) return -1;
    ft[id].listener = true;
    ft[id].state = TCP_LISTEN;
    ft[id].lport = port;
    ft[id].backlog = backlog;
    return id;
}

tcp_id tcp_accept(tcp_id listener)
{
    ft_sock *l = app(listener);
    if (!l || !l->listener) return -1;
    for (int i = 0; i < ft_next_id; i++)
        if (ft[i].used && !ft[i].freed && ft[i].parent == listener && !ft[i].accepted) {
            ft[i].accepted = true;
            return i;
        }
    return -1;
}

tcp_id tcp_connect(uint8_t family, const ip_addr_t *remote, uint16_t rport, uint16_t lport)
{
    if (family != 4 && family != 6) return -1;
    tcp_id id = ft_alloc();
    if (id < 0) return -1;
    ft_sock *k = &ft[id];
    k->outbound = true;
    k->accepted = true;
    set_addr(&k->local, family, false);
    k->remote = *remote;
    k->remote.family = family;
    k->rport = rport;
    k->lport = lport ? lport : ft_ephemeral++;
    k->state = TCP_SYN_SENT;
    for (int i = 0; i < ft_peer_port_n; i++)
        if (ft_peer_ports[i] == rport) k->state = TCP_ESTABLISHED;
    return id;
}

int tcp_state(tcp_id s)
{
    /* allowed on a handle the app closed (the stack answers until it frees the slot) */
    if (s >= 0 && s < ft_next_id && ft[s].used && ft[s].app_closed) return ft[s].state;
    ft_sock *k = app(s);
    return k ? k->state : TCP_CLOSED;
}

bool tcp_reset_seen(tcp_id s)
{
    ft_sock *k = app(s);
    return k ? k->reset : true;
}

bool tcp_peek(tcp_id s, const uint8_t **data, size_t *len)
{
    ft_sock *k = app(s);
    if (!k || k->rx_head >= k->rx_n) return false;
    *data = k->rx[k->rx_head].data + k->rx_off;
    *len = k->rx[k->rx_head].len - k->rx_off;
    return true;
}

void tcp_release(tcp_id s)
{
    ft_sock *k = app(s);
    if (!k || k->rx_head >= k->rx_n) return;
    free(k->rx[k->rx_head].data);
    k->rx[k->rx_head].data = NULL;
    k->rx_head++;
    k->rx_off = 0;
}

size_t tcp_recv(tcp_id s, uint8_t *buf, size_t cap)
{
    ft_sock *k = app(s);
    size_t got = 0;
    while (k && got < cap && k->rx_head < k->rx_n) {
        ft_seg *g = &k->rx[k->rx_head];
        size_t n = g->len - k->rx_off;
        if (n > cap - got) n = cap - got;
        memcpy(buf + got, g->data + k->rx_off, n);
        got += n;
        k->rx_off += n;
        if (k->rx_off == g->len) tcp_release(s);
    }
    return got;
}

bool tcp_eof(tcp_id s)
{
    ft_sock *k = app(s);
    return k && k->peer_fin && k->rx_head >= k->rx_n;
}

size_t tcp_send(tcp_id s, const uint8_t *data, size_t len)
{
    ft_sock *k = app(s);
    if (!k || (k->state != TCP_ESTABLISHED && k->state != TCP_CLOSE_WAIT) || k->app_closed) return 0;
    size_t n = len < k->space ? len : k->space;
    if (n == 0) return 0;
    if (k->space != (size_t)-1) k->space -= n;
    if (k->tx_len + n > k->tx_cap) {
        size_t cap = k->tx_cap ? k->tx_cap : 4096;
        while (cap < k->tx_len + n) cap *= 2;
        k->tx = realloc(k->tx, cap);
        k->tx_cap = cap;
    }
    memcpy(k->tx + k->tx_len, data, n);
    k->tx_len += n;
    if (k->tx_segs == k->tx_segs_cap) {
        k->tx_segs_cap = k->tx_segs_cap ? 2 * k->tx_segs_cap : 64;
        k->tx_bounds = realloc(k->tx_bounds, k->tx_segs_cap * sizeof *k->tx_bounds);
    }
    k->tx_bounds[k->tx_segs++] = k->tx_len;
    return n;
}

size_t tcp_send_space(tcp_id s)
{
    ft_sock *k = app(s);
    if (!k || (k->state != TCP_ESTABLISHED && k->state != TCP_CLOSE_WAIT) || k->app_closed) return 0;
    return k->space;
}

bool tcp_all_acked(tcp_id s)
{
    ft_sock *k = app(s);
    return k ? k->acked : true;
}

void tcp_close(tcp_id s)
{
    ft_sock *k = app(s);
    if (!k) return;
    k->app_closed = true;
    k->freed = true; /* the app lets go; the stack finishes the close on its own */
    if (k->listener) {
        ft_release_backlog(s);
        k->state = TCP_CLOSED;
    } else if (k->state == TCP_CLOSE_WAIT) {
        k->state = TCP_LAST_ACK;
    } else if (k->state == TCP_ESTABLISHED || k->state == TCP_SYN_SENT) {
        k->state = k->acked ? TCP_FIN_WAIT_2 : TCP_FIN_WAIT_1; /* 'acked': the peer acks the FIN at once */
    }
}

void tcp_abort(tcp_id s)
{
    ft_sock *k = app(s);
    if (!k) return;
    k->app_aborted = true;
    k->freed = true;
    if (k->listener) ft_release_backlog(s);
    k->state = TCP_CLOSED;
}

void tcp_free(tcp_id s)
{
    if (s < 0 || s >= ft_next_id || !ft[s].used) {
        ft_misuse_n++;
        return;
    }
    if (ft[s].freed) return;
    if (ft[s].state != TCP_CLOSED) ft_misuse_n++;
    ft[s].freed = true;
}

void tcp_endpoints(tcp_id s, ip_addr_t *local, uint16_t *lport, ip_addr_t *remote, uint16_t *rport)
{
    ft_sock *k = app(s);
    if (!k) return;
    if (local) *local = k->local;
    if (lport) *lport = k->lport;
    if (remote) *remote = k->remote;
    if (rport) *rport = k->rport;
}

/* ------------------------------------------------------------ peer side */

tcp_id ft_connect_in(int family, uint16_t peer_port, uint16_t local_port)
{
    int l = -1;
    for (int i = 0; i < ft_next_id; i++)
        if (ft[i].used && !ft[i].freed && ft[i].listener && ft[i].lport == local_port) l = i;
    if (l < 0) return -1;
    int pending = 0;
    for (int i = 0; i < ft_next_id; i++)
        if (ft[i].used && !ft[i].freed && ft[i].parent == l && !ft[i].accepted) pending++;
    if (pending >= ft[l].backlog) return -1;
    tcp_id id = ft_alloc();
    if (id < 0) return -1;
    ft_sock *k = &ft[id];
    k->parent = l;
    k->state = TCP_ESTABLISHED;
    set_addr(&k->local, family, false);
    set_addr(&k->remote, family, true);
    k->lport = local_port;
    k->rport = peer_port;
    return id;
}

void ft_peer_listen(uint16_t port, bool on)
{
    for (int i = 0; i < ft_peer_port_n; i++)
        if (ft_peer_ports[i] == port) {
            if (!on) ft_peer_ports[i] = ft_peer_ports[--ft_peer_port_n];
            return;
        }
    if (on && ft_peer_port_n < 32) ft_peer_ports[ft_peer_port_n++] = port;
}

tcp_id ft_find_out(uint16_t rport)
{
    for (int i = ft_next_id - 1; i >= 0; i--)
        if (ft[i].used && ft[i].outbound && ft[i].rport == rport) return i;
    return -1;
}

void ft_establish(tcp_id s)
{
    ft_sock *k = peer(s);
    if (k && k->state == TCP_SYN_SENT) k->state = TCP_ESTABLISHED;
}

void ft_refuse(tcp_id s)
{
    ft_sock *k = peer(s);
    if (!k) return;
    k->state = TCP_CLOSED;
    k->reset = true;
}

void ft_send(tcp_id s, const void *data, size_t n)
{
    ft_sock *k = peer(s);
    if (!k || n == 0) return;
    if (k->rx_n == k->rx_cap) {
        k->rx_cap = k->rx_cap ? 2 * k->rx_cap : 16;
        k->rx = realloc(k->rx, k->rx_cap * sizeof *k->rx);
    }
    k->rx[k->rx_n].data = malloc(n);
    memcpy(k->rx[k->rx_n].data, data, n);
    k->rx[k->rx_n].len = n;
    k->rx_n++;
}

void ft_send_str(tcp_id s, const char *text) { ft_send(s, text, strlen(text)); }

void ft_fin(tcp_id s)
{
    ft_sock *k = peer(s);
    if (!k) return;
    k->peer_fin = true;
    if (k->state == TCP_ESTABLISHED) k->state = TCP_CLOSE_WAIT;
    else if (k->state == TCP_FIN_WAIT_1 || k->state == TCP_FIN_WAIT_2) k->state = TCP_TIME_WAIT;
}

void ft_rst(tcp_id s)
{
    ft_sock *k = peer(s);
    if (!k) return;
    k->reset = true;
    k->state = TCP_CLOSED;
}

size_t ft_read_bin(tcp_id s, uint8_t *buf, size_t cap)
{
    ft_sock *k = peer(s);
    if (!k) return 0;
    size_t n = k->tx_len - k->tx_read;
    if (n > cap) n = cap;
    if (n) memcpy(buf, k->tx + k->tx_read, n);
    k->tx_read += n;
    while (k->tx_seg_read < k->tx_segs && k->tx_bounds[k->tx_seg_read] <= k->tx_read) k->tx_seg_read++;
    return n;
}

size_t ft_read(tcp_id s, char *buf, size_t cap)
{
    if (cap == 0) return 0;
    size_t n = ft_read_bin(s, (uint8_t *)buf, cap - 1);
    buf[n] = '\0';
    return n;
}

size_t ft_read_seg(tcp_id s, char *buf, size_t cap)
{
    ft_sock *k = peer(s);
    if (!k || cap == 0 || k->tx_seg_read >= k->tx_segs) {
        if (cap) buf[0] = '\0';
        return 0;
    }
    size_t end = k->tx_bounds[k->tx_seg_read];
    size_t n = end - k->tx_read;
    if (n > cap - 1) n = cap - 1;
    if (n) memcpy(buf, k->tx + k->tx_read, n);
    buf[n] = '\0';
    k->tx_read = end;
    k->tx_seg_read++;
    return n;
}

int ft_unread_segments(tcp_id s)
{
    ft_sock *k = peer(s);
    return k ? (int)(k->tx_segs - k->tx_seg_read) : 0;
}

size_t ft_unread_bytes(tcp_id s)
{
    ft_sock *k = peer(s);
    return k ? k->tx_len - k->tx_read : 0;
}

size_t ft_rx_pending(tcp_id s)
{
    ft_sock *k = peer(s);
    return k ? k->rx_n - k->rx_head : 0;
}

bool ft_app_closed(tcp_id s)
{
    ft_sock *k = peer(s);
    return k && k->app_closed;
}

bool ft_app_aborted(tcp_id s)
{
    ft_sock *k = peer(s);
    return k && k->app_aborted;
}

bool ft_freed(tcp_id s)
{
    ft_sock *k = peer(s);
    return !k || k->freed;
}

int ft_peer_state(tcp_id s)
{
    ft_sock *k = peer(s);
    return k ? k->state : TCP_CLOSED;
}

void ft_set_space(tcp_id s, size_t n)
{
    ft_sock *k = peer(s);
    if (k) k->space = n;
}

void ft_set_acked(tcp_id s, bool acked)
{
    ft_sock *k = peer(s);
    if (!k) return;
    k->acked = acked;
    if (acked && k->state == TCP_FIN_WAIT_1) k->state = TCP_FIN_WAIT_2;
}

uint16_t ft_local_port(tcp_id s)
{
    ft_sock *k = peer(s);
    return k ? k->lport : 0;
}

uint16_t ft_remote_port(tcp_id s)
{
    ft_sock *k = peer(s);
    return k ? k->rport : 0;
}

const ip_addr_t *ft_remote_addr(tcp_id s)
{
    ft_sock *k = peer(s);
    return k ? &k->remote : NULL;
}

bool ft_is_listening(uint16_t port)
{
    for (int i = 0; i < ft_next_id; i++)
        if (ft[i].used && !ft[i].freed && ft[i].listener && ft[i].lport == port) return true;
    return false;
}
