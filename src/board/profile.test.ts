import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ProfileError } from "./errors.js";
import { BOARDS_DIR, listProfiles, loadProfile, parseProfile } from "./loader.js";
import type {
  Addresses,
  BoardProfile,
  FirmwareSettings,
  FtpSettings,
  LinkDefaults,
  PacketPool,
  QemuSettings,
  RetransmitTiming,
  SimSettings,
  TcpSettings,
} from "./profile.js";
import { PROFILE_SCHEMA } from "./schema.js";
import { validProfile, withField, withoutField } from "./test-support.js";

const SHIPPED = ["native-sim", "qemu-netduinoplus2", "template-lwip", "template-netx-stm32f7"];

/** The lines of the ProfileError that `run` throws. */
function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ProfileError) return err.message.split("\n");
    throw err;
  }
  throw new Error("expected a ProfileError");
}

const FILE = "boards/foo.json";
const parse = (value: unknown) => () => parseProfile(value, FILE);

describe("shipped profiles", () => {
  it("are the four the issue asks for", async () => {
    expect(await listProfiles()).toEqual(SHIPPED);
  });

  it.each(SHIPPED)("%s loads, validates and is named after its file", async (name) => {
    const profile = await loadProfile(name);
    expect(profile.name).toBe(name);
    expect(Object.isFrozen(profile.tcp)).toBe(true);
  });

  it.each(SHIPPED)("%s uses documentation addresses only (198.51.100.0/24, 2001:db8::/32)", async (name) => {
    const { addresses } = await loadProfile(name);
    for (const v4 of [addresses.hostIpv4, addresses.boardIpv4]) expect(v4).toMatch(/^198\.51\.100\.\d+$/);
    for (const v6 of [addresses.hostIpv6, addresses.boardIpv6]) {
      if (v6 !== undefined) expect(v6).toMatch(/^2001:db8:/);
    }
  });

  it("the reference targets say how they are launched and built, and are no longer provisional", async () => {
    const sim = await loadProfile("native-sim");
    expect(sim.link.spec).toBe("sim");
    expect(sim.sim).toEqual({ firmware: "firmware-shim/build/posix/hilftp-shim", build: "native", readyTimeoutMs: 10000 });
    expect(sim.firmware).toEqual({ ramfsSize: 262144, agentPort: 9000 });
    const qemu = await loadProfile("qemu-netduinoplus2");
    expect(qemu.link.spec).toBe("qemu");
    expect(qemu.qemu).toEqual({
      machine: "netduinoplus2",
      firmware: "firmware-shim/build/stm32f4/hilftp-shim.elf",
      build: "stm32",
      readyTimeoutMs: 30000,
    });
    expect(qemu.firmware).toEqual({ ramfsSize: 73728, agentPort: 9000 });
    for (const p of [sim, qemu]) expect(p.description).not.toMatch(/provisional/i);
  });

  it("keep the stacks' documented defaults", async () => {
    const lwip = await loadProfile("template-lwip");
    expect([lwip.tcp.mss, lwip.tcp.window, lwip.pool.count]).toEqual([536, 4 * 536, 16]);
    const netx = await loadProfile("template-netx-stm32f7");
    expect([netx.tcp.mss, netx.pool.payloadSize, netx.ftp.port, netx.ftp.dialect]).toEqual([1460, 1536, 21, "netx"]);
    expect(netx.ftp.oneMessagePerSegment).toBe(true);
  });
});

describe("the schema", () => {
  it("is written out unchanged in boards/profile.schema.json for editors", async () => {
    const onDisk: unknown = JSON.parse(await readFile(new URL("profile.schema.json", BOARDS_DIR), "utf8"));
    // On failure, regenerate the file as boards/README.md says.
    expect(onDisk).toEqual(PROFILE_SCHEMA);
  });

  it("names the same fields as the BoardProfile type", () => {
    type Keys<S> = S extends { readonly properties: infer P } ? keyof P : never;
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    const p = PROFILE_SCHEMA.properties;
    // A field added to one side only is a type error here (npm run typecheck).
    const same: [
      Same<Keys<typeof PROFILE_SCHEMA>, keyof BoardProfile>,
      Same<Keys<typeof p.link>, keyof LinkDefaults>,
      Same<Keys<typeof p.pool>, keyof PacketPool>,
      Same<Keys<typeof p.tcp>, keyof TcpSettings>,
      Same<Keys<typeof p.tcp.properties.rto>, keyof RetransmitTiming>,
      Same<Keys<typeof p.addresses>, keyof Addresses>,
      Same<Keys<typeof p.ftp>, keyof FtpSettings>,
      Same<Keys<typeof p.qemu>, keyof QemuSettings>,
      Same<Keys<typeof p.sim>, keyof SimSettings>,
      Same<Keys<typeof p.firmware>, keyof FirmwareSettings>,
    ] = [true, true, true, true, true, true, true, true, true, true];
    expect(same.every(Boolean)).toBe(true);
    expect(Object.keys(validProfile()).every((key) => key in PROFILE_SCHEMA.properties)).toBe(true);
  });
});

describe("errors name the file and the field", () => {
  it("accepts the test profile itself", () => {
    expect(parseProfile(validProfile(), FILE).name).toBe("test-board");
  });

  // [what, document, the whole first line, or a pattern for it]
  it.each([
    ["a wrong type", withField("tcp.mss", "536"), 'tcp.mss: must be an integer from 64 to 65535, got "536"'],
    ["a number out of range", withField("mtu", 40), "mtu: must be an integer from 68 to 65535, got 40"],
    ["a missing field", withoutField("pool.count"), "pool.count: is required (an integer from 1 to 65535)"],
    ["a missing section", withoutField("ftp"), "ftp: is required (an object)"],
    [
      "an unknown field",
      withField("tcp.msss", 536),
      "tcp.msss: unknown field (tcp has mss, window, segmentsInFlight, rto, delayedAckMs, nagle)",
    ],
    ["an unknown top-level field", withField("boud", 9600), /^boud: unknown field \(a profile has \$schema, name/],
    ["a bad enum", withField("ftp.dialect", "NetX"), 'ftp.dialect: must be one of "rfc", "netx", got "NetX"'],
    [
      "a bad boolean",
      withField("ftp.oneMessagePerSegment", "yes"),
      'ftp.oneMessagePerSegment: must be true or false, got "yes"',
    ],
    [
      "a bad IPv4 address",
      withField("addresses.boardIpv4", "198.51.100"),
      'addresses.boardIpv4: must be an IPv4 address, got "198.51.100"',
    ],
    [
      "a bad IPv6 address",
      withField("addresses.hostIpv6", "2001:db8::g"),
      'addresses.hostIpv6: must be an IPv6 address, got "2001:db8::g"',
    ],
    [
      "a bad name",
      withField("name", "Foo Board"),
      'name: must be a lower-case name of letters, digits and single dashes, got "Foo Board"',
    ],
    ["a bad link spec", withField("link.spec", "tpc:127.0.0.1:5555"), /^link\.spec: must be a link spec such as serial:/],
    ["a section of the wrong type", withField("qemu", "netduinoplus2"), 'qemu: must be an object, got "netduinoplus2"'],
    ["a nested rto field", withField("tcp.rto.maxMs", 0), "tcp.rto.maxMs: must be an integer from 1 to 600000, got 0"],
    [
      "a delayed ACK of 500 ms or more",
      withField("tcp.delayedAckMs", 600),
      "tcp.delayedAckMs: must be an integer from 0 to 500, got 600",
    ],
    [
      "a window that would need window scaling",
      withField("tcp.window", 65536),
      "tcp.window: must be an integer from 1 to 65535, got 65536",
    ],
  ])("%s", (_what, doc, expected) => {
    const lines = problems(parse(doc));
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? "";
    expect(line.startsWith(`${FILE}: `)).toBe(true);
    const rest = line.slice(FILE.length + 2);
    if (typeof expected === "string") expect(rest).toBe(expected);
    else expect(rest).toMatch(expected);
  });

  it("lists every problem, one line each", () => {
    const doc = withField("tcp.mss", "x", withField("mtu", 1, withoutField("name")));
    expect(problems(parse(doc))).toEqual([
      "boards/foo.json: name: is required (a lower-case name of letters, digits and single dashes)",
      'boards/foo.json: mtu: must be an integer from 68 to 65535, got 1',
      'boards/foo.json: tcp.mss: must be an integer from 64 to 65535, got "x"',
    ]);
  });

  it("a document that is not an object", () => {
    expect(problems(parse([]))).toEqual(["boards/foo.json: must be an object, got an array"]);
  });

  it("types the qemu, sim and firmware sections field by field", () => {
    const qemu = withField("qemu", { machine: "netduinoplus2", firmware: "fw.elf", build: "stm32", binary: "/opt/qemu", readyTimeoutMs: 5000 });
    const doc = withField("firmware", { ramfsSize: 4096, agentPort: 9001, ftpMaxSessions: 2 }, withField("sim", { firmware: "fw" }, qemu));
    const profile = parseProfile(doc, FILE);
    expect(profile.qemu?.machine).toBe("netduinoplus2");
    expect(profile.sim).toEqual({ firmware: "fw" });
    expect(profile.firmware?.ramfsSize).toBe(4096);
    expect(problems(parse(withField("qemu", { machine: "", firmware: "x" })))).toEqual([
      'boards/foo.json: qemu.machine: must be a non-empty string, got ""',
    ]);
    expect(problems(parse(withField("qemu", { machine: "m" })))).toEqual([
      "boards/foo.json: qemu.firmware: is required (a non-empty string)",
    ]);
    expect(problems(parse(withField("sim", { firmware: "fw", args: ["--fast"] })))).toEqual([
      "boards/foo.json: sim.args: unknown field (sim has firmware, build, readyTimeoutMs)",
    ]);
    expect(problems(parse(withField("sim", { firmware: "fw", build: "make" })))).toEqual([
      'boards/foo.json: sim.build: must be one of "native", "stm32", got "make"',
    ]);
    expect(problems(parse(withField("firmware", { ramfsSize: 100 })))).toEqual([
      "boards/foo.json: firmware.ramfsSize: must be an integer from 1024 to 2147483647, got 100",
    ]);
    expect(problems(parse(withField("firmware", { ramfsBytes: 4096 }))).join("\n")).toMatch(/firmware\.ramfsBytes: unknown field/);
  });

  it("takes sim and qemu link specs, with or without a path", () => {
    const withQemu = withField("qemu", { machine: "netduinoplus2", firmware: "fw.elf" });
    for (const spec of ["sim", "sim:/opt/shim", "qemu", "qemu:build/fw.elf"]) {
      expect(parseProfile(withField("link.spec", spec, withQemu), FILE).link.spec).toBe(spec);
    }
    expect(problems(parse(withField("link.spec", "sim:")))[0]).toMatch(/^boards\/foo\.json: link\.spec: must be a link spec/);
  });
});

describe("rules across fields", () => {
  it.each([
    ["link.baud", 9600, "must equal the baud rate in link.spec (115200), got 9600"],
    ["tcp.rto.initialMs", 100, "must be from tcp.rto.minMs (500) to tcp.rto.maxMs (8000), got 100"],
    ["tcp.rto.minMs", 9000, "must be <= tcp.rto.maxMs (8000), got 9000"],
    [
      "addresses.hostIpv4",
      "192.0.2.1",
      "must not be in 192.0.2.0/24, which hilftp keeps off tunnels (use 198.51.100.0/24), got 192.0.2.1",
    ],
    ["addresses.boardIpv4", "127.0.0.1", "must be a unicast address (not 0/8, 127/8, multicast or 240/4), got 127.0.0.1"],
    ["addresses.boardIpv4", "198.51.100.1", "must differ from addresses.hostIpv4, got 198.51.100.1"],
    ["addresses.boardIpv6", "2001:db8:1::2", "must be in the same /64 as addresses.hostIpv6 (2001:db8::1), got 2001:db8:1::2"],
    ["addresses.boardIpv6", "2001:0db8:0::1", "must differ from addresses.hostIpv6, got 2001:0db8:0::1"],
    [
      "addresses.hostIpv6",
      "::ffff:198.51.100.1",
      "must be a unicast IPv6 address (not ::, ::1, IPv4-mapped or multicast), got ::ffff:198.51.100.1",
    ],
    ["ftp.password", "a-password-of-20-chr", "must be at most 19 characters for the netx dialect (NetX keeps 19), got 20"],
  ])("%s = %j", (path, value, message) => {
    expect(problems(parse(withField(path, value)))).toContain(`${FILE}: ${path}: ${message}`);
  });

  it("wants a qemu section for a qemu link, and an agent port apart from the FTP port", () => {
    expect(problems(parse(withField("link.spec", "qemu")))).toEqual([
      "boards/foo.json: link.spec: is a qemu link: the profile needs a qemu section (machine, firmware)",
    ]);
    expect(problems(parse(withField("firmware", { agentPort: 21 })))).toEqual([
      "boards/foo.json: firmware.agentPort: must differ from ftp.port (21), got 21",
    ]);
  });

  it("wants both IPv6 addresses or neither", () => {
    expect(problems(parse(withoutField("addresses.boardIpv6")))).toEqual([
      "boards/foo.json: addresses.boardIpv6: is required when addresses.hostIpv6 is set",
    ]);
  });

  it("refuses an IPv6 prefix length without IPv6 addresses", () => {
    const doc = withField("addresses", { hostIpv4: "198.51.100.1", boardIpv4: "198.51.100.2", prefixLength: 64 });
    expect(problems(parse(doc))).toEqual([
      "boards/foo.json: addresses.prefixLength: applies to IPv6 only: set addresses.hostIpv6 and addresses.boardIpv6, or remove it",
    ]);
  });

  it("honours a wider prefix length", () => {
    const doc = withField("addresses.prefixLength", 48, withField("addresses.boardIpv6", "2001:db8:0:1::2"));
    expect(parseProfile(doc, FILE).addresses.boardIpv6).toBe("2001:db8:0:1::2");
  });

  it("lets the rfc dialect have long credentials and a spec without a baud rate", () => {
    const tcpLink = withField("link.spec", "tcp:127.0.0.1:5555");
    const doc = withField("ftp.dialect", "rfc", withField("ftp.password", "x".repeat(40), tcpLink));
    expect(parseProfile(doc, FILE).ftp.password).toHaveLength(40);
  });
});
