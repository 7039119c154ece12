// The peer helpers start real servers that greet, stop them without leftovers, and the file
// and process helpers do what the interop tests rely on.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, makeRandomFile, readGreeting, run, sha256File, startPureFtpd, startVsftpd, type RunningPeer } from "./peers.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let scratch = "";
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "hilftp-peers-test-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.each([
  ["vsftpd", startVsftpd, /vsFTPd/],
  ["pure-ftpd", startPureFtpd, /Pure-FTPd/],
] as const)("%s", (_name, start, banner) => {
  it("greets with 220, accepts an upload into writableDir, and stops leaving no process or dir", async () => {
    const peer: RunningPeer = await start({ maxClients: 5 });
    let stopped = false;
    try {
      expect(peer.host).toBe("127.0.0.1");
      expect(alive(peer.pid)).toBe(true);
      const greeting = await readGreeting(peer.host, peer.port);
      expect(greeting).toMatch(/^220/);
      // pure-ftpd's banner names itself only on a later 220- line; vsftpd's first line does
      if (peer.name === "vsftpd") expect(greeting).toMatch(banner);

      const local = join(scratch, `${peer.name}-up.bin`);
      const sum = await makeRandomFile(local, 100_000, 7);
      const url = `ftp://${peer.host}:${peer.port}${peer.writableDir.replace(/\/$/, "")}/up.bin`;
      const up = await run("curl", ["-sS", "--user", `${peer.user}:${peer.password}`, "-T", local, url], { timeoutMs: 20_000 });
      expect(up.stderr).toBe("");
      expect(up.code).toBe(0);
      expect(await sha256File(join(peer.root, "up.bin"))).toBe(sum);

      const rootDir = join(peer.root, "..");
      await peer.stop();
      stopped = true;
      expect(alive(peer.pid)).toBe(false);
      expect(existsSync(peer.root)).toBe(false);
      expect(existsSync(rootDir)).toBe(false);
      expect(await readGreeting(peer.host, peer.port, 2_000)).toBeUndefined();
    } finally {
      if (!stopped) await peer.stop();
    }
  }, 30_000);
});

describe("helpers", () => {
  it("freePort returns a port that can be listened on, for IPv4 and IPv6", async () => {
    for (const host of ["127.0.0.1", "::1"]) {
      const port = await freePort(host);
      expect(port).toBeGreaterThan(0);
      expect(port).toBeLessThan(65_536);
    }
  });

  it("makeRandomFile is deterministic per seed and its hash matches sha256File", async () => {
    const a = join(scratch, "a.bin");
    const b = join(scratch, "b.bin");
    const c = join(scratch, "c.bin");
    const sumA = await makeRandomFile(a, 200_003, 42);
    const sumB = await makeRandomFile(b, 200_003, 42);
    const sumC = await makeRandomFile(c, 200_003, 43);
    expect(sumA).toBe(sumB);
    expect(sumA).not.toBe(sumC);
    const bytes = await readFile(a);
    expect(bytes.length).toBe(200_003);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(sumA);
    expect(await sha256File(a)).toBe(sumA);
    expect(await makeRandomFile(join(scratch, "empty"), 0)).toBe(createHash("sha256").digest("hex"));
  });

  it("run passes stdin, collects both streams and the exit code", async () => {
    const r = await run("/usr/bin/python3", ["-c", "import sys; d=sys.stdin.read(); print(d.upper()); print('e', file=sys.stderr); sys.exit(3)"], {
      input: "hello",
    });
    expect(r).toEqual({ code: 3, stdout: "HELLO\n", stderr: "e\n", timedOut: false });
  });

  it("run kills the process on timeout and reports it", async () => {
    const marker = join(scratch, "late");
    const r = await run("/usr/bin/python3", ["-c", `import time; time.sleep(30); open(${JSON.stringify(marker)}, 'w')`], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(existsSync(marker)).toBe(false);
  });

  it("run rejects when the program does not exist", async () => {
    await expect(run("/nonexistent/hilftp-no-such-program", [])).rejects.toThrow(/ENOENT/);
  });

  it("sha256File hashes what is on disk", async () => {
    const p = join(scratch, "abc.txt");
    await writeFile(p, "abc");
    expect(await sha256File(p)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
