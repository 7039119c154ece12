import { describe, expect, it } from "vitest";
import { LOCAL_ISN as L, PEER_ISN as P, PacketScript } from "./script.js";
import type { TcpConfig, TcpState } from "./types.js";

/** A script brought to `state` by the usual path; nothing left in `out` or the log. */
function reach(state: TcpState, config: Partial<TcpConfig> = {}): PacketScript {
  let s: PacketScript;
  switch (state) {
    case "SYN-SENT":
      s = PacketScript.connect(config);
      break;
    case "SYN-RECEIVED":
      s = PacketScript.accept({}, config);
      break;
    case "ESTABLISHED":
      s = PacketScript.established(config);
      break;
    case "FIN-WAIT-1":
      s = reach("ESTABLISHED", config);
      s.conn.close();
      s.expectOut({ flags: "FA", seq: L + 1, ack: P + 1 });
      break;
    case "FIN-WAIT-2":
      s = reach("FIN-WAIT-1", config);
      s.input({ flags: "A", seq: P + 1, ack: L + 2 });
      break;
    case "CLOSE-WAIT":
      s = reach("ESTABLISHED", config);
      s.input({ flags: "FA", seq: P + 1, ack: L + 1 });
      s.expectOut({ flags: "A", ack: P + 2 });
      break;
    case "CLOSING":
      s = reach("FIN-WAIT-1", config);
      s.input({ flags: "FA", seq: P + 1, ack: L + 1 });
      s.expectOut({ flags: "A", seq: L + 2, ack: P + 2 });
      break;
    case "LAST-ACK":
      s = reach("CLOSE-WAIT", config);
      s.conn.close();
      s.expectOut({ flags: "FA", seq: L + 1, ack: P + 2 });
      break;
    case "TIME-WAIT":
      s = reach("FIN-WAIT-2", config);
      s.input({ flags: "FA", seq: P + 1, ack: L + 2 });
      s.expectOut({ flags: "A", seq: L + 2, ack: P + 2 });
      break;
    default:
      throw new Error(`cannot reach ${state}`);
  }
  expect(s.state).toBe(state);
  s.drain();
  s.takeLog();
  return s;
}

/** Our next sequence number and the peer's, per state (as reach() leaves them). */
function numbers(state: TcpState): { ours: number; theirs: number } {
  const finSent = ["FIN-WAIT-1", "FIN-WAIT-2", "CLOSING", "LAST-ACK", "TIME-WAIT"].includes(state);
  const finReceived = ["CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"].includes(state);
  return { ours: L + 1 + (finSent ? 1 : 0), theirs: P + 1 + (finReceived ? 1 : 0) };
}

const SYNCHRONIZED: TcpState[] = ["SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"];

describe("active close", () => {
  it("FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> CLOSED", () => {
    const s = reach("ESTABLISHED", { timeWaitMs: 500 });
    s.conn.close();
    expect(s.state).toBe("FIN-WAIT-1");
    s.expectOut({ flags: "FA", seq: L + 1, ack: P + 1 });
    s.input({ flags: "A", seq: P + 1, ack: L + 2 });
    expect(s.state).toBe("FIN-WAIT-2");
    expect(s.takeLog()).toEqual(["fin-acked"]);
    s.expectNoOut();
    s.input({ flags: "PA", seq: P + 1, ack: L + 2, payload: "late" });
    expect(s.text()).toBe("late"); // half-closed: the peer may still send
    s.expectOut({ flags: "A", ack: P + 5 });
    s.input({ flags: "FA", seq: P + 5, ack: L + 2 });
    expect(s.state).toBe("TIME-WAIT");
    s.expectOut({ flags: "A", seq: L + 2, ack: P + 6 });
    s.advance(499);
    expect(s.state).toBe("TIME-WAIT");
    s.advance(1);
    expect(s.state).toBe("CLOSED");
    expect(s.takeLog()).toEqual(["data:late", "remote-close", "closed:normal"]);
    s.expectNoOut();
  });

  it("sends queued data before the FIN, and the FIN on the last data segment", () => {
    const s = reach("ESTABLISHED", { nagle: false });
    s.conn.write(Buffer.from("bye"));
    s.expectOut({ flags: "PA", seq: L + 1, payload: "bye" });
    s.conn.write(Buffer.from("more"));
    s.conn.close();
    s.expectOut({ flags: "PA", seq: L + 4, payload: "more" }); // sent by write(), before close()
    s.expectOut({ flags: "FA", seq: L + 8, len: 0 });
    expect(s.conn.write(Buffer.from("x"))).toBe(0);
    s.input({ flags: "A", seq: P + 1, ack: L + 9 });
    expect(s.state).toBe("FIN-WAIT-2");
  });

  it("puts the FIN on the data segment Nagle held, and close() releases it", () => {
    const s = reach("ESTABLISHED", { nagle: true });
    s.conn.write(Buffer.from("a"));
    s.expectOut({ payload: "a" });
    s.conn.write(Buffer.from("bc")); // held by Nagle: "a" is unacknowledged
    s.expectNoOut();
    s.conn.close(); // nothing more will follow: waiting gains nothing (as Linux)
    s.expectOut({ flags: "FPA", seq: L + 2, payload: "bc" });
  });

  it("FIN-WAIT-1 with FIN+ACK of our FIN goes straight to TIME-WAIT", () => {
    const s = reach("FIN-WAIT-1");
    s.input({ flags: "FA", seq: P + 1, ack: L + 2 });
    expect(s.state).toBe("TIME-WAIT");
    s.expectOut({ flags: "A", seq: L + 2, ack: P + 2 });
  });

  it("retransmits a lost FIN", () => {
    const s = reach("FIN-WAIT-1", { rtoInitialMs: 300 });
    s.advance(300);
    s.expectOut({ flags: "FA", seq: L + 1 });
    expect(s.state).toBe("FIN-WAIT-1");
  });

  it("TIME-WAIT answers a retransmitted FIN and restarts its timer", () => {
    const s = reach("TIME-WAIT", { timeWaitMs: 1000 });
    s.advance(900);
    s.input({ flags: "FA", seq: P + 1, ack: L + 2 });
    s.expectOut({ flags: "A", seq: L + 2, ack: P + 2 });
    s.advance(900);
    expect(s.state).toBe("TIME-WAIT");
    s.advance(100);
    expect(s.state).toBe("CLOSED");
  });
});

describe("simultaneous close", () => {
  it("FIN-WAIT-1 -> CLOSING -> TIME-WAIT", () => {
    const s = reach("ESTABLISHED", { timeWaitMs: 100 });
    s.conn.close();
    s.expectOut({ flags: "FA", seq: L + 1, ack: P + 1 });
    s.input({ flags: "FA", seq: P + 1, ack: L + 1 });
    expect(s.state).toBe("CLOSING");
    s.expectOut({ flags: "A", seq: L + 2, ack: P + 2 });
    s.input({ flags: "A", seq: P + 2, ack: L + 2 });
    expect(s.state).toBe("TIME-WAIT");
    s.advance(100);
    expect(s.takeLog()).toEqual(["remote-close", "fin-acked", "closed:normal"]);
  });
});

describe("passive close", () => {
  it("CLOSE-WAIT -> LAST-ACK -> CLOSED", () => {
    const s = reach("ESTABLISHED");
    s.input({ flags: "FPA", seq: P + 1, ack: L + 1, payload: "x" });
    expect(s.state).toBe("CLOSE-WAIT");
    expect(s.takeLog()).toEqual(["data:x", "remote-close"]);
    s.expectOut({ flags: "A", ack: P + 3 });
    s.conn.write(Buffer.from("reply"));
    s.expectOut({ payload: "reply", ack: P + 3 });
    s.conn.close();
    expect(s.state).toBe("LAST-ACK");
    s.expectOut({ flags: "FA", seq: L + 6 });
    s.input({ flags: "A", seq: P + 3, ack: L + 7 });
    expect(s.state).toBe("CLOSED");
    expect(s.takeLog()).toEqual(["fin-acked", "closed:normal"]);
  });

  it("keeps a FIN that arrives ahead of missing data until the hole fills", () => {
    const s = reach("ESTABLISHED");
    s.input({ flags: "FA", seq: P + 4, ack: L + 1, payload: "def" });
    expect(s.state).toBe("ESTABLISHED");
    s.expectOut({ flags: "A", ack: P + 1 });
    s.input({ flags: "A", seq: P + 1, ack: L + 1, payload: "abc" });
    expect(s.state).toBe("CLOSE-WAIT");
    expect(s.text()).toBe("abcdef");
    s.expectOut({ flags: "A", ack: P + 8 });
  });
});

describe("close before the handshake completes", () => {
  it("SYN-SENT: the FIN waits for the handshake, data first", () => {
    const s = PacketScript.connect();
    s.drain();
    s.conn.write(Buffer.from("early"));
    s.conn.close();
    expect(s.state).toBe("SYN-SENT");
    s.expectNoOut();
    s.input({ flags: "SA", seq: P, ack: L + 1, options: { mss: 1460 } });
    expect(s.state).toBe("FIN-WAIT-1");
    s.expectOut({ flags: "FPA", seq: L + 1, ack: P + 1, payload: "early" });
  });

  it("SYN-RECEIVED: the FIN goes once the ACK arrives", () => {
    const s = reach("SYN-RECEIVED");
    s.conn.close();
    s.expectNoOut();
    s.input({ flags: "A", seq: P + 1, ack: L + 1 });
    expect(s.state).toBe("FIN-WAIT-1");
    s.expectOut({ flags: "FA", seq: L + 1 });
  });
});

describe("RST in every synchronized state (RFC 9293 3.10.7.4, RFC 5961 3.2)", () => {
  for (const state of SYNCHRONIZED) {
    it(`${state}: an exact RST closes, an in-window one is challenged, an outside one ignored`, () => {
      const { theirs } = numbers(state);
      const a = reach(state);
      a.input({ flags: "R", seq: theirs + 100_000 });
      a.expectNoOut();
      expect(a.state).toBe(state);
      a.input({ flags: "R", seq: theirs + 1 });
      a.expectOut({ flags: "A", ack: theirs });
      expect(a.state).toBe(state);
      expect(a.conn.stats.challengeAcks).toBe(1);
      a.input({ flags: "R", seq: theirs });
      expect(a.state).toBe("CLOSED");
      expect(a.takeLog()).toEqual([state === "TIME-WAIT" ? "closed:normal" : "closed:reset"]);
      a.expectNoOut();
    });
  }
});

describe("SYN in every synchronized state (RFC 5961 4.2)", () => {
  for (const state of SYNCHRONIZED.filter((s) => s !== "SYN-RECEIVED")) {
    it(`${state}: a SYN gets a challenge ACK and changes nothing`, () => {
      const { ours, theirs } = numbers(state);
      const a = reach(state);
      a.input({ flags: "S", seq: theirs + 10 });
      a.expectOut({ flags: "A", seq: ours, ack: theirs });
      expect(a.state).toBe(state);
      a.input({ flags: "S", seq: theirs - 1000 });
      a.expectOut({ flags: "A", seq: ours, ack: theirs });
      expect(a.state).toBe(state);
    });
  }
});

describe("FIN in every synchronized state", () => {
  const next: Record<string, TcpState> = {
    "SYN-RECEIVED": "CLOSE-WAIT",
    ESTABLISHED: "CLOSE-WAIT",
    "FIN-WAIT-1": "CLOSING",
    "FIN-WAIT-2": "TIME-WAIT",
    "CLOSE-WAIT": "CLOSE-WAIT",
    CLOSING: "CLOSING",
    "LAST-ACK": "LAST-ACK",
    "TIME-WAIT": "TIME-WAIT",
  };
  for (const state of SYNCHRONIZED) {
    it(`${state} + FIN -> ${next[state]}`, () => {
      const { theirs } = numbers(state);
      const a = reach(state);
      const finReceived = theirs === P + 2;
      // A first FIN is in order at P+1; after one, the peer can only repeat it (an old FIN at P+1).
      a.input({ flags: "FA", seq: P + 1, ack: L + 1 });
      expect(a.state).toBe(next[state]);
      a.expectOut({ flags: "A", ack: P + 2 });
      expect(a.takeLog().includes("remote-close")).toBe(!finReceived);
    });
  }
});

describe("abort", () => {
  const sendsRst: Record<string, boolean> = {
    "SYN-SENT": false,
    "SYN-RECEIVED": true,
    ESTABLISHED: true,
    "FIN-WAIT-1": true,
    "FIN-WAIT-2": true,
    "CLOSE-WAIT": true,
    CLOSING: false,
    "LAST-ACK": false,
    "TIME-WAIT": false,
  };
  for (const state of Object.keys(sendsRst) as TcpState[]) {
    it(`${state}: ${sendsRst[state] ? "RST" : "nothing"} and closed:aborted`, () => {
      const a = reach(state);
      a.conn.abort();
      expect(a.state).toBe("CLOSED");
      if (sendsRst[state]) a.expectOut({ flags: "RA", seq: numbers(state).ours });
      a.expectNoOut();
      expect(a.takeLog()).toEqual(["closed:aborted"]);
      expect(a.conn.nextDeadline()).toBeUndefined();
      a.conn.abort();
      a.input({ flags: "A", seq: P + 1, ack: L + 1 });
      a.expectNoOut();
    });
  }
});

describe("keep-alive (RFC 9293 3.8.4)", () => {
  for (const state of SYNCHRONIZED.filter((s) => s !== "SYN-RECEIVED" && s !== "TIME-WAIT")) {
    it(`${state}: an empty ACK below SND.UNA; the peer's ACK changes nothing, its RST closes with reset`, () => {
      const { ours, theirs } = numbers(state);
      const a = reach(state);
      const una = state === "FIN-WAIT-1" || state === "CLOSING" || state === "LAST-ACK" ? ours - 1 : ours;
      a.conn.keepAlive();
      a.expectOut({ flags: "A", seq: una - 1, ack: theirs, len: 0 });
      a.expectNoOut();
      a.input({ flags: "A", seq: theirs, ack: una });
      a.expectNoOut();
      expect(a.state).toBe(state);
      a.conn.keepAlive();
      a.drain();
      // What a peer that lost the connection answers: RST with SEQ = our ACK (RFC 9293 3.10.7.1).
      a.input({ flags: "R", seq: theirs });
      expect(a.state).toBe("CLOSED");
      expect(a.takeLog()).toEqual(["closed:reset"]);
    });
  }
  it("SYN-SENT and TIME-WAIT: nothing to probe", () => {
    for (const state of ["SYN-SENT", "TIME-WAIT"] as const) {
      const a = reach(state);
      a.conn.keepAlive();
      a.expectNoOut();
    }
  });
});
