// hilftp ping ADDRESS --board NAME|--link SPEC: ICMP/ICMPv6 echo over the tunnel with the RTT of
// each reply, like ping(8). "board" means the board's address.
import { parseArgs } from "node:util";
import { commandNetwork, LINK_OPTIONS } from "./link-options.js";
import { UsageError } from "./url.js";

export async function ping(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { count: { type: "string", short: "c", default: "4" }, size: { type: "string", short: "s", default: "56" }, timeout: { type: "string", default: "2" }, ...LINK_OPTIONS },
  });
  const [target] = positionals;
  if (!target || positionals.length > 1) throw new UsageError("usage: hilftp ping ADDRESS|board (--board NAME | --link SPEC) [-c COUNT] [-s SIZE]");
  if (values.board === undefined && values.link === undefined) throw new UsageError("ping runs over the tunnel: give --board NAME or --link SPEC (for host networking use ping(8))");
  const count = Number(values.count);
  const size = Number(values.size);
  const timeoutMs = Number(values.timeout) * 1000;
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new UsageError(`-c wants 1-100000, got ${values.count}`);
  if (!Number.isInteger(size) || size < 0 || size > 65000) throw new UsageError(`-s wants 0-65000, got ${values.size}`);
  const net = await commandNetwork(values);
  try {
    const address = net.resolveHost(target);
    const stack = net.tunnel!.stack;
    const rtts: number[] = [];
    for (let i = 0; i < count; i++) {
      try {
        const rtt = await stack.ping(address, { size, timeoutMs });
        rtts.push(rtt);
        process.stdout.write(`${size + 8} bytes from ${address}: seq=${i + 1} time=${rtt.toFixed(2)} ms\n`);
      } catch (err) {
        process.stdout.write(`no reply from ${address}: seq=${i + 1} (${(err as Error).message})\n`);
      }
    }
    const lost = count - rtts.length;
    const avg = rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : 0;
    process.stdout.write(`${count} sent, ${rtts.length} received, ${((100 * lost) / count).toFixed(0)}% loss${rtts.length ? `, rtt min/avg/max ${Math.min(...rtts).toFixed(2)}/${avg.toFixed(2)}/${Math.max(...rtts).toFixed(2)} ms` : ""}\n`);
    if (rtts.length === 0) throw new Error(`${address} did not answer`);
  } finally {
    await net.close();
  }
}
