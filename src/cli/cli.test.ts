// The hilftp command line as a user runs it (the compiled dist/cli/main.js; `npm test` builds
// first): serve prints its one line and stops on SIGTERM; client commands exit 0 on success and
// otherwise print exactly one line naming the reply (exit codes: src/cli/errors.ts).
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, runCli, type CliResult } from "../board/launch-test-support.js";
import { FtpServer } from "../ftp/server/index.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

const hilftp = (args: string[], timeoutMs = 30_000): Promise<CliResult> => runCli(args, {}, timeoutMs);

let dir: string;
let root: string;
let server: FtpServer;
let base: string;
let base6: string;
const payload = randomBytes(700_000);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-cli-"));
  root = join(dir, "root");
  await mkdir(root);
  await writeFile(join(dir, "payload.bin"), payload);
  server = new FtpServer({ root, host: "::", port: 0, users: { u: "p w" }, loginFailDelayMs: 0 });
  const ep = await server.listen();
  base = `ftp://u:p%20w@127.0.0.1:${ep.port}`;
  base6 = `ftp://u:p%20w@[::1]:${ep.port}`;
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("hilftp client commands", () => {
  it("put, ls, get round trip (passive, then active over IPv6)", async () => {
    const put = await hilftp(["put", join(dir, "payload.bin"), `${base}/`]);
    expect(put.code, put.stderr).toBe(0);
    expect(sha(await readFile(join(root, "payload.bin")))).toBe(sha(payload));
    const ls = await hilftp(["ls", `${base}/`]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(new RegExp(`${payload.length} .* payload\\.bin`));
    const out = join(dir, "back.bin");
    const get = await hilftp(["get", `${base6}/payload.bin`, "-o", out, "--active"]);
    expect(get.code, get.stderr).toBe(0);
    expect(sha(await readFile(out))).toBe(sha(payload));
  });

  it("mkdir, mv, rm, rmdir do what they say", async () => {
    expect((await hilftp(["mkdir", `${base}/d`])).code).toBe(0);
    expect((await stat(join(root, "d"))).isDirectory()).toBe(true);
    await writeFile(join(root, "d", "a.txt"), "a");
    expect((await hilftp(["mv", `${base}/d/a.txt`, "/d/b.txt"])).code).toBe(0);
    expect(await readFile(join(root, "d", "b.txt"), "utf8")).toBe("a");
    expect((await hilftp(["rm", `${base}/d/b.txt`])).code).toBe(0);
    expect((await hilftp(["rmdir", `${base}/d`])).code).toBe(0);
    await expect(stat(join(root, "d"))).rejects.toThrow();
  });

  it("a failing command prints one line with the reply and exits 1", async () => {
    const r = await hilftp(["get", `${base}/missing.bin`, "-o", join(dir, "x")]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^hilftp get: .*550/);
    const bad = await hilftp(["ls", "ftp://u:wrong@127.0.0.1:" + new URL(base).port + "/"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/530/);
  });

  it("bad usage exits 2 with one line; a refused connection exits 3 with one line", async () => {
    const usage = await hilftp(["get", "http://example.com/x"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split("\n")).toHaveLength(1);
    const refused = await hilftp(["ls", "ftp://127.0.0.1:1/"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/ECONNREFUSED|refused/i);
  });
});

describe("hilftp serve", () => {
  it("prints one listening line, serves, and exits 0 on SIGTERM", async () => {
    const served = join(dir, "served");
    await mkdir(served);
    await writeFile(join(served, "hello.txt"), "hello\n");
    const child = spawn(process.execPath, [CLI, "serve", "--root", served, "--port", "0", "--user", "a:b"], { stdio: ["ignore", "pipe", "pipe"] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString();
        if (out.includes("\n")) resolve(out);
      });
      child.once("exit", () => reject(new Error(`serve exited early: ${out}`)));
    });
    expect(line).toMatch(/^listening on ftp:\/\/127\.0\.0\.1:\d+\n$/);
    const port = /:(\d+)\n/.exec(line)![1];
    const get = await hilftp(["get", `ftp://a:b@127.0.0.1:${port}/hello.txt`, "-o", "-"]);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe("hello\n");
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses bad options with one line and exit 2", async () => {
    const r = await hilftp(["serve", "--root", join(dir, "nope"), "--user", "a:b"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
