/* port.h - what each port (ports/posix, ports/stm32f4, the C unit tests) provides to the core. */
#ifndef HILFTP_PORT_H
#define HILFTP_PORT_H

#include <stddef.h>
#include <stdint.h>

uint32_t port_now_ms(void);                              /* monotonic ms (wraps after ~49 days) */
void     port_uart_write(const uint8_t *data, size_t n); /* SLIP bytes out; may block */
void     port_reboot(void);                              /* agent REBOOT: reset the board */
size_t   port_fs_load(uint8_t *image, size_t cap);       /* persisted ramfs image (0 = none) */
void     port_fs_save(const uint8_t *image, size_t n);   /* after every change that completes */

#endif
