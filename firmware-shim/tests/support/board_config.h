/* board_config.h for the C unit tests: a fixed, native-sim-like configuration (not generated), with an
 * RTO cap above the initial RTO so that exponential backoff is visible, and a small pool. */
#ifndef HILFTP_BOARD_CONFIG_H
#define HILFTP_BOARD_CONFIG_H
#define BOARD_NAME "unit-test"
#define NET_MTU 1500
#define POOL_COUNT 12
#define POOL_PAYLOAD 1500
#define TCP_MSS 1460
#define TCP_WINDOW 4380
#define TCP_MAX_INFLIGHT 4
#define TCP_RTO_MS 1000
#define TCP_RTO_MAX_MS 8000
#define TCP_MAX_RETRIES 5
#define TCP_DELAYED_ACK_MS 200
#define TCP_MAX_SOCKETS 16
#define TCP_TIME_WAIT_MS 2000
#define IPV4_HOST {198, 51, 100, 1}
#define IPV4_BOARD {198, 51, 100, 2}
#define IPV6_HOST {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
#define IPV6_BOARD {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}
#define IPV6_ENABLED 1
#define FTP_PORT 21
#define FTP_USER "hil"
#define FTP_PASSWORD "hil"
#define RAMFS_SIZE 65536
#endif
