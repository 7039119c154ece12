// The README's example of a user's own board test, run by CI against native-sim: the README shows
// this file verbatim (src/readme.test.ts checks), so the example users copy is one that passes.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { useBoard } from "hilftp/testing";

describe("my board's FTP server", () => {
  // HIL_BOARD / HIL_LINK pick the board (default native-sim, started for the run); a failed
  // test keeps the run's pcap and prints where it is.
  const board = useBoard();

  it("stores a file and the board holds the same bytes", async () => {
    const data = randomBytes(20_000);
    const ftp = await board().ftp({ passive: true });
    try {
      await ftp.upload(Readable.from([data]), "/fw.bin");
      // NetX answers SIZE with 502; its LIST has the size.
      const entry = (await ftp.list("/")).find((e) => e.name === "fw.bin");
      expect(entry?.size).toBe(data.length);
    } finally {
      await ftp.quit();
    }
    // The test agent on the board hashes its own copy.
    const digest = await board().agent!.hash("/fw.bin");
    expect(digest.sha256).toBe(createHash("sha256").update(data).digest("hex"));
    await board().agent!.rm("/fw.bin");
  });

  it("never ran out of packet buffers because of the host", async () => {
    const { device } = await board().counters();
    expect(device?.pool_low_water).toBeGreaterThan(0);
  });
});
