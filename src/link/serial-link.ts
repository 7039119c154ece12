// serial: ByteLinks through the serialport package (USB-UART bridges, ST-LINK virtual COM ports,
// ptys). Loaded on first use, so nothing native is loaded for the other kinds.
//
// Works around two stalls in @serialport/bindings-cpp 13.0.0 (its unix reads and writes wait for
// EAGAIN to clear on one uv_poll handle per port, src/poller.cpp):
// - Poller::poll() records the union of the events asked for but calls uv_poll_start() with only
//   the newest one. A read that hits EAGAIN while a write waits for 'writable' therefore cancels
//   the write's wait: the write hangs until the peer happens to send something. Sending 300
//   frames over a socat pty pair on the (loaded) build machine hung 6 runs in 20 without the fix,
//   0 in 60 with it. Fix: this port's poller always asks for every event someone waits on.
// - The poller calls into JS with Napi Function::Call, not MakeCallback, so the promise
//   continuation that retries after EAGAIN waits for something else to drain the microtask queue
//   (open upstream: serialport/bindings-cpp PR #239). A no-op timer every TICK_MS while the port
//   is open bounds that wait.
import type { Duplex } from "node:stream";
import { LinkError } from "./errors.js";
import type { ByteLink } from "./frame-link.js";
import type { SerialSpec } from "./spec.js";

const TICK_MS = 5;
const UV_READABLE = 1;
const UV_WRITABLE = 2;

interface PollerLike {
  poll(flag?: number): void;
  listenerCount(event: string): number;
}

function hasPoller(port: unknown): port is { poller: PollerLike } {
  if (typeof port !== "object" || port === null || !("poller" in port)) return false;
  const poller = (port as { poller: unknown }).poller;
  return typeof poller === "object" && poller !== null && "poll" in poller && "listenerCount" in poller;
}

/** Makes every poll request keep the events other callers are still waiting on (see above). */
function pollForAllWaiters(port: unknown): void {
  if (!hasPoller(port)) return;
  const poller = port.poller;
  const pollOnly = poller.poll.bind(poller);
  poller.poll = (flag = 0) => {
    const waiting = (poller.listenerCount("readable") > 0 ? UV_READABLE : 0) | (poller.listenerCount("writable") > 0 ? UV_WRITABLE : 0);
    pollOnly(flag | waiting);
  };
}

type SerialCtor = new (path: string, baudRate: number) => Duplex & { open(cb: (err: Error | null) => void): void };

let serialClass: Promise<SerialCtor> | undefined;

async function loadSerialClass(): Promise<SerialCtor> {
  const { SerialPort } = await import("serialport");
  // SerialPort's destroy() leaves the device open; this one closes it, so destroy() is enough to
  // release a port, as for a socket.
  class SerialByteLink extends SerialPort {
    private tick: NodeJS.Timeout | undefined;
    constructor(path: string, baudRate: number) {
      super({ path, baudRate, autoOpen: false });
      this.once("open", () => {
        pollForAllWaiters(this.port);
        this.tick = setInterval(() => undefined, TICK_MS).unref();
      });
      this.once("close", () => this.stopTick());
    }
    private stopTick(): void {
      clearInterval(this.tick);
      this.tick = undefined;
    }
    override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
      this.stopTick();
      const port = this.port;
      if (!port?.isOpen) {
        callback(error);
        return;
      }
      port.close().then(
        () => callback(error),
        (closeError: unknown) => callback(error ?? (closeError instanceof Error ? closeError : new Error(String(closeError)))),
      );
    }
  }
  return SerialByteLink;
}

export async function openSerial(spec: SerialSpec, name: string): Promise<ByteLink> {
  serialClass ??= loadSerialClass();
  const Serial = await serialClass;
  const port = new Serial(spec.path, spec.baud);
  await new Promise<void>((resolve, reject) => {
    port.open((err) => (err ? reject(serialError(name, err)) : resolve()));
  });
  return port;
}

/** serialport's errors are free text ("Error: No such file or directory, cannot open /dev/x"). */
function serialError(name: string, err: Error): LinkError {
  const text = err.message;
  if (/No such file or directory/i.test(text)) return new LinkError(`${name}: no such device`, "NO_DEVICE", { cause: err });
  if (/Permission denied/i.test(text)) return new LinkError(`${name}: permission denied`, "PERMISSION", { cause: err });
  if (/Inappropriate ioctl/i.test(text)) {
    return new LinkError(`${name}: not a serial port, or the baud rate is not supported`, "NOT_SERIAL", { cause: err });
  }
  if (/Cannot lock port|Resource temporarily unavailable/i.test(text)) {
    return new LinkError(`${name}: in use by another program`, "IO", { cause: err });
  }
  const clean = text.replace(/^Error:\s*/, "").replace(/,\s*cannot open .*$/, "").replace(/\s+/g, " ").trim();
  return new LinkError(`${name}: ${clean}`, "IO", { cause: err });
}
