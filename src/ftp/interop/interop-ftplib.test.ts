// Our server driven by Python's ftplib (the Debian system /usr/bin/python3): storbinary and
// retrbinary passive (PASV) and active (PORT), EPSV/EPRT over ::1, MLSD and NLST against the
// disk, rename/delete/size/MDTM, and ABOR in the middle of a RETR, both as ftplib.abort() sends
// it (urgent data) and as a plain command line.
import { existsSync } from "node:fs";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRandomFile, run, sha256File } from "../../testing/peers.js";
import { PASSWORD, serveBoth, type ServedBoth, type ServedDir, USER } from "./fixture.js";

const T = 60_000;
const PYTHON = "/usr/bin/python3";
let served: ServedBoth;

beforeAll(async () => {
  served = await serveBoth("ftplib");
});

afterAll(async () => {
  await served?.close();
});

// Runs before every script: connection details come in through the environment, the script
// fills `out`, which is printed as the last line of stdout in JSON.
const PRELUDE = `
import ftplib, hashlib, json, os, socket, sys
HOST = os.environ["FTP_HOST"]
PORT = int(os.environ["FTP_PORT"])
LOCAL = os.environ["LOCAL"]
out = {}
def connect():
    f = ftplib.FTP(timeout=20)
    f.connect(HOST, PORT)
    f.login(os.environ["FTP_USER"], os.environ["FTP_PASS"])
    return f
def sha_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(65536), b""):
            h.update(block)
    return h.hexdigest()
try:
`;
const POSTLUDE = `
except Exception as e:
    out["exception"] = type(e).__name__ + ": " + str(e)
print(json.dumps(out))
`;

type PyOut = Record<string, unknown>;

/** Runs `body` (Python, written at column 0; it is indented into a try block here) against `srv`. */
async function py(srv: ServedDir, body: string): Promise<PyOut> {
  const indented = body
    .trim()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
  const r = await run(PYTHON, ["-"], {
    input: PRELUDE + indented + POSTLUDE,
    timeoutMs: 50_000,
    env: {
      ...process.env,
      FTP_HOST: srv.host,
      FTP_PORT: String(srv.port),
      FTP_USER: USER,
      FTP_PASS: PASSWORD,
      LOCAL: served.local,
      PYTHONWARNINGS: "ignore",
    },
  });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  const cmds = srv.commands.slice(-30).map((c) => `${c.verb} ${c.arg}`.trim());
  const context = `python exit ${r.code}${r.timedOut ? " (timed out)" : ""}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nserver saw:\n${cmds.join("\n")}`;
  expect(r.code, context).toBe(0);
  const parsed = JSON.parse(last) as PyOut;
  expect(parsed["exception"], context).toBeUndefined();
  return parsed;
}

/** storbinary then retrbinary of a 1 MiB file; returns the verbs the server saw. */
async function storRetr(srv: ServedDir, name: string, passive: boolean): Promise<string[]> {
  const src = join(served.local, `${name}.src`);
  const sum = await makeRandomFile(src, 1024 * 1024 + 5, name.length);
  const mark = srv.commands.length;
  const o = await py(
    srv,
    `
f = connect()
f.set_pasv(${passive ? "True" : "False"})
with open(os.path.join(LOCAL, "${name}.src"), "rb") as fh:
    out["stor"] = f.storbinary("STOR ${name}", fh, blocksize=65536)
h = hashlib.sha256()
out["retr"] = f.retrbinary("RETR ${name}", h.update, blocksize=65536)
out["sha"] = h.hexdigest()
out["quit"] = f.quit()
`,
  );
  expect(o["stor"]).toMatch(/^226/);
  expect(o["retr"]).toMatch(/^226/);
  expect(o["quit"]).toMatch(/^221/);
  expect(o["sha"]).toBe(sum);
  expect(await sha256File(join(served.root, name))).toBe(sum);
  return srv.verbs(mark);
}

describe("ftplib storbinary / retrbinary", () => {
  it("passive over IPv4 uses PASV", async () => {
    const verbs = await storRetr(served.v4, "pasv.bin", true);
    expect(verbs).toContain("PASV");
    expect(verbs).not.toContain("PORT");
  }, T);

  it("active over IPv4 (set_pasv(False)) uses PORT", async () => {
    const verbs = await storRetr(served.v4, "port.bin", false);
    expect(verbs).toContain("PORT");
    expect(verbs).not.toContain("PASV");
  }, T);

  it("passive over ::1 uses EPSV", async () => {
    const verbs = await storRetr(served.v6, "epsv.bin", true);
    expect(verbs).toContain("EPSV");
    expect(verbs).not.toContain("PASV");
  }, T);

  it("active over ::1 uses EPRT", async () => {
    const verbs = await storRetr(served.v6, "eprt.bin", false);
    expect(verbs).toContain("EPRT");
  }, T);
});

describe("ftplib listings", () => {
  const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
  beforeAll(async () => {
    await mkdir(join(served.root, "mdir", "inner"), { recursive: true });
    await makeRandomFile(join(served.root, "mdir", "data.bin"), 65_537, 5);
    await writeFile(join(served.root, "mdir", "with space.txt"), "hello\n");
    await utimes(join(served.root, "mdir", "data.bin"), when, when);
  });

  it("mlsd gives every entry with type, size and modify matching the disk", async () => {
    const o = await py(
      served.v4,
      `
f = connect()
out["entries"] = [[name, facts] for name, facts in f.mlsd("mdir", facts=["type", "size", "modify"])]
f.quit()
`,
    );
    const entries = (o["entries"] as [string, Record<string, string>][]).filter(([, facts]) => !["cdir", "pdir"].includes(facts["type"] ?? ""));
    const byName = new Map(entries.map(([n, facts]) => [n, facts]));
    expect([...byName.keys()].sort()).toEqual(["data.bin", "inner", "with space.txt"]);
    expect(byName.get("data.bin")?.["type"]).toBe("file");
    expect(byName.get("data.bin")?.["size"]).toBe("65537");
    expect(byName.get("data.bin")?.["modify"]?.slice(0, 14)).toBe("20240102030405");
    expect(byName.get("with space.txt")?.["size"]).toBe("6");
    expect(byName.get("inner")?.["type"]).toBe("dir");
  }, T);

  it("nlst gives the names", async () => {
    const o = await py(
      served.v4,
      `
f = connect()
out["names"] = f.nlst("mdir")
out["root"] = f.nlst()
f.quit()
`,
    );
    const names = (o["names"] as string[])
      .map((n) => n.replace(/^\/?mdir\//, ""))
      .filter((n) => n !== "." && n !== "..")
      .sort();
    expect(names).toEqual(["data.bin", "inner", "with space.txt"]);
    expect(o["root"]).toContain("mdir");
  }, T);
});

describe("ftplib file operations", () => {
  it("size, MDTM, rename, delete, mkd, cwd/pwd, rmd and a refused delete", async () => {
    await mkdir(join(served.root, "ops"), { recursive: true });
    await makeRandomFile(join(served.root, "ops", "a.bin"), 123_456, 6);
    const when = new Date(Date.UTC(2023, 10, 26, 13, 14, 15));
    await utimes(join(served.root, "ops", "a.bin"), when, when);
    const o = await py(
      served.v4,
      `
f = connect()
f.voidcmd("TYPE I")
out["size"] = f.size("ops/a.bin")
out["mdtm"] = f.sendcmd("MDTM ops/a.bin")
out["rename"] = f.rename("ops/a.bin", "ops/b.bin")
out["mkd"] = f.mkd("ops/newdir")
f.cwd("ops")
out["pwd"] = f.pwd()
out["rmd"] = f.rmd("newdir")
out["delete"] = f.delete("b.bin")
try:
    f.delete("b.bin")
    out["second_delete"] = "accepted"
except ftplib.error_perm as e:
    out["second_delete"] = str(e)
out["noop"] = f.voidcmd("NOOP")
f.quit()
`,
    );
    expect(o["size"]).toBe(123_456);
    expect(o["mdtm"]).toBe("213 20231126131415");
    expect(o["rename"]).toMatch(/^250/);
    expect(o["mkd"]).toMatch(/^\/?ops\/newdir$/);
    expect(o["pwd"]).toBe("/ops");
    expect(o["rmd"]).toMatch(/^250/);
    expect(o["delete"]).toMatch(/^250/);
    expect(o["second_delete"]).toMatch(/^550/);
    expect(o["noop"]).toMatch(/^200/);
    expect(existsSync(join(served.root, "ops", "a.bin"))).toBe(false);
    expect(existsSync(join(served.root, "ops", "b.bin"))).toBe(false);
    expect(existsSync(join(served.root, "ops", "newdir"))).toBe(false);
  }, T);
});

describe("ftplib abort in the middle of RETR", () => {
  const BIG = 64 * 1024 * 1024;
  let smallSum = "";
  beforeAll(async () => {
    await makeRandomFile(join(served.root, "big.bin"), BIG, 7);
    smallSum = await makeRandomFile(join(served.root, "small.bin"), 10_000, 8);
  });

  // The data connection is left unread after 1 MiB of 64 MiB, so the server is mid-transfer
  // when ABOR arrives: RFC 959 wants 426 (transfer aborted) then 226 (ABOR done).
  const abortScript = (how: "abort" | "plain"): string => `
f = connect()
f.voidcmd("TYPE I")
conn = f.transfercmd("RETR big.bin")
got = 0
for _ in range(1000):
    d = conn.recv(65536)
    if not d:
        break
    got += len(d)
    if got >= 1 << 20:
        break
out["got"] = got
${how === "abort" ? 'replies = [f.abort()]' : 'f.putcmd("ABOR")\nreplies = [f.getmultiline()]'}
if replies[0].startswith("426"):
    replies.append(f.getmultiline())
conn.close()
out["replies"] = replies
out["noop"] = f.voidcmd("NOOP")
h = hashlib.sha256()
out["retr"] = f.retrbinary("RETR small.bin", h.update)
out["sha"] = h.hexdigest()
f.quit()
`;

  it.each(["abort", "plain"] as const)("ABOR sent by %s: 426 then 226, the session goes on", async (how) => {
    const mark = served.v4.transfers.length;
    const o = await py(served.v4, abortScript(how));
    expect(o["got"]).toBeGreaterThanOrEqual(1 << 20);
    const replies = o["replies"] as string[];
    expect(replies[0]).toMatch(/^426/);
    expect(replies[1]).toMatch(/^22[56]/);
    expect(o["noop"]).toMatch(/^200/);
    expect(o["retr"]).toMatch(/^226/);
    expect(o["sha"]).toBe(smallSum);
    const big = served.v4.transfers.slice(mark).find((t) => t.path.endsWith("big.bin"));
    expect(big?.ok).toBe(false);
    expect(big?.bytes ?? BIG).toBeLessThan(BIG);
  }, T);
});
