// Server behaviour over raw control connections: transfers both ways, active and passive,
// REST/APPE/STOU/TYPE A, ABOR, limits, cleanup after a vanished client, events and callbacks.
import { createHash, randomBytes } from "node:crypto";
import * as net from "node:net";
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatPortArg, parsePasvText } from "../protocol/index.js";
import { dataConnect, RawControl, readAll } from "../../testing/control.js";
import { FtpServer, type ServerEvents } from "./index.js";

let root: string;
let server: FtpServer;
let port: number;
const logins: Array<{ user: string; address: string }> = [];
const logouts: Array<{ user: string; address: string }> = [];
const big = randomBytes(8 * 1024 * 1024 + 17);

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hilftp-server-"));
  await mkdir(join(root, "sub"));
  await writeFile(join(root, "big.bin"), big);
  await writeFile(join(root, "lines.txt"), "one\ntwo\nthree\n");
  server = new FtpServer({
    root,
    port: 0,
    loginFailDelayMs: 0,
    login: ({ user, password, address }) => {
      if (password !== "pw") return null;
      logins.push({ user, address });
      return {};
    },
    logout: (info) => {
      logouts.push(info);
    },
  });
  port = (await server.listen()).port;
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function passive(c: RawControl): Promise<net.Socket> {
  const r = await c.cmd("PASV");
  expect(r.code).toBe(227);
  return dataConnect(parsePasvText(r.text)!.port);
}

async function retr(c: RawControl, name: string): Promise<Buffer> {
  const data = await passive(c);
  c.write(`RETR ${name}\r\n`);
  const [start, body] = await Promise.all([c.next(), readAll(data)]);
  expect(start.code).toBe(150);
  expect((await c.next()).code).toBe(226);
  return body;
}

async function stor(c: RawControl, verb: string, body: Buffer): Promise<number> {
  const data = await passive(c);
  c.write(`${verb}\r\n`);
  const start = await c.next();
  if (start.code !== 150) {
    data.destroy();
    return start.code;
  }
  data.end(body);
  return (await c.next()).code;
}

function listenActive(): Promise<{ port: number; body: Promise<Buffer>; from: Promise<number>; close(): void }> {
  return new Promise((resolve) => {
    let accept: (b: Buffer) => void = () => undefined;
    let source: (port: number) => void = () => undefined;
    const body = new Promise<Buffer>((r) => (accept = r));
    const from = new Promise<number>((r) => (source = r));
    const srv = net.createServer((s) => {
      srv.close();
      source(s.remotePort ?? 0);
      void readAll(s).then(accept);
    });
    srv.listen(0, "127.0.0.1", () => {
      resolve({ port: (srv.address() as net.AddressInfo).port, body, from, close: () => srv.close() });
    });
  });
}

describe("transfers", () => {
  it("RETR and STOR in passive mode keep every byte", async () => {
    const c = await RawControl.login(port, "alice", "pw");
    expect((await c.cmd("TYPE I")).code).toBe(200);
    expect(sha(await retr(c, "big.bin"))).toBe(sha(big));
    expect(await stor(c, "STOR up.bin", big)).toBe(226);
    expect(sha(await readFile(join(root, "up.bin")))).toBe(sha(big));
    c.close();
  });

  it("RETR in active mode (PORT) connects back to the client", async () => {
    const c = await RawControl.login(port, "alice", "pw");
    await c.cmd("TYPE I");
    const l = await listenActive();
    expect((await c.cmd(`PORT ${formatPortArg({ host: "127.0.0.1", port: l.port })}`)).code).toBe(200);
    c.write("RETR big.bin\r\n");
    expect((await c.next()).code).toBe(150);
    expect(sha(await l.body)).toBe(sha(big));
    expect((await c.next()).code).toBe(226);
    // RFC 959's L-1: from port 20 when the process may bind it (root, as in CI), else any port.
    if (process.getuid?.() === 0) expect(await l.from).toBe(20);
    else expect(await l.from).not.toBe(20);
    const l2 = await listenActive();
    expect((await c.cmd(`EPRT |1|127.0.0.1|${l2.port}|`)).code).toBe(200);
    c.write("LIST\r\n");
    expect((await c.next()).code).toBe(150);
    expect((await l2.body).toString()).toMatch(/big\.bin\r\n/);
    expect((await c.next()).code).toBe(226);
    c.close();
  });

  it("REST resumes both ways, APPE appends, STOU makes a new name", async () => {
    const c = await RawControl.login(port, "alice", "pw");
    await c.cmd("TYPE I");
    expect((await c.cmd("REST 1000")).code).toBe(350);
    expect(sha(await retr(c, "big.bin"))).toBe(sha(big.subarray(1000)));
    await writeFile(join(root, "part.bin"), big.subarray(0, 5000));
    expect((await c.cmd("REST 4000")).code).toBe(350);
    expect(await stor(c, "STOR part.bin", big.subarray(4000, 9000))).toBe(226);
    expect(sha(await readFile(join(root, "part.bin")))).toBe(sha(big.subarray(0, 9000)));
    expect(await stor(c, "APPE part.bin", big.subarray(9000, 12000))).toBe(226);
    expect(sha(await readFile(join(root, "part.bin")))).toBe(sha(big.subarray(0, 12000)));
    const before = new Set(await readdir(root));
    expect(await stor(c, "STOU part.bin", Buffer.from("unique"))).toBe(226);
    const made = (await readdir(root)).filter((n) => !before.has(n));
    expect(made).toHaveLength(1);
    expect(await readFile(join(root, made[0]!), "utf8")).toBe("unique");
    c.close();
  });

  it("TYPE A converts line endings both ways", async () => {
    const c = await RawControl.login(port, "alice", "pw");
    expect((await c.cmd("TYPE A")).code).toBe(200);
    expect((await retr(c, "lines.txt")).toString()).toBe("one\r\ntwo\r\nthree\r\n");
    expect(await stor(c, "STOR crlf.txt", Buffer.from("a\r\nb\r\n"))).toBe(226);
    expect(await readFile(join(root, "crlf.txt"), "utf8")).toBe("a\nb\n");
    c.close();
  });

  it("SIZE, MDTM, MLST, MLSD, STAT, FEAT answer per RFC 3659", async () => {
    const c = await RawControl.login(port, "alice", "pw");
    expect(await c.cmd("SIZE big.bin")).toMatchObject({ code: 213, text: String(big.length) });
    expect((await c.cmd("MDTM big.bin")).text).toMatch(/^\d{14}$/);
    const mlst = await c.cmd("MLST big.bin");
    expect(mlst.code).toBe(250);
    expect(mlst.lines.some((l) => l.startsWith(" ") && l.includes(`size=${big.length}`) && l.endsWith(" /big.bin"))).toBe(true);
    const feat = await c.cmd("FEAT");
    expect(feat.code).toBe(211);
    expect(feat.lines.map((l) => l.trim())).toEqual(expect.arrayContaining(["EPSV", "SIZE", "MDTM", "REST STREAM", "UTF8"]));
    const data = await passive(c);
    c.write("MLSD\r\n");
    const [start, body] = await Promise.all([c.next(), readAll(data)]);
    expect(start.code).toBe(150);
    expect(body.toString()).toMatch(/type=dir;[^\r]*; sub\r\n/);
    expect((await c.next()).code).toBe(226);
    const stat = await c.cmd("STAT");
    expect(stat.code).toBe(211);
    c.close();
  });
});

describe("ABOR and vanishing clients", () => {
  // ftplib sends ABOR's final LF as TCP urgent data, which Linux drops: only "ABOR\r" arrives.
  it.each([
    { how: "a plain ABOR", line: "ABOR\r\n", after: "" },
    { how: "ftplib's urgent ABOR", line: "ABOR\r", after: "\n" },
  ])("$how during RETR → 426 then 226, and the session goes on", async ({ line, after }) => {
    const c = await RawControl.login(port, "alice", "pw");
    await c.cmd("TYPE I");
    const data = await passive(c);
    c.write("RETR big.bin\r\n");
    expect((await c.next()).code).toBe(150);
    // Read a little, then stop reading so the transfer is surely still running.
    await new Promise<void>((r) => data.once("data", () => r()));
    data.pause();
    c.write(line);
    expect((await c.next()).code).toBe(426);
    expect((await c.next()).code).toBe(226);
    data.destroy();
    c.write(after);
    expect((await c.cmd("NOOP")).code).toBe(200);
    expect(sha(await retr(c, "big.bin"))).toBe(sha(big));
    c.close();
  });

  it("a client that vanishes mid-transfer leaves no session, socket or file handle", async () => {
    // Earlier tests' sessions close asynchronously: start from a quiet server.
    for (let i = 0; i < 200 && server.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    const sessionsBefore = server.sessionCount;
    expect(sessionsBefore).toBe(0);
    const fdsBefore = (await readdir("/proc/self/fd")).length;
    const ended = new Promise<ServerEvents["transfer-end"]>((r) => server.once("transfer-end", r));
    const c = await RawControl.login(port, "alice", "pw");
    await c.cmd("TYPE I");
    const data = await passive(c);
    c.write("STOR vanish.bin\r\n");
    expect((await c.next()).code).toBe(150);
    data.write(big.subarray(0, 100_000));
    await new Promise((r) => setTimeout(r, 50));
    c.socket.destroy();
    data.destroy();
    const end = await ended;
    expect(end.ok).toBe(false);
    for (let i = 0; i < 100 && server.sessionCount > sessionsBefore; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.sessionCount).toBe(sessionsBefore);
    for (let i = 0; i < 100 && (await readdir("/proc/self/fd")).length > fdsBefore; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await readdir("/proc/self/fd")).length).toBeLessThanOrEqual(fdsBefore);
  });

  it("one session's stalled transfer does not block another session", async () => {
    const a = await RawControl.login(port, "alice", "pw");
    await a.cmd("TYPE I");
    const data = await passive(a);
    data.pause();
    a.write("RETR big.bin\r\n");
    expect((await a.next()).code).toBe(150);
    const b = await RawControl.login(port, "bob", "pw");
    expect((await b.cmd("NOOP")).code).toBe(200);
    expect((await retr(b, "lines.txt")).length).toBeGreaterThan(0);
    b.close();
    a.close();
    data.destroy();
  });
});

describe("sessions", () => {
  it("login and logout callbacks see the client's address", async () => {
    const c = await RawControl.login(port, "carol", "pw");
    expect(logins.at(-1)).toEqual({ user: "carol", address: "127.0.0.1" });
    expect((await c.cmd("QUIT")).code).toBe(221);
    await c.closed();
    for (let i = 0; i < 50 && !logouts.some((l) => l.user === "carol"); i++) await new Promise((r) => setTimeout(r, 10));
    expect(logouts.find((l) => l.user === "carol")).toMatchObject({ address: "127.0.0.1" });
  });

  it("max sessions → 421 for the one too many", async () => {
    const small = new FtpServer({ root, port: 0, maxSessions: 2, users: { u: "p" } });
    const p = (await small.listen()).port;
    const a = await RawControl.connect(p);
    const b = await RawControl.connect(p);
    expect((await a.next()).code).toBe(220);
    expect((await b.next()).code).toBe(220);
    const c = await RawControl.connect(p);
    expect((await c.next()).code).toBe(421);
    await c.closed();
    a.close();
    for (let i = 0; i < 50 && small.sessionCount > 1; i++) await new Promise((r) => setTimeout(r, 10));
    const d = await RawControl.connect(p);
    expect((await d.next()).code).toBe(220);
    b.close();
    d.close();
    await small.close();
  });

  it("idle timeout → 421 and close", async () => {
    const quick = new FtpServer({ root, port: 0, idleTimeoutMs: 200, users: { u: "p" } });
    const p = (await quick.listen()).port;
    const c = await RawControl.login(p, "u", "p");
    const r = await c.next(5000);
    expect(r.code).toBe(421);
    await c.closed();
    await quick.close();
  });

  it("too many failed logins → 421 and close", async () => {
    const strict = new FtpServer({ root, port: 0, maxLoginFailures: 2, loginFailDelayMs: 10, users: { u: "p" } });
    const p = (await strict.listen()).port;
    const c = await RawControl.connect(p);
    await c.next();
    await c.cmd("USER u");
    expect((await c.cmd("PASS x")).code).toBe(530);
    await c.cmd("USER u");
    expect((await c.cmd("PASS y")).code).toBe(421);
    await c.closed();
    await strict.close();
  });

  it("anonymous login only when enabled", async () => {
    const c = await RawControl.connect(port);
    await c.next();
    await c.cmd("USER anonymous");
    expect((await c.cmd("PASS someone@example.com")).code).toBe(530);
    c.close();
    const anon = new FtpServer({ root, port: 0, anonymous: true, readOnly: true });
    const p = (await anon.listen()).port;
    const a = await RawControl.login(p, "anonymous", "someone@example.com");
    expect((await a.cmd("MKD nope")).code).toBe(550);
    a.close();
    await anon.close();
  });
});

describe("netx dialect", () => {
  it("answers byte for byte as NetX Duo does", async () => {
    const netx = new FtpServer({ root, port: 0, dialect: "netx", users: { u: "p" } });
    const p = (await netx.listen()).port;
    const sock = net.connect(p, "127.0.0.1");
    const received: string[] = [];
    sock.on("data", (b: Buffer) => received.push(b.toString("latin1")));
    const expectNext = async (want: string): Promise<void> => {
      for (let i = 0; i < 200 && received.join("").length < want.length; i++) await new Promise((r) => setTimeout(r, 5));
      expect(received.join("")).toBe(want);
      received.length = 0;
    };
    await expectNext("220 Connection Ready \r\n");
    sock.write("NOOP\r\n");
    await expectNext("530 Not logged in \r\n");
    sock.write("USER u\r\n");
    await expectNext("331 Enter password \r\n");
    sock.write("PASS p\r\n");
    await expectNext("230 Logged in \r\n");
    sock.write("Mkd /abc\r\n");
    await expectNext('200 "/abc" Directory Created \r\n');
    sock.write("CWD /abc\r\n");
    await expectNext('250 "/abc" set successfully \r\n');
    sock.write("CDUP \r\n");
    await expectNext('250 "/" set successfully \r\n');
    sock.write("SIZE big.bin\r\n");
    await expectNext("502 Not Implemented \r\n");
    sock.write("TYPE I\r\n");
    await expectNext("200 Type Binary \r\n");
    sock.write("RMD /abc\r\n");
    await expectNext("250 Directory Deleted \r\n");
    sock.write("QUIT\r\n");
    await expectNext("221 Logging Off \r\n");
    sock.destroy();
    await netx.close();
  });
});
