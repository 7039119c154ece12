/* sock.h - what the applications (FTP server, FTP client, agent) ask of a tcp.h handle in the same
 * way: is it connected, has it failed, and how to let go of it. */
#ifndef HILFTP_SOCK_H
#define HILFTP_SOCK_H

#include <stdbool.h>

#include "tcp.h"

/* ESTABLISHED or CLOSE_WAIT: connected, and we may still send. */
bool sock_up(tcp_id s);
/* CLOSED, or ended by a reset or a timeout. */
bool sock_failed(tcp_id s);
/* Lets go of *h and sets it to -1 (nothing when it is already -1): frees a closed handle, aborts
 * (RST) when hard, closes (FIN after queued data) otherwise. */
void sock_drop(tcp_id *h, bool hard);

#endif
