// hilftp get URL [-o FILE] [-c]: download a file ("-o -" writes it to stdout). A progress bar on a
// terminal, one summary line otherwise, or one JSON document with --json.
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type { FtpClient } from "../ftp/client/index.js";
import type { Command, CommandContext } from "./command.js";
import { CLIENT_OPTIONS, clientFlags, withClient } from "./connect.js";
import { meteredLine } from "./link-options.js";
import { drawsProgress, transferMeter } from "./progress.js";
import { parseFtpUrl, UsageError } from "./url.js";

const USAGE = "get URL [-o FILE] [-c] [--active] [--timeout SECONDS]";

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...CLIENT_OPTIONS, output: { type: "string", short: "o" }, resume: { type: "boolean", short: "c", default: false } },
  });
  const [target] = positionals;
  if (!target || positionals.length > 1) throw new UsageError(`usage: hilftp ${USAGE}`);
  const url = parseFtpUrl(target);
  const name = basename(url.path);
  const output = values.output ?? name;
  if (!output || output === "/") throw new UsageError(`cannot name a local file after ${url.path}; use -o FILE`);
  const toStdout = output === "-";
  if (toStdout && ctx.json) throw new UsageError("-o - and --json both want stdout; give -o FILE with --json");
  const flags = clientFlags(values);
  await withClient(url, flags, ctx, async (c, net) => {
    // The 150 reply rarely names the size; a bar without it has no percent or ETA.
    const total = drawsProgress(ctx) && !toStdout ? await remaining(c, url.path, values.resume ? output : undefined) : undefined;
    const meter = transferMeter(ctx, { label: toStdout ? name : output, direction: "in", line: meteredLine(net), ...(total !== undefined ? { total } : {}) });
    try {
      const result = await c.download(url.path, toStdout ? process.stdout : output, {
        resume: values.resume,
        ...(toStdout || !meter.onProgress ? {} : { onProgress: meter.onProgress }),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      // Piped to stdout the data is the output: no summary mixed into it, nor on a terminal.
      if (toStdout) meter.clear();
      else meter.done(result, { path: url.path, local: output });
    } catch (err) {
      meter.clear();
      throw err;
    }
  });
}

/** Bytes still to come: the remote size (SIZE), less what a resumed download has already; undefined if the server will not say. */
async function remaining(c: FtpClient, path: string, resumeFrom: string | undefined): Promise<number | undefined> {
  const size = await c.size(path).catch(() => undefined);
  if (size === undefined) return undefined;
  const have = resumeFrom === undefined ? 0 : ((await stat(resumeFrom).catch(() => undefined))?.size ?? 0);
  return Math.max(0, size - have);
}

export const get: Command = {
  name: "get",
  help: {
    summary: "download a file (a progress bar on a terminal; -o - writes to stdout)",
    usage: [USAGE],
    options: [
      "  -o, --output FILE     where to write (default: the remote file's name; - for stdout)",
      "  -c, --resume          continue a partial download (REST from the local file's size)",
    ],
    examples: [
      "hilftp get ftp://board/log.txt --board qemu-netduinoplus2",
      "hilftp get ftp://hil:hil@board/fw.bin -o fw.bin --link serial:/dev/ttyACM0@115200",
      "hilftp get ftp://user:secret@192.168.1.20/data.csv -o - | head",
    ],
    shared: ["client", "tunnel", "output"],
  },
  run,
};
