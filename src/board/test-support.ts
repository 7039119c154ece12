// Test support: a valid profile, and copies of it with one field changed or removed, so each test breaks
// exactly one thing. Not part of the package's API (index.ts does not export it).
import type { BoardProfile } from "./profile.js";

export function validProfile(): BoardProfile {
  return {
    name: "test-board",
    description: "A board for tests.",
    link: { spec: "serial:/dev/ttyACM0@115200", baud: 115200 },
    mtu: 1500,
    pool: { payloadSize: 1536, count: 10 },
    tcp: { mss: 1460, window: 2048, segmentsInFlight: 4, rto: { initialMs: 1000, minMs: 500, maxMs: 8000 } },
    addresses: {
      hostIpv4: "198.51.100.1",
      boardIpv4: "198.51.100.2",
      hostIpv6: "2001:db8::1",
      boardIpv6: "2001:db8::2",
    },
    ftp: { port: 21, user: "hil", password: "hil", dialect: "netx", oneMessagePerSegment: true },
  };
}

const REMOVE = Symbol("remove");

/** A JSON copy of `base` (validProfile() by default) with the field at a dotted path set, or removed. */
export function withField(path: string, value: unknown, base: unknown = validProfile()): Record<string, unknown> {
  const doc = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  const keys = path.split(".");
  const last = keys.pop() ?? "";
  let node = doc;
  for (const key of keys) {
    const next = node[key];
    if (typeof next !== "object" || next === null) throw new Error(`withField: no object at ${key} of ${path}`);
    node = next as Record<string, unknown>;
  }
  if (value === REMOVE) delete node[last];
  else node[last] = value;
  return doc;
}

export function withoutField(path: string, base: unknown = validProfile()): Record<string, unknown> {
  return withField(path, REMOVE, base);
}
