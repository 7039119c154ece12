/* net.h - the net core's entry points for a port (via board.c): bytes in, timers, frames out. */
#ifndef HILFTP_NET_H
#define HILFTP_NET_H

#include <stddef.h>
#include <stdint.h>

/* Resets the whole net core: pool, counters, SLIP decoder, IP, TCP (every connection forgotten). */
void net_init(void);
/* Bytes from the UART (any chunking). Whole frames are processed (and answered) before this returns. */
void net_input_bytes(const uint8_t *bytes, size_t n);
/* Runs the timers (retransmission, persist, delayed ACK, TIME-WAIT). Call at least at net_next_timer(). */
void net_poll(uint32_t now_ms);
/* Absolute time (port_now_ms scale) at which net_poll next has work; now_ms + 60000 when idle. */
uint32_t net_next_timer(uint32_t now_ms);
/* Bumped whenever a frame goes in or out or an application moves data; a port's main loop re-polls the
 * applications while it keeps changing (they may have more to do), and sleeps when it does not. */
uint32_t net_activity(void);
void net_touch(void);

/* Output: one IP datagram given in two pieces (headers, payload), SLIP-framed to port_uart_write.
 * Dropped (tx_too_big) when over NET_MTU. */
void net_output(const uint8_t *hdr, size_t hlen, const uint8_t *payload, size_t plen);

#endif
