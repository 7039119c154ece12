// The board-side C (firmware-shim/) as part of `npm test`: its unit tests (every tests/test_*.c,
// natively under ASan/UBSan), the native target, and the core compiled for a Cortex-M4 with both
// shipped profiles' configurations, so a change that breaks the C or its portability fails here.
// gcc, make and arm-none-eabi-gcc come from scripts/test-deps.sh.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SHIM = fileURLToPath(new URL("../../firmware-shim/", import.meta.url));
const BOARDS = fileURLToPath(new URL("../../boards/", import.meta.url));
const MINUTE = 60_000;

/** The flags the core must build with on the MCU (README: core/ is C11, freestanding, warning-free). */
const CORE_ARM_FLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-mcpu=cortex-m4", "-mthumb", "-ffreestanding", "-Os", "-c"];

interface Result {
  code: number | null;
  stdout: string;
  /** stdout and stderr as they came. */
  output: string;
}

/** Runs a program to its end; kills its whole process group on timeout. */
function run(program: string, args: string[], timeoutMs: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let output = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString("utf8");
      output += b.toString("utf8");
    });
    child.stderr.on("data", (b: Buffer) => {
      output += b.toString("utf8");
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${program}: ${err.message} (scripts/test-deps.sh installs it)`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

const tail = (text: string): string => text.split("\n").slice(-40).join("\n");

let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-firmware-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("firmware-shim", () => {
  it("passes its C unit tests and builds the native target", { timeout: 10 * MINUTE }, async () => {
    const tests = await run("make", ["-C", SHIM, "test"], 8 * MINUTE);
    expect(tests.code, tail(tests.output)).toBe(0);
    const summary = /^test programs: (\d+), failed: (\d+)$/m.exec(tests.output);
    expect(summary, tail(tests.output)).not.toBeNull();
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(9);
    expect(Number(summary?.[2])).toBe(0);
    // Built in a directory of its own: firmware-shim/build/posix belongs to the sim links, which a
    // concurrent test may be building.
    const native = await run("make", ["-C", SHIM, "native", `BUILD=${join(dir, "build")}`], 2 * MINUTE);
    expect(native.code, tail(native.output)).toBe(0);
  });

  it("compiles every core/*.c for a Cortex-M4, warning-free, with each shipped profile", { timeout: 5 * MINUTE }, async () => {
    const sources = (await readdir(join(SHIM, "core"))).filter((f) => f.endsWith(".c")).sort();
    expect(sources.length).toBeGreaterThanOrEqual(10);
    const failures: string[] = [];
    for (const [profile, port] of [
      ["native-sim", "posix"],
      ["qemu-netduinoplus2", "stm32f4"],
    ] as const) {
      const configDir = join(dir, `arm-${profile}`);
      await mkdir(configDir, { recursive: true });
      const config = await run(process.execPath, [join(SHIM, "tools/profile-config.mjs"), join(BOARDS, `${profile}.json`), "--port", port], MINUTE);
      expect(config.code, config.output).toBe(0);
      await writeFile(join(configDir, "board_config.h"), config.stdout);
      const results = await Promise.all(
        sources.map((source) =>
          run(
            "arm-none-eabi-gcc",
            [...CORE_ARM_FLAGS, join(SHIM, "core", source), "-I", configDir, "-I", join(SHIM, "core"), "-o", join(configDir, source.replace(/\.c$/, ".o"))],
            2 * MINUTE,
          ),
        ),
      );
      results.forEach((r, i) => {
        if (r.code !== 0 || r.output.trim() !== "") failures.push(`${profile}: core/${sources[i]}\n${r.output}`);
      });
    }
    expect(failures.join("\n")).toBe("");
  });
});
