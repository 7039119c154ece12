// The forwarder in-process: whole sessions with the library's client through a real SLIP tunnel
// (our stack and FTP server in its NetX dialect behind a unix socket), and, over host TCP, a
// scripted fake board for the
// wire rules (one command per segment, EPSV -> PASV, active mode refused here, the data
// connection dialled before the transfer command, half-close on upload, QUIT when a client goes).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FtpClient } from "../ftp/client/index.js";
import { endWith, FakeFtpServer, readAll, whenClosed } from "../ftp/client/fake-server.js";
import { parsePasvText, ReplyParser, type Reply } from "../ftp/protocol/index.js";
import { HostNetwork } from "../network.js";
import { startStackBoard } from "../testing/stack-board.js";
import { downloadBuffer, sha256, uploadBuffer } from "../testing/test-data.js";
import { DEFAULT_ADDRESSES, openTunnel, tunnelOptions } from "../tunnel.js";
import { startForward, type ForwardEvent, type Forwarder } from "./index.js";
import { ACTIVE_REFUSED } from "./rewrite.js";

const WAIT_MS = 5_000;

/** A bare control connection that reads replies with the shared parser. */
class RawClient {
  private readonly parser = new ReplyParser();
  private readonly got: Reply[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.got.push(...this.parser.push(chunk));
      this.wake?.();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.ended = true;
      this.wake?.();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  async next(): Promise<Reply> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const r = this.got.shift();
      if (r) return r;
      if (this.ended) throw new Error("control connection closed");
      if (Date.now() > deadline) throw new Error("no reply in time");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async cmd(line: string): Promise<Reply> {
    this.socket.write(`${line}\r\n`);
    return this.next();
  }

  async login(): Promise<void> {
    expect((await this.next()).code).toBe(220);
    expect((await this.cmd("USER hil")).code).toBe(331);
    expect((await this.cmd("PASS hil")).code).toBe(230);
  }
}

function connectData(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, ...(localAddress ? { localAddress } : {}) }, () => resolve(s));
    s.once("error", reject);
  });
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-forward-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function forwardTo(boardPort: number, events: ForwardEvent[] = [], closeGraceMs = 1_000): Promise<Forwarder> {
  const f = await startForward({
    board: new HostNetwork(),
    boardHost: "127.0.0.1",
    boardPort,
    listenHost: "127.0.0.1",
    listenPort: 0,
    dataTimeoutMs: 3_000,
    closeGraceMs,
    onEvent: (e) => events.push(e),
  });
  cleanups.push(() => f.close());
  return f;
}

describe("forwarding through a SLIP tunnel to an FTP server that answers as NetX does", () => {
  it("carries whole client sessions: upload, list, download (same SHA-256), MKD/RMD, two clients at once", async () => {
    // Our stack and FTP server behind a unix socket: the board side is the user-space TCP, as on a real tunnel.
    const root = await mkdtemp(join(dir, "root-"));
    const path = join(dir, "board.sock");
    const board = await startStackBoard({ path, root, dialect: "netx" });
    cleanups.push(() => board.close());
    const tunnel = await openTunnel(tunnelOptions(undefined, { link: `unix:${path}` }));
    cleanups.push(() => tunnel.close());
    const events: ForwardEvent[] = [];
    const f = await startForward({
      board: tunnel.network,
      boardHost: DEFAULT_ADDRESSES.boardIpv4,
      boardPort: 21,
      listenHost: "127.0.0.1",
      listenPort: 0,
      onEvent: (e) => events.push(e),
    });
    cleanups.push(() => f.close());

    const session = async (name: string): Promise<void> => {
      const payload = randomBytes(100 * 1024 + 7);
      const client = await FtpClient.connect({ host: "127.0.0.1", port: f.local.port, user: "hil", password: "hil", timeoutMs: WAIT_MS, dataTimeoutMs: WAIT_MS });
      try {
        await uploadBuffer(client, payload, name);
        const listed = await client.list("/");
        expect(listed.find((e) => e.name === name)?.size).toBe(payload.length);
        expect(sha256(await downloadBuffer(client, name))).toBe(sha256(payload));
        await client.mkdir(`${name}.d`);
        expect((await client.list("/")).some((e) => e.name === `${name}.d`)).toBe(true);
        await client.rmdir(`${name}.d`);
        await client.quit();
      } finally {
        client.close();
      }
    };
    await Promise.all([session("a.bin"), session("b.bin")]);
    expect(f.sessions).toBe(2);
    // Every data connection ends on its own (FINs both ways), well before the close grace would cut it.
    const data = (): Extract<ForwardEvent, { type: "data" }>[] => events.filter((e): e is Extract<ForwardEvent, { type: "data" }> => e.type === "data");
    for (let i = 0; i < 100 && data().length < 8; i++) await new Promise((r) => setTimeout(r, 20));
    const size = 100 * 1024 + 7;
    expect(data().map((e) => [e.command, e.toBoard, e.toClient === size, e.failure]).filter(([c]) => /^(STOR|RETR)/.test(String(c)))).toEqual(
      expect.arrayContaining([
        ["STOR a.bin", size, false, undefined],
        ["STOR b.bin", size, false, undefined],
        ["RETR a.bin", 0, true, undefined],
        ["RETR b.bin", 0, true, undefined],
      ]),
    );
    expect(data()).toHaveLength(8); // and LIST twice per session
    expect(data().every((e) => e.failure === undefined)).toBe(true);
  }, 30_000);
});

describe("the control connection as the board sees it", () => {
  it("one command per segment, EPSV turned into PASV for a board without it, active mode refused, data dialled first, half-close", async () => {
    const upload = randomBytes(20_000);
    const fake = await FakeFtpServer.start(async (s) => {
      await s.login();
      // Pipelined by the client, one at a time to the board.
      await s.expect("NOOP");
      await s.send("200 one \r\n");
      await s.expect("NOOP");
      await s.send("200 two \r\n");
      // A board built without IPv6 knows no EPSV (NetX answers 502).
      expect(await s.expect("EPSV")).toBe("");
      await s.send("502 Not Implemented \r\n");
      await s.expect("PASV");
      const l1 = await s.listen();
      // An address the forwarder must not dial: it uses the control connection's peer.
      await s.send(`227 Entering Passive Mode (${l1.pasvNumbers("10.9.9.9")}).\r\n`);
      const d1 = await l1.accept(); // before LIST reaches us
      await s.expect("LIST");
      await s.send("125 Sending List \r\n");
      await endWith(d1, "-rw-rw-rw-  1 owner group         28 APR 02 08:05 test.txt\r\n");
      await s.send("250 List End \r\n");
      await s.expect("PASV");
      const l2 = await s.listen();
      await s.send(`227 Entering Passive Mode (${l2.pasvNumbers()}).\r\n`);
      const d2 = await l2.accept();
      await s.expect("STOR");
      await s.send("125 File Open for Write \r\n");
      const got = await readAll(d2); // ends only with the client's FIN, passed on
      await s.send(`250 File Written ${sha256(got).slice(0, 8)} \r\n`);
      await s.expect("QUIT");
      await s.send("221 Logging Off \r\n");
      s.socket.end();
    });
    cleanups.push(() => fake.close());
    const f = await forwardTo(fake.port);
    const c = await RawClient.connect(f.local.port);
    await c.login();
    c.socket.write("NOOP\r\nNOOP\r\n");
    expect((await c.next()).lines).toEqual(["200 one "]);
    expect((await c.next()).lines).toEqual(["200 two "]);

    expect(`${(await c.cmd("PORT 127,0,0,1,4,1")).lines[0]}\r\n`).toBe(ACTIVE_REFUSED);
    expect((await c.cmd("EPRT |1|127.0.0.1|1025|")).code).toBe(502);
    expect((await c.cmd("RETR x.bin")).code).toBe(425); // no PASV/EPSV yet: never sent to the board

    const epsv = await c.cmd("EPSV");
    expect(epsv.code).toBe(229);
    const port1 = Number(/\(\|\|\|(\d+)\|\)/.exec(epsv.text)?.[1]);
    // Only the control connection's host may take the data connection.
    const stranger = await connectData(port1, "127.0.0.2");
    await whenClosed(stranger);
    const d1 = await connectData(port1);
    c.socket.write("LIST\r\n");
    expect((await c.next()).code).toBe(125);
    expect((await readAll(d1)).toString()).toMatch(/test\.txt\r\n$/);
    expect((await c.next()).code).toBe(250);

    const pasv = await c.cmd("PASV");
    expect(pasv.code).toBe(227);
    const hp = parsePasvText(pasv.text)!;
    expect(hp.host).toBe("127.0.0.1");
    const d2 = await connectData(hp.port);
    c.socket.write("STOR up.bin\r\n");
    expect((await c.next()).code).toBe(125);
    await endWith(d2, upload);
    expect((await c.next()).lines).toEqual([`250 File Written ${sha256(upload).slice(0, 8)} `]);
    expect((await c.cmd("QUIT")).code).toBe(221);
    await fake.done();
    // Every command in a segment of its own, and active mode never reached the board.
    expect(fake.chunks.every((chunk) => /^[^\r\n]*\r\n$/.test(chunk))).toBe(true);
    expect(fake.chunks.map((chunk) => chunk.split(" ")[0]!.trim())).toEqual(["USER", "PASS", "NOOP", "NOOP", "EPSV", "PASV", "LIST", "PASV", "STOR", "QUIT"]);
  }, 20_000);

  it("ABOR goes to the board at once during a transfer and cuts the data connection; the session goes on", async () => {
    const fake = await FakeFtpServer.start(async (s) => {
      await s.login();
      await s.expect("PASV");
      const l = await s.listen();
      await s.send(`227 Entering Passive Mode (${l.pasvNumbers()}).\r\n`);
      const d = await l.accept();
      await s.expect("RETR");
      await s.send("125 File Opened \r\n");
      d.write(Buffer.alloc(1000, 1));
      await s.expect("ABOR"); // while the RETR is still unanswered
      await whenClosed(d);
      await s.send("426 Transfer aborted \r\n");
      await s.send("226 ABOR ok \r\n");
      await s.expect("NOOP");
      await s.send("200 NOOP Success \r\n");
      await s.expect("QUIT");
      await s.send("221 Logging Off \r\n");
    });
    cleanups.push(() => fake.close());
    const f = await forwardTo(fake.port);
    const c = await RawClient.connect(f.local.port);
    await c.login();
    const hp = parsePasvText((await c.cmd("PASV")).text)!;
    const d = await connectData(hp.port);
    d.on("error", () => undefined);
    d.resume();
    expect((await c.cmd("RETR big.bin")).code).toBe(125);
    expect((await c.cmd("ABOR")).code).toBe(426);
    expect((await c.next()).code).toBe(226);
    await whenClosed(d);
    expect((await c.cmd("NOOP")).code).toBe(200);
    expect((await c.cmd("QUIT")).code).toBe(221);
    await fake.done();
  }, 20_000);

  it("a client that goes away gets QUIT sent for it; close() ends the sessions still open", async () => {
    const quits: string[] = [];
    const fake = await FakeFtpServer.start(async (s) => {
      await s.login();
      await s.expect("QUIT");
      quits.push("QUIT");
      await s.send("221 Logging Off \r\n");
      s.socket.end();
    });
    cleanups.push(() => fake.close());
    const events: ForwardEvent[] = [];
    const f = await forwardTo(fake.port, events);
    const gone = await RawClient.connect(f.local.port);
    await gone.login();
    gone.socket.destroy();
    const kept = await RawClient.connect(f.local.port);
    await kept.login();
    await f.close();
    await fake.done();
    expect(quits).toEqual(["QUIT", "QUIT"]);
    await whenClosed(kept.socket);
    expect(events.filter((e) => e.type === "session-close").map((e) => (e as { reason: string }).reason)).toEqual(["client closed", "forwarder stopping"]);
  }, 20_000);

  it("an unreachable board is one 421 line to the client", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const f = await forwardTo(port);
    const c = await RawClient.connect(f.local.port);
    const r = await c.next();
    expect(r.code).toBe(421);
    expect(r.text).toMatch(/^hilftp forward: cannot reach the board's FTP server: /);
    await whenClosed(c.socket);
  });
});
