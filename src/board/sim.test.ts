// The sim link end to end: the native target built from its profile, started under the host's
// tunnel, pinged, used over FTP through SlipNetwork, its RAM fs surviving a restart through the
// state directory, and nothing left running after close (checked by PID).
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkError, openLink } from "../link/index.js";
import { ProcessLink } from "../link/process-link.js";
import { sha256 } from "../testing/test-data.js";
import { openTunnel, tunnelOptions, type Tunnel } from "../tunnel.js";
import { alive, ftpTo, putListGet } from "./launch-test-support.js";
import { loadProfile } from "./loader.js";
import type { BoardProfile } from "./profile.js";

let dir = "";
let board: BoardProfile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-sim-"));
  board = await loadProfile("native-sim");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openSim(stateDir: string): Promise<{ tunnel: Tunnel; pid: number; readyMs: number }> {
  const tunnel = await openTunnel({ ...tunnelOptions(board, {}), linkOptions: { stateDir } });
  expect(tunnel.bytes).toBeInstanceOf(ProcessLink);
  const bytes = tunnel.bytes as ProcessLink;
  return { tunnel, pid: bytes.pid, readyMs: bytes.readyMs };
}

describe("sim link", () => {
  it("builds and starts native-sim, answers ping, serves FTP ls/put/get, and close stops it", async () => {
    const state = join(dir, "state-a");
    const { tunnel, pid, readyMs } = await openSim(state);
    try {
      expect(alive(pid)).toBe(true);
      expect(readyMs).toBeGreaterThan(0);
      console.log(`native-sim: start to first ping answer ${readyMs.toFixed(1)} ms`);
      const rtt = await tunnel.stack.ping(board.addresses.boardIpv4, { timeoutMs: 2000 });
      expect(rtt).toBeGreaterThanOrEqual(0);
      await tunnel.stack.ping(board.addresses.boardIpv6!, { timeoutMs: 2000 });

      const { listedFirst, listed, payload, back } = await putListGet(tunnel, board, dir, { remote: "/data.bin", size: 100_000, listFirst: true });
      expect(listedFirst).toEqual([]);
      expect(listed).toEqual([["data.bin", payload.length]]);
      expect(sha256(back)).toBe(sha256(payload));
    } finally {
      await tunnel.close();
    }
    expect(alive(pid)).toBe(false);
    expect((await stat(join(state, "native-sim.fs"))).size).toBeGreaterThan(100_000);
  }, 120_000);

  it("keeps the board's files between host sessions (state dir), and a new state dir starts empty", async () => {
    const state = join(dir, "state-b");
    const first = await openSim(state);
    try {
      const ftp = await ftpTo(first.tunnel, board);
      const src = join(dir, "keep.txt");
      await writeFile(src, "kept across restarts\n");
      await ftp.mkdir("/logs");
      await ftp.upload(src, "/logs/keep.txt");
      await ftp.quit();
      ftp.close();
    } finally {
      await first.tunnel.close();
    }
    expect(alive(first.pid)).toBe(false);

    const second = await openSim(state);
    try {
      expect(second.pid).not.toBe(first.pid);
      const ftp = await ftpTo(second.tunnel, board);
      const back = join(dir, "keep-back.txt");
      await ftp.download("/logs/keep.txt", back);
      expect(await readFile(back, "utf8")).toBe("kept across restarts\n");
      await ftp.quit();
      ftp.close();
    } finally {
      await second.tunnel.close();
    }
    expect(alive(second.pid)).toBe(false);

    const other = await openSim(join(dir, "state-c"));
    try {
      const ftp = await ftpTo(other.tunnel, board);
      expect(await ftp.list("/")).toEqual([]);
      await ftp.quit();
      ftp.close();
    } finally {
      await other.tunnel.close();
    }
  }, 120_000);

  it("reports a board that dies under the tunnel, with how it ended", async () => {
    const errors: Error[] = [];
    const tunnel = await openTunnel({ ...tunnelOptions(board, {}), linkOptions: { stateDir: join(dir, "state-d") }, onLinkError: (e) => errors.push(e) });
    const pid = (tunnel.bytes as ProcessLink).pid;
    const closed = new Promise<void>((r) => tunnel.link.once("close", () => r()));
    process.kill(pid, "SIGKILL");
    await closed;
    await tunnel.close();
    expect(errors.map((e) => e.message)).toEqual(["sim: the board was killed by SIGKILL"]);
  }, 60_000);

  it("runs a prebuilt executable given as sim:PATH, and names a missing one", async () => {
    const prebuilt = join(process.cwd(), "firmware-shim/build/posix/hilftp-shim");
    const link = await openLink(`sim:${prebuilt}`, { board, stateDir: join(dir, "state-e") });
    const pid = (link as ProcessLink).pid;
    expect(alive(pid)).toBe(true);
    await new Promise<void>((resolve) => {
      link.once("close", () => resolve());
      link.destroy();
    });
    expect(alive(pid)).toBe(false);

    const err = await openLink("sim:/nonexistent/hilftp-shim", { board, stateDir: join(dir, "state-e") }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).message).toBe("sim:/nonexistent/hilftp-shim: /nonexistent/hilftp-shim: no such executable");
  }, 60_000);

  it("gives up with the board's own words when it cannot start", async () => {
    // /bin/false runs and exits at once: the readiness wait must notice, not wait out its deadline
    const err = await openLink("sim:/bin/false", { board, stateDir: join(dir, "state-f"), readyTimeoutMs: 30_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as LinkError).message).toBe("sim:/bin/false: the board exited with code 1");
  }, 60_000);
});
