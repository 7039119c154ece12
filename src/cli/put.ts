// hilftp put FILE URL [--append] [--resume]: upload a file; a URL ending in "/" keeps the name.
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { CLIENT_OPTIONS, clientFlags, withClient } from "./connect.js";
import { endProgress, formatBytes, ttyProgress } from "./progress.js";
import { parseFtpUrl, UsageError } from "./url.js";

export async function put(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...CLIENT_OPTIONS, append: { type: "boolean", default: false }, resume: { type: "boolean", short: "c", default: false } },
  });
  const [file, target] = positionals;
  if (!file || !target || positionals.length > 2) throw new UsageError("usage: hilftp put FILE URL [--append] [--resume] [--active]");
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${file}: not a readable file`);
  const url = parseFtpUrl(target);
  const remote = url.path.endsWith("/") ? `${url.path}${basename(file)}` : url.path;
  const progress = ttyProgress(basename(file));
  const onProgress = progress ? (p: { bytes: number; elapsedMs: number }) => progress({ ...p, total: info.size }) : undefined;
  const result = await withClient(url, clientFlags(values), (c) =>
    c.upload(file, remote, { append: values.append, resume: values.resume, ...(onProgress ? { onProgress } : {}) }),
  );
  endProgress();
  process.stderr.write(`${remote}: ${formatBytes(result.bytes)} in ${(result.elapsedMs / 1000).toFixed(2)} s\n`);
}
