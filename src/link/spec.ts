// Link spec strings ("serial:/dev/ttyUSB0@115200", "tcp:[::1]:5555", "sim", "qemu:fw.elf", ...)
// parsed into typed values and formatted back. One table entry per kind: a kind is one member of
// LinkSpec, one parser here and one opener in open.ts.
import { isIPv6 } from "node:net";
import { LinkError } from "./errors.js";

export const DEFAULT_BAUD = 115200;

export interface SerialSpec {
  readonly kind: "serial";
  readonly path: string;
  readonly baud: number;
}
interface HostPortSpec<K extends string> {
  readonly kind: K;
  readonly host: string;
  readonly port: number;
}
interface PathSpec<K extends string> {
  readonly kind: K;
  readonly path: string;
}
/** tcp: connects; tcp-listen: waits for the board side to connect. */
export type TcpSpec = HostPortSpec<"tcp"> | HostPortSpec<"tcp-listen">;
export type UnixSpec = PathSpec<"unix"> | PathSpec<"unix-listen">;
/**
 * A board started by the link itself: `sim` (the native target) or `qemu` (qemu-system-arm).
 * path: a prebuilt executable / firmware image; without it the profile's is built if needed.
 */
export interface BoardProcessSpec<K extends "sim" | "qemu" = "sim" | "qemu"> {
  readonly kind: K;
  readonly path?: string;
}
export type SimSpec = BoardProcessSpec<"sim">;
export type QemuSpec = BoardProcessSpec<"qemu">;

export type LinkSpec = SerialSpec | TcpSpec | UnixSpec | SimSpec | QemuSpec;
export type LinkKind = LinkSpec["kind"];

/** rest: the text after "KIND:", undefined when the spec is the bare kind name. */
type KindParser<K extends LinkKind> = (rest: string | undefined, text: string) => Extract<LinkSpec, { kind: K }>;

const PARSERS: { readonly [K in LinkKind]: KindParser<K> } = {
  serial: (rest, text) => parseSerial(after("serial", rest, text), text),
  tcp: (rest, text) => ({ kind: "tcp", ...parseHostPort(after("tcp", rest, text), text, 1) }),
  "tcp-listen": (rest, text) => ({ kind: "tcp-listen", ...parseHostPort(after("tcp-listen", rest, text), text, 0) }),
  unix: (rest, text) => ({ kind: "unix", path: nonEmptyPath(after("unix", rest, text), text) }),
  "unix-listen": (rest, text) => ({ kind: "unix-listen", path: nonEmptyPath(after("unix-listen", rest, text), text) }),
  sim: (rest, text) => (rest === undefined ? { kind: "sim" } : { kind: "sim", path: nonEmptyPath(rest, text) }),
  qemu: (rest, text) => (rest === undefined ? { kind: "qemu" } : { kind: "qemu", path: nonEmptyPath(rest, text) }),
};

export const LINK_KINDS: readonly LinkKind[] = Object.keys(PARSERS) as LinkKind[];

function isKind(name: string): name is LinkKind {
  return Object.prototype.hasOwnProperty.call(PARSERS, name);
}

/** Parses a link spec; throws LinkError (code BAD_SPEC) with a message naming the spec. */
export function parseLinkSpec(text: string): LinkSpec {
  const colon = text.indexOf(":");
  const name = colon < 0 ? text : text.slice(0, colon);
  if (!isKind(name)) {
    throw bad(text, `unknown link kind "${name}" (expected one of ${LINK_KINDS.join(", ")})`);
  }
  return parseKind(name, colon < 0 ? undefined : text.slice(colon + 1), text);
}

function parseKind<K extends LinkKind>(kind: K, rest: string | undefined, text: string): LinkSpec {
  const parser: KindParser<K> = PARSERS[kind];
  return parser(rest, text);
}

/** The canonical text of a spec; parseLinkSpec(formatLinkSpec(s)) deep-equals s. */
export function formatLinkSpec(spec: LinkSpec): string {
  switch (spec.kind) {
    case "serial":
      return `serial:${spec.path}@${spec.baud}`;
    case "tcp":
    case "tcp-listen":
      return `${spec.kind}:${isIPv6(spec.host) ? `[${spec.host}]` : spec.host}:${spec.port}`;
    case "unix":
    case "unix-listen":
      return `${spec.kind}:${spec.path}`;
    case "sim":
    case "qemu":
      return spec.path === undefined ? spec.kind : `${spec.kind}:${spec.path}`;
  }
}

function after(kind: string, rest: string | undefined, text: string): string {
  if (rest === undefined) throw bad(text, `missing the part after "${kind}:"`);
  return rest;
}

function parseSerial(rest: string, text: string): SerialSpec {
  const at = /^(.*)@([^@/]*)$/.exec(rest);
  const path = at ? (at[1] ?? "") : rest;
  let baud = DEFAULT_BAUD;
  if (at) {
    const digits = at[2] ?? "";
    if (!/^[1-9]\d{0,8}$/.test(digits)) throw bad(text, `baud rate "${digits}" is not a positive integer`);
    baud = Number(digits);
  }
  return { kind: "serial", path: nonEmptyPath(path, text), baud };
}

function parseHostPort(rest: string, text: string, minPort: number): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw bad(text, `missing "]" after the IPv6 address`);
    host = rest.slice(1, close);
    if (!isIPv6(host)) throw bad(text, `"${host}" is not an IPv6 address`);
    if (rest[close + 1] !== ":") throw bad(text, `expected ":PORT" after "]"`);
    portText = rest.slice(close + 2);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon < 0) throw bad(text, `expected HOST:PORT`);
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host.includes(":")) throw bad(text, `write an IPv6 address in brackets, as in tcp:[::1]:5555`);
    if (host === "") throw bad(text, `missing host before ":${portText}"`);
  }
  if (!/^\d{1,5}$/.test(portText)) throw bad(text, `port "${portText}" is not a number`);
  const port = Number(portText);
  if (port < minPort || port > 65535) throw bad(text, `port ${port} is out of range ${minPort}-65535`);
  return { host, port };
}

function nonEmptyPath(path: string, text: string): string {
  if (path === "") throw bad(text, "missing path");
  return path;
}

function bad(text: string, why: string): LinkError {
  return new LinkError(`${text}: ${why}`, "BAD_SPEC");
}
