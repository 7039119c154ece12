// serial: proved on a pty pair from socat: the same termios/ioctl path as a USB-UART, no hardware.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkError } from "./errors.js";
import type { FrameLink } from "./frame-link.js";
import { openLink } from "./open.js";
import { SlipFraming } from "./slip-framing.js";

let dir: string;
let socat: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hilftp-serial-"));
  const child = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${dir}/A`, `pty,raw,echo=0,link=${dir}/B`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  socat = child;
  // socat logs "starting data transfer loop" once both ptys and their links exist
  await new Promise<void>((resolve, reject) => {
    let log = "";
    child.stderr?.on("data", (c: Buffer) => {
      log += c.toString();
      if (log.includes("starting data transfer loop")) resolve();
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`socat exited (${code}): ${log}`)));
  });
});

afterAll(async () => {
  const child = socat;
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(child.pid, "SIGTERM");
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

function nextFrames(link: FrameLink, n: number): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    link.on("frame", (f) => {
      got.push(Buffer.from(f));
      if (got.length === n) resolve(got);
    });
  });
}

describe("serial links", () => {
  it("frames sent on one end of a pty pair arrive intact on the other, both ways", async () => {
    const a = new SlipFraming(await openLink(`serial:${dir}/A`), { name: "A" });
    const b = new SlipFraming(await openLink(`serial:${dir}/B@115200`), { name: "B" });
    const frames = Array.from({ length: 100 }, (_, i) => {
      const f = Buffer.alloc(1 + ((i * 37) % 1500));
      for (let k = 0; k < f.length; k++) f[k] = (k + i) & 0xff; // every byte value, END and ESC included
      return f;
    });
    const atB = nextFrames(b, frames.length);
    const atA = nextFrames(a, 1);
    for (const f of frames) a.send(f);
    b.send(Buffer.from([0xc0, 0xdb, 0x00, 0xff]));
    const got = await atB;
    expect(got.length).toBe(frames.length);
    expect(got.every((f, i) => f.equals(frames[i] ?? Buffer.alloc(0)))).toBe(true);
    expect(await atA).toEqual([Buffer.from([0xc0, 0xdb, 0x00, 0xff])]);
    expect(b.stats).toMatchObject({ framesIn: 100, oversize: 0, badEscape: 0 });
    await a.close();
    await b.close();
  }, 30_000);

  it("a read's poll keeps a pending write's poll (workaround for bindings-cpp's Poller)", async () => {
    // Native Poller.poll(flags) is uv_poll_start(flags): whatever it is not given is not watched.
    // Unpatched, a read waiting for 'readable' replaced a write waiting for 'writable'.
    const raw = await openLink(`serial:${dir}/A`);
    try {
      type Native = { poll(flags: number): void };
      const poller = (raw as unknown as { port?: { poller?: { poller: Native; once(e: string, f: () => void): void } } }).port?.poller;
      expect(poller).toBeDefined();
      if (!poller) return;
      const native = poller.poller;
      const started: number[] = [];
      const startPoll = native.poll.bind(native);
      // an N-API method is read-only on the prototype: shadow it on the instance
      Object.defineProperty(native, "poll", {
        configurable: true,
        value: (flags: number) => {
          started.push(flags);
          startPoll(flags);
        },
      });
      poller.once("writable", () => undefined); // as unixWrite does after EAGAIN
      poller.once("readable", () => undefined); // as unixRead does after EAGAIN
      expect(started.at(-1)).toBe(1 | 2); // UV_READABLE | UV_WRITABLE
    } finally {
      raw.destroy();
      await new Promise<void>((resolve) => raw.once("close", () => resolve()));
    }
  });

  it("can reopen a port after closing it (the device was released)", async () => {
    const first = new SlipFraming(await openLink(`serial:${dir}/A`));
    await first.close();
    const again = new SlipFraming(await openLink(`serial:${dir}/A`));
    await again.close();
  });

  it("reports a missing device in one line naming the spec", async () => {
    const missing = [`serial:${dir}/ttyUSB9`, ...(existsSync("/dev/ttyUSB9") ? [] : ["serial:/dev/ttyUSB9"])];
    for (const spec of missing) {
      const err = await openLink(spec).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LinkError);
      expect((err as LinkError).message).toBe(`${spec}: no such device`);
      expect((err as LinkError).code).toBe("NO_DEVICE");
    }
  });

  it("reports a file that is not a serial port", async () => {
    const path = join(dir, "not-a-tty");
    await writeFile(path, "");
    const err = await openLink(`serial:${path}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe("NOT_SERIAL");
    expect((err as LinkError).message).toBe(`serial:${path}: not a serial port, or the baud rate is not supported`);
  });
});
