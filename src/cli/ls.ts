// hilftp ls URL: the listing of a remote directory, one entry a line (or JSON with --json).
import { parseArgs } from "node:util";
import { CLIENT_OPTIONS, clientFlags, withClient } from "./connect.js";
import { parseFtpUrl, UsageError } from "./url.js";

export async function ls(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS, json: { type: "boolean", default: false } } });
  const [target] = positionals;
  if (!target || positionals.length > 1) throw new UsageError("usage: hilftp ls URL [--json] [--active]");
  const url = parseFtpUrl(target);
  const entries = await withClient(url, clientFlags(values), (c) => c.list(url.path));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(entries)}\n`);
    return;
  }
  for (const e of entries) {
    const kind = e.type === "dir" ? "d" : e.type === "link" ? "l" : "-";
    const when = e.mtime ? e.mtime.toISOString().slice(0, 16).replace("T", " ") : "                ";
    process.stdout.write(`${kind} ${String(e.size).padStart(12)} ${when} ${e.name}${e.type === "dir" ? "/" : ""}\n`);
  }
}
