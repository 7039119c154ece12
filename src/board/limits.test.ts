import { describe, expect, it } from "vitest";
import { deviceLimits, POOL_RESERVE } from "./limits.js";
import { loadProfile, parseProfile } from "./loader.js";
import type { BoardProfile } from "./profile.js";
import { validProfile, withField } from "./test-support.js";

function profile(...edits: [string, unknown][]): BoardProfile {
  let doc: unknown = validProfile();
  for (const [path, value] of edits) doc = withField(path, value, doc);
  return parseProfile(doc, "test.json");
}

describe("deviceLimits", () => {
  it("takes the profile's values when nothing clamps them", () => {
    const limits = deviceLimits(profile());
    expect(limits).toEqual({
      mtu: 1500,
      ipv4Mss: 1460,
      ipv6Mss: 1440,
      ipv6: true,
      ipv6Reason: undefined,
      window: 2048,
      segmentsInFlight: 4,
      messageBoundaries: true,
      notes: [],
    });
  });

  it("MTU 296: IPv4 only, says why, MSS from the MTU", () => {
    const limits = deviceLimits(profile(["mtu", 296]));
    expect(limits.ipv6).toBe(false);
    expect(limits.ipv6Reason).toBe("IPv4 only: IPv6 needs a link MTU of at least 1280 (RFC 8200), this link has 296");
    expect(limits.ipv4Mss).toBe(256);
    expect(limits.notes).toContain("IPv4 MSS 256 instead of 1460: the MTU is 296, less 40 bytes of headers");
  });

  it("MTU 1280 is enough for IPv6, 1279 is not", () => {
    expect(deviceLimits(profile(["mtu", 1280])).ipv6).toBe(true);
    expect(deviceLimits(profile(["mtu", 1279])).ipv6).toBe(false);
  });

  it("IPv4 only when the profile has no IPv6 addresses, whatever the MTU", () => {
    const limits = deviceLimits(profile(["addresses", { hostIpv4: "198.51.100.1", boardIpv4: "198.51.100.2" }]));
    expect(limits.ipv6).toBe(false);
    expect(limits.ipv6Reason).toMatch(/no IPv6 addresses/);
  });

  it("clamps the MSS to what one pool buffer holds", () => {
    const limits = deviceLimits(profile(["pool.payloadSize", 576]));
    expect([limits.ipv4Mss, limits.ipv6Mss]).toEqual([536, 516]);
    expect(limits.notes).toEqual([
      "IPv4 MSS 536 instead of 1460: a pool buffer holds 576 bytes, less 40 bytes of headers",
      "IPv6 MSS 516 instead of 1440: a pool buffer holds 576 bytes, less 60 bytes of headers",
    ]);
  });

  it("keeps a profile MSS smaller than both the MTU and the pool allow", () => {
    const limits = deviceLimits(profile(["tcp.mss", 536]));
    expect([limits.ipv4Mss, limits.ipv6Mss]).toEqual([536, 536]);
  });

  it("keeps segments in flight within the pool, less the buffers the board keeps", () => {
    expect(deviceLimits(profile(["tcp.segmentsInFlight", 20], ["pool.count", 10])).segmentsInFlight).toBe(
      10 - POOL_RESERVE,
    );
    expect(deviceLimits(profile(["tcp.segmentsInFlight", 3], ["pool.count", 10])).segmentsInFlight).toBe(3);
    // A pool too small for the reserve still lets one segment through rather than none.
    expect(deviceLimits(profile(["pool.count", 2])).segmentsInFlight).toBe(1);
  });

  it("--mtu overrides the MTU and what follows from it", () => {
    const base = profile(["mtu", 1500]);
    const limits = deviceLimits(base, { mtu: 576 });
    expect([limits.mtu, limits.ipv4Mss, limits.ipv6]).toEqual([576, 536, false]);
    expect(limits.notes[0]).toBe("MTU 576 instead of the profile's 1500 (--mtu)");
    // The reverse: a small-MTU profile raised to 1500 gets IPv6, still bounded by its pool.
    const raised = deviceLimits(profile(["mtu", 296], ["pool.payloadSize", 1200]), { mtu: 1500 });
    expect([raised.mtu, raised.ipv6, raised.ipv4Mss, raised.ipv6Mss]).toEqual([1500, true, 1160, 1140]);
  });

  it.each([0, 67, 65536, 1500.5])("refuses --mtu %s", (mtu) => {
    expect(() => deviceLimits(profile(), { mtu })).toThrow(`--mtu: must be an integer from 68 to 65535, got ${mtu}`);
  });

  it("carries the window and the message-boundary flag through", () => {
    const limits = deviceLimits(profile(["tcp.window", 400], ["ftp.oneMessagePerSegment", false]));
    expect([limits.window, limits.messageBoundaries]).toEqual([400, false]);
  });
});

describe("limits of the shipped boards", () => {
  it.each([
    ["native-sim", { mtu: 1500, ipv4Mss: 1460, ipv6Mss: 1440, ipv6: true, segmentsInFlight: 8 }],
    ["qemu-netduinoplus2", { mtu: 576, ipv4Mss: 536, ipv6: false, segmentsInFlight: 4 }],
    ["template-netx-stm32f7", { mtu: 1500, ipv4Mss: 1460, ipv6: true, window: 2048, segmentsInFlight: 7 }],
    ["template-lwip", { mtu: 1500, ipv4Mss: 536, ipv6: false, window: 2144, segmentsInFlight: 8 }],
  ])("%s", async (name, expected) => {
    expect(deviceLimits(await loadProfile(name))).toMatchObject(expected);
  });
});
