/* fake_port.h - the port (port.h) the unit tests link against: a clock the test sets, a UART whose
 * output is SLIP-decoded into a list of frames, an in-memory flash image for the RAM fs.
 * All port_* functions are weak, so a test may define its own. */
#ifndef HILFTP_FAKE_PORT_H
#define HILFTP_FAKE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_FRAMES 256
#define FAKE_FRAME_CAP 2048

extern uint32_t fake_now;        /* port_now_ms() */
extern unsigned fake_reboots;    /* port_reboot() calls */
extern uint8_t fake_fs[1 << 20]; /* port_fs_save() target / port_fs_load() source */
extern size_t fake_fs_len;       /* 0 = no image */
extern unsigned fake_fs_saves;

void fake_reset(void);                 /* clock 0, no frames, no fs image */
size_t fake_frame_count(void);         /* frames the core wrote since the last fake_clear_frames */
const uint8_t *fake_frame(size_t i, size_t *len);
void fake_clear_frames(void);
size_t fake_max_frame_len(void);       /* longest frame ever written (MTU checks) */
uint32_t fake_uart_bytes(void);        /* raw bytes written */
/* The main loop at one instant: fake_now = now, then poll(now) `times` times. */
void fake_run(void (*poll)(uint32_t), uint32_t now, int times);

#endif
