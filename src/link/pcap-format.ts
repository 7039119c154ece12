// Classic libpcap file format (the one tshark, Wireshark and tcpdump all read): pure encoders for
// the global and record headers, and a reader the tests use to check what a capture holds.
// Written little-endian with magic 0xa1b2c3d4 (microsecond timestamps), version 2.4.

export const LINKTYPE_RAW = 101;
export const PCAP_MAGIC = 0xa1b2c3d4;
export const DEFAULT_SNAPLEN = 65535;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

export function pcapGlobalHeader(snaplen = DEFAULT_SNAPLEN, linktype = LINKTYPE_RAW): Buffer {
  const b = Buffer.alloc(GLOBAL_HEADER);
  b.writeUInt32LE(PCAP_MAGIC, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8); // thiszone: timestamps are UTC
  b.writeUInt32LE(0, 12); // sigfigs
  b.writeUInt32LE(snaplen, 16);
  b.writeUInt32LE(linktype, 20);
  return b;
}

/** One record (header + data, truncated to snaplen), copied out of frame; timeMs is ms since the epoch. */
export function pcapRecord(frame: Buffer, timeMs: number, snaplen = DEFAULT_SNAPLEN): Buffer {
  const micros = Math.max(0, Math.round(timeMs * 1000));
  const seconds = Math.floor(micros / 1_000_000);
  const caplen = Math.min(frame.length, snaplen);
  const r = Buffer.allocUnsafe(RECORD_HEADER + caplen);
  r.writeUInt32LE(seconds >>> 0, 0);
  r.writeUInt32LE(micros - seconds * 1_000_000, 4);
  r.writeUInt32LE(caplen, 8);
  r.writeUInt32LE(frame.length, 12);
  frame.copy(r, RECORD_HEADER, 0, caplen);
  return r;
}

export interface PcapRecord {
  /** Milliseconds since the epoch (microsecond resolution). */
  readonly timeMs: number;
  readonly originalLength: number;
  readonly data: Buffer;
}

export interface PcapFile {
  readonly linktype: number;
  readonly snaplen: number;
  readonly records: readonly PcapRecord[];
}

export type PcapReadResult = { readonly ok: true; readonly file: PcapFile } | { readonly ok: false; readonly error: string };

/** Reads a classic pcap (either byte order, µs or ns timestamps). Never throws on bad input. */
export function readPcap(buf: Buffer): PcapReadResult {
  if (buf.length < GLOBAL_HEADER) return { ok: false, error: `file is ${buf.length} bytes, shorter than a pcap header` };
  const le = buf.readUInt32LE(0);
  const be = buf.readUInt32BE(0);
  let little: boolean;
  let perSecond: number;
  if (le === PCAP_MAGIC || le === 0xa1b23c4d) [little, perSecond] = [true, le === PCAP_MAGIC ? 1e6 : 1e9];
  else if (be === PCAP_MAGIC || be === 0xa1b23c4d) [little, perSecond] = [false, be === PCAP_MAGIC ? 1e6 : 1e9];
  else return { ok: false, error: `bad magic 0x${be.toString(16)}` };
  const u32 = (off: number): number => (little ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const records: PcapRecord[] = [];
  let off = GLOBAL_HEADER;
  while (off < buf.length) {
    if (off + RECORD_HEADER > buf.length) return { ok: false, error: `truncated record header at byte ${off}` };
    const caplen = u32(off + 8);
    const start = off + RECORD_HEADER;
    if (start + caplen > buf.length) return { ok: false, error: `record at byte ${off} claims ${caplen} bytes, file ends first` };
    records.push({
      timeMs: u32(off) * 1000 + (u32(off + 4) * 1000) / perSecond,
      originalLength: u32(off + 12),
      data: buf.subarray(start, start + caplen),
    });
    off = start + caplen;
  }
  return { ok: true, file: { linktype: u32(20), snaplen: u32(16), records } };
}
