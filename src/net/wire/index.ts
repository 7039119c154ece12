// The wire codecs in one import: pure functions from bytes to typed headers and back.

export * from "./result.js";
export * from "./seq.js";
export * from "./address.js";
export * from "./checksum.js";
export * from "./tcp.js";
export * from "./ipv4.js";
export * from "./ipv6.js";
export * from "./icmp.js";
export * from "./packet.js";
