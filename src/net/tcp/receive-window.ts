// Our side of the flow control: the window we advertise (RFC 9293 3.8.6), kept to
// the application's unread bytes, moved only in worthwhile steps (receiver SWS
// avoidance, RFC 1122 4.2.3.3), never shrunk, and shifted by our scale (RFC 7323).
// Offsets count the peer's sequence space from its first data byte (no wrap).
export class ReceiveWindow {
  /** RCV.NXT as an offset: everything before it was taken in order (the FIN counts one). */
  nxt = 0;
  /** Bytes handed to the application and not yet reported consumed. */
  unconsumed = 0;
  /** Our window scale shift, once negotiated. */
  shift = 0;
  /** Right edge last advertised: never moved left. */
  private edge = 0;

  constructor(
    private readonly size: number,
    private readonly mss: number,
  ) {}

  /** RCV.WND: what the peer may send beyond nxt now. */
  get open(): number {
    return Math.max(0, this.edge - this.nxt);
  }

  /** The window field for a SYN or SYN-ACK: never scaled. */
  synField(): number {
    const raw = Math.min(this.free(), 0xffff);
    this.edge = Math.max(this.edge, this.nxt + raw);
    return raw;
  }

  /** The window field for any other segment; records the edge it advertises. */
  field(): number {
    const unit = 2 ** this.shift;
    const cur = this.open;
    const free = this.free();
    const win = free - cur >= this.step() ? free : cur;
    let raw = Math.floor(win / unit);
    if (raw * unit < cur) raw = Math.ceil(cur / unit);
    if (raw > 0xffff) raw = 0xffff;
    const edge = this.nxt + raw * unit;
    if (edge > this.edge) this.edge = edge;
    return raw;
  }

  /** Worth a window update of its own: the edge moves a full step and the window at least doubles. */
  updateDue(): boolean {
    const cur = this.open;
    const free = this.free();
    return free - cur >= this.step() && free >= 2 * cur;
  }

  private free(): number {
    return Math.max(0, Math.min(this.size - this.unconsumed, 0xffff * 2 ** this.shift));
  }

  /** min(buffer / 2, MSS): the smallest move of the right edge worth advertising. */
  private step(): number {
    return Math.max(1, Math.min(Math.floor(this.size / 2), this.mss));
  }
}
