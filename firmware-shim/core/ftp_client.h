/* ftp_client.h - the board's FTP client, shaped like NetX Duo's (reference section 1): USER/PASS,
 * TYPE I before RETR/STOR, active data by PORT with every number zero-padded to 3 digits (IPv4)
 * or EPRT with the full upper-case IPv6 address (never compressed), passive by PASV (IPv4,
 * connecting to the address in the 227 reply) or EPSV (IPv6, to the control peer), no fallback
 * between them, RETR/STOR/NLST, QUIT. One command per segment.
 *
 * One operation at a time (like a NetX client instance), driven by ftp_client_poll(): each step
 * has its own timeout (NetX's wait_option applies per step too). Replies are read line by line
 * (multi-line replies and several replies per segment are understood - more tolerant than NetX,
 * which takes one reply per packet).
 *
 * GET stores into ramfs (a failed GET leaves no local file), PUT sends a ramfs file, LS collects
 * an NLST listing. Every transfer is hashed (SHA-256) on the fly. Used by the agent. */
#ifndef HILFTP_FTP_CLIENT_H
#define HILFTP_FTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ramfs.h"
#include "tcp.h"

#ifndef FTP_CLIENT_TIMEOUT_MS
#define FTP_CLIENT_TIMEOUT_MS 10000u /* per step */
#endif
#ifndef FTP_CLIENT_LIST_MAX
#define FTP_CLIENT_LIST_MAX 2048 /* NLST bytes kept (all are hashed and counted) */
#endif
#ifndef FTP_CLIENT_CRED_MAX
#define FTP_CLIENT_CRED_MAX 64
#endif

typedef enum { FTPC_GET, FTPC_PUT, FTPC_LS } ftpc_op;

typedef struct {
    ftpc_op op;
    ip_addr_t server;
    uint16_t port;
    char user[FTP_CLIENT_CRED_MAX];
    char pass[FTP_CLIENT_CRED_MAX];
    bool passive;
    char remote[RAMFS_PATH_MAX]; /* path on the server (LS: may be empty) */
    char local[RAMFS_PATH_MAX];  /* ramfs path (GET: written, PUT: read) */
    uint32_t timeout_ms;         /* per step; 0 = FTP_CLIENT_TIMEOUT_MS */
} ftpc_request;

typedef enum { FTPC_IDLE, FTPC_BUSY, FTPC_DONE, FTPC_FAILED } ftpc_status;

/* Failure classes (the agent's ERR codes). */
enum {
    FTPC_E_NONE = 0,
    FTPC_E_NOT_FOUND = 404,  /* PUT: local file missing */
    FTPC_E_REPLY = 502,      /* the server answered something unexpected */
    FTPC_E_CONNECT = 503,    /* connection refused / reset / no socket */
    FTPC_E_TIMEOUT = 504,    /* a step timed out */
    FTPC_E_NO_SPACE = 507    /* GET: the ramfs is full */
};

typedef struct {
    ftpc_status status;
    int err;             /* FTPC_E_* */
    char error[160];     /* "<step>: <detail or the server's reply line>" */
    uint32_t bytes;      /* payload bytes transferred */
    char sha256[65];     /* of the payload (LS: of the listing bytes) */
    uint32_t names;      /* LS: lines */
    char listing[FTP_CLIENT_LIST_MAX + 1];
    size_t listing_len;
    bool listing_truncated;
    uint16_t data_port;  /* the data port used (active: ours, passive: the server's) */
} ftpc_result;

void ftp_client_init(void);
/* Starts an operation; false (and nothing changes) when one is already running. */
bool ftp_client_start(const ftpc_request *req, uint32_t now_ms);
void ftp_client_poll(uint32_t now_ms);
ftpc_status ftp_client_status(void);
const ftpc_result *ftp_client_result(void);
/* Drops a running operation (sockets aborted, a partial GET file removed). */
void ftp_client_abort(void);

#endif
