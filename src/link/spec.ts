// Link spec strings ("serial:/dev/ttyUSB0@115200", "tcp:[::1]:5555", ...) parsed into typed
// values and formatted back. One table entry per kind: a later kind (sim, qemu) is one more
// member of LinkSpec, one more parser here and one more opener in open.ts.
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

export type LinkSpec = SerialSpec | TcpSpec | UnixSpec;
export type LinkKind = LinkSpec["kind"];

type KindParser<K extends LinkKind> = (rest: string, text: string) => Extract<LinkSpec, { kind: K }>;

const PARSERS: { readonly [K in LinkKind]: KindParser<K> } = {
  serial: (rest, text) => parseSerial(rest, text),
  tcp: (rest, text) => ({ kind: "tcp", ...parseHostPort(rest, text, 1) }),
  "tcp-listen": (rest, text) => ({ kind: "tcp-listen", ...parseHostPort(rest, text, 0) }),
  unix: (rest, text) => ({ kind: "unix", path: nonEmptyPath(rest, text) }),
  "unix-listen": (rest, text) => ({ kind: "unix-listen", path: nonEmptyPath(rest, text) }),
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
  if (colon < 0) throw bad(text, `missing the part after "${name}:"`);
  return parseKind(name, text.slice(colon + 1), text);
}

function parseKind<K extends LinkKind>(kind: K, rest: string, text: string): LinkSpec {
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
  }
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
