// startTunBridge(): attaches a FrameLink (SLIP to a board) to a Linux TUN device, so the host's
// own ping, curl, lftp and Wireshark reach whatever is on the link. Node cannot issue TUNSETIFF,
// so socat owns the device and relays each packet as one UDP datagram on 127.0.0.1; we relay
// those datagrams to and from the link and configure the device with `ip`. The TUN device
// belongs to socat's process: it vanishes when socat is stopped.
import { existsSync } from "node:fs";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import type { FrameLink } from "../link/frame-link.js";
import { ipCommands, planTun, socatArgs, type AddressPair, type TunPlan } from "./commands.js";
import { TunError } from "./errors.js";
import { deviceExists, firstLine, ip, loopbackReady, startDaemon, type Daemon } from "./process.js";
import { udpPortBound } from "./proc-net.js";
import { UdpRelay, type RelayCounters } from "./relay.js";

export interface TunBridgeOptions {
  /** The link to the board; the bridge owns it from the moment it is up (close() closes it). */
  readonly link: FrameLink;
  /** TUN device name, e.g. "hil0". */
  readonly dev: string;
  /** The host's address on the device and the board's (routed via the device). */
  readonly hostIpv4?: string;
  readonly peerIpv4?: string;
  /** Used only when mtu >= 1280 (RFC 8200); otherwise TunBridge.ipv6Disabled says why. */
  readonly hostIpv6?: string;
  readonly peerIpv6?: string;
  readonly mtu: number;
  /** Default "socat" from PATH. */
  readonly socatPath?: string;
  /** Default "ip" from PATH. */
  readonly ipPath?: string;
  /** How long socat may take to create the device and bind its port (default 5000 ms). */
  readonly readyTimeoutMs?: number;
  /** Packets held while the link pushes back before they are dropped (default 64). */
  readonly queueFrames?: number;
}

export type TunCounters = Readonly<RelayCounters>;

/** Why a bridge ended. */
export interface TunEnd {
  /** "closed": close() was called; "socat": socat exited; "link": the link closed under us; "udp": the relay socket failed. */
  readonly cause: "closed" | "socat" | "link" | "udp";
  readonly message: string;
}

export interface TunBridge {
  readonly dev: string;
  readonly mtu: number;
  readonly ipv4: AddressPair | undefined;
  readonly ipv6: AddressPair | undefined;
  /** Why IPv6 is off although an IPv6 pair was given (MTU below 1280). */
  readonly ipv6Disabled: string | undefined;
  readonly socatPid: number;
  readonly counters: TunCounters;
  /** Resolves once the bridge has ended, for whatever reason, and everything is torn down. */
  readonly ended: Promise<TunEnd>;
  /** Stops socat (the device goes with it), closes the UDP socket and the link. */
  close(): Promise<void>;
}

export const NOT_ROOT_MESSAGE = "hilftp tun needs root (CAP_NET_ADMIN) to create a TUN device";

/** Throws TunError (NOT_ROOT) unless this process runs as root. */
export function assertRoot(uid: number | undefined = process.getuid?.()): void {
  if (uid !== 0) throw new TunError(NOT_ROOT_MESSAGE, "NOT_ROOT");
}

interface LinkState {
  closed: boolean;
  error: string;
}

const POLL_MS = 25;
/** socat may lose the race for the free port we picked: a few fresh tries. */
const PORT_ATTEMPTS = 3;

/**
 * Creates and configures the TUN device and starts relaying. On failure nothing is left running
 * (socat stopped, socket closed) and the link is left open for the caller.
 */
export async function startTunBridge(options: TunBridgeOptions): Promise<TunBridge> {
  assertRoot();
  const plan = planTun({
    dev: options.dev,
    mtu: options.mtu,
    hostIpv4: options.hostIpv4,
    peerIpv4: options.peerIpv4,
    hostIpv6: options.hostIpv6,
    peerIpv6: options.peerIpv6,
  });
  const ipPath = options.ipPath ?? "ip";
  // The link may fail or close while the device is being set up: remember it, so the bridge
  // ends at once (and an 'error' nobody listens to does not crash the process).
  const early: LinkState = { closed: false, error: "" };
  const onEarlyClose = (): void => {
    early.closed = true;
  };
  const onEarlyError = (err: Error): void => {
    early.error ||= err.message;
  };
  const unhookEarly = (): void => {
    options.link.off("close", onEarlyClose);
    options.link.off("error", onEarlyError);
  };
  options.link.once("close", onEarlyClose);
  options.link.on("error", onEarlyError);
  if (await deviceExists(ipPath, plan.dev)) {
    unhookEarly();
    throw new TunError(`device ${plan.dev} exists already (another hilftp tun?)`, "DEVICE_EXISTS");
  }
  // socat and we talk over 127.0.0.1; in a fresh network namespace the loopback is still down
  if (!(await loopbackReady(ipPath))) {
    unhookEarly();
    throw new TunError("the loopback interface has no 127.0.0.1 (is it up? ip link set lo up)", "NO_LOOPBACK");
  }
  let socket: UdpSocket;
  try {
    socket = await bindUdp();
  } catch (err) {
    unhookEarly();
    throw new TunError(`cannot bind a UDP socket on 127.0.0.1: ${(err as Error).message}`, "SOCAT", { cause: err });
  }
  const ignore = (): void => undefined;
  socket.on("error", ignore); // until running() listens: an unheard 'error' would crash the process
  let socat: Daemon | undefined;
  try {
    const started = await startSocat(plan, socket, options);
    socat = started.socat;
    for (const args of ipCommands(plan)) await ip(ipPath, args);
    const bridge = running(plan, options.link, socket, started.socat, started.port, options.queueFrames, early);
    unhookEarly();
    socket.off("error", ignore);
    return bridge;
  } catch (err) {
    unhookEarly();
    await socat?.stop();
    await closeUdp(socket);
    throw err;
  }
}

async function startSocat(plan: TunPlan, socket: UdpSocket, options: TunBridgeOptions): Promise<{ socat: Daemon; port: number }> {
  const socatPath = options.socatPath ?? "socat";
  const ourPort = socket.address().port;
  let last: TunError | undefined;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freeUdpPort();
    let socat: Daemon;
    try {
      socat = await startDaemon(...dieWithUs(socatPath, socatArgs(plan, ourPort, port)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "not found (install socat)" : (err as Error).message;
      throw new TunError(`${socatPath}: ${why}`, "SOCAT", { cause: err });
    }
    const ready = await waitReady(plan.dev, port, socat, options);
    if (ready === "ready") return { socat, port };
    await socat.stop();
    const text = firstLine(socat.stderr().replace(/^.*?socat\[\d+\] [EW] /gm, ""));
    if (ready === "timeout") {
      throw new TunError(`socat did not create ${plan.dev} and bind 127.0.0.1:${port} within ${options.readyTimeoutMs ?? 5000} ms`, "TIMEOUT");
    }
    if (/failed to execute .*No such file/i.test(socat.stderr())) throw new TunError(`${socatPath}: not found (install socat)`, "SOCAT");
    last = new TunError(`socat exited: ${text || "no message"}`, "SOCAT");
    if (!/address already in use/i.test(socat.stderr())) throw last;
  }
  throw last ?? new TunError("socat did not start", "SOCAT");
}

/**
 * socat under `setpriv --pdeathsig KILL` (util-linux, present on every Debian) when there is one:
 * if we are killed with SIGKILL and cannot stop it by PID, the kernel stops it for us, and the
 * TUN device goes with it instead of lingering in the namespace.
 */
function dieWithUs(cmd: string, args: readonly string[]): [string, readonly string[]] {
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));
  return setpriv === undefined ? [cmd, args] : [setpriv, ["--pdeathsig", "KILL", cmd, ...args]];
}

/** Polls until the device exists and socat's UDP port is bound, socat exits, or time runs out. */
async function waitReady(dev: string, port: number, socat: Daemon, options: TunBridgeOptions): Promise<"ready" | "exited" | "timeout"> {
  const deadline = Date.now() + (options.readyTimeoutMs ?? 5000);
  const ipPath = options.ipPath ?? "ip";
  while (Date.now() < deadline) {
    if (socat.hasExited()) return "exited";
    if ((await udpPortBound(port)) && (await deviceExists(ipPath, dev))) return socat.hasExited() ? "exited" : "ready";
    await Promise.race([new Promise((r) => setTimeout(r, POLL_MS)), socat.exited]);
  }
  return "timeout";
}

function running(
  plan: TunPlan,
  link: FrameLink,
  socket: UdpSocket,
  socat: Daemon,
  socatPort: number,
  queueFrames: number | undefined,
  early: LinkState,
): TunBridge {
  const relay = new UdpRelay(link, socket, { peerPort: socatPort, ...(queueFrames !== undefined ? { queueFrames } : {}) });
  relay.start();
  let resolveEnd!: (end: TunEnd) => void;
  const ended = new Promise<TunEnd>((r) => (resolveEnd = r));
  let ending: Promise<void> | undefined;
  const end = (cause: TunEnd["cause"], message: string): Promise<void> => {
    ending ??= (async () => {
      relay.stop();
      await socat.stop();
      await closeUdp(socket);
      await link.close();
      resolveEnd({ cause, message });
    })();
    return ending;
  };
  void socat.exited.then(({ code, signal }) => {
    const why = firstLine(socat.stderr().replace(/^.*?socat\[\d+\] [EW] /gm, ""));
    void end("socat", `socat exited (${signal ?? `code ${code}`})${why ? `: ${why}` : ""}`);
  });
  // A link error is followed by its 'close', which ends the bridge; the error says why.
  let linkError = early.error;
  link.on("error", (err) => (linkError ||= err.message));
  link.once("close", () => void end("link", `link ${link.name} closed${linkError ? `: ${linkError}` : ""}`));
  socket.on("error", (err) => void end("udp", `UDP socket: ${err.message}`));
  if (early.closed) void end("link", `link ${link.name} closed${linkError ? `: ${linkError}` : ""}`);
  return {
    dev: plan.dev,
    mtu: plan.mtu,
    ipv4: plan.ipv4,
    ipv6: plan.ipv6,
    ipv6Disabled: plan.ipv6Disabled,
    socatPid: socat.pid,
    counters: relay.counters,
    ended,
    close: () => end("closed", "closed"),
  };
}

function bindUdp(port = 0): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: "udp4" });
    socket.once("error", reject);
    socket.bind({ address: "127.0.0.1", port, exclusive: true }, () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

function closeUdp(socket: UdpSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // closed already
    }
  });
}

/** A UDP port free right now on 127.0.0.1 (socat binds it a moment later; a lost race is retried). */
async function freeUdpPort(): Promise<number> {
  const probe = await bindUdp();
  const port = probe.address().port;
  await closeUdp(probe);
  return port;
}
