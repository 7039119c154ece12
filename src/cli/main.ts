#!/usr/bin/env node
// hilftp's command line: dispatches to one module per command and turns every failure into
// one line on stderr and a non-zero exit code (1: the operation failed, 2: bad usage).
import { FtpError } from "../ftp/client/index.js";
import { demo } from "./demo.js";
import { get } from "./get.js";
import { ls } from "./ls.js";
import { put } from "./put.js";
import { serve } from "./serve.js";
import { mkdir, mv, rm, rmdir } from "./simple.js";
import { UsageError } from "./url.js";

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { serve, ls, get, put, rm, mkdir, rmdir, mv, demo };

const HELP = `usage: hilftp <command> [options]

  demo                          start a server on a temp dir and run a client session against it
  serve --root DIR [--host ADDR] [--port N] [--user NAME:PASSWORD]... [--anonymous]
        [--read-only] [--pasv-ports A-B] [--pasv-address ADDR] [--dialect rfc|netx] [-v]
  ls URL [--json]               list a directory
  get URL [-o FILE] [-c]        download (-o - for stdout, -c to resume)
  put FILE URL [--append] [-c]  upload (URL ending in / keeps the file name)
  rm URL | mkdir URL | rmdir URL | mv URL NEWPATH

  URLs: ftp://[user[:password]@]host[:port]/path   (IPv6: ftp://[::1]:2121/)
  client options: --active (active mode), --timeout SECONDS, -v (show the FTP dialogue)`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${HELP}\n`);
    return name ? 0 : 2;
  }
  const run = COMMANDS[name];
  if (!run) {
    process.stderr.write(`hilftp: unknown command "${name}" (try hilftp --help)\n`);
    return 2;
  }
  try {
    await run(args);
    return 0;
  } catch (err) {
    process.stderr.write(`hilftp ${name}: ${describe(err)}\n`);
    return err instanceof UsageError || (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof FtpError) return `server replied ${err.message}`;
  if (err instanceof Error) return err.message.split("\n")[0] ?? err.name;
  return String(err);
}

process.exitCode = await main(process.argv.slice(2));
