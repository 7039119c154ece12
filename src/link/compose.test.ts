// The decorators stacked the way the CLI stacks them: pcap outermost (what the stack sent and
// received), then faults, then the UART shaper, then the framing.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faults } from "./faults.js";
import { ManualClock } from "./manual-clock.js";
import { frameLinkPair } from "./memory-link.js";
import { readPcap } from "./pcap-format.js";
import { pcapTap } from "./pcap-tap.js";
import { shape } from "./shape.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-compose-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("decorators compose", () => {
  it("pcapTap(faults(shape(link))): each does its part and the stats add up", async () => {
    const clock = new ManualClock();
    const [base, board] = frameLinkPair({ synchronous: true });
    const path = join(dir, "stack.pcap");
    const link = pcapTap(faults(shape(base, { baud: 10_000, clock }), { seed: 4, drop: 0.2, clock }), path, { now: () => clock.now() });
    const arrived: number[] = [];
    board.on("frame", () => arrived.push(clock.now()));
    for (let i = 0; i < 100; i++) link.send(Buffer.alloc(98, i)); // 100 ms each on the line
    clock.advance(100_000);
    const s = link.stats;
    expect(s.dropped).toBeGreaterThan(0);
    expect(arrived.length).toBe(100 - s.dropped);
    expect(s.framesOut).toBe(arrived.length); // what reached the base link
    // back to back on the line: the n-th surviving frame lands at n × 100 ms
    expect(arrived).toEqual(arrived.map((_, n) => (n + 1) * 100));
    await link.close();
    expect(clock.pending).toBe(0);
    const pcap = readPcap(await readFile(path));
    expect(pcap.ok && pcap.file.records.length).toBe(100); // the tap saw every frame sent
  });
});
