/* agent.h - the test agent: a line protocol on TCP AGENT_PORT that hil-tests use to drive the
 * board: identify it, run its FTP client against a host FTP server (GET/PUT/LS), list, hash,
 * create and remove files in the RAM fs, read and reset counters, reboot. One request line, one
 * reply line ("OK ..." or "ERR <code> <text>"); GET/PUT/LS reply when the transfer is over.
 * The grammar is in firmware-shim/README.md ("Test agent protocol"). Garbage never crashes it:
 * unknown or malformed lines get "ERR 400 ...", over-long lines "ERR 400 line too long". */
#ifndef HILFTP_AGENT_H
#define HILFTP_AGENT_H

#include <stdint.h>

#include "config.h"

#ifndef AGENT_MAX_CONN
#define AGENT_MAX_CONN 2
#endif
#ifndef AGENT_LINE_MAX
#define AGENT_LINE_MAX 600 /* bytes of a request line, LF included */
#endif
#ifndef AGENT_REPLY_MAX
#define AGENT_REPLY_MAX 4096
#endif
#ifndef AGENT_REBOOT_WAIT_MS
#define AGENT_REBOOT_WAIT_MS 1000u /* at most, for the "OK rebooting" to be acknowledged */
#endif

void agent_init(void);
void agent_poll(uint32_t now_ms);

/* MKFILE content: byte i of a file made with seed s, exposed for tests. The generator is
 * xorshift32 (13, 17, 5) started at x = s ^ 0xA5A5A5A5 (1 if that is 0); each byte is the
 * low 8 bits of x after one step. */
uint32_t agent_prng_start(uint32_t seed);
uint8_t agent_prng_next(uint32_t *x);

#endif
