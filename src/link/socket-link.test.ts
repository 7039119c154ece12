import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkError } from "./errors.js";
import type { ByteLink, FrameLink } from "./frame-link.js";
import { openFrameLink, openLink } from "./open.js";
import { SlipFraming } from "./slip-framing.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-link-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function pairOver(listenSpec: string): Promise<{ board: ByteLink; host: ByteLink; connectSpec: string }> {
  let announce: (spec: string) => void = () => undefined;
  const announced = new Promise<string>((resolve) => (announce = resolve));
  const boardSide = openLink(listenSpec, { onListening: (spec) => announce(spec), timeoutMs: 10_000 });
  const connectSpec = await announced;
  const host = await openLink(connectSpec, { timeoutMs: 10_000 });
  const board = await boardSide;
  return { board, host, connectSpec };
}

function nextFrames(link: FrameLink, n: number): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    link.on("frame", (f) => {
      got.push(Buffer.from(f));
      if (got.length === n) resolve(got);
    });
  });
}

async function expectFramesBothWays(board: ByteLink, host: ByteLink): Promise<void> {
  const h = new SlipFraming(host);
  const b = new SlipFraming(board);
  const atBoard = nextFrames(b, 2);
  const atHost = nextFrames(h, 1);
  const big = Buffer.alloc(1500);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff; // includes 0xc0 and 0xdb
  h.send(Buffer.from("to board"));
  h.send(big);
  b.send(Buffer.from("to host"));
  expect(await atBoard).toEqual([Buffer.from("to board"), big]);
  expect(await atHost).toEqual([Buffer.from("to host")]);
  const boardClosed = once(b, "close");
  await h.close();
  await boardClosed;
}

async function expectLinkError(p: Promise<unknown>): Promise<LinkError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(LinkError);
    return err as LinkError;
  }
  throw new Error("expected a LinkError");
}

describe("tcp links", () => {
  it("tcp-listen on port 0 announces the spec to connect to; frames cross both ways", async () => {
    const { board, host, connectSpec } = await pairOver("tcp-listen:127.0.0.1:0");
    expect(connectSpec).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    expect((host as net.Socket).remotePort).toBe(Number(connectSpec.split(":")[2]));
    await expectFramesBothWays(board, host);
  });

  it("works over IPv6 loopback", async () => {
    const { board, host, connectSpec } = await pairOver("tcp-listen:[::1]:0");
    expect(connectSpec).toMatch(/^tcp:\[::1\]:\d+$/);
    await expectFramesBothWays(board, host);
  });

  it("takes only the first connection and stops listening", async () => {
    const { board, host, connectSpec } = await pairOver("tcp-listen:127.0.0.1:0");
    const err = await expectLinkError(openLink(connectSpec));
    expect(err.code).toBe("REFUSED");
    host.destroy();
    board.destroy();
  });

  it("reports a refused connection in one line naming the spec", async () => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as net.AddressInfo).port;
    server.close();
    await once(server, "close");
    const spec = `tcp:127.0.0.1:${port}`;
    const err = await expectLinkError(openLink(spec));
    expect(err.message).toBe(`${spec}: connection refused`);
    expect(err.code).toBe("REFUSED");
  });

  it("reports an address in use", async () => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const spec = `tcp-listen:127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const err = await expectLinkError(openLink(spec));
    server.close();
    expect(err.message).toBe(`${spec}: address already in use`);
    expect(err.code).toBe("ADDRESS_IN_USE");
  });

  it("stops waiting for the board side on timeout or abort, and frees the port", async () => {
    let announced = "";
    const err = await expectLinkError(openLink("tcp-listen:127.0.0.1:0", { timeoutMs: 50, onListening: (s) => (announced = s) }));
    expect(err.code).toBe("TIMEOUT");
    expect(err.message).toBe("tcp-listen:127.0.0.1:0: timed out after 50 ms");
    expect((await expectLinkError(openLink(announced))).code).toBe("REFUSED");

    const controller = new AbortController();
    const waiting = openLink("tcp-listen:127.0.0.1:0", { signal: controller.signal, onListening: () => controller.abort() });
    const aborted = await expectLinkError(waiting);
    expect(aborted.code).toBe("ABORTED");
    expect(aborted.message).toBe("tcp-listen:127.0.0.1:0: aborted");
  });
});

describe("unix links", () => {
  it("unix-listen and unix carry frames both ways; the socket file goes away", async () => {
    const path = join(dir, "board.sock");
    const { board, host, connectSpec } = await pairOver(`unix-listen:${path}`);
    expect(connectSpec).toBe(`unix:${path}`);
    await expectFramesBothWays(board, host);
    const err = await expectLinkError(openLink(connectSpec));
    expect(err.message).toBe(`unix:${path}: no such file or socket`);
  });

  it("reports a path that is not a socket", async () => {
    const path = join(dir, "plain-file");
    await writeFile(path, "x");
    const err = await expectLinkError(openLink(`unix:${path}`));
    expect(err.message).toBe(`unix:${path}: connection refused`);
  });
});

describe("openLink", () => {
  it("rejects a bad spec with a BAD_SPEC LinkError", async () => {
    const err = await expectLinkError(openLink("tcp:nowhere"));
    expect(err.code).toBe("BAD_SPEC");
    expect(err.message).toBe("tcp:nowhere: expected HOST:PORT");
  });

  it("openFrameLink opens a SLIP FrameLink named after its spec", async () => {
    let announce: (s: string) => void = () => undefined;
    const announced = new Promise<string>((r) => (announce = r));
    const boardSide = openFrameLink("tcp-listen:127.0.0.1:0", { onListening: (s) => announce(s), maxFrame: 10 });
    const spec = await announced;
    const host = await openFrameLink(spec);
    const board = await boardSide;
    expect([host.name, board.name]).toEqual([spec, "tcp-listen:127.0.0.1:0"]);
    const got = new Promise<Buffer>((r) => board.once("frame", r));
    host.send(Buffer.alloc(11)); // over the board's maxFrame of 10
    host.send(Buffer.alloc(10, 1));
    expect(await got).toEqual(Buffer.alloc(10, 1));
    expect(board.stats.oversize).toBe(1);
    await host.close();
    await board.close();
  });

  it("accepts a parsed spec too", async () => {
    let announce: (s: string) => void = () => undefined;
    const announced = new Promise<string>((r) => (announce = r));
    const boardSide = openLink({ kind: "tcp-listen", host: "127.0.0.1", port: 0 }, { onListening: (s) => announce(s) });
    const host = await openLink(await announced);
    const board = await boardSide;
    host.destroy();
    board.destroy();
  });
});
