// The qemu link end to end: the STM32F405 firmware built from its profile, booted in
// qemu-system-arm (netduinoplus2), pinged, used over FTP (small files: ~20 KB/s go into the MCU),
// and QEMU gone after close (checked by PID). Then the one-line errors for a missing emulator, a
// missing firmware image and an emulator that refuses to start.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkError, openLink } from "../link/index.js";
import { ProcessLink } from "../link/process-link.js";
import { sha256 } from "../testing/test-data.js";
import { openTunnel, tunnelOptions } from "../tunnel.js";
import { INSTALL_HINT } from "./firmware-build.js";
import { alive, putListGet } from "./launch-test-support.js";
import { loadProfile, parseProfile } from "./loader.js";
import type { BoardProfile } from "./profile.js";

let dir = "";
let board: BoardProfile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-qemu-test-"));
  board = await loadProfile("qemu-netduinoplus2");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(run: Promise<unknown>): Promise<LinkError> {
  const err = await run.then(
    (link) => {
      (link as ProcessLink).destroy();
      return undefined;
    },
    (e: unknown) => e,
  );
  if (!(err instanceof LinkError)) throw new Error(`expected a LinkError, got ${String(err)}`);
  return err;
}

describe("qemu link", () => {
  it("boots the firmware in QEMU, answers ping, serves FTP ls/put/get, and close stops QEMU", async () => {
    const tunnel = await openTunnel({ ...tunnelOptions(board, {}), linkOptions: { stateDir: join(dir, "state") } });
    const link = tunnel.bytes as ProcessLink;
    expect(link).toBeInstanceOf(ProcessLink);
    const pid = link.pid;
    try {
      expect(alive(pid)).toBe(true);
      console.log(`qemu-netduinoplus2: start to first ping answer ${link.readyMs.toFixed(1)} ms`);
      expect(tunnel.stack.addresses(6)).toBeUndefined(); // MTU 576: IPv4 only
      await tunnel.stack.ping(board.addresses.boardIpv4, { timeoutMs: 3000 });

      const { listedFirst, listed, payload, back } = await putListGet(tunnel, board, dir, { remote: "/small.bin", size: 6000, listFirst: true });
      expect(listedFirst).toEqual([]);
      expect(listed).toEqual([["small.bin", payload.length]]);
      expect(sha256(back)).toBe(sha256(payload));
    } finally {
      await tunnel.close();
    }
    expect(alive(pid)).toBe(false);
  }, 180_000);

  it("a missing emulator is one line naming the package to install (option and HILFTP_QEMU)", async () => {
    const byOption = await failure(openLink("qemu", { board, qemuBinary: "/nonexistent/qemu-system-arm" }));
    expect(byOption.message).toBe(`qemu: /nonexistent/qemu-system-arm not found; install it with: ${INSTALL_HINT.qemu}`);
    expect(byOption.message).toContain("apt-get install --no-install-recommends qemu-system-arm");
    const saved = process.env.HILFTP_QEMU;
    process.env.HILFTP_QEMU = "qemu-system-nonexistent";
    try {
      const byEnv = await failure(openLink("qemu", { board }));
      expect(byEnv.message).toBe(`qemu: qemu-system-nonexistent not found; install it with: ${INSTALL_HINT.qemu}`);
      expect(byEnv.code).toBe("NO_DEVICE");
    } finally {
      if (saved === undefined) delete process.env.HILFTP_QEMU;
      else process.env.HILFTP_QEMU = saved;
    }
  }, 60_000);

  it("a missing firmware image is one line naming it", async () => {
    const err = await failure(openLink("qemu:/nonexistent/fw.elf", { board }));
    expect(err.message).toBe("qemu:/nonexistent/fw.elf: firmware /nonexistent/fw.elf not found");
    expect(err.code).toBe("NO_DEVICE");
  }, 60_000);

  it("QEMU's own complaint ends up in the error, and nothing is left running", async () => {
    const fw = join(process.cwd(), "firmware-shim/build/stm32f4/hilftp-shim.elf");
    const wrong = parseProfile({ ...JSON.parse(JSON.stringify(board)), qemu: { machine: "no-such-machine", firmware: fw } }, "wrong.json");
    const err = await failure(openLink("qemu", { board: wrong, readyTimeoutMs: 30_000 }));
    expect(err.message).toBe("qemu: qemu-system-arm exited with code 1: qemu-system-arm: unsupported machine type | Use -machine help to list supported machines");
  }, 60_000);

  it("a profile without a qemu section cannot be started in QEMU", async () => {
    const sim = await loadProfile("native-sim");
    const err = await failure(openLink("qemu", { board: sim }));
    expect(err.message).toBe("qemu: board native-sim has no qemu section (machine, firmware) in its profile");
  });
});
