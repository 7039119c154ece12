/* counters.h - the net core's event counters (read and reset by the test agent). */
#ifndef HILFTP_COUNTERS_H
#define HILFTP_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/* X(name): every counter, in report order. pool_low_water and pool_alloc_failures are kept by the pool
 * and copied in by counters_value(). */
#define COUNTERS_LIST(X)        \
    X(rx_frames)                \
    X(tx_frames)                \
    X(rx_bytes)                 \
    X(tx_bytes)                 \
    X(slip_oversize)            \
    X(slip_bad_escape)          \
    X(rx_no_buffer)             \
    X(tx_too_big)               \
    X(ip_malformed)             \
    X(ip_bad_checksum)          \
    X(ip_not_for_us)            \
    X(ip_fragments)             \
    X(ip_unknown_proto)         \
    X(icmp_bad_checksum)        \
    X(icmp_echo_replies)        \
    X(tcp_bad_checksum)         \
    X(tcp_malformed)            \
    X(tcp_rx_segments)          \
    X(tcp_tx_segments)          \
    X(tcp_no_socket)            \
    X(tcp_rst_rx)               \
    X(tcp_rst_tx)               \
    X(tcp_retransmits)          \
    X(tcp_fast_retransmits)     \
    X(tcp_timeouts)             \
    X(tcp_ooo_dropped)          \
    X(tcp_dup_acks_tx)          \
    X(tcp_window_probes)        \
    X(tcp_backlog_drops)        \
    X(tcp_no_pcb)               \
    X(pool_low_water)           \
    X(pool_alloc_failures)

typedef struct {
#define COUNTERS_FIELD(n) uint32_t n;
    COUNTERS_LIST(COUNTERS_FIELD)
#undef COUNTERS_FIELD
} counters_t;

extern counters_t g_counters;

#define COUNT(field) (g_counters.field++)

void counters_reset(void);            /* all to 0; pool low-water restarts from the current level */
size_t counters_count(void);          /* number of counters */
const char *counters_name(size_t i);  /* "rx_frames", ... */
uint32_t counters_value(size_t i);
/* "name=value name=value ..." into buf (NUL-terminated, truncated at cap); returns strlen. */
size_t counters_format(char *buf, size_t cap);

#endif
