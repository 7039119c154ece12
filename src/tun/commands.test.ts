import { describe, expect, it } from "vitest";
import { ipCommands, planTun, socatArgs } from "./commands.js";
import { TunError } from "./errors.js";

const both = { hostIpv4: "198.51.100.1", peerIpv4: "198.51.100.2", hostIpv6: "2001:db8::1", peerIpv6: "2001:db8::2" };

describe("planTun", () => {
  it("keeps IPv4 and IPv6 at MTU 1500", () => {
    const plan = planTun({ dev: "hil0", mtu: 1500, ...both });
    expect(plan.ipv4).toEqual({ host: "198.51.100.1", peer: "198.51.100.2" });
    expect(plan.ipv6).toEqual({ host: "2001:db8::1", peer: "2001:db8::2" });
    expect(plan.ipv6Disabled).toBeUndefined();
  });

  it("drops IPv6 below 1280 and says why (RFC 8200)", () => {
    const plan = planTun({ dev: "hil0", mtu: 296, ...both });
    expect(plan.ipv6).toBeUndefined();
    expect(plan.ipv6Disabled).toMatch(/1280.*296/);
    expect(plan.ipv4?.peer).toBe("198.51.100.2");
  });

  it("refuses an IPv6-only plan whose MTU rules IPv6 out", () => {
    expect(() => planTun({ dev: "hil0", mtu: 1279, hostIpv6: "2001:db8::1", peerIpv6: "2001:db8::2" })).toThrow(/no IPv4 pair/);
  });

  it.each([
    [{ dev: "", mtu: 1500, ...both }, /device name/],
    [{ dev: "a-name-longer-than-15", mtu: 1500, ...both }, /device name/],
    [{ dev: "hil0,tun-type=tap", mtu: 1500, ...both }, /device name/],
    [{ dev: "hil0", mtu: 67, ...both }, /MTU 67/],
    [{ dev: "hil0", mtu: 65536, ...both }, /MTU 65536/],
    [{ dev: "hil0", mtu: 1500.5, ...both }, /MTU/],
    [{ dev: "hil0", mtu: 1500 }, /IPv4 or an IPv6 address pair/],
    [{ dev: "hil0", mtu: 1500, hostIpv4: "198.51.100.1" }, /both the host and the peer IPv4/],
    [{ dev: "hil0", mtu: 1500, hostIpv4: "198.51.100.1", peerIpv4: "2001:db8::2" }, /not an IPv4 address: 2001:db8::2/],
    [{ dev: "hil0", mtu: 1500, hostIpv6: "198.51.100.1", peerIpv6: "2001:db8::2" }, /not an IPv6 address: 198.51.100.1/],
    [{ dev: "hil0", mtu: 1500, hostIpv4: "198.51.100.1", peerIpv4: "198.51.100.1" }, /the same/],
  ])("rejects %o", (input, why) => {
    let caught: unknown;
    try {
      planTun(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TunError);
    expect((caught as TunError).code).toBe("BAD_OPTION");
    expect((caught as TunError).message).toMatch(why);
  });
});

describe("socatArgs", () => {
  it("a bare-IP TUN (no PI header) relayed as UDP datagrams between the two loopback ports", () => {
    const plan = planTun({ dev: "hil0", mtu: 1500, ...both });
    expect(socatArgs(plan, 40001, 40002)).toEqual([
      "-b",
      "8192",
      "TUN:198.51.100.1/32,tun-name=hil0,tun-type=tun,iff-no-pi,iff-up",
      "UDP-DATAGRAM:127.0.0.1:40001,bind=127.0.0.1:40002",
    ]);
  });

  it("an IPv6-only device gets no IPv4 address, and the buffer grows with a jumbo MTU", () => {
    const plan = planTun({ dev: "t1", mtu: 9000, hostIpv6: "2001:db8::1", peerIpv6: "2001:db8::2" });
    const args = socatArgs(plan, 1, 2);
    expect(args[1]).toBe("9064");
    expect(args[2]).toBe("TUN,tun-name=t1,tun-type=tun,iff-no-pi,iff-up");
  });
});

describe("ipCommands", () => {
  it("MTU first, then the peer routes and the IPv6 address without DAD", () => {
    expect(ipCommands(planTun({ dev: "hil0", mtu: 1500, ...both }))).toEqual([
      ["link", "set", "dev", "hil0", "mtu", "1500"],
      ["route", "replace", "198.51.100.2/32", "dev", "hil0"],
      ["-6", "addr", "add", "2001:db8::1/128", "dev", "hil0", "nodad"],
      ["-6", "route", "replace", "2001:db8::2/128", "dev", "hil0"],
    ]);
  });

  it("no IPv6 commands at MTU 296", () => {
    const cmds = ipCommands(planTun({ dev: "hil0", mtu: 296, ...both }));
    expect(cmds).toEqual([
      ["link", "set", "dev", "hil0", "mtu", "296"],
      ["route", "replace", "198.51.100.2/32", "dev", "hil0"],
    ]);
  });
});
