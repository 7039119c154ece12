// The FTP client's public surface.
export {
  FtpClient,
  type DownloadOptions,
  type FtpClientOptions,
  type FtpConnectOptions,
  type TransferOptions,
  type UploadOptions,
} from "./client.js";
export { AbortError, FtpConnectionError, FtpError, FtpTimeoutError } from "./errors.js";
export type { TransferProgress } from "./monitor.js";
export type { TransferResult } from "./transfer.js";
export type { Reply } from "../protocol/reply.js";
export type { ListEntry } from "../protocol/listing.js";
