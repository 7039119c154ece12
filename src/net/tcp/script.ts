// Test support: a fake clock and a tiny packet-script DSL for TcpConnection, so a
// test reads like a trace: input({ flags: "SA", seq, ack }), expectOut({ flags: "A",
// ack }), advance(200). Flags are letters as tcpdump prints them (S A F R P).
// Mismatches throw with both segments printed; no timers or sleeps are involved.
import { TCP_FLAGS, type TcpOptions, type TcpSegment } from "../wire/tcp.js";
import { TcpConnection } from "./connection.js";
import { DEFAULT_TCP_CONFIG, type Clock, type OutSegment, type TcpConfig, type TcpEvents, type TcpState } from "./types.js";

export class FakeClock implements Clock {
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
}

const LETTERS: ReadonlyArray<readonly [string, number]> = [
  ["S", TCP_FLAGS.SYN],
  ["A", TCP_FLAGS.ACK],
  ["F", TCP_FLAGS.FIN],
  ["R", TCP_FLAGS.RST],
  ["P", TCP_FLAGS.PSH],
  ["U", TCP_FLAGS.URG],
];

export function flagsOf(text: string): number {
  let f = 0;
  for (const ch of text.toUpperCase()) {
    const hit = LETTERS.find(([l]) => l === ch);
    if (!hit) throw new Error(`unknown flag letter ${ch}`);
    f |= hit[1];
  }
  return f;
}

export function flagText(flags: number): string {
  return LETTERS.filter(([, b]) => flags & b)
    .map(([l]) => l)
    .join("");
}

export interface InSpec {
  flags: string;
  seq: number;
  ack?: number;
  window?: number;
  payload?: string | Buffer;
  options?: TcpOptions;
}

export interface OutSpec {
  /** Exact flags; PSH is only compared when the spec names it. */
  flags?: string;
  seq?: number;
  ack?: number;
  window?: number;
  len?: number;
  payload?: string;
  options?: TcpOptions;
}

export function segment(spec: InSpec): TcpSegment {
  const payload = typeof spec.payload === "string" ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  return {
    srcPort: 2000,
    dstPort: 21,
    seq: spec.seq >>> 0,
    ack: (spec.ack ?? 0) >>> 0,
    flags: flagsOf(spec.flags),
    window: spec.window ?? 65535,
    urgent: 0,
    options: spec.options ?? {},
    payload,
  };
}

export function describeSegment(seg: OutSegment | TcpSegment): string {
  const opts = Object.keys(seg.options).length > 0 ? ` ${JSON.stringify(seg.options)}` : "";
  return `[${flagText(seg.flags)}] seq=${seg.seq} ack=${seg.ack} win=${seg.window} len=${seg.payload.length}${opts}`;
}

/** Our ISN and the peer's in scripts unless a test picks others. */
export const LOCAL_ISN = 1000;
export const PEER_ISN = 5000;
/** Timer steps an advance() may take (a guard, far above any script). */
const MAX_TICKS = 100_000;

export class PacketScript {
  readonly clock = new FakeClock();
  readonly out: OutSegment[] = [];
  /** Events in order: "established", "data:<text>", "remote-close", "writable", "fin-acked", "closed:<reason>". */
  readonly log: string[] = [];
  readonly received: Buffer[] = [];
  readonly config: TcpConfig;
  /** Call consumed() from onData (an application that reads at once). */
  autoConsume = true;
  conn!: TcpConnection;

  private constructor(config: Partial<TcpConfig>) {
    this.config = { ...DEFAULT_TCP_CONFIG, delayedAckMs: 0, windowScale: 0, receiveWindow: 8192, sack: false, ...config };
  }

  static connect(config: Partial<TcpConfig> = {}, isn = LOCAL_ISN): PacketScript {
    const s = new PacketScript(config);
    s.conn = TcpConnection.connect(s.config, s.clock, s.handlers(), isn);
    return s;
  }

  static accept(syn: Partial<InSpec> = {}, config: Partial<TcpConfig> = {}, isn = LOCAL_ISN): PacketScript {
    const s = new PacketScript(config);
    s.conn = TcpConnection.accept(s.config, s.clock, s.handlers(), segment({ flags: "S", seq: PEER_ISN, ...syn }), isn);
    return s;
  }

  /**
   * Active open completed against a peer with ISN PEER_ISN: SYN out, SYN-ACK in, ACK out.
   * Data then starts at LOCAL_ISN + 1 (ours) and PEER_ISN + 1 (theirs).
   */
  static established(
    config: Partial<TcpConfig> = {},
    peer: { window?: number; mss?: number; windowScale?: number; sack?: boolean } = {},
  ): PacketScript {
    const s = PacketScript.connect(config);
    s.expectOut({ flags: "S", seq: LOCAL_ISN });
    const options: { mss?: number; windowScale?: number; sackPermitted?: boolean } = { mss: peer.mss ?? 1460 };
    if (peer.windowScale !== undefined) options.windowScale = peer.windowScale;
    if (peer.sack === true) options.sackPermitted = true;
    s.input({ flags: "SA", seq: PEER_ISN, ack: LOCAL_ISN + 1, window: peer.window ?? 65535, options });
    s.expectOut({ flags: "A", seq: LOCAL_ISN + 1, ack: PEER_ISN + 1 });
    s.log.length = 0;
    return s;
  }

  get state(): TcpState {
    return this.conn.state;
  }

  input(spec: InSpec): void {
    this.conn.handle(segment(spec));
  }

  /** Take the next segment we sent and check the fields the spec names. */
  expectOut(spec: OutSpec): OutSegment {
    const seg = this.out.shift();
    if (!seg) throw new Error(`expected a segment ${JSON.stringify(spec)}, none was sent`);
    const problems: string[] = [];
    if (spec.flags !== undefined) {
      const want = flagsOf(spec.flags);
      const mask = spec.flags.toUpperCase().includes("P") ? 0xff : 0xff & ~TCP_FLAGS.PSH;
      if ((seg.flags & mask) !== want) problems.push(`flags ${flagText(seg.flags)} != ${spec.flags}`);
    }
    if (spec.seq !== undefined && seg.seq !== spec.seq >>> 0) problems.push(`seq ${seg.seq} != ${spec.seq}`);
    if (spec.ack !== undefined && seg.ack !== spec.ack >>> 0) problems.push(`ack ${seg.ack} != ${spec.ack}`);
    if (spec.window !== undefined && seg.window !== spec.window) problems.push(`window ${seg.window} != ${spec.window}`);
    if (spec.len !== undefined && seg.payload.length !== spec.len) problems.push(`len ${seg.payload.length} != ${spec.len}`);
    if (spec.payload !== undefined && seg.payload.toString() !== spec.payload) {
      problems.push(`payload ${JSON.stringify(seg.payload.toString())} != ${JSON.stringify(spec.payload)}`);
    }
    if (spec.options !== undefined && JSON.stringify(seg.options) !== JSON.stringify(spec.options)) {
      problems.push(`options ${JSON.stringify(seg.options)} != ${JSON.stringify(spec.options)}`);
    }
    if (problems.length > 0) throw new Error(`segment ${describeSegment(seg)}: ${problems.join(", ")}`);
    return seg;
  }

  expectNoOut(): void {
    if (this.out.length > 0) throw new Error(`expected no segment, got ${this.out.map(describeSegment).join(" | ")}`);
  }

  /** Drop whatever was sent so far; returns it. */
  drain(): OutSegment[] {
    return this.out.splice(0);
  }

  /** Move the clock forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.clock.t + ms;
    for (let i = 0; i < MAX_TICKS; i++) {
      const d = this.conn.nextDeadline();
      if (d === undefined || d > target) break;
      this.clock.t = Math.max(this.clock.t, d);
      this.conn.tick();
    }
    this.clock.t = target;
  }

  /** Everything delivered to the application so far, as text. */
  text(): string {
    return Buffer.concat(this.received).toString();
  }

  takeLog(): string[] {
    return this.log.splice(0);
  }

  private handlers(): TcpEvents {
    return {
      onSegment: (seg: OutSegment) => {
        this.out.push({ ...seg, payload: Buffer.from(seg.payload) }); // the view is only valid now
      },
      onData: (data: Buffer) => {
        this.received.push(Buffer.from(data));
        this.log.push(`data:${data.toString()}`);
        if (this.autoConsume) this.conn.consumed(data.length);
      },
      onEstablished: () => this.log.push("established"),
      onRemoteClose: () => this.log.push("remote-close"),
      onWritable: () => this.log.push("writable"),
      onFinAcked: () => this.log.push("fin-acked"),
      onClosed: (reason) => this.log.push(`closed:${reason}`),
    };
  }
}
