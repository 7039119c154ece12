/* test_sha256.c - FIPS 180-4 / NIST example vectors and incremental hashing. */
#include <string.h>

#include "sha256.h"
#include "test.h"

static void hex_of(const char *s, char out[65]) { sha256_hex_of(s, strlen(s), out); }

static void test_vectors(void)
{
    char h[65];
    hex_of("", h);
    CHECK(strcmp(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    hex_of("abc", h);
    CHECK(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", h);
    CHECK(strcmp(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
    hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrs"
           "tnopqrstu",
           h);
    CHECK(strcmp(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1") == 0);
}

static void test_million_a(void)
{
    sha256_ctx c;
    uint8_t d[32];
    char h[65];
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    sha256_init(&c);
    for (int i = 0; i < 1000; i++) sha256_update(&c, chunk, sizeof chunk);
    sha256_final(&c, d);
    sha256_hex(d, h);
    CHECK(strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

static void test_incremental_matches_one_shot(void)
{
    uint8_t buf[300];
    for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 0; len <= sizeof buf; len += 13) {
        char one[65], inc[65];
        sha256_hex_of(buf, len, one);
        for (size_t step = 1; step < 70; step += 17) {
            sha256_ctx c;
            uint8_t d[32];
            sha256_init(&c);
            for (size_t at = 0; at < len; at += step) sha256_update(&c, buf + at, len - at < step ? len - at : step);
            sha256_final(&c, d);
            sha256_hex(d, inc);
            CHECK(strcmp(one, inc) == 0);
        }
    }
    /* the padding boundaries: 55, 56, 63, 64 bytes */
    char h[65];
    memset(buf, 'x', 64);
    sha256_hex_of(buf, 55, h);
    CHECK(strlen(h) == 64);
    sha256_hex_of(buf, 56, h);
    CHECK(strlen(h) == 64);
}

int main(void)
{
    RUN(test_vectors);
    RUN(test_million_a);
    RUN(test_incremental_matches_one_shot);
    return test_summary("sha256");
}
