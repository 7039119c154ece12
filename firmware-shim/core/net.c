/* net.c - SLIP in/out, frame reception into pool buffers, timer dispatch. */
#include "net.h"

#include "config.h"
#include "counters.h"
#include "ip.h"
#include "pool.h"
#include "port.h"
#include "slip.h"
#include "tcp_core.h"

static slip_decoder_t g_dec;
static pkt_t g_rx = PKT_NONE; /* buffer the frame being received goes into */
static uint32_t g_activity;

void net_init(void)
{
    pool_init();
    counters_reset();
    g_rx = PKT_NONE;
    slip_decoder_init(&g_dec, NULL, POOL_PAYLOAD);
    ip_init();
    tcp_init();
    g_activity++;
}

uint32_t net_activity(void)
{
    return g_activity;
}

void net_touch(void)
{
    g_activity++;
}

void net_input_bytes(const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = bytes[i];
        if (slip_decoder_idle(&g_dec) && b != SLIP_END && g_rx == PKT_NONE) {
            /* a frame starts: the driver takes a pool buffer for it (none free = the frame is lost) */
            g_rx = pool_alloc(0);
            slip_decoder_init(&g_dec, g_rx == PKT_NONE ? NULL : pool_data(g_rx), POOL_PAYLOAD);
        }
        int r = slip_decode_byte(&g_dec, b);
        if (r == SLIP_MORE) continue;
        g_activity++;
        switch (r) {
        case SLIP_FRAME: {
            pkt_t p = g_rx;
            size_t len = g_dec.frame_len;
            g_rx = PKT_NONE;
            slip_decoder_init(&g_dec, NULL, POOL_PAYLOAD);
            COUNT(rx_frames);
            g_counters.rx_bytes += (uint32_t)len;
            ip_input(p, len);
            break;
        }
        case SLIP_OVERSIZE:
            COUNT(slip_oversize);
            break;
        case SLIP_BAD_ESCAPE:
            COUNT(slip_bad_escape);
            break;
        case SLIP_NO_BUFFER:
            COUNT(rx_no_buffer);
            break;
        default:
            break;
        }
        /* a dropped frame's buffer goes back at once: the next frame takes one when it starts, and the
         * pool (the receive windows) must not miss a buffer while the line is quiet */
        if (g_rx != PKT_NONE) {
            pool_free(g_rx);
            g_rx = PKT_NONE;
            slip_decoder_init(&g_dec, NULL, POOL_PAYLOAD);
        }
    }
}

void net_poll(uint32_t now_ms)
{
    tcp_poll(now_ms);
}

uint32_t net_next_timer(uint32_t now_ms)
{
    return tcp_next_timer(now_ms);
}

static void uart_write(const uint8_t *data, size_t n)
{
    port_uart_write(data, n);
}

void net_output(const uint8_t *hdr, size_t hlen, const uint8_t *payload, size_t plen)
{
    if (hlen + plen > NET_MTU) {
        COUNT(tx_too_big);
        return;
    }
    slip_send2(hdr, hlen, payload, plen, uart_write);
    COUNT(tx_frames);
    g_counters.tx_bytes += (uint32_t)(hlen + plen);
    g_activity++;
}
