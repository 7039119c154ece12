// Opens a logged-in client for a URL with the options every client command shares.
import { FtpClient } from "../ftp/client/index.js";
import type { FtpUrl } from "./url.js";

export interface ClientFlags {
  readonly active: boolean;
  readonly verbose: boolean;
  readonly timeoutMs: number;
}

export const CLIENT_OPTIONS = {
  active: { type: "boolean", default: false },
  verbose: { type: "boolean", short: "v", default: false },
  timeout: { type: "string", default: "30" },
} as const;

export function clientFlags(values: { active?: boolean; verbose?: boolean; timeout?: string }): ClientFlags {
  const seconds = Number(values.timeout ?? "30");
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--timeout wants seconds, got ${values.timeout}`);
  return { active: values.active ?? false, verbose: values.verbose ?? false, timeoutMs: seconds * 1000 };
}

export async function withClient<T>(url: FtpUrl, flags: ClientFlags, work: (client: FtpClient) => Promise<T>): Promise<T> {
  const client = await FtpClient.connect({
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
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
}
