import { describe, expect, it } from "vitest";
import { LinkError } from "./errors.js";
import { DEFAULT_BAUD, LINK_KINDS, formatLinkSpec, parseLinkSpec } from "./spec.js";

function badSpec(text: string): LinkError {
  try {
    parseLinkSpec(text);
  } catch (err) {
    expect(err).toBeInstanceOf(LinkError);
    return err as LinkError;
  }
  throw new Error(`parseLinkSpec(${JSON.stringify(text)}) did not throw`);
}

describe("parseLinkSpec", () => {
  it("parses serial with and without a baud rate", () => {
    expect(parseLinkSpec("serial:/dev/ttyUSB0")).toEqual({ kind: "serial", path: "/dev/ttyUSB0", baud: DEFAULT_BAUD });
    expect(DEFAULT_BAUD).toBe(115200);
    expect(parseLinkSpec("serial:/dev/ttyACM1@921600")).toEqual({ kind: "serial", path: "/dev/ttyACM1", baud: 921600 });
    expect(parseLinkSpec("serial:COM3@9600")).toEqual({ kind: "serial", path: "COM3", baud: 9600 });
    // an @ inside a directory name is part of the path
    expect(parseLinkSpec("serial:/tmp/a@b/tty")).toEqual({ kind: "serial", path: "/tmp/a@b/tty", baud: DEFAULT_BAUD });
  });

  it("parses tcp and tcp-listen, IPv4, names and bracketed IPv6", () => {
    expect(parseLinkSpec("tcp:127.0.0.1:5555")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 5555 });
    expect(parseLinkSpec("tcp:localhost:1")).toEqual({ kind: "tcp", host: "localhost", port: 1 });
    expect(parseLinkSpec("tcp:[::1]:65535")).toEqual({ kind: "tcp", host: "::1", port: 65535 });
    expect(parseLinkSpec("tcp-listen:[2001:db8::1]:4000")).toEqual({ kind: "tcp-listen", host: "2001:db8::1", port: 4000 });
    expect(parseLinkSpec("tcp-listen:127.0.0.1:0")).toEqual({ kind: "tcp-listen", host: "127.0.0.1", port: 0 });
  });

  it("parses unix and unix-listen", () => {
    expect(parseLinkSpec("unix:/tmp/qemu.sock")).toEqual({ kind: "unix", path: "/tmp/qemu.sock" });
    expect(parseLinkSpec("unix-listen:./board:1.sock")).toEqual({ kind: "unix-listen", path: "./board:1.sock" });
  });

  it("rejects bad specs with one line naming the spec", () => {
    const cases: [string, RegExp][] = [
      ["ftp:x", /^ftp:x: unknown link kind "ftp" \(expected one of serial, tcp, tcp-listen, unix, unix-listen, sim, qemu\)$/],
      ["pair", /^pair: unknown link kind "pair"/],
      ["", /^: unknown link kind ""/],
      ["serial", /^serial: missing the part after "serial:"$/],
      ["serial:", /^serial:: missing path$/],
      ["serial:/dev/ttyUSB0@", /^serial:\/dev\/ttyUSB0@: baud rate "" is not a positive integer$/],
      ["serial:/dev/ttyUSB0@0", /baud rate "0" is not a positive integer/],
      ["serial:/dev/ttyUSB0@fast", /baud rate "fast"/],
      ["tcp:127.0.0.1", /^tcp:127.0.0.1: expected HOST:PORT$/],
      ["tcp::5555", /missing host/],
      ["tcp:127.0.0.1:", /port "" is not a number/],
      ["tcp:127.0.0.1:0", /port 0 is out of range 1-65535/],
      ["tcp:127.0.0.1:65536", /port 65536 is out of range/],
      ["tcp-listen:127.0.0.1:99999", /out of range 0-65535/],
      ["tcp:::1:5555", /IPv6 address in brackets/],
      ["tcp:[::1:5555", /missing "\]"/],
      ["tcp:[::1]5555", /expected ":PORT" after "\]"/],
      ["tcp:[nope]:5555", /"nope" is not an IPv6 address/],
      ["unix:", /^unix:: missing path$/],
    ];
    for (const [text, message] of cases) {
      const err = badSpec(text);
      expect(err.code).toBe("BAD_SPEC");
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain("\n");
    }
  });

  it("formats back to a spec that parses to the same value", () => {
    for (const text of ["serial:/dev/ttyUSB0@57600", "tcp:127.0.0.1:5555", "tcp-listen:[::1]:0", "unix:/tmp/x", "unix-listen:/tmp/y"]) {
      const spec = parseLinkSpec(text);
      expect(formatLinkSpec(spec)).toBe(text);
      expect(parseLinkSpec(formatLinkSpec(spec))).toEqual(spec);
    }
    expect(formatLinkSpec(parseLinkSpec("serial:/dev/ttyS0"))).toBe("serial:/dev/ttyS0@115200");
  });

  it("lists every kind it can parse", () => {
    expect([...LINK_KINDS].sort()).toEqual(["qemu", "serial", "sim", "tcp", "tcp-listen", "unix", "unix-listen"]);
  });
});

describe("parseLinkSpec: the board-starting kinds", () => {
  it("parses sim and qemu bare or with a path, and formats them back", () => {
    expect(parseLinkSpec("sim")).toEqual({ kind: "sim" });
    expect(parseLinkSpec("sim:./build/posix/hilftp-shim")).toEqual({ kind: "sim", path: "./build/posix/hilftp-shim" });
    expect(parseLinkSpec("qemu")).toEqual({ kind: "qemu" });
    expect(parseLinkSpec("qemu:/opt/fw/board:1.elf")).toEqual({ kind: "qemu", path: "/opt/fw/board:1.elf" });
    for (const text of ["sim", "qemu", "sim:/x/shim", "qemu:fw.elf"]) expect(formatLinkSpec(parseLinkSpec(text))).toBe(text);
  });

  it("wants a path after the colon, and the other kinds still want their part", () => {
    expect(badSpec("sim:").message).toBe("sim:: missing path");
    expect(badSpec("qemu:").message).toBe("qemu:: missing path");
    expect(badSpec("tcp").message).toBe('tcp: missing the part after "tcp:"');
    expect(badSpec("unix-listen").message).toBe('unix-listen: missing the part after "unix-listen:"');
    expect(badSpec("simulator").message).toMatch(/^simulator: unknown link kind "simulator"/);
  });
});
