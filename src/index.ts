// hilftp's library entry: the FTP server and client, the Network seam, the file systems.
export * from "./network.js";
export * from "./ftp/server/index.js";
export * from "./ftp/client/index.js";
export * from "./ftp/fs/index.js";
