// hilftp ls URL: the listing of a remote directory, one entry a line (or a JSON array with --json).
import { parseArgs } from "node:util";
import type { Command, CommandContext } from "./command.js";
import { CLIENT_OPTIONS, clientFlags, withClient } from "./connect.js";
import { writeJson } from "./output.js";
import { parseFtpUrl, UsageError } from "./url.js";

const USAGE = "ls URL [--active] [--timeout SECONDS]";

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: CLIENT_OPTIONS });
  const [target] = positionals;
  if (!target || positionals.length > 1) throw new UsageError(`usage: hilftp ${USAGE}`);
  const url = parseFtpUrl(target);
  const entries = await withClient(url, clientFlags(values), ctx, (c) => c.list(url.path));
  if (ctx.json) {
    writeJson(ctx, entries);
    return;
  }
  for (const e of entries) {
    const kind = e.type === "dir" ? "d" : e.type === "link" ? "l" : "-";
    const when = e.mtime ? e.mtime.toISOString().slice(0, 16).replace("T", " ") : "                ";
    ctx.stdout.write(`${kind} ${String(e.size).padStart(12)} ${when} ${e.name}${e.type === "dir" ? "/" : ""}\n`);
  }
}

export const ls: Command = {
  name: "ls",
  help: {
    summary: "list a remote directory (--json: an array of {name, type, size, mtime})",
    usage: [USAGE],
    examples: [
      "hilftp ls ftp://board/ --board qemu-netduinoplus2",
      "hilftp ls ftp://hil:hil@board/logs/ --link serial:/dev/ttyACM0@115200 --json",
      "hilftp ls ftp://user:secret@[2001:db8::20]:2121/",
    ],
    shared: ["client", "tunnel", "output"],
  },
  run,
};
