// The user-space IPv4/IPv6 interface on one point-to-point FrameLink: static addresses, the
// link MTU, demultiplexing to TCP connections and listeners, ICMP/ICMPv6 echo both ways, RST
// for closed ports, per-reason counters. Timers are armed per connection from the state
// machine's own deadline, read off an injectable clock. Frames flow in through onFrame and
// out through link.send; nothing here formats text on the packet path.
import { randomBytes } from "node:crypto";
import type { FrameLink } from "../link/frame-link.js";
import { TcpSocket, listenerResponse, type Clock, type OutSegment, type TcpConfig } from "./tcp/index.js";
import {
  IP_PROTO,
  IPV6_MIN_MTU,
  buildIcmpEchoPacket,
  buildIpTcpPacket,
  formatIp,
  ipTcpPacketLength,
  writeIpTcpHeaders,
  parseIcmpv4,
  parseIcmpv6,
  parseIp,
  parseIpPacket,
  parseTcp,
  sameIp,
  TCP_FLAGS,
  type TcpOptions,
  type TcpSegment,
} from "./wire/index.js";
import { zeroCounters, type StackCounters, type TcpTotals } from "./counters.js";

export interface AddressPair {
  /** Our (host) address. */
  readonly local: string;
  /** The board's address. */
  readonly peer: string;
}

export interface StackOptions {
  readonly ipv4?: AddressPair;
  /** Ignored (with `ipv6Disabled` set) when the MTU is below 1280 (RFC 8200). */
  readonly ipv6?: AddressPair;
  readonly mtu: number;
  /** TCP settings for IPv4; the IPv6 MSS is derived (20 bytes smaller). */
  readonly tcp: TcpConfig;
  /** TCP settings for the FTP control channel and other message traffic (Nagle off). */
  readonly clock?: Clock;
  /** Source of initial sequence numbers (RFC 6528: unpredictable). */
  readonly isn?: () => number;
  /** Most half-open (SYN-RECEIVED) connections per listener. */
  readonly backlog?: number;
}

export interface SocketEndpoints {
  readonly family: 4 | 6;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface StackListener {
  readonly port: number;
  readonly family: 4 | 6 | "both";
  close(): void;
}

interface Family {
  readonly family: 4 | 6;
  readonly local: Buffer;
  readonly peer: Buffer;
  readonly localText: string;
  readonly peerText: string;
  readonly tcp: TcpConfig;
}

interface Entry {
  readonly socket: TcpSocket;
  readonly fam: Family;
  readonly localPort: number;
  readonly remotePort: number;
  readonly remote: Buffer;
  timer: NodeJS.Timeout | undefined;
  deadline: number | undefined;
}

interface ListenerEntry {
  readonly families: ReadonlySet<4 | 6>;
  readonly onConnection: (socket: TcpSocket, endpoints: SocketEndpoints) => void;
  readonly tcp: Partial<TcpConfig> | undefined;
  halfOpen: number;
}

/** IpTcpPacketInit with writable fields, filled in per segment. */
interface SegmentInit {
  src: Buffer;
  dst: Buffer;
  readonly tcp: { srcPort: number; dstPort: number; seq: number; ack: number; flags: number; window: number; options: TcpOptions | undefined; payload: Buffer };
}

const EMPTY = Buffer.alloc(0);
const realClock: Clock = { now: () => performance.now() };
const EPHEMERAL_MIN = 49152;
const EPHEMERAL_SPAN = 65536 - EPHEMERAL_MIN;

export class StackError extends Error {
  override readonly name = "StackError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Stack {
  readonly counters: StackCounters = zeroCounters();
  readonly tcpTotals: TcpTotals = { retransmits: 0, fastRetransmits: 0, dupAcks: 0, challengeAcks: 0, zeroWindowProbes: 0, lastSrttMs: undefined };
  /** Why IPv6 is off, when it is. */
  readonly ipv6Disabled: string | undefined;
  readonly mtu: number;
  private readonly v4: Family | undefined;
  private readonly v6: Family | undefined;
  private readonly clock: Clock;
  private readonly isn: () => number;
  private readonly backlog: number;
  private readonly connections = new Map<string, Entry>();
  private readonly listeners = new Map<number, ListenerEntry>();
  private readonly pings = new Map<number, (rttMs: number) => void>();
  /** The connection the previous TCP segment went to. */
  private lastEntry: Entry | undefined;
  private nextEphemeral = EPHEMERAL_MIN + Math.floor(Math.random() * EPHEMERAL_SPAN);
  private pingId = Math.floor(Math.random() * 0xffff);
  private pingSeq = 0;
  private closed = false;
  private readonly onFrameBound = (frame: Buffer): void => this.receive(frame);
  /** Where the IP and TCP headers of a packet are built for link.sendPieces (IPv6 + 60 bytes of TCP header). */
  private readonly head = Buffer.allocUnsafeSlow(128);
  private readonly headViews: (Buffer | undefined)[] = [];
  private readonly segInit: SegmentInit = {
    src: EMPTY,
    dst: EMPTY,
    tcp: { srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, options: undefined, payload: EMPTY },
  };

  constructor(
    private readonly link: FrameLink,
    options: StackOptions,
  ) {
    this.mtu = options.mtu;
    this.clock = options.clock ?? realClock;
    this.isn = options.isn ?? (() => randomBytes(4).readUInt32BE(0));
    this.backlog = options.backlog ?? 64;
    if (!options.ipv4 && !options.ipv6) throw new StackError("EINVAL", "the stack needs an IPv4 or an IPv6 address pair");
    const v4mss = Math.min(options.tcp.mss, options.mtu - 40);
    if (v4mss < 64) throw new StackError("EINVAL", `MTU ${options.mtu} leaves no room for TCP`);
    this.v4 = options.ipv4 && family(4, options.ipv4, { ...options.tcp, mss: v4mss, maxSendMss: Math.min(options.tcp.maxSendMss, v4mss) });
    if (options.ipv6 && options.mtu < IPV6_MIN_MTU) {
      this.ipv6Disabled = `IPv6 needs an MTU of at least ${IPV6_MIN_MTU} (RFC 8200); this link has ${options.mtu}`;
    } else {
      const v6mss = Math.min(options.tcp.mss, options.mtu - 60);
      this.v6 = options.ipv6 && family(6, options.ipv6, { ...options.tcp, mss: v6mss, maxSendMss: Math.min(options.tcp.maxSendMss, v6mss) });
    }
    link.on("frame", this.onFrameBound);
  }

  /** The address pair of a family, or undefined when the stack has none for it. */
  addresses(familyOf: 4 | 6): AddressPair | undefined {
    const f = familyOf === 4 ? this.v4 : this.v6;
    return f && { local: f.localText, peer: f.peerText };
  }

  /** Which family an address text belongs to on this link (our or the board's address). */
  familyFor(address: string): 4 | 6 | undefined {
    const ip = parseIp(address);
    if (!ip) return undefined;
    if (ip.family === 4 && this.v4) return 4;
    if (ip.family === 6 && this.v6) return 6;
    return undefined;
  }

  /** Active open to the board (or whatever answers on the link at `address`). */
  connect(address: string, port: number, options: { localPort?: number; tcp?: Partial<TcpConfig> } = {}): TcpSocket {
    const ip = parseIp(address);
    const fam = ip && (ip.family === 4 ? this.v4 : this.v6);
    if (!ip || !fam) throw new StackError("EADDRNOTAVAIL", `no route to ${address} on this link`);
    if (this.closed) throw new StackError("ENOTCONN", "the stack is closed");
    const localPort = options.localPort ?? this.ephemeralPort(fam, ip.bytes, port);
    const key = connKey(fam.family, localPort, ip.bytes, port);
    if (this.connections.has(key)) throw new StackError("EADDRINUSE", `port ${localPort} to ${address}:${port} is in use`);
    const entry = this.register(key, fam, localPort, port, ip.bytes, (opts) =>
      TcpSocket.connect({ ...fam.tcp, ...options.tcp }, this.clock, this.isn(), opts),
    );
    return entry.socket;
  }

  /** Accept connections on `port` for IPv4, IPv6 or both. */
  listen(
    port: number,
    onConnection: (socket: TcpSocket, endpoints: SocketEndpoints) => void,
    options: { family?: 4 | 6 | "both"; tcp?: Partial<TcpConfig> } = {},
  ): StackListener {
    if (port === 0) port = this.freeListenPort();
    if (this.listeners.has(port)) throw new StackError("EADDRINUSE", `port ${port} is already listening`);
    const want = options.family ?? "both";
    const families = new Set<4 | 6>();
    if ((want === 4 || want === "both") && this.v4) families.add(4);
    if ((want === 6 || want === "both") && this.v6) families.add(6);
    if (families.size === 0) throw new StackError("EADDRNOTAVAIL", `no ${want === "both" ? "" : `IPv${want} `}address on this link`);
    const entry: ListenerEntry = { families, onConnection, tcp: options.tcp, halfOpen: 0 };
    this.listeners.set(port, entry);
    return {
      port,
      family: want,
      close: () => {
        if (this.listeners.get(port) === entry) this.listeners.delete(port);
      },
    };
  }

  /** ICMP/ICMPv6 echo to `address`; resolves with the round-trip time in ms. */
  ping(address: string, options: { timeoutMs?: number; size?: number } = {}): Promise<number> {
    const ip = parseIp(address);
    const fam = ip && (ip.family === 4 ? this.v4 : this.v6);
    if (!ip || !fam) return Promise.reject(new StackError("EADDRNOTAVAIL", `no route to ${address} on this link`));
    const seq = (this.pingSeq = (this.pingSeq + 1) & 0xffff);
    const data = Buffer.alloc(options.size ?? 56, 0x61);
    const started = this.clock.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(seq);
        reject(new StackError("ETIMEDOUT", `no echo reply from ${address} within ${options.timeoutMs ?? 2000} ms`));
      }, options.timeoutMs ?? 2000);
      this.pings.set(seq, (t) => {
        clearTimeout(timer);
        resolve(t - started);
      });
      this.transmit(buildIcmpEchoPacket({ src: fam.local, dst: ip.bytes, echo: { kind: "echo-request", id: this.pingId, seq, data } }));
    });
  }

  /** Every connection aborted (RST), listeners dropped; the link itself stays the caller's. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link.off("frame", this.onFrameBound);
    this.listeners.clear();
    for (const e of [...this.connections.values()]) e.socket.destroy();
    for (const e of this.connections.values()) clearTimeout(e.timer);
    this.connections.clear();
    this.lastEntry = undefined;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private receive(frame: Buffer): void {
    const c = this.counters;
    c.framesIn++;
    c.bytesIn += frame.length;
    if (frame.length > this.mtu) {
      c.oversize++;
      return;
    }
    const parsed = parseIpPacket(frame);
    if (!parsed.ok) {
      if (parsed.error === "bad-checksum") c.badChecksum++;
      else if (parsed.error === "fragment") c.fragments++;
      else c.badHeader++;
      return;
    }
    const pkt = parsed.value;
    const fam = pkt.family === 4 ? this.v4 : this.v6;
    if (!fam || !sameIp(pkt.dst, fam.local)) {
      c.notForUs++;
      return;
    }
    if (pkt.protocol === IP_PROTO.TCP) this.receiveTcp(fam, pkt.src, pkt.payload);
    else if (pkt.protocol === (pkt.family === 4 ? IP_PROTO.ICMP : IP_PROTO.ICMPV6)) this.receiveIcmp(fam, pkt.src, pkt.payload);
    else c.unsupportedProtocol++;
  }

  private receiveTcp(fam: Family, src: Buffer, payload: Buffer): void {
    const r = parseTcp(payload, src, fam.local);
    if (!r.ok) {
      if (r.error === "bad-checksum") this.counters.badChecksum++;
      else this.counters.badHeader++;
      return;
    }
    const seg = r.value;
    // Bulk traffic is one connection: check the last one that matched before building a key.
    let entry = this.lastEntry;
    if (entry === undefined || entry.fam !== fam || entry.localPort !== seg.dstPort || entry.remotePort !== seg.srcPort || !sameIp(entry.remote, src)) {
      entry = this.connections.get(connKey(fam.family, seg.dstPort, src, seg.srcPort));
      if (entry) this.lastEntry = entry;
    }
    if (entry) {
      entry.socket.connection.handle(seg);
      this.rearm(entry);
      return;
    }
    const listener = this.listeners.get(seg.dstPort);
    if (listener?.families.has(fam.family) && (seg.flags & (TCP_FLAGS.SYN | TCP_FLAGS.ACK | TCP_FLAGS.RST)) === TCP_FLAGS.SYN) {
      this.acceptSyn(fam, src, seg, listener);
      return;
    }
    this.counters.noSocket++;
    const reply = listenerResponse(seg);
    if (reply) {
      this.counters.resetsSent++;
      this.sendSegment(fam, src, seg.dstPort, seg.srcPort, reply);
    }
  }

  private acceptSyn(fam: Family, src: Buffer, syn: TcpSegment, listener: ListenerEntry): void {
    if (listener.halfOpen >= this.backlog) return; // the peer retransmits its SYN later
    const remote = Buffer.from(src);
    const key = connKey(fam.family, syn.dstPort, remote, syn.srcPort);
    listener.halfOpen++;
    let counted = true;
    const settle = (): void => {
      if (counted) listener.halfOpen--;
      counted = false;
    };
    const entry = this.register(key, fam, syn.dstPort, syn.srcPort, remote, (opts) =>
      TcpSocket.accept({ ...fam.tcp, ...listener.tcp }, this.clock, syn, this.isn(), opts),
    );
    entry.socket.once("connect", () => {
      settle();
      listener.onConnection(entry.socket, this.endpoints(entry));
    });
    entry.socket.once("close", settle);
  }

  private receiveIcmp(fam: Family, src: Buffer, payload: Buffer): void {
    const r = fam.family === 4 ? parseIcmpv4(payload) : parseIcmpv6(payload, src, fam.local);
    if (!r.ok) {
      if (r.error === "bad-checksum") this.counters.badChecksum++;
      else this.counters.badHeader++;
      return;
    }
    const m = r.value;
    if (m.kind === "echo-request") {
      this.counters.icmpEchoRequests++;
      this.transmit(buildIcmpEchoPacket({ src: fam.local, dst: src, echo: { kind: "echo-reply", id: m.id, seq: m.seq, data: m.data } }));
    } else if (m.kind === "echo-reply") {
      this.counters.icmpEchoReplies++;
      if (m.id === this.pingId) {
        const done = this.pings.get(m.seq);
        this.pings.delete(m.seq);
        done?.(this.clock.now());
      }
    }
  }

  private register(
    key: string,
    fam: Family,
    localPort: number,
    remotePort: number,
    remote: Buffer,
    make: (opts: Parameters<typeof TcpSocket.connect>[3]) => TcpSocket,
  ): Entry {
    // The socket's first segment (SYN or SYN-ACK) goes out from inside make(): the entry must
    // exist by then for its timer, so it is filled in through this holder.
    const holder: { entry?: Entry } = {};
    const socket = make({
      onSegment: (seg) => this.sendSegment(fam, remote, localPort, remotePort, seg),
      onActivity: () => {
        if (holder.entry) this.rearm(holder.entry);
      },
      onClosed: () => {
        const e = holder.entry;
        if (!e) return;
        clearTimeout(e.timer);
        e.timer = undefined;
        if (this.lastEntry === e) this.lastEntry = undefined;
        this.collect(e);
        if (this.connections.get(key) === e) this.connections.delete(key);
      },
    });
    const entry: Entry = { socket, fam, localPort, remotePort, remote, timer: undefined, deadline: undefined };
    holder.entry = entry;
    this.connections.set(key, entry);
    socket.on("error", () => undefined);
    this.rearm(entry);
    return entry;
  }

  /**
   * Keep the connection's timer at or before the state machine's next deadline. The
   * deadline moves later with nearly every ACK (the RTO restarts); a timer already set
   * earlier is left alone and re-armed when it fires, instead of a clearTimeout and a
   * setTimeout per segment. A timer is cleared at once only when nothing is due any more.
   */
  private rearm(e: Entry): void {
    const deadline = e.socket.connection.nextDeadline();
    if (deadline === undefined) {
      if (e.timer !== undefined) {
        clearTimeout(e.timer);
        e.timer = undefined;
        e.deadline = undefined;
      }
      return;
    }
    if (e.timer !== undefined && e.deadline !== undefined && e.deadline <= deadline) return;
    clearTimeout(e.timer);
    e.deadline = deadline;
    e.timer = setTimeout(() => {
      e.timer = undefined;
      e.deadline = undefined;
      e.socket.connection.tick();
      this.rearm(e);
    }, Math.max(0, deadline - this.clock.now()));
  }

  private collect(e: Entry): void {
    const s = e.socket.connection.stats;
    const t = this.tcpTotals;
    t.retransmits += s.retransmits;
    t.fastRetransmits += s.fastRetransmits;
    t.dupAcks += s.dupAcks;
    t.challengeAcks += s.challengeAcks;
    t.zeroWindowProbes += s.zeroWindowProbes;
    t.lastSrttMs = s.srttMs ?? t.lastSrttMs;
  }

  private sendSegment(fam: Family, dst: Buffer, srcPort: number, dstPort: number, seg: OutSegment): void {
    // One reused description per stack: the codecs read it before this returns.
    const init = this.segInit;
    const tcp = init.tcp;
    init.src = fam.local;
    init.dst = dst;
    tcp.srcPort = srcPort;
    tcp.dstPort = dstPort;
    tcp.seq = seg.seq;
    tcp.ack = seg.ack;
    tcp.flags = seg.flags;
    tcp.window = seg.window;
    tcp.options = seg.options;
    tcp.payload = seg.payload;
    try {
      if (this.link.sendPieces === undefined) {
        this.transmit(buildIpTcpPacket(init));
        return;
      }
      // The link encodes headers and payload straight onto the wire: no packet buffer, no payload copy.
      if (!this.admit(ipTcpPacketLength(fam.family, seg.options, seg.payload.length))) return;
      this.link.sendPieces(this.headView(writeIpTcpHeaders(this.head, 0, init)), seg.payload);
    } finally {
      tcp.payload = EMPTY; // the payload views the connection's send buffer: do not hold it
    }
  }

  /** head[0, length), one view per length kept: nearly every header is 40 or 60 bytes long. */
  private headView(length: number): Buffer {
    let view = this.headViews[length];
    if (view === undefined) this.headViews[length] = view = this.head.subarray(0, length);
    return view;
  }

  private transmit(packet: Buffer): void {
    if (this.admit(packet.length)) this.link.send(packet);
  }

  /** Whether a packet of `length` bytes may go out now (counted if so). */
  private admit(length: number): boolean {
    if (this.closed) return false;
    if (length > this.mtu) {
      // A bug above (MSS not clamped): never put a frame over the MTU on the wire.
      this.counters.oversize++;
      return false;
    }
    this.counters.framesOut++;
    this.counters.bytesOut += length;
    return true;
  }

  private endpoints(e: Entry): SocketEndpoints {
    return {
      family: e.fam.family,
      localAddress: e.fam.localText,
      localPort: e.localPort,
      remoteAddress: formatIp(e.remote),
      remotePort: e.remotePort,
    };
  }

  /** Endpoints of a socket this stack made, for the Network seam. */
  endpointsOf(socket: TcpSocket): SocketEndpoints | undefined {
    for (const e of this.connections.values()) if (e.socket === socket) return this.endpoints(e);
    return undefined;
  }

  private ephemeralPort(fam: Family, remote: Buffer, remotePort: number): number {
    for (let i = 0; i < EPHEMERAL_SPAN; i++) {
      const port = this.nextEphemeral;
      this.nextEphemeral = port === 65535 ? EPHEMERAL_MIN : port + 1;
      if (!this.listeners.has(port) && !this.connections.has(connKey(fam.family, port, remote, remotePort))) return port;
    }
    throw new StackError("EADDRNOTAVAIL", "no free local port");
  }

  private freeListenPort(): number {
    for (let i = 0; i < EPHEMERAL_SPAN; i++) {
      const port = this.nextEphemeral;
      this.nextEphemeral = port === 65535 ? EPHEMERAL_MIN : port + 1;
      if (!this.listeners.has(port)) return port;
    }
    throw new StackError("EADDRNOTAVAIL", "no free port to listen on");
  }
}

function family(f: 4 | 6, pair: AddressPair, tcp: TcpConfig): Family {
  const local = parseIp(pair.local);
  const peer = parseIp(pair.peer);
  if (!local || local.family !== f) throw new StackError("EINVAL", `not an IPv${f} address: ${pair.local}`);
  if (!peer || peer.family !== f) throw new StackError("EINVAL", `not an IPv${f} address: ${pair.peer}`);
  return { family: f, local: local.bytes, peer: peer.bytes, localText: formatIp(local.bytes), peerText: formatIp(peer.bytes), tcp };
}

/** Demultiplexing key: family, our port, the remote address bytes and port. */
function connKey(f: 4 | 6, localPort: number, remote: Buffer, remotePort: number): string {
  return `${f}|${localPort}|${remotePort}|${remote.toString("latin1")}`;
}
