// Transfers against the scripted fake server: passive/active setup and fallbacks,
// NetX's 125/250, 226 before the last data byte, errors, resets, stalls, ABOR, ASCII,
// resume and listings.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parsePortArg, parseEprtArg } from "../protocol/address.js";
import { FtpClient, type FtpClientOptions } from "./client.js";
import { AbortError, FtpError, FtpTimeoutError } from "./errors.js";
import {
  delay,
  endWith,
  FakeFtpServer,
  readAll,
  whenClosed,
  type DataListener,
  type FakeSession,
  type Script,
} from "./fake-server.js";
import type { TransferProgress } from "./monitor.js";

/** FTPLOG=1 prints each conversation: the first thing to look at when a script disagrees. */
const debugLog: FtpClientOptions = process.env.FTPLOG ? { log: (l) => process.stderr.write(`${l}\n`) } : {};

let server: FakeFtpServer | undefined;
let client: FtpClient | undefined;
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-client-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function start(
  script: Script,
  options: FtpClientOptions = {},
  host = "127.0.0.1",
): Promise<{ s: FakeFtpServer; c: FtpClient }> {
  server = await FakeFtpServer.start(async (f) => {
    await f.login();
    await script(f);
  }, host);
  client = new FtpClient({ timeoutMs: 3_000, dataTimeoutMs: 3_000, ...debugLog, ...options });
  await client.connect(server.host, server.port);
  await client.login();
  return { s: server, c: client };
}

function collector(): { stream: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, data: () => Buffer.concat(chunks) };
}

function payload(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 31 + (i >> 8)) & 255;
  return b;
}

/** TYPE and FEAT chatter up to PASV, then a 227 for a fresh listener. */
async function pasv(
  f: FakeSession,
  answers: Record<string, string> = { TYPE: "200 ok", FEAT: "502 no" },
  advertise?: string,
): Promise<DataListener> {
  await f.serve(answers, "PASV");
  const l = await f.listen();
  await f.reply(227, `Entering Passive Mode (${l.pasvNumbers(advertise)}).`);
  return l;
}

describe("passive download and upload", () => {
  it("NetX flow: PASV, 125 start, 250 end, exact NetX texts with trailing spaces", async () => {
    const data = payload(100_000);
    const received: Buffer[] = [];
    const { s, c } = await start(async (f) => {
      await f.serve({ TYPE: "200 Type Binary ", FEAT: "502 Not Implemented " }, "PASV");
      let l = await f.listen();
      await f.send(`227 Entering Passive Mode (${l.pasvNumbers()}). \r\n`);
      expect(await f.expect("RETR")).toBe("test.bin");
      let d = await l.accept();
      await f.send("125 File Opened \r\n");
      await endWith(d, data);
      await f.send("250 File Sent \r\n");
      await f.expect("PASV");
      l = await f.listen();
      await f.send(`227 Entering Passive Mode (${l.pasvNumbers()}). \r\n`);
      expect(await f.expect("STOR")).toBe("copy.bin");
      d = await l.accept();
      await f.send("125 File Open for Write \r\n");
      received.push(await readAll(d));
      await f.send("250 File Written \r\n");
    });
    const sink = collector();
    const down = await c.download("test.bin", sink.stream);
    expect(down.reply.code).toBe(250);
    expect(down.bytes).toBe(data.length);
    expect(sink.data().equals(data)).toBe(true);
    const up = await c.upload(Readable.from([sink.data()]), "copy.bin");
    expect(up.reply.code).toBe(250);
    expect(up.bytes).toBe(data.length);
    await s.done();
    expect(received[0]?.equals(data)).toBe(true);
    // FEAT was asked once and TYPE I sent once for both transfers.
    expect(s.chunks.filter((x) => x.startsWith("TYPE")).length).toBe(1);
    expect(s.chunks.filter((x) => x.startsWith("FEAT")).length).toBe(1);
  });

  it("resolves only when both the data ended and the final reply arrived (226 before the last byte)", async () => {
    const first = payload(50_000);
    const rest = payload(70_000);
    const { s, c } = await start(async (f) => {
      const l = await pasv(f);
      await f.expect("RETR");
      const d = await l.accept();
      await f.reply(150, "Opening BINARY mode data connection (120000 bytes).");
      await new Promise<void>((resolve) => d.write(first, () => resolve()));
      await f.reply(226, "Transfer complete.");
      await delay(50);
      await endWith(d, rest);
    });
    const sink = collector();
    const progress: TransferProgress[] = [];
    const result = await c.download("f", sink.stream, { onProgress: (p) => progress.push(p) });
    expect(sink.data().length).toBe(120_000);
    expect(sink.data().equals(Buffer.concat([first, rest]))).toBe(true);
    expect(result.reply.code).toBe(226);
    // The last report is the end: all bytes, with the total taken from the 150 text.
    expect(progress.at(-1)).toMatchObject({ bytes: 120_000, total: 120_000 });
    await s.done();
  });

  it("handles 150 and 226 arriving in one segment for an empty file, written to a path", async () => {
    const { s, c } = await start(async (f) => {
      const l = await pasv(f);
      await f.expect("RETR");
      const d = await l.accept();
      d.end();
      await f.send("150 here it comes\r\n226 done\r\n");
    });
    const path = join(dir, "empty.bin");
    const result = await c.download("empty", path);
    expect(result.bytes).toBe(0);
    expect((await stat(path)).size).toBe(0);
    await s.done();
  });

  it("replaces a foreign PASV address (and 0.0.0.0) with the control peer", async () => {
    const data = payload(1000);
    const { s, c } = await start(async (f) => {
      for (const advertised of ["198.51.100.7", "0.0.0.0"]) {
        const l = await pasv(f, { TYPE: "200 ok", FEAT: "502 no" }, advertised);
        await f.expect("RETR");
        const d = await l.accept();
        await f.reply(150, "ok");
        await endWith(d, data);
        await f.reply(226, "ok");
      }
    });
    for (let i = 0; i < 2; i++) {
      const sink = collector();
      await c.download("f", sink.stream);
      expect(sink.data().equals(data)).toBe(true);
    }
    await s.done();
  });

  it("uses a foreign PASV address when allowForeignPasvAddress is set", async () => {
    const { s, c } = await start(
      async (f) => {
        await f.serve({ TYPE: "200 ok", FEAT: "502 no" }, "PASV");
        const l = await f.listen("127.0.0.2");
        await f.reply(227, `Entering Passive Mode (${l.pasvNumbers()}).`);
        await f.expect("RETR");
        const d = await l.accept();
        await f.reply(150, "ok");
        await endWith(d, "via 127.0.0.2");
        await f.reply(226, "ok");
      },
      { allowForeignPasvAddress: true },
    );
    const sink = collector();
    await c.download("f", sink.stream);
    expect(sink.data().toString()).toBe("via 127.0.0.2");
    await s.done();
  });
});

describe("EPSV and PASV choice", () => {
  it("on IPv4 tries EPSV first when FEAT lists it; a 500 falls back to PASV and is remembered", async () => {
    const { s, c } = await start(async (f) => {
      await f.serve({ TYPE: "200 ok", FEAT: "211-Features:\r\n EPSV\r\n211 End" }, "EPSV");
      await f.reply(500, "EPSV not understood");
      for (let i = 0; i < 2; i++) {
        await f.expect("PASV");
        const l = await f.listen();
        await f.reply(227, `Entering Passive Mode (${l.pasvNumbers()}).`);
        await f.expect("RETR");
        const d = await l.accept();
        await f.reply(150, "ok");
        await endWith(d, `file ${i}`);
        await f.reply(226, "ok");
      }
    });
    const a = collector();
    const b = collector();
    await c.download("a", a.stream);
    await c.download("b", b.stream);
    expect(a.data().toString()).toBe("file 0");
    expect(b.data().toString()).toBe("file 1");
    await s.done();
    expect(s.chunks.filter((x) => x.startsWith("EPSV")).length).toBe(1);
  });

  it("on IPv4 a PASV refused with 502 falls back to EPSV", async () => {
    const { s, c } = await start(async (f) => {
      await f.serve({ TYPE: "200 ok", FEAT: "502 no" }, "PASV");
      await f.reply(502, "PASV not implemented");
      await f.expect("EPSV");
      const l = await f.listen();
      await f.reply(229, `Entering Extended Passive Mode (|||${l.port}|)`);
      await f.expect("RETR");
      const d = await l.accept();
      await f.reply(150, "ok");
      await endWith(d, "epsv data");
      await f.reply(226, "ok");
      // Remembered: the next transfer starts with EPSV.
      await f.expect("EPSV");
      await f.reply(425, "not now");
    });
    const a = collector();
    await c.download("a", a.stream);
    expect(a.data().toString()).toBe("epsv data");
    await expect(c.download("b", collector().stream)).rejects.toMatchObject({ code: 425 });
    await s.done();
  });

  it("on IPv6 uses EPSV without asking FEAT, and a refused EPSV is FtpError (no PASV)", async () => {
    const { s, c } = await start(
      async (f) => {
        await f.serve({ TYPE: "200 ok" }, "EPSV");
        const l = await f.listen();
        await f.reply(229, `Entering Extended Passive Mode (|||${l.port}|)`);
        await f.expect("RETR");
        const d = await l.accept();
        await f.reply(150, "ok");
        await endWith(d, "over ::1");
        await f.reply(226, "ok");
        await f.expect("EPSV");
        await f.reply(502, "no EPSV");
        await f.expect("PWD");
        await f.reply(257, '"/"');
      },
      {},
      "::1",
    );
    const a = collector();
    await c.download("a", a.stream);
    expect(a.data().toString()).toBe("over ::1");
    await expect(c.download("b", collector().stream)).rejects.toMatchObject({ code: 502 });
    expect(await c.pwd()).toBe("/");
    await s.done();
  });
});

describe("active mode", () => {
  it("sends PORT, accepts only the control peer's connection, and closes the listener", async () => {
    const data = payload(30_000);
    let foreignClosed: Promise<void> | undefined;
    const { s, c } = await start(
      async (f) => {
        await f.serve({ TYPE: "200 ok" }, "PORT").then(async (cmd) => {
          const hp = parsePortArg(cmd.arg);
          if (!hp) throw new Error(`bad PORT ${cmd.arg}`);
          await f.reply(200, "PORT ok");
          await f.expect("RETR");
          // A third party (another loopback address) tries first: it must be dropped.
          const foreign = await f.connect(hp.host, hp.port, "127.0.0.2");
          foreignClosed = whenClosed(foreign);
          foreign.write("EVIL");
          await foreignClosed;
          const d = await f.connect(hp.host, hp.port);
          await f.reply(150, "ok");
          await endWith(d, data);
          await f.reply(226, "ok");
        });
      },
      { passive: false },
    );
    expect(c.passive).toBe(false);
    const sink = collector();
    await c.download("f", sink.stream);
    expect(sink.data().equals(data)).toBe(true);
    await s.done();
    await foreignClosed;
  });

  it("uses EPRT over IPv6 and uploads", async () => {
    const got: Buffer[] = [];
    const { s, c } = await start(
      async (f) => {
        const cmd = await f.serve({ TYPE: "200 ok" }, "EPRT");
        const ep = parseEprtArg(cmd.arg);
        if (!ep) throw new Error(`bad EPRT ${cmd.arg}`);
        expect(ep.family).toBe(6);
        await f.reply(200, "EPRT ok");
        await f.expect("STOR");
        const d = await f.connect(ep.host, ep.port);
        await f.reply(150, "ok");
        got.push(await readAll(d));
        await f.reply(226, "ok");
      },
      {},
      "::1",
    );
    c.setPassive(false);
    await c.upload(Readable.from([Buffer.from("hello "), Buffer.from("v6")]), "up.txt");
    await s.done();
    expect(got[0]?.toString()).toBe("hello v6");
  });

  it("a server that never connects gives a data FtpTimeoutError and the client stays usable", async () => {
    const { s, c } = await start(
      async (f) => {
        await f.serve({ TYPE: "200 ok", PORT: "200 ok" }, "RETR");
        await f.reply(150, "ok");
        await f.expect("ABOR");
        await f.reply(426, "never connected");
        await f.reply(226, "ABOR ok");
        await f.expect("NOOP");
        await f.reply(200, "ok");
        await f.expect("PWD");
        await f.reply(257, '"/"');
      },
      { passive: false, dataTimeoutMs: 200 },
    );
    const err = await c.download("f", collector().stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpTimeoutError);
    expect((err as FtpTimeoutError).kind).toBe("data");
    expect(await c.pwd()).toBe("/");
    await s.done();
  });
});

describe("failures", () => {
  it("a 550 instead of 1xx is FtpError, the data connection is closed, no local file is made", async () => {
    let dataClosed: Promise<void> | undefined;
    const { s, c } = await start(async (f) => {
      const l = await pasv(f);
      await f.expect("RETR");
      const d = await l.accept();
      dataClosed = whenClosed(d);
      await f.reply(550, "No such file.");
      await dataClosed;
      await f.expect("PWD");
      await f.reply(257, '"/"');
    });
    const path = join(dir, "never.bin");
    await expect(c.download("missing", path)).rejects.toMatchObject({
      name: "FtpError",
      code: 550,
      message: "550 No such file. (RETR missing)",
    });
    await expect(stat(path)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await c.pwd()).toBe("/");
    await s.done();
  });

  it("1xx then 451 is FtpError 451 after cleanup", async () => {
    const { s, c } = await start(async (f) => {
      const l = await pasv(f);
      await f.expect("RETR");
      const d = await l.accept();
      await f.reply(150, "ok");
      d.write(payload(1000));
      await f.reply(451, "Local error in processing.");
      await whenClosed(d);
      await f.expect("PWD");
      await f.reply(257, '"/"');
    });
    await expect(c.download("f", collector().stream)).rejects.toMatchObject({ code: 451 });
    expect(await c.pwd()).toBe("/");
    await s.done();
  });

  it("a data-socket reset fails the transfer but not the control connection", async () => {
    const { s, c } = await start(async (f) => {
      const l = await pasv(f);
      await f.expect("RETR");
      const d = await l.accept();
      await f.reply(150, "ok");
      await new Promise<void>((resolve) => d.write(payload(5000), () => resolve()));
      d.resetAndDestroy();
      await f.reply(426, "Connection closed; transfer aborted.");
      await f.expect("PWD");
      await f.reply(257, '"/still here"');
    });
    await expect(c.download("f", collector().stream)).rejects.toThrow();
    expect(c.connected).toBe(true);
    expect(await c.pwd()).toBe("/still here");
    await s.done();
  });

  it("a stalled data connection gives a data FtpTimeoutError; a slow local writer does not", async () => {
    const { s, c } = await start(
      async (f) => {
        let l = await pasv(f);
        await f.expect("RETR");
        let d = await l.accept();
        await f.reply(150, "ok");
        await whenClosed(d);
        await f.reply(426, "aborted");
        // Second transfer: fast server, local writer slower than dataTimeoutMs per chunk.
        await f.expect("PASV");
        l = await f.listen();
        await f.reply(227, `Entering Passive Mode (${l.pasvNumbers()}).`);
        await f.expect("RETR");
        d = await l.accept();
        await f.reply(150, "ok");
        await endWith(d, payload(300_000));
        await f.reply(226, "ok");
      },
      { dataTimeoutMs: 150 },
    );
    const err = await c.download("f", collector().stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpTimeoutError);
    expect((err as FtpTimeoutError).kind).toBe("data");
    let writes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        writes++;
        // Two slow writes hold the socket paused for longer than dataTimeoutMs.
        setTimeout(done, writes <= 2 ? 200 : 0);
      },
    });
    const result = await c.download("g", slow);
    expect(result.bytes).toBe(300_000);
    await s.done();
  });
});

describe("abort", () => {
  /** Streams data until the client closes the data connection (bounded). */
  async function stream(d: import("node:net").Socket): Promise<void> {
    const chunk = payload(64 * 1024);
    for (let i = 0; i < 10_000 && !d.destroyed && d.writable; i++) {
      if (!d.write(chunk)) {
        await new Promise<void>((resolve) => {
          d.once("drain", resolve);
          d.once("close", resolve);
        });
      }
    }
  }

  it("mid-download: closes data, sends ABOR, reads 426 + 226, resyncs with NOOP, stays usable", async () => {
    const { s, c } = await start(async (f) => {
      const l = await pasv(f);
      await f.expect("RETR");
      const d = await l.accept();
      await f.reply(150, "ok");
      await stream(d);
      await f.expect("ABOR");
      await f.reply(426, "Transfer aborted.");
      await f.reply(226, "ABOR successful.");
      await f.expect("NOOP");
      await f.reply(200, "NOOP ok.");
      await f.expect("PWD");
      await f.reply(257, '"/after abort"');
    });
    const ac = new AbortController();
    let seen = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        if (seen > 200_000) ac.abort();
        done();
      },
    });
    const err = await c.download("big", sink, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).name).toBe("AbortError");
    expect(await c.pwd()).toBe("/after abort");
    await s.done();
  });

  it("against a server without ABOR (NetX: transfer reply, then 502) the client still resyncs", async () => {
    const { s, c } = await start(async (f) => {
      const l = await pasv(f, { TYPE: "200 Type Binary ", FEAT: "502 Not Implemented " });
      await f.expect("RETR");
      const d = await l.accept();
      await f.send("125 File Opened \r\n");
      await stream(d);
      await f.send("550 Read Fail \r\n");
      await f.expect("ABOR");
      await f.send("502 Not Implemented \r\n");
      await f.expect("NOOP");
      await f.send("200 NOOP Success \r\n");
      await f.expect("MKD");
      await f.send('200 "/x" Directory Created \r\n');
    });
    const ac = new AbortController();
    const sink = new Writable({
      write(_chunk: Buffer, _enc, done) {
        ac.abort();
        done();
      },
    });
    await expect(c.download("big", sink, { signal: ac.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(await c.mkdir("x")).toBe("/x");
    await s.done();
  });

  it("an already aborted signal sends nothing", async () => {
    const { s, c } = await start(async (f) => {
      await f.expect("PWD");
      await f.reply(257, '"/"');
    });
    const ac = new AbortController();
    ac.abort();
    await expect(c.download("x", collector().stream, { signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
    expect(await c.pwd()).toBe("/");
    await s.done();
    expect(s.chunks.some((x) => x.startsWith("RETR") || x.startsWith("PASV"))).toBe(false);
  });
});

describe("ASCII, resume, listings", () => {
  it("ASCII: TYPE A, CRLF -> LF on download and LF -> CRLF on upload", async () => {
    const got: Buffer[] = [];
    const { s, c } = await start(async (f) => {
      expect((await f.serve({ FEAT: "502 no" }, "TYPE")).arg).toBe("A");
      await f.reply(200, "ok");
      let l = await pasv(f, { FEAT: "502 no" });
      await f.expect("RETR");
      let d = await l.accept();
      await f.reply(150, "ok");
      d.write("line one\r");
      await delay(20);
      await endWith(d, "\nline two\r\nbare\rcr\r\n");
      await f.reply(226, "ok");
      l = await pasv(f, {});
      await f.expect("STOR");
      d = await l.accept();
      await f.reply(150, "ok");
      got.push(await readAll(d));
      await f.reply(226, "ok");
    });
    const sink = collector();
    await c.download("t.txt", sink.stream, { type: "ascii" });
    expect(sink.data().toString()).toBe("line one\nline two\nbare\rcr\n");
    await c.upload(Readable.from(["a\nb\r\nc\n"]), "u.txt", { type: "ascii" });
    expect(got[0]?.toString()).toBe("a\r\nb\r\nc\r\n");
    await s.done();
  });

  it("download resume: REST <local size>, appended to the local file", async () => {
    const full = payload(10_000);
    const path = join(dir, "resume.bin");
    await writeFile(path, full.subarray(0, 4000));
    const { s, c } = await start(async (f) => {
      const l = await pasv(f);
      expect(await f.expect("REST")).toBe("4000");
      await f.reply(350, "Restart position accepted (4000).");
      await f.expect("RETR");
      const d = await l.accept();
      await f.reply(150, "ok");
      await endWith(d, full.subarray(4000));
      await f.reply(226, "ok");
    });
    const result = await c.download("r.bin", path, { resume: true });
    expect(result.bytes).toBe(6000);
    expect((await readFile(path)).equals(full)).toBe(true);
    await s.done();
  });

  it("upload resume: SIZE, REST, STOR from that byte; REST refused -> APPE", async () => {
    const full = payload(9000);
    const path = join(dir, "up.bin");
    await writeFile(path, full);
    const got: Buffer[] = [];
    const { s, c } = await start(async (f) => {
      await f.serve({ TYPE: "200 ok" }, "SIZE");
      await f.reply(213, "3000");
      let l = await pasv(f, { FEAT: "502 no" });
      expect(await f.expect("REST")).toBe("3000");
      await f.reply(350, "ok");
      expect(await f.expect("STOR")).toBe("up.bin");
      let d = await l.accept();
      await f.reply(150, "ok");
      got.push(await readAll(d));
      await f.reply(226, "ok");
      // Second: the server has 5000 bytes but refuses REST.
      await f.expect("SIZE");
      await f.reply(213, "5000");
      l = await pasv(f, {});
      await f.expect("REST");
      await f.reply(502, "REST not implemented");
      expect(await f.expect("APPE")).toBe("up.bin");
      d = await l.accept();
      await f.reply(150, "ok");
      got.push(await readAll(d));
      await f.reply(226, "ok");
    });
    const progress: TransferProgress[] = [];
    const r1 = await c.upload(path, "up.bin", { resume: true, onProgress: (p) => progress.push(p) });
    expect(r1.bytes).toBe(6000);
    expect(progress.at(-1)).toMatchObject({ bytes: 6000, total: 6000 });
    await c.upload(path, "up.bin", { resume: true });
    await s.done();
    expect(got[0]?.equals(full.subarray(3000))).toBe(true);
    expect(got[1]?.equals(full.subarray(5000))).toBe(true);
  });

  it("list uses MLSD when FEAT lists it; nlst returns names", async () => {
    const { s, c } = await start(async (f) => {
      let l = await pasv(f, {
        FEAT: "211-Features:\r\n MLST type*;size*;modify*;\r\n MLSD\r\n211 End",
      });
      expect(await f.expect("MLSD")).toBe("/pub");
      let d = await l.accept();
      await f.reply(150, "ok");
      await endWith(
        d,
        "type=cdir;modify=20240101000000; .\r\ntype=file;size=28;modify=20240402080500; test.txt\r\ntype=dir;modify=20240402080500; sub dir\r\n",
      );
      await f.reply(226, "ok");
      l = await pasv(f, {});
      expect(await f.expect("NLST")).toBe("");
      d = await l.accept();
      await f.reply(125, "Sending List");
      await endWith(d, "a.txt\r\nb c.txt\r\n");
      await f.reply(250, "List End");
    });
    const entries = await c.list("/pub");
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ["test.txt", "file", 28],
      ["sub dir", "dir", expect.any(Number)],
    ]);
    expect(entries[0]?.mtime?.toISOString()).toBe("2024-04-02T08:05:00.000Z");
    expect(await c.nlst()).toEqual(["a.txt", "b c.txt"]);
    await s.done();
  });

  it("list falls back to LIST when FEAT is 502 and parses NetX lines without a year", async () => {
    const { s, c } = await start(async (f) => {
      const l = await pasv(f, { FEAT: "502 Not Implemented " });
      expect(await f.expect("LIST")).toBe("");
      const d = await l.accept();
      await f.send("125 Sending List \r\n");
      await endWith(
        d,
        "-rw-rw-rw-  1 owner group         28 APR 02 08:05 test.txt\r\ndrw-rw-rw-  1 owner group          0 JAN 15 10:00 sub\r\n",
      );
      await f.send("250 List End \r\n");
    });
    const entries = await c.list();
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ["test.txt", "file", 28],
      ["sub", "dir", 0],
    ]);
    await s.done();
  });

  it("a second call made during a transfer waits for it", async () => {
    const order: string[] = [];
    const { s, c } = await start(async (f) => {
      const l = await pasv(f);
      await f.expect("RETR");
      const d = await l.accept();
      await f.reply(150, "ok");
      d.write("part one ");
      await delay(30);
      await endWith(d, "part two");
      await f.reply(226, "ok");
      await f.expect("PWD");
      await f.reply(257, '"/"');
    });
    const sink = collector();
    const down = c.download("f", sink.stream).then(() => order.push("download"));
    const pwd = c.pwd().then(() => order.push("pwd"));
    await Promise.all([down, pwd]);
    expect(order).toEqual(["download", "pwd"]);
    expect(sink.data().toString()).toBe("part one part two");
    await s.done();
  });
});

describe("FtpError", () => {
  it("carries code, text and command", () => {
    const e = new FtpError(550, "File not found", "RETR x.bin");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("FtpError");
    expect(e.message).toBe("550 File not found (RETR x.bin)");
    expect([e.code, e.text, e.command]).toEqual([550, "File not found", "RETR x.bin"]);
  });
});
