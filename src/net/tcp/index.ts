// The TCP state machine and its Duplex socket in one import.
export * from "./types.js";
export { TcpConnection, DEFAULT_PEER_MSS } from "./connection.js";
export { listenerResponse } from "./listener.js";
export { TcpError, type TcpErrorCode } from "./errors.js";
export { TcpSocket, type TcpSocketOptions } from "./socket.js";
export { initialWindow } from "./congestion.js";
