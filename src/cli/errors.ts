// Every failure of a hilftp command becomes one line (the cause and what to do about it) and an
// exit code, here and nowhere else: main() prints what explain() returns. The layers below throw
// their own typed errors (LinkError, FtpError, ProfileError, ...) with messages written for a
// person; this module only adds the fix a user needs and sorts them into the exit codes below.
import { readFileSync, statSync } from "node:fs";
import { FirmwareBuildError, ProfileError } from "../board/index.js";
import { AbortError, FtpConnectionError, FtpError, FtpTimeoutError } from "../ftp/client/index.js";
import { LinkError, parseLinkSpec, type LinkSpec } from "../link/index.js";
import { NetworkError } from "../network.js";
import { TunError } from "../tun/index.js";
import { FaultSpecError } from "../tunnel.js";
import { UsageError } from "./url.js";

export const EXIT = {
  ok: 0,
  /** The operation failed: the server refused it, a transfer broke, a local file could not be written. */
  failed: 1,
  /** Bad usage: unknown flag, bad option value, bad URL, bad profile file. */
  usage: 2,
  /** The link or the board cannot be reached: port busy/denied/missing, board silent, refused, timed out, QEMU or toolchain missing. */
  unreachable: 3,
  /** Stopped by SIGINT (Ctrl-C), as a shell reports it (128 + 2). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT] | 143;

/** What `hilftp --help` says about exit codes and errors. */
export const EXIT_HELP: readonly string[] = [
  "  0    ok",
  "  1    the operation failed (the server refused it, a transfer broke)",
  "  2    bad usage: unknown flag, bad option value, bad URL, bad board profile",
  "  3    link or board unreachable: serial port busy, denied or missing, board silent,",
  "       connection refused or timed out, QEMU or the ARM toolchain missing",
  "  130  interrupted (Ctrl-C); SIGTERM stops serve/sim/qemu/tun with 0",
];

/** Stable names for scripts (the "code" of the --json error object). */
export type ErrorCode =
  | "usage"
  | "profile"
  | "ftp-refused"
  | "login-refused"
  | "connection-lost"
  | "transfer-timeout"
  | "port-busy"
  | "port-denied"
  | "port-missing"
  | "not-serial"
  | "board-silent"
  | "board-stopped"
  | "connection-refused"
  | "timeout"
  | "unreachable"
  | "missing-program"
  | "build-failed"
  | "link"
  | "tun"
  | "interrupted"
  | "failed"
  | "internal";

/** An error that already knows its line, code and exit (the CLI's own, e.g. a silent board). */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly exit: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SilentBoard {
  readonly pings: number;
  readonly address: string;
  /** The link spec as given ("serial:/dev/ttyACM0@115200", "tcp:127.0.0.1:5555"). */
  readonly link: string;
  readonly seconds: number;
}

/**
 * "sent 20 pings to 198.51.100.2 over serial:/dev/ttyACM0@115200 in 20 s, no answer: is the board
 * running the SLIP firmware at 115200 8N1?": what was tried, for how long, and what to check.
 */
export function boardSilent(s: SilentBoard): CliError {
  let spec: LinkSpec | undefined;
  try {
    spec = parseLinkSpec(s.link);
  } catch {
    spec = undefined;
  }
  const hint =
    spec?.kind === "serial"
      ? `is the board running the SLIP firmware at ${spec.baud} 8N1 (and is ${spec.path} its port)?`
      : `is a board's SLIP firmware at the other end of ${s.link}, with ${s.address} as its address?`;
  const seconds = s.seconds < 10 ? s.seconds.toFixed(1) : String(Math.round(s.seconds));
  return new CliError(`sent ${s.pings} ping${s.pings === 1 ? "" : "s"} to ${s.address} over ${s.link} in ${seconds} s, no answer: ${hint}`, "board-silent", EXIT.unreachable);
}

export interface Explained {
  /** One line without the "hilftp CMD: " prefix. */
  readonly message: string;
  readonly code: ErrorCode;
  readonly exit: ExitCode;
}

/** The one line and exit code for anything a command threw. `command` names the --help to point at. */
export function explain(err: unknown, command?: string): Explained {
  const e = (message: string, code: ErrorCode, exit: ExitCode): Explained => ({ message: oneLine(message), code, exit });
  const helpHint = command ? ` (hilftp ${command} --help)` : " (hilftp --help)";
  if (err instanceof CliError) return e(err.message, err.code, err.exit);
  if (err instanceof UsageError || err instanceof FaultSpecError) return e(err.message, "usage", EXIT.usage);
  if (isParseArgsError(err)) return e(`${firstSentence(err.message)}${helpHint}`, "usage", EXIT.usage);
  if (err instanceof ProfileError) return e(err.issues.length > 0 ? err.message.split("\n").join("; ") : err.message, "profile", EXIT.usage);
  if (err instanceof FtpError) return ftpRefusal(err);
  if (err instanceof FtpTimeoutError) {
    if (err.kind === "control" && err.message.startsWith("connecting to")) {
      return e(`${err.message}: is the address right and the server up? (--timeout SECONDS waits longer)`, "timeout", EXIT.unreachable);
    }
    return e(`${err.message} (--timeout SECONDS waits longer)`, "transfer-timeout", EXIT.failed);
  }
  if (err instanceof FtpConnectionError) return e(err.message, "connection-lost", EXIT.failed);
  if (err instanceof NetworkError) return networkFailure(err);
  if (err instanceof LinkError) return linkFailure(err);
  if (err instanceof FirmwareBuildError) return missingProgram(err.message) ?? e(err.message, "build-failed", EXIT.failed);
  if (err instanceof TunError) return e(err.message, err.code === "BAD_OPTION" ? "usage" : "tun", err.code === "BAD_OPTION" ? EXIT.usage : EXIT.failed);
  if (err instanceof AbortError) return e("interrupted", "interrupted", EXIT.interrupted);
  if (err instanceof Error && isProgrammingError(err)) return e(`${err.name}: ${err.message} (a bug in hilftp; --verbose shows where)`, "internal", EXIT.failed);
  if (err instanceof Error) return e(err.message, "failed", EXIT.failed);
  return e(String(err), "failed", EXIT.failed);
}

function ftpRefusal(err: FtpError): Explained {
  if (err.code === 530) {
    return {
      message: oneLine(`server replied ${err.message}: check the user and password (ftp://USER:PASSWORD@HOST/; with --board the profile's ftp section gives the defaults)`),
      code: "login-refused",
      exit: EXIT.failed,
    };
  }
  return { message: oneLine(`server replied ${err.message}`), code: "ftp-refused", exit: EXIT.failed };
}

const UNREACHABLE_ERRNO = new Set(["EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL"]);

/** "connect to 127.0.0.1 port 1: connect ECONNREFUSED 127.0.0.1:1" -> who refused, and why that usually is. */
function networkFailure(err: NetworkError): Explained {
  const target = /^connect to (.+) port (\d+):/.exec(err.message);
  const where = target ? `${target[1]} port ${target[2]}` : undefined;
  if (err.code === "ECONNREFUSED") {
    return {
      message: where ? `connection refused by ${where}: nothing listens there (is the server running, the port right?)` : oneLine(err.message),
      code: "connection-refused",
      exit: EXIT.unreachable,
    };
  }
  if (err.code === "ETIMEDOUT") {
    return { message: oneLine(`${err.message}: is the address right and the server up?`), code: "timeout", exit: EXIT.unreachable };
  }
  if (UNREACHABLE_ERRNO.has(err.code)) return { message: oneLine(`${err.message}: check the address`), code: "unreachable", exit: EXIT.unreachable };
  return { message: oneLine(err.message), code: "failed", exit: EXIT.failed };
}

function linkFailure(err: LinkError): Explained {
  const u = (message: string, code: ErrorCode): Explained => ({ message: oneLine(message), code, exit: EXIT.unreachable });
  const missing = missingProgram(err.message);
  if (missing) return missing;
  const serial = serialPathOf(err.message);
  switch (err.code) {
    case "BAD_SPEC":
      return { message: oneLine(err.message), code: "usage", exit: EXIT.usage };
    case "ABORTED":
      return { message: "interrupted", code: "interrupted", exit: EXIT.interrupted };
    case "NO_DEVICE":
      return serial ? u(`${err.message}: hilftp ports lists the serial ports present`, "port-missing") : u(err.message, "link");
    case "PERMISSION":
      if (!serial) return u(err.message, "link");
      {
        const group = deviceGroup(serial);
        return u(`${err.message}: ${serial} belongs to group ${group}; run: sudo usermod -aG ${group} $USER, then log out and in again`, "port-denied");
      }
    case "NOT_SERIAL":
      return u(`${err.message}: hilftp ports lists the serial ports present`, "not-serial");
    case "REFUSED":
      return u(`${err.message}: nothing listens there (is hilftp sim/qemu --listen, or the serial bridge, running?)`, "connection-refused");
    case "TIMEOUT":
      return /did not answer ping/.test(err.message) ? u(`${err.message}: is the firmware built for this profile? --verbose shows the start`, "board-silent") : u(err.message, "timeout");
    case "HOST_NOT_FOUND":
    case "UNREACHABLE":
      return u(`${err.message}: check the address`, "unreachable");
    default:
      break;
  }
  if (serial && /in use by another program|Cannot lock port|Resource temporarily unavailable|EBUSY/i.test(err.message)) {
    return u(
      `${serial} is held by another program (a terminal such as screen, minicom or picocom, or ModemManager): close it; fuser ${serial} shows who holds it`,
      "port-busy",
    );
  }
  // Things that go wrong with a link that was open (the board's process died, the socket closed).
  return { message: oneLine(err.message), code: "board-stopped", exit: EXIT.failed };
}

/** A missing emulator, compiler or make: the layers below already name the apt-get line. */
function missingProgram(message: string): Explained | undefined {
  if (!/ not found; install (?:it|the toolchain) with: /.test(message)) return undefined;
  return { message: oneLine(message), code: "missing-program", exit: EXIT.unreachable };
}

/** The device path when a link message starts with a serial spec ("serial:/dev/ttyACM0@115200: ..."). */
function serialPathOf(message: string): string | undefined {
  const cut = message.indexOf(": ");
  if (cut < 0 || !message.startsWith("serial:")) return undefined;
  try {
    const spec = parseLinkSpec(message.slice(0, cut));
    return spec.kind === "serial" ? spec.path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The group owning a device node, as `stat -c %G` says, looked up when the error happens: Debian
 * gives ttyS/ttyACM/ttyUSB to dialout, other systems use uucp or tty. dialout when it cannot tell.
 */
export function deviceGroup(path: string, groupFile = "/etc/group"): string {
  try {
    const gid = statSync(path).gid;
    for (const line of readFileSync(groupFile, "utf8").split("\n")) {
      const [name, , id] = line.split(":");
      if (name && Number(id) === gid) return name;
    }
  } catch {
    // no such device (any more) or no group file: the usual name
  }
  return "dialout";
}

function isParseArgsError(err: unknown): err is Error {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** Errors that mean hilftp itself is wrong, not the user's input or the world. */
function isProgrammingError(err: Error): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError;
}

/** parseArgs appends advice about "--" that does not fit one line. */
function firstSentence(text: string): string {
  const cut = text.indexOf(". ");
  return cut < 0 ? text : text.slice(0, cut);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ").trim();
}
