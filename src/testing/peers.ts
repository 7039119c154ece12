// Test and benchmark helpers around real FTP programs: start vsftpd / pure-ftpd as throw-away
// peers on 127.0.0.1 (vsftpd also inside a network namespace, on an address there; config,
// users and directories in a temp dir, stopped by PID), run a client program with a hard
// timeout, and make / hash test files. scripts/test-deps.sh installs the programs; pure-ftpd
// is unpacked (it conflicts with vsftpd as a package), so it is looked up in the repo's
// node_modules/.cache unless HILFTP_PURE_FTPD_DIR says otherwise.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A real FTP server started for a test; everything it needs lives in a temp dir removed by stop(). */
export interface RunningPeer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Directory on disk behind `writableDir`: files put here can be downloaded, uploads land here. */
  readonly root: string;
  readonly user: string;
  readonly password: string;
  /** FTP path where uploads, mkdir, rename and delete are allowed ("/pub" for vsftpd, "/" for pure-ftpd). */
  readonly writableDir: string;
  stop(): Promise<void>;
}

export interface PeerOptions {
  /** Control port; default: a free one. */
  readonly port?: number;
  /** Passive data port range; default: the server's own choice (any ephemeral port). */
  readonly pasvMin?: number;
  readonly pasvMax?: number;
  /** Concurrent sessions allowed (also per client address); default 50. */
  readonly maxClients?: number;
  /**
   * vsftpd only: run inside this network namespace (`ip netns exec`); the readiness probe runs
   * there too. The port defaults to 2121, since a namespace the test made has every port free.
   */
  readonly netns?: string;
  /** vsftpd only: the address to listen on (default 127.0.0.1); an IPv6 address listens on IPv6 only. */
  readonly listenAddress?: string;
}

export interface RunOptions {
  readonly input?: string | Buffer;
  /** Default 60 000. On expiry the process is killed (SIGKILL, by PID) and `timedOut` is true. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  /** Exit code; null when killed by a signal (including our timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const VSFTPD = "/usr/sbin/vsftpd";
const NETNS_DEFAULT_PORT = 2121;

/** A TCP port nobody listens on right now (the OS picks it; another process may still take it later). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error("freePort: no port assigned"))));
    });
  });
}

/** Spawns `cmd` (no shell), feeds `input` to stdin (then closes it) and collects both outputs. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killQuietly(child.pid, "SIGKILL");
    }, options.timeoutMs ?? 60_000);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    // a child that exits without reading its stdin makes our write fail with EPIPE: not our error
    child.stdin.on("error", () => undefined);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolveRun({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
      });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** SHA-256 of a file's bytes, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Writes `bytes` pseudo-random bytes (deterministic for a given seed) to `path` and returns
 * their SHA-256, hex. Written in 64 KiB chunks so large files cost no memory.
 */
export async function makeRandomFile(path: string, bytes: number, seed = 1): Promise<string> {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`makeRandomFile: bad size ${bytes}`);
  const hash = createHash("sha256");
  const handle = await open(path, "w");
  // xorshift32: fast, seedable, and good enough to defeat compression and spot reordering
  let state = seed >>> 0 || 0x9e3779b9;
  try {
    let left = bytes;
    while (left > 0) {
      const chunk = Buffer.allocUnsafe(Math.min(left, 65_536));
      for (let i = 0; i < chunk.length; i += 4) {
        state ^= state << 13;
        state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        const n = Math.min(4, chunk.length - i);
        for (let k = 0; k < n; k++) chunk[i + k] = (state >>> (k * 8)) & 0xff;
      }
      hash.update(chunk);
      await handle.write(chunk);
      left -= chunk.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/**
 * vsftpd, anonymous login (any password) with uploads, mkdir, rename and delete allowed in /pub.
 * Needs root (vsftpd chroots) and the 'ftp' user that the vsftpd package creates.
 */
export async function startVsftpd(options: PeerOptions = {}): Promise<RunningPeer> {
  if (!existsSync(VSFTPD)) throw new Error(`startVsftpd: ${VSFTPD} not found (run scripts/test-deps.sh)`);
  const ftpUser = lookupId("/etc/passwd", "ftp");
  if (ftpUser === undefined) throw new Error("startVsftpd: no 'ftp' user (it comes with the vsftpd package)");
  const dir = await mkdtemp(join(tmpdir(), "hilftp-vsftpd-"));
  try {
    const anonRoot = join(dir, "root");
    const pub = join(anonRoot, "pub");
    await mkdir(pub, { recursive: true });
    await mkdir(join(dir, "empty"));
    await chmod(dir, 0o755);
    // vsftpd refuses a chroot the anonymous user could write to; the upload area is a subdir
    await chmod(anonRoot, 0o555);
    await chown(pub, ftpUser, lookupId("/etc/group", "ftp") ?? ftpUser);
    await chmod(pub, 0o755);
    const maxClients = options.maxClients ?? 50;
    const address = options.listenAddress ?? "127.0.0.1";
    const v6 = net.isIPv6(address);
    const port = options.port ?? (options.netns !== undefined ? NETNS_DEFAULT_PORT : undefined);
    return await startWithPortRetry(port, async (port) => {
      const conf = join(dir, `vsftpd-${port}.conf`);
      const lines = [
        ...(v6 ? ["listen=NO", "listen_ipv6=YES", `listen_address6=${address}`] : ["listen=YES", "listen_ipv6=NO", `listen_address=${address}`]),
        `listen_port=${port}`,
        "background=NO",
        "seccomp_sandbox=NO",
        `secure_chroot_dir=${join(dir, "empty")}`,
        "anonymous_enable=YES",
        "local_enable=NO",
        "no_anon_password=NO",
        "ftp_username=ftp",
        `anon_root=${anonRoot}`,
        "write_enable=YES",
        "anon_upload_enable=YES",
        "anon_mkdir_write_enable=YES",
        "anon_other_write_enable=YES",
        "anon_world_readable_only=NO",
        "anon_umask=022",
        "pasv_enable=YES",
        "port_enable=YES",
        // port 20 would need CAP_NET_BIND_SERVICE in the session and collides between peers
        "connect_from_port_20=NO",
        `max_clients=${maxClients}`,
        `max_per_ip=${maxClients}`,
        "xferlog_enable=NO",
        "dirmessage_enable=NO",
        "use_localtime=NO",
        "hide_ids=NO",
      ];
      if (options.pasvMin !== undefined) lines.push(`pasv_min_port=${options.pasvMin}`);
      if (options.pasvMax !== undefined) lines.push(`pasv_max_port=${options.pasvMax}`);
      await writeFile(conf, lines.join("\n") + "\n");
      const inNs = options.netns !== undefined ? ["netns", "exec", options.netns, VSFTPD, conf] : undefined;
      return launch({
        name: "vsftpd",
        cmd: inNs ? "ip" : VSFTPD,
        args: inNs ?? [conf],
        host: address,
        ...(options.netns !== undefined ? { netns: options.netns } : {}),
        port,
        dir,
        root: pub,
        user: "anonymous",
        password: "hilftp@example.com",
        writableDir: "/pub",
      });
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * pure-ftpd with one virtual user (puredb built by pure-pw) chrooted to its home, which is `root`
 * and is "/" over FTP. The user's files are owned by 'nobody'.
 */
export async function startPureFtpd(options: PeerOptions = {}): Promise<RunningPeer> {
  const bins = pureFtpdBinaries();
  const dir = await mkdtemp(join(tmpdir(), "hilftp-pure-ftpd-"));
  try {
    const home = join(dir, "home");
    await mkdir(home);
    await chmod(dir, 0o755);
    const nobody = lookupId("/etc/passwd", "nobody") ?? 65534;
    const nogroup = lookupId("/etc/group", "nogroup") ?? 65534;
    await chown(home, nobody, nogroup);
    const user = "hilftp";
    const password = "hilftp-pass";
    const passwd = join(dir, "pureftpd.passwd");
    const pdb = join(dir, "pureftpd.pdb");
    // pure-pw hashes with argon2id at a cost that makes every login take seconds of CPU; a
    // SHA-512 crypt(3) hash (pure-ftpd checks it with libcrypt) keeps logins instant
    const hashed = await run("perl", ["-e", 'print crypt($ENV{HILFTP_PW}, "\\$6\\$" . $ENV{HILFTP_SALT} . "\\$")'], {
      env: { ...process.env, HILFTP_PW: password, HILFTP_SALT: randomBytes(12).toString("base64").replace(/[+=]/g, ".") },
      timeoutMs: 10_000,
    });
    if (hashed.code !== 0 || !hashed.stdout.startsWith("$6$")) {
      throw new Error(`startPureFtpd: crypt() via perl failed: ${hashed.stderr || hashed.stdout}`);
    }
    await writeFile(passwd, `${user}:${hashed.stdout}:${nobody}:${nogroup}::${home}/./::::::::::::\n`, { mode: 0o600 });
    const made = await run(bins.purePw, ["mkdb", pdb, "-f", passwd], { timeoutMs: 10_000 });
    if (made.code !== 0) throw new Error(`startPureFtpd: pure-pw mkdb failed: ${made.stderr || made.stdout}`);
    const maxClients = options.maxClients ?? 50;
    return await startWithPortRetry(options.port, (port) => {
      const args = [
        "-S", `127.0.0.1,${port}`,
        "-l", `puredb:${pdb}`,
        "-E", // no anonymous logins
        "-j", // create the home directory if missing
        "-H", // no reverse DNS in logs
        "-f", "none", // no syslog
        "-g", join(dir, `pure-ftpd-${port}.pid`),
        "-c", String(maxClients),
        "-C", String(maxClients),
        "-P", "127.0.0.1",
      ];
      if (options.pasvMin !== undefined || options.pasvMax !== undefined) {
        args.push("-p", `${options.pasvMin ?? 1024}:${options.pasvMax ?? 65535}`);
      }
      return launch({
        name: "pure-ftpd",
        cmd: bins.pureFtpd,
        args,
        host: "127.0.0.1",
        port,
        dir,
        root: home,
        user,
        password,
        writableDir: "/",
      });
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function pureFtpdBinaries(): { pureFtpd: string; purePw: string } {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const unpacked = process.env["HILFTP_PURE_FTPD_DIR"] ?? join(repo, "node_modules", ".cache", "hilftp", "pure-ftpd");
  for (const prefix of [unpacked, "/"]) {
    const pureFtpd = join(prefix, "usr", "sbin", "pure-ftpd");
    const purePw = join(prefix, "usr", "bin", "pure-pw");
    if (existsSync(pureFtpd) && existsSync(purePw)) return { pureFtpd, purePw };
  }
  throw new Error(`startPureFtpd: pure-ftpd not found in ${unpacked} or /usr (run scripts/test-deps.sh)`);
}

/** uid or gid of `name` from /etc/passwd or /etc/group. */
function lookupId(file: string, name: string): number | undefined {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && fields[2] !== undefined) return Number(fields[2]);
  }
  return undefined;
}

class PortInUse extends Error {}

/** When we picked the port ourselves, another process may grab it first: try a few times. */
async function startWithPortRetry(
  fixed: number | undefined,
  start: (port: number) => Promise<RunningPeer>,
): Promise<RunningPeer> {
  const attempts = fixed === undefined ? 5 : 1;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await start(fixed ?? (await freePort()));
    } catch (error) {
      last = error;
      if (!(error instanceof PortInUse)) throw error;
    }
  }
  throw last;
}

interface LaunchSpec {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly host: string;
  /** The server runs in this network namespace: probe it from there. */
  readonly netns?: string;
  readonly port: number;
  readonly dir: string;
  readonly root: string;
  readonly user: string;
  readonly password: string;
  readonly writableDir: string;
}

const live = new Set<number>();
let exitHookInstalled = false;

/** Starts the server in its own process group and resolves once a client gets its 220 greeting. */
async function launch(spec: LaunchSpec): Promise<RunningPeer> {
  const child = spawn(spec.cmd, spec.args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const output: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const spawned = await new Promise<number>((ok, fail) => {
    child.once("spawn", () => ok(child.pid ?? -1));
    child.once("error", fail);
  });
  const pid = spawned;
  live.add(pid);
  installExitHook();
  const host = spec.host;
  const greeting = await waitForGreeting(host, spec.port, child, spec.netns);
  if (greeting === undefined) {
    await terminate(pid, child, exited);
    const text = Buffer.concat(output).toString("utf8").trim();
    if (/bind|in use/i.test(text)) throw new PortInUse(`${spec.name}: port ${spec.port} taken: ${text}`);
    throw new Error(`${spec.name} did not greet on ${host}:${spec.port}: ${text || "(no output)"}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    name: spec.name,
    host,
    port: spec.port,
    pid,
    root: spec.root,
    user: spec.user,
    password: spec.password,
    writableDir: spec.writableDir,
    stop() {
      stopped ??= (async () => {
        await terminate(pid, child, exited);
        await rm(spec.dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

async function terminate(pid: number, child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    killQuietly(pid, "SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((done) => (timer = setTimeout(() => done("late"), STOP_GRACE_MS)));
    if ((await Promise.race([exited, late])) === "late") {
      killQuietly(pid, "SIGKILL");
      await exited;
    }
    clearTimeout(timer);
  }
  // session processes forked by the server share its process group; take them down too
  killQuietly(-pid, "SIGKILL");
  live.delete(pid);
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // a crashed test run must not leave FTP servers behind
  process.once("exit", () => {
    for (const pid of live) killQuietly(-pid, "SIGKILL");
  });
}

/**
 * Connects repeatedly until the server answers with a 220 line, the child dies, or the
 * deadline passes. Returns the greeting line or undefined.
 */
async function waitForGreeting(host: string, port: number, child: ChildProcess, netns?: string): Promise<string | undefined> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const wait = Math.max(100, deadline - Date.now());
    const line = netns === undefined ? await readGreeting(host, port, wait) : await readGreetingIn(netns, host, port, wait);
    if (line !== undefined && line.startsWith("220")) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

// readGreeting() for a process of our own started inside a network namespace (Node cannot setns).
const GREETING_PROBE = `
const s = require("net").connect({ host: process.argv[1], port: Number(process.argv[2]) });
let t = "";
s.setEncoding("latin1");
s.on("data", (d) => {
  t += d;
  const i = t.indexOf("\\n");
  if (i >= 0) { process.stdout.write(t.slice(0, i).replace(/\\r$/, "")); s.end("QUIT\\r\\n"); s.destroySoon(); }
  else if (t.length > 4096) s.destroy();
});
s.on("error", () => s.destroy());
setTimeout(() => s.destroy(), Number(process.argv[3])).unref();`;

/** One attempt from inside `netns`: the first reply line, or undefined. */
export async function readGreetingIn(netns: string, host: string, port: number, timeoutMs = 5_000): Promise<string | undefined> {
  const r = await run("ip", ["netns", "exec", netns, process.execPath, "-e", GREETING_PROBE, host, String(port), String(timeoutMs)], {
    timeoutMs: timeoutMs + 5_000,
  });
  return r.stdout === "" ? undefined : r.stdout;
}

/** One attempt: connect, read the first reply line, say QUIT. */
export function readGreeting(host: string, port: number, timeoutMs = 5_000): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = net.connect({ host, port });
    let text = "";
    let finished = false;
    const finish = (line: string | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (line !== undefined && !socket.destroyed) socket.end("QUIT\r\n");
      socket.destroySoon();
      done(line);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      const eol = text.indexOf("\n");
      if (eol >= 0) finish(text.slice(0, eol).replace(/\r$/, ""));
      else if (text.length > 4096) finish(undefined);
    });
    socket.on("error", () => finish(undefined));
    socket.on("close", () => finish(undefined));
  });
}
