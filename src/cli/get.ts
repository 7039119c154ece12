// hilftp get URL [-o FILE] [--resume]: download a file ("-" writes to stdout).
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { CLIENT_OPTIONS, clientFlags, withClient } from "./connect.js";
import { endProgress, formatBytes, ttyProgress } from "./progress.js";
import { parseFtpUrl, UsageError } from "./url.js";

export async function get(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...CLIENT_OPTIONS, output: { type: "string", short: "o" }, resume: { type: "boolean", short: "c", default: false } },
  });
  const [target] = positionals;
  if (!target || positionals.length > 1) throw new UsageError("usage: hilftp get URL [-o FILE] [--resume] [--active]");
  const url = parseFtpUrl(target);
  const name = basename(url.path);
  const output = values.output ?? name;
  if (!output || output === "/") throw new UsageError(`cannot name a local file after ${url.path}; use -o FILE`);
  const toStdout = output === "-";
  const onProgress = toStdout ? undefined : ttyProgress(name);
  const result = await withClient(url, clientFlags(values), (c) =>
    c.download(url.path, toStdout ? process.stdout : output, {
      resume: values.resume,
      ...(onProgress ? { onProgress } : {}),
    }),
  );
  endProgress();
  if (!toStdout) process.stderr.write(`${output}: ${formatBytes(result.bytes)} in ${(result.elapsedMs / 1000).toFixed(2)} s\n`);
}
