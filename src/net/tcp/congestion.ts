// Congestion control per RFC 5681 with NewReno fast recovery (RFC 6582). Pure
// arithmetic on cwnd/ssthresh; the connection decides what to (re)transmit.
//
// Initial window: RFC 5681 3.1, min(4*SMSS, max(2*SMSS, 4380)), not RFC 6928's ten
// segments: the peers this stack exists for are boards with a handful of packet
// buffers behind a UART, where a ten-segment burst only fills their pool.

export function initialWindow(smss: number): number {
  return Math.min(4 * smss, Math.max(2 * smss, 4380));
}

export class NewReno {
  cwnd: number;
  ssthresh = Infinity;
  /** In fast recovery until the cumulative ACK reaches `recover`. */
  inRecovery = false;
  /** Absolute offset: the highest sequence sent when loss was last detected (RFC 6582 "recover"). */
  recover = 0;
  private caBytes = 0;

  constructor(private smss: number) {
    this.cwnd = initialWindow(smss);
  }

  /** The peer's MSS became known, or the SYN had to be retransmitted (then one segment: RFC 5681 3.1). */
  reset(smss: number, synRetransmitted: boolean): void {
    this.smss = smss;
    this.cwnd = synRetransmitted ? smss : initialWindow(smss);
  }

  /** New data acknowledged outside recovery: slow start or congestion avoidance (byte counting, L = 1 SMSS). */
  onAck(acked: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, this.smss);
    } else {
      this.caBytes += acked;
      if (this.caBytes >= this.cwnd) {
        this.caBytes -= this.cwnd;
        this.cwnd += this.smss;
      }
    }
  }

  /** Third duplicate ACK: enter fast recovery (RFC 6582 3.2 step 2). */
  enterRecovery(flightSize: number, highestSent: number): void {
    this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.smss);
    this.cwnd = this.ssthresh + 3 * this.smss;
    this.recover = highestSent;
    this.inRecovery = true;
    this.caBytes = 0;
  }

  /** A further duplicate ACK in recovery: one more segment left the network. */
  inflate(): void {
    this.cwnd += this.smss;
  }

  /** Partial ACK in recovery (RFC 6582 3.2 step 5): deflate by what was acked, add back one SMSS. */
  partialAck(acked: number): void {
    this.cwnd = Math.max(this.smss, this.cwnd - acked + (acked >= this.smss ? this.smss : 0));
  }

  /** Full ACK: leave recovery (RFC 6582 3.2 step 3, option 1 bounded by flight). */
  exitRecovery(flightSize: number): void {
    this.cwnd = Math.min(this.ssthresh, Math.max(flightSize, this.smss) + this.smss);
    this.inRecovery = false;
  }

  /** Retransmission timeout (RFC 5681 eq. 4 and 3.1): ssthresh only on the first timeout of a loss. */
  onTimeout(flightSize: number, highestSent: number, firstTimeout: boolean): void {
    if (firstTimeout) this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.smss);
    this.cwnd = this.smss;
    this.inRecovery = false;
    this.recover = highestSent;
    this.caBytes = 0;
  }
}
