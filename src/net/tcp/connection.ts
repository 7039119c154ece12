// One TCP connection as a sans-IO state machine (RFC 9293), after smoltcp's
// socket::tcp: three inputs (a segment arrived, the application acted, a timer
// fired), segments out through a callback, time from an injected clock.
//
// Send-side bookkeeping uses absolute offsets (JS numbers, no wrap): 0 is our SYN,
// 1 + k is data byte k, the FIN follows the last byte. Sequence numbers are made
// only on the way out (iss + offset mod 2^32) and turned back on the way in.
// Receive-side offsets likewise count from the peer's first data byte.
//
// Deliberate choices (RFC latitude), each noted where it happens:
// - close() before the handshake completes queues the FIN behind it (RFC 9293 does
//   this for SYN-RECEIVED; for SYN-SENT it would delete the TCB, which would lose a
//   socket.end(data) issued right after connect()).
// - Zero-window probes carry one octet (RFC 9293 3.8.6.1); a probe the peer did not
//   take is withdrawn when the window opens, so no hole is left behind it.
// - A bare FIN at a zero window is accepted (it needs no buffer), as Linux does.
// - Data or a FIN riding on a SYN-ACK is not taken (it is not acknowledged, so the
//   peer sends it again); RFC 5961 ACK throttling is not implemented.
// - The connection gives up (RST, "timeout") after maxRetransmits expiries without
//   progress; at a zero window only unanswered probes count (RFC 9293 3.8.6.1).
import { TCP_FLAGS, TCP_MAX_WINDOW_SCALE, type TcpOptions, type TcpSegment } from "../wire/tcp.js";
import { seqAdd, seqDiff, seqLt } from "../wire/seq.js";
import { NewReno } from "./congestion.js";
import { NumberQueue } from "./queue.js";
import { Reassembly } from "./reassembly.js";
import { ReceiveWindow } from "./receive-window.js";
import { RttEstimator } from "./rtt.js";
import { Scoreboard } from "./scoreboard.js";
import { SendBuffer } from "./send-buffer.js";
import type { Clock, TcpCloseReason, TcpConfig, TcpEvents, TcpState, TcpStats } from "./types.js";

const { FIN, SYN, RST, PSH, ACK } = TCP_FLAGS;
const NO_OPTIONS: TcpOptions = Object.freeze({});
const EMPTY = Buffer.alloc(0);
/** RFC 9293 3.7.1: the MSS to assume when the peer sends none. */
export const DEFAULT_PEER_MSS = 536;
/** RFC 6298 5.7. */
const SYN_LOSS_RTO_MS = 3000;
/** Segments taken from the re-entrancy inbox in one outer call (a guard, never reached in practice). */
const MAX_INBOX_ROUNDS = 1_000_000;

export class TcpConnection {
  private _state: TcpState;
  private readonly cfg: TcpConfig;

  // ---- send side (absolute offsets)
  private readonly iss: number;
  private una = 0;
  private nxt = 0;
  private max = 0;
  private synAcked = false;
  private synRetransmitted = false;
  private finQueued = false;
  private finAbs = -1;
  private finAckedSignalled = false;
  private sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private maxSndWnd = 0;
  /** Both sides offered window scaling (RFC 7323). */
  private scaled = false;
  private sndScale = 0;
  private _sendMss: number;
  private readonly buf: SendBuffer;
  /** End offset of every unacknowledged segment, oldest first. */
  private readonly flight = new NumberQueue();
  /** After a timeout: flight entries already sent again (go-back-N keeps the original boundaries). */
  private cursor = 0;
  private writeBlocked = false;
  private wantWritable = false;
  private probeOutstanding = false;
  private dupAcks = 0;
  /** Both sides offered SACK (RFC 2018). */
  private sackOk = false;
  /** What the peer reported holding beyond SND.UNA. */
  private readonly sacked = new Scoreboard();
  /** In recovery: holes up to here were sent again already. */
  private rtxHigh = 0;
  private readonly cc: NewReno;
  private readonly rtt: RttEstimator;
  /** The timed segment's end offset (-1: none; Karn: cleared on any retransmission). */
  private rttAbs = -1;
  private rttStart = 0;
  private rtxCount = 0;

  // ---- timers (absolute ms)
  private rtxAt: number | undefined;
  private persistAt: number | undefined;
  private delackAt: number | undefined;
  private timeWaitAt: number | undefined;

  // ---- receive side
  private rcvNxt = 0;
  private irs = 0;
  private readonly rw: ReceiveWindow;
  private rcvPending = 0;
  private rcvMssSeen = 0;
  private ackNow = false;
  private readonly ooo: Reassembly;
  private oooFinAbs = -1;
  /** Receive offset of the latest out-of-order arrival: its block leads our SACK option. */
  private lastOooAbs = -1;

  // ---- re-entrancy: callbacks may call back in; segments handed in meanwhile wait here
  private depth = 0;
  private readonly inbox: TcpSegment[] = [];

  private readonly counters = {
    retransmits: 0,
    fastRetransmits: 0,
    dupAcks: 0,
    bytesSent: 0,
    bytesReceived: 0,
    outOfOrder: 0,
    challengeAcks: 0,
    zeroWindowProbes: 0,
  };

  private constructor(
    config: TcpConfig,
    private readonly clock: Clock,
    private readonly ev: TcpEvents,
    isn: number,
    state: TcpState,
  ) {
    this.cfg = { ...config };
    this.iss = isn >>> 0;
    this._state = state;
    this._sendMss = Math.max(1, Math.min(DEFAULT_PEER_MSS, config.maxSendMss));
    this.buf = new SendBuffer(config.sendBuffer, config.messageBoundaries);
    this.cc = new NewReno(this._sendMss);
    this.rtt = new RttEstimator(config.rtoInitialMs, config.rtoMinMs, config.rtoMaxMs);
    this.ooo = new Reassembly(config.maxOutOfOrderBytes);
    this.rw = new ReceiveWindow(config.receiveWindow, config.mss);
  }

  /** Active open: sends the SYN. */
  static connect(config: TcpConfig, clock: Clock, events: TcpEvents, isn: number): TcpConnection {
    const c = new TcpConnection(config, clock, events, isn, "SYN-SENT");
    c.run(() => c.sendNew(1));
    return c;
  }

  /** Passive open from a SYN the listener got: replies SYN-ACK. Throws if `syn` is not a lone SYN. */
  static accept(config: TcpConfig, clock: Clock, events: TcpEvents, syn: TcpSegment, isn: number): TcpConnection {
    if ((syn.flags & (SYN | ACK | RST | FIN)) !== SYN) throw new Error("TcpConnection.accept needs a SYN without ACK, RST or FIN");
    const c = new TcpConnection(config, clock, events, isn, "SYN-RECEIVED");
    c.irs = syn.seq >>> 0;
    c.rcvNxt = seqAdd(syn.seq, 1);
    c.takePeerOptions(syn.options);
    c.sndWnd = syn.window; // never scaled in a SYN (RFC 7323 2.2)
    c.maxSndWnd = syn.window;
    c.sndWl1 = syn.seq >>> 0;
    c.run(() => c.sendNew(1));
    return c;
  }

  get state(): TcpState {
    return this._state;
  }

  /** The largest payload we send: min(peer MSS, maxSendMss). */
  get sendMss(): number {
    return this._sendMss;
  }

  /** Bytes written and not yet acknowledged (queued or in flight). */
  get bufferedAmount(): number {
    return this.buf.length;
  }

  /** Bytes write() would accept now. */
  get writableAmount(): number {
    return this.canWrite() ? this.buf.free : 0;
  }

  /** The peer's window scale shift and ours, as negotiated (both 0 when not). */
  get windowScales(): { readonly send: number; readonly receive: number } {
    return { send: this.sndScale, receive: this.rw.shift };
  }

  get stats(): TcpStats {
    return {
      ...this.counters,
      srttMs: this.rtt.srtt,
      rttvarMs: this.rtt.rttvar,
      rtoMs: this.rtt.rto,
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
    };
  }

  /**
   * A segment for this connection arrived. Its payload is delivered (onData) or queued
   * without copying: the owner must not reuse the packet buffer afterwards.
   */
  handle(seg: TcpSegment): void {
    if (this.depth > 0) {
      this.inbox.push(seg);
      return;
    }
    // The hot path: no closure per segment.
    this.depth++;
    try {
      this.process(seg);
    } finally {
      this.depth--;
    }
    this.flush();
  }

  /**
   * Queue bytes to send; returns how many were taken (0..data.length). onWritable follows a short count.
   * A buffer of 4 KiB or more is sent from the caller's memory (no copy): leave it unchanged until acknowledged.
   */
  write(data: Buffer): number {
    if (!this.canWrite()) return 0;
    const n = this.buf.write(data);
    if (n < data.length) this.writeBlocked = true;
    if (n > 0 && this.depth === 0) this.flush();
    return n;
  }

  /** The application took `bytes` of delivered data: the window may open (receiver SWS rules). */
  consumed(bytes: number): void {
    if (bytes <= 0) return;
    this.rw.unconsumed = Math.max(0, this.rw.unconsumed - bytes);
    if (this.peerMaySend() && this.rw.updateDue()) {
      this.ackNow = true;
      if (this.depth === 0) this.flush();
    }
  }

  /** FIN after the queued data. */
  close(): void {
    this.run(() => {
      switch (this._state) {
        case "SYN-SENT":
        case "SYN-RECEIVED":
          this.queueFin();
          break;
        case "ESTABLISHED":
          this.queueFin();
          this._state = "FIN-WAIT-1";
          break;
        case "CLOSE-WAIT":
          this.queueFin();
          this._state = "LAST-ACK";
          break;
        default:
          break;
      }
    });
  }

  /** RST (in the states that have a peer to tell) and gone: onClosed("aborted"). */
  abort(): void {
    this.run(() => {
      switch (this._state) {
        case "CLOSED":
          return;
        case "SYN-RECEIVED":
        case "ESTABLISHED":
        case "FIN-WAIT-1":
        case "FIN-WAIT-2":
        case "CLOSE-WAIT":
          this.sendReset();
          break;
        default:
          break; // SYN-SENT, CLOSING, LAST-ACK, TIME-WAIT: RFC 9293 3.10.5 sends nothing
      }
      this.closeWith("aborted");
    });
  }

  /**
   * One keep-alive (RFC 9293 3.8.4): an empty ACK one below SND.UNA. A peer that still holds the
   * connection answers with an ACK; one that lost it (a board that rebooted) answers RST, which
   * closes this side with "reset" now instead of after a timeout. Only in synchronized states.
   */
  keepAlive(): void {
    this.run(() => {
      switch (this._state) {
        case "ESTABLISHED":
        case "FIN-WAIT-1":
        case "FIN-WAIT-2":
        case "CLOSE-WAIT":
        case "CLOSING":
        case "LAST-ACK":
          // Below SND.UNA, so an alive peer drops it unread; the real window, should it not.
          this.ev.onSegment({ seq: this.seqOf(this.una - 1), ack: this.rcvNxt, flags: ACK, window: this.rw.field(), options: NO_OPTIONS, payload: EMPTY });
          break;
        default:
          break;
      }
    });
  }

  /** Absolute ms of the earliest timer, or undefined when none runs. */
  nextDeadline(): number | undefined {
    return earliest(earliest(this.rtxAt, this.persistAt), earliest(this.delackAt, this.timeWaitAt));
  }

  /** Run the timers that are due at clock.now(). */
  tick(): void {
    this.run(() => {
      const now = this.clock.now();
      if (this.timeWaitAt !== undefined && now >= this.timeWaitAt) {
        this.closeWith("normal");
        return;
      }
      if (this.rtxAt !== undefined && now >= this.rtxAt) this.onRetransmitTimeout();
      if (this._state === "CLOSED") return;
      if (this.persistAt !== undefined && now >= this.persistAt) this.onPersistTimeout();
      if (this.delackAt !== undefined && now >= this.delackAt) {
        this.delackAt = undefined;
        this.ackNow = true;
      }
    });
  }

  // =====================================================================
  // driving

  private run(fn: () => void): void {
    this.depth++;
    try {
      fn();
    } finally {
      this.depth--;
    }
    if (this.depth === 0) this.flush();
  }

  /** Outermost call only: transmit what is due, then take segments that arrived meanwhile. */
  private flush(): void {
    this.depth++;
    try {
      for (let round = 0; round < MAX_INBOX_ROUNDS; round++) {
        if (this._state !== "CLOSED") this.output();
        if (this.wantWritable && this._state !== "CLOSED") {
          this.wantWritable = false;
          this.ev.onWritable();
          continue;
        }
        const seg = this.inbox.shift();
        if (seg === undefined) return;
        if (this._state !== "CLOSED") this.process(seg);
      }
    } finally {
      this.depth--;
    }
  }

  // =====================================================================
  // segment arrives (RFC 9293 3.10.7)

  private process(seg: TcpSegment): void {
    switch (this._state) {
      case "CLOSED":
      case "LISTEN":
        return;
      case "SYN-SENT":
        this.inSynSent(seg);
        return;
      default:
        this.inSynchronized(seg);
    }
  }

  private inSynSent(seg: TcpSegment): void {
    const f = seg.flags;
    let ackOk = false;
    let a = 0;
    if (f & ACK) {
      a = this.ackAbsOf(seg.ack);
      if (a <= 0 || a > this.max) {
        if (!(f & RST)) this.sendRaw(seg.ack >>> 0, 0, RST);
        return;
      }
      ackOk = true;
    }
    if (f & RST) {
      if (ackOk) this.closeWith("reset"); // connection refused
      return;
    }
    if (!(f & SYN)) return;
    this.irs = seg.seq >>> 0;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.takePeerOptions(seg.options);
    this.sndWnd = seg.window; // unscaled in a SYN
    this.maxSndWnd = Math.max(this.maxSndWnd, seg.window);
    this.sndWl1 = this.irs;
    if (ackOk) {
      this.sndWl2 = a;
      this.newAck(a);
      this.ackNow = true;
      this.establish();
      // Text or FIN on a SYN-ACK is left for the peer to send again (see header).
      return;
    }
    // Simultaneous open: SYN-RECEIVED, and our SYN goes again with the ACK.
    this._state = "SYN-RECEIVED";
    this.rttAbs = -1;
    this.emitRange(0, 1, true);
  }

  private inSynchronized(seg: TcpSegment): void {
    const f = seg.flags;
    let seq = seg.seq >>> 0;
    let payload = seg.payload;
    let syn = (f & SYN) !== 0;
    let fin = (f & FIN) !== 0;
    const rst = (f & RST) !== 0;

    if (this._state === "SYN-RECEIVED" && syn && seq === this.irs && !rst) {
      if (!(f & ACK)) {
        // The peer's SYN again: our SYN-ACK was lost.
        this.rttAbs = -1;
        this.emitRange(0, 1, true);
        return;
      }
      // Simultaneous open: the peer's SYN-ACK. Its SYN is old news; its ACK is what counts.
      syn = false;
      seq = seqAdd(seq, 1);
      this.ackNow = true;
    }

    // 1. sequence number check
    const wnd = this.rw.open;
    const segLen = payload.length + (syn ? 1 : 0) + (fin ? 1 : 0);
    const off = seqDiff(seq, this.rcvNxt);
    let acceptable: boolean;
    if (segLen === 0) acceptable = wnd === 0 ? off === 0 : off >= 0 && off < wnd;
    else acceptable = wnd > 0 && ((off >= 0 && off < wnd) || (off + segLen - 1 >= 0 && off + segLen - 1 < wnd));
    if (!acceptable) {
      if (wnd === 0 && off === 0 && !syn) {
        // Zero window: keep the ACK (and RST) processing, drop the text; a bare FIN needs no room.
        if (payload.length > 0) {
          payload = EMPTY;
          fin = false;
        }
        this.ackNow = true;
      } else {
        if (!rst) {
          if (this._state === "TIME-WAIT" && fin) this.timeWaitAt = this.clock.now() + this.cfg.timeWaitMs;
          this.sendAck();
        }
        return;
      }
    }
    let rel = seqDiff(seq, this.rcvNxt);
    if (rel < 0) {
      let drop = -rel;
      if (syn) {
        syn = false;
        drop--;
      }
      payload = payload.subarray(Math.min(drop, payload.length));
      seq = this.rcvNxt;
      rel = 0;
      this.ackNow = true; // duplicate data: ACK at once (RFC 5681 4.2)
    }
    if (rel + payload.length > wnd) {
      payload = payload.subarray(0, Math.max(0, wnd - rel));
      fin = false;
    }

    // 2. RST (RFC 5961 3.2: only an exact match resets; in-window otherwise gets a challenge ACK)
    if (rst) {
      if ((seg.seq >>> 0) === this.rcvNxt) this.closeWith(this._state === "TIME-WAIT" ? "normal" : "reset");
      else this.challengeAck();
      return;
    }

    // 4. SYN in a synchronized state (RFC 5961 4.2): challenge ACK, drop.
    if (syn) {
      this.challengeAck();
      return;
    }

    // 5. ACK
    if (!(f & ACK)) return;
    if (this._state === "SYN-RECEIVED") {
      const a = this.ackAbsOf(seg.ack);
      if (a <= 0 || a > this.max) {
        this.sendRaw(seg.ack >>> 0, 0, RST);
        return;
      }
      this._state = "ESTABLISHED";
      this.sndWnd = (f & SYN ? seg.window : seg.window * 2 ** this.sndScale);
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.sndWl1 = seq;
      this.sndWl2 = a;
      if (!this.processAck(seg, seq, payload.length)) return;
      this.establish();
      if (this.isClosed()) return;
    } else if (!this.processAck(seg, seq, payload.length)) {
      return;
    }
    if (this._state === "CLOSED") return;
    const finAcked = this.finQueued && this.una > this.finAbs;
    switch (this._state) {
      case "FIN-WAIT-1":
        if (finAcked) {
          this._state = "FIN-WAIT-2";
          this.signalFinAcked();
        }
        break;
      case "CLOSING":
        if (finAcked) {
          this.signalFinAcked();
          this.enterTimeWait();
        }
        return;
      case "LAST-ACK":
        if (finAcked) {
          this.signalFinAcked();
          this.closeWith("normal");
        }
        return;
      case "TIME-WAIT":
        return;
      default:
        break;
    }
    if (this.isClosed()) return;

    // 7. text
    const st = this._state;
    if (st !== "ESTABLISHED" && st !== "FIN-WAIT-1" && st !== "FIN-WAIT-2") return;
    if (fin) this.oooFinAbs = this.rw.nxt + rel + payload.length;
    if (payload.length > 0) {
      if (rel === 0) {
        this.deliver(payload);
        if (this.ooo.count > 0) {
          this.ackNow = true; // a hole filled or shrank (RFC 5681 4.2)
          for (let piece = this.ooo.take(this.rw.nxt); piece !== undefined; piece = this.ooo.take(this.rw.nxt)) {
            // Nothing follows a FIN: a peer that sent bytes past its own FIN gets them ignored.
            if (this.oooFinAbs >= 0 && this.rw.nxt + piece.length > this.oooFinAbs) piece = piece.subarray(0, this.oooFinAbs - this.rw.nxt);
            if (piece.length > 0) this.deliver(piece);
            if (this.isClosed()) return;
          }
        }
        if (this.isClosed()) return;
        this.delayOrAck();
      } else {
        this.counters.outOfOrder++;
        this.ooo.insert(this.rw.nxt + rel, payload);
        this.lastOooAbs = this.rw.nxt + rel;
        this.ackNow = true; // out of order: immediate duplicate ACK (RFC 5681 4.2)
        return;
      }
    } else if (fin && rel > 0) {
      this.ackNow = true;
      return;
    }

    // 8. FIN (at its own position: data queued beyond a hole may have come after it)
    if (this.oooFinAbs >= 0 && this.oooFinAbs === this.rw.nxt) this.receiveFin();
  }

  /** ACK processing for a synchronized state; false when the segment is to be dropped. */
  private processAck(seg: TcpSegment, seq: number, textLen: number): boolean {
    const a = this.ackAbsOf(seg.ack);
    if (a > this.max) {
      this.challengeAck(); // acknowledges something never sent (RFC 5961 5.2)
      return false;
    }
    if (a < this.una - Math.max(1, this.maxSndWnd)) {
      this.challengeAck(); // too old to be believed (RFC 5961 5.2)
      return false;
    }
    const wnd = seg.flags & SYN ? seg.window : seg.window * 2 ** this.sndScale;
    const unaBefore = this.una;
    if (this.sackOk && seg.options.sack !== undefined) this.takeSack(seg.options.sack, a);
    if (a > this.una) {
      this.newAck(a);
    } else if (
      a === this.una &&
      textLen === 0 &&
      !(seg.flags & (SYN | FIN)) &&
      wnd === this.sndWnd &&
      this.max > this.una &&
      this.sndWnd > 0
    ) {
      this.duplicateAck();
    }
    if (a >= unaBefore && (seqLt(this.sndWl1, seq) || (this.sndWl1 === seq && this.sndWl2 <= a))) {
      const wasZero = this.sndWnd === 0;
      this.sndWnd = wnd;
      this.sndWl1 = seq;
      this.sndWl2 = a;
      if (wnd > this.maxSndWnd) this.maxSndWnd = wnd;
      if (wnd === 0) this.rtxCount = 0; // the peer answers: probing goes on (RFC 9293 3.8.6.1)
      else {
        this.persistAt = undefined;
        if (wasZero && this.probeOutstanding && this.una < this.max) this.withdrawProbe();
      }
    }
    return true;
  }

  /** SND.UNA advances to `a`. */
  private newAck(a: number): void {
    const now = this.clock.now();
    let acked = a - this.una;
    if (this.una === 0) acked -= 1; // the SYN is not data
    if (this.rttAbs >= 0 && a >= this.rttAbs) {
      this.rtt.sample(now - this.rttStart);
      this.rttAbs = -1;
    }
    this.una = a;
    if (this.nxt < a) this.nxt = a;
    if (!this.sacked.empty) this.sacked.prune(a);
    let popped = 0;
    for (let end = this.flight.at(0); end !== undefined && end <= a; end = this.flight.at(0)) {
      this.flight.shift();
      popped++;
    }
    this.cursor = this.nxt === this.una ? 0 : Math.max(0, this.cursor - popped);
    const dataEnd = 1 + this.buf.end;
    this.buf.release(Math.min(a, dataEnd) - 1);
    this.rtxCount = 0;
    this.dupAcks = 0;
    this.probeOutstanding = false;
    if (this.synAcked && acked > 0) {
      if (this.cc.inRecovery) {
        if (a >= this.cc.recover) this.cc.exitRecovery(this.max - this.una);
        else {
          // Partial ACK: the next hole goes at once (NewReno).
          this.cc.partialAck(acked);
          this.retransmitFirst();
        }
      } else {
        this.cc.onAck(acked);
      }
    }
    if (this.una === this.max) this.rtxAt = undefined;
    else this.rtxAt = now + this.rtt.rto;
    if (this.writeBlocked && this.canWrite() && this.buf.free > 0) {
      this.writeBlocked = false;
      this.wantWritable = true;
    }
  }

  private duplicateAck(): void {
    this.dupAcks++;
    this.counters.dupAcks++;
    if (this.cc.inRecovery) {
      this.cc.inflate();
      this.retransmitNextHole();
      return;
    }
    if (this.dupAcks === 3 && this.una > this.cc.recover) {
      this.cc.enterRecovery(this.max - this.una, this.max);
      this.counters.fastRetransmits++;
      this.rtxHigh = this.una;
      this.retransmitFirst();
    }
  }

  /** SACK blocks of an ACK for `ackAbs`: keep those that lie within what we sent beyond it. */
  private takeSack(blocks: ReadonlyArray<readonly [number, number]>, ackAbs: number): void {
    const base = Math.max(this.una, ackAbs);
    for (const [left, right] of blocks) {
      const s = this.una + seqDiff(left >>> 0, this.seqOf(this.una));
      const e = this.una + seqDiff(right >>> 0, this.seqOf(this.una));
      if (s >= base && e > s && e <= this.max) this.sacked.add(s, e); // D-SACK and stale blocks fall out here
    }
  }

  /**
   * In recovery with SACK: each duplicate ACK means a segment left the network, so send
   * the oldest segment not yet resent that the peer lacks while holding data above it
   * (RFC 6675's NextSeg, with the duplicate ACK as the clock instead of a pipe count).
   */
  private retransmitNextHole(): void {
    if (this.sacked.empty) return;
    const top = this.sacked.highest;
    let start = this.una;
    for (let i = 0; ; i++) {
      const end = this.flight.at(i);
      if (end === undefined || start >= top) return;
      if (end > this.rtxHigh && !this.sacked.covers(start, end)) {
        this.rttAbs = -1;
        this.counters.fastRetransmits++;
        this.emitRange(start, end, true);
        this.rtxHigh = end;
        return;
      }
      start = end;
    }
  }

  /** Send the oldest unacknowledged segment again, now (fast retransmit / partial ACK). */
  private retransmitFirst(): void {
    const end = this.flight.at(0);
    if (end === undefined) return;
    if (end > this.rtxHigh) this.rtxHigh = end;
    this.rttAbs = -1;
    this.emitRange(this.una, end, true);
    this.rtxAt = this.clock.now() + this.rtt.rto;
  }

  /** The window opened and the one-octet probe was not taken: forget it so no hole is left behind it. */
  private withdrawProbe(): void {
    this.flight.clear();
    this.max = this.una;
    this.nxt = this.una;
    this.cursor = 0;
    this.rtxAt = undefined;
    this.rttAbs = -1;
    this.probeOutstanding = false;
    this.rtxCount = 0;
  }

  private establish(): void {
    this.synAcked = true;
    this.cc.reset(this._sendMss, this.synRetransmitted);
    // RFC 6298 5.7: after a lost SYN, data starts with an RTO of at least 3 s (until a sample).
    if (this.synRetransmitted && this.rtt.srtt === undefined) this.rtt.atLeast(SYN_LOSS_RTO_MS);
    if (this._state === "SYN-SENT" || this._state === "SYN-RECEIVED") this._state = "ESTABLISHED";
    if (this.finQueued && this._state === "ESTABLISHED") this._state = "FIN-WAIT-1";
    this.ev.onEstablished();
  }

  private deliver(data: Buffer): void {
    const n = data.length;
    this.rcvNxt = seqAdd(this.rcvNxt, n);
    this.rw.nxt += n;
    this.rw.unconsumed += n;
    this.rcvPending += n;
    this.counters.bytesReceived += n;
    if (n > this.rcvMssSeen) this.rcvMssSeen = Math.min(n, this.cfg.mss);
    this.ev.onData(data);
  }

  /** RFC 1122 4.2.3.2 / RFC 5681 4.2: ACK every second full-sized segment, else within delayedAckMs. */
  private delayOrAck(): void {
    if (this.cfg.delayedAckMs <= 0 || this.rcvPending >= 2 * Math.max(1, this.rcvMssSeen)) {
      this.ackNow = true;
    } else if (this.delackAt === undefined) {
      this.delackAt = this.clock.now() + this.cfg.delayedAckMs;
    }
  }

  private receiveFin(): void {
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.rw.nxt += 1;
    this.oooFinAbs = -1;
    this.ooo.clear();
    this.ackNow = true;
    switch (this._state) {
      case "SYN-RECEIVED":
      case "ESTABLISHED":
        this._state = "CLOSE-WAIT";
        break;
      case "FIN-WAIT-1":
        if (this.finQueued && this.una > this.finAbs) this.enterTimeWait();
        else this._state = "CLOSING";
        break;
      case "FIN-WAIT-2":
        this.enterTimeWait();
        break;
      default:
        break;
    }
    this.ev.onRemoteClose();
  }

  private enterTimeWait(): void {
    this._state = "TIME-WAIT";
    this.rtxAt = undefined;
    this.persistAt = undefined;
    this.timeWaitAt = this.clock.now() + this.cfg.timeWaitMs;
  }

  // =====================================================================
  // timers

  private onRetransmitTimeout(): void {
    this.rtxAt = undefined;
    const end = this.flight.at(0);
    if (end === undefined) return;
    if (this.rtxCount >= this.cfg.maxRetransmits) {
      if (this._state !== "SYN-SENT") this.sendReset();
      this.closeWith("timeout");
      return;
    }
    const first = this.rtxCount === 0;
    if (!first) this.sacked.clear(); // the peer may have dropped what it reported (RFC 2018 8)
    this.rtxCount++;
    this.counters.retransmits++;
    this.rttAbs = -1;
    this.rtt.backoff();
    this.dupAcks = 0;
    if (!this.synAcked) this.synRetransmitted = true;
    else if (this.sndWnd === 0) this.counters.zeroWindowProbes++; // a probe again, not congestion
    else this.cc.onTimeout(this.max - this.una, this.max, first);
    // Go back N: resend from the oldest, the rest as the (collapsed) window allows.
    this.nxt = this.una;
    this.emitRange(this.una, end, true);
    this.nxt = end;
    this.cursor = 1;
    this.rtxAt = this.clock.now() + this.rtt.rto;
  }

  private onPersistTimeout(): void {
    this.persistAt = undefined;
    if (!this.synAcked || this.una !== this.max) return;
    const limit = this.sendLimit();
    if (this.nxt >= limit) return;
    const windowLeft = this.sndWl2 + this.sndWnd - this.nxt;
    if (windowLeft <= 0) {
      // Zero window: one octet (or the FIN) past it; its repeats back off from here.
      this.counters.zeroWindowProbes++;
      this.rtt.backoff();
      if (this.cfg.messageBoundaries) {
        // No octet of a message may travel alone (NetX reads one FTP line per packet): an empty
        // segment one below SND.UNA is outside the window, so the peer must answer it with an ACK
        // (RFC 9293 3.10.7.4) that carries its window, as Linux probes. Unanswered ones count.
        if (this.rtxCount >= this.cfg.maxRetransmits) {
          this.sendReset();
          this.closeWith("timeout");
          return;
        }
        this.rtxCount++;
        const window = this.rw.field();
        this.ackSent();
        this.ev.onSegment({ seq: this.seqOf(this.una - 1), ack: this.rcvNxt, flags: ACK, window, options: NO_OPTIONS, payload: EMPTY });
        return;
      }
      this.probeOutstanding = true;
      this.sendNew(this.nxt + 1);
      this.rttAbs = -1;
      return;
    }
    // Sender SWS override (RFC 1122 4.2.3.4): send what the window takes.
    let len = Math.min(1 + this.buf.end - this.nxt, this._sendMss, windowLeft);
    if (this.cfg.messageBoundaries && len > 0) len = Math.min(len, this.buf.contiguous(this.nxt - 1));
    if (len <= 0) {
      if (this.finQueued) this.sendNew(this.nxt + 1);
      return;
    }
    let end = this.nxt + len;
    if (this.finQueued && end === this.finAbs && windowLeft > len) end++;
    this.sendNew(end);
  }

  // =====================================================================
  // output

  private output(): void {
    const st = this._state;
    if (st === "CLOSED" || st === "LISTEN" || st === "SYN-SENT") return;
    if (this.synAcked && st !== "TIME-WAIT") this.sendData();
    if (this.ackNow) this.sendAck();
  }

  private sendLimit(): number {
    return this.finQueued ? this.finAbs + 1 : 1 + this.buf.end;
  }

  private sendData(): void {
    const limit = this.sendLimit();
    const boundaries = this.cfg.messageBoundaries;
    const mss = this._sendMss;
    // Bounded by the window: every round sends at least one octet or leaves.
    for (;;) {
      const edge = Math.min(this.sndWl2 + this.sndWnd, this.una + this.cc.cwnd);
      if (this.nxt < this.max) {
        const end = this.flight.at(this.cursor);
        if (end === undefined) {
          this.nxt = this.max;
          continue;
        }
        if (end <= this.nxt) {
          this.cursor++;
          continue;
        }
        if (this.sackOk && this.sacked.covers(this.nxt, end)) {
          this.nxt = end; // the peer holds it: going back N need not send it again
          this.cursor++;
          continue;
        }
        if (end > edge) break;
        this.counters.retransmits++;
        this.emitRange(this.nxt, end, true);
        this.nxt = end;
        this.cursor++;
        continue;
      }
      if (this.nxt >= limit) break;
      if (this.flight.length >= this.cfg.maxSegmentsInFlight) break;
      const usable = edge - this.nxt;
      const pending = 1 + this.buf.end - this.nxt;
      if (pending <= 0) {
        if (usable >= 1) this.sendNew(this.nxt + 1); // the FIN alone
        break;
      }
      const msgLeft = boundaries ? this.buf.contiguous(this.nxt - 1) : pending;
      const len = Math.min(msgLeft, mss, usable);
      if (len <= 0) break;
      if (len < mss) {
        // Nagle (RFC 896) and sender SWS avoidance (RFC 1122 4.2.3.4).
        const idle = this.una === this.max;
        const finNext = this.finQueued && len === pending;
        const pushes = len === msgLeft;
        const mayGoSmall = !this.cfg.nagle || idle;
        if (!((pushes && (mayGoSmall || finNext)) || (mayGoSmall && len >= this.maxSndWnd / 2))) break;
      }
      let end = this.nxt + len;
      if (this.finQueued && end === this.finAbs && usable > len) end++;
      this.sendNew(end);
    }
    if (this.una === this.max && this.nxt < limit) {
      if (this.persistAt === undefined) this.persistAt = this.clock.now() + this.rtt.rto;
    } else {
      this.persistAt = undefined;
    }
  }

  /** Transmit [nxt, end) for the first time as one segment. */
  private sendNew(end: number): void {
    const start = this.nxt;
    this.emitRange(start, end, false);
    this.flight.push(end);
    if (this.rttAbs < 0) {
      this.rttAbs = end;
      this.rttStart = this.clock.now();
    }
    this.nxt = end;
    this.max = end;
    this.cursor = this.flight.length;
    if (this.rtxAt === undefined) this.rtxAt = this.clock.now() + this.rtt.rto;
  }

  /** Build and transmit the segment covering offsets [start, end). */
  private emitRange(start: number, end: number, retransmit: boolean): void {
    let flags = this._state === "SYN-SENT" ? 0 : ACK;
    let options = NO_OPTIONS;
    let dataStart = start;
    let dataEnd = end;
    if (start === 0) {
      flags |= SYN;
      options = this.synOptions();
      dataStart = 1;
    }
    if (this.finQueued && end > this.finAbs) {
      flags |= FIN;
      dataEnd = this.finAbs;
    }
    const len = dataEnd - dataStart;
    let payload: Buffer = EMPTY;
    if (len > 0) {
      payload = this.buf.view(dataStart - 1, len);
      if (dataEnd === 1 + this.buf.end || (this.cfg.messageBoundaries && this.buf.contiguous(dataStart - 1) === len)) flags |= PSH;
      if (!retransmit) this.counters.bytesSent += len;
    }
    const window = flags & SYN ? this.rw.synField() : this.rw.field();
    const ack = flags & ACK ? this.rcvNxt : 0;
    if (flags & ACK) this.ackSent();
    if (this.rtxAt === undefined) this.rtxAt = this.clock.now() + this.rtt.rto;
    this.ev.onSegment({ seq: this.seqOf(start), ack, flags, window, options, payload });
  }

  private sendAck(): void {
    if (this._state === "SYN-SENT" || this._state === "CLOSED") return;
    const window = this.rw.field();
    this.ackSent();
    // SND.MAX, not a SND.NXT rewound by go-back-N: the peer may hold everything up to
    // SND.MAX, and would drop an ACK with an older sequence number unread (as BSD does).
    this.ev.onSegment({ seq: this.seqOf(this.max), ack: this.rcvNxt, flags: ACK, window, options: this.ackOptions(), payload: EMPTY });
  }

  /** SACK blocks for a pure ACK while data waits beyond a hole (RFC 2018 4); data segments carry none, so their size never changes. */
  private ackOptions(): TcpOptions {
    if (!this.sackOk || this.ooo.count === 0) return NO_OPTIONS;
    const toSeq = (abs: number): number => seqAdd(this.rcvNxt, abs - this.rw.nxt);
    const sack = this.ooo.ranges(this.lastOooAbs, 4).map(([s, e]): [number, number] => [toSeq(s), toSeq(e)]);
    return { sack };
  }

  private challengeAck(): void {
    this.counters.challengeAcks++;
    this.sendAck();
  }

  private sendReset(): void {
    this.ev.onSegment({ seq: this.seqOf(this.max), ack: this.rcvNxt, flags: RST | ACK, window: 0, options: NO_OPTIONS, payload: EMPTY });
  }

  private sendRaw(seq: number, ack: number, flags: number): void {
    this.ev.onSegment({ seq, ack, flags, window: 0, options: NO_OPTIONS, payload: EMPTY });
  }

  private ackSent(): void {
    this.ackNow = false;
    this.delackAt = undefined;
    this.rcvPending = 0;
  }

  // =====================================================================
  // windows

  private synOptions(): TcpOptions {
    // In a SYN-ACK, window scale only answers the peer's offer (RFC 7323 1.3).
    const offer = this._state === "SYN-SENT" ? this.cfg.windowScale > 0 : this.scaled;
    const sack = this._state === "SYN-SENT" ? this.cfg.sack : this.sackOk;
    const opts: { mss: number; windowScale?: number; sackPermitted?: boolean } = { mss: this.cfg.mss };
    if (offer) opts.windowScale = this.ourShift();
    if (sack) opts.sackPermitted = true;
    return opts;
  }

  /**
   * The shift we use: the configured one, but no larger than receiveWindow needs, so a
   * window smaller than one scale unit can never round down to a permanent zero.
   */
  private ourShift(): number {
    let need = 0;
    while (need < TCP_MAX_WINDOW_SCALE && this.cfg.receiveWindow > 0xffff * 2 ** need) need++;
    return Math.min(this.cfg.windowScale, need, TCP_MAX_WINDOW_SCALE);
  }

  private takePeerOptions(opts: TcpOptions): void {
    const peerMss = opts.mss ?? DEFAULT_PEER_MSS;
    this._sendMss = Math.max(1, Math.min(peerMss, this.cfg.maxSendMss));
    this.scaled = this.cfg.windowScale > 0 && opts.windowScale !== undefined;
    this.sndScale = this.scaled ? Math.min(opts.windowScale ?? 0, TCP_MAX_WINDOW_SCALE) : 0;
    this.rw.shift = this.scaled ? this.ourShift() : 0;
    this.sackOk = this.cfg.sack && opts.sackPermitted === true;
  }

  // =====================================================================
  // helpers

  private seqOf(abs: number): number {
    return (this.iss + abs) >>> 0;
  }

  private ackAbsOf(ack: number): number {
    return this.una + seqDiff(ack >>> 0, this.seqOf(this.una));
  }

  private canWrite(): boolean {
    const st = this._state;
    return !this.finQueued && (st === "SYN-SENT" || st === "SYN-RECEIVED" || st === "ESTABLISHED" || st === "CLOSE-WAIT");
  }

  private peerMaySend(): boolean {
    const st = this._state;
    return st === "ESTABLISHED" || st === "FIN-WAIT-1" || st === "FIN-WAIT-2" || st === "SYN-RECEIVED";
  }

  private queueFin(): void {
    if (this.finQueued) return;
    this.finQueued = true;
    this.finAbs = 1 + this.buf.end;
    this.writeBlocked = false;
  }

  private signalFinAcked(): void {
    if (this.finAckedSignalled) return;
    this.finAckedSignalled = true;
    this.ev.onFinAcked?.();
  }

  private isClosed(): boolean {
    return this._state === "CLOSED";
  }

  private closeWith(reason: TcpCloseReason): void {
    if (this._state === "CLOSED") return;
    this._state = "CLOSED";
    this.rtxAt = this.persistAt = this.delackAt = this.timeWaitAt = undefined;
    this.flight.clear();
    this.buf.clear();
    this.ooo.clear();
    this.sacked.clear();
    this.inbox.length = 0;
    this.ackNow = false;
    this.wantWritable = false;
    this.ev.onClosed(reason);
  }
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined || a <= b ? a : b;
}
