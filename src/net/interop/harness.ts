// The kernel interop rig: our stack plays the board, the Linux kernel plays the host. The board
// side (this process) is a Stack on a unix-socket SLIP link, with our FtpServer on it; the host
// side is `hilftp tun` (the built CLI) inside a fresh network namespace, bridging that link to a
// TUN device whose addresses are 198.51.100.1 / 2001:db8::1. Frames pass, on our side, from the
// SLIP framing through the optional faults() to a pcapTap and into the Stack, so the pcap shows
// what our stack sent and what reached it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FtpServer } from "../../ftp/server/index.js";
import { faults, openLink, pcapTap, SlipFraming, type FaultOptions, type FrameLink, type LinkStats } from "../../link/index.js";
import { SlipNetwork } from "../slip-network.js";
import { Stack } from "../stack.js";
import { DEFAULT_TCP_CONFIG } from "../tcp/index.js";
import type { RunResult } from "../../testing/peers.js";
import { createNamespace, type Namespace } from "./netns.js";

export const HOST4 = "198.51.100.1";
export const BOARD4 = "198.51.100.2";
export const HOST6 = "2001:db8::1";
export const BOARD6 = "2001:db8::2";
export const FTP_USER = "board";
export const FTP_PASSWORD = "board-pass";
export const FTP_PORT = 21;
export const DEV = "hil0";
/**
 * Our stack plays a board with a pool of this many packets: at most this many of its segments
 * are unacknowledged at once, and the pcap check holds it to that.
 */
export const POOL_SEGMENTS = 8;
/**
 * Our stack's RTO floor on this sub-millisecond link, as the kernel's route gets rto_min: the
 * host default of 200 ms (Linux's) would be idle time after every tail loss.
 */
const RTO_MIN_MS = 20;

export interface RigOptions {
  readonly mtu: number;
  /** Scratch directory (the caller removes it): socket, pcap and the server's root go here. */
  readonly dir: string;
  readonly faults?: FaultOptions;
  /**
   * The kernel's minimum RTO toward the board (`ip route ... rto_min`), ms. Its default 200 ms
   * floor is pure idle time on this sub-millisecond link when faults make it retransmit.
   */
  readonly kernelRtoMinMs?: number;
}

export interface Rig {
  readonly ns: Namespace;
  readonly mtu: number;
  readonly ipv6: boolean;
  readonly stack: Stack;
  readonly network: SlipNetwork;
  readonly server: FtpServer;
  /** The FTP server's root on disk. */
  readonly serverRoot: string;
  readonly pcapPath: string;
  /** Counters of our side of the link (faults included). */
  linkStats(): LinkStats;
  /** Everything `hilftp tun` wrote to stderr so far. */
  tunStderr(): string;
  /** SIGTERM to `hilftp tun` (by PID); resolves with its exit code. */
  stopTun(): Promise<number | null>;
  /** Stops everything: server, stack, tun (if still up), link (the pcap is complete after this), namespace. */
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The built CLI: `npm test` builds dist/ before running the tests; this test builds nothing. */
export const CLI = resolve(here, "..", "..", "..", "dist", "cli", "main.js");
const START_TIMEOUT_MS = 20_000;

export async function startRig(options: RigOptions): Promise<Rig> {
  const { mtu, dir } = options;
  const ipv6 = mtu >= 1280;
  const ns = await createNamespace();
  const cleanup: Array<() => Promise<unknown>> = [() => ns.destroy()];
  const unwind = async (): Promise<void> => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const socketPath = join(dir, "link.sock");
    let listening!: () => void;
    const isListening = new Promise<void>((r) => (listening = r));
    const accepted = openLink(`unix-listen:${socketPath}`, { timeoutMs: START_TIMEOUT_MS, onListening: () => listening() });
    accepted.catch(() => undefined); // awaited below; a failure there is reported by that await
    await isListening;

    const args = [CLI, "tun", "--link", `unix:${socketPath}`, "--dev", DEV, "--mtu", String(mtu), "--local-ip", HOST4, "--peer-ip", BOARD4];
    if (ipv6) args.push("--local-ip6", HOST6, "--peer-ip6", BOARD6);
    const tun = spawnTun(ns.name, args);
    cleanup.push(() => tun.stop());
    await tun.up;
    if (options.kernelRtoMinMs !== undefined) {
      const rto = ["rto_min", `${options.kernelRtoMinMs}ms`];
      await ns.exec("ip", ["route", "change", `${BOARD4}/32`, "dev", DEV, ...rto], { timeoutMs: 10_000 }).then(mustSucceed);
      if (ipv6) await ns.exec("ip", ["-6", "route", "change", `${BOARD6}/128`, "dev", DEV, ...rto], { timeoutMs: 10_000 }).then(mustSucceed);
    }

    let link: FrameLink = new SlipFraming(await accepted, { name: "board", maxFrame: mtu + 64 });
    if (options.faults) link = faults(link, options.faults);
    const pcapPath = join(dir, "board.pcap");
    link = pcapTap(link, pcapPath);
    const linkClosed = link;
    cleanup.push(() => linkClosed.close());

    const mss = mtu - 40; // the Stack takes 20 more off for IPv6
    const stack = new Stack(link, {
      mtu,
      tcp: { ...DEFAULT_TCP_CONFIG, mss, maxSendMss: mss, maxSegmentsInFlight: POOL_SEGMENTS, rtoMinMs: RTO_MIN_MS },
      ipv4: { local: BOARD4, peer: HOST4 },
      ...(ipv6 ? { ipv6: { local: BOARD6, peer: HOST6 } } : {}),
    });
    cleanup.push(async () => stack.close());
    const network = new SlipNetwork(stack);
    const serverRoot = join(dir, "served");
    await mkdir(serverRoot);
    const server = new FtpServer({ network, host: "::", port: FTP_PORT, root: serverRoot, users: { [FTP_USER]: FTP_PASSWORD }, loginFailDelayMs: 0 });
    await server.listen();
    cleanup.push(() => server.close());

    let closing: Promise<void> | undefined;
    return {
      ns,
      mtu,
      ipv6,
      stack,
      network,
      server,
      serverRoot,
      pcapPath,
      linkStats: () => linkClosed.stats,
      tunStderr: () => tun.stderr(),
      stopTun: () => tun.stop(),
      close: () => (closing ??= unwind()),
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

function mustSucceed(r: RunResult): void {
  if (r.code !== 0) throw new Error(`command in the namespace failed (${r.code}): ${r.stderr.trim()}`);
}

export interface TunProcess {
  readonly up: Promise<void>;
  /** Resolves with the exit code once the CLI has exited, for whatever reason. */
  readonly exited: Promise<number | null>;
  stderr(): string;
  stop(): Promise<number | null>;
  /** The CLI's PID (`ip netns exec` execs node, so it is the CLI itself). */
  readonly pid: number | undefined;
}

/** `ip netns exec NS node dist/cli/main.js tun ...`; `up` resolves on its "tun hil0 up" line. */
export function spawnTun(ns: string, args: readonly string[]): TunProcess {
  const child: ChildProcess = spawn("ip", ["netns", "exec", ns, process.execPath, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (s: string) => (err += s));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const up = new Promise<void>((resolveUp, rejectUp) => {
    const timer = setTimeout(() => rejectUp(new Error(`hilftp tun not up within ${START_TIMEOUT_MS} ms: ${err}`)), START_TIMEOUT_MS);
    child.stdout?.on("data", (s: string) => {
      out += s;
      if (/^tun \S+ up: /m.test(out)) {
        clearTimeout(timer);
        resolveUp();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rejectUp(new Error(`hilftp tun exited (${code}) before it was up: ${err.trim()}`));
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      rejectUp(e);
    });
  });
  up.catch(() => undefined);
  let stopping: Promise<number | null> | undefined;
  return {
    up,
    exited,
    pid: child.pid,
    stderr: () => err,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        // `ip netns exec` execs node: this PID is the CLI itself
        if (child.pid !== undefined) process.kill(child.pid, "SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), 10_000)));
        const first = await Promise.race([exited, late]);
        clearTimeout(timer);
        if (first === "late" && child.pid !== undefined) {
          process.kill(child.pid, "SIGKILL");
          return exited;
        }
        return first as number | null;
      })();
      return stopping;
    },
  };
}
