// What `hilftp forward` changes on the control connection, as pure functions: which client
// commands go to the board unchanged, which it answers itself (active mode), and how the
// board's passive replies (227/229) are read and rewritten to name the forwarder's own data
// listener. Built on the shared codecs in ftp/protocol; no I/O here, so all of it unit-tests.
import type { Endpoint } from "../network.js";
import { formatEpsvText, formatPasvText, formatReply, parseEpsvText, parsePasvText, type Command, type Reply } from "../ftp/protocol/index.js";

/** The reply to PORT/EPRT (and LPRT): the board cannot connect back to a client through the tunnel. */
export const ACTIVE_REFUSED = formatReply(502, "hilftp forward: active mode is not supported through the tunnel; use passive (PASV/EPSV)");

/** A transfer command with no PASV/EPSV before it would make the board try active mode. */
export const NO_PASSIVE = formatReply(425, "hilftp forward: send PASV or EPSV first (active mode is not supported through the tunnel)");

/** PASV can only name an IPv4 address (RFC 2428 section 3); pyftpdlib answers the same. */
export const PASV_NEEDS_IPV4 = formatReply(425, "hilftp forward: PASV cannot name an IPv6 address; use EPSV");

/** Commands that use the data connection: each needs a fresh PASV/EPSV (NetX clears passive mode after every transfer). */
const TRANSFER_VERBS = new Set(["RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"]);

export type Route =
  /** PORT, EPRT, LPRT: refused here with ACTIVE_REFUSED, never sent to the board. */
  | "active"
  /** LPSV (RFC 1639): refused here, clients fall back to PASV/EPSV. */
  | "long-passive"
  | "pasv"
  | "epsv"
  /** "EPSV ALL": the client promises to use EPSV only; answered here (the board need not know EPSV). */
  | "epsv-all"
  | "transfer"
  | "abort"
  | "quit"
  /** Sent to the board as it came. */
  | "plain";

export function routeCommand(command: Command): Route {
  switch (command.verb) {
    case "PORT":
    case "EPRT":
    case "LPRT":
      return "active";
    case "LPSV":
      return "long-passive";
    case "PASV":
      return "pasv";
    case "EPSV":
      return command.arg.trim().toUpperCase() === "ALL" ? "epsv-all" : "epsv";
    case "ABOR":
      return "abort";
    case "QUIT":
      return "quit";
    default:
      return TRANSFER_VERBS.has(command.verb) ? "transfer" : "plain";
  }
}

/**
 * An "EPSV 1"/"EPSV 2" the forwarder cannot serve: the client asks for a data connection in the
 * other address family than the one it reached us by. RFC 2428 section 3 wants 522 naming the
 * family we do support. undefined when the EPSV is fine (no argument, or the right family).
 */
export function epsvFamilyRefusal(arg: string, family: 4 | 6): string | undefined {
  const want = arg.trim();
  if (want === "" || want === String(family === 4 ? 1 : 2)) return undefined;
  return formatReply(522, `hilftp forward: network protocol not supported, use (${family === 4 ? 1 : 2})`);
}

/** Whether a reply to EPSV means the board does not know the command (so PASV is worth a try). */
export function unknownCommand(reply: Reply): boolean {
  return reply.code === 500 || reply.code === 502;
}

/**
 * The board's data port in its passive reply: 227's p1,p2 or 229's (|||port|); undefined for
 * any other reply or one we cannot read. The address in a 227 is ignored on purpose: the data
 * connection goes to the address the control connection reached (no bounce via a forged 227).
 */
export function boardDataPort(reply: Reply): number | undefined {
  if (reply.code === 227) {
    const hp = parsePasvText(reply.text);
    return hp !== undefined && hp.port > 0 ? hp.port : undefined;
  }
  if (reply.code === 229) return parseEpsvText(reply.text);
  return undefined;
}

/**
 * The passive reply the client gets, naming the forwarder's data listener instead of the
 * board: 227 for PASV (IPv4 only), 229 for EPSV (port only, so any family). Whatever the board
 * answered (a 229 to EPSV or a 227 to the PASV we sent in its place), the client gets the kind
 * it asked for.
 */
export function clientPassiveReply(asked: "PASV" | "EPSV", listener: Endpoint): string {
  if (asked === "EPSV") return formatReply(229, formatEpsvText(listener.port));
  return formatReply(227, formatPasvText({ host: listener.address, port: listener.port }));
}

/** A reply exactly as the board sent it (its raw lines, NetX's trailing space kept), CRLF-terminated. */
export function wireReply(reply: Reply): string {
  return `${reply.lines.join("\r\n")}\r\n`;
}

/** A command line for logs: PASS arguments masked, as the client's own -v would show them. */
export function loggedCommand(command: Command): string {
  if (command.verb === "PASS") return "PASS ****";
  return command.arg === "" ? command.verb : `${command.verb} ${command.arg}`;
}
