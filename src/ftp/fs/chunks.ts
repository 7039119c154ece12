// The bytes of one in-memory file: a list of Buffer chunks that only ever grows at the end
// or is cut back, never rewritten in place. That gives O(1) appends (no concat) and lets a
// reader take a cheap, stable snapshot: the views it holds are never overwritten.

/** Small writes are packed into tails of this size instead of one chunk each. */
const TAIL = 64 * 1024;

export class ChunkedBytes {
  private sealed: Buffer[] = [];
  /** Chunk being filled by small appends; bytes before tailLen are never written again. */
  private tail: Buffer | null = null;
  private tailLen = 0;
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** Stores a copy of `data` at the end (the caller may reuse its buffer). */
  append(data: Uint8Array): void {
    let off = 0;
    if (this.tail !== null && this.tailLen < this.tail.length) {
      const n = Math.min(data.length, this.tail.length - this.tailLen);
      this.tail.set(data.subarray(0, n), this.tailLen);
      this.tailLen += n;
      off = n;
    }
    const rest = data.length - off;
    if (rest >= TAIL) {
      this.seal();
      this.sealed.push(Buffer.from(data.subarray(off)));
    } else if (rest > 0) {
      this.seal();
      this.tail = Buffer.allocUnsafe(TAIL);
      this.tail.set(data.subarray(off), 0);
      this.tailLen = rest;
    }
    this.length += data.length;
  }

  /** Cuts the content to `size` bytes, or extends it with zero bytes (like ftruncate). */
  truncate(size: number): void {
    if (size >= this.length) {
      if (size > this.length) {
        this.seal();
        this.sealed.push(Buffer.alloc(size - this.length));
        this.length = size;
      }
      return;
    }
    // Sealing first means later appends go to a fresh tail, never over a snapshot's view.
    this.seal();
    const kept: Buffer[] = [];
    let left = size;
    for (const c of this.sealed) {
      if (left === 0) break;
      kept.push(c.length <= left ? c : c.subarray(0, left));
      left -= Math.min(left, c.length);
    }
    this.sealed = kept;
    this.length = size;
  }

  /** Views of the bytes from `start` as they are now; later changes do not show in them. */
  snapshot(start: number): Buffer[] {
    const all = this.tailLen > 0 && this.tail !== null ? [...this.sealed, this.tail.subarray(0, this.tailLen)] : [...this.sealed];
    const out: Buffer[] = [];
    let skip = start;
    for (const c of all) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      out.push(skip > 0 ? c.subarray(skip) : c);
      skip = 0;
    }
    return out;
  }

  private seal(): void {
    if (this.tail !== null && this.tailLen > 0) this.sealed.push(this.tail.subarray(0, this.tailLen));
    this.tail = null;
    this.tailLen = 0;
  }
}
