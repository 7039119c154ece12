#include "fake_port.h"

#include <string.h>

#include "port.h"
#include "slip.h"

uint32_t fake_now;
unsigned fake_reboots;
uint8_t fake_fs[1 << 20];
size_t fake_fs_len;
unsigned fake_fs_saves;

static uint8_t g_frames[FAKE_MAX_FRAMES][FAKE_FRAME_CAP];
static size_t g_lens[FAKE_MAX_FRAMES];
static size_t g_count;
static size_t g_max_len;
static uint32_t g_raw;
static uint8_t g_cur[FAKE_FRAME_CAP];
static slip_decoder_t g_dec;
static bool g_dec_init;

void fake_reset(void)
{
    fake_now = 0;
    fake_reboots = 0;
    fake_fs_len = 0;
    fake_fs_saves = 0;
    g_count = 0;
    g_max_len = 0;
    g_raw = 0;
    slip_decoder_init(&g_dec, g_cur, sizeof g_cur);
    g_dec_init = true;
}

size_t fake_frame_count(void) { return g_count; }

const uint8_t *fake_frame(size_t i, size_t *len)
{
    if (i >= g_count) {
        *len = 0;
        return NULL;
    }
    *len = g_lens[i];
    return g_frames[i];
}

void fake_clear_frames(void) { g_count = 0; }
size_t fake_max_frame_len(void) { return g_max_len; }
uint32_t fake_uart_bytes(void) { return g_raw; }

void fake_run(void (*poll)(uint32_t), uint32_t now, int times)
{
    fake_now = now;
    for (int i = 0; i < times; i++) poll(now);
}

__attribute__((weak)) uint32_t port_now_ms(void) { return fake_now; }

__attribute__((weak)) void port_uart_write(const uint8_t *data, size_t n)
{
    if (!g_dec_init) fake_reset();
    g_raw += (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        if (slip_decode_byte(&g_dec, data[i]) == SLIP_FRAME) {
            size_t l = g_dec.frame_len;
            if (l > g_max_len) g_max_len = l;
            if (g_count < FAKE_MAX_FRAMES) {
                memcpy(g_frames[g_count], g_cur, l);
                g_lens[g_count] = l;
                g_count++;
            } else { /* keep the newest: drop the oldest */
                memmove(g_frames[0], g_frames[1], sizeof g_frames[0] * (FAKE_MAX_FRAMES - 1));
                memmove(g_lens, g_lens + 1, sizeof g_lens[0] * (FAKE_MAX_FRAMES - 1));
                memcpy(g_frames[FAKE_MAX_FRAMES - 1], g_cur, l);
                g_lens[FAKE_MAX_FRAMES - 1] = l;
            }
        }
    }
}

__attribute__((weak)) void port_reboot(void) { fake_reboots++; }

__attribute__((weak)) size_t port_fs_load(uint8_t *image, size_t cap)
{
    size_t n = fake_fs_len < cap ? fake_fs_len : cap;
    memcpy(image, fake_fs, n);
    return n;
}

__attribute__((weak)) void port_fs_save(const uint8_t *image, size_t n)
{
    if (n > sizeof fake_fs) n = sizeof fake_fs;
    memcpy(fake_fs, image, n);
    fake_fs_len = n;
    fake_fs_saves++;
}
