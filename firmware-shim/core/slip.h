/* slip.h - RFC 1055 SLIP framing: an encoder and an incremental decoder. */
#ifndef HILFTP_SLIP_H
#define HILFTP_SLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLIP_END 0xC0
#define SLIP_ESC 0xDB
#define SLIP_ESC_END 0xDC
#define SLIP_ESC_ESC 0xDD

typedef void (*slip_write_fn)(const uint8_t *data, size_t n);

/* END, frame with END/ESC escaped, END; written through `write` in chunks of a small stack buffer. */
void slip_send(const uint8_t *frame, size_t n, slip_write_fn write);
/* The same for a frame given in two pieces (headers + payload): one frame a + b. */
void slip_send2(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, slip_write_fn write);
/* Encoded size of a frame (both ENDs included). */
size_t slip_encoded_len(const uint8_t *frame, size_t n);

/* Decoder results of slip_decode_byte. */
enum {
    SLIP_MORE = 0,     /* nothing complete yet */
    SLIP_FRAME,        /* buf[0..frame_len) holds a whole frame */
    SLIP_OVERSIZE,     /* a frame longer than cap ended: dropped */
    SLIP_BAD_ESCAPE,   /* a frame with ESC + other byte ended: dropped */
    SLIP_NO_BUFFER     /* a frame ended that had no buffer to go into (buf == NULL): dropped */
};

typedef struct {
    uint8_t *buf; /* where the frame goes; NULL = discard the frame (no buffer) */
    size_t cap;
    size_t len;   /* bytes of the current frame so far (counted even when discarded) */
    bool esc;
    bool bad;     /* bad escape seen in this frame */
    size_t frame_len; /* set when slip_decode_byte returns SLIP_FRAME */
} slip_decoder_t;

void slip_decoder_init(slip_decoder_t *d, uint8_t *buf, size_t cap);
/* True when the decoder is between frames (the next byte starts a new frame). */
bool slip_decoder_idle(const slip_decoder_t *d);
/* Feeds one byte. Empty frames (END END) are ignored. After any result other than SLIP_MORE the
 * decoder is idle again (len 0) and keeps its buffer; the caller may swap buf before the next byte. */
int slip_decode_byte(slip_decoder_t *d, uint8_t b);

#endif
