// Control-connection behaviour of FtpClient against the scripted fake server:
// greeting and login quirks, reply framing, the queue, timeouts, 421, FEAT, simple commands.
import { afterEach, describe, expect, it } from "vitest";
import { FtpClient, type FtpClientOptions } from "./client.js";
import { FtpConnectionError, FtpError, FtpTimeoutError } from "./errors.js";
import { delay, FakeFtpServer, type Script } from "./fake-server.js";

let server: FakeFtpServer | undefined;
let client: FtpClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function start(script: Script, options: FtpClientOptions = {}): Promise<{ s: FakeFtpServer; c: FtpClient }> {
  server = await FakeFtpServer.start(script);
  client = new FtpClient({ timeoutMs: 3_000, dataTimeoutMs: 3_000, ...options });
  return { s: server, c: client };
}

describe("greeting and login", () => {
  it("reads a multi-line 220 split across segments and skips extra 220 packets before 331", async () => {
    const { s, c } = await start(async (f) => {
      await f.send("220-Welcome to");
      await delay(20);
      await f.send(" the fake\r\n220-second line\r\n");
      await delay(20);
      await f.send("220 ready\r\n");
      await f.send("220 another greeting packet (NetX test: multiple connection responses)\r\n");
      expect(await f.expect("USER")).toBe("alice");
      await f.send("220 and one more after USER\r\n");
      await delay(20);
      await f.reply(331, "password please");
      expect(await f.expect("PASS")).toBe("secret");
      await f.reply(230, "logged in");
      await f.expect("QUIT");
      await f.reply(221, "bye");
    });
    const greeting = await c.connect(s.host, s.port);
    expect(greeting.code).toBe(220);
    expect(greeting.text).toBe("Welcome to the fake\nsecond line\nready");
    expect((await c.login("alice", "secret")).code).toBe(230);
    await c.quit();
    expect(c.connected).toBe(false);
    await s.done();
  });

  it("writes each command in one write and masks PASS in the log", async () => {
    const log: string[] = [];
    const { s, c } = await start(
      async (f) => {
        await f.login();
        await f.expect("CWD");
        await f.reply(250, "ok");
      },
      { log: (line) => log.push(line) },
    );
    await c.connect(s.host, s.port);
    await c.login("bob", "hunter2");
    await c.cwd("/a dir/with spaces");
    await s.done();
    // Each chunk the server received is exactly one whole command line.
    expect(s.chunks).toEqual(["USER bob\r\n", "PASS hunter2\r\n", "CWD /a dir/with spaces\r\n"]);
    expect(log.some((l) => l.includes("hunter2"))).toBe(false);
    expect(log).toContain("> PASS ****");
    expect(log).toContain("< 230 logged in");
  });

  it("accepts 230 straight after USER", async () => {
    const { s, c } = await start(async (f) => {
      await f.reply(220, "hi");
      await f.expect("USER");
      await f.reply(230, "no password needed");
    });
    await c.connect(s.host, s.port);
    expect((await c.login()).code).toBe(230);
    await s.done();
  });

  it("refuses 332 (ACCT) with FtpError", async () => {
    const { s, c } = await start(async (f) => {
      await f.reply(220, "hi");
      await f.expect("USER");
      await f.reply(331, "pw");
      await f.expect("PASS");
      await f.reply(332, "need account");
    });
    await c.connect(s.host, s.port);
    await expect(c.login("u", "p")).rejects.toMatchObject({ name: "FtpError", code: 332 });
    await s.done();
  });

  it("a 421 greeting is an FtpError 421 and leaves the client closed", async () => {
    const { s, c } = await start(async (f) => {
      await f.reply(421, "Too many connections");
      f.socket.end();
    });
    const err = await c.connect(s.host, s.port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpError);
    expect((err as FtpError).code).toBe(421);
    expect(c.connected).toBe(false);
  });

  it("a 530 login failure names the command, with PASS masked", async () => {
    const { s, c } = await start(async (f) => {
      await f.reply(220, "hi");
      await f.expect("USER");
      await f.reply(331, "pw");
      await f.expect("PASS");
      await f.reply(530, "Login incorrect.");
    });
    await c.connect(s.host, s.port);
    const err = (await c.login("u", "wrong").catch((e: unknown) => e)) as FtpError;
    expect(err.message).toBe("530 Login incorrect. (PASS ****)");
  });
});

describe("operations", () => {
  it("parses a reply split mid-code; of two replies in one segment the unasked one is not taken for the next answer", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      await f.expect("RNFR");
      await f.reply(350, "ready for RNTO");
      await f.expect("RNTO");
      // 250 plus the PWD answer nobody asked for yet would desync a naive client;
      // here PWD is asked right after, and its reply comes split mid-code.
      await f.reply(250, "renamed");
      await f.expect("PWD");
      await f.send("25");
      await delay(20);
      await f.send('7 "/x" is cwd\r\n');
      await f.expect("NOOP");
      await f.send("200 one\r\n200 two (nobody asked)\r\n");
      await f.expect("PWD");
      await f.reply(257, '"/y"');
    });
    await c.connect(s.host, s.port);
    await c.login();
    await c.rename("a", "b");
    expect(await c.pwd()).toBe("/x");
    expect((await c.send("NOOP")).text).toBe("one");
    expect(await c.pwd()).toBe("/y");
    await s.done();
  });

  it("mkdir returns the created path from 257, NetX's 200, or the argument", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      await f.expect("MKD");
      await f.reply(257, '"/made ""here""" created');
      await f.expect("MKD");
      await f.send('200 "/abc" Directory Created \r\n');
      await f.expect("MKD");
      await f.reply(250, "ok");
      await f.expect("MKD");
      await f.reply(550, "exists");
    });
    await c.connect(s.host, s.port);
    await c.login();
    expect(await c.mkdir("x")).toBe('/made "here"');
    expect(await c.mkdir("abc")).toBe("/abc");
    expect(await c.mkdir("plain")).toBe("plain");
    await expect(c.mkdir("dup")).rejects.toMatchObject({ code: 550, message: "550 exists (MKD dup)" });
    await s.done();
  });

  it("size sends TYPE I once, mdtm parses the time, 502 from a NetX server is FtpError 502", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      expect(await f.expect("TYPE")).toBe("I");
      await f.reply(200, "Type Binary");
      await f.expect("SIZE");
      await f.reply(213, "1234");
      await f.expect("SIZE");
      await f.reply(213, "99");
      await f.expect("MDTM");
      await f.reply(213, "20240402080500");
      await f.expect("SIZE");
      await f.send("502 Not Implemented \r\n");
    });
    await c.connect(s.host, s.port);
    await c.login();
    expect(await c.size("a")).toBe(1234);
    expect(await c.size("b")).toBe(99);
    expect((await c.mdtm("a")).toISOString()).toBe("2024-04-02T08:05:00.000Z");
    await expect(c.size("c")).rejects.toMatchObject({ name: "FtpError", code: 502 });
    await s.done();
  });

  it("features: parses FEAT once and caches it; 502 gives an empty map", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      await f.expect("FEAT");
      await f.send("211-Features:\r\n EPSV\r\n MLST type*;size*;modify*;\r\n REST STREAM\r\n211 End\r\n");
      await f.expect("NOOP");
      await f.reply(200, "ok");
    });
    await c.connect(s.host, s.port);
    await c.login();
    const feats = await c.features();
    expect([...feats.entries()]).toEqual([
      ["EPSV", ""],
      ["MLST", "type*;size*;modify*;"],
      ["REST", "STREAM"],
    ]);
    expect(await c.features()).toBe(feats);
    await c.send("NOOP");
    await s.done();

    const second = await FakeFtpServer.start(async (f) => {
      await f.login();
      await f.expect("FEAT");
      await f.send("502 Not Implemented \r\n");
    });
    const c2 = new FtpClient({ timeoutMs: 3_000 });
    try {
      await c2.connect(second.host, second.port);
      await c2.login();
      expect((await c2.features()).size).toBe(0);
      await second.done();
    } finally {
      c2.close();
      await second.close();
    }
  });

  it("send() splits a raw command line and resolves on 4xx/5xx", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      const cmd = await f.command();
      expect(cmd.line).toBe("SITE CHMOD 644 a b");
      await f.reply(550, "no");
    });
    await c.connect(s.host, s.port);
    await c.login();
    const reply = await c.send("SITE CHMOD 644 a b");
    expect(reply.code).toBe(550);
    await s.done();
  });
});

describe("queue, timeouts, 421", () => {
  it("runs concurrent calls one after another: the next command goes out only after the last reply", async () => {
    const events: string[] = [];
    const { s, c } = await start(async (f) => {
      await f.login();
      for (let i = 0; i < 3; i++) {
        const cmd = await f.command();
        events.push(`recv ${cmd.line}`);
        // Give a client that does not wait every chance to send early.
        await delay(30);
        events.push(`reply ${i}`);
        await f.reply(257, `"/d${i}"`);
      }
    });
    await c.connect(s.host, s.port);
    await c.login();
    const results = await Promise.all([c.pwd(), c.pwd(), c.pwd()]);
    expect(results).toEqual(["/d0", "/d1", "/d2"]);
    expect(events).toEqual(["recv PWD", "reply 0", "recv PWD", "reply 1", "recv PWD", "reply 2"]);
    await s.done();
  });

  it("many clients run in parallel", async () => {
    const { s } = await start(async (f) => {
      await f.login();
      await f.expect("PWD");
      await f.reply(257, '"/"');
    });
    void s;
    const clients = await Promise.all(
      Array.from({ length: 5 }, () => FtpClient.connect({ host: s.host, port: s.port, timeoutMs: 3_000 })),
    );
    try {
      expect(await Promise.all(clients.map((x) => x.pwd()))).toEqual(["/", "/", "/", "/", "/"]);
    } finally {
      for (const x of clients) x.close();
    }
    await s.done();
  });

  it("a silent server gives FtpTimeoutError and closes the connection; queued calls fail too", async () => {
    const { s, c } = await start(
      async (f) => {
        await f.login();
        await f.expect("CWD");
        await f.closed;
      },
      { timeoutMs: 150 },
    );
    await c.connect(s.host, s.port);
    await c.login();
    const first = c.cwd("x");
    const second = c.pwd();
    const err = await first.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpTimeoutError);
    expect((err as FtpTimeoutError).kind).toBe("control");
    expect(c.connected).toBe(false);
    await expect(second).rejects.toBeInstanceOf(FtpTimeoutError);
    await s.done();
  });

  it("an immediate 421 surfaces as FtpError 421 and closes", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      await f.expect("CWD");
      await f.reply(421, "Timeout.");
      f.socket.end();
    });
    await c.connect(s.host, s.port);
    await c.login();
    await expect(c.cwd("x")).rejects.toMatchObject({ name: "FtpError", code: 421 });
    expect(c.connected).toBe(false);
    await expect(c.pwd()).rejects.toMatchObject({ code: 421 });
    await s.done();
  });

  it("a server that hangs up mid-command gives FtpConnectionError", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      await f.expect("CWD");
      f.socket.destroy();
    });
    await c.connect(s.host, s.port);
    await c.login();
    await expect(c.cwd("x")).rejects.toBeInstanceOf(FtpConnectionError);
    await s.done();
  });

  it("garbage instead of a reply closes the connection with FtpConnectionError", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      await f.expect("CWD");
      await f.send("HTTP/1.1 400 Bad Request\r\n");
      await f.closed;
    });
    await c.connect(s.host, s.port);
    await c.login();
    await expect(c.cwd("x")).rejects.toBeInstanceOf(FtpConnectionError);
    expect(c.connected).toBe(false);
    await s.done();
  });

  it("a command argument with CRLF is refused before anything is sent", async () => {
    const { s, c } = await start(async (f) => {
      await f.login();
      await f.expect("PWD");
      await f.reply(257, '"/"');
    });
    await c.connect(s.host, s.port);
    await c.login();
    await expect(c.delete("a\r\nDELE b")).rejects.toBeInstanceOf(TypeError);
    expect(await c.pwd()).toBe("/");
    await s.done();
  });
});
