// The three FTP servers the benchmark compares, behind one shape: our server (dist/cli/main.js
// serve, a separate process so its CPU and memory are its own), vsftpd and pure-ftpd (launched
// by src/testing/peers.ts). Each has a disk directory that is a given FTP path, a user, and a
// process group that holds all of its processes.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startPureFtpd, startVsftpd } from "../../dist/testing/peers.js";
import { processTree } from "./proc.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 10_000;

/**
 * @typedef {object} BenchServer
 * @property {string} name
 * @property {string} host
 * @property {number} port
 * @property {number} pid      process id of the listener (sessions of forking servers are below it)
 * @property {string} user
 * @property {string} password
 * @property {string} diskDir  directory on disk that is `ftpDir` over FTP (writable)
 * @property {string} ftpDir   FTP path of diskDir, no trailing slash ("" for the root)
 * @property {() => Promise<void>} stop
 */

/**
 * Starts `node dist/cli/main.js serve` on a free port and resolves once it printed
 * "listening on ftp://HOST:PORT". `nodeFlags` go before the script (e.g. --cpu-prof), `env`
 * is added to the environment.
 * @returns {Promise<BenchServer>}
 */
export async function startOurs({ root, maxSessions = 2000, nodeFlags = [], env = {} }) {
  await mkdir(root, { recursive: true });
  const user = "u";
  const password = "p";
  const args = [
    ...nodeFlags,
    join(REPO, "dist", "cli", "main.js"),
    "serve",
    "--root", root,
    "--host", "127.0.0.1",
    "--port", "0",
    "--user", `${user}:${password}`,
    "--max-sessions", String(maxSessions),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, ...env } });
  const pid = child.pid;
  if (pid === undefined) throw new Error("startOurs: spawn failed");
  const exited = new Promise((done) => child.once("exit", () => done()));
  let output = "";
  const port = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`our server did not start: ${output.trim() || "(no output)"}`)), READY_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk.toString("utf8");
      const m = /listening on ftp:\/\/[^\s]*:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`our server exited (${code ?? signal}) before listening: ${output.trim()}`));
    });
  }).catch(async (error) => {
    killQuietly(pid, "SIGKILL");
    await exited;
    throw error;
  });
  let stopped;
  return {
    name: "hilftp",
    host: "127.0.0.1",
    port,
    pid,
    user,
    password,
    diskDir: root,
    ftpDir: "",
    output: () => output,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          // SIGTERM lets serve close cleanly (and --cpu-prof write its profile)
          killQuietly(pid, "SIGTERM");
          let timer;
          const late = new Promise((done) => (timer = setTimeout(() => done("late"), STOP_GRACE_MS)));
          if ((await Promise.race([exited, late])) === "late") {
            killQuietly(pid, "SIGKILL");
            await exited;
          }
          clearTimeout(timer);
        }
        killQuietly(-pid, "SIGKILL");
      })();
      return stopped;
    },
  };
}

/** vsftpd (anonymous with uploads in /pub). @returns {Promise<BenchServer>} */
export async function startVsftpdBench({ maxClients = 50 } = {}) {
  const peer = await startVsftpd({ maxClients });
  return fromPeer(peer);
}

/** pure-ftpd (one virtual user, home is "/"). @returns {Promise<BenchServer>} */
export async function startPureFtpdBench({ maxClients = 50 } = {}) {
  const peer = await startPureFtpd({ maxClients });
  return fromPeer(peer);
}

function fromPeer(peer) {
  let stopped;
  return {
    name: peer.name,
    host: peer.host,
    port: peer.port,
    pid: peer.pid,
    user: peer.user,
    password: peer.password,
    diskDir: peer.root,
    ftpDir: peer.writableDir === "/" ? "" : peer.writableDir.replace(/\/$/, ""),
    stop() {
      stopped ??= (async () => {
        // vsftpd sessions setsid() away from the listener's group, which peer.stop() kills;
        // whatever session is left below the listener goes by PID
        const below = processTree(peer.pid).slice(1).map((pid) => [pid, commandName(pid)]);
        await peer.stop();
        // only if the PID still runs the same program (not reused meanwhile)
        for (const [pid, name] of below) if (name !== undefined && commandName(pid) === name) killQuietly(pid, "SIGKILL");
      })();
      return stopped;
    },
  };
}

/** ftp:// URL of `path` (relative to the server's writable dir) with credentials, for curl. */
export function ftpUrl(server, name) {
  const auth = `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}`;
  return `ftp://${auth}@${server.host}:${server.port}${server.ftpDir}/${name}`;
}

/** Removes a file the server wrote (uploads), ignoring a missing one. */
export async function removeServerFile(server, name) {
  await rm(join(server.diskDir, name), { force: true });
}

function commandName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

export function killQuietly(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
