// Integration: every client operation against a real vsftpd (started by src/testing/peers.ts),
// in passive and in active mode, with SHA-256 checks of what was transferred.
import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRandomFile, sha256File, startVsftpd, type RunningPeer } from "../../testing/peers.js";
import { FtpClient } from "./client.js";
import { AbortError, FtpError } from "./errors.js";
import { hashSink } from "../../cli/hash-sink.js";
import type { TransferProgress } from "./monitor.js";

const MiB = 1024 * 1024;


describe.each([
  ["passive", true],
  ["active", false],
])("against vsftpd, %s mode", (_mode, passive) => {
  let peer: RunningPeer;
  let client: FtpClient;
  let local: string;
  let bigHash = "";
  const log: string[] = [];

  beforeAll(async () => {
    peer = await startVsftpd();
    local = await mkdtemp(join(tmpdir(), "hilftp-client-vsftpd-"));
    bigHash = await makeRandomFile(join(local, "big.bin"), 5 * MiB + 123, 7);
    client = await FtpClient.connect({
      host: peer.host,
      port: peer.port,
      user: peer.user,
      password: peer.password,
      passive,
      timeoutMs: 10_000,
      dataTimeoutMs: 10_000,
      log: (line) => log.push(line),
    });
    await client.cwd(peer.writableDir);
  });

  afterAll(async () => {
    client?.close();
    await peer?.stop();
    if (local) await rm(local, { recursive: true, force: true });
  });

  it("knows where it is: pwd, cdup, cwd, features", async () => {
    expect(await client.pwd()).toBe(peer.writableDir);
    await client.cdup();
    expect(await client.pwd()).toBe("/");
    await client.cwd(peer.writableDir);
    const features = await client.features();
    expect(features.has("EPSV")).toBe(true);
    expect(features.has("SIZE")).toBe(true);
    expect(client.passive).toBe(passive);
  });

  it("uploads a file from a path and downloads it to a path and to a stream, byte-exact", async () => {
    const progress: TransferProgress[] = [];
    const up = await client.upload(join(local, "big.bin"), "big.bin", { onProgress: (p) => progress.push(p) });
    expect(up.bytes).toBe(5 * MiB + 123);
    expect(progress.at(-1)).toMatchObject({ bytes: 5 * MiB + 123, total: 5 * MiB + 123 });
    expect(await sha256File(join(peer.root, "big.bin"))).toBe(bigHash);
    expect(await client.size("big.bin")).toBe(5 * MiB + 123);

    const down = await client.download("big.bin", join(local, "down.bin"));
    expect(down.reply.code).toBe(226);
    expect(await sha256File(join(local, "down.bin"))).toBe(bigHash);

    const sink = hashSink();
    await client.download("big.bin", sink.sink);
    expect(sink.digest().sha256).toBe(bigHash);
  });

  it("mdtm, list (MLSD absent in vsftpd: LIST), nlst", async () => {
    const when = await client.mdtm("big.bin");
    const onDisk = (await stat(join(peer.root, "big.bin"))).mtime;
    expect(Math.abs(when.getTime() - onDisk.getTime())).toBeLessThan(2000);
    const entries = await client.list();
    const big = entries.find((e) => e.name === "big.bin");
    expect(big).toMatchObject({ type: "file", size: 5 * MiB + 123 });
    expect(await client.nlst()).toContain("big.bin");
  });

  it("mkdir, rename, delete, rmdir", async () => {
    const made = await client.mkdir("sub");
    expect(made).toBe(`${peer.writableDir}/sub`);
    await client.upload(Readable.from([Buffer.from("small file\n")]), "sub/a.txt");
    await client.rename("sub/a.txt", "sub/b.txt");
    expect(await client.nlst("sub")).toEqual(["sub/b.txt"]);
    await client.delete("sub/b.txt");
    await client.rmdir("sub");
    const err = await client.cwd("sub").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpError);
    expect((err as FtpError).code).toBe(550);
  });

  it("append adds to the remote file", async () => {
    await client.upload(Readable.from([Buffer.from("first,")]), "app.txt");
    await client.append(Readable.from([Buffer.from("second")]), "app.txt");
    expect(await readFile(join(peer.root, "app.txt"), "utf8")).toBe("first,second");
  });

  it("resumes a download and an upload", async () => {
    const part = join(local, "part.bin");
    await copyFile(join(local, "big.bin"), part);
    await truncate(part, 3 * MiB + 5);
    const r = await client.download("big.bin", part, { resume: true });
    expect(r.bytes).toBe(2 * MiB + 118);
    expect(await sha256File(part)).toBe(bigHash);

    await client.upload(Readable.from([(await readFile(join(local, "big.bin"))).subarray(0, MiB)]), "resumed.bin");
    const u = await client.upload(join(local, "big.bin"), "resumed.bin", { resume: true });
    expect(u.bytes).toBe(4 * MiB + 123);
    expect(await sha256File(join(peer.root, "resumed.bin"))).toBe(bigHash);
  });

  it("ASCII mode converts LF to CRLF on upload (vsftpd stores the wire bytes as they come)", async () => {
    await client.upload(Readable.from(["one\ntwo\n"]), "text.txt", { type: "ascii" });
    expect(await readFile(join(peer.root, "text.txt"), "utf8")).toBe("one\r\ntwo\r\n");
    // vsftpd sends the file unchanged in ASCII mode (ascii_download_enable=NO); the client's
    // CRLF -> LF turns it back into what was uploaded.
    const chunks: Buffer[] = [];
    await client.download(
      "text.txt",
      new Writable({
        write(c: Buffer, _e, done) {
          chunks.push(c);
          done();
        },
      }),
      { type: "ascii" },
    );
    expect(Buffer.concat(chunks).toString()).toBe("one\ntwo\n");
    // Binary again afterwards: TYPE I is sent because the type changed.
    const s = hashSink();
    await client.download("text.txt", s.sink);
    expect(s.digest().bytes).toBe(10);
  });

  it("aborts a download and stays usable", async () => {
    await writeFile(join(peer.root, "huge.bin"), Buffer.alloc(64 * MiB, 1));
    const ac = new AbortController();
    let seen = 0;
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        seen += chunk.length;
        if (seen >= MiB) ac.abort();
        done();
      },
    });
    const err = await client.download("huge.bin", sink, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(seen).toBeLessThan(64 * MiB);
    expect(await client.pwd()).toBe(peer.writableDir);
    expect((await client.send("NOOP")).code).toBe(200);
  });

  it("reports a missing file as FtpError 550 and carries on", async () => {
    const err = await client.download("nope.bin", hashSink().sink).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpError);
    expect((err as FtpError).code).toBe(550);
    expect(await client.size("big.bin")).toBe(5 * MiB + 123);
  });

  it("runs several clients in parallel and queues calls on one", async () => {
    const others = await Promise.all(
      [1, 2, 3].map(() =>
        FtpClient.connect({ host: peer.host, port: peer.port, user: peer.user, password: peer.password, passive }),
      ),
    );
    try {
      const sinks = others.map(() => hashSink());
      await Promise.all(others.map((c, i) => c.download(`${peer.writableDir}/big.bin`, sinks[i].sink)));
      for (const s of sinks) expect(s.digest().sha256).toBe(bigHash);
      // Three calls on one client at once: queued, all succeed.
      const [a, b, c] = await Promise.all([client.size("big.bin"), client.pwd(), client.size("app.txt")]);
      expect([a, b, c]).toEqual([5 * MiB + 123, peer.writableDir, 12]);
    } finally {
      await Promise.all(others.map((c) => c.quit()));
    }
  });

  it("logged every command and reply, with the password masked", () => {
    expect(log).toContain("> PASS ****");
    expect(log.some((l) => l.includes(peer.password))).toBe(false);
    expect(log.some((l) => l.startsWith(passive ? "> EPSV" : "> PORT"))).toBe(true);
  });
});
