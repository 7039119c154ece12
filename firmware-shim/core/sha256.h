/* sha256.h - SHA-256 (FIPS 180-4) for the agent's HASH replies and transfer digests.
 * Incremental, static memory, no libc beyond string.h. */
#ifndef HILFTP_SHA256_H
#define HILFTP_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t total;      /* bytes hashed so far */
    uint8_t block[64];
    uint32_t fill;       /* bytes waiting in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, uint8_t digest[32]);
/* digest -> 64 lower-case hex characters + NUL (out must hold 65 bytes). */
void sha256_hex(const uint8_t digest[32], char out[65]);
/* One call: hex digest of a buffer. */
void sha256_hex_of(const void *data, size_t n, char out[65]);

#endif
