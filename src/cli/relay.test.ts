// relayLink: one host at a time on a board's byte link, later hosts waiting their turn, the board's
// bytes dropped while nobody is attached; over TCP and a unix socket.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkPair } from "../link/pair.js";
import { parseLinkSpec } from "../link/spec.js";
import { relayLink } from "./relay.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-relay-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function connect(spec: string): Promise<net.Socket> {
  const s = parseLinkSpec(spec);
  return new Promise((resolve, reject) => {
    const socket = s.kind === "tcp" ? net.connect({ host: s.host, port: s.port }) : net.connect({ path: (s as { path: string }).path });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** The next `n` bytes from a stream. */
function read(stream: NodeJS.ReadableStream, n: number): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const onData = (b: Buffer): void => {
      got += b.toString();
      if (got.length >= n) {
        stream.off("data", onData);
        resolve(got);
      }
    };
    stream.on("data", onData);
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve())));
}

describe("relayLink", () => {
  it("counts bytes both ways and SLIP frames by their END bytes, split across chunks or not", async () => {
    const [board, far] = linkPair();
    const relay = await relayLink(far, { kind: "tcp", host: "127.0.0.1", port: 0 });
    try {
      const host = await connect(relay.address);
      const atBoard = read(board, 8);
      host.write(Buffer.from([0xc0, 1, 2, 0xc0, 0xc0, 3, 4, 0xc0])); // two frames, an empty run between
      await atBoard;
      const atHost = read(host, 5);
      board.write(Buffer.from([0xc0, 9, 9]));
      await new Promise((r) => setTimeout(r, 20));
      board.write(Buffer.from([9, 0xc0])); // the frame's END in a later chunk
      await atHost;
      expect(relay.stats).toEqual({ framesIn: 1, framesOut: 2, bytesIn: 5, bytesOut: 8, droppedBytes: 0, hostSessions: 1 });
      host.destroy();
      await closed(host);
    } finally {
      await relay.close();
    }
  });

  it("relays both ways to one host at a time; the next waits, then gets its turn", async () => {
    const [board, far] = linkPair();
    const relay = await relayLink(far, { kind: "tcp", host: "127.0.0.1", port: 0 });
    try {
      expect(relay.address).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
      const first = await connect(relay.address);
      const fromHost = read(board, 5);
      first.write("hello");
      expect(await fromHost).toBe("hello");
      const toHost = read(first, 3);
      board.write("ack");
      expect(await toHost).toBe("ack");

      const second = await connect(relay.address);
      const secondGot: Buffer[] = [];
      second.on("data", (b: Buffer) => secondGot.push(b));
      second.write("early"); // waits in its socket until its turn
      const boardGot = read(board, 3);
      board.write("one");
      expect(await read(first, 3)).toBe("one");
      first.destroy();
      await closed(first);
      expect(await boardGot).toBe("early");
      board.write("two");
      expect(await read(second, 3)).toBe("two");
      expect(Buffer.concat(secondGot).toString()).toBe("two"); // nothing of the first host's turn
      expect(relay.served).toBe(2);
      second.destroy();
    } finally {
      await relay.close();
      board.destroy();
    }
  });

  it("drops what the board sends while no host is attached", async () => {
    const [board, far] = linkPair({ highWaterMark: 1024 });
    const relay = await relayLink(far, { kind: "tcp", host: "127.0.0.1", port: 0 });
    try {
      // more than every buffer on the way holds: a relay that stopped reading would block this
      for (let i = 0; i < 64; i++) board.write(Buffer.alloc(1024, 0x41));
      await new Promise((r) => setTimeout(r, 50));
      const host = await connect(relay.address);
      const got = read(host, 4);
      board.write("live");
      expect(await got).toBe("live");
      host.destroy();
    } finally {
      await relay.close();
      board.destroy();
    }
  });

  it("listens on a unix socket, replaces a stale socket file, and removes it on close", async () => {
    const path = join(dir, "board.sock");
    // a killed relay leaves its socket file behind
    const killed = spawnSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`], { timeout: 20_000 });
    expect(killed.signal).toBe("SIGKILL");
    expect((await stat(path)).isSocket()).toBe(true);
    const [board, far] = linkPair();
    const relay = await relayLink(far, { kind: "unix", path });
    expect(relay.address).toBe(`unix:${path}`);
    const host = await connect(relay.address);
    const got = read(board, 2);
    host.write("hi");
    expect(await got).toBe("hi");
    host.destroy();
    await relay.close();
    board.destroy();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });
});
