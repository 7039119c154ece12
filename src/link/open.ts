// openLink(): from a spec string to an open ByteLink. One opener per kind in a table typed
// against LinkSpec, so adding a kind to spec.ts does not compile until it can be opened here.
import type { BoardLinkOptions } from "../board/board-link.js";
import type { ByteLink, FrameLink } from "./frame-link.js";
import { openSerial } from "./serial-link.js";
import { connectSocket, listenSocket, type SocketOpenOptions } from "./socket-link.js";
import { SlipFraming, type SlipFramingOptions } from "./slip-framing.js";
import { formatLinkSpec, parseLinkSpec, type LinkKind, type LinkSpec } from "./spec.js";

/** Socket options for the socket kinds; the board to start (and where it keeps state) for sim and qemu. */
export type OpenLinkOptions = SocketOpenOptions & BoardLinkOptions;

type Opener<K extends LinkKind> = (spec: Extract<LinkSpec, { kind: K }>, name: string, options: OpenLinkOptions) => Promise<ByteLink>;

const OPENERS: { readonly [K in LinkKind]: Opener<K> } = {
  serial: (spec, name) => openSerial(spec, name),
  tcp: connectSocket,
  "tcp-listen": listenSocket,
  unix: connectSocket,
  "unix-listen": listenSocket,
  // Loaded on use: the launchers pull in child processes, make and the stack (for the readiness ping).
  sim: (spec, name, options) => import("../board/sim.js").then((m) => m.openSimLink(spec, name, options)),
  qemu: (spec, name, options) => import("../board/qemu.js").then((m) => m.openQemuLink(spec, name, options)),
};

/**
 * Opens a link: `serial:/dev/ttyUSB0[@115200]`, `tcp:HOST:PORT` (IPv6 as `tcp:[::1]:PORT`),
 * `tcp-listen:HOST:PORT`, `unix:PATH`, `unix-listen:PATH`, `sim[:EXECUTABLE]`, `qemu[:FIRMWARE]`.
 * Listen kinds resolve on the first connection; sim and qemu start the board (options.board, built
 * if needed) and resolve once it answers ping, and closing the link stops it. Fails with a
 * LinkError whose message starts with the spec.
 */
export function openLink(spec: string | LinkSpec, options: OpenLinkOptions = {}): Promise<ByteLink> {
  try {
    const parsed = typeof spec === "string" ? parseLinkSpec(spec) : spec;
    const name = typeof spec === "string" ? spec : undefined;
    return openParsed(parsed, name, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** openLink() + SlipFraming, named after the spec so later errors name it too. */
export async function openFrameLink(spec: string | LinkSpec, options: OpenLinkOptions & Omit<SlipFramingOptions, "name"> = {}): Promise<FrameLink> {
  const name = typeof spec === "string" ? spec : formatLinkSpec(spec);
  const bytes = await openLink(spec, options);
  return new SlipFraming(bytes, { ...options, name });
}

function openParsed<K extends LinkKind>(spec: Extract<LinkSpec, { kind: K }>, name: string | undefined, options: OpenLinkOptions): Promise<ByteLink> {
  const opener = OPENERS[spec.kind as K] as Opener<K>;
  return opener(spec, name ?? formatLinkSpec(spec), options);
}
