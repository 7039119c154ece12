// `hilftp tun` (the built CLI) inside a namespace of its own, on the paths other than a healthy
// run (kernel-clean.test.ts covers that): the device name is taken, the board side drops the
// link, the link cannot be opened. Each must end with a non-zero exit (1: the bridge failed;
// 3: the link is unreachable, as for every command), one clear line, and nothing of the bridge
// left running in the namespace.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openLink, type ByteLink } from "../../link/index.js";
import { run } from "../../testing/peers.js";
import { BOARD4, CLI, DEV, HOST4, spawnTun } from "./harness.js";
import { createNamespace, liveNamespaces, type Namespace } from "./netns.js";

let dir = "";
let ns: Namespace | undefined;
let sockets = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-tun-cli-"));
});
afterEach(async () => {
  await ns?.destroy();
  ns = undefined;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Listens on a fresh unix socket; `board` resolves once `hilftp tun` has connected. */
async function boardSide(): Promise<{ spec: string; board: Promise<ByteLink> }> {
  const path = join(dir, `link-${++sockets}.sock`);
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const board = openLink(`unix-listen:${path}`, { timeoutMs: 20_000, onListening: () => listening() });
  board.catch(() => undefined);
  await ready;
  return { spec: `unix:${path}`, board };
}

const tunArgs = (spec: string): string[] => [CLI, "tun", "--link", spec, "--mtu", "576", "--local-ip", HOST4, "--peer-ip", BOARD4];

describe("hilftp tun in a namespace, failure paths", () => {
  it("the device name is taken: exit 1 naming it, the existing device untouched", async () => {
    ns = await createNamespace();
    // a persistent TUN made by ip (this kernel has no dummy module); it goes with the namespace
    const made = await run("ip", ["netns", "exec", ns.name, "ip", "tuntap", "add", "dev", DEV, "mode", "tun"], { timeoutMs: 10_000 });
    expect(made.code, made.stderr).toBe(0);
    const { spec, board } = await boardSide();
    const tun = spawnTun(ns.name, tunArgs(spec));
    const code = await tun.exited;
    (await board.catch(() => undefined))?.destroy();
    expect(code).toBe(1);
    expect(tun.stderr()).toBe(`hilftp tun: device ${DEV} exists already (another hilftp tun?)\n`);
    expect(await ns.pids()).toEqual([]);
    const still = await run("ip", ["-n", ns.name, "-d", "link", "show", "dev", DEV], { timeoutMs: 10_000 });
    expect(still.code).toBe(0);
    expect(still.stdout).toMatch(/tun type tun .*persist on/);
  }, 60_000);

  it("the board side drops the link: exit 1 saying so; socat and the device are gone", async () => {
    ns = await createNamespace();
    const { spec, board } = await boardSide();
    const tun = spawnTun(ns.name, tunArgs(spec));
    await tun.up;
    const link = await board;
    expect((await run("ip", ["-n", ns.name, "link", "show", "dev", DEV], { timeoutMs: 10_000 })).code).toBe(0);
    expect((await ns.pids()).length).toBe(2); // the CLI and its socat
    link.destroy();
    expect(await tun.exited).toBe(1);
    expect(tun.stderr()).toMatch(new RegExp(`hilftp tun: link ${spec} closed\\n$`));
    expect(await ns.pids()).toEqual([]);
    expect((await run("ip", ["-n", ns.name, "link", "show", "dev", DEV], { timeoutMs: 10_000 })).code).not.toBe(0);
  }, 60_000);

  it("SIGKILL of the CLI: socat dies with it (parent-death signal) and the device goes", async () => {
    ns = await createNamespace();
    const { spec, board } = await boardSide();
    const tun = spawnTun(ns.name, tunArgs(spec));
    await tun.up;
    const link = await board;
    expect((await ns.pids()).length).toBe(2); // the CLI and its socat
    process.kill(tun.pid!, "SIGKILL");
    await tun.exited;
    let left = await ns.pids();
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await ns.pids();
    }
    link.destroy();
    expect(left).toEqual([]);
    expect((await run("ip", ["-n", ns.name, "link", "show", "dev", DEV], { timeoutMs: 10_000 })).code).not.toBe(0);
  }, 60_000);

  it("a link that cannot be opened: exit 3 (unreachable) with the link's own message, no device made", async () => {
    ns = await createNamespace();
    const spec = `unix:${join(dir, "nobody-listens.sock")}`;
    const tun = spawnTun(ns.name, tunArgs(spec));
    expect(await tun.exited).toBe(3);
    expect(tun.stderr()).toMatch(new RegExp(`^hilftp tun: ${spec}: .+\\n$`));
    expect((await run("ip", ["-n", ns.name, "link", "show", "dev", DEV], { timeoutMs: 10_000 })).code).not.toBe(0);
  }, 60_000);

  it("the namespace's loopback is down: exit 1 saying how to fix it, nothing left running", async () => {
    ns = await createNamespace({ loopback: false });
    const { spec, board } = await boardSide();
    const tun = spawnTun(ns.name, tunArgs(spec));
    expect(await tun.exited).toBe(1);
    (await board.catch(() => undefined))?.destroy();
    expect(tun.stderr()).toBe("hilftp tun: the loopback interface has no 127.0.0.1 (is it up? ip link set lo up)\n");
    expect(await ns.pids()).toEqual([]);
  }, 60_000);

  it("left no namespace behind", async () => {
    expect(liveNamespaces()).toEqual([]);
  });
});
