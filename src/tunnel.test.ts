// openTunnel assembles link, SLIP, decorators and stack from options; --faults parsing.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLink, readPcap, SlipFraming } from "./link/index.js";
import { Stack } from "./net/stack.js";
import { DEFAULT_TCP_CONFIG } from "./net/tcp/index.js";
import { FaultSpecError, openTunnel, parseFaults } from "./tunnel.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-tunnel-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parseFaults", () => {
  it("reads rates, timed faults and the seed", () => {
    expect(parseFaults("drop=0.02,corrupt=0.01,dup=0.01,reorder=0.02,seed=7")).toEqual({
      drop: 0.02,
      corrupt: 0.01,
      duplicate: 0.01,
      reorder: 0.02,
      seed: 7,
    });
    expect(parseFaults("delay=0.1:50,stall=0.001:200,seed=1")).toMatchObject({ delay: { rate: 0.1, ms: 50 }, stall: { rate: 0.001, ms: 200 } });
    expect(Number.isInteger(parseFaults("drop=0.1").seed)).toBe(true);
  });

  it("refuses what it does not understand, naming it", () => {
    expect(() => parseFaults("dorp=0.1")).toThrow(FaultSpecError);
    expect(() => parseFaults("dorp=0.1")).toThrow(/dorp/);
    expect(() => parseFaults("drop=2")).toThrow(/0 to 1/);
    expect(() => parseFaults("delay=0.1")).toThrow(/RATE:MS/);
    expect(() => parseFaults("seed=x")).toThrow(/seed/);
  });
});

describe("openTunnel", () => {
  it("over a unix socket: ping the board side, and the pcap holds both directions", async () => {
    const path = join(dir, "board.sock");
    const pcap = join(dir, "t.pcap");
    const boardBytes = openLink(`unix-listen:${path}`);
    const open = (): ReturnType<typeof openTunnel> =>
      openTunnel({ link: `unix:${path}`, mtu: 576, tcp: DEFAULT_TCP_CONFIG, ipv4: { local: "198.51.100.1", peer: "198.51.100.2" }, pcap });
    // The listen binds asynchronously: retry (bounded) until the socket file answers.
    let tunnel: Awaited<ReturnType<typeof openTunnel>> | undefined;
    for (let i = 0; i < 100 && !tunnel; i++) tunnel = await open().catch(() => undefined);
    if (!tunnel) throw new Error("the board side never listened");
    const boardLink = new SlipFraming(await boardBytes, { name: "board", maxFrame: 640 });
    const board = new Stack(boardLink, { mtu: 576, tcp: DEFAULT_TCP_CONFIG, ipv4: { local: "198.51.100.2", peer: "198.51.100.1" } });
    expect(await tunnel.stack.ping("198.51.100.2")).toBeGreaterThanOrEqual(0);
    expect(await board.ping("198.51.100.1")).toBeGreaterThanOrEqual(0);
    await tunnel.close();
    board.close();
    await boardLink.close();
    const records = readPcap(await readFile(pcap));
    expect(records.ok).toBe(true);
    if (records.ok) expect(records.file.records.length).toBe(4);
  });
});
