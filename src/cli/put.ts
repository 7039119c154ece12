// hilftp put FILE URL [--append] [-c]: upload a file; a URL ending in "/" keeps the file's name.
// A progress bar on a terminal, one summary line otherwise, or one JSON document with --json.
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type { Command, CommandContext } from "./command.js";
import { CLIENT_OPTIONS, clientFlags, withClient } from "./connect.js";
import { meteredLine } from "./link-options.js";
import { transferMeter } from "./progress.js";
import { parseFtpUrl, UsageError } from "./url.js";

const USAGE = "put FILE URL [--append] [-c] [--active] [--timeout SECONDS]";

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...CLIENT_OPTIONS, append: { type: "boolean", default: false }, resume: { type: "boolean", short: "c", default: false } },
  });
  const [file, target] = positionals;
  if (!file || !target || positionals.length > 2) throw new UsageError(`usage: hilftp ${USAGE}`);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${file}: not a readable file`);
  const url = parseFtpUrl(target);
  const remote = url.path.endsWith("/") ? `${url.path}${basename(file)}` : url.path;
  const flags = clientFlags(values);
  await withClient(url, flags, ctx, async (c, net) => {
    const meter = transferMeter(ctx, { label: remote, direction: "out", total: info.size, line: meteredLine(net) });
    try {
      const result = await c.upload(file, remote, {
        append: values.append,
        resume: values.resume,
        ...(meter.onProgress ? { onProgress: meter.onProgress } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      meter.done(result, { path: remote, local: file });
    } catch (err) {
      meter.clear();
      throw err;
    }
  });
}

export const put: Command = {
  name: "put",
  help: {
    summary: "upload a file (a URL ending in / keeps its name)",
    usage: [USAGE],
    options: [
      "  --append              append to the remote file (APPE) instead of replacing it",
      "  -c, --resume          continue a partial upload from the remote file's size",
    ],
    examples: [
      "hilftp put firmware.bin ftp://board/ --board qemu-netduinoplus2",
      "hilftp put log.txt ftp://hil:hil@board/logs/today.txt --link serial:/dev/ttyACM0@115200",
      "hilftp put big.iso ftp://user:secret@192.168.1.20/incoming/ -c",
    ],
    shared: ["client", "tunnel", "output"],
  },
  run,
};
