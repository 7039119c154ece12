// hilftp ping ADDRESS --board NAME|--link SPEC: ICMP/ICMPv6 echo over the tunnel with the RTT of
// each reply, like ping(8). "board" means the board's address. No reply at all is the board-silent
// error (exit 3); --json gives one document with every reply and the summary.
import { parseArgs } from "node:util";
import type { Command, CommandContext } from "./command.js";
import { boardSilent } from "./errors.js";
import { commandNetwork, LINK_OPTIONS } from "./link-options.js";
import { writeJson } from "./output.js";
import { UsageError } from "./url.js";

const USAGE = "ping ADDRESS|board (--board NAME | --link SPEC) [-c COUNT] [-s SIZE] [-W SECONDS]";

type Reply = { readonly seq: number; readonly bytes: number; readonly ms: number } | { readonly seq: number; readonly lost: true; readonly error: string };

function whole(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag} wants ${min}-${max}, got ${text}`);
  return n;
}

async function run(args: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      count: { type: "string", short: "c", default: "4" },
      size: { type: "string", short: "s", default: "56" },
      timeout: { type: "string", short: "W", default: "2" },
      interval: { type: "string", short: "i", default: "0" },
      ...LINK_OPTIONS,
    },
  });
  const [target] = positionals;
  if (!target || positionals.length > 1) throw new UsageError(`usage: hilftp ${USAGE}`);
  if (values.board === undefined && values.link === undefined) throw new UsageError("ping runs over the tunnel: give --board NAME or --link SPEC (for host networking use ping(8))");
  const count = whole("-c", values.count, 1, 100_000);
  const size = whole("-s", values.size, 0, 65000);
  const timeoutMs = Number(values.timeout) * 1000;
  const intervalMs = Number(values.interval) * 1000;
  if (!(timeoutMs > 0) || timeoutMs > 3_600_000) throw new UsageError(`-W wants seconds, got ${values.timeout}`);
  if (!(intervalMs >= 0) || intervalMs > 3_600_000) throw new UsageError(`-i wants seconds, got ${values.interval}`);
  // The pings are the readiness test here: no separate wait for the board first.
  const net = await commandNetwork(values, ctx, { waitReady: false });
  const started = performance.now();
  try {
    const address = net.resolveHost(target);
    const linkName = values.link ?? net.board?.link.spec ?? "the link";
    const stack = net.tunnel!.stack;
    const replies: Reply[] = [];
    for (let seq = 1; seq <= count && !ctx.signal?.aborted; seq++) {
      if (seq > 1 && intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
      try {
        const ms = await stack.ping(address, { size, timeoutMs });
        replies.push({ seq, bytes: size + 8, ms: Number(ms.toFixed(3)) });
        ctx.log(`* echo reply ${seq} from ${address}`);
        if (!ctx.json) ctx.stdout.write(`${size + 8} bytes from ${address}: seq=${seq} time=${ms.toFixed(2)} ms\n`);
      } catch (err) {
        const error = (err as Error).message;
        replies.push({ seq, lost: true, error });
        if ((err as { code?: string }).code === "EADDRNOTAVAIL") throw new UsageError(`${address}: ${error}`);
        if (!ctx.json) ctx.stdout.write(`no reply from ${address}: seq=${seq} (${error})\n`);
      }
    }
    const rtts = replies.flatMap((r) => ("ms" in r ? [r.ms] : []));
    const sent = replies.length;
    const loss = sent > 0 ? (sent - rtts.length) / sent : 0;
    const stats = rtts.length ? { min: Math.min(...rtts), avg: Number((rtts.reduce((a, b) => a + b, 0) / rtts.length).toFixed(3)), max: Math.max(...rtts) } : undefined;
    if (ctx.json) {
      writeJson(ctx, { address, link: linkName, replies, summary: { sent, received: rtts.length, loss, ...(stats ? { rttMs: stats } : {}) } });
    } else {
      const rtt = stats ? `, rtt min/avg/max ${stats.min.toFixed(2)}/${stats.avg.toFixed(2)}/${stats.max.toFixed(2)} ms` : "";
      ctx.stdout.write(`${sent} sent, ${rtts.length} received, ${(100 * loss).toFixed(0)}% loss${rtt}\n`);
    }
    if (sent > 0 && rtts.length === 0 && !ctx.signal?.aborted) {
      throw boardSilent({ pings: sent, address, link: linkName, seconds: (performance.now() - started) / 1000 });
    }
  } finally {
    await net.close();
  }
}

export const ping: Command = {
  name: "ping",
  help: {
    summary: "ICMP/ICMPv6 echo to the board over the tunnel (exit 3 if it never answers)",
    usage: [USAGE],
    options: [
      "  -c, --count N         echo requests to send (default 4)",
      "  -s, --size BYTES      payload size (default 56)",
      "  -W, --timeout SECONDS how long to wait for each reply (default 2)",
      "  -i, --interval SECONDS  pause between requests (default 0: the next as soon as one is answered)",
    ],
    examples: [
      "hilftp ping board --board qemu-netduinoplus2",
      "hilftp ping board --link serial:/dev/ttyACM0@115200 -c 10",
      "hilftp ping 2001:db8::2 --board native-sim -c 1 --json",
    ],
    shared: ["tunnel", "output"],
  },
  run,
};
