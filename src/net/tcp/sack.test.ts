import { describe, expect, it } from "vitest";
import { TCP_FLAGS } from "../wire/tcp.js";
import { LOCAL_ISN as L, PEER_ISN as P, PacketScript } from "./script.js";
import { Scoreboard } from "./scoreboard.js";

/** Established with SACK offered by us (unless config says otherwise) and by the peer when `peerSack`. */
function conn(peerSack = true, config: Parameters<typeof PacketScript.established>[0] = {}) {
  return PacketScript.established(
    { sack: true, nagle: false, rtoMinMs: 100, rtoInitialMs: 1000, receiveWindow: 60_000, ...config },
    { mss: 1000, window: 60_000, sack: peerSack },
  );
}

describe("SACK negotiation (RFC 2018 2)", () => {
  it("offers SACK-permitted in our SYN when configured, and not otherwise", () => {
    expect(PacketScript.connect({ sack: true }).expectOut({ flags: "S" }).options).toEqual({ mss: 1460, sackPermitted: true });
    expect(PacketScript.connect({ sack: false }).expectOut({ flags: "S" }).options).toEqual({ mss: 1460 });
  });

  it("answers SACK-permitted in a SYN-ACK only when the peer offered it", () => {
    const yes = PacketScript.accept({ options: { mss: 1000, sackPermitted: true } }, { sack: true });
    expect(yes.expectOut({ flags: "SA" }).options).toEqual({ mss: 1460, sackPermitted: true });
    const no = PacketScript.accept({ options: { mss: 1000 } }, { sack: true });
    expect(no.expectOut({ flags: "SA" }).options).toEqual({ mss: 1460 });
    const off = PacketScript.accept({ options: { mss: 1000, sackPermitted: true } }, { sack: false });
    expect(off.expectOut({ flags: "SA" }).options).toEqual({ mss: 1460 });
  });
});

describe("SACK as receiver (RFC 2018 4)", () => {
  it("reports the block beyond a hole on the duplicate ACK, newest block first, and none once the hole is filled", () => {
    const s = conn();
    s.input({ flags: "A", seq: P + 1001, ack: L + 1, payload: "b".repeat(1000) });
    s.expectOut({ flags: "A", ack: P + 1, options: { sack: [[P + 1001, P + 2001]] } });
    s.input({ flags: "A", seq: P + 3001, ack: L + 1, payload: "d".repeat(1000) });
    s.expectOut({ flags: "A", ack: P + 1, options: { sack: [[P + 3001, P + 4001], [P + 1001, P + 2001]] } });
    // Extending the older block makes it the newest.
    s.input({ flags: "A", seq: P + 2001, ack: L + 1, payload: "c".repeat(1000) });
    s.expectOut({ flags: "A", ack: P + 1, options: { sack: [[P + 1001, P + 4001]] } });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "a".repeat(1000) });
    s.expectOut({ flags: "A", ack: P + 4001, options: {} });
    expect(s.text()).toBe("a".repeat(1000) + "b".repeat(1000) + "c".repeat(1000) + "d".repeat(1000));
  });

  it("sends no SACK option when the peer did not permit it", () => {
    const s = conn(false);
    s.input({ flags: "A", seq: P + 1001, ack: L + 1, payload: "b".repeat(1000) });
    s.expectOut({ flags: "A", ack: P + 1, options: {} });
  });

  it("reports at most four blocks", () => {
    const s = conn();
    for (let k = 1; k <= 6; k++) s.input({ flags: "A", seq: P + 1 + 2000 * k, ack: L + 1, payload: "x".repeat(1000) });
    const last = s.drain().at(-1);
    expect(last?.options.sack).toHaveLength(4);
    expect(last?.options.sack?.[0]).toEqual([P + 12001, P + 13001]);
  });
});

describe("SACK as sender (RFC 6675 in the small)", () => {
  /** Six segments in flight, seq L+1 .. L+6001 in 1000-byte pieces. */
  function sixInFlight() {
    const s = conn(true, { maxSegmentsInFlight: 6 });
    s.conn.write(Buffer.alloc(6000, 1));
    // Initial window: 4 segments; ACK the first to open cwnd, then everything else is out.
    expect(s.drain().map((x) => x.seq - L)).toEqual([1, 1001, 2001, 3001]);
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 60_000 });
    return s;
  }

  it("fast retransmit, then each further duplicate ACK sends the next hole the peer reported, skipping held segments", () => {
    const s = conn();
    s.conn.write(Buffer.alloc(10_000, 1));
    const first = s.drain().map((x) => x.seq - L);
    expect(first).toEqual([1, 1001, 2001, 3001]);
    // The peer ACKs segment 1; cwnd grows to 5 segments: 4001..8001 out.
    s.input({ flags: "A", seq: P + 1, ack: L + 1001 });
    expect(s.drain().map((x) => x.seq - L)).toEqual([4001, 5001]);
    // 1001 and 3001 lost; 2001, 4001, 5001 arrive: three duplicate ACKs with SACK blocks.
    const dup = (blocks: Array<[number, number]>) => s.input({ flags: "A", seq: P + 1, ack: L + 1001, options: { sack: blocks } });
    dup([[L + 2001, L + 3001]]);
    dup([[L + 4001, L + 5001], [L + 2001, L + 3001]]);
    s.expectNoOut();
    dup([[L + 4001, L + 6001], [L + 2001, L + 3001]]);
    const fr = s.drain();
    expect(fr[0]?.seq).toBe(L + 1001); // fast retransmit of the first hole
    expect(s.conn.stats.fastRetransmits).toBe(1);
    // The next duplicate ACK sends the second hole (3001), not 2001 which the peer holds.
    dup([[L + 4001, L + 6001], [L + 2001, L + 3001]]);
    const next = s.drain().filter((x) => x.seq - L < 6001);
    expect(next.map((x) => x.seq - L)).toEqual([3001]);
    // No third hole: a further duplicate ACK resends nothing old.
    dup([[L + 4001, L + 6001], [L + 2001, L + 3001]]);
    expect(s.drain().filter((x) => x.seq - L < 6001)).toEqual([]);
  });

  it("after a timeout, going back N skips the segments the peer holds", () => {
    const s = sixInFlight();
    s.drain();
    // 1001 and 2001 lost, 3001 held: ACK 1001 with a block for 3001..4001.
    s.input({ flags: "A", seq: P + 1, ack: L + 1001, options: { sack: [[L + 3001, L + 4001]] } });
    s.drain();
    s.advance((s.conn.nextDeadline() ?? 0) - s.clock.t); // RTO: 1001 goes again, cwnd one segment
    expect(s.drain().map((x) => x.seq - L)).toEqual([1001]);
    // The hole at 1001 is filled: cwnd two segments; 2001 goes again, 3001 is skipped.
    s.input({ flags: "A", seq: P + 1, ack: L + 2001, options: { sack: [[L + 3001, L + 4001]] } });
    expect(s.drain().map((x) => x.seq - L)).toEqual([2001]);
    s.input({ flags: "A", seq: P + 1, ack: L + 4001 });
    const after = s.drain().map((x) => x.seq - L);
    expect(after).not.toContain(3001);
    expect(after[0]).toBe(4001);
  });

  it("ignores blocks outside what was sent, and D-SACK blocks below the ACK", () => {
    const s = sixInFlight();
    s.input({ flags: "A", seq: P + 1, ack: L + 1001, options: { sack: [[L + 1, L + 1001], [L + 90_001, L + 91_001]] } });
    s.drain();
    s.input({ flags: "A", seq: P + 1, ack: L + 1001 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1001 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1001 });
    const fr = s.drain();
    expect(fr.map((x) => x.seq - L)).toEqual([1001]); // the fast retransmit, nothing else
    expect(fr[0]?.flags & TCP_FLAGS.ACK).toBe(TCP_FLAGS.ACK);
    // No hole is known beyond it: one more duplicate ACK does not resend old data.
    s.input({ flags: "A", seq: P + 1, ack: L + 1001 });
    expect(s.drain().filter((x) => x.seq - L < 6001)).toEqual([]);
  });
});

describe("Scoreboard", () => {
  it("merges, prunes and answers coverage", () => {
    const b = new Scoreboard();
    b.add(10, 20);
    b.add(30, 40);
    b.add(20, 25);
    expect(b.covers(10, 25)).toBe(true);
    expect(b.covers(10, 26)).toBe(false);
    expect(b.covers(30, 40)).toBe(true);
    b.add(24, 31);
    expect(b.covers(10, 40)).toBe(true);
    expect(b.highest).toBe(40);
    b.prune(15);
    expect(b.covers(10, 15)).toBe(false);
    expect(b.covers(15, 40)).toBe(true);
    b.prune(40);
    expect(b.empty).toBe(true);
    expect(b.highest).toBe(-1);
  });
});
