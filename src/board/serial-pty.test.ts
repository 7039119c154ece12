// The real-board path without a board: the native target behind a pseudo-terminal pair
// (`hilftp-shim --pty` prints `PTY /dev/pts/N`), so the host opens a real tty through serialport
// with --link serial:/dev/pts/N@115200, as it would a USB-UART. Ping and FTP through the tunnel,
// then the built CLI with the same link.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../testing/test-data.js";
import { openTunnel, tunnelOptions } from "../tunnel.js";
import { stateDirectory } from "./board-link.js";
import { describeExit, startBoardChild, type BoardChild } from "./child.js";
import { ensureFirmware } from "./firmware-build.js";
import { alive, putListGet, runCli } from "./launch-test-support.js";
import { loadProfile } from "./loader.js";
import type { BoardProfile } from "./profile.js";
import { DEFAULT_SIM } from "./sim.js";

let dir = "";
let board: BoardProfile;
let target: BoardChild | undefined;
let pts = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-pty-"));
  board = await loadProfile("native-sim");
  const firmware = await ensureFirmware(board, board.sim ?? DEFAULT_SIM, stateDirectory(join(dir, "state")));
  target = await startBoardChild(firmware, ["--pty", "--fs", join(dir, "fs.img")], { pipes: true });
  const child = target;
  pts = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no PTY line within 10 s: ${child.stderr()}`)), 10_000);
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (s: string) => {
      out += s;
      const m = /^PTY (\/dev\/pts\/\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void child.exited.then((exit) => reject(new Error(`hilftp-shim ${describeExit(exit, child.stderr())}`)));
  });
}, 120_000);

afterAll(async () => {
  const pid = target?.pid;
  await target?.stop();
  if (pid !== undefined) expect(alive(pid)).toBe(false);
  await rm(dir, { recursive: true, force: true });
});

describe("serial link to the native target on a pseudo-terminal", () => {
  it("pings and moves files over FTP through serial:/dev/pts/N@115200", async () => {
    const link = `serial:${pts}@115200`;
    const tunnel = await openTunnel(tunnelOptions(board, { link }));
    try {
      await tunnel.stack.ping(board.addresses.boardIpv4, { timeoutMs: 3000 });
      const { listed, payload, back } = await putListGet(tunnel, board, dir, { remote: "/over-tty.bin", size: 50_000 });
      expect(listed).toEqual([["over-tty.bin", payload.length]]);
      expect(sha256(back)).toBe(sha256(payload));
    } finally {
      await tunnel.close();
    }
  }, 120_000);

  it("the CLI reaches the same board with --link serial:PTS@115200, twice in a row", async () => {
    const link = `serial:${pts}@115200`;
    const ping = await runCli(["ping", "board", "--board", "native-sim", "--link", link, "-c", "2"]);
    expect(ping.code, ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/2 sent, 2 received, 0% loss/);
    const ls = await runCli(["ls", "ftp://board/", "--board", "native-sim", "--link", link]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/over-tty\.bin/);
  }, 120_000);
});
