// The bounded out-of-order queue: segments that arrived beyond a hole, kept as
// sorted, non-overlapping pieces by absolute stream offset until the hole fills.
// Past the byte bound the highest-offset data is dropped first: the data right
// after the hole is what lets the stream move on.
export class Reassembly {
  private readonly starts: number[] = [];
  private readonly pieces: Buffer[] = [];
  private _bytes = 0;

  constructor(private readonly limit: number) {}

  get bytes(): number {
    return this._bytes;
  }
  get count(): number {
    return this.pieces.length;
  }

  /** Keep `data` (absolute offset `start`), skipping bytes already held; returns bytes newly stored. */
  insert(start: number, data: Buffer): number {
    if (data.length === 0 || this.limit <= 0) return 0;
    const before = this._bytes;
    let s = start;
    const e = start + data.length;
    let i = 0;
    while (i < this.pieces.length && this.starts[i]! + this.pieces[i]!.length <= s) i++;
    // Fill each gap in [s, e) left by pieces already held.
    while (s < e) {
      const nextStart = i < this.pieces.length ? this.starts[i]! : Infinity;
      if (s < nextStart) {
        const gapEnd = Math.min(e, nextStart);
        this.starts.splice(i, 0, s);
        this.pieces.splice(i, 0, data.subarray(s - start, gapEnd - start));
        this._bytes += gapEnd - s;
        i++;
        s = gapEnd;
      } else {
        s = Math.max(s, nextStart + this.pieces[i]!.length);
        i++;
      }
    }
    this.evict();
    return Math.max(0, this._bytes - before);
  }

  /** If data at absolute offset `pos` is held, remove and return it (from `pos` on); drops stale pieces below pos. */
  take(pos: number): Buffer | undefined {
    while (this.pieces.length > 0) {
      const s = this.starts[0]!;
      const p = this.pieces[0]!;
      if (s > pos) return undefined;
      this.starts.shift();
      this.pieces.shift();
      this._bytes -= p.length;
      if (s + p.length > pos) return p.subarray(pos - s);
    }
    return undefined;
  }

  /** Highest absolute offset held + 1 (or -1 when empty). */
  get highest(): number {
    const n = this.pieces.length;
    return n === 0 ? -1 : this.starts[n - 1]! + this.pieces[n - 1]!.length;
  }

  /**
   * The held data as merged [start, end) ranges (absolute offsets), the one holding `first`
   * first, then the others from the highest down: the order RFC 2018 4 asks of SACK blocks
   * (the newest first), approximated by offset. At most `max` ranges.
   */
  ranges(first: number, max: number): Array<[number, number]> {
    const merged: Array<[number, number]> = [];
    for (let i = 0; i < this.pieces.length; i++) {
      const s = this.starts[i]!;
      const e = s + this.pieces[i]!.length;
      const last = merged[merged.length - 1];
      if (last !== undefined && last[1] === s) last[1] = e;
      else merged.push([s, e]);
    }
    const lead = merged.findIndex(([s, e]) => first >= s && first < e);
    const out: Array<[number, number]> = lead >= 0 ? [merged[lead]!] : [];
    for (let i = merged.length - 1; i >= 0 && out.length < max; i--) if (i !== lead) out.push(merged[i]!);
    return out.slice(0, max);
  }

  clear(): void {
    this.starts.length = 0;
    this.pieces.length = 0;
    this._bytes = 0;
  }

  private evict(): void {
    while (this._bytes > this.limit && this.pieces.length > 0) {
      const last = this.pieces.length - 1;
      const over = this._bytes - this.limit;
      const p = this.pieces[last]!;
      if (p.length <= over) {
        this.pieces.pop();
        this.starts.pop();
        this._bytes -= p.length;
      } else {
        this.pieces[last] = p.subarray(0, p.length - over);
        this._bytes -= over;
      }
    }
  }
}
