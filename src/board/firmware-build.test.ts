// Building firmware from a profile: make's failures as one line (a missing ARM toolchain names the
// packages), the profile file make reads, the state directory's precedence, executables on PATH,
// and tools/profile-config.mjs reading the profile's firmware section.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateDirectory } from "./board-link.js";
import { buildFirmware, explainBuildFailure, findExecutable, FIRMWARE_SHIM_DIR, FirmwareBuildError, INSTALL_HINT, PACKAGE_ROOT, profilePathFor } from "./firmware-build.js";
import { loadProfile, parseProfile } from "./loader.js";
import { validProfile } from "./test-support.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-fw-build-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("buildFirmware", () => {
  it("says which packages to install when the ARM toolchain is missing (make output, real run)", async () => {
    // a build directory of its own, so the shared firmware-shim/build is not touched
    const err = await buildFirmware({
      target: "stm32",
      profilePath: join(PACKAGE_ROOT, "boards/qemu-netduinoplus2.json"),
      makeVars: { BUILD: join(dir, "build"), ARM_CC: "/nonexistent/arm-none-eabi-gcc" },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FirmwareBuildError);
    expect((err as Error).message).toBe(
      `make stm32 failed: /nonexistent/arm-none-eabi-gcc not found; install the toolchain with: ${INSTALL_HINT.armToolchain}`,
    );
    expect(INSTALL_HINT.armToolchain).toBe("apt-get install --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi");
  }, 120_000);

  it("says so when make itself is missing", async () => {
    const err = await buildFirmware({ target: "native", profilePath: "x.json", make: "/nonexistent/make" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe(`make native: /nonexistent/make not found; install it with: ${INSTALL_HINT.nativeToolchain}`);
  });

  it("finds firmware-shim from the module's own location", async () => {
    expect((await stat(join(FIRMWARE_SHIM_DIR, "Makefile"))).isFile()).toBe(true);
  });
});

describe("explainBuildFailure", () => {
  it.each([
    ["make: arm-none-eabi-gcc: Command not found\nmake: *** [Makefile:79: x.o] Error 127", /^arm-none-eabi-gcc not found; install the toolchain/],
    ["make: arm-none-eabi-size: No such file or directory", /^arm-none-eabi-size not found/],
    ["make: cc: No such file or directory\nmake: *** [Makefile:40: a.o] Error 127", /^cc not found; install it with: apt-get/],
    ["core/tcp.c:10:5: error: expected ';' before '}' token\nmake: *** [Makefile:44: t.o] Error 1", /^core\/tcp\.c:10:5: error: expected ';'/],
    ["make: *** No rule to make target 'nope'.  Stop.", /^make: \*\*\* No rule to make target 'nope'/],
    ["", /^no output$/],
  ])("%j", (output, expected) => {
    expect(explainBuildFailure(output)).toMatch(expected);
  });
});

describe("profilePathFor", () => {
  it("is the file a loaded profile came from", async () => {
    expect(await profilePathFor(await loadProfile("native-sim"), dir)).toBe(join(PACKAGE_ROOT, "boards/native-sim.json"));
  });

  it("writes an in-memory profile to the state dir once, and again only when it changes", async () => {
    const state = join(dir, "state");
    const profile = parseProfile(validProfile(), "memory");
    const path = await profilePathFor(profile, state);
    expect(path).toBe(join(state, "test-board.profile.json"));
    const first = (await stat(path)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await profilePathFor(parseProfile(validProfile(), "memory"), state);
    expect((await stat(path)).mtimeMs).toBe(first);
    await profilePathFor(parseProfile({ ...validProfile(), mtu: 576 }, "memory"), state);
    expect((await stat(path)).mtimeMs).not.toBe(first);
  });
});

describe("stateDirectory", () => {
  it("option, then HILFTP_STATE_DIR, then XDG_STATE_HOME/hilftp, then ~/.local/state/hilftp", () => {
    const env = { HILFTP_STATE_DIR: "/s", XDG_STATE_HOME: "/x" };
    expect(stateDirectory("/o", env)).toBe("/o");
    expect(stateDirectory(undefined, env)).toBe("/s");
    expect(stateDirectory(undefined, { XDG_STATE_HOME: "/x" })).toBe("/x/hilftp");
    expect(stateDirectory(undefined, {})).toBe(join(homedir(), ".local/state/hilftp"));
  });
});

describe("findExecutable", () => {
  it("searches PATH for bare names and takes paths as given", async () => {
    const sh = await findExecutable("sh");
    expect(sh).toMatch(/\/sh$/);
    expect(await findExecutable("sh", { PATH: "/nonexistent" })).toBeUndefined();
    expect(await findExecutable(sh!)).toBe(sh);
    const plain = join(dir, "plain.txt");
    await writeFile(plain, "not a program", { mode: 0o644 });
    expect(await findExecutable(plain)).toBeUndefined(); // root may access(X_OK) it; the mode says no
  });
});

describe("tools/profile-config.mjs", () => {
  const config = (profile: string, port: string): string => {
    const r = spawnSync(process.execPath, [join(FIRMWARE_SHIM_DIR, "tools/profile-config.mjs"), profile, "--port", port], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };

  it("writes the shipped profiles' firmware section into board_config.h", () => {
    const sim = config(join(PACKAGE_ROOT, "boards/native-sim.json"), "posix");
    expect(sim).toMatch(/^#define RAMFS_SIZE 262144$/m);
    expect(sim).toMatch(/^#define AGENT_PORT 9000$/m);
    const qemu = config(join(PACKAGE_ROOT, "boards/qemu-netduinoplus2.json"), "stm32f4");
    expect(qemu).toMatch(/^#define RAMFS_SIZE 73728$/m);
    expect(qemu).toMatch(/^#define IPV6_ENABLED 0$/m);
  });

  it("reads every firmware field the schema allows", async () => {
    const path = join(dir, "sized.json");
    const firmware = { ramfsSize: 4096, ramfsMaxFiles: 8, agentPort: 9100, ftpMaxSessions: 2, ftpIdleTimeoutMs: 60000, tcpMaxSockets: 6, tcpMaxRetries: 5, timeWaitMs: 100 };
    await writeFile(path, JSON.stringify({ ...validProfile(), firmware }));
    parseProfile({ ...validProfile(), firmware }, path); // the schema takes it too
    const out = config(path, "posix");
    for (const line of [
      "RAMFS_SIZE 4096",
      "RAMFS_MAX_FILES 8",
      "AGENT_PORT 9100",
      "FTP_MAX_SESSIONS 2",
      "FTP_IDLE_TIMEOUT_MS 60000",
      "TCP_MAX_SOCKETS 6",
      "TCP_MAX_RETRIES 5",
      "TCP_TIME_WAIT_MS 100",
    ]) {
      expect(out).toContain(`#define ${line}\n`);
    }
  });
});
