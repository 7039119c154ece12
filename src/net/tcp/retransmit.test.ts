import { describe, expect, it } from "vitest";
import { LOCAL_ISN as L, PEER_ISN as P, PacketScript } from "./script.js";

/** Established with a measured RTT of 0, so the RTO sits at rtoMinMs. */
function conn(config: Parameters<typeof PacketScript.established>[0] = {}, peer: Parameters<typeof PacketScript.established>[1] = {}) {
  return PacketScript.established({ nagle: false, rtoMinMs: 100, rtoInitialMs: 1000, ...config }, { mss: 1000, window: 60_000, ...peer });
}

describe("retransmission timeout (RFC 6298)", () => {
  it("retransmits the oldest segment with exponential backoff, clamped to rtoMaxMs, then gives up with a RST", () => {
    const s = conn({ rtoMaxMs: 350, maxRetransmits: 4 });
    expect(s.conn.stats.rtoMs).toBe(100);
    s.conn.write(Buffer.from("data"));
    s.expectOut({ seq: L + 1, payload: "data" });
    const times: number[] = [];
    for (let i = 0; i < 60 && s.state !== "CLOSED"; i++) {
      s.advance(50);
      for (const seg of s.drain()) {
        if (seg.payload.length > 0) {
          expect(seg.seq).toBe(L + 1);
          times.push(s.clock.t);
        } else {
          expect(seg.flags & 4).toBe(4); // the final RST
          times.push(-s.clock.t);
        }
      }
    }
    // 100, then 200, 350 (max), 350, and at the 5th expiry: give up.
    expect(times).toEqual([100, 300, 650, 1000, -1350]);
    expect(s.takeLog()).toEqual(["closed:timeout"]);
    expect(s.conn.stats.retransmits).toBe(4);
  });

  it("restarts the timer on an ACK of new data and stops it when all is acknowledged", () => {
    const s = conn();
    s.conn.write(Buffer.alloc(2000));
    s.drain();
    s.advance(60);
    s.input({ flags: "A", seq: P + 1, ack: L + 1001 });
    expect(s.conn.nextDeadline()).toBe(60 + s.conn.stats.rtoMs);
    s.input({ flags: "A", seq: P + 1, ack: L + 2001 });
    expect(s.conn.nextDeadline()).toBeUndefined();
  });

  it("measures RTT from segments sent once, and never from a retransmitted one (Karn)", () => {
    const s = conn({ rtoMinMs: 50 });
    s.conn.write(Buffer.from("a"));
    s.drain();
    s.advance(40);
    s.input({ flags: "A", seq: P + 1, ack: L + 2 });
    // First sample was 0 (handshake), second 40: RFC 6298 2.3.
    expect(s.conn.stats.srttMs).toBe(5);
    expect(s.conn.stats.rttvarMs).toBe(10);
    expect(s.conn.stats.rtoMs).toBe(50); // 5 + 4 x 10 = 45, clamped to the minimum

    s.conn.write(Buffer.from("b"));
    s.drain();
    s.advance(50);
    s.expectOut({ seq: L + 2, payload: "b" }); // retransmitted, RTO doubled
    expect(s.conn.stats.rtoMs).toBe(100);
    s.advance(30);
    s.input({ flags: "A", seq: P + 1, ack: L + 3 });
    expect(s.conn.stats.srttMs).toBe(5); // no sample
    expect(s.conn.stats.rtoMs).toBe(100); // backoff kept until a valid sample (RFC 6298 5.7)

    s.conn.write(Buffer.from("c"));
    s.drain();
    s.advance(20);
    s.input({ flags: "A", seq: P + 1, ack: L + 4 });
    expect(s.conn.stats.srttMs).toBeCloseTo(0.875 * 5 + 0.125 * 20);
    expect(s.conn.stats.rtoMs).toBe(6.875 + 4 * 11.25);
  });

  it("after a timeout: cwnd one segment, go-back-N keeping segment boundaries, slow start again", () => {
    const s = conn();
    s.conn.write(Buffer.alloc(4000, 7));
    expect(s.drain().map((x) => x.seq - L)).toEqual([1, 1001, 2001, 3001]); // IW = 4 x 1000
    s.advance(100);
    s.expectOut({ seq: L + 1, len: 1000 });
    s.expectNoOut();
    expect(s.conn.stats.cwnd).toBe(1000);
    expect(s.conn.stats.ssthresh).toBe(2000);
    // A pure ACK now carries SND.MAX, not the rewound SND.NXT: the peer may hold all of it,
    // and would drop an older sequence number unread (the two sides would stall).
    s.input({ flags: "PA", seq: P + 1, ack: L + 1, payload: "q" });
    s.expectOut({ flags: "A", seq: L + 4001, ack: P + 2, len: 0 });
    s.input({ flags: "A", seq: P + 2, ack: L + 1001 });
    expect(s.drain().map((x) => [x.seq - L, x.payload.length])).toEqual([
      [1001, 1000],
      [2001, 1000],
    ]);
    // The peer had the rest: one ACK covers everything.
    s.input({ flags: "A", seq: P + 2, ack: L + 4001 });
    s.expectNoOut();
    expect(s.conn.nextDeadline()).toBeUndefined();
  });
});

describe("fast retransmit and NewReno recovery (RFC 5681, RFC 6582)", () => {
  it("retransmits on the third duplicate ACK, inflates, deflates on the full ACK", () => {
    const s = conn({}, { window: 60_000 });
    s.conn.write(Buffer.alloc(8000, 1));
    expect(s.drain().length).toBe(4); // IW 4000
    // Segment 1 lost; 2, 3, 4 arrive: three duplicate ACKs.
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 60_000 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 60_000 });
    s.expectNoOut();
    expect(s.conn.stats.dupAcks).toBe(2);
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 60_000 });
    s.expectOut({ seq: L + 1, len: 1000 });
    expect(s.conn.stats.fastRetransmits).toBe(1);
    expect(s.conn.stats.ssthresh).toBe(2000);
    expect(s.conn.stats.cwnd).toBe(5000); // ssthresh + 3 SMSS: one new segment fits
    s.expectOut({ seq: L + 4001, len: 1000 });
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 60_000 }); // 4th dup: inflate
    expect(s.conn.stats.cwnd).toBe(6000);
    s.expectOut({ seq: L + 5001 });
    s.input({ flags: "A", seq: P + 1, ack: L + 5001, window: 60_000 }); // full ACK (recover = 5001)
    expect(s.conn.stats.cwnd).toBe(2000); // min(ssthresh, flight + SMSS)
    expect(s.drain().map((x) => x.seq - L)).toEqual([6001]);
  });

  it("resends the next hole at once on a partial ACK", () => {
    const s = conn({}, { window: 60_000 });
    s.conn.write(Buffer.alloc(4000, 1));
    s.drain();
    for (let i = 0; i < 3; i++) s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 60_000 });
    s.expectOut({ seq: L + 1 });
    s.input({ flags: "A", seq: P + 1, ack: L + 2001, window: 60_000 }); // 3001.. also lost
    s.expectOut({ seq: L + 2001, len: 1000 });
    expect(s.conn.stats.cwnd).toBe(5000 - 2000 + 1000);
  });

  it("does not count as duplicate an ACK that carries data, a window change, or nothing outstanding", () => {
    const s = conn({}, { window: 60_000 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 60_000 });
    expect(s.conn.stats.dupAcks).toBe(0); // nothing outstanding
    s.conn.write(Buffer.alloc(1000));
    s.drain();
    s.input({ flags: "PA", seq: P + 1, ack: L + 1, window: 60_000, payload: "x" });
    s.input({ flags: "A", seq: P + 2, ack: L + 1, window: 50_000 });
    expect(s.conn.stats.dupAcks).toBe(0);
  });
});

describe("zero window and persist probes", () => {
  it("probes with one octet after the RTO, backs off, and resumes from the probe's octet when the window opens", () => {
    const s = conn({ rtoMinMs: 100 });
    s.conn.write(Buffer.from("abc"));
    s.expectOut({ payload: "abc" });
    s.input({ flags: "A", seq: P + 1, ack: L + 4, window: 0 });
    s.conn.write(Buffer.from("defgh"));
    s.expectNoOut();
    s.advance(100);
    s.expectOut({ seq: L + 4, payload: "d" });
    s.input({ flags: "A", seq: P + 1, ack: L + 4, window: 0 });
    s.advance(199);
    s.expectNoOut();
    s.advance(1);
    s.expectOut({ seq: L + 4, payload: "d" });
    s.input({ flags: "A", seq: P + 1, ack: L + 4, window: 0 });
    s.advance(400);
    s.expectOut({ seq: L + 4, payload: "d" });
    expect(s.conn.stats.zeroWindowProbes).toBe(3);
    s.input({ flags: "A", seq: P + 1, ack: L + 4, window: 1000 });
    s.expectOut({ seq: L + 4, payload: "defgh" });
    s.input({ flags: "A", seq: P + 1, ack: L + 9, window: 1000 });
    expect(s.conn.nextDeadline()).toBeUndefined();
    expect(s.conn.stats.cwnd).toBeGreaterThanOrEqual(4000); // probes are not congestion
  });

  it("moves on when the probe's octet is taken", () => {
    const s = conn();
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 0 });
    s.conn.write(Buffer.from("xy"));
    s.advance(100);
    s.expectOut({ seq: L + 1, payload: "x" });
    s.input({ flags: "A", seq: P + 1, ack: L + 2, window: 0 });
    s.advance(200); // the persist interval stays backed off
    s.expectOut({ seq: L + 2, payload: "y" });
  });

  it("keeps probing while the peer answers, past maxRetransmits", () => {
    const s = conn({ maxRetransmits: 2, rtoMaxMs: 400 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 0 });
    s.conn.write(Buffer.from("z"));
    for (let i = 0; i < 8; i++) {
      s.advance(400);
      s.expectOut({ payload: "z" });
      s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 0 });
    }
    expect(s.state).toBe("ESTABLISHED");
  });

  it("gives up when probes go unanswered", () => {
    const s = conn({ maxRetransmits: 2, rtoMaxMs: 400 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 0 });
    s.conn.write(Buffer.from("z"));
    s.advance(10_000);
    expect(s.state).toBe("CLOSED");
    expect(s.takeLog()).toEqual(["closed:timeout"]);
  });

  it("with message boundaries, probes with an empty segment below SND.UNA: no octet of a message goes alone", () => {
    const s = conn({ rtoMinMs: 100, messageBoundaries: true });
    s.conn.write(Buffer.from("abc"));
    s.expectOut({ payload: "abc" });
    s.input({ flags: "A", seq: P + 1, ack: L + 4, window: 0 });
    s.conn.write(Buffer.from("USER hil\r\n"));
    s.expectNoOut();
    s.advance(100);
    s.expectOut({ flags: "A", seq: L + 3, ack: P + 1, len: 0 });
    s.input({ flags: "A", seq: P + 1, ack: L + 4, window: 0 });
    s.advance(199);
    s.expectNoOut();
    s.advance(1);
    s.expectOut({ flags: "A", seq: L + 3, len: 0 }); // backed off: 200 ms
    expect(s.conn.stats.zeroWindowProbes).toBe(2);
    s.input({ flags: "A", seq: P + 1, ack: L + 4, window: 1000 });
    s.expectOut({ seq: L + 4, payload: "USER hil\r\n" }); // the whole message, in one segment
  });

  it("with message boundaries, gives up when the empty probes go unanswered", () => {
    const s = conn({ maxRetransmits: 2, rtoMaxMs: 400, messageBoundaries: true });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 0 });
    s.conn.write(Buffer.from("z"));
    s.advance(10_000);
    expect(s.out.every((x) => x.payload.length === 0)).toBe(true);
    expect(s.state).toBe("CLOSED");
    expect(s.takeLog()).toEqual(["closed:timeout"]);
  });

  it("probes with the FIN when only the FIN is left", () => {
    const s = conn();
    s.input({ flags: "A", seq: P + 1, ack: L + 1, window: 0 });
    s.conn.close();
    s.expectNoOut();
    s.advance(100);
    s.expectOut({ flags: "FA", seq: L + 1 });
    s.input({ flags: "A", seq: P + 1, ack: L + 2, window: 0 });
    expect(s.state).toBe("FIN-WAIT-2");
  });
});

describe("device limit: maxSegmentsInFlight", () => {
  it("never has more unacknowledged segments than the board's pool holds", () => {
    const s = conn({ maxSegmentsInFlight: 2 }, { window: 60_000 });
    s.conn.write(Buffer.alloc(10_000));
    expect(s.drain().map((x) => x.seq - L)).toEqual([1, 1001]);
    s.input({ flags: "A", seq: P + 1, ack: L + 1001 });
    expect(s.drain().map((x) => x.seq - L)).toEqual([2001]);
    s.input({ flags: "A", seq: P + 1, ack: L + 501 + 1000 }); // partial: still two in flight
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 1, ack: L + 3001 });
    expect(s.drain().map((x) => x.seq - L)).toEqual([3001, 4001]);
  });

  it("counts a retransmission as the same segment, not a new one", () => {
    const s = conn({ maxSegmentsInFlight: 3 }, { window: 60_000 });
    s.conn.write(Buffer.alloc(10_000));
    expect(s.drain().length).toBe(3);
    s.advance(100);
    expect(s.drain().map((x) => x.seq - L)).toEqual([1]);
    s.input({ flags: "A", seq: P + 1, ack: L + 1001 });
    expect(s.drain().map((x) => x.seq - L)).toEqual([1001, 2001]); // resent; still 2 + nothing new: cwnd 2000
  });
});

describe("RFC 5961 ACK checks", () => {
  it("answers an ACK of data never sent with an ACK, and drops the segment", () => {
    const s = conn();
    s.input({ flags: "PA", seq: P + 1, ack: L + 50, payload: "evil" });
    s.expectOut({ flags: "A", seq: L + 1, ack: P + 1 });
    expect(s.text()).toBe("");
    expect(s.conn.stats.challengeAcks).toBe(1);
  });

  it("challenges an ACK older than the largest window the peer offered", () => {
    const s = conn({}, { window: 1000 });
    for (let i = 1; i <= 3; i++) {
      s.conn.write(Buffer.alloc(1000));
      s.drain();
      s.input({ flags: "A", seq: P + 1, ack: L + 1 + 1000 * i, window: 1000 });
    }
    s.input({ flags: "PA", seq: P + 1, ack: L + 2500, window: 1000, payload: "ok" }); // old but within MAX.SND.WND
    expect(s.text()).toBe("ok");
    s.drain();
    s.input({ flags: "PA", seq: P + 3, ack: L + 1, window: 1000, payload: "no" }); // 3000 back: too old
    s.expectOut({ flags: "A", ack: P + 3 });
    expect(s.text()).toBe("ok");
  });
});
