/* sock.c - handle helpers shared by the applications. See sock.h. */
#include "sock.h"

bool sock_up(tcp_id s)
{
    int st = tcp_state(s);
    return st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT;
}

bool sock_failed(tcp_id s) { return tcp_state(s) == TCP_CLOSED || tcp_reset_seen(s); }

void sock_drop(tcp_id *h, bool hard)
{
    if (*h < 0) return;
    if (tcp_state(*h) == TCP_CLOSED)
        tcp_free(*h);
    else if (hard)
        tcp_abort(*h);
    else
        tcp_close(*h);
    *h = -1;
}
