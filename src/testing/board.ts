// The test fixture (later `hilftp/testing`): a ready board from a profile name or the environment
// (HIL_BOARD, HIL_LINK, HIL_PCAP), as pytest-embedded's `dut` gives one: the target started if the
// profile's link is one we run ourselves, the SLIP tunnel up with the profile's limits, the board
// answering ping, FTP clients logged in on demand, the test agent connected and its HELLO checked
// against the profile, and a pcap of the whole session that is kept when a test failed.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AGENT_PORT, AgentClient, type AgentHello } from "../board/agent-client.js";
import { deviceLimits, loadProfile, type BoardProfile, type DeviceLimits } from "../board/index.js";
import { FtpClient } from "../ftp/client/index.js";
import { readPcap, type FaultOptions, type LinkStats, type PcapFile } from "../link/index.js";
import type { StackCounters, TcpTotals } from "../net/counters.js";
import type { SlipNetwork } from "../net/slip-network.js";
import { NetworkError } from "../network.js";
import { openTunnel, tunnelOptions, type Tunnel } from "../tunnel.js";
import { ensureFirmware } from "../board/firmware-build.js";
import { DEFAULT_SIM } from "../board/sim.js";
import { startNativeTarget } from "./native-target.js";

export const DEFAULT_BOARD = "native-sim";

export interface OpenBoardOptions {
  /** Profile name (boards/NAME.json) or a .json path; default HIL_BOARD, else native-sim. */
  readonly board?: string;
  /** Link spec; default HIL_LINK, else the profile's (`sim`, `qemu`: the link starts the board). */
  readonly link?: string;
  /** Capture every frame: a path (kept), "on-failure" (a temp file kept only if markFailed was called); default HIL_PCAP. */
  readonly pcap?: string;
  /** Run the native target behind a pseudo-terminal and attach through `serial:` (the real-board path). */
  readonly serialPty?: boolean;
  /** "auto" (default): use the agent if the board has one; "required": fail without it; "none": do not connect. */
  readonly agent?: "auto" | "required" | "none";
  /** How long the board may take to answer ping (default 20 s). */
  readonly readyTimeoutMs?: number;
  /**
   * Emulate a UART at this baud on the host side of the link: `sim` and `qemu` move bytes as fast
   * as the host can, so a run that should see a real board's serial line (throughput, timing) asks
   * for it here. Default: no shaping.
   */
  readonly baud?: number;
  /** Seeded loss, corruption, reordering, delay on the host side of the link, to test recovery; default none. */
  readonly faults?: FaultOptions;
  /** Gets agent and FTP dialogue lines. */
  readonly log?: (line: string) => void;
}

export interface BoardAddresses {
  readonly v4: string;
  /** Undefined when the tunnel is IPv4 only (MTU < 1280 or no IPv6 addresses). */
  readonly v6: string | undefined;
}

export interface BoardFtpOptions {
  /** Default true. */
  readonly passive?: boolean;
  /** Which of the board's addresses to use (default 4). */
  readonly family?: 4 | 6;
  /** Default: the profile's ftp.user / ftp.password. */
  readonly user?: string;
  readonly password?: string;
  /** Control and data timeouts, ms (default 30 000). */
  readonly timeoutMs?: number;
}

export interface BoardCounters {
  readonly host: { readonly stack: StackCounters; readonly tcp: TcpTotals; readonly link: LinkStats };
  /** The agent's COUNTERS (net core and ftp_*); undefined without an agent. */
  readonly device: Readonly<Record<string, number>> | undefined;
}

export interface BoardCloseResult {
  /** The pcap left on disk (a given path, or the temp one of a failed run). */
  readonly pcap: string | undefined;
  /** The target's stderr, saved next to a kept temp pcap. */
  readonly targetLog: string | undefined;
  readonly failures: readonly string[];
}

export interface Board {
  readonly profile: BoardProfile;
  /** What the host holds to (MTU, MSS, window, segments in flight, IPv6 or not). */
  readonly limits: DeviceLimits;
  readonly network: SlipNetwork;
  readonly tunnel: Tunnel;
  /** The link spec in use. */
  readonly link: string;
  readonly hostAddress: BoardAddresses;
  readonly boardAddress: BoardAddresses;
  /** The agent connection (replaced by reconnect()); undefined when the board has none. */
  readonly agent: AgentClient | undefined;
  /** The agent's HELLO at open (or at the last reconnect). */
  readonly hello: AgentHello | undefined;
  readonly pcapPath: string | undefined;
  /** A new FTP client logged in to the board's server; the caller quits/closes it. */
  ftp(options?: BoardFtpOptions): Promise<FtpClient>;
  /** A further agent connection (the agent takes two at a time); the caller closes it. */
  openAgent(options?: { readonly timeoutMs?: number }): Promise<AgentClient>;
  /** After a reboot: wait until the board answers ping again and reconnect the agent. */
  reconnect(): Promise<void>;
  /** One echo round trip (default IPv4), ms. */
  ping(family?: 4 | 6, timeoutMs?: number): Promise<number>;
  counters(): Promise<BoardCounters>;
  /** The pcap so far, once every frame counted by the link is on disk. */
  pcap(): Promise<PcapFile>;
  /** Keep the pcap of an "on-failure" capture; `why` names the failed test. */
  markFailed(why: string): void;
  /** The pty target's stderr so far ("" unless the fixture started the target itself: serialPty). */
  targetLog(): string;
  close(): Promise<BoardCloseResult>;
}

const PING_TRY_MS = 1000;

interface RunningTarget {
  readonly link: string;
  /** For openLink: where a `sim`/`qemu` board keeps its state (its fs image) during this run. */
  readonly stateDir: string | undefined;
  stop(): Promise<void>;
  log(): string;
}

/**
 * The one place that decides what runs the board. `sim` and `qemu` are link kinds (src/board/sim.ts,
 * qemu.ts: build, start, wait for ping, stop on close), given this run's temp dir as state dir so
 * boards opened at once never share an fs image. The `sim` link has no pty mode, so for the
 * real-serial-port path the fixture starts the native target behind a pty itself.
 */
async function launchTarget(profile: BoardProfile, link: string | undefined, serialPty: boolean, dir: string): Promise<RunningTarget> {
  if (link !== undefined && serialPty) throw new Error("openBoard: give either link or serialPty, not both");
  if (!serialPty) return { link: link ?? profile.link.spec, stateDir: dir, stop: async () => undefined, log: () => "" };
  const firmware = await ensureFirmware(profile, profile.sim ?? DEFAULT_SIM, dir);
  const target = await startNativeTarget({ firmware, dir, pty: true, baud: profile.link.baud });
  return { link: target.link, stateDir: undefined, stop: target.stop, log: target.stderr };
}

export async function openBoard(options: OpenBoardOptions = {}): Promise<Board> {
  const boardArg = options.board ?? envValue("HIL_BOARD") ?? DEFAULT_BOARD;
  const link = options.link ?? envValue("HIL_LINK");
  const pcapOption = options.pcap ?? envValue("HIL_PCAP");
  const profile = await loadProfile(boardArg);
  const dir = await mkdtemp(join(tmpdir(), "hilftp-board-"));
  let target: RunningTarget | undefined;
  let tunnel: Tunnel | undefined;
  try {
    target = await launchTarget(profile, link, options.serialPty ?? false, dir);
    const pcapPath = pcapOption === undefined ? undefined : pcapOption === "on-failure" ? join(dir, "board.pcap") : resolve(pcapOption);
    const readyMs = options.readyTimeoutMs ?? 20_000;
    const tOptions = {
      ...tunnelOptions(profile, {
        link: target.link,
        ...(pcapPath !== undefined ? { pcap: pcapPath } : {}),
        ...(options.baud !== undefined ? { baud: options.baud } : {}),
        ...(options.faults !== undefined ? { faults: options.faults } : {}),
      }),
      linkOptions: { readyTimeoutMs: readyMs, ...(target.stateDir !== undefined ? { stateDir: target.stateDir } : {}) },
    };
    tunnel = await openTunnel(tOptions);
    const hostAddress = { v4: tOptions.ipv4!.local, v6: tunnel.stack.addresses(6)?.local };
    const boardAddress = { v4: tOptions.ipv4!.peer, v6: tunnel.stack.addresses(6)?.peer };
    await waitForPing(tunnel, boardAddress.v4, readyMs, target);
    const board = new OpenedBoard({
      profile,
      tunnel,
      link: target.link,
      hostAddress,
      boardAddress,
      pcapPath,
      keepPcap: pcapOption !== "on-failure",
      dir,
      target,
      agentMode: options.agent ?? "auto",
      readyMs,
      log: options.log,
      faulty: options.faults !== undefined,
    });
    await board.connectAgent();
    return board;
  } catch (err) {
    await tunnel?.close().catch(() => undefined);
    const log = target?.log() ?? "";
    await target?.stop();
    await rm(dir, { recursive: true, force: true });
    if (log.trim() !== "" && err instanceof Error) err.message += ` (target stderr: ${log.trim().split("\n").slice(-3).join(" | ")})`;
    throw err;
  }
}

interface BoardParts {
  readonly profile: BoardProfile;
  readonly tunnel: Tunnel;
  readonly link: string;
  readonly hostAddress: BoardAddresses;
  readonly boardAddress: BoardAddresses;
  readonly pcapPath: string | undefined;
  readonly keepPcap: boolean;
  readonly dir: string;
  readonly target: RunningTarget;
  readonly agentMode: "auto" | "required" | "none";
  readonly readyMs: number;
  readonly log: ((line: string) => void) | undefined;
  /** Faults are injected, so pcap() cannot count the tap's records from the link's stats. */
  readonly faulty: boolean;
}

class OpenedBoard implements Board {
  readonly profile: BoardProfile;
  readonly limits: DeviceLimits;
  readonly network: SlipNetwork;
  readonly tunnel: Tunnel;
  readonly link: string;
  readonly hostAddress: BoardAddresses;
  readonly boardAddress: BoardAddresses;
  readonly pcapPath: string | undefined;
  agent: AgentClient | undefined;
  hello: AgentHello | undefined;
  private readonly failures: string[] = [];
  private readonly extraAgents = new Set<AgentClient>();
  private closing: Promise<BoardCloseResult> | undefined;

  constructor(private readonly parts: BoardParts) {
    this.profile = parts.profile;
    this.limits = deviceLimits(parts.profile);
    this.tunnel = parts.tunnel;
    this.network = parts.tunnel.network;
    this.link = parts.link;
    this.hostAddress = parts.hostAddress;
    this.boardAddress = parts.boardAddress;
    this.pcapPath = parts.pcapPath;
  }

  async ftp(options: BoardFtpOptions = {}): Promise<FtpClient> {
    const host = options.family === 6 ? this.boardAddress.v6 : this.boardAddress.v4;
    if (host === undefined) throw new Error(`board ${this.profile.name}: no IPv6 on this tunnel (${this.limits.ipv6Reason ?? "disabled"})`);
    const timeoutMs = options.timeoutMs ?? 30_000;
    return FtpClient.connect({
      network: this.network,
      host,
      port: this.profile.ftp.port,
      user: options.user ?? this.profile.ftp.user,
      password: options.password ?? this.profile.ftp.password,
      passive: options.passive ?? true,
      timeoutMs,
      dataTimeoutMs: timeoutMs,
      ...(this.parts.log ? { log: this.parts.log } : {}),
    });
  }

  async openAgent(options: { readonly timeoutMs?: number } = {}): Promise<AgentClient> {
    const { agent } = await AgentClient.connect(this.network, {
      host: this.boardAddress.v4,
      port: AGENT_PORT,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(this.parts.log ? { log: this.parts.log } : {}),
    });
    for (const a of this.extraAgents) if (!a.connected) this.extraAgents.delete(a);
    this.extraAgents.add(agent);
    return agent;
  }

  /** Connects the agent per the mode; checks HELLO against the profile. */
  async connectAgent(): Promise<void> {
    this.agent?.close();
    this.agent = undefined;
    this.hello = undefined;
    if (this.parts.agentMode === "none") return;
    let result: { agent: AgentClient; hello: AgentHello };
    try {
      result = await AgentClient.connect(this.network, {
        host: this.boardAddress.v4,
        port: AGENT_PORT,
        timeoutMs: 10_000,
        ...(this.parts.log ? { log: this.parts.log } : {}),
      });
    } catch (err) {
      const absent = err instanceof NetworkError && (err.code === "ECONNREFUSED" || err.code === "ECONNRESET");
      if (absent && this.parts.agentMode === "auto") return;
      throw new Error(`board ${this.profile.name}: no test agent on port ${AGENT_PORT}: ${(err as Error).message}`, { cause: err });
    }
    const mismatch = helloMismatches(result.hello, this.profile);
    if (mismatch.length > 0) {
      result.agent.close();
      throw new Error(`board ${this.profile.name}: the firmware was not built for this profile (HELLO: ${mismatch.join(", ")}); rebuild it with make -C firmware-shim PROFILE=...`);
    }
    this.agent = result.agent;
    this.hello = result.hello;
  }

  async reconnect(): Promise<void> {
    await waitForPing(this.tunnel, this.boardAddress.v4, this.parts.readyMs, this.parts.target);
    await this.connectAgent();
  }

  ping(family: 4 | 6 = 4, timeoutMs = 2000): Promise<number> {
    const address = family === 6 ? this.boardAddress.v6 : this.boardAddress.v4;
    if (address === undefined) return Promise.reject(new Error("no IPv6 on this tunnel"));
    return this.tunnel.stack.ping(address, { timeoutMs });
  }

  async counters(): Promise<BoardCounters> {
    const stack = this.tunnel.stack;
    return {
      host: { stack: { ...stack.counters }, tcp: { ...stack.tcpTotals }, link: this.tunnel.link.stats },
      device: this.agent ? await this.agent.counters() : undefined,
    };
  }

  async pcap(): Promise<PcapFile> {
    const path = this.pcapPath;
    if (path === undefined) throw new Error("openBoard was not asked for a pcap (pcap option or HIL_PCAP)");
    if (this.parts.faulty) await settled(path);
    else await reached(path, this.tunnel.link.stats);
    const parsed = readPcap(completeRecords(await readFile(path)));
    if (!parsed.ok) throw new Error(`pcap ${path}: ${parsed.error}`);
    return parsed.file;
  }

  markFailed(why: string): void {
    this.failures.push(why);
  }

  targetLog(): string {
    return this.parts.target.log();
  }

  close(): Promise<BoardCloseResult> {
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<BoardCloseResult> {
    this.agent?.close();
    for (const a of this.extraAgents) a.close();
    await this.tunnel.close().catch(() => undefined);
    const log = this.parts.target.log();
    await this.parts.target.stop();
    const dir = this.parts.dir;
    let pcap: string | undefined = this.parts.keepPcap ? this.pcapPath : undefined;
    let targetLog: string | undefined;
    if (!this.parts.keepPcap && this.failures.length > 0 && this.pcapPath !== undefined) {
      pcap = this.pcapPath;
      if (log !== "") {
        targetLog = join(dir, "target.log");
        await writeFile(targetLog, log);
      }
      const keep = new Set([pcap, targetLog].filter((f): f is string => f !== undefined));
      for (const name of await readdir(dir)) if (!keep.has(join(dir, name))) await rm(join(dir, name), { recursive: true, force: true });
    } else {
      await rm(dir, { recursive: true, force: true });
    }
    return { pcap, targetLog, failures: [...this.failures] };
  }
}

async function waitForPing(tunnel: Tunnel, address: string, timeoutMs: number, target: RunningTarget): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  // Each try is bounded by its own timeout; the count bounds the loop whatever the clock does.
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    try {
      await tunnel.stack.ping(address, { timeoutMs: Math.max(50, Math.min(PING_TRY_MS, end - Date.now())) });
      return;
    } catch (err) {
      last = err;
      if ((err as { code?: string }).code !== "ETIMEDOUT") break;
    }
  }
  const log = target.log().trim();
  throw new Error(`board at ${address} on ${tunnel.link.name} did not answer ping within ${timeoutMs} ms (${(last as Error | undefined)?.message ?? "no try"})${log ? `; target: ${log.split("\n").slice(-3).join(" | ")}` : ""}`);
}

function helloMismatches(h: AgentHello, p: BoardProfile): string[] {
  const out: string[] = [];
  const check = (what: string, got: number | string, want: number | string): void => {
    if (got !== want) out.push(`${what} ${got}, profile ${want}`);
  };
  check("board", h.board, p.name);
  check("mtu", h.mtu, p.mtu);
  check("pool count", h.pool.count, p.pool.count);
  check("pool payload", h.pool.payloadSize, p.pool.payloadSize);
  check("mss", h.mss, p.tcp.mss);
  check("window", h.window, p.tcp.window);
  check("ftp port", h.ftpPort, p.ftp.port);
  return out;
}

/** Every frame the link counted has been handed to the tap: wait until its record is on disk. */
async function reached(path: string, s: LinkStats): Promise<void> {
  const expected = 24 + 16 * (s.framesIn + s.framesOut) + s.bytesIn + s.bytesOut;
  const deadline = Date.now() + 10_000;
  for (let i = 0; i < 2000; i++) {
    if ((await stat(path)).size >= expected) return;
    if (Date.now() > deadline) throw new Error(`pcap ${path}: under ${expected} bytes after 10 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * With faults the link's counts no longer match the tap's records (the tap sees a dropped inbound
 * frame never, a duplicated outbound one once), so wait until the file stops growing instead.
 */
async function settled(path: string): Promise<void> {
  let last = -1;
  for (let i = 0; i < 200; i++) {
    const size = (await stat(path)).size;
    if (size === last) return;
    last = size;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The file cut after its last complete record (the tap may be mid-write). */
function completeRecords(buf: Buffer): Buffer {
  if (buf.length < 24) return buf;
  const little = buf.readUInt32LE(0) === 0xa1b2c3d4 || buf.readUInt32LE(0) === 0xa1b23c4d;
  let off = 24;
  for (let i = 0; i < 10_000_000 && off + 16 <= buf.length; i++) {
    const caplen = little ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
    if (off + 16 + caplen > buf.length) break;
    off += 16 + caplen;
  }
  return buf.subarray(0, off);
}

function envValue(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}
