// `hilftp tun --board native-sim` (the built CLI, root, in a network namespace of its own): the
// option handling the other commands use picks the profile's sim link, the native target is
// started and answers the kernel's ping and curl's FTP listing through the TUN device, and stopping
// the tun stops the board (nothing left in the namespace).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, spawnTun } from "../net/interop/harness.js";
import { createNamespace, type Namespace } from "../net/interop/netns.js";

let dir = "";
let ns: Namespace | undefined;
const savedState = process.env.HILFTP_STATE_DIR;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-tun-board-"));
  process.env.HILFTP_STATE_DIR = join(dir, "state"); // inherited by the CLI spawnTun starts
});
afterAll(async () => {
  await ns?.destroy();
  if (savedState === undefined) delete process.env.HILFTP_STATE_DIR;
  else process.env.HILFTP_STATE_DIR = savedState;
  await rm(dir, { recursive: true, force: true });
});

describe("hilftp tun --board native-sim", () => {
  it("starts the native target, the kernel pings it and lists its FTP root, and stopping tun stops it", async () => {
    ns = await createNamespace();
    const tun = spawnTun(ns.name, [CLI, "tun", "--board", "native-sim"]);
    try {
      await tun.up;
      const ping = await ns.exec("ping", ["-c", "2", "-W", "2", "198.51.100.2"], { timeoutMs: 20_000 });
      expect(ping.code, ping.stdout + ping.stderr).toBe(0);
      const ping6 = await ns.exec("ping", ["-6", "-c", "1", "-W", "2", "2001:db8::2"], { timeoutMs: 20_000 });
      expect(ping6.code, ping6.stdout + ping6.stderr).toBe(0);
      const mkdir = await ns.exec("curl", ["-sS", "--max-time", "20", "-Q", "MKD /from-kernel", "ftp://hil:hil@198.51.100.2/"], { timeoutMs: 30_000 });
      expect(mkdir.code, mkdir.stderr).toBe(0);
      const listed = await ns.exec("curl", ["-sS", "--max-time", "20", "ftp://hil:hil@198.51.100.2/"], { timeoutMs: 30_000 });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/^d.* from-kernel\r?$/m);
    } finally {
      expect(await tun.stop()).toBe(0);
    }
    expect(await ns.pids()).toEqual([]);
  }, 120_000);
});
