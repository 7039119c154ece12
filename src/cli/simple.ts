// The one-command operations: rm, mkdir, rmdir, mv. Each is a URL (and for mv a new path)
// mapped onto one client call.
import { parseArgs } from "node:util";
import type { FtpClient } from "../ftp/client/index.js";
import { CLIENT_OPTIONS, clientFlags, withClient } from "./connect.js";
import { parseFtpUrl, UsageError } from "./url.js";

type Op = (client: FtpClient, path: string, extra: string | undefined) => Promise<unknown>;

function simple(usage: string, arity: 1 | 2, op: Op): (args: string[]) => Promise<void> {
  return async (args) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: CLIENT_OPTIONS });
    if (positionals.length !== arity) throw new UsageError(`usage: hilftp ${usage}`);
    const url = parseFtpUrl(positionals[0]!);
    await withClient(url, clientFlags(values), (c) => op(c, url.path, positionals[1]));
  };
}

export const rm = simple("rm URL", 1, (c, p) => c.delete(p));
export const mkdir = simple("mkdir URL", 1, (c, p) => c.mkdir(p));
export const rmdir = simple("rmdir URL", 1, (c, p) => c.rmdir(p));
export const mv = simple("mv URL NEWPATH", 2, (c, p, to) => c.rename(p, to!));
