#!/usr/bin/env node
// hilftp's command line: dispatches to one module per command and turns every failure into
// one line on stderr and a non-zero exit code (1: the operation failed, 2: bad usage).
import { FtpError } from "../ftp/client/index.js";
import { qemu, sim } from "./board.js";
import { demo } from "./demo.js";
import { get } from "./get.js";
import { ls } from "./ls.js";
import { ping } from "./ping.js";
import { put } from "./put.js";
import { serve } from "./serve.js";
import { tun } from "./tun.js";
import { mkdir, mv, rm, rmdir } from "./simple.js";
import { FaultSpecError } from "../tunnel.js";
import { UsageError } from "./url.js";

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { serve, ls, get, put, rm, mkdir, rmdir, mv, demo, tun, ping, sim, qemu };

const HELP = `usage: hilftp <command> [options]

  demo                          start a server on a temp dir and run a client session against it
  serve --root DIR [--host ADDR] [--port N] [--user NAME:PASSWORD]... [--anonymous]
        [--read-only] [--pasv-ports A-B] [--pasv-address ADDR] [--dialect rfc|netx] [-v]
  ls URL [--json]               list a directory
  get URL [-o FILE] [-c]        download (-o - for stdout, -c to resume)
  put FILE URL [--append] [-c]  upload (URL ending in / keeps the file name)
  rm URL | mkdir URL | rmdir URL | mv URL NEWPATH
  tun --link SPEC|--board NAME [--dev NAME] [--mtu N] [--local-ip A --peer-ip B]
      [--local-ip6 A --peer-ip6 B] [--pcap FILE] [--faults drop=..,seed=..] [--baud N]
                                attach a SLIP link to a TUN device (root; default hil0, MTU 1500)
  sim [--board NAME] [--listen tcp:HOST:PORT|unix:PATH] [--firmware EXE] [--state-dir DIR]
  qemu [--board NAME] [--listen tcp:HOST:PORT|unix:PATH] [--firmware ELF] [--qemu BINARY]
                                start the native target (default native-sim) or the board in QEMU
                                (default qemu-netduinoplus2) and serve its link until SIGINT/SIGTERM;
                                then --link tcp:HOST:PORT reaches it (default: a free port, printed)

  ping ADDRESS|board (--board NAME | --link SPEC) [-c N] [-s SIZE]
                                ICMP/ICMPv6 echo over the tunnel

  URLs: ftp://[user[:password]@]host[:port]/path   (IPv6: ftp://[::1]:2121/; "board" = the board)
  client options: --active (active mode), --timeout SECONDS, -v (show the FTP dialogue)
  tunnel options (serve and every client command): --board NAME|FILE.json, --link SPEC
      (serial:/dev/ttyACM0[@BAUD], tcp:HOST:PORT, tcp-listen:HOST:PORT, unix:PATH, unix-listen:PATH,
      sim[:EXE], qemu[:ELF]: start the board, built if needed; native-sim and qemu-netduinoplus2 use them),
      --mtu N, --local-ip A, --peer-ip B, --local-ip6 A, --peer-ip6 B, --pcap FILE, --baud N,
      --faults drop=0.02,corrupt=0.01,dup=0.01,reorder=0.02,seed=7`;

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
    return err instanceof UsageError || err instanceof FaultSpecError || (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof FtpError) return `server replied ${err.message}`;
  if (err instanceof Error) return err.message.split("\n")[0] ?? err.name;
  return String(err);
}

process.exitCode = await main(process.argv.slice(2));
