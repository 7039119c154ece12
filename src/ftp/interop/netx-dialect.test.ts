// The NetX Duo seed flows, our client against our server in the netx dialect: the read
// sequence (login, CWD, TYPE I, PASV/PORT, RETR to end, NLST/LIST, QUIT) and the write
// sequence (MKD answered 200, STOR, RNFR/RNTO, DELE, RMD), passive and active, IPv4 and IPv6.
// The client must take 125/250 around transfers, MKD 200, 502 for FEAT/SIZE, LIST without year.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FtpClient } from "../client/index.js";
import { FtpServer, type ServerEvents } from "../server/index.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

let dir: string;
const servers: FtpServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-netx-"));
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  { host: "127.0.0.1", passive: true },
  { host: "127.0.0.1", passive: false },
  { host: "::1", passive: true },
  { host: "::1", passive: false },
])("netx dialect seed flows, $host passive=$passive", ({ host, passive }) => {
  let server: FtpServer;
  let port: number;
  let root: string;
  const commands: string[] = [];
  const test28 = Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n");

  beforeAll(async () => {
    root = join(dir, `${host === "::1" ? "v6" : "v4"}-${passive}`);
    await mkdir(join(root, "abc"), { recursive: true });
    await writeFile(join(root, "abc", "test2.txt"), "two");
    await writeFile(join(root, "test1.txt"), test28);
    server = new FtpServer({ root, host, port: 0, dialect: "netx", users: { name: "password" }, loginFailDelayMs: 0 });
    server.on("command", (e: ServerEvents["command"]) => commands.push(`${e.verb} ${e.arg}`.trim()));
    servers.push(server);
    port = (await server.listen()).port;
  });

  it("write sequence: MKD (200), STOR, RNFR/RNTO, DELE, RMD", async () => {
    const c = await FtpClient.connect({ host, port, user: "name", password: "password", passive });
    expect(await c.mkdir("/def")).toBe("/def");
    const big = randomBytes(300_000);
    const src = new PassThrough();
    src.end(big);
    const r = await c.upload(src, "/def/test.txt");
    expect(r.reply.code).toBe(250);
    expect(r.reply.text).toBe("File Written");
    expect(sha(await readFile(join(root, "def", "test.txt")))).toBe(sha(big));
    await c.rename("/def/test.txt", "/def/test1.txt");
    await c.delete("/def/test1.txt");
    await c.rmdir("/def");
    await c.quit();
    expect(commands).toEqual(expect.arrayContaining(["MKD /def", "TYPE I", "STOR /def/test.txt", "RNFR /def/test.txt", "RNTO /def/test1.txt", "QUIT"]));
    const setup = passive ? (host === "::1" ? /^EPSV$/ : /^PASV$/) : host === "::1" ? /^EPRT \|2\|/ : /^PORT \d/;
    expect(commands.some((line) => setup.test(line)), commands.join(", ")).toBe(true);
  });

  it("read sequence: CWD, RETR to the end (125 … 250), NLST and LIST, QUIT", async () => {
    const c = await FtpClient.connect({ host, port, user: "name", password: "password", passive });
    await c.cwd("/abc");
    expect(await c.pwd()).toBe("/abc");
    await c.cwd("/");
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on("data", (b: Buffer) => got.push(b));
    const r = await c.download("test1.txt", sink);
    expect(r.reply).toMatchObject({ code: 250, text: "File Sent" });
    expect(Buffer.concat(got).equals(test28)).toBe(true);
    expect((await c.nlst("/abc")).sort()).toEqual(["test2.txt"]);
    const listing = await c.list("/");
    expect(listing.map((e) => [e.name, e.type])).toEqual(expect.arrayContaining([["abc", "dir"], ["test1.txt", "file"]]));
    expect(listing.find((e) => e.name === "test1.txt")?.size).toBe(28);
    // NetX has no SIZE: the client reports the 502 as an FtpError, the session goes on.
    await expect(c.size("test1.txt")).rejects.toMatchObject({ code: 502 });
    expect(await c.pwd()).toBe("/");
    await c.quit();
  });

  it("a second transfer needs a new PASV/PORT (NetX clears it) and still works", async () => {
    const c = await FtpClient.connect({ host, port, user: "name", password: "password", passive });
    for (let i = 0; i < 3; i++) {
      const sink = new PassThrough();
      const got: Buffer[] = [];
      sink.on("data", (b: Buffer) => got.push(b));
      await c.download("/test1.txt", sink);
      expect(Buffer.concat(got).equals(test28)).toBe(true);
    }
    await c.quit();
  });

  it("wrong password → 530 Login Fail", async () => {
    const err = await FtpClient.connect({ host, port, user: "name", password: "nope", passive }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 530, text: "Login Fail" });
  });
});
