// Directory listings: LIST lines out of the server (ls -l style, or NetX Duo's exact format),
// MLSD/MLST lines (RFC 3659), and parsers for what real servers send: Unix ls -l from vsftpd,
// pure-ftpd, ProFTPD and NetX (upper-case months, no year), and DOS/IIS. Parsers tokenise by
// hand (no regular expressions, so no backtracking on hostile names) and return undefined for
// lines they do not understand.
import type { FileInfo } from "../fs/types.js";
import { formatMdtm, parseMdtm } from "./time.js";

export interface ListEntry {
  readonly name: string;
  readonly type: "file" | "dir" | "link" | "other";
  readonly size: number;
  readonly mtime?: Date;
  /** "rwxr-xr-x" from LIST; the perm fact ("rwadf") from MLSx. */
  readonly permissions?: string;
  readonly target?: string;
  /** MLSx facts, keys lower-cased, values as sent. */
  readonly facts?: Readonly<Record<string, string>>;
}

export interface ListLineOptions {
  readonly style: "rfc" | "netx";
  /** Decides between "HH:MM" and the year in rfc style. */
  readonly now: Date;
}

export interface MlsxLineOptions {
  /** Facts to include (case-insensitive); default MLST_FACTS. */
  readonly facts?: readonly string[];
  /** This entry is the listed directory itself (type=cdir). */
  readonly cdir?: boolean;
  /** This entry is the parent of the listed directory (type=pdir). */
  readonly pdir?: boolean;
}

/** The MLSx facts this codec writes, in the order it writes them. */
export const MLST_FACTS: readonly string[] = ["type", "size", "modify", "perm", "unix.mode"];

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_UPPER = MONTHS.map((m) => m.toUpperCase());
const DAY_MS = 86_400_000;
const RECENT_MS = 180 * DAY_MS;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A name that cannot break the listing into extra lines. */
function safeName(name: string): string {
  return name.includes("\r") || name.includes("\n") ? name.replace(/[\r\n]/g, "?") : name;
}

function rwx(mode: number): string {
  let out = "";
  for (let shift = 6; shift >= 0; shift -= 3) {
    const bits = (mode >> shift) & 7;
    out += (bits & 4 ? "r" : "-") + (bits & 2 ? "w" : "-") + (bits & 1 ? "x" : "-");
  }
  return out;
}

function typeChar(type: FileInfo["type"]): string {
  // "other" (device, fifo, socket) is shown as a fifo: any parser maps it to "not a file".
  return type === "dir" ? "d" : type === "link" ? "l" : type === "other" ? "p" : "-";
}

function unixMode(info: FileInfo): number {
  const mode = info.mode ?? (info.type === "dir" ? 0o755 : 0o644);
  return info.readOnly ? mode & ~0o222 : mode;
}

/**
 * One LIST line without CRLF. rfc: `ls -l` look with fixed "1 owner group", UTC dates, the
 * time for dates within 180 days of `now`, else the year. netx: NetX Duo's exact 52-byte
 * prefix (always HH:MM, upper-case month, no year), so NetX-parsing tools see what they expect.
 */
export function formatListLine(info: FileInfo, options: ListLineOptions): string {
  const m = info.mtime;
  const size = String(info.size).padStart(10, " ");
  const name = safeName(info.name);
  if (options.style === "netx") {
    const perms = info.readOnly ? "r--r--r--" : "rw-rw-rw-";
    const d = info.type === "dir" ? "d" : "-";
    const when = `${MONTHS_UPPER[m.getUTCMonth()]} ${pad2(m.getUTCDate())} ${pad2(m.getUTCHours())}:${pad2(m.getUTCMinutes())}`;
    return `${d}${perms}  1 owner group ${size} ${when} ${name}`;
  }
  const day = String(m.getUTCDate()).padStart(2, " ");
  const recent = Math.abs(options.now.getTime() - m.getTime()) <= RECENT_MS;
  const tail = recent ? `${pad2(m.getUTCHours())}:${pad2(m.getUTCMinutes())}` : ` ${m.getUTCFullYear()}`;
  const link = info.type === "link" && info.target !== undefined ? ` -> ${safeName(info.target)}` : "";
  return `${typeChar(info.type)}${rwx(unixMode(info))} 1 owner group ${size} ${MONTHS[m.getUTCMonth()]} ${day} ${tail} ${name}${link}`;
}

/**
 * One MLSD/MLST line without CRLF (RFC 3659 7.2): "fact=value;" for each selected fact in
 * MLST_FACTS order, one space, the name. size is left out for directories (RFC 3659 7.5.7).
 */
export function formatMlsxLine(info: FileInfo, options?: MlsxLineOptions): string {
  const wanted = options?.facts ? new Set(options.facts.map((f) => f.toLowerCase())) : undefined;
  const want = (fact: string): boolean => wanted === undefined || wanted.has(fact);
  const isDir = info.type === "dir" || options?.cdir === true || options?.pdir === true;
  let out = "";
  if (want("type")) {
    let type: string;
    if (options?.cdir) type = "cdir";
    else if (options?.pdir) type = "pdir";
    else if (info.type === "dir") type = "dir";
    else if (info.type === "file") type = "file";
    // ProFTPD's spelling; a target could contain ';', so it is not put in the fact.
    else if (info.type === "link") type = "OS.unix=symlink";
    else type = "OS.unix=special";
    out += `type=${type};`;
  }
  if (want("size") && !isDir) out += `size=${info.size};`;
  if (want("modify") && !Number.isNaN(info.mtime.getTime())) out += `modify=${formatMdtm(info.mtime)};`;
  if (want("perm")) {
    const perm = isDir ? (info.readOnly ? "el" : "elcmfp") : info.readOnly ? "r" : "rwadf";
    out += `perm=${perm};`;
  }
  if (want("unix.mode") && info.mode !== undefined) {
    out += `unix.mode=0${(unixMode(info) & 0o7777).toString(8).padStart(3, "0")};`;
  }
  return `${out} ${safeName(info.name)}`;
}

// ---- parsing ----

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c >= 48 && c <= 57)) return false;
  }
  return true;
}

function monthIndex(token: string): number {
  if (token.length !== 3) return -1;
  const t = token.charAt(0).toUpperCase() + token.slice(1).toLowerCase();
  return MONTHS.indexOf(t);
}

interface Token {
  readonly text: string;
  readonly end: number;
}

/** The first `max` space-separated tokens of a line (tabs count as spaces). */
function tokens(line: string, max: number): Token[] {
  const out: Token[] = [];
  const n = line.length;
  let i = 0;
  while (out.length < max) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
    out.push({ text: line.slice(start, i), end: i });
  }
  return out;
}

const PERM_CHARS = "rwxsStTlL-";

function isUnixPerms(token: string): boolean {
  const len = token.length;
  // 11 characters: a trailing ACL / extended-attribute / SELinux marker.
  if (len !== 10 && !(len === 11 && "+@.".includes(token.charAt(10)))) return false;
  if (!"-dlbcpsD".includes(token.charAt(0))) return false;
  for (let i = 1; i < 10; i++) if (!PERM_CHARS.includes(token.charAt(i))) return false;
  return true;
}

function unixType(c: string): ListEntry["type"] {
  return c === "d" ? "dir" : c === "l" ? "link" : c === "-" ? "file" : "other";
}

/** "HH:MM" as minutes since midnight, or -1. */
function clock(token: string): number {
  const colon = token.indexOf(":");
  if (colon < 1 || colon > 2 || token.length !== colon + 3) return -1;
  const h = token.slice(0, colon);
  const m = token.slice(colon + 1);
  if (!isDigits(h) || !isDigits(m)) return -1;
  const hh = Number(h);
  const mm = Number(m);
  return hh < 24 && mm < 60 ? hh * 60 + mm : -1;
}

function parseUnix(line: string, now: Date): ListEntry | undefined {
  const t = tokens(line, 9);
  const perms = t[0];
  if (!perms || !isUnixPerms(perms.text)) return undefined;
  // Find "size month day time|year": after the perms there are link count, owner and group,
  // any of which a server may leave out, so look at the next few positions.
  for (let i = 1; i + 3 < t.length && i <= 5; i++) {
    const size = (t[i] as Token).text;
    const month = monthIndex((t[i + 1] as Token).text);
    const dayText = (t[i + 2] as Token).text;
    const last = t[i + 3] as Token;
    if (!isDigits(size) || month === -1 || !isDigits(dayText)) continue;
    const day = Number(dayText);
    if (day < 1 || day > 31) continue;
    let mtime: Date;
    const minutes = clock(last.text);
    if (minutes !== -1) {
      const year = now.getUTCFullYear();
      const guess = Date.UTC(year, month, day, Math.floor(minutes / 60), minutes % 60);
      // No year given: the most recent such date that is not in the future (1 day slack for zones).
      mtime = new Date(guess > now.getTime() + DAY_MS ? Date.UTC(year - 1, month, day, Math.floor(minutes / 60), minutes % 60) : guess);
    } else if (last.text.length === 4 && isDigits(last.text)) {
      mtime = new Date(Date.UTC(Number(last.text), month, day));
    } else {
      continue;
    }
    // ls writes exactly one space before the name; more are part of the name.
    let name = line.slice(last.end + 1);
    if (name.length === 0 || last.end >= line.length) return undefined;
    const type = unixType(perms.text.charAt(0));
    let target: string | undefined;
    if (type === "link") {
      const arrow = name.indexOf(" -> ");
      if (arrow !== -1) {
        target = name.slice(arrow + 4);
        name = name.slice(0, arrow);
      }
    }
    const entry: ListEntry = { name, type, size: Number(size), mtime, permissions: perms.text.slice(1, 10) };
    return target === undefined ? entry : { ...entry, target };
  }
  return undefined;
}

/** "MM-DD-YY" or "MM-DD-YYYY" and "HH:MM[AM|PM]" (IIS, DOS), UTC. */
function dosDate(dateText: string, timeText: string): Date | undefined {
  if (dateText.length !== 8 && dateText.length !== 10) return undefined;
  if (dateText.charAt(2) !== "-" || dateText.charAt(5) !== "-") return undefined;
  const mm = dateText.slice(0, 2);
  const dd = dateText.slice(3, 5);
  const yy = dateText.slice(6);
  if (!isDigits(mm) || !isDigits(dd) || !isDigits(yy)) return undefined;
  let year = Number(yy);
  if (yy.length === 2) year += year < 70 ? 2000 : 1900;
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  let clockText = timeText;
  let half = "";
  const suffix = timeText.slice(-2).toUpperCase();
  if (suffix === "AM" || suffix === "PM") {
    half = suffix;
    clockText = timeText.slice(0, -2);
  }
  const minutes = clock(clockText);
  if (minutes === -1) return undefined;
  let hour = Math.floor(minutes / 60);
  if (half !== "") {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (half === "PM" ? 12 : 0);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minutes % 60));
}

function parseDos(line: string): ListEntry | undefined {
  const t = tokens(line, 3);
  if (t.length < 3) return undefined;
  const [date, time, what] = t as [Token, Token, Token];
  const mtime = dosDate(date.text, time.text);
  if (!mtime) return undefined;
  let type: ListEntry["type"];
  let size = 0;
  if (what.text.toUpperCase() === "<DIR>") {
    type = "dir";
  } else {
    // Some Windows servers group digits with commas.
    const digits = what.text.includes(",") ? what.text.split(",").join("") : what.text;
    if (!isDigits(digits)) return undefined;
    type = "file";
    size = Number(digits);
  }
  let i = what.end;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  const name = line.slice(i);
  if (name.length === 0) return undefined;
  return { name, type, size, mtime };
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/**
 * One LIST line: Unix ls -l (with year or time, any month case, links "a -> b", names with
 * spaces, numeric or named owner/group, group or link count missing) or DOS/IIS. "total N",
 * blank lines and anything unrecognised give undefined. A date without a year gets
 * the latest year that does not put it more than a day after `now`.
 */
export function parseListLine(line: string, now: Date = new Date()): ListEntry | undefined {
  const text = stripCr(line);
  if (text.trim().length === 0) return undefined;
  const c = text.charCodeAt(0);
  if (c >= 48 && c <= 57) return parseDos(text);
  return parseUnix(text, now);
}

function lines(text: string): string[] {
  return text.split("\n");
}

/** Every entry of a LIST body; lines that are not entries, and "." and ".." (NetX lists them), are skipped. */
export function parseListing(text: string, now: Date = new Date()): ListEntry[] {
  const out: ListEntry[] = [];
  for (const line of lines(text)) {
    const entry = parseListLine(line, now);
    if (entry && entry.name !== "." && entry.name !== "..") out.push(entry);
  }
  return out;
}

function mlsxType(value: string): { type: ListEntry["type"]; target?: string } {
  const v = value.toLowerCase();
  if (v === "file") return { type: "file" };
  if (v === "dir" || v === "cdir" || v === "pdir") return { type: "dir" };
  if (v.startsWith("os.unix=slink") || v.startsWith("os.unix=symlink")) {
    const colon = value.indexOf(":");
    return colon === -1 ? { type: "link" } : { type: "link", target: value.slice(colon + 1) };
  }
  return { type: "other" };
}

/**
 * One MLSD/MLST line: facts (case-insensitive names, kept lower-cased in `facts`), one space,
 * the name (which may hold ';' and spaces). cdir and pdir come back as type "dir" with
 * facts.type telling them apart. undefined without a space or without a name.
 */
export function parseMlsxLine(line: string): ListEntry | undefined {
  const text = stripCr(line);
  const sp = text.indexOf(" ");
  if (sp === -1 || sp === text.length - 1) return undefined;
  const name = text.slice(sp + 1);
  const facts: Record<string, string> = {};
  let start = 0;
  while (start < sp) {
    let semi = text.indexOf(";", start);
    if (semi === -1 || semi > sp) semi = sp;
    const eq = text.indexOf("=", start);
    if (eq !== -1 && eq < semi) facts[text.slice(start, eq).toLowerCase()] = text.slice(eq + 1, semi);
    start = semi + 1;
  }
  const { type, target } = facts.type !== undefined ? mlsxType(facts.type) : { type: "other" as const, target: undefined };
  const sizeText = facts.size ?? facts.sizd;
  const size = sizeText !== undefined && isDigits(sizeText) ? Number(sizeText) : 0;
  const mtime = facts.modify !== undefined ? parseMdtm(facts.modify) : undefined;
  const entry: ListEntry = { name, type, size, facts };
  return {
    ...entry,
    ...(mtime ? { mtime } : {}),
    ...(facts.perm !== undefined ? { permissions: facts.perm } : {}),
    ...(target !== undefined ? { target } : {}),
  };
}

/** Every entry of an MLSD body except the cdir and pdir entries. */
export function parseMlsd(text: string): ListEntry[] {
  const out: ListEntry[] = [];
  for (const line of lines(text)) {
    const entry = parseMlsxLine(line);
    if (!entry) continue;
    const t = entry.facts?.type?.toLowerCase();
    if (t === "cdir" || t === "pdir") continue;
    out.push(entry);
  }
  return out;
}
