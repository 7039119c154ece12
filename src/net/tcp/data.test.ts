import { describe, expect, it } from "vitest";
import { LOCAL_ISN as L, PEER_ISN as P, PacketScript } from "./script.js";

describe("data transfer", () => {
  it("sends written bytes with PSH and ACK, and frees them when acknowledged", () => {
    const s = PacketScript.established({ sendBuffer: 10 });
    expect(s.conn.write(Buffer.from("hello"))).toBe(5);
    s.expectOut({ flags: "PA", seq: L + 1, ack: P + 1, payload: "hello" });
    expect(s.conn.bufferedAmount).toBe(5);
    expect(s.conn.write(Buffer.from("world!"))).toBe(5); // send buffer full: backpressure
    s.input({ flags: "A", seq: P + 1, ack: L + 6 });
    expect(s.conn.bufferedAmount).toBe(5);
    expect(s.takeLog()).toEqual(["writable"]);
    s.expectOut({ flags: "PA", seq: L + 6, payload: "world" });
    expect(s.conn.stats.bytesSent).toBe(10);
  });

  it("delivers in-order data and acknowledges it", () => {
    const s = PacketScript.established();
    s.input({ flags: "PA", seq: P + 1, ack: L + 1, payload: "abc" });
    s.expectOut({ flags: "A", seq: L + 1, ack: P + 4, window: 8189 }); // 3 bytes read: too little to move the edge
    s.input({ flags: "PA", seq: P + 4, ack: L + 1, payload: "de" });
    s.expectOut({ flags: "A", ack: P + 6 });
    expect(s.text()).toBe("abcde");
    expect(s.conn.stats.bytesReceived).toBe(5);
  });

  it("piggybacks the ACK on data the application sends back", () => {
    const s = PacketScript.established({ delayedAckMs: 200, rtoMinMs: 1000 });
    s.input({ flags: "PA", seq: P + 1, ack: L + 1, payload: "PWD\r\n" });
    s.expectNoOut();
    s.conn.write(Buffer.from('257 "/"\r\n'));
    s.expectOut({ flags: "PA", ack: P + 6, payload: '257 "/"\r\n' });
    s.advance(200);
    s.expectNoOut(); // the delayed ACK went with the data
  });

  it("answers a segment beyond the window with an ACK and drops it", () => {
    const s = PacketScript.established({ receiveWindow: 1000 });
    s.input({ flags: "PA", seq: P + 1 + 1000, ack: L + 1, payload: "x" });
    s.expectOut({ flags: "A", ack: P + 1 });
    expect(s.text()).toBe("");
  });

  it("answers an old duplicate with an ACK and keeps only the new part of an overlap", () => {
    const s = PacketScript.established();
    s.input({ flags: "PA", seq: P + 1, ack: L + 1, payload: "abc" });
    s.drain();
    s.input({ flags: "PA", seq: P + 1, ack: L + 1, payload: "abc" });
    s.expectOut({ flags: "A", ack: P + 4 });
    s.input({ flags: "PA", seq: P + 2, ack: L + 1, payload: "bcdef" });
    s.expectOut({ flags: "A", ack: P + 7 });
    expect(s.text()).toBe("abcdef");
  });

  it("trims a segment that runs past the window to the window", () => {
    const s = PacketScript.established({ receiveWindow: 4 });
    s.autoConsume = false;
    s.input({ flags: "FPA", seq: P + 1, ack: L + 1, payload: "abcdef" });
    expect(s.text()).toBe("abcd");
    expect(s.state).toBe("ESTABLISHED"); // the FIN was past the window
    s.expectOut({ flags: "A", ack: P + 5, window: 0 });
  });
});

describe("delayed ACK (RFC 1122 4.2.3.2)", () => {
  it("holds the ACK of one segment for delayedAckMs", () => {
    const s = PacketScript.established({ delayedAckMs: 100 });
    s.input({ flags: "PA", seq: P + 1, ack: L + 1, payload: "a".repeat(100) });
    s.expectNoOut();
    expect(s.conn.nextDeadline()).toBe(100);
    s.advance(99);
    s.expectNoOut();
    s.advance(1);
    s.expectOut({ flags: "A", ack: P + 101 });
    expect(s.conn.nextDeadline()).toBeUndefined();
  });

  it("ACKs at once on every second full-sized segment", () => {
    const s = PacketScript.established({ delayedAckMs: 100, receiveWindow: 65535 });
    const seg = "x".repeat(1460);
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: seg });
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 1461, ack: L + 1, payload: seg });
    s.expectOut({ flags: "A", ack: P + 2921 });
    s.input({ flags: "A", seq: P + 2921, ack: L + 1, payload: seg });
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 4381, ack: L + 1, payload: seg });
    s.expectOut({ flags: "A", ack: P + 5841 });
  });

  it("ACKs out-of-order data and FIN at once", () => {
    const s = PacketScript.established({ delayedAckMs: 100 });
    s.input({ flags: "A", seq: P + 10, ack: L + 1, payload: "later" });
    s.expectOut({ flags: "A", ack: P + 1 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "123456789" });
    s.expectOut({ flags: "A", ack: P + 15 }); // the hole filled
    s.input({ flags: "FA", seq: P + 15, ack: L + 1 });
    s.expectOut({ flags: "A", ack: P + 16 });
    expect(s.state).toBe("CLOSE-WAIT");
  });
});

describe("Nagle (RFC 896)", () => {
  it("on: a small segment waits while data is unacknowledged, then goes coalesced", () => {
    const s = PacketScript.established({ nagle: true });
    s.conn.write(Buffer.from("a"));
    s.expectOut({ payload: "a" });
    s.conn.write(Buffer.from("b"));
    s.conn.write(Buffer.from("c"));
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 1, ack: L + 2 });
    s.expectOut({ seq: L + 2, payload: "bc" });
  });

  it("on: full-sized segments are not held", () => {
    const s = PacketScript.established({ nagle: true }, { mss: 100 });
    s.conn.write(Buffer.from("a"));
    s.expectOut({ payload: "a" });
    s.conn.write(Buffer.alloc(250, 0x62));
    s.expectOut({ len: 100 });
    s.expectOut({ len: 100 });
    s.expectNoOut(); // the 50-byte tail waits
  });

  it("off: every write goes at once", () => {
    const s = PacketScript.established({ nagle: false });
    s.conn.write(Buffer.from("a"));
    s.conn.write(Buffer.from("b"));
    s.expectOut({ seq: L + 1, payload: "a" });
    s.expectOut({ seq: L + 2, payload: "b" });
  });
});

describe("messageBoundaries (one FTP line per segment)", () => {
  it("never coalesces two writes, even when both wait", () => {
    const s = PacketScript.established({ nagle: true, messageBoundaries: true });
    s.conn.write(Buffer.from("150 ok\r\n"));
    s.expectOut({ flags: "PA", payload: "150 ok\r\n" });
    s.conn.write(Buffer.from("226 done\r\n"));
    s.conn.write(Buffer.from("221 bye\r\n"));
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 1, ack: L + 9 });
    s.expectOut({ flags: "PA", payload: "226 done\r\n" });
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 1, ack: L + 19 });
    s.expectOut({ flags: "PA", payload: "221 bye\r\n" });
  });

  it("splits a long write at the MSS and ends its last segment at the write's end", () => {
    const s = PacketScript.established({ nagle: false, messageBoundaries: true }, { mss: 100 });
    s.conn.write(Buffer.alloc(150, 0x61));
    s.conn.write(Buffer.alloc(30, 0x62));
    s.expectOut({ flags: "A", len: 100 });
    s.expectOut({ flags: "PA", len: 50 });
    s.expectOut({ flags: "PA", len: 30, payload: "b".repeat(30) });
  });

  it("without it, the same writes share segments", () => {
    const s = PacketScript.established({ nagle: true, messageBoundaries: false });
    s.conn.write(Buffer.from("150 ok\r\n"));
    s.drain();
    s.conn.write(Buffer.from("226 done\r\n"));
    s.conn.write(Buffer.from("221 bye\r\n"));
    s.input({ flags: "A", seq: P + 1, ack: L + 9 });
    s.expectOut({ payload: "226 done\r\n221 bye\r\n" });
  });
});

describe("receiver silly-window avoidance (RFC 1122 4.2.3.3)", () => {
  it("reopens a closed window only by min(buffer/2, MSS) steps", () => {
    const s = PacketScript.established({ receiveWindow: 4000, mss: 1000 });
    s.autoConsume = false;
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "x".repeat(4000) });
    s.expectOut({ flags: "A", ack: P + 4001, window: 0 });
    s.conn.consumed(400);
    s.expectNoOut(); // 400 < min(2000, 1000): no update
    s.input({ flags: "A", seq: P + 4000, ack: L + 1 }); // a probe: the answer still says 0
    s.expectOut({ flags: "A", ack: P + 4001, window: 0 });
    s.conn.consumed(600);
    s.expectOut({ flags: "A", ack: P + 4001, window: 1000 });
    s.conn.consumed(1000);
    s.expectOut({ flags: "A", window: 2000 }); // window at least doubles
    s.conn.consumed(1000);
    s.expectNoOut(); // 3000 < 2 x 2000: not worth a segment of its own
    s.input({ flags: "A", seq: P + 4001, ack: L + 1, payload: "y" });
    s.expectOut({ flags: "A", ack: P + 4002, window: 2999 }); // the edge moves with the next ACK
  });

  it("never moves the right edge back", () => {
    const s = PacketScript.established({ receiveWindow: 3000, mss: 1000 });
    s.autoConsume = false;
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "x".repeat(500) });
    s.expectOut({ ack: P + 501, window: 2500 });
    s.input({ flags: "A", seq: P + 501, ack: L + 1, payload: "x".repeat(500) });
    s.expectOut({ ack: P + 1001, window: 2000 });
    s.conn.consumed(1000);
    s.expectNoOut();
  });

  it("takes the ACK of a data segment at a zero window, and a bare FIN, but not the data", () => {
    const s = PacketScript.established({ receiveWindow: 10, nagle: false });
    s.autoConsume = false;
    s.conn.write(Buffer.from("req"));
    s.drain();
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "0123456789" });
    s.expectOut({ ack: P + 11, window: 0 });
    s.input({ flags: "PA", seq: P + 11, ack: L + 4, payload: "more" });
    s.expectOut({ flags: "A", ack: P + 11, window: 0 });
    expect(s.conn.bufferedAmount).toBe(0); // our "req" was acknowledged all the same
    s.input({ flags: "FA", seq: P + 11, ack: L + 4 });
    expect(s.state).toBe("CLOSE-WAIT");
    s.expectOut({ flags: "A", ack: P + 12 });
  });
});

describe("sender silly-window avoidance (RFC 1122 4.2.3.4)", () => {
  it("waits for a useful window instead of sending slivers", () => {
    const s = PacketScript.established({ nagle: false }, { mss: 1000, window: 2000 });
    s.conn.write(Buffer.alloc(3000, 1));
    s.expectOut({ seq: L + 1, len: 1000 });
    s.expectOut({ seq: L + 1001, len: 1000 });
    s.input({ flags: "A", seq: P + 1, ack: L + 101, window: 2000 }); // 100 bytes of window opened
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 1, ack: L + 1001, window: 2000 }); // a full segment's worth
    s.expectOut({ seq: L + 2001, len: 1000 });
  });

  it("sends a small remainder when it is all there is", () => {
    const s = PacketScript.established({ nagle: false }, { mss: 1000, window: 2000 });
    s.conn.write(Buffer.alloc(2300, 1));
    s.drain();
    s.input({ flags: "A", seq: P + 1, ack: L + 301, window: 2000 });
    s.expectOut({ seq: L + 2001, len: 300 });
  });

  it("overrides after a timeout when nothing is in flight and the window stays small", () => {
    const s = PacketScript.established({ nagle: false, rtoInitialMs: 1000 }, { mss: 1000, window: 2000 });
    s.conn.write(Buffer.alloc(3000, 1));
    s.drain();
    s.input({ flags: "A", seq: P + 1, ack: L + 2001, window: 100 }); // everything acked, 100 bytes open
    s.expectNoOut();
    s.advance(1000);
    s.expectOut({ seq: L + 2001, len: 100 });
  });
});

describe("out-of-order reassembly", () => {
  it("queues segments beyond a hole and delivers them in order when it fills", () => {
    const s = PacketScript.established();
    s.input({ flags: "A", seq: P + 7, ack: L + 1, payload: "ghi" });
    s.expectOut({ flags: "A", ack: P + 1 });
    s.input({ flags: "A", seq: P + 4, ack: L + 1, payload: "def" });
    s.expectOut({ flags: "A", ack: P + 1 });
    s.input({ flags: "A", seq: P + 5, ack: L + 1, payload: "ef" }); // overlaps what is queued
    s.expectOut({ flags: "A", ack: P + 1 });
    expect(s.text()).toBe("");
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "abcd" });
    s.expectOut({ flags: "A", ack: P + 10 });
    expect(s.text()).toBe("abcdefghi");
    expect(s.conn.stats.outOfOrder).toBe(3);
  });

  it("keeps at most maxOutOfOrderBytes, dropping the highest data first", () => {
    const s = PacketScript.established({ maxOutOfOrderBytes: 4 });
    s.input({ flags: "A", seq: P + 8, ack: L + 1, payload: "hij" });
    s.input({ flags: "A", seq: P + 4, ack: L + 1, payload: "def" }); // "hij" trimmed to "h"
    s.drain();
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "abc" });
    s.expectOut({ flags: "A", ack: P + 7 }); // "g" is missing: "h" waits
    s.input({ flags: "A", seq: P + 7, ack: L + 1, payload: "g" });
    s.expectOut({ flags: "A", ack: P + 9 });
    expect(s.text()).toBe("abcdefgh");
  });

  it("stores nothing with a zero bound, and still acknowledges", () => {
    const s = PacketScript.established({ maxOutOfOrderBytes: 0 });
    s.input({ flags: "A", seq: P + 4, ack: L + 1, payload: "def" });
    s.expectOut({ flags: "A", ack: P + 1 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "abc" });
    s.expectOut({ flags: "A", ack: P + 4 });
  });
});

describe("window scale in use", () => {
  it("advertises the receive window shifted, and reads the peer's shifted", () => {
    const s = PacketScript.established({ windowScale: 4, receiveWindow: 1 << 20 }, { windowScale: 2, window: 65535 });
    expect(s.conn.windowScales).toEqual({ send: 2, receive: 4 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "x" });
    s.expectOut({ ack: P + 2, window: 65535 }); // (1 MiB - 1) >> 4 would be 65535.9: capped
    s.conn.write(Buffer.alloc(100));
    s.drain();
    s.input({ flags: "A", seq: P + 2, ack: L + 101, window: 10 });
    // 10 << 2 = 40 bytes of window now: a 30-byte write fits, a further 20 do not.
    s.conn.write(Buffer.alloc(30, 1));
    s.expectOut({ len: 30 });
  });
});
