// hilftp demo: the main job on the built-in reference target. For now the target is this
// host: a server on a temporary directory and a client session against it, passive and
// active, every transfer checked by SHA-256. Exits non-zero if any step fails.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FtpClient } from "../ftp/client/index.js";
import { FtpServer } from "../ftp/server/index.js";
import { formatBytes } from "./progress.js";

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

export async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { size: { type: "string", default: "8" } } });
  const mib = Number(values.size);
  const dir = await mkdtemp(join(tmpdir(), "hilftp-demo-"));
  await mkdir(join(dir, "served"));
  const server = new FtpServer({ root: join(dir, "served"), port: 0, users: { demo: "demo" } });
  const ep = await server.listen();
  const step = (text: string): void => void process.stdout.write(`  ${text}\n`);
  process.stdout.write(`server: ftp://demo:demo@${ep.address}:${ep.port}/ serving ${join(dir, "served")}\n`);
  const client = await FtpClient.connect({ host: ep.address, port: ep.port, user: "demo", password: "demo" });
  try {
    const payload = randomBytes(mib * 1024 * 1024);
    const local = join(dir, "payload.bin");
    await writeFile(local, payload);
    step(`logged in; working directory ${await client.pwd()}`);
    step(`mkdir ${await client.mkdir("/demo")}`);
    for (const passive of [true, false]) {
      client.setPassive(passive);
      const mode = passive ? "passive" : "active";
      const up = await client.upload(local, `/demo/${mode}.bin`);
      step(`${mode}: put ${formatBytes(up.bytes)} in ${Math.round(up.elapsedMs)} ms (${rate(up.bytes, up.elapsedMs)})`);
      const back = join(dir, `${mode}.back`);
      const down = await client.download(`/demo/${mode}.bin`, back);
      const same = sha256(await readFile(back)) === sha256(payload);
      step(`${mode}: get ${formatBytes(down.bytes)} in ${Math.round(down.elapsedMs)} ms (${rate(down.bytes, down.elapsedMs)}), sha256 ${same ? "matches" : "DIFFERS"}`);
      if (!same) throw new Error(`${mode} round trip changed the file`);
    }
    const listing = await client.list("/demo");
    step(`ls /demo: ${listing.map((e) => `${e.name} (${e.size})`).join(", ")}`);
    await client.rename("/demo/active.bin", "/demo/renamed.bin");
    step(`mv active.bin renamed.bin; size ${await client.size("/demo/renamed.bin")}`);
    for (const e of await client.list("/demo")) await client.delete(`/demo/${e.name}`);
    await client.rmdir("/demo");
    step("cleaned up; quit");
    await client.quit();
    process.stdout.write("demo: ok\n");
  } finally {
    client.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function rate(bytes: number, ms: number): string {
  return `${formatBytes(ms > 0 ? (bytes * 1000) / ms : bytes)}/s`;
}
