// The fast checksum reads aligned 32-bit words and fixes the byte order at the end; these tests hold it to
// the obvious 16-bit-at-a-time version at every alignment, length and chaining split.
import { describe, expect, it } from "vitest";
import { finishChecksum, internetChecksum, pseudoHeaderSum, sum16 } from "./checksum.js";
import { randomBytes, referenceChecksum, seededRandom } from "./test-support.js";

describe("internet checksum", () => {
  it("matches the RFC 1071 §3 worked example", () => {
    const data = Buffer.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(sum16(data)).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  it("verifies a real IPv4 header captured from Linux", () => {
    const header = Buffer.from("4500003cecd5400040064fe47f0000017f000001", "hex");
    expect(internetChecksum(header)).toBe(0);
    header.writeUInt16BE(0, 10);
    expect(internetChecksum(header)).toBe(0x4fe4);
  });

  it("gives 0xffff for all-zero data and 0 for data that sums to 0xffff", () => {
    expect(internetChecksum(Buffer.alloc(100))).toBe(0xffff);
    expect(internetChecksum(Buffer.from([0xff, 0xff]))).toBe(0);
    expect(internetChecksum(Buffer.alloc(0))).toBe(0xffff);
  });

  it("equals the reference at every alignment and length", () => {
    const random = seededRandom(1071);
    const backing = randomBytes(random, 4096);
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length < 300; length++) {
        const view = backing.subarray(offset, offset + length);
        expect(internetChecksum(view), `offset ${offset} length ${length}`).toBe(referenceChecksum(view));
      }
    }
  });

  it("equals the reference for random buffers, views and initial sums", () => {
    const random = seededRandom(42);
    for (let round = 0; round < 500; round++) {
      const length = Math.floor(random() * 3000);
      const offset = Math.floor(random() * 7);
      const view = randomBytes(random, length + offset).subarray(offset);
      const initialBytes = randomBytes(random, 6);
      expect(finishChecksum(sum16(view, sum16(initialBytes))), `round ${round}`).toBe(referenceChecksum(initialBytes, view));
    }
  });

  it("handles data of saturated words (carries on every add)", () => {
    const ones = Buffer.alloc(5000, 0xff);
    expect(internetChecksum(ones)).toBe(referenceChecksum(ones));
    const big = Buffer.alloc(5 * 1024 * 1024 + 3, 0xff); // more words than one exact block of the fast path
    big[7] = 0x12;
    expect(internetChecksum(big)).toBe(referenceChecksum(big));
  });

  it("chains over pieces of even length", () => {
    const random = seededRandom(7);
    const whole = randomBytes(random, 1001);
    for (const cut of [0, 2, 20, 40, 64, 100, 998, 1000]) {
      const chained = sum16(whole.subarray(cut), sum16(whole.subarray(0, cut)));
      expect(finishChecksum(chained), `cut ${cut}`).toBe(internetChecksum(whole));
    }
  });

  it("builds the IPv4 and IPv6 pseudo headers", () => {
    const src4 = Buffer.from([198, 51, 100, 1]);
    const dst4 = Buffer.from([198, 51, 100, 2]);
    const ph4 = Buffer.concat([src4, dst4, Buffer.from([0, 6, 0x05, 0xdc])]);
    expect(finishChecksum(pseudoHeaderSum(src4, dst4, 6, 1500))).toBe(referenceChecksum(ph4));
    const src6 = Buffer.from("20010db8000000000000000000000001", "hex");
    const dst6 = Buffer.from("20010db80000000000000000000000ff", "hex");
    const ph6 = Buffer.concat([src6, dst6, Buffer.from([0, 1, 0x00, 0x10, 0, 0, 0, 58])]);
    expect(finishChecksum(pseudoHeaderSum(src6, dst6, 58, 0x10010))).toBe(referenceChecksum(ph6));
  });
});
