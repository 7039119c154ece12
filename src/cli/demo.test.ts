// hilftp demo as a user runs it: the built CLI (dist/cli/main.js; npm test builds first) against
// native-sim, shaped to the profile's 115200 baud. Each run gets its own TMPDIR and
// HILFTP_STATE_DIR, so its board's fs image is private and what it leaves behind can be checked:
// no board process, no temp directory, whether the demo passed or failed.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesMentioning, runCli, type CliResult } from "../board/launch-test-support.js";
import { parseSize } from "./demo.js";

let dir = "";
let runs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-demo-test-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `hilftp demo ARGS` with a private TMPDIR; checks afterwards that the board and temp files are gone. */
async function demo(args: readonly string[], timeoutMs = 90_000): Promise<CliResult> {
  const tmp = join(dir, `run-${++runs}`);
  await mkdir(tmp);
  const result = await runCli(["demo", ...args], { TMPDIR: tmp, HILFTP_STATE_DIR: join(tmp, "state") }, timeoutMs);
  expect(await processesMentioning(tmp)).toEqual([]);
  expect((await readdir(tmp)).filter((name) => name.startsWith("hilftp-"))).toEqual([]);
  return result;
}

const noStackTrace = (text: string): void => expect(text).not.toMatch(/^\s+at /m);

describe("hilftp demo on native-sim", () => {
  it("runs every step at 115200 baud and sets goodput against the line limit", async () => {
    const r = await demo([], 120_000);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^hilftp demo: native-sim, link sim, MTU 1500, 115200 baud/);
    const steps = [/build and boot native-sim/, /ping 198\.51\.100\.2/, /login hil@198\.51\.100\.2:21/, /LIST \//, /upload 64\.0 KiB/, /download 64\.0 KiB/, /SHA-256 equal/, /board pulls 16\.0 KiB/];
    steps.forEach((label, i) => {
      const line = lines.find((l) => l.startsWith(`  [${i + 1}/8] `));
      expect(line, `step ${i + 1}`).toMatch(label);
      expect(line).toMatch(/ \.+ ok +\d+(\.\d)? (ms|s)\b/);
    });
    // The summary: the transfers against the physical limit of the shaped line.
    expect(r.stdout).toMatch(/^ {2}upload +[\d.]+ KiB\/s = \d+\.\d% of the line limit \([\d.]+ KiB\/s\)$/m);
    expect(r.stdout).toMatch(/^ {2}download +[\d.]+ KiB\/s = \d+\.\d% of the line limit/m);
    expect(r.stdout).toMatch(/^ {2}retransmits +host \d+, board \d+$/m);
    expect(r.stdout).toMatch(/^ {2}pool +low-water mark \d+ of 16 buffers free$/m);
    expect(r.stdout).toMatch(/^demo: ok, all 8 steps passed in [\d.]+ s$/m);
    // Shaped, a bulk transfer keeps the line busy: well above half of its limit even on a loaded host.
    const pct = Number(/^ {2}download +[\d.]+ KiB\/s = (\d+\.\d)%/m.exec(r.stdout)?.[1]);
    expect(pct).toBeGreaterThan(50);
    expect(pct).toBeLessThan(105);
  }, 150_000);

  it("--json prints one document: every step ok, with its time and details, and the summary", async () => {
    const r = await demo(["--json", "--size", "8KiB"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      board: string;
      baud: number;
      size: number;
      steps: { n: number; name: string; ok: boolean; ms: number; details: Record<string, unknown> }[];
      summary: { fileBytes: number; upload: { ofLimit: number; bytes: number }; download: { ofLimit: number }; retransmits: { host: number; board: number }; pool: { lowWater: number; count: number } };
    };
    expect(doc).toMatchObject({ ok: true, board: "native-sim", baud: 115200, size: 8192 });
    expect(doc.steps.map((s) => s.name)).toEqual(["boot", "ping", "login", "list", "upload", "download", "sha256", "device-pull"]);
    for (const s of doc.steps) {
      expect(s.ok).toBe(true);
      expect(s.ms).toBeGreaterThan(0);
    }
    expect(doc.steps[4]!.details).toMatchObject({ bytes: 8192 });
    expect(doc.summary.fileBytes).toBe(3 * 8192);
    expect(doc.summary.upload.ofLimit).toBeGreaterThan(0);
    expect(doc.summary.download.ofLimit).toBeGreaterThan(0);
    expect(doc.summary.pool.count).toBe(16);
    expect(doc.summary.pool.lowWater).toBeLessThanOrEqual(16);
  }, 120_000);

  it("a profile with an invalid field: one line naming it, exit 2, no board started", async () => {
    const bad = join(dir, "bad.json");
    const profile = JSON.parse(await readFile(new URL("../../boards/native-sim.json", import.meta.url), "utf8")) as Record<string, unknown>;
    await writeFile(bad, JSON.stringify({ ...profile, mtu: 12 }));
    const r = await demo(["--board", bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^hilftp demo: .*bad\.json: mtu: must be an integer/);
    noStackTrace(r.stderr);
  }, 60_000);

  it("a step that fails says why in one line, runs no later step, closes the board and exits 1", async () => {
    // 1 MiB cannot fit native-sim's 256 KiB RAM fs: the upload step refuses before sending.
    const r = await demo(["--size", "1MiB"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}\[4\/8\] LIST \/ \.+ ok/m);
    expect(r.stdout).toMatch(/^ {2}\[5\/8\] upload 1\.0 MiB \(STOR\) \.+ FAILED/m);
    expect(r.stdout).not.toMatch(/\[6\/8\]|summary/);
    expect(r.stderr).toBe("hilftp demo: [5/8] upload 1.0 MiB (STOR): 1.0 MiB does not fit the board's RAM fs (256.0 KiB free): give a smaller --size\n");
    noStackTrace(r.stderr);
  }, 60_000);

  it("bad options are usage errors (exit 2)", async () => {
    for (const args of [["--size", "0"], ["--size", "12 parsecs"], ["--baud", "fast"], ["--no-shape", "--baud", "9600"], ["--bogus"]]) {
      const r = await runCli(["demo", ...args], {}, 30_000);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  }, 60_000);
});

describe("parseSize", () => {
  it("takes one size in bytes or with a binary K/M suffix", () => {
    expect(parseSize("65536")).toBe(65536);
    expect(parseSize("64KiB")).toBe(65536);
    expect(parseSize("64k")).toBe(65536);
    expect(parseSize("1 MiB")).toBe(1024 * 1024);
    expect(() => parseSize("0")).toThrow(/--size/);
    expect(() => parseSize("-5")).toThrow(/--size/);
    expect(() => parseSize("65G")).toThrow(/--size/);
    expect(() => parseSize("4K,8K")).toThrow(/--size wants one size/);
  });
});
