/* tcp_core.h - TCP entry points for the net core itself (ip.c, net.c, tests); applications use tcp.h. */
#ifndef HILFTP_TCP_CORE_H
#define HILFTP_TCP_CORE_H

#include "tcp.h"

void tcp_init(void);
/* A TCP segment addressed to us, inside pool buffer `pkt` (a pkt_t); the checksum has already been
 * verified by ip.c. Returns true when TCP kept the buffer (in-order data waiting for the app), false
 * when the caller must free it. */
bool tcp_input(int16_t pkt, const ip_addr_t *src, const ip_addr_t *dst, uint8_t *seg, size_t len);
/* Timers: retransmission, persist, delayed ACK, TIME-WAIT, FIN-WAIT-2. */
void tcp_poll(uint32_t now_ms);
/* Earliest time (ms) tcp_poll needs to run, or now + 60000 when idle. */
uint32_t tcp_next_timer(uint32_t now_ms);
/* Pool accounting (tests, diagnostics): the pool buffers slot `s` holds now, received data waiting for
 * the application or held out of order (*rx) and queued or unacknowledged sent data (*tx); 0/0 for a free
 * or invalid slot. */
void tcp_pool_usage(tcp_id s, unsigned *rx, unsigned *tx);

#endif
