// Reads a pcap of the interop runs back with tshark (proving the file decodes in a tool nobody
// here wrote) and checks the limits the profile imposes: no frame over the MTU, every SYN's MSS
// option within MTU-40 (IPv4) or MTU-60 (IPv6), and our segments in flight within the pool
// (per connection: distinct segment ends we sent above the highest ACK we received). SYNs whose TCP checksum fails are left out of
// the MSS check: with corrupt faults on, a frame the link damaged may sit in the capture, and
// its MSS bytes say nothing about what was sent.
import { run } from "../../testing/peers.js";
import { BOARD4, BOARD6 } from "./harness.js";

export interface PcapCheck {
  readonly frames: number;
  readonly largest: number;
  /** Frames longer than the MTU: "frame N: L bytes". */
  readonly oversize: string[];
  /** SYNs with a valid checksum and an MSS over the limit: "frame N: IPvF MSS M from A". */
  readonly badMss: string[];
  /** Checksum-valid SYNs (SYN-ACKs included) whose MSS was checked, by family and sender. */
  readonly synsChecked: Record<4 | 6, { ours: number; kernel: number }>;
  /** The most segments our stack had unacknowledged on one connection at any moment. */
  readonly maxOursInFlight: number;
}

const FIELDS = [
  "frame.number",
  "frame.len",
  "ip.src",
  "ipv6.src",
  "tcp.flags.syn",
  "tcp.options.mss_val",
  "tcp.checksum.status",
  "tcp.stream",
  "tcp.seq",
  "tcp.ack",
  "tcp.len",
  "tcp.flags.fin",
  "tcp.flags.ack",
  "tcp.checksum",
  "tcp.checksum_calculated",
];

/** Our side of one connection: where our sequence space starts, what is out, what was acknowledged. */
interface Flight {
  isn: number;
  acked: number;
  ends: Set<number>;
}

const good = (flag: string): boolean => flag === "1" || flag === "True" || flag === "Good";

export async function checkPcap(path: string, mtu: number): Promise<PcapCheck> {
  const args = ["-r", path, "-n", "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"];
  // Raw sequence numbers (relative ones need the analysis); only TCP's own checksum check.
  args.push("-o", "tcp.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:FALSE", "-o", "tcp.relative_sequence_numbers:FALSE");
  args.push("-o", "tcp.desegment_tcp_streams:FALSE");
  for (const f of FIELDS) args.push("-e", f);
  const r = await run("tshark", args, { timeoutMs: 170_000 });
  if (r.code !== 0) throw new Error(`tshark -r ${path} failed (${r.code}): ${r.stderr.trim()}`);
  let frames = 0;
  let largest = 0;
  const oversize: string[] = [];
  const badMss: string[] = [];
  const synsChecked: PcapCheck["synsChecked"] = { 4: { ours: 0, kernel: 0 }, 6: { ours: 0, kernel: 0 } };
  const flights = new Map<string, Flight>();
  let maxOursInFlight = 0;
  for (const line of r.stdout.split("\n")) {
    if (line === "") continue;
    const [num = "", len = "", src4 = "", src6 = "", syn = "", mss = "", csumStatus = "", stream = "", seq = "", ack = "", tcpLen = "", fin = "", hasAck = "", sum = "", calc = ""] =
      line.split("|");
    // tshark calls 0xffff "Bad" where the sum works out to 0x0000 (RFC 1624); Linux sends it and
    // every receiver, ours included, accepts it: the ACK counted for the stack, so it counts here.
    const checksumOk = good(csumStatus) || (Number(sum) === 0xffff && Number(calc) === 0);
    frames++;
    const bytes = Number(len);
    largest = Math.max(largest, bytes);
    if (bytes > mtu) oversize.push(`frame ${num}: ${bytes} bytes`);
    if (stream === "" || !checksumOk) continue;
    const family: 4 | 6 = src4 !== "" ? 4 : 6;
    const src = family === 4 ? src4 : src6;
    const ours = src === (family === 4 ? BOARD4 : BOARD6);
    // Sequence numbers made relative to our ISN (mod 2^32), so wrap-around does not matter.
    let flight = flights.get(stream);
    if (ours && good(syn)) {
      flight = { isn: Number(seq), acked: 0, ends: new Set() };
      flights.set(stream, flight);
    }
    if (flight !== undefined) {
      const rel = (n: number): number => (n - flight.isn + 2 ** 32) % 2 ** 32;
      if (ours) {
        const occupies = Number(tcpLen) + (good(syn) ? 1 : 0) + (good(fin) ? 1 : 0);
        const start = rel(Number(seq));
        const end = start + occupies;
        if (occupies > 0 && end > flight.acked) {
          // An end strictly inside this segment belonged to data sent again as part of a larger
          // segment (a withdrawn one-octet window probe): the sender tracks it no more.
          for (const e of flight.ends) if (e > start && e < end) flight.ends.delete(e);
          flight.ends.add(end);
        }
        maxOursInFlight = Math.max(maxOursInFlight, flight.ends.size);
      } else if (good(hasAck)) {
        const acked = rel(Number(ack));
        if (acked > flight.acked && acked < 2 ** 31) {
          flight.acked = acked;
          for (const end of flight.ends) if (end <= acked) flight.ends.delete(end);
        }
      }
    }
    if (!good(syn)) continue;
    synsChecked[family][ours ? "ours" : "kernel"]++;
    const limit = mtu - (family === 4 ? 40 : 60);
    if (mss === "" || Number(mss) > limit) badMss.push(`frame ${num}: IPv${family} MSS ${mss || "(none)"} from ${src}, limit ${limit}`);
  }
  return { frames, largest, oversize, badMss, synsChecked, maxOursInFlight };
}
