// hilftp tun's option resolution (command line over profile over built-in defaults, usage
// errors), and the refusal to run without root as the built CLI prints it. The bridge itself is
// exercised in a network namespace by src/net/interop.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "../testing/peers.js";
import { loadProfile } from "../board/index.js";
import { resolveTunOptions, tunProfileDefaults, type TunArgValues } from "./tun.js";
import { UsageError } from "./url.js";

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "cli", "main.js");

describe("resolveTunOptions", () => {
  it("built-in defaults: hil0, MTU 1500, 198.51.100.1 -> 198.51.100.2", () => {
    expect(resolveTunOptions({ values: { link: "unix:/tmp/x.sock" } })).toEqual({
      link: "unix:/tmp/x.sock",
      dev: "hil0",
      mtu: 1500,
      ipv4: { local: "198.51.100.1", peer: "198.51.100.2" },
    });
  });

  it("the command line wins over the profile, the profile over the defaults", () => {
    const profileDefaults = { link: "serial:/dev/ttyACM0@115200", mtu: 576, dev: "brd0", localIp: "198.51.100.9", peerIp: "198.51.100.10", baud: 115200 };
    expect(resolveTunOptions({ values: {}, profileDefaults })).toEqual({
      link: "serial:/dev/ttyACM0@115200",
      dev: "brd0",
      mtu: 576,
      baud: 115200,
      ipv4: { local: "198.51.100.9", peer: "198.51.100.10" },
    });
    const values: TunArgValues = { link: "tcp:127.0.0.1:5555", mtu: "1500", "local-ip6": "2001:db8::1", "peer-ip6": "2001:db8::2", baud: "9600" };
    expect(resolveTunOptions({ values, profileDefaults })).toEqual({
      link: "tcp:127.0.0.1:5555",
      dev: "brd0",
      mtu: 1500,
      baud: 9600,
      ipv4: { local: "198.51.100.9", peer: "198.51.100.10" },
      ipv6: { local: "2001:db8::1", peer: "2001:db8::2" },
    });
  });

  it("an IPv6-only command line gets no default IPv4 pair", () => {
    const r = resolveTunOptions({ values: { link: "unix:/x", "local-ip6": "2001:db8::1", "peer-ip6": "2001:db8::2" } });
    expect(r.ipv4).toBeUndefined();
    expect(r.ipv6).toEqual({ local: "2001:db8::1", peer: "2001:db8::2" });
  });

  it("parses --faults and --pcap", () => {
    const r = resolveTunOptions({ values: { link: "unix:/x", faults: "drop=0.02,corrupt=0.01,reorder=0.02,seed=7", pcap: "/tmp/t.pcap" } });
    expect(r.faults).toEqual({ drop: 0.02, corrupt: 0.01, reorder: 0.02, seed: 7 });
    expect(r.pcap).toBe("/tmp/t.pcap");
  });

  it.each<[TunArgValues, RegExp]>([
    [{}, /usage: hilftp tun --link SPEC/],
    [{ link: "pair:x" }, /unknown link kind "pair"/],
    [{ link: "unix:/x", mtu: "15x" }, /--mtu wants a positive integer/],
    [{ link: "unix:/x", mtu: "40" }, /MTU 40/],
    [{ link: "unix:/x", "local-ip": "198.51.100.1" }, /--local-ip and --peer-ip together/],
    [{ link: "unix:/x", "peer-ip6": "2001:db8::2" }, /--local-ip6 and --peer-ip6 together/],
    [{ link: "unix:/x", "local-ip": "198.51.100.1", "peer-ip": "nonsense" }, /not an IPv4 address: nonsense/],
    [{ link: "unix:/x", dev: "x/y" }, /device name/],
    [{ link: "unix:/x", mtu: "296", "local-ip6": "2001:db8::1", "peer-ip6": "2001:db8::2" }, /IPv6 needs an MTU of at least 1280/],
    [{ link: "unix:/x", faults: "drop=2" }, /--faults: drop wants a rate/],
  ])("usage error for %o", (values, why) => {
    let caught: unknown;
    try {
      resolveTunOptions({ values });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(why);
  });
});

describe("tunProfileDefaults (--board)", () => {
  it("takes the profile's link, MTU and addresses; IPv6 only where the MTU carries it", async () => {
    const sim = tunProfileDefaults(await loadProfile("native-sim"));
    expect(sim).toEqual({ link: "sim", mtu: 1500, localIp: "198.51.100.1", peerIp: "198.51.100.2", localIp6: "2001:db8::1", peerIp6: "2001:db8::2" });
    expect(resolveTunOptions({ values: { board: "native-sim" }, profileDefaults: sim })).toEqual({
      link: "sim",
      dev: "hil0",
      mtu: 1500,
      ipv4: { local: "198.51.100.1", peer: "198.51.100.2" },
      ipv6: { local: "2001:db8::1", peer: "2001:db8::2" },
    });
    const qemu = await loadProfile("qemu-netduinoplus2");
    expect(tunProfileDefaults(qemu)).toEqual({ link: "qemu", mtu: 576, localIp: "198.51.100.1", peerIp: "198.51.100.2" });
    expect(tunProfileDefaults(qemu, 1500).localIp6).toBe("2001:db8::1");
  });
});

describe("hilftp tun (built CLI)", () => {
  it("without root: one line saying so, exit 1, and no link opened", async () => {
    expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true);
    // the link path does not exist: reaching it would print a link error instead
    const r = await run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, CLI, "tun", "--link", "unix:/nonexistent/hilftp.sock"], {
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("hilftp tun: hilftp tun needs root (CAP_NET_ADMIN) to create a TUN device\n");
    expect(r.stdout).toBe("");
  });

  it("bad usage exits 2, and the help lists the command", async () => {
    const r = await run(process.execPath, [CLI, "tun", "--mtu", "1500"], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hilftp tun: usage: hilftp tun --link SPEC/);
    const help = await run(process.execPath, [CLI, "--help"], { timeoutMs: 20_000 });
    expect(help.stdout).toMatch(/^ {2}tun +attach /m);
  });
});
