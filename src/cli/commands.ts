// Every hilftp command, in the order `hilftp --help` lists them. A command is one module that
// exports a Command (src/cli/command.ts); adding one here is all main() needs.
import { bench } from "./bench.js";
import { qemu, sim } from "./board.js";
import { boards } from "./boards.js";
import type { Command } from "./command.js";
import { demo } from "./demo.js";
import { forward } from "./forward.js";
import { get } from "./get.js";
import { ls } from "./ls.js";
import { ping } from "./ping.js";
import { ports } from "./ports.js";
import { put } from "./put.js";
import { serve } from "./serve.js";
import { mkdir, mv, rm, rmdir } from "./simple.js";
import { stats } from "./stats.js";
import { tun } from "./tun.js";

export const COMMANDS: readonly Command[] = [
  ls,
  get,
  put,
  rm,
  mkdir,
  rmdir,
  mv,
  serve,
  ping,
  tun,
  sim,
  qemu,
  boards,
  ports,
  demo,
  forward,
  bench,
  stats,
];
