// Test support for code that reads frames off a FrameLink (the link tests, the tun relay's).
// Not part of the package's API (index.ts does not export it).
import type { FrameLink } from "./frame-link.js";

/** Resolves with the next `n` frames `link` delivers, copied (a link may hand out views it reuses). */
export function nextFrames(link: FrameLink, n: number): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const on = (f: Buffer): void => {
      got.push(Buffer.from(f));
      if (got.length === n) {
        link.off("frame", on);
        resolve(got);
      }
    };
    link.on("frame", on);
  });
}
