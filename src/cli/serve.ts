// hilftp serve: an FTP server on a directory until SIGINT/SIGTERM. Prints one line,
// "listening on ftp://HOST:PORT", once it accepts connections; --verbose logs sessions.
import { stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { FtpServer } from "../ftp/server/index.js";
import { commandNetwork, LINK_OPTIONS } from "./link-options.js";
import { UsageError } from "./url.js";

export function parseUsers(specs: readonly string[]): Record<string, string> {
  const users: Record<string, string> = {};
  for (const spec of specs) {
    const cut = spec.indexOf(":");
    if (cut <= 0) throw new UsageError(`--user wants NAME:PASSWORD, got ${JSON.stringify(spec)}`);
    users[spec.slice(0, cut)] = spec.slice(cut + 1);
  }
  return users;
}

export function parsePortRange(spec: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(spec);
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1024 || max > 65535 || min > max) throw new UsageError(`--pasv-ports wants A-B within 1024-65535, got ${spec}`);
  return { min, max };
}

export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

export async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      root: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      user: { type: "string", multiple: true, default: [] },
      anonymous: { type: "boolean", default: false },
      "read-only": { type: "boolean", default: false },
      "pasv-ports": { type: "string" },
      "pasv-address": { type: "string" },
      dialect: { type: "string", default: "rfc" },
      "max-sessions": { type: "string" },
      verbose: { type: "boolean", short: "v", default: false },
      ...LINK_OPTIONS,
    },
  });
  if (!values.root) throw new UsageError("usage: hilftp serve --root DIR [--host ADDR] [--port N] [--user NAME:PASSWORD]... [--anonymous] [--read-only] [--pasv-ports A-B] [--dialect rfc|netx]");
  const info = await stat(values.root).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--root ${values.root}: not a directory`);
  const dialect = values.dialect;
  if (dialect !== "rfc" && dialect !== "netx") throw new UsageError(`--dialect wants rfc or netx, got ${dialect}`);
  const users = parseUsers(values.user);
  if (Object.keys(users).length === 0 && !values.anonymous) throw new UsageError("give at least one --user NAME:PASSWORD, or --anonymous");
  const net = await commandNetwork(values);
  const tunnel = net.tunnel;
  // Over a tunnel the board dials the standard port on the host's link address.
  const port = Number(values.port ?? (tunnel ? "21" : "2121"));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port wants 0-65535, got ${values.port}`);
  const host = values.host ?? (tunnel ? (tunnel.stack.addresses(6) ? "::" : "0.0.0.0") : "127.0.0.1");
  const server = new FtpServer({
    network: net.network,
    root: values.root,
    host,
    port,
    users,
    anonymous: values.anonymous,
    readOnly: values["read-only"],
    dialect,
    ...(values["pasv-ports"] ? { pasvPorts: parsePortRange(values["pasv-ports"]) } : {}),
    ...(values["pasv-address"] ? { pasvAddress: values["pasv-address"] } : {}),
    ...(values["max-sessions"] ? { maxSessions: Number(values["max-sessions"]) } : {}),
  });
  if (values.verbose) {
    server.on("session-open", (e) => console.error(`[${e.id}] connect from ${e.remote.address}:${e.remote.port}`));
    server.on("login", (e) => console.error(`[${e.id}] login ${e.user}`));
    server.on("login-failed", (e) => console.error(`[${e.id}] login failed for ${e.user}`));
    server.on("transfer-end", (e) =>
      console.error(`[${e.id}] ${e.kind} ${e.path}: ${e.bytes} bytes in ${e.durationMs} ms${e.ok ? "" : ` (${e.failure})`}`),
    );
    server.on("session-close", (e) => console.error(`[${e.id}] closed`));
    server.on("error", (e) => console.error(`[${e.id ?? "-"}] error: ${e.error.message}`));
  }
  const ep = await server.listen();
  const shown = tunnel ? (tunnel.stack.addresses(4)?.local ?? ep.address) : ep.address;
  process.stdout.write(`listening on ftp://${urlHost(shown)}:${ep.port}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  await net.close();
}
