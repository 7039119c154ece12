// Our server driven by lftp: single-file transfers in every data mode lftp has (PASV, EPSV,
// PORT, EPRT over ::1), listings, directory operations, and `mirror` of a 55-file tree both ways.
// Each transfer is checked by SHA-256 on disk, and the server's command log proves the mode used.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRandomFile, run, sha256File, type RunResult } from "../../testing/peers.js";
import { listTree, makeTree, PASSWORD, serveBoth, type ServedBoth, type ServedDir, USER } from "./fixture.js";

const T = 90_000;
let served: ServedBoth;

beforeAll(async () => {
  served = await serveBoth("lftp");
});

afterAll(async () => {
  await served?.close();
});

/** Runs lftp against `srv` with settings that make failures fast and fatal. */
function lftp(srv: ServedDir, script: string, settings: readonly string[] = []): Promise<RunResult> {
  const prelude = [
    "set net:max-retries 1",
    "set net:timeout 10",
    "set net:reconnect-interval-base 1",
    "set cmd:fail-exit yes",
    "set ftp:ssl-allow no",
    "set xfer:clobber yes",
    ...settings.map((s) => `set ${s}`),
    `open -u ${USER},${PASSWORD} ftp://${srv.urlHost}:${srv.port}`,
  ];
  return run("lftp", ["-c", [...prelude, script].join("; ")], { timeoutMs: 60_000, cwd: served.local });
}

function transcript(r: RunResult, srv: ServedDir): string {
  const cmds = srv.commands.slice(-40).map((c) => `${c.verb} ${c.arg}`.trim());
  return `lftp exit ${r.code}${r.timedOut ? " (timed out)" : ""}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nserver saw:\n${cmds.join("\n")}`;
}

/** put a random file, get it back, compare all three copies; returns the verbs the server saw. */
async function roundTrip(srv: ServedDir, name: string, settings: readonly string[], bytes = 1024 * 1024): Promise<string[]> {
  const src = join(served.local, `${name}.src`);
  const back = join(served.local, `${name}.back`);
  const sum = await makeRandomFile(src, bytes, name.length * 31 + bytes);
  const mark = srv.commands.length;
  const r = await lftp(srv, `put ${src} -o ${name}; get ${name} -o ${back}`, settings);
  expect(r.code, transcript(r, srv)).toBe(0);
  expect(await sha256File(join(served.root, name))).toBe(sum);
  expect(await sha256File(back)).toBe(sum);
  return srv.verbs(mark);
}

describe("lftp single-file transfers", () => {
  it("put and get in passive mode with PASV", async () => {
    const verbs = await roundTrip(served.v4, "pasv.bin", ["ftp:passive-mode on", "ftp:prefer-epsv no"]);
    expect(verbs).toContain("PASV");
    expect(verbs).toEqual(expect.arrayContaining(["STOR", "RETR"]));
    expect(verbs).not.toContain("PORT");
  }, T);

  it("put and get with ftp:prefer-epsv (EPSV)", async () => {
    const verbs = await roundTrip(served.v4, "epsv.bin", ["ftp:passive-mode on", "ftp:prefer-epsv yes"]);
    expect(verbs).toContain("EPSV");
    expect(verbs).not.toContain("PASV");
  }, T);

  it("put and get in active mode (PORT)", async () => {
    const verbs = await roundTrip(served.v4, "active.bin", ["ftp:passive-mode off"]);
    expect(verbs).toContain("PORT");
    expect(verbs).not.toContain("PASV");
    expect(verbs).not.toContain("EPSV");
  }, T);

  it("put and get an empty file", async () => {
    await roundTrip(served.v4, "zero.bin", [], 0);
  }, T);

  it("put and get over IPv6 ::1, passive (EPSV)", async () => {
    const verbs = await roundTrip(served.v6, "v6-passive.bin", ["ftp:passive-mode on"]);
    expect(verbs).toContain("EPSV");
  }, T);

  it("put and get over IPv6 ::1, active (EPRT)", async () => {
    const verbs = await roundTrip(served.v6, "v6-active.bin", ["ftp:passive-mode off"]);
    expect(verbs).toContain("EPRT");
  }, T);

  it("works with lftp's default settings (TLS offered by the client, refused by the server)", async () => {
    await writeFile(join(served.root, "defaults.txt"), "defaults\n");
    const r = await run(
      "lftp",
      ["-c", `set net:max-retries 1; set net:timeout 10; set cmd:fail-exit yes; open -u ${USER},${PASSWORD} ftp://127.0.0.1:${served.v4.port}; cat defaults.txt`],
      { timeoutMs: 60_000 },
    );
    expect(r.code, transcript(r, served.v4)).toBe(0);
    expect(r.stdout).toBe("defaults\n");
  }, T);

  it("a missing file makes get fail with the server's 550 text, and the session goes on", async () => {
    const empty = join(served.local, "empty.src");
    await writeFile(empty, "");
    const mark = served.v4.commands.length;
    const r = await lftp(served.v4, `set cmd:fail-exit no; get no-such-file -o ${join(served.local, "nothing")}; put ${empty} -o after-fail.txt`);
    expect(r.stderr, transcript(r, served.v4)).toMatch(/550/);
    expect(existsSync(join(served.local, "nothing"))).toBe(false);
    expect(existsSync(join(served.root, "after-fail.txt"))).toBe(true);
    expect(served.v4.verbs(mark)).toContain("STOR");
  }, T);
});

describe("lftp listings and directory operations", () => {
  beforeAll(async () => {
    await mkdir(join(served.root, "listing", "sub"), { recursive: true });
    await makeRandomFile(join(served.root, "listing", "one.bin"), 12_345, 1);
    await writeFile(join(served.root, "listing", "two words.txt"), "two\n");
  });

  it("ls shows names and sizes, nlist shows names only, cls -1 (MLSD or LIST) agrees", async () => {
    const ls = await lftp(served.v4, "ls listing");
    expect(ls.code, transcript(ls, served.v4)).toBe(0);
    const oneLine = ls.stdout.split("\n").find((l) => l.endsWith(" one.bin"));
    expect(oneLine, ls.stdout).toBeDefined();
    expect(oneLine).toMatch(/\b12345\b/);
    expect(ls.stdout).toMatch(/^d.* sub$/m);
    expect(ls.stdout).toContain("two words.txt");

    const nlist = await lftp(served.v4, "nlist listing");
    expect(nlist.code, transcript(nlist, served.v4)).toBe(0);
    expect(
      nlist.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.replace(/^listing\//, ""))
        .filter((n) => n !== "." && n !== "..")
        .sort(),
    ).toEqual(["one.bin", "sub", "two words.txt"]);

    const cls = await lftp(served.v4, "cls -1 --sort=name listing/");
    expect(cls.code, transcript(cls, served.v4)).toBe(0);
    expect(cls.stdout.split("\n").filter((l) => l !== "")).toEqual(["listing/one.bin", "listing/sub/", "listing/two words.txt"]);
  }, T);

  it("mkdir -p, put into it, mv, rm and rmdir change the disk as asked", async () => {
    const src = join(served.local, "ops.src");
    const sum = await makeRandomFile(src, 4096, 9);
    const make = await lftp(served.v4, `mkdir -p ops/x/y; put ${src} -o ops/x/y/f.bin; mv ops/x/y/f.bin ops/x/g.bin`);
    expect(make.code, transcript(make, served.v4)).toBe(0);
    expect(existsSync(join(served.root, "ops", "x", "y", "f.bin"))).toBe(false);
    expect(await sha256File(join(served.root, "ops", "x", "g.bin"))).toBe(sum);

    const remove = await lftp(served.v4, "rm ops/x/g.bin; rmdir ops/x/y; rmdir ops/x");
    expect(remove.code, transcript(remove, served.v4)).toBe(0);
    expect(existsSync(join(served.root, "ops", "x"))).toBe(false);
    expect(existsSync(join(served.root, "ops"))).toBe(true);

    const mark = served.v4.commands.length;
    const refused = await lftp(served.v4, "rmdir ops/nope");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr, transcript(refused, served.v4)).toMatch(/5\d\d/);
    expect(served.v4.verbs(mark)).toContain("RMD");
  }, T);
});

describe("lftp mirror", () => {
  it("mirror -R uploads a 55-file nested tree (empty file, 5 MiB file) and mirror downloads it identically", async () => {
    const tree = join(served.local, "tree");
    await makeTree(tree, 55, 5 * 1024 * 1024);
    const want = await listTree(tree);
    expect(want.filter((e) => e.type === "file")).toHaveLength(55);
    expect(want.some((e) => e.size === 0)).toBe(true);
    expect(want.some((e) => e.size === 5 * 1024 * 1024)).toBe(true);

    const up = await lftp(served.v4, `mirror -R --parallel=4 ${tree} up-tree`);
    expect(up.code, transcript(up, served.v4)).toBe(0);
    expect(await listTree(join(served.root, "up-tree"))).toEqual(want);

    const down = join(served.local, "tree-back");
    const get = await lftp(served.v4, `mirror --parallel=4 up-tree ${down}`);
    expect(get.code, transcript(get, served.v4)).toBe(0);
    expect(await listTree(down)).toEqual(want);

    // a second mirror finds nothing to do: names, sizes and times from the listing matched
    const mark = served.v4.commands.length;
    const again = await lftp(served.v4, `mirror up-tree ${down}`);
    expect(again.code, transcript(again, served.v4)).toBe(0);
    expect(served.v4.verbs(mark)).not.toContain("RETR");
  }, 180_000);

  it("mirror over IPv6 ::1 in active mode downloads the same tree", async () => {
    const tree = join(served.root, "v6-tree");
    await makeTree(tree, 20, 256 * 1024);
    const down = join(served.local, "v6-tree-back");
    const mark = served.v6.commands.length;
    const r = await lftp(served.v6, `mirror v6-tree ${down}`, ["ftp:passive-mode off"]);
    expect(r.code, transcript(r, served.v6)).toBe(0);
    expect(await listTree(down)).toEqual(await listTree(tree));
    // lftp falls back to passive after refused EPRTs and still succeeds (slowly): insist on active
    const verbs = served.v6.verbs(mark);
    expect(verbs).toContain("EPRT");
    expect(verbs, transcript(r, served.v6)).not.toContain("EPSV");
  }, T);
});
