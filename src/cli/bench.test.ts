// hilftp bench against the native-sim board shaped to 115200 baud: the JSON document has a row per
// size and verb with the right byte counts and a goodput within the line's physical limit, the
// human output has its table, and the helpers (sizes, line rate, medians) do what the help says.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../board/launch-test-support.js";
import { lineRate, parseSizes, summarize, type BenchReport, type BenchRun } from "./bench.js";

describe("hilftp bench against native-sim at 115200 baud (the built CLI)", () => {
  let state: string;
  // The sim board keeps its fs image in the state directory: a private one for this file.
  const hilftp = (args: string[]): Promise<CliResult> => runCli(["bench", "--board", "native-sim", "--reps", "1", "--baud", "115200", ...args], { HILFTP_STATE_DIR: state }, 120_000);

  beforeAll(async () => {
    state = await mkdtemp(join(tmpdir(), "hilftp-bench-test-"));
  });

  afterAll(async () => {
    await rm(state, { recursive: true, force: true });
  });

  it("--json: a row per size and verb, bytes right, goodput within the limit", async () => {
    const r = await hilftp(["--sizes", "4K,16K", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as BenchReport;
    expect(report.board).toBe("native-sim");
    expect(report.line).toMatchObject({ baud: 115200, from: "shaper", paced: true, rawLimit: 11520 });
    expect(report.rows.map((row) => `${row.verb} ${row.size}`).sort()).toEqual(["RETR 16384", "RETR 4096", "STOR 16384", "STOR 4096"]);
    for (const row of report.rows) {
      expect(row.bytes).toBe(row.size);
      expect(row.ok).toBe(true);
      expect(row.goodput).toBeGreaterThan(0);
      expect(row.ofLimit).toBeGreaterThan(0);
      expect(row.ofLimit).toBeLessThanOrEqual(1.05);
      expect(row.limit).toBeLessThanOrEqual(11520);
    }
    expect(report.runs).toHaveLength(4);
  }, 150_000);

  it("without --json: the table with its header, and the files are gone from the board", async () => {
    const r = await hilftp(["--sizes", "4K"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^verb\s+size\s+seconds\s+goodput B\/s\s+kbit\/s\s+limit B\/s\s+of limit\s+wire\/file\s+check$/m);
    expect(r.stdout).toMatch(/^STOR\s+4\.0 KiB\s.*ok$/m);
    expect(r.stdout).toMatch(/^RETR\s+4\.0 KiB\s.*ok$/m);
    expect(r.stdout).toMatch(/line 115200 baud from the shaper/);
    // The board's fs persists in the state directory: what bench stored must not be listed.
    const ls = await runCli(["ls", "ftp://board/", "--board", "native-sim", "--json"], { HILFTP_STATE_DIR: state }, 60_000);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).not.toMatch(/hilftp-bench/);
  }, 150_000);

  it("refuses to run without a board or link (usage error)", async () => {
    const r = await runCli(["bench", "--sizes", "4K"], { HILFTP_STATE_DIR: state }, 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--board NAME or --link SPEC/);
  });
});

describe("bench helpers", () => {
  it("parses sizes with binary units", () => {
    expect(parseSizes("4K,64k,1M,300")).toEqual([4096, 65536, 1048576, 300]);
    expect(() => parseSizes("0")).toThrow(/not a size/);
    expect(() => parseSizes("65M")).toThrow(/not a size/);
    expect(() => parseSizes("4Q")).toThrow(/not a size/);
  });

  it("takes the line rate from the serial port, then the shaper, then the profile", () => {
    expect(lineRate("serial:/dev/ttyACM0@921600", undefined, 115200)).toEqual({ baud: 921600, from: "serial", paced: true });
    expect(lineRate("serial:/dev/ttyACM0@921600", 115200, 115200)).toEqual({ baud: 115200, from: "shaper", paced: true });
    expect(lineRate("sim", 57600, 115200)).toEqual({ baud: 57600, from: "shaper", paced: true });
    expect(lineRate("sim", undefined, 115200)).toEqual({ baud: 115200, from: "profile", paced: false });
    expect(lineRate("tcp:127.0.0.1:5555", undefined, undefined)).toBeUndefined();
  });

  it("takes each figure's median on its own and keeps a null limit null", () => {
    const run = (rep: number, seconds: number, ofLimit: number | null): BenchRun => ({
      verb: "STOR",
      size: 100,
      rep,
      bytes: 100,
      seconds,
      goodput: 100 / seconds,
      frames: 1,
      ipBytes: 140,
      wireBytes: 150,
      overhead: 1.5,
      limit: ofLimit === null ? null : 50,
      ofLimit,
      ok: true,
    });
    const [row] = summarize([run(0, 1, 0.9), run(1, 4, 0.5), run(2, 2, 0.7)]);
    expect(row).toMatchObject({ runs: 3, seconds: 2, goodput: 50, ofLimit: 0.7, ok: true });
    expect(summarize([run(0, 1, null)])[0]!.ofLimit).toBeNull();
  });
});
