// The typed error a TcpSocket is destroyed with; `code` matches node:net's errno names
// so code written against net.Socket recognises it.
export type TcpErrorCode = "ECONNRESET" | "ETIMEDOUT" | "ECONNREFUSED";

export class TcpError extends Error {
  override readonly name = "TcpError";
  constructor(
    readonly code: TcpErrorCode,
    message: string,
  ) {
    super(message);
  }
}
