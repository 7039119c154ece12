// Opens a logged-in client for a URL with the options every client command shares, over host
// TCP or, with --board/--link, over the SLIP tunnel (where `board` in the URL is the board's
// address and the profile supplies the FTP port, user and password the URL leaves out).
import { FtpClient } from "../ftp/client/index.js";
import { commandNetwork, LINK_OPTIONS, type LinkFlags } from "./link-options.js";
import type { FtpUrl } from "./url.js";

export interface ClientFlags {
  readonly active: boolean;
  readonly verbose: boolean;
  readonly timeoutMs: number;
  readonly link: LinkFlags;
}

export const CLIENT_OPTIONS = {
  active: { type: "boolean", default: false },
  verbose: { type: "boolean", short: "v", default: false },
  timeout: { type: "string", default: "30" },
  ...LINK_OPTIONS,
} as const;

export function clientFlags(values: { active?: boolean; verbose?: boolean; timeout?: string } & LinkFlags): ClientFlags {
  const seconds = Number(values.timeout ?? "30");
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--timeout wants seconds, got ${values.timeout}`);
  return { active: values.active ?? false, verbose: values.verbose ?? false, timeoutMs: seconds * 1000, link: values };
}

export async function withClient<T>(url: FtpUrl, flags: ClientFlags, work: (client: FtpClient) => Promise<T>): Promise<T> {
  const net = await commandNetwork(flags.link);
  try {
    const ftp = net.board?.ftp;
    const client = await FtpClient.connect({
      network: net.network,
      host: net.resolveHost(url.host),
      port: url.explicitPort || !ftp ? url.port : ftp.port,
      user: url.explicitUser || !ftp ? url.user : ftp.user,
      password: url.explicitUser || !ftp ? url.password : ftp.password,
      passive: !flags.active,
      timeoutMs: flags.timeoutMs,
      dataTimeoutMs: flags.timeoutMs,
      ...(flags.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
    });
    try {
      const result = await work(client);
      await client.quit().catch(() => undefined);
      return result;
    } finally {
      client.close();
    }
  } finally {
    await net.close();
  }
}
