// hilftp sim / hilftp qemu as a user runs them (the built dist/cli/main.js): the board started and
// kept up, its link served on a socket, separate later commands talking to the same board with
// --link tcp:..., SIGTERM stopping it all (board PID gone). Also a client command with only
// --board starting and stopping the board itself, and the one-line errors for a missing emulator.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive, processesMentioning, runCli, startServingCli } from "../board/launch-test-support.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-board-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const APT_QEMU = "apt-get install --no-install-recommends qemu-system-arm";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** "sim native-sim up (pid 123, answered ping after 12 ms): reachable at tcp:127.0.0.1:5555" */
function parseUpLine(line: string): { pid: number; readyMs: number; address: string } {
  const m = /^(?:sim|qemu) \S+ up \(pid (\d+), answered ping after (\d+) ms\): reachable at (\S+)$/.exec(line);
  if (!m) throw new Error(`unexpected first line: ${line}`);
  return { pid: Number(m[1]), readyMs: Number(m[2]), address: m[3]! };
}

describe("hilftp sim", () => {
  it("keeps native-sim up on --listen tcp:HOST:PORT for separate commands, and stops on SIGTERM", async () => {
    const state = join(dir, "sim-state");
    const port = await freePort();
    const served = await startServingCli(["sim", "--board", "native-sim", "--listen", `tcp:127.0.0.1:${port}`], { HILFTP_STATE_DIR: state });
    let stopped = false;
    try {
      const up = parseUpLine(served.line);
      expect(up.address).toBe(`tcp:127.0.0.1:${port}`);
      expect(alive(up.pid)).toBe(true);
      expect(await processesMentioning(state)).toContain(up.pid); // the fs image lives there
      console.log(`hilftp sim: native-sim answered ping ${up.readyMs} ms after start`);
      const link = ["--board", "native-sim", "--link", up.address];
      const file = join(dir, "note.txt");
      await writeFile(file, randomBytes(3000));
      const put = await runCli(["put", file, "ftp://board/", ...link]);
      expect(put.code, put.stderr).toBe(0);
      for (let i = 0; i < 2; i++) {
        const ls = await runCli(["ls", "ftp://board/", ...link]);
        expect(ls.code, ls.stderr).toBe(0);
        expect(ls.stdout).toMatch(/^- +3000 .* note\.txt$/m);
      }
      const code = await served.stop();
      stopped = true;
      expect(code).toBe(0);
      expect(served.stderr()).toMatch(/hilftp sim: native-sim stopped after 3 host session\(s\)/);
      expect(alive(up.pid)).toBe(false);
      expect(await processesMentioning(state)).toEqual([]);
    } finally {
      if (!stopped) await served.stop();
    }
  }, 180_000);

  it("serves a unix socket too", async () => {
    const path = join(dir, "sim.sock");
    const state = join(dir, "sim-state-unix");
    const served = await startServingCli(["sim", "--listen", `unix:${path}`], { HILFTP_STATE_DIR: state });
    try {
      const up = parseUpLine(served.line);
      expect(up.address).toBe(`unix:${path}`);
      const ping = await runCli(["ping", "board", "--link", up.address, "-c", "1"]);
      expect(ping.code, ping.stderr).toBe(0);
    } finally {
      expect(await served.stop()).toBe(0);
    }
    expect(await processesMentioning(state)).toEqual([]);
  }, 120_000);

  it("exits 1 saying how, when the board dies under it", async () => {
    const served = await startServingCli(["sim"], { HILFTP_STATE_DIR: join(dir, "sim-state-death") });
    try {
      const up = parseUpLine(served.line);
      process.kill(up.pid, "SIGKILL");
      const code = await Promise.race([served.exited, new Promise<"late">((r) => setTimeout(() => r("late"), 30_000))]);
      expect(code).toBe(1); // on its own, not by a signal from us
      expect(served.stderr()).toMatch(/^hilftp sim: sim: the board was killed by SIGKILL$/m);
    } finally {
      await served.stop();
    }
  }, 120_000);
});

describe("hilftp qemu", () => {
  it("keeps the QEMU board up for separate commands with --link tcp:..., and stops on SIGTERM", async () => {
    const tmp = await mkdtemp(join(dir, "qemu-tmp-"));
    const served = await startServingCli(["qemu", "--board", "qemu-netduinoplus2"], { TMPDIR: tmp, HILFTP_STATE_DIR: join(dir, "qemu-state") });
    let stopped = false;
    try {
      const up = parseUpLine(served.line);
      expect(up.address).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
      expect(alive(up.pid)).toBe(true);
      expect(await processesMentioning(tmp)).toEqual([up.pid]); // QEMU, its socket under TMPDIR
      console.log(`hilftp qemu: qemu-netduinoplus2 answered ping ${up.readyMs} ms after start`);
      const link = ["--board", "qemu-netduinoplus2", "--link", up.address];
      const first = await runCli(["ls", "ftp://board/", ...link]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toBe("");
      const file = join(dir, "small.bin");
      await writeFile(file, randomBytes(2000));
      const put = await runCli(["put", file, "ftp://board/", ...link]);
      expect(put.code, put.stderr).toBe(0);
      const second = await runCli(["ls", "ftp://board/", ...link]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/^- +2000 .* small\.bin$/m);
      const code = await served.stop();
      stopped = true;
      expect(code).toBe(0);
      expect(alive(up.pid)).toBe(false);
      expect(await processesMentioning(tmp)).toEqual([]);
    } finally {
      if (!stopped) await served.stop();
    }
  }, 240_000);

  it("a SIGKILLed hilftp qemu takes QEMU with it (setpriv --pdeathsig)", async () => {
    const tmp = await mkdtemp(join(dir, "qemu-kill-"));
    const served = await startServingCli(["qemu"], { TMPDIR: tmp, HILFTP_STATE_DIR: join(dir, "qemu-state") });
    const up = parseUpLine(served.line);
    expect(alive(up.pid)).toBe(true);
    process.kill(served.pid, "SIGKILL");
    await served.stop(); // waits for the exit
    for (let i = 0; i < 100 && alive(up.pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(up.pid)).toBe(false);
  }, 120_000);

  it("a missing emulator: one line with the apt-get command, exit 3", async () => {
    const r = await runCli(["qemu", "--qemu", "/nonexistent/qemu-system-arm"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`hilftp qemu: qemu: /nonexistent/qemu-system-arm not found; install it with: ${APT_QEMU}\n`);
    expect(r.stdout).toBe("");
  }, 60_000);
});

describe("client commands that start the board themselves", () => {
  it("hilftp ls ftp://board/ --board qemu-netduinoplus2 works with no other flag, and leaves no QEMU", async () => {
    const tmp = await mkdtemp(join(dir, "ls-tmp-"));
    const r = await runCli(["ls", "ftp://board/", "--board", "qemu-netduinoplus2"], { TMPDIR: tmp, HILFTP_STATE_DIR: join(dir, "ls-state") });
    expect(r.code, r.stderr).toBe(0);
    expect(await processesMentioning(tmp)).toEqual([]);
  }, 120_000);

  it("--board native-sim keeps the board's files from one command to the next (state dir)", async () => {
    const state = join(dir, "cli-state");
    const file = join(dir, "kept.bin");
    await writeFile(file, randomBytes(1234));
    const put = await runCli(["put", file, "ftp://board/", "--board", "native-sim"], { HILFTP_STATE_DIR: state });
    expect(put.code, put.stderr).toBe(0);
    const ls = await runCli(["ls", "ftp://board/", "--board", "native-sim"], { HILFTP_STATE_DIR: state });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^- +1234 .* kept\.bin$/m);
    expect(await processesMentioning(state)).toEqual([]);
  }, 120_000);

  it("HILFTP_QEMU pointing nowhere: the client command says what to install", async () => {
    const r = await runCli(["ls", "ftp://board/", "--board", "qemu-netduinoplus2"], { HILFTP_QEMU: "/nonexistent/qemu" });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`hilftp ls: qemu: /nonexistent/qemu not found; install it with: ${APT_QEMU}\n`);
  }, 60_000);
});
