// The send buffer: bytes the application wrote, from the oldest unacknowledged one
// to the newest queued one, addressed by absolute stream offset (a JS number, so no
// wrap). A segment is a view into the stored bytes; only one that straddles two
// pieces is copied (into a fresh buffer: OutSegment.payload is only read during
// onSegment, but a fresh one keeps that true even if a callback re-enters).
//
// Bulk writes are kept by reference, not copied: a Node stream chunk (a file read, a
// socket read) is owned by whoever receives it, and copying 1 MiB file chunks once
// more cost a fifth of the stack's CPU time at 1 Gbit/s. So a buffer of at least
// MIN_REFERENCED bytes handed to write() must not be changed by the writer until its
// bytes are acknowledged (as with a zero-copy socket). A write that continues the
// memory of the previous one (the rest of a chunk write() took only part of) widens
// that piece, so segments do not straddle the accept-what-fits boundaries.
// Small writes (FTP commands and replies, a test's single bytes) are copied into 64 KiB
// blocks, where they pack into full segments; those blocks are reused once acknowledged.
// With message boundaries each write is its own piece, so no segment spans two writes.

/** Stream-mode storage block: small writes are packed into blocks of this size. */
const BLOCK = 64 * 1024;
/** Acknowledged blocks kept for reuse: fresh memory costs a page fault per 4 KiB, more than the copy. */
const MAX_SPARE = 4;
/** Writes at least this long are held by reference instead of copied. */
export const MIN_REFERENCED = 4096;
const EMPTY = Buffer.alloc(0);

export class SendBuffer {
  private readonly store: Buffer[] = [];
  /** Absolute offset of store[i][0]. */
  private readonly starts: number[] = [];
  /** Bytes filled in store[i]. */
  private readonly fills: number[] = [];
  /** store[i] is one of our blocks (reusable, may take more small writes), not the writer's memory. */
  private readonly owned: boolean[] = [];
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

  /**
   * Takes up to `free` bytes of data; returns how many were taken. A buffer of at least
   * MIN_REFERENCED bytes is kept by reference (do not change it until acknowledged); a smaller
   * one is copied.
   */
  write(data: Buffer): number {
    const n = Math.min(data.length, this.free);
    if (n === 0) return 0;
    // By the size of the writer's buffer, not of the part taken: the rest of a large chunk
    // often comes back an ACK's worth at a time, and its last bytes continue the piece held.
    if (data.length >= MIN_REFERENCED || this.continues(data)) {
      this.reference(n === data.length ? data : data.subarray(0, n));
      return n;
    }
    if (this.boundaries) {
      // One chunk per write: a segment never runs across two writes.
      const chunk = Buffer.allocUnsafeSlow(n);
      data.copy(chunk, 0, 0, n);
      this.push(chunk, n, false);
      return n;
    }
    // Stream mode: pack writes into fixed-size blocks, reused once acknowledged.
    let done = 0;
    while (done < n) {
      const last = this.store.length - 1;
      let room = last >= this.head && this.owned[last] ? this.store[last]!.length - this.fills[last]! : 0;
      if (room === 0) {
        this.push(this.spare.pop() ?? Buffer.allocUnsafeSlow(BLOCK), 0, true);
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

  /** `data` starts right where the newest piece, held by reference, ends (the rest of one chunk). */
  private continues(data: Buffer): boolean {
    const last = this.store.length - 1;
    if (this.boundaries || last < this.head || this.owned[last]) return false;
    const prev = this.store[last]!;
    return prev.buffer === data.buffer && prev.byteOffset + prev.length === data.byteOffset;
  }

  private reference(data: Buffer): void {
    if (this.continues(data)) {
      // Widen the piece instead of adding one: no segment is cut (and copied) at the seam.
      const last = this.store.length - 1;
      const prev = this.store[last]!;
      this.store[last] = Buffer.from(prev.buffer, prev.byteOffset, prev.length + data.length);
      this.fills[last]! += data.length;
      this._end += data.length;
      return;
    }
    this.push(data, data.length, false);
  }

  private push(chunk: Buffer, filled: number, owned: boolean): void {
    this.store.push(chunk);
    this.starts.push(this._end);
    this.fills.push(filled);
    this.owned.push(owned);
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
      const h = this.head;
      if (this.owned[h]) {
        // Keep the last block while it may still take coalesced writes.
        if (h === this.store.length - 1 && this.fills[h]! < this.store[h]!.length) break;
        if (this.spare.length < MAX_SPARE) this.spare.push(this.store[h]!);
      }
      // Drop the reference now: an acknowledged file chunk should not wait for compaction to be freed.
      this.store[h] = EMPTY;
      this.head++;
    }
    if (this.head > 32 && this.head * 2 > this.store.length) {
      this.store.splice(0, this.head);
      this.starts.splice(0, this.head);
      this.fills.splice(0, this.head);
      this.owned.splice(0, this.head);
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
    this.owned.length = 0;
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
