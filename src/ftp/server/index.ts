// Public face of the FTP server.
export { FtpServer } from "./server.js";
export type { FtpServerOptions, LoginRequest, LogoutInfo, SessionGrant, Dialect } from "./options.js";
export type { ServerEvents } from "./events.js";
export type { TransferKind } from "./dialect.js";
