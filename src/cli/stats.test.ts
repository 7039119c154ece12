// hilftp stats as a user runs it (the built CLI) against running commands: a sim that relayed a
// ping shows frames both ways, in the table, in full by PID and as JSON; SIGTERM removes its socket;
// a socket left by a dead process (or by a live one that is not hilftp) is removed, not listed;
// forward, which owns a stack, shows the stack's counters once a client has talked through it.
import { existsSync } from "node:fs";
import { link, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startServingCli } from "../board/launch-test-support.js";
import type { InstanceStats } from "./stats-registry.js";
import { NONE_RUNNING } from "./stats.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-stats-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid above Linux's largest pid_max (2^22): no process has it. */
const DEAD_PID = 99_999_999;

describe("hilftp stats", () => {
  it("shows a running sim's relay counters (table, PID, --json) and forgets it after SIGTERM", async () => {
    // No XDG_RUNTIME_DIR: the sockets live under the state directory.
    const env = { HILFTP_STATE_DIR: join(dir, "sim-state"), XDG_RUNTIME_DIR: "" };
    const runDir = join(env.HILFTP_STATE_DIR, "run");
    const served = await startServingCli(["sim"], env);
    let stopped = false;
    try {
      const address = /reachable at (tcp:\S+)$/.exec(served.line)?.[1];
      expect(address, served.line).toBeDefined();
      expect(await readdir(runDir)).toEqual([`${served.pid}.sock`]);
      const ping = await runCli(["ping", "board", "--board", "native-sim", "--link", address!, "-c", "2"], env, 60_000);
      expect(ping.code, ping.stderr).toBe(0);

      const listed = await runCli(["stats", "--json"], env, 20_000);
      expect(listed.code, listed.stderr).toBe(0);
      const docs = JSON.parse(listed.stdout) as InstanceStats[];
      expect(docs).toHaveLength(1);
      const doc = docs[0]!;
      expect(doc).toMatchObject({ pid: served.pid, command: "sim", board: "native-sim", link: address });
      expect(doc.linkStats.framesIn).toBeGreaterThanOrEqual(2);
      expect(doc.linkStats.framesOut).toBeGreaterThanOrEqual(2);
      expect(doc.linkStats.bytesIn).toBeGreaterThan(0);
      expect(doc.uptimeMs).toBeGreaterThan(0);

      const table = await runCli(["stats"], env, 20_000);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/^PID +COMMAND +BOARD +LINK +UPTIME +FRAMES IN +FRAMES OUT/);
      expect(table.stdout).toMatch(new RegExp(`^${served.pid} +sim +native-sim +${address} +\\S+ s +[1-9]\\d* +[1-9]\\d* +`, "m"));

      const full = await runCli(["stats", String(served.pid)], env, 20_000);
      expect(full.code, full.stderr).toBe(0);
      expect(full.stdout).toMatch(/^linkStats\.framesIn +[1-9]\d*$/m);
      expect(full.stdout).toMatch(/^linkStats\.hostSessions +1$/m);
      const one = await runCli(["stats", String(served.pid), "--json"], env, 20_000);
      expect((JSON.parse(one.stdout) as InstanceStats).pid).toBe(served.pid);

      const watched = await runCli(["stats", "--watch", "0.2", "--count", "2", "--json"], env, 20_000);
      expect(watched.code, watched.stderr).toBe(0);
      expect(watched.stdout.trim().split("\n")).toHaveLength(2);

      expect(await served.stop()).toBe(0);
      stopped = true;
      expect(await readdir(runDir)).toEqual([]);
      const none = await runCli(["stats"], env, 20_000);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe(`${NONE_RUNNING}\n`);
      const gone = await runCli(["stats", String(served.pid)], env, 20_000);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/no running hilftp instance with pid/);
    } finally {
      if (!stopped) await served.stop();
    }
  }, 180_000);

  it("removes sockets whose pid is dead, or alive but not answering, and lists nothing", async () => {
    const xdg = join(dir, "xdg-stale");
    const runDir = join(xdg, "hilftp");
    await mkdir(runDir, { recursive: true });
    const dead = join(runDir, `${DEAD_PID}.sock`);
    // A real socket file nobody accepts on, as a killed process leaves it: a second name for a
    // bound socket, which stays once the server closes (and removes its own name).
    const bound = join(runDir, "bound.tmp");
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(bound, () => resolve());
    });
    await link(bound, dead);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(bound, { force: true });
    expect((await stat(dead)).isSocket()).toBe(true);
    // Alive (this test's own process) but nothing there answers: a reused pid.
    const reused = join(runDir, `${process.pid}.sock`);
    await writeFile(reused, "");
    await writeFile(join(runDir, "notes.txt"), "not ours"); // other files are left alone
    const env = { XDG_RUNTIME_DIR: xdg, HILFTP_STATE_DIR: join(dir, "unused-state") };
    const r = await runCli(["stats", "--json"], env, 20_000);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(reused)).toBe(false);
    expect(await readdir(runDir)).toEqual(["notes.txt"]);
  }, 30_000);

  it("shows forward's stack counters and sessions once a client has been through it", async () => {
    const xdg = join(dir, "xdg-forward");
    await mkdir(xdg);
    const env = { XDG_RUNTIME_DIR: xdg, HILFTP_STATE_DIR: join(dir, "forward-state") };
    const served = await startServingCli(["forward", "--board", "native-sim", "--listen", "127.0.0.1:0"], env, 60_000);
    try {
      const port = Number(/^forwarding ftp:\/\/127\.0\.0\.1:(\d+) /.exec(served.line)?.[1]);
      expect(port, served.line).toBeGreaterThan(0);
      expect(await greeting(port)).toMatch(/^220/);
      const r = await runCli(["stats", String(served.pid), "--json"], env, 20_000);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as InstanceStats;
      expect(doc).toMatchObject({ pid: served.pid, command: "forward", board: "native-sim" });
      expect(doc.stack?.counters.framesIn).toBeGreaterThan(0);
      expect(doc.stack?.counters.framesOut).toBeGreaterThan(0);
      expect(doc.stack?.tcp.retransmits).toBeGreaterThanOrEqual(0);
      expect(doc.linkStats.framesIn).toBeGreaterThan(0);
      expect(doc.sessions?.total).toBeGreaterThanOrEqual(1);
      expect(await served.stop()).toBe(0);
      expect(await readdir(join(xdg, "hilftp"))).toEqual([]);
    } finally {
      await served.stop();
    }
  }, 120_000);
});

/** The first reply line of the FTP server at 127.0.0.1:port, then QUIT. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no greeting within 20 s"));
    }, 20_000);
    let text = "";
    socket.on("data", (b: Buffer) => {
      text += b.toString();
      const nl = text.indexOf("\r\n");
      if (nl < 0) return;
      clearTimeout(timer);
      socket.end("QUIT\r\n");
      resolve(text.slice(0, nl));
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
