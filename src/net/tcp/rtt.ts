// Retransmission timeout per RFC 6298: SRTT/RTTVAR from samples (Karn's rule is the
// caller's: it only samples segments that were never retransmitted), exponential
// backoff on expiry, clamped to [min, max].
export class RttEstimator {
  private _srtt: number | undefined;
  private _rttvar: number | undefined;
  private _rto: number;

  constructor(
    initial: number,
    private readonly min: number,
    private readonly max: number,
  ) {
    this._rto = this.clamp(initial);
  }

  get srtt(): number | undefined {
    return this._srtt;
  }
  get rttvar(): number | undefined {
    return this._rttvar;
  }
  /** The current timeout, backoff included. */
  get rto(): number {
    return this._rto;
  }

  /** A round-trip measurement in ms (RFC 6298 2.2/2.3); also undoes any backoff (5.7). */
  sample(r: number): void {
    const rtt = Math.max(0, r);
    if (this._srtt === undefined || this._rttvar === undefined) {
      this._srtt = rtt;
      this._rttvar = rtt / 2;
    } else {
      this._rttvar = 0.75 * this._rttvar + 0.25 * Math.abs(this._srtt - rtt);
      this._srtt = 0.875 * this._srtt + 0.125 * rtt;
    }
    // G (clock granularity) is 1 ms with a millisecond clock.
    this._rto = this.clamp(this._srtt + Math.max(1, 4 * this._rttvar));
  }

  /** Raise the timeout to at least `ms` (within the clamp) until the next sample. */
  atLeast(ms: number): void {
    this._rto = this.clamp(Math.max(this._rto, ms));
  }

  /** The timer expired: double (RFC 6298 5.5). */
  backoff(): void {
    this._rto = this.clamp(this._rto * 2);
  }

  private clamp(v: number): number {
    return Math.min(this.max, Math.max(this.min, v));
  }
}
