/* ftp_server.h - FTP server that answers like NetX Duo's (shared/reference/netx-duo-ftp.md
 * sections 2-3): same verbs, reply codes and texts (with NetX's space before CRLF), 125 ... 250
 * around transfers (not the 150/226 of RFC 959 or of NetX PR #404), MKD 200, 502 for every verb it
 * lacks, one command per received TCP segment (the rest of the segment is ignored), at most
 * FTP_MAX_SESSIONS sessions with further clients waiting in the port-21 listen backlog, silent
 * idle timeout, PASV ports from a server-wide counter starting at 49152, PORT anti-bounce.
 *
 * Unlike NetX it never blocks: ftp_server_poll() advances every session a step (a transfer sends
 * what tcp_send accepts and resumes on the next poll), so one session's RETR does not stall the
 * others. Files live in ramfs. Text helpers (shared with the FTP client and the agent): ftp_text.h. */
#ifndef HILFTP_FTP_SERVER_H
#define HILFTP_FTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "tcp.h"

/* Transfer buffer per session (one chunk handed to tcp_send). */
#ifndef FTP_XFER_BUF
#define FTP_XFER_BUF (TCP_MSS < 256 ? 256 : TCP_MSS)
#endif
/* How long RETR/STOR/LIST/NLST wait for the data connection (NetX: 1 s; longer here because a
 * slow shaped UART can hold a SYN behind a window of data from another session). */
#ifndef FTP_DATA_TIMEOUT_MS
#define FTP_DATA_TIMEOUT_MS 5000
#endif
/* After RETR/LIST/NLST the data connection is closed and the 250 waits this long at most for the
 * FIN to be acknowledged (NetX: the disconnect's NX_FTP_SERVER_TIMEOUT, 1 s). */
#ifndef FTP_CLOSE_WAIT_MS
#define FTP_CLOSE_WAIT_MS 1000
#endif
/* First passive port (NX_SEARCH_PORT_START). */
#ifndef FTP_PASV_PORT_FIRST
#define FTP_PASV_PORT_FIRST 49152u
#endif
/* Sessions start read-only when set (the default login hook applies it). */
#ifndef FTP_READ_ONLY
#define FTP_READ_ONLY 0
#endif
/* Longest command argument kept; a longer one makes path commands fail with their 550. */
#ifndef FTP_ARG_MAX
#define FTP_ARG_MAX 300
#endif

/* Login hook: return true to accept. *read_only starts false (or the server default); set it
 * to make the session read-only (NetX's extra_info flag). client is the control peer. */
typedef bool (*ftp_login_fn)(const ip_addr_t *client, uint16_t client_port, const char *user,
                             const char *password, bool *read_only);
/* Logout hook: on QUIT and on control disconnect of a logged-in session (not on idle timeout,
 * as in NetX). */
typedef void (*ftp_logout_fn)(const ip_addr_t *client, uint16_t client_port, const char *user);

typedef struct {
    uint32_t connections;      /* sessions accepted */
    uint32_t disconnections;   /* sessions ended (any reason) */
    uint32_t logins;
    uint32_t login_errors;
    uint32_t commands;         /* command segments processed */
    uint32_t unknown_commands; /* answered 502 */
    uint32_t bytes_sent;       /* data connection payload */
    uint32_t bytes_received;
    uint32_t transfers_ok;     /* 250 after RETR/STOR/LIST/NLST */
    uint32_t transfers_failed;
    uint32_t data_connect_failures;
    uint32_t no_space;         /* STOR that hit a full file system */
    uint32_t idle_timeouts;
    uint32_t listen_errors;    /* tcp_listen refused (port 21 or a passive port) */
    uint32_t sessions_peak;
} ftp_server_counters_t;

void ftp_server_init(void);
void ftp_server_poll(uint32_t now_ms);
void ftp_server_set_hooks(ftp_login_fn login, ftp_logout_fn logout); /* NULL = built-in */
void ftp_server_set_read_only(bool read_only); /* default for the built-in login hook */
bool ftp_server_read_only(void);
int ftp_server_sessions(void); /* sessions in use */
const ftp_server_counters_t *ftp_server_counters(void);
void ftp_server_reset_counters(void);
/* Drop every session and data connection (used before a reboot or an fs format). */
void ftp_server_shutdown(void);

#endif
