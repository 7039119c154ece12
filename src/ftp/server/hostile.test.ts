// Hostile and malformed input: each case asserts the reply code, then that the same session
// still works (NOOP 200, a listing still transfers).
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEpsvText, parsePasvText } from "../protocol/index.js";
import { dataConnect, RawControl, readAll } from "../../testing/control.js";
import { FtpServer } from "./index.js";

let base: string;
let root: string;
let server: FtpServer;
let port: number;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "hilftp-hostile-"));
  root = join(base, "root");
  await mkdir(join(root, "dir"), { recursive: true });
  await writeFile(join(root, "file.txt"), "inside\n");
  await writeFile(join(base, "secret.txt"), "outside the root\n");
  await symlink(join(base, "secret.txt"), join(root, "escape"));
  server = new FtpServer({
    root,
    port: 0,
    users: { user: "pass" },
    login: ({ user, password }) => (user === "reader" && password === "pass" ? { readOnly: true } : null),
    loginFailDelayMs: 0,
    maxLoginFailures: 100,
  });
  port = (await server.listen()).port;
});

afterAll(async () => {
  await server.close();
  await rm(base, { recursive: true, force: true });
});

async function stillWorks(c: RawControl): Promise<void> {
  expect((await c.cmd("NOOP")).code).toBe(200);
  const pasv = await c.cmd("PASV");
  expect(pasv.code).toBe(227);
  const hp = parsePasvText(pasv.text);
  const data = await dataConnect(hp!.port);
  c.write("NLST\r\n");
  const [start, body] = await Promise.all([c.next(), readAll(data)]);
  expect(start.code).toBe(150);
  expect(body.toString()).toContain("file.txt");
  expect((await c.next()).code).toBe(226);
}

describe("hostile input", () => {
  it("unknown command → 500, session goes on", async () => {
    const c = await RawControl.login(port, "user", "pass");
    expect((await c.cmd("XYZZY plugh")).code).toBe(500);
    expect((await c.cmd("SITE CHMOD 777 x")).code).toBe(500);
    await stillWorks(c);
    c.close();
  });

  it("missing arguments → 501", async () => {
    const c = await RawControl.login(port, "user", "pass");
    for (const verb of ["RETR", "STOR", "MKD", "RMD", "DELE", "CWD", "RNFR", "RNTO", "SIZE", "MDTM", "PORT", "EPRT", "TYPE", "REST"]) {
      expect((await c.cmd(verb)).code, verb).toBe(501);
    }
    await stillWorks(c);
    c.close();
  });

  it("commands before login → 530", async () => {
    const c = await RawControl.connect(port);
    expect((await c.next()).code).toBe(220);
    for (const line of ["PWD", "CWD /", "LIST", "RETR file.txt", "STOR x", "PASV", "MKD x", "DELE file.txt", "SIZE file.txt"]) {
      expect((await c.cmd(line)).code, line).toBe(530);
    }
    expect((await c.cmd("USER user")).code).toBe(331);
    expect((await c.cmd("PASS pass")).code).toBe(230);
    await stillWorks(c);
    c.close();
  });

  it("path traversal never leaves the root", async () => {
    const c = await RawControl.login(port, "user", "pass");
    expect((await c.cmd("CWD ../../..")).code).toBe(250);
    expect((await c.cmd("PWD")).text).toContain('"/"');
    expect((await c.cmd("CDUP")).code).toBe(250);
    expect((await c.cmd("PWD")).text).toContain('"/"');
    for (const line of [
      "SIZE ../secret.txt",
      "MDTM ../secret.txt",
      "SIZE /../secret.txt",
      "DELE ../secret.txt",
      "RNFR ../secret.txt",
      "SIZE escape",
      "DELE escape/x",
      "CWD ../root/../..",
    ]) {
      const r = await c.cmd(line);
      if (line.startsWith("CWD")) {
        expect(r.code, line).toBe(250);
        expect((await c.cmd("PWD")).text).toContain('"/"');
      } else expect(r.code, line).toBe(550);
    }
    // Writes through ".." land inside the root, never beside it.
    expect((await c.cmd("MKD ../../made")).code).toBe(257);
    expect((await stat(join(root, "made"))).isDirectory()).toBe(true);
    await expect(stat(join(base, "made"))).rejects.toThrow();
    // RETR through the escaping symlink is refused before any data connection is used.
    expect((await c.cmd("PASV")).code).toBe(227);
    expect((await c.cmd("RETR escape")).code).toBe(550);
    expect((await c.cmd("RETR ../../secret.txt")).code).toBe(550);
    expect((await c.cmd("STOR ../escape")).code).toBe(550);
    expect(await readFile(join(base, "secret.txt"), "utf8")).toBe("outside the root\n");
    await stillWorks(c);
    c.close();
  });

  it("NUL and CR in names → 553", async () => {
    const c = await RawControl.login(port, "user", "pass");
    c.write("MKD bad\0name\r\n");
    expect((await c.next()).code).toBe(553);
    c.write("DELE a\rb\r\n");
    expect((await c.next()).code).toBe(553);
    c.write("RNFR file.txt\r\n");
    expect((await c.next()).code).toBe(350);
    c.write("RNTO evil\0.txt\r\n");
    expect((await c.next()).code).toBe(553);
    await stillWorks(c);
    c.close();
  });

  it("a 100 KiB line → 500, session kept", async () => {
    const c = await RawControl.login(port, "user", "pass");
    c.write(`MKD ${"A".repeat(100 * 1024)}\r\n`);
    expect((await c.next()).code).toBe(500);
    await stillWorks(c);
    c.close();
  });

  it("random bytes on the control connection are answered and survived", async () => {
    const c = await RawControl.login(port, "user", "pass");
    let seed = 12345;
    const junk = Buffer.alloc(8192);
    for (let i = 0; i < junk.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      junk[i] = seed >>> 24;
    }
    c.write(junk);
    c.write("\r\nNOOP\r\n");
    // Whatever junk produced (500s for junk lines), the NOOP answer arrives in order.
    for (let i = 0; i < 10_000; i++) {
      const r = await c.next();
      if (r.code === 200) break;
      expect([500, 501, 530, 553]).toContain(r.code);
    }
    await stillWorks(c);
    c.close();
  });

  it("PORT and EPRT to another address or a privileged port → 501", async () => {
    const c = await RawControl.login(port, "user", "pass");
    expect((await c.cmd("PORT 198,51,100,7,4,1")).code).toBe(501);
    expect((await c.cmd("EPRT |1|198.51.100.7|1025|")).code).toBe(501);
    expect((await c.cmd("PORT 127,0,0,1,0,21")).code).toBe(501);
    expect((await c.cmd("EPRT |2|::1|1025|")).code).toBe(522);
    expect((await c.cmd("PORT 1,2,3")).code).toBe(501);
    await stillWorks(c);
    c.close();
  });

  it("a passive data connection from another address is refused", async () => {
    const c = await RawControl.login(port, "user", "pass");
    const epsv = await c.cmd("EPSV");
    expect(epsv.code).toBe(229);
    const dataPort = parseEpsvText(epsv.text)!;
    const intruder = await dataConnect(dataPort, "127.0.0.1", "127.0.0.2");
    const intruderClosed = new Promise<void>((r) => intruder.once("close", () => r()));
    intruder.on("error", () => undefined);
    await intruderClosed;
    const data = await dataConnect(dataPort);
    c.write("NLST\r\n");
    const [start, body] = await Promise.all([c.next(), readAll(data)]);
    expect(start.code).toBe(150);
    expect(body.toString()).toContain("file.txt");
    expect((await c.next()).code).toBe(226);
    c.close();
  });

  it("a read-only user cannot write", async () => {
    const c = await RawControl.login(port, "reader", "pass");
    expect((await c.cmd("PASV")).code).toBe(227);
    for (const line of ["STOR new.txt", "APPE file.txt", "STOU", "DELE file.txt", "MKD x", "RMD dir", "RNFR file.txt", "RNTO y"]) {
      expect((await c.cmd(line)).code, line).toBe(550);
    }
    expect(await readFile(join(root, "file.txt"), "utf8")).toBe("inside\n");
    await stillWorks(c);
    c.close();
  });

  it("RETR of a directory → 550; RNTO without RNFR → 503", async () => {
    const c = await RawControl.login(port, "user", "pass");
    expect((await c.cmd("PASV")).code).toBe(227);
    expect((await c.cmd("RETR dir")).code).toBe(550);
    expect((await c.cmd("RNTO other")).code).toBe(503);
    expect((await c.cmd("RNFR file.txt")).code).toBe(350);
    expect((await c.cmd("NOOP")).code).toBe(200);
    expect((await c.cmd("RNTO other")).code).toBe(503);
    await stillWorks(c);
    c.close();
  });

  it("a wrong password → 530, and the session can still log in", async () => {
    const c = await RawControl.connect(port);
    await c.next();
    expect((await c.cmd("USER user")).code).toBe(331);
    expect((await c.cmd("PASS wrong")).code).toBe(530);
    expect((await c.cmd("PASS pass")).code).toBe(503);
    expect((await c.cmd("USER user")).code).toBe(331);
    expect((await c.cmd("PASS pass")).code).toBe(230);
    await stillWorks(c);
    c.close();
  });
});
