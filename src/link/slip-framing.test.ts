import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LinkError } from "./errors.js";
import type { FrameLink } from "./frame-link.js";
import { linkPair } from "./pair.js";
import { encodeSlip } from "./slip-codec.js";
import { SlipFraming } from "./slip-framing.js";
import { nextFrames } from "./test-support.js";

function frames(link: FrameLink): Buffer[] {
  const got: Buffer[] = [];
  link.on("frame", (f) => got.push(Buffer.from(f)));
  return got;
}

describe("SlipFraming over linkPair", () => {
  it("carries frames both ways with their boundaries and counts them", async () => {
    const [a, b] = linkPair();
    const host = new SlipFraming(a, { name: "pair-a" });
    const board = new SlipFraming(b);
    const atBoard = nextFrames(board, 3);
    const atHost = nextFrames(host, 1);
    const sent = [Buffer.from("first"), Buffer.from([0xc0, 0xdb, 0xc0]), Buffer.alloc(1500, 0xab)];
    for (const f of sent) expect(host.send(f)).toBe(true);
    board.send(Buffer.from("reply"));
    expect(await atBoard).toEqual(sent);
    expect(await atHost).toEqual([Buffer.from("reply")]);
    expect(host.name).toBe("pair-a");
    expect(host.stats).toMatchObject({ framesOut: 3, bytesOut: 5 + 3 + 1500, wireBytesOut: 7 + 8 + 1502, framesIn: 1, bytesIn: 5 });
    expect(board.stats).toMatchObject({ framesIn: 3, bytesIn: 1508, wireBytesIn: 1517, framesOut: 1 });
    await host.close();
    await once(board, "close");
  });

  it("sends a frame given in two pieces as one, and a burst of frames as one write", async () => {
    const [a, b] = linkPair();
    const host = new SlipFraming(a);
    const board = new SlipFraming(b);
    const writes: number[] = [];
    b.on("data", (chunk: Buffer) => writes.push(chunk.length));
    const atBoard = nextFrames(board, 3);
    const head = Buffer.from([0x45, 0xc0, 0x01]);
    expect(host.sendPieces(head, Buffer.from([0xdb, 0x02]))).toBe(true);
    head.fill(0); // the pieces are free again once sendPieces returned
    host.send(Buffer.from("second"));
    host.sendPieces(Buffer.from("third"), Buffer.alloc(0));
    expect(await atBoard).toEqual([Buffer.from([0x45, 0xc0, 0x01, 0xdb, 0x02]), Buffer.from("second"), Buffer.from("third")]);
    expect(writes).toEqual([9 + 8 + 7]);
    expect(host.stats).toMatchObject({ framesOut: 3, bytesOut: 5 + 6 + 5, wireBytesOut: 24 });
    await host.close();
    await once(board, "close");
  });

  it("over a socket, send() says false only when 'drain' follows (a relay that waits for it never stalls)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hilftp-slip-"));
    const server = createServer();
    try {
      const path = join(dir, "link.sock");
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const accepted = once(server, "connection");
      const a = connect(path);
      await once(a, "connect");
      const [b] = (await accepted) as [Socket];
      const host = new SlipFraming(a);
      const board = new SlipFraming(b);
      const total = 2000;
      const all = nextFrames(board, total);
      const frame = Buffer.alloc(1500, 0x11);
      // A kernel socket takes a write at once and then says true even past its high-water mark:
      // a false computed from bytes not yet written would wait for a 'drain' that never comes.
      for (let sent = 0; sent < total; ) {
        const more = host.send(frame);
        sent++;
        if (!more && sent < total) await once(host, "drain");
      }
      expect((await all).length).toBe(total);
      expect(board.stats.framesIn).toBe(total);
      await host.close();
      await once(board, "close");
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("drops and counts oversize frames and bad escapes from the wire", async () => {
    const [a, b] = linkPair();
    const board = new SlipFraming(b, { maxFrame: 100 });
    const got = frames(board);
    a.write(encodeSlip(Buffer.alloc(101)));
    a.write(Buffer.from([0xc0, 0x01, 0xdb, 0x02, 0xc0]));
    a.write(encodeSlip(Buffer.alloc(100, 1)));
    a.end();
    await once(board, "close");
    expect(got).toEqual([Buffer.alloc(100, 1)]);
    expect(board.stats).toMatchObject({ framesIn: 1, oversize: 1, badEscape: 1 });
  });

  it("reports backpressure from the byte link and emits drain", async () => {
    const [a, b] = linkPair({ highWaterMark: 4096 });
    const host = new SlipFraming(a);
    let sent = 0;
    while (sent < 1000 && host.send(Buffer.alloc(1000))) sent++;
    expect(sent).toBeLessThan(1000); // nobody reads b yet
    const drained = once(host, "drain");
    b.resume();
    await drained;
    await host.close();
  });

  it("close() closes both ends once; sending afterwards is counted, not thrown", async () => {
    const [a, b] = linkPair();
    const host = new SlipFraming(a);
    const board = new SlipFraming(b);
    let hostCloses = 0;
    host.on("close", () => hostCloses++);
    const boardClosed = once(board, "close");
    await Promise.all([host.close(), host.close()]);
    await boardClosed;
    expect(hostCloses).toBe(1);
    expect(a.destroyed && b.destroyed).toBe(true);
    expect(host.send(Buffer.from("late"))).toBe(true);
    expect(board.send(Buffer.from("late"))).toBe(true);
    expect(host.stats.afterClose).toBe(1);
    expect(board.stats.afterClose).toBe(1);
    await board.close(); // closing an already closed link resolves
  });

  it("turns byte link errors into LinkErrors naming the link", async () => {
    const [a] = linkPair();
    const host = new SlipFraming(a, { name: "serial:/dev/ttyUSB0" });
    const error = once(host, "error");
    const closed = new Promise<void>((resolve) => host.once("close", resolve)); // once() would reject on 'error'
    a.destroy(Object.assign(new Error("read EIO"), { code: "EIO" }));
    const [err] = (await error) as [LinkError];
    expect(err).toBeInstanceOf(LinkError);
    expect(err.message).toBe("serial:/dev/ttyUSB0: read EIO");
    await closed;
  });
});
