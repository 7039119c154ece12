// hilftp's library entry: the FTP server and client, the Network seam, the file systems.
export * from "./network.js";
export * from "./ftp/server/index.js";
export * from "./ftp/client/index.js";
export * from "./ftp/fs/index.js";
export * from "./board/index.js";
export { openTunnel, tunnelOptions, parseFaults, type Tunnel, type TunnelOptions, type TunnelOverrides } from "./tunnel.js";
export { Stack, StackError, type StackOptions, type AddressPair } from "./net/stack.js";
export { DEFAULT_TCP_CONFIG, type TcpConfig } from "./net/tcp/index.js";
export { SlipNetwork } from "./net/slip-network.js";
export { openLink, SlipFraming, faults, shape, pcapTap, linkPair, ProcessLink, readPcap, goodput, lineCount, type FrameLink, type ByteLink, type FaultOptions, type LinkStats, type PcapFile } from "./link/index.js";
