#!/usr/bin/env node
// hilftp's command line: takes the global flags (--json, --verbose/-v, --help/-h) out of the
// arguments, dispatches to the command in COMMANDS, and turns every failure into one line on
// stderr (plus a JSON error object on stdout with --json) and the exit code errors.ts assigns.
import { constants } from "node:os";
import type { Command, CommandContext } from "./command.js";
import { COMMANDS } from "./commands.js";
import { EXIT, explain, type Explained } from "./errors.js";
import { commandHelp, mainHelp } from "./help.js";
import { createContext, writeJson } from "./output.js";

export interface GlobalFlags {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
  /** The arguments without the global flags; everything after "--" is kept as it is. */
  readonly rest: string[];
}

/** --json, --verbose/-v and --help/-h anywhere before "--", as every command takes them. */
export function takeGlobalFlags(argv: readonly string[]): GlobalFlags {
  let json = false;
  let verbose = false;
  let help = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === "--json") json = true;
    else if (arg === "--verbose" || arg === "-v") verbose = true;
    else if (arg === "--help" || arg === "-h") help = true;
    else rest.push(arg);
  }
  return { json, verbose, help, rest };
}

/** After the first SIGINT/SIGTERM a command has this long to close what it opened; then the process ends. */
const STOP_GRACE_MS = 10_000;

/**
 * SIGINT/SIGTERM for the commands that ask for ctx.signal: the first aborts it and the command
 * stops cleanly (a board it started is stopped, a transfer's partial file stays); a second, or the
 * grace period running out, ends the process at once. A command that never asks keeps Node's
 * default handling (the signal ends the process, which the shell reports as 130 for SIGINT).
 */
class StopSignals {
  private readonly controller = new AbortController();
  private installed = false;
  received: NodeJS.Signals | undefined;

  get signal(): AbortSignal {
    if (!this.installed) {
      this.installed = true;
      process.on("SIGINT", this.onSignal);
      process.on("SIGTERM", this.onSignal);
    }
    return this.controller.signal;
  }

  private readonly onSignal = (sig: NodeJS.Signals): void => {
    if (this.received !== undefined) process.exit(signalExit(sig));
    this.received = sig;
    this.controller.abort(new Error(`stopped by ${sig}`));
    setTimeout(() => process.exit(signalExit(sig)), STOP_GRACE_MS).unref();
  };
}

function signalExit(sig: NodeJS.Signals): number {
  return sig === "SIGINT" ? EXIT.interrupted : 128 + (constants.signals[sig] ?? 0);
}

function report(ctx: CommandContext, name: string, e: Explained): number {
  ctx.stderr.write(`hilftp${name ? ` ${name}` : ""}: ${e.message}\n`);
  if (ctx.json) writeJson(ctx, { error: { message: e.message, code: e.code, exit: e.exit } });
  return e.exit;
}

async function main(argv: string[]): Promise<number> {
  const flags = takeGlobalFlags(argv);
  const stops = new StopSignals();
  const ctx = createContext({ json: flags.json, verbose: flags.verbose, stdout: process.stdout, stderr: process.stderr, signal: () => stops.signal });
  const [name, ...args] = flags.rest;
  const byName = (n: string | undefined): Command | undefined => COMMANDS.find((c) => c.name === n);

  if (name === undefined || name === "help") {
    const topic = name === "help" ? args[0] : undefined;
    if (topic !== undefined) {
      const command = byName(topic);
      if (!command) return report(ctx, "", { message: `unknown command "${topic}" (try hilftp --help)`, code: "usage", exit: EXIT.usage });
      process.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    process.stdout.write(mainHelp(COMMANDS));
    return flags.help || name === "help" ? EXIT.ok : EXIT.usage;
  }
  const command = byName(name);
  if (!command) {
    if (flags.help) {
      process.stdout.write(mainHelp(COMMANDS));
      return EXIT.ok;
    }
    return report(ctx, "", { message: `unknown command "${name}" (try hilftp --help)`, code: "usage", exit: EXIT.usage });
  }
  if (flags.help) {
    process.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  // A failure in a callback the command does not await (a socket event) still gets one line.
  const unexpected = (err: unknown): void => {
    process.exitCode = report(ctx, name, explain(err, name));
    if (flags.verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit();
  };
  process.on("uncaughtException", unexpected);
  process.on("unhandledRejection", unexpected);
  try {
    await command.run(args, ctx);
    // Stopped by a signal and closed cleanly (serve, sim, qemu, tun): 130 for Ctrl-C, 0 for SIGTERM.
    return stops.received === "SIGINT" ? EXIT.interrupted : EXIT.ok;
  } catch (err) {
    if (stops.received !== undefined) {
      const exit = signalExit(stops.received);
      return report(ctx, name, { message: `interrupted (${stops.received})`, code: "interrupted", exit: exit === EXIT.interrupted ? EXIT.interrupted : 143 });
    }
    const e = explain(err, name);
    if (flags.verbose && e.code === "internal" && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return report(ctx, name, e);
  }
}

// `hilftp ls | head`: the reader went away; that is the end, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
