/* fake_tcp.h - an in-memory implementation of core/tcp.h for the application tests (FTP server,
 * FTP client, agent): the test plays the peer, scripting segments in and reading segments out,
 * deterministic, no sockets, no packets, no timers.
 *
 * Handles are never reused until ft_reset(), so a stale handle is caught: any call on a freed
 * handle (except tcp_free) counts in ft_misuse(). ft_live() counts the handles the application
 * still owns (not closed, aborted or freed) - a leak check - and, like TCP_MAX_SOCKETS, live
 * handles are limited (ft_set_limit).
 *
 * Link: a test that #includes "fake_tcp.h" gets fake_tcp.o linked in before the core archive (see the
 * Makefile). The fake defines every tcp.h and tcp_core.h function, so the archive's real tcp.o is never
 * pulled in. */
#ifndef HILFTP_FAKE_TCP_H
#define HILFTP_FAKE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp.h"

#define FT_MAX 512

void ft_reset(void);
int ft_live(void);
int ft_misuse(void);
void ft_set_limit(int max_live); /* default TCP_MAX_SOCKETS */

/* --- peer side --- */
/* A client at the host address (family 4 or 6) connects from peer_port to a listener on
 * local_port: the connection is ESTABLISHED in the listener's backlog. -1 when there is no
 * listener, its backlog is full (SYN ignored) or the handle limit is reached. */
tcp_id ft_connect_in(int family, uint16_t peer_port, uint16_t local_port);
/* Ports where the peer listens: an application tcp_connect() there is established at once. */
void ft_peer_listen(uint16_t port, bool on);
/* The newest live handle the application opened with tcp_connect() to rport, or -1. */
tcp_id ft_find_out(uint16_t rport);
void ft_establish(tcp_id s); /* SYN_SENT -> ESTABLISHED */
void ft_refuse(tcp_id s);    /* SYN_SENT -> CLOSED by RST */
void ft_send(tcp_id s, const void *data, size_t n); /* one segment peer -> application */
void ft_send_str(tcp_id s, const char *text);
void ft_fin(tcp_id s);
void ft_rst(tcp_id s);
/* Application -> peer: everything not yet read (NUL-terminated, cut at cap - 1). */
size_t ft_read(tcp_id s, char *buf, size_t cap);
size_t ft_read_bin(tcp_id s, uint8_t *buf, size_t cap);
/* One segment (one tcp_send call's accepted bytes); 0 when none. */
size_t ft_read_seg(tcp_id s, char *buf, size_t cap);
int ft_unread_segments(tcp_id s);
size_t ft_unread_bytes(tcp_id s);
size_t ft_rx_pending(tcp_id s);   /* peer segments the application has not released */
bool ft_app_closed(tcp_id s);     /* tcp_close() called */
bool ft_app_aborted(tcp_id s);    /* tcp_abort() called */
bool ft_freed(tcp_id s);
int ft_peer_state(tcp_id s);      /* state as the fake sees it (also after the app let go) */
void ft_set_space(tcp_id s, size_t n);  /* what tcp_send may still accept (SIZE_MAX = no limit) */
void ft_set_default_space(size_t n);
/* tcp_all_acked(); also whether the peer acknowledges our FIN (FIN_WAIT_1 -> FIN_WAIT_2). */
void ft_set_acked(tcp_id s, bool acked);
uint16_t ft_local_port(tcp_id s);
uint16_t ft_remote_port(tcp_id s);
const ip_addr_t *ft_remote_addr(tcp_id s);
bool ft_is_listening(uint16_t port);

#endif
