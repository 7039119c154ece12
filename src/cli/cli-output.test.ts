// What the built CLI prints, as a script or a person sees it: --json outputs that parse, the
// one-line errors with their exit codes (never a stack trace), --verbose's timestamped dialogue,
// and the progress bar under a pseudo-terminal only.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, runCli, type CliResult } from "../board/launch-test-support.js";
import { FtpServer } from "../ftp/server/index.js";

const hilftp = (args: string[], timeoutMs = 30_000): Promise<CliResult> => runCli(args, {}, timeoutMs);

let dir: string;
let server: FtpServer;
let base: string;
let silent: net.Server;
let silentPort: number;
const accepted: net.Socket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-cli-output-"));
  const root = join(dir, "root");
  await mkdir(join(root, "sub"), { recursive: true });
  await writeFile(join(root, "big.bin"), randomBytes(2 * 1024 * 1024));
  await writeFile(join(root, "small.txt"), "hello\n");
  server = new FtpServer({ root, host: "127.0.0.1", port: 0, users: { u: "p" }, loginFailDelayMs: 0 });
  base = `ftp://u:p@127.0.0.1:${(await server.listen()).port}`;
  // A "board" that accepts the link and never says a word.
  silent = net.createServer((s) => {
    accepted.push(s);
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => silent.listen({ host: "127.0.0.1", port: 0 }, r));
  silentPort = (silent.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of accepted) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** One line on stderr, starting "hilftp CMD: ", and no stack frame anywhere. */
function expectOneLine(r: CliResult, command: string): void {
  expect(r.stderr.split("\n").filter(Boolean), r.stderr).toHaveLength(1);
  expect(r.stderr.startsWith(`hilftp ${command}: `), r.stderr).toBe(true);
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
}

describe("--json", () => {
  it("ls gives the entries; global flags may come before the command", async () => {
    const r = await hilftp(["--json", "ls", `${base}/`]);
    expect(r.code, r.stderr).toBe(0);
    const entries = JSON.parse(r.stdout) as { name: string; type: string; size: number }[];
    expect(entries.map((e) => e.name).sort()).toEqual(["big.bin", "small.txt", "sub"]);
    expect(entries.find((e) => e.name === "small.txt")).toMatchObject({ type: "file", size: 6 });
  });

  it("get, put and the one-call commands give one object each", async () => {
    const local = join(dir, "small.back");
    const get = await hilftp(["get", `${base}/small.txt`, "-o", local, "--json"]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stderr).toBe("");
    expect(JSON.parse(get.stdout)).toMatchObject({ path: "/small.txt", local, bytes: 6 });
    const put = await hilftp(["put", local, `${base}/sub/`, "--json"]);
    expect(JSON.parse(put.stdout)).toMatchObject({ path: "/sub/small.back", bytes: 6 });
    expect(JSON.parse((await hilftp(["mkdir", `${base}/d`, "--json"])).stdout)).toEqual({ ok: true, op: "mkdir", path: "/d" });
    expect(JSON.parse((await hilftp(["mv", `${base}/sub/small.back`, "/d/x", "--json"])).stdout)).toEqual({ ok: true, op: "mv", from: "/sub/small.back", to: "/d/x" });
    expect(JSON.parse((await hilftp(["rm", `${base}/d/x`, "--json"])).stdout)).toEqual({ ok: true, op: "rm", path: "/d/x" });
    expect(JSON.parse((await hilftp(["rmdir", `${base}/d`, "--json"])).stdout)).toEqual({ ok: true, op: "rmdir", path: "/d" });
  });

  it("boards lists the profiles, and shows one with its limits", async () => {
    const list = await hilftp(["boards", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as { name: string; mtu: number; link: string; description: string }[];
    expect(rows.find((b) => b.name === "qemu-netduinoplus2")).toMatchObject({ mtu: 576, link: "qemu" });
    for (const b of rows) expect(b.description).not.toMatch(/\.\s+\S/); // one sentence
    const one = await hilftp(["boards", "qemu-netduinoplus2", "--json"]);
    const shown = JSON.parse(one.stdout) as { profile: { name: string }; limits: { mtu: number; ipv4Mss: number } };
    expect(shown.profile.name).toBe("qemu-netduinoplus2");
    expect(shown.limits).toMatchObject({ mtu: 576, ipv4Mss: 536 });
    const human = await hilftp(["boards", "native-sim"]);
    expect(human.stdout).toMatch(/^host-side limits/m);
  });

  it("ports gives an array (empty when there are none)", async () => {
    const r = await hilftp(["ports", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const ports = JSON.parse(r.stdout) as { path: string }[];
    expect(Array.isArray(ports)).toBe(true);
    for (const p of ports) expect(p.path).toMatch(/^\/dev\//);
  });

  it("an error is still one line on stderr, and an error object on stdout", async () => {
    const r = await hilftp(["ls", `ftp://u:wrong@127.0.0.1:${new URL(base).port}/`, "--json"]);
    expect(r.code).toBe(1);
    expectOneLine(r, "ls");
    expect(JSON.parse(r.stdout)).toEqual({ error: { message: expect.stringMatching(/^server replied 530 /), code: "login-refused", exit: 1 } });
  });
});

describe("errors: one line, the cause and the fix, the exit code", () => {
  it("a serial port that does not exist: exit 3, pointing at hilftp ports", async () => {
    const r = await hilftp(["ls", "ftp://board/", "--link", "serial:/dev/does-not-exist"]);
    expect(r.code).toBe(3);
    expectOneLine(r, "ls");
    expect(r.stderr).toMatch(/serial:\/dev\/does-not-exist: no such device: hilftp ports lists/);
  });

  it("a board that never answers ping: exit 3, saying what was tried for how long", async () => {
    const link = `tcp:127.0.0.1:${silentPort}`;
    const r = await hilftp(["get", "ftp://board/log.txt", "--link", link, "--ready-timeout", "1"]);
    expect(r.code).toBe(3);
    expectOneLine(r, "get");
    expect(r.stderr).toMatch(new RegExp(`^hilftp get: sent \\d+ pings to 198\\.51\\.100\\.2 over ${link} in 1\\.\\d s, no answer: `));
    const ping = await hilftp(["ping", "board", "--link", link, "-c", "1", "-W", "0.3"]);
    expect(ping.code).toBe(3);
    expectOneLine(ping, "ping");
    expect(ping.stderr).toMatch(/sent 1 ping to 198\.51\.100\.2 over tcp:127\.0\.0\.1:\d+ in 0\.\d s, no answer/);
  });

  it("a profile file with a wrong field: exit 2, naming the file and the field", async () => {
    const file = join(dir, "broken.json");
    const good = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(new URL("../../boards/native-sim.json", import.meta.url), "utf8"))) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...good, name: "broken", mtu: 12 }));
    for (const args of [["ls", "ftp://board/", "--board", file], ["boards", file]]) {
      const r = await hilftp(args);
      expect(r.code).toBe(2);
      expectOneLine(r, args[0]!);
      expect(r.stderr).toContain(`${file}: mtu: must be`);
    }
  });

  it("a bad URL, an unknown flag, a bad option value: exit 2", async () => {
    for (const args of [["get", "http://example.com/x"], ["get", "ftp://"], ["ls", `${base}/`, "--bogus"], ["ls", `${base}/`, "--timeout", "soon"], ["ping", "board", "--link", "pair:x"]]) {
      const r = await hilftp(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expectOneLine(r, args[0]!);
    }
  });

  it("a refused login: exit 1, saying what to check", async () => {
    const r = await hilftp(["get", `ftp://u:nope@127.0.0.1:${new URL(base).port}/small.txt`, "-o", join(dir, "never")]);
    expect(r.code).toBe(1);
    expectOneLine(r, "get");
    expect(r.stderr).toMatch(/server replied 530 .*: check the user and password/);
  });

  it("a refused TCP connection: exit 3 naming the address and port", async () => {
    const r = await hilftp(["ls", "ftp://127.0.0.1:1/"]);
    expect(r.code).toBe(3);
    expectOneLine(r, "ls");
    expect(r.stderr).toMatch(/connection refused by 127\.0\.0\.1 port 1/);
  });
});

describe("--verbose", () => {
  it("shows the FTP dialogue on stderr, each line timestamped", async () => {
    const r = await hilftp(["-v", "get", `${base}/small.txt`, "-o", "-"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("hello\n");
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} > RETR \/small\.txt$/m);
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d\.\d{3} < 226 /m);
    for (const line of r.stderr.split("\n").filter(Boolean)) expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} /);
  });
});

/** Runs the CLI under a pseudo-terminal (script(1)) and returns everything the terminal got. */
function underPty(args: string[]): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", quoted, "/dev/null"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, "SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("progress", () => {
  it("a bar (carriage return, percent) on a terminal, a summary line only when piped", async () => {
    const out = join(dir, "big.back");
    const tty = await underPty(["get", `${base}/big.bin`, "-o", out]);
    expect(tty.code, tty.output).toBe(0);
    expect(tty.output).toMatch(/\r\x1b\[Kbig\.back +\d+% /);
    expect(tty.output).toMatch(/big\.back: 2\.0 MiB in [\d.]+ s \([\d.]+ [KMG]iB\/s\)/);
    const piped = await hilftp(["get", `${base}/big.bin`, "-o", out]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).not.toContain("\r");
    expect(piped.stderr).not.toMatch(/%/);
    expect(piped.stderr).toMatch(/^\S+big\.back: 2\.0 MiB in [\d.]+ s \([\d.]+ [KMG]iB\/s\)\n$/);
  });
});
