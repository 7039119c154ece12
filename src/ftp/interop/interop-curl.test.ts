// Our server driven by curl: listing (LIST and NLST), download and upload in each data mode
// curl has (EPSV, PASV, EPRT, PORT, EPSV over ::1), resume both ways, --ftp-create-dirs, quote
// commands, the three --ftp-method path strategies, and curl's exit codes for refusals.
import { existsSync } from "node:fs";
import { mkdir, readFile, truncate, writeFile, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRandomFile, run, sha256File, type RunResult } from "../../testing/peers.js";
import { PASSWORD, serveBoth, type ServedBoth, type ServedDir, USER } from "./fixture.js";

const T = 60_000;
let served: ServedBoth;

beforeAll(async () => {
  served = await serveBoth("curl");
});

afterAll(async () => {
  await served?.close();
});

function url(srv: ServedDir, path: string): string {
  return `ftp://${srv.urlHost}:${srv.port}/${path}`;
}

/** curl with credentials, no globbing (IPv6 brackets), bounded times; the caller adds the rest. */
function curl(args: readonly string[]): Promise<RunResult> {
  return run("curl", ["-sS", "-g", "--connect-timeout", "10", "--max-time", "45", "-u", `${USER}:${PASSWORD}`, ...args], {
    timeoutMs: 50_000,
  });
}

function transcript(r: RunResult, srv: ServedDir): string {
  const cmds = srv.commands.slice(-30).map((c) => `${c.verb} ${c.arg}`.trim());
  return `curl exit ${r.code}${r.timedOut ? " (timed out)" : ""}\nstdout:\n${r.stdout.slice(0, 2000)}\nstderr:\n${r.stderr}\nserver saw:\n${cmds.join("\n")}`;
}

/** Upload then download one random file with `modeArgs`; checks both copies; returns the verbs used. */
async function upDown(srv: ServedDir, name: string, modeArgs: readonly string[], bytes = 1024 * 1024): Promise<string[]> {
  const src = join(served.local, `${name}.src`);
  const back = join(served.local, `${name}.back`);
  const sum = await makeRandomFile(src, bytes, bytes + name.length);
  const mark = srv.commands.length;
  const up = await curl([...modeArgs, "-T", src, url(srv, name)]);
  expect(up.code, transcript(up, srv)).toBe(0);
  expect(await sha256File(join(served.root, name))).toBe(sum);
  const down = await curl([...modeArgs, "-o", back, url(srv, name)]);
  expect(down.code, transcript(down, srv)).toBe(0);
  expect(await sha256File(back)).toBe(sum);
  return srv.verbs(mark);
}

describe("curl transfers in every data mode", () => {
  it("passive, EPSV first (--ftp-pasv, curl's default)", async () => {
    const verbs = await upDown(served.v4, "epsv.bin", ["--ftp-pasv"]);
    expect(verbs).toContain("EPSV");
    expect(verbs).not.toContain("PASV");
    expect(verbs).toEqual(expect.arrayContaining(["STOR", "RETR", "TYPE"]));
  }, T);

  it("passive with --disable-epsv (PASV)", async () => {
    const verbs = await upDown(served.v4, "pasv.bin", ["--ftp-pasv", "--disable-epsv"]);
    expect(verbs).toContain("PASV");
    expect(verbs).not.toContain("EPSV");
  }, T);

  it("active with -P - (EPRT)", async () => {
    const verbs = await upDown(served.v4, "eprt.bin", ["-P", "-"]);
    expect(verbs).toContain("EPRT");
    expect(verbs).not.toContain("EPSV");
    expect(verbs).not.toContain("PASV");
  }, T);

  it("active with -P - --disable-eprt (PORT)", async () => {
    const verbs = await upDown(served.v4, "port.bin", ["-P", "-", "--disable-eprt"]);
    expect(verbs).toContain("PORT");
    expect(verbs).not.toContain("EPRT");
  }, T);

  it("IPv6 ftp://[::1]:PORT/, passive (EPSV) and active (EPRT)", async () => {
    expect(await upDown(served.v6, "v6-epsv.bin", [])).toContain("EPSV");
    expect(await upDown(served.v6, "v6-eprt.bin", ["-P", "-"])).toContain("EPRT");
  }, T);

  it("an empty file and a 5 MiB file survive the round trip", async () => {
    await upDown(served.v4, "empty.bin", [], 0);
    await upDown(served.v4, "five.bin", [], 5 * 1024 * 1024);
  }, T);
});

describe("curl listings", () => {
  beforeAll(async () => {
    await mkdir(join(served.root, "dir", "sub"), { recursive: true });
    await makeRandomFile(join(served.root, "dir", "a.bin"), 4321, 3);
    await writeFile(join(served.root, "dir", "b c.txt"), "b c\n");
  });

  it("ftp://host/dir/ lists with LIST: names, sizes, a directory", async () => {
    const mark = served.v4.commands.length;
    const r = await curl([url(served.v4, "dir/")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(served.v4.verbs(mark)).toContain("LIST");
    const lines = r.stdout.split(/\r?\n/).filter((l) => l !== "");
    expect(lines.find((l) => l.endsWith(" a.bin")), r.stdout).toMatch(/\b4321\b/);
    expect(lines.some((l) => /^d/.test(l) && l.endsWith(" sub")), r.stdout).toBe(true);
    expect(lines.some((l) => l.endsWith(" b c.txt")), r.stdout).toBe(true);
    expect(lines.filter((l) => !/^total\b/.test(l))).toHaveLength(3);
  }, T);

  it("--list-only lists with NLST: bare names", async () => {
    const mark = served.v4.commands.length;
    const r = await curl(["--list-only", url(served.v4, "dir/")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(served.v4.verbs(mark)).toContain("NLST");
    const names = r.stdout
      .split(/\r?\n/)
      .filter((l) => l !== "")
      .map((l) => l.replace(/^dir\//, ""))
      .filter((n) => n !== "." && n !== "..")
      .sort();
    expect(names).toEqual(["a.bin", "b c.txt", "sub"]);
  }, T);

  it("an empty directory lists as nothing", async () => {
    await mkdir(join(served.root, "empty-dir"), { recursive: true });
    const r = await curl([url(served.v4, "empty-dir/")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(r.stdout.split(/\r?\n/).filter((l) => l !== "" && !/^total\b/.test(l))).toEqual([]);
  }, T);
});

describe("curl resume, create-dirs, quote, paths", () => {
  it("-C - resumes a download with REST", async () => {
    const full = join(served.root, "resume-down.bin");
    const sum = await makeRandomFile(full, 2 * 1024 * 1024 + 17, 11);
    const part = join(served.local, "resume-down.part");
    await copyFile(full, part);
    await truncate(part, 777_777);
    const mark = served.v4.commands.length;
    const r = await curl(["-C", "-", "-o", part, url(served.v4, "resume-down.bin")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(await sha256File(part)).toBe(sum);
    const rest = served.v4.commands.slice(mark).find((c) => c.verb.toUpperCase() === "REST");
    expect(rest?.arg).toBe("777777");
  }, T);

  it("-C - -T resumes an upload (SIZE, then APPE of the rest)", async () => {
    const src = join(served.local, "resume-up.src");
    const sum = await makeRandomFile(src, 1024 * 1024 + 3, 12);
    const onServer = join(served.root, "resume-up.bin");
    await copyFile(src, onServer);
    await truncate(onServer, 300_001);
    const mark = served.v4.commands.length;
    const r = await curl(["-C", "-", "-T", src, url(served.v4, "resume-up.bin")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(await sha256File(onServer)).toBe(sum);
    const verbs = served.v4.verbs(mark);
    expect(verbs).toContain("SIZE");
    expect(verbs).toContain("APPE");
  }, T);

  it("-a appends to an existing file", async () => {
    await writeFile(join(served.root, "append.txt"), "first\n");
    const src = join(served.local, "append.src");
    await writeFile(src, "second\n");
    const r = await curl(["-a", "-T", src, url(served.v4, "append.txt")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(await readFile(join(served.root, "append.txt"), "utf8")).toBe("first\nsecond\n");
  }, T);

  it("--ftp-create-dirs makes the missing directories for an upload", async () => {
    const src = join(served.local, "deep.src");
    const sum = await makeRandomFile(src, 10_000, 13);
    const mark = served.v4.commands.length;
    const r = await curl(["--ftp-create-dirs", "-T", src, url(served.v4, "made/by/curl/deep.bin")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(await sha256File(join(served.root, "made", "by", "curl", "deep.bin"))).toBe(sum);
    expect(served.v4.verbs(mark)).toContain("MKD");
  }, T);

  it("without --ftp-create-dirs an upload into a missing directory fails and creates nothing", async () => {
    const src = join(served.local, "nodir.src");
    await writeFile(src, "x");
    const r = await curl(["-T", src, url(served.v4, "not-there/f.txt")]);
    expect(r.code, transcript(r, served.v4)).not.toBe(0);
    expect(existsSync(join(served.root, "not-there"))).toBe(false);
  }, T);

  // post-quote commands run in the directory curl changed into for the listing: absolute paths
  it('-Q "DELE x" runs before the transfer; "-RNFR"/"-RNTO" after it', async () => {
    await mkdir(join(served.root, "q"), { recursive: true });
    await writeFile(join(served.root, "q", "victim.txt"), "v");
    await writeFile(join(served.root, "q", "old-name.txt"), "o");
    const r = await curl(["-Q", "DELE q/victim.txt", "-Q", "-RNFR /q/old-name.txt", "-Q", "-RNTO /q/new-name.txt", url(served.v4, "q/")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    // the listing came after DELE and before the rename
    expect(r.stdout).not.toContain("victim.txt");
    expect(r.stdout).toContain("old-name.txt");
    expect(existsSync(join(served.root, "q", "victim.txt"))).toBe(false);
    expect(existsSync(join(served.root, "q", "old-name.txt"))).toBe(false);
    expect(await readFile(join(served.root, "q", "new-name.txt"), "utf8")).toBe("o");
  }, T);

  it("a refused quote command fails curl with exit 21 (QUOTE error)", async () => {
    const mark = served.v4.commands.length;
    const r = await curl(["-Q", "DELE no-such-file", url(served.v4, "")]);
    expect(r.code, transcript(r, served.v4)).toBe(21);
    expect(served.v4.verbs(mark)).toContain("DELE");
    expect(served.v4.verbs(mark)).not.toContain("LIST");
  }, T);

  it.each(["multicwd", "singlecwd", "nocwd"])("--ftp-method %s fetches a nested file", async (method) => {
    await mkdir(join(served.root, "p", "q r"), { recursive: true });
    const sum = await makeRandomFile(join(served.root, "p", "q r", "f.bin"), 50_000, 14);
    const out = join(served.local, `method-${method}.bin`);
    const r = await curl(["--ftp-method", method, "-o", out, url(served.v4, "p/q%20r/f.bin")]);
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(await sha256File(out)).toBe(sum);
  }, T);
});

describe("curl error paths", () => {
  it("a missing file gives exit 78 (RETR refused) and writes nothing", async () => {
    const out = join(served.local, "missing.out");
    const r = await curl(["-o", out, url(served.v4, "no-such-file.bin")]);
    expect(r.code, transcript(r, served.v4)).toBe(78);
    expect(existsSync(out)).toBe(false);
  }, T);

  it("a wrong password gives exit 67 (login denied)", async () => {
    const r = await run("curl", ["-sS", "--max-time", "20", "-u", `${USER}:wrong`, url(served.v4, "")], { timeoutMs: 30_000 });
    expect(r.code, transcript(r, served.v4)).toBe(67);
    expect(r.stderr).toMatch(/530|denied/i);
  }, T);
});
