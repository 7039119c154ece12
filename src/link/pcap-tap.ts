// pcapTap(): records every frame passing a FrameLink, both directions, into a classic pcap file
// (LINKTYPE_RAW: each frame is an IPv4 or IPv6 packet), for tshark/Wireshark and for tests that
// check what the stack put on the line. The file is complete once close() resolves.
import { createWriteStream, openSync, type WriteStream } from "node:fs";
import { FrameLinkDecorator } from "./decorator.js";
import { linkErrorFrom } from "./errors.js";
import type { FrameLink } from "./frame-link.js";
import { DEFAULT_SNAPLEN, LINKTYPE_RAW, pcapGlobalHeader, pcapRecord } from "./pcap-format.js";

export interface PcapTapOptions {
  /** Wall-clock milliseconds since the epoch for record timestamps (default: µs-resolution system time). */
  readonly now?: () => number;
  readonly snaplen?: number;
}

const wallClock = (): number => performance.timeOrigin + performance.now();

class PcapTap extends FrameLinkDecorator {
  private readonly file: WriteStream;
  private readonly now: () => number;
  private readonly snaplen: number;

  constructor(inner: FrameLink, path: string, fd: number, options: PcapTapOptions) {
    super(inner);
    this.now = options.now ?? wallClock;
    this.snaplen = options.snaplen ?? DEFAULT_SNAPLEN;
    this.file = createWriteStream(path, { fd, highWaterMark: 256 * 1024 });
    this.file.on("error", (err) => this.emit("error", linkErrorFrom(`pcap ${path}`, err)));
    this.file.write(pcapGlobalHeader(this.snaplen, LINKTYPE_RAW));
  }

  override send(frame: Buffer): boolean {
    if (!this.isClosed) this.record(frame);
    return this.inner.send(frame);
  }

  protected override receive(frame: Buffer): void {
    this.record(frame);
    this.emit("frame", frame);
  }

  protected override async finish(): Promise<void> {
    const file = this.file;
    if (file.closed) return;
    await new Promise<void>((resolve, reject) => {
      file.once("close", () => resolve());
      file.once("error", reject);
      file.end();
    });
  }

  private record(frame: Buffer): void {
    if (this.file.writableEnded) return;
    this.file.write(pcapRecord(frame, this.now(), this.snaplen));
  }
}

/** Wraps a FrameLink so every frame both ways is appended to a pcap file at `path`. */
export function pcapTap(link: FrameLink, path: string, options: PcapTapOptions = {}): FrameLink {
  // Opened synchronously, before wrapping, so a bad path fails this call instead of a later 'error'.
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (err) {
    throw linkErrorFrom(`pcap ${path}`, err);
  }
  return new PcapTap(link, path, fd, options);
}
