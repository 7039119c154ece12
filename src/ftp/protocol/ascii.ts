// TYPE A line-ending conversion for data streams (RFC 959 3.1.1.1): the host's LF becomes
// the network's CRLF on the way out, CRLF becomes LF on the way in. Stateful across chunks,
// so a CR and its LF may arrive in different reads. Shared by server and client.
import { Transform, type TransformCallback } from "node:stream";

const CR = 0x0d;
const LF = 0x0a;

/** LF -> CRLF; an LF already preceded by CR is left alone. */
export function toNetworkAscii(): Transform {
  let lastWasCr = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const out: Buffer[] = [];
      let from = 0;
      let at = chunk.indexOf(LF);
      while (at !== -1) {
        const precededByCr = at > 0 ? chunk[at - 1] === CR : lastWasCr;
        if (!precededByCr) {
          out.push(chunk.subarray(from, at), CRLF);
          from = at + 1;
        }
        at = chunk.indexOf(LF, at + 1);
      }
      out.push(chunk.subarray(from));
      if (chunk.length > 0) lastWasCr = chunk[chunk.length - 1] === CR;
      done(null, out.length === 1 ? out[0] : Buffer.concat(out));
    },
  });
}

/** CRLF -> LF; a CR not followed by LF is kept. */
export function fromNetworkAscii(): Transform {
  let heldCr = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const out: Buffer[] = [];
      let from = 0;
      if (heldCr) {
        heldCr = false;
        if (chunk[0] !== LF) out.push(CR_ONLY);
      }
      let at = chunk.indexOf(CR);
      while (at !== -1) {
        if (at === chunk.length - 1) {
          out.push(chunk.subarray(from, at));
          from = chunk.length;
          heldCr = true;
          break;
        }
        if (chunk[at + 1] === LF) {
          out.push(chunk.subarray(from, at));
          from = at + 1;
        }
        at = chunk.indexOf(CR, at + 1);
      }
      out.push(chunk.subarray(from));
      done(null, Buffer.concat(out));
    },
    flush(done: TransformCallback) {
      done(null, heldCr ? CR_ONLY : undefined);
    },
  });
}

const CRLF = Buffer.from("\r\n");
const CR_ONLY = Buffer.from("\r");
