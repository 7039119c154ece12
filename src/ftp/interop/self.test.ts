// Our client against our server, over IPv4 and IPv6, passive and active: every client
// operation, transfers checked by SHA-256, resume both ways, ABOR through an AbortSignal, and
// the queue (calls made together run one after another).
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, FtpClient, FtpError } from "../client/index.js";
import { FtpServer } from "../server/index.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const payload = randomBytes(3 * 1024 * 1024 + 333);

let dir: string;
let root: string;
const servers: FtpServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-self-"));
  root = join(dir, "root");
  await mkdir(root);
  await writeFile(join(dir, "payload.bin"), payload);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await rm(dir, { recursive: true, force: true });
});

async function serverOn(host: string): Promise<number> {
  const s = new FtpServer({ root, host, port: 0, users: { u: "p" }, loginFailDelayMs: 0 });
  servers.push(s);
  return (await s.listen()).port;
}

describe.each([
  { family: "IPv4", host: "127.0.0.1", passive: true },
  { family: "IPv4", host: "127.0.0.1", passive: false },
  { family: "IPv6", host: "::1", passive: true },
  { family: "IPv6", host: "::1", passive: false },
])("our client ↔ our server, $family, passive=$passive", ({ host, passive }) => {
  let client: FtpClient;
  const base = `/t-${host === "::1" ? "v6" : "v4"}-${passive ? "pasv" : "port"}`;

  beforeAll(async () => {
    const port = await serverOn(host);
    client = await FtpClient.connect({ host, port, user: "u", password: "p", passive });
  });

  afterAll(async () => {
    await client.quit();
  });

  it("directories: mkdir, cwd, pwd, cdup, rmdir", async () => {
    expect(await client.mkdir(base)).toBe(base);
    await client.cwd(base);
    expect(await client.pwd()).toBe(base);
    await client.mkdir("sub");
    await client.cdup();
    expect(await client.pwd()).toBe("/");
    await client.rmdir(`${base}/sub`);
  });

  it("upload, list, size, mdtm, download: SHA-256 equal", async () => {
    const up = await client.upload(join(dir, "payload.bin"), `${base}/p.bin`);
    expect(up.bytes).toBe(payload.length);
    expect(sha(await readFile(join(root, base, "p.bin")))).toBe(sha(payload));
    const names = (await client.list(base)).map((e) => [e.name, e.type, e.size]);
    expect(names).toContainEqual(["p.bin", "file", payload.length]);
    expect(await client.nlst(base)).toContain("p.bin");
    expect(await client.size(`${base}/p.bin`)).toBe(payload.length);
    const mtime = await client.mdtm(`${base}/p.bin`);
    expect(Math.abs(mtime.getTime() - (await stat(join(root, base, "p.bin"))).mtime.getTime())).toBeLessThan(1000);
    const out = join(dir, `${base.slice(1)}.down`);
    const down = await client.download(`${base}/p.bin`, out);
    expect(down.bytes).toBe(payload.length);
    expect(sha(await readFile(out))).toBe(sha(payload));
  });

  it("resume: download and upload continue where they stopped; append adds", async () => {
    const out = join(dir, `${base.slice(1)}.part`);
    await writeFile(out, payload.subarray(0, 1_000_000));
    const r = await client.download(`${base}/p.bin`, out, { resume: true });
    expect(r.bytes).toBe(payload.length - 1_000_000);
    expect(sha(await readFile(out))).toBe(sha(payload));
    await writeFile(join(root, base, "half.bin"), payload.subarray(0, 1_234_567));
    const u = await client.upload(join(dir, "payload.bin"), `${base}/half.bin`, { resume: true });
    expect(u.bytes).toBe(payload.length - 1_234_567);
    expect(sha(await readFile(join(root, base, "half.bin")))).toBe(sha(payload));
    const extra = new PassThrough();
    extra.end("tail");
    await client.append(extra, `${base}/half.bin`);
    expect((await readFile(join(root, base, "half.bin"))).subarray(-4).toString()).toBe("tail");
  });

  it("rename and delete; errors are FtpError with the reply code", async () => {
    await client.rename(`${base}/p.bin`, `${base}/q.bin`);
    await expect(client.size(`${base}/p.bin`)).rejects.toMatchObject({ name: "FtpError", code: 550 });
    await client.delete(`${base}/q.bin`);
    const err = await client.download(`${base}/q.bin`, new PassThrough()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpError);
    expect((err as FtpError).code).toBe(550);
    // The session is still fine after the failure.
    expect(await client.pwd()).toBe("/");
  });

  it("an AbortSignal stops a download (ABOR) and the client goes on", async () => {
    const ac = new AbortController();
    let seen = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _e, done) {
        seen += chunk.length;
        if (seen > 100_000) ac.abort();
        setTimeout(done, 1);
      },
    });
    const err = await client.download(`${base}/half.bin`, slow, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(await client.pwd()).toBe("/");
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c));
    await client.download(`${base}/half.bin`, sink);
    expect(Buffer.concat(chunks).length).toBe(payload.length + 4);
  });

  it("calls made together are queued, not rejected", async () => {
    const results = await Promise.all([client.pwd(), client.size(`${base}/half.bin`), client.list(base), client.pwd()]);
    expect(results[0]).toBe("/");
    expect(results[1]).toBe(payload.length + 4);
    expect(results[3]).toBe("/");
  });
});

describe("many clients in parallel", () => {
  it("20 clients upload and download at once without interfering", async () => {
    const port = await serverOn("127.0.0.1");
    const jobs = Array.from({ length: 20 }, async (_, i) => {
      const c = await FtpClient.connect({ host: "127.0.0.1", port, user: "u", password: "p", passive: i % 2 === 0 });
      const mine = randomBytes(200_000 + i);
      const src = new PassThrough();
      src.end(mine);
      await c.upload(src, `/par-${i}.bin`);
      const sink = new PassThrough();
      const got: Buffer[] = [];
      sink.on("data", (b: Buffer) => got.push(b));
      await c.download(`/par-${i}.bin`, sink);
      await c.quit();
      return sha(Buffer.concat(got)) === sha(mine);
    });
    expect(await Promise.all(jobs)).toEqual(Array(20).fill(true));
  });
});
