// The fixture against the real native target: what openBoard hands out (link, addresses, agent,
// FTP), where it takes the board from (options, HIL_BOARD/HIL_LINK), the pcap kept only for failed
// runs, the HELLO check against the profile, boards without an agent, and that every process it
// started is gone after close. Also useBoard() as a user's test file would call it.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive } from "../board/launch-test-support.js";
import { readPcap } from "../link/index.js";
import { openBoard } from "./board.js";
import { startNativeTarget, type NativeTarget } from "./native-target.js";
import { startStackBoard } from "./stack-board.js";
import { agentContent, downloadBuffer } from "./test-data.js";
import { useBoard } from "./use-board.js";

const FIRMWARE = fileURLToPath(new URL("../../firmware-shim/build/posix/hilftp-shim", import.meta.url));

let scratch = "";
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "hilftp-fixture-test-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("openBoard on native-sim", () => {
  it("starts the target, checks HELLO, and hands out a logged-in FTP client and a working agent", async () => {
    const board = await openBoard({ board: "native-sim", pcap: "on-failure" });
    const dir = dirname(board.pcapPath!);
    try {
      expect(board.link).toBe("sim");
      expect(board.hostAddress).toEqual({ v4: "198.51.100.1", v6: "2001:db8::1" });
      expect(board.boardAddress).toEqual({ v4: "198.51.100.2", v6: "2001:db8::2" });
      expect(board.hello).toMatchObject({ board: "native-sim", mtu: 1500, pool: { count: 16, payloadSize: 1500 }, sessions: 4 });
      expect(await board.ping(6)).toBeGreaterThanOrEqual(0);

      const agent = board.agent!;
      await agent.format();
      const made = await agent.mkfile("/fixture.bin", 3000, 9);
      const ftp = await board.ftp({ family: 6, passive: false });
      const got = await downloadBuffer(ftp, "/fixture.bin");
      await ftp.quit();
      ftp.close();
      // The bytes are the documented generator's: the agent and the fixture agree with the README.
      expect(got.equals(agentContent(3000, 9))).toBe(true);
      expect(made.bytes).toBe(3000);

      const counters = await board.counters();
      expect(counters.device?.ftp_logins).toBeGreaterThanOrEqual(1);
      expect(counters.host.stack.framesOut).toBeGreaterThan(0);
      expect(counters.host.link.framesIn).toBe(counters.host.stack.framesIn);
      await agent.rm("/fixture.bin");
    } finally {
      const result = await board.close();
      expect(result).toEqual({ pcap: undefined, targetLog: undefined, failures: [] });
    }
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  it("keeps an on-failure pcap only when a test failed, with every frame of the session in it", async () => {
    const passed = await openBoard({ pcap: "on-failure" });
    const passedPath = passed.pcapPath!;
    await passed.ping(4);
    expect((await passed.pcap()).records.length).toBeGreaterThanOrEqual(2);
    expect((await passed.close()).pcap).toBeUndefined();
    expect(existsSync(passedPath)).toBe(false);

    const failed = await openBoard({ pcap: "on-failure" });
    await failed.ping(4);
    const before = (await failed.pcap()).records.length;
    await failed.ping(4);
    // The snapshot waits for the tap: the echo request and reply just counted are in it.
    expect((await failed.pcap()).records.length).toBe(before + 2);
    failed.markFailed("some test");
    const result = await failed.close();
    try {
      expect(result.failures).toEqual(["some test"]);
      expect(result.pcap).toBe(failed.pcapPath);
      const parsed = readPcap(await readFile(result.pcap!));
      expect(parsed.ok && parsed.file.records.length).toBeGreaterThanOrEqual(before + 2);
      // Only the evidence stays: the board's state (fs image) is gone.
      expect((await readdir(dirname(result.pcap!))).sort()).toEqual(["board.pcap"]);
    } finally {
      await rm(dirname(result.pcap!), { recursive: true, force: true });
    }
  }, 60_000);

  it("keeps a pcap given by path whatever happened", async () => {
    const path = join(scratch, "kept.pcap");
    const board = await openBoard({ pcap: path });
    await board.ping(4);
    expect((await board.close()).pcap).toBe(path);
    const parsed = readPcap(await readFile(path));
    expect(parsed.ok && parsed.file.records.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("refuses a board whose firmware was built for another profile", async () => {
    const dir = await mkdtemp(join(scratch, "target-"));
    const target = await startNativeTarget({ firmware: FIRMWARE, dir });
    try {
      await expect(openBoard({ board: "qemu-netduinoplus2", link: target.link })).rejects.toThrow(
        /not built for this profile \(HELLO: board native-sim, profile qemu-netduinoplus2, mtu 1500, profile 576/,
      );
    } finally {
      await target.stop();
    }
    expect(alive(target.pid)).toBe(false);
  }, 60_000);
});

describe("openBoard: where the board comes from", () => {
  let target: NativeTarget;
  const saved = { board: process.env.HIL_BOARD, link: process.env.HIL_LINK };
  beforeAll(async () => {
    target = await startNativeTarget({ firmware: FIRMWARE, dir: await mkdtemp(join(scratch, "env-")) });
  });
  afterAll(async () => {
    await target.stop();
    for (const [k, v] of [["HIL_BOARD", saved.board], ["HIL_LINK", saved.link]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("takes HIL_BOARD and HIL_LINK when the options name neither, and starts nothing itself", async () => {
    process.env.HIL_BOARD = "native-sim";
    process.env.HIL_LINK = target.link;
    const board = await openBoard({ agent: "none" });
    try {
      expect(board.link).toBe(target.link);
      expect(board.profile.name).toBe("native-sim");
      expect(board.agent).toBeUndefined();
      expect(board.targetLog()).toBe("");
    } finally {
      await board.close();
      delete process.env.HIL_BOARD;
      delete process.env.HIL_LINK;
    }
    // The target we started is still up: the fixture only stops what it started.
    expect(alive(target.pid)).toBe(true);
  }, 60_000);

  it("gives no agent for a board without one, and fails when the agent is required", async () => {
    const path = join(scratch, "stack-board.sock");
    const root = await mkdtemp(join(scratch, "root-"));
    const stackBoard = await startStackBoard({ path, root });
    try {
      const board = await openBoard({ board: "native-sim", link: `unix:${path}` });
      try {
        expect(board.agent).toBeUndefined();
        const ftp = await board.ftp();
        expect(await ftp.pwd()).toBe("/");
        await ftp.quit();
        ftp.close();
        expect((await board.counters()).device).toBeUndefined();
      } finally {
        await board.close();
      }
      await expect(openBoard({ board: "native-sim", link: `unix:${path}`, agent: "required" })).rejects.toThrow(/no test agent on port 9000/);
    } finally {
      await stackBoard.close();
    }
  }, 60_000);

  it("says which board did not answer, on which link", async () => {
    const dir = await mkdtemp(join(scratch, "silent-"));
    const net = await import("node:net");
    const silent = net.createServer((s) => s.on("error", () => undefined));
    const sock = join(dir, "silent.sock");
    await new Promise<void>((r) => silent.listen(sock, r));
    try {
      await expect(openBoard({ board: "native-sim", link: `unix:${sock}`, readyTimeoutMs: 300 })).rejects.toThrow(
        /board at 198\.51\.100\.2 on unix:.*silent\.sock did not answer ping within 300 ms/,
      );
    } finally {
      silent.close();
    }
  }, 30_000);
});

describe("startNativeTarget", () => {
  it("runs the target behind a pty, reachable as a serial: link, and stops it by PID", async () => {
    const target = await startNativeTarget({ firmware: FIRMWARE, dir: await mkdtemp(join(scratch, "pty-")), pty: true });
    expect(target.link).toMatch(/^serial:\/dev\/pts\/\d+@115200$/);
    const board = await openBoard({ board: "native-sim", link: target.link });
    try {
      expect(board.hello?.board).toBe("native-sim");
    } finally {
      await board.close();
      await target.stop();
    }
    expect(alive(target.pid)).toBe(false);
  }, 60_000);

  it("reports a target that dies before it is ready, with its stderr", async () => {
    await expect(startNativeTarget({ firmware: "/bin/false", dir: await mkdtemp(join(scratch, "dead-")) })).rejects.toThrow(/exited \(code 1\) before it was ready/);
    await expect(startNativeTarget({ firmware: join(scratch, "no-such-shim"), dir: scratch })).rejects.toThrow(/ENOENT/);
  });
});

describe("useBoard", () => {
  const board = useBoard({ board: "native-sim" });
  it("gives the open board inside tests, capturing for on-failure", async () => {
    expect(board().profile.name).toBe("native-sim");
    expect(board().pcapPath).toMatch(/board\.pcap$/);
    expect(await board().ping(4)).toBeGreaterThanOrEqual(0);
  });
});
