// explain(): each kind of failure the layers below throw becomes the one line (cause and fix) and
// exit code the CLI promises; the cases a test cannot provoke for real (a busy or forbidden
// serial port, a missing toolchain) are checked here from the errors those layers construct.
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FirmwareBuildError, ProfileError } from "../board/index.js";
import { FtpError, FtpTimeoutError } from "../ftp/client/index.js";
import { LinkError } from "../link/index.js";
import { NetworkError } from "../network.js";
import { boardSilent, deviceGroup, EXIT, explain } from "./errors.js";
import { UsageError } from "./url.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-errors-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("explain", () => {
  it("a busy serial port: who may hold it and how to find out, exit 3", () => {
    const e = explain(new LinkError("serial:/dev/ttyACM0@115200: in use by another program", "IO"));
    expect(e.exit).toBe(EXIT.unreachable);
    expect(e.code).toBe("port-busy");
    expect(e.message).toMatch(/\/dev\/ttyACM0 is held by another program .*: close it; fuser \/dev\/ttyACM0 shows who holds it/);
  });

  it("a forbidden serial port: the group owning the device and the usermod line, exit 3", () => {
    const e = explain(new LinkError("serial:/dev/null: permission denied", "PERMISSION"));
    expect(e.code).toBe("port-denied");
    expect(e.exit).toBe(3);
    expect(e.message).toMatch(/^serial:\/dev\/null: permission denied: \/dev\/null belongs to group \S+; run: sudo usermod -aG \S+ \$USER, then log out and in again$/);
  });

  it("deviceGroup reads the owning group from the group file, dialout when it cannot tell", async () => {
    const groups = join(dir, "group");
    const file = join(dir, "dev");
    await writeFile(file, "");
    const gid = (await stat(file)).gid;
    await writeFile(groups, `other:x:${gid + 1}:\nuucp:x:${gid}:alice\n`);
    expect(deviceGroup(file, groups)).toBe("uucp");
    expect(deviceGroup(join(dir, "missing"), groups)).toBe("dialout");
  });

  it("a missing serial port points at hilftp ports; a missing emulator or toolchain keeps its apt-get line; both exit 3", () => {
    expect(explain(new LinkError("serial:/dev/ttyUSB9: no such device", "NO_DEVICE"))).toMatchObject({ code: "port-missing", exit: 3 });
    const qemu = explain(new LinkError("qemu: qemu-system-arm not found; install it with: apt-get install --no-install-recommends qemu-system-arm", "NO_DEVICE"));
    expect(qemu).toMatchObject({ code: "missing-program", exit: 3 });
    expect(qemu.message).toMatch(/apt-get install/);
    const arm = new FirmwareBuildError("make stm32: arm-none-eabi-gcc not found; install the toolchain with: apt-get install gcc-arm-none-eabi", "");
    expect(explain(arm)).toMatchObject({ code: "missing-program", exit: 3 });
    expect(explain(new FirmwareBuildError("make native: exit 2", "..."))).toMatchObject({ code: "build-failed", exit: 1 });
  });

  it("a silent board names the pings, the address, the link, the time, and the line settings", () => {
    const e = explain(boardSilent({ pings: 20, address: "198.51.100.2", link: "serial:/dev/ttyACM0@115200", seconds: 20.2 }));
    expect(e).toMatchObject({ code: "board-silent", exit: 3 });
    expect(e.message).toBe(
      "sent 20 pings to 198.51.100.2 over serial:/dev/ttyACM0@115200 in 20 s, no answer: is the board running the SLIP firmware at 115200 8N1 (and is /dev/ttyACM0 its port)?",
    );
  });

  it("FTP refusals exit 1; a refused login says what to check", () => {
    expect(explain(new FtpError(550, "No such file", "RETR /x"))).toEqual({ message: "server replied 550 No such file (RETR /x)", code: "ftp-refused", exit: 1 });
    expect(explain(new FtpError(530, "Login incorrect", "PASS ****")).message).toMatch(/^server replied 530 Login incorrect \(PASS \*\*\*\*\): check the user and password/);
  });

  it("host TCP refused or timed out exits 3 with the address and port", () => {
    const refused = explain(new NetworkError("connect to 10.1.2.3 port 21: connect ECONNREFUSED 10.1.2.3:21", "ECONNREFUSED"));
    expect(refused).toMatchObject({ code: "connection-refused", exit: 3 });
    expect(refused.message).toMatch(/^connection refused by 10\.1\.2\.3 port 21: /);
    expect(explain(new FtpTimeoutError("control", 30000, "connecting to 10.1.2.3 port 21"))).toMatchObject({ code: "timeout", exit: 3 });
    expect(explain(new FtpTimeoutError("data", 30000, "RETR /x"))).toMatchObject({ code: "transfer-timeout", exit: 1 });
  });

  it("usage, bad specs and profiles exit 2 on one line", () => {
    expect(explain(new UsageError("bad"))).toMatchObject({ exit: 2, code: "usage" });
    expect(explain(new LinkError('pair:x: unknown link kind "pair"', "BAD_SPEC"))).toMatchObject({ exit: 2 });
    const profile = explain(new ProfileError("my.json", [{ path: "mtu", message: "must be an integer" }, { path: "tcp.mss", message: "is required" }]));
    expect(profile).toEqual({ message: "my.json: mtu: must be an integer; my.json: tcp.mss: is required", code: "profile", exit: 2 });
  });

  it("a programming error is marked as a bug, still on one line", () => {
    const e = explain(new TypeError("x is not a function"));
    expect(e).toMatchObject({ code: "internal", exit: 1 });
    expect(e.message).not.toContain("\n");
  });
});
