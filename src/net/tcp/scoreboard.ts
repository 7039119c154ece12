// What the peer told us it holds beyond SND.UNA (RFC 2018 SACK blocks), as sorted,
// merged [start, end) ranges of absolute send offsets. The sender uses it to resend
// only the holes during recovery and to skip held segments when going back N.
export class Scoreboard {
  /** Flat pairs: start0, end0, start1, end1, ... sorted and disjoint. */
  private r: number[] = [];

  get empty(): boolean {
    return this.r.length === 0;
  }

  /** The highest offset the peer reported + 1, or -1 when nothing is held. */
  get highest(): number {
    return this.r.length === 0 ? -1 : (this.r[this.r.length - 1] as number);
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const out: number[] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (let i = 0; i < this.r.length; i += 2) {
      const rs = this.r[i] as number;
      const re = this.r[i + 1] as number;
      if (re < s) out.push(rs, re);
      else if (rs > e) {
        if (!placed) {
          out.push(s, e);
          placed = true;
        }
        out.push(rs, re);
      } else {
        s = Math.min(s, rs);
        e = Math.max(e, re);
      }
    }
    if (!placed) out.push(s, e);
    this.r = out;
  }

  /** Everything below `una` is acknowledged cumulatively: forget it. */
  prune(una: number): void {
    let i = 0;
    while (i < this.r.length && (this.r[i + 1] as number) <= una) i += 2;
    if (i > 0) this.r = this.r.slice(i);
    if (this.r.length > 0 && (this.r[0] as number) < una) this.r[0] = una;
  }

  /** True when the peer holds every byte of [start, end). */
  covers(start: number, end: number): boolean {
    for (let i = 0; i < this.r.length; i += 2) {
      if ((this.r[i] as number) > start) return false;
      if ((this.r[i + 1] as number) >= end) return true;
    }
    return false;
  }

  clear(): void {
    this.r.length = 0;
  }
}
