/* config.h - every build-time knob of the firmware-shim core. board_config.h (generated from the
 * board profile by tools/profile-config.mjs) sets what the profile knows; the rest defaults here. */
#ifndef HILFTP_CONFIG_H
#define HILFTP_CONFIG_H

#include "board_config.h"

#ifndef BOARD_NAME
#define BOARD_NAME "native-sim"
#endif
#ifndef FIRMWARE_VERSION
#define FIRMWARE_VERSION "0.1.0"
#endif
#ifndef NET_MTU
#define NET_MTU 1500
#endif
#ifndef POOL_COUNT
#define POOL_COUNT 16
#endif
#ifndef POOL_PAYLOAD
#define POOL_PAYLOAD 1500
#endif
/* Pool buffers a TX allocation (tcp_send) leaves free, so that the driver can still receive the ACKs
 * that will free the TX buffers, and that the receive window never promises these buffers. */
#ifndef POOL_RESERVE
#define POOL_RESERVE 2
#endif
#ifndef TCP_MSS
#define TCP_MSS 1460
#endif
#ifndef TCP_WINDOW
#define TCP_WINDOW 5840
#endif
#ifndef TCP_MAX_INFLIGHT
#define TCP_MAX_INFLIGHT 8
#endif
#ifndef TCP_RTO_MS
#define TCP_RTO_MS 1000
#endif
/* Cap of the exponential RTO backoff (the profile's tcp.rto.maxMs). */
#ifndef TCP_RTO_MAX_MS
#define TCP_RTO_MAX_MS 60000
#endif
#ifndef TCP_MAX_RETRIES
#define TCP_MAX_RETRIES 10
#endif
#ifndef TCP_DELAYED_ACK_MS
#define TCP_DELAYED_ACK_MS 200
#endif
#ifndef TCP_MAX_SOCKETS
#define TCP_MAX_SOCKETS 16
#endif
#ifndef TCP_TIME_WAIT_MS
#define TCP_TIME_WAIT_MS 2000
#endif
/* FIN-WAIT-2 without the peer's FIN: the slot is released after this. */
#ifndef TCP_FIN_WAIT_2_MS
#define TCP_FIN_WAIT_2_MS 30000
#endif
/* Persist (zero-window probe) interval cap. */
#ifndef TCP_PERSIST_MAX_MS
#define TCP_PERSIST_MAX_MS 5000
#endif
#ifndef TCP_EPHEMERAL_FIRST
#define TCP_EPHEMERAL_FIRST 49152u
#endif
#ifndef IP_TTL
#define IP_TTL 64
#endif
#ifndef IPV4_HOST
#define IPV4_HOST {198, 51, 100, 1}
#endif
#ifndef IPV4_BOARD
#define IPV4_BOARD {198, 51, 100, 2}
#endif
#ifndef IPV6_HOST
#define IPV6_HOST {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
#endif
#ifndef IPV6_BOARD
#define IPV6_BOARD {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}
#endif
#ifndef IPV6_ENABLED
#define IPV6_ENABLED (NET_MTU >= 1280)
#endif
#ifndef FTP_PORT
#define FTP_PORT 21
#endif
#ifndef FTP_USER
#define FTP_USER "hil"
#endif
#ifndef FTP_PASSWORD
#define FTP_PASSWORD "hil"
#endif
#ifndef FTP_MAX_SESSIONS
#define FTP_MAX_SESSIONS 4
#endif
#ifndef FTP_IDLE_TIMEOUT_MS
#define FTP_IDLE_TIMEOUT_MS 240000
#endif
#ifndef AGENT_PORT
#define AGENT_PORT 9000
#endif
#ifndef RAMFS_SIZE
#define RAMFS_SIZE 262144
#endif
#ifndef RAMFS_MAX_FILES
#define RAMFS_MAX_FILES 32
#endif

/* ---- derived sizes and sanity checks ---- */
/* Largest datagram the core builds or accepts: a pool buffer must hold it and the link must carry it. */
#define NET_MAX_DGRAM (NET_MTU < POOL_PAYLOAD ? NET_MTU : POOL_PAYLOAD)
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define TCP_HDR_LEN 20

#if NET_MTU < 68
#error "NET_MTU must be at least 68 (RFC 791)"
#endif
#if POOL_PAYLOAD < 68
#error "POOL_PAYLOAD must be at least 68"
#endif
#if POOL_COUNT < 3 || POOL_COUNT > 30000
#error "POOL_COUNT must be 3..30000"
#endif
#if POOL_RESERVE >= POOL_COUNT
#error "POOL_RESERVE must be below POOL_COUNT"
#endif
#if TCP_MAX_SOCKETS < 2 || TCP_MAX_SOCKETS > 255
#error "TCP_MAX_SOCKETS must be 2..255"
#endif
#if TCP_WINDOW < 1 || TCP_WINDOW > 65535
#error "TCP_WINDOW must be 1..65535 (no window scaling)"
#endif
#if IPV6_ENABLED && NET_MTU < 1280
#error "IPV6_ENABLED needs NET_MTU >= 1280 (RFC 8200)"
#endif

#endif
