// Test data shared by the src tests and hil-tests: SHA-256 of a Buffer, deterministic payloads, the
// bytes the board's test agent writes for MKFILE (so a test can check them without asking the
// agent), and Buffers moved through an FtpClient without temp files. Not part of the package's API
// (index.ts does not export it).
import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import type { FtpClient } from "../ftp/client/index.js";

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Deterministic test data (a different stream from the agent's, so a mix-up shows). */
export function testData(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0 || 7;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/**
 * The agent's MKFILE content (firmware-shim/README.md): xorshift32 (13, 17, 5) from seed ^ 0xA5A5A5A5,
 * low byte per step; a state of 0 would stay 0, so it starts from 1 instead (as the firmware does).
 */
export function agentContent(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = (seed ^ 0xa5a5a5a5) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  return out;
}

export async function uploadBuffer(client: FtpClient, data: Buffer, remote: string): Promise<void> {
  await client.upload(Readable.from([data]), remote);
}

export async function downloadBuffer(client: FtpClient, remote: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await client.download(
    remote,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(chunks);
}
