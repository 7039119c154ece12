// Reads which UDP ports are bound in this network namespace from /proc/net/udp and udp6, so
// the bridge knows socat is ready to take datagrams (its TUN device appears a moment before
// its UDP socket is bound). The parser is pure; one small reader does the I/O.
import { readFile } from "node:fs/promises";

/** Local ports of every socket listed in a /proc/net/udp or /proc/net/udp6 text. */
export function boundUdpPorts(text: string): Set<number> {
  const ports = new Set<number>();
  // "  12: 0100007F:9C41 00000000:0000 07 ..." — sl, local address:port (hex), remote, state
  for (const line of text.split("\n")) {
    const m = /^\s*\d+:\s+[0-9A-Fa-f]+:([0-9A-Fa-f]{4})\s/.exec(line);
    if (m?.[1]) ports.add(parseInt(m[1], 16));
  }
  return ports;
}

export async function udpPortBound(port: number): Promise<boolean> {
  for (const file of ["/proc/net/udp", "/proc/net/udp6"]) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (boundUdpPorts(text).has(port)) return true;
  }
  return false;
}
