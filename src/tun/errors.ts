// TunError: the one error type of the TUN bridge. Its message is a single line the CLI prints
// as it is ("hilftp tun needs root ...", "ip route add ... failed: ..."), its code says which step.

export type TunErrorCode =
  /** Not running as root: creating a TUN device needs CAP_NET_ADMIN. */
  | "NOT_ROOT"
  /** An option is out of range or malformed (device name, address, MTU). */
  | "BAD_OPTION"
  /** The device name is taken already. */
  | "DEVICE_EXISTS"
  /** The loopback interface has no 127.0.0.1, which socat and the relay talk over. */
  | "NO_LOOPBACK"
  /** socat is missing, failed to start, or exited. */
  | "SOCAT"
  /** An `ip` command failed. */
  | "IP"
  /** The device or socat's UDP port did not appear in time. */
  | "TIMEOUT";

export class TunError extends Error {
  override readonly name = "TunError";
  constructor(
    message: string,
    readonly code: TunErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
