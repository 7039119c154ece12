// Types shared by the TCP state machine and its owners: the injected clock, the
// per-connection configuration (device limits come from the board profile), the
// outgoing segment and the callbacks a TcpConnection reports through.
import type { TcpOptions } from "../wire/tcp.js";

/** Milliseconds, monotonic. Tests inject a fake one so packet scripts are deterministic. */
export interface Clock {
  now(): number;
}

export interface TcpConfig {
  /** MSS we advertise (profile: fits the board's packet-pool payload). */
  mss: number;
  /** We never send a payload larger than min(this, peer MSS). */
  maxSendMss: number;
  /** Bytes of receive buffer = the window we advertise (scaled if windowScale > 0). */
  receiveWindow: number;
  /**
   * Shift we offer in SYN (0 = do not offer); used only when both sides offered (RFC 7323).
   * Capped at what receiveWindow needs (a window below one scale unit would read as zero).
   */
  windowScale: number;
  /** Bytes write() accepts (queued + unacknowledged) before it returns less than asked. */
  sendBuffer: number;
  /** Device limit: unacknowledged segments never exceed this (board pool); Infinity = none. */
  maxSegmentsInFlight: number;
  nagle: boolean;
  /** 0 = ACK at once; else RFC 1122: ACK at least every 2nd full segment, and within this time. */
  delayedAckMs: number;
  timeWaitMs: number;
  rtoInitialMs: number;
  rtoMinMs: number;
  rtoMaxMs: number;
  /** Retransmissions of one segment (or unanswered probes) before the connection fails with "timeout". */
  maxRetransmits: number;
  /** Bound of the out-of-order (reassembly) queue in bytes; beyond it the highest data is dropped. */
  maxOutOfOrderBytes: number;
  /** Each write() goes out as its own segment(s), never coalesced with other writes (NetX reads one FTP line per packet). */
  messageBoundaries: boolean;
  /**
   * Offer SACK (RFC 2018) and use it when the peer agrees: we report the blocks we hold
   * beyond a hole, and resend only the holes the peer reports. Without it a loss-heavy
   * link costs a peer like Linux one RTT per hole and no RTT samples (Karn) while it lasts.
   */
  sack: boolean;
}

/**
 * Host defaults: Ethernet-sized MSS, 256 KiB window (scale 3), no device limits.
 * rtoMinMs 200 as Linux (RFC 6298 asks 1 s but allows lower); TIME-WAIT 2 s instead
 * of 2 x MSL: a test tool reconnects often, and the ISN is fresh for every connection.
 */
export const DEFAULT_TCP_CONFIG: Readonly<TcpConfig> = Object.freeze({
  mss: 1460,
  maxSendMss: 1460,
  receiveWindow: 256 * 1024,
  windowScale: 3,
  sendBuffer: 256 * 1024,
  maxSegmentsInFlight: Infinity,
  nagle: true,
  delayedAckMs: 40,
  timeWaitMs: 2000,
  rtoInitialMs: 1000,
  rtoMinMs: 200,
  rtoMaxMs: 60_000,
  maxRetransmits: 12,
  maxOutOfOrderBytes: 256 * 1024,
  messageBoundaries: false,
  sack: true,
});

export type TcpState =
  | "CLOSED"
  | "LISTEN"
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSE-WAIT"
  | "CLOSING"
  | "LAST-ACK"
  | "TIME-WAIT";

/**
 * A segment to transmit; ports and addresses are the owner's business. `payload` views
 * the connection's send buffer and is valid only during onSegment: serialize (or copy)
 * it there, because the storage is reused once the bytes are acknowledged.
 */
export interface OutSegment {
  seq: number;
  ack: number;
  flags: number;
  /** Raw 16-bit field, already shifted by our window scale. */
  window: number;
  options: TcpOptions;
  payload: Buffer;
}

export type TcpCloseReason = "normal" | "reset" | "timeout" | "aborted";

/** Callbacks the owner installs (the Duplex socket wrapper and the stack). */
export interface TcpEvents {
  /** Transmit this now (serialize it before returning: see OutSegment). */
  onSegment(seg: OutSegment): void;
  /** In-order bytes for the application; the owner calls consumed(n) once the application took them. */
  onData(data: Buffer): void;
  onEstablished(): void;
  /** FIN received: end of the peer's data. */
  onRemoteClose(): void;
  /** The send buffer has room again after write() returned less than asked. */
  onWritable(): void;
  /** Fully gone: after TIME-WAIT for the active closer, at once on RST, timeout or abort. */
  onClosed(reason: TcpCloseReason): void;
  /** Optional: everything we sent, FIN included, is acknowledged (the socket's 'finish'). */
  onFinAcked?(): void;
}

export interface TcpStats {
  /** Timeout retransmissions (zero-window probe repeats included). */
  retransmits: number;
  fastRetransmits: number;
  dupAcks: number;
  srttMs: number | undefined;
  rttvarMs: number | undefined;
  rtoMs: number;
  cwnd: number;
  ssthresh: number;
  /** New payload bytes sent (retransmissions not counted again). */
  bytesSent: number;
  /** Payload bytes delivered in order to the application. */
  bytesReceived: number;
  /** Segments that arrived ahead of a hole and were queued. */
  outOfOrder: number;
  challengeAcks: number;
  zeroWindowProbes: number;
}
