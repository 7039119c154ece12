// The FTP protocol codecs shared by the server and the client: replies, commands and control
// lines, data-connection addresses, listings and time values. Pure: no I/O, no timers.
export * from "./reply.js";
export * from "./command.js";
export * from "./address.js";
export * from "./listing.js";
export * from "./time.js";
