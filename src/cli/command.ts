// The shape every hilftp command has: its help (usage, options, examples) as data, so that
// `hilftp --help`, `hilftp CMD --help` and the README's command list come from one place, and the
// output context (--json, --verbose) every command honours the same way.
import type { Writable } from "node:stream";

export interface CommandHelp {
  /** One line for `hilftp --help`. */
  readonly summary: string;
  /** Synopsis lines without the leading "hilftp ", e.g. "get URL [-o FILE] [-c]". */
  readonly usage: readonly string[];
  /** Option lines, already aligned: "  -o, --output FILE   where to write (- for stdout)". */
  readonly options?: readonly string[];
  /** Whole command lines a user can paste, first the most common. At least one. */
  readonly examples: readonly string[];
  /** Which shared option groups apply (printed after the command's own options). */
  readonly shared?: readonly ("client" | "tunnel" | "output")[];
}

export interface CommandContext {
  /** Machine-readable output: one JSON document on stdout, no progress, no decoration. */
  readonly json: boolean;
  /** Protocol dialogue and link events on stderr, each line with a timestamp (as curl -v). */
  readonly verbose: boolean;
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number };
  /** A verbose line ("> USER hil", "< 230 ...", "* link up"): timestamped on stderr when verbose, else dropped. */
  log(line: string): void;
  /**
   * Aborted by the first SIGINT/SIGTERM: a command passes it on (openLink, the client) and stops
   * what it opened; main() then exits 130 for SIGINT. Absent when nothing watches the signals.
   */
  readonly signal?: AbortSignal;
}

export interface Command {
  readonly name: string;
  readonly help: CommandHelp;
  /** args without the command name and without the global flags main() took (--json, --verbose/-v, --help). */
  run(args: string[], ctx: CommandContext): Promise<void>;
}
