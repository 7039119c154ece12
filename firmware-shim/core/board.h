/* board.h - the glue a port calls: the net core plus the applications (RAM fs, FTP server, agent). */
#ifndef HILFTP_BOARD_H
#define HILFTP_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* (Re)starts everything: net core (pool, counters, TCP), RAM fs (loaded from port_fs_load), FTP
 * server, agent. Called at power-up and again for a reboot. */
void board_init(void);
/* Bytes received on the UART, any chunking. */
void board_input(const uint8_t *bytes, size_t n);
/* Timers and applications. Re-polls the applications while they make progress (bounded). */
void board_poll(uint32_t now_ms);
/* Absolute time (port_now_ms scale) board_poll next wants to run, given no new input: `now_ms` when
 * work is pending, the next TCP timer otherwise, at most BOARD_APP_TICK_MS ahead (application
 * timeouts). A port may sleep until then or until input arrives. */
uint32_t board_next_timer(uint32_t now_ms);

#ifndef BOARD_APP_TICK_MS
#define BOARD_APP_TICK_MS 250u
#endif

#endif
