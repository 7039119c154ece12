/* slip.c - RFC 1055 SLIP framing. */
#include "slip.h"

size_t slip_encoded_len(const uint8_t *frame, size_t n)
{
    size_t out = n + 2;
    for (size_t i = 0; i < n; i++)
        if (frame[i] == SLIP_END || frame[i] == SLIP_ESC) out++;
    return out;
}

void slip_send2(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, slip_write_fn write)
{
    uint8_t chunk[64];
    size_t k = 0;
    chunk[k++] = SLIP_END; /* flushes line noise on the receiver */
    for (int part = 0; part < 2; part++) {
        const uint8_t *frame = part == 0 ? a : b;
        size_t n = part == 0 ? na : nb;
        for (size_t i = 0; i < n; i++) {
            if (k + 2 > sizeof chunk) {
                write(chunk, k);
                k = 0;
            }
            uint8_t c = frame[i];
            if (c == SLIP_END) {
                chunk[k++] = SLIP_ESC;
                chunk[k++] = SLIP_ESC_END;
            } else if (c == SLIP_ESC) {
                chunk[k++] = SLIP_ESC;
                chunk[k++] = SLIP_ESC_ESC;
            } else {
                chunk[k++] = c;
            }
        }
    }
    if (k + 1 > sizeof chunk) {
        write(chunk, k);
        k = 0;
    }
    chunk[k++] = SLIP_END;
    write(chunk, k);
}

void slip_send(const uint8_t *frame, size_t n, slip_write_fn write)
{
    slip_send2(frame, n, NULL, 0, write);
}

void slip_decoder_init(slip_decoder_t *d, uint8_t *buf, size_t cap)
{
    d->buf = buf;
    d->cap = cap;
    d->len = 0;
    d->esc = false;
    d->bad = false;
    d->frame_len = 0;
}

bool slip_decoder_idle(const slip_decoder_t *d)
{
    return d->len == 0 && !d->esc && !d->bad;
}

static void put(slip_decoder_t *d, uint8_t b)
{
    if (d->buf != NULL && d->len < d->cap) d->buf[d->len] = b;
    if (d->len < (size_t)-1) d->len++;
}

int slip_decode_byte(slip_decoder_t *d, uint8_t b)
{
    if (b == SLIP_END) {
        int r;
        if (d->bad || d->esc) r = SLIP_BAD_ESCAPE; /* ESC right before END is a bad escape too */
        else if (d->len == 0) r = SLIP_MORE;       /* empty frame: ignored */
        else if (d->buf == NULL) r = SLIP_NO_BUFFER;
        else if (d->len > d->cap) r = SLIP_OVERSIZE;
        else r = SLIP_FRAME;
        d->frame_len = (r == SLIP_FRAME) ? d->len : 0;
        d->len = 0;
        d->esc = false;
        d->bad = false;
        return r;
    }
    if (d->esc) {
        d->esc = false;
        if (b == SLIP_ESC_END) put(d, SLIP_END);
        else if (b == SLIP_ESC_ESC) put(d, SLIP_ESC);
        else {
            d->bad = true;
            put(d, b);
        }
        return SLIP_MORE;
    }
    if (b == SLIP_ESC) {
        d->esc = true;
        return SLIP_MORE;
    }
    put(d, b);
    return SLIP_MORE;
}
