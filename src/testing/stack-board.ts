// A stand-in board for tests: our own stack and FTP server behind a unix or TCP socket that
// speaks SLIP, so a tunnel (--link unix:PATH) has something real at the other end. Each link
// connection gets a fresh stack, as a board reboots its stack per session; the files persist.
import * as net from "node:net";
import { FtpServer } from "../ftp/server/index.js";
import type { Dialect } from "../ftp/server/index.js";
import { SlipFraming } from "../link/index.js";
import { SlipNetwork } from "../net/slip-network.js";
import { Stack } from "../net/stack.js";
import { DEFAULT_TCP_CONFIG } from "../net/tcp/index.js";
import { DEFAULT_ADDRESSES } from "../tunnel.js";

export interface StackBoardOptions {
  /** Unix socket path to listen on. */
  readonly path: string;
  readonly root: string;
  readonly mtu?: number;
  readonly users?: Readonly<Record<string, string>>;
  readonly dialect?: Dialect;
}

export interface StackBoard {
  /** Stacks of the link connections so far (counters, pings). */
  readonly stacks: readonly Stack[];
  close(): Promise<void>;
}

export async function startStackBoard(options: StackBoardOptions): Promise<StackBoard> {
  const mtu = options.mtu ?? 1500;
  const stacks: Stack[] = [];
  const closers: Array<() => Promise<void>> = [];
  const server = net.createServer((socket) => {
    const link = new SlipFraming(socket, { name: "board", maxFrame: mtu + 64 });
    // The host end goes away whenever a CLI command exits: that is a close, not a failure.
    link.on("error", () => undefined);
    const a = DEFAULT_ADDRESSES;
    const stack = new Stack(link, {
      mtu,
      tcp: { ...DEFAULT_TCP_CONFIG, nagle: false },
      ipv4: { local: a.boardIpv4, peer: a.hostIpv4 },
      ipv6: { local: a.boardIpv6, peer: a.hostIpv6 },
    });
    stacks.push(stack);
    const ftp = new FtpServer({
      network: new SlipNetwork(stack),
      host: "::",
      port: 21,
      root: options.root,
      users: options.users ?? { hil: "hil" },
      dialect: options.dialect ?? "rfc",
      loginFailDelayMs: 0,
    });
    void ftp.listen();
    const close = async (): Promise<void> => {
      await ftp.close();
      stack.close();
      await link.close();
    };
    closers.push(close);
    link.once("close", () => void close());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.path, () => resolve());
  });
  return {
    stacks,
    close: async () => {
      server.close();
      for (const c of closers) await c();
    },
  };
}
