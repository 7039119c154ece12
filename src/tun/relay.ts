// UdpRelay: moves IP packets between a FrameLink and socat's UDP socket, one datagram per
// packet both ways. Datagrams from any other sender are dropped (anything on the loopback could
// otherwise inject packets onto the link). Toward the link it behaves like a NIC's transmit ring:
// when the link pushes back, a bounded queue holds packets until 'drain', and beyond it they are
// dropped and counted; the kernel's TCP sees a loss and backs off, as on a real interface.
// Toward the kernel, a frame whose first nibble is not 4 or 6 (line noise, a flipped bit) is
// dropped here: the TUN driver refuses it with EINVAL, and socat exits on a failed write.
import type { Socket as UdpSocket, RemoteInfo } from "node:dgram";
import type { FrameLink } from "../link/frame-link.js";

export interface RelayCounters {
  /** Packets from the kernel (socat) sent onto the link, and their bytes. */
  toLink: number;
  toLinkBytes: number;
  /** Frames from the link handed to the kernel (socat), and their bytes. */
  toKernel: number;
  toKernelBytes: number;
  /** Packets from the kernel dropped because the link's queue was full. */
  queueDrops: number;
  /** Frames from the link that are not IPv4 or IPv6 by their version nibble, dropped. */
  notIp: number;
  /** Datagrams that did not come from socat's port, dropped. */
  foreign: number;
  /** Failed sends toward socat. */
  sendErrors: number;
}

export interface RelayOptions {
  /** socat's UDP port on 127.0.0.1: where frames go, and the only sender accepted. */
  readonly peerPort: number;
  /** Packets held while the link pushes back (default 64). */
  readonly queueFrames?: number;
}

export const DEFAULT_QUEUE_FRAMES = 64;
const LOOPBACK = "127.0.0.1";

export class UdpRelay {
  readonly counters: RelayCounters = { toLink: 0, toLinkBytes: 0, toKernel: 0, toKernelBytes: 0, queueDrops: 0, notIp: 0, foreign: 0, sendErrors: 0 };
  private readonly queue: Buffer[] = [];
  private readonly queueFrames: number;
  private readonly peerPort: number;
  private blocked = false;
  private running = false;

  private readonly onDatagram = (msg: Buffer, from: RemoteInfo): void => this.fromKernel(msg, from);
  private readonly onFrame = (frame: Buffer): void => this.fromLink(frame);
  private readonly onDrain = (): void => this.flush();

  constructor(
    private readonly link: FrameLink,
    private readonly socket: UdpSocket,
    options: RelayOptions,
  ) {
    this.peerPort = options.peerPort;
    this.queueFrames = options.queueFrames ?? DEFAULT_QUEUE_FRAMES;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.socket.on("message", this.onDatagram);
    this.link.on("frame", this.onFrame);
    this.link.on("drain", this.onDrain);
  }

  /** Detaches from both sides and drops what is queued; closes neither. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.socket.off("message", this.onDatagram);
    this.link.off("frame", this.onFrame);
    this.link.off("drain", this.onDrain);
    this.queue.length = 0;
  }

  /** Packets waiting for the link to drain. */
  get queued(): number {
    return this.queue.length;
  }

  private fromKernel(msg: Buffer, from: RemoteInfo): void {
    if (from.port !== this.peerPort || from.address !== LOOPBACK) {
      this.counters.foreign++;
      return;
    }
    if (this.blocked) {
      if (this.queue.length >= this.queueFrames) this.counters.queueDrops++;
      else this.queue.push(msg);
      return;
    }
    this.toLink(msg);
  }

  private toLink(packet: Buffer): void {
    this.counters.toLink++;
    this.counters.toLinkBytes += packet.length;
    if (!this.link.send(packet)) this.blocked = true;
  }

  private flush(): void {
    this.blocked = false;
    // Bounded by the queue's length: nothing is added while this runs.
    while (!this.blocked && this.queue.length > 0) this.toLink(this.queue.shift()!);
  }

  private fromLink(frame: Buffer): void {
    const version = frame.length > 0 ? frame[0]! >> 4 : 0;
    if (version !== 4 && version !== 6) {
      this.counters.notIp++;
      return;
    }
    this.counters.toKernel++;
    this.counters.toKernelBytes += frame.length;
    this.socket.send(frame, this.peerPort, LOOPBACK, (err) => {
      if (err) this.counters.sendErrors++;
    });
  }
}
