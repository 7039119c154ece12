// Per-reason counters of the user-space stack: what arrived, what was sent, and every reason
// a packet was dropped, so a bench or a failing board run can say what the host saw.
export interface StackCounters {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  badChecksum: number;
  badHeader: number;
  fragments: number;
  oversize: number;
  notForUs: number;
  noSocket: number;
  resetsSent: number;
  unsupportedProtocol: number;
  icmpEchoRequests: number;
  icmpEchoReplies: number;
}

export function zeroCounters(): StackCounters {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    badChecksum: 0,
    badHeader: 0,
    fragments: 0,
    oversize: 0,
    notForUs: 0,
    noSocket: 0,
    resetsSent: 0,
    unsupportedProtocol: 0,
    icmpEchoRequests: 0,
    icmpEchoReplies: 0,
  };
}

/** TCP totals over every connection the stack has had (live ones included). */
export interface TcpTotals {
  retransmits: number;
  fastRetransmits: number;
  dupAcks: number;
  challengeAcks: number;
  zeroWindowProbes: number;
  /** Smoothed RTT of the most recently active connection, ms. */
  lastSrttMs: number | undefined;
}
