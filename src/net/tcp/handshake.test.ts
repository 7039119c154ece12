import { describe, expect, it } from "vitest";
import { TCP_FLAGS } from "../wire/tcp.js";
import { listenerResponse } from "./listener.js";
import { LOCAL_ISN, PEER_ISN, PacketScript, segment } from "./script.js";

describe("active open", () => {
  it("sends SYN with our MSS, takes the SYN-ACK and answers with an ACK", () => {
    const s = PacketScript.connect({ mss: 1200, receiveWindow: 8192 });
    expect(s.state).toBe("SYN-SENT");
    s.expectOut({ flags: "S", seq: LOCAL_ISN, ack: 0, window: 8192, options: { mss: 1200 }, len: 0 });
    s.expectNoOut();
    s.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1, window: 3000, options: { mss: 1000 } });
    s.expectOut({ flags: "A", seq: LOCAL_ISN + 1, ack: PEER_ISN + 1, window: 8192 });
    expect(s.state).toBe("ESTABLISHED");
    expect(s.takeLog()).toEqual(["established"]);
    expect(s.conn.sendMss).toBe(1000);
  });

  it("ignores a SYN-ACK that acknowledges the wrong sequence number, answering it with a RST", () => {
    const s = PacketScript.connect();
    s.drain();
    s.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 5 });
    s.expectOut({ flags: "R", seq: LOCAL_ISN + 5 });
    expect(s.state).toBe("SYN-SENT");
    s.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN });
    s.expectOut({ flags: "R", seq: LOCAL_ISN });
    expect(s.state).toBe("SYN-SENT");
  });

  it("is refused by a RST with an acceptable ACK, and ignores one without", () => {
    const s = PacketScript.connect();
    s.drain();
    s.input({ flags: "R", seq: 0 });
    expect(s.state).toBe("SYN-SENT");
    s.input({ flags: "RA", seq: 0, ack: LOCAL_ISN + 7 });
    expect(s.state).toBe("SYN-SENT");
    s.expectNoOut();
    s.input({ flags: "RA", seq: 0, ack: LOCAL_ISN + 1 });
    expect(s.state).toBe("CLOSED");
    expect(s.takeLog()).toEqual(["closed:reset"]);
    s.expectNoOut();
  });

  it("drops a segment with neither SYN nor RST", () => {
    const s = PacketScript.connect();
    s.drain();
    s.input({ flags: "A", seq: PEER_ISN, ack: LOCAL_ISN + 1 });
    expect(s.state).toBe("SYN-SENT");
    s.expectNoOut();
  });

  it("retransmits the SYN with exponential backoff, then gives up", () => {
    const s = PacketScript.connect({ rtoInitialMs: 1000, rtoMaxMs: 60_000, maxRetransmits: 3 });
    s.expectOut({ flags: "S", seq: LOCAL_ISN });
    s.advance(999);
    s.expectNoOut();
    s.advance(1);
    s.expectOut({ flags: "S", seq: LOCAL_ISN });
    s.advance(1999);
    s.expectNoOut();
    s.advance(1);
    s.expectOut({ flags: "S", seq: LOCAL_ISN });
    s.advance(4000);
    s.expectOut({ flags: "S", seq: LOCAL_ISN });
    expect(s.conn.stats.retransmits).toBe(3);
    s.advance(8000);
    s.expectNoOut(); // no RST from SYN-SENT: there is no connection to reset
    expect(s.state).toBe("CLOSED");
    expect(s.takeLog()).toEqual(["closed:timeout"]);
  });

  it("takes no RTT sample from a SYN that was retransmitted (Karn), one from a SYN that was not", () => {
    const a = PacketScript.connect({ rtoInitialMs: 1000 });
    a.advance(1000);
    a.drain();
    a.advance(100);
    a.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1 });
    expect(a.conn.stats.srttMs).toBeUndefined();
    // RFC 5681 3.1: the SYN was lost, so the initial window is one segment.
    expect(a.conn.stats.cwnd).toBe(a.conn.sendMss);
    // RFC 6298 5.7: and data starts with an RTO of at least 3 s.
    expect(a.conn.stats.rtoMs).toBe(3000);

    const b = PacketScript.connect({ rtoInitialMs: 1000 });
    b.advance(120);
    b.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1, options: { mss: 1460 } });
    expect(b.conn.stats.srttMs).toBe(120);
    expect(b.conn.stats.rttvarMs).toBe(60);
    expect(b.conn.stats.cwnd).toBe(4380); // 3 x 1460 (RFC 5681 initial window)
  });
});

describe("MSS", () => {
  it("assumes 536 when the peer sends no MSS option", () => {
    const s = PacketScript.connect();
    s.drain();
    s.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1, options: {} });
    expect(s.conn.sendMss).toBe(536);
  });

  it("never sends more than maxSendMss, whatever the peer allows", () => {
    const s = PacketScript.established({ maxSendMss: 296, nagle: false }, { mss: 1460 });
    expect(s.conn.sendMss).toBe(296);
    s.conn.write(Buffer.alloc(700, 1));
    s.expectOut({ len: 296 });
    s.expectOut({ len: 296 });
    s.expectOut({ len: 108 });
  });
});

describe("window scale negotiation (RFC 7323)", () => {
  it("uses both shifts when both sides offered", () => {
    const s = PacketScript.connect({ windowScale: 2, receiveWindow: 200_000, nagle: false });
    s.expectOut({ flags: "S", options: { mss: 1460, windowScale: 2 }, window: 65535 });
    s.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1, window: 1000, options: { mss: 1460, windowScale: 3 } });
    expect(s.conn.windowScales).toEqual({ send: 3, receive: 2 });
    s.expectOut({ flags: "A", window: 50_000 });
    // The SYN-ACK's own window is never scaled: 1000 bytes, not 8000.
    s.conn.write(Buffer.alloc(3000));
    expect(s.drain().reduce((n, seg) => n + seg.payload.length, 0)).toBe(1000);
    s.input({ flags: "A", seq: PEER_ISN + 1, ack: LOCAL_ISN + 1001, window: 1000 });
    // Now scaled: 8000 bytes of window, cwnd allows the remaining 2000.
    expect(s.drain().reduce((n, seg) => n + seg.payload.length, 0)).toBe(2000);
  });

  it("scales nothing when the peer did not offer", () => {
    const s = PacketScript.connect({ windowScale: 2, receiveWindow: 100_000 });
    s.drain();
    s.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1, window: 1000, options: { mss: 1460 } });
    expect(s.conn.windowScales).toEqual({ send: 0, receive: 0 });
    s.expectOut({ flags: "A", window: 65535 });
  });

  it("offers no larger a shift than the receive window needs", () => {
    const small = PacketScript.connect({ windowScale: 14, receiveWindow: 300 });
    small.expectOut({ flags: "S", options: { mss: 1460, windowScale: 0 }, window: 300 });
    small.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1, options: { mss: 1460, windowScale: 5 } });
    expect(small.conn.windowScales).toEqual({ send: 5, receive: 0 });
    small.expectOut({ flags: "A", window: 300 });
    const big = PacketScript.connect({ windowScale: 14, receiveWindow: 1 << 20 });
    big.expectOut({ flags: "S", options: { mss: 1460, windowScale: 5 } });
  });

  it("does not offer when configured with 0, even if the peer does", () => {
    const s = PacketScript.accept({ options: { mss: 1460, windowScale: 7 } }, { windowScale: 0 });
    s.expectOut({ flags: "SA", options: { mss: 1460 } });
    expect(s.conn.windowScales).toEqual({ send: 0, receive: 0 });
  });

  it("answers a passive offer with ours and clamps a shift above 14", () => {
    const s = PacketScript.accept({ options: { mss: 1460, windowScale: 20 } }, { windowScale: 4, receiveWindow: 1 << 20 });
    s.expectOut({ flags: "SA", options: { mss: 1460, windowScale: 4 }, window: 65535 });
    expect(s.conn.windowScales).toEqual({ send: 14, receive: 4 });
  });
});

describe("passive open", () => {
  it("answers SYN with SYN-ACK and is established by the ACK", () => {
    const s = PacketScript.accept({ options: { mss: 536 }, window: 4000 });
    expect(s.state).toBe("SYN-RECEIVED");
    s.expectOut({ flags: "SA", seq: LOCAL_ISN, ack: PEER_ISN + 1, options: { mss: 1460 } });
    s.input({ flags: "A", seq: PEER_ISN + 1, ack: LOCAL_ISN + 1, window: 4000 });
    expect(s.state).toBe("ESTABLISHED");
    expect(s.takeLog()).toEqual(["established"]);
    s.expectNoOut();
    expect(s.conn.sendMss).toBe(536);
  });

  it("takes data on the handshake's final ACK", () => {
    const s = PacketScript.accept();
    s.drain();
    s.input({ flags: "PA", seq: PEER_ISN + 1, ack: LOCAL_ISN + 1, payload: "USER a\r\n" });
    expect(s.state).toBe("ESTABLISHED");
    expect(s.takeLog()).toEqual(["established", "data:USER a\r\n"]);
    s.expectOut({ flags: "A", ack: PEER_ISN + 9 });
  });

  it("sends the SYN-ACK again for a retransmitted SYN, and on its own timer", () => {
    const s = PacketScript.accept({}, { rtoInitialMs: 500 });
    s.drain();
    s.input({ flags: "S", seq: PEER_ISN });
    s.expectOut({ flags: "SA", seq: LOCAL_ISN, ack: PEER_ISN + 1 });
    s.advance(500);
    s.expectOut({ flags: "SA", seq: LOCAL_ISN, ack: PEER_ISN + 1 });
    expect(s.state).toBe("SYN-RECEIVED");
  });

  it("answers an unacceptable ACK in SYN-RECEIVED with a RST and stays", () => {
    const s = PacketScript.accept();
    s.drain();
    s.input({ flags: "A", seq: PEER_ISN + 1, ack: LOCAL_ISN + 9 });
    s.expectOut({ flags: "R", seq: LOCAL_ISN + 9 });
    expect(s.state).toBe("SYN-RECEIVED");
  });

  it("gives up after maxRetransmits SYN-ACKs with a RST", () => {
    const s = PacketScript.accept({}, { rtoInitialMs: 100, rtoMinMs: 50, maxRetransmits: 2 });
    s.drain();
    s.advance(100 + 200);
    expect(s.drain().map((x) => x.flags)).toEqual([TCP_FLAGS.SYN | TCP_FLAGS.ACK, TCP_FLAGS.SYN | TCP_FLAGS.ACK]);
    s.advance(400);
    s.expectOut({ flags: "RA" });
    expect(s.takeLog()).toEqual(["closed:timeout"]);
  });

  it("refuses to accept from anything but a lone SYN", () => {
    expect(() => PacketScript.accept({ flags: "SA" })).toThrow();
  });
});

describe("simultaneous open", () => {
  it("goes SYN-SENT -> SYN-RECEIVED -> ESTABLISHED (RFC 9293 figure 7)", () => {
    const s = PacketScript.connect();
    s.expectOut({ flags: "S", seq: LOCAL_ISN });
    s.input({ flags: "S", seq: PEER_ISN, options: { mss: 1000 } });
    expect(s.state).toBe("SYN-RECEIVED");
    s.expectOut({ flags: "SA", seq: LOCAL_ISN, ack: PEER_ISN + 1 });
    s.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1 });
    expect(s.state).toBe("ESTABLISHED");
    s.expectOut({ flags: "A", seq: LOCAL_ISN + 1, ack: PEER_ISN + 1 });
    expect(s.takeLog()).toEqual(["established"]);
    expect(s.conn.sendMss).toBe(1000);
  });

  it("also completes on a plain ACK", () => {
    const s = PacketScript.connect();
    s.drain();
    s.input({ flags: "S", seq: PEER_ISN });
    s.drain();
    s.input({ flags: "A", seq: PEER_ISN + 1, ack: LOCAL_ISN + 1 });
    expect(s.state).toBe("ESTABLISHED");
    s.expectNoOut();
  });
});

describe("listenerResponse (closed port, RFC 9293 3.10.7.1)", () => {
  it("answers a SYN with RST+ACK acknowledging it", () => {
    const r = listenerResponse(segment({ flags: "S", seq: 0xffffffff }));
    expect(r).toMatchObject({ seq: 0, ack: 0, flags: TCP_FLAGS.RST | TCP_FLAGS.ACK });
  });

  it("acknowledges data and FIN in the RST+ACK", () => {
    const r = listenerResponse(segment({ flags: "F", seq: 100, payload: "abc" }));
    expect(r).toMatchObject({ seq: 0, ack: 104, flags: TCP_FLAGS.RST | TCP_FLAGS.ACK });
  });

  it("answers an ACK with a RST at its ACK number", () => {
    const r = listenerResponse(segment({ flags: "PA", seq: 100, ack: 777, payload: "x" }));
    expect(r).toMatchObject({ seq: 777, flags: TCP_FLAGS.RST });
  });

  it("never answers a RST", () => {
    expect(listenerResponse(segment({ flags: "R", seq: 1 }))).toBeUndefined();
    expect(listenerResponse(segment({ flags: "RA", seq: 1, ack: 2 }))).toBeUndefined();
  });
});
