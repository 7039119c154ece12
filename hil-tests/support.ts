// Small helpers the hil suite shares: profiles read at registration, a raw FTP control connection
// over any Network (for the session-limit test, where a client must wait for its greeting without
// timing out), and pcap segment decoding. Hashing, test data (its own and the agent's MKFILE
// content) and moving Buffers through FtpClient come from src/testing/test-data.ts.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BOARDS_DIR, parseProfileText, type BoardProfile } from "../src/board/index.js";
import { ReplyParser, type Reply } from "../src/ftp/protocol/index.js";
import type { PcapFile } from "../src/link/index.js";
import { IP_PROTO, parseIpPacket, parseTcp } from "../src/net/wire/index.js";
import type { Connection, Network } from "../src/network.js";

// Re-exported so the suite takes all its helpers from here; the src tests use the same copy.
export { agentContent, downloadBuffer, sha256, testData, uploadBuffer } from "../src/testing/test-data.js";

/** The profile, read synchronously so the suite can shape its tests (IPv6 or not) at registration. */
export function profileSync(nameOrFile: string): BoardProfile {
  const path = nameOrFile.endsWith(".json") ? nameOrFile : fileURLToPath(new URL(`${nameOrFile}.json`, BOARDS_DIR));
  return parseProfileText(readFileSync(path, "utf8"), path);
}

/** A control connection that sends exact lines and hands out replies in order, each wait bounded. */
export class RawFtp {
  private readonly parser = new ReplyParser();
  private readonly replies: Reply[] = [];
  private wake: (() => void) | undefined;
  private ended: Error | undefined;
  /** Bytes received so far (to prove nothing came). */
  received = 0;

  private constructor(readonly connection: Connection) {
    const s = connection.stream;
    s.on("data", (chunk: Buffer) => {
      this.received += chunk.length;
      this.replies.push(...this.parser.push(chunk));
      this.wake?.();
    });
    const end = (why: string) => () => {
      this.ended ??= new Error(why);
      this.wake?.();
    };
    s.on("end", end("control connection closed by the board"));
    s.on("close", end("control connection closed"));
    s.on("error", (e: Error) => end(`control connection failed: ${e.message}`)());
  }

  static async connect(network: Network, host: string, port: number, timeoutMs: number): Promise<RawFtp> {
    return new RawFtp(await network.connect({ host, port, timeoutMs, messages: true }));
  }

  async next(timeoutMs: number): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    // Each round waits for one 'data'/'close' event or the deadline.
    for (let i = 0; i < 10_000; i++) {
      const r = this.replies.shift();
      if (r) return r;
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
    throw new Error(`no reply within ${timeoutMs} ms`);
  }

  /** One command in one write (the tunnel keeps it in one segment). */
  async cmd(line: string, timeoutMs: number): Promise<Reply> {
    this.connection.stream.write(`${line}\r\n`);
    return this.next(timeoutMs);
  }

  close(): void {
    this.connection.stream.destroy();
  }
}

export interface CapturedSegment {
  readonly family: 4 | 6;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly flags: number;
  readonly seq: number;
  /** The MSS option (SYN segments). */
  readonly mss: number | undefined;
  readonly payload: Buffer;
  /** The IP datagram's length. */
  readonly length: number;
}

/** TCP segments of a capture from `src` (an address text as the stack prints it) ; other packets skipped. */
export function tcpSegments(pcap: PcapFile, from: (srcText: string) => boolean): CapturedSegment[] {
  const out: CapturedSegment[] = [];
  for (const r of pcap.records) {
    const ip = parseIpPacket(r.data);
    if (!ip.ok || ip.value.protocol !== IP_PROTO.TCP) continue;
    if (!from(addressText(ip.value.src))) continue;
    const tcp = parseTcp(ip.value.payload, ip.value.src, ip.value.dst);
    if (!tcp.ok) continue;
    const t = tcp.value;
    out.push({ family: ip.value.family, srcPort: t.srcPort, dstPort: t.dstPort, flags: t.flags, seq: t.seq, mss: t.options.mss, payload: Buffer.from(t.payload), length: r.data.length });
  }
  return out;
}

function addressText(b: Buffer): string {
  if (b.length === 4) return [...b].join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(":");
}

/** "2001:db8::1" in the uncompressed lower-case form addressText gives. */
export function expandV6(text: string): string {
  const [head = "", tail = ""] = text.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === "" ? [] : tail.split(":");
  const fill = text.includes("::") ? Array(8 - h.length - t.length).fill("0") : [];
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16).toString(16)).join(":");
}
