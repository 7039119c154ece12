// A Writable that keeps only the SHA-256 and byte count of what it is given: downloads in the
// demo and the bench are checked without holding the file.
import { createHash } from "node:crypto";
import { Writable } from "node:stream";

export interface HashSink {
  readonly sink: Writable;
  /** Call once, after the sink finished. */
  digest(): { bytes: number; sha256: string };
}

export function hashSink(): HashSink {
  const hash = createHash("sha256");
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done();
    },
  });
  return { sink, digest: () => ({ bytes, sha256: hash.digest("hex") }) };
}
