// Opens a logged-in client for a URL with the options every client command shares, over host
// TCP or, with --board/--link, over the SLIP tunnel (where `board` in the URL is the board's
// address and the profile supplies the FTP port, user and password the URL leaves out).
import { FtpClient } from "../ftp/client/index.js";
import type { CommandContext } from "./command.js";
import { commandNetwork, LINK_OPTIONS, type CommandNetwork, type LinkFlags } from "./link-options.js";
import { UsageError, type FtpUrl } from "./url.js";

export interface ClientFlags {
  readonly active: boolean;
  readonly timeoutMs: number;
  readonly link: LinkFlags;
}

export const CLIENT_OPTIONS = {
  active: { type: "boolean", default: false },
  timeout: { type: "string", default: "30" },
  ...LINK_OPTIONS,
} as const;

export function clientFlags(values: { active?: boolean; timeout?: string } & LinkFlags): ClientFlags {
  const seconds = Number(values.timeout ?? "30");
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout wants seconds, got ${values.timeout}`);
  return { active: values.active ?? false, timeoutMs: seconds * 1000, link: values };
}

/**
 * Runs `work` with a logged-in client; quits and closes the network (stopping a board the link
 * started) whatever happens. Ctrl-C (ctx.signal) closes the client, so a wait in `work` ends.
 */
export async function withClient<T>(url: FtpUrl, flags: ClientFlags, ctx: CommandContext, work: (client: FtpClient, net: CommandNetwork) => Promise<T>): Promise<T> {
  const net = await commandNetwork(flags.link, ctx);
  let client: FtpClient | undefined;
  const onAbort = (): void => client?.close();
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const ftp = net.board?.ftp;
    const host = net.resolveHost(url.host);
    const port = url.explicitPort || !ftp ? url.port : ftp.port;
    ctx.log(`* connecting to ${host} port ${port}${net.tunnel ? " over the tunnel" : ""}`);
    client = await FtpClient.connect({
      network: net.network,
      host,
      port,
      user: url.explicitUser || !ftp ? url.user : ftp.user,
      password: url.explicitUser || !ftp ? url.password : ftp.password,
      passive: !flags.active,
      timeoutMs: flags.timeoutMs,
      dataTimeoutMs: flags.timeoutMs,
      log: (line: string) => ctx.log(line),
    });
    if (ctx.signal?.aborted) client.close();
    try {
      const result = await work(client, net);
      await client.quit().catch(() => undefined);
      return result;
    } finally {
      client.close();
    }
  } finally {
    ctx.signal?.removeEventListener("abort", onAbort);
    await net.close();
  }
}
