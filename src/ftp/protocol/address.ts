// Data-connection addresses on the control connection: PORT and PASV (RFC 959 h1,h2,h3,h4,p1,p2),
// EPRT and EPSV (RFC 2428 |proto|addr|port|). Parsers scan by hand in one pass, with no regular
// expressions, and return undefined for anything malformed; formatters throw TypeError on
// caller bugs.
import { isIPv4, isIPv6 } from "node:net";
import { canonicalAddress } from "../../network.js";

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface EprtAddress {
  readonly family: 4 | 6;
  readonly host: string;
  readonly port: number;
}

function checkPort(port: number, min: number): void {
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new TypeError(`port must be an integer ${min}..65535, got ${port}`);
  }
}

function ipv4Octets(host: string): number[] {
  const h = canonicalAddress(host);
  if (!isIPv4(h)) throw new TypeError(`PORT/PASV need an IPv4 address, got ${JSON.stringify(host)}`);
  return h.split(".").map(Number);
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

/** "127,0,0,1,4,1"; zeroPad gives NetX's "127,000,000,001,004,001". IPv4-mapped IPv6 counts as IPv4. */
export function formatPortArg(hp: HostPort, options?: { zeroPad?: boolean }): string {
  checkPort(hp.port, 0);
  const nums = [...ipv4Octets(hp.host), hp.port >> 8, hp.port & 255];
  return options?.zeroPad ? nums.map(pad3).join(",") : nums.join(",");
}

/**
 * Reads up to six comma-separated numbers 0..255 starting at `i` (spaces allowed around
 * commas). Returns the index after the sixth number, or -1.
 */
function readSix(text: string, i: number, nums: number[]): number {
  const n = text.length;
  for (let k = 0; k < 6; k++) {
    if (k > 0) {
      while (i < n && text.charCodeAt(i) === 32) i++;
      if (text.charCodeAt(i) !== 44) return -1;
      i++;
      while (i < n && text.charCodeAt(i) === 32) i++;
    }
    let value = 0;
    let digits = 0;
    for (;;) {
      const c = text.charCodeAt(i);
      // Written so that NaN (past the end) also stops.
      if (!(c >= 48 && c <= 57)) break;
      value = value * 10 + (c - 48);
      // Leading zeros are fine; the value bound also bounds how far we read.
      if (value > 255) return -1;
      digits++;
      i++;
    }
    if (digits === 0) return -1;
    nums[k] = value;
  }
  return i;
}

function toHostPort(nums: readonly number[]): HostPort {
  const [a, b, c, d, p1, p2] = nums as [number, number, number, number, number, number];
  return { host: `${a}.${b}.${c}.${d}`, port: p1 * 256 + p2 };
}

/** The PORT argument "h1,h2,h3,h4,p1,p2" (leading zeros and surrounding spaces allowed). */
export function parsePortArg(arg: string): HostPort | undefined {
  const nums: number[] = [];
  let i = 0;
  while (i < arg.length && arg.charCodeAt(i) === 32) i++;
  const end = readSix(arg, i, nums);
  if (end === -1) return undefined;
  i = end;
  while (i < arg.length && arg.charCodeAt(i) === 32) i++;
  return i === arg.length ? toHostPort(nums) : undefined;
}

/** The 227 text, exactly as NetX Duo words it. */
export function formatPasvText(hp: HostPort): string {
  return `Entering Passive Mode (${formatPortArg(hp)}).`;
}

/** The first six comma-separated numbers anywhere in a 227 text, parenthesised or not. */
export function parsePasvText(text: string): HostPort | undefined {
  const nums: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) {
      i++;
      continue;
    }
    if (readSix(text, i, nums) !== -1) return toHostPort(nums);
    // Skip the rest of this digit run: a run starting mid-number is not a new candidate.
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  }
  return undefined;
}

/** Eight 16-bit groups of a textual IPv6 address (with "::" and a dotted IPv4 tail), or undefined. */
export function ipv6Groups(address: string): number[] | undefined {
  if (!isIPv6(address) || address.includes("%")) return undefined;
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.indexOf(".", lastColon) !== -1) {
    const v4 = text.slice(lastColon + 1).split(".").map(Number);
    tail.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
    text = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "a:b::1.2.3.4" leaves "a:b::"; "a:...:f:1.2.3.4" leaves "a:...:f:".
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  }
  const parse = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const gap = text.indexOf("::");
  let groups: number[];
  if (gap === -1) {
    groups = [...parse(text), ...tail];
  } else {
    const head = parse(text.slice(0, gap));
    const rest = [...parse(text.slice(gap + 2)), ...tail];
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  }
  return groups.length === 8 ? groups : undefined;
}

/** RFC 5952 text of eight groups: lower case, longest zero run (>= 2 groups) as "::", mapped IPv4 dotted. */
export function formatIPv6(groups: readonly number[]): string {
  const g = groups as readonly [number, number, number, number, number, number, number, number];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(":");
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** "|1|127.0.0.1|1025|" or "|2|::1|1025|"; uncompressedUpper gives NetX's 8 x 4 upper-case hex digits. */
export function formatEprtArg(hp: HostPort, options?: { uncompressedUpper?: boolean }): string {
  checkPort(hp.port, 1);
  const host = canonicalAddress(hp.host);
  if (isIPv4(host)) return `|1|${host}|${hp.port}|`;
  const groups = ipv6Groups(host);
  if (!groups) throw new TypeError(`EPRT needs an IPv4 or IPv6 address, got ${JSON.stringify(hp.host)}`);
  const text = options?.uncompressedUpper
    ? groups.map((x) => x.toString(16).toUpperCase().padStart(4, "0")).join(":")
    : formatIPv6(groups);
  return `|2|${text}|${hp.port}|`;
}

function parseDecimalPort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    value = value * 10 + (c - 48);
  }
  return value >= 1 && value <= 65535 ? value : undefined;
}

/**
 * The EPRT argument (RFC 2428): the first character is the delimiter (ASCII 33..126), then
 * net-prt 1 or 2, an address of that family, a port 1..65535. The host comes back canonical:
 * IPv6 in RFC 5952 form and an IPv4-mapped IPv6 address as plain IPv4, as the Network reports
 * peers, so bounce checks compare like with like.
 */
export function parseEprtArg(arg: string): EprtAddress | undefined {
  const text = arg.trim();
  const d = text.charCodeAt(0);
  if (!(d >= 33 && d <= 126)) return undefined;
  const parts = text.split(text[0] as string);
  if (parts.length !== 5 || parts[0] !== "" || parts[4] !== "") return undefined;
  const [, proto, address, portText] = parts as [string, string, string, string, string];
  const port = parseDecimalPort(portText);
  if (port === undefined) return undefined;
  if (proto === "1") {
    return isIPv4(address) ? { family: 4, host: address, port } : undefined;
  }
  if (proto === "2") {
    const groups = ipv6Groups(address);
    return groups ? { family: 6, host: canonicalAddress(formatIPv6(groups)), port } : undefined;
  }
  return undefined;
}

/** The 229 text. */
export function formatEpsvText(port: number): string {
  checkPort(port, 1);
  return `Entering Extended Passive Mode (|||${port}|)`;
}

/** The port in "(<d><d><d>port<d>)" anywhere in a 229 text, for any delimiter d. */
export function parseEpsvText(text: string): number | undefined {
  let open = text.indexOf("(");
  while (open !== -1) {
    const d = text.charCodeAt(open + 1);
    if (d >= 33 && d <= 126 && text.charCodeAt(open + 2) === d && text.charCodeAt(open + 3) === d) {
      // At most five port digits: a bounded look-ahead keeps this linear on hostile text.
      let close = open + 4;
      while (close < open + 10 && close < text.length && text.charCodeAt(close) !== d) close++;
      if (text.charCodeAt(close) === d && text.charCodeAt(close + 1) === 41) {
        const port = parseDecimalPort(text.slice(open + 4, close));
        if (port !== undefined) return port;
      }
    }
    open = text.indexOf("(", open + 1);
  }
  return undefined;
}
