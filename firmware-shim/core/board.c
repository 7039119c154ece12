/* board.c - glue between a port and the core. */
#include "board.h"

#include "config.h"
#include "net.h"

/* The applications (core/ramfs, ftp_server, agent). Declared here as well as in their headers, so that
 * a signature drift fails to compile here. */
#if defined(__has_include)
#if __has_include("ramfs.h")
#include "ramfs.h"
#endif
#if __has_include("ftp_server.h")
#include "ftp_server.h"
#endif
#if __has_include("agent.h")
#include "agent.h"
#endif
#endif
void ramfs_init(void);
void ftp_server_init(void);
void ftp_server_poll(uint32_t now_ms);
void agent_init(void);
void agent_poll(uint32_t now_ms);

static uint8_t g_busy; /* the last board_poll stopped while the applications were still making progress */

void board_init(void)
{
    net_init();
    ramfs_init();
    ftp_server_init();
    agent_init();
    g_busy = 1;
}

void board_input(const uint8_t *bytes, size_t n)
{
    net_input_bytes(bytes, n);
}

void board_poll(uint32_t now_ms)
{
    g_busy = 0;
    for (int round = 0; round < 16; round++) {
        uint32_t before = net_activity();
        net_poll(now_ms);
        ftp_server_poll(now_ms);
        agent_poll(now_ms);
        if (net_activity() == before) return;
    }
    g_busy = 1;
}

uint32_t board_next_timer(uint32_t now_ms)
{
    if (g_busy) return now_ms;
    uint32_t t = net_next_timer(now_ms);
    if ((int32_t)(t - (now_ms + BOARD_APP_TICK_MS)) > 0) t = now_ms + BOARD_APP_TICK_MS;
    return t;
}
