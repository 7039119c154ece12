// A FIFO of numbers with O(1) amortised push/shift and indexed reads: the ends of
// the segments in flight (absolute sequence offsets), oldest first.
export class NumberQueue {
  private items: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  push(n: number): void {
    this.items.push(n);
  }
  /** i-th item from the oldest (0 = oldest); undefined when out of range. */
  at(i: number): number | undefined {
    return i >= 0 && i < this.length ? this.items[this.head + i] : undefined;
  }
  shift(): number | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head++];
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }
}
