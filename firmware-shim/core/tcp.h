/* tcp.h - the seam between the net core and the applications (poll style, no callbacks).
 * See notes/firmware-spec.md. Handles index a static table of TCP_MAX_SOCKETS entries.
 *
 * Handle life cycle:
 * - tcp_listen / tcp_connect / tcp_accept hand out a handle the application owns.
 * - If the connection ends on its own (peer RST, retransmission give-up, refused connect) the handle
 *   stays, in TCP_CLOSED with tcp_reset_seen() true, until the application calls tcp_free().
 *   A normal peer close shows as tcp_eof() (state CLOSE_WAIT); answer it with tcp_close().
 * - After tcp_close() (or tcp_abort()) the application must forget the handle: the stack finishes the
 *   close (FIN, TIME-WAIT) on its own and the slot may later be reused for another connection.
 *   Slots are handed out round-robin, so a stale handle is not reused at once.
 * - Calls on a free or invalid handle are harmless: state CLOSED, sends accept 0, peek finds nothing.
 *
 * Timing: segments go out from inside these calls (tcp_send transmits at once when windows allow)
 * and from net_poll(); received data arrives from net_input_bytes(). */
#ifndef HILFTP_TCP_H
#define HILFTP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t family;   /* 4 or 6 */
    uint8_t addr[16]; /* v4 in addr[0..3] */
} ip_addr_t;

typedef int tcp_id; /* index into a static table, -1 = none/error */

enum {
    TCP_CLOSED,
    TCP_LISTEN,
    TCP_SYN_SENT,
    TCP_SYN_RCVD,
    TCP_ESTABLISHED,
    TCP_FIN_WAIT_1,
    TCP_FIN_WAIT_2,
    TCP_CLOSE_WAIT,
    TCP_CLOSING,
    TCP_LAST_ACK,
    TCP_TIME_WAIT
};

/* Passive open. SYNs beyond the backlog (half-open + established-not-yet-accepted) are ignored
 * (the client retries). Returns -1 when the port is in use or the table is full. */
tcp_id tcp_listen(uint16_t port, uint8_t backlog);
/* An ESTABLISHED (or already CLOSE_WAIT) connection from the listener's backlog, oldest first, or -1.
 * Closing a listener resets the connections it has not handed out yet. A listener takes both IPv4 and
 * IPv6 connections. */
tcp_id tcp_accept(tcp_id listener);
/* Active open (SYN sent at once). lport 0 = ephemeral (49152..65535). Returns -1 on a bad or disabled
 * family (IPv6 below MTU 1280) or no free slot. Poll tcp_state(): ESTABLISHED, or CLOSED with
 * tcp_reset_seen() (refused / no answer after TCP_MAX_RETRIES). */
tcp_id tcp_connect(uint8_t family, const ip_addr_t *remote, uint16_t rport, uint16_t lport);
int tcp_state(tcp_id s);
/* true when the connection ended by RST, retransmission give-up or connect failure. */
bool tcp_reset_seen(tcp_id s);

/* Receive: data stays in pool packets until released. One segment = one "packet": a peek shows exactly
 * the payload of one received segment (NetX reads one FTP command per packet). The receive window
 * shrinks as unread packets pile up, so a slow reader really stops the peer. */
bool tcp_peek(tcp_id s, const uint8_t **data, size_t *len); /* oldest unread in-order segment */
void tcp_release(tcp_id s);                                 /* frees its pool buffer */
size_t tcp_recv(tcp_id s, uint8_t *buf, size_t cap);        /* copy + release as consumed */
bool tcp_eof(tcp_id s); /* nothing left to read and nothing more will come: the peer's FIN, or the
                           connection is CLOSED (then tcp_reset_seen() tells an error from a close) */

/* Send: each call's bytes go out as their own segment(s), never coalesced with another call's.
 * Returns bytes accepted (0 when the pool / in-flight limit is reached: retry later). A call may
 * accept fewer bytes than len; the accepted prefix is segmented at the MSS. */
size_t tcp_send(tcp_id s, const uint8_t *data, size_t len);
size_t tcp_send_space(tcp_id s); /* bytes tcp_send would accept right now */
bool tcp_all_acked(tcp_id s);
void tcp_close(tcp_id s); /* FIN after queued data; handle freed when fully closed (see tcp_free) */
void tcp_abort(tcp_id s); /* RST, handle freed */
void tcp_free(tcp_id s);  /* app gives the handle back after CLOSED (a close()d handle is freed
                             automatically once it reaches CLOSED; tcp_free on it is harmless) */
void tcp_endpoints(tcp_id s, ip_addr_t *local, uint16_t *lport, ip_addr_t *remote, uint16_t *rport);

#endif
