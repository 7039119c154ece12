// The one-command operations: rm, mkdir, rmdir, mv. Each is a URL (and for mv a new path) mapped
// onto one client call; silent on success, or {"ok":true,...} with --json.
import { parseArgs } from "node:util";
import type { FtpClient } from "../ftp/client/index.js";
import type { Command, CommandContext } from "./command.js";
import { CLIENT_OPTIONS, clientFlags, withClient } from "./connect.js";
import { writeJson } from "./output.js";
import { parseFtpUrl, UsageError } from "./url.js";

/** The call, and what the --json object reports besides ok/op (the path, for mkdir the one created). */
type Op = (client: FtpClient, path: string, extra: string | undefined) => Promise<Record<string, unknown>>;

interface Simple {
  readonly name: string;
  readonly operands: string;
  readonly summary: string;
  readonly examples: readonly string[];
  readonly op: Op;
}

function simple(s: Simple): Command {
  const arity = s.operands.split(" ").length;
  const usage = `${s.name} ${s.operands} [--active] [--timeout SECONDS]`;
  return {
    name: s.name,
    help: { summary: s.summary, usage: [usage], examples: s.examples, shared: ["client", "tunnel", "output"] },
    async run(args: string[], ctx: CommandContext): Promise<void> {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: CLIENT_OPTIONS });
      if (positionals.length !== arity) throw new UsageError(`usage: hilftp ${usage}`);
      const url = parseFtpUrl(positionals[0]!);
      const result = await withClient(url, clientFlags(values), ctx, (c) => s.op(c, url.path, positionals[1]));
      if (ctx.json) writeJson(ctx, { ok: true, op: s.name, ...result });
    },
  };
}

export const rm = simple({
  name: "rm",
  operands: "URL",
  summary: "delete a remote file",
  examples: ["hilftp rm ftp://board/old.log --board qemu-netduinoplus2", "hilftp rm ftp://user:secret@192.168.1.20/tmp/x.bin"],
  op: async (c, p) => (await c.delete(p), { path: p }),
});
export const mkdir = simple({
  name: "mkdir",
  operands: "URL",
  summary: "create a remote directory",
  examples: ["hilftp mkdir ftp://board/logs --board native-sim", "hilftp mkdir ftp://user:secret@192.168.1.20/incoming/today"],
  op: async (c, p) => ({ path: await c.mkdir(p) }),
});
export const rmdir = simple({
  name: "rmdir",
  operands: "URL",
  summary: "remove an empty remote directory",
  examples: ["hilftp rmdir ftp://board/logs --board native-sim", "hilftp rmdir ftp://user:secret@192.168.1.20/incoming/old"],
  op: async (c, p) => (await c.rmdir(p), { path: p }),
});
export const mv = simple({
  name: "mv",
  operands: "URL NEWPATH",
  summary: "rename a remote file or directory (NEWPATH on the same server)",
  examples: ["hilftp mv ftp://board/log.txt /log.old --board qemu-netduinoplus2", "hilftp mv ftp://user:secret@192.168.1.20/a.bin /archive/a.bin"],
  op: async (c, p, to) => (await c.rename(p, to!), { from: p, to }),
});
