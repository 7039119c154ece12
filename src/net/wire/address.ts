// IP addresses as the stack carries them: Buffer views of 4 (IPv4) or 16 (IPv6) bytes, so a parsed header
// hands out views into the packet without copying. Text conversion is for configuration, logs and the Network
// seam; nothing on the packet path formats or parses text.

export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Buffer;
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4Into(text: string, out: Buffer, offset: number): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? "";
    // Leading zeros are refused: some tools read them as octal, so the address would be ambiguous.
    if (!DECIMAL_OCTET.test(part)) return false;
    const n = Number(part);
    if (n > 255) return false;
    out[offset + i] = n;
  }
  return true;
}

function parseIpv6(text: string): Buffer | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const out = Buffer.alloc(16);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : (halves[0] ?? "").split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : (halves[1] ?? "").split(":")) : [];
  // A dotted IPv4 form may only end the address (RFC 4291 §2.2, form 3) and takes two groups.
  const groups: number[] = [];
  const all = halves.length === 2 ? [...head, "::", ...tail] : head;
  let v4Tail = false;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] ?? "";
    if (g === "::") continue;
    if (i === all.length - 1 && g.includes(".")) {
      v4Tail = true;
      continue;
    }
    if (!HEX_GROUP.test(g)) return undefined;
  }
  const explicit = head.length + tail.length + (v4Tail ? 1 : 0);
  if (halves.length === 2 ? explicit > 7 : explicit !== 8) return undefined;
  const zeros = 8 - explicit;
  for (const g of head) groups.push(parseInt(g, 16));
  if (halves.length === 2) for (let i = 0; i < zeros; i++) groups.push(0);
  for (const g of tail) groups.push(parseInt(g, 16));
  // With a dotted tail only the first six groups are hex; the last two come from the dotted part.
  const hexCount = v4Tail ? 6 : 8;
  for (let i = 0; i < hexCount; i++) out.writeUInt16BE(groups[i] ?? 0, i * 2);
  if (v4Tail) {
    const last = all[all.length - 1] ?? "";
    if (!parseIpv4Into(last, out, 12)) return undefined;
  }
  return out;
}

/** Parses dotted IPv4 or RFC 4291 IPv6 text (no zone, no brackets); undefined when it is neither. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const bytes = parseIpv6(text);
    return bytes ? { family: 6, bytes } : undefined;
  }
  const bytes = Buffer.alloc(4);
  return parseIpv4Into(text, bytes, 0) ? { family: 4, bytes } : undefined;
}

/**
 * Dotted IPv4 for 4 bytes; RFC 5952 text for 16 bytes (lower case, no leading zeros, the longest run of two or
 * more zero groups shortened to "::", the first such run on a tie, IPv4-mapped addresses as ::ffff:a.b.c.d).
 * Any other length is reported as hex so a log line never throws.
 */
export function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) return `<${bytes.length}-byte address ${bytes.toString("hex")}>`;
  if (isIpv4Mapped(bytes)) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not shortened (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** ::ffff:0:0/96, an IPv4 address written as IPv6 (RFC 4291 §2.5.5.2). */
export function isIpv4Mapped(bytes: Buffer): boolean {
  if (bytes.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Same address, byte for byte (an IPv4 address and its IPv4-mapped IPv6 form are different on the wire:
 * they arrive in different IP versions, so they are not equal here).
 */
export function sameIp(a: Buffer, b: Buffer): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
