/* pool.h - the packet pool: POOL_COUNT buffers of POOL_PAYLOAD bytes, static. Every received frame and
 * every queued TCP data segment lives in one buffer; exhaustion is real (frames are dropped, tcp_send
 * returns 0, the receive window closes). */
#ifndef HILFTP_POOL_H
#define HILFTP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef int16_t pkt_t; /* buffer index, -1 = none */
#define PKT_NONE ((pkt_t)-1)

/* Per-buffer bookkeeping, for whoever owns the buffer (the TCP queues use it). */
typedef struct {
    uint16_t off;  /* start of the bytes of interest (e.g. TCP payload) */
    uint16_t len;  /* end of them (exclusive) */
    uint32_t seq;  /* TCP sequence number of buf[off] */
    pkt_t next;    /* queue link */
    uint8_t used;
    uint8_t flags;
} pkt_meta_t;

void pool_init(void);
/* A free buffer, or PKT_NONE (counted in pool_alloc_failures). `keep` = buffers that must stay free
 * after this allocation (0 for the receive driver, POOL_RESERVE for TX data). */
pkt_t pool_alloc(size_t keep);
void pool_free(pkt_t p);
uint8_t *pool_data(pkt_t p);     /* POOL_PAYLOAD bytes */
pkt_meta_t *pool_meta(pkt_t p);
size_t pool_free_count(void);
/* Bumped by every pool_free: whoever caches a decision that depends on pool_free_count() (the TCP
 * receive window) compares it with the value it saw last to learn that buffers came back. Wraps. */
uint32_t pool_free_generation(void);
size_t pool_low_water(void);     /* fewest free buffers seen since init / pool_reset_stats */
uint32_t pool_alloc_failures(void);
void pool_reset_stats(void);     /* low-water = current free count, failures = 0 */
bool pool_valid(pkt_t p);        /* in range and allocated */

#endif
