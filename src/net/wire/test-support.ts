// Helpers for the wire codec tests: a seeded random generator (so a fuzz failure can be replayed), a naive
// reference checksum to check the fast one against, and a LINKTYPE_RAW pcap writer + tshark runner that let
// Wireshark's dissectors judge what the emitters produce.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** mulberry32 (the fault injector's): small, fast, and good enough to spread fuzz inputs. Returns floats in [0, 1). */
export { mulberry32 as seededRandom } from "../../link/prng.js";

export function randomBytes(random: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** RFC 1071 done the slow, obvious way: one big-endian 16-bit word at a time. */
export function referenceChecksum(...pieces: Uint8Array[]): number {
  const bytes = Buffer.concat(pieces);
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += ((bytes[i] as number) << 8) | (i + 1 < bytes.length ? (bytes[i + 1] as number) : 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

/** A classic pcap file (microsecond timestamps) of raw IP packets: LINKTYPE_RAW = 101. */
export function pcapRaw(packets: readonly Uint8Array[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(101, 20);
  const parts: Uint8Array[] = [header];
  packets.forEach((p, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + i, 0);
    record.writeUInt32LE(p.length, 8);
    record.writeUInt32LE(p.length, 12);
    parts.push(record, p);
  });
  return Buffer.concat(parts);
}

/**
 * Runs tshark on the packets with checksum validation on and returns its fields per packet: one array of
 * strings per packet, in the order of `fields`. Multi-valued fields come back joined with ",".
 */
export function tsharkFields(packets: readonly Uint8Array[], fields: readonly string[], filter?: string): string[][] {
  const dir = mkdtempSync(join(tmpdir(), "hilftp-wire-"));
  try {
    const file = join(dir, "packets.pcap");
    writeFileSync(file, pcapRaw(packets));
    const args = [
      "-r", file,
      "-o", "ip.check_checksum:TRUE",
      "-o", "tcp.check_checksum:TRUE",
      "-o", "tcp.relative_sequence_numbers:FALSE",
      "-T", "fields",
      "-E", "separator=/t",
      "-E", "occurrence=a",
      "-E", "aggregator=,",
      ...(filter ? ["-Y", filter] : []),
      ...fields.flatMap((f) => ["-e", f]),
    ];
    const out = execFileSync("tshark", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    return out
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => line.split("\t"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
