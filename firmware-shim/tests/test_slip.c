/* SLIP framing: encoder, incremental decoder, noise, oversize, bad escapes. */
#include "slip.h"

#include "test.h"

static uint8_t g_out[8192];
static size_t g_out_len;
static void w(const uint8_t *d, size_t n)
{
    memcpy(g_out + g_out_len, d, n);
    g_out_len += n;
}

static void test_encode(void)
{
    const uint8_t f[] = {1, SLIP_END, 2, SLIP_ESC, 3};
    g_out_len = 0;
    slip_send(f, sizeof f, w);
    const uint8_t want[] = {SLIP_END, 1, SLIP_ESC, SLIP_ESC_END, 2, SLIP_ESC, SLIP_ESC_ESC, 3, SLIP_END};
    CHECK_EQ(g_out_len, sizeof want);
    CHECK_MEM(g_out, want, sizeof want);
    CHECK_EQ(slip_encoded_len(f, sizeof f), sizeof want);
}

static void test_encode_two_pieces_and_long(void)
{
    uint8_t a[300], b[301];
    for (size_t i = 0; i < sizeof a; i++) a[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < sizeof b; i++) b[i] = (uint8_t)(0xC0 + (i & 1) * 0x1B); /* all END / ESC */
    g_out_len = 0;
    slip_send2(a, sizeof a, b, sizeof b, w);
    uint8_t buf[1000];
    slip_decoder_t d;
    slip_decoder_init(&d, buf, sizeof buf);
    int frames = 0;
    for (size_t i = 0; i < g_out_len; i++) {
        if (slip_decode_byte(&d, g_out[i]) == SLIP_FRAME) {
            frames++;
            CHECK_EQ(d.frame_len, sizeof a + sizeof b);
            CHECK_MEM(buf, a, sizeof a);
            CHECK_MEM(buf + sizeof a, b, sizeof b);
        }
    }
    CHECK_EQ(frames, 1);
}

static int feed(slip_decoder_t *d, const uint8_t *s, size_t n, int *last)
{
    int frames = 0;
    for (size_t i = 0; i < n; i++) {
        int r = slip_decode_byte(d, s[i]);
        if (r != SLIP_MORE) *last = r;
        if (r == SLIP_FRAME) frames++;
    }
    return frames;
}

static void test_decode_empty_and_noise(void)
{
    uint8_t buf[16];
    slip_decoder_t d;
    slip_decoder_init(&d, buf, sizeof buf);
    int last = -1;
    const uint8_t s[] = {SLIP_END, SLIP_END, SLIP_END};
    CHECK_EQ(feed(&d, s, sizeof s, &last), 0);
    CHECK_EQ(last, -1);
    /* noise before the first END is a frame of its own (garbage for IP to reject), then a clean frame */
    const uint8_t s2[] = {9, 9, SLIP_END, 'h', 'i', SLIP_END};
    CHECK_EQ(feed(&d, s2, sizeof s2, &last), 2);
    CHECK_EQ(d.frame_len, 2);
    CHECK_MEM(buf, "hi", 2);
    CHECK(slip_decoder_idle(&d));
}

static void test_decode_oversize(void)
{
    uint8_t buf[4];
    slip_decoder_t d;
    slip_decoder_init(&d, buf, sizeof buf);
    int last = -1;
    const uint8_t s[] = {1, 2, 3, 4, 5, SLIP_END, 1, 2, 3, 4, SLIP_END};
    CHECK_EQ(feed(&d, s, 6, &last), 0);
    CHECK_EQ(last, SLIP_OVERSIZE);
    CHECK_EQ(feed(&d, s + 6, 5, &last), 1);
    CHECK_EQ(d.frame_len, 4);
}

static void test_decode_bad_escape(void)
{
    uint8_t buf[16];
    slip_decoder_t d;
    slip_decoder_init(&d, buf, sizeof buf);
    int last = -1;
    const uint8_t s[] = {1, SLIP_ESC, 7, 2, SLIP_END};
    CHECK_EQ(feed(&d, s, sizeof s, &last), 0);
    CHECK_EQ(last, SLIP_BAD_ESCAPE);
    const uint8_t s2[] = {1, SLIP_ESC, SLIP_END}; /* ESC right before END */
    CHECK_EQ(feed(&d, s2, sizeof s2, &last), 0);
    CHECK_EQ(last, SLIP_BAD_ESCAPE);
    const uint8_t s3[] = {SLIP_ESC, SLIP_ESC_END, SLIP_ESC, SLIP_ESC_ESC, SLIP_END};
    CHECK_EQ(feed(&d, s3, sizeof s3, &last), 1);
    CHECK_EQ(d.frame_len, 2);
    CHECK_EQ(buf[0], SLIP_END);
    CHECK_EQ(buf[1], SLIP_ESC);
}

static void test_decode_no_buffer(void)
{
    slip_decoder_t d;
    slip_decoder_init(&d, NULL, 100);
    int last = -1;
    const uint8_t s[] = {1, 2, 3, SLIP_END};
    CHECK_EQ(feed(&d, s, sizeof s, &last), 0);
    CHECK_EQ(last, SLIP_NO_BUFFER);
}

static void test_random_roundtrip(void)
{
    uint32_t x = 12345;
    uint8_t frame[600], buf[600];
    slip_decoder_t d;
    slip_decoder_init(&d, buf, sizeof buf);
    for (int it = 0; it < 500; it++) {
        size_t n = 1 + (x % 599);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            frame[i] = (x & 3) == 0 ? SLIP_END : (x & 3) == 1 ? SLIP_ESC : (uint8_t)(x >> 8);
        }
        g_out_len = 0;
        slip_send(frame, n, w);
        int last = -1;
        CHECK_EQ(feed(&d, g_out, g_out_len, &last), 1);
        CHECK_EQ(d.frame_len, n);
        CHECK_MEM(buf, frame, n);
    }
}

int main(void)
{
    RUN(test_encode);
    RUN(test_encode_two_pieces_and_long);
    RUN(test_decode_empty_and_noise);
    RUN(test_decode_oversize);
    RUN(test_decode_bad_escape);
    RUN(test_decode_no_buffer);
    RUN(test_random_roundtrip);
    return test_summary("slip");
}
