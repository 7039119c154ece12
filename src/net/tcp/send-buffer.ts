// The send buffer: bytes the application wrote, from the oldest unacknowledged one
// to the newest queued one, addressed by absolute stream offset (a JS number, so no
// wrap). write() copies once into 64 KiB blocks (the caller may reuse its buffer as
// soon as write returns); a segment is then a view into one block, and only one that
// straddles two blocks is copied. Blocks are reused once acknowledged, so a view is
// valid only until its bytes are acknowledged: the owner serializes segments at once.
// With message boundaries each write gets its own chunk (never reused), so no
// segment spans two writes.

/** Stream-mode storage block: writes are packed into blocks of this size. */
const BLOCK = 64 * 1024;
/** Acknowledged blocks kept for reuse: fresh memory costs a page fault per 4 KiB, more than the copy. */
const MAX_SPARE = 4;

export class SendBuffer {
  private readonly store: Buffer[] = [];
  /** Absolute offset of store[i][0]. */
  private readonly starts: number[] = [];
  /** Bytes filled in store[i]. */
  private readonly fills: number[] = [];
  private head = 0;
  private hint = 0;
  private readonly spare: Buffer[] = [];
  private _start = 0;
  private _end = 0;

  constructor(
    private readonly capacity: number,
    private readonly boundaries: boolean,
  ) {}

  /** Absolute offset of the first byte still held (the oldest unacknowledged one). */
  get start(): number {
    return this._start;
  }
  /** Absolute offset just past the newest byte written. */
  get end(): number {
    return this._end;
  }
  get length(): number {
    return this._end - this._start;
  }
  get free(): number {
    return Math.max(0, this.capacity - this.length);
  }

  /** Copies up to `free` bytes of data in; returns how many were taken. */
  write(data: Buffer): number {
    const n = Math.min(data.length, this.free);
    if (n === 0) return 0;
    if (this.boundaries) {
      // One chunk per write: a segment never runs across two writes.
      const chunk = Buffer.allocUnsafeSlow(n);
      data.copy(chunk, 0, 0, n);
      this.push(chunk, n);
      return n;
    }
    // Stream mode: pack writes into fixed-size blocks, reused once acknowledged.
    let done = 0;
    while (done < n) {
      const last = this.store.length - 1;
      let room = last >= this.head ? this.store[last]!.length - this.fills[last]! : 0;
      if (room === 0) {
        this.push(this.spare.pop() ?? Buffer.allocUnsafeSlow(BLOCK), 0);
        room = BLOCK;
      }
      const i = this.store.length - 1;
      const take = Math.min(room, n - done);
      data.copy(this.store[i]!, this.fills[i]!, done, done + take);
      this.fills[i]! += take;
      this._end += take;
      done += take;
    }
    return n;
  }

  private push(chunk: Buffer, filled: number): void {
    this.store.push(chunk);
    this.starts.push(this._end);
    this.fills.push(filled);
    this._end += filled;
  }

  /** Bytes from `off` to the end of the write (chunk) that holds it: a message's remainder. */
  contiguous(off: number): number {
    const i = this.find(off);
    return this.starts[i]! + this.fills[i]! - off;
  }

  /** `len` bytes from absolute offset `off` (which must be held): a view when they lie in one chunk. */
  view(off: number, len: number): Buffer {
    const i = this.find(off);
    const at = off - this.starts[i]!;
    if (at + len <= this.fills[i]!) return this.store[i]!.subarray(at, at + len);
    const out = Buffer.allocUnsafe(len);
    let done = 0;
    for (let j = i; done < len && j < this.store.length; j++) {
      const from = j === i ? at : 0;
      const take = Math.min(len - done, this.fills[j]! - from);
      this.store[j]!.copy(out, done, from, from + take);
      done += take;
    }
    return out;
  }

  /** Forget everything below absolute offset `off` (it was acknowledged). */
  release(off: number): void {
    if (off <= this._start) return;
    this._start = Math.min(off, this._end);
    while (this.head < this.store.length && this.starts[this.head]! + this.fills[this.head]! <= this._start) {
      // Keep the last chunk while it may still take coalesced writes.
      if (this.head === this.store.length - 1 && !this.boundaries && this.fills[this.head]! < this.store[this.head]!.length) break;
      if (!this.boundaries && this.spare.length < MAX_SPARE) this.spare.push(this.store[this.head]!);
      this.head++;
    }
    if (this.head > 32 && this.head * 2 > this.store.length) {
      this.store.splice(0, this.head);
      this.starts.splice(0, this.head);
      this.fills.splice(0, this.head);
      this.hint = Math.max(0, this.hint - this.head);
      this.head = 0;
    }
  }

  /** Drop everything (connection gone). */
  clear(): void {
    this.spare.length = 0;
    this.store.length = 0;
    this.starts.length = 0;
    this.fills.length = 0;
    this.head = 0;
    this.hint = 0;
    this._start = this._end;
  }

  private find(off: number): number {
    const h = this.hint;
    if (h >= this.head && h < this.store.length && off >= this.starts[h]! && off < this.starts[h]! + this.fills[h]!) return h;
    const n = h + 1;
    if (n >= this.head && n < this.store.length && off >= this.starts[n]! && off < this.starts[n]! + this.fills[n]!) {
      this.hint = n;
      return n;
    }
    let lo = this.head;
    let hi = this.store.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    this.hint = lo;
    return lo;
  }
}
